/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vg_lookup.h owns path lookup in the dentry cache: the dentry and mount a user path names,
 * found without calling into the VFS (a tracepoint program cannot). The walk starts at the
 * task's root (absolute path), its cwd or dirfd's file, and goes down one name at a time
 * through the cached children of each directory (d_children / d_sib), steps into mounts
 * (mnt_mounts) and out of them for "..", and follows symlinks whose target the inode keeps
 * in memory (i_link: inline symlinks of tmpfs, ext4 fast symlinks ...).
 *
 * It fails, and the caller has no kernel object, when a name is not in the dcache (never
 * looked up, or evicted), is a negative dentry (does not exist), a symlink's target is not in
 * memory, or the walk passes VG_LOOKUP_CHILDREN cached children (a name far down a large
 * directory: the dcache hash table, which would find it at once, is not reachable from BPF
 * here, so each directory is a list). It reads
 * without locks: a name renamed or removed in the same directory while the walk runs can be
 * missed, never invented (only hashed dentries with the exact name match).
 */
#pragma once

#include "vg_file.h"

#define VG_LOOKUP_STEPS 8192   /* path bytes + children + mounts visited per lookup */
/* Cached children compared per lookup (~30 ns each), which bounds its cost in large
 * directories (children are listed newest first; past the budget the lookup gives up):
 * small for events no approver selected (every unlink of a host), large for events that
 * passed approvers (a rule names the file: worth up to ~60 us). */
#define VG_LOOKUP_CHILDREN 128
#define VG_LOOKUP_CHILDREN_TARGETED 2048
#define VG_LOOKUP_MAX_LINKS 8  /* symlinks followed per lookup */
#define VG_LOOKUP_REGION 8192  /* one rewritten path: link target + rest, each < VG_STR_MAX */
/* Record bytes a lookup uses from its scratch offset: a name buffer + two path regions. */
#define VG_LOOKUP_SCRATCH (VG_NAME_MAX + 2 * VG_LOOKUP_REGION)

#define VG_AT_FDCWD -100
#define VG_S_IFMT 0170000
#define VG_S_IFDIR 0040000
#define VG_S_IFLNK 0120000

enum vg_lookup_state {
	VG_LK_SLASH,  /* skipping '/' before the next name */
	VG_LK_NAME,   /* scanning a name */
	VG_LK_CHILD,  /* looking for the name among the directory's children */
	VG_LK_MOUNTS, /* looking for a mount on the current dentry */
	VG_LK_UP,     /* "..": leaving mounts, then going to the parent */
	VG_LK_FOUND,
	VG_LK_FAILED,
};

struct vg_lookup {
	struct vg_record *rec;
	struct dentry *dentry;      /* directory being walked; the result when found */
	struct mount *mnt;
	struct dentry *root;        /* the task's root: ".." stops there */
	struct mount *root_mnt;
	struct hlist_node *child;   /* VG_LK_CHILD: next candidate */
	struct list_head *mounts;   /* VG_LK_MOUNTS: head of mnt->mnt_mounts */
	struct list_head *mount;    /* VG_LK_MOUNTS: next candidate */
	__u32 at;                   /* unparsed path: [at, end) of the record */
	__u32 end;
	__u32 name_at;              /* current name: [name_at, name_at + name_len) */
	__u32 name_len;
	__u32 scratch;
	__u32 state;
	__u32 links;
	__u32 children;             /* VG_LK_CHILD steps so far */
	__u32 max_children;
	bool follow_last;
	bool mismatch;              /* set by vg_lookup_cmp_step */
};

static __always_inline struct inode *vg_d_inode(struct dentry *dentry)
{
	return BPF_CORE_READ(dentry, d_inode);
}

static __always_inline __u32 vg_d_type(struct dentry *dentry)
{
	return BPF_CORE_READ(vg_d_inode(dentry), i_mode) & VG_S_IFMT;
}

/* Goes to `dentry`, then into whatever is mounted on it. */
static __always_inline void vg_lookup_enter(struct vg_lookup *w, struct dentry *dentry)
{
	w->dentry = dentry;
	if (!(BPF_CORE_READ(dentry, d_flags) & DCACHE_MOUNTED)) {
		w->state = VG_LK_SLASH;
		return;
	}
	struct mount *mnt = w->mnt;

	w->mounts = (struct list_head *)((void *)mnt + bpf_core_field_offset(struct mount, mnt_mounts));
	w->mount = BPF_CORE_READ(mnt, mnt_mounts.next);
	w->state = VG_LK_MOUNTS;
}

/* Compares one 8-byte chunk of the current name with the candidate's name in scratch.
 * Returns 1 to stop (a difference, or the end). */
