//! Vigil's eBPF sensor, kernel half: CO-RE tracepoint programs (C, under `bpf/`) built by
//! build.rs with clang-19 and libbpf-cargo, the loader ([`Probe`]) and the decoders that turn
//! ring-buffer records into plain [`RawEvent`]s.
//!
//! This crate speaks kernel facts only: pids as the initial pid namespace sees them,
//! CLOCK_BOOTTIME timestamps (convert with [`BootClock`]), numeric ids, and byte strings
//! (`Vec<u8>`: paths and argv may be any bytes). The resolver layer turns these into Vigil's
//! model.
//!
//! ```no_run
//! use std::time::Duration;
//! use vigil_probe::{Probe, ProbeConfig};
//!
//! let mut probe = Probe::load(&ProbeConfig { excluded_pids: vec![std::process::id()], ..ProbeConfig::default() })?;
//! probe.poll(Duration::from_millis(100), |event| println!("{event:?}"))?;
//! # Ok::<(), vigil_probe::ProbeError>(())
//! ```
//!
//! # Kernel side
//! Only tracepoints are used (kprobes, fentry and LSM are unavailable on the target kernels):
//! `tp_btf/sched_process_exec` (exec), `tp_btf/task_newtask` (fork, with clone flags),
//! `tp_btf/sched_process_exit` (exit, once per thread group). Every program first checks the
//! enabled-types mask and the excluded-pids map, so a disabled type costs two map lookups.
//! One BPF ring buffer carries every record; a record that cannot be written is counted per
//! event type and per CPU ([`Probe::drop_counts`]).
//!
//! # Adding an event type
//! 1. `bpf/vg_abi.h`: add the id to `enum vg_event_type` and the record struct (fixed-width
//!    fields, explicit padding, a `_Static_assert` on its size; variable data as `vg_blob`s).
//! 2. `bpf/<family>.bpf.c`: one program that starts with `vg_wanted(type, tgid)`, fills the
//!    record with the shared helpers (`vg_task.h`: process context and credentials;
//!    `vg_file.h`: file info and paths; `vg_cgroup.h`; `vg_record.h`: variable-size data) and
//!    outputs it with `vg_reserve` + `bpf_ringbuf_submit` (fixed size) or
//!    `vg_scratch_record` + `vg_submit_record` (variable size). build.rs compiles and links
//!    every `*.bpf.c` it finds; the loader attaches every program in the object.
//! 3. `src/config.rs`: the [`EventType`] variant (same id) and its [`EventTypes`] constant.
//! 4. `src/decode/<family>.rs`: the decoder (read fields in C order with the bounds-checked
//!    reader) and its arm in `decode::decode`; `src/event.rs`: the struct and the
//!    [`RawEvent`] variant.
//!
//! Syscall-based families (open, chmod, ...) will use `syscalls:sys_enter_*`/`sys_exit_*`
//! paired through a per-thread hash map keyed by `pid_tgid`, and find a `struct file` from
//! an fd through `task->files->fdt->fd[fd]`; `vg_put_file` and `vg_put_cwd` already capture
//! what such events need.

mod clock;
mod config;
mod decode;
mod error;
mod event;
mod privileges;
mod probe;

pub use clock::{boot_time_now_ns, BootClock};
pub use config::{EventType, EventTypes, ProbeConfig, MAX_RING_BUFFER_SIZE, MIN_RING_BUFFER_SIZE};
pub use decode::{decode, DecodeError, MAX_ARG_ENV_LEN};
pub use error::ProbeError;
pub use event::{
    Credentials, ExecEvent, ExitCause, ExitEvent, FileInfo, ForkEvent, PathError, ProcessContext,
    RawEvent,
};
pub use probe::{DropCounts, Probe, TypeDrops};
