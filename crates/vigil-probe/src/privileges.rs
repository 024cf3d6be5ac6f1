//! The privilege check done before loading: reads the effective capability set from
//! /proc/self/status and names the capabilities that are missing.

use crate::error::ProbeError;

const STATUS_PATH: &str = "/proc/self/status";
const CAP_SYS_ADMIN: u32 = 21;
const CAP_PERFMON: u32 = 38;
const CAP_BPF: u32 = 39;

/// Fails with [`ProbeError::MissingPrivileges`] unless the process may load and attach
/// tracing programs (CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN which implies both).
pub(crate) fn check() -> Result<(), ProbeError> {
    let status = std::fs::read_to_string(STATUS_PATH).map_err(|e| ProbeError::Capabilities {
        path: STATUS_PATH,
        detail: e.to_string(),
    })?;
    let effective = parse_effective(&status).map_err(|detail| ProbeError::Capabilities {
        path: STATUS_PATH,
        detail,
    })?;
    let missing = missing_capabilities(effective);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ProbeError::MissingPrivileges { missing })
    }
}

fn parse_effective(status: &str) -> Result<u64, String> {
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .ok_or_else(|| "no CapEff line".to_owned())?;
    u64::from_str_radix(line.trim(), 16).map_err(|e| format!("CapEff {:?}: {e}", line.trim()))
}

fn missing_capabilities(effective: u64) -> Vec<&'static str> {
    let has = |cap: u32| effective & (1u64 << cap) != 0;
    if has(CAP_SYS_ADMIN) {
        return Vec::new();
    }
    [(CAP_BPF, "CAP_BPF"), (CAP_PERFMON, "CAP_PERFMON")]
        .into_iter()
        .filter(|(cap, _)| !has(*cap))
        .map(|(_, name)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names_missing_capabilities() {
        let status = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001fffeffffff\n";
        assert_eq!(parse_effective(status), Ok(0x1fffeffffff));
        assert!(missing_capabilities(0x1fffeffffff).is_empty());
        assert_eq!(missing_capabilities(0), ["CAP_BPF", "CAP_PERFMON"]);
        assert_eq!(missing_capabilities(1 << CAP_BPF), ["CAP_PERFMON"]);
        assert!(missing_capabilities((1 << CAP_BPF) | (1 << CAP_PERFMON)).is_empty());
        assert!(missing_capabilities(1 << CAP_SYS_ADMIN).is_empty());
        assert!(parse_effective("CapEff:\tzz\n").is_err());
        assert!(parse_effective("Name: x\n").is_err());
        let message = ProbeError::MissingPrivileges {
            missing: missing_capabilities(0),
        }
        .to_string();
        assert!(message.contains("CAP_BPF, CAP_PERFMON"), "{message}");
    }
}
