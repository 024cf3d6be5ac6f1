//! Rule variables: declarations (from `set` actions), the store of their values (global, or
//! scoped per process / container / cgroup, with TTLs, bounded append lists and inheritance
//! along the process ancestry), and the built-ins `${builtins.uuid4}` and `${process.pid}`.

use std::collections::HashMap;

use vigil_model::fields::FieldType;
use vigil_model::{Event, Process};

/// Where a variable's value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Global,
    Process,
    Container,
    Cgroup,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "" => Some(Scope::Global),
            "process" => Some(Scope::Process),
            "container" => Some(Scope::Container),
            "cgroup" => Some(Scope::Cgroup),
            _ => None,
        }
    }

    /// The prefix a scoped variable is referenced with (`${process.name}`).
    pub fn prefix(self) -> &'static str {
        match self {
            Scope::Global => "",
            Scope::Process => "process.",
            Scope::Container => "container.",
            Scope::Cgroup => "cgroup.",
        }
    }
}

/// A variable value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarValue {
    Bool(bool),
    Int(i64),
    Str(String),
    Strs(Vec<String>),
    Ints(Vec<i64>),
}

impl VarValue {
    pub fn shape(&self) -> (FieldType, bool) {
        match self {
            VarValue::Bool(_) => (FieldType::Bool, false),
            VarValue::Int(_) => (FieldType::Int, false),
            VarValue::Str(_) => (FieldType::Str, false),
            VarValue::Strs(_) => (FieldType::Str, true),
            VarValue::Ints(_) => (FieldType::Int, true),
        }
    }

    /// The zero value of a shape.
    pub fn zero(ty: FieldType, array: bool) -> VarValue {
        match (ty, array) {
            (FieldType::Bool, _) => VarValue::Bool(false),
            (FieldType::Int, false) => VarValue::Int(0),
            (FieldType::Int, true) => VarValue::Ints(Vec::new()),
            (_, true) => VarValue::Strs(Vec::new()),
            _ => VarValue::Str(String::new()),
        }
    }
}

/// A declared variable.
#[derive(Debug, Clone, PartialEq)]
pub struct VarDecl {
    /// Name as referenced in expressions (`process.correlation_key`, `counter`).
    pub name: String,
    pub scope: Scope,
    pub ty: FieldType,
    pub array: bool,
    pub default: VarValue,
    pub inherited: bool,
    /// Maximum number of elements of an append list (0 = unbounded).
    pub size: usize,
    /// Lifetime of a value (or of each element of a list), ns; 0 = forever.
    pub ttl: u64,
}

pub type VarId = usize;

/// All declared variables of a rule set.
#[derive(Debug, Clone, Default)]
pub struct VarDecls {
    decls: Vec<VarDecl>,
    by_name: HashMap<String, VarId>,
}

impl VarDecls {
    pub fn get(&self, name: &str) -> Option<(VarId, &VarDecl)> {
        self.by_name.get(name).map(|id| (*id, &self.decls[*id]))
    }

    pub fn decl(&self, id: VarId) -> &VarDecl {
        &self.decls[id]
    }

    pub fn len(&self) -> usize {
        self.decls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.decls.is_empty()
    }

    /// Declares a variable, or checks a redeclaration agrees on type and scope (and widens
    /// `inherited`, `size`, `ttl`).
    pub fn declare(&mut self, decl: VarDecl) -> Result<VarId, String> {
        if let Some(id) = self.by_name.get(&decl.name) {
            let old = &mut self.decls[*id];
            if (old.ty, old.array) != (decl.ty, decl.array) {
                return Err(format!(
                    "variable `{}` is already declared as {}{}",
                    decl.name,
                    old.ty.as_str(),
                    if old.array { " array" } else { "" }
                ));
            }
            old.inherited |= decl.inherited;
            old.size = old.size.max(decl.size);
            old.ttl = old.ttl.max(decl.ttl);
            return Ok(*id);
        }
        let id = self.decls.len();
        self.by_name.insert(decl.name.clone(), id);
        self.decls.push(decl);
        Ok(id)
    }
}

