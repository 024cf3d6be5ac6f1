//! The `EventStore` trait — everything the HTTP API needs from storage — and the types that cross
//! it. `sqlite` is the embedded implementation; other engines implement the same trait.
pub mod sqlite;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::record::ValidRecord;
use crate::signals::{Severity, SignalStatus};

/// Storage failure (I/O, corruption, schema): the request fails with 503/500, never a panic.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Stable identifier of a stored event (the day partition is encoded in its high bits).
pub type EventId = i64;

/// One record of a batch that failed validation, by its 0-based line number in the batch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordError {
    pub line: usize,
    pub error: String,
}

/// A validated batch ready to be stored atomically.
#[derive(Debug)]
pub struct IngestBatch {
    pub batch_id: String,
    pub received_ms: i64,
    pub records: Vec<ValidRecord>,
    pub rejected: Vec<RecordError>,
}

/// The answer to an ingest request; a retried batch gets the first answer back, marked duplicate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IngestReport {
    pub batch_id: String,
    pub accepted: usize,
    pub rejected: Vec<RecordError>,
    pub duplicate: bool,
}

/// Event fields promoted to indexed columns; the only fields SQL can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PromotedField {
    Host,
    RuleId,
    EventName,
    ProcessPath,
    ContainerId,
    FilePath,
}

impl PromotedField {
    pub const ALL: [PromotedField; 6] = [
        PromotedField::Host,
        PromotedField::RuleId,
        PromotedField::EventName,
        PromotedField::ProcessPath,
        PromotedField::ContainerId,
        PromotedField::FilePath,
    ];
}

/// A condition on one promoted field; several filters are AND-ed.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldFilter {
    pub field: PromotedField,
    pub test: FilterTest,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FilterTest {
    /// Equal to one of these values.
    OneOf(Vec<String>),
    /// Starts with this (non-empty) prefix.
    Prefix(String),
}

impl FieldFilter {
    pub fn one_of(field: PromotedField, values: Vec<String>) -> FieldFilter {
        FieldFilter {
            field,
            test: FilterTest::OneOf(values),
        }
    }
}

/// What SQL can select: a time range `[from_ms, to_ms)` and promoted-field filters.
#[derive(Debug, Clone, PartialEq)]
pub struct EventQuery {
    pub from_ms: i64,
    pub to_ms: i64,
    pub filters: Vec<FieldFilter>,
}

/// The part of a query SQL cannot answer, evaluated on each stored record that passed pushdown.
pub trait RecordPredicate: Send + Sync {
    /// `Err` means the record could not be evaluated; it counts as not matching.
    fn matches(&self, doc: &str) -> Result<bool, String>;
}

/// Position in the (time desc, id desc) order of search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub ts_ms: i64,
    pub id: EventId,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.ts_ms, self.id)
    }

    pub fn decode(text: &str) -> Result<Cursor, String> {
        let bad = || format!("invalid cursor `{text}`");
        let (ts, id) = text.split_once('.').ok_or_else(bad)?;
        Ok(Cursor {
            ts_ms: ts.parse().map_err(|_| bad())?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// Paging controls. `scan_budget` bounds the records the predicate may look at per page.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: usize,
    pub cursor: Option<Cursor>,
    pub scan_budget: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub id: EventId,
    pub ts_ms: i64,
    pub host: String,
    pub rule_id: String,
    pub doc: String,
}

impl StoredEvent {
    /// The API form: id, time and the record itself as JSON.
    pub fn to_json(&self) -> Value {
        let record =
            serde_json::from_str::<Value>(&self.doc).unwrap_or(Value::String(self.doc.clone()));
        serde_json::json!({
            "id": self.id,
            "date": crate::timefmt::format_rfc3339_ms(self.ts_ms),
            "host": self.host,
            "rule_id": self.rule_id,
            "record": record,
        })
    }
}

/// One page of results. `next_cursor` is set when more may follow; `complete` is false when the
/// scan budget ran out before `limit` matches were found (follow the cursor to continue).
#[derive(Debug, Clone)]
pub struct EventPage {
    pub events: Vec<StoredEvent>,
    pub next_cursor: Option<Cursor>,
    pub scanned: u64,
    pub eval_errors: u64,
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistogramBucket {
    pub start_ms: i64,
    pub count: u64,
}

#[derive(Debug, Clone)]
pub struct Histogram {
    pub buckets: Vec<HistogramBucket>,
    pub scanned: u64,
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Signal {
    pub id: i64,
    pub rule_id: String,
    pub host: String,
    pub group_key: String,
    pub title: String,
    pub severity: Severity,
    pub mitre_tactic: Option<String>,
    pub mitre_technique: Option<String>,
    pub status: SignalStatus,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub event_count: u64,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, Default)]
pub struct SignalFilter {
    pub status: Option<SignalStatus>,
    pub host: Option<String>,
    pub rule_id: Option<String>,
    /// Return signals with an id below this one (pagination, newest first).
    pub before_id: Option<i64>,
    pub limit: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HostInfo {
    pub hostname: String,
    pub agent_version: String,
    pub os: String,
    pub arch: String,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub last_heartbeat_ms: Option<i64>,
    pub uptime_seconds: Option<u64>,
    pub rules_loaded: Option<u64>,
    pub rules_failed: Option<u64>,
    pub lost_events: u64,
    pub events_received: u64,
    pub policies: Value,
}

/// A webhook delivery waiting in the durable outbox.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub url: String,
    pub payload: String,
    pub attempts: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetentionReport {
    pub dropped_days: Vec<i64>,
    pub pruned_batches: u64,
}

/// Storage for events, signals, hosts and notifications.
pub trait EventStore: Send + Sync {
    /// Stores a batch atomically and durably (with its signals, host updates and outbox rows).
    /// A batch id seen before returns the first report with `duplicate: true` and stores nothing.
    fn ingest(&self, batch: IngestBatch) -> StoreResult<IngestReport>;
    fn search(
        &self,
        query: &EventQuery,
        predicate: Option<&dyn RecordPredicate>,
        page: PageRequest,
    ) -> StoreResult<EventPage>;
    fn get_event(&self, id: EventId) -> StoreResult<Option<StoredEvent>>;
    fn histogram(
        &self,
        query: &EventQuery,
        predicate: Option<&dyn RecordPredicate>,
        interval_ms: i64,
        scan_budget: u64,
    ) -> StoreResult<Histogram>;
    fn list_signals(&self, filter: &SignalFilter) -> StoreResult<Vec<Signal>>;
    /// The signal and up to `event_limit` of its events (newest first).
    fn get_signal(
        &self,
        id: i64,
        event_limit: usize,
    ) -> StoreResult<Option<(Signal, Vec<StoredEvent>)>>;
    fn set_signal_status(
        &self,
        id: i64,
        status: SignalStatus,
        now_ms: i64,
    ) -> StoreResult<Option<Signal>>;
    fn hosts(&self) -> StoreResult<Vec<HostInfo>>;
    fn due_notifications(&self, now_ms: i64, limit: usize) -> StoreResult<Vec<Notification>>;
    /// Records a delivery attempt: delivered, retry at `retry_at_ms`, or given up (`None`).
    fn notification_attempted(&self, id: i64, outcome: DeliveryOutcome) -> StoreResult<()>;
    fn apply_retention(&self, now_ms: i64) -> StoreResult<RetentionReport>;
}

#[derive(Debug, Clone)]
pub enum DeliveryOutcome {
    Delivered,
    RetryAt { at_ms: i64, error: String },
    GaveUp { error: String },
}
