//! CWS JSON → model. Reads what [`super::ser`] writes (and what other CWS producers write in the
//! same schema), accepting and ignoring the output-record envelope keys. Unknown keys are errors,
//! so a typo or a foreign document is reported instead of silently producing an empty event.
//! Values the JSON does not carry (the audit uid, environment values) come back as their
//! defaults: `auid` = `u32::MAX`, `envp` holds names only.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use serde::Deserialize;

use super::names::{parse_enum_name, parse_flag_names};
use crate::consts::{
    ConstTable, ADDRESS_FAMILIES, BPF_ATTACH_TYPES, BPF_CMDS, BPF_HELPERS, BPF_MAP_TYPES,
    BPF_PROG_TYPES, CAPABILITIES, DNS_CLASSES, DNS_TYPES, ETH_PROTOCOLS, IP_PROTOCOLS, MAP_FLAGS,
    OPEN_FLAGS, PIPE_BUF_FLAGS, PROT_FLAGS, PTRACE_REQUESTS, SIGNALS, UNLINK_FLAGS, VM_FLAGS,
};
use crate::event::*;
use crate::file::File;
use crate::process::{ArgsEnvs, ContainerContext, Credentials, Process};
use crate::time::{parse_rfc3339, Timestamp};

/// Why a document could not be turned into an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Where in the document (`file.flags`, `process.ancestors`...); empty for the whole document.
    pub path: String,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for DecodeError {}

