//! Fields common to every event and fields specific to one event type.

use std::net::IpAddr;

use super::{row, Getter as G, Row, CI, PATH, PLAIN, TIME};
use crate::event::{Event, EventData as D, EventType as T, SelinuxChange};
use crate::file::File;

type FileSel = for<'a> fn(&'a Event) -> Option<&'a File>;

/// `(prefix, event type, selector)` of every file of an event payload.
pub(super) fn files() -> Vec<(&'static str, T, FileSel)> {
    vec![
        ("open.file", T::Open, |e| match &e.data {
            D::Open(x) => Some(&x.file),
            _ => None,
        }),
        ("chmod.file", T::Chmod, |e| match &e.data {
            D::Chmod(x) => Some(&x.file),
            _ => None,
        }),
        ("chown.file", T::Chown, |e| match &e.data {
            D::Chown(x) => Some(&x.file),
            _ => None,
        }),
        ("link.file", T::Link, |e| match &e.data {
            D::Link(x) => Some(&x.source),
            _ => None,
        }),
        ("link.file.destination", T::Link, |e| match &e.data {
            D::Link(x) => Some(&x.target),
            _ => None,
        }),
        ("rename.file", T::Rename, |e| match &e.data {
            D::Rename(x) => Some(&x.old),
            _ => None,
        }),
        ("rename.file.destination", T::Rename, |e| match &e.data {
            D::Rename(x) => Some(&x.new),
            _ => None,
        }),
        ("unlink.file", T::Unlink, |e| match &e.data {
            D::Unlink(x) => Some(&x.file),
            _ => None,
        }),
        ("mkdir.file", T::Mkdir, |e| match &e.data {
            D::Mkdir(x) => Some(&x.file),
            _ => None,
        }),
        ("rmdir.file", T::Rmdir, |e| match &e.data {
            D::Rmdir(x) => Some(&x.file),
            _ => None,
        }),
        ("utimes.file", T::Utimes, |e| match &e.data {
            D::Utimes(x) => Some(&x.file),
            _ => None,
        }),
        ("setxattr.file", T::SetXattr, |e| match &e.data {
            D::SetXattr(x) => Some(&x.file),
            _ => None,
        }),
        ("removexattr.file", T::RemoveXattr, |e| match &e.data {
            D::RemoveXattr(x) => Some(&x.file),
            _ => None,
        }),
        ("mmap.file", T::Mmap, |e| match &e.data {
            D::Mmap(x) => x.file.as_ref(),
            _ => None,
        }),
        ("load_module.file", T::LoadModule, |e| match &e.data {
            D::LoadModule(x) => x.file.as_ref(),
            _ => None,
        }),
        ("splice.file", T::Splice, |e| match &e.data {
            D::Splice(x) => x.file.as_ref(),
            _ => None,
        }),
        ("chdir.file", T::Chdir, |e| match &e.data {
            D::Chdir(x) => Some(&x.file),
            _ => None,
        }),
        ("selinux.file", T::Selinux, |e| match &e.data {
            D::Selinux(x) => Some(&x.file),
            _ => None,
        }),
        ("mount.root", T::Mount, |e| match &e.data {
            D::Mount(x) => x.root.as_ref(),
            _ => None,
        }),
    ]
}

