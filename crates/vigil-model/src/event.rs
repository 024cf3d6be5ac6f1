//! The typed event: common context (time, process, container, retval) plus one payload per event
//! type. The set of event types is the seed era of the CWS spec.

use std::net::IpAddr;
use std::sync::Arc;

use crate::file::File;
use crate::process::{ContainerContext, Process};
use crate::time::Timestamp;

macro_rules! event_types {
    ($($variant:ident => $name:literal, $category:ident;)*) => {
        /// Every event type Vigil models, with its SECL / JSON name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventType { $($variant),* }

        impl EventType {
            /// All event types, in declaration order.
            pub const ALL: &'static [EventType] = &[$(EventType::$variant),*];

            /// The SECL / JSON `evt.name` of this type.
            pub const fn name(self) -> &'static str {
                match self { $(EventType::$variant => $name),* }
            }

            /// The `evt.category` of this type.
            pub const fn category(self) -> Category {
                match self { $(EventType::$variant => Category::$category),* }
            }

            /// Looks an event type up by its name.
            pub fn from_name(name: &str) -> Option<EventType> {
                match name { $($name => Some(EventType::$variant),)* _ => None }
            }
        }
    };
}

event_types! {
    Exec => "exec", Process;
    Fork => "fork", Process;
    Exit => "exit", Process;
    Open => "open", File;
    Chmod => "chmod", File;
    Chown => "chown", File;
    Link => "link", File;
    Rename => "rename", File;
    Unlink => "unlink", File;
    Mkdir => "mkdir", File;
    Rmdir => "rmdir", File;
    Utimes => "utimes", File;
    SetXattr => "setxattr", File;
    RemoveXattr => "removexattr", File;
    Mount => "mount", File;
    Umount => "umount", File;
    Bpf => "bpf", Kernel;
    Mmap => "mmap", Kernel;
    Mprotect => "mprotect", Kernel;
    Ptrace => "ptrace", Kernel;
    LoadModule => "load_module", File;
    UnloadModule => "unload_module", Kernel;
    Signal => "signal", Process;
    Splice => "splice", File;
    Dns => "dns", Network;
    Bind => "bind", Kernel;
    Setuid => "setuid", File;
    Setgid => "setgid", File;
    Capset => "capset", File;
    Selinux => "selinux", Kernel;
    AnomalyDetectionSyscall => "anomaly_detection_syscall", File;
    Connect => "connect", Network;
    Accept => "accept", Network;
    Chdir => "chdir", File;
    Prctl => "prctl", Kernel;
}

/// `evt.category`. Datadog's mapping: process events, kernel events, network events, and
/// everything else under "File Activity".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    File,
    Process,
    Kernel,
    Network,
}

impl Category {
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::File => "File Activity",
            Category::Process => "Process Activity",
            Category::Kernel => "Kernel Activity",
            Category::Network => "Network Activity",
        }
    }
}

/// `evt.outcome`, derived from the return value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Refused,
    Error,
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "Success",
            Outcome::Refused => "Refused",
            Outcome::Error => "Error",
        }
    }
}

const EPERM: i64 = 1;
const EACCES: i64 = 13;

impl EventType {
    /// Whether the spec's JSON schema (the 7.47–7.50 era) has this event type; connect,
    /// accept, chdir and prctl are newer and serialize in Datadog's newer shape.
    pub fn in_spec_schema(self) -> bool {
        !matches!(
            self,
            EventType::Connect | EventType::Accept | EventType::Chdir | EventType::Prctl
        )
    }

    /// Outcome for a return value: Refused for -EACCES/-EPERM, Error for other negative values,
    /// Success otherwise; event types without a meaningful return value are always Success.
    pub fn outcome(self, retval: i64) -> Outcome {
        match self {
            EventType::Exec
            | EventType::Fork
            | EventType::Exit
            | EventType::Setuid
            | EventType::Setgid
            | EventType::Capset
            | EventType::Selinux
            | EventType::Bpf
            | EventType::Dns => Outcome::Success,
            _ if retval == -EACCES || retval == -EPERM => Outcome::Refused,
            _ if retval < 0 => Outcome::Error,
            _ => Outcome::Success,
        }
    }
}

