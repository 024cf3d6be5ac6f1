//! HTTP API tests against a real backend on a loopback port: authentication, intake validation
//! and limits, idempotent batches, search with selectors and cursor pagination, event lookup,
//! histograms, hosts.
mod common;

use common::*;
use serde_json::{json, Value};
use vigil_backend::timefmt::{now_ms, DAY_MS};

#[test]
fn every_endpoint_requires_the_api_key() {
    let backend = TestBackend::start();
    let url = backend.url();
    let body = gzip(&lines(&[record("h", "r", "/bin/cat", now_ms())]));
    assert_eq!(
        post_batch(&url, None, Some("b1"), &body, Some("gzip")).0,
        401
    );
    let (status, answer) = post_batch(
        &url,
        Some("wrong-key-0123456789"),
        Some("b1"),
        &body,
        Some("gzip"),
    );
    assert_eq!(status, 401);
    assert_eq!(answer["error"], "missing or invalid API key");
    for path in [
        "/api/v1/events",
        "/api/v1/events/1",
        "/api/v1/events/histogram",
        "/api/v1/signals",
        "/api/v1/signals/1",
        "/api/v1/hosts",
    ] {
        assert_eq!(get_with(&url, None, path).0, 401, "{path}");
        assert_eq!(
            get_with(&url, Some("nope-nope-nope-nope"), path).0,
            401,
            "{path}"
        );
    }
    assert_eq!(
        patch(&url, None, "/api/v1/signals/1", r#"{"status":"archived"}"#).0,
        401
    );
    // Nothing was stored by the refused request; health needs no key.
    assert_eq!(get(&url, "/api/v1/events").1["events"], json!([]));
    assert_eq!(get_with(&url, None, "/api/v1/health").1["status"], "ok");
}

#[test]
fn intake_keeps_good_records_and_reports_bad_ones_precisely() {
    let backend = TestBackend::start();
    let url = backend.url();
    let now = now_ms();
    let good = record("h1", "r1", "/bin/cat", now).to_string();
    let mut no_rule = record("h1", "r1", "/bin/cat", now);
    no_rule["agent"].as_object_mut().unwrap().remove("rule_id");
    let mut bad_date = record("h1", "r1", "/bin/cat", now);
    bad_date["date"] = json!("last tuesday");
    let mut too_old = record("h1", "r1", "/bin/cat", now);
    too_old["date"] = json!("2001-01-01T00:00:00Z");
    let body = format!("{good}\n{{oops\n{no_rule}\n\n{bad_date}\n{too_old}\n[1,2]\n{good}\n");
    let (status, report) = post_batch(&url, Some(KEY), Some("mixed-1"), body.as_bytes(), None);
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 2);
    assert_eq!(report["duplicate"], false);
    let rejected: Vec<(u64, String)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["error"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(rejected.len(), 5, "{rejected:?}");
    assert_eq!(rejected[0].0, 1);
    assert!(rejected[0].1.starts_with("invalid JSON"));
    assert_eq!(rejected[1], (2, "missing `agent.rule_id`".to_owned()));
    assert_eq!(rejected[2].0, 4);
    assert!(rejected[2]
        .1
        .starts_with("`date`: `last tuesday` is not an RFC 3339 timestamp"));
    assert!(rejected[3].1.contains("older than the retention window"));
    assert_eq!(rejected[4], (6, "record must be a JSON object".to_owned()));
    assert_eq!(
        get(&url, "/api/v1/events").1["events"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn request_level_errors_store_nothing() {
    let backend = TestBackend::start();
    let url = backend.url();
    let body = gzip(&lines(&[record("h", "r", "/bin/cat", now_ms())]));
    let (status, answer) = post_batch(&url, Some(KEY), None, &body, Some("gzip"));
    assert_eq!(
        (status, answer["error"].as_str().unwrap()),
        (400, "missing X-Vigil-Batch-Id header")
    );
    assert_eq!(
        post_batch(&url, Some(KEY), Some("bad id!"), &body, Some("gzip")).0,
        400
    );
    let (status, answer) = post_batch(&url, Some(KEY), Some("b"), b"not gzip at all", Some("gzip"));
    assert_eq!(status, 400);
    assert!(answer["error"]
        .as_str()
        .unwrap()
        .starts_with("body is not valid gzip"));
    assert_eq!(
        post_batch(&url, Some(KEY), Some("b"), &body, Some("br")).0,
        415
    );
    let huge = vec![b' '; vigil_backend::intake::MAX_BODY_BYTES + 1];
    let (status, answer) = post_batch(&url, Some(KEY), Some("b"), &huge, None);
    assert_eq!(status, 413, "{answer}");
    let bomb = gzip(&"\n".repeat(vigil_backend::intake::MAX_DECODED_BYTES + 1));
    assert_eq!(
        post_batch(&url, Some(KEY), Some("b"), &bomb, Some("gzip")).0,
        413
    );
    let one = record("h", "r", "/bin/cat", now_ms()).to_string();
    let too_many = format!("{one}\n").repeat(vigil_backend::intake::MAX_RECORDS_PER_BATCH + 1);
    assert_eq!(
        post_batch(&url, Some(KEY), Some("b"), &gzip(&too_many), Some("gzip")).0,
        413
    );
    assert_eq!(get(&url, "/api/v1/events").1["events"], json!([]));
}

#[test]
fn large_uncompressed_batches_are_accepted_and_the_store_reopens() {
    let backend = TestBackend::start();
    let url = backend.url();
    let now = now_ms();
    let records: Vec<Value> = (0..6000)
        .map(|i| record("big", "r", "/bin/cat", now - i))
        .collect();
    let body = lines(&records);
    assert!(body.len() > 2 << 20, "more than axum's default body limit");
    let (status, report) = post_batch(&url, Some(KEY), Some("big-1"), body.as_bytes(), None);
    assert_eq!(
        (status, report["accepted"].as_u64()),
        (200, Some(6000)),
        "{report}"
    );
    // A clean shutdown and a restart on the same directory keep everything.
    let TestBackend { handle, dir } = backend;
    handle.shutdown();
    let backend = TestBackend::start_with(|c| c.data_dir = dir.path().join("data"));
    let (_, hosts) = get(&backend.url(), "/api/v1/hosts");
    assert_eq!(hosts["hosts"][0]["events_received"], 6000);
    drop(dir);
}

#[test]
fn a_retried_batch_is_stored_once() {
    let backend = TestBackend::start();
    let url = backend.url();
    let now = now_ms();
    let records: Vec<Value> = (0..5)
        .map(|i| record("h", "r", "/bin/cat", now - i * 1000))
        .collect();
    let first = ingest(&url, "retry-me", &records);
    let second = ingest(&url, "retry-me", &records);
    assert_eq!(first["accepted"], 5);
    assert_eq!(second["accepted"], 5);
    assert_eq!(second["duplicate"], true);
    let (_, page) = get(&url, "/api/v1/events?limit=100");
    assert_eq!(page["events"].as_array().unwrap().len(), 5);
    let (_, hosts) = get(&url, "/api/v1/hosts");
    assert_eq!(hosts["hosts"][0]["events_received"], 5);
    ingest(&url, "another", &records);
    assert_eq!(
        get(&url, "/api/v1/events?limit=100").1["events"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn search_selectors_time_range_and_cursor_pagination() {
    let backend = TestBackend::start();
    let url = backend.url();
    let now = now_ms();
    // 30 events over two days (two partitions), three hosts.
    let records: Vec<Value> = (0..30)
        .map(|i| {
            let mut r = record(
                &format!("host-{}", i % 3),
                &format!("rule-{}", i % 2),
                "/bin/cat",
                now - i * (DAY_MS / 20),
            );
            r["process"]["pid"] = json!(i);
            r
        })
        .collect();
    ingest(&url, "page-test", &records);
    let from = now - 2 * DAY_MS;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = format!("/api/v1/events?from={from}&limit=7");
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={}", enc(c)));
        }
        let (status, page) = get(&url, &q);
        assert_eq!(status, 200, "{page}");
        pages += 1;
        for e in page["events"].as_array().unwrap() {
            seen.push((
                e["record"]["process"]["pid"].as_i64().unwrap(),
                e["id"].as_i64().unwrap(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages < 10);
    }
    // Newest first, every event exactly once.
    assert_eq!(
        seen.iter().map(|(pid, _)| *pid).collect::<Vec<_>>(),
        (0..30).collect::<Vec<_>>()
    );
    // Selectors push down to the promoted columns.
    let (_, page) = get(
        &url,
        &format!("/api/v1/events?from={from}&limit=100&host=host-1&rule_id=rule-1"),
    );
    let pids: Vec<i64> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["record"]["process"]["pid"].as_i64().unwrap())
        .collect();
    assert_eq!(pids, vec![1, 7, 13, 19, 25]);
    let (_, page) = get(
        &url,
        &format!("/api/v1/events?from={from}&limit=100&host=host-0,host-2"),
    );
    assert_eq!(page["events"].as_array().unwrap().len(), 20);
    // Time range: the last 6 hours hold events 0..=4 (one every 1.2 h).
    let (_, page) = get(&url, "/api/v1/events?from=now-6h&limit=100");
    assert_eq!(page["events"].as_array().unwrap().len(), 5);
    // Lookup by id.
    let (id_pid, id) = seen[3];
    let (status, event) = get(&url, &format!("/api/v1/events/{id}"));
    assert_eq!(status, 200);
    assert_eq!(event["record"]["process"]["pid"], id_pid);
    assert_eq!(event["host"], format!("host-{}", id_pid % 3));
    assert_eq!(get(&url, "/api/v1/events/12345").0, 404);
    assert_eq!(get(&url, "/api/v1/events/abc").0, 400);
}

#[test]
fn search_rejects_bad_parameters() {
    let backend = TestBackend::start();
    let url = backend.url();
    for (query, fragment) in [
        ("limit=0", "limit must be between 1 and 1000"),
        ("limit=5000", "limit must be between 1 and 1000"),
        ("cursor=xyz", "invalid cursor `xyz`"),
        (
            "from=yesterday",
            "from: `yesterday` is not an RFC 3339 timestamp",
        ),
        ("from=now&to=now-1h", "`from` must be before `to`"),
    ] {
        let (status, answer) = get(&url, &format!("/api/v1/events?{query}"));
        assert_eq!(status, 400, "{query}");
        assert!(
            answer["error"].as_str().unwrap().contains(fragment),
            "{query}: {answer}"
        );
    }
    let (status, answer) = get(&url, "/api/v1/events/histogram?from=now-30d&interval=1s");
    assert_eq!(status, 400);
    assert!(answer["error"]
        .as_str()
        .unwrap()
        .contains("more than 1000 buckets"));
}

#[test]
fn histogram_counts_per_bucket() {
    let backend = TestBackend::start();
    let url = backend.url();
    let now = now_ms();
    let hour = 3_600_000;
    let base = now - now.rem_euclid(hour) - 5 * hour;
    let mut records = Vec::new();
    for (bucket, count) in [(0, 3), (1, 0), (2, 5), (4, 1)] {
        for i in 0..count {
            records.push(record(
                if i % 2 == 0 { "a" } else { "b" },
                "r",
                "/bin/cat",
                base + bucket * hour + i * 1000,
            ));
        }
    }
    ingest(&url, "hist", &records);
    let (status, hist) = get(
        &url,
        &format!(
            "/api/v1/events/histogram?from={base}&to={}&interval=1h",
            base + 5 * hour
        ),
    );
    assert_eq!(status, 200, "{hist}");
    let counts: Vec<u64> = hist["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, vec![3, 0, 5, 0, 1]);
    assert_eq!(hist["buckets"][2]["start_ms"], base + 2 * hour);
    let (_, hist) = get(
        &url,
        &format!(
            "/api/v1/events/histogram?from={base}&to={}&interval=1h&host=b",
            base + 5 * hour
        ),
    );
    let counts: Vec<u64> = hist["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, vec![1, 0, 2, 0, 0]);
}

fn custom(host: &str, name: &str, ts: i64, payload: Value) -> Value {
    json!({
        "evt": {"name": name, "category": "Vigil"},
        "date": vigil_backend::timefmt::format_rfc3339_ms(ts),
        "agent": {"rule_id": name, "rule_version": "", "policy_name": "", "policy_version": "", "version": "0.2.0", "os": "linux", "arch": "arm64", "origin": "ebpf"},
        "title": name,
        "hostname": host,
        "service": "runtime-security-agent",
        name: payload,
    })
}

#[test]
fn hosts_show_heartbeats_rulesets_and_lost_events() {
    let backend = TestBackend::start();
    let url = backend.url();
    let now = now_ms();
    let ruleset = json!({
        "policies": [{"name": "default", "version": "1.0", "source": "file", "rules": [
            {"id": "r1", "version": "1", "expression": "open.file.path == \"/etc/shadow\"", "status": "loaded", "message": "", "tags": {"severity": "high"}}
        ]}],
        "summary": {"loaded": 1, "error": 1}, "loaded": 7, "failed": 1
    });
    ingest(
        &url,
        "h-1",
        &[
            custom("web-1", "ruleset_loaded", now - 120_000, ruleset),
            custom(
                "web-1",
                "heartbeat",
                now - 60_000,
                json!({"policies": [{"name": "default", "version": "1.0", "source": "file"}], "uptime_seconds": 60, "rules_loaded": 7, "rules_failed": 1}),
            ),
            custom(
                "web-1",
                "lost_events",
                now - 50_000,
                json!({"kernel": {"open": 3}, "decode_errors": 0, "user_space": {}, "rate_limited": {}, "spool": 2, "total": 5}),
            ),
            record("db-1", "r1", "/bin/cat", now),
        ],
    );
    // An older heartbeat arriving late does not roll the state back.
    ingest(
        &url,
        "h-2",
        &[
            custom(
                "web-1",
                "heartbeat",
                now - 600_000,
                json!({"policies": [], "uptime_seconds": 1, "rules_loaded": 1, "rules_failed": 0}),
            ),
            custom(
                "web-1",
                "lost_events",
                now - 40_000,
                json!({"spool": 0, "total": 4}),
            ),
        ],
    );
    let (status, answer) = get(&url, "/api/v1/hosts");
    assert_eq!(status, 200);
    let hosts = answer["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 2);
    assert_eq!(hosts[0]["hostname"], "db-1");
    assert_eq!(hosts[0]["last_heartbeat_ms"], Value::Null);
    let web = &hosts[1];
    assert_eq!(web["hostname"], "web-1");
    assert_eq!(web["agent_version"], "0.2.0");
    assert_eq!(web["arch"], "arm64");
    assert_eq!(web["last_heartbeat_ms"], now - 60_000);
    assert_eq!(web["uptime_seconds"], 60);
    assert_eq!(
        (web["rules_loaded"].as_u64(), web["rules_failed"].as_u64()),
        (Some(7), Some(1))
    );
    assert_eq!(web["lost_events"], 9);
    assert_eq!(web["events_received"], 5);
    assert_eq!(web["policies"][0]["name"], "default");
    // Custom events are stored and searchable like the rest, but never signalled.
    let (_, page) = get(&url, "/api/v1/events?rule_id=heartbeat");
    assert_eq!(page["events"].as_array().unwrap().len(), 2);
    let (_, signals) = get(&url, "/api/v1/signals");
    assert_eq!(signals["signals"].as_array().unwrap().len(), 1);
    assert_eq!(signals["signals"][0]["host"], "db-1");
}

#[test]
fn secl_search_with_pushdown_pagination_and_histogram() {
    let backend = TestBackend::start();
    let url = backend.url();
    let now = now_ms();
    let mut records = Vec::new();
    for i in 0..40i64 {
        let (exe, comm) = if i % 3 == 0 {
            ("/usr/bin/vim", "vim")
        } else {
            ("/bin/cat", "cat")
        };
        let mut r = record("h1", "files", exe, now - 60_000 - i * 1000);
        r["process"]["comm"] = json!(comm);
        r["process"]["pid"] = json!(1000 + i);
        r["file"]["path"] = json!(if i % 2 == 0 { "/etc/shadow" } else { "/tmp/x" });
        records.push(r);
    }
    let mut exec = record("h1", "files", "/bin/cat", now - 30_000);
    exec["evt"] = json!({"name": "exec", "category": "Process Activity", "outcome": "Success"});
    exec["file"] = json!({"path": "/bin/cat", "name": "cat"});
    records.push(exec);
    records.push(custom(
        "h1",
        "heartbeat",
        now - 10_000,
        json!({"policies": [], "uptime_seconds": 1, "rules_loaded": 1, "rules_failed": 0}),
    ));
    ingest(&url, "secl", &records);
    let expected: Vec<i64> = (0..40)
        .filter(|i| i % 2 == 0 && i % 3 != 0)
        .map(|i| 1000 + i)
        .collect();
    let query = enc(r#"open.file.path == "/etc/shadow" && process.comm == "cat""#);
    let (status, page) = get(&url, &format!("/api/v1/events?query={query}&limit=100"));
    assert_eq!(status, 200, "{page}");
    let pids = |page: &Value| -> Vec<i64> {
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["record"]["process"]["pid"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(pids(&page), expected);
    assert_eq!(page["evaluation_errors"], 0);
    // Pushdown: only the 20 `open` events on /etc/shadow reached the SECL evaluation.
    assert_eq!(page["scanned"], 20);
    // The same through pages of 4.
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let (_, page) = get(
            &url,
            &format!("/api/v1/events?query={query}&limit=4{cursor}"),
        );
        all.extend(pids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={}", enc(c)),
            None => break,
        }
    }
    assert_eq!(all, expected);
    // Non-pushable terms, prefixes, and type-free expressions.
    let (_, page) = get(
        &url,
        &format!(
            "/api/v1/events?query={}",
            enc("process.pid in [1003, 1004, 1007] && open.file.path =~ \"/tmp/*\"")
        ),
    );
    assert_eq!(pids(&page), vec![1003, 1007]);
    let (_, page) = get(
        &url,
        &format!(
            "/api/v1/events?query={}",
            enc(r#"exec.file.path == "/bin/cat""#)
        ),
    );
    assert_eq!(page["events"].as_array().unwrap().len(), 1);
    let (_, page) = get(
        &url,
        &format!(
            "/api/v1/events?limit=100&query={}",
            enc(r#"process.comm == "vim""#)
        ),
    );
    assert_eq!(pids(&page).len(), 14);
    assert_eq!(
        page["evaluation_errors"], 0,
        "the heartbeat is not an evaluation error"
    );
    // Histogram of a SECL query.
    let (status, hist) = get(
        &url,
        &format!("/api/v1/events/histogram?query={query}&from=now-1h&interval=10m"),
    );
    assert_eq!(status, 200, "{hist}");
    let total: u64 = hist["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, expected.len() as u64);
    // Bad SECL is a 400 with the engine's message.
    let (status, answer) = get(
        &url,
        &format!("/api/v1/events?query={}", enc("open.file.path ==")),
    );
    assert_eq!(status, 400);
    assert!(
        answer["error"].as_str().unwrap().starts_with("query: "),
        "{answer}"
    );
    let (status, _) = get(
        &url,
        &format!("/api/v1/events?query={}", enc(r#"nope.field == "x""#)),
    );
    assert_eq!(status, 400);
}
