//! Helpers shared by the kernel tests: loading the probe or skipping (failing in CI) when
//! the process lacks eBPF privileges, and collecting the events of one process tree.

use std::time::{Duration, Instant};

use vigil_probe::{Probe, ProbeConfig, ProbeError, RawEvent};

/// Loads the probe. Without eBPF privileges: panics when `CI=true`, otherwise prints
/// "skipped: <reason>" and returns `None`. Any other failure panics.
pub fn load_or_skip(config: &ProbeConfig) -> Option<Probe> {
    match Probe::load(config) {
        Ok(probe) => Some(probe),
        Err(e @ ProbeError::MissingPrivileges { .. }) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("eBPF tests must run in CI: {e}");
            }
            eprintln!("skipped: {e}");
            None
        }
        Err(e) => panic!("loading the probe: {e}"),
    }
}

/// Polls until `done` holds for the events kept so far (those `keep` accepts) or 10 s pass;
/// returns the kept events.
pub fn collect(probe: &mut Probe, mut keep: impl FnMut(&RawEvent) -> bool, mut done: impl FnMut(&[RawEvent]) -> bool) -> Vec<RawEvent> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut kept = Vec::new();
    while !done(&kept) {
        assert!(Instant::now() < deadline, "timed out; kept events: {kept:#?}");
        probe
            .poll(Duration::from_millis(100), |event| {
                if keep(&event) {
                    kept.push(event);
                }
            })
            .expect("poll");
    }
    kept
}

/// True for events about `pid` (exec/exit of it, fork of or by it).
pub fn concerns(event: &RawEvent, pid: u32) -> bool {
    match event {
        RawEvent::Fork(f) => f.child_pid == pid || f.parent.pid == pid,
        other => other.process().pid == pid,
    }
}

pub fn exit_of(events: &[RawEvent], pid: u32) -> Option<&vigil_probe::ExitEvent> {
    events.iter().find_map(|e| match e {
        RawEvent::Exit(x) if x.process.pid == pid => Some(x),
        _ => None,
    })
}

pub fn execs_of(events: &[RawEvent], pid: u32) -> Vec<&vigil_probe::ExecEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            RawEvent::Exec(x) if x.process.pid == pid => Some(x),
            _ => None,
        })
        .collect()
}
