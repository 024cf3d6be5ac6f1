/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vg_common.h owns what every event family shares: the maps (declared __weak so that each
 * family's object file can declare them and the BPF static linker merges them into one),
 * the enabled-types and self-exclusion checks, and ring-buffer output with drop accounting.
 */
#pragma once

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "vg_abi.h"

char VG_LICENSE[] SEC("license") __weak = "Dual BSD/GPL";

/* The one ring buffer; max_entries is set by the loader from ProbeConfig. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} vg_events SEC(".maps") __weak;

/* Per-CPU, per-event-type count of records lost (ring buffer full, scratch unavailable). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_EVENT_TYPE_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} vg_drops SEC(".maps") __weak;

/* Single-slot configuration written by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_config);
} vg_config_map SEC(".maps") __weak;

/* Thread-group ids whose events are ignored (Vigil's own). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} vg_excluded_pids SEC(".maps") __weak;

/* Bytes of one variable-size record under construction. */
struct vg_record {
	char bytes[VG_RECORD_CAP + VG_WRITE_MAX];
};

/* One scratch record per CPU (max_entries set to the number of possible CPUs by the
 * loader): tracepoint programs do not migrate while they run. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_record);
} vg_scratch SEC(".maps") __weak;

static __always_inline bool vg_enabled(__u32 type)
{
	__u32 key = 0;
	struct vg_config *config = bpf_map_lookup_elem(&vg_config_map, &key);

	return config && (config->enabled_types & (1ULL << type));
}

static __always_inline bool vg_excluded(__u32 tgid)
{
	return bpf_map_lookup_elem(&vg_excluded_pids, &tgid) != NULL;
}

/* True when an event of this type from this thread group must be produced: checked first
 * thing by every program so that a disabled type costs two map lookups. */
static __always_inline bool vg_wanted(__u32 type, __u32 tgid)
{
	return vg_enabled(type) && !vg_excluded(tgid);
}

static __always_inline void vg_count_drop(__u32 type)
{
	__u64 *count = bpf_map_lookup_elem(&vg_drops, &type);

	if (count)
		*count += 1;
}

static __always_inline void vg_fill_header(struct vg_header *hdr, __u32 type)
{
	hdr->type = type;
	hdr->cpu = bpf_get_smp_processor_id();
	hdr->timestamp_ns = bpf_ktime_get_boot_ns();
}

/* Reserves a fixed-size record; counts a drop when the ring buffer is full. */
#define vg_reserve(type, T)                                                        \
	({                                                                         \
		T *__rec = bpf_ringbuf_reserve(&vg_events, sizeof(T), 0);          \
		if (!__rec)                                                        \
			vg_count_drop(type);                                       \
		__rec;                                                             \
	})

/* The calling CPU's scratch record, or NULL (counted as a drop). */
static __always_inline struct vg_record *vg_scratch_record(__u32 type)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct vg_record *rec = bpf_map_lookup_elem(&vg_scratch, &cpu);

	if (!rec)
		vg_count_drop(type);
	return rec;
}

/* Copies the first `len` bytes of a scratch record into the ring buffer. */
static __always_inline void vg_submit_record(__u32 type, struct vg_record *rec, __u32 len)
{
	if (len > VG_RECORD_CAP)
		len = VG_RECORD_CAP;
	if (bpf_ringbuf_output(&vg_events, rec, len, 0))
		vg_count_drop(type);
}
