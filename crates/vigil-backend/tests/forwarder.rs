//! Forwarder tests against an in-process backend: spooling while the backend is down and
//! draining after, loss counting when the spool is full, recovery of a spool left by a previous
//! run, and per-record rejections.
mod common;

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use common::*;
use serde_json::json;
use vigil_backend::forwarder::{Forwarder, ForwarderConfig};
use vigil_backend::timefmt::now_ms;

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn config(addr: SocketAddr, spool: &std::path::Path) -> ForwarderConfig {
    let mut c = ForwarderConfig::new(format!("http://{addr}"), KEY, spool);
    c.batch_max_records = 10;
    c.flush_interval = Duration::from_millis(50);
    c.backoff_initial = Duration::from_millis(20);
    c.backoff_max = Duration::from_millis(200);
    c
}

fn stored_pids(url: &str) -> Vec<i64> {
    let (_, page) = get(url, "/api/v1/events?limit=1000");
    let mut pids: Vec<i64> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["record"]["process"]["pid"].as_i64().unwrap())
        .collect();
    pids.sort();
    pids
}

fn numbered(i: i64) -> String {
    let mut r = record("fw-host", "r", "/bin/cat", now_ms());
    r["process"]["pid"] = json!(i);
    r.to_string()
}

fn spool_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn spools_while_the_backend_is_down_then_drains() {
    let addr = free_port();
    let spool = tempfile::tempdir().unwrap();
    let forwarder = Forwarder::start(config(addr, spool.path())).unwrap();
    for i in 0..45 {
        forwarder.send(numbered(i));
    }
    assert!(
        !forwarder.flush(Duration::from_millis(500)),
        "nothing listens yet"
    );
    let stats = forwarder.stats();
    assert_eq!(stats.spooled_batches, 5);
    assert!(stats.failed_attempts >= 1);
    assert_eq!(spool_files(spool.path()), 5);
    let backend = TestBackend::start_with(|c| c.listen = addr);
    assert!(forwarder.flush(Duration::from_secs(20)));
    let stats = forwarder.stats();
    assert_eq!(
        (
            stats.acked_records,
            stats.spooled_batches,
            stats.lost_records
        ),
        (45, 0, 0)
    );
    assert_eq!(spool_files(spool.path()), 0);
    assert_eq!(stored_pids(&backend.url()), (0..45).collect::<Vec<_>>());
    assert_eq!(forwarder.take_lost(), 0);
}

#[test]
fn a_full_spool_counts_lost_records() {
    let addr = free_port();
    let spool = tempfile::tempdir().unwrap();
    let mut c = config(addr, spool.path());
    c.spool_max_bytes = 1500; // room for a few small gzip batches only
    let forwarder = Forwarder::start(c).unwrap();
    for i in 0..200 {
        forwarder.send(numbered(i));
    }
    forwarder.flush(Duration::from_millis(500));
    let stats = forwarder.stats();
    assert!(stats.spooled_bytes <= 1500);
    assert!(stats.lost_records > 0);
    assert_eq!(
        stats.lost_records + stats.spooled_batches * 10,
        200,
        "{stats:?}"
    );
    let lost = forwarder.take_lost();
    assert_eq!(lost, stats.lost_records);
    assert_eq!(forwarder.take_lost(), 0, "take_lost reports deltas");
    let backend = TestBackend::start_with(|c| c.listen = addr);
    assert!(forwarder.flush(Duration::from_secs(20)));
    assert_eq!(stored_pids(&backend.url()).len() as u64, 200 - lost);
}

#[test]
fn a_spool_left_by_a_previous_run_is_sent_on_start() {
    let addr = free_port();
    let spool = tempfile::tempdir().unwrap();
    {
        let forwarder = Forwarder::start(config(addr, spool.path())).unwrap();
        for i in 0..25 {
            forwarder.send(numbered(i));
        }
        let stats = forwarder.shutdown(Duration::from_millis(300));
        assert_eq!(stats.acked_records, 0);
    }
    assert_eq!(spool_files(spool.path()), 3);
    let backend = TestBackend::start_with(|c| c.listen = addr);
    let forwarder = Forwarder::start(config(addr, spool.path())).unwrap();
    assert!(forwarder.flush(Duration::from_secs(20)));
    assert_eq!(stored_pids(&backend.url()), (0..25).collect::<Vec<_>>());
    assert_eq!(spool_files(spool.path()), 0);
}

#[test]
fn rejected_records_are_counted_and_a_bad_key_keeps_spooling() {
    let backend = TestBackend::start();
    let addr = backend.handle.addr();
    let spool = tempfile::tempdir().unwrap();
    let forwarder = Forwarder::start(config(addr, spool.path())).unwrap();
    forwarder.send(numbered(1));
    forwarder.send("{\"not\": \"a record\"}".to_owned());
    assert!(forwarder.flush(Duration::from_secs(10)));
    let stats = forwarder.stats();
    assert_eq!(
        (
            stats.acked_records,
            stats.rejected_records,
            stats.lost_records
        ),
        (1, 1, 0)
    );
    drop(forwarder);
    let mut bad = config(addr, spool.path());
    bad.api_key = "wrong-key-0123456789".into();
    let forwarder = Forwarder::start(bad).unwrap();
    forwarder.send(numbered(2));
    assert!(!forwarder.flush(Duration::from_millis(400)));
    assert_eq!(forwarder.stats().spooled_batches, 1);
    assert_eq!(forwarder.stats().lost_records, 0);
    assert!(Forwarder::start(ForwarderConfig::new("https://x", KEY, spool.path())).is_err());
}
