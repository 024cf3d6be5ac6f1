/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vg_task.h owns process context capture: ids, comm and cgroup id of the current task, its
 * credentials and its controlling tty.
 */
#pragma once

#include "vg_common.h"

static __always_inline void vg_put_process_ctx(struct vg_process_ctx *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	ctx->pid = pid_tgid >> 32;
	ctx->tid = (__u32)pid_tgid;
	ctx->ppid = BPF_CORE_READ(task, group_leader, real_parent, tgid);
	ctx->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(ctx->comm, sizeof(ctx->comm));
}

static __always_inline void vg_put_creds(struct task_struct *task, struct vg_creds *out)
{
	const struct cred *cred = BPF_CORE_READ(task, real_cred);

	out->uid = BPF_CORE_READ(cred, uid.val);
	out->gid = BPF_CORE_READ(cred, gid.val);
	out->euid = BPF_CORE_READ(cred, euid.val);
	out->egid = BPF_CORE_READ(cred, egid.val);
	out->fsuid = BPF_CORE_READ(cred, fsuid.val);
	out->fsgid = BPF_CORE_READ(cred, fsgid.val);
	out->auid = (__u32)-1;
	if (bpf_core_field_exists(task->loginuid))
		out->auid = BPF_CORE_READ(task, loginuid.val);
	/* kernel_cap_t is a u64 since 6.3 and was two little-endian u32 before: same bytes. */
	bpf_core_read(&out->cap_effective, sizeof(out->cap_effective), &cred->cap_effective);
	bpf_core_read(&out->cap_permitted, sizeof(out->cap_permitted), &cred->cap_permitted);
}

static __always_inline void vg_put_tty(struct task_struct *task, char *out)
{
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);

	if (tty)
		bpf_probe_read_kernel_str(out, VG_TTY_LEN, &tty->name);
}
