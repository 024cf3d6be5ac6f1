//! The loaded probe: opens the embedded BPF object, sizes its maps from [`ProbeConfig`],
//! loads and attaches the programs, drives the kernel filters (enabled types, failed-syscall
//! policy, approvers) and turns ring-buffer records into [`RawEvent`]s.
//!
//! The two syscall programs of file activity are attached only while some file event type is
//! enabled: with none, they cost nothing (every other program checks the enabled mask).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use libbpf_rs::{
    Link, MapCore, MapFlags, MapHandle, Object, ObjectBuilder, RingBuffer, RingBufferBuilder,
};

use crate::approvers::{basename_hash, Approvers, FilterCounts, TypeFilterCounts};
use crate::config::{EventType, EventTypes, FileErrors, ProbeConfig};
use crate::decode::decode;
use crate::error::ProbeError;
use crate::event::RawEvent;
use crate::privileges;

/// The linked BPF object built by build.rs from bpf/*.bpf.c.
const BPF_OBJECT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vigil.bpf.o"));

const EVENTS_MAP: &str = "vg_events";
const SCRATCH_MAP: &str = "vg_scratch";
const CONFIG_MAP: &str = "vg_config_map";
const EXCLUDED_MAP: &str = "vg_excluded_pids";
const DROPS_MAP: &str = "vg_drops";
const APPROVER_CFGS_MAP: &str = "vg_approver_cfgs";
const APPROVED_NAMES_MAP: &str = "vg_approved_names";
const FILTERED_MAP: &str = "vg_filtered";
/// The programs of file activity (bpf/file.bpf.c).
const FILE_PROGRAMS: [&str; 2] = ["vg_sys_enter", "vg_sys_exit"];

/// `struct vg_config.flags`.
const CONFIG_ALL_FILE_ERRORS: u32 = 1 << 0;
/// `struct vg_approver_cfg.flags`.
const APPROVE_BY_NAME: u32 = 1 << 0;
const APPROVE_BY_FLAGS: u32 = 1 << 1;

/// Records lost in the kernel for one event type (ring buffer full or no scratch space).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeDrops {
    pub event_type: EventType,
    pub total: u64,
    /// Indexed by possible CPU number.
    pub per_cpu: Vec<u64>,
}

/// Kernel-side drop counters, one entry per event type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropCounts {
    pub per_type: Vec<TypeDrops>,
}

impl DropCounts {
    pub fn total(&self) -> u64 {
        self.per_type.iter().map(|t| t.total).sum()
    }

    pub fn of(&self, event_type: EventType) -> u64 {
        self.per_type
            .iter()
            .filter(|t| t.event_type == event_type)
            .map(|t| t.total)
            .sum()
    }
}

/// Decoded events waiting for [`Probe::poll`] to hand them out, filled by the ring-buffer
/// callback (which must never panic).
#[derive(Default)]
struct Inbox {
    events: VecDeque<RawEvent>,
    decode_errors: u64,
}

fn lock(inbox: &Mutex<Inbox>) -> MutexGuard<'_, Inbox> {
    inbox.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running sensor. Dropping it detaches every program and frees the maps.
pub struct Probe {
    // Field order is drop order: the ring buffer before the maps it reads, links before the
    // object that owns the programs.
    ring: RingBuffer<'static>,
    inbox: Arc<Mutex<Inbox>>,
    links: Vec<(String, Link)>,
    /// Attached while some file type is enabled.
    file_links: Vec<(String, Link)>,
    enabled: EventTypes,
    file_errors: FileErrors,
    /// Basename hashes currently approved, per type (to remove them on change).
    approved: HashMap<EventType, Vec<u64>>,
    config_map: MapHandle,
    excluded_map: MapHandle,
    drops_map: MapHandle,
    approver_cfgs_map: MapHandle,
    approved_names_map: MapHandle,
    filtered_map: MapHandle,
    object: Object,
}

