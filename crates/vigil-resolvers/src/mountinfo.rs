//! Mount information from `/proc/<pid>/mountinfo`: mount id → filesystem type, mount point and
//! device. Used to fill `File.filesystem` for files known by mount id (the /proc snapshot).

use std::collections::HashMap;
use std::fs;
use std::path::Path;

/// One mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub mount_id: u32,
    pub parent_id: u32,
    pub major: u32,
    pub minor: u32,
    pub root: String,
    pub mount_point: String,
    pub fs_type: String,
    pub source: String,
}

/// The mounts of one mount namespace, by id.
#[derive(Debug, Clone, Default)]
pub struct MountTable {
    mounts: HashMap<u32, Mount>,
}

/// Undoes mountinfo's octal escapes (`\040` for a space...).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl MountTable {
    /// Parses mountinfo text; malformed lines are skipped.
    pub fn parse(text: &str) -> MountTable {
        let mut mounts = HashMap::new();
        for line in text.lines() {
            let (left, right) = match line.split_once(" - ") {
                Some(parts) => parts,
                None => continue,
            };
            let f: Vec<&str> = left.split(' ').collect();
            let r: Vec<&str> = right.split(' ').collect();
            if f.len() < 5 || r.len() < 2 {
                continue;
            }
            let (Ok(mount_id), Ok(parent_id)) = (f[0].parse(), f[1].parse()) else {
                continue;
            };
            let Some((major, minor)) = f[2].split_once(':') else {
                continue;
            };
            let (Ok(major), Ok(minor)) = (major.parse(), minor.parse()) else {
                continue;
            };
            mounts.insert(
                mount_id,
                Mount {
                    mount_id,
                    parent_id,
                    major,
                    minor,
                    root: unescape(f[3]),
                    mount_point: unescape(f[4]),
                    fs_type: r[0].to_string(),
                    source: unescape(r[1]),
                },
            );
        }
        MountTable { mounts }
    }

    /// Reads `<procfs>/self/mountinfo`.
    pub fn read(procfs: &Path) -> std::io::Result<MountTable> {
        Ok(MountTable::parse(&fs::read_to_string(
            procfs.join("self/mountinfo"),
        )?))
    }

    pub fn get(&self, mount_id: u32) -> Option<&Mount> {
        self.mounts.get(&mount_id)
    }

    pub fn len(&self) -> usize {
        self.mounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mounts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mountinfo_lines() {
        let t = MountTable::parse(
            "22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n\
             35 22 0:31 / /mnt/with\\040space rw - overlay overlay rw,lowerdir=/l\n\
             garbage line\n",
        );
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(22).map(|m| m.fs_type.as_str()), Some("ext4"));
        assert_eq!(
            t.get(35).map(|m| m.mount_point.as_str()),
            Some("/mnt/with space")
        );
        assert_eq!(t.get(35).map(|m| (m.major, m.minor)), Some((0, 31)));
    }

    #[test]
    fn reads_this_machine() {
        let t = MountTable::read(Path::new("/proc")).expect("mountinfo");
        assert!(t.mounts.values().any(|m| m.mount_point == "/"));
    }
}
