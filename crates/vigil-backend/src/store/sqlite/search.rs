//! The read path: promoted-field and time-range pushdown into SQL over the day partitions
//! (newest first, keyset pagination on `(ts, id)`), then the optional record predicate.
use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection, OptionalExtension};

use super::schema::{column, day_of, day_of_event, partition_table, partitions_in};
use crate::store::{
    Cursor, EventId, EventPage, EventQuery, FilterTest, Histogram, HistogramBucket, PageRequest,
    RecordPredicate, StoreResult, StoredEvent,
};

/// Rows fetched per SQL round trip when a predicate filters them further.
const PREDICATE_CHUNK: usize = 512;

/// `WHERE` text and parameters for the pushdown part of a query.
fn pushdown(query: &EventQuery) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("ts >= ? AND ts < ?");
    let mut args = vec![
        SqlValue::Integer(query.from_ms),
        SqlValue::Integer(query.to_ms),
    ];
    for filter in &query.filters {
        let col = column(filter.field);
        match &filter.test {
            FilterTest::OneOf(values) if values.len() == 1 => {
                sql.push_str(&format!(" AND {col} = ?"))
            }
            FilterTest::OneOf(values) => {
                let marks = vec!["?"; values.len()].join(", ");
                sql.push_str(&format!(" AND {col} IN ({marks})"));
            }
            FilterTest::Prefix(prefix) => {
                sql.push_str(&format!(" AND {col} >= ?"));
                if prefix_upper_bound(prefix).is_some() {
                    sql.push_str(&format!(" AND {col} < ?"));
                }
            }
        }
        match &filter.test {
            FilterTest::OneOf(values) => args.extend(values.iter().cloned().map(SqlValue::Text)),
            FilterTest::Prefix(prefix) => {
                args.push(SqlValue::Text(prefix.clone()));
                args.extend(prefix_upper_bound(prefix).map(SqlValue::Text));
            }
        }
    }
    (sql, args)
}

/// The smallest string greater than every string starting with `prefix` (SQLite compares text
/// bytewise, i.e. in code-point order for UTF-8): the prefix with its last character
/// incremented. `None` when no such string exists (last character is `char::MAX`).
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn event_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredEvent> {
    Ok(StoredEvent {
        id: row.get(0)?,
        ts_ms: row.get(1)?,
        host: row.get(2)?,
        rule_id: row.get(3)?,
        doc: row.get(4)?,
    })
}

/// Evaluates the predicate (absent = everything matches); evaluation errors are counted.
fn passes(predicate: Option<&dyn RecordPredicate>, doc: &str, eval_errors: &mut u64) -> bool {
    match predicate.map(|p| p.matches(doc)) {
        None | Some(Ok(true)) => true,
        Some(Ok(false)) => false,
        Some(Err(_)) => {
            *eval_errors += 1;
            false
        }
    }
}

pub fn search(
    conn: &mut Connection,
    query: &EventQuery,
    predicate: Option<&dyn RecordPredicate>,
    page: PageRequest,
) -> StoreResult<EventPage> {
    let tx = conn.transaction()?;
    let (where_sql, base_args) = pushdown(query);
    let chunk = if predicate.is_some() {
        PREDICATE_CHUNK
    } else {
        page.limit.max(1)
    };
    let mut out = EventPage {
        events: Vec::new(),
        next_cursor: None,
        scanned: 0,
        eval_errors: 0,
        complete: true,
    };
    let mut position = page.cursor;
    let last_day = position.map_or(i64::MAX, |c| day_of(c.ts_ms));
    for day in partitions_in(&tx, query.from_ms, query.to_ms)?
        .into_iter()
        .filter(|d| *d <= last_day)
    {
        let table = partition_table(day);
        loop {
            let mut args = base_args.clone();
            let mut sql =
                format!("SELECT id, ts, host, rule_id, doc FROM {table} WHERE {where_sql}");
            if let Some(c) = position {
                sql.push_str(" AND ts <= ? AND (ts < ? OR id < ?)");
                args.extend([
                    SqlValue::Integer(c.ts_ms),
                    SqlValue::Integer(c.ts_ms),
                    SqlValue::Integer(c.id),
                ]);
            }
            sql.push_str(&format!(" ORDER BY ts DESC, id DESC LIMIT {chunk}"));
            let mut stmt = tx.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(args), event_from_row)?;
            let mut fetched = 0;
            for row in rows {
                let event = row?;
                fetched += 1;
                out.scanned += 1;
                position = Some(Cursor {
                    ts_ms: event.ts_ms,
                    id: event.id,
                });
                if passes(predicate, &event.doc, &mut out.eval_errors) {
                    out.events.push(event);
                    if out.events.len() >= page.limit {
                        out.next_cursor = position;
                        return Ok(out);
                    }
                }
                if predicate.is_some() && out.scanned >= page.scan_budget {
                    out.next_cursor = position;
                    out.complete = false;
                    return Ok(out);
                }
            }
            if fetched < chunk {
                break;
            }
        }
    }
    Ok(out)
}

