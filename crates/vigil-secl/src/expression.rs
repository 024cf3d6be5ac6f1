//! Standalone expressions, for the backend and tools: compile one SECL expression against the
//! event model without restricting it to one event type, evaluate it on a model event (for
//! example one deserialized from stored CWS JSON), and extract the simple predicates an event
//! store can push down to its indexes.

use std::collections::{BTreeSet, HashMap};

use vigil_model::{Event, EventType};

use crate::ast::{ArrayOp, CmpOp, Expr, ExprKind, LogicOp};
use crate::compile::{compile_bool, CompileEnv, Compiled, EventFields, MacroDef};
use crate::error::SeclError;
use crate::eval::Ctx;
use crate::matcher::Wildcard;
use crate::parser::parse_expression;
use crate::variables::{VarDecls, VarStore};

/// A compiled standalone expression.
pub struct Expression {
    source: String,
    ast: Expr,
    compiled: Compiled,
}

impl Expression {
    /// Compiles `source` with no macros and no rule variables (built-ins only).
    pub fn compile(source: &str) -> Result<Expression, SeclError> {
        Expression::compile_with(source, &HashMap::new(), &VarDecls::default())
    }

    /// Compiles `source` with macros and declared variables.
    pub fn compile_with(
        source: &str,
        macros: &HashMap<String, MacroDef>,
        vars: &VarDecls,
    ) -> Result<Expression, SeclError> {
        let ast = parse_expression(source)?;
        let env = CompileEnv {
            macros,
            vars,
            fields: &EventFields,
        };
        let compiled = compile_bool(&ast, source, &env)?;
        Ok(Expression {
            source: source.to_string(),
            ast,
            compiled,
        })
    }

    /// Evaluates on an event (variables read as unset). An expression that reads fields of
    /// specific event types matches only events of those types.
    pub fn matches(&self, event: &Event) -> bool {
        self.matches_with(event, &VarStore::new())
    }

    /// Evaluates with a variable store.
    pub fn matches_with(&self, event: &Event, vars: &VarStore) -> bool {
        let types = &self.compiled.event_types;
        (types.is_empty() || types.contains(&event.event_type()))
            && self.compiled.eval(&Ctx::new(event, vars))
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn ast(&self) -> &Expr {
        &self.ast
    }

    /// Event types whose fields the expression reads (empty: any event).
    pub fn event_types(&self) -> &BTreeSet<EventType> {
        &self.compiled.event_types
    }

    /// Model fields the expression reads.
    pub fn fields(&self) -> &BTreeSet<&'static str> {
        &self.compiled.fields
    }

    /// Predicates that every matching event satisfies (conjuncts of the top-level `&&` chain of
    /// the form `field == "v"`, `field in ["a", "b"]`, `field =~ "prefix*"`). Filtering on them
    /// first never drops a match; the expression must still be evaluated on what remains.
    pub fn pushdown(&self) -> Vec<Predicate> {
        let mut out = Vec::new();
        collect_conjuncts(&self.ast, &mut out);
        for t in &self.compiled.event_types {
            out.push(Predicate {
                field: "evt.name".into(),
                test: PredicateTest::OneOf(vec![t.name().to_string()]),
            });
        }
        out
    }
}

/// One push-down predicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Predicate {
    /// SECL field name (`evt.name` for the event type).
    pub field: String,
    pub test: PredicateTest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PredicateTest {
    /// The field equals one of these strings.
    OneOf(Vec<String>),
    /// The field starts with this prefix.
    Prefix(String),
    /// The field equals one of these integers.
    IntOneOf(Vec<i64>),
}

fn collect_conjuncts(e: &Expr, out: &mut Vec<Predicate>) {
    match &e.kind {
        ExprKind::Logic(LogicOp::And, a, b) => {
            collect_conjuncts(a, out);
            collect_conjuncts(b, out);
        }
        ExprKind::Compare(op @ (CmpOp::Eq | CmpOp::Match), a, b) => {
            let (field, value) = match (&a.kind, &b.kind) {
                (ExprKind::Ident(f), _) if !f.contains('[') => (f, b),
                (_, ExprKind::Ident(f)) if !f.contains('[') => (f, a),
                _ => return,
            };
            if !pushable_field(field) {
                return;
            }
            match (&value.kind, op) {
                (ExprKind::Str(s), CmpOp::Eq) if !s.contains("${") => out.push(Predicate {
                    field: field.clone(),
                    test: PredicateTest::OneOf(vec![s.clone()]),
                }),
                (ExprKind::Str(p) | ExprKind::Pattern(p), _) => {
                    if let Some(t) = pattern_test(p) {
                        out.push(Predicate {
                            field: field.clone(),
                            test: t,
                        });
                    }
                }
                (ExprKind::Int(i), CmpOp::Eq) => out.push(Predicate {
                    field: field.clone(),
                    test: PredicateTest::IntOneOf(vec![*i]),
                }),
                _ => {}
            }
        }
        ExprKind::InArray(ArrayOp::In, a, b) => {
            let ExprKind::Ident(field) = &a.kind else {
                return;
            };
            let ExprKind::Array(items) = &b.kind else {
                return;
            };
            if !pushable_field(field) || field.contains('[') {
                return;
            }
            let mut strs = Vec::new();
            let mut ints = Vec::new();
            for i in items {
                match &i.kind {
                    ExprKind::Str(s) if !s.contains("${") => strs.push(s.clone()),
                    ExprKind::Int(v) => ints.push(*v),
                    _ => return,
                }
            }
            if !strs.is_empty() {
                out.push(Predicate {
                    field: field.clone(),
                    test: PredicateTest::OneOf(strs),
                });
            } else if !ints.is_empty() {
                out.push(Predicate {
                    field: field.clone(),
                    test: PredicateTest::IntOneOf(ints),
                });
            }
        }
        _ => {}
    }
}

/// Only scalar fields of the model (array fields match on any element, which an equality index
/// on the scalar JSON value cannot express; case-insensitive fields are left out too).
fn pushable_field(name: &str) -> bool {
    vigil_model::fields::field(name).is_some_and(|d| !d.array && !d.flags.case_insensitive)
}

/// `"abc*"` (one trailing star, no other wildcard) → prefix; a pattern without star → equality.
fn pattern_test(p: &str) -> Option<PredicateTest> {
    let prefix = Wildcard::new(p, false).literal_prefix().to_string();
    if !p.contains('*') {
        return Some(PredicateTest::OneOf(vec![p.to_string()]));
    }
    (p.len() == prefix.len() + 1 || p.ends_with("**") && p.len() == prefix.len() + 2)
        .then_some(PredicateTest::Prefix(prefix))
        .filter(|t| !matches!(t, PredicateTest::Prefix(x) if x.is_empty()))
}
