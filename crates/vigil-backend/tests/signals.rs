//! Signal API tests: grouping per (rule, host, container-or-process), the dedup window,
//! thresholds, severity / MITRE from `ruleset_loaded` tags, status changes, listing filters and
//! webhook delivery with retries.
mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use vigil_backend::signals::{Severity, Threshold};
use vigil_backend::timefmt::{format_rfc3339_ms, now_ms};
use vigil_backend::webhook::WebhookSink;

const MIN: i64 = 60_000;

fn signals(url: &str, query: &str) -> Vec<Value> {
    let (status, answer) = get(url, &format!("/api/v1/signals{query}"));
    assert_eq!(status, 200, "{answer}");
    answer["signals"].as_array().unwrap().clone()
}

fn in_container(mut r: Value, id: &str) -> Value {
    r["container"] = json!({"id": id});
    r
}

#[test]
fn events_group_into_signals_within_the_dedup_window() {
    let backend = TestBackend::start(); // 1 h window
    let url = backend.url();
    let t = now_ms() - 5 * 60 * MIN;
    ingest(
        &url,
        "g1",
        &[
            record("h1", "shadow", "/bin/cat", t),
            record("h1", "shadow", "/bin/cat", t + MIN),
            record("h1", "shadow", "/bin/cat", t + 2 * MIN),
            record("h1", "shadow", "/usr/bin/less", t + 2 * MIN), // other process
            record("h2", "shadow", "/bin/cat", t + 2 * MIN),      // other host
            record("h1", "other", "/bin/cat", t + 2 * MIN),       // other rule
            in_container(record("h1", "shadow", "/bin/cat", t + 3 * MIN), "c-1"),
            in_container(record("h1", "shadow", "/bin/sh", t + 4 * MIN), "c-1"), // same container
        ],
    );
    // Past the window after the last event of the group: a new signal.
    ingest(
        &url,
        "g2",
        &[record("h1", "shadow", "/bin/cat", t + 2 * MIN + 61 * MIN)],
    );
    // Within the window of the *last* event (sliding): joins it.
    ingest(
        &url,
        "g3",
        &[record(
            "h1",
            "shadow",
            "/bin/cat",
            t + 2 * MIN + 61 * MIN + 59 * MIN,
        )],
    );
    let all = signals(&url, "?limit=100");
    let mut by_key: HashMap<(String, String, String), Vec<u64>> = HashMap::new();
    for s in &all {
        by_key
            .entry((
                s["rule_id"].as_str().unwrap().into(),
                s["host"].as_str().unwrap().into(),
                s["group_key"].as_str().unwrap().into(),
            ))
            .or_default()
            .push(s["event_count"].as_u64().unwrap());
    }
    let key = |r: &str, h: &str, g: &str| (r.to_owned(), h.to_owned(), g.to_owned());
    assert_eq!(
        by_key[&key("shadow", "h1", "process:/bin/cat")],
        vec![2, 3],
        "{all:#?}"
    );
    assert_eq!(
        by_key[&key("shadow", "h1", "process:/usr/bin/less")],
        vec![1]
    );
    assert_eq!(by_key[&key("shadow", "h2", "process:/bin/cat")], vec![1]);
    assert_eq!(by_key[&key("other", "h1", "process:/bin/cat")], vec![1]);
    assert_eq!(by_key[&key("shadow", "h1", "container:c-1")], vec![2]);
    assert_eq!(all.len(), 6);
    // The signal detail lists its events, newest first.
    let second = all
        .iter()
        .find(|s| s["event_count"] == 2 && s["group_key"] == "process:/bin/cat")
        .unwrap();
    let (status, detail) = get(&url, &format!("/api/v1/signals/{}", second["id"]));
    assert_eq!(status, 200);
    let dates: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["record"]["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        vec![
            format_rfc3339_ms(t + 2 * MIN + 61 * MIN + 59 * MIN),
            format_rfc3339_ms(t + 2 * MIN + 61 * MIN),
        ]
    );
    assert_eq!(detail["signal"]["first_seen_ms"], t + 2 * MIN + 61 * MIN);
    let first = all.iter().find(|s| s["event_count"] == 3).unwrap();
    assert_eq!(first["first_seen_ms"], t);
    assert_eq!(first["last_seen_ms"], t + 2 * MIN);
    assert_eq!(detail["signal"]["status"], "open");
    assert_eq!(detail["signal"]["title"], "rule shadow matched");
}

