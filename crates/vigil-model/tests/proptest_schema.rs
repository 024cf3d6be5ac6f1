//! Property: arbitrary model values always serialize to schema-valid JSON that the deserializer
//! reads back to the same JSON.

mod common;

use std::net::IpAddr;
use std::sync::Arc;

use proptest::prelude::*;
use vigil_model::json::{from_json, to_json};
use vigil_model::*;

fn any_string() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z/._-]{1,12}", any::<String>()]
}

fn any_ts() -> impl Strategy<Value = Timestamp> {
    prop_oneof![Just(0u64), 1u64..4_102_444_800_000_000_000u64]
}

fn any_file() -> impl Strategy<Value = File> {
    (
        any_string(),
        any_string(),
        any::<u64>(),
        any::<u32>(),
        proptest::option::of(any::<bool>()),
        any::<u32>(),
        any_string(),
        any::<u32>(),
        any::<u32>(),
        any_string(),
        any_ts(),
        any_ts(),
    )
        .prop_map(
            |(path, user, inode, mode, upper, mount_id, fs, uid, gid, err, mtime, ctime)| File {
                name: vigil_model::file::basename(&path).to_string(),
                path,
                path_resolution_error: err,
                inode,
                mode,
                in_upper_layer: upper,
                mount_id,
                filesystem: fs,
                uid,
                gid,
                user,
                group: String::new(),
                modification_time: mtime,
                change_time: ctime,
                ..File::default()
            },
        )
}

fn any_process() -> impl Strategy<Value = Process> {
    (
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any_string(),
            any_string(),
            any_ts(),
            any_ts(),
            any_ts(),
        ),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u64>(),
            any::<u64>(),
            any_string(),
        ),
        any_file(),
        proptest::option::of(any_file()),
        (
            any_string(),
            proptest::collection::vec(any_string(), 0..4),
            any::<bool>(),
            proptest::collection::vec("[A-Z_]{1,8}=[a-z]{0,5}", 0..4),
            any::<bool>(),
        ),
        (
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(("[0-9a-f]{64}", any_ts())),
        ),
    )
        .prop_map(
            |(
                (pid, ppid, tid, comm, tty, fork, exec, exit),
                (uid, gid, eff, prm, user),
                file,
                interp,
                (argv0, args, at, envp, et),
                (thread, kworker, container),
            )| Process {
                pid,
                ppid,
                tid,
                comm,
                tty_name: tty,
                fork_time: fork,
                exec_time: exec,
                exit_time: exit,
                credentials: Credentials {
                    uid,
                    gid,
                    euid: uid,
                    egid: gid,
                    fsuid: uid,
                    fsgid: gid,
                    auid: u32::MAX,
                    user,
                    cap_effective: eff,
                    cap_permitted: prm,
                    ..Credentials::default()
                },
                file,
                interpreter: interp,
                container: container.map(|(id, created_at)| ContainerContext { id, created_at }),
                args: Arc::new(ArgsEnvs {
                    argv0,
                    args,
                    args_truncated: at,
                    envp,
                    envs_truncated: et,
                }),
                is_thread: thread,
                is_kworker: kworker,
                ..Process::default()
            },
        )
}

fn any_chain() -> impl Strategy<Value = Arc<Process>> {
    proptest::collection::vec(any_process(), 1..5).prop_map(|procs| {
        let mut chain: Option<Arc<Process>> = None;
        for mut p in procs {
            p.ancestor = chain.take();
            chain = Some(Arc::new(p));
        }
        chain.expect("at least one process")
    })
}

fn any_ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(IpAddr::from),
        any::<[u8; 16]>().prop_map(IpAddr::from)
    ]
}

