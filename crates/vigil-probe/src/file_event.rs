//! The decoded file-activity events (open, chmod, chown, link, rename, unlink, mkdir, rmdir,
//! utimes, setxattr, removexattr): one per syscall, seen at its exit.
//!
//! What is exact and what is not: [`FileSyscall::file`] is read from kernel objects: the
//! fd's `struct file` for f* variants and AT_EMPTY_PATH (captured at syscall entry, before the
//! change), the returned fd's file for a successful open, otherwise the dentry the path names
//! when the probe found it in the dentry cache (at entry when the target exists before the
//! syscall, at exit for one it creates; `bpf/vg_lookup.h`). A name the dcache does not hold
//! leaves `file` empty: user space can then only look the path up itself (racy; impossible
//! once unlinked or renamed away). Path arguments keep the string the process passed plus the
//! directory it is relative to ([`PathArg`]).

use crate::event::{Credentials, FileInfo, ProcessContext};

/// The syscall that produced a file event (x86_64).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Syscall {
    Open,
    Creat,
    Openat,
    Openat2,
    Chmod,
    Fchmod,
    Fchmodat,
    Fchmodat2,
    Chown,
    Fchown,
    Lchown,
    Fchownat,
    Link,
    Linkat,
    Rename,
    Renameat,
    Renameat2,
    Unlink,
    Unlinkat,
    Mkdir,
    Mkdirat,
    Rmdir,
    Utime,
    Utimes,
    Utimensat,
    Futimesat,
    Setxattr,
    Lsetxattr,
    Fsetxattr,
    Setxattrat,
    Removexattr,
    Lremovexattr,
    Fremovexattr,
    Removexattrat,
}

/// (syscall, x86_64 number, name): the one table both directions use.
const SYSCALLS: [(Syscall, u32, &str); 34] = [
    (Syscall::Open, 2, "open"),
    (Syscall::Creat, 85, "creat"),
    (Syscall::Openat, 257, "openat"),
    (Syscall::Openat2, 437, "openat2"),
    (Syscall::Chmod, 90, "chmod"),
    (Syscall::Fchmod, 91, "fchmod"),
    (Syscall::Fchmodat, 268, "fchmodat"),
    (Syscall::Fchmodat2, 452, "fchmodat2"),
    (Syscall::Chown, 92, "chown"),
    (Syscall::Fchown, 93, "fchown"),
    (Syscall::Lchown, 94, "lchown"),
    (Syscall::Fchownat, 260, "fchownat"),
    (Syscall::Link, 86, "link"),
    (Syscall::Linkat, 265, "linkat"),
    (Syscall::Rename, 82, "rename"),
    (Syscall::Renameat, 264, "renameat"),
    (Syscall::Renameat2, 316, "renameat2"),
    (Syscall::Unlink, 87, "unlink"),
    (Syscall::Unlinkat, 263, "unlinkat"),
    (Syscall::Mkdir, 83, "mkdir"),
    (Syscall::Mkdirat, 258, "mkdirat"),
    (Syscall::Rmdir, 84, "rmdir"),
    (Syscall::Utime, 132, "utime"),
    (Syscall::Utimes, 235, "utimes"),
    (Syscall::Utimensat, 280, "utimensat"),
    (Syscall::Futimesat, 261, "futimesat"),
    (Syscall::Setxattr, 188, "setxattr"),
    (Syscall::Lsetxattr, 189, "lsetxattr"),
    (Syscall::Fsetxattr, 190, "fsetxattr"),
    (Syscall::Setxattrat, 463, "setxattrat"),
    (Syscall::Removexattr, 197, "removexattr"),
    (Syscall::Lremovexattr, 198, "lremovexattr"),
    (Syscall::Fremovexattr, 199, "fremovexattr"),
    (Syscall::Removexattrat, 466, "removexattrat"),
];

impl Syscall {
    /// The syscall with this x86_64 number, if it is a file-activity syscall.
    pub fn from_nr(nr: u32) -> Option<Syscall> {
        SYSCALLS
            .iter()
            .find(|(_, n, _)| *n == nr)
            .map(|(s, _, _)| *s)
    }

    /// The x86_64 syscall number.
    pub fn nr(self) -> u32 {
        SYSCALLS
            .iter()
            .find(|(s, _, _)| *s == self)
            .map_or(0, |(_, n, _)| *n)
    }

    pub fn name(self) -> &'static str {
        SYSCALLS
            .iter()
            .find(|(s, _, _)| *s == self)
            .map_or("", |(_, _, name)| name)
    }
}

/// The directory a relative path argument is resolved from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseDir {
    /// The path is absolute or empty.
    NotNeeded,
    /// Absolute path of dirfd's directory, or of the working directory for AT_FDCWD,
    /// captured at syscall entry.
    Dir { path: Vec<u8>, truncated: bool },
    /// dirfd was not an open file at entry (the syscall fails with EBADF).
    Unresolved,
}

/// A path argument as the process passed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathArg {
    /// The bytes read from user memory at syscall entry (any bytes but NUL).
    pub path: Vec<u8>,
    /// The string filled PATH_MAX: it is cut (the kernel rejects it with ENAMETOOLONG).
    pub truncated: bool,
    /// User memory could not be read: `path` is empty.
    pub unreadable: bool,
    /// The dirfd argument; AT_FDCWD (-100) for syscalls without one.
    pub dirfd: i32,
    pub base_dir: BaseDir,
}

