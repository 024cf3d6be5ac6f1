//! The embedded event store: one SQLite database (`<data-dir>/vigil.db`, WAL) holding day
//! partitions of events plus signals, hosts, rules, batch ids and the webhook outbox.
//! One writer connection (behind a mutex), a small pool of read-only connections.
mod checkpoint;
mod ingest;
mod schema;
mod search;
mod signals;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use writer::WriterThread;

use rusqlite::{params, Connection, OpenFlags};

pub use schema::SCHEMA_VERSION;

use crate::signals::{SignalPolicy, SignalStatus};
use crate::store::{
    DeliveryOutcome, EventId, EventPage, EventQuery, EventStore, Histogram, HostInfo, IngestBatch,
    IngestReport, Notification, PageRequest, RecordPredicate, RetentionReport, Signal,
    SignalFilter, StoreResult, StoredEvent,
};
use crate::timefmt::DAY_MS;
use crate::webhook::WebhookSink;

/// Read connections kept open between requests.
const MAX_IDLE_READERS: usize = 4;

#[derive(Debug, Clone)]
pub struct SqliteConfig {
    pub data_dir: PathBuf,
    pub retention_days: u32,
    pub signal_policy: SignalPolicy,
    pub webhooks: Vec<WebhookSink>,
}

pub struct SqliteStore {
    path: PathBuf,
    retention_days: u32,
    writer: WriterThread,
    _checkpointer: checkpoint::Checkpointer,
    idle_readers: Mutex<Vec<Connection>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll back).
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the store in `config.data_dir`.
    pub fn open(config: SqliteConfig) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(&config.data_dir)?;
        let path = config.data_dir.join("vigil.db");
        let mut conn = Connection::open(&path)?;
        schema::configure_writer(&conn)?;
        schema::migrate(&mut conn)?;
        let writer = ingest::Writer::new(conn)?;
        let checkpointer = checkpoint::Checkpointer::start(&path)?;
        Ok(SqliteStore {
            path,
            retention_days: config.retention_days.max(1),
            writer: WriterThread::start(writer, config.signal_policy, config.webhooks)?,
            _checkpointer: checkpointer,
            idle_readers: Mutex::new(Vec::new()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with_reader<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let pooled = lock(&self.idle_readers).pop();
        let mut conn = match pooled {
            Some(conn) => conn,
            None => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                schema::configure_reader(&conn)?;
                conn
            }
        };
        let result = work(&mut conn);
        let mut idle = lock(&self.idle_readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }
}

impl EventStore for SqliteStore {
    fn ingest(&self, batch: IngestBatch) -> StoreResult<IngestReport> {
        self.writer.ingest(batch)
    }

    fn search(
        &self,
        query: &EventQuery,
        predicate: Option<&dyn RecordPredicate>,
        page: PageRequest,
    ) -> StoreResult<EventPage> {
        self.with_reader(|conn| search::search(conn, query, predicate, page))
    }

    fn get_event(&self, id: EventId) -> StoreResult<Option<StoredEvent>> {
        self.with_reader(|conn| search::get_event(conn, id))
    }

    fn histogram(
        &self,
        query: &EventQuery,
        predicate: Option<&dyn RecordPredicate>,
        interval_ms: i64,
        scan_budget: u64,
    ) -> StoreResult<Histogram> {
        self.with_reader(|conn| search::histogram(conn, query, predicate, interval_ms, scan_budget))
    }

    fn list_signals(&self, filter: &SignalFilter) -> StoreResult<Vec<Signal>> {
        self.with_reader(|conn| signals::list_signals(conn, filter))
    }

    fn get_signal(
        &self,
        id: i64,
        event_limit: usize,
    ) -> StoreResult<Option<(Signal, Vec<StoredEvent>)>> {
        self.with_reader(|conn| {
            let tx = conn.transaction()?;
            let Some(signal) = signals::load_signal(&tx, id)? else {
                return Ok(None);
            };
            let mut events = Vec::new();
            for event_id in signals::signal_event_ids(&tx, id, event_limit)? {
                // Events dropped by retention are simply no longer listed.
                if let Some(event) = search::get_event(&tx, event_id)? {
                    events.push(event);
                }
            }
            Ok(Some((signal, events)))
        })
    }

    fn set_signal_status(
        &self,
        id: i64,
        status: SignalStatus,
        now_ms: i64,
    ) -> StoreResult<Option<Signal>> {
        self.writer
            .run(move |w| signals::set_status(&w.conn, id, status, now_ms))
    }

    fn hosts(&self) -> StoreResult<Vec<HostInfo>> {
        self.with_reader(|conn| signals::hosts(conn))
    }

    fn due_notifications(&self, now_ms: i64, limit: usize) -> StoreResult<Vec<Notification>> {
        self.with_reader(|conn| signals::due_notifications(conn, now_ms, limit))
    }

    fn notification_attempted(&self, id: i64, outcome: DeliveryOutcome) -> StoreResult<()> {
        self.writer
            .run(move |w| signals::notification_attempted(&w.conn, id, &outcome))
    }

    /// Drops day partitions older than the retention window, prunes batch ids and finished
    /// notifications of the same age, then returns freed pages to the file system.
    fn apply_retention(&self, now_ms: i64) -> StoreResult<RetentionReport> {
        let retention_days = self.retention_days;
        self.writer
            .run(move |writer| drop_expired(writer, now_ms, retention_days))
    }
}

/// Drops day partitions older than the retention window, prunes batch ids, signal links and
/// finished notifications of the same age, then returns freed pages to the file system.
fn drop_expired(
    writer: &mut ingest::Writer,
    now_ms: i64,
    retention_days: u32,
) -> StoreResult<RetentionReport> {
    let oldest_kept_day = now_ms.div_euclid(DAY_MS) - i64::from(retention_days) + 1;
    let cutoff_ms = oldest_kept_day * DAY_MS;
    let expired: Vec<i64> = writer
        .partitions
        .iter()
        .copied()
        .filter(|d| *d < oldest_kept_day)
        .collect();
    let tx = writer.conn.transaction()?;
    for day in &expired {
        schema::drop_partition(&tx, *day)?;
    }
    let pruned_batches =
        tx.execute("DELETE FROM batches WHERE received_ms < ?1", [cutoff_ms])? as u64;
    tx.execute("DELETE FROM signal_events WHERE ts_ms < ?1", [cutoff_ms])?;
    tx.execute(
        "DELETE FROM webhook_outbox WHERE state <> 'pending' AND next_attempt_ms < ?1",
        params![cutoff_ms],
    )?;
    tx.commit()?;
    for day in &expired {
        writer.forget_partition(*day);
    }
    writer.conn.execute_batch("PRAGMA incremental_vacuum;")?;
    Ok(RetentionReport {
        dropped_days: expired,
        pruned_batches,
    })
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}
