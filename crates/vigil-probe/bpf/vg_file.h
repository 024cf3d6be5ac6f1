/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vg_file.h owns file context capture, shared by every event that names a file:
 * path reconstruction by a bounded dentry walk that crosses mounts (no bpf_d_path in
 * tracepoint programs) and the inode attributes (inode, mount id, mode, owner, times,
 * filesystem type, overlayfs upper-layer bit, unlinked bit), and the working directory path.
 */
#pragma once

#include "vg_record.h"

#define VG_OVERLAYFS_SUPER_MAGIC 0x794c7630
#define VG_I_CTIME_QUERIED (1U << 31) /* multigrain timestamp flag kept in i_ctime_nsec */

static __always_inline struct mount *vg_real_mount(struct vfsmount *vfsmnt)
{
	return (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

/* State of one path walk, shared with the bpf_loop callback. */
struct vg_path_walk {
	struct vg_record *rec;
	struct dentry *dentry;
	struct dentry *mnt_root;
	struct mount *mnt;
	__u32 start;
	__u32 at;
	__u32 flags;
};

/* One step: emit the dentry's name and go to its parent, or cross to the parent mount.
 * Returns 1 to stop. */
static long vg_path_step(__u64 index, void *data)
{
	struct vg_path_walk *w = data;
	/* Plain locals: BPF_CORE_READ(w->mnt, ...) would relocate the access to w itself. */
	struct dentry *dentry = w->dentry;
	struct dentry *mnt_root = w->mnt_root;
	struct mount *mnt = w->mnt;
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

	if (dentry == mnt_root || dentry == parent) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		/* Namespace root, or a root that is not mounted anywhere. */
		if (dentry != mnt_root || mnt_parent == mnt || !mnt_parent) {
			w->flags = 0;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mnt_parent;
		w->mnt_root = BPF_CORE_READ(mnt_parent, mnt.mnt_root);
		return 0;
	}
	__u32 at = w->at;
	if (at - w->start > VG_PATH_MAX - VG_NAME_MAX || !vg_has_room(at, VG_NAME_MAX))
		return 1;
	long n = bpf_probe_read_kernel_str(vg_at(w->rec, at), VG_NAME_MAX,
					   BPF_CORE_READ(dentry, d_name.name));
	if (n <= 0) {
		w->flags = VG_FILE_PATH_FAULT;
		return 1;
	}
	w->at = at + n;
	w->dentry = parent;
	return 0;
}

/* Writes the path of (dentry, vfsmnt) as NUL-terminated names, leaf first, up to the root of
 * the mount namespace. Returns VG_FILE_PATH_* flags. */
static __always_inline __u32 vg_put_path(struct vg_record *rec, __u32 *pos, struct dentry *dentry,
					 struct vfsmount *vfsmnt, struct vg_blob *blob)
{
	struct vg_path_walk walk = {
		.rec = rec,
		.dentry = dentry,
		.mnt_root = BPF_CORE_READ(vfsmnt, mnt_root),
		.mnt = vg_real_mount(vfsmnt),
		.start = *pos,
		.at = *pos,
		.flags = VG_FILE_PATH_TRUNCATED, /* cleared when the root is reached */
	};

	bpf_loop(VG_PATH_MAX_DEPTH, vg_path_step, &walk, 0);
	blob->offset = walk.start;
	blob->len = walk.at - walk.start;
	*pos = walk.at;
	return walk.flags;
}

static __always_inline __u64 vg_timestamp_ns(__s64 sec, __u32 nsec)
{
	return (__u64)sec * 1000000000ULL + (nsec & ~VG_I_CTIME_QUERIED);
}

/* Fills `out` for the file at (dentry, vfsmnt). */
static __always_inline void vg_put_dentry(struct vg_record *rec, __u32 *pos, struct dentry *dentry,
					  struct vfsmount *vfsmnt, struct vg_file *out)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);
	__u32 flags = VG_FILE_PRESENT;

	out->inode = BPF_CORE_READ(inode, i_ino);
	out->mode = BPF_CORE_READ(inode, i_mode);
	out->uid = BPF_CORE_READ(inode, i_uid.val);
	out->gid = BPF_CORE_READ(inode, i_gid.val);
	out->mtime_ns = vg_timestamp_ns(BPF_CORE_READ(inode, i_mtime_sec),
					BPF_CORE_READ(inode, i_mtime_nsec));
	out->ctime_ns = vg_timestamp_ns(BPF_CORE_READ(inode, i_ctime_sec),
					BPF_CORE_READ(inode, i_ctime_nsec));
	out->dev = BPF_CORE_READ(sb, s_dev);
	out->mount_id = BPF_CORE_READ(vg_real_mount(vfsmnt), mnt_id);
	bpf_probe_read_kernel_str(out->fs_type, sizeof(out->fs_type), BPF_CORE_READ(sb, s_type, name));

	if (BPF_CORE_READ(sb, s_magic) == VG_OVERLAYFS_SUPER_MAGIC) {
		struct ovl_inode *ovl = (struct ovl_inode *)((void *)inode -
				bpf_core_field_offset(struct ovl_inode, vfs_inode));
		if (BPF_CORE_READ(ovl, __upperdentry))
			flags |= VG_FILE_IN_UPPER_LAYER;
	}
	if (!BPF_CORE_READ(dentry, d_hash.pprev) && BPF_CORE_READ(dentry, d_parent) != dentry)
		flags |= VG_FILE_DELETED;

	flags |= vg_put_path(rec, pos, dentry, vfsmnt, &out->path);
	out->flags = flags;
}

/* Fills `out` for an opened file (no-op for NULL: out->flags stays 0 = absent). */
static __always_inline void vg_put_file(struct vg_record *rec, __u32 *pos, struct file *file,
					struct vg_file *out)
{
	if (file)
		vg_put_dentry(rec, pos, BPF_CORE_READ(file, f_path.dentry),
			      BPF_CORE_READ(file, f_path.mnt), out);
}

/* The open file behind `fd` in the task's fd table (task->files->fdt->fd[fd]), or NULL. */
static __always_inline struct file *vg_fd_file(struct task_struct *task, int fd)
{
	struct file *file = NULL;

	if (fd < 0)
		return NULL;
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/* Writes the path of an open file (a directory fd). Returns VG_FILE_PATH_* flags. */
static __always_inline __u32 vg_put_file_path(struct vg_record *rec, __u32 *pos, struct file *file,
					      struct vg_blob *blob)
{
	return vg_put_path(rec, pos, BPF_CORE_READ(file, f_path.dentry),
			   BPF_CORE_READ(file, f_path.mnt), blob);
}

/* Writes the working directory path. Returns VG_FILE_PATH_* flags. */
static __always_inline __u32 vg_put_cwd(struct vg_record *rec, __u32 *pos,
					struct task_struct *task, struct vg_blob *blob)
{
	struct fs_struct *fs = BPF_CORE_READ(task, fs);

	blob->offset = *pos;
	blob->len = 0;
	if (!fs)
		return VG_FILE_PATH_FAULT;
	return vg_put_path(rec, pos, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt),
			   blob);
}
