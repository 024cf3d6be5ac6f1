//! One HTTP attempt to deliver a sealed batch, and what the forwarder should do next.
//!
//! The client is `ureq` without default features: a small blocking HTTP/1.1 client that fits the
//! forwarder's dedicated thread (no async runtime forced on the agent); gzip is done by flate2.
//! Plain `http://` only in this build — put TLS in front (or add ureq's `rustls` feature) for
//! remote backends.
use std::time::Duration;

use serde::Deserialize;

use super::spool::SealedBatch;

#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// Stored (or already stored: a retried batch id); `rejected` records failed validation.
    Acked { rejected: u64 },
    /// Try again later (backend down, overloaded, unauthorized, 5xx…).
    Retry(String),
    /// The backend will never accept this batch (malformed request, too large).
    Permanent(String),
}

#[derive(Deserialize)]
struct Report {
    #[serde(default)]
    rejected: Vec<serde_json::Value>,
}

pub struct Transport {
    agent: ureq::Agent,
    endpoint: String,
    authorization: String,
}

impl Transport {
    pub fn new(base_url: &str, api_key: &str, timeout: Duration) -> Transport {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .build()
            .into();
        Transport {
            agent,
            endpoint: format!("{}/api/v1/events", base_url.trim_end_matches('/')),
            authorization: format!("Bearer {api_key}"),
        }
    }

    pub fn send(&self, batch: &SealedBatch) -> SendOutcome {
        let result = self
            .agent
            .post(&self.endpoint)
            .header("Authorization", &self.authorization)
            .header("X-Vigil-Batch-Id", &batch.id)
            .header("Content-Encoding", "gzip")
            .header("Content-Type", "application/x-ndjson")
            .send(&batch.body[..]);
        let mut response = match result {
            Ok(response) => response,
            Err(e) => return SendOutcome::Retry(format!("POST {}: {e}", self.endpoint)),
        };
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        match status {
            200..=299 => match serde_json::from_str::<Report>(&body) {
                Ok(report) => SendOutcome::Acked {
                    rejected: report.rejected.len() as u64,
                },
                Err(e) => SendOutcome::Retry(format!("unreadable ingest report ({e})")),
            },
            401 | 403 | 408 | 429 | 500..=599 => {
                SendOutcome::Retry(format!("HTTP {status}: {}", body.trim()))
            }
            _ => SendOutcome::Permanent(format!("HTTP {status}: {}", body.trim())),
        }
    }
}
