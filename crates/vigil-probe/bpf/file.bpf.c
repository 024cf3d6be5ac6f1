/* SPDX-License-Identifier: Apache-2.0 */
/*
 * file.bpf.c owns the file-activity events (open, chmod, chown, link, rename, unlink, mkdir,
 * rmdir, utimes, setxattr, removexattr): one record per syscall, emitted at its exit with the
 * return value.
 *
 * Hooks: the raw syscall tracepoints (tp_btf/sys_enter and tp_btf/sys_exit) with an x86_64
 * syscall-number table, not the per-syscall syscalls:sys_enter_* events: two programs cover
 * ~35 syscalls, a monitored syscall costs one direct BPF call per side instead of the perf
 * trace-buffer path, attaching needs no tracefs, and the loader attaches both programs only
 * while some file event type is enabled (no cost at all otherwise).
 *
 * Flow: at entry the syscall is mapped to a plan (type, argument roles), the enabled mask and
 * excluded pids are checked, the user strings (paths, xattr name) are read, the fd's file is
 * resolved for f* variants, approvers are applied, then the partial record (header, process,
 * credentials, strings, base directories, file) is stored in a per-thread pending hash map
 * keyed by pid_tgid (a 1 KiB class for the common short paths, a 20 KiB class otherwise, so
 * that the copy stays small). At exit the record is completed (retval, timestamp, and for a
 * successful open the file behind the returned fd) and output.
 *
 * Approvers first judge the basename of the path given. When the syscall follows a symlink
 * in the last name, a rejected path gets a second look at the name it resolves to, so a
 * symlink to an approved name is still reported: an open at exit (the file behind the
 * returned fd, or for a reported failure a dcache lookup), the other types by a lookup at
 * entry (a lookup that misses approves there).
 *
 * Targets without an fd are looked up in the dentry cache (vg_lookup.h): at entry when they
 * exist before the syscall, at exit for what it creates (mkdir, link/rename destination) and
 * when the entry lookup missed.
 */
#include "vg_task.h"
#include "vg_lookup.h"

#define VG_AT_SYMLINK_NOFOLLOW 0x100
#define VG_AT_REMOVEDIR 0x200
#define VG_AT_SYMLINK_FOLLOW 0x400
#define VG_AT_EMPTY_PATH 0x1000
#define VG_O_WRONLY 01
#define VG_O_CREAT 0100
#define VG_O_TRUNC 01000
#define VG_O_NOFOLLOW 0400000
#define VG_TS_COMPAT 0x0002 /* arch/x86/include/asm/thread_info.h: ia32 syscall */
#define VG_EPERM 1
#define VG_EACCES 13

#define VG_FNV_OFFSET 0xcbf29ce484222325ULL
#define VG_FNV_PRIME 0x100000001b3ULL

/* x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
enum vg_nr {
	VG_NR_OPEN = 2,
	VG_NR_RENAME = 82,
	VG_NR_MKDIR = 83,
	VG_NR_RMDIR = 84,
	VG_NR_CREAT = 85,
	VG_NR_LINK = 86,
	VG_NR_UNLINK = 87,
	VG_NR_CHMOD = 90,
	VG_NR_FCHMOD = 91,
	VG_NR_CHOWN = 92,
	VG_NR_FCHOWN = 93,
	VG_NR_LCHOWN = 94,
	VG_NR_UTIME = 132,
	VG_NR_SETXATTR = 188,
	VG_NR_LSETXATTR = 189,
	VG_NR_FSETXATTR = 190,
	VG_NR_REMOVEXATTR = 197,
	VG_NR_LREMOVEXATTR = 198,
	VG_NR_FREMOVEXATTR = 199,
	VG_NR_UTIMES = 235,
	VG_NR_OPENAT = 257,
	VG_NR_MKDIRAT = 258,
	VG_NR_FCHOWNAT = 260,
	VG_NR_FUTIMESAT = 261,
	VG_NR_UNLINKAT = 263,
	VG_NR_RENAMEAT = 264,
	VG_NR_LINKAT = 265,
	VG_NR_FCHMODAT = 268,
	VG_NR_UTIMENSAT = 280,
	VG_NR_RENAMEAT2 = 316,
	VG_NR_OPENAT2 = 437,
	VG_NR_FCHMODAT2 = 452,
	VG_NR_SETXATTRAT = 463,
	VG_NR_REMOVEXATTRAT = 466,
};

enum vg_times_kind {
	VG_TIMES_NONE = 0,
	VG_TIMES_UTIMBUF,  /* struct utimbuf: two longs, seconds */
	VG_TIMES_TIMEVAL,  /* struct timeval[2] */
	VG_TIMES_TIMESPEC, /* struct timespec[2], UTIME_NOW / UTIME_OMIT in tv_nsec */
};

#define VG_PENDING_SMALL 1024
#define VG_PENDING_LARGE 20480

