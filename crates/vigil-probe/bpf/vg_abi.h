/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vg_abi.h owns the wire format between the kernel programs and the Rust decoder
 * (the modules under src/decode/ mirror every struct here field by field; sizes are pinned by the
 * _Static_asserts at the bottom and by the Rust constants in src/decode/layout.rs).
 *
 * Rules: fixed-width types only, explicit padding, every struct a multiple of 8 bytes.
 * Variable-length data (strings, paths, argv) lives after the fixed part of a record and
 * is referenced by a vg_blob (offset from the start of the record, length in bytes).
 */
#pragma once

/* Event type ids: also the bit index in the enabled-types mask and the index of the drop
 * counter. Keep in sync with EventType in src/config.rs. */
enum vg_event_type {
	VG_EVENT_EXEC = 1,
	VG_EVENT_FORK = 2,
	VG_EVENT_EXIT = 3,
};
#define VG_EVENT_TYPE_SLOTS 16 /* drop counters / mask bits reserved for event types */

/* Variable-length record area (scratch map value = VG_RECORD_CAP + VG_WRITE_MAX). */
#define VG_RECORD_CAP (1U << 17)      /* max bytes of one variable-size record */
#define VG_RECORD_MASK (VG_RECORD_CAP - 1)
#define VG_WRITE_MAX (1U << 15)       /* largest single write into a record */
#define VG_ARGS_CAP (1U << 15)        /* raw argv bytes captured per exec */
#define VG_ENVS_CAP (1U << 15)        /* raw envp bytes captured per exec */
#define VG_STR_MAX 4096               /* one kernel string (filename, interpreter) incl. NUL */
#define VG_NAME_MAX 256               /* one path segment incl. NUL */
#define VG_PATH_MAX 4096              /* bytes of one encoded path */
#define VG_PATH_MAX_DEPTH 128         /* dentries + mount crossings walked per path */
#define VG_CGROUP_MAX_DEPTH 16        /* kernfs levels walked for the cgroup path */
#define VG_COMM_LEN 16
#define VG_TTY_LEN 64
#define VG_FS_TYPE_LEN 16

struct vg_blob {
	__u32 offset; /* from the start of the record */
	__u32 len;    /* bytes, without a terminating NUL */
};

struct vg_header {
	__u32 type;         /* enum vg_event_type */
	__u32 cpu;          /* CPU that produced the record */
	__u64 timestamp_ns; /* CLOCK_BOOTTIME (bpf_ktime_get_boot_ns) */
};

/* The task the event is about (or, for fork, the forking task). */
struct vg_process_ctx {
	__u32 pid;  /* thread-group id (user-space "pid") */
	__u32 tid;  /* thread id */
	__u32 ppid; /* real_parent's thread-group id */
	__u32 _pad;
	__u64 cgroup_id; /* cgroup v2 id (kernfs node id of the default hierarchy cgroup) */
	char comm[VG_COMM_LEN];
};

/* task->real_cred, ids in the initial user namespace. */
struct vg_creds {
	__u32 uid, gid, euid, egid, fsuid, fsgid;
	__u32 auid; /* task->loginuid, 0xffffffff when unset or without CONFIG_AUDIT */
	__u32 _pad;
	__u64 cap_effective;
	__u64 cap_permitted;
};

/* vg_file.flags */
#define VG_FILE_PRESENT (1U << 0)
#define VG_FILE_IN_UPPER_LAYER (1U << 1) /* overlayfs inode with an upper dentry */
#define VG_FILE_PATH_TRUNCATED (1U << 2) /* depth or size limit hit: path is a suffix */
#define VG_FILE_PATH_FAULT (1U << 3)     /* a dentry name could not be read */
#define VG_FILE_DELETED (1U << 4)        /* dentry unhashed (unlinked) */

/* A file: inode attributes + path. The path blob holds NUL-terminated segments from the
 * leaf up to the root of the task's mount namespace (mounts crossed), leaf first. */
