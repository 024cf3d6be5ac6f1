//! Probe records → resolver inputs and model values: byte strings become (lossy) UTF-8 strings,
//! boot-relative times become wall-clock times, kernel file info becomes a model `File`.
//! For `#!` scripts the kernel gives the interpreter's file; the script itself is looked up in
//! user space from the exec'd path and cwd (best effort: the file may have changed since).

use std::path::{Path, PathBuf};

use vigil_model::{ArgsEnvs, Credentials, File};
use vigil_probe::{BootClock, ExecEvent, FileInfo, PathError};
use vigil_resolvers::mountinfo::MountTable;
use vigil_resolvers::procfs::stat_file;
use vigil_resolvers::{ExecInfo, ForkInfo};

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A kernel file description as a model `File` (names are filled by the resolvers).
pub fn file(info: &FileInfo) -> File {
    let path = text(&info.path);
    File {
        path_resolution_error: match info.path_error {
            Some(PathError::Truncated) => "path truncated".into(),
            Some(PathError::Fault) => "path component unreadable".into(),
            None => String::new(),
        },
        inode: info.inode,
        mode: info.mode,
        in_upper_layer: (info.fs_type == b"overlay").then_some(info.in_upper_layer),
        mount_id: info.mount_id,
        filesystem: text(&info.fs_type),
        uid: info.uid,
        gid: info.gid,
        modification_time: info.mtime_unix_ns,
        change_time: info.ctime_unix_ns,
        ..File::from_path(path)
    }
}

fn credentials(c: &vigil_probe::Credentials) -> Credentials {
    Credentials {
        uid: c.uid,
        gid: c.gid,
        euid: c.euid,
        egid: c.egid,
        fsuid: c.fsuid,
        fsgid: c.fsgid,
        auid: c.auid,
        cap_effective: c.cap_effective,
        cap_permitted: c.cap_permitted,
        ..Credentials::default()
    }
}

/// The absolute form of the path given to execve.
fn absolute(filename: &[u8], cwd: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let f = Path::new(std::ffi::OsStr::from_bytes(filename));
    if f.is_absolute() || cwd.is_empty() {
        f.to_path_buf()
    } else {
        Path::new(std::ffi::OsStr::from_bytes(cwd)).join(f)
    }
}

/// An exec record as the process cache's input.
pub fn exec_info(e: &ExecEvent, clock: &BootClock, mounts: &MountTable) -> ExecInfo {
    let loaded = e.file.as_ref().map(file).unwrap_or_default();
    let (executable, interpreter) = match (&e.interpreter_path, &e.executable) {
        // binfmt_misc with the 'O' flag: the kernel kept the original executable.
        (_, Some(exe)) => (file(exe), Some(loaded)),
        // `#!` script: the loaded file is the interpreter; find the script in user space.
        (Some(_), None) => {
            let script = absolute(&e.filename, &e.cwd);
            let shown = script.to_string_lossy().into_owned();
            let f = stat_file(&script, &shown, mounts).unwrap_or_else(|_| File::from_path(shown));
            (f, Some(loaded))
        }
        (None, None) => (loaded, None),
    };
    let mut args = e.args.iter().map(|a| text(a));
    let argv0 = args.next().unwrap_or_default();
    ExecInfo {
        timestamp: clock.to_unix_ns(e.timestamp_boot_ns),
        pid: e.process.pid,
        tid: e.process.tid,
        ppid: e.process.ppid,
        comm: text(&e.process.comm),
        tty_name: e.tty.as_deref().map(text).unwrap_or_default(),
        cgroup: text(&e.cgroup_path),
        credentials: credentials(&e.credentials),
        file: executable,
        interpreter,
        args: ArgsEnvs {
            argv0,
            args: args.collect(),
            args_truncated: e.args_truncated,
            envp: e.envs.iter().map(|v| text(v)).collect(),
            envs_truncated: e.envs_truncated,
        },
    }
}

/// A fork record as the process cache's input.
pub fn fork_info(f: &vigil_probe::ForkEvent, clock: &BootClock) -> ForkInfo {
    ForkInfo {
        timestamp: clock.to_unix_ns(f.timestamp_boot_ns),
        parent_pid: f.parent.pid,
        child_pid: f.child_pid,
        child_tid: f.child_tid,
        child_ppid: f.child_ppid,
        is_thread: f.is_thread,
    }
}

/// The path an argument names, absolute when the kernel gave its base directory.
fn path_text(arg: &vigil_probe::PathArg) -> String {
    text(&arg.absolute().unwrap_or_else(|| arg.path.clone()))
}

