//! The write path: one IMMEDIATE transaction per group of batches stores the events, the batch id (for
//! idempotent retries), host and rule state, signals and webhook outbox rows, then commits with
//! `synchronous=FULL` so the batch is durable before the caller answers 2xx.
use std::collections::{BTreeSet, HashMap};

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{Map, Value};

use super::schema::{create_partition, day_of, event_id, partition_table, partitions_in};
use crate::record::{RecordKind, ValidRecord};
use crate::signals::{detect, DetectionOutcome, GroupKey, NewSignal, SignalLedger, SignalPolicy};
use crate::store::{EventId, IngestBatch, IngestReport, StoreError, StoreResult};
use crate::webhook::{signal_payload, WebhookSink};

/// Holds the only write connection and what it caches about partitions.
pub struct Writer {
    pub conn: Connection,
    /// Days whose partition table exists.
    pub partitions: BTreeSet<i64>,
    /// Next free sequence number per day partition.
    next_seq: HashMap<i64, i64>,
}

impl Writer {
    pub fn new(conn: Connection) -> StoreResult<Writer> {
        let partitions = {
            let mut stmt = conn.prepare("SELECT day FROM partitions")?;
            let days = stmt.query_map([], |r| r.get(0))?;
            days.collect::<rusqlite::Result<BTreeSet<i64>>>()?
        };
        Ok(Writer {
            conn,
            partitions,
            next_seq: HashMap::new(),
        })
    }

    pub fn forget_partition(&mut self, day: i64) {
        self.partitions.remove(&day);
        self.next_seq.remove(&day);
    }
}

/// Everything ingest needs besides the connection.
pub struct IngestContext<'a> {
    pub policy: &'a SignalPolicy,
    pub sinks: &'a [WebhookSink],
}

/// Stores several batches in one transaction (group commit). On failure nothing of the group
/// is stored.
pub fn ingest_group(
    writer: &mut Writer,
    ctx: &IngestContext<'_>,
    batches: &[IngestBatch],
) -> StoreResult<Vec<IngestReport>> {
    let mut created_partitions = Vec::new();
    let result = ingest_in_transaction(writer, ctx, batches, &mut created_partitions);
    if result.is_err() {
        // The transaction rolled back: partitions created in it do not exist.
        for day in created_partitions {
            writer.forget_partition(day);
        }
    }
    result
}

fn ingest_in_transaction(
    writer: &mut Writer,
    ctx: &IngestContext<'_>,
    batches: &[IngestBatch],
    created_partitions: &mut Vec<i64>,
) -> StoreResult<Vec<IngestReport>> {
    let Writer {
        conn,
        partitions,
        next_seq,
    } = writer;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut reports = Vec::with_capacity(batches.len());
    for batch in batches {
        reports.push(ingest_batch(
            &tx,
            partitions,
            next_seq,
            ctx,
            batch,
            created_partitions,
        )?);
    }
    tx.commit()?;
    Ok(reports)
}

fn ingest_batch(
    tx: &Transaction<'_>,
    partitions: &mut BTreeSet<i64>,
    next_seq: &mut HashMap<i64, i64>,
    ctx: &IngestContext<'_>,
    batch: &IngestBatch,
    created_partitions: &mut Vec<i64>,
) -> StoreResult<IngestReport> {
    let previous: Option<String> = tx
        .prepare_cached("SELECT report FROM batches WHERE batch_id = ?1")?
        .query_row([&batch.batch_id], |r| r.get(0))
        .optional()?;
    if let Some(text) = previous {
        let mut report: IngestReport = serde_json::from_str(&text)
            .map_err(|e| StoreError::Invalid(format!("stored batch report unreadable: {e}")))?;
        report.duplicate = true;
        return Ok(report);
    }
    upsert_hosts(tx, batch)?;
    for record in &batch.records {
        let day = day_of(record.ts_ms);
        if !partitions.contains(&day) {
            create_partition(tx, day)?;
            partitions.insert(day);
            created_partitions.push(day);
        }
        let id = insert_event(tx, next_seq, day, record)?;
        apply_record_meaning(tx, ctx, record, id, batch.received_ms)?;
    }
    let report = IngestReport {
        batch_id: batch.batch_id.clone(),
        accepted: batch.records.len(),
        rejected: batch.rejected.clone(),
        duplicate: false,
    };
    let report_json =
        serde_json::to_string(&report).map_err(|e| StoreError::Invalid(e.to_string()))?;
    tx.prepare_cached("INSERT INTO batches(batch_id, received_ms, report) VALUES (?1, ?2, ?3)")?
        .execute(params![batch.batch_id, batch.received_ms, report_json])?;
    Ok(report)
}

