//! Conformance of Vigil's CWS JSON with the spec schema: every event kind, fully populated and
//! minimal, validates (envelope removed); golden files pin exact output; omission and rendering
//! rules are checked one by one; JSON round-trips through the deserializer.

mod common;

use common::*;
use serde_json::Value;
use vigil_model::json::{from_json, to_json};
use vigil_model::record::{write_event_record, AgentContext, Envelope, ENVELOPE_KEYS};
use vigil_model::*;

fn envelope() -> Envelope {
    Envelope {
        agent: AgentContext {
            rule_version: "1.0".into(),
            policy_name: "test".into(),
            policy_version: "0.1".into(),
            ..AgentContext::for_rule("test_rule")
        },
        title: "Test rule".into(),
        hostname: "host-1".into(),
        service: record::DEFAULT_SERVICE.into(),
    }
}

/// Serializes as a record, checks the envelope keys, and returns the event part.
fn record_event_part(event: &Event) -> Value {
    let mut out = Vec::new();
    write_event_record(&mut out, &envelope(), event);
    assert_eq!(out.last(), Some(&b'\n'), "a record is one line");
    assert!(
        !out[..out.len() - 1].contains(&b'\n'),
        "a record is exactly one line"
    );
    let mut doc: Value = serde_json::from_slice(&out).expect("record is JSON");
    let obj = doc.as_object_mut().expect("record is an object");
    for key in ENVELOPE_KEYS {
        assert!(obj.remove(key).is_some(), "envelope key {key} missing");
    }
    doc
}

fn all_events() -> Vec<(String, Event)> {
    let mut v = Vec::new();
    for ty in EventType::ALL {
        v.push((format!("{}/full", ty.name()), full_event(*ty)));
        v.push((format!("{}/minimal", ty.name()), minimal_event(*ty)));
    }
    v
}

#[test]
fn every_event_kind_validates_full_and_minimal() {
    let validator = schema_validator();
    let mut failures = Vec::new();
    for (name, event) in all_events() {
        let doc = record_event_part(&event);
        if !event.event_type().in_spec_schema() {
            continue;
        }
        let errors = schema_errors(&validator, &doc);
        if BEYOND_SCHEMA.contains(&event.event_type()) {
            // Documented exception: these keys do not exist in the spec's schema.
            assert!(
                !errors.is_empty(),
                "{name} unexpectedly validates: update BEYOND_SCHEMA"
            );
            continue;
        }
        if !errors.is_empty() {
            failures.push(format!("{name}: {errors:?}\n{doc}"));
        }
        assert_eq!(doc["evt"]["name"], event.event_type().name());
    }
    assert!(
        failures.is_empty(),
        "schema violations:\n{}",
        failures.join("\n")
    );
}

#[test]
fn schema_rejects_unknown_keys_and_wrong_types() {
    // Proves the fixture enforces additionalProperties:false and types, so the test above can fail.
    let validator = schema_validator();
    let mut doc = record_event_part(&full_event(EventType::Open));
    doc["file"]["unexpected"] = Value::from(1);
    assert!(!schema_errors(&validator, &doc).is_empty());
    let mut doc = record_event_part(&full_event(EventType::Open));
    doc["file"]["inode"] = Value::from("12");
    assert!(!schema_errors(&validator, &doc).is_empty());
    let mut doc = record_event_part(&full_event(EventType::Exec));
    doc["process"]["credentials"]
        .as_object_mut()
        .expect("credentials")
        .remove("cap_effective");
    assert!(!schema_errors(&validator, &doc).is_empty());
}