fn any_data() -> impl Strategy<Value = EventData> {
    prop_oneof![
        Just(EventData::Exec),
        Just(EventData::Fork),
        (0u32..256).prop_map(|code| EventData::Exit(ExitEvent {
            cause: ExitCause::Exited,
            code
        })),
        (any_file(), any::<u32>(), any::<u32>())
            .prop_map(|(file, flags, mode)| EventData::Open(OpenEvent { file, flags, mode })),
        (any_file(), any::<u32>())
            .prop_map(|(file, mode)| EventData::Chmod(ChmodEvent { file, mode })),
        (any_file(), -1i64..70000, -1i64..70000).prop_map(|(file, uid, gid)| EventData::Chown(
            ChownEvent {
                file,
                uid,
                gid,
                ..ChownEvent::default()
            }
        )),
        (any_file(), any_file())
            .prop_map(|(source, target)| EventData::Link(LinkEvent { source, target })),
        (any_file(), any_file()).prop_map(|(old, new)| EventData::Rename(RenameEvent { old, new })),
        (any_file(), any::<u32>())
            .prop_map(|(file, flags)| EventData::Unlink(UnlinkEvent { file, flags })),
        (any_file(), any_ts(), any_ts())
            .prop_map(|(file, atime, mtime)| EventData::Utimes(UtimesEvent { file, atime, mtime })),
        (any_file(), any_string(), any_string()).prop_map(|(file, name, namespace)| {
            EventData::SetXattr(XattrEvent {
                file,
                name,
                namespace,
            })
        }),
        (
            any::<u32>(),
            any::<u32>(),
            any_string(),
            proptest::option::of(any_file())
        )
            .prop_map(|(mount_id, device, fs_type, mountpoint)| EventData::Mount(
                MountEvent {
                    mount_id,
                    device,
                    fs_type,
                    mountpoint,
                    ..MountEvent::default()
                }
            )),
        any::<u32>().prop_map(|mount_id| EventData::Umount(UmountEvent { mount_id })),
        (
            any::<u32>(),
            any::<u32>(),
            proptest::collection::vec(any::<u32>(), 0..3)
        )
            .prop_map(|(cmd, t, helpers)| EventData::Bpf(BpfEvent {
                cmd,
                map: Some(BpfMap {
                    name: "m".into(),
                    map_type: t
                }),
                program: Some(BpfProgram {
                    helpers,
                    program_type: t,
                    ..BpfProgram::default()
                })
            })),
        (
            proptest::option::of(any_file()),
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
            any::<u64>()
        )
            .prop_map(
                |(file, address, offset, length, protection, flags)| EventData::Mmap(MmapEvent {
                    file,
                    address,
                    offset,
                    length,
                    protection,
                    flags
                })
            ),
        (any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>()).prop_map(
            |(vm_start, vm_end, vm_protection, req_protection)| EventData::Mprotect(
                MprotectEvent {
                    vm_start,
                    vm_end,
                    vm_protection,
                    req_protection
                }
            )
        ),
        (
            any::<u32>(),
            any::<u64>(),
            proptest::option::of(any_chain())
        )
            .prop_map(|(request, address, tracee)| EventData::Ptrace(PtraceEvent {
                request,
                pid: tracee.as_ref().map_or(0, |t| t.pid),
                address,
                tracee
            })),
        (
            any::<u32>(),
            any::<u32>(),
            proptest::option::of(any_chain())
        )
            .prop_map(|(signal, pid, target)| EventData::Signal(SignalEvent {
                signal,
                pid,
                target
            })),
        (any::<u32>(), any::<u32>()).prop_map(|(a, b)| EventData::Splice(SpliceEvent {
            file: None,
            pipe_entry_flag: a,
            pipe_exit_flag: b
        })),
        (any::<u16>(), any_string(), any::<u16>(), any::<u16>()).prop_map(
            |(id, name, class, qtype)| EventData::Dns(DnsEvent {
                id,
                question: DnsQuestion {
                    name,
                    class,
                    qtype,
                    size: 10,
                    count: 1
                }
            })
        ),
        (any::<u16>(), any_ip(), any::<u16>())
            .prop_map(|(family, ip, port)| EventData::Bind(BindEvent { family, ip, port })),
        (any::<u32>(), any_string()).prop_map(|(uid, user)| EventData::Setuid(SetuidEvent {
            uid,
            user,
            ..SetuidEvent::default()
        })),
        (any::<u32>(), any_string()).prop_map(|(gid, group)| EventData::Setgid(SetgidEvent {
            gid,
            group,
            ..SetgidEvent::default()
        })),
        (any::<u64>(), any::<u64>()).prop_map(|(cap_effective, cap_permitted)| EventData::Capset(
            CapsetEvent {
                cap_effective,
                cap_permitted
            }
        )),
        (any_string(), any::<bool>()).prop_map(|(name, state)| EventData::Selinux(SelinuxEvent {
            file: File::default(),
            change: if state {
                SelinuxChange::Bool {
                    name,
                    state: "on".into(),
                }
            } else {
                SelinuxChange::Enforce { status: name }
            }
        })),
        any_string().prop_map(|syscall| EventData::AnomalyDetectionSyscall(
            AnomalyDetectionSyscallEvent { syscall }
        )),
    ]
}

fn any_event() -> impl Strategy<Value = Event> {
    (
        any_chain(),
        any_data(),
        any_ts(),
        any::<i64>(),
        any::<bool>(),
    )
        .prop_map(|(process, data, ts, retval, is_async)| {
            let mut e = Event::new(ts, process, data);
            e.retval = retval;
            e.is_async = is_async;
            e
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_events_serialize_to_schema_valid_json(event in any_event()) {
        let validator = common::schema_validator();
        let json = to_json(&event);
        let doc: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
        let errors = common::schema_errors(&validator, &doc);
        prop_assert!(errors.is_empty(), "{:?}\n{}", errors, doc);
        let back = from_json(&json).map_err(|e| TestCaseError::fail(format!("{e}\n{doc}")))?;
        let again = to_json(&back);
        prop_assert_eq!(String::from_utf8_lossy(&again), String::from_utf8_lossy(&json));
    }
}
