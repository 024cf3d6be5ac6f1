//! The filter model of rule `filters:` (`os == "linux"`, `kernel.version.major >= 5`...): its
//! fields are known when policies load, so each filter compiles to a constant.

use vigil_model::fields::FieldDef;

use crate::compile::{ConstValue, FieldSource};

/// What the host looks like to rule filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterModel {
    pub os: String,
    /// `ID` of /etc/os-release (`ubuntu`, `debian`, `rhel`...).
    pub os_id: String,
    pub os_version_id: String,
    pub kernel_major: i64,
    pub kernel_minor: i64,
    pub kernel_patch: i64,
    pub kernel_abi: i64,
    pub kernel_flavor: String,
    pub hostname: String,
    pub origin: String,
}

impl FilterModel {
    /// A Linux host with the given kernel release (`6.8.0-45-generic`).
    pub fn linux(kernel_release: &str) -> FilterModel {
        let (version, flavor) = kernel_release
            .split_once('-')
            .unwrap_or((kernel_release, ""));
        let mut nums = version.split('.').map(|p| p.parse::<i64>().unwrap_or(0));
        let (major, minor, patch) = (
            nums.next().unwrap_or(0),
            nums.next().unwrap_or(0),
            nums.next().unwrap_or(0),
        );
        let (abi, flavor) = match flavor.split_once('-') {
            Some((abi, fl)) => (abi.parse().unwrap_or(0), fl.to_string()),
            None => (
                flavor.parse().unwrap_or(0),
                if flavor.parse::<i64>().is_ok() {
                    String::new()
                } else {
                    flavor.to_string()
                },
            ),
        };
        FilterModel {
            os: "linux".into(),
            os_id: String::new(),
            os_version_id: String::new(),
            kernel_major: major,
            kernel_minor: minor,
            kernel_patch: patch,
            kernel_abi: abi,
            kernel_flavor: flavor,
            hostname: String::new(),
            origin: "ebpf".into(),
        }
    }

    /// The machine Vigil runs on (kernel release from /proc, distribution from os-release).
    pub fn current() -> FilterModel {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let mut m = FilterModel::linux(release.trim());
        if let Ok(os_release) = std::fs::read_to_string("/etc/os-release") {
            for line in os_release.lines() {
                if let Some(v) = line.strip_prefix("ID=") {
                    m.os_id = v.trim_matches('"').to_string();
                } else if let Some(v) = line.strip_prefix("VERSION_ID=") {
                    m.os_version_id = v.trim_matches('"').to_string();
                }
            }
        }
        m.hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap_or_default()
            .trim()
            .to_string();
        m
    }
}

impl FieldSource for FilterModel {
    fn field(&self, _name: &str) -> Option<&'static FieldDef> {
        None
    }

    fn constant_field(&self, name: &str) -> Option<ConstValue> {
        let id = self.os_id.as_str();
        let major_version = self.os_version_id.split('.').next().unwrap_or("");
        let is = |ids: &[&str]| ConstValue::Bool(ids.contains(&id));
        Some(match name {
            "os" => ConstValue::Str(self.os.clone()),
            "os.id" => ConstValue::Str(self.os_id.clone()),
            "os.platform_id" => ConstValue::Str(self.os_id.clone()),
            "os.version_id" => ConstValue::Str(self.os_version_id.clone()),
            "kernel.version.major" => ConstValue::Int(self.kernel_major),
            "kernel.version.minor" => ConstValue::Int(self.kernel_minor),
            "kernel.version.patch" => ConstValue::Int(self.kernel_patch),
            "kernel.version.abi" => ConstValue::Int(self.kernel_abi),
            "kernel.version.flavor" => ConstValue::Str(self.kernel_flavor.clone()),
            "kernel.core.enabled" => ConstValue::Bool(true),
            "hostname" => ConstValue::Str(self.hostname.clone()),
            "origin" => ConstValue::Str(self.origin.clone()),
            "envs" => ConstValue::Str(String::new()),
            "os.is_amazon_linux" => is(&["amzn"]),
            "os.is_cos" => is(&["cos"]),
            "os.is_debian" => is(&["debian"]),
            "os.is_oracle" => is(&["ol"]),
            "os.is_rhel" => is(&["rhel", "centos"]),
            "os.is_rhel7" => {
                ConstValue::Bool(matches!(id, "rhel" | "centos") && major_version == "7")
            }
            "os.is_rhel8" => {
                ConstValue::Bool(matches!(id, "rhel" | "centos") && major_version == "8")
            }
            "os.is_sles" => is(&["sles", "opensuse-leap"]),
            "os.is_sles12" => ConstValue::Bool(id == "sles" && major_version == "12"),
            "os.is_sles15" => ConstValue::Bool(id == "sles" && major_version == "15"),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_release_parsing() {
        let m = FilterModel::linux("5.15.0-91-generic");
        assert_eq!(
            (
                m.kernel_major,
                m.kernel_minor,
                m.kernel_patch,
                m.kernel_abi,
                m.kernel_flavor.as_str()
            ),
            (5, 15, 0, 91, "generic")
        );
        let m = FilterModel::linux("6.1.55");
        assert_eq!((m.kernel_major, m.kernel_minor, m.kernel_patch), (6, 1, 55));
    }
}
