//! Tests of the constants table: consistency across families, values cross-checked against the
//! `libc` crate (an independent transcription of the same kernel / glibc headers) and against
//! well-known numbers for the families libc does not cover, and bit-mask decomposition.

use super::*;
use std::collections::HashMap;

/// Checks `TABLE.value_of("NAME") == libc::NAME` for every listed name.
macro_rules! same_as_libc {
    ($table:expr, $($name:ident),+ $(,)?) => {
        $(
            assert_eq!(
                $table.value_of(stringify!($name)),
                Some(libc::$name as i64),
                "{} in {}",
                stringify!($name),
                $table.family
            );
        )+
    };
}

fn flags(table: &ConstTable, value: u64) -> Vec<Flag> {
    let mut out = Vec::new();
    table.for_each_flag(value, |f| out.push(f));
    out
}

#[test]
fn no_name_has_two_values_across_secl_families() {
    let mut seen: HashMap<&str, (i64, &str)> = HashMap::new();
    for table in secl_tables() {
        for &(name, value) in table.entries {
            if let Some(&(prev, family)) = seen.get(name) {
                assert_eq!(
                    prev, value,
                    "{name} is {prev} in {family} but {value} in {}",
                    table.family
                );
            }
            seen.insert(name, (value, table.family));
        }
    }
}

#[test]
fn no_table_repeats_a_name_and_none_is_empty() {
    for table in ALL_TABLES {
        assert!(!table.entries.is_empty(), "{} is empty", table.family);
        let mut names: Vec<&str> = table.entries.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate name in {}", table.family);
    }
}

#[test]
fn bit_tables_list_single_bits_before_multi_bit_values_most_specific_first() {
    for table in ALL_TABLES.iter().filter(|t| t.kind == TableKind::Bits) {
        let widths: Vec<u32> = table
            .entries
            .iter()
            .map(|(_, v)| (*v as u64).count_ones())
            .collect();
        let first_multi = widths.iter().position(|w| *w > 1).unwrap_or(widths.len());
        assert!(
            widths[first_multi..].iter().all(|w| *w > 1),
            "{}: single bit after a multi-bit value",
            table.family
        );
        assert!(
            widths[first_multi..].windows(2).all(|w| w[0] >= w[1]),
            "{}: multi-bit values not most specific first",
            table.family
        );
    }
}

#[test]
fn open_flags_match_the_kernel() {
    same_as_libc!(
        OPEN_FLAGS,
        O_RDONLY,
        O_WRONLY,
        O_RDWR,
        O_ACCMODE,
        O_CREAT,
        O_EXCL,
        O_NOCTTY,
        O_TRUNC,
        O_APPEND,
        O_NONBLOCK,
        O_NDELAY,
        O_DSYNC,
        O_ASYNC,
        O_DIRECT,
        O_DIRECTORY,
        O_NOFOLLOW,
        O_NOATIME,
        O_CLOEXEC,
        O_PATH,
        O_SYNC,
        O_FSYNC,
        O_RSYNC,
        O_TMPFILE,
    );
    // glibc (and so libc) define O_LARGEFILE as 0 on 64-bit; the kernel flag is asm-generic's 0o100000.
    assert_eq!(OPEN_FLAGS.value_of("O_LARGEFILE"), Some(0o100000));
    assert_eq!(OPEN_FLAGS.value_of("FASYNC"), Some(libc::O_ASYNC as i64));
    assert_eq!(OPEN_FLAGS.value_of("O_CREAT"), Some(0o100));
    assert_eq!(OPEN_FLAGS.value_of("O_SYNC"), Some(0o4010000));
}

