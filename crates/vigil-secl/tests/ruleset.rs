//! Rule set behaviour: statuses, buckets, `set` actions and scoped variables, throttling,
//! external actions, and the agent-facing metadata.

mod common;

use std::path::Path;

use common::*;
use vigil_model::EventType;
use vigil_secl::policy::filter::FilterModel;
use vigil_secl::{
    parse_policy, ExternalAction, LoadOptions, RuleSet, RuleStatus, COMPATIBLE_AGENT_VERSION,
};

fn load(yaml: &str) -> RuleSet {
    let p = parse_policy("test.policy", Path::new("test.policy"), yaml).expect("policy");
    RuleSet::load(
        &[p],
        &LoadOptions {
            agent_version: COMPATIBLE_AGENT_VERSION,
            filter_model: FilterModel::linux("5.10.50-generic"),
        },
    )
}

fn status(rs: &RuleSet, id: &str) -> (RuleStatus, String) {
    let r = rs
        .reports()
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no report for {id}"));
    (r.status, r.message.clone())
}

fn matches(rs: &RuleSet, state: &mut vigil_secl::RuleState, e: &vigil_model::Event) -> Vec<String> {
    let mut out = Vec::new();
    rs.evaluate(e, state, &mut out);
    out.iter().map(|i| rs.rule(*i).id().to_string()).collect()
}

#[test]
fn statuses_cover_every_outcome() {
    let rs = load(
        r#"
version: 2.0.0
rules:
  - {id: ok, expression: 'exec.comm == "sh"'}
  - {id: off, expression: 'exec.comm == "sh"', disabled: true}
  - {id: win, expression: 'exec.comm == "sh"', filters: ['os == "windows"']}
  - {id: old_kernel, expression: 'exec.comm == "sh"', filters: ['kernel.version.major == 4']}
  - {id: new_kernel, expression: 'exec.comm == "sh"', filters: ['kernel.version.major == 5 && kernel.version.minor >= 10']}
  - {id: future, expression: 'exec.comm == "sh"', agent_version: '>= 7.80'}
  - {id: past, expression: 'exec.comm == "sh"', agent_version: '< 7.71'}
  - {id: syntax, expression: 'exec.comm == '}
  - {id: types, expression: 'exec.comm == 1'}
  - {id: unknown, expression: 'exec.nope == 1'}
  - {id: imds, expression: 'imds.url == "x"'}
  - {id: mixed, expression: 'exec.comm == "a" && open.file.path == "/b"'}
  - {id: common_only, expression: 'process.comm == "a"'}
  - {id: no_expr}
"#,
    );
    use RuleStatus as S;
    for (id, s) in [
        ("ok", S::Loaded),
        ("off", S::Disabled),
        ("win", S::Filtered),
        ("old_kernel", S::Filtered),
        ("new_kernel", S::Loaded),
        ("future", S::AgentVersion),
        ("past", S::AgentVersion),
        ("syntax", S::SyntaxError),
        ("types", S::TypeError),
        ("unknown", S::UnknownField),
        ("imds", S::UnsupportedEventType),
        ("mixed", S::TypeError),
        ("common_only", S::TypeError),
        ("no_expr", S::SyntaxError),
    ] {
        assert_eq!(status(&rs, id).0, s, "{id}: {}", status(&rs, id).1);
    }
    assert_eq!(
        rs.event_types().into_iter().collect::<Vec<_>>(),
        vec![EventType::Exec]
    );
    let r = rs.reports().iter().find(|r| r.id == "ok").unwrap();
    assert_eq!(
        (r.policy.as_str(), r.policy_version.as_str()),
        ("test.policy", "2.0.0")
    );
}

#[test]
fn rules_are_bucketed_by_event_type() {
    let rs = load(
        r#"
rules:
  - {id: shadow, expression: 'open.file.path == "/etc/shadow"'}
  - {id: shell, expression: 'exec.file.name == "c$t"'}
"#,
    );
    let mut st = rs.new_state();
    assert_eq!(
        matches(&rs, &mut st, &open("/etc/shadow", 0)),
        vec!["shadow"]
    );
    assert_eq!(matches(&rs, &mut st, &exec()), vec!["shell"]);
    assert!(matches(&rs, &mut st, &open("/etc/passwd", 0)).is_empty());
    assert!(matches(&rs, &mut st, &dns("x.org")).is_empty());
}

