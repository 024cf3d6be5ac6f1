//! The rule set: loads merged policies into compiled rules with a status each (a bad rule never
//! prevents the others from loading), buckets them per event type, evaluates events, and runs
//! `set` actions. `kill`, `hash`, `coredump` and `log` actions are validated and handed to the
//! caller with the match.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_yaml::Value;
use vigil_model::fields::{field, FieldType};
use vigil_model::{Event, EventType};

use crate::ast::{Expr, ExprKind};
use crate::compile::{
    compile_bool, compile_field, compile_value, CompileEnv, Compiled, EventFields, MacroDef, Val,
};
use crate::error::{ErrorKind, SeclError};
use crate::eval::Ctx;
use crate::index::BucketIndex;
use crate::parser::{parse_expression, parse_macro};
use crate::policy::filter::FilterModel;
use crate::policy::version::{satisfies, Version, COMPATIBLE_AGENT_VERSION};
use crate::policy::*;
use crate::variables::{Scope, ScopeKey, VarDecl, VarDecls, VarId, VarStore, VarValue};

/// Load status of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleStatus {
    Loaded,
    Disabled,
    /// Excluded by its os / kernel filters.
    Filtered,
    /// Its `agent_version` constraint does not admit Vigil's declared agent version.
    AgentVersion,
    UnsupportedEventType,
    SyntaxError,
    TypeError,
    UnknownField,
}

impl RuleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Loaded => "loaded",
            RuleStatus::Disabled => "disabled",
            RuleStatus::Filtered => "filtered",
            RuleStatus::AgentVersion => "agent_version",
            RuleStatus::UnsupportedEventType => "unsupported_event_type",
            RuleStatus::SyntaxError => "syntax_error",
            RuleStatus::TypeError => "type_error",
            RuleStatus::UnknownField => "unknown_field",
        }
    }

    /// Whether the rule failed to load (as opposed to being deliberately left out).
    pub fn is_error(self) -> bool {
        matches!(
            self,
            RuleStatus::UnsupportedEventType
                | RuleStatus::SyntaxError
                | RuleStatus::TypeError
                | RuleStatus::UnknownField
        )
    }

    fn of(kind: ErrorKind) -> RuleStatus {
        match kind {
            ErrorKind::Syntax => RuleStatus::SyntaxError,
            ErrorKind::Type => RuleStatus::TypeError,
            ErrorKind::UnknownField => RuleStatus::UnknownField,
            ErrorKind::UnsupportedEventType => RuleStatus::UnsupportedEventType,
        }
    }
}

/// What is reported about every rule (for `ruleset_loaded` and `vigil policy check`).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleReport {
    pub id: String,
    pub version: String,
    pub policy: String,
    pub policy_version: String,
    pub description: String,
    pub expression: String,
    pub tags: BTreeMap<String, String>,
    pub product_tags: Vec<String>,
    pub silent: bool,
    pub status: RuleStatus,
    pub message: String,
}

/// An action other than `set`, for the agent to carry out on a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalAction {
    Kill {
        signal: String,
        signal_number: i64,
        scope: String,
    },
    Hash {
        field: String,
        max_file_size: u64,
    },
    CoreDump {
        process: bool,
        mount: bool,
        dentry: bool,
        no_compression: bool,
    },
    Log {
        level: String,
        message: String,
    },
}

struct SetAction {
    var: VarId,
    value: Val,
    append: bool,
    scope_field: Option<Val>,
}

enum Action {
    Set(SetAction),
    External(ExternalAction),
}

struct RuleAction {
    filter: Option<Compiled>,
    action: Action,
}

/// A loaded rule.
pub struct Rule {
    pub report: RuleReport,
    pub event_type: EventType,
    /// Minimum interval between two matches, ns (0 = none).
    pub every: u64,
    compiled: Compiled,
    ast: Expr,
    actions: Vec<RuleAction>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.report.id
    }

    /// The parsed expression.
    pub(crate) fn ast(&self) -> &Expr {
        &self.ast
    }

    /// The non-`set` actions, in order.
    pub fn external_actions(&self) -> impl Iterator<Item = &ExternalAction> {
        self.actions.iter().filter_map(|a| match &a.action {
            Action::External(x) => Some(x),
            Action::Set(_) => None,
        })
    }
}

