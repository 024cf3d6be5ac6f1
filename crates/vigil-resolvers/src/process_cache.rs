//! The process cache: one [`Process`] entry per live pid, kept exact by fork / exec / exit events
//! and seeded from /proc at start (see [`crate::procfs`]).
//!
//! - A fork creates a new entry whose ancestor is the parent's current entry and which shares the
//!   parent's arguments (`Arc<ArgsEnvs>`) until it execs. A fork on a pid replaces whatever entry
//!   that pid had, so pid reuse can never mix two processes: events resolve against the entry
//!   that was current when they happened, and older events keep their own `Arc`.
//! - An exec creates a new entry whose ancestor is the previous image of the same pid (Datadog's
//!   model). Consecutive execs of the same executable collapse into one link (exec loops would
//!   otherwise grow the chain without bound), and chains are capped at [`MAX_CHAIN_DEPTH`].
//! - A thread (fork with `is_thread`) does not create an entry: events of a thread resolve to
//!   its thread group's entry.
//! - An exit stamps `exit_time` on a copy of the entry (entries are immutable) and queues it;
//!   exited entries leave the cache after a grace period so late events still resolve.
//! - Credential changes (setuid / setgid / capset) replace the entry with an updated copy.
//! - The cache is bounded: past `max_entries`, exited entries go first, then the oldest ones;
//!   evictions are counted.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use vigil_model::{ArgsEnvs, ContainerContext, Credentials, File, Process, Timestamp};

/// Longest ancestry chain kept (Datadog serializes at most 200 ancestors).
pub const MAX_CHAIN_DEPTH: usize = 200;

/// Cache limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheLimits {
    /// Maximum live entries (Datadog's `pid_cache_size` default).
    pub max_entries: usize,
    /// How long an exited entry stays resolvable, ns.
    pub exit_grace_ns: u64,
}

impl Default for CacheLimits {
    fn default() -> Self {
        CacheLimits {
            max_entries: 10_000,
            exit_grace_ns: 60_000_000_000,
        }
    }
}

/// Counters of the cache's life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub entries: usize,
    pub forks: u64,
    pub execs: u64,
    pub exits: u64,
    /// Entries removed because the cache was full.
    pub evictions: u64,
    /// Entries removed after their exit grace period.
    pub expired: u64,
    /// Events about a pid the cache did not know, resolved from /proc.
    pub procfs_fallbacks: u64,
    /// Events about a pid nothing could be learnt about (placeholder entry).
    pub placeholders: u64,
}

/// A new process (or thread) as the kernel reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkInfo {
    pub timestamp: Timestamp,
    pub parent_pid: u32,
    pub child_pid: u32,
    pub child_tid: u32,
    /// The child's real parent (differs from `parent_pid` with CLONE_PARENT).
    pub child_ppid: u32,
    pub is_thread: bool,
}

/// A successful exec: everything the new image is made of (names are filled by the cache).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecInfo {
    pub timestamp: Timestamp,
    pub pid: u32,
    pub tid: u32,
    pub ppid: u32,
    pub comm: String,
    pub tty_name: String,
    pub cgroup: String,
    pub credentials: Credentials,
    pub file: File,
    pub interpreter: Option<File>,
    pub args: ArgsEnvs,
}

/// Where names (users, groups, containers) come from; implemented by the resolver layer.
pub trait Enricher {
    /// Fills user / group names of credentials and files, as seen from `root_pid`'s root.
    fn names(
        &mut self,
        root_pid: u32,
        container: bool,
        creds: &mut Credentials,
        files: &mut [&mut File],
    );
}

/// The process cache.
pub struct ProcessCache {
    limits: CacheLimits,
    entries: HashMap<u32, Arc<Process>>,
    /// (exit time, pid) in exit order.
    exited: VecDeque<(Timestamp, u32)>,
    stats: CacheStats,
}

impl ProcessCache {
    pub fn new(limits: CacheLimits) -> ProcessCache {
        ProcessCache {
            limits,
            entries: HashMap::new(),
            exited: VecDeque::new(),
            stats: CacheStats::default(),
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            entries: self.entries.len(),
            ..self.stats
        }
    }

