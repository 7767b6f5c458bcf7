//! countersign: AWS Signature Version 4 for people who run servers.
//!
//! This facade re-exports the workspace's crates:
//!
//! - [`core`] (`countersign-core`): the protocol, pure: canonicalization, string to sign,
//!   key derivation, signatures, chunk signatures, parsing and the verification entry point;
//! - [`client`] (`countersign-client`): signing and presigning of `http::Request` values;
//! - [`server`] (`countersign-server`): the tower layer that verifies requests, key stores,
//!   error responses and the axum extractor;
//! - [`s3`] (`countersign-s3`, with the `s3` feature): an S3-compatible frontend over a
//!   storage trait, to put behind the layer.
//!
//! The same core signs and verifies, so the two sides cannot drift apart:
//!
//! ```
//! use countersign::client::{Credentials, Payload, Signer};
//! use countersign::core::{AuthParams, Request, SecretKey, SigningSettings, Verifier, EMPTY_SHA256};
//!
//! let signer = Signer::new(Credentials::new("AKID", "secret"), "us-east-1", "execute-api");
//! let mut request = http::Request::get("https://api.example.com/items?limit=10").body(()).unwrap();
//! signer.sign_now(&mut request, Payload::Empty)?;
//!
//! let view = Request::from_http(&request);
//! let auth = AuthParams::from_request(&view)?;
//! let verified = Verifier::new(SigningSettings::default())
//!     .regions(["us-east-1"])
//!     .verify(&view, &auth, &SecretKey::new("secret"), EMPTY_SHA256, time::OffsetDateTime::now_utc())?;
//! assert_eq!(verified.access_key_id, "AKID");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use countersign_client as client;
pub use countersign_core as core;
pub use countersign_policy as policy;
#[cfg(feature = "s3")]
pub use countersign_s3 as s3;
pub use countersign_server as server;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
