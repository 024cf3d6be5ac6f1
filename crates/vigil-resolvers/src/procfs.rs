//! Reading processes from procfs: the start-up snapshot (so processes that existed before Vigil
//! have full context and ancestry) and the fallback for events about pids the cache never saw.
//! The procfs root is a parameter so tests can use a fake tree.

use std::fs;
use std::io;
use std::mem::MaybeUninit;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use vigil_model::{ArgsEnvs, ContainerContext, Credentials, File, Process, Timestamp};

use crate::container::container_id_from_cgroup;
use crate::mountinfo::MountTable;
use crate::process_cache::{Enricher, ProcessCache};

/// Datadog's per-value limit for argv / envp entries (bytes, terminator included).
pub const MAX_ARG_ENV_LEN: usize = 256;
/// Datadog's limit on the number of argv / envp values.
pub const MAX_ARGS_ENVS: usize = 256;

/// Converts procfs start times (clock ticks since boot) to unix ns.
#[derive(Debug, Clone, Copy)]
pub struct ProcClock {
    boot_unix_ns: u64,
    ns_per_tick: u64,
}

impl ProcClock {
    /// Reads `btime` from `<procfs>/stat` and the tick rate from sysconf.
    pub fn read(procfs: &Path) -> io::Result<ProcClock> {
        let stat = fs::read_to_string(procfs.join("stat"))?;
        let btime = stat
            .lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no btime in /proc/stat"))?;
        // SAFETY: sysconf has no memory-safety preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let ticks = if ticks > 0 { ticks as u64 } else { 100 };
        Ok(ProcClock {
            boot_unix_ns: btime * 1_000_000_000,
            ns_per_tick: 1_000_000_000 / ticks,
        })
    }

    pub fn ticks_to_unix_ns(&self, ticks: u64) -> Timestamp {
        self.boot_unix_ns + ticks * self.ns_per_tick
    }
}

/// What one `/proc/<pid>` says.
#[derive(Debug, Clone)]
pub struct ProcEntry {
    pub pid: u32,
    pub ppid: u32,
    pub start_ticks: u64,
    pub is_kernel_thread: bool,
    pub process: Process,
}

fn parse_stat(text: &str) -> Option<(String, u32, u64, u64)> {
    // pid (comm) state ppid ... ; comm may contain spaces and parentheses.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = text.get(close + 2..)?.split(' ').collect();
    let ppid = rest.get(1)?.parse().ok()?;
    let flags: u64 = rest.get(6)?.parse().ok()?;
    let start = rest.get(19)?.parse().ok()?;
    Some((comm, ppid, flags, start))
}

fn status_ids(status: &str, key: &str) -> Option<[u32; 4]> {
    let line = status.lines().find_map(|l| l.strip_prefix(key))?;
    let v: Vec<u32> = line
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    (v.len() == 4).then(|| [v[0], v[1], v[2], v[3]])
}

fn status_hex(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0)
}

/// Splits a NUL-separated area into values with Datadog's limits; returns (values, truncated).
fn split_area(area: &[u8]) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut truncated = false;
    for raw in area.split(|b| *b == 0) {
        if raw.is_empty() {
            continue;
        }
        if out.len() == MAX_ARGS_ENVS {
            truncated = true;
            break;
        }
        let mut v = String::from_utf8_lossy(raw).into_owned();
        if v.len() > MAX_ARG_ENV_LEN - 1 {
            let mut cut = MAX_ARG_ENV_LEN - 4;
            while !v.is_char_boundary(cut) {
                cut -= 1;
            }
            v.truncate(cut);
            v.push_str("...");
            truncated = true;
        }
        out.push(v);
    }
    (out, truncated)
}

