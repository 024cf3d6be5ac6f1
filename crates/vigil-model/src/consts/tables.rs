//! Data of the constants table (x86_64 Linux values). Filled family by family; see `mod.rs` for
//! how tables are used.

use super::{ConstTable, TableKind};

pub static OPEN_FLAGS: ConstTable = ConstTable {
    family: "open flags",
    kind: TableKind::Bits,
    secl: true,
    entries: &[],
};

pub static FILE_MODES: ConstTable = ConstTable {
    family: "file mode bits",
    kind: TableKind::Bits,
    secl: true,
    entries: &[],
};

pub static INODE_MODES: ConstTable = ConstTable {
    family: "inode types",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static CAPABILITIES: ConstTable = ConstTable {
    family: "kernel capabilities",
    kind: TableKind::Bits,
    secl: true,
    entries: &[],
};

pub static SIGNALS: ConstTable = ConstTable {
    family: "signals",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static PTRACE_REQUESTS: ConstTable = ConstTable {
    family: "ptrace requests",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static PROT_FLAGS: ConstTable = ConstTable {
    family: "mmap protection",
    kind: TableKind::Bits,
    secl: true,
    entries: &[],
};

pub static MAP_FLAGS: ConstTable = ConstTable {
    family: "mmap flags",
    kind: TableKind::Bits,
    secl: true,
    entries: &[],
};

pub static VM_FLAGS: ConstTable = ConstTable {
    family: "vm flags",
    kind: TableKind::Bits,
    secl: true,
    entries: &[],
};

pub static BPF_CMDS: ConstTable = ConstTable {
    family: "BPF commands",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static BPF_MAP_TYPES: ConstTable = ConstTable {
    family: "BPF map types",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static BPF_PROG_TYPES: ConstTable = ConstTable {
    family: "BPF program types",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static BPF_ATTACH_TYPES: ConstTable = ConstTable {
    family: "BPF attach types",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static BPF_HELPERS: ConstTable = ConstTable {
    family: "BPF helper functions",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static ADDRESS_FAMILIES: ConstTable = ConstTable {
    family: "address families",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static ETH_PROTOCOLS: ConstTable = ConstTable {
    family: "L3 protocols",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static IP_PROTOCOLS: ConstTable = ConstTable {
    family: "L4 protocols",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static DNS_CLASSES: ConstTable = ConstTable {
    family: "DNS qclasses",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static DNS_TYPES: ConstTable = ConstTable {
    family: "DNS qtypes",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static ERRNO: ConstTable = ConstTable {
    family: "errors (negative, as in retval)",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

pub static PIPE_BUF_FLAGS: ConstTable = ConstTable {
    family: "pipe buffer flags",
    kind: TableKind::Bits,
    secl: true,
    entries: &[],
};

pub static UNLINK_FLAGS: ConstTable = ConstTable {
    family: "unlink flags",
    kind: TableKind::Bits,
    secl: true,
    entries: &[],
};

pub static EXIT_CAUSES: ConstTable = ConstTable {
    family: "exit causes",
    kind: TableKind::Enum,
    secl: true,
    entries: &[],
};

/// Every table, in SECL lookup order.
pub static ALL_TABLES: &[&ConstTable] = &[
    &OPEN_FLAGS,
    &FILE_MODES,
    &INODE_MODES,
    &CAPABILITIES,
    &SIGNALS,
    &PTRACE_REQUESTS,
    &PROT_FLAGS,
    &MAP_FLAGS,
    &VM_FLAGS,
    &BPF_CMDS,
    &BPF_MAP_TYPES,
    &BPF_PROG_TYPES,
    &BPF_ATTACH_TYPES,
    &BPF_HELPERS,
    &ADDRESS_FAMILIES,
    &ETH_PROTOCOLS,
    &IP_PROTOCOLS,
    &DNS_CLASSES,
    &DNS_TYPES,
    &ERRNO,
    &PIPE_BUF_FLAGS,
    &UNLINK_FLAGS,
    &EXIT_CAUSES,
];
