//! SQLite schema: connection settings, versioned migrations (`PRAGMA user_version`) and the
//! per-day event partitions (`events_<day>` tables; retention drops whole tables).
use rusqlite::{Connection, Transaction};

use crate::store::{EventId, PromotedField, StoreError, StoreResult};
use crate::timefmt::DAY_MS;

/// Schema version this build writes. Each entry of `MIGRATIONS` moves the schema up by one.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

type Migration = fn(&Transaction<'_>) -> rusqlite::Result<()>;

const MIGRATIONS: &[Migration] = &[migration_1_initial];

fn migration_1_initial(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE partitions (day INTEGER PRIMARY KEY);
         CREATE TABLE batches (
             batch_id TEXT PRIMARY KEY,
             received_ms INTEGER NOT NULL,
             report TEXT NOT NULL
         );
         CREATE INDEX batches_received ON batches(received_ms);
         CREATE TABLE hosts (
             hostname TEXT PRIMARY KEY,
             agent_version TEXT NOT NULL DEFAULT '',
             os TEXT NOT NULL DEFAULT '',
             arch TEXT NOT NULL DEFAULT '',
             first_seen_ms INTEGER NOT NULL,
             last_seen_ms INTEGER NOT NULL,
             last_heartbeat_ms INTEGER,
             uptime_seconds INTEGER,
             rules_loaded INTEGER,
             rules_failed INTEGER,
             ruleset_ms INTEGER,
             policies TEXT NOT NULL DEFAULT '[]',
             lost_events INTEGER NOT NULL DEFAULT 0,
             events_received INTEGER NOT NULL DEFAULT 0
         );
         CREATE TABLE rules (
             host TEXT NOT NULL,
             rule_id TEXT NOT NULL,
             policy TEXT NOT NULL,
             version TEXT NOT NULL,
             expression TEXT NOT NULL,
             status TEXT NOT NULL,
             tags TEXT NOT NULL,
             PRIMARY KEY (host, rule_id)
         ) WITHOUT ROWID;
         CREATE TABLE signals (
             id INTEGER PRIMARY KEY,
             rule_id TEXT NOT NULL,
             host TEXT NOT NULL,
             group_key TEXT NOT NULL,
             title TEXT NOT NULL,
             severity TEXT NOT NULL,
             mitre_tactic TEXT,
             mitre_technique TEXT,
             status TEXT NOT NULL,
             first_seen_ms INTEGER NOT NULL,
             last_seen_ms INTEGER NOT NULL,
             event_count INTEGER NOT NULL,
             created_ms INTEGER NOT NULL,
             updated_ms INTEGER NOT NULL
         );
         CREATE INDEX signals_group ON signals(rule_id, host, group_key, last_seen_ms);
         CREATE INDEX signals_status ON signals(status, id);
         CREATE TABLE signal_events (
             signal_id INTEGER NOT NULL,
             event_id INTEGER NOT NULL,
             ts_ms INTEGER NOT NULL,
             PRIMARY KEY (signal_id, event_id)
         ) WITHOUT ROWID;
         CREATE TABLE webhook_outbox (
             id INTEGER PRIMARY KEY,
             url TEXT NOT NULL,
             payload TEXT NOT NULL,
             attempts INTEGER NOT NULL DEFAULT 0,
             next_attempt_ms INTEGER NOT NULL,
             state TEXT NOT NULL DEFAULT 'pending',
             last_error TEXT
         );
         CREATE INDEX webhook_due ON webhook_outbox(state, next_attempt_ms);",
    )
}

/// Settings for the single writer connection. `page_size` and `auto_vacuum` only take effect
/// on a new database, which is when they matter.
pub fn configure_writer(conn: &Connection) -> StoreResult<()> {
    conn.execute_batch(
        "PRAGMA page_size = 4096;
         PRAGMA auto_vacuum = INCREMENTAL;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA busy_timeout = 10000;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -262144;
         PRAGMA wal_autocheckpoint = 0;
         PRAGMA journal_size_limit = 67108864;",
    )?;
    // Plans must not depend on bound values: otherwise SQLite re-prepares cached statements
    // whenever a value changes, which dominated ingest CPU time.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

pub fn configure_reader(conn: &Connection) -> StoreResult<()> {
    conn.execute_batch(
        "PRAGMA busy_timeout = 10000;
         PRAGMA query_only = 1;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32768;",
    )?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

/// Brings the schema to `SCHEMA_VERSION`, refusing a database written by a newer Vigil.
pub fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::Invalid(format!(
            "database schema version {current} is newer than this Vigil supports ({SCHEMA_VERSION})"
        )));
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        migration(&tx)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Day number (days since the Unix epoch) of a timestamp.
pub fn day_of(ts_ms: i64) -> i64 {
    ts_ms.div_euclid(DAY_MS)
}

pub fn partition_table(day: i64) -> String {
    format!("events_{day}")
}

/// Ids carry their partition: `day << 32 | sequence within the day`.
pub fn event_id(day: i64, seq: i64) -> EventId {
    (day << 32) | seq
}

pub fn day_of_event(id: EventId) -> i64 {
    id >> 32
}

pub fn column(field: PromotedField) -> &'static str {
    match field {
        PromotedField::Host => "host",
        PromotedField::RuleId => "rule_id",
        PromotedField::EventName => "evt_name",
        PromotedField::ProcessPath => "exe_path",
        PromotedField::ContainerId => "container_id",
        PromotedField::FilePath => "file_path",
    }
}

/// Creates the partition of `day` (table, indexes, registry row) inside the ingest transaction.
pub fn create_partition(tx: &Transaction<'_>, day: i64) -> rusqlite::Result<()> {
    let t = partition_table(day);
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {t} (
             id INTEGER PRIMARY KEY,
             ts INTEGER NOT NULL,
             host TEXT NOT NULL,
             rule_id TEXT NOT NULL,
             evt_name TEXT NOT NULL,
             exe_path TEXT,
             container_id TEXT,
             file_path TEXT,
             doc TEXT NOT NULL
         );
         CREATE INDEX IF NOT EXISTS {t}_ts ON {t}(ts);
         CREATE INDEX IF NOT EXISTS {t}_host ON {t}(host, ts);
         CREATE INDEX IF NOT EXISTS {t}_rule ON {t}(rule_id, ts);
         CREATE INDEX IF NOT EXISTS {t}_evt ON {t}(evt_name, ts);
         CREATE INDEX IF NOT EXISTS {t}_exe ON {t}(exe_path, ts) WHERE exe_path IS NOT NULL;
         CREATE INDEX IF NOT EXISTS {t}_container ON {t}(container_id, ts) WHERE container_id IS NOT NULL;
         CREATE INDEX IF NOT EXISTS {t}_file ON {t}(file_path, ts) WHERE file_path IS NOT NULL;
         INSERT OR IGNORE INTO partitions(day) VALUES ({day});"
    ))
}

pub fn drop_partition(tx: &Transaction<'_>, day: i64) -> rusqlite::Result<()> {
    let t = partition_table(day);
    tx.execute_batch(&format!(
        "DROP TABLE IF EXISTS {t}; DELETE FROM partitions WHERE day = {day};"
    ))
}

/// Existing partitions overlapping `[from_ms, to_ms)`, newest first.
pub fn partitions_in(conn: &Connection, from_ms: i64, to_ms: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT day FROM partitions WHERE day BETWEEN ?1 AND ?2 ORDER BY day DESC",
    )?;
    let days = stmt.query_map([day_of(from_ms), day_of(to_ms - 1)], |r| r.get(0))?;
    days.collect()
}
