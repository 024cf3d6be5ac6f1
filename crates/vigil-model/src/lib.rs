//! Vigil typed CWS event model, constants table, and CWS JSON serializer / deserializer.
pub mod consts;