#[test]
fn mode_bits_match_the_kernel() {
    same_as_libc!(
        FILE_MODES, S_ISUID, S_ISGID, S_ISVTX, S_IRWXU, S_IRUSR, S_IWUSR, S_IXUSR, S_IRWXG,
        S_IRGRP, S_IWGRP, S_IXGRP, S_IRWXO, S_IROTH, S_IWOTH, S_IXOTH,
    );
    same_as_libc!(
        INODE_MODES,
        S_IFMT,
        S_IFSOCK,
        S_IFLNK,
        S_IFREG,
        S_IFBLK,
        S_IFDIR,
        S_IFCHR,
        S_IFIFO
    );
    assert_eq!(INODE_MODES.name_of(0o100000), Some("S_IFREG"));
}

#[test]
fn capabilities_are_bit_values() {
    assert_eq!(CAPABILITIES.entries.len(), 41);
    for (index, &(name, value)) in CAPABILITIES.entries.iter().enumerate() {
        assert_eq!(value, 1i64 << index, "{name}");
    }
    assert_eq!(secl_constant("CAP_CHOWN"), Some(1));
    assert_eq!(secl_constant("CAP_NET_RAW"), Some(1 << 13));
    assert_eq!(secl_constant("CAP_SYS_ADMIN"), Some(1 << 21));
    assert_eq!(secl_constant("CAP_BPF"), Some(1 << 39));
    assert_eq!(secl_constant("CAP_CHECKPOINT_RESTORE"), Some(1 << 40));
}

#[test]
fn signals_match_x86_64() {
    same_as_libc!(
        SIGNALS, SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGIOT, SIGBUS, SIGFPE,
        SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT,
        SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH,
        SIGIO, SIGPOLL, SIGPWR, SIGSYS,
    );
    assert_eq!(SIGNALS.value_of("SIGKILL"), Some(9));
    assert_eq!(SIGNALS.name_of(6), Some("SIGABRT"));
    assert_eq!(SIGNALS.name_of(29), Some("SIGIO"));
}

#[test]
fn ptrace_requests_match_x86_64() {
    same_as_libc!(
        PTRACE_REQUESTS,
        PTRACE_TRACEME,
        PTRACE_PEEKTEXT,
        PTRACE_PEEKDATA,
        PTRACE_POKETEXT,
        PTRACE_POKEDATA,
        PTRACE_CONT,
        PTRACE_KILL,
        PTRACE_SINGLESTEP,
        PTRACE_GETREGS,
        PTRACE_SETREGS,
        PTRACE_GETFPREGS,
        PTRACE_SETFPREGS,
        PTRACE_ATTACH,
        PTRACE_DETACH,
        PTRACE_GETFPXREGS,
        PTRACE_SETFPXREGS,
        PTRACE_SYSCALL,
        PTRACE_SYSEMU,
        PTRACE_SYSEMU_SINGLESTEP,
        PTRACE_SETOPTIONS,
        PTRACE_GETEVENTMSG,
        PTRACE_GETSIGINFO,
        PTRACE_SETSIGINFO,
        PTRACE_GETREGSET,
        PTRACE_SETREGSET,
        PTRACE_SEIZE,
        PTRACE_INTERRUPT,
        PTRACE_LISTEN,
        PTRACE_PEEKSIGINFO,
        PTRACE_GETSIGMASK,
        PTRACE_SETSIGMASK,
        PTRACE_GET_SYSCALL_INFO,
    );
    // SECL spells PEEKUSER / POKEUSER the kernel way.
    assert_eq!(
        PTRACE_REQUESTS.value_of("PTRACE_PEEKUSR"),
        Some(libc::PTRACE_PEEKUSER as i64)
    );
    assert_eq!(
        PTRACE_REQUESTS.value_of("PTRACE_POKEUSR"),
        Some(libc::PTRACE_POKEUSER as i64)
    );
    assert_eq!(PTRACE_REQUESTS.value_of("PTRACE_ATTACH"), Some(16));
    assert_eq!(PTRACE_REQUESTS.value_of("PTRACE_ARCH_PRCTL"), Some(30));
    assert_eq!(PTRACE_REQUESTS.value_of("PTRACE_SINGLEBLOCK"), Some(33));
    assert_eq!(
        PTRACE_REQUESTS.value_of("PTRACE_SECCOMP_GET_FILTER"),
        Some(0x420c)
    );
    assert_eq!(
        PTRACE_REQUESTS.value_of("PTRACE_SECCOMP_GET_METADATA"),
        Some(0x420d)
    );
    assert_eq!(PTRACE_REQUESTS.name_of(0x4206), Some("PTRACE_SEIZE"));
}

