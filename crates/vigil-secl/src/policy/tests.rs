use super::*;

fn policy(name: &str, yaml: &str) -> Policy {
    parse_policy(name, Path::new(name), yaml).expect("valid policy")
}

#[test]
fn merges_rules_and_macros_by_datadog_rules() {
    let a = policy(
        "a.policy",
        r#"
version: 1.2.3
macros:
  - id: shells
    values: ["sh", "bash"]
  - id: m2
    expression: 'process.comm == "x"'
rules:
  - id: r1
    expression: exec.comm in shells
    tags: {severity: low}
  - id: r2
    expression: exec.comm == "b"
  - id: r3
    expression: exec.comm == "c"
  - id: r4
    expression: exec.comm == "d"
"#,
    );
    let b = policy(
        "b.policy",
        r#"
macros:
  - id: shells
    values: ["zsh"]
    combine: merge
  - id: m2
    expression: 'process.comm == "y"'
rules:
  - id: r1
    expression: exec.comm == "override"
    combine: override
    override_options: {fields: [expression, tags]}
    tags: {severity: high}
  - id: r2
    disabled: true
  - id: r3
    expression: exec.comm == "again"
  - id: "bad-id"
    expression: exec.comm == "x"
  - id: r5
    expression: [not, a, string]
"#,
    );
    let (macros, rules) = merge(&[a, b], &|_| true);
    let shells = macros.iter().find(|m| m.def.id == "shells").unwrap();
    assert_eq!(
        shells.def.values.as_deref(),
        Some(&["sh".to_string(), "bash".into(), "zsh".into()][..])
    );
    assert!(
        macros
            .iter()
            .find(|m| m.def.id == "m2")
            .unwrap()
            .error
            .is_some(),
        "duplicate macro without combine"
    );
    let r = |id: &str| rules.iter().find(|r| r.def.id == id).unwrap();
    assert_eq!(
        r("r1").def.expression.as_deref(),
        Some("exec.comm == \"override\"")
    );
    assert_eq!(
        r("r1").def.tags.get("severity").map(scalar_text).as_deref(),
        Some("high")
    );
    assert_eq!(r("r1").policy, "a.policy");
    assert!(r("r2").def.disabled && r("r2").error.is_none());
    assert!(r("r3").error.as_deref().unwrap().contains("conflict"));
    assert!(r("bad-id").error.is_some());
    assert!(r("r5")
        .error
        .as_deref()
        .unwrap()
        .contains("invalid rule definition"));
    assert!(r("r4").error.is_none());
}

#[test]
fn bad_yaml_is_a_file_error() {
    assert!(parse_policy("x", Path::new("x"), "rules: [").is_err());
    assert!(parse_policy("x", Path::new("x"), "- a\n- b").is_err());
    assert!(parse_policy("x", Path::new("x"), "rules: 3").is_err());
}

#[test]
fn durations() {
    assert_eq!(duration_ns(&Value::from(5u64)), Ok(5));
    assert_eq!(duration_ns(&Value::from("1h30m")), Ok(5_400_000_000_000));
    assert_eq!(duration_ns(&Value::from("250ms")), Ok(250_000_000));
    assert!(duration_ns(&Value::from("soon")).is_err());
}
