//! The /proc snapshot on this machine: the test process itself gets full, correct context.

use std::os::unix::fs::MetadataExt;

use vigil_resolvers::{CacheLimits, Resolvers};

#[test]
fn snapshot_describes_this_process_and_its_ancestry() {
    let mut r = Resolvers::new("/proc", CacheLimits::default());
    let n = r.snapshot().expect("snapshot");
    assert!(n > 1, "at least this process and its parents");
    let me = std::process::id();
    let entry = r
        .cache()
        .get(me)
        .expect("this process is in the snapshot")
        .clone();
    let meta = std::fs::metadata("/proc/self/exe").expect("exe");
    assert_eq!(entry.file.inode, meta.ino());
    assert_eq!(
        entry.file.path,
        std::fs::read_link("/proc/self/exe")
            .expect("link")
            .to_string_lossy()
    );
    assert_eq!(entry.file.mode, meta.mode());
    assert!(entry.file.mount_id > 0);
    assert!(!entry.file.filesystem.is_empty());
    // SAFETY: getuid/getppid have no preconditions.
    let (uid, ppid) = unsafe { (libc::getuid(), libc::getppid()) };
    assert_eq!(entry.credentials.uid, uid);
    assert_eq!(entry.ppid, ppid as u32);
    if uid == 0 {
        assert_eq!(entry.credentials.user, "root");
    }
    assert!(!entry.args.argv0.is_empty());
    assert!(
        entry.fork_time > 1_600_000_000_000_000_000,
        "start time is wall clock"
    );
    let chain: Vec<u32> = entry.ancestors().map(|p| p.pid).collect();
    assert_eq!(chain.first(), Some(&(ppid as u32)));
    assert_eq!(chain.last(), Some(&1), "ancestry reaches init: {chain:?}");
}