#[test]
fn status_changes_and_archived_signals_stop_grouping() {
    let backend = TestBackend::start();
    let url = backend.url();
    let t = now_ms() - 30 * MIN;
    ingest(
        &url,
        "s1",
        &[
            record("h", "r", "/bin/cat", t),
            record("h", "r2", "/bin/cat", t),
        ],
    );
    let all = signals(&url, "");
    let id = all.iter().find(|s| s["rule_id"] == "r").unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, answer) = patch(
        &url,
        Some(KEY),
        &format!("/api/v1/signals/{id}"),
        r#"{"status":"under_review"}"#,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["signal"]["status"], "under_review");
    // Under review still absorbs new events of its group.
    ingest(&url, "s2", &[record("h", "r", "/bin/cat", t + MIN)]);
    assert_eq!(
        get(&url, &format!("/api/v1/signals/{id}")).1["signal"]["event_count"],
        2
    );
    assert_eq!(
        patch(
            &url,
            Some(KEY),
            &format!("/api/v1/signals/{id}"),
            r#"{"status":"archived"}"#
        )
        .0,
        200
    );
    // Archived: the next event opens a new signal.
    ingest(&url, "s3", &[record("h", "r", "/bin/cat", t + 2 * MIN)]);
    assert_eq!(signals(&url, "?rule_id=r").len(), 2);
    assert_eq!(signals(&url, "?status=archived").len(), 1);
    assert_eq!(signals(&url, "?status=open").len(), 2);
    assert_eq!(signals(&url, "?status=open&rule_id=r2").len(), 1);
    assert_eq!(signals(&url, "?host=nope").len(), 0);
    // Pagination: newest first, `before` continues.
    let (_, page) = get(&url, "/api/v1/signals?limit=2");
    assert_eq!(page["signals"].as_array().unwrap().len(), 2);
    let before = page["next_before"].as_i64().unwrap();
    let (_, rest) = get(&url, &format!("/api/v1/signals?limit=2&before={before}"));
    assert_eq!(rest["signals"].as_array().unwrap().len(), 1);
    // Bad input.
    for (body, code, fragment) in [
        (
            r#"{"status":"closed"}"#,
            400,
            "unknown signal status `closed`",
        ),
        (r#"{"state":"open"}"#, 400, "body must be"),
        ("nope", 400, "body is not JSON"),
    ] {
        let (status, answer) = patch(&url, Some(KEY), &format!("/api/v1/signals/{id}"), body);
        assert_eq!(status, code, "{body}");
        assert!(
            answer["error"].as_str().unwrap().contains(fragment),
            "{answer}"
        );
    }
    assert_eq!(
        patch(
            &url,
            Some(KEY),
            "/api/v1/signals/999999",
            r#"{"status":"open"}"#
        )
        .0,
        404
    );
    assert_eq!(get(&url, "/api/v1/signals/999999").0, 404);
    assert_eq!(get(&url, "/api/v1/signals?status=closed").0, 400);
}

#[test]
fn thresholds_and_rule_tags() {
    let backend = TestBackend::start_with(|c| {
        c.signal_policy.thresholds.insert(
            "brute".into(),
            Threshold {
                count: 3,
                window_ms: 10 * MIN,
            },
        );
    });
    let url = backend.url();
    let t = now_ms() - 60 * MIN;
    let ruleset = json!({"evt": {"name": "ruleset_loaded", "category": "Vigil"}, "date": format_rfc3339_ms(t - MIN),
        "agent": {"rule_id": "ruleset_loaded", "version": "0.1.0"}, "hostname": "h",
        "ruleset_loaded": {"policies": [{"name": "p", "version": "1", "source": "file", "rules": [
            {"id": "brute", "version": "1", "expression": "", "status": "loaded", "message": "",
             "tags": {"severity": "critical", "mitre_tactic": "TA0006-credential-access", "mitre_technique": "T1110"}}]}],
            "loaded": 1, "failed": 0}});
    ingest(&url, "t0", &[ruleset]);
    // Two events 20 min apart, then two close together: only then 3 fall within 10 min.
    ingest(
        &url,
        "t1",
        &[
            record("h", "brute", "/usr/sbin/sshd", t),
            record("h", "brute", "/usr/sbin/sshd", t + 20 * MIN),
        ],
    );
    assert!(signals(&url, "").is_empty());
    ingest(
        &url,
        "t2",
        &[record("h", "brute", "/usr/sbin/sshd", t + 22 * MIN)],
    );
    assert!(signals(&url, "").is_empty());
    ingest(
        &url,
        "t3",
        &[record("h", "brute", "/usr/sbin/sshd", t + 25 * MIN)],
    );
    let all = signals(&url, "");
    assert_eq!(all.len(), 1);
    let s = &all[0];
    assert_eq!(s["event_count"], 3);
    assert_eq!(s["first_seen_ms"], t + 20 * MIN);
    assert_eq!(s["severity"], "critical");
    assert_eq!(s["mitre_tactic"], "TA0006-credential-access");
    assert_eq!(s["mitre_technique"], "T1110");
    let detail = get(&url, &format!("/api/v1/signals/{}", s["id"])).1;
    assert_eq!(detail["events"].as_array().unwrap().len(), 3);
    // Once open, further events join it without re-counting the threshold.
    ingest(
        &url,
        "t4",
        &[record("h", "brute", "/usr/sbin/sshd", t + 50 * MIN)],
    );
    assert_eq!(signals(&url, "")[0]["event_count"], 4);
    // Untagged rules default to medium with no MITRE attribution.
    ingest(&url, "t5", &[record("h", "plain", "/bin/cat", t)]);
    let plain = signals(&url, "?rule_id=plain");
    assert_eq!(
        (plain[0]["severity"].as_str(), &plain[0]["mitre_tactic"]),
        (Some("medium"), &Value::Null)
    );
}

/// A tiny HTTP server that answers `statuses` in turn (then 200) and records request bodies.
fn webhook_receiver(statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for stream in listener.incoming().take(20) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&body).into_owned());
            let status = statuses.next().unwrap_or(200);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (url, bodies)
}

