//! overlayfs file context (upper vs lower layer) and kernel-side drop accounting when the
//! ring buffer overflows.

mod common;

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Command;

use common::{assert_file_is, collect, concerns, execs_of, exit_of, load_or_skip};
use vigil_probe::{EventType, Probe, ProbeConfig, ProbeError, RawEvent};

fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).expect("path without NUL")
}

#[test]
fn overlayfs_upper_and_lower_files() {
    let Some(mut probe) = load_or_skip(&ProbeConfig::default()) else {
        return;
    };
    let base = std::env::temp_dir().join(format!("vigil-probe-ovl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let [lower, upper, work, merged] = ["lower", "upper", "work", "merged"].map(|d| base.join(d));
    for dir in [&lower, &upper, &work, &merged] {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::copy("/bin/true", lower.join("from-lower")).expect("copy");
    let options = format!(
        "lowerdir={},upperdir={},workdir={}",
        lower.display(),
        upper.display(),
        work.display()
    );
    let (source, fstype, data) = (
        c"overlay",
        c"overlay",
        CString::new(options).expect("options"),
    );
    // SAFETY: all pointers are valid NUL-terminated strings.
    let rc = unsafe {
        libc::mount(
            source.as_ptr(),
            c_path(&merged).as_ptr(),
            fstype.as_ptr(),
            0,
            data.as_ptr().cast(),
        )
    };
    assert_eq!(rc, 0, "mount overlay: {}", std::io::Error::last_os_error());
    std::fs::copy("/bin/true", merged.join("from-upper")).expect("copy into the upper layer");

    let mut layers = Vec::new();
    for name in ["from-lower", "from-upper"] {
        let path = merged.join(name);
        let mut child = Command::new(&path).spawn().expect("spawn");
        let pid = child.id();
        child.wait().expect("wait");
        let events = collect(
            &mut probe,
            |e| concerns(e, pid),
            |k| exit_of(k, pid).is_some(),
        );
        let file = execs_of(&events, pid)[0].file.clone().expect("file");
        assert_file_is(&file, &path);
        assert_eq!(file.fs_type, b"overlay");
        layers.push(file.in_upper_layer);
    }
    // SAFETY: valid path.
    unsafe { libc::umount2(c_path(&merged).as_ptr(), libc::MNT_DETACH) };
    std::fs::remove_dir_all(&base).expect("cleanup");
    assert_eq!(
        layers,
        [false, true],
        "in_upper_layer of a lower file, then of an upper file"
    );
}

#[test]
fn a_full_ring_buffer_counts_drops_per_type() {
    let config = ProbeConfig {
        ring_buffer_size: vigil_probe::MIN_RING_BUFFER_SIZE,
        ..ProbeConfig::default()
    };
    let Some(mut probe) = load_or_skip(&config) else {
        return;
    };
    // ~16 KiB of environment per exec: the 256 KiB ring holds about 16 exec records.
    let status = Command::new("/bin/sh")
        .args([
            "-c",
            "i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done",
        ])
        .env("VIGIL_BIG", "b".repeat(16 << 10))
        .status()
        .expect("sh");
    assert!(status.success());
    let drops = probe.drop_counts().expect("drop counts");
    let exec = drops
        .per_type
        .iter()
        .find(|t| t.event_type == EventType::Exec)
        .expect("exec counter");
    assert!(
        exec.total >= 100,
        "about 200 execs into a ring of ~16: {drops:?}"
    );
    assert_eq!(exec.total, exec.per_cpu.iter().sum::<u64>());
    assert_eq!(
        drops.total(),
        drops.per_type.iter().map(|t| t.total).sum::<u64>()
    );
    eprintln!(
        "measured: 200 execs with 16 KiB env into a 256 KiB ring -> {} exec drops",
        exec.total
    );

    // The probe keeps working once drained.
    while probe
        .poll(std::time::Duration::from_millis(10), |_| {})
        .expect("drain")
        > 0
    {}
    let mut child = Command::new("/bin/true").spawn().expect("spawn");
    let pid = child.id();
    child.wait().expect("wait");
    let events = collect(
        &mut probe,
        |e| concerns(e, pid),
        |k| exit_of(k, pid).is_some(),
    );
    assert!(events.iter().any(|e| matches!(e, RawEvent::Exec(_))));
}

#[test]
fn invalid_ring_buffer_size_is_rejected_before_loading() {
    let config = ProbeConfig {
        ring_buffer_size: 3 << 20,
        ..ProbeConfig::default()
    };
    match Probe::load(&config) {
        Err(ProbeError::InvalidRingBufferSize { size, reason }) => {
            assert_eq!(size, 3 << 20);
            assert!(reason.contains("power of two"), "{reason}");
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("a 3 MiB ring buffer was accepted"),
    }
}