    /// The current entry of `pid`.
    pub fn get(&self, pid: u32) -> Option<&Arc<Process>> {
        self.entries.get(&pid)
    }

    /// Inserts an entry as is (snapshot, procfs fallback, placeholder).
    pub fn insert(&mut self, entry: Arc<Process>) {
        self.entries.insert(entry.pid, entry);
        self.enforce_limit();
    }

    pub(crate) fn count_fallback(&mut self, placeholder: bool) {
        if placeholder {
            self.stats.placeholders += 1;
        } else {
            self.stats.procfs_fallbacks += 1;
        }
    }

    /// Records a fork; returns the child's entry (the group's entry for a thread), or `None` when
    /// the parent is unknown (the caller then resolves the child from /proc).
    pub fn fork(&mut self, f: &ForkInfo) -> Option<Arc<Process>> {
        self.stats.forks += 1;
        if f.is_thread {
            return self.entries.get(&f.child_pid).cloned();
        }
        let parent = self.entries.get(&f.parent_pid)?.clone();
        let child = Arc::new(Process {
            pid: f.child_pid,
            ppid: f.child_ppid,
            tid: f.child_tid,
            fork_time: f.timestamp,
            exit_time: 0,
            is_thread: false,
            ancestor: Some(parent.clone()),
            ..(*parent).clone()
        });
        self.entries.insert(f.child_pid, child.clone());
        self.enforce_limit();
        Some(child)
    }

    /// Records an exec: a new image of `e.pid` linked to its previous image. `enrich` fills names.
    pub fn exec(&mut self, e: ExecInfo, enrich: &mut dyn Enricher) -> Arc<Process> {
        self.stats.execs += 1;
        let previous = self.entries.get(&e.pid).cloned();
        let container_id =
            crate::container::container_id_from_cgroup(&e.cgroup).map(str::to_string);
        let mut credentials = e.credentials;
        let mut file = e.file;
        let mut interpreter = e.interpreter;
        {
            let mut files: Vec<&mut File> = vec![&mut file];
            if let Some(i) = interpreter.as_mut() {
                files.push(i);
            }
            enrich.names(e.pid, container_id.is_some(), &mut credentials, &mut files);
        }
        let container = container_id.map(|id| {
            // Keep the creation time learnt earlier for the same container.
            let created_at = previous
                .as_ref()
                .and_then(|p| p.container.as_ref())
                .filter(|c| c.id == id)
                .map_or(0, |c| c.created_at);
            ContainerContext { id, created_at }
        });
        let fork_time = previous.as_ref().map_or(e.timestamp, |p| p.fork_time);
        let ancestor = previous.map(|prev| link_for_exec(prev, &file.path));
        let entry = Arc::new(Process {
            pid: e.pid,
            ppid: e.ppid,
            tid: e.pid,
            comm: e.comm,
            tty_name: e.tty_name,
            fork_time,
            exec_time: e.timestamp,
            exit_time: 0,
            credentials,
            file,
            interpreter,
            container,
            cgroup: e.cgroup,
            args: Arc::new(e.args),
            is_thread: false,
            is_kworker: false,
            ancestor,
        });
        self.entries.insert(e.pid, entry.clone());
        self.enforce_limit();
        entry
    }

    /// Records the exit of a thread group; returns its entry with `exit_time` set.
    pub fn exit(&mut self, pid: u32, timestamp: Timestamp) -> Option<Arc<Process>> {
        self.stats.exits += 1;
        let current = self.entries.get(&pid)?;
        let exited = Arc::new(Process {
            exit_time: timestamp,
            ..(**current).clone()
        });
        self.entries.insert(pid, exited.clone());
        self.exited.push_back((timestamp, pid));
        Some(exited)
    }

    /// Replaces `pid`'s entry with a copy whose credentials `change` updated.
    pub fn update_credentials(
        &mut self,
        pid: u32,
        change: impl FnOnce(&mut Credentials),
    ) -> Option<Arc<Process>> {
        let current = self.entries.get(&pid)?;
        let mut updated = (**current).clone();
        change(&mut updated.credentials);
        let updated = Arc::new(updated);
        self.entries.insert(pid, updated.clone());
        Some(updated)
    }

