//! Event fixtures shared by the model's tests and benches: for every event type a fully
//! populated event and a minimal one, plus schema validation helpers.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use vigil_model::*;

pub const T0: Timestamp = 1_700_000_000_123_456_789;

pub fn file(path: &str, inode: u64) -> File {
    File {
        inode,
        mode: 0o100644,
        in_upper_layer: Some(false),
        mount_id: 27,
        filesystem: "ext4".into(),
        uid: 1000,
        gid: 1000,
        user: "alice".into(),
        group: "staff".into(),
        modification_time: T0 - 5_000_000_000,
        change_time: T0 - 4_000_000_000,
        package_name: "coreutils".into(),
        package_version: "9.1-1".into(),
        ..File::from_path(path)
    }
}

fn creds(uid: u32) -> Credentials {
    Credentials {
        uid,
        gid: uid,
        euid: uid,
        egid: uid,
        fsuid: uid,
        fsgid: uid,
        auid: u32::MAX,
        user: if uid == 0 {
            "root".into()
        } else {
            "alice".into()
        },
        group: if uid == 0 {
            "root".into()
        } else {
            "staff".into()
        },
        euser: if uid == 0 {
            "root".into()
        } else {
            "alice".into()
        },
        egroup: if uid == 0 {
            "root".into()
        } else {
            "staff".into()
        },
        fsuser: if uid == 0 {
            "root".into()
        } else {
            "alice".into()
        },
        fsgroup: if uid == 0 {
            "root".into()
        } else {
            "staff".into()
        },
        cap_effective: if uid == 0 { (1 << 21) | (1 << 0) } else { 0 },
        cap_permitted: if uid == 0 {
            (1 << 21) | (1 << 0) | (1 << 7)
        } else {
            0
        },
    }
}

/// A realistic process tree: systemd(1) → sshd(800) → bash(1200) → [bash fork 1300 → exec'd leaf].
pub fn process_tree(leaf_path: &str, args: &[&str]) -> Arc<Process> {
    let systemd = Arc::new(Process {
        pid: 1,
        tid: 1,
        comm: "systemd".into(),
        fork_time: T0 - 900_000_000_000,
        exec_time: T0 - 900_000_000_000,
        credentials: creds(0),
        file: file("/usr/lib/systemd/systemd", 1001),
        args: Arc::new(ArgsEnvs {
            argv0: "/sbin/init".into(),
            ..ArgsEnvs::default()
        }),
        ..Process::default()
    });
    let sshd = Arc::new(Process {
        pid: 800,
        ppid: 1,
        tid: 800,
        comm: "sshd".into(),
        fork_time: T0 - 800_000_000_000,
        exec_time: T0 - 800_000_000_000,
        credentials: creds(0),
        file: file("/usr/sbin/sshd", 1002),
        args: Arc::new(ArgsEnvs {
            argv0: "sshd".into(),
            args: vec!["-D".into()],
            ..ArgsEnvs::default()
        }),
        ancestor: Some(systemd),
        ..Process::default()
    });
    let bash = Arc::new(Process {
        pid: 1200,
        ppid: 800,
        tid: 1200,
        comm: "bash".into(),
        tty_name: "pts0".into(),
        fork_time: T0 - 60_000_000_000,
        exec_time: T0 - 60_000_000_000,
        credentials: creds(1000),
        file: file("/usr/bin/bash", 1003),
        args: Arc::new(ArgsEnvs {
            argv0: "-bash".into(),
            envp: vec![
                "HOME=/home/alice".into(),
                "PATH=/usr/bin:/bin".into(),
                "LD_PRELOAD=".into(),
            ],
            ..ArgsEnvs::default()
        }),
        ancestor: Some(sshd),
        ..Process::default()
    });
    // The forked copy shares bash's arguments until it execs.
    let fork = Arc::new(Process {
        pid: 1300,
        ppid: 1200,
        tid: 1300,
        fork_time: T0 - 1_000_000,
        args: bash.args.clone(),
        ancestor: Some(bash.clone()),
        ..(*bash).clone()
    });
    Arc::new(Process {
        pid: 1300,
        ppid: 1200,
        tid: 1300,
        comm: crate::common::basename(leaf_path).into(),
        tty_name: "pts0".into(),
        fork_time: T0 - 1_000_000,
        exec_time: T0 - 500_000,
        credentials: creds(1000),
        file: file(leaf_path, 2001),
        interpreter: None,
        container: Some(ContainerContext {
            id: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(),
            created_at: T0 - 3_600_000_000_000,
        }),
        cgroup: "/system.slice/docker-0123.scope".into(),
        args: Arc::new(ArgsEnvs {
            argv0: args.first().copied().unwrap_or("").into(),
            args: args.iter().skip(1).map(|a| a.to_string()).collect(),
            args_truncated: true,
            envp: vec!["HOME=/home/alice".into(), "TERM=xterm".into()],
            envs_truncated: true,
        }),
        is_thread: false,
        ancestor: Some(fork),
        ..Process::default()
    })
}

