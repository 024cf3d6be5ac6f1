//! Process context: credentials, arguments, executable and the ancestry chain.
//!
//! A [`Process`] is one entry of the process cache: one *image* of a pid (a fork creates an entry,
//! an exec creates a new entry whose ancestor is the pre-exec image of the same pid, as Datadog's
//! resolver does). Entries are immutable and shared through [`Arc`]: an event, its parent and its
//! ancestors are references into the cache, never deep copies. A change of credentials produces a
//! new entry (copy-on-write) so events already emitted keep what was true when they happened.
//! Dropping a chain recurses once per link, so the resolver bounds the depth of chains.

use std::sync::Arc;

use crate::file::File;
use crate::time::Timestamp;

/// Credentials of a process (real, effective and filesystem ids, audit uid, capabilities).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    pub fsuid: u32,
    pub fsgid: u32,
    /// Login (audit) uid; `u32::MAX` when unset. Not part of the spec's JSON.
    pub auid: u32,
    pub user: String,
    pub group: String,
    pub euser: String,
    pub egroup: String,
    pub fsuser: String,
    pub fsgroup: String,
    /// Effective capability set, one bit per `CAP_*` index.
    pub cap_effective: u64,
    /// Permitted capability set.
    pub cap_permitted: u64,
}

/// Arguments and environment of an image, shared between a forked child and its parent until
/// the child execs (the serializer omits repeated copies in the ancestors list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArgsEnvs {
    pub argv0: String,
    /// Arguments after argv0.
    pub args: Vec<String>,
    pub args_truncated: bool,
    /// Environment as `NAME=value` entries.
    pub envp: Vec<String>,
    pub envs_truncated: bool,
}

impl ArgsEnvs {
    /// Environment variable names (the part before `=`), as serialized in `envs`.
    pub fn env_names(&self) -> impl Iterator<Item = &str> {
        self.envp
            .iter()
            .map(|e| e.split_once('=').map_or(e.as_str(), |(name, _)| name))
    }
}

/// Container context of a process or an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerContext {
    pub id: String,
    pub created_at: Timestamp,
}

/// One process image in the process cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    pub ppid: u32,
    /// Thread id of this entry (the pid for a thread-group leader).
    pub tid: u32,
    pub comm: String,
    /// Controlling terminal name (`pts0`...); empty when none.
    pub tty_name: String,
    pub fork_time: Timestamp,
    pub exec_time: Timestamp,
    pub exit_time: Timestamp,
    pub credentials: Credentials,
    /// The executable (for scripts: the script itself).
    pub file: File,
    /// The interpreter of a script (`#!`), when there is one.
    pub interpreter: Option<File>,
    pub container: Option<ContainerContext>,
    /// cgroup v2 path of the process (`/system.slice/x.service`...); empty when unknown.
    pub cgroup: String,
    pub args: Arc<ArgsEnvs>,
    pub is_thread: bool,
    pub is_kworker: bool,
    /// The previous image of the same pid (after exec) or the parent process (after fork).
    pub ancestor: Option<Arc<Process>>,
}

impl Process {
    /// The parent: the first ancestor.
    pub fn parent(&self) -> Option<&Arc<Process>> {
        self.ancestor.as_ref()
    }

    /// Ancestors from the parent up to the root of the known tree.
    pub fn ancestors(&self) -> Ancestors<'_> {
        Ancestors {
            next: self.ancestor.as_deref(),
        }
    }

    /// Container id, empty for host processes.
    pub fn container_id(&self) -> &str {
        self.container.as_ref().map_or("", |c| c.id.as_str())
    }
}

/// Iterator over a process's ancestors (parent first).
#[derive(Clone)]
pub struct Ancestors<'a> {
    next: Option<&'a Process>,
}

impl<'a> Iterator for Ancestors<'a> {
    type Item = &'a Process;

    fn next(&mut self) -> Option<&'a Process> {
        let current = self.next?;
        self.next = current.ancestor.as_deref();
        Some(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_walk_parent_first() {
        let mut chain: Option<Arc<Process>> = None;
        for pid in 1..=1_000u32 {
            chain = Some(Arc::new(Process {
                pid,
                ancestor: chain.take(),
                ..Process::default()
            }));
        }
        let leaf = chain.expect("chain");
        let pids: Vec<u32> = leaf.ancestors().take(3).map(|p| p.pid).collect();
        assert_eq!(pids, vec![999, 998, 997]);
        assert_eq!(leaf.parent().map(|p| p.pid), Some(999));
    }

    #[test]
    fn env_names_strip_values() {
        let a = ArgsEnvs {
            envp: vec!["PATH=/bin".into(), "EMPTY=".into(), "WEIRD".into()],
            ..ArgsEnvs::default()
        };
        assert_eq!(
            a.env_names().collect::<Vec<_>>(),
            vec!["PATH", "EMPTY", "WEIRD"]
        );
    }
}