struct vg_pending_small_value {
	char bytes[VG_PENDING_SMALL];
};

struct vg_pending_large_value {
	char bytes[VG_PENDING_LARGE];
};

/* Partial records between syscall entry and exit, keyed by pid_tgid. Allocated on demand:
 * memory follows the number of syscalls in flight. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct vg_pending_small_value);
} vg_pending_small SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct vg_pending_large_value);
} vg_pending_large SEC(".maps");

/* Per event type approver settings (user space). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_EVENT_TYPE_SLOTS);
	__type(key, __u32);
	__type(value, struct vg_approver_cfg);
} vg_approver_cfgs SEC(".maps");

/* Approved basenames (FNV-1a 64) per event type (user space). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vg_name_key);
	__type(value, __u8);
} vg_approved_names SEC(".maps");

/* Events not output because of in-kernel filters, per type and CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_EVENT_TYPE_SLOTS);
	__type(key, __u32);
	__type(value, struct vg_filter_counts);
} vg_filtered SEC(".maps");

/* What one syscall's arguments mean. */
struct vg_fs_plan {
	const char *path;
	const char *path2;
	const char *name;       /* xattr name */
	const void *times;
	const void *open_how;   /* openat2 */
	const void *xattr_args; /* setxattrat */
	__u32 type;
	__u32 nr;
	__s32 dirfd;
	__s32 dirfd2;
	__s32 fd;               /* the target is this fd's file (f* variants) */
	__u32 times_kind;
	__u32 at_flags;
	__u32 op_flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	bool has_path;
	bool has_path2;
};

/* The syscalls vg_fs_plan_of knows, without reading registers (the exit fast path). */
static __always_inline bool vg_is_fs_nr(long nr)
{
	switch (nr) {
	case VG_NR_OPEN: case VG_NR_RENAME: case VG_NR_MKDIR: case VG_NR_RMDIR:
	case VG_NR_CREAT: case VG_NR_LINK: case VG_NR_UNLINK: case VG_NR_CHMOD:
	case VG_NR_FCHMOD: case VG_NR_CHOWN: case VG_NR_FCHOWN: case VG_NR_LCHOWN:
	case VG_NR_UTIME: case VG_NR_SETXATTR: case VG_NR_LSETXATTR: case VG_NR_FSETXATTR:
	case VG_NR_REMOVEXATTR: case VG_NR_LREMOVEXATTR: case VG_NR_FREMOVEXATTR:
	case VG_NR_UTIMES: case VG_NR_OPENAT: case VG_NR_MKDIRAT: case VG_NR_FCHOWNAT:
	case VG_NR_FUTIMESAT: case VG_NR_UNLINKAT: case VG_NR_RENAMEAT: case VG_NR_LINKAT:
	case VG_NR_FCHMODAT: case VG_NR_UTIMENSAT: case VG_NR_RENAMEAT2: case VG_NR_OPENAT2:
	case VG_NR_FCHMODAT2: case VG_NR_SETXATTRAT: case VG_NR_REMOVEXATTRAT:
		return true;
	default:
		return false;
	}
}

/* Maps a syscall to its plan from the saved user registers (the same at entry and exit).
 * False for syscalls that are not file activity. */
