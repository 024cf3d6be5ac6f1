//! Kernel approvers derived from the loaded rules (Datadog's "approvers"). For each file event
//! type, a condition that every rule of the type requires of an event before it can match: the
//! target's basename is one of a set, or (open) the flags intersect a mask. The sensor drops the
//! events of that type that satisfy neither before they reach user space. One rule that requires
//! neither (`unlink.file.path =~ "/var/log/**"`) leaves its whole type unfiltered.
//!
//! A rule's requirement is found by walking its expression: a conjunct that requires a basename
//! or flags is enough for `&&` (the most selective one is kept), both sides must have one for
//! `||` (their union is kept), macros are followed, anything else (negations, variables,
//! wildcard basenames) requires nothing the kernel can check.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use vigil_model::consts::{Flag, OPEN_FLAGS};
use vigil_model::fields::field;
use vigil_model::EventType;

use crate::ast::{BitOp, CmpOp, Expr, ExprKind, LogicOp};
use crate::compile::MacroDef;
use crate::index::{string_test, Item};
use crate::ruleset::RuleSet;

/// Macros nest at most this deep while looking for approvers (cycles are type errors anyway).
const MAX_MACRO_DEPTH: usize = 8;

/// What every event of one type must satisfy to possibly match a rule: its basename (source or
/// destination for link and rename) is in `basenames`, or its open flags intersect
/// `open_flags_mask`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeApprovers {
    pub basenames: BTreeSet<String>,
    /// `O_*` bits (open only); 0 = no flags approver.
    pub open_flags_mask: u32,
}

impl TypeApprovers {
    fn union(mut self, other: TypeApprovers) -> TypeApprovers {
        self.basenames.extend(other.basenames);
        self.open_flags_mask |= other.open_flags_mask;
        self
    }

    /// Fewer events pass: no flags test (flags such as O_WRONLY approve whole classes of
    /// opens), then fewer names.
    fn is_narrower_than(&self, other: &TypeApprovers) -> bool {
        (self.open_flags_mask != 0, self.basenames.len())
            < (other.open_flags_mask != 0, other.basenames.len())
    }
}

/// `basenames a, b; open flags O_CREAT | O_TRUNC`.
impl fmt::Display for TypeApprovers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.basenames.is_empty() {
            parts.push(format!(
                "basenames {}",
                self.basenames
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if self.open_flags_mask != 0 {
            let mut names = Vec::new();
            OPEN_FLAGS.for_each_flag(u64::from(self.open_flags_mask), |flag| {
                names.push(match flag {
                    Flag::Name(name) => name.to_string(),
                    Flag::Leftover(bits) => format!("{bits:#o}"),
                })
            });
            parts.push(format!("open flags {}", names.join(" | ")));
        }
        f.write_str(&parts.join("; "))
    }
}

/// The kernel filter of one event type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// Only events satisfying these approvers can match a rule of the type.
    Approvers(TypeApprovers),
    /// This rule (the first such one) requires no basename or flags: every event of the type
    /// must reach user space.
    Unfiltered { rule_id: String },
}

impl fmt::Display for Approval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Approval::Approvers(a) => a.fmt(f),
            Approval::Unfiltered { rule_id } => {
                write!(f, "none (rule {rule_id} can match any event of the type)")
            }
        }
    }
}

impl RuleSet {
    /// The approvers of `event_type` derived from the loaded rules; `None` when no rule has
    /// that type. Only file types whose target basename the sensor sees are meaningful.
    pub fn approvers(&self, event_type: EventType) -> Option<Approval> {
        let finder = Finder {
            event_type,
            macros: self.macros(),
        };
        let mut union: Option<TypeApprovers> = None;
        for rule in self.rules().iter().filter(|r| r.event_type == event_type) {
            match finder.required(rule.ast(), 0) {
                None => {
                    return Some(Approval::Unfiltered {
                        rule_id: rule.id().to_string(),
                    })
                }
                Some(a) => {
                    union = Some(match union {
                        Some(u) => u.union(a),
                        None => a,
                    })
                }
            }
        }
        union.map(Approval::Approvers)
    }
}

struct Finder<'a> {
    event_type: EventType,
    macros: &'a HashMap<String, MacroDef>,
}

