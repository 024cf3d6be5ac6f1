//! Decoding of ring-buffer records into [`RawEvent`]s. Every size, offset and length coming
//! from the kernel is validated; a malformed record is a [`DecodeError`], never a panic.

mod common;
mod exec;
mod exit;
mod fork;
mod reader;
mod strings;

pub use strings::MAX_ARG_ENV_LEN;

use crate::config::EventType;
use crate::event::RawEvent;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("record too short: needs {need} bytes, has {have}")]
    TooShort { need: usize, have: usize },
    #[error("unknown event type {0}")]
    UnknownType(u32),
    #[error("{field}: {len} bytes at offset {offset} outside the variable part of a {record_len}-byte record")]
    BlobOutOfBounds {
        field: &'static str,
        offset: usize,
        len: usize,
        record_len: usize,
    },
    #[error("{field}: invalid value {value}")]
    InvalidField { field: &'static str, value: i64 },
    #[error("decoder read {read} bytes of the fixed part of {record}, whose C size is {size}")]
    LayoutMismatch {
        record: &'static str,
        read: usize,
        size: usize,
    },
    #[error("{event_type} record of {len} bytes, expected {expected}")]
    WrongSize {
        event_type: EventType,
        len: usize,
        expected: usize,
    },
}

/// Decodes one ring-buffer record.
pub fn decode(record: &[u8]) -> Result<RawEvent, DecodeError> {
    let type_id = record
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_ne_bytes)
        .ok_or(DecodeError::TooShort {
            need: 4,
            have: record.len(),
        })?;
    let event_type = EventType::from_id(type_id).ok_or(DecodeError::UnknownType(type_id))?;
    match event_type {
        EventType::Exec => {
            if record.len() < exec::EXEC_EVENT_SIZE {
                return Err(DecodeError::TooShort {
                    need: exec::EXEC_EVENT_SIZE,
                    have: record.len(),
                });
            }
            exec::decode(record).map(|e| RawEvent::Exec(Box::new(e)))
        }
        EventType::Fork => {
            exact_size(event_type, record, fork::FORK_EVENT_SIZE)?;
            fork::decode(record).map(RawEvent::Fork)
        }
        EventType::Exit => {
            exact_size(event_type, record, exit::EXIT_EVENT_SIZE)?;
            exit::decode(record).map(RawEvent::Exit)
        }
    }
}

fn exact_size(event_type: EventType, record: &[u8], expected: usize) -> Result<(), DecodeError> {
    if record.len() == expected {
        Ok(())
    } else {
        Err(DecodeError::WrongSize {
            event_type,
            len: record.len(),
            expected,
        })
    }
}

#[cfg(test)]
mod tests;
