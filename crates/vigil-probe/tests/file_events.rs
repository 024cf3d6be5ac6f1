//! File-activity events of real syscalls (libc, raw where glibc has no wrapper), checked
//! against stat/statx and /proc/self/mountinfo where the kernel object is exact. Each test
//! keeps the events of its own thread (or of its forked child) and works in its own
//! directory: the host and the other tests produce events too.

mod common;

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use common::{assert_file_is, collect, load_or_skip};
use vigil_probe::{
    Approvers, BaseDir, EventType, EventTypes, FileErrors, FileSyscall, PathArg, Probe,
    ProbeConfig, RawEvent, Syscall, TimeChange,
};

const NOBODY: u32 = 65534;

fn file_probe(file_errors: FileErrors) -> Option<Probe> {
    load_or_skip(&ProbeConfig {
        enabled: EventTypes::FILE,
        file_errors,
        ..ProbeConfig::default()
    })
}

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vigil-fim-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn c(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).expect("no NUL")
}

fn cb(bytes: &[u8]) -> CString {
    CString::new(bytes).expect("no NUL")
}

fn tid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

/// open(2) itself: glibc's open() calls openat.
unsafe fn sys_open(path: *const libc::c_char, flags: i32, mode: libc::c_uint) -> i32 {
    // SAFETY: the caller passes a valid NUL-terminated path.
    unsafe { libc::syscall(libc::SYS_open, path, flags, mode) as i32 }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Runs `body` in a forked child (async-signal-safe calls only: everything it needs is
/// prepared before) and returns (pid, exit status).
fn in_child(body: impl FnOnce() -> i32) -> (u32, i32) {
    // SAFETY: the child only makes raw syscalls and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let code = body();
        // SAFETY: terminating the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    (pid as u32, libc::WEXITSTATUS(status))
}

/// Polls until `done` holds for the file events of thread `tid` (or of process `pid` when
/// `by_pid`).
fn events_of(
    probe: &mut Probe,
    task: u32,
    by_pid: bool,
    done: impl FnMut(&[RawEvent]) -> bool,
) -> Vec<RawEvent> {
    collect(
        probe,
        |e| {
            e.file_syscall().is_some()
                && if by_pid {
                    e.process().pid == task
                } else {
                    e.process().tid == task
                }
        },
        done,
    )
}

fn call_of(e: &RawEvent) -> &FileSyscall {
    e.file_syscall().expect("file event")
}

/// The first event of `syscall` whose first path argument ends with `suffix` (or that has
/// no path when `suffix` is empty).
fn find<'a>(events: &'a [RawEvent], syscall: Syscall, suffix: &[u8]) -> Option<&'a RawEvent> {
    events.iter().find(|e| {
        let call = call_of(e);
        call.syscall == syscall
            && match &call.path {
                Some(p) => !suffix.is_empty() && p.path.ends_with(suffix),
                None => suffix.is_empty(),
            }
    })
}

fn has(events: &[RawEvent], syscall: Syscall, suffix: &[u8]) -> bool {
    find(events, syscall, suffix).is_some()
}

fn path_arg(call: &FileSyscall) -> &PathArg {
    call.path.as_ref().expect("path argument")
}