static __always_inline bool vg_fs_plan_of(long nr, struct pt_regs *regs, struct vg_fs_plan *p)
{
	if (!vg_is_fs_nr(nr))
		return false;
	/* tp_btf: regs is a trusted kernel pointer, read directly (no helper call). */
	unsigned long a0 = regs->di, a1 = regs->si, a2 = regs->dx, a3 = regs->r10, a4 = regs->r8;

	p->nr = nr;
	p->dirfd = VG_AT_FDCWD;
	p->dirfd2 = VG_AT_FDCWD;
	p->fd = -1;
	switch (nr) {
	case VG_NR_OPEN:
		p->type = VG_EVENT_OPEN;
		p->path = (const char *)a0, p->op_flags = a1, p->mode = a2;
		break;
	case VG_NR_CREAT:
		p->type = VG_EVENT_OPEN;
		p->path = (const char *)a0, p->mode = a1;
		p->op_flags = VG_O_CREAT | VG_O_WRONLY | VG_O_TRUNC;
		break;
	case VG_NR_OPENAT:
		p->type = VG_EVENT_OPEN;
		p->dirfd = a0, p->path = (const char *)a1, p->op_flags = a2, p->mode = a3;
		break;
	case VG_NR_OPENAT2:
		p->type = VG_EVENT_OPEN;
		p->dirfd = a0, p->path = (const char *)a1, p->open_how = (const void *)a2;
		break;
	case VG_NR_CHMOD:
		p->type = VG_EVENT_CHMOD;
		p->path = (const char *)a0, p->mode = a1;
		break;
	case VG_NR_FCHMOD:
		p->type = VG_EVENT_CHMOD;
		p->fd = a0, p->mode = a1;
		return true;
	case VG_NR_FCHMODAT:
		p->type = VG_EVENT_CHMOD;
		p->dirfd = a0, p->path = (const char *)a1, p->mode = a2;
		break;
	case VG_NR_FCHMODAT2:
		p->type = VG_EVENT_CHMOD;
		p->dirfd = a0, p->path = (const char *)a1, p->mode = a2, p->at_flags = a3;
		break;
	case VG_NR_CHOWN:
	case VG_NR_LCHOWN:
		p->type = VG_EVENT_CHOWN;
		p->path = (const char *)a0, p->uid = a1, p->gid = a2;
		if (nr == VG_NR_LCHOWN)
			p->at_flags = VG_AT_SYMLINK_NOFOLLOW;
		break;
	case VG_NR_FCHOWN:
		p->type = VG_EVENT_CHOWN;
		p->fd = a0, p->uid = a1, p->gid = a2;
		return true;
	case VG_NR_FCHOWNAT:
		p->type = VG_EVENT_CHOWN;
		p->dirfd = a0, p->path = (const char *)a1, p->uid = a2, p->gid = a3;
		p->at_flags = a4;
		break;
	case VG_NR_LINK:
	case VG_NR_RENAME:
		p->type = nr == VG_NR_LINK ? VG_EVENT_LINK : VG_EVENT_RENAME;
		p->path = (const char *)a0, p->path2 = (const char *)a1;
		p->has_path2 = true;
		break;
	case VG_NR_LINKAT:
		p->type = VG_EVENT_LINK;
		p->dirfd = a0, p->path = (const char *)a1, p->dirfd2 = a2;
		p->path2 = (const char *)a3, p->at_flags = a4;
		p->has_path2 = true;
		break;
	case VG_NR_RENAMEAT:
	case VG_NR_RENAMEAT2:
		p->type = VG_EVENT_RENAME;
		p->dirfd = a0, p->path = (const char *)a1, p->dirfd2 = a2;
		p->path2 = (const char *)a3;
		if (nr == VG_NR_RENAMEAT2)
			p->op_flags = a4;
		p->has_path2 = true;
		break;
	case VG_NR_UNLINK:
		p->type = VG_EVENT_UNLINK;
		p->path = (const char *)a0;
		break;
	case VG_NR_UNLINKAT:
		p->op_flags = a2;
		p->type = (p->op_flags & VG_AT_REMOVEDIR) ? VG_EVENT_RMDIR : VG_EVENT_UNLINK;
		p->dirfd = a0, p->path = (const char *)a1;
		break;
	case VG_NR_RMDIR:
		p->type = VG_EVENT_RMDIR;
		p->path = (const char *)a0;
		break;
	case VG_NR_MKDIR:
		p->type = VG_EVENT_MKDIR;
		p->path = (const char *)a0, p->mode = a1;
		break;
	case VG_NR_MKDIRAT:
		p->type = VG_EVENT_MKDIR;
		p->dirfd = a0, p->path = (const char *)a1, p->mode = a2;
		break;
	case VG_NR_UTIME:
	case VG_NR_UTIMES:
		p->type = VG_EVENT_UTIMES;
		p->path = (const char *)a0, p->times = (const void *)a1;
		p->times_kind = nr == VG_NR_UTIME ? VG_TIMES_UTIMBUF : VG_TIMES_TIMEVAL;
		break;
	case VG_NR_FUTIMESAT:
		p->type = VG_EVENT_UTIMES;
		p->dirfd = a0, p->path = (const char *)a1, p->times = (const void *)a2;
		p->times_kind = VG_TIMES_TIMEVAL;
		break;
	case VG_NR_UTIMENSAT:
		p->type = VG_EVENT_UTIMES;
		p->dirfd = a0, p->path = (const char *)a1, p->times = (const void *)a2;
		p->at_flags = a3, p->times_kind = VG_TIMES_TIMESPEC;
		if (!p->path) { /* futimens(): the target is dirfd itself */
			p->fd = p->dirfd;
			return true;
		}
		break;
	case VG_NR_SETXATTR:
	case VG_NR_LSETXATTR:
		p->type = VG_EVENT_SETXATTR;
		p->path = (const char *)a0, p->name = (const char *)a1, p->op_flags = a4;
		if (nr == VG_NR_LSETXATTR)
			p->at_flags = VG_AT_SYMLINK_NOFOLLOW;
		break;
	case VG_NR_FSETXATTR:
		p->type = VG_EVENT_SETXATTR;
		p->fd = a0, p->name = (const char *)a1, p->op_flags = a4;
		return true;
	case VG_NR_SETXATTRAT:
		p->type = VG_EVENT_SETXATTR;
		p->dirfd = a0, p->path = (const char *)a1, p->at_flags = a2;
		p->name = (const char *)a3, p->xattr_args = (const void *)a4;
		break;
	case VG_NR_REMOVEXATTR:
	case VG_NR_LREMOVEXATTR:
		p->type = VG_EVENT_REMOVEXATTR;
		p->path = (const char *)a0, p->name = (const char *)a1;
		if (nr == VG_NR_LREMOVEXATTR)
			p->at_flags = VG_AT_SYMLINK_NOFOLLOW;
		break;
	case VG_NR_FREMOVEXATTR:
		p->type = VG_EVENT_REMOVEXATTR;
		p->fd = a0, p->name = (const char *)a1;
		return true;
	case VG_NR_REMOVEXATTRAT:
		p->type = VG_EVENT_REMOVEXATTR;
		p->dirfd = a0, p->path = (const char *)a1, p->at_flags = a2;
		p->name = (const char *)a3;
		break;
	default:
		return false;
	}
	p->has_path = true;
	return true;
}

