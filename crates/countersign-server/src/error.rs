//! Why the layer refused a request: the core's reasons, plus the server's own (unknown key,
//! failing key store, body limits), each with its AWS code and HTTP status.

use std::fmt;
use std::sync::Arc;

use countersign_core::aws_chunked::Framing;
use countersign_core::multipart::MultipartError;
use http::StatusCode;

use crate::keys::StoreError;
use crate::lockout::LockoutAnswer;

/// An error boxed for transport.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request refused by the layer: the core's reasons, plus the server's own (unknown key,
/// failing key store, body limits), each with its AWS code and HTTP status.
///
/// ```
/// use countersign_server::Error;
/// let e = Error::InvalidAccessKeyId("AKIDUNKNOWN".into());
/// assert_eq!((e.status().as_u16(), e.code()), (403, "InvalidAccessKeyId"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The signature, its parameters, time or signed headers were refused.
    Auth(countersign_core::Error),
    /// The key store does not know this access key id.
    InvalidAccessKeyId(String),
    /// The key store failed: the request was not judged (500 or 503, never 403).
    KeyStore(StoreError),
    /// S3 mode with header auth requires `x-amz-content-sha256`.
    MissingContentSha256,
    /// `UNSIGNED-PAYLOAD` with a body, and the policy refuses unsigned bodies.
    UnsignedPayloadRefused,
    /// An aws-chunked body without `x-amz-decoded-content-length`.
    MissingDecodedContentLength,
    /// A trailer framing without `x-amz-trailer`.
    MissingTrailerDeclaration,
    /// An `x-amz-checksum-*` or `Content-MD5` header that is not a base64 digest of the right length.
    InvalidChecksumHeader(countersign_core::checksum::ChecksumAlgorithm),
    /// An aws-chunked framing of the other algorithm than the request's signature (chunks
    /// continue the request's signature, so they are signed with its algorithm).
    FramingNotOfAlgorithm {
        /// The framing the request declared.
        framing: Framing,
        /// The request's algorithm.
        algorithm: &'static str,
    },
    /// `x-amz-decoded-content-length` is not a number of bytes.
    InvalidDecodedContentLength,
    /// `x-amz-trailer` with a framing that has no trailer.
    TrailerNotAllowed(Framing),
    /// More than one `x-amz-checksum-*` header.
    MultipleChecksums,
    /// A body without a declared hash, longer than the buffer limit.
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The request's headers are larger than the limit.
    HeadersTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read (the transport's error).
    BodyRead(Arc<dyn std::error::Error + Send + Sync>),
    /// A POST upload whose body is not well-formed `multipart/form-data`.
    MalformedPost(MultipartError),
    /// A POST upload's form field before the file is not UTF-8.
    PostFieldNotUtf8,
    /// A POST upload's form misses, repeats or misspells a field, or has no file.
    PostField(PostFieldError),
    /// A POST upload's fields before the file are larger than the limit.
    PostFieldsTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A header-signed request whose signature was already used (replay protection).
    Replayed,
    /// The replay guard could not tell whether the signature was seen before (a shared store
    /// that failed): the request was not accepted (503 or 500, never 403).
    ReplayGuard(StoreError),
    /// A POST upload's policy is malformed, expired or not met.
    Policy(countersign_core::post_policy::PolicyError),
    /// A POST form sent with a query (`?delete`, `?uploads`, …): S3 reads such a request as
    /// the operation its query names, which a form's policy does not sign.
    PostFormQuery {
        /// The query's first parameter.
        parameter: String,
    },
    /// A POST form sent to something other than a bucket (an object's path, or no bucket
    /// at all): a form upload goes to its bucket's URL, its key is a form field.
    PostFormNotToBucket,
    /// The request has more than one `Host` header (RFC 9112, section 3.2).
    RepeatedHost,
    /// The `Host` header names another host than the request target's authority (an
    /// absolute-form target, or HTTP/2's `:authority`).
    HostNotAuthority,
    /// The bodies buffered at once (to hash them: they declare no hash) reached the layer's
    /// budget; the client may retry shortly.
    SlowDown,
    /// The authorizer refused the request: the signer may not do what it asks.
    AccessDenied(crate::authz::Denial),
    /// The request names no operation the layer's classifier knows, or names one wrongly
    /// (a repeated parameter, two subresources, a method no operation uses there), so it
    /// cannot be authorized; the code and status are the classifier's.
    Unclassified(crate::authz::Unclassified),
    /// The request's path does not decode to UTF-8, so it names no bucket or key.
    InvalidUri,
    /// The access key is locked out after repeated failures
    /// ([`SigV4Layer::lockout`](crate::SigV4Layer::lockout)): refused, however signed,
    /// until the lock ends.
    KeyLocked {
        /// The whole seconds until it ends, rounded up (`Retry-After`).
        retry_after_secs: u64,
        /// How the layer answers (403 `AccessDenied` or 503 `SlowDown`).
        answer: crate::lockout::LockoutAnswer,
    },
}