#[test]
fn open_variants_report_the_exact_file() {
    let dir = tempdir("open");
    let existing = dir.join("existing");
    std::fs::write(&existing, b"data").expect("write");
    let Some(mut probe) = file_probe(FileErrors::All) else {
        return;
    };
    let created = dir.join("created");
    let via_creat = dir.join("via-creat");
    let via_openat2 = dir.join("via-openat2");
    let me = tid();
    // SAFETY: plain syscalls on valid NUL-terminated paths.
    unsafe {
        let fd = libc::openat(libc::AT_FDCWD, c(&existing).as_ptr(), libc::O_RDONLY);
        assert!(fd >= 0);
        libc::close(fd);
        let fd = sys_open(c(&created).as_ptr(), libc::O_CREAT | libc::O_WRONLY, 0o640);
        assert!(fd >= 0);
        libc::close(fd);
        let fd = libc::creat(c(&via_creat).as_ptr(), 0o600);
        assert!(fd >= 0);
        libc::close(fd);
        // struct open_how { u64 flags; u64 mode; u64 resolve; }
        let how: [u64; 3] = [(libc::O_CREAT | libc::O_RDWR) as u64, 0o604, 0];
        let fd = libc::syscall(
            libc::SYS_openat2,
            libc::AT_FDCWD,
            c(&via_openat2).as_ptr(),
            how.as_ptr(),
            24usize,
        );
        assert!(fd >= 0, "openat2: {}", errno());
        libc::close(fd as i32);
    }
    let events = events_of(&mut probe, me, false, |k| {
        has(k, Syscall::Openat, b"/existing")
            && has(k, Syscall::Open, b"/created")
            && has(k, Syscall::Creat, b"/via-creat")
            && has(k, Syscall::Openat2, b"/via-openat2")
    });
    let open = |syscall, name: &str| match find(&events, syscall, name.as_bytes()) {
        Some(RawEvent::Open(o)) => o.clone(),
        other => panic!("{name}: {other:?}"),
    };

    let o = open(Syscall::Openat, "/existing");
    assert!(o.call.retval >= 0);
    assert_eq!(o.flags & libc::O_ACCMODE as u32, libc::O_RDONLY as u32);
    assert_file_is(o.call.file.as_ref().expect("file"), &existing);
    let arg = path_arg(&o.call);
    assert_eq!(arg.path, existing.as_os_str().as_bytes());
    assert_eq!(
        (arg.dirfd, &arg.base_dir),
        (libc::AT_FDCWD, &BaseDir::NotNeeded)
    );
    assert!(!o.recorded_at_exit);
    assert_eq!(o.call.process.pid, std::process::id());

    let o = open(Syscall::Open, "/created");
    assert_eq!(
        o.flags & (libc::O_CREAT | libc::O_WRONLY) as u32,
        (libc::O_CREAT | libc::O_WRONLY) as u32
    );
    assert_eq!(o.mode, 0o640);
    assert_file_is(o.call.file.as_ref().expect("file"), &created);

    let o = open(Syscall::Creat, "/via-creat");
    assert_eq!(
        o.flags,
        (libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u32
    );
    assert_eq!(o.mode, 0o600);
    assert_file_is(o.call.file.as_ref().expect("file"), &via_creat);

    let o = open(Syscall::Openat2, "/via-openat2");
    assert_eq!(o.flags, (libc::O_CREAT | libc::O_RDWR) as u32);
    assert_eq!(o.mode, 0o604);
    assert_file_is(o.call.file.as_ref().expect("file"), &via_openat2);
    assert_eq!(probe.decode_errors(), 0);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn failures_are_reported_with_their_errno_and_credentials() {
    let Some(mut probe) = file_probe(FileErrors::All) else {
        return;
    };
    let dir = tempdir("fail");
    let secret = dir.join("secret");
    std::fs::write(&secret, b"s").expect("write");
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod dir");
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("chmod");
    let (secret_c, missing_c) = (c(&secret), c(&dir.join("missing")));
    let (pid, code) = in_child(|| {
        // SAFETY: raw syscalls in the forked child.
        unsafe {
            if libc::setresgid(NOBODY, NOBODY, NOBODY) != 0
                || libc::setresuid(NOBODY, NOBODY, NOBODY) != 0
            {
                return 100;
            }
            if sys_open(secret_c.as_ptr(), libc::O_RDONLY, 0) >= 0 {
                return 101;
            }
            if libc::chmod(secret_c.as_ptr(), 0o777) == 0 {
                return 102;
            }
            if sys_open(missing_c.as_ptr(), libc::O_RDONLY, 0) >= 0 {
                return 103;
            }
        }
        0
    });
    assert_eq!(code, 0, "child step failed");
    let events = events_of(&mut probe, pid, true, |k| {
        has(k, Syscall::Open, b"/secret")
            && has(k, Syscall::Chmod, b"/secret")
            && has(k, Syscall::Open, b"/missing")
    });
    let open = call_of(find(&events, Syscall::Open, b"/secret").expect("open"));
    assert_eq!(open.retval, -i64::from(libc::EACCES));
    assert_eq!(
        open.file.as_ref().map(|f| f.inode),
        Some(std::fs::metadata(&secret).expect("stat").ino()),
        "a failed open names the file it was refused (dcache lookup at exit)"
    );
    assert_eq!(
        (open.credentials.uid, open.credentials.fsuid),
        (NOBODY, NOBODY)
    );
    assert_eq!(path_arg(open).path, secret.as_os_str().as_bytes());
    let chmod = find(&events, Syscall::Chmod, b"/secret").expect("chmod");
    assert_eq!(call_of(chmod).retval, -i64::from(libc::EPERM));
    assert!(matches!(chmod, RawEvent::Chmod(c) if c.mode == 0o777));
    let missing = call_of(find(&events, Syscall::Open, b"/missing").expect("missing"));
    assert_eq!(missing.retval, -i64::from(libc::ENOENT));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn unreported_errors_are_counted_not_output() {
    let Some(mut probe) = file_probe(FileErrors::PermissionDenied) else {
        return;
    };
    let dir = tempdir("errs");
    let missing = c(&dir.join("missing"));
    let marker = dir.join("marker");
    std::fs::write(&marker, b"").expect("write");
    let before = probe
        .filter_counts()
        .expect("counts")
        .of(EventType::Open)
        .errors;
    let me = tid();
    // SAFETY: syscalls on valid paths.
    unsafe {
        for _ in 0..50 {
            assert!(sys_open(missing.as_ptr(), libc::O_RDONLY, 0) < 0);
        }
        libc::close(sys_open(c(&marker).as_ptr(), libc::O_RDONLY, 0));
    }
    let events = events_of(&mut probe, me, false, |k| has(k, Syscall::Open, b"/marker"));
    assert!(
        !has(&events, Syscall::Open, b"/missing"),
        "ENOENT is not reported by default"
    );
    let after = probe
        .filter_counts()
        .expect("counts")
        .of(EventType::Open)
        .errors;
    assert!(after - before >= 50, "{before} -> {after}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn relative_paths_resolve_from_the_cwd_and_from_dirfd() {
    let Some(mut probe) = file_probe(FileErrors::All) else {
        return;
    };
    let dir = tempdir("rel");
    std::fs::create_dir(dir.join("sub")).expect("mkdir");
    std::fs::write(dir.join("sub/target"), b"x").expect("write");
    let (dir_c, rel) = (c(&dir), cb(b"sub/target"));
    let (pid, code) = in_child(|| {
        // SAFETY: raw syscalls in the forked child.
        unsafe {
            if libc::chdir(dir_c.as_ptr()) != 0 {
                return 100;
            }
            if sys_open(rel.as_ptr(), libc::O_RDONLY, 0) < 0 {
                return 101;
            }
            if libc::chmod(rel.as_ptr(), 0o640) != 0 {
                return 102;
            }
        }
        0
    });
    assert_eq!(code, 0);
    let events = events_of(&mut probe, pid, true, |k| {
        has(k, Syscall::Open, b"sub/target") && has(k, Syscall::Chmod, b"sub/target")
    });
    let target = dir.join("sub/target");
    for syscall in [Syscall::Open, Syscall::Chmod] {
        let call = call_of(find(&events, syscall, b"sub/target").expect("event"));
        let arg = path_arg(call);
        assert_eq!(arg.path, b"sub/target");
        assert_eq!(
            arg.base_dir,
            BaseDir::Dir {
                path: dir.as_os_str().as_bytes().to_vec(),
                truncated: false
            }
        );
        assert_eq!(
            arg.absolute().as_deref(),
            Some(target.as_os_str().as_bytes())
        );
    }

    // dirfd-relative, from this thread.
    let dirfd = std::fs::File::open(dir.join("sub")).expect("open dir");
    let me = tid();
    // SAFETY: valid fd and path.
    unsafe {
        use std::os::fd::AsRawFd;
        assert_eq!(libc::mkdirat(dirfd.as_raw_fd(), c"made".as_ptr(), 0o710), 0);
        assert_eq!(
            libc::unlinkat(dirfd.as_raw_fd(), c"made".as_ptr(), libc::AT_REMOVEDIR),
            0
        );
        assert!(libc::unlinkat(1 << 20, c"x".as_ptr(), 0) < 0, "EBADF");
    }
    let events = events_of(&mut probe, me, false, |k| {
        has(k, Syscall::Mkdirat, b"made")
            && has(k, Syscall::Unlinkat, b"made")
            && has(k, Syscall::Unlinkat, b"x")
    });
    let sub = dir.join("sub");
    let Some(RawEvent::Mkdir(m)) = find(&events, Syscall::Mkdirat, b"made") else {
        panic!("mkdirat")
    };
    assert_eq!((m.mode, m.call.retval), (0o710, 0));
    assert_eq!(
        path_arg(&m.call).absolute().as_deref(),
        Some(sub.join("made").as_os_str().as_bytes())
    );
    let Some(RawEvent::Rmdir(r)) = find(&events, Syscall::Unlinkat, b"made") else {
        panic!("unlinkat(AT_REMOVEDIR) is an rmdir event")
    };
    assert_eq!(r.flags, libc::AT_REMOVEDIR as u32);
    assert_eq!(path_arg(&r.call).dirfd, {
        use std::os::fd::AsRawFd;
        dirfd.as_raw_fd()
    });
    let Some(RawEvent::Unlink(u)) = find(&events, Syscall::Unlinkat, b"x") else {
        panic!("unlinkat with a bad dirfd")
    };
    assert_eq!(u.call.retval, -i64::from(libc::EBADF));
    assert_eq!(path_arg(&u.call).base_dir, BaseDir::Unresolved);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn attribute_changes_report_values_and_fd_files() {
    let Some(mut probe) = file_probe(FileErrors::All) else {
        return;
    };
    let dir = tempdir("attr");
    let file = dir.join("f");
    std::fs::write(&file, b"x").expect("write");
    let link = dir.join("lnk");
    std::os::unix::fs::symlink(&file, &link).expect("symlink");
    let handle = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&file)
        .expect("open");
    let fd = std::os::fd::AsRawFd::as_raw_fd(&handle);
    let mode_before = std::fs::metadata(&file).expect("stat").mode();
    let me = tid();
    let (fc, lc) = (c(&file), c(&link));
    // SAFETY: syscalls on valid paths, fds and buffers.
    unsafe {
        assert_eq!(libc::fchmod(fd, 0o600), 0);
        assert_eq!(libc::chmod(fc.as_ptr(), 0o640), 0);
        assert_eq!(libc::fchmodat(libc::AT_FDCWD, fc.as_ptr(), 0o644, 0), 0);
        assert_eq!(
            libc::syscall(452, libc::AT_FDCWD, fc.as_ptr(), 0o604, 0),
            0,
            "fchmodat2"
        );
        assert_eq!(libc::chown(fc.as_ptr(), 1, 2), 0);
        assert_eq!(libc::fchown(fd, 3, u32::MAX), 0);
        assert_eq!(libc::lchown(lc.as_ptr(), 5, 6), 0);
        assert_eq!(
            libc::fchownat(fd, c"".as_ptr(), 7, 8, libc::AT_EMPTY_PATH),
            0
        );
        let utimbuf = libc::utimbuf {
            actime: 1000,
            modtime: 2000,
        };
        assert_eq!(
            libc::syscall(libc::SYS_utime, fc.as_ptr(), &utimbuf),
            0,
            "utime(2), not glibc's utimensat"
        );
        let tv = [
            libc::timeval {
                tv_sec: 3000,
                tv_usec: 5,
            },
            libc::timeval {
                tv_sec: 4000,
                tv_usec: 6,
            },
        ];
        assert_eq!(libc::syscall(libc::SYS_utimes, fc.as_ptr(), tv.as_ptr()), 0);
        let ts = [
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_NOW,
            },
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            },
        ];
        assert_eq!(
            libc::utimensat(libc::AT_FDCWD, fc.as_ptr(), ts.as_ptr(), 0),
            0
        );
        assert_eq!(
            libc::syscall(libc::SYS_utimensat, fd, 0usize, 0usize, 0),
            0,
            "futimens(NULL)"
        );
        assert_eq!(
            libc::syscall(
                libc::SYS_futimesat,
                libc::AT_FDCWD,
                fc.as_ptr(),
                tv.as_ptr()
            ),
            0
        );
        let value = b"v1";
        assert_eq!(
            libc::setxattr(
                fc.as_ptr(),
                c"user.vigil".as_ptr(),
                value.as_ptr().cast(),
                2,
                libc::XATTR_CREATE
            ),
            0
        );
        assert_eq!(
            libc::fsetxattr(fd, c"user.fd".as_ptr(), value.as_ptr().cast(), 2, 0),
            0
        );
        let args = [
            value.as_ptr() as u64,
            2u64 | (u64::from(libc::XATTR_REPLACE as u32) << 32),
        ];
        assert_eq!(
            libc::syscall(
                463,
                libc::AT_FDCWD,
                fc.as_ptr(),
                0,
                c"user.fd".as_ptr(),
                args.as_ptr(),
                16
            ),
            0,
            "setxattrat: {}",
            errno()
        );
        assert!(libc::lsetxattr(lc.as_ptr(), c"user.l".as_ptr(), value.as_ptr().cast(), 2, 0) < 0);
        assert_eq!(libc::removexattr(fc.as_ptr(), c"user.vigil".as_ptr()), 0);
        assert_eq!(libc::fremovexattr(fd, c"user.fd".as_ptr()), 0);
        assert!(libc::syscall(466, libc::AT_FDCWD, fc.as_ptr(), 0, c"user.none".as_ptr()) < 0);
    }
    let wanted = [
        (Syscall::Fchmod, ""),
        (Syscall::Chmod, "/f"),
        (Syscall::Fchmodat, "/f"),
        (Syscall::Fchmodat2, "/f"),
        (Syscall::Chown, "/f"),
        (Syscall::Fchown, ""),
        (Syscall::Lchown, "/lnk"),
        (Syscall::Utime, "/f"),
        (Syscall::Utimes, "/f"),
        (Syscall::Utimensat, "/f"),
        (Syscall::Utimensat, ""),
        (Syscall::Futimesat, "/f"),
        (Syscall::Setxattr, "/f"),
        (Syscall::Fsetxattr, ""),
        (Syscall::Setxattrat, "/f"),
        (Syscall::Lsetxattr, "/lnk"),
        (Syscall::Removexattr, "/f"),
        (Syscall::Fremovexattr, ""),
        (Syscall::Removexattrat, "/f"),
    ];
    let events = events_of(&mut probe, me, false, |k| {
        wanted.iter().all(|(s, p)| has(k, *s, p.as_bytes()))
            && k.iter().any(|e| call_of(e).syscall == Syscall::Fchownat)
    });
    let get = |s, p: &str| find(&events, s, p.as_bytes()).expect("event");

    // fd variants: the exact file, captured before the change.
    let RawEvent::Chmod(e) = get(Syscall::Fchmod, "") else {
        panic!()
    };
    assert_eq!((e.mode, e.call.retval), (0o600, 0));
    assert!(e.call.path.is_none());
    let f = e.call.file.as_ref().expect("fd file");
    assert_eq!(f.mode, mode_before, "mode before the change");
    assert_eq!(f.path, file.as_os_str().as_bytes());
    assert_eq!(f.inode, std::fs::metadata(&file).expect("stat").ino());
    let RawEvent::Chmod(e) = get(Syscall::Fchmodat2, "/f") else {
        panic!()
    };
    assert_eq!(e.mode, 0o604);
    assert_eq!(
        e.call.file.as_ref().expect("looked-up file").mode,
        libc::S_IFREG | 0o644,
        "path variants: the dentry found at entry, before the change"
    );
    // Every path variant names its target exactly: the file, or the symlink itself for the
    // l* variants (found in the dentry cache).
    let inode_of = |p: &Path| std::fs::symlink_metadata(p).expect("lstat").ino();
    for (s, p) in wanted.iter().filter(|(_, p)| !p.is_empty()) {
        let target = if *p == "/lnk" { &link } else { &file };
        let f = call_of(get(*s, p)).file.as_ref();
        assert_eq!(f.map(|f| f.inode), Some(inode_of(target)), "{s:?} {p}");
        assert_eq!(
            f.map(|f| f.path.as_slice()),
            Some(target.as_os_str().as_bytes())
        );
    }
    let RawEvent::Chown(e) = get(Syscall::Chown, "/f") else {
        panic!()
    };
    assert_eq!((e.uid, e.gid), (1, 2));
    let RawEvent::Chown(e) = get(Syscall::Fchown, "") else {
        panic!()
    };
    assert_eq!((e.uid, e.gid), (3, u32::MAX));
    assert_eq!(
        e.call.file.as_ref().expect("file").uid,
        1,
        "owner before the change"
    );
    let RawEvent::Chown(e) = get(Syscall::Lchown, "/lnk") else {
        panic!()
    };
    assert_eq!(
        (e.uid, e.gid, e.call.at_flags),
        (5, 6, libc::AT_SYMLINK_NOFOLLOW as u32)
    );
    let Some(RawEvent::Chown(e)) = events
        .iter()
        .find(|e| call_of(e).syscall == Syscall::Fchownat)
    else {
        panic!("fchownat")
    };
    assert_eq!(path_arg(&e.call).path, b"", "AT_EMPTY_PATH");
    assert_eq!(
        (e.uid, e.gid, e.call.at_flags),
        (7, 8, libc::AT_EMPTY_PATH as u32)
    );
    assert_eq!(
        e.call.file.as_ref().expect("AT_EMPTY_PATH file").path,
        file.as_os_str().as_bytes()
    );

    let times = |s, p| match get(s, p) {
        RawEvent::Utimes(u) => (u.atime, u.mtime),
        other => panic!("{other:?}"),
    };
    let set = |sec, nsec| Some(TimeChange::Set { sec, nsec });
    assert_eq!(times(Syscall::Utime, "/f"), (set(1000, 0), set(2000, 0)));
    assert_eq!(
        times(Syscall::Utimes, "/f"),
        (set(3000, 5000), set(4000, 6000))
    );
    assert_eq!(
        times(Syscall::Futimesat, "/f"),
        (set(3000, 5000), set(4000, 6000))
    );
    assert_eq!(
        times(Syscall::Utimensat, "/f"),
        (Some(TimeChange::Now), Some(TimeChange::Omit))
    );
    assert_eq!(
        times(Syscall::Utimensat, ""),
        (Some(TimeChange::Now), Some(TimeChange::Now))
    );
    assert!(
        call_of(get(Syscall::Utimensat, "")).file.is_some(),
        "futimens has the fd's file"
    );

    let RawEvent::SetXattr(e) = get(Syscall::Setxattr, "/f") else {
        panic!()
    };
    assert_eq!(
        (e.name.as_slice(), e.flags),
        (&b"user.vigil"[..], libc::XATTR_CREATE as u32)
    );
    let RawEvent::SetXattr(e) = get(Syscall::Fsetxattr, "") else {
        panic!()
    };
    assert_eq!(e.name, b"user.fd");
    assert!(e.call.file.is_some());
    let RawEvent::SetXattr(e) = get(Syscall::Setxattrat, "/f") else {
        panic!()
    };
    assert_eq!(
        (e.name.as_slice(), e.flags),
        (&b"user.fd"[..], libc::XATTR_REPLACE as u32)
    );
    let RawEvent::SetXattr(e) = get(Syscall::Lsetxattr, "/lnk") else {
        panic!()
    };
    assert_eq!(
        e.call.retval,
        -i64::from(libc::EPERM),
        "no user xattrs on symlinks"
    );
    let RawEvent::RemoveXattr(e) = get(Syscall::Removexattr, "/f") else {
        panic!()
    };
    assert_eq!((e.name.as_slice(), e.call.retval), (&b"user.vigil"[..], 0));
    let RawEvent::RemoveXattr(e) = get(Syscall::Removexattrat, "/f") else {
        panic!()
    };
    assert_eq!(
        (e.name.as_slice(), e.call.retval),
        (&b"user.none"[..], -i64::from(libc::ENODATA))
    );
    drop(handle);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn namespace_changes_report_both_paths() {
    let Some(mut probe) = file_probe(FileErrors::All) else {
        return;
    };
    let dir = tempdir("ns");
    let (a, b) = (dir.join("a"), dir.join("b"));
    std::fs::create_dir(&a).expect("mkdir");
    std::fs::create_dir(&b).expect("mkdir");
    std::fs::write(a.join("orig"), b"x").expect("write");
    let orig_ino = std::fs::metadata(a.join("orig")).expect("stat").ino();
    let (d_ino, d_mode);
    let me = tid();
    // SAFETY: syscalls on valid paths.
    unsafe {
        assert_eq!(
            libc::link(c(&a.join("orig")).as_ptr(), c(&a.join("hard")).as_ptr()),
            0
        );
        assert_eq!(
            libc::rename(c(&a.join("orig")).as_ptr(), c(&b.join("moved")).as_ptr()),
            0
        );
        assert_eq!(
            libc::renameat2(
                libc::AT_FDCWD,
                c(&b.join("moved")).as_ptr(),
                libc::AT_FDCWD,
                c(&a.join("hard")).as_ptr(),
                libc::RENAME_NOREPLACE
            ),
            -1
        );
        assert_eq!(libc::mkdir(c(&dir.join("d")).as_ptr(), 0o751), 0);
        let d = std::fs::metadata(dir.join("d")).expect("stat");
        (d_ino, d_mode) = (d.ino(), d.mode());
        assert_eq!(libc::rmdir(c(&dir.join("d")).as_ptr()), 0);
        assert_eq!(libc::unlink(c(&b.join("moved")).as_ptr()), 0);
    }
    let events = events_of(&mut probe, me, false, |k| {
        has(k, Syscall::Link, b"/orig")
            && has(k, Syscall::Rename, b"/orig")
            && has(k, Syscall::Renameat2, b"/moved")
            && has(k, Syscall::Mkdir, b"/d")
            && has(k, Syscall::Rmdir, b"/d")
            && has(k, Syscall::Unlink, b"/moved")
    });
    let RawEvent::Link(l) = find(&events, Syscall::Link, b"/orig").expect("link") else {
        panic!()
    };
    assert_eq!(l.call.retval, 0);
    assert_eq!(l.destination.path, a.join("hard").as_os_str().as_bytes());
    let ino = |f: &Option<vigil_probe::FileInfo>| f.as_ref().map(|f| f.inode);
    let path = |f: &Option<vigil_probe::FileInfo>| f.as_ref().map(|f| f.path.clone());
    assert_eq!(ino(&l.call.file), Some(orig_ino), "link source");
    assert_eq!(
        ino(&l.destination_file),
        Some(orig_ino),
        "the new name, same inode"
    );
    assert_eq!(
        path(&l.destination_file),
        Some(a.join("hard").as_os_str().as_bytes().to_vec())
    );
    assert_eq!(
        std::fs::metadata(a.join("hard")).expect("stat").nlink(),
        1,
        "orig was renamed away"
    );
    let RawEvent::Rename(r) = find(&events, Syscall::Rename, b"/orig").expect("rename") else {
        panic!()
    };
    assert_eq!(
        path_arg(&r.call).path,
        a.join("orig").as_os_str().as_bytes()
    );
    assert_eq!(r.destination.path, b.join("moved").as_os_str().as_bytes());
    assert_eq!(
        ino(&r.call.file),
        Some(orig_ino),
        "rename source, found at entry"
    );
    assert_eq!(
        path(&r.call.file),
        Some(a.join("orig").as_os_str().as_bytes().to_vec())
    );
    assert_eq!(
        ino(&r.destination_file),
        Some(orig_ino),
        "moved across directories"
    );
    assert_eq!(
        path(&r.destination_file),
        Some(b.join("moved").as_os_str().as_bytes().to_vec())
    );
    let RawEvent::Rename(r) = find(&events, Syscall::Renameat2, b"/moved").expect("renameat2")
    else {
        panic!()
    };
    assert_eq!(
        (r.flags, r.call.retval),
        (libc::RENAME_NOREPLACE, -i64::from(libc::EEXIST))
    );
    let RawEvent::Mkdir(m) = find(&events, Syscall::Mkdir, b"/d").expect("mkdir") else {
        panic!()
    };
    assert_eq!(m.mode, 0o751);
    assert_eq!(
        ino(&m.call.file),
        Some(d_ino),
        "the new directory, found at exit"
    );
    assert_eq!(m.call.file.as_ref().map(|f| f.mode), Some(d_mode));
    let RawEvent::Rmdir(r) = find(&events, Syscall::Rmdir, b"/d").expect("rmdir") else {
        panic!()
    };
    assert_eq!((r.flags, r.call.retval), (0, 0));
    assert_eq!(
        ino(&r.call.file),
        Some(d_ino),
        "rmdir target, found at entry"
    );
    let Some(RawEvent::Unlink(u)) = find(&events, Syscall::Unlink, b"/moved") else {
        panic!("unlink")
    };
    assert_eq!(u.call.retval, 0);
    assert_eq!(
        ino(&u.call.file),
        Some(orig_ino),
        "unlink target, found at entry"
    );
    assert_eq!(
        path(&u.call.file),
        Some(b.join("moved").as_os_str().as_bytes().to_vec())
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn path_lookups_follow_dots_symlinks_dirfds_and_mounts() {
    let Some(mut probe) = file_probe(FileErrors::All) else {
        return;
    };
    let dir = tempdir("walk");
    let (real, mnt) = (dir.join("real"), dir.join("mnt"));
    std::fs::create_dir(&real).expect("mkdir");
    std::fs::create_dir(&mnt).expect("mkdir");
    for name in ["t1", "t2", "t3", "t4"] {
        std::fs::write(real.join(name), name).expect("write");
    }
    std::os::unix::fs::symlink("real", dir.join("via")).expect("relative dir symlink");
    std::os::unix::fs::symlink(real.join("t2"), dir.join("abs")).expect("absolute symlink");
    // SAFETY: valid NUL-terminated strings.
    let rc = unsafe {
        libc::mount(
            c"tmpfs".as_ptr(),
            c(&mnt).as_ptr(),
            c"tmpfs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "mount tmpfs: {}", std::io::Error::last_os_error());
    std::fs::write(mnt.join("inner"), b"i").expect("write");
    let inner = common::file_facts(&mnt.join("inner"));
    let abs_link_ino = std::fs::symlink_metadata(dir.join("abs"))
        .expect("lstat")
        .ino();
    assert!(
        std::fs::metadata(dir.join("absent")).is_err(),
        "a negative dentry now"
    );
    let real_fd = std::fs::File::open(&real).expect("open dir");
    let me = tid();
    let paths = [
        dir.join("via/t1"),
        dir.join("real/../real/./t3"),
        dir.join("abs"),
        dir.join("mnt/inner"),
        dir.join("mnt/../real//t1/"),
        dir.join("absent"),
    ];
    // SAFETY: syscalls on valid paths and an open directory fd.
    unsafe {
        for p in &paths[..4] {
            assert_eq!(libc::chmod(c(p).as_ptr(), 0o640), 0, "{}", p.display());
        }
        assert!(
            libc::chmod(c(&paths[4]).as_ptr(), 0o640) < 0,
            "trailing slash on a file"
        );
        assert!(libc::chmod(c(&paths[5]).as_ptr(), 0o640) < 0);
        assert_eq!(libc::lchown(c(&dir.join("abs")).as_ptr(), 0, 0), 0);
        let real_fd = std::os::fd::AsRawFd::as_raw_fd(&real_fd);
        assert_eq!(libc::fchmodat(real_fd, c"t4".as_ptr(), 0o640, 0), 0);
        assert_eq!(libc::unlink(c(&mnt.join("inner")).as_ptr()), 0);
    }
    // The bytes after the directory, as passed (Path::strip_prefix would normalize them).
    let suffix = |p: &Path| p.as_os_str().as_bytes()[dir.as_os_str().len()..].to_vec();
    let events = events_of(&mut probe, me, false, |k| {
        paths.iter().all(|p| has(k, Syscall::Chmod, &suffix(p)))
            && has(k, Syscall::Lchown, b"/abs")
            && has(k, Syscall::Fchmodat, b"t4")
            && has(k, Syscall::Unlink, b"/inner")
    });
    let file_of = |s, p: &[u8]| call_of(find(&events, s, p).expect("event")).file.clone();
    let named = |f: Option<vigil_probe::FileInfo>, target: &Path| {
        let f = f.unwrap_or_else(|| panic!("no file for {}", target.display()));
        let facts = common::file_facts(target);
        assert_eq!(f.path, target.as_os_str().as_bytes());
        assert_eq!(
            (f.inode, f.mount_id),
            (facts.ino, facts.mount_id),
            "{}",
            target.display()
        );
        assert_eq!(String::from_utf8_lossy(&f.fs_type), facts.fs_type);
    };
    named(file_of(Syscall::Chmod, b"via/t1"), &real.join("t1"));
    named(file_of(Syscall::Chmod, b"./t3"), &real.join("t3"));
    named(file_of(Syscall::Chmod, b"/abs"), &real.join("t2"));
    let f = file_of(Syscall::Chmod, b"mnt/inner").expect("into the mount");
    assert_eq!((f.inode, f.mount_id), (inner.ino, inner.mount_id));
    assert_eq!(f.path, mnt.join("inner").as_os_str().as_bytes());
    named(file_of(Syscall::Fchmodat, b"t4"), &real.join("t4"));
    let lchown = file_of(Syscall::Lchown, b"/abs").expect("the symlink itself");
    assert_eq!(
        (lchown.inode, lchown.mode & libc::S_IFMT),
        (abs_link_ino, libc::S_IFLNK)
    );
    let slash = file_of(Syscall::Chmod, &suffix(&paths[4])).expect("../ out of the mount");
    assert_eq!(
        slash.inode,
        std::fs::metadata(real.join("t1")).expect("stat").ino()
    );
    assert_eq!(
        file_of(Syscall::Chmod, b"/absent"),
        None,
        "negative dentry: no file"
    );
    let unlinked = file_of(Syscall::Unlink, b"/inner").expect("unlink target");
    assert_eq!(
        (unlinked.inode, unlinked.mount_id),
        (inner.ino, inner.mount_id)
    );
    assert_eq!(String::from_utf8_lossy(&unlinked.fs_type), "tmpfs");
    drop(real_fd);
    // SAFETY: unmounting what this test mounted.
    unsafe { libc::umount2(c(&mnt).as_ptr(), libc::MNT_DETACH) };
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn unusual_path_bytes_and_long_paths_are_kept() {
    let Some(mut probe) = file_probe(FileErrors::All) else {
        return;
    };
    let dir = tempdir("bytes");
    let names: [&[u8]; 3] = [b"with space", b"new\nline", b"caf\xe9\xff"];
    let mut long = dir.clone();
    while long.as_os_str().len() < 4000 {
        long.push("d".repeat(200));
    }
    std::fs::create_dir_all(&long).expect("deep dirs");
    long.push("x".repeat(4090 - long.as_os_str().len() - 1));
    assert_eq!(long.as_os_str().len(), 4090);
    let me = tid();
    for name in names {
        let path = dir.join(std::ffi::OsStr::from_bytes(name));
        // SAFETY: valid path.
        unsafe {
            libc::close(sys_open(
                c(&path).as_ptr(),
                libc::O_CREAT | libc::O_RDONLY,
                0o600,
            ))
        };
    }
    // SAFETY: valid path.
    unsafe {
        libc::close(sys_open(
            c(&long).as_ptr(),
            libc::O_CREAT | libc::O_RDONLY,
            0o600,
        ))
    };
    let events = events_of(&mut probe, me, false, |k| {
        names.iter().all(|n| has(k, Syscall::Open, n)) && has(k, Syscall::Open, b"xxxx")
    });
    for name in names {
        let call = call_of(find(&events, Syscall::Open, name).expect("open"));
        let path = dir.join(std::ffi::OsStr::from_bytes(name));
        assert_eq!(path_arg(call).path, path.as_os_str().as_bytes());
        assert_file_is(call.file.as_ref().expect("file"), &path);
    }
    let call = call_of(find(&events, Syscall::Open, b"xxxx").expect("long"));
    assert!(call.retval >= 0);
    let arg = path_arg(call);
    assert_eq!((arg.path.len(), arg.truncated), (4090, false));
    assert_eq!(arg.path, long.as_os_str().as_bytes());
    let file = call.file.as_ref().expect("file");
    assert_eq!(file.inode, std::fs::metadata(&long).expect("stat").ino());
    // The kernel-side walk keeps at most 4096 - 256 bytes of names: a suffix, flagged.
    assert_eq!(file.path_error, Some(vigil_probe::PathError::Truncated));
    assert!(long.as_os_str().as_bytes().ends_with(&file.path));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn overlay_files_report_their_layer() {
    let Some(mut probe) = file_probe(FileErrors::All) else {
        return;
    };
    let base = tempdir("ovl");
    let [lower, upper, work, merged] = ["lower", "upper", "work", "merged"].map(|d| base.join(d));
    for d in [&lower, &upper, &work, &merged] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(lower.join("low"), b"l").expect("write");
    let data = CString::new(format!(
        "lowerdir={},upperdir={},workdir={}",
        lower.display(),
        upper.display(),
        work.display()
    ))
    .expect("options");
    // SAFETY: valid NUL-terminated strings.
    let rc = unsafe {
        libc::mount(
            c"overlay".as_ptr(),
            c(&merged).as_ptr(),
            c"overlay".as_ptr(),
            0,
            data.as_ptr().cast(),
        )
    };
    assert_eq!(rc, 0, "mount overlay: {}", std::io::Error::last_os_error());
    let me = tid();
    // SAFETY: valid paths.
    unsafe {
        libc::close(sys_open(c(&merged.join("low")).as_ptr(), libc::O_RDONLY, 0));
        libc::close(sys_open(
            c(&merged.join("up")).as_ptr(),
            libc::O_CREAT | libc::O_WRONLY,
            0o600,
        ));
    }
    let events = events_of(&mut probe, me, false, |k| {
        has(k, Syscall::Open, b"/low") && has(k, Syscall::Open, b"/up")
    });
    let layer = |name: &[u8], path: &Path| {
        let file = call_of(find(&events, Syscall::Open, name).expect("open"))
            .file
            .clone()
            .expect("file");
        assert_file_is(&file, path);
        assert_eq!(file.fs_type, b"overlay");
        file.in_upper_layer
    };
    let (low, up) = (
        layer(b"/low", &merged.join("low")),
        layer(b"/up", &merged.join("up")),
    );
    // SAFETY: valid path.
    unsafe { libc::umount2(c(&merged).as_ptr(), libc::MNT_DETACH) };
    std::fs::remove_dir_all(&base).expect("cleanup");
    assert_eq!((low, up), (false, true));
}

#[test]
fn approvers_filter_in_kernel_and_count() {
    let Some(mut probe) = file_probe(FileErrors::All) else {
        return;
    };
    let dir = tempdir("appr");
    let approved = dir.join("approved-name");
    let other = dir.join("other-name");
    std::fs::write(&approved, b"").expect("write");
    std::fs::write(&other, b"").expect("write");
    std::os::unix::fs::symlink(&approved, dir.join("alias")).expect("symlink");
    probe
        .set_approvers(
            EventType::Open,
            &Approvers {
                basenames: vec![b"approved-name".to_vec()],
                open_flags_mask: Some(libc::O_TRUNC as u32),
            },
        )
        .expect("open approvers");
    let by_name = Approvers {
        basenames: vec![b"approved-name".to_vec()],
        open_flags_mask: None,
    };
    for t in [EventType::Unlink, EventType::Chown] {
        probe.set_approvers(t, &by_name).expect("approvers");
    }
    let before = probe.filter_counts().expect("counts");
    let me = tid();
    let (ac, oc, alias) = (c(&approved), c(&other), c(&dir.join("alias")));
    // SAFETY: valid paths.
    unsafe {
        // First, as chown changes ctime: the opens below then see the file as it stays.
        assert_eq!(libc::chown(alias.as_ptr(), u32::MAX, u32::MAX), 0);
        assert_eq!(libc::lchown(alias.as_ptr(), u32::MAX, u32::MAX), 0);
        assert_eq!(libc::chown(oc.as_ptr(), u32::MAX, u32::MAX), 0);
        for _ in 0..20 {
            libc::close(sys_open(oc.as_ptr(), libc::O_RDONLY, 0));
        }
        libc::close(sys_open(oc.as_ptr(), libc::O_WRONLY | libc::O_TRUNC, 0));
        libc::close(sys_open(alias.as_ptr(), libc::O_RDONLY, 0));
        // Failed opens (ENOTDIR, reported with FileErrors::All): only the one whose path
        // resolves to the approved name leaves the kernel.
        assert!(sys_open(alias.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY, 0) < 0);
        assert!(sys_open(oc.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY, 0) < 0);
        assert!(libc::unlink(c(&dir.join("nope")).as_ptr()) < 0);
        libc::close(sys_open(ac.as_ptr(), libc::O_RDONLY, 0));
    }
    let events = events_of(&mut probe, me, false, |k| {
        k.iter().any(|e| matches!(e, RawEvent::Open(o) if o.call.path.as_ref().is_some_and(|p| p.path.ends_with(b"/approved-name"))))
    });
    let opens: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            RawEvent::Open(o) => Some(o),
            _ => None,
        })
        .collect();
    let read_only_other = opens.iter().filter(|o| {
        path_arg(&o.call).path.ends_with(b"/other-name") && o.flags & libc::O_TRUNC as u32 == 0
    });
    assert_eq!(
        read_only_other.count(),
        0,
        "unapproved opens left the kernel"
    );
    assert!(
        opens
            .iter()
            .any(|o| path_arg(&o.call).path.ends_with(b"/other-name")
                && o.flags & libc::O_TRUNC as u32 != 0),
        "the flags mask approves O_TRUNC"
    );
    let via_alias = opens
        .iter()
        .find(|o| path_arg(&o.call).path.ends_with(b"/alias"))
        .expect("a symlink to an approved name is reported");
    assert!(via_alias.recorded_at_exit);
    assert_file_is(via_alias.call.file.as_ref().expect("file"), &approved);
    let failed: Vec<_> = opens.iter().filter(|o| o.call.retval < 0).collect();
    assert_eq!(failed.len(), 1, "failed opens reported: {failed:?}");
    assert!(path_arg(&failed[0].call).path.ends_with(b"/alias"));
    assert_file_is(failed[0].call.file.as_ref().expect("file"), &approved);
    let chowns: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            RawEvent::Chown(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(
        chowns.len(),
        1,
        "chown through the symlink only: {chowns:?}"
    );
    assert_eq!(chowns[0].call.syscall, Syscall::Chown);
    assert!(path_arg(&chowns[0].call).path.ends_with(b"/alias"));
    // Found at entry, before the chown changed its ctime.
    let chowned = chowns[0].call.file.as_ref().expect("file");
    assert_eq!(
        chowned.inode,
        std::fs::metadata(&approved).expect("stat").ino()
    );
    assert!(chowned.path.ends_with(b"/approved-name"));
    assert!(
        !events.iter().any(|e| matches!(e, RawEvent::Unlink(_))),
        "unlink of nope"
    );
    let after = probe.filter_counts().expect("counts");
    let delta = |t| after.of(t).approvers - before.of(t).approvers;
    assert!(delta(EventType::Open) >= 20, "{before:?} -> {after:?}");
    assert!(delta(EventType::Unlink) >= 1, "{before:?} -> {after:?}");
    assert!(delta(EventType::Chown) >= 2, "{before:?} -> {after:?}");

    probe.clear_approvers(EventType::Open).expect("clear");
    // SAFETY: valid path.
    unsafe { libc::close(sys_open(oc.as_ptr(), libc::O_RDONLY, 0)) };
    events_of(&mut probe, me, false, |k| {
        has(k, Syscall::Open, b"/other-name")
    });
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn file_programs_attach_only_while_a_file_type_is_enabled() {
    let Some(mut probe) = load_or_skip(&ProbeConfig {
        enabled: EventTypes::PROCESS,
        ..ProbeConfig::default()
    }) else {
        return;
    };
    assert!(!probe.attached().iter().any(|p| p == "vg_sys_enter"));
    probe
        .set_enabled(EventTypes::PROCESS | EventTypes::MKDIR)
        .expect("enable");
    assert!(probe.attached().iter().any(|p| p == "vg_sys_enter"));
    let dir = tempdir("attach");
    let me = tid();
    // SAFETY: valid path.
    unsafe {
        libc::close(sys_open(
            c(&dir.join("f")).as_ptr(),
            libc::O_CREAT | libc::O_RDONLY,
            0o600,
        ));
        assert_eq!(libc::mkdir(c(&dir.join("m")).as_ptr(), 0o700), 0);
    }
    let events = events_of(&mut probe, me, false, |k| has(k, Syscall::Mkdir, b"/m"));
    assert!(
        !events.iter().any(|e| matches!(e, RawEvent::Open(_))),
        "open is disabled"
    );
    probe.set_enabled(EventTypes::PROCESS).expect("disable");
    assert!(!probe.attached().iter().any(|p| p == "vg_sys_enter"));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