static long vg_lookup_cmp_step(__u64 index, void *data)
{
	struct vg_lookup *w = data;
	__u32 off = index * 8;
	__u32 len = w->name_len;

	if (off >= len)
		return 1;
	__u64 diff = *(__u64 *)vg_at(w->rec, w->name_at + off) ^
		     *(__u64 *)vg_at(w->rec, w->scratch + off);
	if (len - off < 8)
		diff &= (1ULL << ((len - off) * 8)) - 1;
	if (diff) {
		w->mismatch = true;
		return 1;
	}
	return 0;
}

/* Does the child's name equal the current name? (Lengths are equal, < VG_NAME_MAX.) */
static __always_inline bool vg_lookup_name_equal(struct vg_lookup *w, struct dentry *child)
{
	if (bpf_probe_read_kernel(vg_at(w->rec, w->scratch), w->name_len & (VG_NAME_MAX - 1),
				  BPF_CORE_READ(child, d_name.name)))
		return false;
	w->mismatch = false;
	bpf_loop(VG_NAME_MAX / 8, vg_lookup_cmp_step, w, 0);
	return !w->mismatch;
}

/* Replaces the unparsed path with the symlink's target followed by the rest. False when the
 * target is not in memory or too long. */
static __always_inline bool vg_lookup_follow(struct vg_lookup *w, struct dentry *link)
{
	struct vg_record *rec = w->rec;
	const char *target = BPF_CORE_READ(vg_d_inode(link), i_link);
	__u32 links = w->links + 1;
	__u32 region = w->scratch + VG_NAME_MAX + (links & 1) * VG_LOOKUP_REGION;
	__u32 rest = w->end - w->at; /* empty, or starts with '/' */

	if (!target || links > VG_LOOKUP_MAX_LINKS || rest >= VG_STR_MAX ||
	    !vg_has_room(region, VG_LOOKUP_REGION))
		return false;
	long n = bpf_probe_read_kernel_str(vg_at(rec, region), VG_STR_MAX, target);
	if (n <= 1)
		return false;
	__u32 target_len = (n - 1) & (VG_STR_MAX - 1);
	__u64 size = rest;

	/* A mask the compiler cannot drop (it knows rest < VG_STR_MAX, the verifier does not). */
	asm volatile("%[size] &= %[mask]" : [size] "+r"(size) : [mask] "i"(VG_STR_MAX - 1));
	if (size && bpf_probe_read_kernel(vg_at(rec, region + target_len), size, vg_at(rec, w->at)))
		return false;
	if (*(char *)vg_at(rec, region) == '/') {
		w->dentry = w->root;
		w->mnt = w->root_mnt;
	}
	w->links = links;
	w->at = region;
	w->end = region + target_len + rest;
	w->state = VG_LK_SLASH;
	return true;
}

/* One step of the walk. Returns 1 to stop. */
static long vg_lookup_step(__u64 index, void *data)
{
	struct vg_lookup *w = data;
	struct vg_record *rec = w->rec;
	__u32 at = w->at;

	switch (w->state) {
	case VG_LK_SLASH:
		if (at >= w->end) {
			w->state = VG_LK_FOUND;
			return 1;
		}
		if (*(char *)vg_at(rec, at) == '/') {
			w->at = at + 1;
			return 0;
		}
		w->name_at = at;
		w->state = VG_LK_NAME;
		return 0;
	case VG_LK_NAME: {
		if (at < w->end && *(char *)vg_at(rec, at) != '/') {
			w->at = at + 1;
			if (at + 1 - w->name_at >= VG_NAME_MAX)
				break;
			return 0;
		}
		__u32 len = at - w->name_at;
		char c0 = *(char *)vg_at(rec, w->name_at);
		char c1 = *(char *)vg_at(rec, w->name_at + 1);

		w->name_len = len;
		if (len == 1 && c0 == '.') {
			w->state = VG_LK_SLASH;
			return 0;
		}
		if (len == 2 && c0 == '.' && c1 == '.') {
			w->state = VG_LK_UP;
			return 0;
		}
		/* Plain local: BPF_CORE_READ(w->dentry, ...) would relocate the access to w. */
		struct dentry *dir = w->dentry;

		if (vg_d_type(dir) != VG_S_IFDIR)
			break;
		w->child = BPF_CORE_READ(dir, d_children.first);
		w->state = VG_LK_CHILD;
		return 0;
	}
	case VG_LK_CHILD: {
		struct hlist_node *node = w->child;

		if (!node || ++w->children > w->max_children)
			break; /* not cached, or too far down a large directory */
		struct dentry *child = (struct dentry *)((void *)node -
					bpf_core_field_offset(struct dentry, d_sib));

		w->child = BPF_CORE_READ(node, next);
		if (BPF_CORE_READ(child, d_name.len) != w->name_len ||
		    !BPF_CORE_READ(child, d_hash.pprev) || !vg_lookup_name_equal(w, child))
			return 0;
		if (!vg_d_inode(child))
			break; /* negative dentry: the name does not exist */
		if (vg_d_type(child) == VG_S_IFLNK && (at < w->end || w->follow_last)) {
			if (!vg_lookup_follow(w, child))
				break;
			return 0;
		}
		vg_lookup_enter(w, child);
		return 0;
	}
	case VG_LK_MOUNTS: {
		struct list_head *node = w->mount;

		if (!node || node == w->mounts) {
			w->state = VG_LK_SLASH; /* mounted in another namespace */
			return 0;
		}
		struct mount *m = (struct mount *)((void *)node -
					bpf_core_field_offset(struct mount, mnt_child));

		w->mount = BPF_CORE_READ(node, next);
		if (BPF_CORE_READ(m, mnt_mountpoint) == w->dentry) {
			w->mnt = m;
			vg_lookup_enter(w, BPF_CORE_READ(m, mnt.mnt_root));
		}
		return 0;
	}
	case VG_LK_UP: {
		struct dentry *dentry = w->dentry;
		struct mount *mnt = w->mnt;

		if (dentry == w->root && mnt == w->root_mnt) {
			w->state = VG_LK_SLASH;
			return 0;
		}
		if (dentry == BPF_CORE_READ(mnt, mnt.mnt_root)) {
			struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);

			if (!parent || parent == mnt) {
				w->state = VG_LK_SLASH;
				return 0;
			}
			w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			w->mnt = parent;
			return 0;
		}
		vg_lookup_enter(w, BPF_CORE_READ(dentry, d_parent));
		return 0;
	}
	default:
		return 1;
	}
	w->state = VG_LK_FAILED;
	return 1;
}