/* The arguments that live in user structs (openat2's open_how, setxattrat's xattr_args). */
static __always_inline void vg_fs_plan_read_user(struct vg_fs_plan *p)
{
	if (p->open_how) {
		struct open_how how = {};

		bpf_probe_read_user(&how, sizeof(how), p->open_how);
		p->op_flags = how.flags;
		p->mode = how.mode;
	}
	if (p->xattr_args) {
		struct xattr_args args = {};

		bpf_probe_read_user(&args, sizeof(args), p->xattr_args);
		p->op_flags = args.flags;
	}
}

static __always_inline bool vg_in_compat_syscall(struct task_struct *task)
{
	return BPF_CORE_READ(task, thread_info.status) & VG_TS_COMPAT;
}

static __always_inline void vg_count_filtered(__u32 type, bool by_error)
{
	struct vg_filter_counts *counts = bpf_map_lookup_elem(&vg_filtered, &type);

	if (!counts)
		return;
	if (by_error)
		counts->errors += 1;
	else
		counts->approvers += 1;
}

static __always_inline bool vg_name_approved(__u32 type, __u64 hash)
{
	struct vg_name_key key = { .type = type, .hash = hash };

	return bpf_map_lookup_elem(&vg_approved_names, &key) != NULL;
}

static __always_inline __u8 vg_byte(struct vg_record *rec, __u32 at)
{
	return *(__u8 *)vg_at(rec, at);
}

/* State of the byte scans over a string in a record (bpf_loop callbacks: a plain loop
 * is verified once per iteration and exceeds the verifier's budget). */
struct vg_scan {
	struct vg_record *rec;
	__u32 at;  /* start of the string */
	__u32 pos; /* moving end (strip/back) or length (hash) */
	__u64 hash;
};

/* Drops one trailing '/': "dir/" names "dir". */
static long vg_strip_step(__u64 index, void *data)
{
	struct vg_scan *s = data;
	__u32 pos = s->pos;

	if (pos == 0 || vg_byte(s->rec, s->at + pos - 1) != '/')
		return 1;
	s->pos = pos - 1;
	return 0;
}

/* Moves back over one byte of the last name. */
static long vg_back_step(__u64 index, void *data)
{
	struct vg_scan *s = data;
	__u32 pos = s->pos;

	if (pos == 0 || vg_byte(s->rec, s->at + pos - 1) == '/')
		return 1;
	s->pos = pos - 1;
	return 0;
}

static long vg_hash_step(__u64 index, void *data)
{
	struct vg_scan *s = data;

	if (index >= s->pos)
		return 1;
	s->hash = (s->hash ^ vg_byte(s->rec, s->at + (__u32)index)) * VG_FNV_PRIME;
	return 0;
}

/* FNV-1a 64 of `len` (< VG_NAME_MAX) bytes at `at`. */
static __always_inline __u64 vg_fnv1a(struct vg_record *rec, __u32 at, __u32 len)
{
	struct vg_scan scan = { .rec = rec, .at = at, .pos = len, .hash = VG_FNV_OFFSET };

	bpf_loop(VG_NAME_MAX, vg_hash_step, &scan, 0);
	return scan.hash;
}

/* Is the basename of the user path in `blob` approved? A basename that cannot be known from
 * the string ("", ".", "..", only slashes, longer than NAME_MAX) approves: approvers must
 * never hide an event a rule could match. */
static __noinline bool vg_user_name_approved(struct vg_record *rec, __u32 type, __u32 off,
					     __u32 len)
{
	struct vg_scan scan = { .rec = rec, .at = off, .pos = len };

	bpf_loop(64, vg_strip_step, &scan, 0);
	__u32 end = scan.pos;
	if (end == 0 || vg_byte(rec, off + end - 1) == '/')
		return true;
	bpf_loop(VG_NAME_MAX, vg_back_step, &scan, 0);
	__u32 start = scan.pos;
	if (start > 0 && vg_byte(rec, off + start - 1) != '/')
		return true;
	if (start > end)
		return true;
	__u32 n = end - start;
	if (n >= VG_NAME_MAX)
		return true;
	if (vg_byte(rec, off + start) == '.' &&
	    (n == 1 || (n == 2 && vg_byte(rec, off + start + 1) == '.')))
		return true;
	return vg_name_approved(type, vg_fnv1a(rec, off + start, n));
}

