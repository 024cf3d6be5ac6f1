//! Validation of one incoming output record (a JSON line, see docs/output-records.md) into the
//! promoted fields the store indexes, plus the typed payload of the agent's custom events.
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::timefmt::{parse_rfc3339_ms, DAY_MS};

/// Largest accepted record, in bytes.
pub const MAX_RECORD_BYTES: usize = 1 << 20;
/// How far in the future a record's `date` may lie (agent clock skew allowance).
pub const MAX_FUTURE_SKEW_MS: i64 = DAY_MS;
/// `evt.category` of the agent's own custom events.
pub const CUSTOM_EVENT_CATEGORY: &str = "Vigil";

/// A record that passed validation, with the fields the store promotes to columns.
#[derive(Debug, Clone)]
pub struct ValidRecord {
    /// The record exactly as received.
    pub doc: String,
    pub ts_ms: i64,
    pub host: String,
    pub rule_id: String,
    pub evt_name: String,
    pub exe_path: Option<String>,
    pub container_id: Option<String>,
    pub file_path: Option<String>,
    /// The rule's description (`title` envelope key), if present.
    pub title: Option<String>,
    pub agent: AgentInfo,
    pub kind: RecordKind,
}

/// The `agent` envelope fields that describe the sending agent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AgentInfo {
    pub version: String,
    pub os: String,
    pub arch: String,
}

