//! IP addresses and CIDR ranges as SECL sees them: every address is kept as an IPv6 address
//! (IPv4 as IPv4-mapped), so `::ffff:1.2.3.4` and `1.2.3.4` compare equal, and a range is an
//! address plus a prefix length over those 128 bits.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

/// An address with a prefix length (128 for a single IPv6 address, 96 + 32 for IPv4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    /// Network address, host bits cleared.
    addr: u128,
    prefix: u8,
}

impl IpNet {
    /// A single address.
    pub fn host(ip: IpAddr) -> IpNet {
        IpNet {
            addr: to_u128(ip),
            prefix: 128,
        }
    }

    /// `ip/prefix`, where `prefix` counts in the address's own family (0..=32 for IPv4).
    pub fn new(ip: IpAddr, prefix: u8) -> Option<IpNet> {
        let prefix = match ip {
            IpAddr::V4(_) if prefix <= 32 => prefix + 96,
            IpAddr::V6(_) if prefix <= 128 => prefix,
            _ => return None,
        };
        Some(IpNet {
            addr: to_u128(ip) & mask(prefix),
            prefix,
        })
    }

    /// Parses `1.2.3.4`, `::1`, `10.0.0.0/8` or `2001:db8::/32`.
    pub fn parse(s: &str) -> Option<IpNet> {
        match s.split_once('/') {
            Some((ip, bits)) => IpNet::new(ip.parse().ok()?, bits.parse().ok()?),
            None => Some(IpNet::host(s.parse().ok()?)),
        }
    }

    /// Whether the two ranges share an address (one contains the other). For two single
    /// addresses this is equality.
    ///
    /// IPv4 addresses live in the IPv4-mapped range: an IPv6 range wider than that range
    /// (prefix below 96, such as `::/0`) does not contain them.
    pub fn overlaps(&self, other: &IpNet) -> bool {
        if self.is_v4() != other.is_v4() && self.prefix.min(other.prefix) < 96 {
            return false;
        }
        let p = self.prefix.min(other.prefix);
        (self.addr & mask(p)) == (other.addr & mask(p))
    }
}

impl IpNet {
    fn is_v4(&self) -> bool {
        self.prefix >= 96 && (self.addr >> 32) == 0xffff
    }
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn mask(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix.min(128)))
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v6 = Ipv6Addr::from(self.addr);
        match v6.to_ipv4_mapped() {
            Some(v4) if self.prefix >= 96 => write!(f, "{v4}/{}", self.prefix - 96),
            _ => write!(f, "{v6}/{}", self.prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_and_ranges() {
        let a = IpNet::parse("192.168.0.1").unwrap();
        assert!(a.overlaps(&IpNet::parse("::ffff:192.168.0.1").unwrap()));
        assert!(a.overlaps(&IpNet::parse("192.168.0.0/16").unwrap()));
        assert!(!a.overlaps(&IpNet::parse("10.0.0.0/8").unwrap()));
        assert!(IpNet::parse("192.168.0.16/16")
            .unwrap()
            .overlaps(&IpNet::parse("192.168.1.1/8").unwrap()));
        assert!(!IpNet::parse("::1").unwrap().overlaps(&a));
        assert!(IpNet::parse("1.2.3.4/33").is_none());
        assert_eq!(
            IpNet::parse("10.1.2.3/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
    }
}