#[test]
fn memory_flags_match_the_kernel() {
    same_as_libc!(
        PROT_FLAGS,
        PROT_NONE,
        PROT_READ,
        PROT_WRITE,
        PROT_EXEC,
        PROT_GROWSDOWN,
        PROT_GROWSUP
    );
    same_as_libc!(
        MAP_FLAGS,
        MAP_SHARED,
        MAP_PRIVATE,
        MAP_SHARED_VALIDATE,
        MAP_FIXED,
        MAP_ANONYMOUS,
        MAP_ANON,
        MAP_32BIT,
        MAP_GROWSDOWN,
        MAP_DENYWRITE,
        MAP_EXECUTABLE,
        MAP_LOCKED,
        MAP_NORESERVE,
        MAP_POPULATE,
        MAP_NONBLOCK,
        MAP_STACK,
        MAP_HUGETLB,
        MAP_SYNC,
        MAP_FIXED_NOREPLACE,
        MAP_HUGE_64KB,
        MAP_HUGE_512KB,
        MAP_HUGE_1MB,
        MAP_HUGE_2MB,
        MAP_HUGE_8MB,
        MAP_HUGE_16MB,
        MAP_HUGE_32MB,
        MAP_HUGE_256MB,
        MAP_HUGE_512MB,
        MAP_HUGE_1GB,
        MAP_HUGE_2GB,
    );
    // The kernel's flags argument is unsigned long; libc types MAP_HUGE_16GB (34 << 26) as a c_int.
    assert_eq!(
        MAP_FLAGS.value_of("MAP_HUGE_16GB"),
        Some(libc::MAP_HUGE_16GB as u32 as i64)
    );
    assert_eq!(MAP_FLAGS.value_of("MAP_HUGE_16KB"), Some(14 << 26));
    assert_eq!(MAP_FLAGS.value_of("MAP_UNINITIALIZED"), Some(0x4000000));
    assert_eq!(MAP_FLAGS.name_of(0x20), Some("MAP_ANONYMOUS"));
    assert_eq!(VM_FLAGS.value_of("VM_EXEC"), Some(0x4));
    assert_eq!(VM_FLAGS.value_of("VM_LOCKED"), Some(0x2000));
    assert_eq!(VM_FLAGS.value_of("VM_MERGEABLE"), Some(0x8000_0000));
    assert_eq!(VM_FLAGS.entries.iter().filter(|(_, v)| *v != 0).count(), 31);
}

