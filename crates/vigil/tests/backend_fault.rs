//! Fault test: an agent-side forwarder streams records to a `vigil backend` child process that
//! is killed with SIGKILL mid-stream and restarted on the same data directory. Every record the
//! forwarder had acknowledged — and, once it drains its spool, every record — is stored exactly
//! once — as events (read back through `vigil events search`) and as the count of the one
//! security signal they form; a SECL search through the CLI finds exactly the expected events.
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vigil_backend::forwarder::{Forwarder, ForwarderConfig};
use vigil_backend::timefmt::{format_rfc3339_ms, now_ms};

const KEY: &str = "fault-test-key-0123456789";
const RECORDS: i64 = 6000;

/// A `vigil backend` child, killed on drop.
struct BackendProcess(Child);

impl BackendProcess {
    fn start(port: u16, data_dir: &Path, key_file: &Path) -> BackendProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
            .args([
                "backend",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data_dir)
            .arg("--api-key-file")
            .arg(key_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn vigil backend");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.contains("listening on"),
            "unexpected backend output: {line:?}"
        );
        BackendProcess(child)
    }

    fn sigkill(mut self) {
        self.0.kill().unwrap(); // SIGKILL on Unix
        self.0.wait().unwrap();
    }
}

impl Drop for BackendProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn record(seq: i64) -> String {
    json!({
        "evt": {"name": "exec", "category": "Process Activity", "outcome": "Success"},
        "date": format_rfc3339_ms(now_ms()),
        "file": {"path": "/bin/sh", "name": "sh"},
        "process": {"pid": seq, "comm": "sh", "executable": {"path": "/bin/sh", "name": "sh"}, "args": ["-c", format!("echo {seq}")]},
        "agent": {"rule_id": "fault_rule", "rule_version": "1", "policy_name": "test", "policy_version": "1", "version": "0.1.0", "os": "linux", "arch": "x86_64", "origin": "ebpf"},
        "title": "fault test", "hostname": "fault-host", "service": "runtime-security-agent"
    })
    .to_string()
}

fn search(port: u16, key_file: &Path, query: &str) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args([
            "events",
            "search",
            query,
            "--backend",
            &format!("http://127.0.0.1:{port}"),
            "--host",
            "fault-host",
            "--from",
            "now-1h",
            "--limit",
            "100000",
            "--api-key-file",
        ])
        .arg(key_file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "search failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn sigkill_mid_stream_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let spool_dir: PathBuf = dir.path().join("spool");
    let key_file = dir.path().join("api-key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    let backend = BackendProcess::start(port, &data_dir, &key_file);
    let mut config = ForwarderConfig::new(format!("http://127.0.0.1:{port}"), KEY, &spool_dir);
    config.batch_max_records = 50;
    config.flush_interval = Duration::from_millis(20);
    config.backoff_initial = Duration::from_millis(20);
    config.backoff_max = Duration::from_millis(300);
    let forwarder = Forwarder::start(config).unwrap();

    // Stream at a steady pace; kill the backend once part of the stream is acknowledged.
    let started = Instant::now();
    let mut backend = Some(backend);
    let mut acked_at_kill = 0;
    for seq in 0..RECORDS {
        forwarder.send(record(seq));
        if seq % 100 == 99 {
            std::thread::sleep(Duration::from_millis(40));
        }
        if seq == RECORDS / 2 {
            acked_at_kill = forwarder.stats().acked_records;
            backend.take().unwrap().sigkill();
        }
    }
    assert!(
        acked_at_kill > 0,
        "nothing was acknowledged before the kill"
    );
    // The agent keeps going while the backend is down: its records go to the spool.
    std::thread::sleep(Duration::from_millis(500));
    let during_outage = forwarder.stats();
    assert!(during_outage.spooled_batches > 0, "{during_outage:?}");
    let _backend = BackendProcess::start(port, &data_dir, &key_file);
    assert!(
        forwarder.flush(Duration::from_secs(120)),
        "forwarder did not drain: {:?}",
        forwarder.stats()
    );
    let stats = forwarder.stats();
    assert_eq!(
        (
            stats.acked_records,
            stats.lost_records,
            stats.rejected_records
        ),
        (RECORDS as u64, 0, 0),
        "{stats:?}"
    );
    assert_eq!(stats.spooled_batches, 0);
    assert_eq!(
        std::fs::read_dir(&spool_dir).unwrap().count(),
        0,
        "spool not drained"
    );

    let events = search(port, &key_file, "");
    let mut seqs: Vec<i64> = events
        .iter()
        .map(|e| e["record"]["process"]["pid"].as_i64().unwrap())
        .collect();
    seqs.sort_unstable();
    let before_dedup = seqs.len();
    seqs.dedup();
    assert_eq!(before_dedup, seqs.len(), "some records were stored twice");
    assert_eq!(seqs, (0..RECORDS).collect::<Vec<_>>(), "records missing");
    // All of them went into one signal (same rule, host and executable), counted once each.
    let client = vigil_backend::client::ApiClient::new(&format!("http://127.0.0.1:{port}"), KEY);
    let signals = client.get("/api/v1/signals?rule_id=fault_rule").unwrap();
    assert_eq!(signals["signals"].as_array().unwrap().len(), 1, "{signals}");
    assert_eq!(signals["signals"][0]["event_count"], RECORDS);
    assert_eq!(signals["signals"][0]["group_key"], "process:/bin/sh");
    // SECL search through the CLI.
    let found = search(
        port,
        &key_file,
        r#"exec.file.path == "/bin/sh" && process.pid in [7, 4242, 5999]"#,
    );
    let mut pids: Vec<i64> = found
        .iter()
        .map(|e| e["record"]["process"]["pid"].as_i64().unwrap())
        .collect();
    pids.sort_unstable();
    assert_eq!(pids, vec![7, 4242, 5999]);
    eprintln!(
        "fault test: {RECORDS} records, {acked_at_kill} acknowledged before SIGKILL, {} failed attempts, {:.1}s",
        stats.failed_attempts,
        started.elapsed().as_secs_f64()
    );
}
