/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vg_record.h owns appending variable-length data to a scratch record: every write lands
 * at `pos`, is bounded for the verifier by VG_RECORD_MASK + VG_WRITE_MAX, and is refused
 * (the caller sets a truncation flag) when it could cross VG_RECORD_CAP.
 */
#pragma once

#include "vg_common.h"

/* Address of byte `at` of a record, masked in a way the compiler cannot drop, so that the
 * verifier always sees an offset below VG_RECORD_CAP. */
static __always_inline char *vg_at(struct vg_record *rec, __u32 at)
{
	__u64 off = at;

	asm volatile("%[off] &= %[mask]" : [off] "+r"(off) : [mask] "i"(VG_RECORD_MASK));
	return &rec->bytes[off];
}

/* Room for `max` more bytes at `pos`? */
static __always_inline bool vg_has_room(__u32 pos, __u32 max)
{
	return pos <= VG_RECORD_CAP && max <= VG_RECORD_CAP - pos;
}

/* Appends a kernel NUL-terminated string (at most `max` bytes incl. NUL, max a constant
 * <= VG_WRITE_MAX) and points `blob` at it. Returns true when the string may have been
 * cut (it filled `max`), false otherwise; an unreadable string gives an empty blob. */
static __always_inline bool vg_put_kernel_str(struct vg_record *rec, __u32 *pos,
					      const char *src, __u32 max, struct vg_blob *blob)
{
	__u32 at = *pos;
	long n;

	blob->offset = at;
	blob->len = 0;
	if (!src || !vg_has_room(at, max))
		return src != NULL;
	n = bpf_probe_read_kernel_str(vg_at(rec, at), max, src);
	if (n <= 0)
		return false;
	blob->len = n - 1;
	*pos = at + n;
	return n == max;
}

/* Appends `len` bytes of user memory (len <= max <= VG_WRITE_MAX). Returns 0, or a negative
 * value when the memory could not be read (the blob is then empty). */
static __always_inline long vg_put_user_bytes(struct vg_record *rec, __u32 *pos,
					      const void *src, __u32 len, struct vg_blob *blob)
{
	__u32 at = *pos;
	long err;

	blob->offset = at;
	blob->len = 0;
	if (len > VG_WRITE_MAX)
		len = VG_WRITE_MAX;
	if (len == 0)
		return 0;
	if (!vg_has_room(at, len))
		return -1;
	err = bpf_probe_read_user(vg_at(rec, at), len, src);
	if (err)
		return err;
	blob->len = len;
	*pos = at + len;
	return 0;
}