#[test]
fn webhooks_get_new_signals_with_retries() {
    let (hook_all, bodies_all) = webhook_receiver(vec![500]);
    let (hook_high, bodies_high) = webhook_receiver(vec![]);
    let backend = TestBackend::start_with(|c| {
        c.webhooks = vec![
            WebhookSink {
                url: hook_all,
                rules: vec!["shadow*".into()],
                min_severity: Severity::Info,
            },
            WebhookSink {
                url: hook_high,
                rules: vec![],
                min_severity: Severity::High,
            },
        ];
    });
    let url = backend.url();
    let t = now_ms() - 10 * MIN;
    ingest(
        &url,
        "w1",
        &[
            record("h", "shadow_read", "/bin/cat", t),
            record("h", "shadow_read", "/bin/cat", t + 1),
            record("h", "unrelated", "/bin/cat", t),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while bodies_all.lock().unwrap().len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let bodies = bodies_all.lock().unwrap().clone();
    // First attempt got 500, the retry delivered the same payload; one signal, one notification.
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert_eq!(bodies[0], bodies[1]);
    let payload: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(payload["type"], "vigil.signal.created");
    assert_eq!(payload["signal"]["rule_id"], "shadow_read");
    assert_eq!(payload["signal"]["severity"], "medium");
    // The high-severity sink got nothing: both signals are medium.
    std::thread::sleep(Duration::from_millis(300));
    assert!(bodies_high.lock().unwrap().is_empty());
}
