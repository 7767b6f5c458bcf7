//! Why a request was refused, with the AWS error code and HTTP status for each reason.
//!
//! ```
//! use countersign_core::{AuthSource, Error};
//! let e = Error::Malformed { source: AuthSource::Query, message: "X-Amz-Date is missing".into() };
//! assert_eq!(e.code(), "AuthorizationQueryParametersError");
//! assert_eq!(e.status().as_u16(), 400);
//! ```

use std::fmt;

use http::StatusCode;
use time::{Duration, OffsetDateTime};

use crate::timestamp::AmzDate;

/// Where the authentication parameters of a request were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthSource {
    /// The `Authorization` header.
    Header,
    /// The `X-Amz-*` query parameters of a presigned URL.
    Query,
    /// The fields of an S3 browser POST form.
    Form,
}

/// What the server computed when a signature did not match: the material of S3's
/// `SignatureDoesNotMatch` body, for debug responses.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Mismatch {
    /// The canonical request the server computed.
    pub canonical_request: String,
    /// The string to sign the server computed.
    pub string_to_sign: String,
}

impl Mismatch {
    /// What the server computed: its canonical request (empty where there is none, as for a
    /// POST policy) and its string to sign.
    pub fn new(canonical_request: impl Into<String>, string_to_sign: impl Into<String>) -> Self {
        Mismatch {
            canonical_request: canonical_request.into(),
            string_to_sign: string_to_sign.into(),
        }
    }
}

/// A request that failed verification, and why.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// Neither an `Authorization` header nor presign query parameters.
    MissingAuthentication,
    /// Both an `Authorization` header and presign query parameters.
    ConflictingAuthentication,
    /// The authentication parameters could not be read.
    Malformed {
        /// Header or query.
        source: AuthSource,
        /// What is wrong, in words.
        message: String,
    },
    /// The `Authorization` header has no usable date: neither `X-Amz-Date` nor `Date`.
    MissingDate,
    /// The request is outside the clock-skew window.
    RequestTimeTooSkewed {
        /// The time the request claims.
        request_time: AmzDate,
        /// The server's time.
        server_time: OffsetDateTime,
        /// Largest skew accepted, in seconds.
        max_skew_seconds: i64,
    },
    /// A presigned URL used after its lifetime.
    Expired {
        /// When the URL stopped being valid.
        expired_at: OffsetDateTime,
        /// The server's time.
        server_time: OffsetDateTime,
    },
    /// A presigned URL dated further in the future than the skew allows.
    NotYetValid {
        /// The time the URL claims.
        request_time: AmzDate,
        /// The server's time.
        server_time: OffsetDateTime,
    },
    /// A header that must be signed was not (every `x-amz-*` header, `host`, and any the
    /// server requires).
    HeaderNotSigned(String),
    /// A header named in `SignedHeaders` is not in the request.
    SignedHeaderMissing(String),
    /// The signature the client sent is not the one the server computed.
    SignatureDoesNotMatch(Box<Mismatch>),
    /// The body's SHA-256 differs from the declared `x-amz-content-sha256`.
    ContentSha256Mismatch {
        /// What the client declared.
        declared: String,
        /// What the body hashed to.
        computed: String,
    },
    /// `x-amz-content-sha256` is neither a hex SHA-256 nor a known marker.
    InvalidContentSha256(String),
    /// The request is signed with Signature Version 2, which is refused as S3 refuses it
    /// where SigV2 is turned off (400 `InvalidRequest`): an `Authorization: AWS AKID:signature`
    /// header ([`AuthSource::Header`]), a presigned URL with `AWSAccessKeyId` and
    /// `Signature` ([`AuthSource::Query`]), or a POST form with `AWSAccessKeyId` and
    /// `signature` fields ([`AuthSource::Form`]).
    SigV2NotSupported(AuthSource),
}

