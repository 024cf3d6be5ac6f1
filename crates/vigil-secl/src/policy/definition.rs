//! The policy file format: YAML `version`, `macros` and `rules` (with filters, agent_version,
//! combine / override_options, disabled, silent, every, tags, product_tags and actions).
//! Unknown keys are ignored so newer policies still load.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml::Value;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct MacroDefinition {
    pub id: String,
    pub expression: Option<String>,
    pub values: Option<Vec<String>>,
    pub description: String,
    pub agent_version: Option<String>,
    pub filters: Vec<String>,
    pub combine: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct OverrideOptions {
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct RuleDefinition {
    pub id: String,
    pub version: Option<Value>,
    pub expression: Option<String>,
    pub description: String,
    pub tags: BTreeMap<String, Value>,
    pub product_tags: Vec<String>,
    pub agent_version: Option<String>,
    pub filters: Vec<String>,
    pub disabled: bool,
    pub silent: bool,
    pub combine: Option<String>,
    pub override_options: Option<OverrideOptions>,
    pub actions: Vec<ActionDefinition>,
    /// Minimum interval between two matches (ns, or a duration string such as "10s").
    pub every: Option<Value>,
    pub group_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ActionDefinition {
    pub filter: Option<String>,
    pub set: Option<SetDefinition>,
    pub kill: Option<KillDefinition>,
    pub hash: Option<HashDefinition>,
    pub coredump: Option<CoreDumpDefinition>,
    pub log: Option<LogDefinition>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SetDefinition {
    pub name: String,
    pub value: Option<Value>,
    pub field: Option<String>,
    pub expression: Option<String>,
    pub default_value: Option<Value>,
    pub scope: Option<String>,
    pub scope_field: Option<String>,
    pub append: bool,
    pub size: Option<usize>,
    pub ttl: Option<Value>,
    pub inherited: bool,
    pub private: bool,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct KillDefinition {
    pub signal: String,
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct HashDefinition {
    pub field: Option<String>,
    pub max_file_size: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct CoreDumpDefinition {
    pub process: bool,
    pub mount: bool,
    pub dentry: bool,
    pub no_compression: bool,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct LogDefinition {
    pub level: Option<String>,
    pub message: Option<String>,
}

/// A YAML scalar rendered as text (`1.69.3`, `2`, `"x"`).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// A duration given as nanoseconds or as text (`10s`, `1h30m`, `500ms`).
pub fn duration_ns(v: &Value) -> Result<u64, String> {
    match v {
        Value::Number(n) => n.as_u64().ok_or_else(|| format!("invalid duration {n}")),
        Value::String(s) => parse_duration_text(s).ok_or_else(|| format!("invalid duration {s:?}")),
        other => Err(format!("invalid duration {}", scalar_text(other))),
    }
}

fn parse_duration_text(s: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n_len = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
        let n: u64 = rest[..n_len].parse().ok()?;
        rest = &rest[n_len..];
        let (unit, len) = [
            ("ns", 1u64),
            ("us", 1_000),
            ("ms", 1_000_000),
            ("s", 1_000_000_000),
            ("m", 60_000_000_000),
            ("h", 3_600_000_000_000),
        ]
        .iter()
        .find(|(u, _)| rest.starts_with(u))
        .map(|(u, m)| (*m, u.len()))?;
        rest = &rest[len..];
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    Some(total)
}
