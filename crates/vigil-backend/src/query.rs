//! Search queries: a query string compiles to promoted-field filters that SQL applies (index
//! pushdown) plus an optional predicate evaluated on each stored record that passed them.
//! The compiler is pluggable; the server uses the SECL one (`secl_query`).
use crate::store::{FieldFilter, RecordPredicate};

/// What a query string compiles to.
pub struct CompiledSearch {
    pub filters: Vec<FieldFilter>,
    /// `None` when the filters alone answer the query exactly.
    pub predicate: Option<Box<dyn RecordPredicate>>,
}

impl CompiledSearch {
    pub fn everything() -> CompiledSearch {
        CompiledSearch {
            filters: Vec::new(),
            predicate: None,
        }
    }
}

pub trait QueryCompiler: Send + Sync {
    /// Compiles a non-empty query; the error text is shown to the user as is.
    fn compile(&self, query: &str) -> Result<CompiledSearch, String>;
}

/// Compiles an optional query: empty or absent selects everything.
pub fn compile_optional(
    compiler: &dyn QueryCompiler,
    query: Option<&str>,
) -> Result<CompiledSearch, String> {
    match query.map(str::trim) {
        None | Some("") => Ok(CompiledSearch::everything()),
        Some(text) => compiler.compile(text),
    }
}
