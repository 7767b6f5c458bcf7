//! What `x-amz-content-sha256` declares about the body.
//!
//! ```
//! use countersign_core::payload::DeclaredPayload;
//! assert_eq!(DeclaredPayload::parse("UNSIGNED-PAYLOAD").unwrap(), DeclaredPayload::Unsigned);
//! assert!(DeclaredPayload::parse("not-a-hash").is_err());
//! ```

use crate::aws_chunked::Framing;
use crate::error::Error;
use crate::UNSIGNED_PAYLOAD;

/// The body a client declared it signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclaredPayload {
    /// The SHA-256 of the whole body.
    Sha256([u8; 32]),
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature.
    Unsigned,
    /// `STREAMING-…`: an aws-chunked body in this framing.
    Streaming(Framing),
}

impl DeclaredPayload {
    /// Reads a declared payload hash: 64 lower-case hex digits or one of the markers.
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value {
            UNSIGNED_PAYLOAD => Ok(DeclaredPayload::Unsigned),
            marker if marker.starts_with("STREAMING-") => Framing::from_marker(marker)
                .map(DeclaredPayload::Streaming)
                .ok_or_else(|| Error::InvalidContentSha256(marker.chars().take(80).collect())),
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
        matches!(self, DeclaredPayload::Streaming(_))
    }
}
