mod common;
use std::process::Command;
use vigil_probe::ProbeConfig;

#[test]
fn smoke() {
    let Some(mut probe) = common::load_or_skip(&ProbeConfig::default()) else { return };
    println!("attached {:?}", probe.attached());
    let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let events = common::collect(&mut probe, |e| common::concerns(e, pid), |k| common::exit_of(k, pid).is_some());
    for e in &events { match e { vigil_probe::RawEvent::Exec(x) => { let l = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        println!("exec pid={} old_tid={} ppid={} comm={} filename={} interp={:?} file={:?} path={} exe={:?} cwd={} cgroup={} tty={:?} argc={} args={:?} envc={} nenvs={} envs_trunc={} long_envs={:?} creds={:?}", x.process.pid, x.old_tid, x.process.ppid, l(&x.process.comm), l(&x.filename), x.interpreter_path.as_deref().map(l), x.file.as_ref().map(|f| (f.inode, f.mount_id, f.dev_major, f.dev_minor, f.mode, l(&f.fs_type), f.mtime_unix_ns, f.in_upper_layer, f.deleted, f.path_error)), l(&x.file.as_ref().unwrap().path), x.executable.is_some(), l(&x.cwd), l(&x.cgroup_path), x.tty, x.argc, x.args.iter().map(|a| l(a)).collect::<Vec<_>>(), x.envc, x.envs.len(), x.envs_truncated, x.envs.iter().filter(|v| v.len()>200).map(|a| l(&a[..20])).collect::<Vec<_>>(), x.credentials); }
        other => println!("{other:?}") } }
    println!("drops {:?} decode errors {}", probe.drop_counts().unwrap(), probe.decode_errors());
}
