//! Typed intermediate values of the compiler: constants (folded at compile time), scalar and
//! multi-valued evaluators, and literal arrays; plus reading model fields and variables into them.

use std::borrow::Cow;

use vigil_model::fields::{Access, FieldDef, Getter, ProcessRef};
use vigil_model::Process;

use crate::eval::*;
use crate::matcher::{StrLit, StrSemantics};
use crate::net::IpNet;
use crate::variables::{uuid4, VarDecl, VarId, VarValue};

/// Relative costs (cheap operands are evaluated first).
pub(crate) const COST_FIELD: u32 = 1;
pub(crate) const COST_COMPUTED: u32 = 20;
pub(crate) const COST_VARIABLE: u32 = 5;
pub(crate) const COST_ITERATOR: u32 = 200;

pub(crate) enum BoolV {
    Const(bool),
    Scalar(BoolFn, u32),
    Array(BoolsFn, u32),
}

pub(crate) enum IntV {
    /// Value and whether it was written as a duration.
    Const(i64, bool),
    /// Evaluator, cost, and whether it is a timestamp field.
    Scalar(IntFn, u32, bool),
    Array(IntsFn, u32, bool),
    List(Vec<i64>),
}

pub(crate) enum StrV {
    Const(StrLit),
    Scalar(StrFn, u32, StrSemantics),
    Array(StrsFn, u32, StrSemantics),
    List(Vec<StrLit>),
}

pub(crate) enum IpV {
    Const(IpNet),
    Scalar(IpFn, u32),
    Array(IpsFn, u32),
    List(Vec<IpNet>),
}

pub(crate) enum Val {
    Bool(BoolV),
    Int(IntV),
    Str(StrV),
    Ip(IpV),
}

impl Val {
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Bool(BoolV::Array(..)) => "bool array",
            Val::Bool(_) => "bool",
            Val::Int(IntV::Array(..) | IntV::List(_)) => "int array",
            Val::Int(_) => "int",
            Val::Str(StrV::Array(..) | StrV::List(_)) => "string array",
            Val::Str(_) => "string",
            Val::Ip(IpV::Array(..) | IpV::List(_)) => "IP array",
            Val::Ip(_) => "IP/CIDR",
        }
    }
}

/// How a process field is read: a single process, every ancestor, or the ancestor the
/// iterator register points at.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProcMode {
    Single,
    Iterate,
    Register,
}

fn process<'c>(c: &'c Ctx<'c>, which: ProcessRef, mode: ProcMode) -> Option<&'c Process> {
    let base = which.base(c.event)?;
    match mode {
        ProcMode::Register => base.ancestors().nth(c.register.get()),
        _ => Some(base),
    }
}

/// Memo slot of a computed string field of the event's process or its parent.
fn memo_slot(name: &str) -> Option<usize> {
    match name {
        "process.args" | "exec.args" => Some(0),
        "process.cmdline" | "exec.cmdline" => Some(1),
        "process.parent.args" => Some(2),
        "process.parent.cmdline" => Some(3),
        _ => None,
    }
}

fn sem(def: &FieldDef) -> StrSemantics {
    StrSemantics {
        path: def.flags.path,
        case_insensitive: def.flags.case_insensitive,
    }
}

