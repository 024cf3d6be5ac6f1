//! The open/close storm: 1,000,000 openat+close of an existing file, timed (a) with no probe
//! loaded, (b) with the probe loaded, open enabled and no approvers (every open is an event,
//! consumed by a polling thread), (c) with open approvers that match nothing in the storm
//! (every open is filtered in the kernel). Also times 1,000,000 getppid(2) with and without
//! the probe: the raw syscall tracepoints run for every syscall while a file type is enabled.
//! Needs root; prints "skipped" otherwise. Run: `cargo bench -p vigil-probe --bench open_storm`.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::time::{Duration, Instant};

mod common;

use vigil_probe::{Approvers, EventType, EventTypes, Probe, ProbeConfig, RawEvent};

const OPENS: u32 = 1_000_000;
const GETPPIDS: u32 = 1_000_000;

fn open_storm(path: &CString) -> Duration {
    let start = Instant::now();
    for _ in 0..OPENS {
        // SAFETY: a valid NUL-terminated path; the fd is closed at once.
        unsafe {
            let fd = libc::openat(libc::AT_FDCWD, path.as_ptr(), libc::O_RDONLY);
            assert!(fd >= 0, "openat failed");
            libc::close(fd);
        }
    }
    start.elapsed()
}

fn getppid_storm() -> Duration {
    let start = Instant::now();
    for _ in 0..GETPPIDS {
        // SAFETY: no preconditions.
        unsafe { libc::syscall(libc::SYS_getppid) };
    }
    start.elapsed()
}

/// The storm with the probe loaded: (its time, the storm events received).
fn storm_with_probe(probe: &mut Probe, path: &CString) -> (Duration, u64) {
    let storm_path = path.clone();
    let target = path.as_bytes();
    let mut received = 0u64;
    let elapsed = common::run_while_draining(
        probe,
        move || open_storm(&storm_path),
        |e| {
            if let RawEvent::Open(o) = e {
                if o.call.path.as_ref().is_some_and(|p| p.path == target) {
                    received += 1;
                }
            }
        },
    );
    (elapsed, received)
}

const SYSCALL_PROGS: [&str; 2] = ["vg_sys_enter", "vg_sys_exit"];

fn per_op(d: Duration, n: u32) -> f64 {
    d.as_nanos() as f64 / f64::from(n)
}

fn main() {
    let dir = std::env::temp_dir().join(format!("vigil-open-storm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("storm-target");
    std::fs::write(&file, b"x").expect("file");
    let path = CString::new(file.as_os_str().as_bytes()).expect("path");

    let config = ProbeConfig {
        enabled: EventTypes::OPEN,
        ring_buffer_size: 64 << 20,
        ..ProbeConfig::default()
    };
    // Check privileges before timing anything.
    if let Err(e) = Probe::load(&config) {
        println!("skipped: {e}");
        return;
    }

    let _stats_guard = common::enable_run_time_stats();

    open_storm(&path); // warm the dentry cache and the page tables
    let bare = open_storm(&path);
    let bare_getppid = getppid_storm();

    let mut probe = Probe::load(&config).expect("load");
    let stats = common::prog_stats(&SYSCALL_PROGS);
    let (unfiltered, received) = storm_with_probe(&mut probe, &path);
    let unfiltered_kernel = common::cost_since(&stats, &SYSCALL_PROGS);
    let drops = probe.drop_counts().expect("drops").of(EventType::Open);
    let loaded_getppid = getppid_storm();

    probe
        .set_approvers(
            EventType::Open,
            &Approvers {
                basenames: vec![b"vigil-no-such-name".to_vec()],
                open_flags_mask: None,
            },
        )
        .expect("approvers");
    let filtered_before = probe
        .filter_counts()
        .expect("counts")
        .of(EventType::Open)
        .approvers;
    let stats = common::prog_stats(&SYSCALL_PROGS);
    let (approved_out, leaked) = storm_with_probe(&mut probe, &path);
    let filtered_kernel = common::cost_since(&stats, &SYSCALL_PROGS);
    let filtered = probe
        .filter_counts()
        .expect("counts")
        .of(EventType::Open)
        .approvers
        - filtered_before;
    drop(probe);
    std::fs::remove_dir_all(&dir).expect("cleanup");

    println!("{OPENS} x openat+close of an existing file (one run):");
    println!(
        "  no probe:                       {:>8.3} s  {:>7.0} ns/op  1.00x",
        bare.as_secs_f64(),
        per_op(bare, OPENS)
    );
    println!(
        "  open enabled, no approvers:     {:>8.3} s  {:>7.0} ns/op  {:.2}x  ({received} events received, {drops} dropped)",
        unfiltered.as_secs_f64(),
        per_op(unfiltered, OPENS),
        unfiltered.as_secs_f64() / bare.as_secs_f64()
    );
    println!(
        "  open approvers matching none:   {:>8.3} s  {:>7.0} ns/op  {:.2}x  ({filtered} filtered in kernel, {leaked} leaked)",
        approved_out.as_secs_f64(),
        per_op(approved_out, OPENS),
        approved_out.as_secs_f64() / bare.as_secs_f64()
    );
    println!("  in-kernel cost, no approvers:   {unfiltered_kernel}");
    println!("  in-kernel cost, approvers:      {filtered_kernel}");
    println!("{GETPPIDS} x getppid (an unmonitored syscall):");
    println!(
        "  no probe: {:.0} ns/op; file programs attached: {:.0} ns/op ({:.2}x)",
        per_op(bare_getppid, GETPPIDS),
        per_op(loaded_getppid, GETPPIDS),
        loaded_getppid.as_secs_f64() / bare_getppid.as_secs_f64()
    );
}