/* Is the name of `dentry` approved? Uses the record bytes at `at` as scratch. */
static __noinline bool vg_dentry_name_approved(struct vg_record *rec, __u32 type, __u32 at,
					       struct dentry *dentry)
{
	const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
	__u32 len = BPF_CORE_READ(dentry, d_name.len);

	if (len == 0 || len >= VG_NAME_MAX || !vg_has_room(at, VG_NAME_MAX))
		return true;
	if (bpf_probe_read_kernel(vg_at(rec, at), len & (VG_NAME_MAX - 1), name))
		return true;
	return vg_name_approved(type, vg_fnv1a(rec, at, len));
}

/* Does the type filter its events with approvers? */
static __always_inline bool vg_has_approvers(__u32 type)
{
	struct vg_approver_cfg *cfg = bpf_map_lookup_elem(&vg_approver_cfgs, &type);

	return cfg && cfg->flags;
}

/* Approver verdict for a record under construction (strings at their blobs, scratch free
 * from `pos`). `file` is the exact target when known. */
static __always_inline bool vg_fs_approved(struct vg_record *rec, __u32 pos,
					   struct vg_fs_event *ev, struct vg_fs_plan *p,
					   struct file *file)
{
	__u32 type = p->type;
	struct vg_approver_cfg *cfg = bpf_map_lookup_elem(&vg_approver_cfgs, &type);

	if (!cfg || !cfg->flags)
		return true;
	if ((cfg->flags & VG_APPROVE_BY_FLAGS) && (p->op_flags & cfg->open_flags_mask))
		return true;
	if (!(cfg->flags & VG_APPROVE_BY_NAME))
		return false;
	if (file) {
		if (vg_dentry_name_approved(rec, type, pos, BPF_CORE_READ(file, f_path.dentry)))
			return true;
	} else if (p->has_path &&
		   vg_user_name_approved(rec, type, ev->path.offset, ev->path.len)) {
		return true;
	}
	return p->has_path2 && vg_user_name_approved(rec, type, ev->path2.offset, ev->path2.len);
}

/* Writes the directory a relative path is resolved from: dirfd's path, or the cwd for
 * AT_FDCWD. Returns VG_FS_* flags built from the given bits. */
static __always_inline __u32 vg_put_base_dir(struct vg_record *rec, __u32 *pos,
					     struct task_struct *task, __s32 dirfd,
					     struct vg_blob *blob, __u32 has, __u32 truncated,
					     __u32 unresolved)
{
	if (dirfd == VG_AT_FDCWD)
		return has | (vg_put_cwd(rec, pos, task, blob) ? truncated : 0);
	struct file *dir = vg_fd_file(task, dirfd);
	if (!dir)
		return unresolved;
	return has | (vg_put_file_path(rec, pos, dir, blob) ? truncated : 0);
}

/* Reads the utimes argument. Returns VG_FS_TIMES_* flags. */
static __always_inline __u32 vg_put_times(struct vg_fs_event *ev, struct vg_fs_plan *p)
{
	long v[4] = {};

	if (!p->times)
		return VG_FS_TIMES_NULL;
	if (p->times_kind == VG_TIMES_UTIMBUF) {
		if (bpf_probe_read_user(v, 2 * sizeof(long), p->times))
			return VG_FS_TIMES_FAULT;
		ev->atime_sec = v[0];
		ev->mtime_sec = v[1];
		return 0;
	}
	if (bpf_probe_read_user(v, sizeof(v), p->times))
		return VG_FS_TIMES_FAULT;
	ev->atime_sec = v[0];
	ev->mtime_sec = v[2];
	if (p->times_kind == VG_TIMES_TIMEVAL) { /* microseconds */
		ev->atime_nsec = v[1] * 1000;
		ev->mtime_nsec = v[3] * 1000;
	} else {
		ev->atime_nsec = v[1];
		ev->mtime_nsec = v[3];
	}
	return 0;
}

static __always_inline bool vg_is_absolute(struct vg_record *rec, struct vg_blob *blob)
{
	return blob->len > 0 && vg_byte(rec, blob->offset) == '/';
}

/* Does the syscall follow a symlink in the last name of its path? */
static __always_inline bool vg_follows_last(__u32 type, __u32 at_flags, __u32 op_flags)
{
	switch (type) {
	case VG_EVENT_OPEN:
		return !(op_flags & VG_O_NOFOLLOW);
	case VG_EVENT_LINK:
		return at_flags & VG_AT_SYMLINK_FOLLOW;
	case VG_EVENT_CHMOD: case VG_EVENT_CHOWN: case VG_EVENT_UTIMES:
	case VG_EVENT_SETXATTR: case VG_EVENT_REMOVEXATTR:
		return !(at_flags & VG_AT_SYMLINK_NOFOLLOW);
	default: /* unlink, rmdir, rename, mkdir act on the name itself */
		return false;
	}
}

