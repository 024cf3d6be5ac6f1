//! Helpers shared by the backend's integration tests: a running backend on a temporary data
//! directory, a record builder and a minimal HTTP client.
#![allow(dead_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use vigil_backend::server::{spawn, BackendConfig, BackendHandle};
use vigil_backend::timefmt::format_rfc3339_ms;

pub const KEY: &str = "test-key-0123456789abcdef";

pub struct TestBackend {
    pub handle: BackendHandle,
    pub dir: tempfile::TempDir,
}

impl TestBackend {
    pub fn start() -> TestBackend {
        Self::start_with(|_| {})
    }

    pub fn start_with(customize: impl FnOnce(&mut BackendConfig)) -> TestBackend {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("key");
        std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
        let mut config = BackendConfig::new(dir.path().join("data"));
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.api_key_file = Some(key_file);
        customize(&mut config);
        TestBackend {
            handle: spawn(config).unwrap(),
            dir,
        }
    }

    pub fn url(&self) -> String {
        self.handle.url()
    }
}

/// A security-event record as the agent writes it.
pub fn record(host: &str, rule: &str, exe: &str, ts_ms: i64) -> Value {
    json!({
        "evt": {"name": "open", "category": "File Activity", "outcome": "Success"},
        "date": format_rfc3339_ms(ts_ms),
        "file": {"path": "/etc/shadow", "name": "shadow"},
        "process": {"pid": 4242, "comm": "cat", "executable": {"path": exe, "name": "cat"}},
        "agent": {"rule_id": rule, "rule_version": "1", "policy_name": "default", "policy_version": "1", "version": "0.1.0", "os": "linux", "arch": "x86_64", "origin": "ebpf"},
        "title": format!("rule {rule} matched"),
        "hostname": host,
        "service": "runtime-security-agent"
    })
}

pub fn lines(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

pub fn gzip(body: &str) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(body.as_bytes()).unwrap();
    enc.finish().unwrap()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn finish(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut response = response.unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// POSTs a batch; `key` None sends no Authorization header.
pub fn post_batch(
    base: &str,
    key: Option<&str>,
    batch_id: Option<&str>,
    body: &[u8],
    encoding: Option<&str>,
) -> (u16, Value) {
    let mut request = agent().post(format!("{base}/api/v1/events"));
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    if let Some(id) = batch_id {
        request = request.header("X-Vigil-Batch-Id", id);
    }
    if let Some(encoding) = encoding {
        request = request.header("Content-Encoding", encoding);
    }
    finish(request.send(body))
}

pub fn ingest(base: &str, batch_id: &str, records: &[Value]) -> Value {
    let (status, report) = post_batch(
        base,
        Some(KEY),
        Some(batch_id),
        &gzip(&lines(records)),
        Some("gzip"),
    );
    assert_eq!(status, 200, "{report}");
    report
}

pub fn get_with(base: &str, key: Option<&str>, path_and_query: &str) -> (u16, Value) {
    let mut request = agent().get(format!("{base}{path_and_query}"));
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    finish(request.call())
}

pub fn get(base: &str, path_and_query: &str) -> (u16, Value) {
    get_with(base, Some(KEY), path_and_query)
}

pub fn patch(base: &str, key: Option<&str>, path: &str, body: &str) -> (u16, Value) {
    let mut request = agent().patch(format!("{base}{path}"));
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    finish(
        request
            .header("Content-Type", "application/json")
            .send(body),
    )
}

/// Percent-encodes a query parameter value.
pub fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