/// Fields every event has.
pub(super) fn common() -> Vec<Row<Event>> {
    vec![
        row!(
            "container.id",
            G::Str(|e| e.container.as_ref().map_or("", |c| c.id.as_str()))
        ),
        row!(
            "container.created_at",
            G::Int(|e| e.container.as_ref().map_or(0, |c| c.created_at as i64)),
            TIME
        ),
        row!("container.tags", G::Strs(|_, _| false), PLAIN, unfilled),
        row!("container.runtime", G::Str(|_| ""), PLAIN, unfilled),
        row!("cgroup.id", G::Str(|e| &e.process.cgroup)),
        row!("cgroup.file.inode", G::Int(|_| 0), PLAIN, unfilled),
        row!("event.timestamp", G::Int(|e| e.timestamp as i64), TIME),
        row!("event.async", G::Bool(|e| e.is_async)),
        // Every event Vigil produces comes from its eBPF sensor.
        row!("event.origin", G::Str(|_| "ebpf")),
        row!("event.os", G::Str(|_| "linux")),
        row!("event.service", G::Str(|e| env_value(e, "DD_SERVICE"))),
        row!("event.hostname", G::Str(|_| ""), PLAIN, unfilled),
        row!("event.source", G::Str(|_| ""), PLAIN, unfilled),
        row!(
            "process.ancestors.length",
            G::Int(|e| e.process.ancestors().count() as i64)
        ),
        row!(
            "ptrace.tracee.ancestors.length",
            G::Int(|e| match &e.data {
                D::Ptrace(p) => p
                    .tracee
                    .as_ref()
                    .map_or(0, |t| t.ancestors().count() as i64),
                _ => 0,
            })
        ),
        row!(
            "signal.target.ancestors.length",
            G::Int(|e| match &e.data {
                D::Signal(s) => s
                    .target
                    .as_ref()
                    .map_or(0, |t| t.ancestors().count() as i64),
                _ => 0,
            })
        ),
        row!(
            "network.l3_protocol",
            G::Int(|e| e.network.as_ref().map_or(0, |n| n.l3_protocol.into()))
        ),
        row!(
            "network.l4_protocol",
            G::Int(|e| e.network.as_ref().map_or(0, |n| n.l4_protocol.into()))
        ),
        row!(
            "network.size",
            G::Int(|e| e.network.as_ref().map_or(0, |n| n.size.into()))
        ),
        row!(
            "network.source.ip",
            G::Ip(|e| e.network.as_ref().map(|n| n.source.ip))
        ),
        row!(
            "network.source.port",
            G::Int(|e| e.network.as_ref().map_or(0, |n| n.source.port.into()))
        ),
        row!(
            "network.source.is_public",
            G::Bool(|e| e.network.as_ref().is_some_and(|n| is_public(n.source.ip)))
        ),
        row!(
            "network.destination.ip",
            G::Ip(|e| e.network.as_ref().map(|n| n.destination.ip))
        ),
        row!(
            "network.destination.port",
            G::Int(|e| e.network.as_ref().map_or(0, |n| n.destination.port.into()))
        ),
        row!(
            "network.destination.is_public",
            G::Bool(|e| e
                .network
                .as_ref()
                .is_some_and(|n| is_public(n.destination.ip)))
        ),
        row!(
            "network.device.ifname",
            G::Str(|e| e
                .network
                .as_ref()
                .and_then(|n| n.device.as_ref())
                .map_or("", |d| &d.ifname))
        ),
        row!(
            "network.device.ifindex",
            G::Int(|e| e
                .network
                .as_ref()
                .and_then(|n| n.device.as_ref())
                .map_or(0, |d| d.ifindex.into()))
        ),
        row!(
            "network.device.netns",
            G::Int(|e| e
                .network
                .as_ref()
                .and_then(|n| n.device.as_ref())
                .map_or(0, |d| d.netns.into()))
        ),
    ]
}

/// The value of an environment variable of the event's process (empty when unset).
fn env_value<'a>(e: &'a Event, name: &str) -> &'a str {
    e.process
        .args
        .envp
        .iter()
        .find_map(|kv| {
            kv.split_once('=')
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v)
        })
        .unwrap_or("")
}

/// Whether an address is routable on the internet (not private, loopback, link-local,
/// unspecified, multicast, CGNAT or documentation space).
pub fn is_public(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || o[0] == 0
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8))
        }
    }
}

macro_rules! payload {
    ($e:expr, $variant:ident, $x:ident => $body:expr, $zero:expr) => {
        match &$e.data {
            D::$variant($x) => $body,
            _ => $zero,
        }
    };
}

/// The remote address of a `connect` / `accept` event.
fn remote(e: &Event) -> Option<&crate::event::ConnectEvent> {
    match &e.data {
        D::Connect(c) | D::Accept(c) => Some(c),
        _ => None,
    }
}

