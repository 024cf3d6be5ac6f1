/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec.bpf.c owns the exec event: one variable-size record per successful execve, emitted
 * from sched_process_exec once the new image is installed (new mm, new comm, new creds).
 */
#include "vg_task.h"
#include "vg_file.h"
#include "vg_cgroup.h"

/* Appends the raw bytes of [start, end) of the new image's stack (argv or envp area). */
static __always_inline __u32 vg_put_strings_area(struct vg_record *rec, __u32 *pos,
						 unsigned long start, unsigned long end,
						 struct vg_blob *blob, __u32 cut_flag,
						 __u32 fault_flag)
{
	__u64 size = end > start ? end - start : 0;
	__u32 len = size > VG_ARGS_CAP ? VG_ARGS_CAP : (__u32)size;
	__u32 flags = len < size ? cut_flag : 0;

	if (vg_put_user_bytes(rec, pos, (const void *)start, len, blob))
		flags |= fault_flag;
	return flags;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!vg_wanted(VG_EVENT_EXEC, tgid))
		return 0;
	struct vg_record *rec = vg_scratch_record(VG_EVENT_EXEC);
	if (!rec)
		return 0;

	struct vg_exec_event *ev = (struct vg_exec_event *)rec->bytes;
	struct task_struct *current_task = (struct task_struct *)bpf_get_current_task();
	struct mm_struct *mm = BPF_CORE_READ(current_task, mm);
	__u32 pos = sizeof(*ev);
	__u32 flags = 0;

	__builtin_memset(ev, 0, sizeof(*ev));
	vg_fill_header(&ev->hdr, VG_EVENT_EXEC);
	vg_put_process_ctx(&ev->proc);
	vg_put_creds(current_task, &ev->creds);
	vg_put_tty(current_task, ev->tty);
	ev->old_tid = old_pid;
	ev->argc = BPF_CORE_READ(bprm, argc);
	ev->envc = BPF_CORE_READ(bprm, envc);

	const char *filename = BPF_CORE_READ(bprm, filename);
	const char *interp = BPF_CORE_READ(bprm, interp);
	if (vg_put_kernel_str(rec, &pos, filename, VG_STR_MAX, &ev->filename))
		flags |= VG_EXEC_FILENAME_CUT;
	if (interp && interp != filename) {
		flags |= VG_EXEC_HAS_INTERP;
		if (vg_put_kernel_str(rec, &pos, interp, VG_STR_MAX, &ev->interp))
			flags |= VG_EXEC_INTERP_CUT;
	}

	vg_put_file(rec, &pos, BPF_CORE_READ(bprm, file), &ev->file);
	vg_put_file(rec, &pos, BPF_CORE_READ(bprm, executable), &ev->executable);
	if (vg_put_cwd(rec, &pos, current_task, &ev->cwd))
		flags |= VG_EXEC_CWD_TRUNCATED;
	if (vg_put_cgroup_path(rec, &pos, current_task, &ev->cgroup))
		flags |= VG_EXEC_CGROUP_TRUNCATED;

	unsigned long arg_start = BPF_CORE_READ(mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(mm, arg_end);
	unsigned long env_start = BPF_CORE_READ(mm, env_start);
	unsigned long env_end = BPF_CORE_READ(mm, env_end);
	ev->args_size = arg_end > arg_start ? arg_end - arg_start : 0;
	ev->envs_size = env_end > env_start ? env_end - env_start : 0;
	flags |= vg_put_strings_area(rec, &pos, arg_start, arg_end, &ev->args, VG_EXEC_ARGS_CUT,
				     VG_EXEC_ARGS_FAULT);
	flags |= vg_put_strings_area(rec, &pos, env_start, env_end, &ev->envs, VG_EXEC_ENVS_CUT,
				     VG_EXEC_ENVS_FAULT);
	ev->flags = flags;

	vg_submit_record(VG_EVENT_EXEC, rec, pos);
	return 0;
}
