//! The decoded kernel events: plain Rust values that speak kernel facts (pids, boot-relative
//! timestamps, numeric ids, byte strings). Paths, names, argv and envp are `Vec<u8>` because
//! Linux allows any bytes but NUL in them; nothing here is lossy.

/// Timestamps named `*_boot_ns` are CLOCK_BOOTTIME nanoseconds (see [`crate::BootClock`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawEvent {
    /// Boxed: an exec carries argv, envp and paths, the other variants a few ids.
    Exec(Box<ExecEvent>),
    Fork(ForkEvent),
    Exit(ExitEvent),
}

impl RawEvent {
    pub fn event_type(&self) -> crate::EventType {
        match self {
            RawEvent::Exec(_) => crate::EventType::Exec,
            RawEvent::Fork(_) => crate::EventType::Fork,
            RawEvent::Exit(_) => crate::EventType::Exit,
        }
    }

    /// When the kernel produced the event (CLOCK_BOOTTIME ns).
    pub fn timestamp_boot_ns(&self) -> u64 {
        match self {
            RawEvent::Exec(e) => e.timestamp_boot_ns,
            RawEvent::Fork(e) => e.timestamp_boot_ns,
            RawEvent::Exit(e) => e.timestamp_boot_ns,
        }
    }

    /// The task that triggered the event (for fork: the parent).
    pub fn process(&self) -> &ProcessContext {
        match self {
            RawEvent::Exec(e) => &e.process,
            RawEvent::Fork(e) => &e.parent,
            RawEvent::Exit(e) => &e.process,
        }
    }
}

/// The task an event is about, as the kernel saw it at that moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessContext {
    /// Thread-group id (the user-space pid), in the initial pid namespace.
    pub pid: u32,
    /// Thread id.
    pub tid: u32,
    /// Thread-group id of the real parent (`real_parent->tgid`).
    pub ppid: u32,
    /// cgroup v2 id: the inode number of the cgroup directory in the cgroup2 filesystem.
    pub cgroup_id: u64,
    /// `task->comm` (at most 15 bytes).
    pub comm: Vec<u8>,
}

/// `task->real_cred`; ids are in the initial user namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    pub fsuid: u32,
    pub fsgid: u32,
    /// Audit login uid; `u32::MAX` when unset.
    pub auid: u32,
    pub cap_effective: u64,
    pub cap_permitted: u64,
}

/// Why a path may be incomplete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathError {
    /// The depth (128 dentries and mount crossings) or size (4096 bytes) limit was hit: the
    /// path is a suffix of the real one.
    Truncated,
    /// A dentry name could not be read: the path is a suffix of the real one.
    Fault,
}

/// A file seen by the kernel (through an open `struct file`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// Absolute path from the root of the task's mount namespace, mounts crossed. A file not
    /// reachable from that root (pipes, memfd, anonymous inodes) gets "/" + its dentry name.
    pub path: Vec<u8>,
    pub path_error: Option<PathError>,
    pub inode: u64,
    /// `struct mount.mnt_id`: the first field of `/proc/<pid>/mountinfo`.
    pub mount_id: u32,
    /// `sb->s_dev` decoded; equal to `st_dev` of stat(2) for block-device filesystems.
    pub dev_major: u32,
    pub dev_minor: u32,
    /// `i_mode`: file type and permission bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Modification and status-change times, unix ns (inode times are wall-clock).
    pub mtime_unix_ns: u64,
    pub ctime_unix_ns: u64,
    /// `sb->s_type->name`, e.g. "ext4", "overlay", "tmpfs".
    pub fs_type: Vec<u8>,
    /// overlayfs only: the inode has an upper-layer dentry (created or copied up in the
    /// container's writable layer).
    pub in_upper_layer: bool,
    /// The dentry was unlinked (e.g. a deleted executable still running).
    pub deleted: bool,
}

