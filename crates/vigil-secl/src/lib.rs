//! SECL (Datadog's Agent expression language): lexer, parser, type-checker, compiler to fast
//! evaluators, variables and actions, policy loading and merging, and the rule set the agent and
//! the backend evaluate events with.

pub mod ast;
pub mod error;
pub mod lexer;
pub mod net;
pub mod parser;

pub use error::{ErrorKind, SeclError};
pub use parser::parse_expression;
