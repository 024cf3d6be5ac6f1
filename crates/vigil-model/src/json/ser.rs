//! Model → CWS JSON, streamed into a byte buffer. Field names, nesting and omission rules follow
//! the spec schema and Datadog's serializers: zero / empty optional values are omitted, `uid` and
//! `gid` are always present, capability sets are always arrays, times are RFC 3339 with trimmed
//! nanoseconds, masks are names, addresses are `0x…` hex.

use std::net::IpAddr;
use std::sync::Arc;

use super::names::{enum_name, FlagNames};
use super::writer::ObjectWriter;
use crate::consts::{
    ADDRESS_FAMILIES, BPF_ATTACH_TYPES, BPF_CMDS, BPF_HELPERS, BPF_MAP_TYPES, BPF_PROG_TYPES,
    CAPABILITIES, DNS_CLASSES, DNS_TYPES, ETH_PROTOCOLS, IP_PROTOCOLS, MAP_FLAGS, OPEN_FLAGS,
    PIPE_BUF_FLAGS, PROT_FLAGS, PTRACE_REQUESTS, SIGNALS, UNLINK_FLAGS, VM_FLAGS,
};
use crate::event::*;
use crate::file::File;
use crate::process::{ContainerContext, Credentials, Process};

/// Datadog keeps at most this many ancestors: the first and last halves, the middle is dropped.
const MAX_ANCESTORS: usize = 200;
const O_CREAT: u32 = 0o100;
const MAP_ANONYMOUS: u64 = 0x20;

/// Serializes an event as one CWS JSON object.
pub fn to_json(event: &Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(2048);
    write_event(&mut out, event);
    out
}

/// Appends an event as one CWS JSON object to `out`.
pub fn write_event(out: &mut Vec<u8>, event: &Event) {
    let mut obj = ObjectWriter::begin(out);
    write_event_fields(&mut obj, event);
    obj.finish();
}

/// Writes the spec's top-level keys of `event` into an open object (so that a record can add
/// its envelope keys to the same object).
pub fn write_event_fields(o: &mut ObjectWriter<'_>, event: &Event) {
    let ty = event.event_type();
    o.object("evt", |e| {
        e.str("name", ty.name());
        e.str("category", ty.category().as_str());
        e.str("outcome", event.outcome().as_str());
        e.bool_opt("async", event.is_async);
    });
    write_payload(o, event);
    if ty.category() == Category::Network {
        if let Some(net) = &event.network {
            o.object("network", |n| write_network(n, net));
        }
    }
    let creds = &event.process.credentials;
    if !creds.user.is_empty() || !creds.group.is_empty() {
        o.object("usr", |u| {
            u.str_opt("id", &creds.user);
            u.str_opt("group", &creds.group);
        });
    }
    o.object("process", |p| {
        write_process_context(p, &event.process, event.tid, |c| {
            if let EventData::Setuid(s) = &event.data {
                c.object("destination", |d| {
                    d.u64("uid", s.uid.into());
                    d.str_opt("user", &s.user);
                    d.u64("euid", s.euid.into());
                    d.str_opt("euser", &s.euser);
                    d.u64("fsuid", s.fsuid.into());
                    d.str_opt("fsuser", &s.fsuser);
                });
            } else if let EventData::Setgid(s) = &event.data {
                c.object("destination", |d| {
                    d.u64("gid", s.gid.into());
                    d.str_opt("group", &s.group);
                    d.u64("egid", s.egid.into());
                    d.str_opt("egroup", &s.egroup);
                    d.u64("fsgid", s.fsgid.into());
                    d.str_opt("fsgroup", &s.fsgroup);
                });
            } else if let EventData::Capset(s) = &event.data {
                c.object("destination", |d| {
                    write_caps(d, "cap_effective", s.cap_effective);
                    write_caps(d, "cap_permitted", s.cap_permitted);
                });
            }
        })
    });
    if let Some(dd) = dd_context(event) {
        o.object("dd", |d| {
            d.u64_opt("span_id", dd.span_id);
            d.u64_opt("trace_id", dd.trace_id);
        });
    }
    if let Some(c) = event.container.as_ref().filter(|c| !c.id.is_empty()) {
        o.object("container", |w| write_container(w, c));
    }
    if let Some(sp) = event
        .security_profile
        .as_ref()
        .filter(|sp| !sp.name.is_empty())
    {
        o.object("security_profile", |w| {
            w.str("name", &sp.name);
            w.str("status", &sp.status);
            w.str("version", &sp.version);
            w.str_array("tags", sp.tags.iter().map(String::as_str));
        });
    }
    o.time_opt("date", event.timestamp);
}

