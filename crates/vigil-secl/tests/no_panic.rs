//! Property test: the lexer, parser and type-checker return errors, never panic, on arbitrary
//! input — random text and random sequences of SECL tokens.

mod common;

use proptest::prelude::*;
use vigil_secl::Expression;

const TOKENS: &[&str] = &[
    "process.comm",
    "process.ancestors[A].comm",
    "process.ancestors.file.path",
    "open.file.path",
    "open.flags",
    "exec.argv",
    "dns.question.name",
    "network.destination.ip",
    "process.created_at",
    "process.args.length",
    "process.ancestors[_].pid",
    "container.id",
    "O_CREAT",
    "true",
    "false",
    "MACRO",
    "${process.pid}",
    "${builtins.uuid4}",
    "${x}",
    "\"/etc/shadow\"",
    "~\"/tmp/**\"",
    "r\"a(.*\"",
    "r\".*\"",
    "~\"*\"",
    "\"rel\"",
    "1",
    "-1",
    "0x10",
    "10s",
    "5m",
    "10.0.0.0/8",
    "::1",
    "[",
    "]",
    ",",
    "(",
    ")",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=~",
    "!~",
    "&&",
    "||",
    "and",
    "or",
    "not",
    "in",
    "allin",
    "!",
    "-",
    "+",
    "^",
    "&",
    "|",
    "#c\n",
    "\"${process.pid}\"",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(s in "\\PC{0,80}") {
        let _ = Expression::compile(&s);
    }

    #[test]
    fn random_token_sequences_never_panic(idx in proptest::collection::vec(0..TOKENS.len(), 0..24)) {
        let src: Vec<&str> = idx.iter().map(|i| TOKENS[*i]).collect();
        let src = src.join(" ");
        if let Ok(e) = Expression::compile(&src) {
            // Whatever compiles also evaluates.
            let _ = e.matches(&common::exec());
            let _ = e.matches(&common::open("/etc/shadow", 0o100));
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let src = format!("{}true{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(Expression::compile(&src).is_err());
    let src = format!("{}1 == 1", "- ".repeat(100_000));
    assert!(Expression::compile(&src).is_err());
}
