//! The agent: loads policies, attaches the probe, seeds the process cache from /proc, and runs
//! the pipeline probe → resolvers → rules → serializer → sinks. It also writes the custom events
//! (`ruleset_loaded` at start and reload, `heartbeat`, `lost_events`), rate-limits each rule,
//! excludes its own activity, and accounts for everything it drops.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use vigil_model::record::DEFAULT_SERVICE;
use vigil_probe::{
    BootClock, DropCounts, EventTypes, FileErrors, FilterCounts, Probe, ProbeConfig, ProbeError,
    RawEvent,
};

use crate::pipeline::{unix_now_ns, AgentStats, Pipeline};
use vigil_resolvers::mountinfo::MountTable;
use vigil_resolvers::{CacheLimits, Resolvers};
use vigil_secl::policy::{load_policies, parse_policy, Policy, PolicyFileError};
use vigil_secl::ruleset::{LoadOptions, RuleSet};

use crate::custom_events::{
    Heartbeat, KernelFiltered, LostEvents, PolicyReport, RuleReport, RulesetLoaded,
};
use crate::heartbeat::HeartbeatSchedule;
use crate::kernel_filter;
use crate::rate_limiter::RateLimit;
use crate::sink::RecordSink;

/// How often kernel drop counters are compared and `lost_events` written if anything was lost.
const LOST_EVENTS_EVERY: Duration = Duration::from_secs(5);
/// How often the boot clock is re-sampled (follows wall-clock steps).
const CLOCK_RESAMPLE_EVERY: Duration = Duration::from_secs(60);

/// What `vigil start` needs.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Load the project's default policy (built into the binary) before `policies`.
    pub default_policy: bool,
    /// Policy files and directories, in load order.
    pub policies: Vec<PathBuf>,
    pub ring_buffer_size: usize,
    pub hostname: String,
    pub service: String,
    pub rate_limit: RateLimit,
    /// Heartbeat intervals: (fast, slow, number of fast beats).
    pub heartbeat: (Duration, Duration, u32),
    pub cache_limits: CacheLimits,
    /// The procfs root (`/proc`).
    pub procfs: PathBuf,
    /// Install the approvers derived from the rules in the kernel (off: every event of a used
    /// file type reaches user space, for troubleshooting and measurement).
    pub approvers: bool,
    /// Which failed file syscalls are reported.
    pub file_errors: FileErrors,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            default_policy: true,
            policies: Vec::new(),
            ring_buffer_size: ProbeConfig::default().ring_buffer_size,
            hostname: hostname(),
            service: DEFAULT_SERVICE.to_string(),
            rate_limit: RateLimit::default(),
            heartbeat: (Duration::from_secs(60), Duration::from_secs(600), 5),
            cache_limits: CacheLimits::default(),
            procfs: PathBuf::from("/proc"),
            approvers: true,
            file_errors: FileErrors::default(),
        }
    }
}

/// The machine's host name (from the kernel), or "unknown".
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// Why the agent could not start or reload.
#[derive(Debug)]
pub enum AgentError {
    Policy(PolicyFileError),
    Probe(ProbeError),
    Io(std::io::Error),
}

impl std::fmt::Display for AgentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgentError::Policy(e) => write!(f, "policy: {e}"),
            AgentError::Probe(e) => write!(f, "probe: {e}"),
            AgentError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AgentError {}

/// What was loaded at start, for the start-up summary.
#[derive(Debug, Clone)]
pub struct StartSummary {
    pub probes: Vec<String>,
    pub rules_loaded: u64,
    pub rules_failed: u64,
    pub failed: Vec<(String, String, String)>,
    pub processes_snapshotted: usize,
    pub event_types: Vec<String>,
    /// Per file event type a rule uses: how the kernel filters it (approvers or "none").
    pub approvers: BTreeMap<String, String>,
}

/// The running agent.
pub struct Agent {
    config: AgentConfig,
    probe: Probe,
    pipeline: Pipeline,
    clock_sampled: Instant,
    policies: Vec<PolicyReport>,
    heartbeat: HeartbeatSchedule,
    started: Instant,
    last_drops: BTreeMap<String, u64>,
    last_decode_errors: u64,
    lost_checked: Instant,
    raw: Vec<RawEvent>,
    summary: StartSummary,
}

/// The project's default policy (`policies/default.policy`), built into the binary.
pub const DEFAULT_POLICY: &str = include_str!("../../../policies/default.policy");

