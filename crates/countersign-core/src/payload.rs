//! What `x-amz-content-sha256` declares about the body.
//!
//! ```
//! use countersign_core::payload::DeclaredPayload;
//! assert_eq!(DeclaredPayload::parse("UNSIGNED-PAYLOAD").unwrap(), DeclaredPayload::Unsigned);
//! assert!(DeclaredPayload::parse("not-a-hash").is_err());
//! ```

use crate::error::Error;
use crate::{
    STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER, STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    UNSIGNED_PAYLOAD,
};

/// The body a client declared it signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclaredPayload {
    /// The SHA-256 of the whole body.
    Sha256([u8; 32]),
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature.
    Unsigned,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: aws-chunked, each chunk signed.
    StreamingSigned,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks and a signed trailer.
    StreamingSignedTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: unsigned chunks and a checksum trailer.
    StreamingUnsignedTrailer,
}

impl DeclaredPayload {
    /// Reads a declared payload hash: 64 lower-case hex digits or one of the markers.
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value {
            UNSIGNED_PAYLOAD => Ok(DeclaredPayload::Unsigned),
            STREAMING_PAYLOAD => Ok(DeclaredPayload::StreamingSigned),
            STREAMING_PAYLOAD_TRAILER => Ok(DeclaredPayload::StreamingSignedTrailer),
            STREAMING_UNSIGNED_PAYLOAD_TRAILER => Ok(DeclaredPayload::StreamingUnsignedTrailer),
            hash if hash.len() == 64
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
            {
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(hash, &mut bytes)
                    .map_err(|_| Error::InvalidContentSha256(value.to_string()))?;
                Ok(DeclaredPayload::Sha256(bytes))
            }
            _ => Err(Error::InvalidContentSha256(
                value.chars().take(80).collect(),
            )),
        }
    }

    /// Whether the body is aws-chunked.
    pub fn is_streaming(&self) -> bool {
        matches!(
            self,
            DeclaredPayload::StreamingSigned
                | DeclaredPayload::StreamingSignedTrailer
                | DeclaredPayload::StreamingUnsignedTrailer
        )
    }
}
