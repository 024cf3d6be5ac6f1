//! Store benchmark: ingest rate and investigation-query latency on ≥ 1,000,000 stored events.
//!
//! `cargo bench -p vigil-backend --bench store [-- EVENTS [DIR]]` (default 1,000,000 events in a
//! temporary directory). Records are realistic CWS output records (~1.5 KB: process with args
//! and two ancestors, container, file, agent envelope) spread over the last 24 h, 100 hosts,
//! 300 rules, 2,000 executables; they go through the same validation + ingest path as
//! `POST /api/v1/events` (minus HTTP), in 1,000-event batches (`VIGIL_BENCH_BATCH`) submitted by
//! 4 concurrent threads (`VIGIL_BENCH_SUBMITTERS`), and only that path is timed.
use std::time::{Duration, Instant};

use serde_json::json;
use vigil_backend::intake::parse_batch;
use vigil_backend::record::AcceptWindow;
use vigil_backend::signals::SignalPolicy;
use vigil_backend::store::sqlite::{SqliteConfig, SqliteStore};
use vigil_backend::store::{EventQuery, EventStore, FieldFilter, PageRequest, PromotedField};
use vigil_backend::timefmt::{format_rfc3339_ms, now_ms, DAY_MS};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default).max(1)
}
const HOSTS: u64 = 100;
const RULES: u64 = 300;
const EXES: u64 = 2000;
const EVENT_NAMES: [&str; 10] = ["exec", "open", "unlink", "rename", "chmod", "connect", "bind", "dns", "ptrace", "load_module"];

/// Deterministic pseudo-random numbers (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Skewed choice in 0..n: low values are much more frequent.
    fn skewed(&mut self, n: u64) -> u64 {
        let a = self.next() % n;
        let b = self.next() % n;
        a.min(b)
    }
}

fn exe(i: u64) -> String {
    format!("/usr/lib/app{}/bin/worker-{i}", i % 37)
}

fn host(i: u64) -> String {
    format!("node-{i:03}.prod.example")
}

fn make_record(rng: &mut Rng, ts_ms: i64) -> String {
    let h = rng.next() % HOSTS;
    let rule = rng.skewed(RULES);
    let x = rng.skewed(EXES);
    let name = EVENT_NAMES[(rng.next() % EVENT_NAMES.len() as u64) as usize];
    let pid = 1000 + rng.next() % 60_000;
    let container = (h % 3 != 0).then(|| format!("{:064x}", h * 7919 + x % 5));
    json!({
        "evt": {"name": name, "category": "File Activity", "outcome": "Success", "async": false},
        "date": format_rfc3339_ms(ts_ms),
        "file": {"path": format!("/var/lib/app/data/{}/file-{}.db", x % 50, rng.next() % 1000), "name": "file.db",
                 "inode": rng.next() % 10_000_000, "mode": 33188, "uid": 0, "gid": 0, "user": "root", "group": "root",
                 "modification_time": "2026-11-20T08:00:00.000Z", "change_time": "2026-11-20T08:00:00.000Z"},
        "process": {
            "pid": pid, "ppid": pid - 1, "tid": pid, "uid": 1000, "gid": 1000, "user": "app", "group": "app",
            "comm": format!("worker-{x}"), "tty": "",
            "fork_time": "2026-11-23T09:00:00.000Z", "exec_time": "2026-11-23T09:00:00.001Z",
            "credentials": {"uid": 1000, "user": "app", "gid": 1000, "group": "app", "euid": 1000, "euser": "app", "egid": 1000, "egroup": "app", "fsuid": 1000, "fsuser": "app", "fsgid": 1000, "fsgroup": "app"},
            "executable": {"path": exe(x), "name": format!("worker-{x}"), "inode": 1234 + x, "mode": 33261, "uid": 0, "gid": 0},
            "args": ["--config", "/etc/app/config.yaml", "--port", format!("{}", 8000 + x % 100)],
            "container": container.as_ref().map(|id| json!({"id": id})),
            "parent": {"pid": pid - 1, "comm": "bash", "executable": {"path": "/usr/bin/bash", "name": "bash"}, "args": ["-c", "exec worker"]},
            "ancestors": [
                {"pid": pid - 1, "comm": "bash", "executable": {"path": "/usr/bin/bash", "name": "bash"}},
                {"pid": 1, "comm": "systemd", "executable": {"path": "/usr/lib/systemd/systemd", "name": "systemd"}}
            ]
        },
        "container": container.as_ref().map(|id| json!({"id": id, "created_at": "2026-11-23T08:59:00.000Z"})),
        "agent": {"rule_id": format!("rule_{rule}"), "rule_version": "1.2.0", "policy_name": "default", "policy_version": "1.69.3",
                  "version": "0.1.0", "os": "linux", "arch": "x86_64", "origin": "ebpf"},
        "title": format!("Rule rule_{rule} matched a suspicious {name}"),
        "hostname": host(h),
        "service": "runtime-security-agent"
    })
    .to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
}

