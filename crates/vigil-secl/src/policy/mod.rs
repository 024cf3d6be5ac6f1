//! Policies: reading policy files and directories, and merging several policies by Datadog's
//! rules (duplicate rule ids, `combine: override` with `override_options`, disabling a rule by
//! redefining it with `disabled: true`, macro `combine: merge | override`).

pub mod definition;
pub mod filter;
pub mod version;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

pub use definition::*;

/// One policy file.
#[derive(Debug, Clone)]
pub struct Policy {
    /// File name (`default.policy`).
    pub name: String,
    pub version: String,
    pub source: PathBuf,
    pub macros: Vec<MacroDefinition>,
    /// Rules in file order; a rule whose YAML shape is invalid keeps its id and the error.
    pub rules: Vec<Result<RuleDefinition, (String, String)>>,
}

/// Why a policy file could not be used at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFileError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for PolicyFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for PolicyFileError {}

/// Parses a policy document.
pub fn parse_policy(name: &str, source: &Path, text: &str) -> Result<Policy, PolicyFileError> {
    let err = |message: String| PolicyFileError {
        path: source.to_path_buf(),
        message,
    };
    let doc: Value = serde_yaml::from_str(text).map_err(|e| err(format!("invalid YAML: {e}")))?;
    let map = match &doc {
        Value::Mapping(m) => m,
        Value::Null => return Err(err("empty policy".into())),
        _ => return Err(err("a policy must be a YAML mapping".into())),
    };
    let get = |k: &str| map.get(Value::String(k.to_string()));
    let version = get("version").map(scalar_text).unwrap_or_default();
    let macros = match get("macros") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => {
            serde_yaml::from_value(v.clone()).map_err(|e| err(format!("invalid macros: {e}")))?
        }
    };
    let rules = match get("rules") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|item| {
                serde_yaml::from_value::<RuleDefinition>(item.clone()).map_err(|e| {
                    let id = item.get("id").map(scalar_text).unwrap_or_default();
                    (id, format!("invalid rule definition: {e}"))
                })
            })
            .collect(),
        Some(_) => return Err(err("`rules` must be a list".into())),
    };
    Ok(Policy {
        name: name.to_string(),
        version,
        source: source.to_path_buf(),
        macros,
        rules,
    })
}

/// Reads policy files and directories (a directory contributes its `*.policy` files, sorted by
/// name).
pub fn load_policies(paths: &[PathBuf]) -> Result<Vec<Policy>, PolicyFileError> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| PolicyFileError {
                path: p.clone(),
                message: e.to_string(),
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "policy") && f.is_file())
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).map_err(|e| PolicyFileError {
                path: f.clone(),
                message: e.to_string(),
            })?;
            let name = f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            parse_policy(&name, f, &text)
        })
        .collect()
}

/// A rule after merging, with the policy that defined it.
#[derive(Debug, Clone)]
pub struct MergedRule {
    pub def: RuleDefinition,
    pub policy: String,
    pub policy_version: String,
    /// A definition problem found while merging (id conflict, invalid shape, bad id).
    pub error: Option<String>,
}

/// A macro after merging.
#[derive(Debug, Clone)]
pub struct MergedMacro {
    pub def: MacroDefinition,
    pub error: Option<String>,
}