/// How policies are loaded.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub agent_version: Version,
    pub filter_model: FilterModel,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            agent_version: COMPATIBLE_AGENT_VERSION,
            filter_model: FilterModel::current(),
        }
    }
}

/// Mutable evaluation state: variable values and throttling.
pub struct RuleState {
    pub vars: VarStore,
    last_match: Vec<u64>,
    pending: Vec<(VarId, ScopeKey, VarValue, bool)>,
    candidates: Vec<usize>,
}

/// One line of an explanation: a sub-expression, its depth in the tree and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub depth: usize,
    pub text: String,
    pub value: bool,
}

/// Compiled rules bucketed per event type.
pub struct RuleSet {
    rules: Vec<Rule>,
    reports: Vec<RuleReport>,
    buckets: Vec<BucketIndex>,
    vars: VarDecls,
    macros: HashMap<String, MacroDef>,
    unfilled: BTreeSet<&'static str>,
}

fn tags_text(tags: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    tags.iter()
        .map(|(k, v)| (k.clone(), scalar_text(v)))
        .collect()
}

fn report(m: &MergedRule, status: RuleStatus, message: impl Into<String>) -> RuleReport {
    RuleReport {
        id: m.def.id.clone(),
        version: m.def.version.as_ref().map(scalar_text).unwrap_or_default(),
        policy: m.policy.clone(),
        policy_version: m.policy_version.clone(),
        description: m.def.description.clone(),
        expression: m.def.expression.clone().unwrap_or_default(),
        tags: tags_text(&m.def.tags),
        product_tags: m.def.product_tags.clone(),
        silent: m.def.silent,
        status,
        message: message.into(),
    }
}

/// Whether a definition's filters admit the host: `Ok(None)` = admitted, `Ok(Some(..))` =
/// filtered out, `Err` = a filter does not compile.
fn filters_admit(filters: &[String], model: &FilterModel) -> Result<Option<String>, SeclError> {
    if filters.is_empty() {
        return Ok(None);
    }
    let macros = HashMap::new();
    let vars = VarDecls::default();
    let env = CompileEnv {
        macros: &macros,
        vars: &vars,
        fields: model,
    };
    for f in filters {
        let ast = parse_expression(f)?;
        let c = compile_bool(&ast, f, &env)?;
        match c.constant {
            Some(true) => return Ok(None),
            Some(false) => {}
            None => {
                return Err(SeclError::at(
                    ErrorKind::Type,
                    f,
                    0,
                    "filters may only use os / kernel fields",
                ))
            }
        }
    }
    Ok(Some(format!(
        "excluded by filters {}",
        filters.join(" || ")
    )))
}

fn macro_def(m: &MergedMacro) -> MacroDef {
    let (source, expr) = match (&m.error, &m.def.expression, &m.def.values) {
        (Some(e), _, _) => (
            String::new(),
            Err(SeclError::at(ErrorKind::Syntax, "", 0, e.clone())),
        ),
        (None, Some(expr), _) => (expr.clone(), parse_macro(expr)),
        (None, None, Some(values)) => {
            let quoted: Vec<String> = values
                .iter()
                .map(|v| serde_json::to_string(v).unwrap_or_default())
                .collect();
            let src = format!("[{}]", quoted.join(", "));
            let parsed = parse_macro(&src);
            (src, parsed)
        }
        (None, None, None) => (
            String::new(),
            Err(SeclError::at(
                ErrorKind::Syntax,
                "",
                0,
                "macro has neither expression nor values",
            )),
        ),
    };
    MacroDef {
        id: m.def.id.clone(),
        source,
        expr,
    }
}

/// A rule that passed the definition checks, waiting to be compiled.
struct Candidate<'m> {
    merged: &'m MergedRule,
    source: String,
    ast: Expr,
}

