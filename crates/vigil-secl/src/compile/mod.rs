//! The SECL compiler: resolves identifiers (macros, constants, fields with iterator registers,
//! variables), type-checks every node with a precise positioned error, folds constants, orders
//! `&&` / `||` operands cheapest first, and produces a boolean evaluator.

mod compare;
mod owned;
mod value;

use std::collections::{BTreeSet, HashMap};

use vigil_model::fields::{field, FieldDef, FieldType, ProcessRef};
use vigil_model::EventType;

use crate::ast::*;
use crate::error::{ErrorKind, SeclError, Unplaced};
use crate::eval::*;
use crate::matcher::StrLit;
use crate::variables::VarDecls;

pub(crate) use owned::{ConstVal, StrGetter};
pub(crate) use value::Val;
use value::*;

/// Datadog's cap on register iterations.
pub const MAX_REGISTER_ITERATIONS: usize = 100;

/// A parsed macro: an expression, an array or a single value.
#[derive(Debug, Clone)]
pub struct MacroDef {
    pub id: String,
    pub source: String,
    pub expr: Result<Expr, SeclError>,
}

/// A constant a filter-model field resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstValue {
    Bool(bool),
    Int(i64),
    Str(String),
}

/// Where identifiers come from.
pub trait FieldSource {
    /// A model field by name (registers removed).
    fn field(&self, name: &str) -> Option<&'static FieldDef>;
    /// A field whose value is known at compile time (filter model).
    fn constant_field(&self, _name: &str) -> Option<ConstValue> {
        None
    }
}

/// The event model's fields.
pub struct EventFields;

impl FieldSource for EventFields {
    fn field(&self, name: &str) -> Option<&'static FieldDef> {
        field(name)
    }
}

/// Names of Datadog event types Vigil does not model (a field under one of these prefixes is
/// an unsupported event type rather than an unknown field).
pub const UNSUPPORTED_EVENT_TYPES: &[&str] = &[
    "imds",
    "packet",
    "raw_packet",
    "cgroup_write",
    "setsockopt",
    "setrlimit",
    "sysctl",
    "network_flow_monitor",
    "ondemand",
    "login_uid_write",
    "create",
    "write",
    "delete",
    "set",
    "fim",
    "rename_key",
    "open_key",
    "create_key",
    "delete_key",
    "set_key_value",
    "change_permission",
    "sysctl",
    "tracer_memfd_seal",
    "short_dns_response",
    "capabilities",
];

/// What compiling one expression needs.
pub struct CompileEnv<'a> {
    pub macros: &'a HashMap<String, MacroDef>,
    pub vars: &'a VarDecls,
    pub fields: &'a dyn FieldSource,
}

/// A compiled boolean expression.
pub struct Compiled {
    pub(crate) eval: BoolFn,
    /// Constant result, when the expression folded.
    pub constant: Option<bool>,
    pub event_types: BTreeSet<EventType>,
    /// The ancestor chain a register iterates, if the expression uses one.
    pub iterate: Option<ProcessRef>,
    /// Model fields used.
    pub fields: BTreeSet<&'static str>,
    pub cost: u32,
}

impl Compiled {
    /// Evaluates, iterating the register over at most [`MAX_REGISTER_ITERATIONS`] ancestors.
    pub fn eval(&self, ctx: &Ctx<'_>) -> bool {
        match self.iterate {
            None => (self.eval)(ctx),
            Some(which) => {
                let n = which
                    .base(ctx.event)
                    .map_or(0, |b| b.ancestors().take(MAX_REGISTER_ITERATIONS).count());
                (0..n).any(|i| {
                    ctx.register.set(i);
                    (self.eval)(ctx)
                })
            }
        }
    }
}

/// Compiles a boolean expression.
pub fn compile_bool(
    expr: &Expr,
    source: &str,
    env: &CompileEnv<'_>,
) -> Result<Compiled, SeclError> {
    let mut c = Compiler::new(env);
    let v = c.compile(expr, source)?;
    let b = c.to_bool(v).map_err(|u| u.place(source, expr.start))?;
    let (eval, constant, cost) = match b {
        BoolV::Const(v) => (bool_fn(move |_| v), Some(v), 0),
        BoolV::Scalar(f, cost) => (f, None, cost),
        BoolV::Array(f, cost) => (bool_fn(move |c| f(c, &mut |x| x)), None, cost),
    };
    Ok(Compiled {
        eval,
        constant,
        event_types: c.event_types,
        iterate: c.register.map(|(_, w)| w),
        fields: c.fields,
        cost,
    })
}

