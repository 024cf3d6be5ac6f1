//! The evaluation context and the shapes of compiled evaluators.
//!
//! Compiled expressions are trees of boxed closures over a [`Ctx`]: the event, the current time
//! (for duration comparisons), the variable store, the iterator register and a per-event memo
//! for strings built on demand (joined arguments, command lines), so a rule set computes them at
//! most once per event.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};

use vigil_model::Event;

use crate::net::IpNet;
use crate::variables::VarStore;

/// Number of memo slots (see [`crate::compile`]: args / cmdline of the process and its parent).
pub(crate) const MEMO_SLOTS: usize = 4;

/// Everything an evaluator reads.
pub struct Ctx<'a> {
    pub event: &'a Event,
    /// "Now" in ns since the epoch: the event's timestamp, so replays evaluate as live.
    pub now: u64,
    pub vars: &'a VarStore,
    pub(crate) register: Cell<usize>,
    pub(crate) memo: [OnceCell<String>; MEMO_SLOTS],
}

impl<'a> Ctx<'a> {
    pub fn new(event: &'a Event, vars: &'a VarStore) -> Ctx<'a> {
        let now = if event.timestamp != 0 {
            event.timestamp
        } else {
            wall_clock_ns()
        };
        Ctx {
            event,
            now,
            vars,
            register: Cell::new(0),
            memo: Default::default(),
        }
    }
}

pub(crate) fn wall_clock_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

pub(crate) type BoolFn = Box<dyn Fn(&Ctx<'_>) -> bool + Send + Sync>;
pub(crate) type IntFn = Box<dyn Fn(&Ctx<'_>) -> i64 + Send + Sync>;
pub(crate) type StrFn = Box<dyn for<'c> Fn(&'c Ctx<'c>) -> Cow<'c, str> + Send + Sync>;
pub(crate) type IpFn = Box<dyn Fn(&Ctx<'_>) -> Option<IpNet> + Send + Sync>;
/// Multi-valued evaluators visit elements until the visitor returns `true` (then return `true`).
pub(crate) type BoolsFn = Box<dyn Fn(&Ctx<'_>, &mut dyn FnMut(bool) -> bool) -> bool + Send + Sync>;
pub(crate) type IntsFn = Box<dyn Fn(&Ctx<'_>, &mut dyn FnMut(i64) -> bool) -> bool + Send + Sync>;
pub(crate) type StrsFn = Box<dyn Fn(&Ctx<'_>, &mut dyn FnMut(&str) -> bool) -> bool + Send + Sync>;
pub(crate) type IpsFn = Box<dyn Fn(&Ctx<'_>, &mut dyn FnMut(IpNet) -> bool) -> bool + Send + Sync>;

pub(crate) fn bool_fn(f: impl Fn(&Ctx<'_>) -> bool + Send + Sync + 'static) -> BoolFn {
    Box::new(f)
}
pub(crate) fn int_fn(f: impl Fn(&Ctx<'_>) -> i64 + Send + Sync + 'static) -> IntFn {
    Box::new(f)
}
pub(crate) fn str_fn(
    f: impl for<'c> Fn(&'c Ctx<'c>) -> Cow<'c, str> + Send + Sync + 'static,
) -> StrFn {
    Box::new(f)
}
pub(crate) fn ip_fn(f: impl Fn(&Ctx<'_>) -> Option<IpNet> + Send + Sync + 'static) -> IpFn {
    Box::new(f)
}
pub(crate) fn bools_fn(
    f: impl Fn(&Ctx<'_>, &mut dyn FnMut(bool) -> bool) -> bool + Send + Sync + 'static,
) -> BoolsFn {
    Box::new(f)
}
pub(crate) fn ints_fn(
    f: impl Fn(&Ctx<'_>, &mut dyn FnMut(i64) -> bool) -> bool + Send + Sync + 'static,
) -> IntsFn {
    Box::new(f)
}
pub(crate) fn strs_fn(
    f: impl Fn(&Ctx<'_>, &mut dyn FnMut(&str) -> bool) -> bool + Send + Sync + 'static,
) -> StrsFn {
    Box::new(f)
}
pub(crate) fn ips_fn(
    f: impl Fn(&Ctx<'_>, &mut dyn FnMut(IpNet) -> bool) -> bool + Send + Sync + 'static,
) -> IpsFn {
    Box::new(f)
}
