/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vg_cgroup.h owns the capture of a task's cgroup v2 path (enough for user space to find a
 * container id in it).
 */
#pragma once

#include "vg_record.h"

/* kernfs_node.parent was renamed __parent in 6.15. */
struct kernfs_node___pre615 {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *vg_kernfs_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___pre615 *)kn, parent);
}

/* Writes the default-hierarchy (v2) cgroup path, names leaf first. Returns true when the
 * walk stopped before the root. */
static __always_inline bool vg_put_cgroup_path(struct vg_record *rec, __u32 *pos,
					       struct task_struct *task, struct vg_blob *blob)
{
	struct kernfs_node *kn = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
	__u32 start = *pos, at = start;
	bool truncated = true;

	for (int i = 0; i < VG_CGROUP_MAX_DEPTH; i++) {
		struct kernfs_node *parent = kn ? vg_kernfs_parent(kn) : NULL;

		if (!parent) { /* the root's name is "/" and is not part of the path */
			truncated = false;
			break;
		}
		if (!vg_has_room(at, VG_NAME_MAX))
			break;
		long n = bpf_probe_read_kernel_str(vg_at(rec, at), VG_NAME_MAX,
						   BPF_CORE_READ(kn, name));
		if (n <= 0)
			break;
		at += n;
		kn = parent;
	}
	blob->offset = start;
	blob->len = at - start;
	*pos = at;
	return truncated;
}
