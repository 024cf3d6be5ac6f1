//! User and group names from `/etc/passwd` and `/etc/group`, read from the host root or from a
//! container's own root (`/proc/<pid>/root`). Files are parsed once per root and re-read when
//! their modification time changes (checked at most once per second per root); the number of
//! roots kept is bounded. Unknown ids resolve to an empty name, which the serializer omits.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

const MAX_ROOTS: usize = 64;
const RECHECK_EVERY_SECS: u64 = 1;

#[derive(Default)]
struct Names {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
    passwd_mtime: Option<SystemTime>,
    group_mtime: Option<SystemTime>,
    checked: Option<Instant>,
}

/// Resolves uid / gid to names, per filesystem root.
#[derive(Default)]
pub struct UserGroupResolver {
    roots: HashMap<PathBuf, Names>,
}

fn mtime(p: &Path) -> Option<SystemTime> {
    fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Parses `name:x:id:...` lines (passwd and group share the first and third columns).
fn parse_id_file(text: &str) -> HashMap<u32, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut cols = line.split(':');
        let (Some(name), Some(_), Some(id)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        if let Ok(id) = id.parse::<u32>() {
            // The first entry for an id wins, as getpwuid does.
            out.entry(id).or_insert_with(|| name.to_string());
        }
    }
    out
}

impl UserGroupResolver {
    pub fn new() -> UserGroupResolver {
        UserGroupResolver::default()
    }

    fn names(&mut self, root: &Path) -> &Names {
        if !self.roots.contains_key(root) && self.roots.len() >= MAX_ROOTS {
            // Drop the root checked longest ago.
            if let Some(old) = self
                .roots
                .iter()
                .min_by_key(|(_, n)| n.checked)
                .map(|(k, _)| k.clone())
            {
                self.roots.remove(&old);
            }
        }
        let names = self.roots.entry(root.to_path_buf()).or_default();
        let stale = names
            .checked
            .is_none_or(|t| t.elapsed().as_secs() >= RECHECK_EVERY_SECS);
        if stale {
            names.checked = Some(Instant::now());
            let passwd = root.join("etc/passwd");
            let group = root.join("etc/group");
            let (pm, gm) = (mtime(&passwd), mtime(&group));
            if pm != names.passwd_mtime || names.users.is_empty() && pm.is_some() {
                names.users = fs::read_to_string(&passwd)
                    .map(|t| parse_id_file(&t))
                    .unwrap_or_default();
                names.passwd_mtime = pm;
            }
            if gm != names.group_mtime || names.groups.is_empty() && gm.is_some() {
                names.groups = fs::read_to_string(&group)
                    .map(|t| parse_id_file(&t))
                    .unwrap_or_default();
                names.group_mtime = gm;
            }
        }
        names
    }

    /// The user name of `uid` under `root` (`/` for the host), empty when unknown.
    pub fn user(&mut self, root: &Path, uid: u32) -> String {
        self.names(root)
            .users
            .get(&uid)
            .cloned()
            .unwrap_or_default()
    }

    /// The group name of `gid` under `root`, empty when unknown.
    pub fn group(&mut self, root: &Path, gid: u32) -> String {
        self.names(root)
            .groups
            .get(&gid)
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refreshes_per_root() {
        let dir = std::env::temp_dir().join(format!("vigil-ug-{}", std::process::id()));
        fs::create_dir_all(dir.join("etc")).expect("mkdir");
        fs::write(dir.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n# comment\nalice:x:1000:1000::/home/alice:/bin/sh\nbroken line\ndup:x:1000:1::/:/bin/false\n").expect("write");
        fs::write(dir.join("etc/group"), "root:x:0:\nstaff:x:50:alice\n").expect("write");
        let mut r = UserGroupResolver::new();
        assert_eq!(r.user(&dir, 0), "root");
        assert_eq!(r.user(&dir, 1000), "alice");
        assert_eq!(r.user(&dir, 4242), "");
        assert_eq!(r.group(&dir, 50), "staff");
        // The host root is separate.
        let host_root = r.user(Path::new("/"), 0);
        assert_eq!(host_root, "root");
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
