//! Agent-side forwarding of output records to a backend: records are batched (by count, size
//! and time), gzip-compressed and POSTed with an idempotency batch id; failed deliveries go to a
//! bounded on-disk spool that is drained oldest-first with exponential backoff. Nothing is lost
//! unless the in-memory queue or the spool is full — then the loss is counted (`take_lost`).
mod spool;
mod transport;

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use flate2::write::GzEncoder;

pub use spool::{SealedBatch, Spool};
pub use transport::SendOutcome;
use transport::Transport;

/// Spooled batches sent per loop turn before new records are taken in again.
const DRAIN_BURST: usize = 16;

#[derive(Debug, Clone)]
pub struct ForwarderConfig {
    /// Backend base URL, e.g. `http://127.0.0.1:8470`.
    pub url: String,
    pub api_key: String,
    pub spool_dir: PathBuf,
    /// Bytes of compressed batches the spool may hold.
    pub spool_max_bytes: u64,
    pub batch_max_records: usize,
    /// Uncompressed bytes per batch.
    pub batch_max_bytes: usize,
    /// A partly filled batch is sent after this long.
    pub flush_interval: Duration,
    /// Records buffered in memory between the caller and the forwarder thread.
    pub queue_capacity: usize,
    pub request_timeout: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
}

impl ForwarderConfig {
    /// Defaults: 256 MiB spool, batches of ≤1000 records / 4 MiB / 1 s, 100k-record queue,
    /// 10 s requests, backoff 250 ms doubling to 30 s.
    pub fn new(
        url: impl Into<String>,
        api_key: impl Into<String>,
        spool_dir: impl Into<PathBuf>,
    ) -> ForwarderConfig {
        ForwarderConfig {
            url: url.into(),
            api_key: api_key.into(),
            spool_dir: spool_dir.into(),
            spool_max_bytes: 256 << 20,
            batch_max_records: 1000,
            batch_max_bytes: 4 << 20,
            flush_interval: Duration::from_secs(1),
            queue_capacity: 100_000,
            request_timeout: Duration::from_secs(10),
            backoff_initial: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
        }
    }
}

/// Counters of a forwarder since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ForwarderStats {
    /// Records in batches the backend acknowledged.
    pub acked_records: u64,
    pub acked_batches: u64,
    /// Records the backend refused individually (validation errors).
    pub rejected_records: u64,
    /// Records dropped: queue full, spool full, or a batch the backend can never accept.
    pub lost_records: u64,
    pub failed_attempts: u64,
    pub spooled_batches: u64,
    pub spooled_bytes: u64,
}

#[derive(Default)]
struct Counters {
    acked_records: AtomicU64,
    acked_batches: AtomicU64,
    rejected_records: AtomicU64,
    lost_records: AtomicU64,
    lost_reported: AtomicU64,
    failed_attempts: AtomicU64,
    spooled_batches: AtomicU64,
    spooled_bytes: AtomicU64,
}

enum Message {
    Record(String),
    Flush(mpsc::Sender<()>),
    Shutdown,
}

pub struct Forwarder {
    tx: SyncSender<Message>,
    counters: Arc<Counters>,
    thread: Option<JoinHandle<()>>,
}

impl Forwarder {
    /// Opens the spool (recovering batches of a previous run) and starts the sending thread.
    pub fn start(config: ForwarderConfig) -> anyhow::Result<Forwarder> {
        if !config.url.starts_with("http://") {
            anyhow::bail!(
                "backend URL `{}` must start with http:// (this build has no TLS client)",
                config.url
            );
        }
        let spool = Spool::open(&config.spool_dir, config.spool_max_bytes).map_err(|e| {
            anyhow::anyhow!("cannot open spool {}: {e}", config.spool_dir.display())
        })?;
        let counters = Arc::new(Counters::default());
        let (tx, rx) = mpsc::sync_channel(config.queue_capacity.max(1));
        let worker = Worker::new(config, spool, counters.clone());
        let thread = std::thread::Builder::new()
            .name("vigil-forwarder".into())
            .spawn(move || worker.run(rx))?;
        Ok(Forwarder {
            tx,
            counters,
            thread: Some(thread),
        })
    }

