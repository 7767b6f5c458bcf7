//! The string to sign and the signature. A [`Signature`] has no `PartialEq`: the only way
//! to compare two is [`Signature::ct_eq`], in constant time.
//!
//! ```
//! use countersign_core::{AmzDate, Signature, SigningKey, StringToSign};
//! let sts = StringToSign::new(
//!     countersign_core::ALGORITHM,
//!     AmzDate::parse("20150830T123600Z").unwrap(),
//!     "20150830/us-east-1/service/aws4_request",
//!     [0u8; 32],
//! );
//! assert!(sts.to_string().starts_with("AWS4-HMAC-SHA256\n20150830T123600Z\n"));
//! let key = SigningKey::from_bytes([7; 32]);
//! let sig = sts.sign(&key);
//! let parsed = Signature::from_hex(&sig.to_string()).unwrap();
//! assert!(parsed.ct_eq(&sig));
//! ```

use std::fmt;

use subtle::ConstantTimeEq;

use crate::hex_codec::{decode_hex32, hex_digits, HexCase};
use crate::key::SigningKey;
use crate::sigv4a::EcdsaSignature;
use crate::sink::{Buffered, FmtSink, Sink};
use crate::timestamp::AmzDate;

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
    pub fn write_hex<S: Sink + ?Sized>(&self, out: &mut S) {
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

/// The string to sign: algorithm, time, scope and the hash of what is signed (the canonical
/// request, or for aws-chunked bodies the previous signature and the chunk).
#[derive(Clone, Copy)]
pub struct StringToSign<'a> {
    algorithm: &'a str,
    time: AmzDate,
    /// The time as the request spelled it, when that is not `time`'s ISO 8601 spelling.
    time_as_sent: Option<&'a str>,
    scope: &'a str,
    hash: [u8; 32],
    previous: Option<Previous<'a>>,
    extra_hash: Option<[u8; 32]>,
}

/// The previous signature of an aws-chunked chain, as it enters a string to sign.
#[derive(Clone, Copy)]
pub(crate) enum Previous<'a> {
    /// SigV4: 64 hex digits.
    Hmac(&'a Signature),
    /// SigV4a: the hex of the DER signature, without padding.
    #[cfg_attr(not(feature = "sigv4a"), allow(dead_code))]
    Ecdsa(&'a EcdsaSignature),
}

impl<'a> StringToSign<'a> {
    /// The string to sign of a request: `algorithm\ntime\nscope\nhex(hash)`.
    pub fn new(
        algorithm: &'a str,
        time: AmzDate,
        scope: &'a str,
        canonical_request_hash: [u8; 32],
    ) -> Self {
        StringToSign {
            algorithm,
            time,
            time_as_sent: None,
            scope,
            hash: canonical_request_hash,
            previous: None,
            extra_hash: None,
        }
    }

    /// The same string with its time line written as `sent` instead of the ISO 8601 basic
    /// form: the value of a `Date` header that dated a request without `X-Amz-Date`, which
    /// S3 signs exactly as it was sent (`Sun, 06 Nov 1994 08:49:37 GMT` and its other forms).
    ///
    /// ```
    /// use countersign_core::{AmzDate, StringToSign};
    /// let sent = "Sun, 30 Aug 2015 12:36:00 GMT";
    /// let time = AmzDate::parse_http_date(sent).unwrap();
    /// let scope = "20150830/us-east-1/service/aws4_request";
    /// let sts = StringToSign::new(countersign_core::ALGORITHM, time, scope, [0u8; 32]);
    /// let sts = sts.with_time_as_sent(sent);
    /// assert!(sts.to_string().starts_with("AWS4-HMAC-SHA256\nSun, 30 Aug 2015 12:36:00 GMT\n"));
    /// ```
    pub fn with_time_as_sent(mut self, sent: &'a str) -> Self {
        self.time_as_sent = Some(sent);
        self
    }

    /// The string to sign of an aws-chunked chunk or trailer:
    /// `algorithm\ntime\nscope\nprevious\n[hex(middle)\n]hex(last)`.
    pub(crate) fn chained(
        algorithm: &'a str,
        time: AmzDate,
        scope: &'a str,
        previous: Previous<'a>,
        middle: Option<[u8; 32]>,
        last: [u8; 32],
    ) -> Self {
        StringToSign {
            algorithm,
            time,
            time_as_sent: None,
            scope,
            hash: last,
            previous: Some(previous),
            extra_hash: middle,
        }
    }

    /// Writes the string into `out`.
    pub fn write_to<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_str(self.algorithm);
        out.put(b"\n");
        match self.time_as_sent {
            Some(sent) => out.put_str(sent),
            None => out.put(self.time.as_bytes()),
        }
        out.put(b"\n");
        out.put_str(self.scope);
        out.put(b"\n");
        match self.previous {
            Some(Previous::Hmac(previous)) => previous.write_hex(out),
            Some(Previous::Ecdsa(previous)) => previous.write_hex(out),
            None => {}
        }
        if self.previous.is_some() {
            out.put(b"\n");
        }
        if let Some(extra) = &self.extra_hash {
            out.put(&hex_digits(extra));
            out.put(b"\n");
        }
        out.put(&hex_digits(&self.hash));
    }

    /// Signs the string with `key`.
    pub fn sign(&self, key: &SigningKey) -> Signature {
        // Gathered on the stack and handed to the HMAC in one piece: it is written in
        // several small ones, and each call into the HMAC has a cost of its own.
        key.sign_with(|sink| self.write_to(&mut Buffered::new(sink)))
    }
}

impl fmt::Display for StringToSign<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sink = FmtSink { f, result: Ok(()) };
        self.write_to(&mut sink);
        sink.result
    }
}

impl fmt::Debug for StringToSign<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StringToSign({:?})", self.to_string())
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
}