impl RuleSet {
    /// Loads policies into a rule set. Never fails: each rule carries its status.
    pub fn load(policies: &[Policy], opts: &LoadOptions) -> RuleSet {
        let keep_macro = |m: &MacroDefinition| {
            m.agent_version
                .as_deref()
                .is_none_or(|c| satisfies(c, opts.agent_version).unwrap_or(false))
                && matches!(filters_admit(&m.filters, &opts.filter_model), Ok(None))
        };
        let (merged_macros, merged_rules) = merge(policies, &keep_macro);
        let macros: HashMap<String, MacroDef> = merged_macros
            .iter()
            .map(|m| (m.def.id.clone(), macro_def(m)))
            .collect();

        let mut reports: Vec<Option<RuleReport>> = vec![None; merged_rules.len()];
        let mut candidates: Vec<(usize, Candidate<'_>)> = Vec::new();
        for (i, m) in merged_rules.iter().enumerate() {
            if let Some(e) = &m.error {
                reports[i] = Some(report(m, RuleStatus::SyntaxError, e.clone()));
                continue;
            }
            if m.def.disabled {
                reports[i] = Some(report(m, RuleStatus::Disabled, "disabled"));
                continue;
            }
            if let Some(c) = m.def.agent_version.as_deref() {
                match satisfies(c, opts.agent_version) {
                    Ok(true) => {}
                    Ok(false) => {
                        reports[i] = Some(report(
                            m,
                            RuleStatus::AgentVersion,
                            format!("agent_version {c:?} does not admit {}", opts.agent_version),
                        ));
                        continue;
                    }
                    Err(e) => {
                        reports[i] = Some(report(m, RuleStatus::SyntaxError, e));
                        continue;
                    }
                }
            }
            match filters_admit(&m.def.filters, &opts.filter_model) {
                Ok(None) => {}
                Ok(Some(why)) => {
                    reports[i] = Some(report(m, RuleStatus::Filtered, why));
                    continue;
                }
                Err(e) => {
                    reports[i] = Some(report(m, RuleStatus::of(e.kind), format!("filter: {e}")));
                    continue;
                }
            }
            let source = m.def.expression.clone().unwrap_or_default();
            match parse_expression(&source) {
                Ok(ast) => candidates.push((
                    i,
                    Candidate {
                        merged: m,
                        source,
                        ast,
                    },
                )),
                Err(e) => reports[i] = Some(report(m, RuleStatus::SyntaxError, e.to_string())),
            }
        }

        // Variables are declared by every candidate's `set` actions before any expression
        // compiles (a rule may read a variable its own actions set).
        let mut vars = VarDecls::default();
        let mut failed: HashMap<usize, (RuleStatus, String)> = HashMap::new();
        let mut deferred = Vec::new();
        for (i, c) in &candidates {
            for a in &c.merged.def.actions {
                if let Some(set) = &a.set {
                    match declare_static(set, &mut vars) {
                        Ok(true) => {}
                        Ok(false) => deferred.push((*i, set.clone())),
                        Err((s, msg)) => {
                            failed.entry(*i).or_insert((s, msg));
                        }
                    }
                }
            }
        }
        for (i, set) in deferred {
            let env = CompileEnv {
                macros: &macros,
                vars: &vars,
                fields: &EventFields,
            };
            let expr = set.expression.clone().unwrap_or_default();
            let shape = parse_expression(&expr)
                .and_then(|ast| compile_value(&ast, &expr, &env))
                .map(|v| v.shape());
            let res = match shape {
                Ok(Some((ty, array))) => declare(&set, ty, array || set.append, &mut vars),
                Ok(None) => Err((
                    RuleStatus::TypeError,
                    format!("variable `{}`: IP values cannot be stored", set.name),
                )),
                Err(e) => Err((RuleStatus::of(e.kind), format!("set `{}`: {e}", set.name))),
            };
            if let Err(e) = res {
                failed.entry(i).or_insert(e);
            }
        }

        let mut rules = Vec::new();
        let mut unfilled = BTreeSet::new();
        for (i, c) in candidates {
            if let Some((status, msg)) = failed.remove(&i) {
                reports[i] = Some(report(c.merged, status, msg));
                continue;
            }
            let env = CompileEnv {
                macros: &macros,
                vars: &vars,
                fields: &EventFields,
            };
            match compile_rule(&c, &env) {
                Ok(rule) => {
                    unfilled.extend(
                        rule.compiled
                            .fields
                            .iter()
                            .copied()
                            .filter(|f| field(f).is_some_and(|d| !d.filled)),
                    );
                    reports[i] = Some(rule.report.clone());
                    rules.push(rule);
                }
                Err((status, msg)) => reports[i] = Some(report(c.merged, status, msg)),
            }
        }
        let mut buckets: Vec<BucketIndex> = EventType::ALL
            .iter()
            .map(|_| BucketIndex::default())
            .collect();
        let env = CompileEnv {
            macros: &macros,
            vars: &vars,
            fields: &EventFields,
        };
        for (i, r) in rules.iter().enumerate() {
            buckets[r.event_type as usize].add(i, &r.ast, &env);
        }
        let reports = reports.into_iter().flatten().collect();
        RuleSet {
            rules,
            reports,
            buckets,
            vars,
            macros,
            unfilled,
        }
    }

    /// Every rule of the merged policies, loaded or not, in policy order.
    pub fn reports(&self) -> &[RuleReport] {
        &self.reports
    }

    /// The loaded rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, index: usize) -> &Rule {
        &self.rules[index]
    }

