//! The SECL field table: every SECL field name → its type, flags, the event type it belongs to,
//! whether the sensor fills it, and how to read it from an [`Event`].
//!
//! The table is built once from three declarative sub-tables, so each accessor is written once:
//! the FILE fields (`file.rs`, reused under every `<prefix>.file` and `.file.destination`), the
//! PROCESS fields (`process.rs`, reused under `process`, `process.parent`, `process.ancestors`,
//! `exec`, `exit`, `ptrace.tracee[.parent|.ancestors]`, `signal.target[...]`), and the
//! event-specific and common fields (`events.rs`). Accessors are plain function pointers; the
//! SECL compiler composes them into evaluators.

mod events;
mod file;
mod process;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::OnceLock;

use crate::event::{Event, EventData, EventType};
use crate::file::File;
use crate::process::Process;

pub use process::{args_flags, args_options};

/// The value type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    Bool,
    Int,
    Str,
    Ip,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Bool => "bool",
            FieldType::Int => "int",
            FieldType::Str => "string",
            FieldType::Ip => "IP/CIDR",
        }
    }
}

/// A multi-valued string visitor over a subject.
pub type StrsVisit<S> = fn(&S, &mut dyn FnMut(&str) -> bool) -> bool;
/// A process's file selector (executable, interpreter).
pub type ProcessFileSel = for<'a> fn(&'a Process) -> Option<&'a File>;

/// How to read one value of type `T` out of a `Subject` (an event, a process or a file).
/// Multi-valued getters call the visitor for each element and stop (returning `true`) as soon
/// as the visitor returns `true`.
pub enum Getter<S> {
    Int(fn(&S) -> i64),
    Str(for<'a> fn(&'a S) -> &'a str),
    /// A string built on demand (joined arguments, command line).
    Computed(fn(&S) -> String),
    Bool(fn(&S) -> bool),
    Ip(fn(&S) -> Option<IpAddr>),
    Strs(StrsVisit<S>),
    Ints(fn(&S, &mut dyn FnMut(i64) -> bool) -> bool),
}

impl<S> Clone for Getter<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Getter<S> {}

impl<S> Getter<S> {
    /// The value type and whether the field is multi-valued.
    pub fn shape(&self) -> (FieldType, bool) {
        match self {
            Getter::Int(_) => (FieldType::Int, false),
            Getter::Str(_) | Getter::Computed(_) => (FieldType::Str, false),
            Getter::Bool(_) => (FieldType::Bool, false),
            Getter::Ip(_) => (FieldType::Ip, false),
            Getter::Strs(_) => (FieldType::Str, true),
            Getter::Ints(_) => (FieldType::Int, true),
        }
    }
}

/// Which process of the event a process field reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessRef {
    /// The event's process (`process.*`, `exec.*`, `exit.*`).
    Event,
    Parent,
    /// Every ancestor, parent first (`process.ancestors.*`).
    Ancestors,
    Tracee,
    TraceeParent,
    TraceeAncestors,
    Target,
    TargetParent,
    TargetAncestors,
}

impl ProcessRef {
    /// The process a non-iterating reference designates, or the base whose ancestors an
    /// iterating reference walks.
    pub fn base(self, event: &Event) -> Option<&Process> {
        match self {
            ProcessRef::Event | ProcessRef::Ancestors => Some(&event.process),
            ProcessRef::Parent => event.process.parent().map(|p| &**p),
            ProcessRef::Tracee | ProcessRef::TraceeAncestors => tracee(event),
            ProcessRef::TraceeParent => tracee(event).and_then(|p| p.parent()).map(|p| &**p),
            ProcessRef::Target | ProcessRef::TargetAncestors => target(event),
            ProcessRef::TargetParent => target(event).and_then(|p| p.parent()).map(|p| &**p),
        }
    }

    /// Whether the reference walks an ancestor chain (and so accepts an iterator register).
    pub fn is_iterator(self) -> bool {
        matches!(
            self,
            ProcessRef::Ancestors | ProcessRef::TraceeAncestors | ProcessRef::TargetAncestors
        )
    }
}

