//! Output records: a matched event (or a custom agent event) plus the envelope keys `agent`,
//! `title`, `hostname` and `service`, written as one JSON line. See docs/output-records.md.

use crate::event::Event;
use crate::json::write_event_fields;
use crate::json::writer::ObjectWriter;

/// The `agent` block of a record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentContext {
    pub rule_id: String,
    pub rule_version: String,
    pub policy_name: String,
    pub policy_version: String,
    /// Vigil's version.
    pub version: String,
    pub os: String,
    pub arch: String,
    /// Where the event came from (`ebpf`).
    pub origin: String,
}

impl AgentContext {
    /// An agent context for this build of Vigil on this machine, for `rule_id`.
    pub fn for_rule(rule_id: &str) -> AgentContext {
        AgentContext {
            rule_id: rule_id.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            origin: "ebpf".to_string(),
            ..AgentContext::default()
        }
    }
}

/// The envelope of one record (everything but the event itself).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    pub agent: AgentContext,
    pub title: String,
    pub hostname: String,
    pub service: String,
}

/// The envelope keys, in the order they are written.
pub const ENVELOPE_KEYS: [&str; 4] = ["agent", "title", "hostname", "service"];

/// The default `service` of records.
pub const DEFAULT_SERVICE: &str = "runtime-security-agent";

fn write_envelope(o: &mut ObjectWriter<'_>, env: &Envelope) {
    o.object("agent", |a| {
        let ag = &env.agent;
        a.str("rule_id", &ag.rule_id);
        a.str("rule_version", &ag.rule_version);
        a.str("policy_name", &ag.policy_name);
        a.str("policy_version", &ag.policy_version);
        a.str("version", &ag.version);
        a.str("os", &ag.os);
        a.str("arch", &ag.arch);
        a.str("origin", &ag.origin);
    });
    o.str("title", &env.title);
    o.str("hostname", &env.hostname);
    o.str("service", &env.service);
}

/// Appends one security-event record (JSON object + `\n`) to `out`.
pub fn write_event_record(out: &mut Vec<u8>, env: &Envelope, event: &Event) {
    let mut o = ObjectWriter::begin(out);
    write_event_fields(&mut o, event);
    write_envelope(&mut o, env);
    o.finish();
    out.push(b'\n');
}

/// Appends one custom-event record: `evt` (`name` = the custom event, category `Vigil`), `date`,
/// the envelope, and the payload under a key named after the event. `payload_json` must be one
/// valid JSON value.
pub fn write_custom_record(
    out: &mut Vec<u8>,
    env: &Envelope,
    name: &str,
    date: crate::Timestamp,
    payload_json: &[u8],
) {
    let mut o = ObjectWriter::begin(out);
    o.object("evt", |e| {
        e.str("name", name);
        e.str("category", "Vigil");
        e.str("outcome", "Success");
    });
    o.time_opt("date", date);
    o.raw(name, payload_json);
    write_envelope(&mut o, env);
    o.finish();
    out.push(b'\n');
}