/// Signals for security events; host and rule state for the agent's custom events.
fn apply_record_meaning(
    tx: &Transaction<'_>,
    ctx: &IngestContext<'_>,
    record: &ValidRecord,
    id: EventId,
    now_ms: i64,
) -> StoreResult<()> {
    match &record.kind {
        RecordKind::Security => {
            let mut ledger = TxLedger { tx, now_ms };
            if let DetectionOutcome::Created {
                signal_id,
                attribution,
            } = detect(&mut ledger, ctx.policy, record, id)?
            {
                enqueue_notifications(
                    tx,
                    ctx.sinks,
                    signal_id,
                    &record.rule_id,
                    attribution.severity,
                    now_ms,
                )?;
            }
        }
        RecordKind::RulesetLoaded(loaded) => record_ruleset(tx, record, loaded)?,
        RecordKind::Heartbeat(beat) => {
            tx.prepare_cached(
                "UPDATE hosts SET last_heartbeat_ms = ?2, uptime_seconds = ?3, rules_loaded = ?4,
                     rules_failed = ?5, policies = ?6
                 WHERE hostname = ?1 AND COALESCE(last_heartbeat_ms, -1) <= ?2",
            )?
            .execute(params![
                record.host,
                record.ts_ms,
                beat.uptime_seconds as i64,
                beat.rules_loaded as i64,
                beat.rules_failed as i64,
                Value::Array(beat.policies.clone()).to_string()
            ])?;
        }
        RecordKind::LostEvents(lost) => {
            tx.prepare_cached(
                "UPDATE hosts SET lost_events = lost_events + ?2 WHERE hostname = ?1",
            )?
            .execute(params![record.host, lost.total as i64])?;
        }
        RecordKind::OtherCustom => {}
    }
    Ok(())
}

