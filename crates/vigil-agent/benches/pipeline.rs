//! Pipeline throughput: synthetic kernel records (fork → exec → exit of short-lived processes
//! under a shell, with realistic arguments) through resolvers + the default policy + the
//! serializer into a discarding sink. Prints events/s. Run: `cargo bench -p vigil-agent --bench pipeline`.

use std::io;
use std::time::Instant;

use vigil_agent::rate_limiter::RateLimit;
use vigil_agent::sink::RecordSink;
use vigil_agent::Pipeline;
use vigil_probe::{
    BootClock, Credentials, ExecEvent, ExitCause, ExitEvent, FileInfo, ForkEvent, ProcessContext,
    RawEvent,
};
use vigil_resolvers::mountinfo::MountTable;
use vigil_resolvers::{CacheLimits, Resolvers};
use vigil_secl::policy::parse_policy;
use vigil_secl::ruleset::{LoadOptions, RuleSet};

struct Discard(u64);

impl RecordSink for Discard {
    fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        self.0 += record.len() as u64;
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn ctx(pid: u32, ppid: u32, comm: &str) -> ProcessContext {
    ProcessContext {
        pid,
        tid: pid,
        ppid,
        cgroup_id: 1,
        comm: comm.as_bytes().to_vec(),
    }
}

fn file(path: &str, inode: u64) -> FileInfo {
    FileInfo {
        path: path.as_bytes().to_vec(),
        path_error: None,
        inode,
        mount_id: 27,
        dev_major: 253,
        dev_minor: 0,
        mode: 0o100755,
        uid: 0,
        gid: 0,
        mtime_unix_ns: 1_700_000_000_000_000_000,
        ctime_unix_ns: 1_700_000_000_000_000_000,
        fs_type: b"ext4".to_vec(),
        in_upper_layer: false,
        deleted: false,
    }
}

fn records(n: usize) -> Vec<RawEvent> {
    let programs = [
        "/usr/bin/ls",
        "/usr/bin/cat",
        "/usr/bin/grep",
        "/tmp/payload",
        "/usr/bin/curl",
        "/usr/sbin/nginx",
    ];
    let creds = Credentials {
        uid: 1000,
        gid: 1000,
        euid: 1000,
        egid: 1000,
        fsuid: 1000,
        fsgid: 1000,
        auid: 1000,
        cap_effective: 0,
        cap_permitted: 0,
    };
    let mut out = Vec::with_capacity(n);
    let shell = std::process::id();
    for i in 0..n / 3 {
        let pid = 3_000_000 + (i as u32 % 500_000);
        let prog = programs[i % programs.len()];
        let ts = 1_000_000_000 + i as u64 * 1000;
        out.push(RawEvent::Fork(ForkEvent {
            timestamp_boot_ns: ts,
            cpu: 0,
            parent: ctx(shell, 1, "sh"),
            child_pid: pid,
            child_tid: pid,
            child_ppid: shell,
            is_thread: false,
            clone_flags: 0,
        }));
        out.push(RawEvent::Exec(Box::new(ExecEvent {
            timestamp_boot_ns: ts + 100,
            cpu: 0,
            process: ctx(pid, shell, prog.rsplit('/').next().unwrap_or("x")),
            old_tid: pid,
            credentials: creds,
            filename: prog.as_bytes().to_vec(),
            filename_truncated: false,
            interpreter_path: None,
            interpreter_path_truncated: false,
            file: Some(file(prog, 1000 + (i % programs.len()) as u64)),
            executable: None,
            cwd: b"/home/alice".to_vec(),
            cwd_truncated: false,
            tty: Some(b"pts0".to_vec()),
            cgroup_path: b"/user.slice/user-1000.slice/session-1.scope".to_vec(),
            cgroup_path_truncated: false,
            argc: 3,
            envc: 3,
            args_area_len: 40,
            args: vec![
                prog.as_bytes().to_vec(),
                b"-la".to_vec(),
                format!("/srv/data/{i}").into_bytes(),
            ],
            args_truncated: false,
            envs_area_len: 60,
            envs: vec![
                b"HOME=/home/alice".to_vec(),
                b"PATH=/usr/bin:/bin".to_vec(),
                b"TERM=xterm".to_vec(),
            ],
            envs_truncated: false,
        })));
        out.push(RawEvent::Exit(ExitEvent {
            timestamp_boot_ns: ts + 900,
            cpu: 0,
            process: ctx(pid, shell, "x"),
            cause: ExitCause::Exited,
            code: 0,
            raw_status: 0,
            group_exit: true,
        }));
    }
    out
}

fn main() {
    let policy = parse_policy(
        "default.policy",
        std::path::Path::new("<built-in>"),
        vigil_agent::agent::DEFAULT_POLICY,
    )
    .expect("default policy parses");
    let n = 300_000;
    for round in 0..3 {
        let ruleset = RuleSet::load(std::slice::from_ref(&policy), &LoadOptions::default());
        let mut resolvers = Resolvers::new("/proc", CacheLimits::default());
        resolvers.snapshot().expect("snapshot");
        let clock = BootClock::sample().expect("clock");
        let mut p = Pipeline::new(
            clock,
            MountTable::default(),
            resolvers,
            ruleset,
            RateLimit {
                per_second: 1e12,
                burst: u32::MAX,
            },
            Box::new(Discard(0)),
            "bench",
            "runtime-security-agent",
        );
        let input = records(n);
        let t = Instant::now();
        for r in input {
            p.handle(r);
        }
        let secs = t.elapsed().as_secs_f64();
        let st = p.stats();
        println!(
            "round {round}: {} kernel events in {:.3} s = {:.0} events/s ({} matched, {} records)",
            st.events,
            secs,
            st.events as f64 / secs,
            st.matched,
            st.records
        );
    }
}