/// The key a scoped value is stored under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScopeKey {
    Global,
    Pid(u32),
    Name(String),
}

#[derive(Debug, Clone)]
enum Stored {
    Scalar(VarValue),
    /// Append lists keep an expiry per element.
    Strs(Vec<(String, u64)>),
    Ints(Vec<(i64, u64)>),
}

#[derive(Debug, Clone)]
struct Entry {
    value: Stored,
    /// 0 = never.
    expires: u64,
}

fn alive(expires: u64, now: u64) -> bool {
    expires == 0 || now < expires
}

#[derive(Debug, Clone, Default)]
struct Slot {
    global: Option<Entry>,
    by_pid: HashMap<u32, Entry>,
    by_name: HashMap<String, Entry>,
}

/// The values of every variable.
#[derive(Debug, Clone, Default)]
pub struct VarStore {
    slots: Vec<Slot>,
}

impl VarStore {
    pub fn new() -> VarStore {
        VarStore::default()
    }

    fn entry(&self, id: VarId, decl: &VarDecl, event: &Event, now: u64) -> Option<&Entry> {
        let slot = self.slots.get(id)?;
        let e = match decl.scope {
            Scope::Global => slot.global.as_ref(),
            Scope::Process => {
                let own = slot.by_pid.get(&event.process.pid);
                if own.is_some() || !decl.inherited {
                    own
                } else {
                    event
                        .process
                        .ancestors()
                        .find_map(|p| slot.by_pid.get(&p.pid))
                }
            }
            Scope::Container => container_key(event).and_then(|k| slot.by_name.get(k)),
            Scope::Cgroup => cgroup_key(&event.process).and_then(|k| slot.by_name.get(k)),
        }?;
        alive(e.expires, now).then_some(e)
    }