#[test]
fn bpf_enums_match_the_uapi() {
    assert_eq!(BPF_CMDS.value_of("BPF_MAP_CREATE"), Some(0));
    assert_eq!(BPF_CMDS.value_of("BPF_PROG_LOAD"), Some(5));
    assert_eq!(BPF_CMDS.name_of(10), Some("BPF_PROG_TEST_RUN"));
    assert_eq!(BPF_CMDS.value_of("BPF_PROG_RUN"), Some(10));
    assert_eq!(BPF_CMDS.value_of("BPF_PROG_BIND_MAP"), Some(35));
    assert_eq!(BPF_MAP_TYPES.value_of("BPF_MAP_TYPE_RINGBUF"), Some(27));
    assert_eq!(
        BPF_MAP_TYPES.name_of(19),
        Some("BPF_MAP_TYPE_CGROUP_STORAGE")
    );
    assert_eq!(BPF_PROG_TYPES.value_of("BPF_PROG_TYPE_KPROBE"), Some(2));
    assert_eq!(BPF_PROG_TYPES.value_of("BPF_PROG_TYPE_LSM"), Some(29));
    assert_eq!(
        BPF_ATTACH_TYPES.value_of("BPF_CGROUP_INET_INGRESS"),
        Some(0)
    );
    assert_eq!(BPF_ATTACH_TYPES.value_of("BPF_LSM_MAC"), Some(27));
    assert_eq!(BPF_ATTACH_TYPES.value_of("BPF_SK_SKB_VERDICT"), Some(38));
    assert_eq!(BPF_HELPERS.value_of("BPF_UNSPEC"), Some(0));
    assert_eq!(BPF_HELPERS.value_of("BPF_PROBE_READ"), Some(4));
    assert_eq!(BPF_HELPERS.value_of("BPF_TRACE_PRINTK"), Some(6));
    assert_eq!(BPF_HELPERS.value_of("BPF_PROBE_WRITE_USER"), Some(36));
    assert_eq!(BPF_HELPERS.value_of("BPF_OVERRIDE_RETURN"), Some(58));
    assert_eq!(BPF_HELPERS.value_of("BPF_SEND_SIGNAL"), Some(109));
    assert_eq!(BPF_HELPERS.value_of("BPF_SNPRINTF"), Some(165));
    // Helper ids are dense: every id from 0 to the last has exactly one name.
    for (id, &(name, value)) in BPF_HELPERS.entries.iter().enumerate() {
        assert_eq!(value, id as i64, "{name}");
    }
    // Command and helper share the name and the value for the three map accessors.
    assert_eq!(
        BPF_CMDS.value_of("BPF_MAP_LOOKUP_ELEM"),
        BPF_HELPERS.value_of("BPF_MAP_LOOKUP_ELEM")
    );
}