impl Probe {
    /// Validates `config`, checks privileges, then loads and attaches every program.
    pub fn load(config: &ProbeConfig) -> Result<Probe, ProbeError> {
        config.validate()?;
        privileges::check()?;
        let ring_size = u32::try_from(config.ring_buffer_size).map_err(|_| {
            ProbeError::InvalidRingBufferSize {
                size: config.ring_buffer_size,
                reason: "it does not fit in 32 bits".to_owned(),
            }
        })?;
        let cpus = libbpf_rs::num_possible_cpus().map_err(load_error("counting possible CPUs"))?;
        let cpus = u32::try_from(cpus).map_err(|_| ProbeError::Load {
            stage: "counting possible CPUs",
            detail: format!("{cpus} CPUs"),
        })?;

        let mut open = ObjectBuilder::default()
            .open_memory(BPF_OBJECT)
            .map_err(load_error("opening the object"))?;
        for mut map in open.maps_mut() {
            let entries = match map.name().to_str() {
                Some(EVENTS_MAP) => ring_size,
                Some(SCRATCH_MAP) => cpus,
                _ => continue,
            };
            map.set_max_entries(entries)
                .map_err(load_error("sizing maps"))?;
        }
        let object = open.load().map_err(load_error("loading (verifier)"))?;

        let map = |name: &'static str| -> Result<MapHandle, ProbeError> {
            let found = object
                .maps()
                .find(|m| m.name() == name)
                .ok_or(ProbeError::Map {
                    map: name,
                    detail: "not in the object".to_owned(),
                })?;
            MapHandle::try_from(&found).map_err(|e| ProbeError::Map {
                map: name,
                detail: e.to_string(),
            })
        };
        let events_map = map(EVENTS_MAP)?;
        let config_map = map(CONFIG_MAP)?;
        let excluded_map = map(EXCLUDED_MAP)?;
        let drops_map = map(DROPS_MAP)?;
        let approver_cfgs_map = map(APPROVER_CFGS_MAP)?;
        let approved_names_map = map(APPROVED_NAMES_MAP)?;
        let filtered_map = map(FILTERED_MAP)?;

        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let sink = Arc::clone(&inbox);
        let mut builder = RingBufferBuilder::new();
        builder
            .add(&events_map, move |record: &[u8]| {
                let mut inbox = lock(&sink);
                match decode(record) {
                    Ok(event) => inbox.events.push_back(event),
                    Err(_) => inbox.decode_errors += 1,
                }
                0
            })
            .map_err(|e| ProbeError::Map {
                map: EVENTS_MAP,
                detail: e.to_string(),
            })?;
        let ring = builder.build().map_err(|e| ProbeError::Map {
            map: EVENTS_MAP,
            detail: e.to_string(),
        })?;

