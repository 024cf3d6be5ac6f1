//! The File context: what Vigil knows about one file (an executable, an opened file, a rename's
//! source or destination...). Raw kernel values; names and strings are resolved by the resolvers.

use crate::time::Timestamp;

/// One file as seen by the kernel at the time of the event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct File {
    /// Absolute path (as resolved by the kernel walk); empty when unknown.
    pub path: String,
    /// Basename of `path`.
    pub name: String,
    /// Why `path` could not be resolved completely (empty when it could).
    pub path_resolution_error: String,
    pub inode: u64,
    /// Raw `st_mode`, file-type bits included (e.g. `0o100644`).
    pub mode: u32,
    /// `Some(true)` when the file lives in an overlayfs upper layer; `None` when unknown.
    pub in_upper_layer: Option<bool>,
    pub mount_id: u32,
    /// Filesystem type name (`ext4`, `overlay`, `tmpfs`...).
    pub filesystem: String,
    pub uid: u32,
    pub gid: u32,
    /// Owner user name (resolved); empty when unknown.
    pub user: String,
    /// Owner group name (resolved); empty when unknown.
    pub group: String,
    pub modification_time: Timestamp,
    pub change_time: Timestamp,
    pub package_name: String,
    pub package_version: String,
}

impl File {
    /// A file known by path only; `name` is derived from the path.
    pub fn from_path(path: impl Into<String>) -> File {
        let path = path.into();
        let name = basename(&path).to_string();
        File {
            path,
            name,
            ..File::default()
        }
    }

    /// `mode & 0o7777`: the permission bits plus suid/sgid/sticky (SECL `*.rights`).
    pub fn rights(&self) -> u32 {
        self.mode & 0o7777
    }
}

/// The last segment of a path (`/usr/bin/ls` → `ls`, `/` → `/`).
pub fn basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "" } else { "/" };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basenames() {
        assert_eq!(basename("/usr/bin/ls"), "ls");
        assert_eq!(basename("/"), "/");
        assert_eq!(basename(""), "");
        assert_eq!(basename("rel"), "rel");
        assert_eq!(basename("/tmp/dir/"), "dir");
    }
}