#[test]
fn network_constants_match_the_headers() {
    same_as_libc!(
        ADDRESS_FAMILIES,
        AF_UNSPEC,
        AF_UNIX,
        AF_LOCAL,
        AF_INET,
        AF_AX25,
        AF_IPX,
        AF_APPLETALK,
        AF_NETROM,
        AF_BRIDGE,
        AF_ATMPVC,
        AF_X25,
        AF_INET6,
        AF_ROSE,
        AF_DECnet,
        AF_NETBEUI,
        AF_SECURITY,
        AF_KEY,
        AF_NETLINK,
        AF_ROUTE,
        AF_PACKET,
        AF_ASH,
        AF_ECONET,
        AF_ATMSVC,
        AF_RDS,
        AF_SNA,
        AF_IRDA,
        AF_PPPOX,
        AF_WANPIPE,
        AF_LLC,
        AF_IB,
        AF_MPLS,
        AF_CAN,
        AF_TIPC,
        AF_BLUETOOTH,
        AF_IUCV,
        AF_RXRPC,
        AF_ISDN,
        AF_PHONET,
        AF_IEEE802154,
        AF_CAIF,
        AF_ALG,
        AF_NFC,
        AF_VSOCK,
        AF_XDP,
    );
    assert_eq!(ADDRESS_FAMILIES.name_of(1), Some("AF_UNIX"));
    assert_eq!(ADDRESS_FAMILIES.name_of(16), Some("AF_NETLINK"));
    assert_eq!(ADDRESS_FAMILIES.value_of("AF_INET6"), Some(10));
    same_as_libc!(
        ETH_PROTOCOLS,
        ETH_P_LOOP,
        ETH_P_PUP,
        ETH_P_PUPAT,
        ETH_P_IP,
        ETH_P_X25,
        ETH_P_ARP,
        ETH_P_BPQ,
        ETH_P_IEEEPUP,
        ETH_P_IEEEPUPAT,
        ETH_P_BATMAN,
        ETH_P_DEC,
        ETH_P_LAT,
        ETH_P_DIAG,
        ETH_P_CUST,
        ETH_P_SCA,
        ETH_P_TEB,
        ETH_P_RARP,
        ETH_P_ATALK,
        ETH_P_AARP,
        ETH_P_IPX,
        ETH_P_IPV6,
        ETH_P_PAUSE,
        ETH_P_SLOW,
        ETH_P_WCCP,
        ETH_P_ATMMPOA,
        ETH_P_ATMFATE,
        ETH_P_PAE,
        ETH_P_AOE,
        ETH_P_TIPC,
        ETH_P_1588,
        ETH_P_FCOE,
        ETH_P_FIP,
        ETH_P_EDSA,
        ETH_P_ALL,
        ETH_P_SNAP,
        ETH_P_CANFD,
        ETH_P_PHONET,
    );
    assert_eq!(ETH_PROTOCOLS.value_of("ETH_P_CAN"), Some(0x000c));
    assert_eq!(ETH_PROTOCOLS.value_of("ETH_P_MAP"), Some(0x00f9));
    // SECL's own spellings of kernel names.
    assert_eq!(
        ETH_PROTOCOLS.value_of("ETH_P_8021_Q"),
        Some(libc::ETH_P_8021Q as i64)
    );
    assert_eq!(
        ETH_PROTOCOLS.value_of("ETH_P_8021_AD"),
        Some(libc::ETH_P_8021AD as i64)
    );
    assert_eq!(
        ETH_PROTOCOLS.value_of("ETH_P__LINK_CTL"),
        Some(libc::ETH_P_LINK_CTL as i64)
    );
    assert_eq!(
        ETH_PROTOCOLS.value_of("ETH_P_MPLSUC"),
        Some(libc::ETH_P_MPLS_UC as i64)
    );
    assert_eq!(
        ETH_PROTOCOLS.value_of("ETH_P_8023_MIN"),
        Some(libc::ETH_P_802_3_MIN as i64)
    );
    assert_eq!(
        ETH_PROTOCOLS.value_of("ETH_P_AFIUCV"),
        Some(libc::ETH_P_AF_IUCV as i64)
    );

    let ip_protocols: [(&str, i32); 8] = [
        ("IP_PROTO_IP", libc::IPPROTO_IP),
        ("IP_PROTO_ICMP", libc::IPPROTO_ICMP),
        ("IP_PROTO_TCP", libc::IPPROTO_TCP),
        ("IP_PROTO_UDP", libc::IPPROTO_UDP),
        ("IP_PROTO_IPV6", libc::IPPROTO_IPV6),
        ("IP_PROTO_ICMPV6", libc::IPPROTO_ICMPV6),
        ("IP_PROTO_SCTP", libc::IPPROTO_SCTP),
        ("IP_PROTO_RAW", libc::IPPROTO_RAW),
    ];
    for (name, value) in ip_protocols {
        assert_eq!(IP_PROTOCOLS.value_of(name), Some(value as i64), "{name}");
    }
    assert_eq!(IP_PROTOCOLS.value_of("IP_PROTO_IGP"), Some(9));

    assert_eq!(DNS_CLASSES.value_of("CLASS_INET"), Some(1));
    assert_eq!(DNS_CLASSES.value_of("CLASS_ANY"), Some(255));
    assert_eq!(DNS_TYPES.value_of("A"), Some(1));
    assert_eq!(DNS_TYPES.value_of("AAAA"), Some(28));
    assert_eq!(DNS_TYPES.value_of("TXT"), Some(16));
    assert_eq!(DNS_TYPES.value_of("HTTPS"), Some(65));
    assert_eq!(DNS_TYPES.name_of(255), Some("ANY"));
}