        let mut probe = Probe {
            ring,
            inbox,
            links: Vec::new(),
            file_links: Vec::new(),
            enabled: config.enabled,
            file_errors: config.file_errors,
            approved: HashMap::new(),
            config_map,
            excluded_map,
            drops_map,
            approver_cfgs_map,
            approved_names_map,
            filtered_map,
            object,
        };
        for pid in &config.excluded_pids {
            probe.exclude_pid(*pid)?;
        }
        probe.write_config()?;
        let mut links = Vec::new();
        for program in probe.object.progs_mut() {
            let name = program.name().to_string_lossy().into_owned();
            if FILE_PROGRAMS.contains(&name.as_str()) {
                continue;
            }
            links.push((name.clone(), attach(&program, name)?));
        }
        probe.links = links;
        probe.sync_file_programs()?;
        Ok(probe)
    }

    /// Names of the attached programs (the C function names: "vg_exec", ...).
    pub fn attached(&self) -> Vec<String> {
        self.links
            .iter()
            .chain(&self.file_links)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Attaches the file-activity programs when some file type is enabled, detaches them
    /// when none is.
    fn sync_file_programs(&mut self) -> Result<(), ProbeError> {
        let wanted = !self.enabled.intersection(EventTypes::FILE).is_empty();
        if !wanted {
            self.file_links.clear();
            return Ok(());
        }
        if !self.file_links.is_empty() {
            return Ok(());
        }
        let mut links = Vec::new();
        for program in self.object.progs_mut() {
            let name = program.name().to_string_lossy().into_owned();
            if FILE_PROGRAMS.contains(&name.as_str()) {
                links.push((name.clone(), attach(&program, name)?));
            }
        }
        self.file_links = links;
        Ok(())
    }

    fn write_config(&mut self) -> Result<(), ProbeError> {
        let flags = match self.file_errors {
            FileErrors::PermissionDenied => 0u32,
            FileErrors::All => CONFIG_ALL_FILE_ERRORS,
        };
        let mut value = Vec::with_capacity(16);
        value.extend_from_slice(&self.enabled.bits().to_ne_bytes());
        value.extend_from_slice(&flags.to_ne_bytes());
        value.extend_from_slice(&0u32.to_ne_bytes());
        self.config_map
            .update(&0u32.to_ne_bytes(), &value, MapFlags::ANY)
            .map_err(|e| ProbeError::Map {
                map: CONFIG_MAP,
                detail: e.to_string(),
            })
    }

    /// Waits up to `timeout` for records, decodes all that are available and hands each
    /// event to `on_event`. Returns the number of events delivered. Malformed records are
    /// counted in [`Probe::decode_errors`].
    pub fn poll(
        &mut self,
        timeout: Duration,
        mut on_event: impl FnMut(RawEvent),
    ) -> Result<usize, ProbeError> {
        let rc = self.ring.poll_raw(timeout);
        if rc < 0 && rc != -libc::EINTR {
            return Err(ProbeError::Poll {
                detail: std::io::Error::from_raw_os_error(-rc).to_string(),
            });
        }
        let events = std::mem::take(&mut lock(&self.inbox).events);
        let delivered = events.len();
        events.into_iter().for_each(&mut on_event);
        Ok(delivered)
    }

    /// Records that could not be decoded (user-space side).
    pub fn decode_errors(&self) -> u64 {
        lock(&self.inbox).decode_errors
    }

    /// Kernel-side drops per event type, summed and per CPU.
    pub fn drop_counts(&self) -> Result<DropCounts, ProbeError> {
        let mut per_type = Vec::with_capacity(EventType::ALL.len());
        for event_type in EventType::ALL {
            let values = self
                .drops_map
                .lookup_percpu(&event_type.id().to_ne_bytes(), MapFlags::ANY)
                .map_err(|e| ProbeError::Map {
                    map: DROPS_MAP,
                    detail: e.to_string(),
                })?
                .unwrap_or_default();
            let per_cpu: Vec<u64> = values
                .iter()
                .map(|v| {
                    v.get(..8)
                        .and_then(|b| b.try_into().ok())
                        .map_or(0, u64::from_ne_bytes)
                })
                .collect();
            per_type.push(TypeDrops {
                event_type,
                total: per_cpu.iter().sum(),
                per_cpu,
            });
        }
        Ok(DropCounts { per_type })
    }

    /// Makes the kernel produce exactly these event types from now on.
    pub fn set_enabled(&mut self, enabled: EventTypes) -> Result<(), ProbeError> {
        self.enabled = enabled;
        self.write_config()?;
        self.sync_file_programs()
    }

    /// Which failed file syscalls the kernel reports from now on.
    pub fn set_file_errors(&mut self, file_errors: FileErrors) -> Result<(), ProbeError> {
        self.file_errors = file_errors;
        self.write_config()
    }

    /// Replaces the approvers of a file event type: from now on the kernel outputs only its
    /// events whose basename is in `approvers.basenames` or (open) whose flags intersect
    /// `approvers.open_flags_mask`. The basename is that of the file object when the kernel
    /// has it (f* variants, and a successful open whose given path was not approved, e.g. a
    /// symlink), else that of the path string given to the syscall: for path-based chmod,
    /// chown, utimes and setxattr through a symlink, the link's own name decides.
    pub fn set_approvers(
        &mut self,
        event_type: EventType,
        approvers: &Approvers,
    ) -> Result<(), ProbeError> {
        approvers.validate(event_type)?;
        let mut hashes: Vec<u64> = approvers
            .basenames
            .iter()
            .map(|n| basename_hash(n))
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        // Add the new names first, then switch the type's settings, then drop stale names:
        // events in flight never see an empty set.
        for hash in &hashes {
            self.approved_names_map
                .update(&name_key(event_type, *hash), &[1u8], MapFlags::ANY)
                .map_err(|e| ProbeError::Map {
                    map: APPROVED_NAMES_MAP,
                    detail: format!("approving a {event_type} basename: {e}"),
                })?;
        }
        let mut flags = 0;
        if !hashes.is_empty() {
            flags |= APPROVE_BY_NAME;
        }
        if approvers.open_flags_mask.is_some() {
            flags |= APPROVE_BY_FLAGS;
        }
        self.write_approver_cfg(event_type, flags, approvers.open_flags_mask.unwrap_or(0))?;
        let previous = self
            .approved
            .insert(event_type, hashes.clone())
            .unwrap_or_default();
        self.remove_names(
            event_type,
            previous
                .into_iter()
                .filter(|h| hashes.binary_search(h).is_err()),
        )
    }

    /// Removes the approvers of a type: all its events leave the kernel again.
    pub fn clear_approvers(&mut self, event_type: EventType) -> Result<(), ProbeError> {
        if !event_type.is_file() {
            return Ok(());
        }
        self.write_approver_cfg(event_type, 0, 0)?;
        let previous = self.approved.remove(&event_type).unwrap_or_default();
        self.remove_names(event_type, previous.into_iter())
    }

    fn write_approver_cfg(
        &mut self,
        event_type: EventType,
        flags: u32,
        mask: u32,
    ) -> Result<(), ProbeError> {
        let mut value = [0u8; 8];
        value[..4].copy_from_slice(&flags.to_ne_bytes());
        value[4..].copy_from_slice(&mask.to_ne_bytes());
        self.approver_cfgs_map
            .update(&event_type.id().to_ne_bytes(), &value, MapFlags::ANY)
            .map_err(|e| ProbeError::Map {
                map: APPROVER_CFGS_MAP,
                detail: format!("{event_type} approvers: {e}"),
            })
    }

    fn remove_names(
        &mut self,
        event_type: EventType,
        hashes: impl Iterator<Item = u64>,
    ) -> Result<(), ProbeError> {
        for hash in hashes {
            self.approved_names_map
                .delete(&name_key(event_type, hash))
                .map_err(|e| ProbeError::Map {
                    map: APPROVED_NAMES_MAP,
                    detail: format!("removing a {event_type} basename: {e}"),
                })?;
        }
        Ok(())
    }

    /// Events the kernel filtered out (approvers, unreported errors), per file type.
    pub fn filter_counts(&self) -> Result<FilterCounts, ProbeError> {
        let mut per_type = Vec::new();
        for event_type in EventType::ALL.into_iter().filter(|t| t.is_file()) {
            let values = self
                .filtered_map
                .lookup_percpu(&event_type.id().to_ne_bytes(), MapFlags::ANY)
                .map_err(|e| ProbeError::Map {
                    map: FILTERED_MAP,
                    detail: e.to_string(),
                })?
                .unwrap_or_default();
            let field = |v: &Vec<u8>, at: usize| {
                v.get(at..at + 8)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, u64::from_ne_bytes)
            };
            per_type.push(TypeFilterCounts {
                event_type,
                approvers: values.iter().map(|v| field(v, 0)).sum(),
                errors: values.iter().map(|v| field(v, 8)).sum(),
            });
        }
        Ok(FilterCounts { per_type })
    }

    /// Makes the kernel ignore every event of this thread group (e.g. Vigil's own pid).
    pub fn exclude_pid(&mut self, pid: u32) -> Result<(), ProbeError> {
        self.excluded_map
            .update(&pid.to_ne_bytes(), &[1u8], MapFlags::ANY)
            .map_err(|e| ProbeError::Map {
                map: EXCLUDED_MAP,
                detail: format!("excluding pid {pid}: {e}"),
            })
    }
}

/// `struct vg_name_key`.
fn name_key(event_type: EventType, hash: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..4].copy_from_slice(&event_type.id().to_ne_bytes());
    key[8..].copy_from_slice(&hash.to_ne_bytes());
    key
}

fn attach(program: &libbpf_rs::ProgramMut<'_>, name: String) -> Result<Link, ProbeError> {
    program.attach().map_err(|e| ProbeError::Attach {
        program: name,
        detail: e.to_string(),
    })
}

fn load_error(stage: &'static str) -> impl Fn(libbpf_rs::Error) -> ProbeError {
    move |e| ProbeError::Load {
        stage,
        detail: e.to_string(),
    }
}
