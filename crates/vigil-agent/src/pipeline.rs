//! The per-event pipeline, independent of the kernel: a probe record is resolved into a model
//! event (process cache), evaluated against the rule set, rate-limited per rule, serialized with
//! the record envelope and sent to the sink. The agent feeds it from the probe; the benches feed
//! it synthetic records.

use std::sync::Arc;
use std::time::Instant;

use vigil_model::record::{write_event_record, AgentContext, Envelope};
use vigil_model::{Event, EventData, ExitCause, ExitEvent, Process};
use vigil_probe::{BootClock, RawEvent};
use vigil_resolvers::mountinfo::MountTable;
use vigil_resolvers::Resolvers;
use vigil_secl::ruleset::{RuleSet, RuleState};

use crate::convert;
use crate::custom_events::write_custom_event;
use crate::rate_limiter::{RateLimit, RuleRateLimiter};
use crate::sink::RecordSink;

/// Counters of the pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentStats {
    pub events: u64,
    pub matched: u64,
    pub records: u64,
    pub rate_limited: u64,
    pub sink_errors: u64,
}

/// Resolvers + rules + serializer + sink.
pub struct Pipeline {
    pub(crate) clock: BootClock,
    pub(crate) mounts: MountTable,
    pub(crate) resolvers: Resolvers,
    pub(crate) ruleset: RuleSet,
    pub(crate) state: RuleState,
    pub(crate) limiter: RuleRateLimiter,
    pub(crate) sink: Box<dyn RecordSink>,
    pub(crate) stats: AgentStats,
    hostname: String,
    service: String,
    envelope: Envelope,
    out: Vec<u8>,
    matches: Vec<usize>,
}