#[test]
fn errno_values_are_negated_kernel_numbers() {
    macro_rules! negated {
        ($($name:ident),+ $(,)?) => {
            $( assert_eq!(ERRNO.value_of(stringify!($name)), Some(-(libc::$name as i64)), stringify!($name)); )+
        };
    }
    negated!(
        EPERM,
        ENOENT,
        ESRCH,
        EINTR,
        EIO,
        ENXIO,
        E2BIG,
        ENOEXEC,
        EBADF,
        ECHILD,
        EAGAIN,
        EWOULDBLOCK,
        ENOMEM,
        EACCES,
        EFAULT,
        EBUSY,
        EEXIST,
        EXDEV,
        ENODEV,
        ENOTDIR,
        EISDIR,
        EINVAL,
        ENFILE,
        EMFILE,
        ENOTTY,
        ETXTBSY,
        EFBIG,
        ENOSPC,
        ESPIPE,
        EROFS,
        EMLINK,
        EPIPE,
        EDOM,
        ERANGE,
        EDEADLK,
        EDEADLOCK,
        ENAMETOOLONG,
        ENOLCK,
        ENOSYS,
        ENOTEMPTY,
        ELOOP,
        ENOMSG,
        EIDRM,
        ENODATA,
        ETIME,
        EPROTO,
        EBADMSG,
        EOVERFLOW,
        EILSEQ,
        EUSERS,
        ENOTSOCK,
        EDESTADDRREQ,
        EMSGSIZE,
        EPROTOTYPE,
        ENOPROTOOPT,
        EPROTONOSUPPORT,
        EOPNOTSUPP,
        ENOTSUP,
        EAFNOSUPPORT,
        EADDRINUSE,
        EADDRNOTAVAIL,
        ENETDOWN,
        ENETUNREACH,
        ECONNRESET,
        ENOBUFS,
        EISCONN,
        ENOTCONN,
        ETIMEDOUT,
        ECONNREFUSED,
        EHOSTUNREACH,
        EALREADY,
        EINPROGRESS,
        ESTALE,
        EDQUOT,
        ECANCELED,
        ENOKEY,
        EKEYEXPIRED,
        EKEYREVOKED,
        EKEYREJECTED,
        EOWNERDEAD,
        ENOTRECOVERABLE,
        ERFKILL,
        EHWPOISON,
    );
    assert_eq!(secl_constant("EACCES"), Some(-13));
    assert_eq!(ERRNO.name_of(-11), Some("EAGAIN"));
    assert_eq!(ERRNO.name_of(-95), Some("EOPNOTSUPP"));
    assert!(ERRNO.entries.iter().all(|(_, v)| *v < 0));
}

#[test]
fn small_families() {
    assert_eq!(
        secl_constant("AT_REMOVEDIR"),
        Some(libc::AT_REMOVEDIR as i64)
    );
    assert_eq!(secl_constant("PIPE_BUF_FLAG_CAN_MERGE"), Some(0x10));
    assert_eq!(secl_constant("PIPE_BUF_FLAG_LOSS"), Some(0x40));
    assert_eq!(EXIT_CAUSES.name_of(0), Some("EXITED"));
    assert_eq!(EXIT_CAUSES.name_of(1), Some("COREDUMPED"));
    assert_eq!(EXIT_CAUSES.name_of(2), Some("SIGNALED"));
}

#[test]
fn secl_lookup_spans_every_family() {
    assert_eq!(secl_constant("O_CREAT"), Some(0o100));
    assert_eq!(secl_constant("S_IFDIR"), Some(0o40000));
    assert_eq!(secl_constant("SIGKILL"), Some(9));
    assert_eq!(secl_constant("MAP_ANONYMOUS"), Some(0x20));
    assert_eq!(secl_constant("BPF_PROG_LOAD"), Some(5));
    assert_eq!(secl_constant("BPF_MAP_LOOKUP_ELEM"), Some(1));
    assert_eq!(secl_constant("AF_INET6"), Some(10));
    assert_eq!(secl_constant("ETH_P_IP"), Some(0x0800));
    assert_eq!(secl_constant("IP_PROTO_TCP"), Some(6));
    assert_eq!(secl_constant("CLASS_INET"), Some(1));
    assert_eq!(secl_constant("EXITED"), Some(0));
    assert_eq!(secl_constant("O_BOGUS"), None);
}

