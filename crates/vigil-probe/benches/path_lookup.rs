//! The cost of finding path-based targets in the dentry cache (bpf/vg_lookup.h), from the BPF
//! run-time statistics of vg_sys_enter (where chmod and unlink look their target up):
//! chmod(2) by path against fchmod(2) (the fd variant needs no lookup) in a directory with a
//! few names and in directories with thousands of cached names, the target created first (a
//! directory lists its children newest first, so the walk passes every sibling), without and
//! with approvers naming the target (which raise the walk's budget) or another file (a
//! rejected chmod still looks up the name its path resolves to); then an
//! `rm -r`-like storm of unlinks, timed with and without the probe. Needs root; prints
//! "skipped" otherwise. Run: `cargo bench -p vigil-probe --bench path_lookup`.

mod common;

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vigil_probe::{Approvers, EventType, EventTypes, Probe, ProbeConfig, RawEvent};

const CHMODS: u32 = 100_000;
const UNLINKS: usize = 10_000;
const SYSCALL_PROGS: [&str; 2] = ["vg_sys_enter", "vg_sys_exit"];

fn cpath(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).expect("no NUL")
}

/// A directory holding `target` (created first) and `siblings` more files.
fn directory(root: &Path, name: &str, siblings: usize) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("target"), b"x").expect("target");
    for i in 0..siblings {
        std::fs::write(dir.join(format!("sibling-{i}")), b"").expect("sibling");
    }
    dir.join("target")
}

/// Runs `calls` on a worker thread with the probe draining; returns (vg_sys_enter ns/run,
/// events carrying a kernel file, events).
fn measure(probe: &mut Probe, calls: impl FnOnce() + Send + 'static) -> (u64, u64, u64) {
    let before = common::prog_stats(&SYSCALL_PROGS);
    let (mut with_file, mut events) = (0, 0);
    common::run_while_draining(probe, calls, |e: RawEvent| {
        if let Some(call) = e.file_syscall() {
            events += 1;
            with_file += u64::from(call.file.is_some());
        }
    });
    let enter = common::runs_since(&before, &SYSCALL_PROGS)
        .get("vg_sys_enter")
        .map_or(0, |r| r.1);
    (enter, with_file, events)
}

fn chmods(path: CString) -> impl FnOnce() + Send + 'static {
    move || {
        for _ in 0..CHMODS {
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::chmod(path.as_ptr(), 0o644) }, 0);
        }
    }
}

fn fchmods(path: &Path) -> impl FnOnce() + Send + 'static {
    let file = std::fs::File::open(path).expect("open");
    move || {
        let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
        for _ in 0..CHMODS {
            // SAFETY: a valid open fd.
            assert_eq!(unsafe { libc::fchmod(fd, 0o644) }, 0);
        }
    }
}

/// Chmod approvers: only the basename `name` passes.
fn approve_chmod_of(probe: &mut Probe, name: &[u8]) {
    let approvers = Approvers {
        basenames: vec![name.to_vec()],
        open_flags_mask: None,
    };
    probe
        .set_approvers(EventType::Chmod, &approvers)
        .expect("approvers");
}

/// Creates UNLINKS files in a new directory, then unlinks them oldest first; returns the time
/// of the unlinks.
fn unlink_storm(root: &Path, name: &str) -> Duration {
    let dir = root.join(name);
    std::fs::create_dir(&dir).expect("mkdir");
    let paths: Vec<CString> = (0..UNLINKS)
        .map(|i| {
            let p = dir.join(format!("f{i}"));
            std::fs::write(&p, b"").expect("file");
            cpath(&p)
        })
        .collect();
    let start = Instant::now();
    for p in &paths {
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::unlink(p.as_ptr()) }, 0);
    }
    start.elapsed()
}

fn main() {
    let config = ProbeConfig {
        enabled: EventTypes::CHMOD | EventTypes::UNLINK,
        ring_buffer_size: 64 << 20,
        ..ProbeConfig::default()
    };
    let Some((mut probe, _stats_guard)) = common::load_with_stats(&config) else {
        return;
    };
    let root = std::env::temp_dir().join(format!("vigil-path-lookup-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("root");

    println!(
        "{CHMODS} x chmod by path vs fchmod, vg_sys_enter cost (includes building the record):"
    );
    for (name, siblings) in [("few", 10), ("300", 300), ("5k", 5_000)] {
        let target = directory(&root, name, siblings);
        let (fd_ns, _, _) = measure(&mut probe, fchmods(&target));
        let (path_ns, found, events) = measure(&mut probe, chmods(cpath(&target)));
        println!(
            "  {siblings:>6} siblings: fchmod {fd_ns:>6} ns/run, chmod {path_ns:>7} ns/run (lookup ≈ {} ns); {found}/{events} chmod events with the kernel file",
            path_ns.saturating_sub(fd_ns)
        );
    }

    // A rule names the file: the event passes chmod approvers, and its lookup may walk further.
    approve_chmod_of(&mut probe, b"target");
    for name in ["300", "5k"] {
        let target = root.join(name).join("target");
        let (path_ns, found, events) = measure(&mut probe, chmods(cpath(&target)));
        println!(
            "  {name:>6} siblings, chmod approvers naming the target: chmod {path_ns:>7} ns/run; {found}/{events} with the kernel file"
        );
    }

    // No rule names the file: rejected by its given name, chmod (which follows a symlink in
    // the last name) still looks up the name its path resolves to; fchmod has its file.
    approve_chmod_of(&mut probe, b"another-name");
    let target = root.join("few").join("target");
    let (fd_ns, _, fd_events) = measure(&mut probe, fchmods(&target));
    let (path_ns, _, events) = measure(&mut probe, chmods(cpath(&target)));
    println!(
        "      10 siblings, chmod approvers naming another file: fchmod {fd_ns:>6} ns/run, chmod {path_ns:>7} ns/run (second look ≈ {} ns); {} events (0 expected)",
        path_ns.saturating_sub(fd_ns),
        fd_events + events
    );
    probe.clear_approvers(EventType::Chmod).expect("clear");

    probe.set_enabled(EventTypes::empty()).expect("disable");
    let bare = unlink_storm(&root, "unlink-bare");
    probe.set_enabled(config.enabled).expect("enable");
    let storm_root = root.clone();
    let before = common::prog_stats(&SYSCALL_PROGS);
    let (mut found, mut events) = (0u64, 0u64);
    let loaded = common::run_while_draining(
        &mut probe,
        move || unlink_storm(&storm_root, "unlink-probe"),
        |e| {
            if let RawEvent::Unlink(u) = e {
                events += 1;
                found += u64::from(u.call.file.is_some());
            }
        },
    );
    let cost = common::cost_since(&before, &SYSCALL_PROGS);
    println!("{UNLINKS} x unlink of a directory's files, oldest first:");
    println!(
        "  no probe {:.1} ms, probe {:.1} ms ({:.2}x); {found}/{events} with the kernel file; {cost}",
        bare.as_secs_f64() * 1e3,
        loaded.as_secs_f64() * 1e3,
        loaded.as_secs_f64() / bare.as_secs_f64()
    );
    println!("drops: {}", probe.drop_counts().expect("drops").total());
    std::fs::remove_dir_all(&root).expect("cleanup");
}