    /// Event types at least one loaded rule needs (the probes to enable).
    pub fn event_types(&self) -> BTreeSet<EventType> {
        self.rules.iter().map(|r| r.event_type).collect()
    }

    /// Fields used by loaded rules that the sensor does not fill yet.
    pub fn unfilled_fields(&self) -> &BTreeSet<&'static str> {
        &self.unfilled
    }

    /// Index statistics per event type: rules always evaluated, indexed fields, indexed rules.
    pub fn index_stats(&self) -> Vec<(EventType, usize, Vec<String>, usize)> {
        EventType::ALL
            .iter()
            .zip(&self.buckets)
            .filter(|(_, b)| !b.is_empty())
            .map(|(t, b)| {
                let (always, fields, keyed) = b.stats();
                (*t, always, fields, keyed)
            })
            .collect()
    }

    /// The merged macros (to compile standalone expressions that use them).
    pub fn macros(&self) -> &HashMap<String, MacroDef> {
        &self.macros
    }

    /// Declared variables.
    pub fn variables(&self) -> &VarDecls {
        &self.vars
    }

    pub fn new_state(&self) -> RuleState {
        RuleState {
            vars: VarStore::new(),
            last_match: vec![0; self.rules.len()],
            pending: Vec::new(),
            candidates: Vec::new(),
        }
    }

    /// Evaluates the rules of the event's type; pushes the indexes of matching rules to `out`
    /// and runs their `set` actions.
    pub fn evaluate(&self, event: &Event, state: &mut RuleState, out: &mut Vec<usize>) {
        let bucket = &self.buckets[event.event_type() as usize];
        if bucket.is_empty() {
            return;
        }
        let first = out.len();
        {
            let RuleState {
                vars,
                last_match,
                pending,
                candidates,
            } = state;
            let ctx = Ctx::new(event, vars);
            bucket.candidates(&ctx, candidates);
            for &i in candidates.iter() {
                let rule = &self.rules[i];
                if !rule.compiled.eval(&ctx) {
                    continue;
                }
                if rule.every != 0 {
                    let last = last_match[i];
                    if last != 0 && ctx.now < last.saturating_add(rule.every) {
                        continue;
                    }
                    last_match[i] = ctx.now;
                }
                out.push(i);
                for a in &rule.actions {
                    let Action::Set(set) = &a.action else {
                        continue;
                    };
                    if a.filter.as_ref().is_some_and(|f| !f.eval(&ctx)) {
                        continue;
                    }
                    let decl = self.vars.decl(set.var);
                    let key = match &set.scope_field {
                        Some(v) => match v.to_owned_value(&ctx) {
                            Some(VarValue::Int(pid)) => Some(ScopeKey::Pid(pid as u32)),
                            _ => None,
                        },
                        None => VarStore::key_for(decl.scope, event),
                    };
                    if let (Some(key), Some(value)) = (key, set.value.to_owned_value(&ctx)) {
                        pending.push((set.var, key, value, set.append));
                    }
                }
            }
        }
        if out.len() == first {
            return;
        }
        let now = if event.timestamp != 0 {
            event.timestamp
        } else {
            crate::eval::wall_clock_ns()
        };
        for (var, key, value, append) in state.pending.drain(..) {
            state
                .vars
                .set(var, self.vars.decl(var), key, value, append, now);
        }
    }

    /// Evaluates one loaded rule's expression on an event (no actions, no throttling).
    pub fn evaluate_rule(&self, index: usize, event: &Event, state: &RuleState) -> bool {
        self.rules[index]
            .compiled
            .eval(&Ctx::new(event, &state.vars))
    }

    /// Evaluates every sub-expression of a loaded rule on an event (no actions run).
    pub fn explain(
        &self,
        rule_id: &str,
        event: &Event,
        state: &RuleState,
    ) -> Option<Vec<Explanation>> {
        let rule = self.rules.iter().find(|r| r.report.id == rule_id)?;
        let env = CompileEnv {
            macros: &self.macros,
            vars: &self.vars,
            fields: &EventFields,
        };
        let ctx = Ctx::new(event, &state.vars);
        let mut out = Vec::new();
        explain_node(&rule.ast, &rule.report.expression, &env, &ctx, 0, &mut out);
        Some(out)
    }
}

