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
    /// A SigV4a aws-chunked upload with chunks smaller than 8192 bytes (S3's minimum, which
    /// the verifier enforces for SigV4a).
    EcdsaChunkTooSmall(usize),
    /// A trailer framing without a checksum to put in the trailer.
    TrailerNeedsChecksum,
    /// A signed aws-chunked marker of the other algorithm (an HMAC framing with SigV4a, or
    /// an ECDSA one with SigV4).
    ChunkedAlgorithmMismatch {
        /// The framing's `x-amz-content-sha256` marker.
        marker: &'static str,
        /// The algorithm the signer signs with.
        algorithm: &'static str,
    },
    /// The SigV4a key could not be derived from the secret (no real secret fails).
    KeyDerivation,
    /// A file to sign and send could not be read.
    File {
        /// The file's path, as given.
        path: String,
        /// What kind of failure.
        kind: std::io::ErrorKind,
        /// The system's message.
        message: String,
    },
}

impl Error {
    /// The failure to read the file at `path`.
    #[cfg_attr(not(feature = "fs"), allow(dead_code))]
    pub(crate) fn file(path: &std::path::Path, error: &std::io::Error) -> Self {
        Error::File {
            path: path.display().to_string(),
            kind: error.kind(),
            message: error.to_string(),
        }
    }
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
            Error::EcdsaChunkTooSmall(size) => write!(
                f,
                "SigV4a-signed chunks must be at least 8192 bytes (all but the last); {size} was asked for"
            ),
            Error::ChunkedAlgorithmMismatch { marker, algorithm } => write!(
                f,
                "{marker} chunks cannot be signed by a {algorithm} signer: pick the framing of the signer's algorithm"
            ),
            Error::KeyDerivation => f.write_str(
                "the SigV4a key could not be derived from this secret",
            ),
            Error::File { path, message, .. } => {
                write!(f, "the file {path} cannot be read: {message}")
            }
            Error::TrailerNeedsChecksum => {
                f.write_str("a trailer framing needs a checksum algorithm (other than Content-MD5) for its trailer")
            }
        }
    }
}

impl std::error::Error for Error {}