impl Error {
    /// The AWS error code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Auth(e) => e.code(),
            Error::InvalidAccessKeyId(_) => "InvalidAccessKeyId",
            Error::KeyStore(e) | Error::ReplayGuard(e) => e.code(),
            Error::MissingContentSha256 => "InvalidRequest",
            Error::UnsignedPayloadRefused | Error::Replayed => "AccessDenied",
            Error::MissingDecodedContentLength => "MissingContentLength",
            Error::MissingTrailerDeclaration => "MalformedTrailerError",
            Error::InvalidChecksumHeader(
                countersign_core::checksum::ChecksumAlgorithm::ContentMd5,
            ) => "InvalidDigest",
            Error::InvalidChecksumHeader(_)
            | Error::FramingNotOfAlgorithm { .. }
            | Error::InvalidDecodedContentLength
            | Error::TrailerNotAllowed(_)
            | Error::MultipleChecksums => "InvalidRequest",
            Error::PayloadTooLarge { .. } => "EntityTooLarge",
            Error::HeadersTooLarge { .. } => "RequestHeaderSectionTooLarge",
            Error::BodyRead(_) => "IncompleteBody",
            Error::MalformedPost(_) | Error::PostFieldNotUtf8 => "MalformedPOSTRequest",
            Error::PostField(_) => "InvalidArgument",
            Error::PostFieldsTooLarge { .. } => "MaxPostPreDataLengthExceeded",
            Error::Policy(e) => e.code(),
            Error::PostFormQuery { .. } => "AccessDenied",
            Error::PostFormNotToBucket => "MethodNotAllowed",
            Error::RepeatedHost | Error::HostNotAuthority => "InvalidRequest",
            Error::SlowDown => "SlowDown",
            Error::AccessDenied(_) => "AccessDenied",
            Error::Unclassified(e) => e.code(),
            Error::InvalidUri => "InvalidURI",
            Error::KeyLocked {
                answer: LockoutAnswer::AccessDenied,
                ..
            } => "AccessDenied",
            Error::KeyLocked {
                answer: LockoutAnswer::SlowDown,
                ..
            } => "SlowDown",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Auth(e) => e.status(),
            Error::InvalidAccessKeyId(_) | Error::UnsignedPayloadRefused | Error::Replayed => {
                StatusCode::FORBIDDEN
            }
            Error::KeyStore(e) | Error::ReplayGuard(e) => e.status(),
            Error::MissingContentSha256
            | Error::HeadersTooLarge { .. }
            | Error::BodyRead(_)
            | Error::MissingTrailerDeclaration
            | Error::InvalidChecksumHeader(_)
            | Error::FramingNotOfAlgorithm { .. }
            | Error::InvalidDecodedContentLength
            | Error::TrailerNotAllowed(_)
            | Error::MultipleChecksums => StatusCode::BAD_REQUEST,
            Error::MissingDecodedContentLength => StatusCode::LENGTH_REQUIRED,
            Error::MalformedPost(_)
            | Error::PostFieldNotUtf8
            | Error::PostField(_)
            | Error::PostFieldsTooLarge { .. } => StatusCode::BAD_REQUEST,
            Error::Policy(e) => e.status(),
            Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::PostFormQuery { .. } => StatusCode::FORBIDDEN,
            Error::PostFormNotToBucket => StatusCode::METHOD_NOT_ALLOWED,
            Error::RepeatedHost | Error::HostNotAuthority => StatusCode::BAD_REQUEST,
            Error::SlowDown => StatusCode::SERVICE_UNAVAILABLE,
            Error::AccessDenied(_) => StatusCode::FORBIDDEN,
            Error::Unclassified(e) => e.status(),
            Error::InvalidUri => StatusCode::BAD_REQUEST,
            Error::KeyLocked {
                answer: LockoutAnswer::AccessDenied,
                ..
            } => StatusCode::FORBIDDEN,
            Error::KeyLocked {
                answer: LockoutAnswer::SlowDown,
                ..
            } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Auth(e) => e.fmt(f),
            Error::InvalidAccessKeyId(id) => {
                write!(f, "the AWS access key id you provided does not exist in our records: {id}")
            }
            Error::KeyStore(e) => e.fmt(f),
            Error::MissingContentSha256 => f.write_str("missing required header for this request: x-amz-content-sha256"),
            Error::UnsignedPayloadRefused => {
                f.write_str("this server does not accept UNSIGNED-PAYLOAD: sign the body (x-amz-content-sha256)")
            }
            Error::MissingDecodedContentLength => {
                f.write_str("an aws-chunked body needs x-amz-decoded-content-length, the length of the decoded body")
            }
            Error::MissingTrailerDeclaration => {
                f.write_str("a STREAMING-*-TRAILER body needs x-amz-trailer to name its trailing headers")
            }
            Error::InvalidChecksumHeader(algorithm) => {
                write!(f, "the value of {} is not a base64 {algorithm} digest", algorithm.header_name())
            }
            Error::FramingNotOfAlgorithm { framing, algorithm } => write!(
                f,
                "{} does not go with {algorithm}: chunks are signed with the algorithm that signed the request",
                framing.marker()
            ),
            Error::InvalidDecodedContentLength => {
                f.write_str("x-amz-decoded-content-length must be a number of bytes")
            }
            Error::TrailerNotAllowed(framing) => {
                write!(f, "x-amz-trailer is not allowed with {}", framing.marker())
            }
            Error::MultipleChecksums => f.write_str(
                "expecting a single x-amz-checksum- header; multiple checksum types are not allowed",
            ),
            Error::PayloadTooLarge { limit } => write!(
                f,
                "the body is larger than {limit} bytes, the most this server buffers for a request that does not \
                 declare x-amz-content-sha256; declare the body's hash or send less"
            ),
            Error::HeadersTooLarge { limit } => {
                write!(f, "your request header section exceeds the maximum allowed size of {limit} bytes")
            }
            Error::BodyRead(why) => write!(f, "the request body could not be read: {why}"),
            Error::PostFieldNotUtf8 => f.write_str(
                "the body of your POST request is not well-formed multipart/form-data: a form field is not UTF-8",
            ),
            Error::MalformedPost(why) => {
                write!(f, "the body of your POST request is not well-formed multipart/form-data: {why}")
            }
            Error::PostField(why) => why.fmt(f),
            Error::Replayed => f.write_str(
                "this request was already received: a signature is accepted once (replay protection is on)",
            ),
            Error::ReplayGuard(e) if e.status() == StatusCode::SERVICE_UNAVAILABLE => f.write_str(
                "the replay guard is unavailable, so the request could not be checked; please try again",
            ),
            Error::ReplayGuard(_) => f.write_str(
                "we encountered an internal error checking the request against replays; please try again",
            ),
            Error::PostFieldsTooLarge { limit } => {
                write!(f, "your POST request fields preceding the upload file were too large (at most {limit} bytes)")
            }
            Error::Policy(e) => e.fmt(f),
            Error::PostFormQuery { parameter } => write!(
                f,
                "a POST form's policy signs an upload to its bucket, not the ?{parameter} operation: \
                 sign that request in the Authorization header or a presigned URL"
            ),
            Error::PostFormNotToBucket => f.write_str(
                "a POST form uploads to its bucket's URL (the object's key is the form's key field)",
            ),
            Error::RepeatedHost => f.write_str("the request has more than one Host header"),
            Error::HostNotAuthority => {
                f.write_str("the Host header does not name the host of the request target")
            }
            Error::SlowDown => f.write_str(
                "the server is holding too many request bodies that declare no hash: please retry \
                 shortly, or declare the body's hash in x-amz-content-sha256 so that it streams",
            ),
            // AWS says no more to the client; the reason goes to the logs and debug hints.
            Error::AccessDenied(_) => f.write_str("Access Denied"),
            Error::Unclassified(why) => why.fmt(f),
            Error::InvalidUri => f.write_str("couldn't parse the specified URI"),
            Error::KeyLocked {
                retry_after_secs, ..
            } => write!(
                f,
                "this access key is temporarily locked after repeated failed attempts; \
                 retry in {retry_after_secs} seconds"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Auth(e) => Some(e),
            Error::KeyStore(e) | Error::ReplayGuard(e) => Some(e),
            Error::BodyRead(e) => Some(e.as_ref()),
            Error::MalformedPost(e) => Some(e),
            Error::Policy(e) => Some(e),
            Error::Unclassified(e) => Some(e),
            _ => None,
        }
    }
}

