//! Compiled string matchers: exact (optionally case-insensitive), wildcard patterns (anchored,
//! `*` matches any run), per-segment path globs (`*` stays within a segment, `**` only as the
//! last element), unanchored regexps, and sets mixing all of them (`in [...]`): a hash set for
//! the plain strings of large arrays, a tail lookup for `*suffix` patterns and one Aho-Corasick
//! pass for `*needle*` patterns.

use std::collections::HashSet;

use aho_corasick::AhoCorasick;
use std::hash::{BuildHasherDefault, Hasher};

/// A literal string value as written in SECL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrLit {
    Plain(String),
    Pattern(String),
    Regex(String),
}

/// How the field a value is compared with treats patterns and case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StrSemantics {
    pub path: bool,
    pub case_insensitive: bool,
}

/// One compiled matcher.
#[derive(Debug, Clone)]
pub enum Matcher {
    Exact(String),
    /// Lower-cased value, compared ASCII-case-insensitively.
    ExactCi(String),
    Wildcard(Wildcard),
    Glob(PathGlob),
    Regex(regex::Regex),
}

impl Matcher {
    /// Compiles a literal for a field with the given semantics. `as_pattern` treats a plain
    /// string as a pattern (the `=~` operator).
    pub fn compile(lit: &StrLit, sem: StrSemantics, as_pattern: bool) -> Result<Matcher, String> {
        match lit {
            StrLit::Plain(s) if !as_pattern => {
                if sem.path {
                    validate_path_value(s)?;
                }
                Ok(if sem.case_insensitive {
                    Matcher::ExactCi(s.to_ascii_lowercase())
                } else {
                    Matcher::Exact(s.clone())
                })
            }
            StrLit::Plain(p) | StrLit::Pattern(p) => {
                if sem.path {
                    PathGlob::new(p).map(Matcher::Glob)
                } else {
                    Ok(Matcher::Wildcard(Wildcard::new(p, sem.case_insensitive)))
                }
            }
            StrLit::Regex(r) => {
                if sem.path {
                    return Err(format!(
                        "regular expressions are not supported on path fields (r{r:?})"
                    ));
                }
                let src = if sem.case_insensitive {
                    format!("(?i){r}")
                } else {
                    r.clone()
                };
                regex::Regex::new(&src)
                    .map(Matcher::Regex)
                    .map_err(|e| format!("invalid regular expression r{r:?}: {e}"))
            }
        }
    }

    pub fn matches(&self, s: &str) -> bool {
        match self {
            Matcher::Exact(v) => v == s,
            Matcher::ExactCi(v) => v.len() == s.len() && v.eq_ignore_ascii_case(s),
            Matcher::Wildcard(w) => w.matches(s),
            Matcher::Glob(g) => g.matches(s),
            Matcher::Regex(r) => r.is_match(s),
        }
    }

    /// Relative evaluation cost (cheap first).
    pub fn cost(&self) -> u32 {
        match self {
            Matcher::Exact(_) | Matcher::ExactCi(_) => 1,
            Matcher::Wildcard(_) | Matcher::Glob(_) => 8,
            Matcher::Regex(_) => 10,
        }
    }
}

/// Path values must be absolute and clean (no `//`, `/./`, `/../`, trailing `/`).
fn validate_path_value(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    if !s.starts_with('/') {
        return Err(format!("invalid path {s:?}: paths must be absolute"));
    }
    if s.len() > 1
        && (s.ends_with('/')
            || s.contains("//")
            || s.split('/').any(|seg| seg == "." || seg == ".."))
    {
        return Err(format!("invalid path {s:?}: paths must be clean"));
    }
    Ok(())
}

/// `*` matches any run of characters; anchored at both ends.
#[derive(Debug, Clone)]
pub struct Wildcard {
    pattern: String,
    case_insensitive: bool,
    /// The literal pieces between stars.
    pieces: Vec<String>,
}

impl Wildcard {
    pub fn new(pattern: &str, case_insensitive: bool) -> Wildcard {
        let pattern = if case_insensitive {
            pattern.to_ascii_lowercase()
        } else {
            pattern.to_string()
        };
        let pieces = pattern.split('*').map(str::to_string).collect();
        Wildcard {
            pattern,
            case_insensitive,
            pieces,
        }
    }

