//! The agent end to end against the real kernel: the probe runs in-process with a test policy,
//! real programs run, and the emitted records are checked field by field and against the spec
//! schema. Filtered on this test's own children (the host produces other events too).
//! Without eBPF privileges the test fails when CI=true and reports itself skipped otherwise.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use vigil_agent::rate_limiter::RateLimit;
use vigil_agent::sink::ChannelSink;
use vigil_agent::{Agent, AgentConfig, AgentError};

const POLICY: &str = r#"
version: 1.0.0
rules:
  - id: test_exec
    description: every exec
    expression: exec.file.name != ""
  - id: test_exit
    description: every exit
    expression: exit.code >= 0
"#;

fn workdir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vigil-agent-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("workdir");
    d
}

/// Starts the agent with the test policy, or explains why not (skip outside CI, fail in CI).
fn start_agent(dir: &Path) -> Option<(Agent, mpsc::Receiver<Vec<u8>>)> {
    let policy = dir.join("test.policy");
    std::fs::write(&policy, POLICY).expect("policy");
    start_agent_with(policy)
}

/// Starts the agent with one policy file and no rate limit.
fn start_agent_with(policy: PathBuf) -> Option<(Agent, mpsc::Receiver<Vec<u8>>)> {
    let (tx, rx) = mpsc::channel();
    let config = AgentConfig {
        default_policy: false,
        policies: vec![policy],
        rate_limit: RateLimit {
            per_second: 1e9,
            burst: u32::MAX,
        },
        // Frequent heartbeats, so that tests see their counters.
        heartbeat: (
            Duration::from_millis(300),
            Duration::from_secs(600),
            u32::MAX,
        ),
        ..AgentConfig::default()
    };
    match Agent::start(config, Box::new(ChannelSink(tx))) {
        Ok(agent) => Some((agent, rx)),
        Err(AgentError::Probe(e)) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("skipped: eBPF sensor unavailable here: {e}");
            None
        }
        Err(e) => panic!("agent failed to start: {e}"),
    }
}

/// Polls the agent until `done` says the collected records suffice, or a deadline passes.
fn collect(
    agent: &mut Agent,
    rx: &mpsc::Receiver<Vec<u8>>,
    records: &mut Vec<Value>,
    wait: Duration,
    done: impl Fn(&[Value]) -> bool,
) {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        agent.poll(Duration::from_millis(50)).expect("poll");
        while let Ok(line) = rx.try_recv() {
            records.push(serde_json::from_slice(&line).expect("record is JSON"));
        }
        if done(records) {
            return;
        }
    }
}

fn of_pid<'a>(records: &'a [Value], name: &str, pid: u32) -> Vec<&'a Value> {
    records
        .iter()
        .filter(|r| r["evt"]["name"] == name && r["process"]["pid"] == pid)
        .collect()
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(vigil_model::EVENT_SCHEMA).expect("schema");
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("compile")
}

fn assert_schema_valid(v: &jsonschema::Validator, record: &Value) {
    let mut doc = record.clone();
    let obj = doc.as_object_mut().expect("object");
    for k in vigil_model::record::ENVELOPE_KEYS {
        assert!(obj.remove(k).is_some(), "envelope key {k}");
    }
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors {errors:?} in {doc}");
}

