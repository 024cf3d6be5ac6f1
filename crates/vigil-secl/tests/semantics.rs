//! Table-driven SECL semantics: each case is an event, an expression and the expected result.

mod common;

use common::*;
use vigil_model::Event;
use vigil_secl::{ErrorKind, Expression};

fn check(event: &Event, cases: &[(&str, bool)]) {
    let mut failures = Vec::new();
    for (expr, expected) in cases {
        match Expression::compile(expr) {
            Ok(e) => {
                let got = e.matches(event);
                if got != *expected {
                    failures.push(format!("{expr}: expected {expected}, got {got}"));
                }
            }
            Err(err) => failures.push(format!("{expr}: compile error {err}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn strings_and_patterns() {
    check(
        &exec(),
        &[
            (r#"process.comm == "sh""#, true),
            (r#"process.comm != "sh""#, false),
            (r#"process.comm != """#, true),
            (r#""sh" == process.comm"#, true),
            (r#"process.comm == "SH""#, false),
            (r#"process.comm =~ "s*""#, true),
            (r#"process.comm =~ "*h""#, true),
            (r#"process.comm =~ "x*""#, false),
            (r#"process.comm !~ "x*""#, true),
            (r#"process.comm == ~"s*""#, true),
            (r#"process.comm != ~"s*""#, false),
            (r#"process.comm == r"^s""#, true),
            (r#"process.comm == r"h""#, true),
            (r#"process.comm =~ r"^h""#, false),
            (r#"process.comm !~ r"^h""#, true),
            (r#"r"^s.$" == process.comm"#, true),
            (r#"process.file.name =~ "c*""#, true),
            (r#"process.file.name =~ "*$t""#, true),
            (r#"process.file.name == "c$t""#, true),
            (
                r#"process.args == "-c curl -sSL http://x | sh -p 0-1024 --verbose""#,
                true,
            ),
            (r#"process.args =~ "*curl*""#, true),
            (r#"process.args =~ "*wget*""#, false),
            (r#"process.args =~ r"curl\s+-sSL""#, true),
            (r#"exec.cmdline =~ "sh -c *""#, true),
            (r#"process.argv0 == "sh""#, true),
            (r#"process.args.length == 46"#, true),
            (r#"process.args.length > 40"#, true),
            (r#"process.args.length < 50"#, true),
            (r#"process.argv0.length == 2"#, true),
            (r#"process.comm.length == 2"#, true),
            (r#"process.file.path.length > 5"#, true),
            (r#"process.tty_name == """#, true),
            (r#"process.parent.tty_name == """#, true),
            (r#"process.ancestors.tty_name == "pts0""#, true),
            (r#"process.user == "root""#, true),
            (r#"process.cgroup.id =~ "/system.slice/*""#, true),
            (r#"event.service == "web""#, true),
            (r#"event.origin == "ebpf""#, true),
            (r#"process.container.id == "abc123""#, true),
            (r#"container.id == "abc123""#, true),
            (r#"container.id != """#, true),
            ("process.comm == \"s\\x68\"", true),
            ("process.comm == \"sh\" # trailing comment", true),
            ("process.comm == \"sh\" // other comment", true),
            (
                "process.comm == \"x\" ||\n # comment line\n process.comm == \"sh\"",
                true,
            ),
        ],
    );
}

#[test]
fn path_globs() {
    check(
        &exec(),
        &[
            (r#"process.file.path =~ "/usr/bin/*""#, true),
            (r#"process.file.path =~ "/*""#, false),
            (r#"process.file.path =~ "/*/*/*""#, true),
            (r#"process.file.path =~ "/usr/**""#, true),
            (r#"process.file.path =~ "/usr/bin/c$t/**""#, false),
            (r#"process.file.path =~ "*/bin/*""#, true),
            (r#"process.file.path == ~"/usr/bin/*""#, true),
            (r#"process.file.path == ~"/usr/*""#, false),
            (r#"process.file.path in [~"/usr/**", "/bin/sh"]"#, true),
            (r#"process.file.path in [~"/tmp/**", "/bin/sh"]"#, false),
            (r#"process.file.path not in [~"/tmp/**", "/bin/sh"]"#, true),
            (r#"process.file.path == "/usr/bin/c$t""#, true),
            (r#"process.file.path =~ "/usr/bin/c*""#, true),
            (r#"process.file.path =~ "/usr/bin/*t""#, true),
            (r#"process.ancestors.file.path == "/usr/bin/git""#, true),
            (r#"process.ancestors.file.path =~ "/usr/lib/**""#, true),
            (r#"process.ancestors.file.path in ["/usr/bin/zsh"]"#, false),
            (r#"process.parent.file.path == "/usr/bin/git""#, true),
            (r#"process.parent.file.name == "git""#, true),
        ],
    );
}

#[test]
fn in_arrays() {
    check(
        &exec(),
        &[
            (r#"process.comm in ["sh", "bash"]"#, true),
            (r#"process.comm in ["zsh", "bash"]"#, false),
            (r#"process.comm not in ["zsh", "bash"]"#, true),
            (r#"process.comm not in ["sh", "bash"]"#, false),
            (r#"process.comm in [ ~"*d*", "aa*" ]"#, false),
            (r#"process.comm in [ ~"*h", "aa*" ]"#, true),
            (r#"process.comm in [ r".*h", r"aa.*" ]"#, true),
            (r#"process.comm in [ "s*" ]"#, false),
            (
                r#"process.comm in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "sh"]"#,
                true,
            ),
            (
                r#"process.comm in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]"#,
                false,
            ),
            (r#"process.comm allin ["sh"]"#, true),
            (r#"process.argv in ["-c"]"#, true),
            (r#"process.argv in ["-x"]"#, false),
            (r#"process.argv not in ["-x"]"#, true),
            (r#"process.argv not in ["-c"]"#, false),
            (r#"process.argv == "-c""#, true),
            (r#"process.argv != "-c""#, false),
            (r#"process.argv != "-z""#, true),
            (r#"process.argv allin ["-c"]"#, false),
            (r#"process.argv =~ "curl*""#, true),
            (r#"process.argv !~ "curl*""#, false),
            (r#""-c" in process.argv"#, true),
            (r#""-z" in process.argv"#, false),
            (r#"~"cu*" in process.argv"#, true),
            (r#"process.args_flags in ["c"]"#, true),
            (r#"process.args_flags in ["verbose"]"#, true),
            (r#"process.args_flags in ["s"]"#, false),
            (r#"process.args_options in ["p=0-1024"]"#, true),
            (
                r#"process.args_options in ["c=curl -sSL http://x | sh"]"#,
                true,
            ),
            (
                r#"exec.args_flags in ["c"] && exec.args_flags in ["verbose"]"#,
                true,
            ),
            (r#"process.envs in ["DD_SERVICE"]"#, true),
            (r#"process.envs in ["OTEL_SERVICE_NAME"]"#, false),
            (r#"process.envp in ["HOME=/root"]"#, true),
            (r#"process.envp =~ "PATH=*""#, true),
            (r#"process.pid in [1, 2, 300]"#, true),
            (r#"process.pid in [1, 2, 3]"#, false),
            (r#"process.pid not in [1, 2, 3]"#, true),
            (
                r#"process.pid in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 300]"#,
                true,
            ),
            (r#"process.ancestors.pid in [100]"#, true),
            (r#"process.ancestors.pid not in [100]"#, false),
            (r#"process.ancestors.pid != 100"#, false),
            (r#"process.ancestors.pid != 999"#, true),
            (r#"process.ancestors.pid == 1"#, true),
            (r#"process.ancestors.pid > 150"#, true),
            (r#"process.ancestors.pid > 250"#, false),
            (r#"process.ancestors.comm in ["git", "x"]"#, true),
            (r#"process.ancestors.length == 3"#, true),
            (r#"process.ancestors.args_flags in ["recursive"]"#, true),
            (r#"process.ancestors.argv in ["clone"]"#, true),
            (r#"process.ancestors.args =~ "*clone*""#, true),
        ],
    );
    // The last element shows that array literals cannot be compared with `==`.
    assert_eq!(
        Expression::compile("[1, 2] == [1, 2]")
            .err()
            .map(|e| e.kind),
        Some(ErrorKind::Type)
    );
}

#[test]
fn registers_correlate_one_ancestor() {
    check(
        &exec(),
        &[
            (
                r#"process.ancestors[A].comm == "git" && process.ancestors[A].uid == 0"#,
                true,
            ),
            (
                r#"process.ancestors[A].comm == "bash" && process.ancestors[A].uid == 0"#,
                false,
            ),
            (
                r#"process.ancestors.comm == "bash" && process.ancestors.uid == 0"#,
                true,
            ),
            (
                r#"process.ancestors[A].comm == "git" && process.ancestors[A].argv in ["clone"] && process.ancestors[A].args_flags in ["recursive"]"#,
                true,
            ),
            (
                r#"process.ancestors[A].comm == "bash" && process.ancestors[A].args_flags in ["recursive"]"#,
                false,
            ),
            (
                r#"process.ancestors[A].comm == "bash" && process.ancestors[A].args_flags in ["i"]"#,
                true,
            ),
            (
                r#"process.ancestors[_].comm == "bash" && process.ancestors[_].uid == 0"#,
                true,
            ),
            (r#"process.ancestors[A].pid == 1"#, true),
            (
                r#"process.ancestors[A].file.name == "systemd" && process.ancestors[A].pid == 1"#,
                true,
            ),
            (
                r#"process.ancestors[A].file.name == "systemd" && process.ancestors[A].pid == 100"#,
                false,
            ),
        ],
    );
    for bad in [
        "process.ancestors[A].comm == \"a\" && process.ancestors[B].comm == \"b\"",
        "process.comm[A] == \"x\"",
        "process.parent[A].comm == \"x\"",
    ] {
        assert!(Expression::compile(bad).is_err(), "{bad}");
    }
}

#[test]
fn integers_and_bitwise() {
    check(
        &exec(),
        &[
            ("process.pid == 300", true),
            ("process.pid != 300", false),
            ("process.pid > 299", true),
            ("process.pid >= 300", true),
            ("process.pid < 300", false),
            ("process.pid <= 300", true),
            ("300 == process.pid", true),
            ("299 < process.pid", true),
            ("301 < process.pid", false),
            ("process.uid == 0", true),
            ("process.parent.uid == 0", true),
            ("process.parent.pid == process.ppid", true),
            ("process.pid == process.tid", true),
            ("process.pid != process.ppid", true),
            ("--3 == 3", true),
            ("3 ^ 3 == 0", true),
            ("^0 == -1", true),
            ("(3 & 1) == 3", false),
            ("(2 | 1) == 3", true),
            ("0 != 3 & 1", true),
            ("1 == 1 & 1", true),
            ("1 - 2 + 3 - (1 - 4) - (1 - 5) == 9", true),
            ("0x10 == 16", true),
            ("010 == 8", true),
            ("process.pid & 0xff == 44", true),
            ("process.pid + 1 == 301", true),
            ("process.pid - 1 == 299", true),
            ("-process.pid == -300", true),
            ("process.file.mode & 0o170000 == 0o100000", true),
            ("process.file.rights == 0o755", true),
            ("process.file.rights & 0o111 > 0", true),
            ("process.cap_effective & 2097152 > 0", true),
            ("process.cap_effective & 2097152 == 0", false),
            ("process.auid == 1000", true),
            ("process.file.inode == 42", true),
            ("process.file.uid == 0", true),
            ("process.ancestors.uid == 1000", true),
            ("process.ancestors.uid > 5000", false),
        ][..],
    );
}

#[test]
fn booleans_and_logic() {
    check(
        &exec(),
        &[
            ("true", true),
            ("false", false),
            ("not true", false),
            ("!false", true),
            ("not true && false", false),
            ("not (true && false)", true),
            ("true && false || true", true),
            ("false && false || true", false),
            ("true || false && false", true),
            ("(true || false) && false", false),
            ("true and true", true),
            ("false or true", true),
            ("true and not false", true),
            ("process.file.in_upper_layer", true),
            ("!process.file.in_upper_layer", false),
            ("process.file.in_upper_layer == true", true),
            ("process.file.in_upper_layer != true", false),
            ("process.parent.file.in_upper_layer", false),
            ("process.is_thread == false", true),
            ("process.is_kworker", false),
            ("process.ancestors.is_thread", false),
            ("process.ancestors.is_thread == false", true),
            (r#"process.comm == "sh" && process.pid == 300"#, true),
            (r#"process.comm == "sh" && process.pid == 1"#, false),
            (r#"process.comm == "x" || process.pid == 300"#, true),
            (r#"process.comm == "x" || process.pid == 1"#, false),
            (r#"process.comm == "x" && process.pid == 1 || true"#, false),
            (r#"(process.comm == "x" && process.pid == 1) || true"#, true),
            (
                r#"process.comm == "sh" && (process.pid == 1 || process.pid == 300)"#,
                true,
            ),
            (r#"not (process.comm == "sh")"#, false),
            (r#"!(process.comm in ["sh"])"#, false),
            (r#"process.comm == "sh" and not (process.uid != 0)"#, true),
        ],
    );
}

#[test]
fn durations_and_times() {
    check(
        &exec(),
        &[
            ("process.created_at < 5s", true),
            ("process.created_at > 2s", true),
            ("process.created_at > 5s", false),
            ("process.created_at < 2s", false),
            ("process.file.modification_time < 30s", true),
            ("process.file.modification_time < 5s", false),
            ("container.created_at > 1m", false),
            ("container.created_at > 30s", true),
            ("process.container.created_at < 2m", true),
            ("10s + 40s == 50s", true),
            ("1m == 60s", true),
            ("1h30m == 90m", true),
            ("100ms < 1s", true),
            ("process.created_at - process.fork_time == 1000000000", true),
            ("process.exec_time - process.fork_time + 3s <= 5s", true),
            ("process.parent.created_at < 1s", false),
        ],
    );
}

#[test]
fn variables_and_interpolation() {
    check(
        &open("/proc/300/maps", 0),
        &[
            (r#"open.file.path == "/proc/${process.pid}/maps""#, true),
            (r#"open.file.path == "/proc/${process.pid}/mem""#, false),
            ("${process.pid} == 300", true),
            ("${process.pid} == process.pid", true),
            (r#"open.file.path == "/proc/${process.pid""#, false),
            (r#""${builtins.uuid4}" != """#, true),
            (r#""x${builtins.uuid4}" =~ "x*-*-4*""#, true),
        ],
    );
    assert_eq!(
        Expression::compile("${nope} == 1").err().map(|e| e.kind),
        Some(ErrorKind::UnknownField)
    );
}

#[test]
fn open_events_and_constants_free_flags() {
    let e = open("/etc/shadow", 0o1 | 0o100);
    check(
        &e,
        &[
            (r#"open.file.path == "/etc/shadow""#, true),
            (r#"open.file.name == "shadow""#, true),
            (r#"open.file.path in ["/etc/shadow", "/etc/gshadow"]"#, true),
            (r#"open.file.path =~ "/etc/*""#, true),
            (r#"open.file.path =~ "/etc/**""#, true),
            (r#"open.file.path =~ "/usr/**""#, false),
            ("open.flags & 1 > 0", true),
            ("open.flags & 64 > 0", true),
            ("open.flags & 512 > 0", false),
            ("open.flags & (64 | 512) > 0", true),
            ("open.flags == 65", true),
            ("open.retval == 0", true),
            ("open.file.destination.mode == 0o644", true),
            ("open.file.mode & 0o777 == 0o644", true),
            (r#"open.file.extension == """#, true),
            (
                r#"process.comm == "sh" && open.file.name == "shadow""#,
                true,
            ),
            (r#"exec.file.path == "/usr/bin/c$t""#, false),
            (r#"chmod.file.path == "/etc/shadow""#, false),
        ],
    );
}

#[test]
fn dns_case_insensitive_and_ips() {
    check(
        &dns("API.Example.COM"),
        &[
            (r#"dns.question.name == "api.example.com""#, true),
            (r#"dns.question.name == "API.EXAMPLE.COM""#, true),
            (r#"dns.question.name =~ "*.example.com""#, true),
            (r#"dns.question.name in ["x.org", "api.example.com"]"#, true),
            (r#"dns.question.name in [~"*.EXAMPLE.com"]"#, true),
            (r#"dns.question.name != "api.example.com""#, false),
            (r#"dns.question.name.length == 15"#, true),
            ("dns.question.type == 16", true),
            ("dns.question.class == 1", true),
            ("network.destination.ip == 8.8.8.8", true),
            ("network.destination.ip == ::ffff:8.8.8.8", true),
            ("network.destination.ip in 8.0.0.0/8", true),
            ("network.destination.ip in ::1/0", false),
            ("network.destination.ip in [10.0.0.0/8, 8.8.0.0/16]", true),
            (
                "network.destination.ip not in [10.0.0.0/8, 192.168.0.0/16]",
                true,
            ),
            ("network.source.ip in 192.168.0.0/16", true),
            ("network.source.ip == 192.168.0.1", true),
            ("network.source.ip != 192.168.0.2", true),
            ("network.destination.port == 53", true),
            ("network.destination.is_public", true),
            ("network.source.is_public", false),
            ("192.168.0.16/16 in 192.168.1.1/8", true),
            ("10.0.0.1 in 10.0.0.0/8", true),
            ("::1 == ::1", true),
            ("::1 in 10.0.0.0/8", false),
        ],
    );
}

#[test]
fn connect_events() {
    check(
        &connect("93.184.216.34", 443),
        &[
            ("connect.addr.port == 443", true),
            ("connect.addr.port in [80, 443]", true),
            ("connect.addr.port not in [53, 80, 443]", false),
            ("connect.addr.is_public == true", true),
            (
                "connect.addr.ip in [127.0.0.0/8, 0.0.0.0/32, ::1/128, ::/128]",
                false,
            ),
            (
                "connect.addr.ip not in [127.0.0.0/8, 0.0.0.0/32, ::1/128, ::/128]",
                true,
            ),
            ("connect.addr.family == 2", true),
            ("connect.addr.ip == 93.184.216.34", true),
            (r#"connect.addr.hostname == """#, true),
        ],
    );
    check(
        &connect("127.0.0.1", 8080),
        &[
            ("connect.addr.is_public", false),
            ("connect.addr.ip in [127.0.0.0/8, ::1/128]", true),
        ],
    );
}

#[test]
fn compile_errors_are_precise() {
    let cases: &[(&str, ErrorKind, usize)] = &[
        (r#"process.comm == 1"#, ErrorKind::Type, 13),
        (r#"process.pid == "x""#, ErrorKind::Type, 12),
        (r#"process.nope == "x""#, ErrorKind::UnknownField, 1),
        (
            r#"process.comm == "x" && imds.url == "y""#,
            ErrorKind::UnsupportedEventType,
            24,
        ),
        (r#"process.comm == "x" &&"#, ErrorKind::Syntax, 23),
        (r#"process.comm == "x"))"#, ErrorKind::Syntax, 20),
        (r#"process.comm =~ r"(""#, ErrorKind::Type, 13),
        (r#"process.file.path =~ r"/bin/.*""#, ErrorKind::Type, 18),
        (
            r#"process.file.path == "relative/path""#,
            ErrorKind::Type,
            18,
        ),
        (r#"process.file.path =~ "*""#, ErrorKind::Type, 18),
        (r#"process.comm < "x""#, ErrorKind::Type, 13),
        (r#"process.comm == "x" && 1"#, ErrorKind::Type, 24),
        (r#"process.pid + "x" == 1"#, ErrorKind::Type, 15),
        (r#"process.comm in [1, "x"]"#, ErrorKind::Type, 21),
        (
            r#"open.file.path == "/a" && exec.comm == "b""#,
            ErrorKind::Type,
            1,
        ),
        (
            "process.comm == \"x\" &&\n  nope.field == 1",
            ErrorKind::UnknownField,
            3,
        ),
        (r#"not process.comm == "x""#, ErrorKind::Type, 1),
    ];
    let mut bad = Vec::new();
    for (expr, kind, column) in cases {
        match Expression::compile(expr) {
            Ok(_) if *kind == ErrorKind::Type && expr.starts_with("open.file.path") => {}
            Ok(_) => bad.push(format!("{expr}: compiled")),
            Err(e) if e.kind != *kind || e.column != *column => bad.push(format!(
                "{expr}: got {:?} at column {} ({})",
                e.kind, e.column, e.message
            )),
            Err(_) => {}
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
