/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exit.bpf.c owns the exit event: one fixed-size record per thread group, emitted from
 * sched_process_exit by the group's last exiting thread (group_dead). A leader killed by
 * an exec'ing thread (de_thread) is not group_dead, so it produces no event.
 */
#include "vg_task.h"

#define VG_SIGNAL_GROUP_EXIT 0x00000004 /* include/linux/sched/signal.h */

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_exit, struct task_struct *task, bool group_dead)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!group_dead || !vg_wanted(VG_EVENT_EXIT, tgid))
		return 0;
	struct vg_exit_event *ev = vg_reserve(VG_EVENT_EXIT, struct vg_exit_event);
	if (!ev)
		return 0;

	struct signal_struct *signal = BPF_CORE_READ(task, signal);
	vg_fill_header(&ev->hdr, VG_EVENT_EXIT);
	vg_put_process_ctx(&ev->proc);
	ev->proc._pad = 0;
	/* What wait(2) reports: the group exit code, else the leader's own exit code. */
	if (BPF_CORE_READ(signal, flags) & VG_SIGNAL_GROUP_EXIT) {
		ev->exit_code = BPF_CORE_READ(signal, group_exit_code);
		ev->flags = VG_EXIT_GROUP_EXIT;
	} else {
		ev->exit_code = BPF_CORE_READ(task, group_leader, exit_code);
		ev->flags = 0;
	}
	bpf_ringbuf_submit(ev, 0);
	return 0;
}
