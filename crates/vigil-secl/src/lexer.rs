//! SECL lexer: turns an expression into positioned tokens (comments and whitespace dropped).
//!
//! Token classes follow Datadog's grammar: comments (`#` or `//` to end of line), CIDRs and IPs
//! (v4 and v6), `${variables}`, durations (`10s`, `5m`, `1h30m`, `100ms`), `r"regex"`,
//! `~"pattern"`, `"strings"`, identifiers (with `[A]` register subscripts), integers (decimal,
//! `0x` hex, `0o` / leading-zero octal) and punctuation.

use crate::error::{ErrorKind, SeclError};
use crate::net::IpNet;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Int(i64),
    /// Nanoseconds.
    Duration(i64),
    Str(String),
    Pattern(String),
    Regex(String),
    Ip(IpNet),
    Cidr(IpNet),
    /// The name inside `${...}`.
    Variable(String),
    /// Operators and punctuation: `( ) [ ] , == != < <= > >= =~ !~ && || ! - + ^ & |`.
    Punct(&'static str),
}

/// A token and the byte span of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub offset: usize,
    pub end: usize,
}

const PUNCTS: &[&str] = &[
    "==", "!=", "<=", ">=", "=~", "!~", "&&", "||", "<", ">", "(", ")", "[", "]", ",", "!", "-",
    "+", "^", "&", "|",
];

/// Splits `src` into tokens.
pub fn tokenize(src: &str) -> Result<Vec<Token>, SeclError> {
    Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
    }
    .run()
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn err(&self, offset: usize, msg: impl Into<String>) -> SeclError {
        SeclError::at(ErrorKind::Syntax, self.src, offset, msg)
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn run(mut self) -> Result<Vec<Token>, SeclError> {
        let mut out = Vec::new();
        while let Some(c) = self.peek(0) {
            let start = self.pos;
            if c.is_ascii_whitespace() {
                self.pos += 1;
                continue;
            }
            if c == b'#' || (c == b'/' && self.peek(1) == Some(b'/')) {
                while let Some(c) = self.peek(0) {
                    if c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
                continue;
            }
            let tok = if let Some(tok) = self.ip_or_cidr() {
                tok
            } else if c == b'$' && self.peek(1) == Some(b'{') {
                self.variable()?
            } else if c == b'r' && self.peek(1) == Some(b'"') {
                self.pos += 1;
                Tok::Regex(self.quoted(false)?)
            } else if c == b'~' && self.peek(1) == Some(b'"') {
                self.pos += 1;
                Tok::Pattern(self.quoted(false)?)
            } else if c == b'"' {
                Tok::Str(self.quoted(true)?)
            } else if c.is_ascii_alphabetic() || c == b'_' {
                self.ident()
            } else if c.is_ascii_digit() {
                self.number()?
            } else if let Some(p) = PUNCTS
                .iter()
                .find(|p| self.src[self.pos..].starts_with(**p))
            {
                self.pos += p.len();
                Tok::Punct(p)
            } else {
                let ch = self.src[self.pos..].chars().next().unwrap_or('?');
                return Err(self.err(start, format!("unexpected character {ch:?}")));
            };
            out.push(Token {
                tok,
                offset: start,
                end: self.pos,
            });
        }
        Ok(out)
    }

    /// An IPv4 / IPv6 address, optionally with `/prefix`, if one starts here and is not the
    /// beginning of an identifier or number.
    fn ip_or_cidr(&mut self) -> Option<Tok> {
        let rest = &self.src[self.pos..];
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_hexdigit() || *b == b':' || *b == b'.')
            .count();
        let text = &rest[..len];
        let is_v6 = text.contains(':');
        let is_v4 = !is_v6
            && text.bytes().filter(|b| *b == b'.').count() == 3
            && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if !(is_v4 || is_v6) || text.parse::<std::net::IpAddr>().is_err() {
            return None;
        }
        // An address directly followed by identifier characters is not an address.
        let after = rest.as_bytes().get(len).copied();
        if after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        if after == Some(b'/') {
            let digits = rest[len + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            if digits > 0 {
                let full = &rest[..len + 1 + digits];
                if let Some(net) = IpNet::parse(full) {
                    self.pos += full.len();
                    return Some(Tok::Cidr(net));
                }
            }
        }
        let net = IpNet::parse(text)?;
        self.pos += len;
        Some(Tok::Ip(net))
    }

    fn variable(&mut self) -> Result<Tok, SeclError> {
        let start = self.pos;
        self.pos += 2;
        let name_start = self.pos;
        while let Some(c) = self.peek(0) {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
                self.pos += 1;
            } else {
                break;
            }
        }
        let name = &self.src[name_start..self.pos];
        if self.peek(0) != Some(b'}')
            || name.is_empty()
            || !name.as_bytes()[0].is_ascii_alphabetic() && name.as_bytes()[0] != b'_'
        {
            return Err(self.err(start, "malformed variable: expected ${name}"));
        }
        self.pos += 1;
        Ok(Tok::Variable(name.to_string()))
    }

    /// A double-quoted literal starting at the current `"`. With `unescape`, Go-style escapes
    /// are decoded (unknown ones are kept as written); otherwise only `\"` is.
    fn quoted(&mut self, unescape: bool) -> Result<String, SeclError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let Some(c) = rest.chars().next() else {
                return Err(self.err(start, "unterminated string"));
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(e) = self.src[self.pos..].chars().next() else {
                        return Err(self.err(start, "unterminated string"));
                    };
                    self.pos += e.len_utf8();
                    match (unescape, e) {
                        (_, '"') => out.push('"'),
                        (true, '\\') => out.push('\\'),
                        (true, 'n') => out.push('\n'),
                        (true, 't') => out.push('\t'),
                        (true, 'r') => out.push('\r'),
                        (true, '\'') => out.push('\''),
                        (true, 'x') => {
                            let hex = self
                                .src
                                .get(self.pos..self.pos + 2)
                                .and_then(|h| u8::from_str_radix(h, 16).ok());
                            match hex {
                                Some(b) => {
                                    out.push(char::from(b));
                                    self.pos += 2;
                                }
                                None => return Err(self.err(self.pos - 2, "invalid \\x escape")),
                            }
                        }
                        _ => {
                            out.push('\\');
                            out.push(e);
                        }
                    }
                }
                c => out.push(c),
            }
        }
    }

    /// An identifier; `[` is part of it only as a register subscript (`[A].` / `[_].`).
    fn ident(&mut self) -> Tok {
        let start = self.pos;
        while let Some(c) = self.peek(0) {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
                self.pos += 1;
            } else if c == b'[' {
                let rest = &self.bytes[self.pos + 1..];
                let n = rest
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                if rest.get(n) == Some(&b']') && rest.get(n + 1) == Some(&b'.') {
                    self.pos += n + 2;
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        Tok::Ident(self.src[start..self.pos].to_string())
    }

    fn number(&mut self) -> Result<Tok, SeclError> {
        let start = self.pos;
        let rest = &self.src[self.pos..];
        let word_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        let word = &rest[..word_len];
        self.pos += word_len;
        let bad = |me: &Self| me.err(start, format!("invalid number {word:?}"));
        if let Some(hex) = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
            return i64::from_str_radix(hex, 16)
                .map(Tok::Int)
                .map_err(|_| bad(self));
        }
        if let Some(oct) = word.strip_prefix("0o").or_else(|| word.strip_prefix("0O")) {
            return i64::from_str_radix(oct, 8)
                .map(Tok::Int)
                .map_err(|_| bad(self));
        }
        if word.bytes().all(|b| b.is_ascii_digit()) {
            let radix = if word.len() > 1 && word.starts_with('0') {
                8
            } else {
                10
            };
            return i64::from_str_radix(word, radix)
                .map(Tok::Int)
                .map_err(|_| bad(self));
        }
        parse_duration(word)
            .map(Tok::Duration)
            .ok_or_else(|| bad(self))
    }
}