    /// Reads a scalar string variable (`None` = unset).
    pub fn get_str(&self, id: VarId, decl: &VarDecl, event: &Event, now: u64) -> Option<&str> {
        match &self.entry(id, decl, event, now)?.value {
            Stored::Scalar(VarValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn get_int(&self, id: VarId, decl: &VarDecl, event: &Event, now: u64) -> Option<i64> {
        match &self.entry(id, decl, event, now)?.value {
            Stored::Scalar(VarValue::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn get_bool(&self, id: VarId, decl: &VarDecl, event: &Event, now: u64) -> Option<bool> {
        match &self.entry(id, decl, event, now)?.value {
            Stored::Scalar(VarValue::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// Visits the live elements of a string list variable.
    pub fn any_str(
        &self,
        id: VarId,
        decl: &VarDecl,
        event: &Event,
        now: u64,
        visit: &mut dyn FnMut(&str) -> bool,
    ) -> bool {
        match self.entry(id, decl, event, now).map(|e| &e.value) {
            Some(Stored::Strs(v)) => v.iter().any(|(s, exp)| alive(*exp, now) && visit(s)),
            Some(Stored::Scalar(VarValue::Strs(v))) => v.iter().any(|s| visit(s)),
            _ => match &decl.default {
                VarValue::Strs(v) => v.iter().any(|s| visit(s)),
                _ => false,
            },
        }
    }

    pub fn any_int(
        &self,
        id: VarId,
        decl: &VarDecl,
        event: &Event,
        now: u64,
        visit: &mut dyn FnMut(i64) -> bool,
    ) -> bool {
        match self.entry(id, decl, event, now).map(|e| &e.value) {
            Some(Stored::Ints(v)) => v.iter().any(|(i, exp)| alive(*exp, now) && visit(*i)),
            Some(Stored::Scalar(VarValue::Ints(v))) => v.iter().any(|i| visit(*i)),
            _ => match &decl.default {
                VarValue::Ints(v) => v.iter().any(|i| visit(*i)),
                _ => false,
            },
        }
    }

    /// The key an event writes a variable of `scope` under (`None` when the event has no such
    /// scope, e.g. a host process for a container variable).
    pub fn key_for(scope: Scope, event: &Event) -> Option<ScopeKey> {
        match scope {
            Scope::Global => Some(ScopeKey::Global),
            Scope::Process => Some(ScopeKey::Pid(event.process.pid)),
            Scope::Container => container_key(event).map(|k| ScopeKey::Name(k.to_string())),
            Scope::Cgroup => cgroup_key(&event.process).map(|k| ScopeKey::Name(k.to_string())),
        }
    }

    /// Sets (or, with `append`, adds to) a variable.
    pub fn set(
        &mut self,
        id: VarId,
        decl: &VarDecl,
        key: ScopeKey,
        value: VarValue,
        append: bool,
        now: u64,
    ) {
        if self.slots.len() <= id {
            self.slots.resize_with(id + 1, Slot::default);
        }
        let slot = &mut self.slots[id];
        let expires = if decl.ttl == 0 {
            0
        } else {
            now.saturating_add(decl.ttl)
        };
        let entry = match key {
            ScopeKey::Global => slot.global.get_or_insert_with(|| Entry {
                value: Stored::Scalar(value.clone()),
                expires,
            }),
            ScopeKey::Pid(pid) => slot.by_pid.entry(pid).or_insert_with(|| Entry {
                value: Stored::Scalar(value.clone()),
                expires,
            }),
            ScopeKey::Name(name) => slot.by_name.entry(name).or_insert_with(|| Entry {
                value: Stored::Scalar(value.clone()),
                expires,
            }),
        };
        if !append {
            entry.value = Stored::Scalar(value);
            entry.expires = expires;
            return;
        }
        // Append lists: elements expire individually; the list itself does not.
        entry.expires = 0;
        let cap = if decl.size == 0 {
            usize::MAX
        } else {
            decl.size
        };
        match value {
            VarValue::Str(s) => push_unique(&mut entry.value, Elem::S(s), expires, cap, now),
            VarValue::Strs(v) => v
                .into_iter()
                .for_each(|s| push_unique(&mut entry.value, Elem::S(s), expires, cap, now)),
            VarValue::Int(i) => push_unique(&mut entry.value, Elem::I(i), expires, cap, now),
            VarValue::Ints(v) => v
                .into_iter()
                .for_each(|i| push_unique(&mut entry.value, Elem::I(i), expires, cap, now)),
            VarValue::Bool(b) => entry.value = Stored::Scalar(VarValue::Bool(b)),
        }
    }

    /// Forgets the process-scoped values of an exited pid.
    pub fn release_process(&mut self, pid: u32) {
        for slot in &mut self.slots {
            slot.by_pid.remove(&pid);
        }
    }

    /// Forgets the values of a container or cgroup that went away.
    pub fn release_scope(&mut self, key: &str) {
        for slot in &mut self.slots {
            slot.by_name.remove(key);
        }
    }

    /// Drops expired values and elements.
    pub fn purge(&mut self, now: u64) {
        for slot in &mut self.slots {
            if slot.global.as_ref().is_some_and(|e| !alive(e.expires, now)) {
                slot.global = None;
            }
            slot.by_pid.retain(|_, e| purge_entry(e, now));
            slot.by_name.retain(|_, e| purge_entry(e, now));
        }
    }
}

fn purge_entry(e: &mut Entry, now: u64) -> bool {
    match &mut e.value {
        Stored::Strs(v) => v.retain(|(_, exp)| alive(*exp, now)),
        Stored::Ints(v) => v.retain(|(_, exp)| alive(*exp, now)),
        Stored::Scalar(_) => {}
    }
    alive(e.expires, now)
}

enum Elem {
    S(String),
    I(i64),
}

/// Adds an element (refreshing its expiry if present), evicting the oldest beyond `cap`.
fn push_unique(value: &mut Stored, elem: Elem, expires: u64, cap: usize, now: u64) {
    match (value, elem) {
        (v @ Stored::Scalar(_), Elem::S(s)) => *v = Stored::Strs(vec![(s, expires)]),
        (v @ Stored::Scalar(_), Elem::I(i)) => *v = Stored::Ints(vec![(i, expires)]),
        (Stored::Strs(list), Elem::S(s)) => {
            list.retain(|(x, exp)| alive(*exp, now) && *x != s);
            list.push((s, expires));
            if list.len() > cap {
                list.drain(..list.len() - cap);
            }
        }
        (Stored::Ints(list), Elem::I(i)) => {
            list.retain(|(x, exp)| alive(*exp, now) && *x != i);
            list.push((i, expires));
            if list.len() > cap {
                list.drain(..list.len() - cap);
            }
        }
        _ => {}
    }
}

fn container_key(event: &Event) -> Option<&str> {
    let id = event
        .container
        .as_ref()
        .map_or(event.process.container_id(), |c| c.id.as_str());
    (!id.is_empty()).then_some(id)
}

fn cgroup_key(p: &Process) -> Option<&str> {
    (!p.cgroup.is_empty()).then_some(p.cgroup.as_str())
}

/// A random (version 4) UUID, from a per-thread xorshift generator seeded from the clock.
pub fn uuid4() -> String {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let t = crate::eval::wall_clock_ns();
            let addr = &t as *const u64 as u64;
            (t ^ addr.rotate_left(32)) | 1
        });
    }
    let next = || {
        STATE.with(|s| {
            let mut x = s.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.set(x);
            x
        })
    };
    let (a, b) = (next(), next());
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..].copy_from_slice(&b.to_le_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use vigil_model::EventData;

    fn decl(name: &str, scope: Scope, array: bool, inherited: bool, ttl: u64) -> VarDecl {
        VarDecl {
            name: name.into(),
            scope,
            ty: FieldType::Str,
            array,
            default: VarValue::zero(FieldType::Str, array),
            inherited,
            size: 2,
            ttl,
        }
    }

    #[test]
    fn scoped_inherited_ttl_and_bounded_lists() {
        let parent = Arc::new(Process {
            pid: 10,
            cgroup: "/a".into(),
            ..Process::default()
        });
        let child = Arc::new(Process {
            pid: 11,
            cgroup: "/a".into(),
            ancestor: Some(parent.clone()),
            ..Process::default()
        });
        let ev_parent = Event::new(100, parent, EventData::Fork);
        let ev_child = Event::new(100, child, EventData::Fork);
        let mut store = VarStore::new();
        let d = decl("process.k", Scope::Process, false, true, 50);
        store.set(
            0,
            &d,
            VarStore::key_for(d.scope, &ev_parent).unwrap(),
            VarValue::Str("v".into()),
            false,
            100,
        );
        assert_eq!(store.get_str(0, &d, &ev_child, 120), Some("v"));
        assert_eq!(store.get_str(0, &d, &ev_child, 151), None, "expired");
        let not_inherited = decl("process.k", Scope::Process, false, false, 0);
        assert_eq!(store.get_str(0, &not_inherited, &ev_child, 120), None);

        let l = decl("cgroup.l", Scope::Cgroup, true, false, 0);
        for v in ["a", "b", "a", "c"] {
            store.set(
                1,
                &l,
                VarStore::key_for(l.scope, &ev_child).unwrap(),
                VarValue::Str(v.into()),
                true,
                100,
            );
        }
        let mut seen = Vec::new();
        store.any_str(1, &l, &ev_parent, 100, &mut |s| {
            seen.push(s.to_string());
            false
        });
        assert_eq!(
            seen,
            vec!["a", "c"],
            "deduplicated, capped at size 2, oldest evicted"
        );
        assert!(VarStore::key_for(Scope::Container, &ev_child).is_none());
    }

    #[test]
    fn uuids_are_v4_and_distinct() {
        let (a, b) = (uuid4(), uuid4());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }
}
