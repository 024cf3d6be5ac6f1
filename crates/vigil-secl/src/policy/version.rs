//! Agent-version constraints (Masterminds semver syntax as Datadog policies use it): comma or
//! space separated comparators ANDed together, `||` between alternatives, partial versions
//! (`7.71` = `7.71.0`), and the prerelease of the checked version ignored.

use std::cmp::Ordering;

/// The Datadog agent version Vigil declares itself compatible with.
pub const COMPATIBLE_AGENT_VERSION: Version = Version {
    major: 7,
    minor: 72,
    patch: 0,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    /// Parses `7`, `7.72`, `v7.72.0`, `7.72.0-rc.1` (prerelease / build metadata dropped).
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim().trim_start_matches('v');
        let core = s.split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        if parts.next().is_some() {
            return None;
        }
        Some(Version {
            major,
            minor,
            patch,
        })
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Whether `version` satisfies `constraint` (an empty constraint admits everything).
pub fn satisfies(constraint: &str, version: Version) -> Result<bool, String> {
    if constraint.trim().is_empty() {
        return Ok(true);
    }
    let mut any = false;
    for alternative in constraint.split("||") {
        let mut all = true;
        let tokens = tokenize(alternative)
            .map_err(|t| format!("invalid version constraint {constraint:?}: bad token {t:?}"))?;
        if tokens.is_empty() {
            return Err(format!("invalid version constraint {constraint:?}"));
        }
        for (op, v) in tokens {
            let ord = version.cmp(&v);
            let ok = match op {
                "=" | "==" | "" => ord == Ordering::Equal,
                "!=" => ord != Ordering::Equal,
                ">" => ord == Ordering::Greater,
                ">=" => ord != Ordering::Less,
                "<" => ord == Ordering::Less,
                "<=" => ord != Ordering::Greater,
                "~" => {
                    ord != Ordering::Less
                        && version
                            < Version {
                                minor: v.minor + 1,
                                patch: 0,
                                ..v
                            }
                }
                "^" => ord != Ordering::Less && version.major == v.major,
                _ => {
                    return Err(format!(
                        "invalid version constraint {constraint:?}: operator {op:?}"
                    ))
                }
            };
            all &= ok;
        }
        any |= all;
    }
    Ok(any)
}

/// `>= 7.46 <7.70` → [(">=", 7.46.0), ("<", 7.70.0)].
fn tokenize(s: &str) -> Result<Vec<(&str, Version)>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        rest = rest.trim_start_matches([',', ' ']);
        if rest.is_empty() {
            break;
        }
        let op_len = rest.bytes().take_while(|b| b"<>=!~^".contains(b)).count();
        let op = &rest[..op_len];
        rest = rest[op_len..].trim_start();
        let v_len = rest.find([' ', ',']).unwrap_or(rest.len());
        let v = &rest[..v_len];
        let version = Version::parse(v).ok_or_else(|| v.to_string())?;
        out.push((op, version));
        rest = &rest[v_len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datadog_constraints() {
        let v = COMPATIBLE_AGENT_VERSION;
        for (c, expected) in [
            (">= 7.46", true),
            (">=7.65 <7.70", false),
            ("< 7.71", false),
            (">= 7.71", true),
            (">= 7.73", false),
            (">= 7.70.1", true),
            ("", true),
            ("7.72.0", true),
            ("<7.60 || >=7.72", true),
            ("~7.72", true),
            ("^7.0", true),
        ] {
            assert_eq!(satisfies(c, v), Ok(expected), "{c}");
        }
        assert!(satisfies(">= banana", v).is_err());
        assert_eq!(Version::parse("7.72.0-rc.3"), Some(v));
    }
}