/// One event: the common context plus the per-type payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When it happened (`date`).
    pub timestamp: Timestamp,
    /// Whether the kernel reported it asynchronously (`evt.async`).
    pub is_async: bool,
    /// The process that caused the event (the new image for exec). Its ancestors are reachable
    /// through [`Process::ancestors`].
    pub process: Arc<Process>,
    /// The thread that caused the event; serialized as `process.tid`.
    pub tid: u32,
    /// The container of the event (usually the process's container).
    pub container: Option<ContainerContext>,
    /// Return value of the syscall (0 when not applicable).
    pub retval: i64,
    /// APM span context, when known.
    pub dd: Option<DdContext>,
    pub security_profile: Option<SecurityProfile>,
    /// Network context (dns and packet events).
    pub network: Option<NetworkContext>,
    pub data: EventData,
}

impl Event {
    /// A new event of the given payload for `process`, with everything else empty.
    pub fn new(timestamp: Timestamp, process: Arc<Process>, data: EventData) -> Event {
        Event {
            timestamp,
            is_async: false,
            tid: process.tid,
            container: process.container.clone(),
            process,
            retval: 0,
            dd: None,
            security_profile: None,
            network: None,
            data,
        }
    }

    pub fn event_type(&self) -> EventType {
        self.data.event_type()
    }

    pub fn outcome(&self) -> Outcome {
        self.event_type().outcome(self.retval)
    }
}

/// APM correlation ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DdContext {
    pub span_id: u64,
    pub trace_id: u64,
}

/// The security profile the process's workload runs under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityProfile {
    pub name: String,
    pub status: String,
    pub version: String,
    pub tags: Vec<String>,
}

/// Per-event-type payload.
#[derive(Debug, Clone, PartialEq)]
pub enum EventData {
    Exec,
    Fork,
    Exit(ExitEvent),
    Open(OpenEvent),
    Chmod(ChmodEvent),
    Chown(ChownEvent),
    Link(LinkEvent),
    Rename(RenameEvent),
    Unlink(UnlinkEvent),
    Mkdir(MkdirEvent),
    Rmdir(RmdirEvent),
    Utimes(UtimesEvent),
    SetXattr(XattrEvent),
    RemoveXattr(XattrEvent),
    Mount(MountEvent),
    Umount(UmountEvent),
    Bpf(BpfEvent),
    Mmap(MmapEvent),
    Mprotect(MprotectEvent),
    Ptrace(PtraceEvent),
    LoadModule(LoadModuleEvent),
    UnloadModule(UnloadModuleEvent),
    Signal(SignalEvent),
    Splice(SpliceEvent),
    Dns(DnsEvent),
    Bind(BindEvent),
    Setuid(SetuidEvent),
    Setgid(SetgidEvent),
    Capset(CapsetEvent),
    Selinux(SelinuxEvent),
    AnomalyDetectionSyscall(AnomalyDetectionSyscallEvent),
    Connect(ConnectEvent),
    Accept(ConnectEvent),
    Chdir(ChdirEvent),
    Prctl(PrctlEvent),
}

impl EventData {
    pub fn event_type(&self) -> EventType {
        use EventData as D;
        use EventType as T;
        match self {
            D::Exec => T::Exec,
            D::Fork => T::Fork,
            D::Exit(_) => T::Exit,
            D::Open(_) => T::Open,
            D::Chmod(_) => T::Chmod,
            D::Chown(_) => T::Chown,
            D::Link(_) => T::Link,
            D::Rename(_) => T::Rename,
            D::Unlink(_) => T::Unlink,
            D::Mkdir(_) => T::Mkdir,
            D::Rmdir(_) => T::Rmdir,
            D::Utimes(_) => T::Utimes,
            D::SetXattr(_) => T::SetXattr,
            D::RemoveXattr(_) => T::RemoveXattr,
            D::Mount(_) => T::Mount,
            D::Umount(_) => T::Umount,
            D::Bpf(_) => T::Bpf,
            D::Mmap(_) => T::Mmap,
            D::Mprotect(_) => T::Mprotect,
            D::Ptrace(_) => T::Ptrace,
            D::LoadModule(_) => T::LoadModule,
            D::UnloadModule(_) => T::UnloadModule,
            D::Signal(_) => T::Signal,
            D::Splice(_) => T::Splice,
            D::Dns(_) => T::Dns,
            D::Bind(_) => T::Bind,
            D::Setuid(_) => T::Setuid,
            D::Setgid(_) => T::Setgid,
            D::Capset(_) => T::Capset,
            D::Selinux(_) => T::Selinux,
            D::AnomalyDetectionSyscall(_) => T::AnomalyDetectionSyscall,
            D::Connect(_) => T::Connect,
            D::Accept(_) => T::Accept,
            D::Chdir(_) => T::Chdir,
            D::Prctl(_) => T::Prctl,
        }
    }
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCause {
    Exited = 0,
    Coredumped = 1,
    Signaled = 2,
}

impl ExitCause {
    pub const fn as_str(self) -> &'static str {
        match self {
            ExitCause::Exited => "EXITED",
            ExitCause::Coredumped => "COREDUMPED",
            ExitCause::Signaled => "SIGNALED",
        }
    }

