//! Per-rule rate limiting of emitted security events (Datadog's defaults: a token bucket of
//! 10 events/s with a burst of 40 per rule). Suppressed events are counted per rule so that the
//! agent can report them in `lost_events`; custom events are never limited.

use std::collections::HashMap;
use std::time::Instant;

/// Token-bucket parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained events per second.
    pub per_second: f64,
    /// Bucket size.
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 10.0,
            burst: 40,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// One token bucket per rule id.
#[derive(Debug)]
pub struct RuleRateLimiter {
    limit: RateLimit,
    buckets: HashMap<String, Bucket>,
    suppressed: HashMap<String, u64>,
}

impl RuleRateLimiter {
    pub fn new(limit: RateLimit) -> RuleRateLimiter {
        RuleRateLimiter {
            limit,
            buckets: HashMap::new(),
            suppressed: HashMap::new(),
        }
    }

    /// Whether an event of `rule_id` may be emitted at `now`; a refusal is counted.
    pub fn allow(&mut self, rule_id: &str, now: Instant) -> bool {
        let limit = self.limit;
        let bucket = match self.buckets.get_mut(rule_id) {
            Some(b) => b,
            None => self.buckets.entry(rule_id.to_string()).or_insert(Bucket {
                tokens: f64::from(limit.burst),
                last: now,
            }),
        };
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * limit.per_second).min(f64::from(limit.burst));
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            *self.suppressed.entry(rule_id.to_string()).or_insert(0) += 1;
            false
        }
    }

    /// Suppressed counts since the previous call, per rule (and resets them).
    pub fn take_suppressed(&mut self) -> HashMap<String, u64> {
        std::mem::take(&mut self.suppressed)
    }

    /// Forgets the buckets of rules that no longer exist (after a reload).
    pub fn retain_rules(&mut self, keep: impl Fn(&str) -> bool) {
        self.buckets.retain(|id, _| keep(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_rate_and_counts_suppressed() {
        let mut rl = RuleRateLimiter::new(RateLimit::default());
        let t0 = Instant::now();
        let allowed = (0..100).filter(|_| rl.allow("r", t0)).count();
        assert_eq!(allowed, 40);
        // One second later, ten more tokens.
        let t1 = t0 + Duration::from_secs(1);
        let allowed = (0..100).filter(|_| rl.allow("r", t1)).count();
        assert_eq!(allowed, 10);
        // Other rules have their own bucket.
        assert!(rl.allow("other", t1));
        let suppressed = rl.take_suppressed();
        assert_eq!(suppressed.get("r"), Some(&150));
        assert_eq!(suppressed.get("other"), None);
        assert!(rl.take_suppressed().is_empty());
    }
}
