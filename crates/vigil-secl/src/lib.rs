//! SECL (Agent expression language) parser, type-checker, compiler and policy loader.
