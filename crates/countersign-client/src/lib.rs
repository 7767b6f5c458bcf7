//! Sign and presign `http::Request` values with AWS Signature Version 4.
//!
//! The signer uses `countersign-core`, the same code the countersign server verifies with.
//! Time is passed in ([`Signer::sign`], [`Signer::presign`]); the `*_now` variants read the
//! system clock. The signer writes into any [`SignableRequest`]; `http::Request` is one.
//! The core's types that the client takes or gives ([`SecretKey`], [`AnySignature`],
//! [`Framing`], [`ChunkChain`], …) are re-exported here, so that the client alone will do.
//!
//! The signer can also own the body, so that nothing need be hashed or framed by hand:
//! [`Signer::sign_body`] hashes a body of bytes; with the `body` feature,
//! `Signer::sign_stream` signs any `http_body::Body` sent as `UNSIGNED-PAYLOAD` or as
//! aws-chunked (signed chunks, checksum trailers) and returns the body to send; with the `fs`
//! feature, `Signer::sign_file` does the same for a file read with tokio, or signs its
//! SHA-256, computed by reading it through once. Both features are off by default, so that
//! a build that signs only headers has no body or tokio crates.
//!
//! The client can also send: with the `reqwest` feature, `SigningMiddleware` (for
//! `reqwest-middleware`) and `SignExt` (on `reqwest::RequestBuilder`) sign each request with
//! credentials from a [`ProvideCredentials`]; with the `tower` feature, `SigningLayer` does
//! the same for any tower service that sends `http::Request`s (hyper-util's client, tonic).
//! Both retry in AWS's standard mode (`RetryConfig`), signing each attempt again, and correct
//! a skewed clock from the server's `Date`; both are configured by a `Signing`.
//!
//! On top of the reqwest sender, the client calls AWS APIs without an SDK: with the `query`
//! feature, `QueryClient` (the Query protocol of STS, IAM, SNS, SQS and EC2: form-encoded
//! actions, XML answers read into an `XmlElement` tree); with `json`, `AwsJsonClient`
//! (`awsJson` 1.0 and 1.1) and `RestJsonClient` (REST-JSON), answering `serde_json` values.
//! Both give a service's error as a `ServiceError` (status, code, message, request id) and
//! call an `Endpoint`, a region's or a URL. With `sts`, `StsClient` calls STS
//! (`GetCallerIdentity`, `AssumeRole`, `AssumeRoleWithWebIdentity`), and the credential
//! chain assumes the roles of profiles and of web identity through it.
//!
//! With the `s3` feature, `s3::S3Client` calls S3, or any S3-compatible server, on the
//! same sender: buckets created, listed and deleted; objects put from bytes, a file or any
//! stream (signed as aws-chunked or `UNSIGNED-PAYLOAD`), read whole, by range or as a
//! stream, described (HEAD), deleted one at a time or a thousand a request, copied;
//! ListObjectsV2 as a `futures` `Stream` of pages or of objects; multipart uploads of a
//! file, a few parts in flight, the progress reported, the upload aborted on any failure;
//! presigned GET and PUT URLs and signed browser POST forms; addressing path-style or
//! virtual-hosted-style. S3's XML errors (and the bodiless answers of HEAD) come as a
//! `ServiceError`.
//!
//! ```
//! use countersign_client::{Credentials, Payload, Signer};
//! use time::macros::datetime;
//!
//! let signer = Signer::new(
//!     Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
//!     "us-east-1",
//!     "service",
//! );
//! let mut request = http::Request::get("https://example.amazonaws.com/").body(()).unwrap();
//! signer.sign(&mut request, Payload::Empty, datetime!(2015-08-30 12:36:00 UTC))?;
//! assert_eq!(
//!     request.headers()["authorization"],
//!     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
//!      SignedHeaders=host;x-amz-date, \
//!      Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
//! );
//!
//! // A presigned URL for S3, valid for one hour:
//! let s3 = Signer::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "s3").s3();
//! let mut get = http::Request::get("https://bucket.s3.amazonaws.com/photo.jpg").body(()).unwrap();
//! s3.presign(&mut get, Payload::Unsigned, 3600, datetime!(2015-08-30 12:36:00 UTC))?;
//! assert!(get.uri().query().unwrap().contains("X-Amz-Expires=3600&X-Amz-Signature="));
//! # Ok::<(), countersign_client::Error>(())
//! ```
//!
//! Uploading a file to a local S3-compatible server in parts, then listing the bucket:
//!
//! ```no_run
//! # #[cfg(feature = "s3")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use countersign_client::s3::{ListObjects, MultipartOptions, S3Client};
//! use countersign_client::{Credentials, Endpoint, Signing};
//! use futures_util::TryStreamExt;
//!
//! let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "s3");
//! let s3 = S3Client::new(signing, Endpoint::custom("http://127.0.0.1:9000"));
//! s3.create_bucket("backups").await?;
//! let options = MultipartOptions::new().progress(|done, total| eprintln!("{done}/{total}"));
//! s3.upload_file("backups", "2024/db.tar", "/var/backups/db.tar", &options).await?;
//! let objects: Vec<_> = s3
//!     .list_objects("backups", ListObjects::new().prefix("2024/"))
//!     .try_collect()
//!     .await?;
//! for object in objects {
//!     println!("{} {}", object.key, object.size);
//! }
//! # Ok(())
//! # }
//! ```