/// The event's span context, or the first ancestor's that has one (none is tracked per process
/// yet, so only the event's own).
fn dd_context(event: &Event) -> Option<&DdContext> {
    event
        .dd
        .as_ref()
        .filter(|dd| dd.span_id != 0 || dd.trace_id != 0)
}

fn write_payload(o: &mut ObjectWriter<'_>, event: &Event) {
    match &event.data {
        EventData::Exec | EventData::Fork => {
            if matches!(event.data, EventData::Exec) {
                o.object("file", |f| write_file_fields(f, &event.process.file));
            }
        }
        EventData::Exit(e) => {
            o.object("file", |f| write_file_fields(f, &event.process.file));
            o.object("exit", |x| {
                x.str("cause", e.cause.as_str());
                x.u64("code", e.code.into());
            });
        }
        EventData::Open(e) => o.object("file", |f| {
            write_file_fields(f, &e.file);
            write_flags(f, FlagNames::new(&OPEN_FLAGS, e.flags.into(), true));
            if e.flags & O_CREAT != 0 {
                f.object("destination", |d| write_destination_mode(d, e.mode));
            }
        }),
        EventData::Chmod(e) => o.object("file", |f| {
            write_file_fields(f, &e.file);
            f.object("destination", |d| write_destination_mode(d, e.mode));
        }),
        EventData::Chown(e) => o.object("file", |f| {
            write_file_fields(f, &e.file);
            f.object("destination", |d| {
                d.i64("uid", e.uid);
                d.i64("gid", e.gid);
                d.str_opt("user", &e.user);
                d.str_opt("group", &e.group);
            });
        }),
        EventData::Link(e) => o.object("file", |f| {
            write_file_fields(f, &e.source);
            f.object("destination", |d| write_file_fields(d, &e.target));
        }),
        EventData::Rename(e) => o.object("file", |f| {
            write_file_fields(f, &e.old);
            f.object("destination", |d| write_file_fields(d, &e.new));
        }),
        EventData::Unlink(e) => o.object("file", |f| {
            write_file_fields(f, &e.file);
            write_flags(f, FlagNames::new(&UNLINK_FLAGS, e.flags.into(), false));
        }),
        EventData::Mkdir(e) => o.object("file", |f| {
            write_file_fields(f, &e.file);
            f.object("destination", |d| write_destination_mode(d, e.mode));
        }),
        EventData::Rmdir(e) => o.object("file", |f| write_file_fields(f, &e.file)),
        EventData::Utimes(e) => o.object("file", |f| {
            write_file_fields(f, &e.file);
            f.object("destination", |d| {
                d.u64("uid", 0);
                d.u64("gid", 0);
                d.time_opt("access_time", e.atime);
                d.time_opt("modification_time", e.mtime);
            });
        }),
        EventData::SetXattr(e) | EventData::RemoveXattr(e) => o.object("file", |f| {
            write_file_fields(f, &e.file);
            f.object("destination", |d| {
                d.u64("uid", 0);
                d.u64("gid", 0);
                d.str_opt("attribute_name", &e.name);
                d.str_opt("attribute_namespace", &e.namespace);
            });
        }),
        EventData::Mount(e) => o.object("mount", |m| {
            if let Some(mp) = &e.mountpoint {
                m.object("mp", |f| write_file_fields(f, mp));
            }
            if let Some(root) = &e.root {
                m.object("root", |f| write_file_fields(f, root));
            }
            m.u64("mount_id", e.mount_id.into());
            m.u64("group_id", e.group_id.into());
            m.u64("parent_mount_id", e.parent_mount_id.into());
            m.u64("bind_src_mount_id", e.bind_src_mount_id.into());
            m.u64("device", e.device.into());
            m.str_opt("fs_type", &e.fs_type);
            m.str_opt("mountpoint.path", &e.mountpoint_path);
            m.str_opt("source.path", &e.source_path);
            m.str_opt("mountpoint.path_error", &e.mountpoint_path_error);
            m.str_opt("source.path_error", &e.source_path_error);
        }),
        EventData::Umount(e) => o.object("file", |f| {
            f.u64("uid", 0);
            f.u64("gid", 0);
            f.u64_opt("new_mount_id", e.mount_id.into());
        }),
        EventData::Bpf(e) => o.object("bpf", |b| {
            b.str("cmd", &enum_name(&BPF_CMDS, e.cmd.into()));
            if let Some(map) = &e.map {
                b.object("map", |m| {
                    m.str_opt("name", &map.name);
                    m.str("map_type", &enum_name(&BPF_MAP_TYPES, map.map_type.into()));
                });
            }
            if let Some(prog) = &e.program {
                b.object("program", |p| {
                    p.str_opt("name", &prog.name);
                    p.str_opt("tag", &prog.tag);
                    p.str(
                        "program_type",
                        &enum_name(&BPF_PROG_TYPES, prog.program_type.into()),
                    );
                    p.str(
                        "attach_type",
                        &enum_name(&BPF_ATTACH_TYPES, prog.attach_type.into()),
                    );
                    if !prog.helpers.is_empty() {
                        let names: Vec<_> = prog
                            .helpers
                            .iter()
                            .map(|h| enum_name(&BPF_HELPERS, (*h).into()))
                            .collect();
                        p.str_array("helpers", names.iter().map(|n| n.as_ref()));
                    }
                });
            }
        }),
        EventData::Mmap(e) => {
            if let Some(file) = e.file.as_ref().filter(|_| e.flags & MAP_ANONYMOUS == 0) {
                o.object("file", |f| write_file_fields(f, file));
            }
            o.object("mmap", |m| {
                write_hex(m, "address", e.address);
                m.u64("offset", e.offset);
                m.u64("length", e.length);
                write_mask(
                    m,
                    "protection",
                    FlagNames::new(&PROT_FLAGS, e.protection, false),
                );
                write_mask(m, "flags", FlagNames::new(&MAP_FLAGS, e.flags, false));
            });
        }
        EventData::Mprotect(e) => o.object("mprotect", |m| {
            write_hex(m, "vm_start", e.vm_start);
            write_hex(m, "vm_end", e.vm_end);
            write_mask(
                m,
                "vm_protection",
                FlagNames::new(&VM_FLAGS, e.vm_protection, false),
            );
            write_mask(
                m,
                "req_protection",
                FlagNames::new(&VM_FLAGS, e.req_protection, false),
            );
        }),
        EventData::Ptrace(e) => o.object("ptrace", |p| {
            p.str("request", &enum_name(&PTRACE_REQUESTS, e.request.into()));
            write_hex(p, "address", e.address);
            if let Some(tracee) = &e.tracee {
                p.object("tracee", |t| {
                    write_process_context(t, tracee, tracee.tid, |_| {})
                });
            }
        }),
        EventData::LoadModule(e) => {
            if let Some(file) = e.file.as_ref().filter(|_| !e.loaded_from_memory) {
                o.object("file", |f| write_file_fields(f, file));
            }
            o.object("module", |m| {
                m.str("name", &e.name);
                m.bool("loaded_from_memory", e.loaded_from_memory);
            });
        }
        EventData::UnloadModule(e) => o.object("module", |m| m.str("name", &e.name)),
        EventData::Signal(e) => o.object("signal", |s| {
            s.str("type", &enum_name(&SIGNALS, e.signal.into()));
            s.u64("pid", e.pid.into());
            if let Some(target) = &e.target {
                s.object("target", |t| {
                    write_process_context(t, target, target.tid, |_| {})
                });
            }
        }),
        EventData::Splice(e) => {
            if let Some(file) = e.file.as_ref().filter(|f| f.inode != 0) {
                o.object("file", |f| write_file_fields(f, file));
            }
            o.object("splice", |s| {
                write_mask(
                    s,
                    "pipe_entry_flag",
                    FlagNames::new(&PIPE_BUF_FLAGS, e.pipe_entry_flag.into(), false),
                );
                write_mask(
                    s,
                    "pipe_exit_flag",
                    FlagNames::new(&PIPE_BUF_FLAGS, e.pipe_exit_flag.into(), false),
                );
            });
        }
        EventData::Dns(e) => o.object("dns", |d| {
            d.u64("id", e.id.into());
            d.object("question", |q| {
                q.str("class", &enum_name(&DNS_CLASSES, e.question.class.into()));
                q.str("type", &enum_name(&DNS_TYPES, e.question.qtype.into()));
                q.str("name", &e.question.name);
                q.u64("size", e.question.size.into());
                q.u64("count", e.question.count.into());
            });
        }),
        EventData::Bind(e) => o.object("bind", |b| {
            b.object("addr", |a| {
                a.str("family", &enum_name(&ADDRESS_FAMILIES, e.family.into()));
                write_ip(a, "ip", e.ip);
                a.u64("port", e.port.into());
            });
        }),
        EventData::Setuid(_) | EventData::Setgid(_) | EventData::Capset(_) => {}
        EventData::Selinux(e) => {
            o.object("file", |f| write_file_fields(f, &e.file));
            o.object("selinux", |s| match &e.change {
                SelinuxChange::Bool { name, state } => s.object("bool", |b| {
                    b.str_opt("name", name);
                    b.str_opt("state", state);
                }),
                SelinuxChange::Enforce { status } => {
                    s.object("enforce", |b| b.str_opt("status", status))
                }
                SelinuxChange::BoolCommit { state } => {
                    s.object("bool_commit", |b| b.bool("state", *state))
                }
            });
        }
        EventData::AnomalyDetectionSyscall(e) => {
            o.object("anomaly_detection_syscall", |a| {
                a.str("syscall", &e.syscall)
            });
        }
        // connect / accept / chdir / prctl are newer than the spec's schema; they follow the
        // shape of Datadog's newer serializer.
        EventData::Connect(e) | EventData::Accept(e) => {
            let key = if matches!(event.data, EventData::Connect(_)) {
                "connect"
            } else {
                "accept"
            };
            o.object(key, |c| {
                c.object("addr", |a| {
                    a.str("family", &enum_name(&ADDRESS_FAMILIES, e.family.into()));
                    write_ip(a, "ip", e.ip);
                    a.u64("port", e.port.into());
                });
                c.u64("protocol", e.protocol.into());
            });
        }
        EventData::Chdir(e) => o.object("file", |f| write_file_fields(f, &e.file)),
        EventData::Prctl(e) => o.object("prctl", |p| {
            p.u64("option", e.option.into());
            p.str_opt("new_name", &e.new_name);
            p.bool("is_name_truncated", e.is_name_truncated);
        }),
    }
}