    /// Removes exited entries whose grace period is over at `now`.
    pub fn expire(&mut self, now: Timestamp) {
        while let Some(&(t, pid)) = self.exited.front() {
            if now.saturating_sub(t) < self.limits.exit_grace_ns {
                break;
            }
            self.exited.pop_front();
            // Only if the pid was not reused since (a new fork resets exit_time to 0).
            if self.entries.get(&pid).is_some_and(|p| p.exit_time == t) {
                self.entries.remove(&pid);
                self.stats.expired += 1;
            }
        }
    }

    fn enforce_limit(&mut self) {
        while self.entries.len() > self.limits.max_entries {
            let victim = match self.exited.pop_front() {
                // Skip queue items whose pid was reused since it exited.
                Some((t, pid)) if self.entries.get(&pid).is_some_and(|p| p.exit_time == t) => pid,
                Some(_) => continue,
                None => match self
                    .entries
                    .values()
                    .min_by_key(|p| (p.exec_time.max(p.fork_time), p.pid))
                {
                    Some(p) => p.pid,
                    None => return,
                },
            };
            if self.entries.remove(&victim).is_some() {
                self.stats.evictions += 1;
            }
        }
    }
}

/// The ancestor a new image of `prev`'s pid links to: `prev` itself, except that an exec of the
/// same executable as an exec'd `prev` replaces it (exec loops), and chains deeper than
/// [`MAX_CHAIN_DEPTH`] are cut.
fn link_for_exec(prev: Arc<Process>, new_path: &str) -> Arc<Process> {
    let prev_was_exec = prev.ancestor.as_ref().is_some_and(|a| a.pid == prev.pid);
    let link = if prev_was_exec && prev.file.path == new_path {
        match &prev.ancestor {
            Some(a) => a.clone(),
            None => prev,
        }
    } else {
        prev
    };
    cap_chain(link)
}