fn tracee(e: &Event) -> Option<&Process> {
    match &e.data {
        EventData::Ptrace(p) => p.tracee.as_deref(),
        _ => None,
    }
}

fn target(e: &Event) -> Option<&Process> {
    match &e.data {
        EventData::Signal(s) => s.target.as_deref(),
        _ => None,
    }
}

/// Where a field's value comes from.
#[derive(Clone, Copy)]
pub enum Access {
    Event(Getter<Event>),
    /// A field of a file of the event (`open.file.path`...); zero value when absent.
    File {
        file: for<'a> fn(&'a Event) -> Option<&'a File>,
        get: Getter<File>,
    },
    /// A field of a process of the event.
    Process {
        which: ProcessRef,
        get: Getter<Process>,
    },
    /// A field of a file of a process of the event (`process.file.path`...).
    ProcessFile {
        which: ProcessRef,
        file: for<'a> fn(&'a Process) -> Option<&'a File>,
        get: Getter<File>,
    },
}

/// Semantic flags of a field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldFlags {
    /// A file path: `~"..."` patterns are per-segment globs, regexps are refused.
    pub path: bool,
    /// Compared case-insensitively (DNS names).
    pub case_insensitive: bool,
    /// A timestamp (ns since epoch): compared with a duration, its age is compared.
    pub time: bool,
}

/// One SECL field.
#[derive(Clone)]
pub struct FieldDef {
    pub name: String,
    /// The event type the field belongs to; `None` for fields every event has.
    pub event_type: Option<EventType>,
    pub ty: FieldType,
    /// Multi-valued (any-element semantics).
    pub array: bool,
    pub flags: FieldFlags,
    /// Whether Vigil's sensor fills it; unfilled fields evaluate to their zero value.
    pub filled: bool,
    pub access: Access,
}

/// The whole table.
pub struct FieldTable {
    by_name: HashMap<String, FieldDef>,
}

impl FieldTable {
    pub fn get(&self, name: &str) -> Option<&FieldDef> {
        self.by_name.get(name)
    }

    /// Every field, in name order.
    pub fn iter(&self) -> impl Iterator<Item = &FieldDef> {
        let mut v: Vec<&FieldDef> = self.by_name.values().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v.into_iter()
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// The field table (built on first use).
pub fn field_table() -> &'static FieldTable {
    static TABLE: OnceLock<FieldTable> = OnceLock::new();
    TABLE.get_or_init(build)
}

/// Looks a field up by its SECL name (register subscripts removed).
pub fn field(name: &str) -> Option<&'static FieldDef> {
    field_table().get(name)
}

/// A row of a sub-table: name suffix, getter, flags, filled.
pub(crate) struct Row<S> {
    pub name: &'static str,
    pub get: Getter<S>,
    pub flags: FieldFlags,
    pub filled: bool,
}

pub(crate) const PLAIN: FieldFlags = FieldFlags {
    path: false,
    case_insensitive: false,
    time: false,
};
pub(crate) const PATH: FieldFlags = FieldFlags {
    path: true,
    case_insensitive: false,
    time: false,
};
pub(crate) const CI: FieldFlags = FieldFlags {
    path: false,
    case_insensitive: true,
    time: false,
};
pub(crate) const TIME: FieldFlags = FieldFlags {
    path: false,
    case_insensitive: false,
    time: true,
};

/// Builds rows tersely: `row!("name", Getter::Int(..))`, optional flags, optional `unfilled`.
macro_rules! row {
    ($name:expr, $get:expr) => {
        $crate::fields::Row {
            name: $name,
            get: $get,
            flags: $crate::fields::PLAIN,
            filled: true,
        }
    };
    ($name:expr, $get:expr, $flags:expr) => {
        $crate::fields::Row {
            name: $name,
            get: $get,
            flags: $flags,
            filled: true,
        }
    };
    ($name:expr, $get:expr, $flags:expr, unfilled) => {
        $crate::fields::Row {
            name: $name,
            get: $get,
            flags: $flags,
            filled: false,
        }
    };
}
pub(crate) use row;

