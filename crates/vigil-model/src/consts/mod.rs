//! The one constants table shared by the serializer (value -> name) and SECL (name -> value).
//!
//! Every family of kernel constants (open flags, file modes, capabilities, signals, ptrace requests,
//! mmap / mprotect masks, BPF enums, address families, protocols, DNS classes and types, errno,
//! pipe buffer flags, unlink flags, exit causes) is a [`ConstTable`]. A table knows whether its
//! values are bit flags or plain enumerations, which drives how they serialize. Values are `i64`
//! because SECL integers are signed and errno constants are negative (they compare to `*.retval`).

mod tables;
#[cfg(test)]
mod tests;

pub use tables::*;

/// How the values of a table combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// Each value is an independent enumeration member (signals, ptrace requests, BPF commands...).
    Enum,
    /// Values are bits that combine with `|` (open flags, PROT_*, MAP_*, capabilities as bit values...).
    Bits,
}

/// One named constant family.
#[derive(Debug)]
pub struct ConstTable {
    /// Family name, for documentation and error messages (e.g. "open flags").
    pub family: &'static str,
    pub kind: TableKind,
    /// `(name, value)` pairs. Several names may share a value (aliases such as MAP_ANON /
    /// MAP_ANONYMOUS); the first one listed is the canonical name used when serializing.
    pub entries: &'static [(&'static str, i64)],
    /// Whether this family is exposed to SECL as named constants (a few tables, such as the
    /// capability *indexes*, exist only for serialization).
    pub secl: bool,
}

impl ConstTable {
    /// Canonical name of an exact value (first listed entry with that value).
    pub fn name_of(&self, value: i64) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(_, v)| *v == value)
            .map(|(n, _)| *n)
    }

    /// Value of a name, if the table has it.
    pub fn value_of(&self, name: &str) -> Option<i64> {
        self.entries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// Decomposes a bit mask into canonical names, calling `f` for each set flag in ascending bit
    /// order; bits no name covers are reported once, together, as `Leftover`. Zero-valued entries
    /// never match. Aliases (same value) are reported once.
    pub fn for_each_flag(&self, value: u64, mut f: impl FnMut(Flag)) {
        let mut rest = value;
        for bit in 0..64 {
            let b = 1u64 << bit;
            if value & b == 0 {
                continue;
            }
            if let Some(name) = self.name_of(b as i64) {
                f(Flag::Name(name));
                rest &= !b;
            }
        }
        // Multi-bit named values (e.g. O_SYNC = __O_SYNC | O_DSYNC) that cover leftover bits.
        if rest != 0 {
            for (name, v) in self.entries {
                let v = *v as u64;
                if v.count_ones() > 1 && value & v == v && rest & v != 0 {
                    f(Flag::Name(name));
                    rest &= !v;
                }
            }
        }
        if rest != 0 {
            f(Flag::Leftover(rest));
        }
    }
}

/// One element of a decomposed bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Name(&'static str),
    Leftover(u64),
}

/// Every table exposed to SECL, searched in order by [`secl_constant`].
pub fn secl_tables() -> impl Iterator<Item = &'static ConstTable> {
    ALL_TABLES.iter().copied().filter(|t| t.secl)
}

/// Looks up a SECL named constant (`O_CREAT`, `CAP_SYS_ADMIN`, `SIGKILL`, `BPF_PROG_LOAD`...).
pub fn secl_constant(name: &str) -> Option<i64> {
    secl_tables().find_map(|t| t.value_of(name))
}