/// Runs `run` 20 times (after one warm-up) and prints median / p90 in ms.
fn measure(label: &str, mut run: impl FnMut(usize) -> usize) {
    run(0);
    let mut times = Vec::new();
    let mut rows = 0;
    for i in 0..20 {
        let start = Instant::now();
        rows += run(i + 1);
        times.push(start.elapsed());
    }
    times.sort();
    println!("{label:<58} median {:>8.2} ms   p90 {:>8.2} ms   ({:.0} rows/query)", percentile(&times, 0.5), percentile(&times, 0.9), rows as f64 / 20.0);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let events: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = args.get(1).map(std::path::PathBuf::from).unwrap_or_else(|| temp.path().to_owned());
    let store = SqliteStore::open(SqliteConfig { data_dir: dir.clone(), retention_days: 30, signal_policy: SignalPolicy::default(), webhooks: vec![] })
        .expect("open store");
    let now = now_ms();
    let start_ts = now - DAY_MS + 60_000;
    let step = (DAY_MS - 120_000) / events as i64;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut ingest_time = Duration::ZERO;
    let mut bytes = 0usize;
    let window = AcceptWindow::for_retention(now, 30);
    let submitters = env_number("VIGIL_BENCH_SUBMITTERS", 4);
    let batch_size = env_number("VIGIL_BENCH_BATCH", 1000);
    let batches = events.div_ceil(batch_size);
    let mut next_batch = 0;
    while next_batch < batches {
        // Generate a chunk of batches (not timed), then submit them from concurrent threads the
        // way several agents would (timed: validation + group-committed durable ingest).
        let chunk: Vec<(usize, String)> = (next_batch..(next_batch + submitters * 8).min(batches))
            .map(|b| {
                let first = b * batch_size;
                let body: String = (first..(first + batch_size).min(events))
                    .map(|i| make_record(&mut rng, start_ts + i as i64 * step) + "\n")
                    .collect();
                (b, body)
            })
            .collect();
        next_batch += chunk.len();
        bytes += chunk.iter().map(|(_, body)| body.len()).sum::<usize>();
        let queue = std::sync::Mutex::new(chunk);
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..submitters {
                scope.spawn(|| loop {
                    let Some((b, body)) = queue.lock().unwrap().pop() else { return };
                    let batch = parse_batch(format!("bench-{b}"), body.as_bytes(), window, now_ms()).expect("batch");
                    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected.first());
                    store.ingest(batch).expect("ingest");
                });
            }
        });
        ingest_time += started.elapsed();
    }
    let db_bytes: u64 = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum();
    println!(
        "ingest: {events} events ({:.0} B avg) in {:.1} s => {:.0} events/s \
         ({submitters} concurrent submitters, {batch_size}-event batches; validation + store + signals, durable)",
        bytes as f64 / events as f64,
        ingest_time.as_secs_f64(),
        events as f64 / ingest_time.as_secs_f64()
    );
    println!("disk: {:.2} GB", db_bytes as f64 / 1e9);

    let last_hour = EventQuery { from_ms: now - 3_600_000, to_ms: now + 1, filters: vec![] };
    let page = |limit| PageRequest { limit, cursor: None, scan_budget: 200_000 };
    let filter = |field, value: String| FieldFilter { field, values: vec![value] };
    let mut probe = Rng(42);
    measure("Q1 host + executable, last hour, full records", |_| {
        let mut q = last_hour.clone();
        let x = probe.skewed(EXES);
        q.filters = vec![filter(PromotedField::Host, host(probe.next() % HOSTS)), filter(PromotedField::ProcessPath, exe(x))];
        store.search(&q, None, page(100)).unwrap().events.len()
    });
    measure("Q2 one host, last hour, newest 100", |_| {
        let mut q = last_hour.clone();
        q.filters = vec![filter(PromotedField::Host, host(probe.next() % HOSTS))];
        store.search(&q, None, page(100)).unwrap().events.len()
    });
    measure("Q3 one rule, last 24 h, newest 100", |_| {
        let q = EventQuery { from_ms: now - DAY_MS, to_ms: now + 1, filters: vec![filter(PromotedField::RuleId, format!("rule_{}", probe.skewed(RULES)))] };
        store.search(&q, None, page(100)).unwrap().events.len()
    });
    measure("Q4 histogram, one host, 24 h in 1 h buckets", |_| {
        let q = EventQuery { from_ms: now - DAY_MS, to_ms: now + 1, filters: vec![filter(PromotedField::Host, host(probe.next() % HOSTS))] };
        store.histogram(&q, None, 3_600_000, 200_000).unwrap().buckets.iter().map(|b| b.count as usize).sum()
    });
    measure("Q5 event by id", |i| {
        let q = EventQuery { from_ms: now - DAY_MS, to_ms: now + 1, filters: vec![] };
        let id = store.search(&q, None, PageRequest { limit: 1, cursor: None, scan_budget: 1 }).unwrap().events[0].id;
        usize::from(store.get_event(id - i as i64).unwrap().is_some())
    });
}
