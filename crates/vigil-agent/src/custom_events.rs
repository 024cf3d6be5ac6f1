//! Payloads of the agent's own events — `ruleset_loaded`, `heartbeat`, `lost_events` — as
//! described in docs/output-records.md, and their records.

use std::collections::BTreeMap;

use serde::Serialize;
use vigil_model::record::{write_custom_record, AgentContext, Envelope};
use vigil_model::Timestamp;

/// One rule as reported in `ruleset_loaded`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleReport {
    pub id: String,
    pub version: String,
    pub expression: String,
    pub status: String,
    pub message: String,
    pub tags: BTreeMap<String, String>,
}

/// One policy as reported in `ruleset_loaded` and `heartbeat`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PolicyReport {
    pub name: String,
    pub version: String,
    pub source: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleReport>,
}

/// `ruleset_loaded` payload.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RulesetLoaded {
    pub policies: Vec<PolicyReport>,
    /// Rule count per status.
    pub summary: BTreeMap<String, u64>,
    pub loaded: u64,
    pub failed: u64,
}

impl RulesetLoaded {
    /// Builds the payload; `failed` counts every rule whose status is an error (not loaded,
    /// disabled or filtered).
    pub fn new(policies: Vec<PolicyReport>) -> RulesetLoaded {
        let mut summary = BTreeMap::new();
        for rule in policies.iter().flat_map(|p| &p.rules) {
            *summary.entry(rule.status.clone()).or_insert(0) += 1;
        }
        let loaded = summary.get("loaded").copied().unwrap_or(0);
        let failed = summary
            .iter()
            .filter(|(s, _)| !matches!(s.as_str(), "loaded" | "disabled" | "filtered"))
            .map(|(_, n)| n)
            .sum();
        RulesetLoaded {
            policies,
            summary,
            loaded,
            failed,
        }
    }
}

/// `heartbeat` payload.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Heartbeat {
    pub policies: Vec<PolicyReport>,
    pub uptime_seconds: u64,
    pub rules_loaded: u64,
    pub rules_failed: u64,
    /// Per file event type, events the kernel did not output since start, by design: no
    /// approver matched, or a failed syscall whose errno is not reported.
    pub kernel_filtered: BTreeMap<String, KernelFiltered>,
}

/// Kernel-side filter totals of one event type (see [`Heartbeat::kernel_filtered`]).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KernelFiltered {
    pub approvers: u64,
    pub errors: u64,
}

/// `lost_events` payload: counts since the previous report.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LostEvents {
    /// Kernel-side ring-buffer reservation failures, per event type.
    pub kernel: BTreeMap<String, u64>,
    /// Records the decoder rejected.
    pub decode_errors: u64,
    /// User-space drops, per reason (e.g. `queue_full`, `no_process_context`).
    pub user_space: BTreeMap<String, u64>,
    /// Events suppressed by the per-rule rate limiter, per rule.
    pub rate_limited: BTreeMap<String, u64>,
    /// Records dropped because the forwarder's spool was full.
    pub spool: u64,
    pub total: u64,
}

impl LostEvents {
    /// Recomputes `total` from the parts.
    pub fn finalize(mut self) -> LostEvents {
        self.total = self.kernel.values().sum::<u64>()
            + self.decode_errors
            + self.user_space.values().sum::<u64>()
            + self.rate_limited.values().sum::<u64>()
            + self.spool;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

/// Appends the record of a custom event named `name` with `payload`.
pub fn write_custom_event<T: Serialize>(
    out: &mut Vec<u8>,
    hostname: &str,
    service: &str,
    name: &str,
    title: &str,
    date: Timestamp,
    payload: &T,
) {
    let envelope = Envelope {
        agent: AgentContext::for_rule(name),
        title: title.to_string(),
        hostname: hostname.to_string(),
        service: service.to_string(),
    };
    // Serializing these plain structs cannot fail; an empty object keeps the record valid if it did.
    let json = serde_json::to_vec(payload).unwrap_or_else(|_| b"{}".to_vec());
    write_custom_record(out, &envelope, name, date, &json);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruleset_summary_counts_statuses() {
        let rule = |id: &str, status: &str| RuleReport {
            id: id.into(),
            version: String::new(),
            expression: "exec.file.name == \"x\"".into(),
            status: status.into(),
            message: String::new(),
            tags: BTreeMap::new(),
        };
        let r = RulesetLoaded::new(vec![PolicyReport {
            name: "p".into(),
            version: "1".into(),
            source: "file".into(),
            rules: vec![
                rule("a", "loaded"),
                rule("b", "syntax_error"),
                rule("c", "disabled"),
                rule("d", "loaded"),
            ],
        }]);
        assert_eq!(r.loaded, 2);
        assert_eq!(r.failed, 1);
        let mut out = Vec::new();
        write_custom_event(
            &mut out,
            "h",
            "runtime-security-agent",
            "ruleset_loaded",
            "Ruleset loaded",
            1,
            &r,
        );
        let doc: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(doc["evt"]["name"], "ruleset_loaded");
        assert_eq!(doc["agent"]["rule_id"], "ruleset_loaded");
        assert_eq!(doc["ruleset_loaded"]["summary"]["loaded"], 2);
        assert_eq!(
            doc["ruleset_loaded"]["policies"][0]["rules"][1]["status"],
            "syntax_error"
        );
    }

    #[test]
    fn lost_total_sums_every_part() {
        let mut l = LostEvents::default();
        l.kernel.insert("exec".into(), 3);
        l.decode_errors = 1;
        l.rate_limited.insert("r".into(), 5);
        l.spool = 2;
        assert_eq!(l.finalize().total, 11);
    }
}
