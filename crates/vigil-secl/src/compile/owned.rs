//! Turning a compiled value into an owned [`VarValue`] (what a `set` action stores).

use crate::eval::Ctx;
use crate::matcher::StrLit;
use crate::variables::VarValue;

use super::value::*;

impl Val {
    /// Evaluates to an owned value; `None` for IP values, which variables cannot hold.
    pub(crate) fn to_owned_value(&self, c: &Ctx<'_>) -> Option<VarValue> {
        Some(match self {
            Val::Bool(BoolV::Const(b)) => VarValue::Bool(*b),
            Val::Bool(BoolV::Scalar(f, _)) => VarValue::Bool(f(c)),
            Val::Bool(BoolV::Array(f, _)) => VarValue::Bool(f(c, &mut |x| x)),
            Val::Int(IntV::Const(i, _)) => VarValue::Int(*i),
            Val::Int(IntV::Scalar(f, _, _)) => VarValue::Int(f(c)),
            Val::Int(IntV::Array(f, _, _)) => {
                let mut v = Vec::new();
                f(c, &mut |x| {
                    v.push(x);
                    false
                });
                VarValue::Ints(v)
            }
            Val::Int(IntV::List(l)) => VarValue::Ints(l.clone()),
            Val::Str(StrV::Const(l)) => VarValue::Str(lit(l)),
            Val::Str(StrV::Scalar(f, _, _)) => VarValue::Str(f(c).into_owned()),
            Val::Str(StrV::Array(f, _, _)) => {
                let mut v = Vec::new();
                f(c, &mut |x| {
                    v.push(x.to_string());
                    false
                });
                VarValue::Strs(v)
            }
            Val::Str(StrV::List(l)) => VarValue::Strs(l.iter().map(lit).collect()),
            Val::Ip(_) => return None,
        })
    }

    /// The shape of the value (type, multi-valued).
    pub(crate) fn shape(&self) -> Option<(vigil_model::fields::FieldType, bool)> {
        use vigil_model::fields::FieldType as T;
        Some(match self {
            Val::Bool(_) => (T::Bool, false),
            Val::Int(IntV::Array(..) | IntV::List(_)) => (T::Int, true),
            Val::Int(_) => (T::Int, false),
            Val::Str(StrV::Array(..) | StrV::List(_)) => (T::Str, true),
            Val::Str(_) => (T::Str, false),
            Val::Ip(_) => return None,
        })
    }
}

fn lit(l: &StrLit) -> String {
    match l {
        StrLit::Plain(s) | StrLit::Pattern(s) | StrLit::Regex(s) => s.clone(),
    }
}

/// A constant for a `set` action's `value`.
pub(crate) enum ConstVal {
    Bool(bool),
    Int(i64),
    Str(String),
    Strs(Vec<String>),
    Ints(Vec<i64>),
}

impl Val {
    pub(crate) fn constant(c: ConstVal) -> Val {
        match c {
            ConstVal::Bool(b) => Val::Bool(BoolV::Const(b)),
            ConstVal::Int(i) => Val::Int(IntV::Const(i, false)),
            ConstVal::Str(s) => Val::Str(StrV::Const(StrLit::Plain(s))),
            ConstVal::Strs(v) => Val::Str(StrV::List(v.into_iter().map(StrLit::Plain).collect())),
            ConstVal::Ints(v) => Val::Int(IntV::List(v)),
        }
    }
}

/// A scalar string evaluator taken out of a compiled value.
pub(crate) type StrGetter = crate::eval::StrFn;

impl Val {
    pub(crate) fn into_str_getter(self) -> Option<StrGetter> {
        match self {
            Val::Str(StrV::Scalar(f, _, _)) => Some(f),
            _ => None,
        }
    }
}