#[test]
fn aliases_are_reported_once_under_the_canonical_name() {
    assert_eq!(
        flags(&MAP_FLAGS, 0x22),
        vec![Flag::Name("MAP_PRIVATE"), Flag::Name("MAP_ANONYMOUS")]
    );
    assert_eq!(flags(&OPEN_FLAGS, 0o4000), vec![Flag::Name("O_NONBLOCK")]);
    assert_eq!(flags(&SIGNALS, 0), vec![]);
}

#[test]
fn leftover_bits_are_reported_together_after_the_names() {
    assert_eq!(
        flags(&OPEN_FLAGS, 0o100 | 0o2000000 | (1 << 40) | (1 << 41)),
        vec![
            Flag::Name("O_CREAT"),
            Flag::Name("O_CLOEXEC"),
            Flag::Leftover((1 << 40) | (1 << 41))
        ]
    );
    assert_eq!(
        flags(&UNLINK_FLAGS, 0x201),
        vec![Flag::Name("AT_REMOVEDIR"), Flag::Leftover(1)]
    );
}

#[test]
fn multi_bit_values_cover_bits_no_single_name_owns() {
    // O_SYNC = __O_SYNC | O_DSYNC: the O_DSYNC bit has its own name, __O_SYNC has none.
    assert_eq!(
        flags(&OPEN_FLAGS, 0o4010000),
        vec![Flag::Name("O_DSYNC"), Flag::Name("O_SYNC")]
    );
    // O_TMPFILE = __O_TMPFILE | O_DIRECTORY, plus the usual O_RDWR.
    assert_eq!(
        flags(&OPEN_FLAGS, 0o20200002),
        vec![
            Flag::Name("O_RDWR"),
            Flag::Name("O_DIRECTORY"),
            Flag::Name("O_TMPFILE")
        ]
    );
    // Masks made only of named bits are never reported: 0o755 is rwxr-xr-x, not S_IRWXU.
    assert_eq!(
        flags(&FILE_MODES, 0o755),
        vec![
            Flag::Name("S_IXOTH"),
            Flag::Name("S_IROTH"),
            Flag::Name("S_IXGRP"),
            Flag::Name("S_IRGRP"),
            Flag::Name("S_IXUSR"),
            Flag::Name("S_IWUSR"),
            Flag::Name("S_IRUSR"),
        ]
    );
}

#[test]
fn capability_masks_decompose_in_bit_order() {
    let mask = (1u64 << 21) | (1 << 12) | (1 << 0);
    assert_eq!(
        flags(&CAPABILITIES, mask),
        vec![
            Flag::Name("CAP_CHOWN"),
            Flag::Name("CAP_NET_ADMIN"),
            Flag::Name("CAP_SYS_ADMIN")
        ]
    );
    assert_eq!(flags(&CAPABILITIES, 1 << 41), vec![Flag::Leftover(1 << 41)]);
}

#[test]
fn zero_valued_names_never_match_a_mask() {
    assert_eq!(flags(&PROT_FLAGS, 0), vec![]);
    assert_eq!(
        flags(&PROT_FLAGS, 0x5),
        vec![Flag::Name("PROT_READ"), Flag::Name("PROT_EXEC")]
    );
    assert_eq!(
        flags(&VM_FLAGS, 0x73),
        vec![
            Flag::Name("VM_READ"),
            Flag::Name("VM_WRITE"),
            Flag::Name("VM_MAYREAD"),
            Flag::Name("VM_MAYWRITE"),
            Flag::Name("VM_MAYEXEC"),
        ]
    );
}
