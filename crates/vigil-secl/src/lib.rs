//! SECL (Datadog's Agent expression language): lexer, parser, type-checker, compiler to fast
//! evaluators, variables and actions, policy loading and merging, and the rule set the agent and
//! the backend evaluate events with.

pub mod approvers;
pub mod ast;
pub mod compile;
pub mod error;
pub mod eval;
pub mod expression;
mod index;
pub mod lexer;
pub mod matcher;
pub mod net;
pub mod parser;
pub mod policy;
pub mod ruleset;
pub mod variables;

pub use approvers::{Approval, TypeApprovers};
pub use error::{ErrorKind, SeclError};
pub use expression::{Expression, Predicate, PredicateTest};
pub use parser::parse_expression;
pub use policy::version::COMPATIBLE_AGENT_VERSION;
pub use policy::{load_policies, parse_policy, Policy};
pub use ruleset::{
    Explanation, ExternalAction, LoadOptions, Rule, RuleReport, RuleSet, RuleState, RuleStatus,
};
