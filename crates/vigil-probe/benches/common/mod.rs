//! What the probe benches share: switching on the kernel's BPF run-time statistics and reading
//! the cost per run of our programs from them.
#![allow(dead_code)] // each bench binary uses a subset of these helpers

use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::FromRawFd;

use libbpf_rs::query::ProgInfoIter;

/// Turns on BPF run-time statistics until the returned file is dropped; `None` when the
/// kernel refuses.
pub fn enable_run_time_stats() -> Option<File> {
    // SAFETY: bpf_enable_stats returns a new fd (or a negative errno) that we own.
    let fd = unsafe {
        libbpf_rs::libbpf_sys::bpf_enable_stats(libbpf_rs::libbpf_sys::BPF_STATS_RUN_TIME)
    };
    // SAFETY: a valid, owned descriptor; closing it turns the statistics off.
    (fd >= 0).then(|| unsafe { File::from_raw_fd(fd) })
}

/// Loads the probe with run-time statistics on (keep the returned file while measuring);
/// prints "skipped: <reason>" and returns `None` without privileges or statistics.
pub fn load_with_stats(config: &vigil_probe::ProbeConfig) -> Option<(vigil_probe::Probe, File)> {
    let probe = match vigil_probe::Probe::load(config) {
        Ok(probe) => probe,
        Err(e) => {
            println!("skipped: {e}");
            return None;
        }
    };
    let Some(stats) = enable_run_time_stats() else {
        println!("skipped: BPF_ENABLE_STATS failed");
        return None;
    };
    Some((probe, stats))
}

/// A snapshot: per program name, (run_cnt, run_time_ns, id) of the newest loaded program.
pub type ProgStats = BTreeMap<String, (u64, u64, u32)>;

/// Snapshot of the programs with one of `names`.
pub fn prog_stats(names: &[&str]) -> ProgStats {
    let mut newest = ProgStats::new();
    for info in ProgInfoIter::default() {
        let name = info.name.to_string_lossy().into_owned();
        if !names.contains(&name.as_str()) {
            continue;
        }
        if newest.get(&name).is_none_or(|(_, _, id)| info.id > *id) {
            newest.insert(name, (info.run_cnt, info.run_time_ns, info.id));
        }
    }
    newest
}

/// Per program of `before`'s names: (runs, ns per run) since that snapshot.
pub fn runs_since(before: &ProgStats, names: &[&str]) -> BTreeMap<String, (u64, u64)> {
    prog_stats(names)
        .into_iter()
        .map(|(name, (cnt, ns, id))| {
            let (cnt0, ns0) = before
                .get(&name)
                .filter(|(_, _, id0)| *id0 == id)
                .map_or((0, 0), |(c, n, _)| (*c, *n));
            let runs = cnt.saturating_sub(cnt0);
            (
                name,
                (runs, ns.saturating_sub(ns0).checked_div(runs).unwrap_or(0)),
            )
        })
        .collect()
}

/// "name N ns/run, ..." since `before`.
pub fn cost_since(before: &ProgStats, names: &[&str]) -> String {
    runs_since(before, names)
        .into_iter()
        .map(|(name, (_, per_run))| format!("{name} {per_run} ns/run"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `work` on another thread while this one drains the probe into `on_event`; returns what
/// `work` returned once every event it caused has been read.
pub fn run_while_draining<T: Send + 'static>(
    probe: &mut vigil_probe::Probe,
    work: impl FnOnce() -> T + Send + 'static,
    mut on_event: impl FnMut(vigil_probe::RawEvent),
) -> T {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    let done = Arc::new(AtomicBool::new(false));
    let finished = Arc::clone(&done);
    let worker = std::thread::spawn(move || {
        let out = work();
        finished.store(true, Ordering::Release);
        out
    });
    while !done.load(Ordering::Acquire) {
        probe
            .poll(Duration::from_millis(20), &mut on_event)
            .expect("poll");
    }
    while probe
        .poll(Duration::from_millis(50), &mut on_event)
        .expect("poll")
        > 0
    {}
    worker.join().expect("worker thread")
}
