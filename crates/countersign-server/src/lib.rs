//! A tower `Layer` that authenticates requests the way AWS does: SigV4 in the
//! `Authorization` header or in a presigned URL, checked against secrets from a key store of
//! yours, before your service sees the request.
//!
//! ```
//! use axum::{routing::get, Router};
//! use countersign_server::{keys::MemoryKeyStore, SigV4Layer, Verified};
//! use tower::ServiceExt;
//!
//! async fn whoami(identity: Verified<String>) -> String {
//!     format!("hello {} ({})", identity.principal, identity.access_key_id())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let keys = MemoryKeyStore::new();
//! keys.insert("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "alice".to_string());
//! let app = Router::new()
//!     .route("/whoami", get(whoami))
//!     .layer(SigV4Layer::new(keys).regions(["us-east-1"]).services(["execute-api"]));
//!
//! // A client signs with the same core the layer verifies with.
//! use countersign_client::{Credentials, Payload, Signer};
//! let signer = Signer::new(
//!     Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
//!     "us-east-1",
//!     "execute-api",
//! );
//! let mut request = http::Request::get("http://localhost/whoami").body(axum::body::Body::empty()).unwrap();
//! signer.sign_now(&mut request, Payload::Empty).unwrap();
//!
//! let response = app.oneshot(request).await.unwrap();
//! assert_eq!(response.status(), 200);
//! let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
//! assert_eq!(&body[..], b"hello alice (AKIDEXAMPLE)");
//! # }
//! ```
//!
//! What the layer does, in order:
//!
//! 1. Cheap checks, before any key lookup: header size, the `Authorization` header or the
//!    `X-Amz-*` query parameters, the scope's region and service, the time window (clock skew,
//!    five minutes by default) or the presign lifetime, which headers are signed (`host`,
//!    every `x-amz-*` header, and any you require), and the payload policy.
//! 2. The key store, before any of the body is read: an unknown key is 403
//!    `InvalidAccessKeyId` at once; a failing store is 500/503.
//!    A store that has its keys at hand ([`keys::MemoryKeyStore`], [`keys::FileKeyStore`], or
//!    yours through [`keys::KeyStore::lookup_now`]) answers within `Service::call`, and the
//!    request is checked and handed on there (once its body is read, when it declared no
//!    hash); otherwise the response future waits for the lookup.
//! 3. The signature, recomputed with the core and compared in constant time, against every
//!    live secret of the key (two during a rotation).
//! 4. The body: a declared `x-amz-content-sha256` is checked while the handler reads the
//!    body (a mismatch ends the body with [`BodyError::ContentSha256Mismatch`], so read the
//!    whole body before committing anything); aws-chunked bodies (`STREAMING-*`) are decoded
//!    and each signed chunk is released only after its signature verified, with the trailer's
//!    signature and checksum checked at the end; `x-amz-checksum-*` and `Content-MD5` headers
//!    are checked as the body streams; `UNSIGNED-PAYLOAD` passes through if the policy
//!    allows it; a body without a declared hash (curl, most non-S3 clients) is buffered up to
//!    a limit (1 MiB by default, 413 beyond; all such bodies at once at most 64 MiB, 503
//!    `SlowDown` beyond), hashed, and only then verified (one empty by its
//!    framing, such as a GET's, is verified at once against the hash of nothing, and checked
//!    against it as it is read).
//! 5. In S3 mode, a browser POST upload (`multipart/form-data` with a signed policy) is
//!    verified before the handler runs: the handler gets a [`PostObject`] and the file's
//!    bytes (see [`PostObject`]).
//!
//! 6. With an authorizer ([`SigV4Layer::authorize`]), whether the signer may do what it
//!    asks: the request named as an IAM action on a resource (S3's operations in S3 mode, API
//!    Gateway's `execute-api:Invoke` otherwise), and IAM policies evaluated as AWS does, or
//!    your own decision; 403 `AccessDenied` otherwise. Unsigned requests may be let through
//!    to it as anonymous ones ([`SigV4Layer::anonymous`]). See [`authz`].
//!
//! The handler finds a [`Verified`] in the request extensions (an extractor with the `axum`
//! feature). Refusals are responses with AWS codes, in S3 XML, JSON or your own format.
//!
//! Where things are (each item has one path):
//!
//! - at the root, the layer and what it hands out: [`SigV4Layer`] and its service [`SigV4`]
//!   (with [`ResponseFuture`]), the settings' types and defaults ([`TrustedProxy`],
//!   [`ErrorFormat`], [`Clock`], the `DEFAULT_*` constants), the identity ([`Verified`],
//!   [`PayloadCheck`]), the bodies ([`VerifiedBody`], [`ResponseBody`], [`BodyError`]), a
//!   POST upload's form ([`PostObject`]), refusals ([`Error`], [`Rejection`], [`Rejector`]) and the count
//!   of failed attempts ([`FailureCounts`]);
//! - [`keys`]: the key stores, and the trait of your own;
//! - [`replay`]: replay protection's guards;
//! - [`lockout`]: the lockout of access keys after repeated failures, and its trackers;
//! - [`address`]: the bucket and key an S3 request addresses;
//! - [`authz`]: authorization: the authorizer, IAM policies and their stores, operations.

pub mod address;
mod auth;
pub mod authz;
mod body;
mod budget;
mod clock;
mod config;
mod error;
mod expiring;
mod failures;
mod flow;
mod future;
mod identity;
pub mod keys;
mod layer;
pub mod lockout;
mod lockout_step;
mod percent;
mod post;
mod refusal;
mod rejection;
pub mod replay;
mod service;
mod unknown_keys;
mod watched;

pub use body::{BodyError, ResponseBody, VerifiedBody};
pub use clock::{Clock, SystemClock};
pub use config::{
    TrustedProxy, DEFAULT_BUFFER_BUDGET, DEFAULT_BUFFER_LIMIT, DEFAULT_DRAIN_LIMIT,
    DEFAULT_KEY_CACHE_CAPACITY, DEFAULT_MAX_HEADER_BYTES, DEFAULT_UNKNOWN_KEY_CACHE,
};
pub use error::{Error, PostFieldError};
pub use failures::{FailureCount, FailureCounts, DEFAULT_FAILURE_TABLE_CAPACITY};
pub use future::ResponseFuture;
#[cfg(feature = "axum")]
pub use identity::MissingLayer;
pub use identity::{PayloadCheck, Verified};
pub use layer::SigV4Layer;
pub use post::{PostObject, MAX_FORM_FIELD_BYTES};
pub use refusal::Rejector;
pub use rejection::{DebugDetails, ErrorFormat, Rejection};
pub use service::SigV4;