/// Returns `entry` with its ancestry cut to at most [`MAX_CHAIN_DEPTH`] - 1 ancestors (copying
/// the kept entries only when a cut is needed).
fn cap_chain(entry: Arc<Process>) -> Arc<Process> {
    let depth = entry.ancestors().take(MAX_CHAIN_DEPTH).count();
    if depth < MAX_CHAIN_DEPTH - 1 {
        return entry;
    }
    let mut kept: Vec<Process> = std::iter::once(&*entry)
        .chain(entry.ancestors())
        .take(MAX_CHAIN_DEPTH - 1)
        .cloned()
        .collect();
    let mut link: Option<Arc<Process>> = None;
    while let Some(mut p) = kept.pop() {
        p.ancestor = link.take();
        link = Some(Arc::new(p));
    }
    link.unwrap_or(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoNames;
    impl Enricher for NoNames {
        fn names(&mut self, _: u32, _: bool, creds: &mut Credentials, _: &mut [&mut File]) {
            creds.user = format!("u{}", creds.uid);
        }
    }

    fn root(pid: u32) -> Arc<Process> {
        Arc::new(Process {
            pid,
            tid: pid,
            file: File::from_path("/sbin/init"),
            ..Process::default()
        })
    }

    fn exec(pid: u32, ts: u64, path: &str) -> ExecInfo {
        ExecInfo {
            timestamp: ts,
            pid,
            tid: pid,
            ppid: 1,
            comm: vigil_model::file::basename(path).into(),
            tty_name: String::new(),
            cgroup: "/".into(),
            credentials: Credentials {
                uid: 1000,
                ..Credentials::default()
            },
            file: File::from_path(path),
            interpreter: None,
            args: ArgsEnvs {
                argv0: path.into(),
                ..ArgsEnvs::default()
            },
        }
    }

    fn fork(parent: u32, child: u32, ts: u64) -> ForkInfo {
        ForkInfo {
            timestamp: ts,
            parent_pid: parent,
            child_pid: child,
            child_tid: child,
            child_ppid: parent,
            is_thread: false,
        }
    }

    #[test]
    fn fork_exec_exit_builds_datadog_ancestry() {
        let mut c = ProcessCache::new(CacheLimits::default());
        c.insert(root(1));
        let child = c.fork(&fork(1, 100, 10)).expect("parent known");
        assert!(
            Arc::ptr_eq(&child.args, &c.get(1).expect("init").args),
            "fork shares args"
        );
        let img = c.exec(exec(100, 20, "/usr/bin/ls"), &mut NoNames);
        assert_eq!(img.credentials.user, "u1000");
        assert_eq!(img.fork_time, 10);
        assert_eq!(img.exec_time, 20);
        let chain: Vec<(u32, &str)> = img
            .ancestors()
            .map(|p| (p.pid, p.file.path.as_str()))
            .collect();
        assert_eq!(chain, vec![(100, "/sbin/init"), (1, "/sbin/init")]);
        let exited = c.exit(100, 30).expect("known");
        assert_eq!(exited.exit_time, 30);
        assert_eq!(exited.file.path, "/usr/bin/ls");
        c.expire(30 + CacheLimits::default().exit_grace_ns - 1);
        assert!(c.get(100).is_some(), "still resolvable in the grace period");
        c.expire(30 + CacheLimits::default().exit_grace_ns);
        assert!(c.get(100).is_none());
        assert_eq!(c.stats().expired, 1);
    }

    #[test]
    fn pid_reuse_never_mixes_processes() {
        let mut c = ProcessCache::new(CacheLimits::default());
        c.insert(root(1));
        c.fork(&fork(1, 100, 10));
        let first = c.exec(exec(100, 11, "/usr/bin/first"), &mut NoNames);
        c.exit(100, 12);
        // The pid is reused before the grace period ends.
        let second = c.fork(&fork(1, 100, 13)).expect("parent");
        assert_eq!(second.file.path, "/sbin/init");
        assert_eq!(second.exit_time, 0);
        assert_eq!(
            first.file.path, "/usr/bin/first",
            "old events keep their entry"
        );
        // The old exit's expiry must not remove the new process.
        c.expire(12 + CacheLimits::default().exit_grace_ns);
        assert!(c.get(100).is_some());
    }

    #[test]
    fn threads_resolve_to_their_group_and_credentials_copy_on_write() {
        let mut c = ProcessCache::new(CacheLimits::default());
        c.insert(root(1));
        let t = c
            .fork(&ForkInfo {
                is_thread: true,
                child_pid: 1,
                child_tid: 7,
                ..fork(1, 1, 5)
            })
            .expect("group");
        assert_eq!(t.pid, 1);
        assert_eq!(c.stats().entries, 1);
        let before = c.get(1).expect("init").clone();
        let after = c.update_credentials(1, |cr| cr.euid = 0).expect("known");
        assert_eq!(after.credentials.euid, 0);
        assert_eq!(before.credentials.euid, 0);
        let child = c.fork(&fork(1, 2, 6)).expect("parent");
        assert!(Arc::ptr_eq(
            child.ancestor.as_ref().expect("parent"),
            &after
        ));
    }

    #[test]
    fn exec_loops_collapse_and_chains_are_capped() {
        let mut c = ProcessCache::new(CacheLimits::default());
        c.insert(root(1));
        c.fork(&fork(1, 100, 1));
        for i in 0..1000 {
            c.exec(exec(100, 2 + i, "/bin/loop"), &mut NoNames);
        }
        let depth = c.get(100).expect("entry").ancestors().count();
        assert_eq!(depth, 2, "same-executable execs collapse");
        for i in 0..1000 {
            let path = if i % 2 == 0 { "/bin/a" } else { "/bin/b" };
            c.exec(exec(100, 2000 + i, path), &mut NoNames);
        }
        let depth = c.get(100).expect("entry").ancestors().count();
        assert!(depth < MAX_CHAIN_DEPTH, "depth {depth}");
    }

    #[test]
    fn bounded_size_evicts_exited_first() {
        let mut c = ProcessCache::new(CacheLimits {
            max_entries: 3,
            exit_grace_ns: u64::MAX,
        });
        c.insert(root(1));
        c.fork(&fork(1, 2, 1));
        c.fork(&fork(1, 3, 2));
        c.exit(2, 3);
        c.fork(&fork(1, 4, 4));
        assert!(c.get(2).is_none(), "the exited entry went first");
        assert!(c.get(3).is_some() && c.get(4).is_some() && c.get(1).is_some());
        assert_eq!(c.stats().evictions, 1);
    }
}
