//! Kernel approvers derived from rules: which basenames and open flags each file event type
//! requires, when a rule leaves its type unfiltered, and soundness — an event some rule matches
//! always passes its type's approvers.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use vigil_model::event::{EventData, RenameEvent};
use vigil_model::file::File;
use vigil_model::EventType;
use vigil_secl::{parse_policy, Approval, LoadOptions, RuleSet, TypeApprovers};

fn load(rules: &[&str]) -> RuleSet {
    let mut yaml = String::from(
        "version: 1.0.0\nmacros:\n  - {id: creds, expression: '[\"/etc/shadow\", \"/etc/gshadow\"]'}\n  - {id: writes, expression: 'O_WRONLY | O_RDWR'}\n  - {id: is_key, expression: 'open.file.name == \"id_rsa\"'}\nrules:\n",
    );
    for (i, expr) in rules.iter().enumerate() {
        yaml.push_str(&format!(
            "  - id: r{i}\n    expression: '{}'\n",
            expr.replace('\'', "''")
        ));
    }
    let p = parse_policy("t.policy", Path::new("t.policy"), &yaml).expect("policy");
    let rs = RuleSet::load(&[p], &LoadOptions::default());
    for r in rs.reports() {
        assert_eq!(
            r.status,
            vigil_secl::RuleStatus::Loaded,
            "{}: {}",
            r.id,
            r.message
        );
    }
    rs
}

fn approvers(names: &[&str], mask: u32) -> Approval {
    Approval::Approvers(TypeApprovers {
        basenames: names.iter().map(|s| s.to_string()).collect(),
        open_flags_mask: mask,
    })
}

fn open_approval(rules: &[&str]) -> Approval {
    load(rules)
        .approvers(EventType::Open)
        .expect("open has rules")
}

const O_WRONLY: u32 = 0o1;
const O_RDWR: u32 = 0o2;
const O_CREAT: u32 = 0o100;
const O_TRUNC: u32 = 0o1000;

