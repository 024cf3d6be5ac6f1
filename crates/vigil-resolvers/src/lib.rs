//! The resolver layer: turns kernel facts into full context — the process cache (fork / exec /
//! exit, /proc snapshot, ancestry), user and group names (host or container `/etc`), container
//! ids from cgroup paths, and mount information.
//!
//! [`Resolvers`] bundles them for the agent: `snapshot()` at start, then `fork`, `exec`, `exit`
//! and `process(pid)` per event.

pub mod container;
pub mod mountinfo;
pub mod process_cache;
pub mod procfs;
pub mod usergroup;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use vigil_model::{Credentials, File, Process, Timestamp};

pub use process_cache::{CacheLimits, CacheStats, Enricher, ExecInfo, ForkInfo, ProcessCache};
use usergroup::UserGroupResolver;

/// How often one unknown pid may be looked up in procfs (Datadog: once per 30 s).
const PROCFS_RETRY_NS: u64 = 30_000_000_000;

/// Names from the host's or the container's `/etc/passwd` and `/etc/group`.
struct NameEnricher<'a> {
    users: &'a mut UserGroupResolver,
    procfs: &'a Path,
}

impl Enricher for NameEnricher<'_> {
    fn names(
        &mut self,
        root_pid: u32,
        container: bool,
        c: &mut Credentials,
        files: &mut [&mut File],
    ) {
        let root: PathBuf = if container {
            procfs::process_root(self.procfs, root_pid)
        } else {
            PathBuf::from("/")
        };
        c.user = self.users.user(&root, c.uid);
        c.euser = self.users.user(&root, c.euid);
        c.fsuser = self.users.user(&root, c.fsuid);
        c.group = self.users.group(&root, c.gid);
        c.egroup = self.users.group(&root, c.egid);
        c.fsgroup = self.users.group(&root, c.fsgid);
        for f in files.iter_mut() {
            f.user = self.users.user(&root, f.uid);
            f.group = self.users.group(&root, f.gid);
        }
    }
}

/// Every resolver the agent needs, over one procfs root.
pub struct Resolvers {
    procfs: PathBuf,
    cache: ProcessCache,
    users: UserGroupResolver,
    procfs_attempts: HashMap<u32, Timestamp>,
}

impl Resolvers {
    /// Resolvers over `procfs` (normally `/proc`).
    pub fn new(procfs: impl Into<PathBuf>, limits: CacheLimits) -> Resolvers {
        Resolvers {
            procfs: procfs.into(),
            cache: ProcessCache::new(limits),
            users: UserGroupResolver::new(),
            procfs_attempts: HashMap::new(),
        }
    }

    /// Seeds the cache with every process alive now; returns how many.
    pub fn snapshot(&mut self) -> std::io::Result<usize> {
        let mut e = NameEnricher {
            users: &mut self.users,
            procfs: &self.procfs,
        };
        procfs::snapshot(&mut self.cache, &self.procfs, &mut e)
    }

    pub fn cache(&self) -> &ProcessCache {
        &self.cache
    }

    pub fn stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// The entry of `pid`: from the cache, else from procfs (at most once per pid per 30 s), else
    /// a placeholder that carries only the pid.
    pub fn process(&mut self, pid: u32, now: Timestamp) -> Arc<Process> {
        if let Some(p) = self.cache.get(pid) {
            return p.clone();
        }
        let recently = self
            .procfs_attempts
            .get(&pid)
            .is_some_and(|t| now.saturating_sub(*t) < PROCFS_RETRY_NS);
        if !recently {
            self.procfs_attempts.insert(pid, now);
            if self.procfs_attempts.len() > 4096 {
                self.procfs_attempts
                    .retain(|_, t| now.saturating_sub(*t) < PROCFS_RETRY_NS);
            }
            let mut e = NameEnricher {
                users: &mut self.users,
                procfs: &self.procfs,
            };
            if let Some(p) = procfs::resolve_pid(&mut self.cache, &self.procfs, pid, &mut e) {
                return p;
            }
        }
        self.cache.count_fallback(true);
        Arc::new(Process {
            pid,
            tid: pid,
            ..Process::default()
        })
    }

    /// A fork; unknown parents are resolved through [`Resolvers::process`] first.
    pub fn fork(&mut self, f: &ForkInfo) -> Arc<Process> {
        if let Some(child) = self.cache.fork(f) {
            return child;
        }
        if !f.is_thread {
            self.process(f.parent_pid, f.timestamp);
            if let Some(child) = self.cache.fork(f) {
                return child;
            }
        }
        self.process(f.child_pid, f.timestamp)
    }

    /// An exec; the previous image is resolved first if the cache missed its fork.
    pub fn exec(&mut self, e: ExecInfo) -> Arc<Process> {
        if self.cache.get(e.pid).is_none() {
            self.process(e.ppid, e.timestamp);
            if let Some(parent) = self.cache.get(e.ppid).cloned() {
                // Stand-in for the missed fork: a copy of the parent under this pid.
                self.cache.insert(Arc::new(Process {
                    pid: e.pid,
                    ppid: e.ppid,
                    tid: e.pid,
                    fork_time: e.timestamp,
                    ancestor: Some(parent.clone()),
                    ..(*parent).clone()
                }));
            }
        }
        let mut names = NameEnricher {
            users: &mut self.users,
            procfs: &self.procfs,
        };
        self.cache.exec(e, &mut names)
    }

    /// An exit; returns the exited entry (resolved if unknown).
    pub fn exit(&mut self, pid: u32, timestamp: Timestamp) -> Arc<Process> {
        match self.cache.exit(pid, timestamp) {
            Some(p) => p,
            None => {
                let p = self.process(pid, timestamp);
                Arc::new(Process {
                    exit_time: timestamp,
                    ..(*p).clone()
                })
            }
        }
    }

    /// Housekeeping: forgets exited entries past their grace period.
    pub fn expire(&mut self, now: Timestamp) {
        self.cache.expire(now);
    }

    /// Fills user / group names of `file` as seen by `pid`.
    pub fn file_names(&mut self, pid: u32, container: bool, file: &mut File) {
        let mut e = NameEnricher {
            users: &mut self.users,
            procfs: &self.procfs,
        };
        let mut scratch = Credentials::default();
        e.names(pid, container, &mut scratch, &mut [file]);
    }
}
