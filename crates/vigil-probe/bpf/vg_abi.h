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
	/* File activity (file.bpf.c): one record per syscall, emitted at its exit. */
	VG_EVENT_OPEN = 4,
	VG_EVENT_CHMOD = 5,
	VG_EVENT_CHOWN = 6,
	VG_EVENT_LINK = 7,
	VG_EVENT_RENAME = 8,
	VG_EVENT_UNLINK = 9,
	VG_EVENT_MKDIR = 10,
	VG_EVENT_RMDIR = 11, /* rmdir(2) and unlinkat(AT_REMOVEDIR), as Datadog reports them */
	VG_EVENT_UTIMES = 12,
	VG_EVENT_SETXATTR = 13,
	VG_EVENT_REMOVEXATTR = 14,
};
#define VG_FIRST_FILE_EVENT VG_EVENT_OPEN
#define VG_LAST_FILE_EVENT VG_EVENT_REMOVEXATTR
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
#define VG_USER_PATH_MAX 4097         /* PATH_MAX + 1: a 4096-byte read means "cut" */
#define VG_XATTR_NAME_MAX 256         /* XATTR_NAME_MAX + NUL */

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

/* vg_fs_event.flags */
#define VG_FS_PATH_CUT (1U << 0)       /* path longer than PATH_MAX - 1 bytes: cut */
#define VG_FS_PATH_FAULT (1U << 1)     /* path could not be read from user memory */
#define VG_FS_PATH2_CUT (1U << 2)
#define VG_FS_PATH2_FAULT (1U << 3)
#define VG_FS_DIR_TRUNCATED (1U << 4)  /* dir path walk hit a limit or a fault */
#define VG_FS_DIR2_TRUNCATED (1U << 5)
#define VG_FS_DIR_UNRESOLVED (1U << 6) /* relative path but dirfd is not an open file */
#define VG_FS_DIR2_UNRESOLVED (1U << 7)
#define VG_FS_HAS_PATH (1U << 8)       /* the syscall took a path argument */
#define VG_FS_HAS_PATH2 (1U << 9)      /* rename/link destination */
#define VG_FS_HAS_DIR (1U << 10)       /* dir holds the base directory of a relative path */
#define VG_FS_HAS_DIR2 (1U << 11)
#define VG_FS_NAME_FAULT (1U << 12)    /* xattr name unreadable */
#define VG_FS_TIMES_NULL (1U << 13)    /* utimes with a NULL times pointer: both "now" */
#define VG_FS_TIMES_FAULT (1U << 14)   /* times array unreadable */
#define VG_FS_AT_EXIT (1U << 15)       /* open recorded at exit (approved by the opened
					* file's name, not by the path given): the path
					* string was read after the syscall ran */
#define VG_FS_TARGETED (1U << 16)      /* passed approvers of its type (a rule names it):
					* dcache lookups may walk further (kernel only) */

/* One file-activity syscall. `file` is the exact kernel object when there is one: the fd's
 * file for f* variants and AT_EMPTY_PATH (captured at syscall entry, before the change), the
 * returned fd's file for a successful open (captured at exit), else the dentry the path names
 * when the dcache knows it (vg_lookup.h; at entry for a target that exists before the call,
 * at exit for one it creates or when the entry lookup missed). Path arguments are the user
 * strings read at entry; `dir` is the path of dirfd (or of the cwd for AT_FDCWD) when the path
 * is relative. */
struct vg_fs_event {
	struct vg_header hdr;       /* timestamp: syscall exit */
	struct vg_process_ctx proc;
	struct vg_creds creds;      /* at syscall entry */
	struct vg_file file;
	struct vg_file file2;       /* link/rename destination after success (looked up at exit) */
	__s64 retval;
	__u32 len;                  /* bytes of this record */
	__u32 syscall_nr;           /* x86_64 syscall number */
	__u32 flags;                /* VG_FS_* */
	__s32 dirfd;                /* for path (AT_FDCWD = -100) */
	__s32 dirfd2;               /* for path2 */
	__u32 at_flags;             /* AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH / AT_SYMLINK_FOLLOW
				     * as passed (l* variants: AT_SYMLINK_NOFOLLOW) */
	__u32 op_flags;             /* open, unlinkat, renameat2, setxattr flags */
	__u32 mode;                 /* open/creat/mkdir/chmod mode */
	__u32 uid;                  /* chown */
	__u32 gid;
	__s64 atime_sec;            /* utimes */
	__s64 mtime_sec;
	__u32 atime_nsec;           /* UTIME_NOW / UTIME_OMIT kept as the kernel defines them */
	__u32 mtime_nsec;
	struct vg_blob path;
	struct vg_blob dir;         /* leaf-first segments, like vg_file.path */
	struct vg_blob path2;
	struct vg_blob dir2;
	struct vg_blob xattr_name;
};

/* vg_config.flags */
#define VG_CONFIG_ALL_FILE_ERRORS (1U << 0) /* report failed file syscalls with any errno, not
					     * only EACCES/EPERM (Datadog's in-kernel rule) */

/* The enabled-types / configuration map value. */
struct vg_config {
	__u64 enabled_types; /* bit (1 << enum vg_event_type) */
	__u32 flags;         /* VG_CONFIG_* */
	__u32 _pad;
};

/* vg_approver_cfg.flags */
#define VG_APPROVE_BY_NAME (1U << 0)  /* basenames in vg_approved_names approve */
#define VG_APPROVE_BY_FLAGS (1U << 1) /* op_flags & open_flags_mask != 0 approves */

/* Per event type: when flags != 0, only approved events leave the kernel. */
struct vg_approver_cfg {
	__u32 flags;
	__u32 open_flags_mask;
};

/* vg_approved_names key: FNV-1a 64 of a basename (bytes without NUL), per event type. */
struct vg_name_key {
	__u32 type;
	__u32 _pad;
	__u64 hash;
};

/* Per event type, events not output because of in-kernel filters. */
struct vg_filter_counts {
	__u64 approvers; /* no approver matched */
	__u64 errors;    /* failed with an errno that is not reported */
};

_Static_assert(sizeof(struct vg_header) == 16, "vg_header");
_Static_assert(sizeof(struct vg_process_ctx) == 40, "vg_process_ctx");
_Static_assert(sizeof(struct vg_creds) == 48, "vg_creds");
_Static_assert(sizeof(struct vg_file) == 72, "vg_file");
_Static_assert(sizeof(struct vg_exec_event) == 392, "vg_exec_event");
_Static_assert(sizeof(struct vg_fork_event) == 80, "vg_fork_event");
_Static_assert(sizeof(struct vg_exit_event) == 64, "vg_exit_event");
_Static_assert(sizeof(struct vg_fs_event) == 360, "vg_fs_event");
_Static_assert(sizeof(struct vg_config) == 16, "vg_config");
_Static_assert(sizeof(struct vg_name_key) == 16, "vg_name_key");