/// Merges policies in order. `keep_macro` / `keep_rule` decide which definitions take part
/// (agent version and filters), so that a definition filtered out never conflicts.
pub fn merge(
    policies: &[Policy],
    keep_macro: &dyn Fn(&MacroDefinition) -> bool,
) -> (Vec<MergedMacro>, Vec<MergedRule>) {
    let mut macros: Vec<MergedMacro> = Vec::new();
    let mut macro_index: HashMap<String, usize> = HashMap::new();
    let mut rules: Vec<MergedRule> = Vec::new();
    let mut rule_index: HashMap<String, usize> = HashMap::new();
    for policy in policies {
        for m in &policy.macros {
            if !keep_macro(m) {
                continue;
            }
            match macro_index.get(&m.id) {
                None => {
                    macro_index.insert(m.id.clone(), macros.len());
                    let error = validate_id(&m.id).err();
                    macros.push(MergedMacro {
                        def: m.clone(),
                        error,
                    });
                }
                Some(&i) => merge_macro(&mut macros[i], m, &policy.name),
            }
        }
        for r in &policy.rules {
            let def = match r {
                Ok(def) => def.clone(),
                Err((id, message)) => {
                    rules.push(MergedRule {
                        def: RuleDefinition {
                            id: id.clone(),
                            ..RuleDefinition::default()
                        },
                        policy: policy.name.clone(),
                        policy_version: policy.version.clone(),
                        error: Some(message.clone()),
                    });
                    continue;
                }
            };
            match rule_index.get(&def.id) {
                None => {
                    rule_index.insert(def.id.clone(), rules.len());
                    let error = validate_id(&def.id).err().or_else(|| {
                        (def.expression
                            .as_deref()
                            .is_none_or(|e| e.trim().is_empty())
                            && !def.disabled
                            && def.combine.is_none())
                        .then(|| "rule has no expression".to_string())
                    });
                    rules.push(MergedRule {
                        def,
                        policy: policy.name.clone(),
                        policy_version: policy.version.clone(),
                        error,
                    });
                }
                Some(&i) => merge_rule(&mut rules[i], def, &policy.name),
            }
        }
    }
    (macros, rules)
}

fn validate_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("empty id".into());
    }
    if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!(
            "invalid id {id:?}: ids may only contain letters, digits and underscores"
        ));
    }
    Ok(())
}

fn merge_macro(existing: &mut MergedMacro, new: &MacroDefinition, policy: &str) {
    match new.combine.as_deref() {
        Some("merge") => {
            if existing.def.expression.is_some() || new.expression.is_some() {
                existing.error = Some(format!(
                    "macro `{}` from {policy}: `combine: merge` needs `values` on both sides",
                    new.id
                ));
            } else {
                let values = existing.def.values.get_or_insert_with(Vec::new);
                values.extend(new.values.clone().unwrap_or_default());
            }
        }
        Some("override") => {
            existing.def.expression = new.expression.clone();
            existing.def.values = new.values.clone();
        }
        _ => {
            existing.error = Some(format!(
                "macro `{}` is defined twice (again in {policy}) without `combine`",
                new.id
            ))
        }
    }
}

fn merge_rule(existing: &mut MergedRule, new: RuleDefinition, policy: &str) {
    if new.combine.as_deref() == Some("override") {
        let fields = new
            .override_options
            .as_ref()
            .map(|o| o.fields.clone())
            .unwrap_or_else(|| vec!["expression".into()]);
        for f in &fields {
            match f.as_str() {
                "all" => {
                    let keep_id = existing.def.id.clone();
                    existing.def = RuleDefinition {
                        id: keep_id,
                        combine: None,
                        ..new.clone()
                    };
                }
                "expression" => existing.def.expression = new.expression.clone(),
                "actions" => existing.def.actions = new.actions.clone(),
                "every" => existing.def.every = new.every.clone(),
                "tags" => existing.def.tags.extend(new.tags.clone()),
                "product_tags" => existing.def.product_tags = new.product_tags.clone(),
                other => {
                    existing.error = Some(format!("unknown override option {other:?} in {policy}"))
                }
            }
        }
        if new.disabled {
            existing.def.disabled = true;
        }
    } else if new.disabled != existing.def.disabled {
        // Redefining a rule with a different `disabled` flag toggles it off.
        existing.def.disabled = true;
    } else {
        existing.error = Some(format!(
            "rule id conflict: `{}` is defined again in {policy}",
            new.id
        ));
    }
}

#[cfg(test)]
mod tests;
