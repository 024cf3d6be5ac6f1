//! Vigil's typed CWS event model, the constants table, and the CWS JSON serializer /
//! deserializer whose output conforms to the spec schema (`schema/backend_event.schema.json`).

pub mod consts;
pub mod event;
pub mod fields;
pub mod file;
pub mod json;
pub mod process;
pub mod record;
pub mod time;

pub use event::*;
pub use file::File;
pub use process::{Ancestors, ArgsEnvs, ContainerContext, Credentials, Process};
pub use time::Timestamp;

/// The JSON schema every security event Vigil emits validates against (envelope keys removed).
pub const EVENT_SCHEMA: &str = include_str!("../schema/backend_event.schema.json");