/* Looks up a path argument in the dcache (not when it is `unusable`: cut or unreadable).
 * True, with `found` set, when the dcache knows it. */
static __always_inline bool vg_look_up(struct vg_record *rec, __u32 scratch, __s32 dirfd,
				       struct vg_blob *path, bool unusable, bool follow_last,
				       bool targeted, struct path *found)
{
	struct vg_lookup_args args = {
		.scratch = scratch,
		.path_at = path->offset,
		.path_len = path->len,
		.dirfd = dirfd,
		.follow_last = follow_last,
		.targeted = targeted,
	};

	if (unusable || !vg_lookup_path(rec, &args))
		return false;
	*found = args.found;
	return true;
}

/* Fills `out` with the file a path argument names, when the dcache knows it. */
static __always_inline void vg_put_looked_up(struct vg_record *rec, __u32 *pos, __s32 dirfd,
					     struct vg_blob *path, bool unusable, bool follow_last,
					     bool targeted, struct vg_file *out)
{
	struct path found;

	if (vg_look_up(rec, *pos, dirfd, path, unusable, follow_last, targeted, &found))
		vg_put_dentry(rec, pos, found.dentry, found.mnt, out);
}

/* Does a rejection by the given basename get a second look at the name the path resolves
 * to? Only when that name can differ: no fd, and the syscall follows a symlink in the last
 * name. An open rejected at entry is looked at again at exit, where the fd or the failed
 * syscall's warm dcache tells. */
static __always_inline bool vg_rechecks_resolved_name(struct vg_fs_plan *p, struct file *file,
						      __u32 flags)
{
	return !file && p->has_path && (p->type != VG_EVENT_OPEN || (flags & VG_FS_AT_EXIT)) &&
	       vg_follows_last(p->type, p->at_flags, p->op_flags);
}

/* The second look: the name of the file the path resolves to in the dcache decides. When
 * it approves, the found file fills ev->file (`*looked_up` set). When the lookup fails, the
 * name is unknown and approves at entry (approvers must never hide an event a rule could
 * match); at exit the syscall has just walked the path, so a miss means no such file (a
 * negative dentry) or a walk past its budget, and the rejection stands. */
static __always_inline bool vg_resolved_name_approved(struct vg_record *rec, __u32 *pos,
						      struct vg_fs_event *ev,
						      struct vg_fs_plan *p, __u32 flags,
						      bool *looked_up)
{
	struct path found;

	if (!vg_look_up(rec, *pos, p->dirfd, &ev->path, flags & (VG_FS_PATH_CUT | VG_FS_PATH_FAULT),
			true, false, &found))
		return !(flags & VG_FS_AT_EXIT);
	if (!vg_dentry_name_approved(rec, p->type, *pos, found.dentry))
		return false;
	vg_put_dentry(rec, pos, found.dentry, found.mnt, &ev->file);
	*looked_up = true;
	return true;
}

/* Is the target looked up at entry? Yes when it exists before the syscall and the syscall
 * has no fd for it; open (the returned fd, or a lookup at exit) and mkdir (exit) wait. */
static __always_inline bool vg_lookup_at_entry(__u32 type)
{
	return type != VG_EVENT_OPEN && type != VG_EVENT_MKDIR;
}

/* Is a target still missing at exit looked up then? Not when a successful syscall removed
 * or moved the name. */
static __always_inline bool vg_lookup_at_exit(__u32 type, long ret)
{
	return ret < 0 ||
	       (type != VG_EVENT_UNLINK && type != VG_EVENT_RMDIR && type != VG_EVENT_RENAME);
}

/* Builds the record of plan `p` at the start of `rec`. Returns its length, or 0 when
 * approvers reject it (`*rejected` set). */
