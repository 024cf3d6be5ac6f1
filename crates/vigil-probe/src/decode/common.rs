//! Decoders of the structs every record shares (`vg_abi.h`): header, process context,
//! credentials, file info, and the leaf-first path encoding.

use super::reader::{c_string, Reader};
use super::DecodeError;
use crate::event::{Credentials, FileInfo, PathError, ProcessContext};

const FILE_PRESENT: u32 = 1 << 0;
const FILE_IN_UPPER_LAYER: u32 = 1 << 1;
const FILE_PATH_TRUNCATED: u32 = 1 << 2;
const FILE_PATH_FAULT: u32 = 1 << 3;
const FILE_DELETED: u32 = 1 << 4;

/// `struct vg_header` without the type (already dispatched on).
pub(crate) struct Header {
    pub(crate) cpu: u32,
    pub(crate) timestamp_boot_ns: u64,
}

pub(crate) fn header(r: &mut Reader<'_>) -> Result<Header, DecodeError> {
    let _event_type = r.u32()?;
    Ok(Header {
        cpu: r.u32()?,
        timestamp_boot_ns: r.u64()?,
    })
}

/// `struct vg_process_ctx`.
pub(crate) fn process_ctx(r: &mut Reader<'_>) -> Result<ProcessContext, DecodeError> {
    let pid = r.u32()?;
    let tid = r.u32()?;
    let ppid = r.u32()?;
    let _pad = r.u32()?;
    let cgroup_id = r.u64()?;
    let comm = c_string(&r.bytes::<16>()?);
    Ok(ProcessContext {
        pid,
        tid,
        ppid,
        cgroup_id,
        comm,
    })
}

/// `struct vg_creds`.
pub(crate) fn creds(r: &mut Reader<'_>) -> Result<Credentials, DecodeError> {
    let uid = r.u32()?;
    let gid = r.u32()?;
    let euid = r.u32()?;
    let egid = r.u32()?;
    let fsuid = r.u32()?;
    let fsgid = r.u32()?;
    let auid = r.u32()?;
    let _pad = r.u32()?;
    let cap_effective = r.u64()?;
    let cap_permitted = r.u64()?;
    Ok(Credentials {
        uid,
        gid,
        euid,
        egid,
        fsuid,
        fsgid,
        auid,
        cap_effective,
        cap_permitted,
    })
}

/// `struct vg_file`; `None` when the kernel had no file (flags without VG_FILE_PRESENT).
pub(crate) fn file(r: &mut Reader<'_>, fixed_size: usize) -> Result<Option<FileInfo>, DecodeError> {
    let inode = r.u64()?;
    let mtime_unix_ns = r.u64()?;
    let ctime_unix_ns = r.u64()?;
    let mount_id = r.u32()?;
    let dev = r.u32()?;
    let uid = r.u32()?;
    let gid = r.u32()?;
    let mode = r.u32()?;
    let flags = r.u32()?;
    let fs_type = c_string(&r.bytes::<16>()?);
    let segments = r.blob("file.path", fixed_size)?;
    if flags & FILE_PRESENT == 0 {
        return Ok(None);
    }
    let path_error = if flags & FILE_PATH_FAULT != 0 {
        Some(PathError::Fault)
    } else if flags & FILE_PATH_TRUNCATED != 0 {
        Some(PathError::Truncated)
    } else {
        None
    };
    Ok(Some(FileInfo {
        path: path_from_segments(segments),
        path_error,
        inode,
        mount_id,
        dev_major: dev >> 20,
        dev_minor: dev & 0xf_ffff,
        mode,
        uid,
        gid,
        mtime_unix_ns,
        ctime_unix_ns,
        fs_type,
        in_upper_layer: flags & FILE_IN_UPPER_LAYER != 0,
        deleted: flags & FILE_DELETED != 0,
    }))
}

/// Joins NUL-terminated names given leaf first into an absolute path ("/" when empty).
pub(crate) fn path_from_segments(segments: &[u8]) -> Vec<u8> {
    let names: Vec<&[u8]> = segments
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return b"/".to_vec();
    }
    let mut path = Vec::with_capacity(segments.len() + 1);
    for name in names.iter().rev() {
        path.push(b'/');
        path.extend_from_slice(name);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_leaf_first_segments() {
        assert_eq!(path_from_segments(b"dash\0bin\0usr\0"), b"/usr/bin/dash");
        assert_eq!(path_from_segments(b""), b"/");
        assert_eq!(path_from_segments(b"a\xff\0"), b"/a\xff");
        // A record cut inside the last name still yields what was read.
        assert_eq!(path_from_segments(b"leaf\0mid"), b"/mid/leaf");
    }
}