/// The value of a model field.
pub(crate) fn field_value(def: &'static FieldDef, mode: ProcMode) -> Val {
    let time = def.flags.time;
    let s = sem(def);
    match def.access {
        Access::Event(get) => match get {
            Getter::Int(g) => Val::Int(IntV::Scalar(int_fn(move |c| g(c.event)), COST_FIELD, time)),
            Getter::Str(g) => Val::Str(StrV::Scalar(
                str_fn(move |c| Cow::Borrowed(g(c.event))),
                COST_FIELD,
                s,
            )),
            Getter::Computed(g) => Val::Str(StrV::Scalar(
                str_fn(move |c| Cow::Owned(g(c.event))),
                COST_COMPUTED,
                s,
            )),
            Getter::Bool(g) => Val::Bool(BoolV::Scalar(bool_fn(move |c| g(c.event)), COST_FIELD)),
            Getter::Ip(g) => Val::Ip(IpV::Scalar(
                ip_fn(move |c| g(c.event).map(IpNet::host)),
                COST_FIELD,
            )),
            Getter::Strs(g) => Val::Str(StrV::Array(
                strs_fn(move |c, v| g(c.event, v)),
                COST_FIELD * 4,
                s,
            )),
            Getter::Ints(g) => Val::Int(IntV::Array(
                ints_fn(move |c, v| g(c.event, v)),
                COST_FIELD * 4,
                time,
            )),
        },
        Access::File { file, get } => match get {
            Getter::Int(g) => Val::Int(IntV::Scalar(
                int_fn(move |c| file(c.event).map_or(0, g)),
                COST_FIELD,
                time,
            )),
            Getter::Str(g) => Val::Str(StrV::Scalar(
                str_fn(move |c| Cow::Borrowed(file(c.event).map_or("", g))),
                COST_FIELD,
                s,
            )),
            Getter::Computed(g) => Val::Str(StrV::Scalar(
                str_fn(move |c| file(c.event).map_or(Cow::Borrowed(""), |f| Cow::Owned(g(f)))),
                COST_COMPUTED,
                s,
            )),
            Getter::Bool(g) => Val::Bool(BoolV::Scalar(
                bool_fn(move |c| file(c.event).is_some_and(g)),
                COST_FIELD,
            )),
            Getter::Ip(g) => Val::Ip(IpV::Scalar(
                ip_fn(move |c| file(c.event).and_then(g).map(IpNet::host)),
                COST_FIELD,
            )),
            Getter::Strs(g) => Val::Str(StrV::Array(
                strs_fn(move |c, v| file(c.event).is_some_and(|f| g(f, v))),
                COST_FIELD * 4,
                s,
            )),
            Getter::Ints(g) => Val::Int(IntV::Array(
                ints_fn(move |c, v| file(c.event).is_some_and(|f| g(f, v))),
                COST_FIELD * 4,
                time,
            )),
        },
        Access::Process { which, get } => process_value(def, which, mode, get),
        Access::ProcessFile { which, file, get } => {
            process_file_value(which, mode, file, get, time, s)
        }
    }
}

fn process_value(
    def: &FieldDef,
    which: ProcessRef,
    mode: ProcMode,
    get: Getter<vigil_model::Process>,
) -> Val {
    let time = def.flags.time;
    let s = sem(def);
    if mode == ProcMode::Iterate {
        let cost = COST_ITERATOR;
        return match get {
            Getter::Int(g) => Val::Int(IntV::Array(
                ints_fn(move |c, v| any_ancestor(c, which, |p| v(g(p)))),
                cost,
                time,
            )),
            Getter::Str(g) => Val::Str(StrV::Array(
                strs_fn(move |c, v| any_ancestor(c, which, |p| v(g(p)))),
                cost,
                s,
            )),
            Getter::Computed(g) => Val::Str(StrV::Array(
                strs_fn(move |c, v| any_ancestor(c, which, |p| v(&g(p)))),
                cost * 2,
                s,
            )),
            Getter::Bool(g) => Val::Bool(BoolV::Array(
                bools_fn(move |c, v| any_ancestor(c, which, |p| v(g(p)))),
                cost,
            )),
            Getter::Ip(g) => Val::Ip(IpV::Array(
                ips_fn(move |c, v| {
                    any_ancestor(c, which, |p| g(p).is_some_and(|ip| v(IpNet::host(ip))))
                }),
                cost,
            )),
            Getter::Strs(g) => Val::Str(StrV::Array(
                strs_fn(move |c, v| any_ancestor(c, which, |p| g(p, v))),
                cost,
                s,
            )),
            Getter::Ints(g) => Val::Int(IntV::Array(
                ints_fn(move |c, v| any_ancestor(c, which, |p| g(p, v))),
                cost,
                time,
            )),
        };
    }
    let cost = if mode == ProcMode::Register {
        COST_FIELD * 4
    } else {
        COST_FIELD
    };
    match get {
        Getter::Int(g) => Val::Int(IntV::Scalar(
            int_fn(move |c| process(c, which, mode).map_or(0, g)),
            cost,
            time,
        )),
        Getter::Str(g) => Val::Str(StrV::Scalar(
            str_fn(move |c| Cow::Borrowed(process(c, which, mode).map_or("", g))),
            cost,
            s,
        )),
        Getter::Computed(g) => match memo_slot(&def.name).filter(|_| mode == ProcMode::Single) {
            Some(slot) => Val::Str(StrV::Scalar(
                str_fn(move |c| {
                    Cow::Borrowed(
                        c.memo[slot]
                            .get_or_init(|| process(c, which, mode).map_or_else(String::new, g))
                            .as_str(),
                    )
                }),
                COST_COMPUTED / 4,
                s,
            )),
            None => Val::Str(StrV::Scalar(
                str_fn(move |c| Cow::Owned(process(c, which, mode).map_or_else(String::new, g))),
                COST_COMPUTED,
                s,
            )),
        },
        Getter::Bool(g) => Val::Bool(BoolV::Scalar(
            bool_fn(move |c| process(c, which, mode).is_some_and(g)),
            cost,
        )),
        Getter::Ip(g) => Val::Ip(IpV::Scalar(
            ip_fn(move |c| process(c, which, mode).and_then(g).map(IpNet::host)),
            cost,
        )),
        Getter::Strs(g) => Val::Str(StrV::Array(
            strs_fn(move |c, v| process(c, which, mode).is_some_and(|p| g(p, v))),
            cost * 4,
            s,
        )),
        Getter::Ints(g) => Val::Int(IntV::Array(
            ints_fn(move |c, v| process(c, which, mode).is_some_and(|p| g(p, v))),
            cost * 4,
            time,
        )),
    }
}