impl Error {
    /// The AWS error code, such as `SignatureDoesNotMatch`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::MissingAuthentication
            | Error::MissingDate
            | Error::Expired { .. }
            | Error::NotYetValid { .. }
            | Error::HeaderNotSigned(_)
            | Error::SignedHeaderMissing(_) => "AccessDenied",
            Error::SigV2NotSupported(_) => "InvalidRequest",
            Error::ConflictingAuthentication
            | Error::InvalidContentSha256(_)
            | Error::Malformed {
                source: AuthSource::Form,
                ..
            } => "InvalidArgument",
            Error::Malformed {
                source: AuthSource::Header,
                ..
            } => "AuthorizationHeaderMalformed",
            Error::Malformed {
                source: AuthSource::Query,
                ..
            } => "AuthorizationQueryParametersError",
            Error::RequestTimeTooSkewed { .. } => "RequestTimeTooSkewed",
            Error::SignatureDoesNotMatch(_) => "SignatureDoesNotMatch",
            Error::ContentSha256Mismatch { .. } => "XAmzContentSHA256Mismatch",
        }
    }

    /// The HTTP status AWS answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::ConflictingAuthentication
            | Error::Malformed { .. }
            | Error::ContentSha256Mismatch { .. }
            | Error::InvalidContentSha256(_)
            | Error::SigV2NotSupported(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::FORBIDDEN,
        }
    }

    /// The server's canonical request and string to sign, when the signature did not match.
    pub fn mismatch(&self) -> Option<&Mismatch> {
        match self {
            Error::SignatureDoesNotMatch(m) => Some(m),
            _ => None,
        }
    }

    // The constructors of malformed-request errors are cold: the blocks that build one, its
    // message formatted, are moved off the path a valid request takes.
    #[cold]
    pub(crate) fn header(message: impl Into<String>) -> Self {
        Error::Malformed {
            source: AuthSource::Header,
            message: message.into(),
        }
    }

    #[cold]
    pub(crate) fn query(message: impl Into<String>) -> Self {
        Error::Malformed {
            source: AuthSource::Query,
            message: message.into(),
        }
    }

    #[cold]
    pub(crate) fn malformed(source: AuthSource, message: impl Into<String>) -> Self {
        Error::Malformed {
            source,
            message: message.into(),
        }
    }

    // So are those of the checks' refusals, for the same reason (the expiry's sum of a time
    // and a duration is a good deal of code).
    #[cold]
    pub(crate) fn skewed(
        request_time: AmzDate,
        server_time: OffsetDateTime,
        max_skew: Duration,
    ) -> Self {
        Error::RequestTimeTooSkewed {
            request_time,
            server_time,
            max_skew_seconds: max_skew.whole_seconds(),
        }
    }

    #[cold]
    pub(crate) fn not_yet_valid(request_time: AmzDate, server_time: OffsetDateTime) -> Self {
        Error::NotYetValid {
            request_time,
            server_time,
        }
    }

    #[cold]
    pub(crate) fn expired(
        signed_at: OffsetDateTime,
        lifetime: Duration,
        server_time: OffsetDateTime,
    ) -> Self {
        Error::Expired {
            expired_at: signed_at + lifetime,
            server_time,
        }
    }

    #[cold]
    pub(crate) fn header_not_signed(name: &str) -> Self {
        Error::HeaderNotSigned(name.to_string())
    }

    #[cold]
    pub(crate) fn signed_header_missing(name: &str) -> Self {
        Error::SignedHeaderMissing(name.to_string())
    }

    #[cold]
    pub(crate) fn signature_mismatch(
        canonical_request: Option<String>,
        string_to_sign: Option<String>,
    ) -> Self {
        Error::SignatureDoesNotMatch(Box::new(Mismatch {
            canonical_request: canonical_request.unwrap_or_default(),
            string_to_sign: string_to_sign.unwrap_or_default(),
        }))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingAuthentication => f.write_str(
                "the request is not signed: it has neither an Authorization header nor X-Amz-* presign parameters",
            ),
            Error::ConflictingAuthentication => f.write_str(
                "only one auth mechanism allowed: send the Authorization header or the X-Amz-* query parameters, not both",
            ),
            Error::Malformed { message, .. } => f.write_str(message),
            Error::MissingDate => f.write_str("AWS authentication requires a valid Date or x-amz-date header"),
            Error::RequestTimeTooSkewed { request_time, server_time, max_skew_seconds } => {
                let skew = (request_time.as_offset() - *server_time).whole_seconds();
                let direction = if skew > 0 { "ahead of" } else { "behind" };
                write!(
                    f,
                    "the difference between the request time and the server's time is too large: \
                     the request is {} s {direction} the server (request time {request_time}, server time {}; \
                     at most {max_skew_seconds} s allowed)",
                    skew.abs(),
                    AmzDate::from(*server_time),
                )
            }
            // Only a lifetime of zero (X-Amz-Expires=0) ends before the server's time passes
            // it: the URL is refused on its first use, whenever that is.
            Error::Expired { expired_at, server_time } if server_time <= expired_at => write!(
                f,
                "request has expired: X-Amz-Expires is 0, so it was valid for no time from {}; \
                 the server's time is {}",
                AmzDate::from(*expired_at),
                AmzDate::from(*server_time),
            ),
            Error::Expired { expired_at, server_time } => write!(
                f,
                "request has expired: it was valid until {}, the server's time is {} ({} s later)",
                AmzDate::from(*expired_at),
                AmzDate::from(*server_time),
                (*server_time - *expired_at).whole_seconds()
            ),
            Error::NotYetValid { request_time, server_time } => write!(
                f,
                "request is not valid yet: it is dated {request_time}, the server's time is {} ({} s earlier)",
                AmzDate::from(*server_time),
                (request_time.as_offset() - *server_time).whole_seconds()
            ),
            Error::HeaderNotSigned(name) => write!(
                f,
                "there were headers present in the request which were not signed: {name} must be listed in SignedHeaders"
            ),
            Error::SignedHeaderMissing(name) => {
                write!(f, "header {name} is listed in SignedHeaders but is not present in the request")
            }
            Error::SignatureDoesNotMatch(_) => f.write_str(
                "the request signature we calculated does not match the signature you provided; \
                 check your key and signing method",
            ),
            Error::ContentSha256Mismatch { declared, computed } => write!(
                f,
                "the provided x-amz-content-sha256 header does not match what was computed: declared {declared}, computed {computed}"
            ),
            Error::InvalidContentSha256(value) => write!(
                f,
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-* marker, or a valid hex sha256; got '{value}'"
            ),
            Error::SigV2NotSupported(source) => {
                f.write_str(SIGV2_REFUSAL)?;
                match source {
                    AuthSource::Header => Ok(()),
                    AuthSource::Query => f.write_str(SIGV2_PRESIGN_HINT),
                    AuthSource::Form => f.write_str(SIGV2_FORM_HINT),
                }
            }
        }
    }
}

