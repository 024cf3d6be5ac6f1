//! Decoder of `struct vg_fork_event` (bpf/fork.bpf.c).

use super::common;
use super::reader::Reader;
use super::DecodeError;
use crate::event::ForkEvent;

pub(crate) const FORK_EVENT_SIZE: usize = 80;

const IS_THREAD: u32 = 1 << 0;

pub(crate) fn decode(record: &[u8]) -> Result<ForkEvent, DecodeError> {
    let mut r = Reader::new(record);
    let header = common::header(&mut r)?;
    let parent = common::process_ctx(&mut r)?;
    let child_pid = r.u32()?;
    let child_tid = r.u32()?;
    let child_ppid = r.u32()?;
    let flags = r.u32()?;
    let clone_flags = r.u64()?;
    r.expect_consumed("vg_fork_event", FORK_EVENT_SIZE)?;
    Ok(ForkEvent {
        timestamp_boot_ns: header.timestamp_boot_ns,
        cpu: header.cpu,
        parent,
        child_pid,
        child_tid,
        child_ppid,
        is_thread: flags & IS_THREAD != 0,
        clone_flags,
    })
}