/// Writes the fields of the spec's `File` definition.
fn write_file_fields(f: &mut ObjectWriter<'_>, file: &File) {
    f.str_opt("path", &file.path);
    f.str_opt("name", &file.name);
    f.str_opt("path_resolution_error", &file.path_resolution_error);
    f.u64_opt("inode", file.inode);
    f.u64_opt("mode", file.mode.into());
    if let Some(upper) = file.in_upper_layer {
        f.bool("in_upper_layer", upper);
    }
    f.u64_opt("mount_id", file.mount_id.into());
    f.str_opt("filesystem", &file.filesystem);
    f.u64("uid", file.uid.into());
    f.u64("gid", file.gid.into());
    f.str_opt("user", &file.user);
    f.str_opt("group", &file.group);
    f.time_opt("modification_time", file.modification_time);
    f.time_opt("change_time", file.change_time);
    f.str_opt("package_name", &file.package_name);
    f.str_opt("package_version", &file.package_version);
}

fn write_destination_mode(d: &mut ObjectWriter<'_>, mode: u32) {
    d.u64_opt("mode", mode.into());
    d.u64("uid", 0);
    d.u64("gid", 0);
}

fn write_flags(f: &mut ObjectWriter<'_>, flags: FlagNames) {
    if flags.is_empty() {
        return;
    }
    let mut leftover = itoa::Buffer::new();
    let extra = (flags.leftover != 0).then(|| leftover.format(flags.leftover));
    f.str_array("flags", flags.names().iter().copied().chain(extra));
}