fn explain_node(
    e: &Expr,
    src: &str,
    env: &CompileEnv<'_>,
    ctx: &Ctx<'_>,
    depth: usize,
    out: &mut Vec<Explanation>,
) {
    let Ok(c) = compile_bool(e, src, env) else {
        return;
    };
    out.push(Explanation {
        depth,
        text: e.text(src).split_whitespace().collect::<Vec<_>>().join(" "),
        value: c.eval(ctx),
    });
    match &e.kind {
        ExprKind::Logic(_, a, b) => {
            explain_node(a, src, env, ctx, depth + 1, out);
            explain_node(b, src, env, ctx, depth + 1, out);
        }
        ExprKind::Unary(_, a) => explain_node(a, src, env, ctx, depth + 1, out),
        ExprKind::Ident(name) if env.macros.contains_key(name) => {
            if let Some(Ok(body)) = env.macros.get(name).map(|m| &m.expr) {
                if let Some(m) = env.macros.get(name) {
                    explain_node(body, &m.source, env, ctx, depth + 1, out);
                }
            }
        }
        _ => {}
    }
}

fn var_name(set: &SetDefinition) -> Result<(String, Scope), (RuleStatus, String)> {
    let scope = Scope::parse(set.scope.as_deref().unwrap_or("")).ok_or_else(|| {
        (
            RuleStatus::TypeError,
            format!(
                "set `{}`: unknown scope {:?}",
                set.name,
                set.scope.as_deref().unwrap_or("")
            ),
        )
    })?;
    if set.name.is_empty()
        || !set
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err((
            RuleStatus::SyntaxError,
            format!("set: invalid variable name {:?}", set.name),
        ));
    }
    Ok((format!("{}{}", scope.prefix(), set.name), scope))
}

fn yaml_value(v: &Value) -> Option<VarValue> {
    Some(match v {
        Value::Bool(b) => VarValue::Bool(*b),
        Value::Number(n) => VarValue::Int(n.as_i64()?),
        Value::String(s) => VarValue::Str(s.clone()),
        Value::Sequence(items) if items.iter().all(|i| i.is_i64()) => {
            VarValue::Ints(items.iter().filter_map(Value::as_i64).collect())
        }
        Value::Sequence(items) => VarValue::Strs(items.iter().map(scalar_text).collect()),
        _ => return None,
    })
}

