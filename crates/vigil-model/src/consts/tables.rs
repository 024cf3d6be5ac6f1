//! Data of the constants table: x86_64 Linux values (kernel 6.x UAPI headers, glibc where the
//! kernel has no UAPI name), named the way Datadog's SECL names them. Small families live here;
//! BPF enums, errno and network families live in the `bpf`, `errno` and `net` submodules. Within a
//! table the first entry of a value is its canonical name; in bit tables single-bit entries come
//! first and multi-bit values follow, most specific first (see `ConstTable::for_each_flag`).

mod bpf;
mod errno;
mod net;

use super::{ConstTable, TableKind};

/// `open(2)` flags (`asm-generic/fcntl.h`, used by x86_64). `O_RDONLY` is 0: it never matches in a
/// bit decomposition, the serializer adds it when neither access-mode bit is set.
pub static OPEN_FLAGS: ConstTable = ConstTable {
    family: "open flags",
    kind: TableKind::Bits,
    secl: true,
    entries: &[
        ("O_RDONLY", 0o0),
        ("O_WRONLY", 0o1),
        ("O_RDWR", 0o2),
        ("O_CREAT", 0o100),
        ("O_EXCL", 0o200),
        ("O_NOCTTY", 0o400),
        ("O_TRUNC", 0o1000),
        ("O_APPEND", 0o2000),
        ("O_NONBLOCK", 0o4000),
        ("O_NDELAY", 0o4000),
        ("O_DSYNC", 0o10000),
        ("O_ASYNC", 0o20000),
        ("FASYNC", 0o20000),
        ("O_DIRECT", 0o40000),
        ("O_LARGEFILE", 0o100000),
        ("O_DIRECTORY", 0o200000),
        ("O_NOFOLLOW", 0o400000),
        ("O_NOATIME", 0o1000000),
        ("O_CLOEXEC", 0o2000000),
        ("O_PATH", 0o10000000),
        // Multi-bit values: O_SYNC is __O_SYNC | O_DSYNC (glibc's O_FSYNC and O_RSYNC equal it),
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY, O_ACCMODE masks the access mode.
        ("O_ACCMODE", 0o3),
        ("O_SYNC", 0o4010000),
        ("O_FSYNC", 0o4010000),
        ("O_RSYNC", 0o4010000),
        ("O_TMPFILE", 0o20200000),
    ],
};

/// Permission bits of `st_mode` (`S_IRWXU`-style masks follow the single bits).
pub static FILE_MODES: ConstTable = ConstTable {
    family: "file mode bits",
    kind: TableKind::Bits,
    secl: true,
    entries: &[
        ("S_ISUID", 0o4000),
        ("S_ISGID", 0o2000),
        ("S_ISVTX", 0o1000),
        ("S_IRUSR", 0o400),
        ("S_IWUSR", 0o200),
        ("S_IXUSR", 0o100),
        ("S_IRGRP", 0o40),
        ("S_IWGRP", 0o20),
        ("S_IXGRP", 0o10),
        ("S_IROTH", 0o4),
        ("S_IWOTH", 0o2),
        ("S_IXOTH", 0o1),
        ("S_IRWXU", 0o700),
        ("S_IRWXG", 0o70),
        ("S_IRWXO", 0o7),
    ],
};

/// File type field of `st_mode` (`mode & S_IFMT`); `S_IFMT` itself is the mask.
pub static INODE_MODES: ConstTable = ConstTable {
    family: "inode types",
    kind: TableKind::Enum,
    secl: true,
    entries: &[
        ("S_IFIFO", 0o10000),
        ("S_IFCHR", 0o20000),
        ("S_IFDIR", 0o40000),
        ("S_IFBLK", 0o60000),
        ("S_IFREG", 0o100000),
        ("S_IFLNK", 0o120000),
        ("S_IFSOCK", 0o140000),
        ("S_IFMT", 0o170000),
    ],
};

