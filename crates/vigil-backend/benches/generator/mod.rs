//! Realistic synthetic CWS output records for the benches (~1.6 KB each).
#![allow(dead_code)]

use serde_json::json;
use vigil_backend::timefmt::format_rfc3339_ms;

pub const HOSTS: u64 = 100;
pub const RULES: u64 = 300;
pub const EXES: u64 = 2000;
/// Event types whose payload is the `file` object the generator writes.
const EVENT_NAMES: [&str; 7] = ["exec", "open", "unlink", "chmod", "mkdir", "rmdir", "chdir"];

/// Deterministic pseudo-random numbers (xorshift).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Skewed choice in 0..n: low values are much more frequent.
    pub fn skewed(&mut self, n: u64) -> u64 {
        let a = self.next() % n;
        let b = self.next() % n;
        a.min(b)
    }
}

pub fn exe(i: u64) -> String {
    format!("/usr/lib/app{}/bin/worker-{i}", i % 37)
}

pub fn host(i: u64) -> String {
    format!("node-{i:03}.prod.example")
}

pub fn make_record(rng: &mut Rng, ts_ms: i64) -> String {
    let h = rng.next() % HOSTS;
    let rule = rng.skewed(RULES);
    let x = rng.skewed(EXES);
    let name = EVENT_NAMES[(rng.next() % EVENT_NAMES.len() as u64) as usize];
    let pid = 1000 + rng.next() % 60_000;
    let container = (h % 3 != 0).then(|| format!("{:064x}", h * 7919 + x % 5));
    let mut record = json!({
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
    });
    if matches!(name, "chmod" | "mkdir") {
        record["file"]["destination"] = json!({"mode": 420});
    }
    if container.is_none() {
        record.as_object_mut().unwrap().remove("container");
        record["process"]
            .as_object_mut()
            .unwrap()
            .remove("container");
    }
    record.to_string()
}