#[test]
fn event_specific_keys_are_where_the_spec_puts_them() {
    let expect: &[(EventType, &[&str])] = &[
        (EventType::Exec, &["file"]),
        (EventType::Exit, &["file", "exit"]),
        (EventType::Open, &["file"]),
        (EventType::Mount, &["mount"]),
        (EventType::Umount, &["file"]),
        (EventType::Bpf, &["bpf"]),
        (EventType::Mmap, &["file", "mmap"]),
        (EventType::Mprotect, &["mprotect"]),
        (EventType::Ptrace, &["ptrace"]),
        (EventType::LoadModule, &["file", "module"]),
        (EventType::UnloadModule, &["module"]),
        (EventType::Signal, &["signal"]),
        (EventType::Splice, &["file", "splice"]),
        (EventType::Dns, &["dns", "network"]),
        (EventType::Bind, &["bind"]),
        (EventType::Selinux, &["file", "selinux"]),
        (
            EventType::AnomalyDetectionSyscall,
            &["anomaly_detection_syscall"],
        ),
        (EventType::Fork, &[]),
        (EventType::Setuid, &[]),
    ];
    let payload_keys = [
        "file",
        "selinux",
        "bpf",
        "mmap",
        "mprotect",
        "ptrace",
        "module",
        "signal",
        "splice",
        "dns",
        "network",
        "bind",
        "exit",
        "mount",
        "anomaly_detection_syscall",
    ];
    for (ty, keys) in expect {
        let doc = record_event_part(&full_event(*ty));
        for k in payload_keys {
            assert_eq!(
                doc.get(k).is_some(),
                keys.contains(&k),
                "{}: key {k}",
                ty.name()
            );
        }
        for k in [
            "evt",
            "process",
            "date",
            "usr",
            "container",
            "dd",
            "security_profile",
        ] {
            assert!(doc.get(k).is_some(), "{}: common key {k}", ty.name());
        }
    }
}

#[test]
fn omission_rules() {
    let doc = record_event_part(&minimal_event(EventType::Exec));
    let p = &doc["process"];
    // pid 1 has no ppid; zero values are omitted; uid/gid always present.
    assert_eq!(p["pid"], 1);
    assert!(p.get("ppid").is_none());
    assert_eq!(p["uid"], 0);
    assert_eq!(p["gid"], 0);
    for absent in [
        "user",
        "group",
        "comm",
        "tty",
        "fork_time",
        "exec_time",
        "exit_time",
        "argv0",
        "args",
        "envs",
        "args_truncated",
        "is_thread",
        "parent",
        "ancestors",
        "container",
        "interpreter",
    ] {
        assert!(
            p.get(absent).is_none(),
            "process.{absent} should be omitted"
        );
    }
    // Empty capability sets are [].
    assert_eq!(p["credentials"]["cap_effective"], Value::Array(vec![]));
    assert_eq!(p["credentials"]["cap_permitted"], Value::Array(vec![]));
    // A file with nothing known still carries uid/gid and nothing else.
    assert_eq!(doc["file"], serde_json::json!({"uid": 0, "gid": 0}));
    assert_eq!(p["executable"], serde_json::json!({"uid": 0, "gid": 0}));
    // No date when the timestamp is unset; no usr without names; no async when false.
    assert!(doc.get("date").is_none());
    assert!(doc.get("usr").is_none());
    assert!(doc["evt"].get("async").is_none());
    // in_upper_layer is written only when known, false included.
    let full = record_event_part(&full_event(EventType::Exec));
    assert_eq!(full["file"]["in_upper_layer"], false);
}