/// Capabilities as bit values `1 << CAP_*` (`linux/capability.h`, `CAP_LAST_CAP` = 40), the way
/// they appear in `cap_effective` / `cap_permitted` masks.
pub static CAPABILITIES: ConstTable = ConstTable {
    family: "kernel capabilities",
    kind: TableKind::Bits,
    secl: true,
    entries: &[
        ("CAP_CHOWN", 1 << 0),
        ("CAP_DAC_OVERRIDE", 1 << 1),
        ("CAP_DAC_READ_SEARCH", 1 << 2),
        ("CAP_FOWNER", 1 << 3),
        ("CAP_FSETID", 1 << 4),
        ("CAP_KILL", 1 << 5),
        ("CAP_SETGID", 1 << 6),
        ("CAP_SETUID", 1 << 7),
        ("CAP_SETPCAP", 1 << 8),
        ("CAP_LINUX_IMMUTABLE", 1 << 9),
        ("CAP_NET_BIND_SERVICE", 1 << 10),
        ("CAP_NET_BROADCAST", 1 << 11),
        ("CAP_NET_ADMIN", 1 << 12),
        ("CAP_NET_RAW", 1 << 13),
        ("CAP_IPC_LOCK", 1 << 14),
        ("CAP_IPC_OWNER", 1 << 15),
        ("CAP_SYS_MODULE", 1 << 16),
        ("CAP_SYS_RAWIO", 1 << 17),
        ("CAP_SYS_CHROOT", 1 << 18),
        ("CAP_SYS_PTRACE", 1 << 19),
        ("CAP_SYS_PACCT", 1 << 20),
        ("CAP_SYS_ADMIN", 1 << 21),
        ("CAP_SYS_BOOT", 1 << 22),
        ("CAP_SYS_NICE", 1 << 23),
        ("CAP_SYS_RESOURCE", 1 << 24),
        ("CAP_SYS_TIME", 1 << 25),
        ("CAP_SYS_TTY_CONFIG", 1 << 26),
        ("CAP_MKNOD", 1 << 27),
        ("CAP_LEASE", 1 << 28),
        ("CAP_AUDIT_WRITE", 1 << 29),
        ("CAP_AUDIT_CONTROL", 1 << 30),
        ("CAP_SETFCAP", 1 << 31),
        ("CAP_MAC_OVERRIDE", 1 << 32),
        ("CAP_MAC_ADMIN", 1 << 33),
        ("CAP_SYSLOG", 1 << 34),
        ("CAP_WAKE_ALARM", 1 << 35),
        ("CAP_BLOCK_SUSPEND", 1 << 36),
        ("CAP_AUDIT_READ", 1 << 37),
        ("CAP_PERFMON", 1 << 38),
        ("CAP_BPF", 1 << 39),
        ("CAP_CHECKPOINT_RESTORE", 1 << 40),
    ],
};

/// x86_64 signal numbers (`asm/signal.h`); `SIGIOT` and `SIGPOLL` are aliases.
pub static SIGNALS: ConstTable = ConstTable {
    family: "signals",
    kind: TableKind::Enum,
    secl: true,
    entries: &[
        ("SIGHUP", 1),
        ("SIGINT", 2),
        ("SIGQUIT", 3),
        ("SIGILL", 4),
        ("SIGTRAP", 5),
        ("SIGABRT", 6),
        ("SIGIOT", 6),
        ("SIGBUS", 7),
        ("SIGFPE", 8),
        ("SIGKILL", 9),
        ("SIGUSR1", 10),
        ("SIGSEGV", 11),
        ("SIGUSR2", 12),
        ("SIGPIPE", 13),
        ("SIGALRM", 14),
        ("SIGTERM", 15),
        ("SIGSTKFLT", 16),
        ("SIGCHLD", 17),
        ("SIGCONT", 18),
        ("SIGSTOP", 19),
        ("SIGTSTP", 20),
        ("SIGTTIN", 21),
        ("SIGTTOU", 22),
        ("SIGURG", 23),
        ("SIGXCPU", 24),
        ("SIGXFSZ", 25),
        ("SIGVTALRM", 26),
        ("SIGPROF", 27),
        ("SIGWINCH", 28),
        ("SIGIO", 29),
        ("SIGPOLL", 29),
        ("SIGPWR", 30),
        ("SIGSYS", 31),
    ],
};