fn load_rules(config: &AgentConfig) -> Result<(Vec<Policy>, RuleSet), AgentError> {
    let mut policies = Vec::new();
    if config.default_policy {
        policies.push(
            parse_policy(
                "default.policy",
                std::path::Path::new("<built-in>"),
                DEFAULT_POLICY,
            )
            .map_err(AgentError::Policy)?,
        );
    }
    policies.extend(load_policies(&config.policies).map_err(AgentError::Policy)?);
    let ruleset = RuleSet::load(&policies, &LoadOptions::default());
    Ok((policies, ruleset))
}

fn policy_reports(policies: &[Policy], ruleset: &RuleSet) -> Vec<PolicyReport> {
    policies
        .iter()
        .map(|p| PolicyReport {
            name: p.name.clone(),
            version: p.version.clone(),
            source: "file".into(),
            rules: ruleset
                .reports()
                .iter()
                .filter(|r| r.policy == p.name)
                .map(|r| RuleReport {
                    id: r.id.clone(),
                    version: r.version.clone(),
                    expression: r.expression.clone(),
                    status: r.status.as_str().to_string(),
                    message: r.message.clone(),
                    tags: r.tags.clone(),
                })
                .collect(),
        })
        .collect()
}

impl Agent {
    /// Loads policies, the probe and the process snapshot, and writes `ruleset_loaded`.
    pub fn start(config: AgentConfig, sink: Box<dyn RecordSink>) -> Result<Agent, AgentError> {
        let (policies, ruleset) = load_rules(&config)?;
        let probe_config = ProbeConfig {
            ring_buffer_size: config.ring_buffer_size,
            // The rules' types are enabled once their approvers are in place.
            enabled: EventTypes::EXEC | EventTypes::FORK | EventTypes::EXIT,
            excluded_pids: vec![std::process::id()],
            file_errors: config.file_errors,
        };
        let mut probe = Probe::load(&probe_config).map_err(AgentError::Probe)?;
        let approvers = kernel_filter::apply(&mut probe, &ruleset, config.approvers)
            .map_err(AgentError::Probe)?;
        // The probe is attached before the snapshot, so no process falls between the two.
        let mut resolvers = Resolvers::new(config.procfs.clone(), config.cache_limits);
        let snapshotted = resolvers.snapshot().map_err(AgentError::Io)?;
        let mounts = MountTable::read(&config.procfs).unwrap_or_default();
        let now = Instant::now();
        let reports = policy_reports(&policies, &ruleset);
        let loaded = RulesetLoaded::new(reports.clone());
        let summary = StartSummary {
            probes: probe.attached(),
            rules_loaded: loaded.loaded,
            rules_failed: loaded.failed,
            failed: ruleset
                .reports()
                .iter()
                .filter(|r| r.status.is_error())
                .map(|r| {
                    (
                        r.id.clone(),
                        r.status.as_str().to_string(),
                        r.message.clone(),
                    )
                })
                .collect(),
            processes_snapshotted: snapshotted,
            event_types: ruleset
                .event_types()
                .iter()
                .map(|t| t.name().to_string())
                .collect(),
            approvers,
        };
        let (fast, slow, beats) = config.heartbeat;
        let clock = BootClock::sample().map_err(AgentError::Io)?;
        let pipeline = Pipeline::new(
            clock,
            mounts,
            resolvers,
            ruleset,
            config.rate_limit,
            sink,
            &config.hostname,
            &config.service,
        );
        let mut agent = Agent {
            probe,
            pipeline,
            clock_sampled: now,
            policies: reports,
            heartbeat: HeartbeatSchedule::with_intervals(now, fast, slow, beats),
            started: now,
            last_drops: BTreeMap::new(),
            last_decode_errors: 0,
            lost_checked: now,
            raw: Vec::new(),
            summary,
            config,
        };
        agent
            .pipeline
            .write_custom("ruleset_loaded", "Ruleset loaded", &loaded);
        agent.pipeline.flush();
        Ok(agent)
    }

    pub fn summary(&self) -> &StartSummary {
        &self.summary
    }

    pub fn stats(&self) -> &AgentStats {
        self.pipeline.stats()
    }

    /// Events of each file type the kernel did not output (approvers, unreported errors).
    pub fn kernel_filtered(&self) -> Result<FilterCounts, AgentError> {
        self.probe.filter_counts().map_err(AgentError::Probe)
    }

    pub fn resolvers(&self) -> &Resolvers {
        self.pipeline.resolvers()
    }

