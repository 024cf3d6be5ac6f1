//! The backend server: configuration, startup (store, retention timer, webhook worker, HTTP
//! listener on its own thread and Tokio runtime) and the handle used to stop it. `vigil backend`
//! and the embedded backend of `vigil start` both go through `spawn`.
mod api;
mod auth_extract;
mod error;
mod settings;

pub use settings::apply_settings_file;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::auth::ApiKeys;
use crate::query::QueryCompiler;
use crate::secl_query::SeclQueryCompiler;
use crate::signals::SignalPolicy;
use crate::store::sqlite::{SqliteConfig, SqliteStore};
use crate::store::EventStore;
use crate::timefmt::now_ms;
use crate::webhook::{run_worker, WebhookSink};

/// Default listen address of `vigil backend`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8470";
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
const RETENTION_INTERVAL: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone)]
pub struct BackendConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Key file; `None` uses `<data_dir>/api-key`, created with a random key if missing.
    pub api_key_file: Option<PathBuf>,
    pub retention_days: u32,
    pub signal_policy: SignalPolicy,
    pub webhooks: Vec<WebhookSink>,
}

impl BackendConfig {
    /// Defaults: 127.0.0.1:8470, key file in the data dir, 30 days retention, 1 h dedup window.
    pub fn new(data_dir: impl Into<PathBuf>) -> BackendConfig {
        BackendConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8470)),
            data_dir: data_dir.into(),
            api_key_file: None,
            retention_days: DEFAULT_RETENTION_DAYS,
            signal_policy: SignalPolicy::default(),
            webhooks: Vec::new(),
        }
    }

    pub fn key_file(&self) -> PathBuf {
        self.api_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("api-key"))
    }
}

/// Shared by every request handler.
pub(crate) struct AppState {
    pub store: Arc<dyn EventStore>,
    pub keys: ApiKeys,
    pub compiler: Box<dyn QueryCompiler>,
    pub retention_days: u32,
    pub webhook_wake: mpsc::SyncSender<()>,
}

/// A running backend. Dropping it stops the server (in-flight requests finish first).
pub struct BackendHandle {
    addr: SocketAddr,
    key_file: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    webhook_worker: Option<JoinHandle<()>>,
}

impl BackendHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`: what a forwarder or the CLI connects to.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The file holding the API key clients must present.
    pub fn api_key_file(&self) -> &Path {
        &self.key_file
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Blocks until SIGINT or SIGTERM, then shuts down.
    pub fn run_until_signal(self) -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r,
                _ = term.recv() => Ok(()),
            }
        })?;
        self.shutdown();
        Ok(())
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // The server's state (and with it the worker's wake-up sender) is gone: the worker ends.
        if let Some(worker) = self.webhook_worker.take() {
            let _ = worker.join();
        }
    }
}

impl Drop for BackendHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Opens the store, binds the listener and starts serving on a background thread.
pub fn spawn(config: BackendConfig) -> anyhow::Result<BackendHandle> {
    for sink in &config.webhooks {
        sink.validate().map_err(anyhow::Error::msg)?;
    }
    let key_file = config.key_file();
    let keys = match &config.api_key_file {
        Some(path) => ApiKeys::load(path),
        None => ApiKeys::load_or_create(&key_file),
    }
    .map_err(anyhow::Error::msg)?;
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(SqliteConfig {
        data_dir: config.data_dir.clone(),
        retention_days: config.retention_days,
        signal_policy: config.signal_policy.clone(),
        webhooks: config.webhooks.clone(),
    })?);
    store.apply_retention(now_ms())?;
    let listener = TcpListener::bind(config.listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (wake_tx, wake_rx) = mpsc::sync_channel(1);
    let worker_store = store.clone();
    let webhook_worker = std::thread::Builder::new()
        .name("vigil-webhooks".into())
        .spawn(move || run_worker(worker_store, wake_rx))?;
    let state = Arc::new(AppState {
        store: store.clone(),
        keys,
        compiler: Box::new(SeclQueryCompiler),
        retention_days: config.retention_days,
        webhook_wake: wake_tx,
    });
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("vigil-backend")
        .enable_all()
        .build()?;
    let thread = std::thread::Builder::new()
        .name("vigil-backend".into())
        .spawn(move || {
            runtime.block_on(async move {
                let retention = tokio::spawn(retention_loop(store));
                let served = async {
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    axum::serve(listener, api::router(state))
                        .with_graceful_shutdown(async {
                            let _ = shutdown_rx.await;
                        })
                        .await
                };
                if let Err(e) = served.await {
                    eprintln!("vigil backend: server stopped: {e}");
                }
                retention.abort();
            });
        })?;
    Ok(BackendHandle {
        addr,
        key_file,
        shutdown: Some(shutdown_tx),
        thread: Some(thread),
        webhook_worker: Some(webhook_worker),
    })
}

async fn retention_loop(store: Arc<dyn EventStore>) {
    let mut ticker = tokio::time::interval(RETENTION_INTERVAL);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let store = store.clone();
        match tokio::task::spawn_blocking(move || store.apply_retention(now_ms())).await {
            Ok(Ok(report)) if !report.dropped_days.is_empty() => {
                eprintln!(
                    "vigil backend: retention dropped {} day partition(s)",
                    report.dropped_days.len()
                )
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => eprintln!("vigil backend: retention failed: {e}"),
            Err(e) => eprintln!("vigil backend: retention task failed: {e}"),
        }
    }
}