impl Pipeline {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        clock: BootClock,
        mounts: MountTable,
        resolvers: Resolvers,
        ruleset: RuleSet,
        rate_limit: RateLimit,
        sink: Box<dyn RecordSink>,
        hostname: &str,
        service: &str,
    ) -> Pipeline {
        Pipeline {
            clock,
            mounts,
            resolvers,
            state: ruleset.new_state(),
            ruleset,
            limiter: RuleRateLimiter::new(rate_limit),
            sink,
            stats: AgentStats::default(),
            hostname: hostname.to_string(),
            service: service.to_string(),
            envelope: Envelope {
                agent: AgentContext::for_rule(""),
                title: String::new(),
                hostname: hostname.to_string(),
                service: service.to_string(),
            },
            out: Vec::with_capacity(64 * 1024),
            matches: Vec::new(),
        }
    }

    pub fn stats(&self) -> &AgentStats {
        &self.stats
    }

    pub fn resolvers(&self) -> &Resolvers {
        &self.resolvers
    }

    /// Replaces the rule set (policy reload); variables and throttling start afresh.
    pub fn set_ruleset(&mut self, ruleset: RuleSet) {
        self.state = ruleset.new_state();
        let ids: std::collections::HashSet<String> =
            ruleset.rules().iter().map(|r| r.id().to_string()).collect();
        self.limiter.retain_rules(|id| ids.contains(id));
        self.ruleset = ruleset;
    }

    /// Resolves, evaluates and reports one kernel record.
    pub fn handle(&mut self, raw: RawEvent) {
        self.stats.events += 1;
        let Some(event) = self.model_event(raw) else {
            return;
        };
        if !self.ruleset.rules().is_empty() {
            self.evaluate(&event);
        }
    }

    /// Resolves a kernel record into a model event (updating the process cache).
    fn model_event(&mut self, raw: RawEvent) -> Option<Event> {
        let ts = self.clock.to_unix_ns(raw.timestamp_boot_ns());
        match raw {
            RawEvent::Exec(e) => {
                let info = convert::exec_info(&e, &self.clock, &self.mounts);
                let process = self.resolvers.exec(info);
                let mut event = Event::new(ts, process, EventData::Exec);
                event.tid = e.process.tid;
                Some(event)
            }
            RawEvent::Fork(f) => {
                let info = convert::fork_info(&f, &self.clock);
                let process = self.resolvers.fork(&info);
                if f.is_thread {
                    return None;
                }
                Some(Event::new(ts, process, EventData::Fork))
            }
            RawEvent::Exit(x) => {
                let process: Arc<Process> = self.resolvers.exit(x.process.pid, ts);
                let cause = match x.cause {
                    vigil_probe::ExitCause::Exited => ExitCause::Exited,
                    vigil_probe::ExitCause::Signaled => ExitCause::Signaled,
                    vigil_probe::ExitCause::CoreDumped => ExitCause::Coredumped,
                };
                let mut event = Event::new(
                    ts,
                    process,
                    EventData::Exit(ExitEvent {
                        cause,
                        code: x.code,
                    }),
                );
                event.tid = x.process.tid;
                Some(event)
            }
            file_raw => {
                let (call, mut data) = convert::file_event(&file_raw, &self.clock, &self.mounts)?;
                let process = self.resolvers.process(call.process.pid, ts);
                let in_container = process.container.is_some();
                let pid = call.process.pid;
                let mut name_files =
                    |f: &mut vigil_model::File| self.resolvers.file_names(pid, in_container, f);
                match &mut data {
                    EventData::Open(e) => name_files(&mut e.file),
                    EventData::Chmod(e) => name_files(&mut e.file),
                    EventData::Chown(e) => name_files(&mut e.file),
                    EventData::Link(e) => {
                        name_files(&mut e.source);
                        name_files(&mut e.target);
                    }
                    EventData::Rename(e) => {
                        name_files(&mut e.old);
                        name_files(&mut e.new);
                    }
                    EventData::Unlink(e) => name_files(&mut e.file),
                    EventData::Mkdir(e) => name_files(&mut e.file),
                    EventData::Rmdir(e) => name_files(&mut e.file),
                    EventData::Utimes(e) => name_files(&mut e.file),
                    EventData::SetXattr(e) | EventData::RemoveXattr(e) => name_files(&mut e.file),
                    _ => {}
                }
                let mut event = Event::new(ts, process, data);
                event.retval = call.retval;
                event.tid = call.process.tid;
                Some(event)
            }
        }
    }

    fn evaluate(&mut self, event: &Event) {
        self.matches.clear();
        self.ruleset
            .evaluate(event, &mut self.state, &mut self.matches);
        let now = Instant::now();
        for k in 0..self.matches.len() {
            let rule = self.ruleset.rule(self.matches[k]);
            self.stats.matched += 1;
            if rule.report.silent {
                continue;
            }
            if !self.limiter.allow(rule.id(), now) {
                self.stats.rate_limited += 1;
                continue;
            }
            let r = &rule.report;
            let agent = &mut self.envelope.agent;
            agent.rule_id.clone_from(&r.id);
            agent.rule_version.clone_from(&r.version);
            agent.policy_name.clone_from(&r.policy);
            agent.policy_version.clone_from(&r.policy_version);
            self.envelope.title.clone_from(&r.description);
            let start = self.out.len();
            write_event_record(&mut self.out, &self.envelope, event);
            self.emit(start);
        }
    }

    pub fn write_custom<T: serde::Serialize>(&mut self, name: &str, title: &str, payload: &T) {
        let start = self.out.len();
        let now = unix_now_ns();
        write_custom_event(
            &mut self.out,
            &self.hostname,
            &self.service,
            name,
            title,
            now,
            payload,
        );
        self.emit(start);
    }

    /// Sends the record at `out[start..]` to the sink.
    fn emit(&mut self, start: usize) {
        if let Err(e) = self.sink.write_record(&self.out[start..]) {
            self.stats.sink_errors += 1;
            eprintln!("vigil: output error: {e}");
        } else {
            self.stats.records += 1;
        }
        self.out.truncate(start);
    }

    pub fn flush(&mut self) {
        if let Err(e) = self.sink.flush() {
            self.stats.sink_errors += 1;
            eprintln!("vigil: output flush error: {e}");
        }
    }
}

/// Wall-clock now, unix ns.
pub(crate) fn unix_now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