#[test]
fn rendering_rules() {
    let open = record_event_part(&full_event(EventType::Open));
    // Sorted names, leftover bits as a decimal string last.
    assert_eq!(
        open["file"]["flags"],
        serde_json::json!(["O_CLOEXEC", "O_CREAT", "O_TRUNC", "O_WRONLY", "1073741824"])
    );
    assert_eq!(
        open["file"]["destination"],
        serde_json::json!({"mode": 0o600, "uid": 0, "gid": 0})
    );
    assert_eq!(
        open["evt"],
        serde_json::json!({"name": "open", "category": "File Activity", "outcome": "Refused", "async": true})
    );
    let unlink = record_event_part(&full_event(EventType::Unlink));
    assert_eq!(unlink["file"]["flags"], serde_json::json!(["AT_REMOVEDIR"]));
    assert_eq!(unlink["evt"]["outcome"], "Error");
    let mmap = record_event_part(&full_event(EventType::Mmap));
    assert_eq!(mmap["mmap"]["protection"], "PROT_EXEC | PROT_READ");
    assert_eq!(mmap["mmap"]["flags"], "MAP_DENYWRITE | MAP_PRIVATE");
    assert_eq!(mmap["mmap"]["address"], "0x7f1234569000");
    let mprotect = record_event_part(&full_event(EventType::Mprotect));
    assert_eq!(mprotect["mprotect"]["vm_protection"], "VM_READ | VM_WRITE");
    assert_eq!(mprotect["mprotect"]["vm_start"], "0x7f0000000000");
    let minimal_mprotect = record_event_part(&minimal_event(EventType::Mprotect));
    assert_eq!(minimal_mprotect["mprotect"]["req_protection"], "");
    let ptrace = record_event_part(&full_event(EventType::Ptrace));
    assert_eq!(ptrace["ptrace"]["request"], "PTRACE_ATTACH");
    assert_eq!(ptrace["ptrace"]["tracee"]["pid"], 800);
    let signal = record_event_part(&full_event(EventType::Signal));
    assert_eq!(signal["signal"]["type"], "SIGKILL");
    let exit = record_event_part(&full_event(EventType::Exit));
    assert_eq!(
        exit["exit"],
        serde_json::json!({"cause": "SIGNALED", "code": 9})
    );
    let bpf = record_event_part(&full_event(EventType::Bpf));
    assert_eq!(bpf["bpf"]["cmd"], "BPF_PROG_LOAD");
    assert_eq!(bpf["bpf"]["map"]["map_type"], "BPF_MAP_TYPE_RINGBUF");
    assert_eq!(
        bpf["bpf"]["program"]["program_type"],
        "BPF_PROG_TYPE_TRACEPOINT"
    );
    let bind = record_event_part(&full_event(EventType::Bind));
    assert_eq!(
        bind["bind"]["addr"],
        serde_json::json!({"family": "AF_INET6", "ip": "::1", "port": 8080})
    );
    let dns = record_event_part(&full_event(EventType::Dns));
    assert_eq!(dns["dns"]["question"]["class"], "CLASS_INET");
    assert_eq!(dns["dns"]["question"]["type"], "AAAA");
    assert_eq!(dns["network"]["l3_protocol"], "ETH_P_IP");
    assert_eq!(dns["network"]["l4_protocol"], "IP_PROTO_UDP");
    let caps = record_event_part(&full_event(EventType::Capset));
    assert_eq!(
        caps["process"]["credentials"]["destination"],
        serde_json::json!({"cap_effective": ["CAP_SYS_ADMIN"], "cap_permitted": ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"]})
    );
    let exec = record_event_part(&full_event(EventType::Exec));
    assert_eq!(exec["date"], "2023-11-14T22:13:20.123456789Z");
    assert_eq!(
        exec["process"]["args"],
        serde_json::json!(["/etc/shadow", "--number"])
    );
    assert_eq!(exec["process"]["envs"], serde_json::json!(["HOME", "TERM"]));
    assert_eq!(
        exec["usr"],
        serde_json::json!({"id": "alice", "group": "staff"})
    );
}

#[test]
fn ancestors_are_references_with_datadog_args_dedup() {
    let event = full_event(EventType::Exec);
    let doc = record_event_part(&event);
    let ancestors = doc["process"]["ancestors"].as_array().expect("ancestors");
    let pids: Vec<u64> = ancestors
        .iter()
        .map(|a| a["pid"].as_u64().expect("pid"))
        .collect();
    assert_eq!(pids, vec![1300, 1200, 800, 1]);
    assert_eq!(doc["process"]["parent"], ancestors[0]);
    // The forked copy (1300) shares bash's args: written without them, bash keeps them.
    assert!(ancestors[0].get("argv0").is_none());
    assert_eq!(ancestors[1]["argv0"], "-bash");
    // The event's process context is the cache entry itself, not a copy.
    let parent = event.process.parent().expect("parent");
    assert!(std::sync::Arc::ptr_eq(
        &parent.args,
        &parent.ancestor.as_ref().expect("bash").args
    ));
}

#[test]
fn json_round_trips_through_the_deserializer() {
    for (name, event) in all_events() {
        let json = to_json(&event);
        let back = from_json(&json)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", String::from_utf8_lossy(&json)));
        assert_eq!(
            String::from_utf8_lossy(&to_json(&back)),
            String::from_utf8_lossy(&json),
            "{name}"
        );
        assert_eq!(back.event_type(), event.event_type(), "{name}");
        assert_eq!(back.timestamp, event.timestamp, "{name}");
        assert_eq!(back.process.pid, event.process.pid, "{name}");
    }
    // Records (with the envelope) deserialize too.
    let mut out = Vec::new();
    write_event_record(&mut out, &envelope(), &full_event(EventType::Open));
    let back = from_json(&out).expect("record");
    match back.data {
        EventData::Open(o) => {
            assert_eq!(o.flags, 0o100 | 0o1 | 0o1000 | 0o2000000 | 0x4000_0000);
            assert_eq!(o.mode, 0o600);
            assert_eq!(o.file.path, "/etc/shadow");
            assert_eq!(o.file.inode, 4242);
        }
        other => panic!("expected open, got {other:?}"),
    }
    assert_eq!(back.retval, -13);
}

#[test]
fn deserializer_reports_precise_errors() {
    let mut doc = record_event_part(&full_event(EventType::Open));
    doc["file"]["flags"] = serde_json::json!(["O_BOGUS"]);
    let e = vigil_model::json::from_value(doc).expect_err("bad flag");
    assert_eq!(e.path, "file.flags");
    assert!(e.message.contains("O_BOGUS"), "{e}");

    let mut doc = record_event_part(&full_event(EventType::Exec));
    doc["date"] = Value::from("yesterday");
    assert_eq!(
        vigil_model::json::from_value(doc)
            .expect_err("bad date")
            .path,
        "date"
    );

    let mut doc = record_event_part(&full_event(EventType::Exec));
    doc["evt"]["name"] = Value::from("teleport");
    assert_eq!(
        vigil_model::json::from_value(doc)
            .expect_err("bad type")
            .path,
        "evt.name"
    );

    let mut doc = record_event_part(&full_event(EventType::Exec));
    doc["surprise"] = Value::from(1);
    assert!(vigil_model::json::from_value(doc)
        .expect_err("unknown key")
        .to_string()
        .contains("surprise"));

    assert!(from_json(b"{not json").is_err());
}

/// Golden files pin the exact bytes for a few events. `UPDATE_GOLDEN=1` rewrites them.
#[test]
fn golden_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for ty in [
        EventType::Exec,
        EventType::Open,
        EventType::Mmap,
        EventType::Dns,
        EventType::Setuid,
        EventType::Exit,
    ] {
        let mut out = Vec::new();
        write_event_record(&mut out, &envelope(), &full_event(ty));
        let path = dir.join(format!("{}.jsonl", ty.name()));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &out).expect("write golden");
        }
        let golden = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&golden),
            "{}",
            path.display()
        );
    }
}

#[test]
fn schema_fixture_is_the_spec_schema() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/spec/backend_event.schema.json");
    let Ok(spec) = std::fs::read_to_string(&shared) else {
        eprintln!("skipped: {} not present", shared.display());
        return;
    };
    let spec: Value = serde_json::from_str(&spec).expect("spec schema is JSON");
    let ours: Value = serde_json::from_str(vigil_model::EVENT_SCHEMA).expect("fixture is JSON");
    assert_eq!(
        ours, spec,
        "the repo's schema fixture drifted from ../shared/spec"
    );
}