/// File metadata of `path` with its mount id (statx `STATX_MNT_ID`, the first field of
/// mountinfo), following symlinks (so `/proc/<pid>/exe` gives the executable itself).
pub fn stat_file(path: &Path, display_path: &str, mounts: &MountTable) -> io::Result<File> {
    const STATX_BASIC_STATS: u32 = 0x7ff;
    const STATX_MNT_ID: u32 = 0x1000;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mut buf = MaybeUninit::<libc::statx>::zeroed();
    // SAFETY: c_path is NUL-terminated and buf is a valid statx buffer the kernel fills.
    let rc = unsafe {
        libc::statx(
            libc::AT_FDCWD,
            c_path.as_ptr(),
            0,
            STATX_BASIC_STATS | STATX_MNT_ID,
            buf.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: statx succeeded, so the buffer is initialized.
    let st = unsafe { buf.assume_init() };
    let ts =
        |t: libc::statx_timestamp| (t.tv_sec.max(0) as u64) * 1_000_000_000 + u64::from(t.tv_nsec);
    let mount_id = if st.stx_mask & STATX_MNT_ID != 0 {
        st.stx_mnt_id as u32
    } else {
        0
    };
    Ok(File {
        inode: st.stx_ino,
        mode: u32::from(st.stx_mode),
        mount_id,
        filesystem: mounts
            .get(mount_id)
            .map(|m| m.fs_type.clone())
            .unwrap_or_default(),
        uid: st.stx_uid,
        gid: st.stx_gid,
        modification_time: ts(st.stx_mtime),
        change_time: ts(st.stx_ctime),
        ..File::from_path(display_path)
    })
}

fn tty_name(procfs: &Path, pid: u32) -> String {
    let Ok(target) = fs::read_link(procfs.join(format!("{pid}/fd/0"))) else {
        return String::new();
    };
    let t = target.to_string_lossy();
    if let Some(n) = t.strip_prefix("/dev/pts/") {
        format!("pts{n}")
    } else if let Some(n) = t
        .strip_prefix("/dev/")
        .filter(|n| n.starts_with("tty") || n.starts_with("console"))
    {
        n.to_string()
    } else {
        String::new()
    }
}

/// The cgroup v2 path of a process (the `0::` line), else the first hierarchy's path.
pub fn cgroup_path(procfs: &Path, pid: u32) -> String {
    let Ok(text) = fs::read_to_string(procfs.join(format!("{pid}/cgroup"))) else {
        return String::new();
    };
    let unified = text.lines().find_map(|l| l.strip_prefix("0::"));
    unified
        .or_else(|| text.lines().next().and_then(|l| l.splitn(3, ':').nth(2)))
        .unwrap_or("")
        .to_string()
}

/// Reads one process from procfs. Missing optional pieces (environ of another user's process,
/// a vanished exe) leave fields empty; only an unreadable `stat` is an error.
pub fn read_process(
    procfs: &Path,
    pid: u32,
    clock: &ProcClock,
    mounts: &MountTable,
) -> io::Result<ProcEntry> {
    let dir = procfs.join(pid.to_string());
    let stat = fs::read_to_string(dir.join("stat"))?;
    let (comm, ppid, flags, start_ticks) = parse_stat(&stat).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("malformed {}/stat", dir.display()),
        )
    })?;
    const PF_KTHREAD: u64 = 0x0020_0000;
    let is_kernel_thread = flags & PF_KTHREAD != 0 || ppid == 2 || pid == 2;
    let status = fs::read_to_string(dir.join("status")).unwrap_or_default();
    let uids = status_ids(&status, "Uid:").unwrap_or_default();
    let gids = status_ids(&status, "Gid:").unwrap_or_default();
    let auid = fs::read_to_string(dir.join("loginuid"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(u32::MAX);
    let credentials = Credentials {
        uid: uids[0],
        euid: uids[1],
        fsuid: uids[3],
        gid: gids[0],
        egid: gids[1],
        fsgid: gids[3],
        auid,
        cap_effective: status_hex(&status, "CapEff:"),
        cap_permitted: status_hex(&status, "CapPrm:"),
        ..Credentials::default()
    };
    let (mut argv, args_truncated) = split_area(&fs::read(dir.join("cmdline")).unwrap_or_default());
    let (envp, envs_truncated) = split_area(&fs::read(dir.join("environ")).unwrap_or_default());
    let argv0 = if argv.is_empty() {
        String::new()
    } else {
        argv.remove(0)
    };
    let file = match fs::read_link(dir.join("exe")) {
        Ok(target) => {
            let shown = target
                .to_string_lossy()
                .trim_end_matches(" (deleted)")
                .to_string();
            stat_file(&dir.join("exe"), &shown, mounts).unwrap_or_else(|_| File::from_path(shown))
        }
        Err(_) => File::default(),
    };
    let cgroup = cgroup_path(procfs, pid);
    let container = container_id_from_cgroup(&cgroup).map(|id| ContainerContext {
        id: id.to_string(),
        created_at: 0,
    });
    let start = clock.ticks_to_unix_ns(start_ticks);
    let process = Process {
        pid,
        ppid,
        tid: pid,
        comm,
        tty_name: tty_name(procfs, pid),
        fork_time: start,
        exec_time: start,
        credentials,
        file,
        container,
        cgroup,
        args: Arc::new(ArgsEnvs {
            argv0,
            args: argv,
            args_truncated,
            envp,
            envs_truncated,
        }),
        is_kworker: is_kernel_thread,
        ..Process::default()
    };
    Ok(ProcEntry {
        pid,
        ppid,
        start_ticks,
        is_kernel_thread,
        process,
    })
}

/// Every numeric entry of the procfs root.
fn pids(procfs: &Path) -> io::Result<Vec<u32>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(procfs)? {
        if let Some(pid) = entry?
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        {
            out.push(pid);
        }
    }
    Ok(out)
}

