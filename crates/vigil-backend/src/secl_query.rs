//! Search queries in SECL, compiled by the project's SECL engine.
//!
//! The SECL engine (`vigil-secl`) has not been integrated yet: until it is, only the empty query
//! (time range plus `host` / `rule_id` selectors) is accepted, and any SECL expression is refused
//! with an explicit error instead of being approximated.
use crate::query::{CompiledSearch, QueryCompiler};

pub struct SeclQueryCompiler;

impl QueryCompiler for SeclQueryCompiler {
    fn compile(&self, _query: &str) -> Result<CompiledSearch, String> {
        Err("SECL search is not available in this build yet (the SECL engine is not integrated); \
             use the host / rule_id selectors and the time range"
            .to_owned())
    }
}
