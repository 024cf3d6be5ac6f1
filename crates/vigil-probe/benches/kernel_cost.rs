//! Measures the in-kernel cost of each program (BPF run-time statistics: run_time_ns /
//! run_cnt) while a shell runs /bin/true in a loop, once with every event type enabled and
//! once with none (the enabled-types check alone). Needs root; prints "skipped" otherwise.
//! Run: `cargo bench -p vigil-probe --bench kernel_cost`.

use std::process::Command;
use std::time::Duration;

mod common;

use vigil_probe::{EventTypes, Probe, ProbeConfig};

const EXECS: u32 = 500;

const LIFECYCLE_PROGS: [&str; 3] = ["vg_exec", "vg_fork", "vg_exit"];

fn phase(probe: &mut Probe, label: &str) {
    let before = common::prog_stats(&LIFECYCLE_PROGS);
    let status = Command::new("/bin/sh")
        .args([
            "-c",
            &format!("i=0; while [ $i -lt {EXECS} ]; do /bin/true; i=$((i+1)); done"),
        ])
        .status()
        .expect("sh");
    assert!(status.success());
    while probe.poll(Duration::from_millis(50), |_| {}).expect("poll") > 0 {}
    for (name, (runs, per_run)) in common::runs_since(&before, &LIFECYCLE_PROGS) {
        println!("{label:>9} {name}: {runs} runs, {per_run} ns/run");
    }
}

fn main() {
    let Some((mut probe, _stats_guard)) = common::load_with_stats(&ProbeConfig::default()) else {
        return;
    };
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
