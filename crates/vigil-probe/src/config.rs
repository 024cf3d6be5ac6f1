//! Probe configuration: which event types the kernel programs produce, the ring-buffer size
//! (validated before anything is loaded) and the thread groups to ignore.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

use crate::error::ProbeError;

/// The kind of a kernel event. The discriminant is the id used on the wire, the bit in the
/// enabled-types mask and the index of the drop counter (`enum vg_event_type` in C).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u32)]
pub enum EventType {
    Exec = 1,
    Fork = 2,
    Exit = 3,
}

impl EventType {
    /// Every event type, in id order.
    pub const ALL: [EventType; 3] = [EventType::Exec, EventType::Fork, EventType::Exit];

    /// The wire id.
    pub const fn id(self) -> u32 {
        self as u32
    }

    /// The type with this wire id.
    pub fn from_id(id: u32) -> Option<EventType> {
        Self::ALL.into_iter().find(|t| t.id() == id)
    }

    pub const fn name(self) -> &'static str {
        match self {
            EventType::Exec => "exec",
            EventType::Fork => "fork",
            EventType::Exit => "exit",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`EventType`]s (bit `1 << id`, the kernel's enabled-types mask).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EventTypes(u64);

impl EventTypes {
    pub const EXEC: EventTypes = EventTypes::only(EventType::Exec);
    pub const FORK: EventTypes = EventTypes::only(EventType::Fork);
    pub const EXIT: EventTypes = EventTypes::only(EventType::Exit);

    pub const fn empty() -> Self {
        EventTypes(0)
    }

    pub const fn all() -> Self {
        EventTypes(Self::EXEC.0 | Self::FORK.0 | Self::EXIT.0)
    }

    pub const fn only(t: EventType) -> Self {
        EventTypes(1 << t.id())
    }

    pub const fn contains(self, t: EventType) -> bool {
        self.0 & (1 << t.id()) != 0
    }

    pub fn insert(&mut self, t: EventType) {
        self.0 |= 1 << t.id();
    }

    pub fn remove(&mut self, t: EventType) {
        self.0 &= !(1 << t.id());
    }

    /// The kernel mask.
    pub const fn bits(self) -> u64 {
        self.0
    }

    pub fn iter(self) -> impl Iterator<Item = EventType> {
        EventType::ALL
            .into_iter()
            .filter(move |t| self.contains(*t))
    }
}

impl From<EventType> for EventTypes {
    fn from(t: EventType) -> Self {
        EventTypes::only(t)
    }
}

impl FromIterator<EventType> for EventTypes {
    fn from_iter<I: IntoIterator<Item = EventType>>(iter: I) -> Self {
        let mut set = EventTypes::empty();
        iter.into_iter().for_each(|t| set.insert(t));
        set
    }
}

impl BitOr for EventTypes {
    type Output = EventTypes;
    fn bitor(self, rhs: EventTypes) -> EventTypes {
        EventTypes(self.0 | rhs.0)
    }
}

impl BitOrAssign for EventTypes {
    fn bitor_assign(&mut self, rhs: EventTypes) {
        self.0 |= rhs.0;
    }
}

/// Smallest accepted ring buffer: two maximal records (an exec record is at most 128 KiB).
pub const MIN_RING_BUFFER_SIZE: usize = 256 << 10;
/// Largest accepted ring buffer.
pub const MAX_RING_BUFFER_SIZE: usize = 1 << 30;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeConfig {
    /// Bytes of the BPF ring buffer: a power of two, a multiple of the page size, within
    /// [`MIN_RING_BUFFER_SIZE`, `MAX_RING_BUFFER_SIZE`].
    pub ring_buffer_size: usize,
    /// Event types the kernel produces; the others cost two map lookups per hook.
    pub enabled: EventTypes,
    /// Thread-group ids (user-space pids) whose events the kernel drops before output.
    pub excluded_pids: Vec<u32>,
}

impl Default for ProbeConfig {
    /// 8 MiB ring buffer, every event type, nothing excluded.
    fn default() -> Self {
        ProbeConfig {
            ring_buffer_size: 8 << 20,
            enabled: EventTypes::all(),
            excluded_pids: Vec::new(),
        }
    }
}

impl ProbeConfig {
    /// Checks the ring-buffer size against the kernel's rules and Vigil's bounds.
    pub fn validate(&self) -> Result<(), ProbeError> {
        validate_ring_buffer_size(self.ring_buffer_size, page_size())
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|s| *s > 0)
        .unwrap_or(4096)
}

fn validate_ring_buffer_size(size: usize, page_size: usize) -> Result<(), ProbeError> {
    let reason = if !size.is_power_of_two() {
        "it must be a power of two".to_owned()
    } else if size % page_size != 0 {
        format!("it must be a multiple of the page size ({page_size} bytes)")
    } else if size < MIN_RING_BUFFER_SIZE {
        format!("it must be at least {MIN_RING_BUFFER_SIZE} bytes (two maximal exec records)")
    } else if size > MAX_RING_BUFFER_SIZE {
        format!("it must be at most {MAX_RING_BUFFER_SIZE} bytes")
    } else {
        return Ok(());
    };
    Err(ProbeError::InvalidRingBufferSize { size, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_buffer_size_rules() {
        assert!(validate_ring_buffer_size(8 << 20, 4096).is_ok());
        assert!(validate_ring_buffer_size(MIN_RING_BUFFER_SIZE, 4096).is_ok());
        let err = validate_ring_buffer_size(3 << 20, 4096)
            .unwrap_err()
            .to_string();
        assert!(err.contains("power of two"), "{err}");
        let err = validate_ring_buffer_size(1 << 17, 4096)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 262144"), "{err}");
        let err = validate_ring_buffer_size(1 << 18, 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(err.contains("page size (1048576"), "{err}");
        let err = validate_ring_buffer_size(1 << 31, 4096)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most"), "{err}");
        assert!(validate_ring_buffer_size(0, 4096).is_err());
    }

    #[test]
    fn event_type_sets() {
        let mut set = EventTypes::EXEC | EventTypes::EXIT;
        assert!(set.contains(EventType::Exec) && !set.contains(EventType::Fork));
        set.insert(EventType::Fork);
        assert_eq!(set, EventTypes::all());
        set.remove(EventType::Exec);
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [EventType::Fork, EventType::Exit]
        );
        assert_eq!(EventTypes::all().bits(), 0b1110);
        assert_eq!(EventType::from_id(2), Some(EventType::Fork));
        assert_eq!(EventType::from_id(0), None);
        assert_eq!(
            [EventType::Exit].into_iter().collect::<EventTypes>(),
            EventTypes::EXIT
        );
    }
}
