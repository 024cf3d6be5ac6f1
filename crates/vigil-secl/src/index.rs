//! Per-bucket rule index: most rules start with a required equality on a string field
//! (`exec.file.name in [...]`, `open.file.path == "..."`). Such a rule can only match when the
//! field holds one of its values, so the bucket reads each indexed field once per event and only
//! evaluates the rules keyed by that value, plus the rules that have no such conjunct. Glob
//! patterns on path fields key their rule by the literal directory before the first wildcard.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use crate::ast::{ArrayOp, CmpOp, Expr, ExprKind, LogicOp};
use crate::compile::{compile_field, CompileEnv, MacroDef, StrGetter};
use crate::eval::Ctx;
use crate::matcher::FxHasher;

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

struct KeyedGroup {
    get: StrGetter,
    rules: FxMap<String, Vec<usize>>,
    /// Directory prefixes (ending in `/`) of path globs.
    prefixes: FxMap<String, Vec<usize>>,
}

/// What a rule requires of one field: one of these values, or a path under one of these
/// directories.
struct Requirement {
    field: String,
    values: Vec<String>,
    prefixes: Vec<String>,
}

fn push_unique(list: &mut Vec<usize>, rule: usize) {
    if !list.contains(&rule) {
        list.push(rule);
    }
}

/// The index of one bucket.
#[derive(Default)]
pub(crate) struct BucketIndex {
    keyed: Vec<KeyedGroup>,
    fields: Vec<String>,
    always: Vec<usize>,
}

impl BucketIndex {
    /// Adds a rule (by index) given its expression.
    pub fn add(&mut self, rule: usize, ast: &Expr, env: &CompileEnv<'_>) {
        let Some(alternatives) = required_values(ast, env.macros) else {
            self.always.push(rule);
            return;
        };
        let mut positions = Vec::with_capacity(alternatives.len());
        for Requirement { field, .. } in &alternatives {
            let pos = match self.fields.iter().position(|f| f == field) {
                Some(p) => p,
                None => match compile_field(field, env)
                    .ok()
                    .and_then(|(v, _)| v.into_str_getter())
                {
                    Some(get) => {
                        self.fields.push(field.clone());
                        self.keyed.push(KeyedGroup {
                            get,
                            rules: FxMap::default(),
                            prefixes: FxMap::default(),
                        });
                        self.keyed.len() - 1
                    }
                    None => {
                        self.always.push(rule);
                        return;
                    }
                },
            };
            positions.push(pos);
        }
        for (pos, req) in positions.into_iter().zip(alternatives) {
            let group = &mut self.keyed[pos];
            for v in req.values {
                push_unique(group.rules.entry(v).or_default(), rule);
            }
            for p in req.prefixes {
                push_unique(group.prefixes.entry(p).or_default(), rule);
            }
        }
    }

