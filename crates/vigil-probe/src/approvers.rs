//! In-kernel approvers of file events (Datadog's "approvers"): per event type, a set of
//! basenames and, for open, a flags mask. When a type has approvers, the kernel outputs only
//! its events whose target basename is approved or whose open flags intersect the mask;
//! the others are counted in [`FilterCounts`]. Basenames travel as FNV-1a 64 hashes (a
//! collision only lets an extra event through).

use crate::config::EventType;
use crate::error::ProbeError;

/// Longest basename (NAME_MAX).
pub const MAX_BASENAME_LEN: usize = 255;

/// The approvers of one event type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Approvers {
    /// Approved basenames ("shadow", "authorized_keys"): non-empty, at most 255 bytes, no
    /// '/' or NUL, not "." or "..".
    pub basenames: Vec<Vec<u8>>,
    /// Open only: an event whose O_* flags intersect this mask is approved.
    pub open_flags_mask: Option<u32>,
}

impl Approvers {
    /// Checks the approvers for `event_type`.
    pub fn validate(&self, event_type: EventType) -> Result<(), ProbeError> {
        let invalid = |reason: String| ProbeError::InvalidApprovers { event_type, reason };
        if !event_type.is_file() {
            return Err(invalid("only file event types have approvers".to_owned()));
        }
        if self.basenames.is_empty() && self.open_flags_mask.is_none() {
            return Err(invalid(
                "no basename and no flags mask would approve nothing; disable the type instead"
                    .to_owned(),
            ));
        }
        match self.open_flags_mask {
            Some(_) if event_type != EventType::Open => {
                return Err(invalid("a flags mask applies to open only".to_owned()))
            }
            Some(0) => return Err(invalid("the flags mask is 0".to_owned())),
            _ => {}
        }
        for name in &self.basenames {
            let shown = String::from_utf8_lossy(name);
            if name.is_empty() || name.len() > MAX_BASENAME_LEN {
                return Err(invalid(format!(
                    "basename {shown:?} must have 1 to {MAX_BASENAME_LEN} bytes"
                )));
            }
            if name.contains(&b'/') || name.contains(&0) {
                return Err(invalid(format!("basename {shown:?} contains '/' or NUL")));
            }
            if name == b"." || name == b".." {
                return Err(invalid(format!("basename {shown:?} names no file")));
            }
        }
        Ok(())
    }
}

/// FNV-1a 64 of a basename: the key the kernel computes (bpf/file.bpf.c vg_fnv1a).
pub(crate) fn basename_hash(name: &[u8]) -> u64 {
    name.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Events of one type that the kernel did not output because of its filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeFilterCounts {
    pub event_type: EventType,
    /// No approver matched.
    pub approvers: u64,
    /// The syscall failed with an errno that is not reported ([`crate::FileErrors`]).
    pub errors: u64,
}

/// Kernel-side filter counters, one entry per file event type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterCounts {
    pub per_type: Vec<TypeFilterCounts>,
}

impl FilterCounts {
    pub fn of(&self, event_type: EventType) -> TypeFilterCounts {
        self.per_type
            .iter()
            .find(|t| t.event_type == event_type)
            .cloned()
            .unwrap_or(TypeFilterCounts {
                event_type,
                approvers: 0,
                errors: 0,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(basename_hash(b""), 0xcbf29ce484222325);
        assert_eq!(basename_hash(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(basename_hash(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn validation_names_the_problem() {
        let ok = Approvers {
            basenames: vec![b"shadow".to_vec(), b"caf\xe9".to_vec()],
            open_flags_mask: Some(0o100),
        };
        assert!(ok.validate(EventType::Open).is_ok());
        let err = |a: &Approvers, t| a.validate(t).unwrap_err().to_string();
        assert!(err(&ok, EventType::Chmod).contains("open only"));
        assert!(err(&ok, EventType::Exec).contains("only file event types"));
        assert!(err(&Approvers::default(), EventType::Open).contains("approve nothing"));
        for bad in [&b""[..], b"a/b", b"a\0", b".", b".."] {
            let a = Approvers {
                basenames: vec![bad.to_vec()],
                open_flags_mask: None,
            };
            assert!(a.validate(EventType::Unlink).is_err(), "{bad:?}");
        }
        let long = Approvers {
            basenames: vec![vec![b'x'; 256]],
            open_flags_mask: None,
        };
        assert!(err(&long, EventType::Unlink).contains("1 to 255"));
        let zero = Approvers {
            basenames: vec![],
            open_flags_mask: Some(0),
        };
        assert!(err(&zero, EventType::Open).contains("mask is 0"));
    }
}
