//! Exec, fork and exit events of real processes, checked against what the kernel reports
//! through /proc, stat and statx. Each test filters events on its own children: the host
//! produces events too.

mod common;

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_file_is, collect, concerns, execs_of, exit_of, load_or_skip};
use vigil_probe::{Credentials, EventTypes, ExitCause, ProbeConfig, RawEvent, MAX_ARG_ENV_LEN};

fn status_field(name: &str) -> String {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .unwrap_or_else(|| panic!("{name} in status"))
        .trim()
        .to_owned()
}

/// The credentials of this test process (children inherit them).
fn own_credentials() -> Credentials {
    let ids = |field: &str| -> Vec<u32> {
        status_field(field)
            .split_whitespace()
            .map(|v| v.parse().expect("id"))
            .collect()
    };
    let (uids, gids) = (ids("Uid:"), ids("Gid:"));
    let cap = |field: &str| u64::from_str_radix(&status_field(field), 16).expect("caps");
    let auid = std::fs::read_to_string("/proc/self/loginuid")
        .map_or(u32::MAX, |s| s.trim().parse().expect("loginuid"));
    Credentials {
        uid: uids[0],
        euid: uids[1],
        fsuid: uids[3],
        gid: gids[0],
        egid: gids[1],
        fsgid: gids[3],
        auid,
        cap_effective: cap("CapEff:"),
        cap_permitted: cap("CapPrm:"),
    }
}