/// `ptrace(2)` requests: generic ones (`linux/ptrace.h`) and the x86_64 ones (`asm/ptrace-abi.h`).
pub static PTRACE_REQUESTS: ConstTable = ConstTable {
    family: "ptrace requests",
    kind: TableKind::Enum,
    secl: true,
    entries: &[
        ("PTRACE_TRACEME", 0),
        ("PTRACE_PEEKTEXT", 1),
        ("PTRACE_PEEKDATA", 2),
        ("PTRACE_PEEKUSR", 3),
        ("PTRACE_POKETEXT", 4),
        ("PTRACE_POKEDATA", 5),
        ("PTRACE_POKEUSR", 6),
        ("PTRACE_CONT", 7),
        ("PTRACE_KILL", 8),
        ("PTRACE_SINGLESTEP", 9),
        ("PTRACE_GETREGS", 12),
        ("PTRACE_SETREGS", 13),
        ("PTRACE_GETFPREGS", 14),
        ("PTRACE_SETFPREGS", 15),
        ("PTRACE_ATTACH", 16),
        ("PTRACE_DETACH", 17),
        ("PTRACE_GETFPXREGS", 18),
        ("PTRACE_SETFPXREGS", 19),
        ("PTRACE_OLDSETOPTIONS", 21),
        ("PTRACE_SYSCALL", 24),
        ("PTRACE_GET_THREAD_AREA", 25),
        ("PTRACE_SET_THREAD_AREA", 26),
        ("PTRACE_ARCH_PRCTL", 30),
        ("PTRACE_SYSEMU", 31),
        ("PTRACE_SYSEMU_SINGLESTEP", 32),
        ("PTRACE_SINGLEBLOCK", 33),
        ("PTRACE_SETOPTIONS", 0x4200),
        ("PTRACE_GETEVENTMSG", 0x4201),
        ("PTRACE_GETSIGINFO", 0x4202),
        ("PTRACE_SETSIGINFO", 0x4203),
        ("PTRACE_GETREGSET", 0x4204),
        ("PTRACE_SETREGSET", 0x4205),
        ("PTRACE_SEIZE", 0x4206),
        ("PTRACE_INTERRUPT", 0x4207),
        ("PTRACE_LISTEN", 0x4208),
        ("PTRACE_PEEKSIGINFO", 0x4209),
        ("PTRACE_GETSIGMASK", 0x420a),
        ("PTRACE_SETSIGMASK", 0x420b),
        ("PTRACE_SECCOMP_GET_FILTER", 0x420c),
        ("PTRACE_SECCOMP_GET_METADATA", 0x420d),
        ("PTRACE_GET_SYSCALL_INFO", 0x420e),
        ("PTRACE_GET_RSEQ_CONFIGURATION", 0x420f),
    ],
};

/// `mmap(2)` / `mprotect(2)` protection bits. `PROT_NONE` (0) exists for SECL only: zero never
/// matches in a decomposition, so an empty protection serializes to nothing.
pub static PROT_FLAGS: ConstTable = ConstTable {
    family: "mmap protection",
    kind: TableKind::Bits,
    secl: true,
    entries: &[
        ("PROT_NONE", 0x0),
        ("PROT_READ", 0x1),
        ("PROT_WRITE", 0x2),
        ("PROT_EXEC", 0x4),
        ("PROT_GROWSDOWN", 0x1000000),
        ("PROT_GROWSUP", 0x2000000),
    ],
};

