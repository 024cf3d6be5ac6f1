/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fork.bpf.c owns the fork event: one fixed-size record per new task (process or thread),
 * emitted from task_newtask at the end of copy_process, before the child can run, which
 * also gives the clone flags.
 */
#include "vg_task.h"

SEC("tp_btf/task_newtask")
int BPF_PROG(vg_fork, struct task_struct *child, u64 clone_flags)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!vg_wanted(VG_EVENT_FORK, tgid))
		return 0;
	struct vg_fork_event *ev = vg_reserve(VG_EVENT_FORK, struct vg_fork_event);
	if (!ev)
		return 0;

	vg_fill_header(&ev->hdr, VG_EVENT_FORK);
	vg_put_process_ctx(&ev->proc);
	ev->proc._pad = 0;
	ev->child_pid = BPF_CORE_READ(child, tgid);
	ev->child_tid = BPF_CORE_READ(child, pid);
	ev->child_ppid = BPF_CORE_READ(child, real_parent, tgid);
	ev->flags = ev->child_pid != ev->child_tid ? VG_FORK_IS_THREAD : 0;
	ev->clone_flags = clone_flags;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}