fn strings(values: &[Vec<u8>]) -> Vec<String> {
    values
        .iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vigil-probe-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn run(command: &mut Command) -> u32 {
    let mut child = command.spawn().expect("spawn");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

#[test]
fn shell_exec_fork_and_exit_with_code() {
    let Some(mut probe) = load_or_skip(&ProbeConfig::default()) else {
        return;
    };
    let pid = run(Command::new("/bin/sh").args(["-c", "exit 3"]));
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    let me = std::process::id();

    let fork = events
        .iter()
        .find_map(|e| match e {
            RawEvent::Fork(f) if f.child_pid == pid => Some(f),
            _ => None,
        })
        .expect("fork event");
    assert_eq!(fork.parent.pid, me);
    assert_eq!(
        (fork.child_tid, fork.child_ppid, fork.is_thread),
        (pid, me, false)
    );
    assert_eq!(fork.clone_flags & libc::CLONE_THREAD as u64, 0);

    let execs = execs_of(&events, pid);
    assert_eq!(execs.len(), 1, "{execs:#?}");
    let exec = execs[0];
    assert_eq!(
        (exec.process.tid, exec.process.ppid, exec.old_tid),
        (pid, me, pid)
    );
    assert_eq!(exec.process.comm, b"sh");
    assert_eq!(exec.filename, b"/bin/sh");
    assert_eq!(exec.interpreter_path, None);
    assert_file_is(exec.file.as_ref().expect("file"), Path::new("/bin/sh"));
    assert_eq!(exec.executable, None);
    assert_eq!(exec.credentials, own_credentials());
    assert_eq!(
        (exec.argc, strings(&exec.args)),
        (3, vec!["/bin/sh".to_owned(), "-c".into(), "exit 3".into()])
    );
    assert!(!exec.args_truncated);
    assert_eq!(
        exec.cwd,
        std::env::current_dir().expect("cwd").as_os_str().as_bytes()
    );
    assert!(exec.timestamp_boot_ns > fork.timestamp_boot_ns);

    let exit = exit_of(&events, pid).expect("exit");
    assert_eq!(
        (exit.cause, exit.code, exit.raw_status),
        (ExitCause::Exited, 3, 3 << 8)
    );
    assert_eq!((exit.process.tid, exit.process.ppid), (pid, me));
    assert!(exit.timestamp_boot_ns > exec.timestamp_boot_ns);
    assert_eq!(probe.decode_errors(), 0);
}

#[test]
fn environment_is_captured_in_order() {
    let Some(mut probe) = load_or_skip(&ProbeConfig::default()) else {
        return;
    };
    let pid = run(Command::new("/bin/true")
        .env_clear()
        .env("A", "1")
        .env("LONG", "x".repeat(300))
        .arg("\u{e9}t\u{e9}"));
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    let exec = execs_of(&events, pid)[0];
    assert_eq!(exec.envc, 2);
    assert_eq!(exec.envs[0], b"A=1");
    assert_eq!(exec.envs[1].len(), MAX_ARG_ENV_LEN);
    assert!(exec.envs[1].starts_with(b"LONG=xxx") && exec.envs[1].ends_with(b"..."));
    assert!(exec.envs_truncated);
    assert_eq!(exec.args[1], "\u{e9}t\u{e9}".as_bytes());
    assert!(!exec.args_truncated);
}

#[test]
fn long_argv_and_envp_are_truncated() {
    let Some(mut probe) = load_or_skip(&ProbeConfig::default()) else {
        return;
    };
    let args: Vec<String> = (0..1024)
        .map(|i| format!("{i:04}{}", "a".repeat(46)))
        .collect();
    let envs: Vec<(String, String)> = (0..1024)
        .map(|i| (format!("V{i:04}"), "e".repeat(44)))
        .collect();
    let pid = run(Command::new("/bin/true")
        .args(&args)
        .env_clear()
        .envs(envs.iter().cloned()));
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    let exec = execs_of(&events, pid)[0];

    assert_eq!((exec.argc, exec.envc), (1025, 1024));
    assert_eq!(
        exec.args_area_len,
        10 + 1024 * 51,
        "\"/bin/true\\0\" + 1024 x 51"
    );
    assert!(exec.args_truncated && exec.envs_truncated);
    let complete_args = exec.args.iter().filter(|a| !a.ends_with(b"...")).count();
    let complete_envs = exec.envs.iter().filter(|a| !a.ends_with(b"...")).count();
    eprintln!(
        "measured: 1024 x 50-char args -> {} values kept ({complete_args} complete); 1024 x 50-char envs -> {} kept ({complete_envs} complete)",
        exec.args.len(),
        exec.envs.len()
    );
    assert_eq!(exec.args[0], b"/bin/true");
    for (got, sent) in exec.args[1..complete_args].iter().zip(&args) {
        assert_eq!(got, sent.as_bytes());
    }
    for (got, (name, value)) in exec.envs[..complete_envs].iter().zip(&envs) {
        assert_eq!(got, format!("{name}={value}").as_bytes());
    }
    assert!(
        complete_args >= 600 && complete_envs >= 600,
        "32 KiB of each area is captured"
    );
    let partial = exec.args.last().expect("args");
    assert!(partial.ends_with(b"...") && partial.len() <= MAX_ARG_ENV_LEN);

    let pid = run(Command::new("/bin/true").arg("z".repeat(1024)));
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    let exec = execs_of(&events, pid)[0];
    assert_eq!(exec.args[1].len(), MAX_ARG_ENV_LEN);
    assert_eq!(
        exec.args[1],
        [&[b'z'; MAX_ARG_ENV_LEN - 3][..], b"..."].concat()
    );
    assert!(exec.args_truncated);
}

#[test]
fn killed_process_reports_the_signal() {
    let Some(mut probe) = load_or_skip(&ProbeConfig::default()) else {
        return;
    };
    let mut child = Command::new("sleep").arg("30").spawn().expect("sleep");
    let pid = child.id();
    collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| !execs_of(k, pid).is_empty(),
    );
    child.kill().expect("kill");
    child.wait().expect("wait");
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    let exit = exit_of(&events, pid).expect("exit");
    assert_eq!(
        (exit.cause, exit.code, exit.raw_status),
        (ExitCause::Signaled, 9, 9)
    );
    assert!(exit.group_exit);
}

#[test]
fn script_exec_reports_the_script_name_and_the_interpreter_file() {
    let Some(mut probe) = load_or_skip(&ProbeConfig::default()) else {
        return;
    };
    let dir = tempdir("script");
    let script = dir.join("hello.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").expect("script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let pid = run(&mut Command::new(&script));
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    let exec = execs_of(&events, pid)[0];
    assert_eq!(exec.filename, script.as_os_str().as_bytes());
    assert_eq!(exec.interpreter_path.as_deref(), Some(&b"/bin/sh"[..]));
    // On 6.x bprm->file is the interpreter and the script's file is already released.
    assert_file_is(exec.file.as_ref().expect("file"), Path::new("/bin/sh"));
    assert_eq!(exec.executable, None);
    assert_eq!(
        strings(&exec.args),
        [
            String::from("/bin/sh"),
            script.to_string_lossy().into_owned()
        ]
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn thread_creation_is_a_fork_with_is_thread() {
    let Some(mut probe) = load_or_skip(&ProbeConfig::default()) else {
        return;
    };
    let me = std::process::id();
    // SAFETY: gettid has no preconditions.
    let tid = std::thread::spawn(|| unsafe { libc::gettid() } as u32)
        .join()
        .expect("thread");
    let events = collect(
        &mut probe,
        |e| matches!(e, RawEvent::Fork(f) if f.child_tid == tid),
        |k| !k.is_empty(),
    );
    let RawEvent::Fork(fork) = &events[0] else {
        unreachable!()
    };
    assert_eq!(
        (fork.parent.pid, fork.child_pid, fork.child_tid),
        (me, me, tid)
    );
    assert!(fork.is_thread);
    assert_ne!(fork.clone_flags & libc::CLONE_THREAD as u64, 0);
}

const PYTHON_EXIT_FROM_THREAD: &str = "import os, threading, time\n\
def work():\n    print(threading.get_native_id(), flush=True)\n    os._exit(5)\n\
threading.Thread(target=work).start()\ntime.sleep(30)\n";

#[test]
fn exit_group_from_a_thread_is_one_exit_of_the_process() {
    let Some(mut probe) = load_or_skip(&ProbeConfig::default()) else {
        return;
    };
    let child = Command::new("python3")
        .args(["-c", PYTHON_EXIT_FROM_THREAD])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is needed");
    let pid = child.id();
    let output = child.wait_with_output().expect("wait");
    let thread_tid: u32 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("tid printed");
    assert_eq!(output.status.code(), Some(5));
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    let fork = events
        .iter()
        .find_map(|e| match e {
            RawEvent::Fork(f) if f.child_tid == thread_tid => Some(f),
            _ => None,
        })
        .expect("thread creation");
    assert!(fork.is_thread);
    assert_eq!((fork.parent.pid, fork.child_pid), (pid, pid));
    let exits: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, RawEvent::Exit(_)))
        .collect();
    assert_eq!(exits.len(), 1, "{exits:#?}");
    let exit = exit_of(&events, pid).expect("exit of the process");
    assert_eq!((exit.cause, exit.code), (ExitCause::Exited, 5));
    assert!(exit.group_exit);
}

const PYTHON_EXEC_FROM_THREAD: &str = "import os, threading, time\n\
threading.Thread(target=lambda: os.execv('/bin/sh', ['sh', '-c', 'exit 7'])).start()\ntime.sleep(30)\n";

#[test]
fn exec_from_a_thread_replaces_the_leader_without_an_exit() {
    let Some(mut probe) = load_or_skip(&ProbeConfig::default()) else {
        return;
    };
    let pid = run(Command::new("python3").args(["-c", PYTHON_EXEC_FROM_THREAD]));
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    let execs = execs_of(&events, pid);
    let shell = execs
        .iter()
        .find(|e| e.process.comm == b"sh")
        .expect("exec of sh");
    assert_ne!(shell.old_tid, pid, "the exec came from a non-leader thread");
    assert_eq!(
        shell.process.tid, pid,
        "after de_thread the exec'ing thread has the leader's pid"
    );
    let exits: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, RawEvent::Exit(_)))
        .collect();
    assert_eq!(
        exits.len(),
        1,
        "only the final exit, not the replaced leader's: {exits:#?}"
    );
    assert_eq!(
        exit_of(&events, pid).map(|x| (x.cause, x.code)),
        Some((ExitCause::Exited, 7))
    );
}

