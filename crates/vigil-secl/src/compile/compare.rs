//! Comparisons and array membership: `== != < <= > >= =~ !~`, `in`, `not in`, `allin`, over
//! scalars and multi-valued fields (any-element semantics; the negative operators are true only
//! if no element matches), with constants folded and matchers precompiled.

use crate::ast::{ArrayOp, CmpOp};
use crate::error::{ErrorKind, Unplaced};
use crate::eval::*;
use crate::matcher::{Matcher, StrLit, StrSemantics, StrSet};
use crate::net::IpNet;

use super::value::*;

type R = Result<BoolV, Unplaced>;

fn type_err(msg: impl Into<String>) -> Unplaced {
    Unplaced::new(ErrorKind::Type, msg)
}

/// What a comparison tests each element with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quant {
    /// True if any element passes (negated for the negative operators).
    Any,
    /// True if every element passes (`allin`).
    All,
}

/// Builds `[!] quant(subject, pred)`.
fn str_test(
    subject: StrV,
    pred: impl Fn(&Ctx<'_>, &str) -> bool + Send + Sync + 'static,
    negate: bool,
    quant: Quant,
    pred_cost: u32,
) -> R {
    Ok(match subject {
        StrV::Scalar(f, cost, _) => {
            BoolV::Scalar(bool_fn(move |c| pred(c, &f(c)) != negate), cost + pred_cost)
        }
        StrV::Array(f, cost, _) => match quant {
            Quant::Any => BoolV::Scalar(
                bool_fn(move |c| f(c, &mut |s| pred(c, s)) != negate),
                cost + pred_cost * 2,
            ),
            Quant::All => BoolV::Scalar(
                bool_fn(move |c| f(c, &mut |s| !pred(c, s)) == negate),
                cost + pred_cost * 2,
            ),
        },
        _ => return Err(type_err("internal: string subject is not an evaluator")),
    })
}

fn matcher_test(subject: StrV, m: Matcher, negate: bool, quant: Quant) -> R {
    let cost = m.cost();
    match m {
        Matcher::Exact(v) => str_test(subject, move |_, s| s == v, negate, quant, cost),
        m => str_test(subject, move |_, s| m.matches(s), negate, quant, cost),
    }
}

fn semantics(v: &StrV) -> StrSemantics {
    match v {
        StrV::Scalar(_, _, s) | StrV::Array(_, _, s) => *s,
        _ => StrSemantics::default(),
    }
}

fn is_literal(v: &StrV) -> bool {
    matches!(v, StrV::Const(_) | StrV::List(_))
}

/// `l op r` on strings.
pub(crate) fn compare_str(op: CmpOp, l: StrV, r: StrV) -> R {
    let (as_pattern, negate) = match op {
        CmpOp::Eq => (false, false),
        CmpOp::Ne => (false, true),
        CmpOp::Match => (true, false),
        CmpOp::NotMatch => (true, true),
        _ => {
            return Err(type_err(format!(
                "operator `{}` does not apply to strings",
                op.as_str()
            )))
        }
    };
    // Put the evaluated side on the left.
    let (l, r) = if is_literal(&l) && !is_literal(&r) {
        (r, l)
    } else {
        (l, r)
    };
    match (l, r) {
        (StrV::Const(a), StrV::Const(b)) => {
            let m = Matcher::compile(&b, StrSemantics::default(), as_pattern).map_err(type_err)?;
            let a = match a {
                StrLit::Plain(s) | StrLit::Pattern(s) | StrLit::Regex(s) => s,
            };
            Ok(BoolV::Const(m.matches(&a) != negate))
        }
        (StrV::List(_), _) | (_, StrV::List(_)) => Err(type_err(format!(
            "operator `{}` cannot take an array; use `in`",
            op.as_str()
        ))),
        (subject, StrV::Const(lit)) => {
            let m = Matcher::compile(&lit, semantics(&subject), as_pattern).map_err(type_err)?;
            matcher_test(subject, m, negate, Quant::Any)
        }
        (subject, other) => dynamic_equality(subject, other, negate),
    }
}

/// Two evaluated strings: equal if any pair of elements is equal.
fn dynamic_equality(l: StrV, r: StrV, negate: bool) -> R {
    let ci = semantics(&l).case_insensitive || semantics(&r).case_insensitive;
    let eq = move |a: &str, b: &str| {
        if ci {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match r {
        StrV::Scalar(rf, rc, _) => {
            str_test(l, move |c, s| eq(s, &rf(c)), negate, Quant::Any, rc + 1)
        }
        StrV::Array(rf, rc, _) => str_test(
            l,
            move |c, s| rf(c, &mut |x| eq(s, x)),
            negate,
            Quant::Any,
            rc + 2,
        ),
        _ => Err(type_err("internal: string value is not an evaluator")),
    }
}

/// `l in r` (and `not in`, `allin`) on strings.
pub(crate) fn in_str(op: ArrayOp, l: StrV, r: StrV) -> R {
    let negate = op == ArrayOp::NotIn;
    let quant = if op == ArrayOp::AllIn {
        Quant::All
    } else {
        Quant::Any
    };
    match (l, r) {
        (StrV::Const(a), StrV::List(items)) => {
            let set = StrSet::compile(&items, StrSemantics::default()).map_err(type_err)?;
            let a = match a {
                StrLit::Plain(s) | StrLit::Pattern(s) | StrLit::Regex(s) => s,
            };
            Ok(BoolV::Const(set.matches(&a) != negate))
        }
        (subject @ (StrV::Scalar(..) | StrV::Array(..)), StrV::List(items)) => {
            let set = StrSet::compile(&items, semantics(&subject)).map_err(type_err)?;
            let cost = set.cost();
            str_test(subject, move |_, s| set.matches(s), negate, quant, cost)
        }
        (StrV::List(_), _) => Err(type_err("the left side of `in` cannot be an array literal")),
        // `value in field`: the field holds the set.
        (l, r @ (StrV::Scalar(..) | StrV::Array(..))) => match l {
            StrV::Const(lit) => {
                let m = Matcher::compile(&lit, semantics(&r), false).map_err(type_err)?;
                matcher_test(r, m, negate, Quant::Any)
            }
            l => dynamic_equality(l, r, negate),
        },
        (l, StrV::Const(lit)) => compare_str(
            if negate { CmpOp::Ne } else { CmpOp::Eq },
            l,
            StrV::Const(lit),
        ),
    }
}

fn cmp_int(op: CmpOp, a: i64, b: i64) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
        CmpOp::Match | CmpOp::NotMatch => false,
    }
}

fn mirror(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}

fn int_test(
    subject: IntV,
    pred: impl Fn(&Ctx<'_>, i64) -> bool + Send + Sync + 'static,
    negate: bool,
    quant: Quant,
) -> R {
    Ok(match subject {
        IntV::Scalar(f, cost, _) => {
            BoolV::Scalar(bool_fn(move |c| pred(c, f(c)) != negate), cost + 1)
        }
        IntV::Array(f, cost, _) => match quant {
            Quant::Any => BoolV::Scalar(
                bool_fn(move |c| f(c, &mut |x| pred(c, x)) != negate),
                cost + 2,
            ),
            Quant::All => BoolV::Scalar(
                bool_fn(move |c| f(c, &mut |x| !pred(c, x)) == negate),
                cost + 2,
            ),
        },
        _ => return Err(type_err("internal: int subject is not an evaluator")),
    })
}

/// `l op r` on integers; a timestamp field compared with a duration compares its age.
pub(crate) fn compare_int(op: CmpOp, l: IntV, r: IntV) -> R {
    if matches!(op, CmpOp::Match | CmpOp::NotMatch) {
        return Err(type_err(format!(
            "operator `{}` does not apply to integers",
            op.as_str()
        )));
    }
    // Only `!=` is negative: `x != 1` on an array is "no element equals 1".
    let (pos_op, negate) = if op == CmpOp::Ne {
        (CmpOp::Eq, true)
    } else {
        (op, false)
    };
    let lit = |v: &IntV| matches!(v, IntV::Const(..) | IntV::List(_));
    let (op, l, r) = if lit(&l) && !lit(&r) {
        (mirror(pos_op), r, l)
    } else {
        (pos_op, l, r)
    };
    match (l, r) {
        (IntV::Const(a, _), IntV::Const(b, _)) => Ok(BoolV::Const(cmp_int(op, a, b) != negate)),
        (IntV::List(_), _) | (_, IntV::List(_)) => Err(type_err(format!(
            "operator `{}` cannot take an array; use `in`",
            op.as_str()
        ))),
        (subject, IntV::Const(v, duration)) => {
            let time = matches!(subject, IntV::Scalar(_, _, true) | IntV::Array(_, _, true));
            if time && duration {
                int_test(
                    subject,
                    move |c, ts| cmp_int(op, (c.now as i64).saturating_sub(ts), v),
                    negate,
                    Quant::Any,
                )
            } else {
                int_test(subject, move |_, x| cmp_int(op, x, v), negate, Quant::Any)
            }
        }
        (subject, IntV::Scalar(rf, _, _)) => int_test(
            subject,
            move |c, x| cmp_int(op, x, rf(c)),
            negate,
            Quant::Any,
        ),
        (subject, IntV::Array(rf, _, _)) => int_test(
            subject,
            move |c, x| rf(c, &mut |y| cmp_int(op, x, y)),
            negate,
            Quant::Any,
        ),
    }
}

/// `l in r` on integers.
pub(crate) fn in_int(op: ArrayOp, l: IntV, r: IntV) -> R {
    let negate = op == ArrayOp::NotIn;
    let quant = if op == ArrayOp::AllIn {
        Quant::All
    } else {
        Quant::Any
    };
    match (l, r) {
        (IntV::Const(a, _), IntV::List(items)) => Ok(BoolV::Const(items.contains(&a) != negate)),
        (subject @ (IntV::Scalar(..) | IntV::Array(..)), IntV::List(mut items)) => {
            items.sort_unstable();
            items.dedup();
            if items.len() <= 8 {
                int_test(subject, move |_, x| items.contains(&x), negate, quant)
            } else {
                int_test(
                    subject,
                    move |_, x| items.binary_search(&x).is_ok(),
                    negate,
                    quant,
                )
            }
        }
        (IntV::List(_), _) => Err(type_err("the left side of `in` cannot be an array literal")),
        (l, r) => {
            let eq = compare_int(CmpOp::Eq, l, r)?;
            Ok(negate_bool(eq, negate))
        }
    }
}

fn negate_bool(b: BoolV, negate: bool) -> BoolV {
    if !negate {
        return b;
    }
    match b {
        BoolV::Const(v) => BoolV::Const(!v),
        BoolV::Scalar(f, c) => BoolV::Scalar(bool_fn(move |ctx| !f(ctx)), c),
        BoolV::Array(f, c) => BoolV::Scalar(bool_fn(move |ctx| !f(ctx, &mut |x| x)), c),
    }
}

/// `l == r` / `l != r` on booleans.
pub(crate) fn compare_bool(op: CmpOp, l: BoolV, r: BoolV) -> R {
    let negate = match op {
        CmpOp::Eq => false,
        CmpOp::Ne => true,
        _ => {
            return Err(type_err(format!(
                "operator `{}` does not apply to booleans",
                op.as_str()
            )))
        }
    };
    let (l, r) = if matches!(l, BoolV::Const(_)) {
        (r, l)
    } else {
        (l, r)
    };
    Ok(match (l, r) {
        (BoolV::Const(a), BoolV::Const(b)) => BoolV::Const((a == b) != negate),
        (BoolV::Scalar(f, c), BoolV::Const(b)) => BoolV::Scalar(bool_fn(move |ctx| (f(ctx) == b) != negate), c),
        (BoolV::Array(f, c), BoolV::Const(b)) => BoolV::Scalar(bool_fn(move |ctx| f(ctx, &mut |x| x == b) != negate), c + 1),
        (BoolV::Scalar(f, c1), BoolV::Scalar(g, c2)) => BoolV::Scalar(bool_fn(move |ctx| (f(ctx) == g(ctx)) != negate), c1 + c2),
        (BoolV::Array(f, c1), BoolV::Scalar(g, c2)) | (BoolV::Scalar(g, c2), BoolV::Array(f, c1)) => {
            BoolV::Scalar(bool_fn(move |ctx| { let b = g(ctx); f(ctx, &mut |x| x == b) } != negate), c1 + c2)
        }
        (BoolV::Array(..), BoolV::Array(..)) | (BoolV::Const(_), _) => return Err(type_err("cannot compare two boolean arrays")),
    })
}

fn ip_test(
    subject: IpV,
    pred: impl Fn(&Ctx<'_>, IpNet) -> bool + Send + Sync + 'static,
    negate: bool,
    quant: Quant,
) -> R {
    Ok(match subject {
        IpV::Scalar(f, cost) => BoolV::Scalar(
            bool_fn(move |c| f(c).is_some_and(|ip| pred(c, ip)) != negate),
            cost + 2,
        ),
        IpV::Array(f, cost) => match quant {
            Quant::Any => BoolV::Scalar(
                bool_fn(move |c| f(c, &mut |x| pred(c, x)) != negate),
                cost + 4,
            ),
            Quant::All => BoolV::Scalar(
                bool_fn(move |c| f(c, &mut |x| !pred(c, x)) == negate),
                cost + 4,
            ),
        },
        _ => return Err(type_err("internal: IP subject is not an evaluator")),
    })
}

/// IP / CIDR comparisons: equality and membership are range overlap.
pub(crate) fn compare_ip(negate: bool, quant_all: bool, l: IpV, r: IpV) -> R {
    let quant = if quant_all { Quant::All } else { Quant::Any };
    let lit = |v: &IpV| matches!(v, IpV::Const(_) | IpV::List(_));
    let (l, r) = if lit(&l) && !lit(&r) { (r, l) } else { (l, r) };
    match (l, r) {
        (IpV::Const(a), IpV::Const(b)) => Ok(BoolV::Const(a.overlaps(&b) != negate)),
        (IpV::Const(a), IpV::List(items)) | (IpV::List(items), IpV::Const(a)) => {
            Ok(BoolV::Const(items.iter().any(|b| a.overlaps(b)) != negate))
        }
        (IpV::List(_), IpV::List(_)) => Err(type_err("cannot compare two IP arrays")),
        (subject, IpV::Const(b)) => ip_test(subject, move |_, x| x.overlaps(&b), negate, quant),
        (subject, IpV::List(items)) => ip_test(
            subject,
            move |_, x| items.iter().any(|b| x.overlaps(b)),
            negate,
            quant,
        ),
        (subject, IpV::Scalar(rf, _)) => ip_test(
            subject,
            move |c, x| rf(c).is_some_and(|y| x.overlaps(&y)),
            negate,
            quant,
        ),
        (subject, IpV::Array(rf, _)) => ip_test(
            subject,
            move |c, x| rf(c, &mut |y| x.overlaps(&y)),
            negate,
            quant,
        ),
    }
}
