//! IP ranges of the `IpAddress` and `NotIpAddress` condition operators, in CIDR notation
//! (`203.0.113.0/24`, `2001:DB8:1234:5678::/64`); an address without a prefix length is the
//! single address (`/32`, or `/128` for IPv6), as IAM's reference says
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress>).

use std::net::IpAddr;

/// A range of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Reads `address` or `address/prefix`.
    pub(crate) fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().ok()?;
        let bits = match network {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = match prefix {
            None => bits,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().ok().filter(|&p| p <= bits)?
            }
            Some(_) => return None,
        };
        Some(Cidr { network, prefix })
    }

    /// Whether `address` is in the range. Addresses of the other family never are.
    pub(crate) fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(addr)) => same_prefix(
                u128::from(u32::from(net)) << 96,
                u128::from(u32::from(addr)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(addr)) => {
                same_prefix(u128::from(net), u128::from(addr), self.prefix)
            }
            _ => false,
        }
    }
}

/// Whether the first `prefix` bits of `a` and `b` are equal.
fn same_prefix(a: u128, b: u128, prefix: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    (a ^ b) & mask == 0
}

#[cfg(test)]
mod tests {
    use super::Cidr;

    fn contains(range: &str, address: &str) -> bool {
        Cidr::parse(range)
            .unwrap()
            .contains(address.parse().unwrap())
    }

    #[test]
    fn ipv4_ranges() {
        assert!(contains("203.0.113.0/24", "203.0.113.255"));
        assert!(!contains("203.0.113.0/24", "203.0.114.0"));
        assert!(contains("0.0.0.0/0", "198.51.100.1"));
        assert!(contains("203.0.113.7", "203.0.113.7"));
        assert!(!contains("203.0.113.7", "203.0.113.8"));
    }

    #[test]
    fn ipv6_ranges() {
        assert!(contains(
            "2001:DB8:1234:5678::/64",
            "2001:db8:1234:5678:ffff::1"
        ));
        assert!(!contains(
            "2001:DB8:1234:5678::/64",
            "2001:db8:1234:5679::1"
        ));
        assert!(contains("::/0", "::1"));
    }

    #[test]
    fn families_do_not_mix() {
        assert!(!contains("0.0.0.0/0", "::ffff:203.0.113.7"));
        assert!(!contains("::/0", "203.0.113.7"));
    }

    #[test]
    fn malformed_ranges_are_refused() {
        for text in [
            "",
            "203.0.113.0/33",
            "203.0.113.0/",
            "203.0.113/24",
            "::/129",
            "10.0.0.0/+8",
            "x",
        ] {
            assert_eq!(Cidr::parse(text), None, "{text}");
        }
    }
}