#[test]
fn excluded_pids_and_disabled_types_produce_nothing() {
    let me = std::process::id();
    let config = ProbeConfig {
        excluded_pids: vec![me],
        ..ProbeConfig::default()
    };
    let Some(mut probe) = load_or_skip(&config) else {
        return;
    };
    let pid = run(Command::new("/bin/sh").args(["-c", "exit 0"]));
    let events = collect(
        &mut probe,
        |e| concerns(e, pid) || e.process().pid == me,
        |k| exit_of(k, pid).is_some(),
    );
    assert!(
        !execs_of(&events, pid).is_empty(),
        "the child is not excluded"
    );
    assert!(
        events.iter().all(|e| e.process().pid != me),
        "our own fork was excluded: {events:#?}"
    );

    probe.set_enabled(EventTypes::EXIT).expect("set_enabled");
    let pid = run(Command::new("/bin/sh").args(["-c", "exit 0"]));
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    assert!(
        events.iter().all(|e| matches!(e, RawEvent::Exit(_))),
        "{events:#?}"
    );

    probe.set_enabled(EventTypes::all()).expect("set_enabled");
    let other = run(Command::new("/bin/sh").args(["-c", "exit 0"]));
    probe.exclude_pid(other).expect("exclude");
    let pid = run(Command::new("/bin/sh").args(["-c", "exit 0"]));
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    assert_eq!(execs_of(&events, pid).len(), 1);
}

#[test]
fn cgroup_path_and_id_match_the_cgroup_filesystem() {
    let Some(mut probe) = load_or_skip(&ProbeConfig::default()) else {
        return;
    };
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    let root = mountinfo
        .lines()
        .find(|l| {
            l.split(" - ")
                .nth(1)
                .is_some_and(|r| r.starts_with("cgroup2 "))
        })
        .and_then(|l| l.split(' ').nth(4))
        .map(PathBuf::from)
        .expect("a cgroup2 mount");
    let name = format!("vigil-probe-test-{}", std::process::id());
    let cgroup = root.join(&name);
    std::fs::create_dir(&cgroup).expect("create cgroup");
    let procs =
        std::ffi::CString::new(cgroup.join("cgroup.procs").as_os_str().as_bytes()).expect("path");
    let mut command = Command::new("/bin/sh");
    command.args(["-c", "exit 0"]);
    // SAFETY: the closure only calls async-signal-safe functions (open, write, close).
    unsafe {
        command.pre_exec(move || {
            let fd = libc::open(procs.as_ptr(), libc::O_WRONLY);
            if fd < 0 || libc::write(fd, b"0".as_ptr().cast(), 1) != 1 {
                return Err(std::io::Error::last_os_error());
            }
            libc::close(fd);
            Ok(())
        });
    }
    let pid = run(&mut command);
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    let exec = execs_of(&events, pid)[0];
    let cgroup_ino = std::fs::metadata(&cgroup)
        .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
        .expect("stat cgroup");
    std::fs::remove_dir(&cgroup).expect("remove cgroup");
    assert_eq!(exec.cgroup_path, format!("/{name}").as_bytes());
    assert!(!exec.cgroup_path_truncated);
    assert_eq!(exec.process.cgroup_id, cgroup_ino);
}
