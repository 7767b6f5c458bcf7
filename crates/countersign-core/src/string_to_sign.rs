//! The string to sign: the algorithm, the time, the credential scope and the hash of what is
//! signed (the canonical request; for a chunk or trailer of an aws-chunked body, the
//! previous signature of the chain and the data).
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

use crate::hex_codec::hex_digits;
use crate::key::SigningKey;
use crate::signature::{AnySignature, Signature};
use crate::sink::{Buffered, FmtSink, Sink};
use crate::timestamp::AmzDate;

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
    /// For a chunk or trailer, the chain's previous signature.
    previous: Option<&'a AnySignature>,
    extra_hash: Option<[u8; 32]>,
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
        previous: &'a AnySignature,
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

    /// Writes the string into `out` (a `Vec<u8>`, or a hasher). For the client; not a part
    /// of the documented API (`to_string` gives the text).
    #[doc(hidden)]
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
        if let Some(previous) = self.previous {
            previous.write_hex(out);
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