/// Declares a `set` variable whose type is known without compiling (value, default_value or
/// field). `Ok(false)`: only an expression gives the type.
fn declare_static(set: &SetDefinition, vars: &mut VarDecls) -> Result<bool, (RuleStatus, String)> {
    let sources = [
        set.value.is_some(),
        set.field.is_some(),
        set.expression.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if sources != 1 {
        return Err((
            RuleStatus::SyntaxError,
            format!(
                "set `{}`: exactly one of value, field, expression is required",
                set.name
            ),
        ));
    }
    let shape = if let Some(v) = set.value.as_ref().or(set.default_value.as_ref()) {
        let v = yaml_value(v).ok_or_else(|| {
            (
                RuleStatus::TypeError,
                format!("set `{}`: unsupported value", set.name),
            )
        })?;
        Some(v.shape())
    } else if let Some(f) = &set.field {
        let def = field(f).ok_or_else(|| {
            (
                RuleStatus::UnknownField,
                format!("set `{}`: unknown field `{f}`", set.name),
            )
        })?;
        if def.ty == FieldType::Ip {
            return Err((
                RuleStatus::TypeError,
                format!("set `{}`: IP fields cannot be stored", set.name),
            ));
        }
        Some((def.ty, def.array))
    } else {
        None
    };
    match shape {
        Some((ty, array)) => declare(set, ty, array || set.append, vars).map(|_| true),
        None => Ok(false),
    }
}

fn declare(
    set: &SetDefinition,
    ty: FieldType,
    array: bool,
    vars: &mut VarDecls,
) -> Result<VarId, (RuleStatus, String)> {
    let (name, scope) = var_name(set)?;
    let ttl = match &set.ttl {
        Some(v) => duration_ns(v).map_err(|e| {
            (
                RuleStatus::SyntaxError,
                format!("set `{}`: ttl: {e}", set.name),
            )
        })?,
        None => 0,
    };
    let default = match set.default_value.as_ref().and_then(yaml_value) {
        Some(VarValue::Str(s)) if array => {
            VarValue::Strs(if s.is_empty() { Vec::new() } else { vec![s] })
        }
        Some(VarValue::Int(i)) if array => VarValue::Ints(vec![i]),
        Some(v) if v.shape() == (ty, array) => v,
        Some(_) => {
            return Err((
                RuleStatus::TypeError,
                format!(
                    "set `{}`: default_value does not match the variable's type",
                    set.name
                ),
            ))
        }
        None => VarValue::zero(ty, array),
    };
    let size = set.size.unwrap_or(if set.append { 100 } else { 0 });
    vars.declare(VarDecl {
        name,
        scope,
        ty,
        array,
        default,
        inherited: set.inherited,
        size,
        ttl,
    })
    .map_err(|e| (RuleStatus::TypeError, e))
}

fn compile_rule(c: &Candidate<'_>, env: &CompileEnv<'_>) -> Result<Rule, (RuleStatus, String)> {
    let def = &c.merged.def;
    let compiled = compile_bool(&c.ast, &c.source, env)
        .map_err(|e| (RuleStatus::of(e.kind), e.to_string()))?;
    let event_type = match compiled.event_types.len() {
        1 => *compiled.event_types.iter().next().expect("one event type"),
        0 => {
            return Err((
                RuleStatus::TypeError,
                "the rule uses no event-specific field, so it has no event type".into(),
            ))
        }
        _ => {
            let names: Vec<&str> = compiled.event_types.iter().map(|t| t.name()).collect();
            return Err((
                RuleStatus::TypeError,
                format!("the rule mixes event types: {}", names.join(", ")),
            ));
        }
    };
    let mut actions = Vec::new();
    for a in &def.actions {
        let filter = match &a.filter {
            Some(f) => Some(
                parse_expression(f)
                    .and_then(|ast| compile_bool(&ast, f, env))
                    .map_err(|e| (RuleStatus::of(e.kind), format!("action filter: {e}")))?,
            ),
            None => None,
        };
        let n = [
            a.set.is_some(),
            a.kill.is_some(),
            a.hash.is_some(),
            a.coredump.is_some(),
            a.log.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if n != 1 {
            return Err((
                RuleStatus::SyntaxError,
                "each action needs exactly one of set, kill, hash, coredump, log".into(),
            ));
        }
        let action = if let Some(set) = &a.set {
            Action::Set(compile_set(set, env)?)
        } else if let Some(k) = &a.kill {
            let signal_number = vigil_model::consts::secl_constant(&k.signal)
                .filter(|_| k.signal.starts_with("SIG"))
                .ok_or_else(|| {
                    (
                        RuleStatus::TypeError,
                        format!("kill: unknown signal {:?}", k.signal),
                    )
                })?;
            let scope = k.scope.clone().unwrap_or_else(|| "process".into());
            if !matches!(scope.as_str(), "process" | "container" | "cgroup") {
                return Err((
                    RuleStatus::TypeError,
                    format!("kill: unknown scope {scope:?}"),
                ));
            }
            Action::External(ExternalAction::Kill {
                signal: k.signal.clone(),
                signal_number,
                scope,
            })
        } else if let Some(h) = &a.hash {
            let default = if event_type == EventType::Exec {
                "exec.file"
            } else {
                "open.file"
            };
            let f = h.field.clone().unwrap_or_else(|| default.into());
            if field(&format!("{f}.path")).is_none() {
                return Err((
                    RuleStatus::UnknownField,
                    format!("hash: `{f}` is not a file"),
                ));
            }
            Action::External(ExternalAction::Hash {
                field: f,
                max_file_size: h.max_file_size.unwrap_or(5 * 1024 * 1024),
            })
        } else if let Some(d) = &a.coredump {
            if !(d.process || d.mount || d.dentry) {
                return Err((
                    RuleStatus::SyntaxError,
                    "coredump: at least one of process, mount, dentry is required".into(),
                ));
            }
            Action::External(ExternalAction::CoreDump {
                process: d.process,
                mount: d.mount,
                dentry: d.dentry,
                no_compression: d.no_compression,
            })
        } else {
            let l = a.log.clone().unwrap_or_default();
            Action::External(ExternalAction::Log {
                level: l.level.unwrap_or_else(|| "info".into()),
                message: l.message.unwrap_or_default(),
            })
        };
        actions.push(RuleAction { filter, action });
    }
    let every = match &def.every {
        Some(v) => duration_ns(v).map_err(|e| (RuleStatus::SyntaxError, format!("every: {e}")))?,
        None => 0,
    };
    Ok(Rule {
        report: report(c.merged, RuleStatus::Loaded, ""),
        event_type,
        every,
        compiled,
        ast: c.ast.clone(),
        actions,
    })
}

fn compile_set(
    set: &SetDefinition,
    env: &CompileEnv<'_>,
) -> Result<SetAction, (RuleStatus, String)> {
    let (name, _) = var_name(set)?;
    let (var, decl) = env
        .vars
        .get(&name)
        .ok_or_else(|| (RuleStatus::TypeError, format!("set `{name}`: not declared")))?;
    let err = |e: SeclError| (RuleStatus::of(e.kind), format!("set `{name}`: {e}"));
    let value = if let Some(v) = &set.value {
        let v = yaml_value(v).ok_or_else(|| {
            (
                RuleStatus::TypeError,
                format!("set `{name}`: unsupported value"),
            )
        })?;
        const_val(v)
    } else if let Some(f) = &set.field {
        compile_field(f, env).map_err(|u| err(u.place(f, 0)))?.0
    } else {
        let src = set.expression.clone().unwrap_or_default();
        parse_expression(&src)
            .and_then(|ast| compile_value(&ast, &src, env))
            .map_err(err)?
    };
    match value.shape() {
        Some((ty, _)) if ty == decl.ty => {}
        _ => {
            return Err((
                RuleStatus::TypeError,
                format!(
                    "set `{name}`: value type does not match the variable's type {}",
                    decl.ty.as_str()
                ),
            ))
        }
    }
    let scope_field = match &set.scope_field {
        Some(f) => {
            let (v, _) = compile_field(f, env).map_err(|u| err(u.place(f, 0)))?;
            if v.shape() != Some((FieldType::Int, false)) || decl.scope != Scope::Process {
                return Err((RuleStatus::TypeError, format!("set `{name}`: scope_field must be an int (pid) field of a process-scoped variable")));
            }
            Some(v)
        }
        None => None,
    };
    Ok(SetAction {
        var,
        value,
        append: set.append,
        scope_field,
    })
}

fn const_val(v: VarValue) -> Val {
    use crate::compile::ConstVal;
    Val::constant(match v {
        VarValue::Bool(b) => ConstVal::Bool(b),
        VarValue::Int(i) => ConstVal::Int(i),
        VarValue::Str(s) => ConstVal::Str(s),
        VarValue::Strs(v) => ConstVal::Strs(v),
        VarValue::Ints(v) => ConstVal::Ints(v),
    })
}
