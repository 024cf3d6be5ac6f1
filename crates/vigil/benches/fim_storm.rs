//! The FIM storm of issue #5, against the real `vigil start` process: N openat+close of an
//! existing file (default 1,000,000; `VIGIL_STORM_N`) timed without Vigil, with `vigil start`
//! running the project's default policy, and with a policy whose one open rule matches nothing
//! in the storm — each with the kernel approvers derived from the rules, and again with
//! `--no-approvers` to show what the in-kernel filtering saves. Prints wall times, slowdown
//! ratios and the kernel events Vigil handled. Needs root (eBPF).
//! Run: `cargo bench -p vigil --bench fim_storm`.

use std::ffi::CString;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::{Duration, Instant};

fn open_storm(path: &CString, n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        // SAFETY: a valid NUL-terminated path; the fd is closed at once.
        unsafe {
            let fd = libc::openat(libc::AT_FDCWD, path.as_ptr(), libc::O_RDONLY);
            assert!(fd >= 0, "openat failed");
            libc::close(fd);
        }
    }
    start.elapsed()
}

/// A running `vigil start`, ready (its start-up summary printed).
struct Vigil {
    child: Child,
    stderr: BufReader<ChildStderr>,
    summary: String,
}

impl Vigil {
    fn start(dir: &Path, args: &[&str]) -> Vigil {
        let data_dir = dir.join(format!("data-{}", args.join("_").replace(['/', '.'], "")));
        let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
            .arg("start")
            .arg("--output")
            .arg("/dev/null")
            .arg("--data-dir")
            .arg(&data_dir)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn vigil start");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut summary = String::new();
        loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).expect("read vigil stderr") == 0 {
                panic!("vigil start exited before it was ready:\n{summary}");
            }
            summary.push_str(&line);
            if line.starts_with("  backend") {
                break;
            }
        }
        Vigil {
            child,
            stderr,
            summary,
        }
    }

    /// SIGINT, then the final line (`vigil stopped: N kernel events, ...`).
    fn stop(mut self) -> String {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let mut rest = String::new();
        self.stderr
            .read_to_string(&mut rest)
            .expect("read vigil stderr");
        let status = self.child.wait().expect("wait vigil");
        assert!(status.success(), "vigil exited with {status}:\n{rest}");
        rest.lines()
            .find(|l| l.starts_with("vigil stopped"))
            .unwrap_or("(no final line)")
            .to_string()
    }
}

fn main() {
    let n: u64 = std::env::var("VIGIL_STORM_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("vigil-fim-storm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let target: PathBuf = dir.join("storm-target");
    std::fs::write(&target, b"x").expect("target");
    let path = CString::new(target.as_os_str().as_bytes()).expect("path");
    let no_match = dir.join("no-match.policy");
    std::fs::write(
        &no_match,
        "version: 1.0.0\nrules:\n  - id: never_in_storm\n    expression: open.file.path == \"/etc/vigil-storm-never-opened\"\n",
    )
    .expect("policy");
    let no_match_arg = no_match.to_str().expect("utf-8 temp dir");

    let scenarios: [(&str, Vec<&str>); 4] = [
        ("default policy", vec![]),
        ("default policy, --no-approvers", vec!["--no-approvers"]),
        (
            "no-match policy",
            vec!["--no-default-policy", "--policy", no_match_arg],
        ),
        (
            "no-match policy, --no-approvers",
            vec![
                "--no-default-policy",
                "--policy",
                no_match_arg,
                "--no-approvers",
            ],
        ),
    ];
    let before = open_storm(&path, n);
    let mut results = Vec::new();
    for (name, args) in &scenarios {
        let vigil = Vigil::start(&dir, args);
        let filters: Vec<&str> = vigil
            .summary
            .lines()
            .filter(|l| l.contains("kernel filter") && l.contains("open:"))
            .collect();
        let filter = filters.first().map_or("", |l| l.trim()).to_string();
        let t = open_storm(&path, n);
        let stopped = vigil.stop();
        results.push((name, t, filter, stopped));
    }
    let after = open_storm(&path, n);
    let base = (before + after) / 2;
    println!("FIM storm: {n} × openat(O_RDONLY)+close of an existing file");
    println!(
        "  without vigil: {:.3} s ({:.3} s before, {:.3} s after)",
        base.as_secs_f64(),
        before.as_secs_f64(),
        after.as_secs_f64()
    );
    for (name, t, filter, stopped) in results {
        println!(
            "  vigil start, {name:<32}: {:.3} s  ratio {:.2}",
            t.as_secs_f64(),
            t.as_secs_f64() / base.as_secs_f64()
        );
        println!("      {filter}");
        println!("      {stopped}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