#[test]
fn basenames_come_from_names_paths_and_literal_glob_tails() {
    assert_eq!(
        open_approval(&[r#"open.file.path == "/etc/shadow""#]),
        approvers(&["shadow"], 0)
    );
    assert_eq!(
        open_approval(&[r#"open.file.name in ["a", "b"]"#]),
        approvers(&["a", "b"], 0)
    );
    assert_eq!(
        open_approval(&["open.file.path in creds"]),
        approvers(&["gshadow", "shadow"], 0)
    );
    assert_eq!(
        open_approval(&[
            r#"open.file.path in [~"/home/*/.ssh/authorized_keys", ~"/root/**/id_ed25519", "/etc/crontab"]"#
        ]),
        approvers(&["authorized_keys", "crontab", "id_ed25519"], 0)
    );
    assert_eq!(
        open_approval(&[r#"open.file.name =~ "exact""#]),
        approvers(&["exact"], 0)
    );
    // A macro used as a boolean.
    assert_eq!(
        open_approval(&[r#"is_key && process.uid != 0"#]),
        approvers(&["id_rsa"], 0)
    );
}

#[test]
fn open_flags_tests_give_a_mask() {
    assert_eq!(
        open_approval(&["open.flags & O_CREAT > 0"]),
        approvers(&[], O_CREAT)
    );
    assert_eq!(
        open_approval(&["open.flags & (O_TRUNC | O_CREAT) != 0"]),
        approvers(&[], O_CREAT | O_TRUNC)
    );
    assert_eq!(
        open_approval(&["open.flags & writes > 0"]),
        approvers(&[], O_WRONLY | O_RDWR)
    );
    assert_eq!(
        open_approval(&["open.flags & O_CREAT == O_CREAT"]),
        approvers(&[], O_CREAT)
    );
    assert_eq!(
        open_approval(&["open.flags == O_WRONLY | O_CREAT"]),
        approvers(&[], O_WRONLY | O_CREAT)
    );
    assert_eq!(
        open_approval(&["O_TRUNC & open.flags >= 1"]),
        approvers(&[], O_TRUNC)
    );
}

#[test]
fn and_keeps_the_narrowest_or_unites() {
    assert_eq!(
        open_approval(&[r#"open.file.path == "/etc/passwd" && open.flags & O_WRONLY > 0"#]),
        approvers(&["passwd"], 0),
        "a basename beats a flags class"
    );
    assert_eq!(
        open_approval(&[r#"open.file.name in ["a", "b", "c"] && open.file.path == "/x/a""#]),
        approvers(&["a"], 0)
    );
    assert_eq!(
        open_approval(&[r#"open.file.path =~ "/etc/cron.d/*" && open.flags & O_CREAT > 0"#]),
        approvers(&[], O_CREAT)
    );
    assert_eq!(
        open_approval(&[
            r#"(open.file.name == "a" || open.flags & O_TRUNC > 0) && process.uid == 0"#
        ]),
        approvers(&["a"], O_TRUNC)
    );
    // Rules of one type add up.
    assert_eq!(
        open_approval(&[
            r#"open.file.name == "a""#,
            "open.flags & O_CREAT > 0",
            r#"open.file.path == "/b""#
        ]),
        approvers(&["a", "b"], O_CREAT)
    );
}

#[test]
fn rules_without_a_checkable_requirement_leave_the_type_unfiltered() {
    for expr in [
        r#"open.file.path =~ "/etc/cron.d/*""#,
        r#"open.file.path =~ "/etc/*.conf""#,
        r#"open.file.name =~ "*.so""#,
        r#"open.file.path != "/etc/shadow""#,
        r#"open.file.path not in ["/etc/shadow"]"#,
        r#"!(open.file.path == "/etc/shadow")"#,
        r#"open.file.name == "a" || process.uid == 0"#,
        "open.flags & O_CREAT == 0",
        "open.flags & O_CREAT < 1",
        "open.flags == 0",
        r#"open.retval == -13 && process.file.name == "vi""#,
        r#"open.file.path == "/proc/${process.pid}/mem""#,
    ] {
        let rs = load(&[r#"open.file.name == "fine""#, expr]);
        assert_eq!(
            rs.approvers(EventType::Open),
            Some(Approval::Unfiltered {
                rule_id: "r1".into()
            }),
            "{expr}"
        );
    }
}

#[test]
fn each_file_type_is_judged_alone_and_destinations_count() {
    let rs = load(&[
        r#"rename.file.destination.path in ["/etc/passwd"]"#,
        r#"rename.file.name == "shadow""#,
        r#"unlink.file.path =~ "/var/log/**""#,
        r#"chmod.file.destination.mode & S_ISUID > 0"#,
    ]);
    assert_eq!(
        rs.approvers(EventType::Rename),
        Some(approvers(&["passwd", "shadow"], 0))
    );
    assert_eq!(
        rs.approvers(EventType::Unlink),
        Some(Approval::Unfiltered {
            rule_id: "r2".into()
        })
    );
    assert_eq!(
        rs.approvers(EventType::Chmod),
        Some(Approval::Unfiltered {
            rule_id: "r3".into()
        })
    );
    assert_eq!(
        rs.approvers(EventType::Mkdir),
        None,
        "no rule, no approvers"
    );
}

/// Soundness: every event a rule matches passes the approvers of its type.
#[test]
fn matched_events_always_pass_their_approvers() {
    let rules = [
        r#"open.file.path in creds && process.file.name != "sshd""#,
        r#"open.file.path in [~"/home/*/.ssh/authorized_keys", ~"/etc/crontab"] && open.flags & (O_WRONLY | O_RDWR) > 0"#,
        r#"open.file.path =~ "/etc/sudoers.d/*" && open.flags & O_CREAT > 0"#,
        r#"(open.file.name == "id_rsa" || open.flags & O_TRUNC > 0) && process.uid == 0"#,
        r#"rename.file.destination.name == "passwd""#,
    ];
    let rs = load(&rules);
    let paths = [
        "/etc/shadow",
        "/etc/gshadow",
        "/etc/passwd",
        "/home/u/.ssh/authorized_keys",
        "/home/u/x/.ssh/authorized_keys",
        "/etc/crontab",
        "/etc/sudoers.d/90-x",
        "/root/.ssh/id_rsa",
        "/tmp/id_rsa",
        "/tmp/other",
        "/etc/crontab2",
    ];
    let flag_sets = [
        0,
        O_WRONLY,
        O_RDWR,
        O_CREAT | O_WRONLY,
        O_TRUNC | O_WRONLY,
        0o2000000,
    ];
    let mut state = rs.new_state();
    let mut matched = Vec::new();
    let mut seen_matches = BTreeSet::new();
    let mut events = Vec::new();
    for path in paths {
        for flags in flag_sets {
            events.push(open(path, flags));
        }
        let old = File::from_path("/tmp/staging");
        events.push(event(EventData::Rename(RenameEvent {
            old,
            new: File::from_path(path),
        })));
    }
    for e in &events {
        matched.clear();
        rs.evaluate(e, &mut state, &mut matched);
        if matched.is_empty() {
            continue;
        }
        seen_matches.extend(matched.iter().copied());
        let Some(Approval::Approvers(a)) = rs.approvers(e.event_type()) else {
            panic!("{:?} unfiltered", e.event_type())
        };
        let (names, flags) = match &e.data {
            EventData::Open(o) => (vec![o.file.name.clone()], o.flags),
            EventData::Rename(r) => (vec![r.old.name.clone(), r.new.name.clone()], 0),
            other => panic!("unexpected {other:?}"),
        };
        assert!(
            names.iter().any(|n| a.basenames.contains(n)) || flags & a.open_flags_mask != 0,
            "{names:?} flags {flags:#o} matched a rule but fails {a:?}"
        );
    }
    assert_eq!(
        seen_matches.len(),
        rules.len(),
        "every rule matched some event"
    );
}

#[test]
fn approvals_print_names_and_flag_names() {
    assert_eq!(
        open_approval(&[
            r#"open.file.name in ["b", "a"]"#,
            "open.flags & (O_CREAT | O_TRUNC) > 0"
        ])
        .to_string(),
        "basenames a, b; open flags O_CREAT | O_TRUNC"
    );
    assert_eq!(
        open_approval(&[r#"open.file.name =~ "*.so""#]).to_string(),
        "none (rule r0 can match any event of the type)"
    );
}
