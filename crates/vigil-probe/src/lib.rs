//! Vigil's eBPF sensor: kernel programs (C, CO-RE) and their Rust loader and decoders.
pub const OBJECT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vigil.bpf.o"));
