//! Store benchmark: ingest rate and investigation-query latency on ≥ 1,000,000 stored events.
//!
//! `cargo bench -p vigil-backend --bench store [-- EVENTS [DIR]]` (default 1,000,000 events in a
//! temporary directory). Records are realistic CWS output records (~1.5 KB: process with args
//! and two ancestors, container, file, agent envelope) spread over the last 24 h, 100 hosts,
//! 300 rules, 2,000 executables; they go through the same validation + ingest path as
//! `POST /api/v1/events` (minus HTTP), in 1,000-event batches (`VIGIL_BENCH_BATCH`) submitted by
//! 4 concurrent threads (`VIGIL_BENCH_SUBMITTERS`), and only that path is timed.
use std::time::{Duration, Instant};

use vigil_backend::intake::parse_batch;
use vigil_backend::query::QueryCompiler;
use vigil_backend::record::AcceptWindow;
use vigil_backend::secl_query::SeclQueryCompiler;
use vigil_backend::signals::SignalPolicy;
use vigil_backend::store::sqlite::{SqliteConfig, SqliteStore};
use vigil_backend::store::{EventQuery, EventStore, FieldFilter, PageRequest, PromotedField};
use vigil_backend::timefmt::{now_ms, DAY_MS};

mod generator;
use generator::{host, make_record, Rng, HOSTS, RULES};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
        .max(1)
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
    println!(
        "{label:<58} median {:>8.2} ms   p90 {:>8.2} ms   ({:.0} rows/query)",
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        rows as f64 / 20.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let events: usize = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = args
        .get(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| temp.path().to_owned());
    let store = SqliteStore::open(SqliteConfig {
        data_dir: dir.clone(),
        retention_days: 30,
        signal_policy: SignalPolicy::default(),
        webhooks: vec![],
    })
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
                    let Some((b, body)) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let batch =
                        parse_batch(format!("bench-{b}"), body.as_bytes(), window, now_ms())
                            .expect("batch");
                    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected.first());
                    store.ingest(batch).expect("ingest");
                });
            }
        });
        ingest_time += started.elapsed();
    }
    let db_bytes: u64 = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "ingest: {events} events ({:.0} B avg) in {:.1} s => {:.0} events/s \
         ({submitters} concurrent submitters, {batch_size}-event batches; validation + store + signals, durable)",
        bytes as f64 / events as f64,
        ingest_time.as_secs_f64(),
        events as f64 / ingest_time.as_secs_f64()
    );
    println!("disk: {:.2} GB", db_bytes as f64 / 1e9);

    let last_hour = EventQuery {
        from_ms: now - 3_600_000,
        to_ms: now + 1,
        filters: vec![],
    };
    let page = |limit| PageRequest {
        limit,
        cursor: None,
        scan_budget: 200_000,
    };
    let filter = |field, value: String| FieldFilter::one_of(field, vec![value]);
    let mut probe = Rng(42);
    // Investigation targets: (host, executable) pairs that occur in the last hour.
    let recent = store.search(&last_hour, None, page(1000)).unwrap().events;
    let targets: Vec<(String, String)> = recent
        .iter()
        .step_by(recent.len().div_ceil(25).max(1))
        .map(|e| {
            let doc: serde_json::Value = serde_json::from_str(&e.doc).unwrap();
            (
                e.host.clone(),
                doc["process"]["executable"]["path"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    measure("Q1 host + executable, last hour, full records", |i| {
        let (h, x) = &targets[i % targets.len()];
        let mut q = last_hour.clone();
        q.filters = vec![
            filter(PromotedField::Host, h.clone()),
            filter(PromotedField::ProcessPath, x.clone()),
        ];
        store.search(&q, None, page(100)).unwrap().events.len()
    });
    measure("Q2 one host, last hour, newest 100", |_| {
        let mut q = last_hour.clone();
        q.filters = vec![filter(PromotedField::Host, host(probe.next() % HOSTS))];
        store.search(&q, None, page(100)).unwrap().events.len()
    });
    measure("Q3 one rule, last 24 h, newest 100", |_| {
        let q = EventQuery {
            from_ms: now - DAY_MS,
            to_ms: now + 1,
            filters: vec![filter(
                PromotedField::RuleId,
                format!("rule_{}", probe.skewed(RULES)),
            )],
        };
        store.search(&q, None, page(100)).unwrap().events.len()
    });
    measure("Q4 histogram, one host, 24 h in 1 h buckets", |_| {
        let q = EventQuery {
            from_ms: now - DAY_MS,
            to_ms: now + 1,
            filters: vec![filter(PromotedField::Host, host(probe.next() % HOSTS))],
        };
        store
            .histogram(&q, None, 3_600_000, 200_000)
            .unwrap()
            .buckets
            .iter()
            .map(|b| b.count as usize)
            .sum()
    });
    let secl = SeclQueryCompiler;
    let secl_search = |expression: &str, query: &EventQuery| {
        let compiled = secl.compile(expression).expect("SECL");
        let mut q = query.clone();
        q.filters.extend(compiled.filters);
        let page = store
            .search(&q, compiled.predicate.as_deref(), page(100))
            .unwrap();
        assert_eq!(page.eval_errors, 0, "records must decode");
        page.events.len()
    };
    let last_day = EventQuery {
        from_ms: now - DAY_MS,
        to_ms: now + 1,
        filters: vec![],
    };
    let files: Vec<String> = recent
        .iter()
        .map(|e| serde_json::from_str::<serde_json::Value>(&e.doc).unwrap())
        .filter(|doc| doc["evt"]["name"] == "open")
        .take(25)
        .map(|doc| doc["file"]["path"].as_str().unwrap().to_owned())
        .collect();
    measure("Q6 SECL open.file.path == X (pushdown), last 24 h", |i| {
        secl_search(
            &format!("open.file.path == \"{}\"", files[i % files.len()]),
            &last_day,
        )
    });
    measure(
        "Q7 SECL host + process.file.path == X && process.comm, 1 h",
        |i| {
            let (h, x) = &targets[i % targets.len()];
            let mut q = last_hour.clone();
            q.filters = vec![filter(PromotedField::Host, h.clone())];
            let comm = x.rsplit('/').next().unwrap();
            secl_search(
                &format!("process.file.path == \"{x}\" && process.comm == \"{comm}\""),
                &q,
            )
        },
    );
    measure(
        "Q8 SECL unindexed process.pid == N, last hour (full scan)",
        |i| {
            secl_search(
                &format!("process.pid == {}", 1000 + i * 7919 % 60_000),
                &last_hour,
            )
        },
    );
    measure("Q5 event by id", |i| {
        let q = EventQuery {
            from_ms: now - DAY_MS,
            to_ms: now + 1,
            filters: vec![],
        };
        let id = store
            .search(
                &q,
                None,
                PageRequest {
                    limit: 1,
                    cursor: None,
                    scan_budget: 1,
                },
            )
            .unwrap()
            .events[0]
            .id;
        usize::from(store.get_event(id - i as i64).unwrap().is_some())
    });
}
