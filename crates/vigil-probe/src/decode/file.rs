//! Decoder of `struct vg_fs_event` (bpf/file.bpf.c) into the file-activity events.

use super::common::{self, path_from_segments};
use super::reader::Reader;
use super::DecodeError;
use crate::config::EventType;
use crate::event::RawEvent;
use crate::file_event::{
    BaseDir, ChmodEvent, ChownEvent, FileSyscall, LinkEvent, MkdirEvent, OpenEvent, PathArg,
    RemoveXattrEvent, RenameEvent, RmdirEvent, SetXattrEvent, Syscall, TimeChange, UnlinkEvent,
    UtimesEvent,
};

pub(crate) const FS_EVENT_SIZE: usize = 360;

const PATH_CUT: u32 = 1 << 0;
const PATH_FAULT: u32 = 1 << 1;
const PATH2_CUT: u32 = 1 << 2;
const PATH2_FAULT: u32 = 1 << 3;
const DIR_TRUNCATED: u32 = 1 << 4;
const DIR2_TRUNCATED: u32 = 1 << 5;
const DIR_UNRESOLVED: u32 = 1 << 6;
const DIR2_UNRESOLVED: u32 = 1 << 7;
const HAS_PATH: u32 = 1 << 8;
const HAS_PATH2: u32 = 1 << 9;
const HAS_DIR: u32 = 1 << 10;
const HAS_DIR2: u32 = 1 << 11;
const NAME_FAULT: u32 = 1 << 12;
const TIMES_NULL: u32 = 1 << 13;
const TIMES_FAULT: u32 = 1 << 14;
const AT_EXIT: u32 = 1 << 15;

/// `tv_nsec` values of utimensat (include/uapi/linux/stat.h).
const UTIME_NOW: u32 = (1 << 30) - 1;
const UTIME_OMIT: u32 = (1 << 30) - 2;

/// The bit layout of one path argument in `flags`.
struct PathBits {
    has: u32,
    cut: u32,
    fault: u32,
    has_dir: u32,
    dir_truncated: u32,
    dir_unresolved: u32,
}

const FIRST: PathBits = PathBits {
    has: HAS_PATH,
    cut: PATH_CUT,
    fault: PATH_FAULT,
    has_dir: HAS_DIR,
    dir_truncated: DIR_TRUNCATED,
    dir_unresolved: DIR_UNRESOLVED,
};

const SECOND: PathBits = PathBits {
    has: HAS_PATH2,
    cut: PATH2_CUT,
    fault: PATH2_FAULT,
    has_dir: HAS_DIR2,
    dir_truncated: DIR2_TRUNCATED,
    dir_unresolved: DIR2_UNRESOLVED,
};

fn path_arg(flags: u32, bits: &PathBits, path: &[u8], dirfd: i32, dir: &[u8]) -> Option<PathArg> {
    if flags & bits.has == 0 {
        return None;
    }
    let base_dir = if flags & bits.dir_unresolved != 0 {
        BaseDir::Unresolved
    } else if flags & bits.has_dir != 0 {
        BaseDir::Dir {
            path: path_from_segments(dir),
            truncated: flags & bits.dir_truncated != 0,
        }
    } else {
        BaseDir::NotNeeded
    };
    Some(PathArg {
        path: path.to_vec(),
        truncated: flags & bits.cut != 0,
        unreadable: flags & bits.fault != 0,
        dirfd,
        base_dir,
    })
}

fn time_change(sec: i64, nsec: u32) -> TimeChange {
    match nsec {
        UTIME_NOW => TimeChange::Now,
        UTIME_OMIT => TimeChange::Omit,
        nsec => TimeChange::Set { sec, nsec },
    }
}

fn missing(field: &'static str) -> DecodeError {
    DecodeError::InvalidField { field, value: 0 }
}