pub fn get_event(conn: &Connection, id: EventId) -> StoreResult<Option<StoredEvent>> {
    let day = day_of_event(id);
    let exists: Option<i64> = conn
        .prepare_cached("SELECT day FROM partitions WHERE day = ?1")?
        .query_row([day], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    let table = partition_table(day);
    Ok(conn
        .prepare_cached(&format!(
            "SELECT id, ts, host, rule_id, doc FROM {table} WHERE id = ?1"
        ))?
        .query_row([id], event_from_row)
        .optional()?)
}

/// Event counts per `interval_ms` bucket from `query.from_ms`; SQL `GROUP BY` without a
/// predicate, a bounded scan with one.
pub fn histogram(
    conn: &mut Connection,
    query: &EventQuery,
    predicate: Option<&dyn RecordPredicate>,
    interval_ms: i64,
    scan_budget: u64,
) -> StoreResult<Histogram> {
    let span = query.to_ms - query.from_ms;
    let bucket_count = ((span + interval_ms - 1) / interval_ms).max(0) as usize;
    let mut counts = vec![0u64; bucket_count];
    let mut scanned = 0u64;
    let mut complete = true;
    let tx = conn.transaction()?;
    let (where_sql, args) = pushdown(query);
    'days: for day in partitions_in(&tx, query.from_ms, query.to_ms)? {
        let table = partition_table(day);
        match predicate {
            None => {
                let sql = format!("SELECT (ts - {from}) / {interval_ms} AS b, count(*) FROM {table} WHERE {where_sql} GROUP BY b", from = query.from_ms);
                let mut stmt = tx.prepare_cached(&sql)?;
                let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                })?;
                for row in rows {
                    let (bucket, count) = row?;
                    if let Some(slot) = counts.get_mut(bucket as usize) {
                        *slot += count as u64;
                    }
                    scanned += count as u64;
                }
            }
            Some(_) => {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT ts, doc FROM {table} WHERE {where_sql} ORDER BY ts DESC"
                ))?;
                let mut rows = stmt.query(params_from_iter(args.iter()))?;
                let mut ignored_errors = 0;
                while let Some(row) = rows.next()? {
                    if scanned >= scan_budget {
                        complete = false;
                        break 'days;
                    }
                    scanned += 1;
                    let ts: i64 = row.get(0)?;
                    let doc: String = row.get(1)?;
                    if passes(predicate, &doc, &mut ignored_errors) {
                        if let Some(slot) =
                            counts.get_mut(((ts - query.from_ms) / interval_ms) as usize)
                        {
                            *slot += 1;
                        }
                    }
                }
            }
        }
    }
    let buckets = counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| HistogramBucket {
            start_ms: query.from_ms + i as i64 * interval_ms,
            count,
        })
        .collect();
    Ok(Histogram {
        buckets,
        scanned,
        complete,
    })
}

#[cfg(test)]
mod tests {
    use super::prefix_upper_bound;

    #[test]
    fn prefix_bounds() {
        assert_eq!(
            prefix_upper_bound("/usr/bin/").as_deref(),
            Some("/usr/bin0")
        );
        assert_eq!(
            prefix_upper_bound("a\u{D7FF}").as_deref(),
            Some("a\u{E000}")
        );
        assert_eq!(prefix_upper_bound("ab\u{10FFFF}").as_deref(), Some("ac"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
    }
}