pub fn basename(p: &str) -> &str {
    vigil_model::file::basename(p)
}

/// A minimal process: pid 1 with no parent and nothing optional set.
pub fn minimal_process() -> Arc<Process> {
    Arc::new(Process {
        pid: 1,
        tid: 1,
        ..Process::default()
    })
}

fn full_payload(ty: EventType, process: &Arc<Process>) -> EventData {
    use EventType as T;
    let f = || file("/etc/shadow", 4242);
    match ty {
        T::Exec => EventData::Exec,
        T::Fork => EventData::Fork,
        T::Exit => EventData::Exit(ExitEvent {
            cause: ExitCause::Signaled,
            code: 9,
        }),
        T::Open => EventData::Open(OpenEvent {
            file: f(),
            flags: 0o100 | 0o1 | 0o1000 | 0o2000000 | 0x4000_0000,
            mode: 0o600,
        }),
        T::Chmod => EventData::Chmod(ChmodEvent {
            file: f(),
            mode: 0o4755,
        }),
        T::Chown => EventData::Chown(ChownEvent {
            file: f(),
            uid: 0,
            gid: -1,
            user: "root".into(),
            group: String::new(),
        }),
        T::Link => EventData::Link(LinkEvent {
            source: f(),
            target: file("/tmp/shadow-link", 4242),
        }),
        T::Rename => EventData::Rename(RenameEvent {
            old: f(),
            new: file("/tmp/shadow.bak", 4242),
        }),
        T::Unlink => EventData::Unlink(UnlinkEvent {
            file: f(),
            flags: 0x200,
        }),
        T::Mkdir => EventData::Mkdir(MkdirEvent {
            file: file("/tmp/new dir\nwith newline", 77),
            mode: 0o755,
        }),
        T::Rmdir => EventData::Rmdir(RmdirEvent {
            file: file("/tmp/old", 78),
        }),
        T::Utimes => EventData::Utimes(UtimesEvent {
            file: f(),
            atime: T0 - 10,
            mtime: 946_684_800_000_000_000,
        }),
        T::SetXattr => EventData::SetXattr(XattrEvent {
            file: f(),
            name: "security.selinux".into(),
            namespace: "security".into(),
        }),
        T::RemoveXattr => EventData::RemoveXattr(XattrEvent {
            file: f(),
            name: "user.comment".into(),
            namespace: "user".into(),
        }),
        T::Mount => EventData::Mount(MountEvent {
            mount_id: 300,
            group_id: 2,
            parent_mount_id: 27,
            bind_src_mount_id: 0,
            device: 0x800001,
            fs_type: "overlay".into(),
            mountpoint_path: "/mnt/data".into(),
            source_path: "/dev/sdb1".into(),
            mountpoint_path_error: String::new(),
            source_path_error: String::new(),
            mountpoint: Some(File {
                path: "/mnt/data".into(),
                name: "data".into(),
                inode: 12,
                mount_id: 27,
                ..File::default()
            }),
            root: Some(File {
                path: "/".into(),
                name: "/".into(),
                inode: 2,
                mount_id: 300,
                ..File::default()
            }),
        }),
        T::Umount => EventData::Umount(UmountEvent { mount_id: 300 }),
        T::Bpf => EventData::Bpf(BpfEvent {
            cmd: 5,
            map: Some(BpfMap {
                name: "events".into(),
                map_type: 27,
            }),
            program: Some(BpfProgram {
                name: "handle_exec".into(),
                tag: "a04f5eef06a7f555".into(),
                program_type: 5,
                attach_type: 0,
                helpers: vec![1, 14, 131],
            }),
        }),
        T::Mmap => EventData::Mmap(MmapEvent {
            file: Some(file("/usr/lib/libc.so.6", 555)),
            address: 0x7f12_3456_9000,
            offset: 4096,
            length: 8192,
            protection: 0x1 | 0x4,
            flags: 0x2 | 0x800,
        }),
        T::Mprotect => EventData::Mprotect(MprotectEvent {
            vm_start: 0x7f00_0000_0000,
            vm_end: 0x7f00_0000_2000,
            vm_protection: 0x1 | 0x2,
            req_protection: 0x1 | 0x4,
        }),
        T::Ptrace => EventData::Ptrace(PtraceEvent {
            request: 16,
            pid: 800,
            address: 0xdead_beef,
            tracee: process.ancestors().nth(2).map(|p| Arc::new(p.clone())),
        }),
        T::LoadModule => EventData::LoadModule(LoadModuleEvent {
            name: "evil".into(),
            file: Some(file("/lib/modules/evil.ko", 999)),
            loaded_from_memory: false,
            args: String::new(),
            args_truncated: false,
        }),
        T::UnloadModule => EventData::UnloadModule(UnloadModuleEvent {
            name: "evil".into(),
        }),
        T::Signal => EventData::Signal(SignalEvent {
            signal: 9,
            pid: 800,
            target: process.ancestors().nth(2).map(|p| Arc::new(p.clone())),
        }),
        T::Splice => EventData::Splice(SpliceEvent {
            file: Some(f()),
            pipe_entry_flag: 0x10,
            pipe_exit_flag: 0x10 | 0x1,
        }),
        T::Dns => EventData::Dns(DnsEvent {
            id: 4242,
            question: DnsQuestion {
                name: "Example.COM".into(),
                class: 1,
                qtype: 28,
                size: 45,
                count: 1,
            },
        }),
        T::Bind => EventData::Bind(BindEvent {
            family: 10,
            ip: IpAddr::V6(Ipv6Addr::LOCALHOST),
            port: 8080,
        }),
        T::Setuid => EventData::Setuid(SetuidEvent {
            uid: 0,
            euid: 0,
            fsuid: 0,
            user: "root".into(),
            euser: "root".into(),
            fsuser: "root".into(),
        }),
        T::Setgid => EventData::Setgid(SetgidEvent {
            gid: 0,
            egid: 0,
            fsgid: 0,
            group: "root".into(),
            egroup: "root".into(),
            fsgroup: "root".into(),
        }),
        T::Capset => EventData::Capset(CapsetEvent {
            cap_effective: 1 << 21,
            cap_permitted: (1 << 21) | (1 << 19),
        }),
        T::Selinux => EventData::Selinux(SelinuxEvent {
            file: file("/sys/fs/selinux/booleans/httpd_can_network_connect", 31),
            change: SelinuxChange::Bool {
                name: "httpd_can_network_connect".into(),
                state: "on".into(),
            },
        }),
        T::AnomalyDetectionSyscall => {
            EventData::AnomalyDetectionSyscall(AnomalyDetectionSyscallEvent {
                syscall: "ptrace".into(),
            })
        }
        T::Connect => EventData::Connect(ConnectEvent {
            family: 2,
            ip: IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
            port: 80,
            protocol: 6,
        }),
        T::Accept => EventData::Accept(ConnectEvent {
            family: 10,
            ip: IpAddr::V6(Ipv6Addr::LOCALHOST),
            port: 4444,
            protocol: 6,
        }),
        T::Chdir => EventData::Chdir(ChdirEvent {
            file: file("/root/.ssh", 91),
        }),
        T::Prctl => EventData::Prctl(PrctlEvent {
            option: 15,
            new_name: "kworker/0:1".into(),
            is_name_truncated: false,
        }),
    }
}

