//! Compiles every `bpf/*.bpf.c` (one per event family) with clang-19 through libbpf-cargo and
//! links them with libbpf's static linker into one object, `$OUT_DIR/vigil.bpf.o`, which the
//! crate embeds. The maps shared by the families are `__weak` in `bpf/vg_common.h`, so the
//! linker merges them. `VIGIL_BPF_CLANG` overrides the compiler (default `clang-19`: the
//! distribution's clang-14 emits code the verifier rejects).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    if let Err(message) = build() {
        eprintln!("vigil-probe build.rs: {message}");
        std::process::exit(1);
    }
}

fn build() -> Result<(), String> {
    let manifest_dir =
        env::var("CARGO_MANIFEST_DIR").map_err(|e| format!("CARGO_MANIFEST_DIR: {e}"))?;
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    let bpf_dir = Path::new(&manifest_dir).join("bpf");
    let clang = env::var("VIGIL_BPF_CLANG").unwrap_or_else(|_| "clang-19".to_owned());
    println!("cargo:rerun-if-env-changed=VIGIL_BPF_CLANG");
    println!("cargo:rerun-if-changed={}", bpf_dir.display());

    let mut sources = Vec::new();
    for entry in fs::read_dir(&bpf_dir).map_err(|e| format!("{}: {e}", bpf_dir.display()))? {
        let path = entry
            .map_err(|e| format!("{}: {e}", bpf_dir.display()))?
            .path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".bpf.c") {
            sources.push(path);
        } else if name.ends_with(".h") {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    sources.sort();

    let include = format!("-I{}", bpf_dir.display());
    let mut objects = Vec::new();
    for source in &sources {
        println!("cargo:rerun-if-changed={}", source.display());
        let stem = source
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".bpf.c"))
            .ok_or_else(|| format!("{}: unexpected file name", source.display()))?;
        let object = out_dir.join(format!("{stem}.family.o"));
        libbpf_cargo::SkeletonBuilder::new()
            .source(source)
            .obj(&object)
            .clang(&clang)
            .clang_args([include.as_str(), "-Wall", "-Werror"])
            .build()
            .map_err(|e| format!("compiling {} with {clang}: {e:#}", source.display()))?;
        objects.push(object);
    }

    let linked = out_dir.join("vigil.bpf.o");
    let mut linker = libbpf_rs::Linker::new(&linked).map_err(|e| format!("BPF linker: {e}"))?;
    for object in &objects {
        linker
            .add_file(object)
            .map_err(|e| format!("linking {}: {e}", object.display()))?;
    }
    linker
        .link()
        .map_err(|e| format!("linking {}: {e}", linked.display()))?;
    Ok(())
}