impl PathArg {
    /// The absolute path, joined lexically (no `..` or symlink resolution: the kernel did
    /// that on its own view of the tree). `None` when it cannot be built.
    pub fn absolute(&self) -> Option<Vec<u8>> {
        if self.path.first() == Some(&b'/') {
            return Some(self.path.clone());
        }
        match &self.base_dir {
            BaseDir::Dir { path: dir, .. } if !self.path.is_empty() => {
                let mut out = dir.clone();
                if out.last() != Some(&b'/') {
                    out.push(b'/');
                }
                out.extend_from_slice(&self.path);
                Some(out)
            }
            _ => None,
        }
    }
}

/// What every file-activity event carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSyscall {
    /// Syscall exit (CLOCK_BOOTTIME ns).
    pub timestamp_boot_ns: u64,
    pub cpu: u32,
    pub process: ProcessContext,
    /// At syscall entry.
    pub credentials: Credentials,
    pub syscall: Syscall,
    /// The syscall's return value: negative errno on failure.
    pub retval: i64,
    /// The target as a kernel object, when there is one (see the module doc): exact path,
    /// inode, mount id, mode, owner, times, filesystem, overlayfs layer.
    pub file: Option<FileInfo>,
    /// The path argument; `None` for fd-only variants (fchmod, fchown, fsetxattr,
    /// fremovexattr, utimensat with a NULL path).
    pub path: Option<PathArg>,
    /// AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH / AT_SYMLINK_FOLLOW as passed; lchown, lsetxattr
    /// and lremovexattr report AT_SYMLINK_NOFOLLOW.
    pub at_flags: u32,
}

impl FileSyscall {
    pub fn succeeded(&self) -> bool {
        self.retval >= 0
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenEvent {
    pub call: FileSyscall,
    /// O_* flags (creat: O_CREAT|O_WRONLY|O_TRUNC).
    pub flags: u32,
    /// Creation mode (meaningful with O_CREAT / O_TMPFILE).
    pub mode: u32,
    /// Rejected by approvers on the path given but approved by the name of the file opened
    /// (e.g. through a symlink): the path string was read at exit, after the syscall.
    pub recorded_at_exit: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChmodEvent {
    pub call: FileSyscall,
    /// Requested mode.
    pub mode: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChownEvent {
    pub call: FileSyscall,
    /// Requested owner; `u32::MAX` (-1) leaves it unchanged.
    pub uid: u32,
    pub gid: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkEvent {
    /// `call.path`: the existing file (or `call.file` with AT_EMPTY_PATH).
    pub call: FileSyscall,
    /// The new name.
    pub destination: PathArg,
    /// The file at the new name after a successful link, when the dcache knew it.
    pub destination_file: Option<FileInfo>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameEvent {
    /// `call.path`: the old name.
    pub call: FileSyscall,
    pub destination: PathArg,
    /// The file at the new name after a successful rename (the moved file, also with
    /// RENAME_EXCHANGE), when the dcache knew it.
    pub destination_file: Option<FileInfo>,
    /// renameat2 flags (RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT).
    pub flags: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnlinkEvent {
    pub call: FileSyscall,
    /// unlinkat flags (never AT_REMOVEDIR: that is an [`RmdirEvent`]).
    pub flags: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MkdirEvent {
    pub call: FileSyscall,
    pub mode: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RmdirEvent {
    pub call: FileSyscall,
    /// unlinkat flags (AT_REMOVEDIR) when the syscall was unlinkat, 0 for rmdir.
    pub flags: u32,
}

/// One timestamp argument of utime/utimes/utimensat/futimesat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeChange {
    /// The current time (NULL times, or UTIME_NOW).
    Now,
    /// Left unchanged (UTIME_OMIT).
    Omit,
    /// Set to this unix time (utimes/futimesat microseconds are given as ns).
    Set { sec: i64, nsec: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UtimesEvent {
    pub call: FileSyscall,
    /// `None` when the times array could not be read.
    pub atime: Option<TimeChange>,
    pub mtime: Option<TimeChange>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetXattrEvent {
    pub call: FileSyscall,
    /// Full attribute name, e.g. "user.foo" (empty when unreadable).
    pub name: Vec<u8>,
    pub name_unreadable: bool,
    /// XATTR_CREATE / XATTR_REPLACE.
    pub flags: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveXattrEvent {
    pub call: FileSyscall,
    pub name: Vec<u8>,
    pub name_unreadable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syscall_table_round_trips() {
        for (syscall, nr, name) in SYSCALLS {
            assert_eq!(Syscall::from_nr(nr), Some(syscall));
            assert_eq!((syscall.nr(), syscall.name()), (nr, name));
        }
        assert_eq!(Syscall::from_nr(0), None);
        assert_eq!(Syscall::from_nr(59), None, "execve is not file activity");
    }

    #[test]
    fn absolute_paths_are_joined_lexically() {
        let arg = |path: &[u8], base_dir| PathArg {
            path: path.to_vec(),
            truncated: false,
            unreadable: false,
            dirfd: -100,
            base_dir,
        };
        let dir = |p: &[u8]| BaseDir::Dir {
            path: p.to_vec(),
            truncated: false,
        };
        assert_eq!(
            arg(b"/etc/x", BaseDir::NotNeeded).absolute(),
            Some(b"/etc/x".to_vec())
        );
        assert_eq!(
            arg(b"a/b", dir(b"/tmp")).absolute(),
            Some(b"/tmp/a/b".to_vec())
        );
        assert_eq!(arg(b"../b", dir(b"/")).absolute(), Some(b"/../b".to_vec()));
        assert_eq!(arg(b"a", BaseDir::Unresolved).absolute(), None);
        assert_eq!(arg(b"", dir(b"/tmp")).absolute(), None);
    }
}