/// What a record means to the backend beyond being stored.
#[derive(Debug, Clone)]
pub enum RecordKind {
    /// An event that matched a rule: candidate for a security signal.
    Security,
    RulesetLoaded(RulesetLoaded),
    Heartbeat(Heartbeat),
    LostEvents(LostEvents),
    /// Another custom event of the agent: stored, never signalled.
    OtherCustom,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RulesetLoaded {
    pub policies: Vec<LoadedPolicy>,
    pub loaded: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LoadedPolicy {
    pub name: String,
    pub version: String,
    pub source: String,
    pub rules: Vec<LoadedRule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LoadedRule {
    pub id: String,
    pub version: String,
    pub expression: String,
    pub status: String,
    pub message: String,
    pub tags: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Heartbeat {
    pub policies: Vec<Value>,
    pub uptime_seconds: u64,
    pub rules_loaded: u64,
    pub rules_failed: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LostEvents {
    pub total: u64,
    #[serde(flatten)]
    pub breakdown: Map<String, Value>,
}

/// The time window a record's `date` must fall in.
#[derive(Debug, Clone, Copy)]
pub struct AcceptWindow {
    pub oldest_ms: i64,
    pub newest_ms: i64,
}

impl AcceptWindow {
    /// Accepts records from `retention_days` ago (start of that day) up to the skew allowance.
    pub fn for_retention(now_ms: i64, retention_days: u32) -> Self {
        let today = now_ms.div_euclid(DAY_MS);
        let oldest_day = today - i64::from(retention_days.max(1)) + 1;
        AcceptWindow {
            oldest_ms: oldest_day * DAY_MS,
            newest_ms: now_ms + MAX_FUTURE_SKEW_MS,
        }
    }
}

fn str_at<'a>(root: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = root;
    for key in path {
        cur = cur.get(key)?;
    }
    cur.as_str()
}

fn required_str(root: &Value, path: &[&str]) -> Result<String, String> {
    let dotted = path.join(".");
    let mut cur = root;
    for key in path {
        cur = cur.get(key).ok_or_else(|| format!("missing `{dotted}`"))?;
    }
    match cur.as_str() {
        Some("") => Err(format!("`{dotted}` is empty")),
        Some(s) => Ok(s.to_owned()),
        None => Err(format!("`{dotted}` must be a string")),
    }
}

fn optional_nonempty(root: &Value, path: &[&str]) -> Option<String> {
    str_at(root, path)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn payload<T: for<'de> Deserialize<'de>>(root: &Value, key: &str) -> Result<T, String> {
    let value = root
        .get(key)
        .ok_or_else(|| format!("custom event `{key}` lacks its `{key}` payload"))?;
    T::deserialize(value).map_err(|e| format!("`{key}` payload is malformed: {e}"))
}

/// Validates one record line. The error text says precisely what is wrong.
pub fn validate(line: &str, window: AcceptWindow) -> Result<ValidRecord, String> {
    if line.len() > MAX_RECORD_BYTES {
        return Err(format!(
            "record is {} bytes, the limit is {MAX_RECORD_BYTES}",
            line.len()
        ));
    }
    let root: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    if !root.is_object() {
        return Err("record must be a JSON object".to_owned());
    }
    let evt_name = required_str(&root, &["evt", "name"])?;
    let date = required_str(&root, &["date"])?;
    let rule_id = required_str(&root, &["agent", "rule_id"])?;
    let host = required_str(&root, &["hostname"])?;
    let ts_ms = parse_rfc3339_ms(&date).map_err(|e| format!("`date`: {e}"))?;
    if ts_ms < window.oldest_ms {
        return Err(format!("`date` {date} is older than the retention window"));
    }
    if ts_ms > window.newest_ms {
        return Err(format!("`date` {date} is more than 24h in the future"));
    }
    let agent = root
        .get("agent")
        .map(|a| AgentInfo::deserialize(a).unwrap_or_default())
        .unwrap_or_default();
    let is_custom = str_at(&root, &["evt", "category"]) == Some(CUSTOM_EVENT_CATEGORY);
    let kind = if !is_custom {
        RecordKind::Security
    } else {
        match evt_name.as_str() {
            "ruleset_loaded" => RecordKind::RulesetLoaded(payload(&root, "ruleset_loaded")?),
            "heartbeat" => RecordKind::Heartbeat(payload(&root, "heartbeat")?),
            "lost_events" => RecordKind::LostEvents(payload(&root, "lost_events")?),
            _ => RecordKind::OtherCustom,
        }
    };
    Ok(ValidRecord {
        exe_path: optional_nonempty(&root, &["process", "executable", "path"]),
        container_id: optional_nonempty(&root, &["container", "id"])
            .or_else(|| optional_nonempty(&root, &["process", "container", "id"])),
        file_path: optional_nonempty(&root, &["file", "path"]),
        title: optional_nonempty(&root, &["title"]),
        doc: line.to_owned(),
        ts_ms,
        host,
        rule_id,
        evt_name,
        agent,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIDE: AcceptWindow = AcceptWindow {
        oldest_ms: 0,
        newest_ms: i64::MAX,
    };

    fn rec(extra: &str) -> String {
        format!(
            r#"{{"evt":{{"name":"open","category":"File Activity"}},"date":"2026-11-23T10:00:00Z","agent":{{"rule_id":"r1","version":"0.1.0"}},"hostname":"h1"{extra}}}"#
        )
    }

    #[test]
    fn promotes_fields() {
        let line = rec(
            r#","process":{"executable":{"path":"/bin/cat"}},"container":{"id":"c1"},"file":{"path":"/etc/shadow"}"#,
        );
        let r = validate(&line, WIDE).unwrap();
        assert_eq!(
            (r.host.as_str(), r.rule_id.as_str(), r.evt_name.as_str()),
            ("h1", "r1", "open")
        );
        assert_eq!(r.exe_path.as_deref(), Some("/bin/cat"));
        assert_eq!(r.container_id.as_deref(), Some("c1"));
        assert_eq!(r.file_path.as_deref(), Some("/etc/shadow"));
        assert_eq!(r.agent.version, "0.1.0");
        assert!(matches!(r.kind, RecordKind::Security));
    }

    #[test]
    fn precise_errors() {
        assert!(validate("{", WIDE).unwrap_err().starts_with("invalid JSON"));
        assert_eq!(
            validate("[1]", WIDE).unwrap_err(),
            "record must be a JSON object"
        );
        let no_rule =
            r#"{"evt":{"name":"open"},"date":"2026-11-23T10:00:00Z","agent":{},"hostname":"h"}"#;
        assert_eq!(
            validate(no_rule, WIDE).unwrap_err(),
            "missing `agent.rule_id`"
        );
        let bad_name = r#"{"evt":{"name":3},"date":"2026-11-23T10:00:00Z","agent":{"rule_id":"r"},"hostname":"h"}"#;
        assert_eq!(
            validate(bad_name, WIDE).unwrap_err(),
            "`evt.name` must be a string"
        );
        let bad_date = rec("").replace("2026-11-23T10:00:00Z", "tuesday");
        assert!(validate(&bad_date, WIDE)
            .unwrap_err()
            .starts_with("`date`: `tuesday` is not"));
        let narrow = AcceptWindow {
            oldest_ms: i64::MAX - 1,
            newest_ms: i64::MAX,
        };
        assert!(validate(&rec(""), narrow)
            .unwrap_err()
            .contains("older than the retention window"));
        let big = rec(&format!(r#","title":"{}""#, "x".repeat(MAX_RECORD_BYTES)));
        assert!(validate(&big, WIDE).unwrap_err().contains("the limit is"));
    }

    #[test]
    fn custom_events() {
        let line = r#"{"evt":{"name":"heartbeat","category":"Vigil"},"date":"2026-11-23T10:00:00Z","agent":{"rule_id":"heartbeat"},"hostname":"h","heartbeat":{"uptime_seconds":60,"rules_loaded":5,"rules_failed":1,"policies":[]}}"#;
        match validate(line, WIDE).unwrap().kind {
            RecordKind::Heartbeat(hb) => assert_eq!((hb.rules_loaded, hb.rules_failed), (5, 1)),
            other => panic!("unexpected {other:?}"),
        }
        let broken = line.replace(r#""rules_loaded":5"#, r#""rules_loaded":"five""#);
        assert!(validate(&broken, WIDE)
            .unwrap_err()
            .starts_with("`heartbeat` payload is malformed"));
    }
}
