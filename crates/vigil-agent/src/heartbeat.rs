//! Heartbeat cadence (Datadog's): one beat per minute for the first five, then one every ten
//! minutes; a policy reload restarts the cycle.

use std::time::{Duration, Instant};

/// When the next heartbeat is due.
#[derive(Debug, Clone)]
pub struct HeartbeatSchedule {
    next: Instant,
    beats: u32,
    fast: Duration,
    slow: Duration,
    fast_beats: u32,
}

impl HeartbeatSchedule {
    /// Datadog's cadence, starting now (the first beat is one fast interval away).
    pub fn new(now: Instant) -> HeartbeatSchedule {
        HeartbeatSchedule::with_intervals(now, Duration::from_secs(60), Duration::from_secs(600), 5)
    }

    pub fn with_intervals(
        now: Instant,
        fast: Duration,
        slow: Duration,
        fast_beats: u32,
    ) -> HeartbeatSchedule {
        HeartbeatSchedule {
            next: now + fast,
            beats: 0,
            fast,
            slow,
            fast_beats,
        }
    }

    /// Whether a beat is due at `now`; if so, schedules the next one.
    pub fn due(&mut self, now: Instant) -> bool {
        if now < self.next {
            return false;
        }
        self.beats += 1;
        let interval = if self.beats < self.fast_beats {
            self.fast
        } else {
            self.slow
        };
        self.next = now + interval;
        true
    }

    /// Restarts the fast cycle (after a reload).
    pub fn restart(&mut self, now: Instant) {
        self.beats = 0;
        self.next = now + self.fast;
    }

    /// Time until the next beat.
    pub fn until_next(&self, now: Instant) -> Duration {
        self.next.saturating_duration_since(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_fast_beats_then_slow_and_restart() {
        let t0 = Instant::now();
        let mut h = HeartbeatSchedule::new(t0);
        assert!(!h.due(t0));
        let mut t = t0;
        for _ in 0..5 {
            t += Duration::from_secs(60);
            assert!(h.due(t));
            assert!(!h.due(t));
        }
        assert_eq!(h.until_next(t), Duration::from_secs(600));
        h.restart(t);
        assert_eq!(h.until_next(t), Duration::from_secs(60));
    }
}
