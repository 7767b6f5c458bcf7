//! What `x-amz-content-sha256` declares about the body.
//!
//! ```
//! use countersign_core::DeclaredPayload;
//! assert_eq!(DeclaredPayload::parse("UNSIGNED-PAYLOAD").unwrap(), DeclaredPayload::Unsigned);
//! assert!(DeclaredPayload::parse("not-a-hash").is_err());
//! ```

use crate::aws_chunked::decoder::Framing;
use crate::constants::UNSIGNED_PAYLOAD;
use crate::error::Error;
use crate::hex_codec::{decode_hex32, HexCase};

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
            hash => match decode_hex32(hash, HexCase::Lower) {
                Some(bytes) => Ok(DeclaredPayload::Sha256(bytes)),
                None => Err(Error::InvalidContentSha256(
                    value.chars().take(80).collect(),
                )),
            },
        }
    }

    /// Whether the body is aws-chunked.
    pub fn is_streaming(&self) -> bool {
        matches!(self, DeclaredPayload::Streaming(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_hash_is_64_lower_case_hex_digits() {
        // The digits themselves are the signature's decoder's (its tests cover every byte);
        // here, what a declared value becomes.
        let hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            DeclaredPayload::parse(hash).ok(),
            Some(DeclaredPayload::Sha256(
                crate::constants::EMPTY_SHA256_DIGEST
            ))
        );
        for bad in [
            hash.to_ascii_uppercase(),
            hash[..63].to_string(),
            String::new(),
        ] {
            assert!(
                matches!(
                    DeclaredPayload::parse(&bad),
                    Err(Error::InvalidContentSha256(_))
                ),
                "{bad:?}"
            );
        }
    }
}
