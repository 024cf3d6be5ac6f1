//! Vigil agent pipeline: probe → resolvers → rules → serializer → reporters, plus the agent's own
//! events (ruleset_loaded, heartbeat, lost_events) and the per-rule rate limiter.

pub mod agent;
pub mod convert;
pub mod custom_events;
pub mod heartbeat;
pub mod kernel_filter;
pub mod pipeline;
pub mod rate_limiter;
pub mod sink;

pub use agent::{Agent, AgentConfig, AgentError, StartSummary};
pub use pipeline::{AgentStats, Pipeline};
pub use vigil_probe::FileErrors;