struct vg_file {
	__u64 inode;
	__u64 mtime_ns; /* unix ns (inode timestamps are wall-clock) */
	__u64 ctime_ns;
	__u32 mount_id; /* struct mount.mnt_id == /proc/<pid>/mountinfo field 1 */
	__u32 dev;      /* sb->s_dev, kernel encoding (major << 20 | minor) */
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 flags; /* VG_FILE_* */
	char fs_type[VG_FS_TYPE_LEN];
	struct vg_blob path;
};

/* vg_exec_event.flags */
#define VG_EXEC_ARGS_CUT (1U << 0)        /* argv area larger than VG_ARGS_CAP */
#define VG_EXEC_ENVS_CUT (1U << 1)
#define VG_EXEC_ARGS_FAULT (1U << 2)      /* argv could not be read */
#define VG_EXEC_ENVS_FAULT (1U << 3)
#define VG_EXEC_FILENAME_CUT (1U << 4)    /* filename may be cut at VG_STR_MAX - 1 */
#define VG_EXEC_INTERP_CUT (1U << 5)
#define VG_EXEC_CWD_TRUNCATED (1U << 6)
#define VG_EXEC_CGROUP_TRUNCATED (1U << 7)
#define VG_EXEC_HAS_INTERP (1U << 8)      /* bprm->interp differs from bprm->filename */

struct vg_exec_event {
	struct vg_header hdr;
	struct vg_process_ctx proc;
	struct vg_creds creds;
	struct vg_file file;       /* bprm->file: the image loaded (the interpreter for scripts) */
	struct vg_file executable; /* bprm->executable (binfmt_misc 'O' only), else flags == 0 */
	__u32 old_tid;             /* tid that called execve (differs when a thread exec'd) */
	__u32 flags;               /* VG_EXEC_* */
	__s32 argc;
	__s32 envc;
	__u64 args_size; /* mm->arg_end - mm->arg_start: full argv bytes in the new image */
	__u64 envs_size;
	char tty[VG_TTY_LEN];
	struct vg_blob filename; /* bprm->filename: the path as given to execve */
	struct vg_blob interp;   /* bprm->interp when VG_EXEC_HAS_INTERP */
	struct vg_blob cwd;      /* task->fs->pwd, encoded like vg_file.path */
	struct vg_blob cgroup;   /* cgroup v2 path, kernfs names leaf first, NUL-terminated */
	struct vg_blob args;     /* raw argv bytes (NUL-separated), possibly cut */
	struct vg_blob envs;     /* raw envp bytes (NUL-separated), possibly cut */
};

/* vg_fork_event.flags */
#define VG_FORK_IS_THREAD (1U << 0)

struct vg_fork_event {
	struct vg_header hdr;
	struct vg_process_ctx proc; /* the forking task (current) */
	__u32 child_pid;            /* child's thread-group id */
	__u32 child_tid;
	__u32 child_ppid; /* child's real_parent tgid (differs from proc.pid with CLONE_PARENT) */
	__u32 flags;      /* VG_FORK_* */
	__u64 clone_flags;
};

/* vg_exit_event.flags */
#define VG_EXIT_GROUP_EXIT (1U << 0) /* status taken from signal->group_exit_code */

struct vg_exit_event {
	struct vg_header hdr;
	struct vg_process_ctx proc; /* the last exiting thread of the group */
	__u32 exit_code;            /* wait(2) status word */
	__u32 flags;                /* VG_EXIT_* */
};

/* The enabled-types / configuration map value. */
struct vg_config {
	__u64 enabled_types; /* bit (1 << enum vg_event_type) */
};

_Static_assert(sizeof(struct vg_header) == 16, "vg_header");
_Static_assert(sizeof(struct vg_process_ctx) == 40, "vg_process_ctx");
_Static_assert(sizeof(struct vg_creds) == 48, "vg_creds");
_Static_assert(sizeof(struct vg_file) == 72, "vg_file");
_Static_assert(sizeof(struct vg_exec_event) == 392, "vg_exec_event");
_Static_assert(sizeof(struct vg_fork_event) == 80, "vg_fork_event");
_Static_assert(sizeof(struct vg_exit_event) == 64, "vg_exit_event");
