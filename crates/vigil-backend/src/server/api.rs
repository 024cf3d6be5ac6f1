//! HTTP routes of the backend API (`/api/v1/...`) and their request parsing.
use std::sync::Arc;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth_extract::Authorized;
use super::error::ApiError;
use super::AppState;
use crate::intake::{check_batch_id, decode_body, parse_batch, MAX_BODY_BYTES};
use crate::query::compile_optional;
use crate::record::AcceptWindow;
use crate::signals::SignalStatus;
use crate::store::{
    Cursor, EventQuery, FieldFilter, PageRequest, PromotedField, SignalFilter, StoredEvent,
};
use crate::timefmt::{format_rfc3339_ms, now_ms, parse_duration_ms, parse_time_bound, DAY_MS};

pub const DEFAULT_SEARCH_LIMIT: usize = 100;
pub const MAX_SEARCH_LIMIT: usize = 1000;
/// Records a predicate may examine per search page or histogram.
pub const SCAN_BUDGET: u64 = 200_000;
pub const MAX_HISTOGRAM_BUCKETS: i64 = 1000;
const DEFAULT_HISTOGRAM_BUCKETS: i64 = 60;
const DEFAULT_SIGNAL_EVENTS: usize = 100;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/events", get(search_events).post(ingest_events))
        .route("/api/v1/events/histogram", get(histogram))
        .route("/api/v1/events/{id}", get(get_event))
        .route("/api/v1/signals", get(list_signals))
        .route("/api/v1/signals/{id}", get(get_signal).patch(patch_signal))
        .route("/api/v1/hosts", get(hosts))
        .with_state(state)
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "schema_version": crate::store::sqlite::SCHEMA_VERSION }))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map_err(|_| ApiError::bad_request(format!("header {name} is not ASCII")))
        })
        .transpose()
}

async fn ingest_events(
    State(state): State<Arc<AppState>>,
    _auth: Authorized,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let batch_id = check_batch_id(header_str(&headers, "x-vigil-batch-id")?)?;
    let encoding = header_str(&headers, header::CONTENT_ENCODING.as_str())?.map(str::to_owned);
    let bytes = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!("request body exceeds {MAX_BODY_BYTES} bytes"),
    })?;
    let worker_state = state.clone();
    let report = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let decoded = decode_body(encoding.as_deref(), &bytes)?;
        let now = now_ms();
        let window = AcceptWindow::for_retention(now, worker_state.retention_days);
        let batch = parse_batch(batch_id, &decoded, window, now)?;
        Ok(worker_state.store.ingest(batch)?)
    })
    .await??;
    // Ingest may have queued webhook notifications; a full channel already means "look now".
    let _ = state.webhook_wake.try_send(());
    Ok(Json(
        serde_json::to_value(report).map_err(|e| ApiError::internal(e.to_string()))?,
    ))
}

/// Query parameters shared by search and histogram.
#[derive(Debug, Deserialize)]
struct EventParams {
    query: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// Comma-separated host names.
    host: Option<String>,
    /// Comma-separated rule ids.
    rule_id: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
    interval: Option<String>,
}

fn selector(field: PromotedField, list: &Option<String>) -> Option<FieldFilter> {
    let values: Vec<String> = list
        .as_deref()?
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    (!values.is_empty()).then(|| FieldFilter::one_of(field, values))
}

/// Time range (default: the last 24 hours) and selectors; the query is compiled separately.
fn event_query(params: &EventParams) -> Result<EventQuery, ApiError> {
    let now = now_ms();
    let to = params
        .to
        .as_deref()
        .map(|t| parse_time_bound(t, now))
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("to: {e}")))?
        .unwrap_or(now + 1);
    let from = params
        .from
        .as_deref()
        .map(|t| parse_time_bound(t, now))
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("from: {e}")))?
        .unwrap_or(to - DAY_MS);
    if from >= to {
        return Err(ApiError::bad_request("`from` must be before `to`"));
    }
    let filters = [
        selector(PromotedField::Host, &params.host),
        selector(PromotedField::RuleId, &params.rule_id),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(EventQuery {
        from_ms: from,
        to_ms: to,
        filters,
    })
}

fn events_json(events: &[StoredEvent]) -> Vec<Value> {
    events.iter().map(StoredEvent::to_json).collect()
}

async fn search_events(
    State(state): State<Arc<AppState>>,
    _auth: Authorized,
    Query(params): Query<EventParams>,
) -> Result<Json<Value>, ApiError> {
    let mut query = event_query(&params)?;
    let limit = params.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
    if limit == 0 || limit > MAX_SEARCH_LIMIT {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_SEARCH_LIMIT}"
        )));
    }
    let cursor = params
        .cursor
        .as_deref()
        .map(Cursor::decode)
        .transpose()
        .map_err(ApiError::bad_request)?;
    let compiled = compile_optional(state.compiler.as_ref(), params.query.as_deref())
        .map_err(|e| ApiError::bad_request(format!("query: {e}")))?;
    query.filters.extend(compiled.filters);
    let page = tokio::task::spawn_blocking(move || {
        let request = PageRequest {
            limit,
            cursor,
            scan_budget: SCAN_BUDGET,
        };
        state
            .store
            .search(&query, compiled.predicate.as_deref(), request)
    })
    .await??;
    Ok(Json(json!({
        "events": events_json(&page.events),
        "next_cursor": page.next_cursor.map(|c| c.encode()),
        "scanned": page.scanned,
        "evaluation_errors": page.eval_errors,
        "complete": page.complete,
    })))
}