struct Builder {
    by_name: HashMap<String, FieldDef>,
}

impl Builder {
    fn add(
        &mut self,
        name: String,
        event_type: Option<EventType>,
        get_shape: (FieldType, bool),
        flags: FieldFlags,
        filled: bool,
        access: Access,
    ) {
        let (ty, array) = get_shape;
        self.by_name.insert(
            name.clone(),
            FieldDef {
                name,
                event_type,
                ty,
                array,
                flags,
                filled,
                access,
            },
        );
    }

    fn event_rows(&mut self, event_type: Option<EventType>, rows: Vec<Row<Event>>) {
        for r in rows {
            self.add(
                r.name.to_string(),
                event_type,
                r.get.shape(),
                r.flags,
                r.filled,
                Access::Event(r.get),
            );
        }
    }

    fn file_rows(
        &mut self,
        prefix: &str,
        event_type: Option<EventType>,
        file: for<'a> fn(&'a Event) -> Option<&'a File>,
    ) {
        for r in file::rows() {
            let name = format!("{prefix}.{}", r.name);
            self.add(
                name,
                event_type,
                r.get.shape(),
                r.flags,
                r.filled,
                Access::File { file, get: r.get },
            );
        }
    }

    fn process_rows(&mut self, prefix: &str, event_type: Option<EventType>, which: ProcessRef) {
        for r in process::rows() {
            let (ty, array) = r.get.shape();
            let array = array || which.is_iterator();
            let name = format!("{prefix}.{}", r.name);
            self.add(
                name,
                event_type,
                (ty, array),
                r.flags,
                r.filled,
                Access::Process { which, get: r.get },
            );
        }
        for (sub, file) in process::files() {
            for r in file::rows() {
                let (ty, array) = r.get.shape();
                let array = array || which.is_iterator();
                let name = format!("{prefix}.{sub}.{}", r.name);
                self.add(
                    name,
                    event_type,
                    (ty, array),
                    r.flags,
                    r.filled,
                    Access::ProcessFile {
                        which,
                        file,
                        get: r.get,
                    },
                );
            }
        }
    }

    /// `prefix`, `prefix.parent` and `prefix.ancestors` over one process reference family.
    fn process_family(
        &mut self,
        prefix: &str,
        event_type: Option<EventType>,
        refs: [ProcessRef; 3],
    ) {
        self.process_rows(prefix, event_type, refs[0]);
        self.process_rows(&format!("{prefix}.parent"), event_type, refs[1]);
        self.process_rows(&format!("{prefix}.ancestors"), event_type, refs[2]);
    }
}

fn build() -> FieldTable {
    let mut b = Builder {
        by_name: HashMap::new(),
    };
    use ProcessRef as P;
    b.process_family("process", None, [P::Event, P::Parent, P::Ancestors]);
    b.process_rows("exec", Some(EventType::Exec), P::Event);
    b.process_rows("exit", Some(EventType::Exit), P::Event);
    b.process_family(
        "ptrace.tracee",
        Some(EventType::Ptrace),
        [P::Tracee, P::TraceeParent, P::TraceeAncestors],
    );
    b.process_family(
        "signal.target",
        Some(EventType::Signal),
        [P::Target, P::TargetParent, P::TargetAncestors],
    );
    for (prefix, ty, sel) in events::files() {
        b.file_rows(prefix, Some(ty), sel);
    }
    b.event_rows(None, events::common());
    for (ty, rows) in events::specific() {
        b.event_rows(Some(ty), rows);
    }
    for ty in EventType::ALL {
        if events::has_retval(*ty) {
            let name = format!("{}.retval", ty.name());
            b.add(
                name,
                Some(*ty),
                (FieldType::Int, false),
                PLAIN,
                true,
                Access::Event(Getter::Int(|e| e.retval)),
            );
        }
    }
    FieldTable { by_name: b.by_name }
}

#[cfg(test)]
mod tests;