fn err(path: &str, message: impl Into<String>) -> DecodeError {
    DecodeError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// Parses one CWS JSON event (optionally wrapped in the output-record envelope).
pub fn from_json(json: &[u8]) -> Result<Event, DecodeError> {
    let wire: WEvent = serde_json::from_slice(json).map_err(|e| err("", e.to_string()))?;
    wire.into_event()
}

/// Parses a CWS JSON event that is already a `serde_json::Value`.
pub fn from_value(value: serde_json::Value) -> Result<Event, DecodeError> {
    let wire: WEvent = serde_json::from_value(value).map_err(|e| err("", e.to_string()))?;
    wire.into_event()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WEvent {
    evt: WEvt,
    file: Option<WFile>,
    selinux: Option<WSelinux>,
    bpf: Option<WBpf>,
    mmap: Option<WMmap>,
    mprotect: Option<WMprotect>,
    ptrace: Option<WPtrace>,
    module: Option<WModule>,
    signal: Option<WSignal>,
    splice: Option<WSplice>,
    dns: Option<WDns>,
    network: Option<WNetwork>,
    bind: Option<WBind>,
    exit: Option<WExit>,
    mount: Option<WMount>,
    anomaly_detection_syscall: Option<WAnomaly>,
    connect: Option<WConnect>,
    accept: Option<WConnect>,
    prctl: Option<WPrctl>,
    #[allow(dead_code)]
    usr: Option<serde::de::IgnoredAny>,
    process: Option<WProcess>,
    dd: Option<WDd>,
    container: Option<WContainer>,
    security_profile: Option<WSecurityProfile>,
    date: Option<String>,
    // Output-record envelope: accepted, not part of the event.
    #[allow(dead_code)]
    agent: Option<serde::de::IgnoredAny>,
    #[allow(dead_code)]
    title: Option<serde::de::IgnoredAny>,
    #[allow(dead_code)]
    hostname: Option<serde::de::IgnoredAny>,
    #[allow(dead_code)]
    service: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WEvt {
    name: String,
    #[allow(dead_code)]
    category: Option<String>,
    outcome: Option<String>,
    #[serde(rename = "async", default)]
    is_async: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WFile {
    path: String,
    name: String,
    path_resolution_error: String,
    inode: u64,
    mode: u32,
    in_upper_layer: Option<bool>,
    mount_id: u32,
    filesystem: String,
    uid: i64,
    gid: i64,
    user: String,
    group: String,
    attribute_name: String,
    attribute_namespace: String,
    flags: Vec<String>,
    access_time: Option<String>,
    modification_time: Option<String>,
    change_time: Option<String>,
    package_name: String,
    package_version: String,
    destination: Option<Box<WFile>>,
    new_mount_id: u32,
    #[allow(dead_code)]
    group_id: u32,
    #[allow(dead_code)]
    device: u32,
    #[allow(dead_code)]
    fstype: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WCredentials {
    uid: u32,
    user: String,
    gid: u32,
    group: String,
    euid: u32,
    euser: String,
    egid: u32,
    egroup: String,
    fsuid: u32,
    fsuser: String,
    fsgid: u32,
    fsgroup: String,
    cap_effective: Vec<String>,
    cap_permitted: Vec<String>,
    destination: Option<WCredentialsDestination>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WCredentialsDestination {
    uid: Option<u32>,
    user: String,
    euid: u32,
    euser: String,
    fsuid: u32,
    fsuser: String,
    gid: Option<u32>,
    group: String,
    egid: u32,
    egroup: String,
    fsgid: u32,
    fsgroup: String,
    cap_effective: Vec<String>,
    cap_permitted: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WContainer {
    id: String,
    created_at: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WProcess {
    pid: u32,
    ppid: u32,
    tid: u32,
    uid: u32,
    gid: u32,
    user: String,
    group: String,
    path_resolution_error: String,
    comm: String,
    tty: String,
    fork_time: Option<String>,
    exec_time: Option<String>,
    exit_time: Option<String>,
    credentials: Option<WCredentials>,
    executable: Option<WFile>,
    interpreter: Option<WFile>,
    container: Option<WContainer>,
    argv0: String,
    args: Vec<String>,
    args_truncated: bool,
    envs: Vec<String>,
    envs_truncated: bool,
    is_thread: bool,
    is_kworker: bool,
    parent: Option<Box<WProcess>>,
    ancestors: Option<Vec<WProcess>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WExit {
    cause: String,
    code: u32,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WSelinux {
    bool: Option<WSelinuxBool>,
    enforce: Option<WSelinuxEnforce>,
    bool_commit: Option<WSelinuxCommit>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WSelinuxBool {
    name: String,
    state: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WSelinuxEnforce {
    status: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WSelinuxCommit {
    state: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WBpf {
    cmd: String,
    map: Option<WBpfMap>,
    program: Option<WBpfProgram>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WBpfMap {
    name: String,
    map_type: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WBpfProgram {
    name: String,
    tag: String,
    program_type: String,
    attach_type: String,
    helpers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WMmap {
    address: String,
    offset: u64,
    length: u64,
    protection: String,
    flags: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WMprotect {
    vm_start: String,
    vm_end: String,
    vm_protection: String,
    req_protection: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WPtrace {
    request: String,
    address: String,
    tracee: Option<WProcess>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WModule {
    name: String,
    #[serde(default)]
    loaded_from_memory: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WSignal {
    #[serde(rename = "type")]
    signal: String,
    pid: u32,
    target: Option<WProcess>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WSplice {
    pipe_entry_flag: String,
    pipe_exit_flag: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WDns {
    id: u16,
    question: Option<WDnsQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WDnsQuestion {
    class: String,
    #[serde(rename = "type")]
    qtype: String,
    name: String,
    size: u16,
    count: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WNetwork {
    device: Option<WDevice>,
    l3_protocol: String,
    l4_protocol: String,
    source: WIpPort,
    destination: WIpPort,
    size: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WDevice {
    netns: u32,
    ifindex: u32,
    ifname: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WIpPort {
    ip: String,
    port: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WBind {
    addr: WIpPortFamily,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WConnect {
    addr: WIpPortFamily,
    #[serde(default)]
    protocol: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WPrctl {
    option: u32,
    #[serde(default)]
    new_name: String,
    #[serde(default)]
    is_name_truncated: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WIpPortFamily {
    family: String,
    ip: String,
    port: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WMount {
    mp: Option<WFile>,
    root: Option<WFile>,
    mount_id: u32,
    group_id: u32,
    parent_mount_id: u32,
    bind_src_mount_id: u32,
    device: u32,
    #[serde(default)]
    fs_type: String,
    #[serde(rename = "mountpoint.path", default)]
    mountpoint_path: String,
    #[serde(rename = "source.path", default)]
    source_path: String,
    #[serde(rename = "mountpoint.path_error", default)]
    mountpoint_path_error: String,
    #[serde(rename = "source.path_error", default)]
    source_path_error: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WAnomaly {
    syscall: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WDd {
    span_id: u64,
    trace_id: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WSecurityProfile {
    name: String,
    status: String,
    version: String,
    tags: Vec<String>,
}

fn time(path: &str, value: &Option<String>) -> Result<Timestamp, DecodeError> {
    match value {
        None => Ok(0),
        Some(s) => parse_rfc3339(s).map_err(|e| err(path, e.to_string())),
    }
}

fn enum_value(path: &str, table: &ConstTable, name: &str) -> Result<i64, DecodeError> {
    parse_enum_name(table, name).map_err(|e| err(path, e))
}

fn flags_value(path: &str, table: &ConstTable, names: &[String]) -> Result<u64, DecodeError> {
    parse_flag_names(table, names.iter().map(String::as_str)).map_err(|e| err(path, e))
}

fn mask_value(path: &str, table: &ConstTable, joined: &str) -> Result<u64, DecodeError> {
    parse_flag_names(table, joined.split('|')).map_err(|e| err(path, e))
}

fn hex_value(path: &str, s: &str) -> Result<u64, DecodeError> {
    let digits = s
        .strip_prefix("0x")
        .ok_or_else(|| err(path, format!("expected 0x-prefixed hex, got {s:?}")))?;
    u64::from_str_radix(digits, 16).map_err(|e| err(path, format!("{s:?}: {e}")))
}

fn ip_value(path: &str, s: &str) -> Result<IpAddr, DecodeError> {
    s.parse()
        .map_err(|_| err(path, format!("invalid IP address {s:?}")))
}

fn caps_value(path: &str, names: &[String]) -> Result<u64, DecodeError> {
    flags_value(path, &CAPABILITIES, names)
}

fn u32_id(path: &str, v: i64) -> Result<u32, DecodeError> {
    u32::try_from(v).map_err(|_| err(path, format!("{v} is not a valid id")))
}

impl WFile {
    fn to_file(&self, path: &str) -> Result<File, DecodeError> {
        Ok(File {
            path: self.path.clone(),
            name: self.name.clone(),
            path_resolution_error: self.path_resolution_error.clone(),
            inode: self.inode,
            mode: self.mode,
            in_upper_layer: self.in_upper_layer,
            mount_id: self.mount_id,
            filesystem: self.filesystem.clone(),
            uid: u32_id(&format!("{path}.uid"), self.uid)?,
            gid: u32_id(&format!("{path}.gid"), self.gid)?,
            user: self.user.clone(),
            group: self.group.clone(),
            modification_time: time(
                &format!("{path}.modification_time"),
                &self.modification_time,
            )?,
            change_time: time(&format!("{path}.change_time"), &self.change_time)?,
            package_name: self.package_name.clone(),
            package_version: self.package_version.clone(),
        })
    }

    fn destination(&self) -> Result<&WFile, DecodeError> {
        self.destination
            .as_deref()
            .ok_or_else(|| err("file.destination", "missing"))
    }
}

fn container(path: &str, c: &WContainer) -> Result<ContainerContext, DecodeError> {
    Ok(ContainerContext {
        id: c.id.clone(),
        created_at: time(&format!("{path}.created_at"), &c.created_at)?,
    })
}

impl WProcess {
    /// One process entry without its ancestry; `args` is shared when the caller already has it.
    fn to_process(
        &self,
        path: &str,
        args: Option<Arc<ArgsEnvs>>,
        ancestor: Option<Arc<Process>>,
    ) -> Result<Process, DecodeError> {
        let c = self.credentials.as_ref();
        let credentials = match c {
            Some(c) => Credentials {
                uid: c.uid,
                gid: c.gid,
                euid: c.euid,
                egid: c.egid,
                fsuid: c.fsuid,
                fsgid: c.fsgid,
                auid: u32::MAX,
                user: c.user.clone(),
                group: c.group.clone(),
                euser: c.euser.clone(),
                egroup: c.egroup.clone(),
                fsuser: c.fsuser.clone(),
                fsgroup: c.fsgroup.clone(),
                cap_effective: caps_value(
                    &format!("{path}.credentials.cap_effective"),
                    &c.cap_effective,
                )?,
                cap_permitted: caps_value(
                    &format!("{path}.credentials.cap_permitted"),
                    &c.cap_permitted,
                )?,
            },
            None => Credentials {
                uid: self.uid,
                gid: self.gid,
                auid: u32::MAX,
                user: self.user.clone(),
                group: self.group.clone(),
                ..Credentials::default()
            },
        };
        let mut file = match &self.executable {
            Some(f) => f.to_file(&format!("{path}.executable"))?,
            None => File::default(),
        };
        if file.path_resolution_error.is_empty() {
            file.path_resolution_error = self.path_resolution_error.clone();
        }
        let args = args.unwrap_or_else(|| Arc::new(self.args_envs()));
        Ok(Process {
            pid: self.pid,
            ppid: self.ppid,
            tid: self.tid,
            comm: self.comm.clone(),
            tty_name: self.tty.clone(),
            fork_time: time(&format!("{path}.fork_time"), &self.fork_time)?,
            exec_time: time(&format!("{path}.exec_time"), &self.exec_time)?,
            exit_time: time(&format!("{path}.exit_time"), &self.exit_time)?,
            credentials,
            file,
            interpreter: self
                .interpreter
                .as_ref()
                .map(|f| f.to_file(&format!("{path}.interpreter")))
                .transpose()?,
            container: self
                .container
                .as_ref()
                .map(|c| container(&format!("{path}.container"), c))
                .transpose()?,
            cgroup: String::new(),
            args,
            is_thread: self.is_thread,
            is_kworker: self.is_kworker,
            ancestor,
        })
    }

    fn args_envs(&self) -> ArgsEnvs {
        ArgsEnvs {
            argv0: self.argv0.clone(),
            args: self.args.clone(),
            args_truncated: self.args_truncated,
            envp: self.envs.clone(),
            envs_truncated: self.envs_truncated,
        }
    }

    fn has_args(&self) -> bool {
        !self.argv0.is_empty()
            || !self.args.is_empty()
            || !self.envs.is_empty()
            || self.args_truncated
            || self.envs_truncated
    }

    /// The process with its ancestry chain rebuilt (from `ancestors`, else from `parent`).
    fn to_context(&self, path: &str) -> Result<Arc<Process>, DecodeError> {
        let chain: Vec<&WProcess> = match (&self.ancestors, &self.parent) {
            (Some(list), _) if !list.is_empty() => list.iter().collect(),
            (_, Some(parent)) => vec![parent.as_ref()],
            _ => Vec::new(),
        };
        // Oldest first; an entry written without arguments shares its ancestor's (serializer dedup).
        let mut ancestor: Option<Arc<Process>> = None;
        for (i, w) in chain.iter().enumerate().rev() {
            let shared = match &ancestor {
                Some(a) if !w.has_args() => Some(a.args.clone()),
                _ => None,
            };
            ancestor = Some(Arc::new(w.to_process(
                &format!("{path}.ancestors[{i}]"),
                shared,
                ancestor.take(),
            )?));
        }
        Ok(Arc::new(self.to_process(path, None, ancestor)?))
    }
}

impl WEvent {
    fn into_event(self) -> Result<Event, DecodeError> {
        let ty = EventType::from_name(&self.evt.name).ok_or_else(|| {
            err(
                "evt.name",
                format!("unknown event type {:?}", self.evt.name),
            )
        })?;
        let wprocess = self
            .process
            .as_ref()
            .ok_or_else(|| err("process", "missing"))?;
        let process = wprocess.to_context("process")?;
        let file = self.file.as_ref();
        let need_file =
            || file.ok_or_else(|| err("file", format!("missing (required for {})", ty.name())));
        let file_of = |f: &WFile| f.to_file("file");
        let data = match ty {
            EventType::Exec => EventData::Exec,
            EventType::Fork => EventData::Fork,
            EventType::Exit => {
                let e = self.exit.as_ref().ok_or_else(|| err("exit", "missing"))?;
                let cause = ExitCause::from_name(&e.cause)
                    .ok_or_else(|| err("exit.cause", format!("unknown cause {:?}", e.cause)))?;
                EventData::Exit(ExitEvent {
                    cause,
                    code: e.code,
                })
            }
            EventType::Open => {
                let f = need_file()?;
                let flags = flags_value("file.flags", &OPEN_FLAGS, &f.flags)? as u32;
                let mode = f.destination.as_ref().map_or(0, |d| d.mode);
                EventData::Open(OpenEvent {
                    file: file_of(f)?,
                    flags,
                    mode,
                })
            }
            EventType::Chmod => {
                let f = need_file()?;
                EventData::Chmod(ChmodEvent {
                    file: file_of(f)?,
                    mode: f.destination()?.mode,
                })
            }
            EventType::Chown => {
                let f = need_file()?;
                let d = f.destination()?;
                EventData::Chown(ChownEvent {
                    file: file_of(f)?,
                    uid: d.uid,
                    gid: d.gid,
                    user: d.user.clone(),
                    group: d.group.clone(),
                })
            }
            EventType::Link => {
                let f = need_file()?;
                EventData::Link(LinkEvent {
                    source: file_of(f)?,
                    target: f.destination()?.to_file("file.destination")?,
                })
            }
            EventType::Rename => {
                let f = need_file()?;
                EventData::Rename(RenameEvent {
                    old: file_of(f)?,
                    new: f.destination()?.to_file("file.destination")?,
                })
            }
            EventType::Unlink => {
                let f = need_file()?;
                let flags = flags_value("file.flags", &UNLINK_FLAGS, &f.flags)? as u32;
                EventData::Unlink(UnlinkEvent {
                    file: file_of(f)?,
                    flags,
                })
            }
            EventType::Mkdir => {
                let f = need_file()?;
                EventData::Mkdir(MkdirEvent {
                    file: file_of(f)?,
                    mode: f.destination()?.mode,
                })
            }
            EventType::Rmdir => EventData::Rmdir(RmdirEvent {
                file: file_of(need_file()?)?,
            }),
            EventType::Utimes => {
                let f = need_file()?;
                let d = f.destination()?;
                EventData::Utimes(UtimesEvent {
                    file: file_of(f)?,
                    atime: time("file.destination.access_time", &d.access_time)?,
                    mtime: time("file.destination.modification_time", &d.modification_time)?,
                })
            }
            EventType::SetXattr | EventType::RemoveXattr => {
                let f = need_file()?;
                let d = f.destination()?;
                let x = XattrEvent {
                    file: file_of(f)?,
                    name: d.attribute_name.clone(),
                    namespace: d.attribute_namespace.clone(),
                };
                if ty == EventType::SetXattr {
                    EventData::SetXattr(x)
                } else {
                    EventData::RemoveXattr(x)
                }
            }
            EventType::Mount => {
                let m = self.mount.as_ref().ok_or_else(|| err("mount", "missing"))?;
                EventData::Mount(MountEvent {
                    mount_id: m.mount_id,
                    group_id: m.group_id,
                    parent_mount_id: m.parent_mount_id,
                    bind_src_mount_id: m.bind_src_mount_id,
                    device: m.device,
                    fs_type: m.fs_type.clone(),
                    mountpoint_path: m.mountpoint_path.clone(),
                    source_path: m.source_path.clone(),
                    mountpoint_path_error: m.mountpoint_path_error.clone(),
                    source_path_error: m.source_path_error.clone(),
                    mountpoint: m.mp.as_ref().map(|f| f.to_file("mount.mp")).transpose()?,
                    root: m
                        .root
                        .as_ref()
                        .map(|f| f.to_file("mount.root"))
                        .transpose()?,
                })
            }
            EventType::Umount => EventData::Umount(UmountEvent {
                mount_id: need_file()?.new_mount_id,
            }),
            EventType::Bpf => {
                let b = self.bpf.as_ref().ok_or_else(|| err("bpf", "missing"))?;
                let map = match &b.map {
                    Some(m) => Some(BpfMap {
                        name: m.name.clone(),
                        map_type: enum_value("bpf.map.map_type", &BPF_MAP_TYPES, &m.map_type)?
                            as u32,
                    }),
                    None => None,
                };
                let program = match &b.program {
                    Some(p) => Some(BpfProgram {
                        name: p.name.clone(),
                        tag: p.tag.clone(),
                        program_type: enum_value(
                            "bpf.program.program_type",
                            &BPF_PROG_TYPES,
                            &p.program_type,
                        )? as u32,
                        attach_type: enum_value(
                            "bpf.program.attach_type",
                            &BPF_ATTACH_TYPES,
                            &p.attach_type,
                        )? as u32,
                        helpers: p
                            .helpers
                            .iter()
                            .map(|h| {
                                enum_value("bpf.program.helpers", &BPF_HELPERS, h).map(|v| v as u32)
                            })
                            .collect::<Result<_, _>>()?,
                    }),
                    None => None,
                };
                EventData::Bpf(BpfEvent {
                    cmd: enum_value("bpf.cmd", &BPF_CMDS, &b.cmd)? as u32,
                    map,
                    program,
                })
            }
            EventType::Mmap => {
                let m = self.mmap.as_ref().ok_or_else(|| err("mmap", "missing"))?;
                EventData::Mmap(MmapEvent {
                    file: file.map(file_of).transpose()?,
                    address: hex_value("mmap.address", &m.address)?,
                    offset: m.offset,
                    length: m.length,
                    protection: mask_value("mmap.protection", &PROT_FLAGS, &m.protection)?,
                    flags: mask_value("mmap.flags", &MAP_FLAGS, &m.flags)?,
                })
            }
            EventType::Mprotect => {
                let m = self
                    .mprotect
                    .as_ref()
                    .ok_or_else(|| err("mprotect", "missing"))?;
                EventData::Mprotect(MprotectEvent {
                    vm_start: hex_value("mprotect.vm_start", &m.vm_start)?,
                    vm_end: hex_value("mprotect.vm_end", &m.vm_end)?,
                    vm_protection: mask_value(
                        "mprotect.vm_protection",
                        &VM_FLAGS,
                        &m.vm_protection,
                    )?,
                    req_protection: mask_value(
                        "mprotect.req_protection",
                        &VM_FLAGS,
                        &m.req_protection,
                    )?,
                })
            }
            EventType::Ptrace => {
                let p = self
                    .ptrace
                    .as_ref()
                    .ok_or_else(|| err("ptrace", "missing"))?;
                let tracee = p
                    .tracee
                    .as_ref()
                    .map(|t| t.to_context("ptrace.tracee"))
                    .transpose()?;
                EventData::Ptrace(PtraceEvent {
                    request: enum_value("ptrace.request", &PTRACE_REQUESTS, &p.request)? as u32,
                    pid: tracee.as_ref().map_or(0, |t| t.pid),
                    address: hex_value("ptrace.address", &p.address)?,
                    tracee,
                })
            }
            EventType::LoadModule => {
                let m = self
                    .module
                    .as_ref()
                    .ok_or_else(|| err("module", "missing"))?;
                EventData::LoadModule(LoadModuleEvent {
                    name: m.name.clone(),
                    file: file.map(file_of).transpose()?,
                    loaded_from_memory: m.loaded_from_memory,
                    args: String::new(),
                    args_truncated: false,
                })
            }
            EventType::UnloadModule => {
                let m = self
                    .module
                    .as_ref()
                    .ok_or_else(|| err("module", "missing"))?;
                EventData::UnloadModule(UnloadModuleEvent {
                    name: m.name.clone(),
                })
            }
            EventType::Signal => {
                let s = self
                    .signal
                    .as_ref()
                    .ok_or_else(|| err("signal", "missing"))?;
                EventData::Signal(SignalEvent {
                    signal: enum_value("signal.type", &SIGNALS, &s.signal)? as u32,
                    pid: s.pid,
                    target: s
                        .target
                        .as_ref()
                        .map(|t| t.to_context("signal.target"))
                        .transpose()?,
                })
            }
            EventType::Splice => {
                let s = self
                    .splice
                    .as_ref()
                    .ok_or_else(|| err("splice", "missing"))?;
                EventData::Splice(SpliceEvent {
                    file: file.map(file_of).transpose()?,
                    pipe_entry_flag: mask_value(
                        "splice.pipe_entry_flag",
                        &PIPE_BUF_FLAGS,
                        &s.pipe_entry_flag,
                    )? as u32,
                    pipe_exit_flag: mask_value(
                        "splice.pipe_exit_flag",
                        &PIPE_BUF_FLAGS,
                        &s.pipe_exit_flag,
                    )? as u32,
                })
            }
            EventType::Dns => {
                let d = self.dns.as_ref().ok_or_else(|| err("dns", "missing"))?;
                let question = match &d.question {
                    Some(q) => DnsQuestion {
                        name: q.name.clone(),
                        class: enum_value("dns.question.class", &DNS_CLASSES, &q.class)? as u16,
                        qtype: enum_value("dns.question.type", &DNS_TYPES, &q.qtype)? as u16,
                        size: q.size,
                        count: q.count,
                    },
                    None => DnsQuestion::default(),
                };
                EventData::Dns(DnsEvent { id: d.id, question })
            }
            EventType::Bind => {
                let b = self.bind.as_ref().ok_or_else(|| err("bind", "missing"))?;
                EventData::Bind(BindEvent {
                    family: enum_value("bind.addr.family", &ADDRESS_FAMILIES, &b.addr.family)?
                        as u16,
                    ip: ip_value("bind.addr.ip", &b.addr.ip)?,
                    port: b.addr.port,
                })
            }
            EventType::Setuid | EventType::Setgid | EventType::Capset => {
                let d = wprocess
                    .credentials
                    .as_ref()
                    .and_then(|c| c.destination.as_ref())
                    .ok_or_else(|| {
                        err(
                            "process.credentials.destination",
                            format!("missing (required for {})", ty.name()),
                        )
                    })?;
                match ty {
                    EventType::Setuid => EventData::Setuid(SetuidEvent {
                        uid: d
                            .uid
                            .ok_or_else(|| err("process.credentials.destination.uid", "missing"))?,
                        euid: d.euid,
                        fsuid: d.fsuid,
                        user: d.user.clone(),
                        euser: d.euser.clone(),
                        fsuser: d.fsuser.clone(),
                    }),
                    EventType::Setgid => EventData::Setgid(SetgidEvent {
                        gid: d
                            .gid
                            .ok_or_else(|| err("process.credentials.destination.gid", "missing"))?,
                        egid: d.egid,
                        fsgid: d.fsgid,
                        group: d.group.clone(),
                        egroup: d.egroup.clone(),
                        fsgroup: d.fsgroup.clone(),
                    }),
                    _ => EventData::Capset(CapsetEvent {
                        cap_effective: caps_value(
                            "process.credentials.destination.cap_effective",
                            &d.cap_effective,
                        )?,
                        cap_permitted: caps_value(
                            "process.credentials.destination.cap_permitted",
                            &d.cap_permitted,
                        )?,
                    }),
                }
            }
            EventType::Selinux => {
                let s = self
                    .selinux
                    .as_ref()
                    .ok_or_else(|| err("selinux", "missing"))?;
                let change = if let Some(b) = &s.bool {
                    SelinuxChange::Bool {
                        name: b.name.clone(),
                        state: b.state.clone(),
                    }
                } else if let Some(e) = &s.enforce {
                    SelinuxChange::Enforce {
                        status: e.status.clone(),
                    }
                } else if let Some(c) = &s.bool_commit {
                    SelinuxChange::BoolCommit { state: c.state }
                } else {
                    return Err(err(
                        "selinux",
                        "one of bool, enforce, bool_commit is required",
                    ));
                };
                EventData::Selinux(SelinuxEvent {
                    file: file.map(file_of).transpose()?.unwrap_or_default(),
                    change,
                })
            }
            EventType::AnomalyDetectionSyscall => {
                let a = self
                    .anomaly_detection_syscall
                    .as_ref()
                    .ok_or_else(|| err("anomaly_detection_syscall", "missing"))?;
                EventData::AnomalyDetectionSyscall(AnomalyDetectionSyscallEvent {
                    syscall: a.syscall.clone(),
                })
            }
            EventType::Connect | EventType::Accept => {
                let key = ty.name();
                let c = if ty == EventType::Connect {
                    self.connect.as_ref()
                } else {
                    self.accept.as_ref()
                };
                let c = c.ok_or_else(|| err(key, "missing"))?;
                let e = ConnectEvent {
                    family: enum_value(
                        &format!("{key}.addr.family"),
                        &ADDRESS_FAMILIES,
                        &c.addr.family,
                    )? as u16,
                    ip: ip_value(&format!("{key}.addr.ip"), &c.addr.ip)?,
                    port: c.addr.port,
                    protocol: c.protocol,
                };
                if ty == EventType::Connect {
                    EventData::Connect(e)
                } else {
                    EventData::Accept(e)
                }
            }
            EventType::Chdir => EventData::Chdir(ChdirEvent {
                file: file_of(need_file()?)?,
            }),
            EventType::Prctl => {
                let p = self.prctl.as_ref().ok_or_else(|| err("prctl", "missing"))?;
                EventData::Prctl(PrctlEvent {
                    option: p.option,
                    new_name: p.new_name.clone(),
                    is_name_truncated: p.is_name_truncated,
                })
            }
        };
        let network = match &self.network {
            Some(n) => Some(NetworkContext {
                device: n.device.as_ref().map(|d| NetworkDevice {
                    netns: d.netns,
                    ifindex: d.ifindex,
                    ifname: d.ifname.clone(),
                }),
                l3_protocol: enum_value("network.l3_protocol", &ETH_PROTOCOLS, &n.l3_protocol)?
                    as u16,
                l4_protocol: enum_value("network.l4_protocol", &IP_PROTOCOLS, &n.l4_protocol)?
                    as u16,
                source: IpPort {
                    ip: ip_value("network.source.ip", &n.source.ip)?,
                    port: n.source.port,
                },
                destination: IpPort {
                    ip: ip_value("network.destination.ip", &n.destination.ip)?,
                    port: n.destination.port,
                },
                size: n.size,
            }),
            None => None,
        };
        let retval = retval_from_outcome(ty, self.evt.outcome.as_deref())?;
        Ok(Event {
            timestamp: time("date", &self.date)?,
            is_async: self.evt.is_async,
            tid: wprocess.tid,
            container: self
                .container
                .as_ref()
                .map(|c| container("container", c))
                .transpose()?,
            retval,
            dd: self.dd.map(|d| DdContext {
                span_id: d.span_id,
                trace_id: d.trace_id,
            }),
            security_profile: self.security_profile.map(|s| SecurityProfile {
                name: s.name,
                status: s.status,
                version: s.version,
                tags: s.tags,
            }),
            network,
            process,
            data,
        })
    }
}

/// The JSON keeps only the outcome, not the return value: Refused maps back to -EACCES and Error
/// to -EINVAL, the representatives that produce the same outcome.
fn retval_from_outcome(ty: EventType, outcome: Option<&str>) -> Result<i64, DecodeError> {
    let retval = match outcome {
        None | Some("Success") => 0,
        Some("Refused") => -13,
        Some("Error") => -22,
        Some(other) => return Err(err("evt.outcome", format!("unknown outcome {other:?}"))),
    };
    if ty.outcome(retval).as_str() != outcome.unwrap_or("Success") {
        return Err(err(
            "evt.outcome",
            format!("{} events are always Success", ty.name()),
        ));
    }
    Ok(retval)
}
