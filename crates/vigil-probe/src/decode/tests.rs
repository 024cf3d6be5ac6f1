//! Decoder tests on synthetic records laid out like the C structs of vg_abi.h: field
//! order, blob resolution, and rejection (never a panic) of malformed records.

use proptest::prelude::*;

use super::*;
use crate::event::{ExitCause, PathError};

/// Appends fields in C order, native endianness.
#[derive(Default)]
struct Record(Vec<u8>);

impl Record {
    fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_ne_bytes());
        self
    }
    fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_ne_bytes());
        self
    }
    fn chars<const N: usize>(mut self, s: &[u8]) -> Self {
        let mut field = [0u8; N];
        field[..s.len()].copy_from_slice(s);
        self.0.extend_from_slice(&field);
        self
    }
    fn header(self, event_type: u32) -> Self {
        self.u32(event_type).u32(1).u64(123_456)
    }
    fn process(self, pid: u32, tid: u32) -> Self {
        self.u32(pid)
            .u32(tid)
            .u32(1)
            .u32(0)
            .u64(77)
            .chars::<16>(b"bash")
    }
    fn file(self, flags: u32, path: (u32, u32)) -> Self {
        self.u64(42)
            .u64(1_000)
            .u64(2_000)
            .u32(27)
            .u32((254 << 20) | 3)
            .u32(0)
            .u32(0)
            .u32(0o100755)
            .u32(flags)
            .chars::<16>(b"ext4")
            .u32(path.0)
            .u32(path.1)
    }
}

const EXEC_FIXED: u32 = exec::EXEC_EVENT_SIZE as u32;

/// An exec record whose variable part is `data`, with blobs at the given (offset-in-data,
/// len) pairs: filename, interp, cwd, cgroup, args, envs, file path.
fn exec_record(flags: u32, blobs: [(u32, u32); 7], data: &[u8]) -> Vec<u8> {
    let at = |(o, l): (u32, u32)| (EXEC_FIXED + o, l);
    let mut r = Record::default()
        .header(1)
        .process(100, 101)
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(u32::MAX)
        .u32(0)
        .u64(0x1ff)
        .u64(0x1ff)
        .file(1 | 2, at(blobs[6]))
        .file(0, (0, 0))
        .u32(101)
        .u32(flags)
        .u32(2)
        .u32(1)
        .u64(8)
        .u64(4)
        .chars::<64>(b"pts3");
    for blob in &blobs[..6] {
        let (o, l) = at(*blob);
        r = r.u32(o).u32(l);
    }
    assert_eq!(r.0.len(), exec::EXEC_EVENT_SIZE);
    r.0.extend_from_slice(data);
    r.0
}

fn sample_exec() -> Vec<u8> {
    // filename | interp (absent) | cwd | cgroup | args | envs | path
    let data = b"/bin/ls\0tmp\0\0ls\0-l\0A=1\0ls\0bin\0usr\0";
    exec_record(
        0,
        [(0, 7), (0, 0), (8, 4), (12, 0), (13, 6), (19, 4), (23, 11)],
        data,
    )
}

#[test]
fn decodes_an_exec_record() {
    let RawEvent::Exec(e) = decode(&sample_exec()).expect("decode") else {
        panic!("not exec")
    };
    assert_eq!(
        (
            e.timestamp_boot_ns,
            e.cpu,
            e.process.pid,
            e.process.tid,
            e.old_tid
        ),
        (123_456, 1, 100, 101, 101)
    );
    assert_eq!(e.process.comm, b"bash");
    assert_eq!(e.process.cgroup_id, 77);
    assert_eq!(e.credentials.auid, u32::MAX);
    assert_eq!(e.filename, b"/bin/ls");
    assert_eq!(e.interpreter_path, None);
    assert_eq!(e.cwd, b"/tmp");
    assert_eq!(e.cgroup_path, b"/");
    assert_eq!(e.args, [b"ls".to_vec(), b"-l".to_vec()]);
    assert_eq!(e.envs, [b"A=1".to_vec()]);
    assert!(!e.args_truncated && !e.envs_truncated);
    assert_eq!(e.tty.as_deref(), Some(&b"pts3"[..]));
    assert_eq!((e.args_area_len, e.envs_area_len), (8, 4));
    let file = e.file.expect("file");
    assert_eq!(file.path, b"/usr/bin/ls");
    assert_eq!(
        (file.inode, file.mount_id, file.dev_major, file.dev_minor),
        (42, 27, 254, 3)
    );
    assert_eq!(
        (file.mode, file.mtime_unix_ns, file.ctime_unix_ns),
        (0o100755, 1_000, 2_000)
    );
    assert_eq!(file.fs_type, b"ext4");
    assert!(file.in_upper_layer && !file.deleted);
    assert_eq!(file.path_error, None);
    assert_eq!(e.executable, None);
}