#[cfg(any(feature = "query", feature = "json", feature = "s3"))]
mod api_client;
mod chunked;
mod credentials;
#[cfg(feature = "credentials")]
pub mod credentials_chain;
#[cfg(any(feature = "query", feature = "json", feature = "s3"))]
mod endpoint;
mod error;
#[cfg(any(feature = "reqwest", feature = "tower"))]
mod error_code;
#[cfg(feature = "fs")]
mod file;
#[cfg(feature = "json")]
mod json_protocol;
#[cfg(feature = "reqwest")]
mod middleware;
mod owned_body;
#[cfg(any(feature = "reqwest", feature = "tower"))]
mod peeked;
mod provider;
#[cfg(feature = "query")]
mod query;
#[cfg(feature = "reqwest")]
mod request_ext;
#[cfg(feature = "reqwest")]
mod reqwest_request;
#[cfg(any(feature = "reqwest", feature = "tower"))]
mod retry;
#[cfg(any(feature = "reqwest", feature = "tower"))]
mod retry_config;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "tower")]
mod send_body;
#[cfg(any(feature = "reqwest", feature = "tower"))]
mod send_error;
#[cfg(any(feature = "query", feature = "json", feature = "s3"))]
mod service_error;
mod signable;
mod signer;
#[cfg(any(feature = "reqwest", feature = "tower"))]
mod signing;
#[cfg(feature = "tower")]
mod signing_layer;
#[cfg(any(feature = "reqwest", feature = "tower"))]
mod skew;
#[cfg(feature = "body")]
mod streaming;
#[cfg(feature = "sts")]
mod sts;
#[cfg(any(feature = "query", feature = "s3"))]
pub mod xml;
#[cfg(any(feature = "query", feature = "s3"))]
mod xml_error;

pub use chunked::{encoded_length, ChunkedEncoder};
pub use credentials::{Credentials, SessionTokenMode};
#[cfg(any(feature = "query", feature = "json", feature = "s3"))]
pub use endpoint::Endpoint;
pub use error::Error;
#[cfg(feature = "fs")]
pub use file::{FileBody, FileSigning};
#[cfg(feature = "json")]
pub use json_protocol::{AwsJsonClient, JsonVersion, RestJsonClient};
pub use provider::{CredentialsError, CredentialsErrorKind, CredentialsFuture, ProvideCredentials};
#[cfg(feature = "query")]
pub use query::{QueryClient, QueryResponse};
#[cfg(feature = "s3")]
pub use s3::S3Client;
#[cfg(any(feature = "query", feature = "json", feature = "s3"))]
pub use service_error::{CallError, ServiceError, DEFAULT_RESPONSE_LIMIT};
pub use signable::{Canonical, SignableRequest, SigningHeader, UNSIGNABLE_HEADERS};
pub use signer::{Payload, Signed, Signer};
#[cfg(feature = "body")]
pub use streaming::{Chunking, SignedBody, StreamError, StreamSigning, DEFAULT_CHUNK_SIZE};
#[cfg(feature = "sts")]
pub use sts::{CallerIdentity, StsClient, STS_API_VERSION};
#[cfg(any(feature = "query", feature = "s3"))]
pub use xml::XmlElement;

#[cfg(feature = "reqwest")]
pub use middleware::SigningMiddleware;
#[cfg(any(feature = "reqwest", feature = "tower"))]
pub use peeked::PeekedBody;
#[cfg(feature = "reqwest")]
pub use request_ext::{SignExt, SignedRequest};
#[cfg(any(feature = "reqwest", feature = "tower"))]
pub use retry::ERROR_BODY_LIMIT;
#[cfg(any(feature = "reqwest", feature = "tower"))]
pub use retry_config::RetryConfig;
#[cfg(feature = "tower")]
pub use send_body::SendBody;
#[cfg(any(feature = "reqwest", feature = "tower"))]
pub use send_error::SendError;
#[cfg(any(feature = "reqwest", feature = "tower"))]
pub use signing::Signing;
#[cfg(feature = "tower")]
pub use signing_layer::{SigningFuture, SigningLayer, SigningService, DEFAULT_HASH_LIMIT};

// The core's types that the client's API takes or gives, re-exported for users who depend
// on the client alone; each doc names the core's own path.

/// Re-exported from `countersign-core` (`countersign_core::aws_chunked::ChunkChain`): the
/// chain [`Signed::chunk_chain`] starts, which signs an aws-chunked body's chunks.
pub use countersign_core::aws_chunked::ChunkChain;
/// Re-exported from `countersign-core` (`countersign_core::aws_chunked::ChunkSigner`): the
/// SigV4 chain, in [`ChunkChain::Hmac`].
pub use countersign_core::aws_chunked::ChunkSigner;
/// Re-exported from `countersign-core` (`countersign_core::aws_chunked::Framing`): the
/// framing [`Signer::sign_chunked`] encodes a body in.
pub use countersign_core::aws_chunked::Framing;
/// Re-exported from `countersign-core` (`countersign_core::checksum::ChecksumAlgorithm`): the
/// checksum an aws-chunked body's trailer carries.
pub use countersign_core::checksum::ChecksumAlgorithm;
/// Re-exported from `countersign-core` (`countersign_core::AmzDate`): the signing time of
/// [`Signed::time`].
pub use countersign_core::AmzDate;
/// Re-exported from `countersign-core` (`countersign_core::AnySignature`): the signature of
/// [`Signed::signature`], of either algorithm.
pub use countersign_core::AnySignature;
/// Re-exported from `countersign-core` (`countersign_core::SecretKey`): the secret of
/// [`Credentials::secret`].
pub use countersign_core::SecretKey;
/// Re-exported from `countersign-core` (`countersign_core::Signature`): a SigV4 signature,
/// in [`AnySignature::Hmac`] and from [`ChunkSigner`].
pub use countersign_core::Signature;
/// Re-exported from `countersign-core` (`countersign_core::SigningSettings`): the
/// canonicalization rules of [`Signer::settings`].
pub use countersign_core::SigningSettings;
