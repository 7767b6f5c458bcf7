//! Why a request could not be signed.

use std::fmt;

/// A request that could not be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A presign lifetime outside 1..=604800 seconds.
    InvalidExpires(u64),
    /// Neither a `Host` header nor an authority in the URI.
    MissingHost,
    /// A value that cannot be a header value (the name is given).
    InvalidHeaderValue(&'static str),
    /// The signed URI could not be rebuilt.
    InvalidUri(String),
    /// An aws-chunked upload with a chunk size of zero.
    InvalidChunkSize,
    /// A trailer framing without a checksum to put in the trailer.
    TrailerNeedsChecksum,
    /// SigV4a with an aws-chunked body whose chunks are signed (not supported).
    ChunkedSigV4aUnsupported,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidExpires(s) => write!(
                f,
                "a presigned URL lives from 1 to 604800 seconds (7 days); {s} s was asked for"
            ),
            Error::MissingHost => {
                f.write_str("the request has no Host header and its URI has no authority to sign")
            }
            Error::InvalidHeaderValue(name) => write!(
                f,
                "the value for the {name} header is not a valid header value"
            ),
            Error::InvalidUri(why) => write!(f, "the presigned URI could not be built: {why}"),
            Error::InvalidChunkSize => f.write_str("an aws-chunked upload needs a chunk size of at least one byte"),
            Error::ChunkedSigV4aUnsupported => f.write_str(
                "SigV4a signing of aws-chunked chunks is not supported; use STREAMING-UNSIGNED-PAYLOAD-TRAILER or a payload hash",
            ),
            Error::TrailerNeedsChecksum => {
                f.write_str("a trailer framing needs a checksum algorithm (other than Content-MD5) for its trailer")
            }
        }
    }
}

impl std::error::Error for Error {}