/* What to look up, and the result. */
struct vg_lookup_args {
	__u32 scratch;      /* record work space: VG_LOOKUP_SCRATCH bytes from here */
	__u32 path_at;      /* the user path: [path_at, path_at + path_len) of the record */
	__u32 path_len;
	__s32 dirfd;        /* base of a relative path; AT_FDCWD for the cwd */
	bool follow_last;   /* follow a symlink in the last name */
	bool targeted;      /* the event passed approvers: VG_LOOKUP_CHILDREN_TARGETED */
	struct path found;  /* set when the lookup succeeds */
};

/* Looks up a user path held in the record, for the current task. Returns 1 and fills
 * a->found on success, else 0. A global function: the verifier checks it once, not at
 * every call site. */
__noinline int vg_lookup_path(struct vg_record *rec, struct vg_lookup_args *a)
{
	if (!rec || !a)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	__u32 path_at = a->path_at;
	__u32 path_len = a->path_len;
	__u32 scratch = a->scratch;
	__s32 dirfd = a->dirfd;
	struct vg_lookup w = {
		.rec = rec,
		.at = path_at,
		.end = path_at + path_len,
		.scratch = scratch,
		.follow_last = a->follow_last,
		.max_children = a->targeted ? VG_LOOKUP_CHILDREN_TARGETED : VG_LOOKUP_CHILDREN,
	};

	if (!fs || path_len == 0 || path_len >= VG_STR_MAX ||
	    !vg_has_room(scratch, VG_LOOKUP_SCRATCH))
		return 0;
	struct vfsmount *root_mnt = BPF_CORE_READ(fs, root.mnt);
	struct vfsmount *start_mnt;

	w.root = BPF_CORE_READ(fs, root.dentry);
	w.root_mnt = vg_real_mount(root_mnt);
	if (*(char *)vg_at(rec, path_at) == '/') {
		w.dentry = w.root;
		start_mnt = root_mnt;
	} else if (dirfd == VG_AT_FDCWD) {
		w.dentry = BPF_CORE_READ(fs, pwd.dentry);
		start_mnt = BPF_CORE_READ(fs, pwd.mnt);
	} else {
		struct file *dir = vg_fd_file(task, dirfd);

		if (!dir)
			return 0;
		w.dentry = BPF_CORE_READ(dir, f_path.dentry);
		start_mnt = BPF_CORE_READ(dir, f_path.mnt);
	}
	w.mnt = vg_real_mount(start_mnt);
	bpf_loop(VG_LOOKUP_STEPS, vg_lookup_step, &w, 0);
	if (w.state != VG_LK_FOUND || !vg_d_inode(w.dentry))
		return 0;
	a->found.dentry = w.dentry;
	a->found.mnt = (struct vfsmount *)((void *)w.mnt + bpf_core_field_offset(struct mount, mnt));
	return 1;
}
