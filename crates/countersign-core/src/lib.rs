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
//!
//! The protocol's types are at the crate root. Four modules hold groups of their own:
//! [`aws_chunked`] (the chunk signature chain and the body decoder), [`checksum`] (the
//! `x-amz-checksum-*` algorithms), [`post_policy`] (S3 browser POST policies) and [`sigv4a`]
//! (the multi-region signature's region set, signature and, with the `sigv4a` feature, its
//! keys). Each item has one path.

mod auth;
pub mod aws_chunked;
mod cache;
mod canonical;
pub mod checksum;
mod constants;
#[doc(hidden)]
pub mod encoding;
mod error;
mod hash;
mod hex_codec;
mod key;
#[doc(hidden)]
pub mod multipart;
mod payload;
pub mod post_policy;
mod request;
mod scope;
mod signature;
pub mod sigv4a;
#[doc(hidden)]
pub mod sink;
mod string_to_sign;
mod timestamp;
mod verify;

pub use auth::{AuthKind, AuthParams, MAX_PRESIGN_EXPIRES};
pub use canonical::{CanonicalRequest, PathEncoding, SignedHeaders, SigningSettings};
pub use constants::{
    ALGORITHM, CHUNK_ALGORITHM, ECDSA_ALGORITHM, ECDSA_CHUNK_ALGORITHM, ECDSA_TRAILER_ALGORITHM,
    EMPTY_SHA256, EMPTY_SHA256_DIGEST, STREAMING_ECDSA_PAYLOAD, STREAMING_ECDSA_PAYLOAD_TRAILER,
    STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER, STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    TRAILER_ALGORITHM, UNSIGNED_PAYLOAD,
};
pub use error::{AuthSource, Error, Mismatch};
pub use hash::{sha256, sha256_hex};
pub use key::{KeyCache, SecretKey, SigningKey};
pub use payload::DeclaredPayload;
pub use request::{Headers, RawHeaders, Request};
pub use scope::{Credential, CredentialScope};
pub use signature::{AnySignature, Signature};
pub use string_to_sign::StringToSign;
pub use timestamp::AmzDate;
pub use verify::{Verified, Verifier, DEFAULT_MAX_SKEW};

// For the sibling crates alone (the client, the server, the command), not a part of the
// documented API: they may change with them.
#[doc(hidden)]
pub use auth::PRESIGN_PARAMETERS;
#[doc(hidden)]
pub use canonical::{normalize_path, SignedValues};