impl Finder<'_> {
    /// Approvers every event matching `e` satisfies, if the kernel can check any.
    fn required(&self, e: &Expr, depth: usize) -> Option<TypeApprovers> {
        match &e.kind {
            ExprKind::Logic(LogicOp::And, a, b) => {
                match (self.required(a, depth), self.required(b, depth)) {
                    (Some(x), Some(y)) => Some(if y.is_narrower_than(&x) { y } else { x }),
                    (x, y) => x.or(y),
                }
            }
            ExprKind::Logic(LogicOp::Or, a, b) => {
                Some(self.required(a, depth)?.union(self.required(b, depth)?))
            }
            ExprKind::Ident(name) if depth < MAX_MACRO_DEPTH => {
                let body = self.macros.get(name)?.expr.as_ref().ok()?;
                self.required(body, depth + 1)
            }
            ExprKind::Compare(..) | ExprKind::InArray(..) => {
                self.basenames(e).or_else(|| self.open_flags(e))
            }
            _ => None,
        }
    }

    /// `<type>.file[.destination].{name,path}` tested against literals that all fix a basename.
    fn basenames(&self, e: &Expr) -> Option<TypeApprovers> {
        let (field_name, items) = string_test(e, self.macros)?;
        let is_path = self.is_target_field(field_name, "path");
        if !is_path && !self.is_target_field(field_name, "name") {
            return None;
        }
        let mut basenames = BTreeSet::new();
        for item in items {
            let name = match &item {
                Item::Exact(s) | Item::Pattern(s) if s.contains("${") => return None,
                Item::Exact(s) if is_path => s.rsplit('/').next().unwrap_or(s),
                Item::Exact(s) => s.as_str(),
                // Whatever the wildcards match, a path glob whose text after the last `*`
                // holds a `/` ends in that literal basename.
                Item::Pattern(p) if is_path => {
                    p.rsplit('*').next().unwrap_or(p).rsplit_once('/')?.1
                }
                Item::Pattern(p) if p.contains('*') => return None,
                Item::Pattern(p) => p.as_str(),
            };
            if name.is_empty() || name.contains('/') || name == "." || name == ".." {
                return None;
            }
            basenames.insert(name.to_string());
        }
        Some(TypeApprovers {
            basenames,
            open_flags_mask: 0,
        })
    }

    fn is_target_field(&self, name: &str, leaf: &str) -> bool {
        let t = self.event_type.name();
        let usable = |candidate: String| {
            name == candidate && field(name).is_some_and(|d| !d.array && !d.flags.case_insensitive)
        };
        usable(format!("{t}.file.{leaf}")) || usable(format!("{t}.file.destination.{leaf}"))
    }

    /// `open.flags & M > 0` (or `!= 0`, `>= 1`, `== C`), `open.flags == C`: the flags intersect
    /// a constant mask.
    fn open_flags(&self, e: &Expr) -> Option<TypeApprovers> {
        if self.event_type != EventType::Open {
            return None;
        }
        let ExprKind::Compare(op, lhs, rhs) = &e.kind else {
            return None;
        };
        let value = self.constant(rhs, 0)?;
        let is_flags = |x: &Expr| matches!(&x.kind, ExprKind::Ident(f) if f == "open.flags");
        let mask = match &lhs.kind {
            ExprKind::Bit(BitOp::And, a, b) => {
                let mask = if is_flags(a) {
                    self.constant(b, 0)?
                } else if is_flags(b) {
                    self.constant(a, 0)?
                } else {
                    return None;
                };
                match op {
                    CmpOp::Gt if value >= 0 => mask,
                    CmpOp::Ne if value == 0 => mask,
                    CmpOp::Ge if value >= 1 => mask,
                    CmpOp::Eq => mask & value,
                    _ => return None,
                }
            }
            _ if is_flags(lhs) && *op == CmpOp::Eq => value,
            _ => return None,
        };
        let open_flags_mask = u32::try_from(mask).ok().filter(|m| *m != 0)?;
        Some(TypeApprovers {
            basenames: BTreeSet::new(),
            open_flags_mask,
        })
    }

    /// An integer known at load time: a literal, a named constant (`O_CREAT`), a macro, or a
    /// bitwise combination of those.
    fn constant(&self, e: &Expr, depth: usize) -> Option<i64> {
        match &e.kind {
            ExprKind::Int(i) => Some(*i),
            ExprKind::Ident(name) => match self.macros.get(name) {
                Some(m) if depth < MAX_MACRO_DEPTH => {
                    self.constant(m.expr.as_ref().ok()?, depth + 1)
                }
                Some(_) => None,
                None => vigil_model::consts::secl_constant(name),
            },
            ExprKind::Bit(op, a, b) => {
                let (a, b) = (self.constant(a, depth)?, self.constant(b, depth)?);
                Some(match op {
                    BitOp::And => a & b,
                    BitOp::Or => a | b,
                    BitOp::Xor => a ^ b,
                })
            }
            _ => None,
        }
    }
}