fn minimal_payload(ty: EventType) -> EventData {
    use EventType as T;
    match ty {
        T::Exec => EventData::Exec,
        T::Fork => EventData::Fork,
        T::Exit => EventData::Exit(ExitEvent {
            cause: ExitCause::Exited,
            code: 0,
        }),
        T::Open => EventData::Open(OpenEvent::default()),
        T::Chmod => EventData::Chmod(ChmodEvent::default()),
        T::Chown => EventData::Chown(ChownEvent::default()),
        T::Link => EventData::Link(LinkEvent::default()),
        T::Rename => EventData::Rename(RenameEvent::default()),
        T::Unlink => EventData::Unlink(UnlinkEvent::default()),
        T::Mkdir => EventData::Mkdir(MkdirEvent::default()),
        T::Rmdir => EventData::Rmdir(RmdirEvent::default()),
        T::Utimes => EventData::Utimes(UtimesEvent::default()),
        T::SetXattr => EventData::SetXattr(XattrEvent::default()),
        T::RemoveXattr => EventData::RemoveXattr(XattrEvent::default()),
        T::Mount => EventData::Mount(MountEvent::default()),
        T::Umount => EventData::Umount(UmountEvent::default()),
        T::Bpf => EventData::Bpf(BpfEvent::default()),
        T::Mmap => EventData::Mmap(MmapEvent {
            flags: 0x20 | 0x2,
            ..MmapEvent::default()
        }),
        T::Mprotect => EventData::Mprotect(MprotectEvent::default()),
        T::Ptrace => EventData::Ptrace(PtraceEvent::default()),
        T::LoadModule => EventData::LoadModule(LoadModuleEvent {
            loaded_from_memory: true,
            ..LoadModuleEvent::default()
        }),
        T::UnloadModule => EventData::UnloadModule(UnloadModuleEvent::default()),
        T::Signal => EventData::Signal(SignalEvent::default()),
        T::Splice => EventData::Splice(SpliceEvent::default()),
        T::Dns => EventData::Dns(DnsEvent::default()),
        T::Bind => EventData::Bind(BindEvent {
            family: 2,
            ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: 0,
        }),
        T::Setuid => EventData::Setuid(SetuidEvent::default()),
        T::Setgid => EventData::Setgid(SetgidEvent::default()),
        T::Capset => EventData::Capset(CapsetEvent::default()),
        T::Selinux => EventData::Selinux(SelinuxEvent {
            file: File::default(),
            change: SelinuxChange::BoolCommit { state: false },
        }),
        T::AnomalyDetectionSyscall => {
            EventData::AnomalyDetectionSyscall(AnomalyDetectionSyscallEvent::default())
        }
        T::Connect => EventData::Connect(ConnectEvent {
            family: 2,
            ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: 0,
            protocol: 0,
        }),
        T::Accept => EventData::Accept(ConnectEvent {
            family: 2,
            ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: 0,
            protocol: 0,
        }),
        T::Chdir => EventData::Chdir(ChdirEvent::default()),
        T::Prctl => EventData::Prctl(PrctlEvent::default()),
    }
}