    /// Reloads the policies (SIGHUP): a policy file that cannot be read keeps the old rules.
    pub fn reload(&mut self) -> Result<(), AgentError> {
        let (policies, ruleset) = load_rules(&self.config)?;
        self.summary.approvers =
            kernel_filter::apply(&mut self.probe, &ruleset, self.config.approvers)
                .map_err(AgentError::Probe)?;
        self.policies = policy_reports(&policies, &ruleset);
        self.pipeline.set_ruleset(ruleset);
        let loaded = RulesetLoaded::new(self.policies.clone());
        self.summary.rules_loaded = loaded.loaded;
        self.summary.rules_failed = loaded.failed;
        self.pipeline
            .write_custom("ruleset_loaded", "Ruleset loaded", &loaded);
        self.heartbeat.restart(Instant::now());
        self.pipeline.flush();
        Ok(())
    }

    /// Runs until `stop` is set; `reload` set by a signal handler triggers [`Agent::reload`].
    pub fn run(&mut self, stop: &AtomicBool, reload: &AtomicBool) -> Result<(), AgentError> {
        while !stop.load(Ordering::Relaxed) {
            if reload.swap(false, Ordering::Relaxed) {
                if let Err(e) = self.reload() {
                    eprintln!("vigil: reload failed, keeping the previous rules: {e}");
                }
            }
            self.poll(Duration::from_millis(100))?;
        }
        self.shutdown();
        Ok(())
    }

    /// One round: drains the ring buffer (waiting up to `timeout`), handles every event, and
    /// runs the periodic tasks. Returns the number of kernel events handled.
    pub fn poll(&mut self, timeout: Duration) -> Result<usize, AgentError> {
        let mut raw = std::mem::take(&mut self.raw);
        self.probe
            .poll(timeout, |e| raw.push(e))
            .map_err(AgentError::Probe)?;
        let n = raw.len();
        for event in raw.drain(..) {
            self.pipeline.handle(event);
        }
        self.raw = raw;
        self.periodic();
        self.pipeline.flush();
        Ok(n)
    }

    /// Final `lost_events` and flush.
    pub fn shutdown(&mut self) {
        self.report_lost();
        self.pipeline.flush();
    }

    fn periodic(&mut self) {
        let now = Instant::now();
        if now.duration_since(self.clock_sampled) >= CLOCK_RESAMPLE_EVERY {
            if let Ok(clock) = BootClock::sample() {
                self.pipeline.clock = clock;
            }
            self.clock_sampled = now;
        }
        if self.heartbeat.due(now) {
            let beat = Heartbeat {
                policies: self
                    .policies
                    .iter()
                    .map(|p| PolicyReport {
                        rules: Vec::new(),
                        ..p.clone()
                    })
                    .collect(),
                uptime_seconds: now.duration_since(self.started).as_secs(),
                rules_loaded: self.summary.rules_loaded,
                rules_failed: self.summary.rules_failed,
                kernel_filtered: self.kernel_filtered_totals(),
            };
            self.pipeline.write_custom("heartbeat", "Heartbeat", &beat);
        }
        if now.duration_since(self.lost_checked) >= LOST_EVENTS_EVERY {
            self.lost_checked = now;
            self.report_lost();
        }
        self.pipeline.resolvers.expire(unix_now_ns());
    }

    /// Non-zero kernel filter totals per file type (empty if the counters cannot be read).
    fn kernel_filtered_totals(&self) -> BTreeMap<String, KernelFiltered> {
        let Ok(counts) = self.probe.filter_counts() else {
            return BTreeMap::new();
        };
        counts
            .per_type
            .into_iter()
            .filter(|t| t.approvers + t.errors > 0)
            .map(|t| {
                (
                    t.event_type.name().to_string(),
                    KernelFiltered {
                        approvers: t.approvers,
                        errors: t.errors,
                    },
                )
            })
            .collect()
    }

    /// Writes `lost_events` with what was dropped since the last report, if anything was.
    fn report_lost(&mut self) {
        let mut lost = LostEvents::default();
        if let Ok(drops) = self.probe.drop_counts() {
            for (name, total) in drop_totals(&drops) {
                let before = self.last_drops.insert(name.clone(), total).unwrap_or(0);
                if total > before {
                    lost.kernel.insert(name, total - before);
                }
            }
        }
        let decode = self.probe.decode_errors();
        lost.decode_errors = decode - self.last_decode_errors.min(decode);
        self.last_decode_errors = decode;
        lost.spool = self.pipeline.sink.take_lost();
        for (rule, n) in self.pipeline.limiter.take_suppressed() {
            lost.rate_limited.insert(rule, n);
        }
        let lost = lost.finalize();
        if !lost.is_empty() {
            self.pipeline
                .write_custom("lost_events", "Lost events", &lost);
        }
    }
}

fn drop_totals(d: &DropCounts) -> Vec<(String, u64)> {
    d.per_type
        .iter()
        .map(|t| (t.event_type.name().to_string(), t.total))
        .collect()
}