type ProcFile = for<'a> fn(&'a Process) -> Option<&'a vigil_model::File>;

fn process_file_value(
    which: ProcessRef,
    mode: ProcMode,
    file: ProcFile,
    get: Getter<vigil_model::File>,
    time: bool,
    s: StrSemantics,
) -> Val {
    if mode == ProcMode::Iterate {
        let cost = COST_ITERATOR;
        return match get {
            Getter::Int(g) => Val::Int(IntV::Array(
                ints_fn(move |c, v| any_ancestor(c, which, |p| v(file(p).map_or(0, g)))),
                cost,
                time,
            )),
            Getter::Str(g) => Val::Str(StrV::Array(
                strs_fn(move |c, v| any_ancestor(c, which, |p| v(file(p).map_or("", g)))),
                cost,
                s,
            )),
            Getter::Computed(g) => Val::Str(StrV::Array(
                strs_fn(move |c, v| {
                    any_ancestor(c, which, |p| v(&file(p).map_or_else(String::new, g)))
                }),
                cost,
                s,
            )),
            Getter::Bool(g) => Val::Bool(BoolV::Array(
                bools_fn(move |c, v| any_ancestor(c, which, |p| v(file(p).is_some_and(g)))),
                cost,
            )),
            Getter::Ip(g) => Val::Ip(IpV::Array(
                ips_fn(move |c, v| {
                    any_ancestor(c, which, |p| {
                        file(p).and_then(g).is_some_and(|ip| v(IpNet::host(ip)))
                    })
                }),
                cost,
            )),
            Getter::Strs(g) => Val::Str(StrV::Array(
                strs_fn(move |c, v| any_ancestor(c, which, |p| file(p).is_some_and(|f| g(f, v)))),
                cost,
                s,
            )),
            Getter::Ints(g) => Val::Int(IntV::Array(
                ints_fn(move |c, v| any_ancestor(c, which, |p| file(p).is_some_and(|f| g(f, v)))),
                cost,
                time,
            )),
        };
    }
    let cost = if mode == ProcMode::Register {
        COST_FIELD * 4
    } else {
        COST_FIELD
    };
    match get {
        Getter::Int(g) => Val::Int(IntV::Scalar(
            int_fn(move |c| process(c, which, mode).and_then(file).map_or(0, g)),
            cost,
            time,
        )),
        Getter::Str(g) => Val::Str(StrV::Scalar(
            str_fn(move |c| Cow::Borrowed(process(c, which, mode).and_then(file).map_or("", g))),
            cost,
            s,
        )),
        Getter::Computed(g) => Val::Str(StrV::Scalar(
            str_fn(move |c| {
                Cow::Owned(
                    process(c, which, mode)
                        .and_then(file)
                        .map_or_else(String::new, g),
                )
            }),
            COST_COMPUTED,
            s,
        )),
        Getter::Bool(g) => Val::Bool(BoolV::Scalar(
            bool_fn(move |c| process(c, which, mode).and_then(file).is_some_and(g)),
            cost,
        )),
        Getter::Ip(g) => Val::Ip(IpV::Scalar(
            ip_fn(move |c| {
                process(c, which, mode)
                    .and_then(file)
                    .and_then(g)
                    .map(IpNet::host)
            }),
            cost,
        )),
        Getter::Strs(g) => Val::Str(StrV::Array(
            strs_fn(move |c, v| {
                process(c, which, mode)
                    .and_then(file)
                    .is_some_and(|f| g(f, v))
            }),
            cost * 4,
            s,
        )),
        Getter::Ints(g) => Val::Int(IntV::Array(
            ints_fn(move |c, v| {
                process(c, which, mode)
                    .and_then(file)
                    .is_some_and(|f| g(f, v))
            }),
            cost * 4,
            time,
        )),
    }
}

