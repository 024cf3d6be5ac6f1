//! Vigil agent pipeline: probe → resolvers → rules → serializer → reporters, plus the agent's own
//! events (ruleset_loaded, heartbeat, lost_events) and the per-rule rate limiter.

pub mod custom_events;
pub mod heartbeat;
pub mod rate_limiter;
pub mod sink;