    pub fn from_name(name: &str) -> Option<ExitCause> {
        match name {
            "EXITED" => Some(ExitCause::Exited),
            "COREDUMPED" => Some(ExitCause::Coredumped),
            "SIGNALED" => Some(ExitCause::Signaled),
            _ => None,
        }
    }
}

/// `exit`: the process is the one that exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitEvent {
    pub cause: ExitCause,
    /// Exit status for EXITED, signal number for SIGNALED / COREDUMPED.
    pub code: u32,
}

/// `open`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenEvent {
    pub file: File,
    /// `O_*` flags as passed to the syscall.
    pub flags: u32,
    /// Creation mode (meaningful with `O_CREAT`).
    pub mode: u32,
}

/// `chmod`: `mode` is the requested mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChmodEvent {
    pub file: File,
    pub mode: u32,
}

/// `chown`: requested owner; `-1` means "unchanged".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChownEvent {
    pub file: File,
    pub uid: i64,
    pub gid: i64,
    pub user: String,
    pub group: String,
}

/// `link`: a new hard link `target` to `source`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkEvent {
    pub source: File,
    pub target: File,
}

/// `rename`: `old` is the source, `new` the destination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenameEvent {
    pub old: File,
    pub new: File,
}

/// `unlink`: `flags` carries `AT_REMOVEDIR` for unlinkat on a directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnlinkEvent {
    pub file: File,
    pub flags: u32,
}

/// `mkdir`: `mode` is the requested mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MkdirEvent {
    pub file: File,
    pub mode: u32,
}

/// `rmdir`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RmdirEvent {
    pub file: File,
}

/// `utimes`: the requested access and modification times.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UtimesEvent {
    pub file: File,
    pub atime: Timestamp,
    pub mtime: Timestamp,
}

/// `setxattr` / `removexattr`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XattrEvent {
    pub file: File,
    /// Full attribute name (`security.selinux`).
    pub name: String,
    /// Namespace part of the name (`security`).
    pub namespace: String,
}

/// `mount`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountEvent {
    pub mount_id: u32,
    pub group_id: u32,
    pub parent_mount_id: u32,
    pub bind_src_mount_id: u32,
    pub device: u32,
    pub fs_type: String,
    pub mountpoint_path: String,
    pub source_path: String,
    pub mountpoint_path_error: String,
    pub source_path_error: String,
    /// The mount point directory.
    pub mountpoint: Option<File>,
    /// The root of the mounted tree.
    pub root: Option<File>,
}

/// `umount`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UmountEvent {
    pub mount_id: u32,
}

/// A BPF map involved in a `bpf` event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BpfMap {
    pub name: String,
    /// `BPF_MAP_TYPE_*` value.
    pub map_type: u32,
}

/// A BPF program involved in a `bpf` event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BpfProgram {
    pub name: String,
    /// Program tag (sha1 prefix, hex).
    pub tag: String,
    /// `BPF_PROG_TYPE_*` value.
    pub program_type: u32,
    /// `BPF_*` attach type value.
    pub attach_type: u32,
    /// Helper function ids the program calls.
    pub helpers: Vec<u32>,
}

/// `bpf`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BpfEvent {
    /// `BPF_*` command.
    pub cmd: u32,
    pub map: Option<BpfMap>,
    pub program: Option<BpfProgram>,
}

/// `mmap`. `file` is absent for anonymous mappings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MmapEvent {
    pub file: Option<File>,
    pub address: u64,
    pub offset: u64,
    pub length: u64,
    /// `PROT_*` mask.
    pub protection: u64,
    /// `MAP_*` mask.
    pub flags: u64,
}

/// `mprotect`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MprotectEvent {
    pub vm_start: u64,
    pub vm_end: u64,
    /// `VM_*` mask of the region before the call.
    pub vm_protection: u64,
    /// `VM_*` mask requested.
    pub req_protection: u64,
}

/// `ptrace`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PtraceEvent {
    /// `PTRACE_*` request.
    pub request: u32,
    /// Target pid as given by the caller.
    pub pid: u32,
    pub address: u64,
    pub tracee: Option<Arc<Process>>,
}

