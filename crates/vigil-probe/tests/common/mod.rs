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
pub fn collect(
    probe: &mut Probe,
    mut keep: impl FnMut(&RawEvent) -> bool,
    mut done: impl FnMut(&[RawEvent]) -> bool,
) -> Vec<RawEvent> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut kept = Vec::new();
    while !done(&kept) {
        assert!(
            Instant::now() < deadline,
            "timed out; kept events: {kept:#?}"
        );
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
            RawEvent::Exec(x) if x.process.pid == pid => Some(&**x),
            _ => None,
        })
        .collect()
}

/// What stat(2)/statx(2) and /proc/self/mountinfo say about a file.
pub struct FileFacts {
    pub ino: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub dev_major: u32,
    pub dev_minor: u32,
    pub mtime_ns: u64,
    pub ctime_ns: u64,
    pub mount_id: u32,
    pub fs_type: String,
}

pub fn file_facts(path: &std::path::Path) -> FileFacts {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path without NUL");
    // SAFETY: statx writes into a zeroed, properly sized struct.
    let mut stx: libc::statx = unsafe { std::mem::zeroed() };
    let rc = unsafe {
        libc::statx(
            libc::AT_FDCWD,
            c_path.as_ptr(),
            0,
            libc::STATX_BASIC_STATS | libc::STATX_MNT_ID,
            &mut stx,
        )
    };
    assert_eq!(
        rc,
        0,
        "statx {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
    assert!(
        stx.stx_mask & libc::STATX_MNT_ID != 0,
        "kernel gave no mount id"
    );
    let mount_id = u32::try_from(stx.stx_mnt_id).expect("mount id fits u32");
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    let fs_type = mountinfo
        .lines()
        .find(|l| l.split(' ').next() == Some(&mount_id.to_string()))
        .and_then(|l| l.split(" - ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("mount id {mount_id} not in /proc/self/mountinfo"))
        .to_owned();
    let ns = |t: libc::statx_timestamp| t.tv_sec as u64 * 1_000_000_000 + u64::from(t.tv_nsec);
    FileFacts {
        ino: stx.stx_ino,
        mode: u32::from(stx.stx_mode),
        uid: stx.stx_uid,
        gid: stx.stx_gid,
        dev_major: stx.stx_dev_major,
        dev_minor: stx.stx_dev_minor,
        mtime_ns: ns(stx.stx_mtime),
        ctime_ns: ns(stx.stx_ctime),
        mount_id,
        fs_type,
    }
}

/// Asserts that a kernel FileInfo describes `path` (canonical) exactly.
pub fn assert_file_is(file: &vigil_probe::FileInfo, path: &std::path::Path) {
    use std::os::unix::ffi::OsStrExt;
    let canonical = std::fs::canonicalize(path).expect("canonicalize");
    let facts = file_facts(&canonical);
    assert_eq!(
        String::from_utf8_lossy(&file.path),
        canonical.to_string_lossy(),
        "path"
    );
    assert_eq!(file.path, canonical.as_os_str().as_bytes());
    assert_eq!(file.path_error, None);
    assert_eq!(file.inode, facts.ino, "inode");
    assert_eq!(file.mount_id, facts.mount_id, "mount id");
    assert_eq!(
        (file.dev_major, file.dev_minor),
        (facts.dev_major, facts.dev_minor),
        "dev"
    );
    assert_eq!(file.mode, facts.mode, "mode");
    assert_eq!((file.uid, file.gid), (facts.uid, facts.gid), "owner");
    assert_eq!(file.mtime_unix_ns, facts.mtime_ns, "mtime");
    assert_eq!(file.ctime_unix_ns, facts.ctime_ns, "ctime");
    assert_eq!(
        String::from_utf8_lossy(&file.fs_type),
        facts.fs_type,
        "filesystem type"
    );
    assert!(!file.deleted);
}
