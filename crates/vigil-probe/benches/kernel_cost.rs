//! Measures the in-kernel cost of each program (BPF run-time statistics: run_time_ns /
//! run_cnt) while a shell runs /bin/true in a loop, once with every event type enabled and
//! once with none (the enabled-types check alone). Needs root; prints "skipped" otherwise.
//! Run: `cargo bench -p vigil-probe --bench kernel_cost`.

use std::collections::BTreeMap;
use std::os::fd::FromRawFd;
use std::process::Command;
use std::time::Duration;

use libbpf_rs::query::ProgInfoIter;
use vigil_probe::{EventTypes, Probe, ProbeConfig};

const EXECS: u32 = 500;

/// (run_cnt, run_time_ns) of the newest program with each of our names.
fn stats() -> BTreeMap<String, (u64, u64, u32)> {
    let mut newest: BTreeMap<String, (u64, u64, u32)> = BTreeMap::new();
    for info in ProgInfoIter::default() {
        let name = info.name.to_string_lossy().into_owned();
        if !["vg_exec", "vg_fork", "vg_exit"].contains(&name.as_str()) {
            continue;
        }
        if newest.get(&name).is_none_or(|(_, _, id)| info.id > *id) {
            newest.insert(name, (info.run_cnt, info.run_time_ns, info.id));
        }
    }
    newest
}

fn phase(probe: &mut Probe, label: &str) {
    let before = stats();
    let status = Command::new("/bin/sh")
        .args([
            "-c",
            &format!("i=0; while [ $i -lt {EXECS} ]; do /bin/true; i=$((i+1)); done"),
        ])
        .status()
        .expect("sh");
    assert!(status.success());
    while probe.poll(Duration::from_millis(50), |_| {}).expect("poll") > 0 {}
    for (name, (cnt, ns, _)) in stats() {
        let (cnt0, ns0, _) = before.get(&name).copied().unwrap_or_default();
        let runs = cnt - cnt0;
        let per_run = if runs == 0 { 0 } else { (ns - ns0) / runs };
        println!("{label:>9} {name}: {runs} runs, {per_run} ns/run");
    }
}

fn main() {
    let mut probe = match Probe::load(&ProbeConfig::default()) {
        Ok(probe) => probe,
        Err(e) => {
            println!("skipped: {e}");
            return;
        }
    };
    // SAFETY: bpf_enable_stats returns a new fd (or a negative errno) that we own.
    let fd = unsafe {
        libbpf_rs::libbpf_sys::bpf_enable_stats(libbpf_rs::libbpf_sys::BPF_STATS_RUN_TIME)
    };
    if fd < 0 {
        println!("skipped: BPF_ENABLE_STATS failed ({fd})");
        return;
    }
    // SAFETY: fd is a valid, owned descriptor; closing it turns the statistics off.
    let _stats_guard = unsafe { std::fs::File::from_raw_fd(fd) };
    println!("{EXECS} x fork+exec+exit of /bin/true from sh:");
    phase(&mut probe, "enabled");
    probe.set_enabled(EventTypes::empty()).expect("set_enabled");
    phase(&mut probe, "disabled");
    println!(
        "drops: {}, decode errors: {}",
        probe.drop_counts().expect("drops").total(),
        probe.decode_errors()
    );
}