/// `mmap(2)` flags (`asm-generic/mman-common.h`, `asm/mman.h` for `MAP_32BIT`). `MAP_ANON` is an
/// alias of `MAP_ANONYMOUS`. `MAP_UNINITIALIZED` (no-MMU kernels only) shares bit 26 with the low
/// bit of the huge page size field.
pub static MAP_FLAGS: ConstTable = ConstTable {
    family: "mmap flags",
    kind: TableKind::Bits,
    secl: true,
    entries: &[
        ("MAP_SHARED", 0x1),
        ("MAP_PRIVATE", 0x2),
        ("MAP_FIXED", 0x10),
        ("MAP_ANONYMOUS", 0x20),
        ("MAP_ANON", 0x20),
        ("MAP_32BIT", 0x40),
        ("MAP_GROWSDOWN", 0x100),
        ("MAP_DENYWRITE", 0x800),
        ("MAP_EXECUTABLE", 0x1000),
        ("MAP_LOCKED", 0x2000),
        ("MAP_NORESERVE", 0x4000),
        ("MAP_POPULATE", 0x8000),
        ("MAP_NONBLOCK", 0x10000),
        ("MAP_STACK", 0x20000),
        ("MAP_HUGETLB", 0x40000),
        ("MAP_SYNC", 0x80000),
        ("MAP_FIXED_NOREPLACE", 0x100000),
        ("MAP_UNINITIALIZED", 0x4000000),
        ("MAP_HUGE_64KB", 0x40000000),
        // Multi-bit values, most specific first: the MAP_HUGE_* size field (log2 of the page size,
        // shifted by MAP_HUGE_SHIFT = 26) and the MAP_TYPE field.
        ("MAP_HUGE_2GB", 0x7c000000),
        ("MAP_HUGE_8MB", 0x5c000000),
        ("MAP_HUGE_512MB", 0x74000000),
        ("MAP_HUGE_1GB", 0x78000000),
        ("MAP_HUGE_16KB", 0x38000000),
        ("MAP_HUGE_512KB", 0x4c000000),
        ("MAP_HUGE_2MB", 0x54000000),
        ("MAP_HUGE_32MB", 0x64000000),
        ("MAP_HUGE_256MB", 0x70000000),
        ("MAP_HUGE_1MB", 0x50000000),
        ("MAP_HUGE_16MB", 0x60000000),
        ("MAP_HUGE_16GB", 0x88000000),
        ("MAP_SHARED_VALIDATE", 0x3),
    ],
};

/// `vm_area_struct.vm_flags` bits (kernel-internal `include/linux/mm.h`, no UAPI header), as seen
/// by mprotect. `VM_NONE` (0) exists for SECL only. On x86_64 `VM_ARCH_1` is `VM_PAT`.
pub static VM_FLAGS: ConstTable = ConstTable {
    family: "vm flags",
    kind: TableKind::Bits,
    secl: true,
    entries: &[
        ("VM_NONE", 0x0),
        ("VM_READ", 0x1),
        ("VM_WRITE", 0x2),
        ("VM_EXEC", 0x4),
        ("VM_SHARED", 0x8),
        ("VM_MAYREAD", 0x10),
        ("VM_MAYWRITE", 0x20),
        ("VM_MAYEXEC", 0x40),
        ("VM_MAYSHARE", 0x80),
        ("VM_GROWSDOWN", 0x100),
        ("VM_UFFD_MISSING", 0x200),
        ("VM_PFNMAP", 0x400),
        ("VM_UFFD_WP", 0x1000),
        ("VM_LOCKED", 0x2000),
        ("VM_IO", 0x4000),
        ("VM_SEQ_READ", 0x8000),
        ("VM_RAND_READ", 0x10000),
        ("VM_DONTCOPY", 0x20000),
        ("VM_DONTEXPAND", 0x40000),
        ("VM_LOCKONFAULT", 0x80000),
        ("VM_ACCOUNT", 0x100000),
        ("VM_NORESERVE", 0x200000),
        ("VM_HUGETLB", 0x400000),
        ("VM_SYNC", 0x800000),
        ("VM_ARCH_1", 0x1000000),
        ("VM_WIPEONFORK", 0x2000000),
        ("VM_DONTDUMP", 0x4000000),
        ("VM_SOFTDIRTY", 0x8000000),
        ("VM_MIXEDMAP", 0x10000000),
        ("VM_HUGEPAGE", 0x20000000),
        ("VM_NOHUGEPAGE", 0x40000000),
        ("VM_MERGEABLE", 0x80000000),
    ],
};

pub static BPF_CMDS: ConstTable = ConstTable {
    family: "BPF commands",
    kind: TableKind::Enum,
    secl: true,
    entries: bpf::CMDS,
};

pub static BPF_MAP_TYPES: ConstTable = ConstTable {
    family: "BPF map types",
    kind: TableKind::Enum,
    secl: true,
    entries: bpf::MAP_TYPES,
};