/// Compiles an expression of any type.
pub(crate) fn compile_value(
    expr: &Expr,
    source: &str,
    env: &CompileEnv<'_>,
) -> Result<Val, SeclError> {
    Compiler::new(env).compile(expr, source)
}

/// Compiles a reference to one field (the `field` of a `set` action).
pub(crate) fn compile_field(
    name: &str,
    env: &CompileEnv<'_>,
) -> Result<(Val, Option<EventType>), Unplaced> {
    let def = env
        .fields
        .field(name)
        .ok_or_else(|| Unplaced::new(ErrorKind::UnknownField, format!("unknown field `{name}`")))?;
    let mode = match def.access {
        vigil_model::fields::Access::Process { which, .. }
        | vigil_model::fields::Access::ProcessFile { which, .. }
            if which.is_iterator() =>
        {
            ProcMode::Iterate
        }
        _ => ProcMode::Single,
    };
    Ok((field_value(def, mode), def.event_type))
}

struct Compiler<'a> {
    env: &'a CompileEnv<'a>,
    event_types: BTreeSet<EventType>,
    register: Option<(String, ProcessRef)>,
    fields: BTreeSet<&'static str>,
    macro_stack: Vec<String>,
}

impl<'a> Compiler<'a> {
    fn new(env: &'a CompileEnv<'a>) -> Compiler<'a> {
        Compiler {
            env,
            event_types: BTreeSet::new(),
            register: None,
            fields: BTreeSet::new(),
            macro_stack: Vec::new(),
        }
    }

    fn to_bool(&self, v: Val) -> Result<BoolV, Unplaced> {
        match v {
            Val::Bool(b) => Ok(b),
            other => Err(Unplaced::new(
                ErrorKind::Type,
                format!("expected a boolean expression, found {}", other.type_name()),
            )),
        }
    }

    fn compile(&mut self, e: &Expr, src: &str) -> Result<Val, SeclError> {
        let at = |u: Unplaced| u.place(src, e.start);
        match &e.kind {
            ExprKind::Logic(op, _, _) => {
                // Flatten the right-recursive chain of the same operator.
                let mut operands = Vec::new();
                let mut cur = e;
                while let ExprKind::Logic(o, a, b) = &cur.kind {
                    if o != op {
                        break;
                    }
                    operands.push(a.as_ref());
                    cur = b;
                }
                operands.push(cur);
                let mut compiled = Vec::with_capacity(operands.len());
                for o in operands {
                    let v = self.compile(o, src)?;
                    compiled.push(self.to_bool(v).map_err(|u| u.place(src, o.start))?);
                }
                Ok(Val::Bool(logic(*op, compiled)))
            }
            ExprKind::Unary(UnaryOp::Not, inner) => {
                let v = self.compile(inner, src)?;
                let b = self.to_bool(v).map_err(at)?;
                Ok(Val::Bool(match b {
                    BoolV::Const(v) => BoolV::Const(!v),
                    BoolV::Scalar(f, c) => BoolV::Scalar(bool_fn(move |ctx| !f(ctx)), c),
                    BoolV::Array(f, c) => BoolV::Scalar(bool_fn(move |ctx| !f(ctx, &mut |x| x)), c),
                }))
            }
            ExprKind::Unary(op, inner) => {
                let v = self.compile(inner, src)?;
                let op = *op;
                match v {
                    Val::Int(IntV::Const(x, d)) => Ok(Val::Int(IntV::Const(
                        if op == UnaryOp::Neg {
                            x.wrapping_neg()
                        } else {
                            !x
                        },
                        d,
                    ))),
                    Val::Int(IntV::Scalar(f, c, _)) => Ok(Val::Int(IntV::Scalar(
                        int_fn(move |ctx| {
                            if op == UnaryOp::Neg {
                                f(ctx).wrapping_neg()
                            } else {
                                !f(ctx)
                            }
                        }),
                        c,
                        false,
                    ))),
                    other => Err(at(Unplaced::new(
                        ErrorKind::Type,
                        format!(
                            "unary `{}` expects an int, found {}",
                            if op == UnaryOp::Neg { "-" } else { "^" },
                            other.type_name()
                        ),
                    ))),
                }
            }
            ExprKind::Bit(op, a, b) => {
                let (x, y) = (self.int_operand(a, src)?, self.int_operand(b, src)?);
                let op = *op;
                let f = move |p: i64, q: i64| match op {
                    BitOp::And => p & q,
                    BitOp::Or => p | q,
                    BitOp::Xor => p ^ q,
                };
                Ok(Val::Int(arith(x, y, f)))
            }
            ExprKind::Arith(op, a, b) => {
                let (x, y) = (self.int_operand(a, src)?, self.int_operand(b, src)?);
                let op = *op;
                let f = move |p: i64, q: i64| match op {
                    ArithOp::Add => p.wrapping_add(q),
                    ArithOp::Sub => p.wrapping_sub(q),
                };
                Ok(Val::Int(arith(x, y, f)))
            }
            ExprKind::Compare(op, a, b) => {
                let (l, r) = (self.compile(a, src)?, self.compile(b, src)?);
                let (lt, rt) = (l.type_name(), r.type_name());
                let res = match (l, r) {
                    (Val::Str(l), Val::Str(r)) => compare::compare_str(*op, l, r),
                    (Val::Int(l), Val::Int(r)) => compare::compare_int(*op, l, r),
                    (Val::Bool(l), Val::Bool(r)) => compare::compare_bool(*op, l, r),
                    (Val::Ip(l), Val::Ip(r)) => match op {
                        CmpOp::Eq => compare::compare_ip(false, false, l, r),
                        CmpOp::Ne => compare::compare_ip(true, false, l, r),
                        _ => Err(Unplaced::new(
                            ErrorKind::Type,
                            format!("operator `{}` does not apply to IP addresses", op.as_str()),
                        )),
                    },
                    _ => Err(Unplaced::new(
                        ErrorKind::Type,
                        format!("cannot compare {lt} with {rt} using `{}`", op.as_str()),
                    )),
                };
                let op_offset = a.end;
                res.map(Val::Bool)
                    .map_err(|u| u.place(src, op_offset.min(e.end)))
            }
            ExprKind::InArray(op, a, b) => {
                let (l, r) = (self.compile(a, src)?, self.compile(b, src)?);
                let (lt, rt) = (l.type_name(), r.type_name());
                let res = match (l, r) {
                    (Val::Str(l), Val::Str(r)) => compare::in_str(*op, l, r),
                    (Val::Int(l), Val::Int(r)) => compare::in_int(*op, l, r),
                    (Val::Ip(l), Val::Ip(r)) => {
                        compare::compare_ip(*op == ArrayOp::NotIn, *op == ArrayOp::AllIn, l, r)
                    }
                    _ => Err(Unplaced::new(
                        ErrorKind::Type,
                        format!("cannot test whether {lt} is in {rt}"),
                    )),
                };
                res.map(Val::Bool)
                    .map_err(|u| u.place(src, a.end.min(e.end)))
            }
            ExprKind::Ident(name) => self.ident(name, e, src),
            ExprKind::Int(v) => Ok(Val::Int(IntV::Const(*v, false))),
            ExprKind::Duration(v) => Ok(Val::Int(IntV::Const(*v, true))),
            ExprKind::Str(s) => self.string(s, src, e.start),
            ExprKind::Pattern(s) => Ok(Val::Str(StrV::Const(StrLit::Pattern(s.clone())))),
            ExprKind::Regex(s) => Ok(Val::Str(StrV::Const(StrLit::Regex(s.clone())))),
            ExprKind::Ip(n) | ExprKind::Cidr(n) => Ok(Val::Ip(IpV::Const(*n))),
            ExprKind::Variable(name) => self.variable(name).map_err(at),
            ExprKind::Array(items) => self.array(items, src),
        }
    }

    fn int_operand(&mut self, e: &Expr, src: &str) -> Result<IntV, SeclError> {
        match self.compile(e, src)? {
            Val::Int(v @ (IntV::Const(..) | IntV::Scalar(..))) => Ok(v),
            other => Err(SeclError::at(
                ErrorKind::Type,
                src,
                e.start,
                format!("arithmetic expects an int, found {}", other.type_name()),
            )),
        }
    }

    fn array(&mut self, items: &[Expr], src: &str) -> Result<Val, SeclError> {
        let mut strs = Vec::new();
        let mut ints = Vec::new();
        let mut ips = Vec::new();
        for item in items {
            let bad = |what: &str| {
                SeclError::at(
                    ErrorKind::Type,
                    src,
                    item.start,
                    format!("array members must be constants of one type, found {what}"),
                )
            };
            match self.compile(item, src)? {
                Val::Str(StrV::Const(l)) if ints.is_empty() && ips.is_empty() => strs.push(l),
                Val::Int(IntV::Const(v, _)) if strs.is_empty() && ips.is_empty() => ints.push(v),
                Val::Ip(IpV::Const(n)) if strs.is_empty() && ints.is_empty() => ips.push(n),
                other => return Err(bad(other.type_name())),
            }
        }
        Ok(if !ints.is_empty() {
            Val::Int(IntV::List(ints))
        } else if !ips.is_empty() {
            Val::Ip(IpV::List(ips))
        } else {
            Val::Str(StrV::List(strs))
        })
    }

    /// A string literal, interpolating `${var}` references.
    fn string(&mut self, s: &str, src: &str, offset: usize) -> Result<Val, SeclError> {
        let Some(parts) = split_interpolation(s) else {
            return Ok(Val::Str(StrV::Const(StrLit::Plain(s.to_string()))));
        };
        let mut pieces: Vec<Piece> = Vec::new();
        for part in parts {
            match part {
                Part::Lit(l) => pieces.push(Piece::Lit(l)),
                Part::Var(name) => match self.variable(&name).map_err(|u| u.place(src, offset))? {
                    Val::Str(StrV::Scalar(f, _, _)) => pieces.push(Piece::Str(f)),
                    Val::Int(IntV::Scalar(f, _, _)) => pieces.push(Piece::Int(f)),
                    other => {
                        return Err(SeclError::at(
                            ErrorKind::Type,
                            src,
                            offset,
                            format!(
                                "variable `${{{name}}}` ({}) cannot be interpolated",
                                other.type_name()
                            ),
                        ))
                    }
                },
            }
        }
        let f = str_fn(move |c| {
            let mut out = String::new();
            for p in &pieces {
                match p {
                    Piece::Lit(l) => out.push_str(l),
                    Piece::Str(f) => out.push_str(&f(c)),
                    Piece::Int(f) => out.push_str(&f(c).to_string()),
                }
            }
            std::borrow::Cow::Owned(out)
        });
        Ok(Val::Str(StrV::Scalar(f, COST_COMPUTED, Default::default())))
    }

    fn variable(&mut self, name: &str) -> Result<Val, Unplaced> {
        match name {
            "builtins.uuid4" => return Ok(uuid_value()),
            "process.pid" => return Ok(pid_value()),
            _ => {}
        }
        let (id, decl) = self.env.vars.get(name).ok_or_else(|| {
            Unplaced::new(
                ErrorKind::UnknownField,
                format!("unknown variable `${{{name}}}`"),
            )
        })?;
        Ok(variable_value(id, decl))
    }

    fn ident(&mut self, name: &str, e: &Expr, src: &str) -> Result<Val, SeclError> {
        let at = |kind, msg: String| SeclError::at(kind, src, e.start, msg);
        if let Some(m) = self.env.macros.get(name) {
            if self.macro_stack.iter().any(|n| n == name) {
                return Err(at(
                    ErrorKind::Type,
                    format!("macro `{name}` refers to itself"),
                ));
            }
            let body = match &m.expr {
                Ok(body) => body,
                Err(err) => return Err(at(err.kind, format!("in macro `{name}`: {err}"))),
            };
            self.macro_stack.push(name.to_string());
            let res = self.compile(body, &m.source);
            self.macro_stack.pop();
            return res.map_err(|err| {
                if self.macro_stack.is_empty() {
                    at(err.kind, format!("in macro `{name}`: {err}"))
                } else {
                    err
                }
            });
        }
        match name {
            "true" => return Ok(Val::Bool(BoolV::Const(true))),
            "false" => return Ok(Val::Bool(BoolV::Const(false))),
            _ => {}
        }
        if let Some(v) = vigil_model::consts::secl_constant(name) {
            return Ok(Val::Int(IntV::Const(v, false)));
        }
        if let Some(c) = self.env.fields.constant_field(name) {
            return Ok(match c {
                ConstValue::Bool(b) => Val::Bool(BoolV::Const(b)),
                ConstValue::Int(i) => Val::Int(IntV::Const(i, false)),
                ConstValue::Str(s) => Val::Str(StrV::Const(StrLit::Plain(s))),
            });
        }
        // Registers: `process.ancestors[A].x` → field `process.ancestors.x`, register `A`.
        let (plain, register) = strip_register(name).map_err(|m| at(ErrorKind::Syntax, m))?;
        let (def, length) = match self.env.fields.field(&plain) {
            Some(d) => (d, false),
            None => match plain
                .strip_suffix(".length")
                .and_then(|base| self.env.fields.field(base))
            {
                Some(d) if d.ty == FieldType::Str => (d, true),
                _ => {
                    let prefix = plain.split('.').next().unwrap_or("");
                    let kind = if UNSUPPORTED_EVENT_TYPES.contains(&prefix) {
                        ErrorKind::UnsupportedEventType
                    } else {
                        ErrorKind::UnknownField
                    };
                    let msg = if kind == ErrorKind::UnsupportedEventType {
                        format!("field `{plain}` belongs to event type `{prefix}`, which Vigil does not support")
                    } else {
                        format!("unknown field `{plain}`")
                    };
                    return Err(at(kind, msg));
                }
            },
        };
        let iterator = match def.access {
            vigil_model::fields::Access::Process { which, .. }
            | vigil_model::fields::Access::ProcessFile { which, .. }
                if which.is_iterator() =>
            {
                Some(which)
            }
            _ => None,
        };
        let mode = match (register, iterator) {
            (Some(r), Some(which)) => {
                match &self.register {
                    Some((name, w)) if *name != r || *w != which => {
                        return Err(at(ErrorKind::Type, format!("only one iterator register per rule is supported (`{name}` already used)")))
                    }
                    _ => self.register = Some((r, which)),
                }
                ProcMode::Register
            }
            (Some(r), None) => {
                return Err(at(
                    ErrorKind::Type,
                    format!("register `[{r}]` on `{plain}`, which is not an iterator"),
                ))
            }
            (None, Some(_)) => ProcMode::Iterate,
            (None, None) => ProcMode::Single,
        };
        if let Some(t) = def.event_type {
            self.event_types.insert(t);
        }
        self.fields.insert(leak_name(def));
        let v = field_value(def, mode);
        if !length {
            return Ok(v);
        }
        Ok(match v {
            Val::Str(StrV::Scalar(f, c, _)) => Val::Int(IntV::Scalar(
                int_fn(move |ctx| f(ctx).len() as i64),
                c,
                false,
            )),
            Val::Str(StrV::Array(f, c, _)) => Val::Int(IntV::Array(
                ints_fn(move |ctx, v| f(ctx, &mut |s| v(s.len() as i64))),
                c,
                false,
            )),
            _ => {
                return Err(at(
                    ErrorKind::Type,
                    format!("`.length` applies to strings, not `{plain}`"),
                ))
            }
        })
    }
}