/// A successful execve, seen once the new image is installed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecEvent {
    pub timestamp_boot_ns: u64,
    pub cpu: u32,
    /// The process after exec: `pid` is the thread-group id, `comm` the new comm.
    pub process: ProcessContext,
    /// The thread that called execve; differs from `process.pid` when a non-leader thread
    /// exec'd (the kernel then gave it the leader's pid).
    pub old_tid: u32,
    /// Credentials after exec (setuid bits applied).
    pub credentials: Credentials,
    /// The path as given to execve (`bprm->filename`: may be relative; for a script it is
    /// the script).
    pub filename: Vec<u8>,
    pub filename_truncated: bool,
    /// The interpreter path a binfmt handler substituted (`bprm->interp`, e.g. "/bin/sh" for
    /// a `#!/bin/sh` script), when it differs from `filename`.
    pub interpreter_path: Option<Vec<u8>>,
    pub interpreter_path_truncated: bool,
    /// The image actually loaded (`bprm->file`): the interpreter for scripts. `None` only if
    /// the kernel had no file, which should not happen.
    pub file: Option<FileInfo>,
    /// `bprm->executable`: the original executable when a binfmt_misc handler with the 'O'
    /// flag runs it through an interpreter; `None` otherwise (including `#!` scripts, whose
    /// file the kernel has already released at this point).
    pub executable: Option<FileInfo>,
    /// Working directory at exec (to resolve a relative `filename`).
    pub cwd: Vec<u8>,
    pub cwd_truncated: bool,
    /// Controlling terminal name (`tty->name`, e.g. "pts0"), if any.
    pub tty: Option<Vec<u8>>,
    /// cgroup v2 path, e.g. `/system.slice/docker-<id>.scope` ("/" for the root cgroup).
    pub cgroup_path: Vec<u8>,
    pub cgroup_path_truncated: bool,
    /// `bprm->argc` / `bprm->envc`: the counts the process really has.
    pub argc: u32,
    pub envc: u32,
    /// Bytes of the whole argv area of the new image (`mm->arg_end - mm->arg_start`).
    pub args_area_len: u64,
    /// argv including `argv[0]`. Each value has at most [`crate::MAX_ARG_ENV_LEN`] bytes (a
    /// longer one is cut and ends with "..."); at most 32 KiB of the argv area is captured.
    pub args: Vec<Vec<u8>>,
    /// Some value was cut or some values are missing.
    pub args_truncated: bool,
    /// Bytes of the whole envp area of the new image.
    pub envs_area_len: u64,
    /// envp ("NAME=value" entries), with the same limits as `args`.
    pub envs: Vec<Vec<u8>>,
    pub envs_truncated: bool,
}

/// A new task: a process (fork/vfork/clone without CLONE_THREAD) or a thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForkEvent {
    pub timestamp_boot_ns: u64,
    pub cpu: u32,
    /// The task that called fork/clone.
    pub parent: ProcessContext,
    /// The child's thread-group id (== `parent.pid` for a thread).
    pub child_pid: u32,
    pub child_tid: u32,
    /// The child's real parent's thread-group id (differs from `parent.pid` with
    /// CLONE_PARENT or for threads, whose real parent is the process's parent).
    pub child_ppid: u32,
    /// The child is a thread of an existing process (`child_tid != child_pid`).
    pub is_thread: bool,
    /// clone(2) flags (CLONE_VM, CLONE_THREAD, ...) without the exit signal.
    pub clone_flags: u64,
}

/// How a process ended (`exit.cause` in Datadog's model).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCause {
    /// Normal exit; the code is the exit status (0..=255).
    Exited,
    /// Killed by a signal; the code is the signal number.
    Signaled,
    /// Killed by a signal that dumped core; the code is the signal number.
    CoreDumped,
}

/// The end of a thread group, emitted once by its last exiting thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitEvent {
    pub timestamp_boot_ns: u64,
    pub cpu: u32,
    /// `pid` is the thread-group id; `tid` the last thread to exit.
    pub process: ProcessContext,
    pub cause: ExitCause,
    /// Exit status for [`ExitCause::Exited`], signal number otherwise.
    pub code: u32,
    /// The raw wait(2) status word.
    pub raw_status: u32,
    /// The status is the group exit code (exit_group(2) or a fatal signal), not the leader's
    /// own exit(2) status.
    pub group_exit: bool,
}