static __always_inline __u32 vg_fs_build(struct vg_record *rec, struct vg_fs_plan *p,
					 struct task_struct *task, __u32 flags,
					 bool check_approvers, bool *rejected)
{
	struct vg_fs_event *ev = (struct vg_fs_event *)rec->bytes;
	__u32 pos = sizeof(*ev);

	__builtin_memset(ev, 0, sizeof(*ev));
	if (p->has_path) {
		flags |= VG_FS_HAS_PATH;
		flags |= vg_put_user_str(rec, &pos, p->path, VG_USER_PATH_MAX, &ev->path,
					 VG_FS_PATH_CUT, VG_FS_PATH_FAULT);
	}
	if (p->has_path2) {
		flags |= VG_FS_HAS_PATH2;
		flags |= vg_put_user_str(rec, &pos, p->path2, VG_USER_PATH_MAX, &ev->path2,
					 VG_FS_PATH2_CUT, VG_FS_PATH2_FAULT);
	}
	if (p->name)
		flags |= vg_put_user_str(rec, &pos, p->name, VG_XATTR_NAME_MAX, &ev->xattr_name,
					 VG_FS_NAME_FAULT, VG_FS_NAME_FAULT);

	/* AT_EMPTY_PATH with "": the target is dirfd's file. */
	__s32 fd = p->fd;
	if (p->has_path && ev->path.len == 0 && (p->at_flags & VG_AT_EMPTY_PATH) &&
	    !(flags & VG_FS_PATH_FAULT))
		fd = p->dirfd;
	struct file *file = vg_fd_file(task, fd);
	bool looked_up = false;

	if (check_approvers) {
		if (!vg_fs_approved(rec, pos, ev, p, file) &&
		    !(vg_rechecks_resolved_name(p, file, flags) &&
		      vg_resolved_name_approved(rec, &pos, ev, p, flags, &looked_up))) {
			*rejected = true;
			return 0;
		}
		if (vg_has_approvers(p->type))
			flags |= VG_FS_TARGETED;
	}

	vg_put_file(rec, &pos, file, &ev->file);
	if (!file && !looked_up && p->has_path && vg_lookup_at_entry(p->type))
		vg_put_looked_up(rec, &pos, p->dirfd, &ev->path,
				 flags & (VG_FS_PATH_CUT | VG_FS_PATH_FAULT),
				 vg_follows_last(p->type, p->at_flags, p->op_flags),
				 flags & VG_FS_TARGETED, &ev->file);
	if (p->has_path && ev->path.len > 0 && !vg_is_absolute(rec, &ev->path))
		flags |= vg_put_base_dir(rec, &pos, task, p->dirfd, &ev->dir, VG_FS_HAS_DIR,
					 VG_FS_DIR_TRUNCATED, VG_FS_DIR_UNRESOLVED);
	if (p->has_path2 && ev->path2.len > 0 && !vg_is_absolute(rec, &ev->path2))
		flags |= vg_put_base_dir(rec, &pos, task, p->dirfd2, &ev->dir2, VG_FS_HAS_DIR2,
					 VG_FS_DIR2_TRUNCATED, VG_FS_DIR2_UNRESOLVED);
	if (p->times_kind)
		flags |= vg_put_times(ev, p);

	ev->hdr.type = p->type;
	vg_put_process_ctx(&ev->proc);
	ev->proc._pad = 0;
	vg_put_creds(task, &ev->creds);
	ev->syscall_nr = p->nr;
	ev->dirfd = p->dirfd;
	ev->dirfd2 = p->dirfd2;
	ev->at_flags = p->at_flags;
	ev->op_flags = p->op_flags;
	ev->mode = p->mode;
	ev->uid = p->uid;
	ev->gid = p->gid;
	ev->flags = flags;
	ev->len = pos;
	return pos;
}

/* Keeps a built record until the syscall exits. A failed store is a drop. */
static __always_inline void vg_fs_store(struct vg_record *rec, __u32 len, __u32 type)
{
	__u64 key = bpf_get_current_pid_tgid();
	long err;

	if (len <= VG_PENDING_SMALL) {
		err = bpf_map_update_elem(&vg_pending_small, &key, rec->bytes, BPF_ANY);
	} else {
		bpf_map_delete_elem(&vg_pending_small, &key); /* a stale entry would shadow it */
		err = len <= VG_PENDING_LARGE ?
			      bpf_map_update_elem(&vg_pending_large, &key, rec->bytes, BPF_ANY) :
			      -1;
	}
	if (err)
		vg_count_drop(type);
}

/* Failed syscalls are reported for EACCES/EPERM (Datadog's rule), or for any errno when
 * user space asked for it. */
static __always_inline bool vg_error_reported(long ret)
{
	__u32 key = 0;
	struct vg_config *config;

	if (ret >= 0 || ret == -VG_EACCES || ret == -VG_EPERM)
		return true;
	config = bpf_map_lookup_elem(&vg_config_map, &key);
	return config && (config->flags & VG_CONFIG_ALL_FILE_ERRORS);
}

/* Completes a record (exit time, retval, the opened file, files looked up at exit) and
 * outputs it. */
static __always_inline void vg_fs_finish(struct vg_record *rec, __u32 pos, long ret,
					 struct task_struct *task)
{
	struct vg_fs_event *ev = (struct vg_fs_event *)rec->bytes;
	__u32 type = ev->hdr.type;

