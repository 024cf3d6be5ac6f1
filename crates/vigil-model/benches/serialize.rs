//! Serialization throughput: events/s for realistic events (exec with a 4-deep ancestry, open,
//! mmap) written as full output records, and the deserializer for comparison.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use vigil_model::json::from_json;
use vigil_model::record::{write_event_record, AgentContext, Envelope};
use vigil_model::EventType;

fn bench(c: &mut Criterion) {
    let envelope = Envelope {
        agent: AgentContext::for_rule("bench_rule"),
        title: "bench".into(),
        hostname: "host".into(),
        service: "runtime-security-agent".into(),
    };
    let mut group = c.benchmark_group("serialize_record");
    group.throughput(Throughput::Elements(1));
    for ty in [EventType::Exec, EventType::Open, EventType::Mmap] {
        let event = common::full_event(ty);
        let mut out = Vec::with_capacity(8192);
        group.bench_function(ty.name(), |b| {
            b.iter(|| {
                out.clear();
                write_event_record(&mut out, &envelope, black_box(&event));
                black_box(out.len())
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("deserialize");
    group.throughput(Throughput::Elements(1));
    let json = vigil_model::json::to_json(&common::full_event(EventType::Exec));
    group.bench_function("exec", |b| {
        b.iter(|| from_json(black_box(&json)).map(|e| e.timestamp))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