pub static BPF_PROG_TYPES: ConstTable = ConstTable {
    family: "BPF program types",
    kind: TableKind::Enum,
    secl: true,
    entries: bpf::PROG_TYPES,
};

pub static BPF_ATTACH_TYPES: ConstTable = ConstTable {
    family: "BPF attach types",
    kind: TableKind::Enum,
    secl: true,
    entries: bpf::ATTACH_TYPES,
};

pub static BPF_HELPERS: ConstTable = ConstTable {
    family: "BPF helper functions",
    kind: TableKind::Enum,
    secl: true,
    entries: bpf::HELPERS,
};

pub static ADDRESS_FAMILIES: ConstTable = ConstTable {
    family: "address families",
    kind: TableKind::Enum,
    secl: true,
    entries: net::ADDRESS_FAMILIES,
};

pub static ETH_PROTOCOLS: ConstTable = ConstTable {
    family: "L3 protocols",
    kind: TableKind::Enum,
    secl: true,
    entries: net::ETH_PROTOCOLS,
};

pub static IP_PROTOCOLS: ConstTable = ConstTable {
    family: "L4 protocols",
    kind: TableKind::Enum,
    secl: true,
    entries: net::IP_PROTOCOLS,
};

pub static DNS_CLASSES: ConstTable = ConstTable {
    family: "DNS qclasses",
    kind: TableKind::Enum,
    secl: true,
    entries: net::DNS_CLASSES,
};

pub static DNS_TYPES: ConstTable = ConstTable {
    family: "DNS qtypes",
    kind: TableKind::Enum,
    secl: true,
    entries: net::DNS_TYPES,
};

pub static ERRNO: ConstTable = ConstTable {
    family: "errors (negative, as in retval)",
    kind: TableKind::Enum,
    secl: true,
    entries: errno::ERRNO,
};

/// `struct pipe_buffer` flags (kernel-internal `include/linux/pipe_fs_i.h`), reported by splice.
pub static PIPE_BUF_FLAGS: ConstTable = ConstTable {
    family: "pipe buffer flags",
    kind: TableKind::Bits,
    secl: true,
    entries: &[
        ("PIPE_BUF_FLAG_LRU", 0x1),
        ("PIPE_BUF_FLAG_ATOMIC", 0x2),
        ("PIPE_BUF_FLAG_GIFT", 0x4),
        ("PIPE_BUF_FLAG_PACKET", 0x8),
        ("PIPE_BUF_FLAG_CAN_MERGE", 0x10),
        ("PIPE_BUF_FLAG_WHOLE", 0x20),
        ("PIPE_BUF_FLAG_LOSS", 0x40),
    ],
};

/// `unlinkat(2)` flags (`linux/fcntl.h`).
pub static UNLINK_FLAGS: ConstTable = ConstTable {
    family: "unlink flags",
    kind: TableKind::Bits,
    secl: true,
    entries: &[("AT_REMOVEDIR", 0x200)],
};

/// How a process ended (`exit.cause`); `exit.code` carries the status or the signal.
pub static EXIT_CAUSES: ConstTable = ConstTable {
    family: "exit causes",
    kind: TableKind::Enum,
    secl: true,
    entries: &[("EXITED", 0), ("COREDUMPED", 1), ("SIGNALED", 2)],
};

/// Login-uid sentinel (`exec.auid != AUDIT_AUID_UNSET`): the kernel's `(uid_t)-1`.
pub static AUDIT_UIDS: ConstTable = ConstTable {
    family: "audit uids",
    kind: TableKind::Enum,
    secl: true,
    entries: &[("AUDIT_AUID_UNSET", 4_294_967_295)],
};

/// `prctl(2)` options SECL rules name (`linux/prctl.h`).
pub static PRCTL_OPTIONS: ConstTable = ConstTable {
    family: "prctl options",
    kind: TableKind::Enum,
    secl: true,
    entries: &[
        ("PR_SET_NAME", 15),
        ("PR_GET_NAME", 16),
        ("PR_SET_DUMPABLE", 4),
        ("PR_SET_SECCOMP", 22),
        ("PR_SET_NO_NEW_PRIVS", 38),
    ],
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
    &AUDIT_UIDS,
    &PRCTL_OPTIONS,
];