/// `10s`, `100ms`, `5m`, `1h30m` → nanoseconds.
fn parse_duration(word: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut rest = word;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, len) = if rest.starts_with("ms") {
            (1_000_000, 2)
        } else if rest.starts_with('s') {
            (1_000_000_000, 1)
        } else if rest.starts_with('m') {
            (60_000_000_000, 1)
        } else if rest.starts_with('h') {
            (3_600_000_000_000, 1)
        } else {
            return None;
        };
        rest = &rest[len..];
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn classes() {
        assert_eq!(
            toks(r#"process.ancestors[A].name == ~"a*" # c"#),
            vec![
                Tok::Ident("process.ancestors[A].name".into()),
                Tok::Punct("=="),
                Tok::Pattern("a*".into())
            ]
        );
        assert_eq!(
            toks("10s 1h30m 100ms 0x10 010 12"),
            vec![
                Tok::Duration(10_000_000_000),
                Tok::Duration(5_400_000_000_000),
                Tok::Duration(100_000_000),
                Tok::Int(16),
                Tok::Int(8),
                Tok::Int(12)
            ]
        );
        assert!(matches!(toks("10.0.0.0/8")[0], Tok::Cidr(_)));
        assert!(matches!(toks("::ffff:1.2.3.4")[0], Tok::Ip(_)));
        assert!(matches!(toks("::1/128")[0], Tok::Cidr(_)));
        assert_eq!(
            toks("${process.pid}"),
            vec![Tok::Variable("process.pid".into())]
        );
        assert_eq!(toks(r#"r"a\.b\"""#), vec![Tok::Regex(r#"a\.b""#.into())]);
        assert_eq!(toks(r#""a\tb""#), vec![Tok::Str("a\tb".into())]);
        assert_eq!(
            toks("in[1]"),
            vec![
                Tok::Ident("in".into()),
                Tok::Punct("["),
                Tok::Int(1),
                Tok::Punct("]")
            ]
        );
    }

    #[test]
    fn errors_are_positioned() {
        let e = tokenize("a == \"x").unwrap_err();
        assert_eq!((e.kind, e.column), (ErrorKind::Syntax, 6));
        assert_eq!(tokenize("a @ b").unwrap_err().column, 3);
        assert!(tokenize("12abc").is_err());
    }
}
