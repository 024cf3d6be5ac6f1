//! Exec storm: a shell forks and execs /bin/true N times (default 10,000; `VIGIL_STORM_N`),
//! without Vigil, with Vigil running the default policy, and with a policy that matches every
//! exec (every event serialized), all in one run. Prints wall times and slowdown ratios.
//! Needs root (eBPF). Run: `cargo bench -p vigil-agent --bench exec_storm`.

use std::io;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vigil_agent::sink::RecordSink;
use vigil_agent::{Agent, AgentConfig};

struct Discard;

impl RecordSink for Discard {
    fn write_record(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn storm_command(n: usize) -> Command {
    let mut c = Command::new("/bin/sh");
    c.arg("-c")
        .arg(format!(
            "i=0; while [ $i -lt {n} ]; do /bin/true; i=$((i+1)); done"
        ))
        .stdout(Stdio::null());
    c
}

fn baseline(n: usize) -> Duration {
    let t = Instant::now();
    let status = storm_command(n).status().expect("run storm");
    assert!(status.success());
    t.elapsed()
}

fn with_agent(n: usize, config: AgentConfig) -> (Duration, u64, u64) {
    let mut agent = Agent::start(config, Box::new(Discard)).expect("agent starts (root needed)");
    let t = Instant::now();
    let mut child = storm_command(n).spawn().expect("spawn storm");
    loop {
        agent.poll(Duration::from_millis(10)).expect("poll");
        if child.try_wait().expect("wait").is_some() {
            break;
        }
    }
    let elapsed = t.elapsed();
    // Drain what is left so the counts are complete.
    for _ in 0..20 {
        agent.poll(Duration::from_millis(10)).expect("poll");
    }
    agent.shutdown();
    (elapsed, agent.stats().events, agent.stats().records)
}

fn main() {
    let n: usize = std::env::var("VIGIL_STORM_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = std::env::temp_dir().join(format!("vigil-storm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let match_all = dir.join("all.policy");
    std::fs::write(
        &match_all,
        "version: 1.0.0\nrules:\n  - id: every_exec\n    expression: exec.file.name != \"\"\n",
    )
    .expect("policy");

    let b1 = baseline(n);
    let (default_t, default_events, default_records) = with_agent(n, AgentConfig::default());
    let (all_t, all_events, all_records) = with_agent(
        n,
        AgentConfig {
            default_policy: false,
            policies: vec![match_all],
            rate_limit: vigil_agent::rate_limiter::RateLimit {
                per_second: 1e12,
                burst: u32::MAX,
            },
            ..AgentConfig::default()
        },
    );
    let b2 = baseline(n);
    let base = (b1 + b2) / 2;
    println!("exec storm: {n} × fork+exec /bin/true from sh");
    println!(
        "  without vigil          : {:.3} s ({:.3} s / {:.3} s)",
        base.as_secs_f64(),
        b1.as_secs_f64(),
        b2.as_secs_f64()
    );
    println!(
        "  vigil, default policy  : {:.3} s  ratio {:.2}  ({default_events} kernel events, {default_records} records)",
        default_t.as_secs_f64(),
        default_t.as_secs_f64() / base.as_secs_f64()
    );
    println!(
        "  vigil, match every exec: {:.3} s  ratio {:.2}  ({all_events} kernel events, {all_records} records)",
        all_t.as_secs_f64(),
        all_t.as_secs_f64() / base.as_secs_f64()
    );
    std::fs::remove_dir_all(&dir).ok();
}
