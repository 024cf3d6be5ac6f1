//! Webhook notifications for new signals: sink configuration (rule-id patterns, minimum
//! severity), the JSON payload, and the worker that drains the durable outbox with retries and
//! exponential backoff.
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::signals::Severity;
use crate::store::{DeliveryOutcome, EventStore, Signal};
use crate::timefmt::{format_rfc3339_ms, now_ms};

/// Deliveries are abandoned (state `failed`) after this many attempts.
pub const MAX_ATTEMPTS: u32 = 10;
const FIRST_RETRY_MS: i64 = 1_000;
const MAX_RETRY_MS: i64 = 600_000;
const POLL_INTERVAL: Duration = Duration::from_secs(1);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// One configured sink: `{"url": "http://…", "rules": ["crypto_*", "ssh_keys"], "min_severity": "high"}`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebhookSink {
    pub url: String,
    /// Rule-id patterns (`*` matches any run of characters); empty means every rule.
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default = "lowest_severity")]
    pub min_severity: Severity,
}

fn lowest_severity() -> Severity {
    Severity::Info
}

/// `*`-glob match over the whole text.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

impl WebhookSink {
    pub fn validate(&self) -> Result<(), String> {
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            return Err(format!(
                "webhook url `{}` must start with http:// or https://",
                self.url
            ));
        }
        Ok(())
    }

    pub fn accepts(&self, rule_id: &str, severity: Severity) -> bool {
        severity >= self.min_severity
            && (self.rules.is_empty() || self.rules.iter().any(|p| glob_matches(p, rule_id)))
    }
}

/// The JSON body POSTed for a new signal.
pub fn signal_payload(signal: &Signal) -> String {
    serde_json::json!({
        "type": "vigil.signal.created",
        "signal": {
            "id": signal.id,
            "rule_id": signal.rule_id,
            "host": signal.host,
            "group_key": signal.group_key,
            "title": signal.title,
            "severity": signal.severity,
            "mitre_tactic": signal.mitre_tactic,
            "mitre_technique": signal.mitre_technique,
            "status": signal.status,
            "first_seen": format_rfc3339_ms(signal.first_seen_ms),
            "last_seen": format_rfc3339_ms(signal.last_seen_ms),
            "event_count": signal.event_count,
        }
    })
    .to_string()
}

/// Delay before attempt `attempts + 1`: 1 s doubling up to 10 min.
pub fn retry_delay_ms(attempts: u32) -> i64 {
    FIRST_RETRY_MS
        .saturating_mul(1i64 << attempts.min(20))
        .min(MAX_RETRY_MS)
}

fn post(agent: &ureq::Agent, url: &str, payload: &str) -> Result<(), String> {
    let response = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(payload)
        .map_err(|e| format!("POST {url}: {e}"))?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(format!("POST {url}: HTTP {status}"))
    }
}

/// Delivers due notifications until `wake` is disconnected; a message on `wake` means "new
/// outbox rows, look now".
pub fn run_worker(store: Arc<dyn EventStore>, wake: Receiver<()>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .build()
        .into();
    loop {
        match store.due_notifications(now_ms(), 32) {
            Ok(due) => {
                for note in due {
                    let outcome = match post(&agent, &note.url, &note.payload) {
                        Ok(()) => DeliveryOutcome::Delivered,
                        Err(error) if note.attempts + 1 >= MAX_ATTEMPTS => {
                            DeliveryOutcome::GaveUp { error }
                        }
                        Err(error) => DeliveryOutcome::RetryAt {
                            at_ms: now_ms() + retry_delay_ms(note.attempts),
                            error,
                        },
                    };
                    if let Err(e) = store.notification_attempted(note.id, outcome) {
                        eprintln!("vigil backend: webhook bookkeeping failed: {e}");
                    }
                }
            }
            Err(e) => eprintln!("vigil backend: webhook outbox unreadable: {e}"),
        }
        match wake.recv_timeout(POLL_INTERVAL) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("*", "anything"));
        assert!(glob_matches("crypto_*", "crypto_miner"));
        assert!(!glob_matches("crypto_*", "xcrypto_miner"));
        assert!(glob_matches("*_shadow", "read_shadow"));
        assert!(glob_matches("a*b*c", "aXbYc"));
        assert!(!glob_matches("a*b*c", "aXcYb"));
        assert!(glob_matches("exact", "exact"));
        assert!(!glob_matches("exact", "exactly"));
        assert!(!glob_matches("ab*ba", "aba"));
    }

    #[test]
    fn sink_filters() {
        let sink = WebhookSink {
            url: "http://x".into(),
            rules: vec!["ssh_*".into()],
            min_severity: Severity::High,
        };
        assert!(sink.accepts("ssh_keys", Severity::Critical));
        assert!(!sink.accepts("ssh_keys", Severity::Medium));
        assert!(!sink.accepts("other", Severity::Critical));
        assert!(WebhookSink {
            url: "ftp://x".into(),
            rules: vec![],
            min_severity: Severity::Info
        }
        .validate()
        .is_err());
        assert_eq!(retry_delay_ms(0), 1_000);
        assert_eq!(retry_delay_ms(3), 8_000);
        assert_eq!(retry_delay_ms(30), MAX_RETRY_MS);
    }
}
