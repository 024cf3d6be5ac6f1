//! The optional backend settings file (`vigil backend --config FILE`, JSON): per-rule signal
//! thresholds and webhook sinks.
//!
//! ```json
//! {"thresholds": {"ssh_brute_force": {"count": 5, "window": "10m"}},
//!  "webhooks": [{"url": "http://127.0.0.1:9000/hook", "rules": ["ssh_*"], "min_severity": "high"}]}
//! ```
use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::BackendConfig;
use crate::signals::Threshold;
use crate::timefmt::parse_duration_ms;
use crate::webhook::WebhookSink;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdSetting {
    count: u64,
    window: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    thresholds: HashMap<String, ThresholdSetting>,
    #[serde(default)]
    webhooks: Vec<WebhookSink>,
}

/// Reads the settings file into `config` (thresholds and webhooks are replaced).
pub fn apply_settings_file(config: &mut BackendConfig, path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    apply_settings(config, &text).map_err(|e| format!("{}: {e}", path.display()))
}

fn apply_settings(config: &mut BackendConfig, text: &str) -> Result<(), String> {
    let settings: Settings = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut thresholds = HashMap::new();
    for (rule, setting) in settings.thresholds {
        if setting.count == 0 {
            return Err(format!(
                "threshold of rule `{rule}`: count must be at least 1"
            ));
        }
        let window_ms = parse_duration_ms(&setting.window)
            .map_err(|e| format!("threshold of rule `{rule}`: {e}"))?;
        thresholds.insert(
            rule,
            Threshold {
                count: setting.count,
                window_ms,
            },
        );
    }
    for sink in &settings.webhooks {
        sink.validate()?;
    }
    config.signal_policy.thresholds = thresholds;
    config.webhooks = settings.webhooks;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::Severity;

    #[test]
    fn parses_thresholds_and_webhooks() {
        let mut config = BackendConfig::new("/tmp/x");
        apply_settings(
            &mut config,
            r#"{"thresholds": {"brute": {"count": 5, "window": "10m"}},
                "webhooks": [{"url": "http://127.0.0.1:9/h", "rules": ["ssh_*"], "min_severity": "high"}]}"#,
        )
        .unwrap();
        assert_eq!(
            config.signal_policy.thresholds["brute"],
            Threshold {
                count: 5,
                window_ms: 600_000
            }
        );
        assert_eq!(config.webhooks[0].min_severity, Severity::High);
        assert!(apply_settings(
            &mut config,
            r#"{"thresholds": {"b": {"count": 0, "window": "1m"}}}"#
        )
        .unwrap_err()
        .contains("at least 1"));
        assert!(
            apply_settings(&mut config, r#"{"webhooks": [{"url": "x"}]}"#)
                .unwrap_err()
                .contains("must start with http")
        );
        assert!(apply_settings(
            &mut config,
            r#"{"thresholds": {"b": {"count": 1, "window": "1y"}}}"#
        )
        .unwrap_err()
        .contains("unknown duration unit"));
        assert!(apply_settings(&mut config, r#"{"typo": 1}"#)
            .unwrap_err()
            .contains("unknown field"));
    }
}
