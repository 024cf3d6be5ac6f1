//! `vigil backend`: runs the backend server (intake, store, search, signals) until SIGINT/SIGTERM.
use std::net::SocketAddr;
use std::path::PathBuf;

use vigil_backend::server::{
    apply_settings_file, spawn, BackendConfig, DEFAULT_LISTEN, DEFAULT_RETENTION_DAYS,
};
use vigil_backend::timefmt::parse_duration_ms;

/// Default data directory of `vigil backend` (its API key file lives there too).
pub const DEFAULT_DATA_DIR: &str = "/var/lib/vigil/backend";

#[derive(clap::Args, Debug)]
pub struct BackendArgs {
    /// Address to listen on.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Directory of the event store.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// File with the accepted API keys, one per line [default: DATA_DIR/api-key, created with a
    /// random key if missing].
    #[arg(long)]
    api_key_file: Option<PathBuf>,
    /// Days of events to keep (whole days are dropped).
    #[arg(long, default_value_t = DEFAULT_RETENTION_DAYS)]
    retention_days: u32,
    /// Events of the same rule, host and container/process this close together join one signal.
    #[arg(long, default_value = "1h")]
    signal_window: String,
    /// JSON settings file: per-rule thresholds and webhook sinks.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn run(args: BackendArgs) -> anyhow::Result<()> {
    if args.retention_days == 0 {
        anyhow::bail!("--retention-days must be at least 1");
    }
    let mut config = BackendConfig::new(args.data_dir);
    config.listen = args.listen;
    config.api_key_file = args.api_key_file;
    config.retention_days = args.retention_days;
    config.signal_policy.dedup_window_ms = parse_duration_ms(&args.signal_window)
        .map_err(|e| anyhow::anyhow!("--signal-window: {e}"))?;
    if let Some(path) = &args.config {
        apply_settings_file(&mut config, path).map_err(anyhow::Error::msg)?;
    }
    let data_dir = config.data_dir.clone();
    let handle = spawn(config)?;
    println!(
        "vigil backend listening on {} (data: {}, API key file: {})",
        handle.url(),
        data_dir.display(),
        handle.api_key_file().display()
    );
    handle.run_until_signal()
}