async fn histogram(
    State(state): State<Arc<AppState>>,
    _auth: Authorized,
    Query(params): Query<EventParams>,
) -> Result<Json<Value>, ApiError> {
    let mut query = event_query(&params)?;
    let span = query.to_ms - query.from_ms;
    let interval = match params.interval.as_deref() {
        Some(text) => {
            parse_duration_ms(text).map_err(|e| ApiError::bad_request(format!("interval: {e}")))?
        }
        None => ((span + DEFAULT_HISTOGRAM_BUCKETS - 1) / DEFAULT_HISTOGRAM_BUCKETS).max(1000),
    };
    if interval <= 0 || (span + interval - 1) / interval > MAX_HISTOGRAM_BUCKETS {
        return Err(ApiError::bad_request(format!(
            "interval gives more than {MAX_HISTOGRAM_BUCKETS} buckets"
        )));
    }
    let compiled = compile_optional(state.compiler.as_ref(), params.query.as_deref())
        .map_err(|e| ApiError::bad_request(format!("query: {e}")))?;
    query.filters.extend(compiled.filters);
    let hist = tokio::task::spawn_blocking(move || {
        state
            .store
            .histogram(&query, compiled.predicate.as_deref(), interval, SCAN_BUDGET)
    })
    .await??;
    let buckets: Vec<Value> = hist
        .buckets
        .iter()
        .map(|b| json!({"start": format_rfc3339_ms(b.start_ms), "start_ms": b.start_ms, "count": b.count}))
        .collect();
    Ok(Json(
        json!({ "interval_ms": interval, "buckets": buckets, "scanned": hist.scanned, "complete": hist.complete }),
    ))
}

fn parse_id(text: &str, what: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::bad_request(format!("invalid {what} id `{text}`")))
}

async fn get_event(
    State(state): State<Arc<AppState>>,
    _auth: Authorized,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id, "event")?;
    let event = tokio::task::spawn_blocking(move || state.store.get_event(id)).await??;
    event
        .map(|e| Json(e.to_json()))
        .ok_or_else(|| ApiError::not_found(format!("no event {id}")))
}

#[derive(Debug, Deserialize)]
struct SignalParams {
    status: Option<String>,
    host: Option<String>,
    rule_id: Option<String>,
    limit: Option<usize>,
    before: Option<i64>,
    events_limit: Option<usize>,
}

async fn list_signals(
    State(state): State<Arc<AppState>>,
    _auth: Authorized,
    Query(params): Query<SignalParams>,
) -> Result<Json<Value>, ApiError> {
    let status = params
        .status
        .as_deref()
        .map(SignalStatus::parse)
        .transpose()
        .map_err(ApiError::bad_request)?;
    let limit = params.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
    if limit == 0 || limit > MAX_SEARCH_LIMIT {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_SEARCH_LIMIT}"
        )));
    }
    let filter = SignalFilter {
        status,
        host: params.host,
        rule_id: params.rule_id,
        before_id: params.before,
        limit,
    };
    let signals = tokio::task::spawn_blocking(move || state.store.list_signals(&filter)).await??;
    let next_before = (signals.len() == limit)
        .then(|| signals.last().map(|s| s.id))
        .flatten();
    Ok(Json(
        json!({ "signals": signals, "next_before": next_before }),
    ))
}

async fn get_signal(
    State(state): State<Arc<AppState>>,
    _auth: Authorized,
    Path(id): Path<String>,
    Query(params): Query<SignalParams>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id, "signal")?;
    let events_limit = params
        .events_limit
        .unwrap_or(DEFAULT_SIGNAL_EVENTS)
        .clamp(1, MAX_SEARCH_LIMIT);
    let found =
        tokio::task::spawn_blocking(move || state.store.get_signal(id, events_limit)).await??;
    let (signal, events) = found.ok_or_else(|| ApiError::not_found(format!("no signal {id}")))?;
    Ok(Json(
        json!({ "signal": signal, "events": events_json(&events) }),
    ))
}

async fn patch_signal(
    State(state): State<Arc<AppState>>,
    _auth: Authorized,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id, "signal")?;
    let patch: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("body is not JSON: {e}")))?;
    let status_text = patch.get("status").and_then(Value::as_str).ok_or_else(|| {
        ApiError::bad_request(
            "body must be {\"status\": \"open\" | \"under_review\" | \"archived\"}",
        )
    })?;
    let status = SignalStatus::parse(status_text).map_err(ApiError::bad_request)?;
    let updated =
        tokio::task::spawn_blocking(move || state.store.set_signal_status(id, status, now_ms()))
            .await??;
    updated
        .map(|signal| Json(json!({ "signal": signal })))
        .ok_or_else(|| ApiError::not_found(format!("no signal {id}")))
}

async fn hosts(
    State(state): State<Arc<AppState>>,
    _auth: Authorized,
) -> Result<Json<Value>, ApiError> {
    let hosts = tokio::task::spawn_blocking(move || state.store.hosts()).await??;
    Ok(Json(json!({ "hosts": hosts })))
}
