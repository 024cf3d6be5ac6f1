//! The errors of loading and driving the probe.

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The effective capability set lacks what loading eBPF tracing programs needs.
    #[error("missing privileges: the effective capability set lacks {} (needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)", missing.join(", "))]
    MissingPrivileges { missing: Vec<&'static str> },
    #[error("invalid ring buffer size {size}: {reason}")]
    InvalidRingBufferSize { size: usize, reason: String },
    #[error("cannot read the process's capabilities from {path}: {detail}")]
    Capabilities { path: &'static str, detail: String },
    /// Opening, verifying or loading the BPF object failed (the verifier log, if any, went to
    /// libbpf's log output, stderr by default).
    #[error("loading the eBPF object failed at {stage}: {detail}")]
    Load { stage: &'static str, detail: String },
    #[error("attaching program {program} failed: {detail}")]
    Attach { program: String, detail: String },
    #[error("eBPF map {map}: {detail}")]
    Map { map: &'static str, detail: String },
    #[error("polling the ring buffer failed: {detail}")]
    Poll { detail: String },
}
