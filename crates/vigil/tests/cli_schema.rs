//! `vigil schema` prints exactly the schema Vigil's events are validated against.

use std::process::Command;

#[test]
fn schema_command_prints_the_spec_schema() {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("schema")
        .output()
        .expect("run vigil");
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("schema is JSON");
    let spec: serde_json::Value =
        serde_json::from_str(vigil_model::EVENT_SCHEMA).expect("fixture is JSON");
    assert_eq!(printed, spec);
    assert_eq!(printed["$defs"].as_object().map(|d| d.len()), Some(33));
}
