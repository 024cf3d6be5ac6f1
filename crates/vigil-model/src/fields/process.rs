//! The PROCESS fields, shared by every process reference (`process`, `process.parent`,
//! `process.ancestors`, `exec`, `exit`, `ptrace.tracee...`, `signal.target...`), plus the
//! argument helpers behind `args_flags` / `args_options`.

use super::{row, Getter as G, Row, PLAIN, TIME};
use crate::process::Process;

pub(super) fn rows() -> Vec<Row<Process>> {
    vec![
        row!("pid", G::Int(|p| p.pid.into())),
        row!("ppid", G::Int(|p| p.ppid.into())),
        row!("tid", G::Int(|p| p.tid.into())),
        row!("uid", G::Int(|p| p.credentials.uid.into())),
        row!("gid", G::Int(|p| p.credentials.gid.into())),
        row!("euid", G::Int(|p| p.credentials.euid.into())),
        row!("egid", G::Int(|p| p.credentials.egid.into())),
        row!("fsuid", G::Int(|p| p.credentials.fsuid.into())),
        row!("fsgid", G::Int(|p| p.credentials.fsgid.into())),
        row!("auid", G::Int(|p| p.credentials.auid.into())),
        row!("user", G::Str(|p| &p.credentials.user)),
        row!("group", G::Str(|p| &p.credentials.group)),
        row!("euser", G::Str(|p| &p.credentials.euser)),
        row!("egroup", G::Str(|p| &p.credentials.egroup)),
        row!("fsuser", G::Str(|p| &p.credentials.fsuser)),
        row!("fsgroup", G::Str(|p| &p.credentials.fsgroup)),
        row!(
            "cap_effective",
            G::Int(|p| p.credentials.cap_effective as i64)
        ),
        row!(
            "cap_permitted",
            G::Int(|p| p.credentials.cap_permitted as i64)
        ),
        row!("comm", G::Str(|p| &p.comm)),
        row!("tty_name", G::Str(|p| &p.tty_name)),
        row!("created_at", G::Int(|p| created_at(p) as i64), TIME),
        row!("exec_time", G::Int(|p| p.exec_time as i64), TIME),
        row!("fork_time", G::Int(|p| p.fork_time as i64), TIME),
        row!("exit_time", G::Int(|p| p.exit_time as i64), TIME),
        row!("container.id", G::Str(|p| p.container_id())),
        row!(
            "container.created_at",
            G::Int(|p| p.container.as_ref().map_or(0, |c| c.created_at as i64)),
            TIME
        ),
        row!("cgroup.id", G::Str(|p| &p.cgroup)),
        row!("cgroup.file.inode", G::Int(|_| 0), PLAIN, unfilled),
        row!("cgroup.manager", G::Str(|_| ""), PLAIN, unfilled),
        row!("argv0", G::Str(|p| &p.args.argv0)),
        row!("args", G::Computed(|p| p.args.args.join(" "))),
        row!("argv", G::Strs(|p, f| p.args.args.iter().any(|a| f(a)))),
        row!("args_flags", G::Strs(|p, f| args_flags(&p.args.args, f))),
        row!(
            "args_options",
            G::Strs(|p, f| args_options(&p.args.args, f))
        ),
        row!("args_truncated", G::Bool(|p| p.args.args_truncated)),
        row!("cmdline", G::Computed(cmdline)),
        row!("envs", G::Strs(|p, f| p.args.env_names().any(f))),
        row!("envp", G::Strs(|p, f| p.args.envp.iter().any(|e| f(e)))),
        row!("envs_truncated", G::Bool(|p| p.args.envs_truncated)),
        row!("is_kworker", G::Bool(|p| p.is_kworker)),
        row!("is_thread", G::Bool(|p| p.is_thread)),
        row!("is_exec", G::Bool(|p| p.exec_time != 0)),
        row!("user_session.k8s_username", G::Str(|_| ""), PLAIN, unfilled),
        row!("user_session.k8s_uid", G::Str(|_| ""), PLAIN, unfilled),
        row!(
            "user_session.k8s_groups",
            G::Strs(|_, _| false),
            PLAIN,
            unfilled
        ),
        row!("user_session.id", G::Str(|_| ""), PLAIN, unfilled),
    ]
}

/// The files of a process: its executable and its interpreter.
pub(super) fn files() -> [(&'static str, super::ProcessFileSel); 2] {
    [
        ("file", |p| Some(&p.file)),
        ("interpreter.file", |p| p.interpreter.as_ref()),
    ]
}

/// When the current image started: the exec time, or the fork time for a non-exec'd child.
fn created_at(p: &Process) -> u64 {
    if p.exec_time != 0 {
        p.exec_time
    } else {
        p.fork_time
    }
}

/// `argv0 arg1 arg2...`
fn cmdline(p: &Process) -> String {
    let mut s = p.args.argv0.clone();
    for a in &p.args.args {
        s.push(' ');
        s.push_str(a);
    }
    s
}

/// Visits the flags of an argument list: `-sV` yields `s` and `V`, `--version` yields
/// `version` (`--opt=value` yields `opt`). Stops at `--`.
pub fn args_flags(args: &[String], visit: &mut dyn FnMut(&str) -> bool) -> bool {
    for a in args {
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let name = long.split_once('=').map_or(long, |(n, _)| n);
            if !name.is_empty() && visit(name) {
                return true;
            }
        } else if let Some(short) = a.strip_prefix('-') {
            if short.is_empty() || short.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            for (i, c) in short.char_indices() {
                if visit(&short[i..i + c.len_utf8()]) {
                    return true;
                }
            }
        }
    }
    false
}

/// Visits the options of an argument list: `-p 0-1024` and `--p=0-1024` both yield
/// `p=0-1024`. An option is a dash-prefixed name followed by a non-dash value argument, or a
/// `--name=value` argument. Stops at `--`.
pub fn args_options(args: &[String], visit: &mut dyn FnMut(&str) -> bool) -> bool {
    let mut option = String::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            break;
        }
        let name = a.strip_prefix("--").or_else(|| a.strip_prefix('-'));
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            if name.contains('=') {
                if visit(name) {
                    return true;
                }
            } else if let Some(value) = args.get(i + 1).filter(|v| !v.starts_with('-')) {
                option.clear();
                option.push_str(name);
                option.push('=');
                option.push_str(value);
                if visit(&option) {
                    return true;
                }
                i += 1;
            }
        }
        i += 1;
    }
    false
}