/// What is wrong with a POST form's fields (S3's `InvalidArgument`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostFieldError {
    /// A field the form must have (its name, lower-case).
    Missing(&'static str),
    /// A field given twice (its name).
    Repeated(String),
    /// No file part, or nothing after the fields.
    NoFile,
    /// `x-amz-algorithm` is not `AWS4-HMAC-SHA256`.
    Algorithm,
    /// `x-amz-date` is not `YYYYMMDDTHHMMSSZ`.
    Date,
    /// `x-amz-signature` is not 64 hexadecimal digits.
    Signature,
}

impl fmt::Display for PostFieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostFieldError::Missing(name) => {
                write!(f, "Bucket POST must contain a field named '{name}'")
            }
            PostFieldError::Repeated(name) => write!(f, "the form repeats the field {name}"),
            PostFieldError::NoFile => {
                f.write_str("POST requires exactly one file upload per request")
            }
            PostFieldError::Algorithm => write!(
                f,
                "x-amz-algorithm only supports {}",
                countersign_core::ALGORITHM
            ),
            PostFieldError::Date => {
                f.write_str("x-amz-date must be in the ISO 8601 basic format YYYYMMDDTHHMMSSZ")
            }
            PostFieldError::Signature => {
                f.write_str("x-amz-signature must be 64 hexadecimal characters")
            }
        }
    }
}

