//! Benches: (a) parse + compile Datadog's default policy, (b) evaluate the compiled Linux rule
//! set on a realistic mixed event stream (exec / open / dns / connect / fork / exit with a
//! 4-level ancestry). The policy is read from `$VIGIL_SHARED_DIR` or `../shared`; without it
//! the benches print a notice and do nothing.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vigil_model::{EventData, ExitCause, ExitEvent};
use vigil_secl::policy::filter::FilterModel;
use vigil_secl::{load_policies, LoadOptions, Policy, RuleSet, COMPATIBLE_AGENT_VERSION};

fn policies() -> Option<Vec<Policy>> {
    let shared = std::env::var_os("VIGIL_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let path = shared.join("reference/datadog-default-1.69.3.policy");
    if !path.exists() {
        eprintln!("SKIPPED: {} not found", path.display());
        return None;
    }
    load_policies(&[path]).ok()
}

fn opts() -> LoadOptions {
    LoadOptions {
        agent_version: COMPATIBLE_AGENT_VERSION,
        filter_model: FilterModel::linux("6.8.0-45-generic"),
    }
}

fn stream() -> Vec<vigil_model::Event> {
    let mut v = Vec::new();
    let paths = [
        "/etc/passwd",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/proc/self/status",
        "/tmp/build/obj.o",
        "/var/log/app.log",
        "/etc/ld.so.cache",
    ];
    for i in 0..64 {
        v.push(common::open(
            paths[i % paths.len()],
            if i % 5 == 0 { 0o1101 } else { 0 },
        ));
        if i % 4 == 0 {
            v.push(common::exec());
        }
        if i % 8 == 0 {
            v.push(common::dns(if i % 16 == 0 {
                "api.example.com"
            } else {
                "pool.internal.svc"
            }));
            v.push(common::connect("93.184.216.34", 443));
        }
        if i % 6 == 0 {
            v.push(common::event(EventData::Fork));
            v.push(common::event(EventData::Exit(ExitEvent {
                cause: ExitCause::Exited,
                code: 0,
            })));
        }
    }
    v
}

fn benches(c: &mut Criterion) {
    let Some(policies) = policies() else { return };
    c.bench_function("load_datadog_default_policy", |b| {
        b.iter(|| RuleSet::load(&policies, &opts()))
    });

    let rs = RuleSet::load(&policies, &opts());
    let events = stream();
    let mut state = rs.new_state();
    let mut out = Vec::new();
    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("mixed_stream", |b| {
        b.iter(|| {
            for e in &events {
                out.clear();
                rs.evaluate(e, &mut state, &mut out);
            }
            out.len()
        })
    });
    g.finish();
}

criterion_group!(name = group; config = Criterion::default().sample_size(20); targets = benches);
criterion_main!(group);
