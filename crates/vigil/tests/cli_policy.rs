//! `vigil policy check` end to end: rule statuses, summary and the kernel approvers it derives,
//! in text and JSON, and a precise error for a policy that cannot be read.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn vigil(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .output()
        .expect("run vigil")
}

fn default_policy() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../policies/default.policy")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn check_prints_statuses_and_derived_approvers() {
    let out = vigil(&["policy", "check", &default_policy()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("loaded: 21"), "{text}");
    let open = text
        .lines()
        .find(|l| l.trim_start().starts_with("open "))
        .expect("an open approvers line");
    assert!(
        open.contains("basenames ") && open.contains("shadow") && open.contains("authorized_keys"),
        "{open}"
    );
    assert!(
        open.contains("open flags O_WRONLY | O_RDWR | O_CREAT | O_TRUNC"),
        "{open}"
    );
    let unlink = text
        .lines()
        .find(|l| l.trim_start().starts_with("unlink "))
        .expect("an unlink line");
    assert!(
        unlink.contains("none (rule vigil_log_file_removed"),
        "{unlink}"
    );
}

#[test]
fn check_json_has_approvers_per_type() {
    let out = vigil(&["policy", "check", "--json", &default_policy()]);
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let open = &doc["approvers"]["open"];
    let names: Vec<&str> = open["basenames"]
        .as_array()
        .expect("basenames")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        names.contains(&"gshadow") && names.contains(&"sudoers"),
        "{names:?}"
    );
    assert_eq!(open["open_flags"], libc_flags());
    assert_eq!(
        doc["approvers"]["chmod"]["unfiltered_by"],
        "vigil_setuid_bit_set"
    );
    assert!(
        doc["approvers"].get("exec").is_none(),
        "exec has no kernel approvers"
    );
}

/// O_WRONLY | O_RDWR | O_CREAT | O_TRUNC on x86_64.
fn libc_flags() -> u32 {
    0o1 | 0o2 | 0o100 | 0o1000
}

#[test]
fn unreadable_policy_is_a_precise_error() {
    let out = vigil(&["policy", "check", "/nonexistent/vigil.policy"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/vigil.policy"), "{err}");
}
