//! Signature values: SigV4's [`Signature`], an HMAC-SHA256 (32 bytes written as 64 hex
//! digits), and [`AnySignature`], a signature of either algorithm (SigV4's, or SigV4a's
//! [`EcdsaSignature`]). A [`Signature`] has no `PartialEq`: the only way to compare two is
//! [`Signature::ct_eq`], in constant time.
//!
//! ```
//! use countersign_core::{Signature, SigningKey};
//! let key = SigningKey::from_bytes([7; 32]);
//! let sig = key.sign(b"message");
//! let parsed = Signature::from_hex(&sig.to_string().to_ascii_uppercase()).unwrap();
//! assert!(parsed.ct_eq(&sig));
//! ```

use std::fmt;

use subtle::ConstantTimeEq;

use crate::hex_codec::{decode_hex32, hex_digits, HexCase};
use crate::sigv4a::wire::EcdsaSignature;
use crate::sink::Sink;

/// A SigV4 signature: 32 bytes, shown as 64 lower-case hex digits.
#[derive(Clone, Copy)]
pub struct Signature([u8; 32]);

impl Signature {
    /// Wraps raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Signature(bytes)
    }

    /// Parses 64 hex digits (either case); `None` for anything else.
    pub fn from_hex(s: &str) -> Option<Self> {
        decode_hex32(s, HexCase::Either).map(Signature)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Compares in constant time (as four 64-bit words: `subtle` compares each element
    /// behind an optimization barrier, and four barriers cost less than 32).
    pub fn ct_eq(&self, other: &Signature) -> bool {
        words(&self.0).ct_eq(&words(&other.0)).into()
    }

    /// Writes the 64 hex digits into `out`.
    pub(crate) fn write_hex<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&hex_digits(&self.0));
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&hex_digits(&self.0)).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

/// A signature of either algorithm: the one a request carries (SigV4a's region set travels
/// beside it, in [`AuthParams`](crate::auth::AuthParams)), and each link of an aws-chunked
/// chain, from the request's seed to the trailer's.
///
/// ```
/// use countersign_core::{AnySignature, Signature};
/// let signature = AnySignature::Hmac(Signature::from_bytes([0xab; 32]));
/// assert_eq!(signature.to_string(), "ab".repeat(32));
/// assert!(signature.as_ecdsa().is_none());
/// ```
#[derive(Debug, Clone)]
pub enum AnySignature {
    /// SigV4 (`AWS4-HMAC-SHA256`, and `-PAYLOAD`, `-TRAILER` in a chain): an HMAC-SHA256,
    /// written as 64 hex digits.
    Hmac(Signature),
    /// SigV4a (`AWS4-ECDSA-P256-SHA256`, and `-PAYLOAD`, `-TRAILER` in a chain): an ECDSA
    /// signature, written as the hex of its DER bytes (a chunk's is padded with `*` on the
    /// wire).
    Ecdsa(EcdsaSignature),
}

impl AnySignature {
    /// The HMAC signature; `None` for an ECDSA one.
    pub fn as_hmac(&self) -> Option<&Signature> {
        match self {
            AnySignature::Hmac(signature) => Some(signature),
            AnySignature::Ecdsa(_) => None,
        }
    }

    /// The ECDSA signature; `None` for an HMAC one.
    pub fn as_ecdsa(&self) -> Option<&EcdsaSignature> {
        match self {
            AnySignature::Ecdsa(signature) => Some(signature),
            AnySignature::Hmac(_) => None,
        }
    }

    /// Writes its hex into `out`, without padding.
    pub(crate) fn write_hex<S: Sink + ?Sized>(&self, out: &mut S) {
        match self {
            AnySignature::Hmac(signature) => signature.write_hex(out),
            AnySignature::Ecdsa(signature) => signature.write_hex(out),
        }
    }
}

impl fmt::Display for AnySignature {
    /// The hex, without padding.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnySignature::Hmac(signature) => signature.fmt(f),
            AnySignature::Ecdsa(signature) => signature.fmt(f),
        }
    }
}

/// The 32 bytes of a signature as four words, for a constant-time comparison.
fn words(bytes: &[u8; 32]) -> [u64; 4] {
    let mut words = [0u64; 4];
    for (word, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        *word = u64::from_ne_bytes(eight);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_parse_from_hex_of_either_case() {
        let text = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        let mut expected = [0u8; 32];
        assert!(hex::decode_to_slice(text, &mut expected).is_ok());
        let upper = text.to_ascii_uppercase();
        for spelling in [text, upper.as_str()] {
            let parsed = Signature::from_hex(spelling).map(|s| *s.as_bytes());
            assert_eq!(parsed, Some(expected), "{spelling}");
        }
        assert!(Signature::from_hex(&text[1..]).is_none());
    }

    #[test]
    fn signatures_differing_in_any_one_bit_are_unequal() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        let signature = Signature::from_bytes(bytes);
        assert!(signature.ct_eq(&Signature::from_bytes(bytes)));
        for byte in 0..32 {
            for bit in 0..8 {
                let mut other = bytes;
                other[byte] ^= 1 << bit;
                assert!(
                    !signature.ct_eq(&Signature::from_bytes(other)),
                    "byte {byte}, bit {bit}"
                );
            }
        }
    }

    /// An ECDSA signature as sent (a DER SEQUENCE of two small INTEGERs), for the tests below.
    const DER_HEX: &str = "3006020101020102";

    #[test]
    fn any_signature_shows_the_hex_of_an_hmac_signature() {
        let bytes: [u8; 32] = std::array::from_fn(|i| i as u8);
        let signature = AnySignature::Hmac(Signature::from_bytes(bytes));
        assert_eq!(signature.to_string(), hex::encode(bytes));
    }

    #[test]
    fn any_signature_shows_the_hex_of_an_ecdsa_signature() {
        let ecdsa = EcdsaSignature::from_hex(DER_HEX);
        let shown = ecdsa.map(|s| AnySignature::Ecdsa(s).to_string());
        assert_eq!(shown.as_deref(), Some(DER_HEX));
    }

    #[test]
    fn any_signature_writes_the_hex_it_shows() {
        let ecdsa = EcdsaSignature::from_hex(DER_HEX).map(AnySignature::Ecdsa);
        let hmac = AnySignature::Hmac(Signature::from_bytes([0x5a; 32]));
        for signature in ecdsa.into_iter().chain([hmac]) {
            let mut written = Vec::new();
            signature.write_hex(&mut written);
            assert_eq!(written, signature.to_string().into_bytes());
        }
    }

    #[test]
    fn any_signature_gives_its_algorithms_signature_only() {
        let hmac = AnySignature::Hmac(Signature::from_bytes([1; 32]));
        assert!(hmac
            .as_hmac()
            .is_some_and(|s| s.ct_eq(&Signature::from_bytes([1; 32]))));
        assert!(hmac.as_ecdsa().is_none());
        let ecdsa = EcdsaSignature::from_hex(DER_HEX).map(AnySignature::Ecdsa);
        assert!(ecdsa.as_ref().is_some_and(|s| s.as_hmac().is_none()));
        assert_eq!(
            ecdsa
                .as_ref()
                .and_then(|s| s.as_ecdsa())
                .map(|s| s.as_der()),
            Some(&[0x30, 6, 2, 1, 1, 2, 1, 2][..])
        );
    }
}
