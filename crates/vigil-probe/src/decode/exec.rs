//! Decoder of `struct vg_exec_event` (bpf/exec.bpf.c).

use super::common::{self, path_from_segments};
use super::reader::{c_string, Reader};
use super::strings::split_values;
use super::DecodeError;
use crate::event::ExecEvent;

pub(crate) const EXEC_EVENT_SIZE: usize = 392;

const ARGS_CUT: u32 = 1 << 0;
const ENVS_CUT: u32 = 1 << 1;
const ARGS_FAULT: u32 = 1 << 2;
const ENVS_FAULT: u32 = 1 << 3;
const FILENAME_CUT: u32 = 1 << 4;
const INTERP_CUT: u32 = 1 << 5;
const CWD_TRUNCATED: u32 = 1 << 6;
const CGROUP_TRUNCATED: u32 = 1 << 7;
const HAS_INTERP: u32 = 1 << 8;

pub(crate) fn decode(record: &[u8]) -> Result<ExecEvent, DecodeError> {
    let fixed = EXEC_EVENT_SIZE;
    let mut r = Reader::new(record);
    let header = common::header(&mut r)?;
    let process = common::process_ctx(&mut r)?;
    let credentials = common::creds(&mut r)?;
    let file = common::file(&mut r, fixed)?;
    let executable = common::file(&mut r, fixed)?;
    let old_tid = r.u32()?;
    let flags = r.u32()?;
    let argc = r.i32()?;
    let envc = r.i32()?;
    let args_area_len = r.u64()?;
    let envs_area_len = r.u64()?;
    let tty = c_string(&r.bytes::<64>()?);
    let filename = r.blob("exec.filename", fixed)?;
    let interp = r.blob("exec.interp", fixed)?;
    let cwd = r.blob("exec.cwd", fixed)?;
    let cgroup = r.blob("exec.cgroup", fixed)?;
    let args = r.blob("exec.args", fixed)?;
    let envs = r.blob("exec.envs", fixed)?;
    r.expect_consumed("vg_exec_event", EXEC_EVENT_SIZE)?;

    let argc = u32::try_from(argc).map_err(|_| DecodeError::InvalidField {
        field: "exec.argc",
        value: i64::from(argc),
    })?;
    let envc = u32::try_from(envc).map_err(|_| DecodeError::InvalidField {
        field: "exec.envc",
        value: i64::from(envc),
    })?;
    let args = split_values(args, flags & (ARGS_CUT | ARGS_FAULT) != 0, argc);
    let envs = split_values(envs, flags & (ENVS_CUT | ENVS_FAULT) != 0, envc);
    Ok(ExecEvent {
        timestamp_boot_ns: header.timestamp_boot_ns,
        cpu: header.cpu,
        process,
        old_tid,
        credentials,
        filename: filename.to_vec(),
        filename_truncated: flags & FILENAME_CUT != 0,
        interpreter_path: (flags & HAS_INTERP != 0).then(|| interp.to_vec()),
        interpreter_path_truncated: flags & INTERP_CUT != 0,
        file,
        executable,
        cwd: path_from_segments(cwd),
        cwd_truncated: flags & CWD_TRUNCATED != 0,
        tty: (!tty.is_empty()).then_some(tty),
        cgroup_path: path_from_segments(cgroup),
        cgroup_path_truncated: flags & CGROUP_TRUNCATED != 0,
        argc,
        envc,
        args_area_len,
        args: args.values,
        args_truncated: args.truncated,
        envs_area_len,
        envs: envs.values,
        envs_truncated: envs.truncated,
    })
}
