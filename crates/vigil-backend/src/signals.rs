//! Backend detection: turns stored security events into security signals. One signal per
//! (rule, host, container-or-process) within a dedup window, optional per-rule thresholds
//! (N events in T), severity and MITRE tactic/technique from the rule's tags. The decisions live
//! here; the store supplies its state through `SignalLedger` inside the ingest transaction.
use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::record::ValidRecord;
use crate::store::{EventId, StoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    #[default]
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "info" | "informational" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalStatus {
    Open,
    UnderReview,
    Archived,
}

impl SignalStatus {
    pub fn parse(text: &str) -> Result<SignalStatus, String> {
        match text {
            "open" => Ok(SignalStatus::Open),
            "under_review" => Ok(SignalStatus::UnderReview),
            "archived" => Ok(SignalStatus::Archived),
            _ => Err(format!(
                "unknown signal status `{text}` (use open, under_review or archived)"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SignalStatus::Open => "open",
            SignalStatus::UnderReview => "under_review",
            SignalStatus::Archived => "archived",
        }
    }
}

impl fmt::Display for SignalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// "N events in T": a signal opens only once `count` grouped events fall within `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Threshold {
    pub count: u64,
    pub window_ms: i64,
}

#[derive(Debug, Clone)]
pub struct SignalPolicy {
    /// Events of the same group within this time of the signal's last event join it.
    pub dedup_window_ms: i64,
    pub thresholds: HashMap<String, Threshold>,
}

impl Default for SignalPolicy {
    fn default() -> Self {
        SignalPolicy {
            dedup_window_ms: 3_600_000,
            thresholds: HashMap::new(),
        }
    }
}

/// What groups events into one signal besides rule and host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupKey {
    Container(String),
    Process(String),
    /// Neither a container nor an executable path is known.
    HostOnly,
}

impl GroupKey {
    pub fn of(record: &ValidRecord) -> GroupKey {
        if let Some(id) = &record.container_id {
            GroupKey::Container(id.clone())
        } else if let Some(path) = &record.exe_path {
            GroupKey::Process(path.clone())
        } else {
            GroupKey::HostOnly
        }
    }

    pub fn encode(&self) -> String {
        match self {
            GroupKey::Container(id) => format!("container:{id}"),
            GroupKey::Process(path) => format!("process:{path}"),
            GroupKey::HostOnly => "host".to_owned(),
        }
    }
}

/// Severity and MITRE attribution read from a rule's tags.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleAttribution {
    pub severity: Severity,
    pub mitre_tactic: Option<String>,
    pub mitre_technique: Option<String>,
}

fn tag_text(tags: &Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| match tags.get(*name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Array(items) => items.iter().find_map(|v| v.as_str().map(str::to_owned)),
        _ => None,
    })
}

impl RuleAttribution {
    /// Reads `severity`, `mitre_tactic`/`tactic` and `mitre_technique`/`technique` tags.
    pub fn from_tags(tags: &Map<String, Value>) -> RuleAttribution {
        RuleAttribution {
            severity: tag_text(tags, &["severity"])
                .and_then(|s| Severity::parse(&s))
                .unwrap_or_default(),
            mitre_tactic: tag_text(tags, &["mitre_tactic", "tactic", "mitre.tactic"]),
            mitre_technique: tag_text(tags, &["mitre_technique", "technique", "mitre.technique"]),
        }
    }
}

/// A signal about to be created.
#[derive(Debug, Clone)]
pub struct NewSignal {
    pub rule_id: String,
    pub host: String,
    pub group_key: String,
    pub title: String,
    pub attribution: RuleAttribution,
}

/// The store's view of signal state, used inside the ingest transaction.
pub trait SignalLedger {
    /// The newest non-archived signal of this group whose last event is at or after `since_ms`.
    fn active_signal(
        &mut self,
        rule_id: &str,
        host: &str,
        group_key: &str,
        since_ms: i64,
    ) -> StoreResult<Option<i64>>;
    /// Stored events of this rule, host and group in `[since_ms, until_ms]` (including the batch
    /// stored so far), oldest first.
    fn group_events(
        &mut self,
        rule_id: &str,
        host: &str,
        key: &GroupKey,
        since_ms: i64,
        until_ms: i64,
    ) -> StoreResult<Vec<(EventId, i64)>>;
    fn rule_tags(&mut self, host: &str, rule_id: &str) -> StoreResult<Option<Map<String, Value>>>;
    fn add_to_signal(&mut self, signal_id: i64, events: &[(EventId, i64)]) -> StoreResult<()>;
    fn create_signal(&mut self, signal: &NewSignal, events: &[(EventId, i64)]) -> StoreResult<i64>;
}

#[derive(Debug, Clone, PartialEq)]
pub enum DetectionOutcome {
    Created {
        signal_id: i64,
        attribution: RuleAttribution,
    },
    Grouped {
        signal_id: i64,
    },
    BelowThreshold,
}

/// Applies the policy to one stored security event.
pub fn detect(
    ledger: &mut dyn SignalLedger,
    policy: &SignalPolicy,
    record: &ValidRecord,
    event_id: EventId,
) -> StoreResult<DetectionOutcome> {
    let key = GroupKey::of(record);
    let encoded = key.encode();
    let since = record.ts_ms - policy.dedup_window_ms;
    if let Some(signal_id) = ledger.active_signal(&record.rule_id, &record.host, &encoded, since)? {
        ledger.add_to_signal(signal_id, &[(event_id, record.ts_ms)])?;
        return Ok(DetectionOutcome::Grouped { signal_id });
    }
    let events = match policy.thresholds.get(&record.rule_id) {
        Some(threshold) => {
            let events = ledger.group_events(
                &record.rule_id,
                &record.host,
                &key,
                record.ts_ms - threshold.window_ms,
                record.ts_ms,
            )?;
            if (events.len() as u64) < threshold.count {
                return Ok(DetectionOutcome::BelowThreshold);
            }
            events
        }
        None => vec![(event_id, record.ts_ms)],
    };
    let attribution = ledger
        .rule_tags(&record.host, &record.rule_id)?
        .map(|tags| RuleAttribution::from_tags(&tags))
        .unwrap_or_default();
    let title = record
        .title
        .clone()
        .unwrap_or_else(|| record.rule_id.clone());
    let signal = NewSignal {
        rule_id: record.rule_id.clone(),
        host: record.host.clone(),
        group_key: encoded,
        title,
        attribution: attribution.clone(),
    };
    let signal_id = ledger.create_signal(&signal, &events)?;
    Ok(DetectionOutcome::Created {
        signal_id,
        attribution,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribution_from_tags() {
        let tags: Map<String, Value> = serde_json::from_str(
            r#"{"severity":"HIGH","tactic":"TA0006-credential-access","technique":["T1003"]}"#,
        )
        .unwrap();
        let a = RuleAttribution::from_tags(&tags);
        assert_eq!(a.severity, Severity::High);
        assert_eq!(a.mitre_tactic.as_deref(), Some("TA0006-credential-access"));
        assert_eq!(a.mitre_technique.as_deref(), Some("T1003"));
        assert_eq!(
            RuleAttribution::from_tags(&Map::new()).severity,
            Severity::Medium
        );
    }

    #[test]
    fn status_parsing() {
        assert_eq!(
            SignalStatus::parse("under_review").unwrap(),
            SignalStatus::UnderReview
        );
        assert!(SignalStatus::parse("closed")
            .unwrap_err()
            .contains("unknown signal status"));
        assert!(Severity::Critical > Severity::High);
    }
}
