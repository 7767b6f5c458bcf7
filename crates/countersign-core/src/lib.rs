//! The AWS Signature Version 4 protocol, pure: no I/O, no async, no clock.
//!
//! Both sides of countersign stand on this crate: the server verifies with it and the
//! client signs with it, so the two cannot drift apart. Every stage of the pipeline is a
//! type that prints itself (`Display`), so a stage can be compared with a test vector or
//! shown to a user whose request was refused:
//!
//! ```text
//! request ──parse──▶ AuthParams ──time/scope checks──▶ SigningKey
//!    └──canonicalize──▶ CanonicalRequest ──▶ StringToSign ──HMAC──▶ Signature ──constant-time──▶ ok
//! ```
//!
//! Verifying a request signed in the `Authorization` header:
//!
//! ```
//! use countersign_core::{AuthParams, RawHeaders, Request, SecretKey, SigningSettings, Verifier};
//! use time::macros::datetime;
//!
//! let headers = RawHeaders::from_pairs([
//!     ("Host", "example.amazonaws.com"),
//!     ("X-Amz-Date", "20150830T123600Z"),
//!     ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
//!       SignedHeaders=host;x-amz-date, \
//!       Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
//! ]);
//! let request = Request::new("GET", "/", "", &headers);
//! let auth = AuthParams::from_request(&request)?;
//! let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
//! let verifier = Verifier::new(SigningSettings::default());
//! let now = datetime!(2015-08-30 12:37:00 UTC);
//! let verified = verifier.verify(&request, &auth, &secret, countersign_core::EMPTY_SHA256, now)?;
//! assert_eq!(verified.access_key_id, "AKIDEXAMPLE");
//! # Ok::<(), countersign_core::Error>(())
//! ```

pub mod auth;
pub mod aws_chunked;
mod cache;
pub mod canonical;
pub mod checksum;
pub mod chunk;
pub mod encoding;
pub mod error;
pub mod key;
pub mod multipart;
pub mod payload;
pub mod post_policy;
pub mod request;
pub mod scope;
pub mod signature;
pub mod sigv4a;
pub mod sink;
pub mod timestamp;
pub mod verify;

pub use auth::{AuthKind, AuthParams, ClientSignature};
pub use canonical::{CanonicalRequest, PathEncoding, SigningSettings};
pub use canonical::{SignedHeaders, SignedValues};
pub use chunk::{canonical_trailer, ChainSignature, ChunkChain, ChunkSigner};
pub use error::{AuthSource, Error};
pub use key::{KeyCache, SecretKey, SigningKey};
pub use payload::DeclaredPayload;
pub use request::{Headers, RawHeaders, Request};
pub use scope::{Credential, CredentialScope};
pub use signature::{Signature, StringToSign};
pub use timestamp::AmzDate;
pub use verify::{Verified, Verifier};

/// The algorithm name of SigV4 with HMAC-SHA256, as it appears in the `Authorization`
/// header, in `X-Amz-Algorithm` and on the first line of the string to sign.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The algorithm name of SigV4a (ECDSA with P-256 and SHA-256), as it appears in the
/// `Authorization` header, in `X-Amz-Algorithm` and on the first line of the string to sign.
/// Requests that use it are accepted only with the `sigv4a` feature.
pub const ECDSA_ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256";

/// The algorithm line of a chunk's string to sign in an aws-chunked upload.
pub const CHUNK_ALGORITHM: &str = "AWS4-HMAC-SHA256-PAYLOAD";

/// The algorithm line of the trailer's string to sign in an aws-chunked upload.
pub const TRAILER_ALGORITHM: &str = "AWS4-HMAC-SHA256-TRAILER";

/// The algorithm line of a chunk's string to sign in a SigV4a aws-chunked upload.
pub const ECDSA_CHUNK_ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256-PAYLOAD";

/// The algorithm line of the trailer's string to sign in a SigV4a aws-chunked upload.
pub const ECDSA_TRAILER_ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256-TRAILER";

/// The hex SHA-256 of the empty string: the payload hash of a request without a body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The SHA-256 of the empty string, raw ([`EMPTY_SHA256`] decoded).
pub const EMPTY_SHA256_DIGEST: [u8; 32] = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The payload hash a client declares when it does not sign the body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// aws-chunked body, each chunk signed.
pub const STREAMING_PAYLOAD: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";

/// aws-chunked body, each chunk signed, followed by a signed trailer.
pub const STREAMING_PAYLOAD_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";

/// aws-chunked body, each chunk signed with SigV4a.
pub const STREAMING_ECDSA_PAYLOAD: &str = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD";

/// aws-chunked body, each chunk signed with SigV4a, followed by a signed trailer.
pub const STREAMING_ECDSA_PAYLOAD_TRAILER: &str =
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER";

/// aws-chunked body, chunks not signed, followed by an unsigned checksum trailer.
pub const STREAMING_UNSIGNED_PAYLOAD_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

/// The SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(data).into()
}

/// The hex SHA-256 of `data`, as used for payload hashes (encoded on the stack and copied
/// once: `hex::encode` builds its string a character at a time, which a server paid for on
/// every request whose body it hashed).
pub fn sha256_hex(data: &[u8]) -> String {
    // Hex digits are ASCII.
    String::from_utf8_lossy(&signature::hex_digits(&sha256(data))).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_hex_is_the_lower_case_hex_of_the_digest() {
        assert_eq!(super::sha256_hex(b""), super::EMPTY_SHA256);
        let data = b"The quick brown fox jumps over the lazy dog";
        assert_eq!(
            super::sha256_hex(data),
            "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
        );
    }
}