fn write_mask(o: &mut ObjectWriter<'_>, key: &str, flags: FlagNames) {
    let mut joined = Vec::with_capacity(64);
    flags.write_joined(&mut joined);
    o.str(key, std::str::from_utf8(&joined).unwrap_or_default());
}

fn write_hex(o: &mut ObjectWriter<'_>, key: &str, value: u64) {
    let mut buf = [0u8; 18];
    let hex = format_hex(value, &mut buf);
    o.str(key, hex);
}

fn format_hex(value: u64, buf: &mut [u8; 18]) -> &str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut i = buf.len();
    let mut v = value;
    loop {
        i -= 1;
        buf[i] = DIGITS[(v & 0xf) as usize];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    i -= 1;
    buf[i] = b'x';
    i -= 1;
    buf[i] = b'0';
    std::str::from_utf8(&buf[i..]).unwrap_or("0x0")
}

fn write_ip(o: &mut ObjectWriter<'_>, key: &str, ip: IpAddr) {
    let mut buf = Vec::with_capacity(40);
    use std::io::Write;
    // Go's net.IP.String(): IPv4-mapped IPv6 addresses print as IPv4.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let _ = write!(buf, "{ip}");
    o.str(key, std::str::from_utf8(&buf).unwrap_or_default());
}