	vg_fill_header(&ev->hdr, type);
	ev->retval = ret;
	if (type == VG_EVENT_OPEN && ret >= 0)
		vg_put_file(rec, &pos, vg_fd_file(task, ret), &ev->file);
	else if (!ev->file.flags && (ev->flags & VG_FS_HAS_PATH) && vg_lookup_at_exit(type, ret))
		vg_put_looked_up(rec, &pos, ev->dirfd, &ev->path,
				 ev->flags & (VG_FS_PATH_CUT | VG_FS_PATH_FAULT),
				 vg_follows_last(type, ev->at_flags, ev->op_flags),
				 ev->flags & VG_FS_TARGETED, &ev->file);
	if (ret >= 0 && (ev->flags & VG_FS_HAS_PATH2))
		vg_put_looked_up(rec, &pos, ev->dirfd2, &ev->path2,
				 ev->flags & (VG_FS_PATH2_CUT | VG_FS_PATH2_FAULT), false,
				 ev->flags & VG_FS_TARGETED, &ev->file2);
	ev->len = pos;
	vg_submit_record(type, rec, pos);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vg_sys_enter, struct pt_regs *regs, long id)
{
	struct vg_fs_plan plan = {};

	if (!vg_fs_plan_of(id, regs, &plan))
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	if (vg_in_compat_syscall(task) || !vg_wanted(plan.type, bpf_get_current_pid_tgid() >> 32))
		return 0;
	struct vg_record *rec = vg_scratch_record(plan.type);
	if (!rec)
		return 0;
	vg_fs_plan_read_user(&plan);

	bool rejected = false;
	__u32 len = vg_fs_build(rec, &plan, task, 0, true, &rejected);
	if (rejected) {
		/* An open gets a second chance at exit, which counts it. */
		if (plan.type != VG_EVENT_OPEN)
			vg_count_filtered(plan.type, false);
		return 0;
	}
	vg_fs_store(rec, len, plan.type);
	return 0;
}

/* Exit of an open with nothing pending: rejected at entry (or not monitored). With name
 * approvers, the name of the file actually opened decides; for a failed open that is
 * reported, the name its path resolves to. */
static __always_inline void vg_open_exit_unpended(struct pt_regs *regs, long nr, long ret)
{
	struct vg_fs_plan plan = {};

	if (!vg_fs_plan_of(nr, regs, &plan) || plan.type != VG_EVENT_OPEN)
		return;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	if (vg_in_compat_syscall(task) || !vg_wanted(VG_EVENT_OPEN, bpf_get_current_pid_tgid() >> 32))
		return;
	__u32 type = VG_EVENT_OPEN;
	struct vg_approver_cfg *cfg = bpf_map_lookup_elem(&vg_approver_cfgs, &type);
	if (!cfg || !cfg->flags)
		return; /* not rejected: the entry was lost, and counted, at entry */
	struct file *file = ret >= 0 ? vg_fd_file(task, ret) : NULL;
	bool named = (cfg->flags & VG_APPROVE_BY_NAME) &&
		     (file || (ret < 0 && vg_error_reported(ret)));
	struct vg_record *rec = named ? vg_scratch_record(type) : NULL;
	if (!rec ||
	    (file && !vg_dentry_name_approved(rec, type, 0, BPF_CORE_READ(file, f_path.dentry)))) {
		vg_count_filtered(type, false);
		return;
	}
	vg_fs_plan_read_user(&plan);
	bool rejected = false;
	__u32 len = vg_fs_build(rec, &plan, task, VG_FS_AT_EXIT, !file, &rejected);
	if (rejected) {
		vg_count_filtered(type, false);
		return;
	}
	vg_fs_finish(rec, len, ret, task);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vg_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;
	__u64 key = bpf_get_current_pid_tgid();
	void *pending;
	__u32 cap = VG_PENDING_SMALL;

	if (!vg_is_fs_nr(nr))
		return 0;
	pending = bpf_map_lookup_elem(&vg_pending_small, &key);
	if (!pending) {
		pending = bpf_map_lookup_elem(&vg_pending_large, &key);
		cap = VG_PENDING_LARGE;
	}
	if (!pending) {
		vg_open_exit_unpended(regs, nr, ret);
		return 0;
	}

	struct vg_fs_event *saved = pending;
	__u32 type = saved->hdr.type;
	__u32 len = saved->len;
	void *map = cap == VG_PENDING_SMALL ? (void *)&vg_pending_small : (void *)&vg_pending_large;

	if (saved->syscall_nr != nr || len < sizeof(*saved) || len > cap) {
		bpf_map_delete_elem(map, &key); /* stale: its exit was never seen */
		return 0;
	}
	if (!vg_error_reported(ret)) {
		vg_count_filtered(type, true);
		bpf_map_delete_elem(map, &key);
		return 0;
	}
	struct vg_record *rec = vg_scratch_record(type);
	if (rec)
		bpf_probe_read_kernel(rec->bytes, len & 0x7fff, pending); /* len <= cap */
	bpf_map_delete_elem(map, &key);
	if (rec)
		vg_fs_finish(rec, len, ret, (struct task_struct *)bpf_get_current_task());
	return 0;
}