#[test]
fn exec_flags_reach_the_event() {
    let data = b"/bin/ls\0/bin/sh\0";
    let flags = (1 << 0) | (1 << 6) | (1 << 7) | (1 << 8);
    let record = exec_record(
        flags,
        [(0, 7), (8, 7), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        data,
    );
    let RawEvent::Exec(e) = decode(&record).expect("decode") else {
        panic!("not exec")
    };
    assert_eq!(e.interpreter_path.as_deref(), Some(&b"/bin/sh"[..]));
    assert!(e.args_truncated && e.cwd_truncated && e.cgroup_path_truncated);
    assert!(e.envs_truncated, "envc is 1 but no value was captured");
}

#[test]
fn path_errors_are_reported() {
    let mut record = exec_record(0, [(0, 0); 7], b"");
    let flags_at = 16 + 40 + 48 + 44;
    record[flags_at..flags_at + 4].copy_from_slice(&(1u32 | 4).to_ne_bytes());
    let RawEvent::Exec(e) = decode(&record).expect("decode") else {
        panic!("not exec")
    };
    assert_eq!(e.file.expect("file").path_error, Some(PathError::Truncated));
}

#[test]
fn rejects_blobs_outside_the_variable_part() {
    let inside_fixed = exec_record(0, [(0, 0); 7], b"abc");
    let mut bad = inside_fixed.clone();
    // filename blob pointing into the fixed part
    let filename_at = exec::EXEC_EVENT_SIZE - 48;
    bad[filename_at..filename_at + 8].copy_from_slice(&[8, 0, 0, 0, 3, 0, 0, 0]);
    assert!(matches!(
        decode(&bad),
        Err(DecodeError::BlobOutOfBounds {
            field: "exec.filename",
            ..
        })
    ));
    let beyond = exec_record(
        0,
        [(1, 3), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        b"abc",
    );
    assert!(matches!(
        decode(&beyond),
        Err(DecodeError::BlobOutOfBounds { .. })
    ));
    let overflow = exec_record(
        0,
        [
            (u32::MAX - EXEC_FIXED, u32::MAX),
            (0, 0),
            (0, 0),
            (0, 0),
            (0, 0),
            (0, 0),
            (0, 0),
        ],
        b"",
    );
    assert!(decode(&overflow).is_err());
}

#[test]
fn rejects_negative_counts() {
    let mut record = sample_exec();
    let argc_at = 16 + 40 + 48 + 72 + 72 + 8;
    record[argc_at..argc_at + 4].copy_from_slice(&(-1i32).to_ne_bytes());
    assert_eq!(
        decode(&record),
        Err(DecodeError::InvalidField {
            field: "exec.argc",
            value: -1
        })
    );
}

#[test]
fn decodes_fork_and_exit_records() {
    let fork = Record::default()
        .header(2)
        .process(10, 11)
        .u32(10)
        .u32(12)
        .u32(1)
        .u32(1)
        .u64(0x10000)
        .0;
    let RawEvent::Fork(f) = decode(&fork).expect("fork") else {
        panic!("not fork")
    };
    assert_eq!(
        (
            f.parent.pid,
            f.child_pid,
            f.child_tid,
            f.child_ppid,
            f.is_thread,
            f.clone_flags
        ),
        (10, 10, 12, 1, true, 0x10000)
    );
    let exit = Record::default()
        .header(3)
        .process(10, 12)
        .u32(9 | 0x80)
        .u32(1)
        .0;
    let RawEvent::Exit(x) = decode(&exit).expect("exit") else {
        panic!("not exit")
    };
    assert_eq!(
        (x.cause, x.code, x.raw_status, x.group_exit, x.process.tid),
        (ExitCause::CoreDumped, 9, 0x89, true, 12)
    );
    let mut long = exit.clone();
    long.push(0);
    assert!(matches!(decode(&long), Err(DecodeError::WrongSize { .. })));
}

#[test]
fn rejects_short_and_unknown_records() {
    assert!(matches!(decode(&[]), Err(DecodeError::TooShort { .. })));
    assert_eq!(
        decode(&99u32.to_ne_bytes()),
        Err(DecodeError::UnknownType(99))
    );
    let record = sample_exec();
    for len in 0..exec::EXEC_EVENT_SIZE {
        assert!(decode(&record[..len]).is_err(), "prefix of {len} bytes");
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024), kind in 1u32..16) {
        let mut record = bytes;
        if record.len() >= 4 {
            record[..4].copy_from_slice(&kind.to_ne_bytes());
        }
        let _ = decode(&record);
    }

    #[test]
    fn corrupted_exec_records_never_panic(at in 0usize..430, byte in any::<u8>()) {
        let mut record = sample_exec();
        if let Some(b) = record.get_mut(at) {
            *b = byte;
        }
        let _ = decode(&record);
    }
}

/// A vg_fs_event record: fixed part then `data`; blobs are (offset-in-data, len) for path,
/// dir, path2, dir2, xattr name.
fn fs_record(event_type: u32, nr: u32, flags: u32, blobs: [(u32, u32); 5], data: &[u8]) -> Vec<u8> {
    let fixed = file::FS_EVENT_SIZE as u32;
    let len = fixed + data.len() as u32;
    let mut r = Record::default()
        .header(event_type)
        .process(100, 101)
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(u32::MAX)
        .u32(0)
        .u64(0)
        .u64(0)
        .file(0, (0, 0))
        .file(0, (0, 0))
        .u64((-13i64) as u64)
        .u32(len)
        .u32(nr)
        .u32(flags)
        .u32((-100i32) as u32)
        .u32(7)
        .u32(0)
        .u32(0o1) // op_flags
        .u32(0o640) // mode
        .u32(1)
        .u32(2)
        .u64(5)
        .u64(6)
        .u32((1 << 30) - 1)
        .u32(9);
    for (o, l) in blobs {
        r = r.u32(if l == 0 { 0 } else { fixed + o }).u32(l);
    }
    assert_eq!(r.0.len(), file::FS_EVENT_SIZE);
    r.0.extend_from_slice(data);
    r.0
}

#[test]
fn decodes_file_records() {
    // rename("a/b", dirfd 7: "c") from cwd /tmp, dirfd 7 = /var
    let data = b"a/b\0tmp\0c\0var\0";
    let flags = (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11);
    let record = fs_record(
        8,
        264,
        flags,
        [(0, 3), (4, 4), (8, 1), (10, 4), (0, 0)],
        data,
    );
    let RawEvent::Rename(e) = decode(&record).expect("rename") else {
        panic!("not rename")
    };
    assert_eq!(e.call.syscall, crate::Syscall::Renameat);
    assert_eq!(e.call.retval, -13);
    assert_eq!(e.call.file, None);
    let path = e.call.path.as_ref().expect("path");
    assert_eq!(path.absolute().as_deref(), Some(&b"/tmp/a/b"[..]));
    assert_eq!(e.destination.dirfd, 7);
    assert_eq!(e.destination.absolute().as_deref(), Some(&b"/var/c"[..]));
    assert_eq!(e.flags, 1);

    let record = fs_record(12, 280, 0, [(0, 2), (0, 0), (0, 0), (0, 0), (0, 0)], b"/f");
    let RawEvent::Utimes(u) = decode(&record).expect("utimes") else {
        panic!("not utimes")
    };
    assert_eq!(u.atime, Some(crate::TimeChange::Now));
    assert_eq!(u.mtime, Some(crate::TimeChange::Set { sec: 6, nsec: 9 }));
}

#[test]
fn rejects_inconsistent_file_records() {
    let good = fs_record(
        4,
        257,
        1 << 8,
        [(0, 2), (0, 0), (0, 0), (0, 0), (0, 0)],
        b"/f",
    );
    assert!(decode(&good).is_ok());
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(
        decode(&longer),
        Err(DecodeError::WrongSize { .. })
    ));
    let unknown_nr = fs_record(4, 59, 0, [(0, 0); 5], b"");
    assert!(matches!(
        decode(&unknown_nr),
        Err(DecodeError::InvalidField {
            field: "file.syscall_nr",
            ..
        })
    ));
    let no_destination = fs_record(
        7,
        86,
        1 << 8,
        [(0, 2), (0, 0), (0, 0), (0, 0), (0, 0)],
        b"/f",
    );
    assert!(
        decode(&no_destination).is_err(),
        "link without a destination"
    );
    for len in 0..file::FS_EVENT_SIZE {
        assert!(decode(&good[..len]).is_err(), "prefix of {len} bytes");
    }
}

proptest! {
    #[test]
    fn corrupted_file_records_never_panic(at in 0usize..300, byte in any::<u8>(), kind in 4u32..15) {
        let mut record = fs_record(kind, 257, 0x0f3f, [(0, 2), (2, 2), (4, 2), (6, 2), (8, 2)], b"abcdefghij");
        if let Some(b) = record.get_mut(at) {
            *b = byte;
        }
        let _ = decode(&record);
    }
}
