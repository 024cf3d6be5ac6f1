//! CWS JSON: a streaming serializer (model → spec JSON, no intermediate values) and a
//! deserializer (spec JSON → model) used by policy evaluation, replay and the backend.

mod de;
mod names;
mod ser;
pub mod writer;

pub use de::{from_json, from_value, DecodeError};
pub use names::{flag_names, mask_string};
pub use ser::{to_json, write_event, write_event_fields};
