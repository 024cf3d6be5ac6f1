//! The loaded probe: opens the embedded BPF object, sizes its maps from [`ProbeConfig`],
//! loads and attaches every program, and turns ring-buffer records into [`RawEvent`]s.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use libbpf_rs::{
    Link, MapCore, MapFlags, MapHandle, Object, ObjectBuilder, RingBuffer, RingBufferBuilder,
};

use crate::config::{EventType, EventTypes, ProbeConfig};
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
    config_map: MapHandle,
    excluded_map: MapHandle,
    drops_map: MapHandle,
    _object: Object,
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
            config_map,
            excluded_map,
            drops_map,
            _object: object,
        };
        probe.set_enabled(config.enabled)?;
        for pid in &config.excluded_pids {
            probe.exclude_pid(*pid)?;
        }
        for program in probe._object.progs_mut() {
            let name = program.name().to_string_lossy().into_owned();
            let link = program.attach().map_err(|e| ProbeError::Attach {
                program: name.clone(),
                detail: e.to_string(),
            })?;
            probe.links.push((name, link));
        }
        Ok(probe)
    }

    /// Names of the attached programs (the C function names: "vg_exec", ...).
    pub fn attached(&self) -> Vec<String> {
        self.links.iter().map(|(name, _)| name.clone()).collect()
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
        self.config_map
            .update(
                &0u32.to_ne_bytes(),
                &enabled.bits().to_ne_bytes(),
                MapFlags::ANY,
            )
            .map_err(|e| ProbeError::Map {
                map: CONFIG_MAP,
                detail: e.to_string(),
            })
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

fn load_error(stage: &'static str) -> impl Fn(libbpf_rs::Error) -> ProbeError {
    move |e| ProbeError::Load {
        stage,
        detail: e.to_string(),
    }
}