fn write_network(n: &mut ObjectWriter<'_>, net: &NetworkContext) {
    if let Some(dev) = &net.device {
        n.object("device", |d| {
            d.u64("netns", dev.netns.into());
            d.u64("ifindex", dev.ifindex.into());
            d.str("ifname", &dev.ifname);
        });
    }
    n.str(
        "l3_protocol",
        &enum_name(&ETH_PROTOCOLS, net.l3_protocol.into()),
    );
    n.str(
        "l4_protocol",
        &enum_name(&IP_PROTOCOLS, net.l4_protocol.into()),
    );
    for (key, ep) in [("source", &net.source), ("destination", &net.destination)] {
        n.object(key, |e| {
            write_ip(e, "ip", ep.ip);
            e.u64("port", ep.port.into());
        });
    }
    n.u64("size", net.size.into());
}

fn write_caps(o: &mut ObjectWriter<'_>, key: &str, caps: u64) {
    let names = FlagNames::new(&CAPABILITIES, caps, false);
    o.str_array(key, names.names().iter().copied());
}

fn write_credentials(c: &mut ObjectWriter<'_>, cred: &Credentials) {
    c.u64("uid", cred.uid.into());
    c.str_opt("user", &cred.user);
    c.u64("gid", cred.gid.into());
    c.str_opt("group", &cred.group);
    c.u64("euid", cred.euid.into());
    c.str_opt("euser", &cred.euser);
    c.u64("egid", cred.egid.into());
    c.str_opt("egroup", &cred.egroup);
    c.u64("fsuid", cred.fsuid.into());
    c.str_opt("fsuser", &cred.fsuser);
    c.u64("fsgid", cred.fsgid.into());
    c.str_opt("fsgroup", &cred.fsgroup);
    write_caps(c, "cap_effective", cred.cap_effective);
    write_caps(c, "cap_permitted", cred.cap_permitted);
}

fn write_container(w: &mut ObjectWriter<'_>, c: &ContainerContext) {
    w.str_opt("id", &c.id);
    w.time_opt("created_at", c.created_at);
}

