//! `vigil start`: runs the agent (sensor + rules) and writes matched events as JSON lines.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use vigil_agent::sink::{FanOut, OutputTarget, RecordSink};
use vigil_agent::{Agent, AgentConfig, AgentError, FileErrors};
use vigil_backend::forwarder::{Forwarder, ForwarderConfig};
use vigil_backend::server::{spawn, BackendConfig, BackendHandle};

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
    /// Send records to this backend (`http://host:port`) instead of running one in-process.
    #[arg(long, value_name = "URL")]
    backend: Option<String>,
    /// File holding the backend API key (with --backend; the embedded backend manages its own).
    #[arg(long, value_name = "FILE")]
    api_key_file: Option<PathBuf>,
    /// Data directory of the embedded backend and of the forwarder's spool.
    #[arg(long, default_value = "/var/lib/vigil", value_name = "DIR")]
    data_dir: PathBuf,
    /// Do not run the embedded backend (records go to --output only).
    #[arg(long, conflicts_with = "backend")]
    no_backend: bool,
    /// Size of the kernel ring buffer in bytes (power of two, page multiple).
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    ring_buffer_size: usize,
    /// Which failed file syscalls become events: `denied` (EACCES/EPERM, Datadog's choice;
    /// other failures are only counted) or `all`.
    #[arg(long, value_enum, default_value_t = FileErrorsArg::Denied)]
    file_errors: FileErrorsArg,
    /// Do not install the approvers derived from the rules in the kernel: every event of a
    /// file type some rule uses reaches user space (troubleshooting, measurement).
    #[arg(long)]
    no_approvers: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum FileErrorsArg {
    Denied,
    All,
}

pub fn run(args: StartArgs) -> anyhow::Result<()> {
    let output = OutputTarget::parse(&args.output);
    let mut sinks = vec![output.open()?];
    // The embedded backend (default) or a remote one.
    let mut embedded: Option<BackendHandle> = None;
    let target = match (&args.backend, args.no_backend) {
        (Some(url), _) => {
            let key_file = args
                .api_key_file
                .clone()
                .context("--backend needs --api-key-file")?;
            Some((url.clone(), key_file))
        }
        (None, true) => None,
        (None, false) => {
            let handle = spawn(BackendConfig::new(args.data_dir.join("backend")))
                .context("cannot start the embedded backend")?;
            let target = (handle.url(), handle.api_key_file().to_path_buf());
            embedded = Some(handle);
            Some(target)
        }
    };
    let forwarder_desc = target.as_ref().map(|(url, _)| url.clone());
    if let Some((url, key_file)) = target {
        let key = vigil_backend::auth::read_client_key(&key_file).map_err(anyhow::Error::msg)?;
        let forwarder =
            Forwarder::start(ForwarderConfig::new(url, key, args.data_dir.join("spool")))?;
        sinks.push(Box::new(ForwarderSink(Some(forwarder))));
    }
    let sink = Box::new(FanOut(sinks));
    let config = AgentConfig {
        default_policy: !args.no_default_policy,
        policies: args.policies,
        ring_buffer_size: args.ring_buffer_size,
        approvers: !args.no_approvers,
        file_errors: match args.file_errors {
            FileErrorsArg::Denied => FileErrors::PermissionDenied,
            FileErrorsArg::All => FileErrors::All,
        },
        ..AgentConfig::default()
    };
    let mut agent = match Agent::start(config, sink) {
        Ok(a) => a,
        Err(AgentError::Probe(e)) => anyhow::bail!("cannot start the sensor: {e}"),
        Err(e) => return Err(e).context("cannot start"),
    };
    let s = agent.summary();
    eprintln!("vigil {} started", env!("CARGO_PKG_VERSION"));
    eprintln!("  probes attached : {}", s.probes.join(", "));
    eprintln!(
        "  rules           : {} loaded, {} failed; event types used: {}",
        s.rules_loaded,
        s.rules_failed,
        s.event_types.join(", ")
    );
    for (id, status, message) in s.failed.iter().take(10) {
        eprintln!("    {id}: {status}: {message}");
    }
    if s.failed.len() > 10 {
        eprintln!(
            "    ... {} more (see the ruleset_loaded event)",
            s.failed.len() - 10
        );
    }
    for (event_type, approvers) in &s.approvers {
        eprintln!("  kernel filter   : {event_type}: {approvers}");
    }
    eprintln!(
        "  processes known : {} (from /proc)",
        s.processes_snapshotted
    );
    eprintln!("  output          : {}", output.describe());
    match (&forwarder_desc, &embedded) {
        (Some(url), Some(_)) => eprintln!(
            "  backend         : embedded, {url} (data in {})",
            args.data_dir.display()
        ),
        (Some(url), None) => eprintln!("  backend         : {url}"),
        (None, _) => eprintln!("  backend         : none"),
    }
    let stop = Arc::new(AtomicBool::new(false));
    let reload = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    signal_hook::flag::register(signal_hook::consts::SIGHUP, reload.clone())?;
    agent.run(&stop, &reload)?;
    let st = agent.stats().clone();
    // Dropping the agent drops the forwarder sink, which drains to the backend first.
    drop(agent);
    if let Some(handle) = embedded {
        handle.shutdown();
    }
    eprintln!(
        "vigil stopped: {} kernel events, {} matches, {} records written, {} rate-limited",
        st.events, st.matched, st.records, st.rate_limited
    );
    Ok(())
}

/// Sends records to a backend through the forwarder (gzip batches, retries, on-disk spool).
struct ForwarderSink(Option<Forwarder>);

impl RecordSink for ForwarderSink {
    fn write_record(&mut self, record: &[u8]) -> std::io::Result<()> {
        if let Some(f) = &self.0 {
            let line =
                String::from_utf8_lossy(record.strip_suffix(b"\n").unwrap_or(record)).into_owned();
            f.send(line);
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    fn take_lost(&mut self) -> u64 {
        self.0.as_ref().map_or(0, |f| f.take_lost())
    }
}

impl Drop for ForwarderSink {
    /// Gives queued records a chance to reach the backend (or the spool) before exit.
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f.shutdown(std::time::Duration::from_secs(5));
        }
    }
}