#[test]
fn set_actions_feed_later_evaluations() {
    let rs = load(
        r#"
rules:
  - id: mark
    expression: 'open.file.path == "/etc/shadow" && "shadow" not in ${cgroup.seen}'
    actions:
      - set: {name: seen, value: shadow, append: true, scope: cgroup, ttl: 10s}
      - set: {name: count, default_value: 0, expression: '${cgroup.count} + 1', scope: cgroup}
      - set: {name: opener, field: process.file.path, scope: process, inherited: true}
      - filter: 'process.uid == 12345'
        set: {name: never, value: true}
  - id: second_time
    expression: 'open.file.path == "/etc/shadow" && "shadow" in ${cgroup.seen} && ${cgroup.count} == 1'
  - id: by_process
    expression: 'exec.comm == "sh" && ${process.opener} == "/usr/bin/c$t" && ${never} == false'
"#,
    );
    for r in rs.reports() {
        assert_eq!(r.status, RuleStatus::Loaded, "{}: {}", r.id, r.message);
    }
    let mut st = rs.new_state();
    assert!(
        matches(&rs, &mut st, &exec()).is_empty(),
        "variables start unset"
    );
    assert_eq!(matches(&rs, &mut st, &open("/etc/shadow", 0)), vec!["mark"]);
    assert_eq!(
        matches(&rs, &mut st, &open("/etc/shadow", 0)),
        vec!["second_time"]
    );
    assert_eq!(matches(&rs, &mut st, &exec()), vec!["by_process"]);
    // After the TTL the cgroup list forgets "shadow": `mark` fires again.
    let mut later = open("/etc/shadow", 0);
    later.timestamp += 11 * SEC;
    assert_eq!(matches(&rs, &mut st, &later), vec!["mark"]);
}

#[test]
fn every_throttles_and_external_actions_are_reported() {
    let rs = load(
        r#"
rules:
  - id: throttled
    expression: 'open.file.path == "/etc/shadow"'
    every: 5s
    actions:
      - kill: {signal: SIGKILL}
      - hash: {}
      - log: {level: warning, message: hi}
  - id: bad_kill
    expression: 'open.file.path == "/etc/shadow"'
    actions:
      - kill: {signal: SIGNOPE}
"#,
    );
    assert_eq!(status(&rs, "bad_kill").0, RuleStatus::TypeError);
    let rule = rs.rules().iter().find(|r| r.id() == "throttled").unwrap();
    let actions: Vec<_> = rule.external_actions().cloned().collect();
    assert_eq!(
        actions[0],
        ExternalAction::Kill {
            signal: "SIGKILL".into(),
            signal_number: 9,
            scope: "process".into()
        }
    );
    assert!(matches!(&actions[1], ExternalAction::Hash { field, .. } if field == "open.file"));
    let mut st = rs.new_state();
    let e = open("/etc/shadow", 0);
    assert_eq!(matches(&rs, &mut st, &e), vec!["throttled"]);
    assert!(matches(&rs, &mut st, &e).is_empty(), "within 5s");
    let mut later = e.clone();
    later.timestamp += 6 * SEC;
    assert_eq!(matches(&rs, &mut st, &later), vec!["throttled"]);
}

#[test]
fn explanations_show_each_sub_expression() {
    let rs = load(
        r#"{rules: [{id: r, expression: 'exec.comm == "sh" && (process.uid == 1 || process.pid == 300)'}]}"#,
    );
    let exp = rs.explain("r", &exec(), &rs.new_state()).expect("loaded");
    let lines: Vec<(usize, &str, bool)> = exp
        .iter()
        .map(|l| (l.depth, l.text.as_str(), l.value))
        .collect();
    assert_eq!(
        lines,
        vec![
            (
                0,
                r#"exec.comm == "sh" && (process.uid == 1 || process.pid == 300)"#,
                true
            ),
            (1, r#"exec.comm == "sh""#, true),
            (1, "(process.uid == 1 || process.pid == 300)", true),
            (2, "process.uid == 1", false),
            (2, "process.pid == 300", true),
        ]
    );
}