impl From<countersign_core::post_policy::PolicyError> for Error {
    fn from(e: countersign_core::post_policy::PolicyError) -> Self {
        Error::Policy(e)
    }
}

impl From<countersign_core::Error> for Error {
    fn from(e: countersign_core::Error) -> Self {
        Error::Auth(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn a_body_read_error_keeps_its_source() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let error = Error::BodyRead(Arc::new(io));
        let source = error.source().map(|s| s.to_string());
        assert_eq!(source.as_deref(), Some("reset by peer"));
        assert_eq!(
            (error.status().as_u16(), error.code()),
            (400, "IncompleteBody")
        );
    }

    #[test]
    fn a_refusal_of_the_core_has_it_as_its_source() {
        let error = Error::Auth(countersign_core::Error::MissingDate);
        assert!(error.source().is_some());
    }

    #[test]
    fn the_framing_and_checksum_refusals_are_invalid_requests() {
        for error in [
            Error::FramingNotOfAlgorithm {
                framing: Framing::EcdsaSigned,
                algorithm: countersign_core::ALGORITHM,
            },
            Error::InvalidDecodedContentLength,
            Error::TrailerNotAllowed(Framing::Signed),
            Error::MultipleChecksums,
        ] {
            assert_eq!(
                (error.status().as_u16(), error.code()),
                (400, "InvalidRequest"),
                "{error}"
            );
        }
    }

    #[test]
    fn a_replay_guard_that_cannot_answer_is_never_a_refusal_of_the_client() {
        let unavailable = Error::ReplayGuard(StoreError::unavailable("connection refused"));
        assert_eq!(
            (unavailable.status().as_u16(), unavailable.code()),
            (503, "ServiceUnavailable")
        );
        let internal = Error::ReplayGuard(StoreError::internal("bad reply"));
        assert_eq!(
            (internal.status().as_u16(), internal.code()),
            (500, "InternalError")
        );
        assert!(!internal.to_string().contains("bad reply"), "{internal}");
    }

    #[test]
    fn a_form_field_error_names_the_field() {
        let error = Error::PostField(PostFieldError::Missing("policy"));
        assert_eq!(
            (error.code(), error.to_string()),
            (
                "InvalidArgument",
                "Bucket POST must contain a field named 'policy'".to_string()
            )
        );
    }
}
