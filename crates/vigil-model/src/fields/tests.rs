use std::sync::Arc;

use super::*;
use crate::event::{Event, EventData, OpenEvent};
use crate::process::{ArgsEnvs, Process};

fn exec_event(args: &[&str]) -> Event {
    let parent = Arc::new(Process {
        pid: 1,
        comm: "init".into(),
        ..Process::default()
    });
    let p = Process {
        pid: 42,
        comm: "curl".into(),
        file: File::from_path("/usr/bin/curl"),
        args: Arc::new(ArgsEnvs {
            argv0: "curl".into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            envp: vec!["DD_SERVICE=web".into()],
            ..ArgsEnvs::default()
        }),
        ancestor: Some(parent),
        ..Process::default()
    };
    Event::new(1, Arc::new(p), EventData::Exec)
}

fn strs(def: &FieldDef, e: &Event) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |s: &str| {
        out.push(s.to_string());
        false
    };
    match def.access {
        Access::Process {
            which,
            get: Getter::Strs(g),
        } => {
            g(which.base(e).expect("process"), &mut push);
        }
        _ => panic!("not a process string list"),
    }
    out
}

#[test]
fn table_covers_policy_fields_and_types() {
    for (name, ty, array) in [
        ("process.file.path", FieldType::Str, false),
        ("process.ancestors.file.path", FieldType::Str, true),
        ("process.parent.comm", FieldType::Str, false),
        ("exec.args_flags", FieldType::Str, true),
        ("exec.cmdline", FieldType::Str, false),
        ("process.container.id", FieldType::Str, false),
        ("container.created_at", FieldType::Int, false),
        ("event.origin", FieldType::Str, false),
        ("connect.addr.ip", FieldType::Ip, false),
        ("setuid.euid", FieldType::Int, false),
        ("open.retval", FieldType::Int, false),
        ("bpf.prog.helpers", FieldType::Int, true),
        ("chmod.file.destination.mode", FieldType::Int, false),
        ("rename.file.destination.path", FieldType::Str, false),
    ] {
        let f = field(name).unwrap_or_else(|| panic!("missing {name}"));
        assert_eq!((f.ty, f.array), (ty, array), "{name}");
    }
    assert!(field("process.file.path").unwrap().flags.path);
    assert!(field("dns.question.name").unwrap().flags.case_insensitive);
    assert!(field("process.created_at").unwrap().flags.time);
    assert!(!field("container.tags").unwrap().filled);
    assert_eq!(
        field("open.flags").unwrap().event_type,
        Some(EventType::Open)
    );
    assert_eq!(field("process.comm").unwrap().event_type, None);
    assert!(field("exec.retval").is_none());
    assert!(field_table().len() > 500);
}

#[test]
fn accessors_read_the_model() {
    let e = exec_event(&["-sSL", "--output=/tmp/x", "-H", "a: b", "--", "-z"]);
    let f = field("exec.args_flags").unwrap();
    assert_eq!(strs(f, &e), vec!["s", "S", "L", "output", "H"]);
    let f = field("process.args_options").unwrap();
    assert_eq!(strs(f, &e), vec!["output=/tmp/x", "H=a: b"]);
    match field("event.service").unwrap().access {
        Access::Event(Getter::Str(g)) => assert_eq!(g(&e), "web"),
        _ => panic!("event.service"),
    }
    match field("process.parent.comm").unwrap().access {
        Access::Process {
            which,
            get: Getter::Str(g),
        } => assert_eq!(g(which.base(&e).unwrap()), "init"),
        _ => panic!("parent comm"),
    }
    match field("exec.cmdline").unwrap().access {
        Access::Process {
            which,
            get: Getter::Computed(g),
        } => {
            assert_eq!(
                g(which.base(&e).unwrap()),
                "curl -sSL --output=/tmp/x -H a: b -- -z"
            )
        }
        _ => panic!("cmdline"),
    }
    let open = Event::new(
        1,
        e.process.clone(),
        EventData::Open(OpenEvent {
            file: File::from_path("/etc/a.conf"),
            ..OpenEvent::default()
        }),
    );
    match field("open.file.extension").unwrap().access {
        Access::File {
            file,
            get: Getter::Str(g),
        } => assert_eq!(g(file(&open).unwrap()), "conf"),
        _ => panic!("extension"),
    }
    assert!(events::is_public("8.8.8.8".parse().unwrap()));
    assert!(!events::is_public("10.1.2.3".parse().unwrap()));
    assert!(!events::is_public("::ffff:127.0.0.1".parse().unwrap()));
}
