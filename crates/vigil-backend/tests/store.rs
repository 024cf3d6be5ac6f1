//! Store-level tests of the SQLite implementation: persistence across reopen, day-partition
//! retention, and schema-version handling.
mod common;

use common::*;
use vigil_backend::intake::parse_batch;
use vigil_backend::record::AcceptWindow;
use vigil_backend::signals::SignalPolicy;
use vigil_backend::store::sqlite::{SqliteConfig, SqliteStore, SCHEMA_VERSION};
use vigil_backend::store::{EventQuery, EventStore, PageRequest, SignalFilter};
use vigil_backend::timefmt::{now_ms, DAY_MS};

fn open(dir: &std::path::Path, retention_days: u32) -> Result<SqliteStore, String> {
    SqliteStore::open(SqliteConfig {
        data_dir: dir.to_owned(),
        retention_days,
        signal_policy: SignalPolicy::default(),
        webhooks: vec![],
    })
    .map_err(|e| e.to_string())
}

fn store_batch(store: &SqliteStore, id: &str, records: &[serde_json::Value]) {
    let window = AcceptWindow::for_retention(now_ms(), 30);
    let batch = parse_batch(id.into(), lines(records).as_bytes(), window, now_ms()).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    store.ingest(batch).unwrap();
}

fn count(store: &SqliteStore) -> usize {
    let query = EventQuery {
        from_ms: 0,
        to_ms: i64::MAX / 2,
        filters: vec![],
    };
    store
        .search(
            &query,
            None,
            PageRequest {
                limit: 1000,
                cursor: None,
                scan_budget: 1000,
            },
        )
        .unwrap()
        .events
        .len()
}

#[test]
fn data_survives_reopen_and_retention_drops_whole_days() {
    let dir = tempfile::tempdir().unwrap();
    let now = now_ms();
    let today_start = now - now.rem_euclid(DAY_MS);
    {
        let store = open(dir.path(), 2).unwrap();
        store_batch(
            &store,
            "b1",
            &[
                record("h", "r", "/bin/cat", today_start - 600_000), // yesterday
                record("h", "r", "/bin/cat", today_start + 1),       // today
            ],
        );
    }
    let store = open(dir.path(), 2).unwrap();
    assert_eq!(count(&store), 2);
    assert_eq!(
        store.apply_retention(now).unwrap().dropped_days,
        Vec::<i64>::new()
    );
    // A day later, yesterday's partition is past the 2-day window.
    let report = store.apply_retention(now + DAY_MS).unwrap();
    assert_eq!(report.dropped_days, vec![today_start / DAY_MS - 1]);
    assert_eq!(count(&store), 1);
    // Signals outlive their events; the detail just lists what is left.
    let signals = store
        .list_signals(&SignalFilter {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(signals.len(), 1);
    assert_eq!(signals[0].event_count, 2);
    let (_, events) = store.get_signal(signals[0].id, 10).unwrap().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    // Batch ids are pruned with the data, new batches still land in today's partition.
    let report = store.apply_retention(now + 2 * DAY_MS).unwrap();
    assert_eq!(report.dropped_days, vec![today_start / DAY_MS]);
    assert_eq!(report.pruned_batches, 1);
    assert_eq!(count(&store), 0);
}

#[test]
fn refuses_a_newer_schema_and_records_its_version() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path(), 30).unwrap());
    let db = dir.path().join("vigil.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let error = open(dir.path(), 30).unwrap_err();
    assert!(error.contains("newer than this Vigil supports"), "{error}");
}