    /// The rules worth evaluating for this event, in rule order.
    pub fn candidates(&self, ctx: &Ctx<'_>, out: &mut Vec<usize>) {
        out.clear();
        out.extend_from_slice(&self.always);
        for g in &self.keyed {
            let v = (g.get)(ctx);
            if let Some(rules) = g.rules.get(v.as_ref()) {
                out.extend_from_slice(rules);
            }
            if !g.prefixes.is_empty() {
                for (i, _) in v.match_indices('/') {
                    if let Some(rules) = g.prefixes.get(&v[..=i]) {
                        out.extend_from_slice(rules);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    /// (rules always evaluated, indexed fields, indexed rules).
    pub fn stats(&self) -> (usize, Vec<String>, usize) {
        let keyed: std::collections::BTreeSet<usize> = self
            .keyed
            .iter()
            .flat_map(|g| {
                g.rules
                    .values()
                    .chain(g.prefixes.values())
                    .flatten()
                    .copied()
            })
            .collect();
        (self.always.len(), self.fields.clone(), keyed.len())
    }

    pub fn is_empty(&self) -> bool {
        self.always.is_empty() && self.keyed.is_empty()
    }
}

/// Field / value sets one of which every match satisfies: the first conjunct of the top-level
/// `&&` chain that is `field == "v"`, `field in ["a", "b"]` (literal plain strings, possibly
/// through a macro) on a scalar, case-sensitive string field, or an `||` of such tests.
fn required_values(ast: &Expr, macros: &HashMap<String, MacroDef>) -> Option<Vec<Requirement>> {
    let mut cur = ast;
    loop {
        let (conjunct, rest) = match &cur.kind {
            ExprKind::Logic(LogicOp::And, a, b) => (a.as_ref(), Some(b.as_ref())),
            _ => (cur, None),
        };
        let mut alternatives = Vec::new();
        if disjunction(conjunct, macros, &mut alternatives) {
            return Some(alternatives);
        }
        cur = rest?;
    }
}

/// Collects the equality tests of an `||` tree; false if any branch is something else.
fn disjunction(e: &Expr, macros: &HashMap<String, MacroDef>, out: &mut Vec<Requirement>) -> bool {
    match &e.kind {
        ExprKind::Logic(LogicOp::Or, a, b) => {
            disjunction(a, macros, out) && disjunction(b, macros, out)
        }
        _ => match equality(e, macros) {
            Some(found) => {
                out.push(found);
                true
            }
            None => false,
        },
    }
}

fn equality(e: &Expr, macros: &HashMap<String, MacroDef>) -> Option<Requirement> {
    let (field, items) = string_test(e, macros)?;
    if macros.contains_key(field) {
        return None;
    }
    let def = vigil_model::fields::field(field)?;
    if def.ty != vigil_model::fields::FieldType::Str || def.array || def.flags.case_insensitive {
        return None;
    }
    let mut req = Requirement {
        field: field.clone(),
        values: Vec::new(),
        prefixes: Vec::new(),
    };
    for item in items {
        match item {
            Item::Exact(s) if !s.contains("${") => req.values.push(s),
            // A path glob's literal directory: `/etc/pam.d/*` → `/etc/pam.d/`.
            Item::Pattern(p) if def.flags.path && p.starts_with('/') => {
                let literal = p.split('*').next().unwrap_or("");
                let dir = &literal[..=literal.rfind('/')?];
                req.prefixes.push(dir.to_string());
            }
            _ => return None,
        }
    }
    Some(req)
}

/// A test of a field against literal strings: `field == "v"`, `field =~ "p*"` (either operand
/// order) or `field in ["a", ~"b*"]` (the array possibly through a macro). The field is not
/// checked against the model.
pub(crate) fn string_test<'e>(
    e: &'e Expr,
    macros: &HashMap<String, MacroDef>,
) -> Option<(&'e String, Vec<Item>)> {
    match &e.kind {
        ExprKind::Compare(op @ (CmpOp::Eq | CmpOp::Match), a, b) => {
            let (f, v) = match (&a.kind, &b.kind) {
                (ExprKind::Ident(f), _) => (f, b.as_ref()),
                (_, ExprKind::Ident(f)) => (f, a.as_ref()),
                _ => return None,
            };
            let item = match (&v.kind, op) {
                (ExprKind::Str(s), CmpOp::Eq) => Item::Exact(s.clone()),
                (ExprKind::Str(s) | ExprKind::Pattern(s), _) => Item::Pattern(s.clone()),
                _ => return None,
            };
            Some((f, vec![item]))
        }
        ExprKind::InArray(ArrayOp::In, a, b) => {
            let ExprKind::Ident(f) = &a.kind else {
                return None;
            };
            Some((f, members(b, macros, 0)?))
        }
        _ => None,
    }
}

/// One literal a field is tested against.
pub(crate) enum Item {
    /// Equality.
    Exact(String),
    /// A `*` glob.
    Pattern(String),
}

fn members(e: &Expr, macros: &HashMap<String, MacroDef>, depth: usize) -> Option<Vec<Item>> {
    match &e.kind {
        ExprKind::Array(items) => items
            .iter()
            .map(|i| match &i.kind {
                ExprKind::Str(s) => Some(Item::Exact(s.clone())),
                ExprKind::Pattern(s) => Some(Item::Pattern(s.clone())),
                _ => None,
            })
            .collect(),
        ExprKind::Ident(name) if depth < 8 => {
            members(macros.get(name)?.expr.as_ref().ok()?, macros, depth + 1)
        }
        _ => None,
    }
}
