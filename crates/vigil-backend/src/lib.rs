//! Vigil backend: intake, event store, search and security signals — plus the agent-side
//! forwarder that streams records to it.
pub mod auth;
pub mod client;
pub mod forwarder;
pub mod intake;
pub mod query;
pub mod record;
pub mod secl_query;
pub mod server;
pub mod signals;
pub mod store;
pub mod timefmt;
pub mod webhook;