fn insert_event(
    tx: &Transaction<'_>,
    next_seq: &mut HashMap<i64, i64>,
    day: i64,
    record: &ValidRecord,
) -> StoreResult<EventId> {
    let table = partition_table(day);
    let seq = match next_seq.get(&day) {
        Some(seq) => *seq,
        None => {
            let max: Option<i64> =
                tx.query_row(&format!("SELECT max(id) FROM {table}"), [], |r| r.get(0))?;
            max.map_or(1, |id| (id & 0xffff_ffff) + 1)
        }
    };
    next_seq.insert(day, seq + 1);
    let id = event_id(day, seq);
    tx.prepare_cached(&format!(
        "INSERT INTO {table}(id, ts, host, rule_id, evt_name, exe_path, container_id, file_path, doc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    ))?
    .execute(params![
        id,
        record.ts_ms,
        record.host,
        record.rule_id,
        record.evt_name,
        record.exe_path,
        record.container_id,
        record.file_path,
        record.doc
    ])?;
    Ok(id)
}

/// One upsert per host of the batch: agent identity, last seen (server clock), event count.
fn upsert_hosts(tx: &Transaction<'_>, batch: &IngestBatch) -> StoreResult<()> {
    let mut per_host: HashMap<&str, (&ValidRecord, i64)> = HashMap::new();
    for record in &batch.records {
        per_host
            .entry(record.host.as_str())
            .or_insert((record, 0))
            .1 += 1;
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO hosts(hostname, agent_version, os, arch, first_seen_ms, last_seen_ms, events_received)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)
         ON CONFLICT(hostname) DO UPDATE SET
             agent_version = CASE WHEN excluded.agent_version <> '' THEN excluded.agent_version ELSE agent_version END,
             os = CASE WHEN excluded.os <> '' THEN excluded.os ELSE os END,
             arch = CASE WHEN excluded.arch <> '' THEN excluded.arch ELSE arch END,
             last_seen_ms = max(last_seen_ms, excluded.last_seen_ms),
             events_received = events_received + excluded.events_received",
    )?;
    for (host, (record, count)) in per_host {
        stmt.execute(params![
            host,
            record.agent.version,
            record.agent.os,
            record.agent.arch,
            batch.received_ms,
            count
        ])?;
    }
    Ok(())
}

/// Replaces the host's rule table (tags feed signal severity / MITRE) unless a newer
/// `ruleset_loaded` was already stored.
fn record_ruleset(
    tx: &Transaction<'_>,
    record: &ValidRecord,
    loaded: &crate::record::RulesetLoaded,
) -> StoreResult<()> {
    let policies: Vec<Value> = loaded
        .policies
        .iter()
        .map(|p| serde_json::json!({"name": p.name, "version": p.version, "source": p.source}))
        .collect();
    let changed = tx
        .prepare_cached(
            "UPDATE hosts SET ruleset_ms = ?2, rules_loaded = ?3, rules_failed = ?4, policies = ?5
             WHERE hostname = ?1 AND COALESCE(ruleset_ms, -1) <= ?2",
        )?
        .execute(params![
            record.host,
            record.ts_ms,
            loaded.loaded as i64,
            loaded.failed as i64,
            Value::Array(policies).to_string()
        ])?;
    if changed == 0 {
        return Ok(());
    }
    tx.prepare_cached("DELETE FROM rules WHERE host = ?1")?
        .execute([&record.host])?;
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO rules(host, rule_id, policy, version, expression, status, tags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for policy in &loaded.policies {
        for rule in &policy.rules {
            insert.execute(params![
                record.host,
                rule.id,
                policy.name,
                rule.version,
                rule.expression,
                rule.status,
                Value::Object(rule.tags.clone()).to_string()
            ])?;
        }
    }
    Ok(())
}

fn enqueue_notifications(
    tx: &Transaction<'_>,
    sinks: &[WebhookSink],
    signal_id: i64,
    rule_id: &str,
    severity: crate::signals::Severity,
    now_ms: i64,
) -> StoreResult<()> {
    let matching: Vec<&WebhookSink> = sinks
        .iter()
        .filter(|s| s.accepts(rule_id, severity))
        .collect();
    if matching.is_empty() {
        return Ok(());
    }
    let signal = super::signals::load_signal(tx, signal_id)?
        .ok_or_else(|| StoreError::Invalid(format!("signal {signal_id} vanished during ingest")))?;
    let payload = signal_payload(&signal);
    let mut stmt = tx.prepare_cached(
        "INSERT INTO webhook_outbox(url, payload, next_attempt_ms) VALUES (?1, ?2, ?3)",
    )?;
    for sink in matching {
        stmt.execute(params![sink.url, payload, now_ms])?;
    }
    Ok(())
}

/// `SignalLedger` over the open ingest transaction.
struct TxLedger<'a, 'c> {
    tx: &'a Transaction<'c>,
    now_ms: i64,
}

impl SignalLedger for TxLedger<'_, '_> {
    fn active_signal(
        &mut self,
        rule_id: &str,
        host: &str,
        group_key: &str,
        since_ms: i64,
    ) -> StoreResult<Option<i64>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT id FROM signals WHERE rule_id = ?1 AND host = ?2 AND group_key = ?3
                     AND last_seen_ms >= ?4 AND status <> 'archived'
                 ORDER BY last_seen_ms DESC LIMIT 1",
            )?
            .query_row(params![rule_id, host, group_key, since_ms], |r| r.get(0))
            .optional()?)
    }

    fn group_events(
        &mut self,
        rule_id: &str,
        host: &str,
        key: &GroupKey,
        since_ms: i64,
        until_ms: i64,
    ) -> StoreResult<Vec<(EventId, i64)>> {
        let (key_sql, key_value) = match key {
            GroupKey::Container(id) => ("container_id = ?5", Some(id.as_str())),
            GroupKey::Process(path) => (
                "container_id IS NULL AND exe_path = ?5",
                Some(path.as_str()),
            ),
            GroupKey::HostOnly => (
                "container_id IS NULL AND exe_path IS NULL AND ?5 IS NULL",
                None,
            ),
        };
        let mut events = Vec::new();
        let days = partitions_in(self.tx, since_ms, until_ms + 1)?;
        for day in days.into_iter().rev() {
            let table = partition_table(day);
            let mut stmt = self.tx.prepare_cached(&format!(
                "SELECT id, ts FROM {table} WHERE rule_id = ?1 AND host = ?2 AND ts BETWEEN ?3 AND ?4 AND {key_sql} ORDER BY ts, id"
            ))?;
            let rows = stmt
                .query_map(params![rule_id, host, since_ms, until_ms, key_value], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            for row in rows {
                events.push(row?);
            }
        }
        Ok(events)
    }

    fn rule_tags(&mut self, host: &str, rule_id: &str) -> StoreResult<Option<Map<String, Value>>> {
        let text: Option<String> = self
            .tx
            .prepare_cached("SELECT tags FROM rules WHERE host = ?1 AND rule_id = ?2")?
            .query_row([host, rule_id], |r| r.get(0))
            .optional()?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    fn add_to_signal(&mut self, signal_id: i64, events: &[(EventId, i64)]) -> StoreResult<()> {
        let last = events
            .iter()
            .map(|(_, ts)| *ts)
            .max()
            .unwrap_or(self.now_ms);
        let first = events.iter().map(|(_, ts)| *ts).min().unwrap_or(last);
        let count: i64 = self
            .tx
            .prepare_cached(
                "UPDATE signals SET event_count = event_count + ?2, last_seen_ms = max(last_seen_ms, ?3),
                     first_seen_ms = min(first_seen_ms, ?4), updated_ms = ?5 WHERE id = ?1
                 RETURNING event_count",
            )?
            .query_row(params![signal_id, events.len() as i64, last, first, self.now_ms], |r| r.get(0))?;
        super::signals::link_events(self.tx, signal_id, count - events.len() as i64, events)
    }

    fn create_signal(&mut self, signal: &NewSignal, events: &[(EventId, i64)]) -> StoreResult<i64> {
        let first = events
            .iter()
            .map(|(_, ts)| *ts)
            .min()
            .unwrap_or(self.now_ms);
        let last = events
            .iter()
            .map(|(_, ts)| *ts)
            .max()
            .unwrap_or(self.now_ms);
        self.tx
            .prepare_cached(
                "INSERT INTO signals(rule_id, host, group_key, title, severity, mitre_tactic, mitre_technique,
                     status, first_seen_ms, last_seen_ms, event_count, created_ms, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9, ?10, ?11, ?11)",
            )?
            .execute(params![
                signal.rule_id,
                signal.host,
                signal.group_key,
                signal.title,
                signal.attribution.severity.as_str(),
                signal.attribution.mitre_tactic,
                signal.attribution.mitre_technique,
                first,
                last,
                events.len() as i64,
                self.now_ms
            ])?;
        let id = self.tx.last_insert_rowid();
        super::signals::link_events(self.tx, id, 0, events)?;
        Ok(id)
    }
}