#[test]
fn agent_reports_real_process_lifecycle() {
    let dir = workdir("lifecycle");
    let Some((mut agent, rx)) = start_agent(&dir) else {
        return;
    };
    let mut records = Vec::new();
    // ruleset_loaded comes first.
    while let Ok(line) = rx.try_recv() {
        records.push(serde_json::from_slice::<Value>(&line).expect("json"));
    }
    assert_eq!(
        records.first().map(|r| r["evt"]["name"].clone()),
        Some(Value::from("ruleset_loaded"))
    );
    assert_eq!(records[0]["ruleset_loaded"]["loaded"], 2);

    let me = std::process::id();
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };

    // 1. A shell script run through sh, exiting with a code.
    let script = dir.join("script.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 3\n").expect("script");
    let sh = Command::new("/bin/sh").arg(&script).status().expect("sh");
    assert_eq!(sh.code(), Some(3));
    // 2. The same script executed directly (#! interpreter).
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let direct = Command::new(&script).spawn().expect("script");
    let direct_pid = direct.id();
    let direct_status = direct.wait_with_output().expect("wait").status;
    assert_eq!(direct_status.code(), Some(3));
    // 3. Many long arguments and environment variables.
    let long_args: Vec<String> = (0..1024)
        .map(|i| format!("{i:04}-{}", "a".repeat(45)))
        .collect();
    let mut many = Command::new("/bin/true");
    many.args(&long_args);
    for i in 0..200 {
        many.env(format!("VIGIL_TEST_ENV_{i}"), "v".repeat(60));
    }
    let many = many.spawn().expect("true");
    let many_pid = many.id();
    many.wait_with_output().expect("wait");
    // 4. Killed by a signal.
    let mut sleeper = Command::new("/bin/sleep").arg("30").spawn().expect("sleep");
    let sleeper_pid = sleeper.id();
    std::thread::sleep(Duration::from_millis(200));
    sleeper.kill().expect("kill");
    assert_eq!(sleeper.wait().expect("wait").signal(), Some(9));

    let sh_pid_exits = |r: &[Value]| {
        of_pid(r, "exit", sleeper_pid).len() == 1
            && of_pid(r, "exit", many_pid).len() == 1
            && of_pid(r, "exit", direct_pid).len() == 1
    };
    collect(
        &mut agent,
        &rx,
        &mut records,
        Duration::from_secs(20),
        sh_pid_exits,
    );
    // Security events follow the spec schema; the agent's own events (category "Vigil":
    // heartbeats arrive every 300 ms here) carry payloads the spec does not define.
    let v = validator();
    let security = records.iter().filter(|r| r["evt"]["category"] != "Vigil");
    assert!(security.clone().count() > 4, "security events");
    for r in security {
        assert_schema_valid(&v, r);
    }

    // The sh run: exec of /bin/sh with the script as argument, then exit 3.
    let sh_execs: Vec<&Value> = records
        .iter()
        .filter(|r| {
            r["evt"]["name"] == "exec"
                && r["process"]["ppid"] == me
                && r["process"]["pid"] != direct_pid
        })
        .filter(|r| r["process"]["args"][0] == script.to_string_lossy().as_ref())
        .filter(|r| r["process"]["argv0"] == "/bin/sh")
        .collect();
    assert_eq!(sh_execs.len(), 1, "one exec of sh with the script");
    let sh_exec = sh_execs[0];
    let sh_pid = sh_exec["process"]["pid"].as_u64().expect("pid") as u32;
    let real_sh = std::fs::canonicalize("/bin/sh").expect("sh");
    let sh_meta = std::fs::metadata(&real_sh).expect("stat sh");
    assert_eq!(sh_exec["file"]["path"], real_sh.to_string_lossy().as_ref());
    assert_eq!(sh_exec["file"]["inode"], sh_meta.ino());
    assert_eq!(sh_exec["process"]["executable"]["inode"], sh_meta.ino());
    assert_eq!(sh_exec["process"]["uid"], uid);
    assert_eq!(sh_exec["process"]["credentials"]["euid"], uid);
    // Parent and ancestors include this test process.
    let ancestors = sh_exec["process"]["ancestors"]
        .as_array()
        .expect("ancestors");
    assert!(
        ancestors.iter().any(|a| a["pid"] == me),
        "ancestors contain the test process"
    );
    assert!(ancestors.iter().any(|a| a["pid"] == 1) || ancestors.len() >= 2);
    assert_eq!(sh_exec["process"]["parent"], ancestors[0]);
    let sh_exit = of_pid(&records, "exit", sh_pid);
    assert_eq!(sh_exit.len(), 1);
    assert_eq!(
        sh_exit[0]["exit"],
        serde_json::json!({"cause": "EXITED", "code": 3})
    );

    // The direct script: the executable is the script, the interpreter is sh.
    let direct_exec = of_pid(&records, "exec", direct_pid);
    assert_eq!(direct_exec.len(), 1);
    let script_meta = std::fs::metadata(&script).expect("stat script");
    assert_eq!(
        direct_exec[0]["process"]["executable"]["path"],
        script.to_string_lossy().as_ref()
    );
    assert_eq!(
        direct_exec[0]["process"]["executable"]["inode"],
        script_meta.ino()
    );
    assert_eq!(
        direct_exec[0]["process"]["interpreter"]["inode"],
        sh_meta.ino()
    );

    // Many arguments: argv0, the first arguments exact, truncation flagged.
    let many_exec = of_pid(&records, "exec", many_pid);
    assert_eq!(many_exec.len(), 1);
    let p = &many_exec[0]["process"];
    assert_eq!(p["argv0"], "/bin/true");
    assert_eq!(p["args"][0], long_args[0].as_str());
    assert_eq!(p["args"][1], long_args[1].as_str());
    assert_eq!(p["args_truncated"], true);
    assert!(p["args"].as_array().expect("args").len() < 1024);
    assert!(p["envs"]
        .as_array()
        .expect("envs")
        .iter()
        .any(|e| e == "VIGIL_TEST_ENV_0"));
    let exit = of_pid(&records, "exit", many_pid);
    assert_eq!(
        exit[0]["exit"],
        serde_json::json!({"cause": "EXITED", "code": 0})
    );

    // Killed by SIGKILL.
    let killed = of_pid(&records, "exit", sleeper_pid);
    assert_eq!(
        killed[0]["exit"],
        serde_json::json!({"cause": "SIGNALED", "code": 9})
    );
    assert_eq!(killed[0]["process"]["ppid"], me);

    // Agent's own activity is excluded: nothing was reported for this very process's exec.
    assert!(records
        .iter()
        .all(|r| r["process"]["pid"] != me || r["evt"]["name"] == "ruleset_loaded"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn multi_threaded_process_exits_once() {
    let dir = workdir("threads");
    let Some((mut agent, rx)) = start_agent(&dir) else {
        return;
    };
    // Debian's interpreter directly (a pyenv shim would exec several times).
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let Ok(child) = Command::new(python)
        .args(["-c", "import threading,time\nts=[threading.Thread(target=time.sleep,args=(0.2,)) for _ in range(4)]\n[t.start() for t in ts]\n[t.join() for t in ts]\n"])
        .spawn()
    else {
        eprintln!("skipped: python3 not available");
        return;
    };
    let pid = child.id();
    assert!(child.wait_with_output().expect("wait").status.success());
    let mut records = Vec::new();
    collect(
        &mut agent,
        &rx,
        &mut records,
        Duration::from_secs(20),
        |r| of_pid(r, "exit", pid).len() == 1,
    );
    // Give late thread exits a chance to (wrongly) show up.
    collect(
        &mut agent,
        &rx,
        &mut records,
        Duration::from_secs(1),
        |_| false,
    );
    let exits: HashMap<u32, usize> = records
        .iter()
        .filter(|r| r["evt"]["name"] == "exit")
        .filter_map(|r| r["process"]["pid"].as_u64())
        .fold(HashMap::new(), |mut m, p| {
            *m.entry(p as u32).or_default() += 1;
            m
        });
    let dump: Vec<&Value> = of_pid(&records, "exit", pid);
    assert_eq!(
        exits.get(&pid),
        Some(&1),
        "one exit for the thread group: {dump:#?}"
    );
    let exec = of_pid(&records, "exec", pid);
    let last = exec.last().expect("an exec of the interpreter");
    assert!(last["process"]["argv0"]
        .as_str()
        .expect("argv0")
        .contains("python3"));
}

#[test]
fn agent_reports_file_activity() {
    let dir = workdir("fim");
    let policy = dir.join("fim.policy");
    let d = dir.to_string_lossy();
    std::fs::write(
        &policy,
        format!(
            "version: 1.0.0\nrules:\n  - id: f_open\n    expression: open.file.path =~ \"{d}/**\"\n  - id: f_chmod\n    expression: chmod.file.path =~ \"{d}/**\"\n  - id: f_rename\n    expression: rename.file.destination.path =~ \"{d}/**\"\n  - id: f_unlink\n    expression: unlink.file.path =~ \"{d}/**\"\n  - id: f_mkdir\n    expression: mkdir.file.path =~ \"{d}/**\"\n"
        ),
    )
    .expect("policy");
    let Some((mut agent, rx)) = start_agent_with(policy) else {
        return;
    };
    // A child does the file work (this process is excluded as the agent's own).
    let script =
        format!("cd '{d}' && echo hi > a && chmod 600 a && mkdir sub && mv a sub/b && rm sub/b");
    let child = Command::new("/bin/sh")
        .arg("-c")
        .arg(&script)
        .spawn()
        .expect("sh");
    let pid = child.id();
    assert!(child.wait_with_output().expect("wait").status.success());
    let mut records = Vec::new();
    // The shell's children (chmod, mkdir, mv, rm) do most of the work.
    let of_tree = |r: &[Value], n: &str| -> usize {
        r.iter()
            .filter(|x| {
                x["evt"]["name"] == n && (x["process"]["pid"] == pid || x["process"]["ppid"] == pid)
            })
            .count()
    };
    collect(
        &mut agent,
        &rx,
        &mut records,
        Duration::from_secs(20),
        |r| of_tree(r, "unlink") == 1,
    );
    let v = validator();
    let name = |n: &str| -> Vec<&Value> {
        records
            .iter()
            .filter(|x| {
                x["evt"]["name"] == n && (x["process"]["pid"] == pid || x["process"]["ppid"] == pid)
            })
            .collect()
    };
    let open = name("open");
    assert_eq!(open.len(), 1, "{records:#?}");
    assert_eq!(open[0]["file"]["path"], format!("{d}/a"));
    assert_eq!(
        open[0]["file"]["flags"],
        serde_json::json!(["O_CREAT", "O_TRUNC", "O_WRONLY"])
    );
    let chmod = name("chmod");
    assert_eq!(chmod[0]["file"]["destination"]["mode"], 0o600);
    let rename = name("rename");
    assert_eq!(rename[0]["file"]["path"], format!("{d}/a"));
    assert_eq!(
        rename[0]["file"]["destination"]["path"],
        format!("{d}/sub/b")
    );
    // Path-based variants get their inode from the kernel's dentry cache, even though `rm`
    // removed the file long before the agent saw the events.
    assert_eq!(rename[0]["file"]["inode"], open[0]["file"]["inode"]);
    assert_eq!(
        rename[0]["file"]["destination"]["inode"],
        open[0]["file"]["inode"]
    );
    let mkdir = name("mkdir");
    assert_eq!(mkdir[0]["file"]["path"], format!("{d}/sub"));
    let unlink = name("unlink");
    assert_eq!(unlink[0]["file"]["path"], format!("{d}/sub/b"));
    assert_eq!(unlink[0]["file"]["inode"], open[0]["file"]["inode"]);
    for r in open
        .iter()
        .chain(&chmod)
        .chain(&rename)
        .chain(&mkdir)
        .chain(&unlink)
    {
        assert_eq!(r["evt"]["outcome"], "Success");
        assert_schema_valid(&v, r);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// What the FIM script does, per file base name ("watched" is approved, "ignored" is not); it
/// prints the inodes it measured before each file went away.
const FIM_SCRIPT: &str = r#"
import json, os, sys
os.chdir(sys.argv[1])
ino = {}
for base in ("watched", "ignored"):
    fd = os.open(base, os.O_CREAT | os.O_WRONLY, 0o644)
    os.close(fd)
    ino[base] = os.stat(base).st_ino
    os.chmod(base, 0o600)
    os.chown(base, 1, 1)
    os.utime(base, (1000000000, 1000000000))
    os.setxattr(base, "user.vigil", b"1")
    os.removexattr(base, "user.vigil")
    os.link(base, base + "_link")
    os.rename(base + "_link", base + "_moved")
    os.unlink(base + "_moved")
    os.mkdir(base + "_dir")
    ino[base + "_dir"] = os.stat(base + "_dir").st_ino
    os.rmdir(base + "_dir")
    os.unlink(base)
print(json.dumps(ino))
"#;

/// A FIM policy whose every rule names its file: each of the 11 file types gets kernel
/// approvers, the approved file's operations arrive (relative paths made absolute, exact
/// inodes from the kernel although every file is gone when the agent sees the events), and
/// the other file's are dropped in the kernel.
#[test]
fn fim_policy_with_approvers_reports_every_file_type() {
    let dir = workdir("approvers");
    let policy = dir.join("fim.policy");
    let rules = [
        ("open", "open.file.name == \"watched\""),
        ("chmod", "chmod.file.name == \"watched\""),
        ("chown", "chown.file.path =~ \"/**/watched\""),
        ("utimes", "utimes.file.name == \"watched\""),
        ("setxattr", "setxattr.file.name == \"watched\""),
        ("removexattr", "removexattr.file.name == \"watched\""),
        ("link", "link.file.destination.name == \"watched_link\""),
        (
            "rename",
            "rename.file.destination.name == \"watched_moved\"",
        ),
        ("unlink", "unlink.file.name == \"watched_moved\""),
        ("mkdir", "mkdir.file.name == \"watched_dir\""),
        ("rmdir", "rmdir.file.name == \"watched_dir\""),
    ];
    let mut yaml = String::from("version: 1.0.0\nrules:\n");
    for (t, expr) in rules {
        yaml.push_str(&format!("  - id: fim_{t}\n    expression: '{expr}'\n"));
    }
    std::fs::write(&policy, yaml).expect("policy");
    let Some((mut agent, rx)) = start_agent_with(policy) else {
        return;
    };
    for (t, _) in rules {
        let shown = agent
            .summary()
            .approvers
            .get(t)
            .unwrap_or_else(|| panic!("no kernel filter shown for {t}"));
        assert!(shown.starts_with("basenames watched"), "{t}: {shown}");
    }
    let filtered_before = agent.kernel_filtered().expect("filter counts");
    let out = Command::new("python3")
        .arg("-c")
        .arg(FIM_SCRIPT)
        .arg(&dir)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inodes: HashMap<String, u64> = serde_json::from_slice(&out.stdout).expect("inodes");
    let mut records = Vec::new();
    let d = dir.to_string_lossy().to_string();
    let in_dir = |r: &Value| {
        [&r["file"]["path"], &r["file"]["destination"]["path"]]
            .iter()
            .any(|p| p.as_str().is_some_and(|p| p.starts_with(&d)))
    };
    collect(
        &mut agent,
        &rx,
        &mut records,
        Duration::from_secs(20),
        |r| r.iter().filter(|x| in_dir(x)).count() >= rules.len(),
    );
    // Give stragglers (there must be none) a moment.
    collect(
        &mut agent,
        &rx,
        &mut records,
        Duration::from_millis(500),
        |_| false,
    );
    let ours: Vec<&Value> = records.iter().filter(|r| in_dir(r)).collect();
    let v = validator();
    for r in &ours {
        let paths = format!("{} {}", r["file"]["path"], r["file"]["destination"]["path"]);
        assert!(
            !paths.contains("ignored"),
            "an unapproved file passed the kernel: {} {paths}",
            r["evt"]["name"]
        );
        assert_eq!(
            r["evt"]["outcome"], "Success",
            "{} {paths}",
            r["evt"]["name"]
        );
        assert_schema_valid(&v, r);
    }
    let one = |t: &str| -> &Value {
        let of_type: Vec<&&Value> = ours.iter().filter(|r| r["evt"]["name"] == t).collect();
        let paths: Vec<String> = ours
            .iter()
            .map(|r| format!("{} {}", r["evt"]["name"], r["file"]["path"]))
            .collect();
        assert_eq!(of_type.len(), 1, "{t}: {paths:?}");
        of_type[0]
    };
    let watched = format!("{d}/watched");
    for t in [
        "open",
        "chmod",
        "chown",
        "utimes",
        "setxattr",
        "removexattr",
    ] {
        let r = one(t);
        assert_eq!(r["file"]["path"], watched, "{t}");
        assert_eq!(r["file"]["name"], "watched", "{t}");
        assert_eq!(r["file"]["inode"], inodes["watched"], "{t}");
    }
    for (t, inode) in [
        ("link", "watched"),
        ("rename", "watched"),
        ("unlink", "watched"),
        ("mkdir", "watched_dir"),
        ("rmdir", "watched_dir"),
    ] {
        assert_eq!(one(t)["file"]["inode"], inodes[inode], "{t}");
    }
    assert_eq!(
        one("link")["file"]["destination"]["inode"],
        inodes["watched"]
    );
    assert_eq!(
        one("rename")["file"]["destination"]["inode"],
        inodes["watched"]
    );
    assert_eq!(one("chmod")["file"]["destination"]["mode"], 0o600);
    assert_eq!(one("chown")["file"]["destination"]["uid"], 1);
    assert_eq!(
        one("setxattr")["file"]["destination"]["attribute_name"],
        "user.vigil"
    );
    assert_eq!(
        one("removexattr")["file"]["destination"]["attribute_namespace"],
        "user"
    );
    assert_eq!(one("link")["file"]["path"], watched);
    assert_eq!(
        one("link")["file"]["destination"]["path"],
        format!("{d}/watched_link")
    );
    assert_eq!(one("rename")["file"]["path"], format!("{d}/watched_link"));
    assert_eq!(
        one("rename")["file"]["destination"]["path"],
        format!("{d}/watched_moved")
    );
    assert_eq!(one("unlink")["file"]["path"], format!("{d}/watched_moved"));
    assert_eq!(one("mkdir")["file"]["path"], format!("{d}/watched_dir"));
    assert_eq!(one("rmdir")["file"]["path"], format!("{d}/watched_dir"));
    // The "ignored" twin of every operation was counted as filtered by approvers...
    let filtered_after = agent.kernel_filtered().expect("filter counts");
    for t in &filtered_after.per_type {
        let before = filtered_before.of(t.event_type).approvers;
        assert!(
            t.approvers > before,
            "{}: no event filtered by approvers ({before} → {})",
            t.event_type,
            t.approvers
        );
    }
    // ... and the heartbeat reports those totals.
    let beats = |r: &[Value]| r.iter().filter(|x| x["evt"]["name"] == "heartbeat").count();
    let seen = beats(&records);
    collect(&mut agent, &rx, &mut records, Duration::from_secs(5), |r| {
        beats(r) > seen
    });
    let beat = records
        .iter()
        .rev()
        .find(|x| x["evt"]["name"] == "heartbeat")
        .expect("a heartbeat");
    for t in filtered_after.per_type {
        let reported = beat["heartbeat"]["kernel_filtered"][t.event_type.name()]["approvers"]
            .as_u64()
            .unwrap_or(0);
        assert!(
            reported >= t.approvers,
            "{}: heartbeat says {reported}, counters {}",
            t.event_type,
            t.approvers
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