pub(crate) fn decode(event_type: EventType, record: &[u8]) -> Result<RawEvent, DecodeError> {
    let fixed = FS_EVENT_SIZE;
    let mut r = Reader::new(record);
    let header = common::header(&mut r)?;
    let process = common::process_ctx(&mut r)?;
    let credentials = common::creds(&mut r)?;
    let file = common::file(&mut r, fixed)?;
    let destination_file = common::file(&mut r, fixed)?;
    let retval = r.i64()?;
    let len = r.u32()?;
    let nr = r.u32()?;
    let flags = r.u32()?;
    let dirfd = r.i32()?;
    let dirfd2 = r.i32()?;
    let at_flags = r.u32()?;
    let op_flags = r.u32()?;
    let mode = r.u32()?;
    let uid = r.u32()?;
    let gid = r.u32()?;
    let atime_sec = r.i64()?;
    let mtime_sec = r.i64()?;
    let atime_nsec = r.u32()?;
    let mtime_nsec = r.u32()?;
    let path = r.blob("file.path_arg", fixed)?;
    let dir = r.blob("file.dir", fixed)?;
    let path2 = r.blob("file.path2_arg", fixed)?;
    let dir2 = r.blob("file.dir2", fixed)?;
    let xattr_name = r.blob("file.xattr_name", fixed)?;
    r.expect_consumed("vg_fs_event", FS_EVENT_SIZE)?;

    if len as usize != record.len() {
        return Err(DecodeError::WrongSize {
            event_type,
            len: record.len(),
            expected: len as usize,
        });
    }
    let syscall = Syscall::from_nr(nr).ok_or(DecodeError::InvalidField {
        field: "file.syscall_nr",
        value: i64::from(nr),
    })?;
    let call = FileSyscall {
        timestamp_boot_ns: header.timestamp_boot_ns,
        cpu: header.cpu,
        process,
        credentials,
        syscall,
        retval,
        file,
        path: path_arg(flags, &FIRST, path, dirfd, dir),
        at_flags,
    };
    let destination =
        || path_arg(flags, &SECOND, path2, dirfd2, dir2).ok_or(missing("file.destination"));
    let name_unreadable = flags & NAME_FAULT != 0;
    let times = |sec, nsec| {
        if flags & TIMES_FAULT != 0 {
            None
        } else if flags & TIMES_NULL != 0 {
            Some(TimeChange::Now)
        } else {
            Some(time_change(sec, nsec))
        }
    };
    Ok(match event_type {
        EventType::Open => RawEvent::Open(Box::new(OpenEvent {
            call,
            flags: op_flags,
            mode,
            recorded_at_exit: flags & AT_EXIT != 0,
        })),
        EventType::Chmod => RawEvent::Chmod(Box::new(ChmodEvent { call, mode })),
        EventType::Chown => RawEvent::Chown(Box::new(ChownEvent { call, uid, gid })),
        EventType::Link => RawEvent::Link(Box::new(LinkEvent {
            destination: destination()?,
            destination_file,
            call,
        })),
        EventType::Rename => RawEvent::Rename(Box::new(RenameEvent {
            destination: destination()?,
            destination_file,
            call,
            flags: op_flags,
        })),
        EventType::Unlink => RawEvent::Unlink(Box::new(UnlinkEvent {
            call,
            flags: op_flags,
        })),
        EventType::Mkdir => RawEvent::Mkdir(Box::new(MkdirEvent { call, mode })),
        EventType::Rmdir => RawEvent::Rmdir(Box::new(RmdirEvent {
            call,
            flags: op_flags,
        })),
        EventType::Utimes => RawEvent::Utimes(Box::new(UtimesEvent {
            call,
            atime: times(atime_sec, atime_nsec),
            mtime: times(mtime_sec, mtime_nsec),
        })),
        EventType::SetXattr => RawEvent::SetXattr(Box::new(SetXattrEvent {
            call,
            name: xattr_name.to_vec(),
            name_unreadable,
            flags: op_flags,
        })),
        EventType::RemoveXattr => RawEvent::RemoveXattr(Box::new(RemoveXattrEvent {
            call,
            name: xattr_name.to_vec(),
            name_unreadable,
        })),
        EventType::Exec | EventType::Fork | EventType::Exit => {
            return Err(DecodeError::UnknownType(event_type.id()))
        }
    })
}
