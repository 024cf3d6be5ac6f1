//! `vigil start`: runs the agent (sensor + rules) and writes matched events as JSON lines.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use vigil_agent::sink::OutputTarget;
use vigil_agent::{Agent, AgentConfig, AgentError};

#[derive(Args, Debug)]
pub struct StartArgs {
    /// Policy file or directory of *.policy files (repeatable).
    #[arg(long = "policy", value_name = "FILE_OR_DIR")]
    policies: Vec<PathBuf>,
    /// Where to write events: a file path (appended) or `-` for stdout.
    #[arg(long, default_value = "-", value_name = "PATH|-")]
    output: String,
    /// Do not load the project's default policy (policies/default.policy, built in).
    #[arg(long)]
    no_default_policy: bool,
    /// Size of the kernel ring buffer in bytes (power of two, page multiple).
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    ring_buffer_size: usize,
}

pub fn run(args: StartArgs) -> anyhow::Result<()> {
    let output = OutputTarget::parse(&args.output);
    let sink = output.open()?;
    let config = AgentConfig { default_policy: !args.no_default_policy, policies: args.policies, ring_buffer_size: args.ring_buffer_size, ..AgentConfig::default() };
    let mut agent = match Agent::start(config, sink) {
        Ok(a) => a,
        Err(AgentError::Probe(e)) => anyhow::bail!("cannot start the sensor: {e}"),
        Err(e) => return Err(e).context("cannot start"),
    };
    let s = agent.summary();
    eprintln!("vigil {} started", env!("CARGO_PKG_VERSION"));
    eprintln!("  probes attached : {}", s.probes.join(", "));
    eprintln!("  rules           : {} loaded, {} failed; event types used: {}", s.rules_loaded, s.rules_failed, s.event_types.join(", "));
    for (id, status, message) in s.failed.iter().take(10) {
        eprintln!("    {id}: {status}: {message}");
    }
    if s.failed.len() > 10 {
        eprintln!("    ... {} more (see the ruleset_loaded event)", s.failed.len() - 10);
    }
    eprintln!("  processes known : {} (from /proc)", s.processes_snapshotted);
    eprintln!("  output          : {}", output.describe());
    let stop = Arc::new(AtomicBool::new(false));
    let reload = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    signal_hook::flag::register(signal_hook::consts::SIGHUP, reload.clone())?;
    agent.run(&stop, &reload)?;
    let st = agent.stats();
    eprintln!("vigil stopped: {} kernel events, {} matches, {} records written, {} rate-limited", st.events, st.matched, st.records, st.rate_limited);
    Ok(())
}