/// Event types newer than the spec's schema (they exist so that policies using them load; the
/// sensor does not produce them, and their payload keys are outside the schema).
pub const BEYOND_SCHEMA: [EventType; 3] = [EventType::Connect, EventType::Accept, EventType::Prctl];

/// A fully populated event of type `ty`.
pub fn full_event(ty: EventType) -> Event {
    let process = process_tree("/usr/bin/cat", &["cat", "/etc/shadow", "--number"]);
    let data = full_payload(ty, &process);
    let mut event = Event::new(T0, process, data);
    event.is_async = ty == EventType::Open;
    event.retval = match ty {
        EventType::Open => -13,
        EventType::Unlink => -2,
        _ => 0,
    };
    event.dd = Some(DdContext {
        span_id: 11,
        trace_id: 22,
    });
    event.security_profile = Some(SecurityProfile {
        name: "default".into(),
        status: "auto_suppression".into(),
        version: "v1".into(),
        tags: vec!["image_name:nginx".into()],
    });
    if ty == EventType::Dns {
        event.network = Some(NetworkContext {
            device: Some(NetworkDevice {
                netns: 4026531840,
                ifindex: 2,
                ifname: "eth0".into(),
            }),
            l3_protocol: 0x0800,
            l4_protocol: 17,
            source: IpPort {
                ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)),
                port: 53211,
            },
            destination: IpPort {
                ip: IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)),
                port: 53,
            },
            size: 73,
        });
    }
    event
}

/// A minimal event of type `ty`: nothing optional set.
pub fn minimal_event(ty: EventType) -> Event {
    Event::new(0, minimal_process(), minimal_payload(ty))
}

/// The spec schema, compiled for draft 2020-12 with format validation.
pub fn schema_validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(vigil_model::EVENT_SCHEMA).expect("schema is JSON");
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

/// Validation errors of a document against the spec schema (empty when valid).
pub fn schema_errors(validator: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}