/// `load_module`. `file` is absent when the module was loaded from memory (init_module).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadModuleEvent {
    pub name: String,
    pub file: Option<File>,
    pub loaded_from_memory: bool,
    /// Module parameters (SECL `load_module.args` / `argv`); not part of the spec's JSON.
    pub args: String,
    pub args_truncated: bool,
}

/// `unload_module`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnloadModuleEvent {
    pub name: String,
}

/// `signal`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignalEvent {
    /// Signal number.
    pub signal: u32,
    /// Target pid as given by the caller.
    pub pid: u32,
    pub target: Option<Arc<Process>>,
}

/// `splice`. `file` is absent when the kernel gave no inode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpliceEvent {
    pub file: Option<File>,
    /// `PIPE_BUF_FLAG_*` of the pipe's first buffer before / after the call.
    pub pipe_entry_flag: u32,
    pub pipe_exit_flag: u32,
}

/// The question of a `dns` request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsQuestion {
    pub name: String,
    /// `CLASS_*` value.
    pub class: u16,
    /// Query type value (`A` = 1...).
    pub qtype: u16,
    /// Total size of the DNS request in bytes.
    pub size: u16,
    /// Number of questions in the request.
    pub count: u16,
}

/// `dns`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsEvent {
    pub id: u16,
    pub question: DnsQuestion,
}

/// An IP endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpPort {
    pub ip: IpAddr,
    pub port: u16,
}

/// The network device a packet went through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkDevice {
    pub netns: u32,
    pub ifindex: u32,
    pub ifname: String,
}

/// Network context of dns / packet events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkContext {
    pub device: Option<NetworkDevice>,
    /// `ETH_P_*` value.
    pub l3_protocol: u16,
    /// `IP_PROTO_*` value.
    pub l4_protocol: u16,
    pub source: IpPort,
    pub destination: IpPort,
    pub size: u32,
}

/// `bind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindEvent {
    /// `AF_*` value.
    pub family: u16,
    pub ip: IpAddr,
    pub port: u16,
}

/// `setuid`: the new ids and their names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetuidEvent {
    pub uid: u32,
    pub euid: u32,
    pub fsuid: u32,
    pub user: String,
    pub euser: String,
    pub fsuser: String,
}

/// `setgid`: the new ids and their names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetgidEvent {
    pub gid: u32,
    pub egid: u32,
    pub fsgid: u32,
    pub group: String,
    pub egroup: String,
    pub fsgroup: String,
}

/// `capset`: the new capability sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapsetEvent {
    pub cap_effective: u64,
    pub cap_permitted: u64,
}

/// What a `selinux` event changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelinuxChange {
    /// A boolean was set (`state` is "on" or "off").
    Bool { name: String, state: String },
    /// The enforcement status changed ("enforcing", "permissive", "disabled").
    Enforce { status: String },
    /// Pending booleans were committed.
    BoolCommit { state: bool },
}

/// `selinux`: `file` is the selinuxfs file written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelinuxEvent {
    pub file: File,
    pub change: SelinuxChange,
}

/// `anomaly_detection_syscall`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnomalyDetectionSyscallEvent {
    pub syscall: String,
}

/// `connect` / `accept`: the remote address (connect: the destination; accept: the peer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectEvent {
    /// `AF_*` value.
    pub family: u16,
    pub ip: IpAddr,
    pub port: u16,
    /// `IPPROTO_*` value of the socket (0 when unknown).
    pub protocol: u16,
}

/// `chdir`: the new working directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChdirEvent {
    pub file: File,
}

/// `prctl`: the option and, for `PR_SET_NAME`, the new thread name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrctlEvent {
    /// `PR_*` option value.
    pub option: u32,
    pub new_name: String,
    pub is_name_truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_categories() {
        assert_eq!(EventType::ALL.len(), 35);
        for t in EventType::ALL {
            assert_eq!(EventType::from_name(t.name()), Some(*t));
        }
        assert_eq!(EventType::Exec.category().as_str(), "Process Activity");
        assert_eq!(EventType::Bind.category().as_str(), "Kernel Activity");
        assert_eq!(EventType::Dns.category().as_str(), "Network Activity");
        assert_eq!(EventType::LoadModule.category().as_str(), "File Activity");
    }

    #[test]
    fn outcomes_from_retval() {
        assert_eq!(EventType::Open.outcome(-13), Outcome::Refused);
        assert_eq!(EventType::Open.outcome(-1), Outcome::Refused);
        assert_eq!(EventType::Open.outcome(-2), Outcome::Error);
        assert_eq!(EventType::Open.outcome(3), Outcome::Success);
        assert_eq!(EventType::Bpf.outcome(-13), Outcome::Success);
    }
}
