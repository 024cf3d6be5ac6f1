//! Vigil's eBPF sensor: kernel programs (C, CO-RE) and their Rust loader and decoders.