/// Writes the fields of the spec's `Process` definition. `with_args` is false for an ancestor
/// that shares its arguments with the previous entry of the chain (Datadog's dedup).
fn write_process(
    p: &mut ObjectWriter<'_>,
    proc: &Process,
    tid: u32,
    with_args: bool,
    extra_credentials: impl FnOnce(&mut ObjectWriter<'_>),
) {
    let cred = &proc.credentials;
    p.u64_opt("pid", proc.pid.into());
    p.u64_opt("ppid", proc.ppid.into());
    p.u64_opt("tid", tid.into());
    p.u64("uid", cred.uid.into());
    p.u64("gid", cred.gid.into());
    p.str_opt("user", &cred.user);
    p.str_opt("group", &cred.group);
    p.str_opt("path_resolution_error", &proc.file.path_resolution_error);
    p.str_opt("comm", &proc.comm);
    p.str_opt("tty", &proc.tty_name);
    p.time_opt("fork_time", proc.fork_time);
    p.time_opt("exec_time", proc.exec_time);
    p.time_opt("exit_time", proc.exit_time);
    p.object("credentials", |c| {
        write_credentials(c, cred);
        extra_credentials(c);
    });
    p.object("executable", |f| write_file_fields(f, &proc.file));
    if let Some(interp) = &proc.interpreter {
        p.object("interpreter", |f| write_file_fields(f, interp));
    }
    if let Some(c) = proc.container.as_ref().filter(|c| !c.id.is_empty()) {
        p.object("container", |w| write_container(w, c));
    }
    if with_args {
        let a = &proc.args;
        p.str_opt("argv0", &a.argv0);
        if !a.args.is_empty() {
            p.str_array("args", a.args.iter().map(String::as_str));
        }
        p.bool_opt("args_truncated", a.args_truncated);
        if !a.envp.is_empty() {
            p.str_array("envs", a.env_names());
        }
        p.bool_opt("envs_truncated", a.envs_truncated);
    }
    p.bool_opt("is_thread", proc.is_thread);
    p.bool_opt("is_kworker", proc.is_kworker);
}

/// Writes the spec's `ProcessContext`: the process, its parent and its ancestors.
fn write_process_context(
    p: &mut ObjectWriter<'_>,
    proc: &Arc<Process>,
    tid: u32,
    extra_credentials: impl FnOnce(&mut ObjectWriter<'_>),
) {
    write_process(p, proc, tid, true, extra_credentials);
    let Some(parent) = proc.parent() else { return };
    p.object("parent", |w| {
        write_process(
            w,
            parent,
            parent.tid,
            !shares_args_with_ancestor(parent),
            |_| {},
        )
    });
    let total = proc.ancestors().count();
    let skip = total.saturating_sub(MAX_ANCESTORS);
    let keep_head = if skip > 0 { MAX_ANCESTORS / 2 } else { total };
    let chain = proc
        .ancestors()
        .enumerate()
        .filter(|(i, _)| *i < keep_head || *i >= keep_head + skip);
    p.object_array("ancestors", chain, |w, (_, ancestor)| {
        write_process(
            w,
            ancestor,
            ancestor.tid,
            !shares_args_with_ancestor(ancestor),
            |_| {},
        );
    });
}

/// Datadog's dedup: an ancestor whose arguments are the same entry as its own ancestor's (a
/// forked copy that did not exec) is written without them; the older entry carries them.
fn shares_args_with_ancestor(p: &Process) -> bool {
    p.ancestor
        .as_ref()
        .is_some_and(|next| Arc::ptr_eq(&next.args, &p.args))
}

#[cfg(test)]
mod tests {
    use super::format_hex;

    #[test]
    fn hex_addresses() {
        let mut b = [0u8; 18];
        assert_eq!(format_hex(0, &mut b), "0x0");
        assert_eq!(format_hex(0x7f12_3456_9000, &mut b), "0x7f1234569000");
        assert_eq!(format_hex(u64::MAX, &mut b), "0xffffffffffffffff");
    }
}
