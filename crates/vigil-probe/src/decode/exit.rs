//! Decoder of `struct vg_exit_event` (bpf/exit.bpf.c) and of the wait(2) status word.

use super::common;
use super::reader::Reader;
use super::DecodeError;
use crate::event::{ExitCause, ExitEvent};

pub(crate) const EXIT_EVENT_SIZE: usize = 64;

const GROUP_EXIT: u32 = 1 << 0;

pub(crate) fn decode(record: &[u8]) -> Result<ExitEvent, DecodeError> {
    let mut r = Reader::new(record);
    let header = common::header(&mut r)?;
    let process = common::process_ctx(&mut r)?;
    let raw_status = r.u32()?;
    let flags = r.u32()?;
    r.expect_consumed("vg_exit_event", EXIT_EVENT_SIZE)?;
    let (cause, code) = exit_cause(raw_status);
    Ok(ExitEvent {
        timestamp_boot_ns: header.timestamp_boot_ns,
        cpu: header.cpu,
        process,
        cause,
        code,
        raw_status,
        group_exit: flags & GROUP_EXIT != 0,
    })
}

/// Splits a wait(2) status: low 7 bits = terminating signal, bit 7 = core dumped, bits 8..16
/// = exit status.
pub(crate) fn exit_cause(status: u32) -> (ExitCause, u32) {
    let signal = status & 0x7f;
    if signal == 0 {
        (ExitCause::Exited, (status >> 8) & 0xff)
    } else if status & 0x80 != 0 {
        (ExitCause::CoreDumped, signal)
    } else {
        (ExitCause::Signaled, signal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_wait_status() {
        assert_eq!(exit_cause(3 << 8), (ExitCause::Exited, 3));
        assert_eq!(exit_cause(0), (ExitCause::Exited, 0));
        assert_eq!(exit_cause(9), (ExitCause::Signaled, 9));
        assert_eq!(exit_cause(11 | 0x80), (ExitCause::CoreDumped, 11));
    }
}