    pub fn matches(&self, s: &str) -> bool {
        if self.case_insensitive {
            return wildcard_match(self.pattern.as_bytes(), s.as_bytes(), true, None);
        }
        // Prefix, suffix, then the middle pieces leftmost-first: exact for `*` wildcards.
        let (first, rest) = match self.pieces.split_first() {
            Some(x) => x,
            None => return s.is_empty(),
        };
        let Some(mut tail) = s.strip_prefix(first.as_str()) else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return tail.is_empty();
        };
        if tail.len() < last.len() || !tail.ends_with(last.as_str()) {
            return false;
        }
        tail = &tail[..tail.len() - last.len()];
        for piece in middle {
            match tail.find(piece.as_str()) {
                Some(i) => tail = &tail[i + piece.len()..],
                None => return false,
            }
        }
        true
    }

    /// The pattern (lower-cased for a case-insensitive field).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The literal prefix before the first `*` (for index push-down and approvers).
    pub fn literal_prefix(&self) -> &str {
        self.pattern.split('*').next().unwrap_or("")
    }
}

/// Iterative wildcard matching with single-star backtracking. With `separator`, `*` does not
/// cross that byte.
fn wildcard_match(p: &[u8], s: &[u8], ci: bool, separator: Option<u8>) -> bool {
    let eq = |a: u8, b: u8| {
        if ci {
            a == b.to_ascii_lowercase()
        } else {
            a == b
        }
    };
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && eq(p[pi], s[si]) {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            if separator == Some(s[ss]) {
                return false;
            }
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

/// A per-segment path glob: `*` stays within a segment; `**` as the last element matches one
/// or more trailing segments, elsewhere zero or more segments.
#[derive(Debug, Clone)]
pub struct PathGlob {
    pattern: String,
    segments: Vec<String>,
    absolute: bool,
    /// Literal text before the first wildcard (a cheap pre-check).
    prefix: String,
}

impl PathGlob {
    pub fn new(pattern: &str) -> Result<PathGlob, String> {
        if pattern == "*" {
            return Err(
                "the pattern \"*\" is not allowed on path fields (it matches everything)".into(),
            );
        }
        let absolute = pattern.starts_with('/');
        let body = pattern.strip_prefix('/').unwrap_or(pattern);
        let segments: Vec<String> = body.split('/').map(str::to_string).collect();
        if segments.iter().any(|s| s.contains("**") && s != "**") {
            return Err(format!(
                "invalid path pattern {pattern:?}: `**` must be a whole path element"
            ));
        }
        let prefix = if absolute {
            pattern.split('*').next().unwrap_or("").to_string()
        } else {
            String::new()
        };
        Ok(PathGlob {
            pattern: pattern.to_string(),
            segments,
            absolute,
            prefix,
        })
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The last element when it has no wildcard (its basename is a literal).
    pub fn literal_basename(&self) -> Option<&str> {
        self.segments
            .last()
            .map(String::as_str)
            .filter(|b| !b.contains('*') && !b.is_empty())
    }

    pub fn matches(&self, path: &str) -> bool {
        if self.absolute {
            if !path.starts_with(self.prefix.as_str()) {
                return false;
            }
            match path.strip_prefix('/') {
                Some(rest) => match_segments(&self.segments, Some(rest)),
                None => false,
            }
        } else {
            // A relative pattern matches the trailing elements of an absolute path.
            path.match_indices('/')
                .any(|(i, _)| match_segments(&self.segments, Some(&path[i + 1..])))
        }
    }
}

/// Splits off the first element of a path remainder (`None` = no element left).
fn next_part(rest: Option<&str>) -> Option<(&str, Option<&str>)> {
    let r = rest?;
    Some(match r.split_once('/') {
        Some((head, tail)) => (head, Some(tail)),
        None => (r, None),
    })
}

fn match_segments(pattern: &[String], rest: Option<&str>) -> bool {
    let Some((first, more)) = pattern.split_first() else {
        return rest.is_none();
    };
    if first == "**" {
        if more.is_empty() {
            return next_part(rest).is_some_and(|(head, _)| !head.is_empty());
        }
        let mut cur = rest;
        loop {
            if match_segments(more, cur) {
                return true;
            }
            match next_part(cur) {
                Some((_, tail)) => cur = tail,
                None => return false,
            }
        }
    }
    match next_part(rest) {
        Some((head, tail)) => {
            wildcard_match(first.as_bytes(), head.as_bytes(), false, Some(b'/'))
                && match_segments(more, tail)
        }
        None => false,
    }
}

/// A fast non-cryptographic hasher for the string sets of compiled rules (keys are policy
/// constants, not attacker-chosen table contents).
#[derive(Default)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxSet = HashSet<String, BuildHasherDefault<FxHasher>>;

/// Arrays with more plain strings than this use a hash set.
const SET_THRESHOLD: usize = 6;

/// The members of an `in [...]` array of strings.
#[derive(Debug, Clone)]
pub struct StrSet {
    exact: Vec<String>,
    exact_set: Option<FxSet>,
    case_insensitive: bool,
    /// The `X` of `*X` patterns (no other star), lower-cased for a case-insensitive field.
    suffixes: FxSet,
    /// Bytes some suffix starts with: only the value's tails starting there are looked up.
    suffix_starts: Box<[bool; 256]>,
    /// The `X` of `*X*` patterns (no other star), searched in one pass.
    needles: Option<AhoCorasick>,
    others: Vec<Matcher>,
}

/// How a non-path wildcard pattern can be matched faster than by backtracking.
enum Shape<'p> {
    Suffix(&'p str),
    Needle(&'p str),
    Other,
}

fn shape(pattern: &str) -> Shape<'_> {
    let Some(rest) = pattern.strip_prefix('*') else {
        return Shape::Other;
    };
    match rest.strip_suffix('*') {
        Some(needle) if !needle.is_empty() && !needle.contains('*') => Shape::Needle(needle),
        None if !rest.is_empty() && !rest.contains('*') => Shape::Suffix(rest),
        _ => Shape::Other,
    }
}

impl StrSet {
    pub fn compile(items: &[StrLit], sem: StrSemantics) -> Result<StrSet, String> {
        let mut exact = Vec::new();
        let mut others = Vec::new();
        let mut suffixes = FxSet::default();
        let mut suffix_starts = Box::new([false; 256]);
        let mut needles = Vec::new();
        for item in items {
            match Matcher::compile(item, sem, false)? {
                Matcher::Exact(s) | Matcher::ExactCi(s) => exact.push(s),
                Matcher::Wildcard(w) => match shape(w.pattern()) {
                    Shape::Suffix(x) => {
                        suffix_starts[usize::from(x.as_bytes()[0])] = true;
                        suffixes.insert(x.to_string());
                    }
                    Shape::Needle(x) => needles.push(x.to_string()),
                    Shape::Other => others.push(Matcher::Wildcard(w)),
                },
                m => others.push(m),
            }
        }
        let exact_set = (exact.len() > SET_THRESHOLD).then(|| exact.iter().cloned().collect());
        let needles = if needles.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::new(&needles)
                    .map_err(|e| format!("cannot compile the patterns {needles:?}: {e}"))?,
            )
        };
        Ok(StrSet {
            exact,
            exact_set,
            case_insensitive: sem.case_insensitive,
            suffixes,
            suffix_starts,
            needles,
            others,
        })
    }

    pub fn matches(&self, s: &str) -> bool {
        let lower;
        let key = if self.case_insensitive && s.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = s.to_ascii_lowercase();
            lower.as_str()
        } else {
            s
        };
        self.exact_hit(key)
            || self.suffix_hit(key)
            || self.needles.as_ref().is_some_and(|ac| ac.is_match(key))
            || self.others.iter().any(|m| m.matches(s))
    }

    fn exact_hit(&self, s: &str) -> bool {
        match &self.exact_set {
            Some(set) => set.contains(s),
            None => self.exact.iter().any(|e| e == s),
        }
    }

    fn suffix_hit(&self, s: &str) -> bool {
        !self.suffixes.is_empty()
            && s.bytes().enumerate().any(|(i, b)| {
                self.suffix_starts[usize::from(b)]
                    && s.is_char_boundary(i)
                    && self.suffixes.contains(&s[i..])
            })
    }

    pub fn cost(&self) -> u32 {
        let suffixes = if self.suffixes.is_empty() { 0 } else { 3 };
        let needles = if self.needles.is_some() { 4 } else { 0 };
        2 + suffixes + needles + self.others.iter().map(Matcher::cost).sum::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str, s: &str) -> bool {
        PathGlob::new(p).unwrap().matches(s)
    }

    #[test]
    fn path_globs_follow_datadog_cases() {
        let s = "/usr/bin/c$t";
        assert!(glob("/usr/bin/*", s));
        assert!(PathGlob::new("*").is_err());
        assert!(!glob("/*", s));
        assert!(glob("/*/*/*", s));
        assert!(glob("/usr/**", s));
        assert!(!glob("/usr/bin/c$t/**", s));
        assert!(glob("*/bin/*", s));
        assert!(glob("/usr/bin/c*", s));
        assert!(!glob("/usr/*", s));
        assert!(glob("/tmp/**", "/tmp/a/b/c"));
        assert!(!glob("/tmp/**", "/tmp"));
        assert!(glob(
            "/home/*/.aws/credentials",
            "/home/bob/.aws/credentials"
        ));
        assert!(!glob(
            "/home/*/.aws/credentials",
            "/home/bob/x/.aws/credentials"
        ));
        assert!(
            glob("/a/**/b", "/a/b") && glob("/a/**/b", "/a/x/y/b") && !glob("/a/**/b", "/a/x/c")
        );
        assert!(PathGlob::new("/a/x**/b").is_err());
    }

    #[test]
    fn wildcards_and_sets() {
        assert!(Wildcard::new("*d*", false).matches("abcdef"));
        assert!(!Wildcard::new("aa*", false).matches("baa"));
        assert!(Wildcard::new("*.EXAMPLE.com", true).matches("a.example.COM"));
        assert!(Wildcard::new("a*b*c", false).matches("a/x/b/y/c"));
        assert!(
            Wildcard::new("*", false).matches("")
                && Wildcard::new("a*a", false).matches("aa")
                && !Wildcard::new("a*a", false).matches("a")
        );
        assert!(
            Wildcard::new("ab", false).matches("ab") && !Wildcard::new("ab", false).matches("abc")
        );
        assert!(Wildcard::new("*stratum+tcp*", false).matches("xmrig -o stratum+tcp://p:3333"));
        let items: Vec<StrLit> = (0..10)
            .map(|i| StrLit::Plain(format!("v{i}")))
            .chain([StrLit::Pattern("x*".into())])
            .collect();
        let set = StrSet::compile(&items, StrSemantics::default()).unwrap();
        assert!(set.matches("v7") && set.matches("xyz") && !set.matches("v10"));
        let ci = StrSet::compile(
            &[StrLit::Plain("Example.COM".into())],
            StrSemantics {
                path: false,
                case_insensitive: true,
            },
        )
        .unwrap();
        assert!(ci.matches("example.com") && ci.matches("EXAMPLE.com"));
        assert!(Matcher::compile(
            &StrLit::Regex("a".into()),
            StrSemantics {
                path: true,
                case_insensitive: false
            },
            false
        )
        .is_err());
        // Suffix and needle patterns take the fast paths, with the same answers.
        let pats: Vec<StrLit> = ["*.pool.org", "*stratum+tcp*", "*é.net", "a*b", "*", "**x"]
            .iter()
            .map(|p| StrLit::Pattern(p.to_string()))
            .collect();
        for ci in [false, true] {
            let set = StrSet::compile(
                &pats,
                StrSemantics {
                    path: false,
                    case_insensitive: ci,
                },
            )
            .unwrap();
            for (v, want) in [
                ("eu.pool.org", true),
                (".pool.org", true),
                ("pool.org", true),
                ("xpool.org", true),
                ("-o stratum+tcp://x", true),
                ("stratum+tcp", true),
                ("café.net", true),
                ("aXb", true),
                ("", true),
            ] {
                assert_eq!(set.matches(v), want, "{v} ci={ci}");
                let one_by_one = pats.iter().any(|p| {
                    Matcher::compile(
                        p,
                        StrSemantics {
                            path: false,
                            case_insensitive: ci,
                        },
                        true,
                    )
                    .unwrap()
                    .matches(v)
                });
                assert_eq!(one_by_one, want, "{v} ci={ci} (matchers)");
            }
        }
        let ci = StrSet::compile(
            &[
                StrLit::Pattern("*.Pool.ORG".into()),
                StrLit::Pattern("*NeEdLe*".into()),
            ],
            StrSemantics {
                path: false,
                case_insensitive: true,
            },
        )
        .unwrap();
        assert!(ci.matches("EU.POOL.org") && ci.matches("a needle b") && !ci.matches("pool.orgs"));
        let cs = StrSet::compile(
            &[StrLit::Pattern("*.Pool.ORG".into())],
            StrSemantics::default(),
        )
        .unwrap();
        assert!(cs.matches("x.Pool.ORG") && !cs.matches("x.pool.org"));
        assert!(Matcher::compile(
            &StrLit::Plain("rel/x".into()),
            StrSemantics {
                path: true,
                case_insensitive: false
            },
            false
        )
        .is_err());
        assert!(
            Matcher::compile(&StrLit::Regex("(".into()), StrSemantics::default(), false).is_err()
        );
    }
}
