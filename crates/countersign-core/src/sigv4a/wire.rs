//! SigV4a's values as they travel: the region set (`X-Amz-Region-Set`) and the DER-encoded
//! ECDSA signature, with the names of the header and parameter that carry the set.

use std::borrow::Cow;
use std::fmt;

use crate::error::{AuthSource, Error};
use crate::sink::Sink;

/// The longest DER encoding of a P-256 ECDSA signature: a SEQUENCE of two 33-byte INTEGERs.
pub const MAX_DER_SIGNATURE_LEN: usize = 72;

/// The header that carries the region set of a header-signed SigV4a request.
pub const REGION_SET_HEADER: &str = "x-amz-region-set";

/// The query parameter that carries the region set of a presigned SigV4a URL.
pub const REGION_SET_PARAMETER: &str = "X-Amz-Region-Set";

/// A DER-encoded ECDSA signature, as the client sent it (hex on the wire).
///
/// It has no `PartialEq`: ECDSA signatures are randomised (or at least not unique), so two
/// valid signatures of one request differ; the only meaningful check is verification with
/// the public key.
#[derive(Clone)]
pub struct EcdsaSignature(Vec<u8>);

impl EcdsaSignature {
    /// Parses the hex of a DER signature (at most [`MAX_DER_SIGNATURE_LEN`] bytes, a DER
    /// SEQUENCE); `None` for anything else. Whether the DER is well formed is checked when
    /// it is verified.
    pub fn from_hex(s: &str) -> Option<Self> {
        if s.is_empty() || s.len() > 2 * MAX_DER_SIGNATURE_LEN {
            return None;
        }
        let bytes = hex::decode(s).ok()?;
        (bytes.len() >= 8 && bytes[0] == 0x30).then_some(EcdsaSignature(bytes))
    }

    /// Wraps DER bytes.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Self {
        EcdsaSignature(der.into())
    }

    /// The DER bytes.
    pub fn as_der(&self) -> &[u8] {
        &self.0
    }

    /// Writes the hex of the DER bytes into `out` (through a stack buffer, a piece at a
    /// time: bytes wrapped with `from_der` have no length limit).
    pub(crate) fn write_hex<S: Sink + ?Sized>(&self, out: &mut S) {
        let mut buf = [0u8; 2 * MAX_DER_SIGNATURE_LEN];
        for der in self.0.chunks(MAX_DER_SIGNATURE_LEN) {
            let hex = &mut buf[..2 * der.len()];
            // The slice is exactly twice the input, so encoding cannot fail.
            if hex::encode_to_slice(der, &mut *hex).is_ok() {
                out.put(hex);
            }
        }
    }
}

impl fmt::Display for EcdsaSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(&self.0))
    }
}

impl fmt::Debug for EcdsaSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EcdsaSignature({self})")
    }
}

/// The regions a SigV4a signature is valid in: `X-Amz-Region-Set`, a comma list of region
/// names in which `*` stands for any run of characters (`*`, `us-*`).
#[derive(Clone, PartialEq, Eq)]
pub struct RegionSet<'a>(Cow<'a, str>);

impl<'a> RegionSet<'a> {
    /// Parses a region set. Each entry (spaces around it are ignored) must be non-empty and
    /// made of ASCII letters, digits, `-` and `*`; errors are reported as coming from
    /// `source`.
    pub fn parse(raw: impl Into<Cow<'a, str>>, source: AuthSource) -> Result<Self, Error> {
        let raw = raw.into();
        let name = match source {
            AuthSource::Query => REGION_SET_PARAMETER,
            _ => "X-Amz-Region-Set",
        };
        for entry in raw.split(',') {
            let entry = entry.trim();
            let valid = !entry.is_empty()
                && entry.len() <= 64
                && entry
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'*');
            if !valid {
                return Err(Error::malformed(
                    source,
                    format!(
                        "{name} must be a comma-separated list of regions (wildcard '*' allowed), found {:?}",
                        entry.chars().take(64).collect::<String>()
                    ),
                ));
            }
        }
        Ok(RegionSet(raw))
    }

    /// The entries, trimmed, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split(',').map(str::trim)
    }

    /// Whether `region` is in the set (some entry matches it, wildcards included; letter
    /// case is ignored).
    pub fn matches(&self, region: &str) -> bool {
        self.iter()
            .any(|pattern| wildcard_match(pattern.as_bytes(), region.as_bytes()))
    }

    /// The set as the client sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same set, owning its text.
    pub fn into_owned(self) -> RegionSet<'static> {
        RegionSet(Cow::Owned(self.0.into_owned()))
    }
}

impl fmt::Display for RegionSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RegionSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionSet({})", self.0)
    }
}

/// Glob matching where `*` matches any run of bytes (including none), ASCII case ignored.
/// Iterative with one backtrack point, so linear in practice and never recursive.
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p].eq_ignore_ascii_case(&text[t]) {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_of_any_length_is_written_whole() {
        for length in [8, MAX_DER_SIGNATURE_LEN, MAX_DER_SIGNATURE_LEN + 1, 500] {
            let der: Vec<u8> = (0..length).map(|i| i as u8).collect();
            let signature = EcdsaSignature::from_der(der.clone());
            let mut written = Vec::new();
            signature.write_hex(&mut written);
            assert_eq!(written, hex::encode(&der).into_bytes(), "{length}");
        }
    }

    #[test]
    fn wildcards() {
        for (pattern, region, expected) in [
            ("*", "us-east-1", true),
            ("us-*", "us-east-1", true),
            ("us-*", "eu-west-1", false),
            ("*-east-1", "us-east-1", true),
            ("us-east-1", "us-east-1", true),
            ("us-east-1", "us-east-2", false),
            ("US-EAST-1", "us-east-1", true),
            ("us-*-1", "us-west-1", true),
            ("us-*-1", "us-west-2", false),
            ("u*s*", "us-east-1", true),
        ] {
            assert_eq!(
                wildcard_match(pattern.as_bytes(), region.as_bytes()),
                expected,
                "{pattern} {region}"
            );
        }
    }

    #[test]
    fn region_sets_are_strict() {
        assert!(RegionSet::parse("us-east-1, us-west-2", AuthSource::Header).is_ok());
        for bad in ["", ",", "us-east-1,", "us east", "us-east-1;x", "ü"] {
            assert!(
                RegionSet::parse(bad, AuthSource::Header).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn signatures_parse_as_der_hex() {
        assert!(EcdsaSignature::from_hex("3045022018b4e277d0281864beb51d3600e23f88510ea5031d68ddfbb68614b82a5eb7d2022100effb9c5f22ed9ef3ae0ab243d21f06bce82365bbb79529a07b6888c343ae5f8c").is_some());
        for bad in ["", "30", "zz", &"30".repeat(80), "3145022018b4e277d028"] {
            assert!(EcdsaSignature::from_hex(bad).is_none(), "{bad}");
        }
    }
}