/// The address fields of `connect` and `accept`, which share a payload.
macro_rules! addr_rows {
    ($prefix:literal) => {
        vec![
            row!(
                concat!($prefix, ".addr.family"),
                G::Int(|e| remote(e).map_or(0, |c| c.family.into()))
            ),
            row!(
                concat!($prefix, ".addr.ip"),
                G::Ip(|e| remote(e).map(|c| c.ip))
            ),
            row!(
                concat!($prefix, ".addr.port"),
                G::Int(|e| remote(e).map_or(0, |c| c.port.into()))
            ),
            row!(
                concat!($prefix, ".addr.is_public"),
                G::Bool(|e| remote(e).is_some_and(|c| is_public(c.ip)))
            ),
            row!(
                concat!($prefix, ".addr.hostname"),
                G::Str(|_| ""),
                CI,
                unfilled
            ),
            row!(
                concat!($prefix, ".protocol"),
                G::Int(|e| remote(e).map_or(0, |c| c.protocol.into()))
            ),
        ]
    };
}

/// Fields specific to one event type.
pub(super) fn specific() -> Vec<(T, Vec<Row<Event>>)> {
    vec![
        (
            T::Exec,
            vec![row!("exec.syscall.path", G::Str(|_| ""), PATH, unfilled)],
        ),
        (
            T::Exit,
            vec![
                row!(
                    "exit.cause",
                    G::Int(|e| payload!(e, Exit, x => x.cause as i64, 0))
                ),
                row!(
                    "exit.code",
                    G::Int(|e| payload!(e, Exit, x => x.code.into(), 0))
                ),
            ],
        ),
        (
            T::Open,
            vec![
                row!(
                    "open.flags",
                    G::Int(|e| payload!(e, Open, x => x.flags.into(), 0))
                ),
                row!(
                    "open.file.destination.mode",
                    G::Int(|e| payload!(e, Open, x => x.mode.into(), 0))
                ),
                row!("open.syscall.path", G::Str(|_| ""), PATH, unfilled),
                row!("open.syscall.flags", G::Int(|_| 0), PLAIN, unfilled),
                row!("open.syscall.mode", G::Int(|_| 0), PLAIN, unfilled),
            ],
        ),
        (
            T::Chmod,
            vec![
                row!(
                    "chmod.file.destination.mode",
                    G::Int(|e| payload!(e, Chmod, x => x.mode.into(), 0))
                ),
                row!(
                    "chmod.file.destination.rights",
                    G::Int(|e| payload!(e, Chmod, x => (x.mode & 0o7777).into(), 0))
                ),
                row!("chmod.syscall.path", G::Str(|_| ""), PATH, unfilled),
                row!("chmod.syscall.mode", G::Int(|_| 0), PLAIN, unfilled),
            ],
        ),
        (
            T::Chown,
            vec![
                row!(
                    "chown.file.destination.uid",
                    G::Int(|e| payload!(e, Chown, x => x.uid, 0))
                ),
                row!(
                    "chown.file.destination.gid",
                    G::Int(|e| payload!(e, Chown, x => x.gid, 0))
                ),
                row!(
                    "chown.file.destination.user",
                    G::Str(|e| payload!(e, Chown, x => x.user.as_str(), ""))
                ),
                row!(
                    "chown.file.destination.group",
                    G::Str(|e| payload!(e, Chown, x => x.group.as_str(), ""))
                ),
                row!("chown.syscall.path", G::Str(|_| ""), PATH, unfilled),
                row!("chown.syscall.uid", G::Int(|_| 0), PLAIN, unfilled),
                row!("chown.syscall.gid", G::Int(|_| 0), PLAIN, unfilled),
            ],
        ),
        (
            T::Unlink,
            vec![
                row!(
                    "unlink.flags",
                    G::Int(|e| payload!(e, Unlink, x => x.flags.into(), 0))
                ),
                row!("unlink.syscall.path", G::Str(|_| ""), PATH, unfilled),
                row!("unlink.syscall.dirfd", G::Int(|_| 0), PLAIN, unfilled),
                row!("unlink.syscall.flags", G::Int(|_| 0), PLAIN, unfilled),
            ],
        ),
        (
            T::Mkdir,
            vec![
                row!(
                    "mkdir.file.destination.mode",
                    G::Int(|e| payload!(e, Mkdir, x => x.mode.into(), 0))
                ),
                row!(
                    "mkdir.file.destination.rights",
                    G::Int(|e| payload!(e, Mkdir, x => (x.mode & 0o7777).into(), 0))
                ),
                row!("mkdir.syscall.path", G::Str(|_| ""), PATH, unfilled),
                row!("mkdir.syscall.mode", G::Int(|_| 0), PLAIN, unfilled),
            ],
        ),
        (
            T::Rmdir,
            vec![row!("rmdir.syscall.path", G::Str(|_| ""), PATH, unfilled)],
        ),
        (
            T::Utimes,
            vec![row!("utimes.syscall.path", G::Str(|_| ""), PATH, unfilled)],
        ),
        (
            T::Link,
            vec![
                row!("link.syscall.path", G::Str(|_| ""), PATH, unfilled),
                row!(
                    "link.syscall.destination.path",
                    G::Str(|_| ""),
                    PATH,
                    unfilled
                ),
            ],
        ),
        (
            T::Rename,
            vec![
                row!("rename.syscall.path", G::Str(|_| ""), PATH, unfilled),
                row!(
                    "rename.syscall.destination.path",
                    G::Str(|_| ""),
                    PATH,
                    unfilled
                ),
            ],
        ),
        (
            T::SetXattr,
            vec![
                row!(
                    "setxattr.file.destination.name",
                    G::Str(|e| payload!(e, SetXattr, x => x.name.as_str(), ""))
                ),
                row!(
                    "setxattr.file.destination.namespace",
                    G::Str(|e| payload!(e, SetXattr, x => x.namespace.as_str(), ""))
                ),
            ],
        ),
        (
            T::RemoveXattr,
            vec![
                row!(
                    "removexattr.file.destination.name",
                    G::Str(|e| payload!(e, RemoveXattr, x => x.name.as_str(), ""))
                ),
                row!(
                    "removexattr.file.destination.namespace",
                    G::Str(|e| payload!(e, RemoveXattr, x => x.namespace.as_str(), ""))
                ),
            ],
        ),
        (
            T::Mount,
            vec![
                row!(
                    "mount.fs_type",
                    G::Str(|e| payload!(e, Mount, x => x.fs_type.as_str(), ""))
                ),
                row!(
                    "mount.mountpoint.path",
                    G::Str(|e| payload!(e, Mount, x => x.mountpoint_path.as_str(), "")),
                    PATH
                ),
                row!(
                    "mount.source.path",
                    G::Str(|e| payload!(e, Mount, x => x.source_path.as_str(), "")),
                    PATH
                ),
                row!("mount.syscall.fs_type", G::Str(|_| ""), PLAIN, unfilled),
                row!(
                    "mount.syscall.mountpoint.path",
                    G::Str(|_| ""),
                    PATH,
                    unfilled
                ),
                row!("mount.syscall.source.path", G::Str(|_| ""), PATH, unfilled),
            ],
        ),
        (
            T::Bpf,
            vec![
                row!(
                    "bpf.cmd",
                    G::Int(|e| payload!(e, Bpf, x => x.cmd.into(), 0))
                ),
                row!(
                    "bpf.map.name",
                    G::Str(
                        |e| payload!(e, Bpf, x => x.map.as_ref().map_or("", |m| m.name.as_str()), "")
                    )
                ),
                row!(
                    "bpf.map.type",
                    G::Int(
                        |e| payload!(e, Bpf, x => x.map.as_ref().map_or(0, |m| m.map_type.into()), 0)
                    )
                ),
                row!(
                    "bpf.prog.name",
                    G::Str(
                        |e| payload!(e, Bpf, x => x.program.as_ref().map_or("", |p| p.name.as_str()), "")
                    )
                ),
                row!(
                    "bpf.prog.tag",
                    G::Str(
                        |e| payload!(e, Bpf, x => x.program.as_ref().map_or("", |p| p.tag.as_str()), "")
                    )
                ),
                row!(
                    "bpf.prog.type",
                    G::Int(
                        |e| payload!(e, Bpf, x => x.program.as_ref().map_or(0, |p| p.program_type.into()), 0)
                    )
                ),
                row!(
                    "bpf.prog.attach_type",
                    G::Int(
                        |e| payload!(e, Bpf, x => x.program.as_ref().map_or(0, |p| p.attach_type.into()), 0)
                    )
                ),
                row!(
                    "bpf.prog.helpers",
                    G::Ints(
                        |e, f| payload!(e, Bpf, x => x.program.as_ref().is_some_and(|p| p.helpers.iter().any(|h| f((*h).into()))), false)
                    )
                ),
            ],
        ),
        (
            T::Mmap,
            vec![
                row!(
                    "mmap.flags",
                    G::Int(|e| payload!(e, Mmap, x => x.flags as i64, 0))
                ),
                row!(
                    "mmap.protection",
                    G::Int(|e| payload!(e, Mmap, x => x.protection as i64, 0))
                ),
            ],
        ),
        (
            T::Mprotect,
            vec![
                row!(
                    "mprotect.req_protection",
                    G::Int(|e| payload!(e, Mprotect, x => x.req_protection as i64, 0))
                ),
                row!(
                    "mprotect.vm_protection",
                    G::Int(|e| payload!(e, Mprotect, x => x.vm_protection as i64, 0))
                ),
            ],
        ),
        (
            T::Ptrace,
            vec![row!(
                "ptrace.request",
                G::Int(|e| payload!(e, Ptrace, x => x.request.into(), 0))
            )],
        ),
        (
            T::LoadModule,
            vec![
                row!(
                    "load_module.name",
                    G::Str(|e| payload!(e, LoadModule, x => x.name.as_str(), ""))
                ),
                row!(
                    "load_module.loaded_from_memory",
                    G::Bool(|e| payload!(e, LoadModule, x => x.loaded_from_memory, false))
                ),
                row!(
                    "load_module.args",
                    G::Str(|e| payload!(e, LoadModule, x => x.args.as_str(), ""))
                ),
                row!(
                    "load_module.argv",
                    G::Strs(
                        |e, f| payload!(e, LoadModule, x => x.args.split_whitespace().any(f), false)
                    )
                ),
                row!(
                    "load_module.args_truncated",
                    G::Bool(|e| payload!(e, LoadModule, x => x.args_truncated, false))
                ),
            ],
        ),
        (
            T::UnloadModule,
            vec![row!(
                "unload_module.name",
                G::Str(|e| payload!(e, UnloadModule, x => x.name.as_str(), ""))
            )],
        ),
        (
            T::Signal,
            vec![
                row!(
                    "signal.type",
                    G::Int(|e| payload!(e, Signal, x => x.signal.into(), 0))
                ),
                row!(
                    "signal.pid",
                    G::Int(|e| payload!(e, Signal, x => x.pid.into(), 0))
                ),
            ],
        ),
        (
            T::Splice,
            vec![
                row!(
                    "splice.pipe_entry_flag",
                    G::Int(|e| payload!(e, Splice, x => x.pipe_entry_flag.into(), 0))
                ),
                row!(
                    "splice.pipe_exit_flag",
                    G::Int(|e| payload!(e, Splice, x => x.pipe_exit_flag.into(), 0))
                ),
            ],
        ),
        (
            T::Dns,
            vec![
                row!("dns.id", G::Int(|e| payload!(e, Dns, x => x.id.into(), 0))),
                row!(
                    "dns.question.name",
                    G::Str(|e| payload!(e, Dns, x => x.question.name.as_str(), "")),
                    CI
                ),
                row!(
                    "dns.question.type",
                    G::Int(|e| payload!(e, Dns, x => x.question.qtype.into(), 0))
                ),
                row!(
                    "dns.question.class",
                    G::Int(|e| payload!(e, Dns, x => x.question.class.into(), 0))
                ),
                row!(
                    "dns.question.count",
                    G::Int(|e| payload!(e, Dns, x => x.question.count.into(), 0))
                ),
                row!(
                    "dns.question.length",
                    G::Int(|e| payload!(e, Dns, x => x.question.size.into(), 0))
                ),
            ],
        ),
        (
            T::Bind,
            vec![
                row!(
                    "bind.addr.family",
                    G::Int(|e| payload!(e, Bind, x => x.family.into(), 0))
                ),
                row!(
                    "bind.addr.ip",
                    G::Ip(|e| payload!(e, Bind, x => Some(x.ip), None))
                ),
                row!(
                    "bind.addr.port",
                    G::Int(|e| payload!(e, Bind, x => x.port.into(), 0))
                ),
                row!(
                    "bind.addr.is_public",
                    G::Bool(|e| payload!(e, Bind, x => is_public(x.ip), false))
                ),
            ],
        ),
        (
            T::Setuid,
            vec![
                row!(
                    "setuid.uid",
                    G::Int(|e| payload!(e, Setuid, x => x.uid.into(), 0))
                ),
                row!(
                    "setuid.euid",
                    G::Int(|e| payload!(e, Setuid, x => x.euid.into(), 0))
                ),
                row!(
                    "setuid.fsuid",
                    G::Int(|e| payload!(e, Setuid, x => x.fsuid.into(), 0))
                ),
                row!(
                    "setuid.user",
                    G::Str(|e| payload!(e, Setuid, x => x.user.as_str(), ""))
                ),
                row!(
                    "setuid.euser",
                    G::Str(|e| payload!(e, Setuid, x => x.euser.as_str(), ""))
                ),
                row!(
                    "setuid.fsuser",
                    G::Str(|e| payload!(e, Setuid, x => x.fsuser.as_str(), ""))
                ),
            ],
        ),
        (
            T::Setgid,
            vec![
                row!(
                    "setgid.gid",
                    G::Int(|e| payload!(e, Setgid, x => x.gid.into(), 0))
                ),
                row!(
                    "setgid.egid",
                    G::Int(|e| payload!(e, Setgid, x => x.egid.into(), 0))
                ),
                row!(
                    "setgid.fsgid",
                    G::Int(|e| payload!(e, Setgid, x => x.fsgid.into(), 0))
                ),
                row!(
                    "setgid.group",
                    G::Str(|e| payload!(e, Setgid, x => x.group.as_str(), ""))
                ),
                row!(
                    "setgid.egroup",
                    G::Str(|e| payload!(e, Setgid, x => x.egroup.as_str(), ""))
                ),
                row!(
                    "setgid.fsgroup",
                    G::Str(|e| payload!(e, Setgid, x => x.fsgroup.as_str(), ""))
                ),
            ],
        ),
        (
            T::Capset,
            vec![
                row!(
                    "capset.cap_effective",
                    G::Int(|e| payload!(e, Capset, x => x.cap_effective as i64, 0))
                ),
                row!(
                    "capset.cap_permitted",
                    G::Int(|e| payload!(e, Capset, x => x.cap_permitted as i64, 0))
                ),
            ],
        ),
        (
            T::Selinux,
            vec![
                row!(
                    "selinux.bool.name",
                    G::Str(
                        |e| payload!(e, Selinux, x => match &x.change { SelinuxChange::Bool { name, .. } => name.as_str(), _ => "" }, "")
                    )
                ),
                row!(
                    "selinux.bool.state",
                    G::Str(
                        |e| payload!(e, Selinux, x => match &x.change { SelinuxChange::Bool { state, .. } => state.as_str(), _ => "" }, "")
                    )
                ),
                row!(
                    "selinux.bool_commit.state",
                    G::Bool(
                        |e| payload!(e, Selinux, x => matches!(x.change, SelinuxChange::BoolCommit { state: true }), false)
                    )
                ),
                row!(
                    "selinux.enforce.status",
                    G::Str(
                        |e| payload!(e, Selinux, x => match &x.change { SelinuxChange::Enforce { status } => status.as_str(), _ => "" }, "")
                    )
                ),
            ],
        ),
        (T::Connect, addr_rows!("connect")),
        (T::Accept, addr_rows!("accept")),
        (
            T::Chdir,
            vec![row!("chdir.syscall.path", G::Str(|_| ""), PATH, unfilled)],
        ),
        (
            T::Prctl,
            vec![
                row!(
                    "prctl.option",
                    G::Int(|e| payload!(e, Prctl, x => x.option.into(), 0))
                ),
                row!(
                    "prctl.new_name",
                    G::Str(|e| payload!(e, Prctl, x => x.new_name.as_str(), ""))
                ),
                row!(
                    "prctl.is_name_truncated",
                    G::Bool(|e| payload!(e, Prctl, x => x.is_name_truncated, false))
                ),
            ],
        ),
        (
            T::AnomalyDetectionSyscall,
            vec![row!(
                "anomaly_detection_syscall.syscall",
                G::Str(|e| payload!(e, AnomalyDetectionSyscall, x => x.syscall.as_str(), ""))
            )],
        ),
    ]
}

/// Whether `<type>.retval` exists (syscall-backed events).
pub(super) fn has_retval(ty: T) -> bool {
    !matches!(
        ty,
        T::Exec | T::Fork | T::Exit | T::Dns | T::AnomalyDetectionSyscall | T::Umount
    )
}