fn leak_name(def: &'static FieldDef) -> &'static str {
    def.name.as_str()
}

/// Splits `a.b[R].c` into `a.b.c` and `R`. `[_]` is the anonymous subscript, which never
/// correlates: it means the same as no subscript.
fn strip_register(name: &str) -> Result<(String, Option<String>), String> {
    let Some(open) = name.find('[') else {
        return Ok((name.to_string(), None));
    };
    let close = name[open..]
        .find(']')
        .map(|i| open + i)
        .ok_or_else(|| format!("malformed register in `{name}`"))?;
    let reg = &name[open + 1..close];
    let rest = &name[close + 1..];
    if reg.is_empty() || rest.contains('[') {
        return Err(format!("malformed register in `{name}`"));
    }
    let plain = format!("{}{}", &name[..open], rest);
    Ok((plain, (reg != "_").then(|| reg.to_string())))
}

/// Applies an integer operator, folding constants; the result of mixing a duration constant
/// with a field is a plain integer.
fn arith(x: IntV, y: IntV, f: impl Fn(i64, i64) -> i64 + Send + Sync + Copy + 'static) -> IntV {
    match (x, y) {
        (IntV::Const(a, da), IntV::Const(b, db)) => IntV::Const(f(a, b), da || db),
        (IntV::Scalar(g, c, _), IntV::Const(b, _)) => {
            IntV::Scalar(int_fn(move |ctx| f(g(ctx), b)), c + 1, false)
        }
        (IntV::Const(a, _), IntV::Scalar(g, c, _)) => {
            IntV::Scalar(int_fn(move |ctx| f(a, g(ctx))), c + 1, false)
        }
        (IntV::Scalar(g, c1, _), IntV::Scalar(h, c2, _)) => {
            IntV::Scalar(int_fn(move |ctx| f(g(ctx), h(ctx))), c1 + c2 + 1, false)
        }
        // Arrays and lists are rejected by `int_operand`.
        (x, _) => x,
    }
}

/// `&&` / `||` over several operands: constants folded, evaluators cheapest first.
fn logic(op: LogicOp, operands: Vec<BoolV>) -> BoolV {
    let absorbing = op == LogicOp::Or;
    let mut dynamic: Vec<(BoolFn, u32)> = Vec::new();
    for o in operands {
        match o {
            BoolV::Const(v) if v == absorbing => return BoolV::Const(v),
            BoolV::Const(_) => {}
            BoolV::Scalar(f, c) => dynamic.push((f, c)),
            BoolV::Array(f, c) => dynamic.push((bool_fn(move |ctx| f(ctx, &mut |x| x)), c)),
        }
    }
    dynamic.sort_by_key(|(_, c)| *c);
    let cost = dynamic.iter().map(|(_, c)| *c).sum();
    let mut fs: Vec<BoolFn> = dynamic.into_iter().map(|(f, _)| f).collect();
    match fs.len() {
        0 => BoolV::Const(!absorbing),
        1 => BoolV::Scalar(fs.remove(0), cost),
        2 => {
            let b = fs.pop().expect("two operands");
            let a = fs.pop().expect("two operands");
            if absorbing {
                BoolV::Scalar(bool_fn(move |c| a(c) || b(c)), cost)
            } else {
                BoolV::Scalar(bool_fn(move |c| a(c) && b(c)), cost)
            }
        }
        _ => {
            let fs = fs.into_boxed_slice();
            if absorbing {
                BoolV::Scalar(bool_fn(move |c| fs.iter().any(|f| f(c))), cost)
            } else {
                BoolV::Scalar(bool_fn(move |c| fs.iter().all(|f| f(c))), cost)
            }
        }
    }
}

enum Part {
    Lit(String),
    Var(String),
}

enum Piece {
    Lit(String),
    Str(StrFn),
    Int(IntFn),
}

/// Splits `a${x}b` into literal and variable parts; `None` when there is nothing to
/// interpolate (an unterminated `${` stays literal).
fn split_interpolation(s: &str) -> Option<Vec<Part>> {
    let mut parts = Vec::new();
    let mut rest = s;
    let mut found = false;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            parts.push(Part::Lit(rest[..i + 2].to_string()));
            rest = after;
            continue;
        }
        if i > 0 {
            parts.push(Part::Lit(rest[..i].to_string()));
        }
        parts.push(Part::Var(name.to_string()));
        found = true;
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Lit(rest.to_string()));
    }
    found.then_some(parts)
}