impl std::error::Error for Error {}

/// S3's answer to Signature Version 2 where it is turned off.
const SIGV2_REFUSAL: &str =
    "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";

/// Where SigV2 presigned URLs usually come from (botocore's `_default_s3_presign_to_sigv2`:
/// with no signature version configured, S3 presigning falls back to SigV2 in a region whose
/// endpoint still lists it) and the setting that stops it.
const SIGV2_PRESIGN_HINT: &str = " This presigned URL (AWSAccessKeyId, Signature) is signed \
    with Signature Version 2, as botocore (behind the aws CLI's `aws s3 presign` and boto3's \
    generate_presigned_url) presigns in regions that still list SigV2, such as us-east-1, \
    unless Signature Version 4 is configured: \
    aws configure set default.s3.signature_version s3v4";

/// What a SigV2 POST form is, and what a SigV4 one carries instead.
const SIGV2_FORM_HINT: &str = " This form (AWSAccessKeyId, signature) is signed with \
    Signature Version 2; a Signature Version 4 form carries x-amz-algorithm, \
    x-amz-credential, x-amz-date and x-amz-signature.";

#[cfg(test)]
mod tests {
    use super::*;

    /// The server refuses a SigV2 POST form with this variant: S3's code, status and words,
    /// and what a SigV4 form carries instead.
    #[test]
    fn sigv2_form_is_refused_as_invalid_request() {
        let e = Error::SigV2NotSupported(AuthSource::Form);
        assert_eq!((e.code(), e.status().as_u16()), ("InvalidRequest", 400));
        let message = e.to_string();
        assert!(message.starts_with(SIGV2_REFUSAL), "{message}");
        assert!(message.contains("x-amz-credential"), "{message}");
    }

    /// A SigV2 header gets S3's words alone.
    #[test]
    fn sigv2_header_refusal_is_s3s_message() {
        let e = Error::SigV2NotSupported(AuthSource::Header);
        assert_eq!(
            e.to_string(),
            "The authorization mechanism you have provided is not supported. \
             Please use AWS4-HMAC-SHA256."
        );
    }
}