    /// Queues one serialized record (one JSON line, no trailing newline). Never blocks; a full
    /// queue drops the record and counts it as lost.
    pub fn send(&self, line: String) {
        match self.tx.try_send(Message::Record(line)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.counters.lost_records.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Waits until every record queued so far is acknowledged by the backend (`true`), or
    /// `timeout` passes (`false`).
    pub fn flush(&self, timeout: Duration) -> bool {
        let (done_tx, done_rx) = mpsc::channel();
        let deadline = Instant::now() + timeout;
        let mut message = Message::Flush(done_tx);
        loop {
            match self.tx.try_send(message) {
                Ok(()) => break,
                Err(TrySendError::Full(m)) if Instant::now() < deadline => {
                    message = m;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return false,
            }
        }
        done_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok()
    }

    pub fn stats(&self) -> ForwarderStats {
        let c = &self.counters;
        ForwarderStats {
            acked_records: c.acked_records.load(Ordering::Relaxed),
            acked_batches: c.acked_batches.load(Ordering::Relaxed),
            rejected_records: c.rejected_records.load(Ordering::Relaxed),
            lost_records: c.lost_records.load(Ordering::Relaxed),
            failed_attempts: c.failed_attempts.load(Ordering::Relaxed),
            spooled_batches: c.spooled_batches.load(Ordering::Relaxed),
            spooled_bytes: c.spooled_bytes.load(Ordering::Relaxed),
        }
    }

    /// Records lost since the previous call: the `spool` count of the agent's `lost_events`.
    pub fn take_lost(&self) -> u64 {
        let total = self.counters.lost_records.load(Ordering::Relaxed);
        let reported = self.counters.lost_reported.swap(total, Ordering::Relaxed);
        total.saturating_sub(reported)
    }

    /// Tries to deliver everything within `timeout`, then stops; what is still undelivered stays
    /// in the spool for the next start.
    pub fn shutdown(mut self, timeout: Duration) -> ForwarderStats {
        self.flush(timeout);
        self.stop();
        self.stats()
    }

    fn stop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = self.tx.send(Message::Shutdown);
            let _ = thread.join();
        }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The forwarder thread's state.
struct Worker {
    config: ForwarderConfig,
    transport: Transport,
    spool: Spool,
    counters: Arc<Counters>,
    pending: Vec<String>,
    pending_bytes: usize,
    pending_since: Option<Instant>,
    next_attempt: Instant,
    backoff: Duration,
    id_prefix: String,
    next_batch: u64,
    flush_waiters: Vec<mpsc::Sender<()>>,
}

impl Worker {
    fn new(config: ForwarderConfig, spool: Spool, counters: Arc<Counters>) -> Worker {
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let worker = Worker {
            transport: Transport::new(&config.url, &config.api_key, config.request_timeout),
            backoff: config.backoff_initial,
            config,
            spool,
            counters,
            pending: Vec::new(),
            pending_bytes: 0,
            pending_since: None,
            next_attempt: Instant::now(),
            id_prefix: format!("{started:x}-{:x}", std::process::id()),
            next_batch: 0,
            flush_waiters: Vec::new(),
        };
        worker.publish_spool_size();
        worker
    }

    fn run(mut self, rx: Receiver<Message>) {
        loop {
            match rx.recv_timeout(self.wait_time()) {
                Ok(Message::Record(line)) => self.add(line),
                Ok(Message::Flush(waiter)) => {
                    self.seal_and_dispatch();
                    self.flush_waiters.push(waiter);
                }
                Ok(Message::Shutdown) | Err(RecvTimeoutError::Disconnected) => {
                    self.seal_to_spool();
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if self
                .pending_since
                .is_some_and(|t| t.elapsed() >= self.config.flush_interval)
            {
                self.seal_and_dispatch();
            }
            self.drain_spool();
            if self.pending.is_empty() && self.spool.is_empty() {
                for waiter in self.flush_waiters.drain(..) {
                    let _ = waiter.send(());
                }
            }
        }
    }

    /// How long to wait for a record before there is other work (batch timer, retry).
    fn wait_time(&self) -> Duration {
        let mut wait = Duration::from_secs(1);
        if let Some(since) = self.pending_since {
            wait = wait.min(self.config.flush_interval.saturating_sub(since.elapsed()));
        }
        if !self.spool.is_empty() {
            wait = wait.min(self.next_attempt.saturating_duration_since(Instant::now()));
        }
        wait
    }

    fn add(&mut self, line: String) {
        if line.len() + 1 > self.config.batch_max_bytes {
            self.counters.lost_records.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if self.pending_bytes + line.len() + 1 > self.config.batch_max_bytes {
            self.seal_and_dispatch();
        }
        self.pending_bytes += line.len() + 1;
        self.pending.push(line);
        self.pending_since.get_or_insert_with(Instant::now);
        if self.pending.len() >= self.config.batch_max_records {
            self.seal_and_dispatch();
        }
    }

    fn seal(&mut self) -> Option<SealedBatch> {
        if self.pending.is_empty() {
            return None;
        }
        let mut encoder = GzEncoder::new(
            Vec::with_capacity(self.pending_bytes / 4),
            flate2::Compression::fast(),
        );
        for line in &self.pending {
            // Writing to a Vec cannot fail.
            let _ = encoder.write_all(line.as_bytes());
            let _ = encoder.write_all(b"\n");
        }
        let body = encoder.finish().unwrap_or_default();
        let batch = SealedBatch {
            id: format!("{}-{}", self.id_prefix, self.next_batch),
            records: self.pending.len() as u64,
            body,
        };
        self.next_batch += 1;
        self.pending.clear();
        self.pending_bytes = 0;
        self.pending_since = None;
        Some(batch)
    }

    /// Sends the pending batch directly when nothing is queued before it, else spools it.
    fn seal_and_dispatch(&mut self) {
        let Some(batch) = self.seal() else { return };
        if self.spool.is_empty() && Instant::now() >= self.next_attempt {
            match self.transport.send(&batch) {
                SendOutcome::Retry(_) => {
                    self.attempt_failed();
                    self.spool_batch(&batch);
                }
                outcome => self.settle(&batch, outcome),
            }
        } else {
            self.spool_batch(&batch);
        }
    }

    fn seal_to_spool(&mut self) {
        if let Some(batch) = self.seal() {
            self.spool_batch(&batch);
        }
    }

    fn spool_batch(&mut self, batch: &SealedBatch) {
        match self.spool.push(batch) {
            Ok(()) => {}
            Err(spool::PushError::Full) => {
                self.counters
                    .lost_records
                    .fetch_add(batch.records, Ordering::Relaxed);
            }
            Err(spool::PushError::Io(e)) => {
                eprintln!("vigil forwarder: cannot spool batch {}: {e}", batch.id);
                self.counters
                    .lost_records
                    .fetch_add(batch.records, Ordering::Relaxed);
            }
        }
        self.publish_spool_size();
    }

    /// Sends spooled batches oldest first while the backend accepts them.
    fn drain_spool(&mut self) {
        for _ in 0..DRAIN_BURST {
            if self.spool.is_empty() || Instant::now() < self.next_attempt {
                return;
            }
            let batch = match self.spool.front() {
                Some(Ok(batch)) => batch,
                Some(Err(e)) => {
                    eprintln!("vigil forwarder: unreadable spooled batch dropped: {e}");
                    self.drop_front(None);
                    continue;
                }
                None => return,
            };
            match self.transport.send(&batch) {
                SendOutcome::Retry(_) => {
                    self.attempt_failed();
                    return;
                }
                outcome => {
                    self.settle(&batch, outcome);
                    self.drop_front(Some(&batch));
                }
            }
        }
    }

    fn drop_front(&mut self, batch: Option<&SealedBatch>) {
        if let Err(e) = self.spool.pop_front() {
            let id = batch.map_or("?", |b| b.id.as_str());
            eprintln!("vigil forwarder: cannot remove spooled batch {id}: {e}");
        }
        self.publish_spool_size();
    }

    /// Accounts for a final outcome (acknowledged or permanently refused).
    fn settle(&mut self, batch: &SealedBatch, outcome: SendOutcome) {
        match outcome {
            SendOutcome::Acked { rejected } => {
                self.counters.acked_batches.fetch_add(1, Ordering::Relaxed);
                self.counters.acked_records.fetch_add(
                    batch.records - rejected.min(batch.records),
                    Ordering::Relaxed,
                );
                self.counters
                    .rejected_records
                    .fetch_add(rejected, Ordering::Relaxed);
                self.backoff = self.config.backoff_initial;
                self.next_attempt = Instant::now();
            }
            SendOutcome::Permanent(reason) => {
                eprintln!(
                    "vigil forwarder: backend refused batch {} ({} records): {reason}",
                    batch.id, batch.records
                );
                self.counters
                    .lost_records
                    .fetch_add(batch.records, Ordering::Relaxed);
            }
            SendOutcome::Retry(_) => self.attempt_failed(),
        }
    }

    fn attempt_failed(&mut self) {
        self.counters
            .failed_attempts
            .fetch_add(1, Ordering::Relaxed);
        // Up to 25% jitter so that many agents do not retry in lockstep.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        let jitter = self.backoff.mul_f64(f64::from(nanos % 250) / 1000.0);
        self.next_attempt = Instant::now() + self.backoff + jitter;
        self.backoff = (self.backoff * 2).min(self.config.backoff_max);
    }

    fn publish_spool_size(&self) {
        self.counters
            .spooled_batches
            .store(self.spool.batches() as u64, Ordering::Relaxed);
        self.counters
            .spooled_bytes
            .store(self.spool.bytes(), Ordering::Relaxed);
    }
}