/// Fills `cache` with every user-space process of `procfs`, parents before children, each
/// linked to its parent's entry. Kernel threads are skipped. Returns how many were added.
pub fn snapshot(
    cache: &mut ProcessCache,
    procfs: &Path,
    enrich: &mut dyn Enricher,
) -> io::Result<usize> {
    let clock = ProcClock::read(procfs)?;
    let mounts = MountTable::read(procfs).unwrap_or_default();
    let mut entries: Vec<ProcEntry> = pids(procfs)?
        .into_iter()
        .filter_map(|pid| read_process(procfs, pid, &clock, &mounts).ok())
        .filter(|e| !e.is_kernel_thread)
        .collect();
    entries.sort_by_key(|e| (e.start_ticks, e.pid));
    let mut added = 0;
    for e in entries {
        let mut p = e.process;
        let container = p.container.is_some();
        enrich.names(p.pid, container, &mut p.credentials, &mut [&mut p.file]);
        p.ancestor = cache.get(e.ppid).cloned();
        cache.insert(Arc::new(p));
        added += 1;
    }
    Ok(added)
}

/// Resolves one pid the cache does not know from procfs (with its parent chain when the parent
/// is known), inserting it; `None` when procfs has nothing for it.
pub fn resolve_pid(
    cache: &mut ProcessCache,
    procfs: &Path,
    pid: u32,
    enrich: &mut dyn Enricher,
) -> Option<Arc<Process>> {
    let clock = ProcClock::read(procfs).ok()?;
    let mounts = MountTable::read(procfs).unwrap_or_default();
    let e = read_process(procfs, pid, &clock, &mounts).ok()?;
    let mut p = e.process;
    let container = p.container.is_some();
    enrich.names(p.pid, container, &mut p.credentials, &mut [&mut p.file]);
    p.ancestor = cache.get(e.ppid).cloned();
    let entry = Arc::new(p);
    cache.insert(entry.clone());
    cache.count_fallback(false);
    Some(entry)
}

/// The root a process sees (`<procfs>/<pid>/root`), for reading its own /etc files.
pub fn process_root(procfs: &Path, pid: u32) -> PathBuf {
    procfs.join(pid.to_string()).join("root")
}
