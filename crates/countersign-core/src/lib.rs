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
mod constants;
pub mod encoding;
pub mod error;
mod hash;
mod hex_codec;
pub mod key;
pub mod multipart;
pub mod payload;
pub mod post_policy;
pub mod request;
pub mod scope;
pub mod signature;
pub mod sigv4a;
pub mod sink;
mod string_to_sign;
pub mod timestamp;
pub mod verify;

pub use auth::{AuthKind, AuthParams};
pub use aws_chunked::{canonical_trailer, ChainSeed, ChunkChain, ChunkSigner};
pub use canonical::{CanonicalRequest, PathEncoding, SigningSettings};
pub use canonical::{SignedHeaders, SignedValues};
pub use constants::{
    ALGORITHM, CHUNK_ALGORITHM, ECDSA_ALGORITHM, ECDSA_CHUNK_ALGORITHM, ECDSA_TRAILER_ALGORITHM,
    EMPTY_SHA256, EMPTY_SHA256_DIGEST, STREAMING_ECDSA_PAYLOAD, STREAMING_ECDSA_PAYLOAD_TRAILER,
    STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER, STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    TRAILER_ALGORITHM, UNSIGNED_PAYLOAD,
};
pub use error::{AuthSource, Error};
pub use hash::{sha256, sha256_hex};
pub use key::{KeyCache, SecretKey, SigningKey};
pub use payload::DeclaredPayload;
pub use request::{Headers, RawHeaders, Request};
pub use scope::{Credential, CredentialScope};
/// A signature of an aws-chunked chain, at its old name: [`AnySignature`] (re-exported until
/// the public surface is settled).
pub use signature::AnySignature as ChainSignature;
pub use signature::{AnySignature, Signature};
pub use string_to_sign::StringToSign;
pub use timestamp::AmzDate;
pub use verify::{Verified, Verifier};

/// The chunk chain at its old path: its items are in [`aws_chunked`] now, and are re-exported
/// here until the public surface is settled.
pub mod chunk {
    #[cfg(feature = "sigv4a")]
    pub use crate::aws_chunked::EcdsaChunkSigner;
    pub use crate::aws_chunked::{
        canonical_trailer, ChunkChain, ChunkSigner, ECDSA_WIRE_SIGNATURE_LEN,
    };
    pub use crate::signature::AnySignature as ChainSignature;
}
