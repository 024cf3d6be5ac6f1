//! End-to-end intake benchmark: a `Forwarder` (gzip batches of 1,000) streams realistic records
//! over loopback HTTP to an in-process backend; the clock runs from the first record queued to
//! the forwarder's flush returning (every record acknowledged, i.e. durable in the store).
//!
//! `cargo bench -p vigil-backend --bench intake [-- EVENTS]` (default 200,000).
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use vigil_backend::forwarder::{Forwarder, ForwarderConfig};
use vigil_backend::server::{spawn, BackendConfig};
use vigil_backend::timefmt::{now_ms, DAY_MS};

mod generator;
use generator::{make_record, Rng};

fn main() {
    let events: i64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = BackendConfig::new(dir.path().join("data"));
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let backend = spawn(config).expect("backend");
    let key = vigil_backend::auth::read_client_key(backend.api_key_file()).expect("key");
    let mut forwarder_config = ForwarderConfig::new(backend.url(), key, dir.path().join("spool"));
    // Everything is queued at once, so the in-memory queue must hold it all.
    forwarder_config.queue_capacity = events as usize;
    let forwarder = Forwarder::start(forwarder_config).expect("forwarder");
    let mut rng = Rng(7);
    let now = now_ms();
    let step = (DAY_MS - 120_000) / events;
    // Pre-generate so that the clock measures forwarding and intake, not the generator.
    let records: Vec<String> = (0..events)
        .map(|i| make_record(&mut rng, now - DAY_MS + 60_000 + i * step))
        .collect();
    let bytes: usize = records.iter().map(String::len).sum();
    let started = Instant::now();
    for record in records {
        forwarder.send(record);
    }
    assert!(
        forwarder.flush(Duration::from_secs(3600)),
        "flush timed out"
    );
    let elapsed = started.elapsed();
    let stats = forwarder.stats();
    assert_eq!(stats.acked_records, events as u64, "{stats:?}");
    println!(
        "intake over HTTP: {events} events ({:.0} MB) in {:.1} s => {:.0} events/s ({} batches, {} failed attempts, {} lost)",
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64(),
        stats.acked_batches,
        stats.failed_attempts,
        stats.lost_records
    );
}