/// The file a path argument names: exact from the kernel object when the probe had one (an fd's
/// file, or the dentry it found in the dentry cache), else looked up by path in user space
/// (best effort: the file may be gone or changed).
fn file_from(
    info: Option<&FileInfo>,
    arg: Option<&vigil_probe::PathArg>,
    mounts: &MountTable,
) -> File {
    if let Some(info) = info {
        return file(info);
    }
    let Some(arg) = arg else {
        return File::default();
    };
    let shown = path_text(arg);
    let mut f = {
        use std::os::unix::ffi::OsStrExt;
        let abs = arg.absolute().unwrap_or_else(|| arg.path.clone());
        stat_file(Path::new(std::ffi::OsStr::from_bytes(&abs)), &shown, mounts)
            .unwrap_or_else(|_| File::from_path(shown))
    };
    if arg.truncated {
        f.path_resolution_error = "path truncated".into();
    } else if arg.unreadable {
        f.path_resolution_error = "path unreadable".into();
    } else if matches!(arg.base_dir, vigil_probe::BaseDir::Unresolved) {
        f.path_resolution_error = "relative path with unknown base directory".into();
    }
    f
}

fn time_change(t: Option<vigil_probe::TimeChange>, now: u64) -> u64 {
    match t {
        Some(vigil_probe::TimeChange::Set { sec, nsec }) => {
            (sec.max(0) as u64) * 1_000_000_000 + u64::from(nsec)
        }
        Some(vigil_probe::TimeChange::Now) | None => now,
        Some(vigil_probe::TimeChange::Omit) => 0,
    }
}

fn xattr_namespace(name: &str) -> String {
    name.split_once('.')
        .map_or_else(String::new, |(ns, _)| ns.to_string())
}

/// A file-activity record as (its syscall context, the model payload); `None` for other records.
pub fn file_event(
    raw: &vigil_probe::RawEvent,
    clock: &BootClock,
    mounts: &MountTable,
) -> Option<(vigil_probe::FileSyscall, vigil_model::EventData)> {
    use vigil_model::event as m;
    use vigil_model::EventData as D;
    use vigil_probe::RawEvent as R;
    let call = raw.file_syscall()?.clone();
    let target = || file_from(call.file.as_ref(), call.path.as_ref(), mounts);
    let data = match raw {
        R::Open(e) => D::Open(m::OpenEvent {
            file: target(),
            flags: e.flags,
            mode: e.mode,
        }),
        R::Chmod(e) => D::Chmod(m::ChmodEvent {
            file: target(),
            mode: e.mode,
        }),
        R::Chown(e) => D::Chown(m::ChownEvent {
            file: target(),
            uid: if e.uid == u32::MAX {
                -1
            } else {
                i64::from(e.uid)
            },
            gid: if e.gid == u32::MAX {
                -1
            } else {
                i64::from(e.gid)
            },
            user: String::new(),
            group: String::new(),
        }),
        R::Link(e) => D::Link(m::LinkEvent {
            source: target(),
            target: file_from(e.destination_file.as_ref(), Some(&e.destination), mounts),
        }),
        R::Rename(e) => D::Rename(m::RenameEvent {
            old: target(),
            new: file_from(e.destination_file.as_ref(), Some(&e.destination), mounts),
        }),
        R::Unlink(e) => D::Unlink(m::UnlinkEvent {
            file: target(),
            flags: e.flags,
        }),
        R::Mkdir(e) => D::Mkdir(m::MkdirEvent {
            file: target(),
            mode: e.mode,
        }),
        R::Rmdir(_) => D::Rmdir(m::RmdirEvent { file: target() }),
        R::Utimes(e) => {
            let now = clock.to_unix_ns(call.timestamp_boot_ns);
            D::Utimes(m::UtimesEvent {
                file: target(),
                atime: time_change(e.atime, now),
                mtime: time_change(e.mtime, now),
            })
        }
        R::SetXattr(e) => {
            let name = text(&e.name);
            D::SetXattr(m::XattrEvent {
                file: target(),
                namespace: xattr_namespace(&name),
                name,
            })
        }
        R::RemoveXattr(e) => {
            let name = text(&e.name);
            D::RemoveXattr(m::XattrEvent {
                file: target(),
                namespace: xattr_namespace(&name),
                name,
            })
        }
        R::Exec(_) | R::Fork(_) | R::Exit(_) => return None,
    };
    Some((call, data))
}
