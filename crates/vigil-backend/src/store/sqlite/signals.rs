//! Signal, host and webhook-outbox tables: reads, status changes and delivery bookkeeping.
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::signals::{Severity, SignalStatus};
use crate::store::{
    DeliveryOutcome, EventId, HostInfo, Notification, Signal, SignalFilter, StoreError, StoreResult,
};

/// At most this many event links are kept per signal; `event_count` keeps counting past it.
pub const MAX_LINKED_EVENTS: i64 = 1000;

const SIGNAL_COLUMNS: &str =
    "id, rule_id, host, group_key, title, severity, mitre_tactic, mitre_technique,
    status, first_seen_ms, last_seen_ms, event_count, created_ms, updated_ms";

fn signal_from_row(row: &Row<'_>) -> rusqlite::Result<Signal> {
    let severity: String = row.get(5)?;
    let status: String = row.get(8)?;
    Ok(Signal {
        id: row.get(0)?,
        rule_id: row.get(1)?,
        host: row.get(2)?,
        group_key: row.get(3)?,
        title: row.get(4)?,
        severity: Severity::parse(&severity).unwrap_or_default(),
        mitre_tactic: row.get(6)?,
        mitre_technique: row.get(7)?,
        status: SignalStatus::parse(&status).unwrap_or(SignalStatus::Open),
        first_seen_ms: row.get(9)?,
        last_seen_ms: row.get(10)?,
        event_count: row.get::<_, i64>(11)? as u64,
        created_ms: row.get(12)?,
        updated_ms: row.get(13)?,
    })
}

pub fn load_signal(conn: &Connection, id: i64) -> StoreResult<Option<Signal>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {SIGNAL_COLUMNS} FROM signals WHERE id = ?1"
        ))?
        .query_row([id], signal_from_row)
        .optional()?)
}

/// Links events to a signal that already counted `counted_before` events, keeping at most
/// `MAX_LINKED_EVENTS` links (the first ones: how the signal started).
pub fn link_events(
    conn: &Connection,
    signal_id: i64,
    counted_before: i64,
    events: &[(EventId, i64)],
) -> StoreResult<()> {
    let room = (MAX_LINKED_EVENTS - counted_before).max(0) as usize;
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO signal_events(signal_id, event_id, ts_ms) VALUES (?1, ?2, ?3)",
    )?;
    for (event_id, ts) in events.iter().take(room) {
        stmt.execute(params![signal_id, event_id, ts])?;
    }
    Ok(())
}

pub fn list_signals(conn: &Connection, filter: &SignalFilter) -> StoreResult<Vec<Signal>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SIGNAL_COLUMNS} FROM signals
         WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR host = ?2) AND (?3 IS NULL OR rule_id = ?3)
           AND (?4 IS NULL OR id < ?4)
         ORDER BY id DESC LIMIT ?5"
    ))?;
    let rows = stmt.query_map(
        params![
            filter.status.map(SignalStatus::as_str),
            filter.host,
            filter.rule_id,
            filter.before_id,
            filter.limit as i64
        ],
        signal_from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Ids of the signal's linked events, newest first.
pub fn signal_event_ids(
    conn: &Connection,
    signal_id: i64,
    limit: usize,
) -> StoreResult<Vec<EventId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id FROM signal_events WHERE signal_id = ?1 ORDER BY ts_ms DESC, event_id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![signal_id, limit as i64], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_status(
    conn: &Connection,
    id: i64,
    status: SignalStatus,
    now_ms: i64,
) -> StoreResult<Option<Signal>> {
    let changed = conn
        .prepare_cached("UPDATE signals SET status = ?2, updated_ms = ?3 WHERE id = ?1")?
        .execute(params![id, status.as_str(), now_ms])?;
    if changed == 0 {
        return Ok(None);
    }
    load_signal(conn, id)
}

pub fn hosts(conn: &Connection) -> StoreResult<Vec<HostInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT hostname, agent_version, os, arch, first_seen_ms, last_seen_ms, last_heartbeat_ms,
             uptime_seconds, rules_loaded, rules_failed, lost_events, events_received, policies
         FROM hosts ORDER BY hostname",
    )?;
    let rows = stmt.query_map([], |r| {
        let policies: String = r.get(12)?;
        Ok(HostInfo {
            hostname: r.get(0)?,
            agent_version: r.get(1)?,
            os: r.get(2)?,
            arch: r.get(3)?,
            first_seen_ms: r.get(4)?,
            last_seen_ms: r.get(5)?,
            last_heartbeat_ms: r.get(6)?,
            uptime_seconds: r.get::<_, Option<i64>>(7)?.map(|v| v as u64),
            rules_loaded: r.get::<_, Option<i64>>(8)?.map(|v| v as u64),
            rules_failed: r.get::<_, Option<i64>>(9)?.map(|v| v as u64),
            lost_events: r.get::<_, i64>(10)? as u64,
            events_received: r.get::<_, i64>(11)? as u64,
            policies: serde_json::from_str(&policies).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn due_notifications(
    conn: &Connection,
    now_ms: i64,
    limit: usize,
) -> StoreResult<Vec<Notification>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, url, payload, attempts FROM webhook_outbox
         WHERE state = 'pending' AND next_attempt_ms <= ?1 ORDER BY next_attempt_ms, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now_ms, limit as i64], |r| {
        Ok(Notification {
            id: r.get(0)?,
            url: r.get(1)?,
            payload: r.get(2)?,
            attempts: r.get::<_, i64>(3)? as u32,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn notification_attempted(
    conn: &Connection,
    id: i64,
    outcome: &DeliveryOutcome,
) -> StoreResult<()> {
    let (state, next_ms, error): (&str, Option<i64>, Option<&str>) = match outcome {
        DeliveryOutcome::Delivered => ("delivered", None, None),
        DeliveryOutcome::RetryAt { at_ms, error } => ("pending", Some(*at_ms), Some(error)),
        DeliveryOutcome::GaveUp { error } => ("failed", None, Some(error)),
    };
    let changed = conn
        .prepare_cached(
            "UPDATE webhook_outbox SET attempts = attempts + 1, state = ?2,
                 next_attempt_ms = COALESCE(?3, next_attempt_ms), last_error = ?4 WHERE id = ?1",
        )?
        .execute(params![id, state, next_ms, error])?;
    if changed == 0 {
        return Err(StoreError::Invalid(format!("no webhook notification {id}")));
    }
    Ok(())
}