/// Whether `f` holds for any ancestor of the reference's base process.
fn any_ancestor(c: &Ctx<'_>, which: ProcessRef, mut f: impl FnMut(&Process) -> bool) -> bool {
    which
        .base(c.event)
        .is_some_and(|b| b.ancestors().any(&mut f))
}

/// The value of a declared variable.
pub(crate) fn variable_value(id: VarId, decl: &VarDecl) -> Val {
    let d = decl.clone();
    match (&decl.default, decl.array) {
        (VarValue::Str(default), false) => {
            let default = default.clone();
            Val::Str(StrV::Scalar(
                str_fn(move |c| match c.vars.get_str(id, &d, c.event, c.now) {
                    Some(s) => Cow::Borrowed(s),
                    None if default.is_empty() => Cow::Borrowed(""),
                    None => Cow::Owned(default.clone()),
                }),
                COST_VARIABLE,
                StrSemantics::default(),
            ))
        }
        (VarValue::Int(default), false) => {
            let default = *default;
            Val::Int(IntV::Scalar(
                int_fn(move |c| c.vars.get_int(id, &d, c.event, c.now).unwrap_or(default)),
                COST_VARIABLE,
                false,
            ))
        }
        (VarValue::Bool(default), _) => {
            let default = *default;
            Val::Bool(BoolV::Scalar(
                bool_fn(move |c| c.vars.get_bool(id, &d, c.event, c.now).unwrap_or(default)),
                COST_VARIABLE,
            ))
        }
        (VarValue::Ints(_), _) | (VarValue::Int(_), true) => Val::Int(IntV::Array(
            ints_fn(move |c, v| c.vars.any_int(id, &d, c.event, c.now, v)),
            COST_VARIABLE * 2,
            false,
        )),
        _ => Val::Str(StrV::Array(
            strs_fn(move |c, v| c.vars.any_str(id, &d, c.event, c.now, v)),
            COST_VARIABLE * 2,
            StrSemantics::default(),
        )),
    }
}

/// `${builtins.uuid4}`: a fresh UUID on every read.
pub(crate) fn uuid_value() -> Val {
    Val::Str(StrV::Scalar(
        str_fn(|_| Cow::Owned(uuid4())),
        COST_VARIABLE,
        StrSemantics::default(),
    ))
}

/// `${process.pid}`.
pub(crate) fn pid_value() -> Val {
    Val::Int(IntV::Scalar(
        int_fn(|c| c.event.process.pid.into()),
        COST_FIELD,
        false,
    ))
}
