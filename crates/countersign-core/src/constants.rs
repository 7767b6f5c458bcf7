//! The protocol's names and fixed values: the algorithm names, the payload markers and the
//! hash of the empty string. A leaf: it imports nothing from the crate, and the crate root
//! re-exports every one.

/// The algorithm name of SigV4 with HMAC-SHA256, as it appears in the `Authorization`
/// header, in `X-Amz-Algorithm` and on the first line of the string to sign.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The algorithm name of SigV4a (ECDSA with P-256 and SHA-256), as it appears in the
/// `Authorization` header, in `X-Amz-Algorithm` and on the first line of the string to sign.
/// Requests that use it are accepted only with the `sigv4a` feature.
pub const ECDSA_ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256";

/// The algorithm line of a chunk's string to sign in an aws-chunked upload.
pub const CHUNK_ALGORITHM: &str = "AWS4-HMAC-SHA256-PAYLOAD";

/// The algorithm line of the trailer's string to sign in an aws-chunked upload.
pub const TRAILER_ALGORITHM: &str = "AWS4-HMAC-SHA256-TRAILER";

/// The algorithm line of a chunk's string to sign in a SigV4a aws-chunked upload.
pub const ECDSA_CHUNK_ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256-PAYLOAD";

/// The algorithm line of the trailer's string to sign in a SigV4a aws-chunked upload.
pub const ECDSA_TRAILER_ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256-TRAILER";

/// The hex SHA-256 of the empty string: the payload hash of a request without a body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The SHA-256 of the empty string, raw ([`EMPTY_SHA256`] decoded).
pub const EMPTY_SHA256_DIGEST: [u8; 32] = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The payload hash a client declares when it does not sign the body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// aws-chunked body, each chunk signed.
pub const STREAMING_PAYLOAD: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";

/// aws-chunked body, each chunk signed, followed by a signed trailer.
pub const STREAMING_PAYLOAD_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";

/// aws-chunked body, each chunk signed with SigV4a.
pub const STREAMING_ECDSA_PAYLOAD: &str = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD";

/// aws-chunked body, each chunk signed with SigV4a, followed by a signed trailer.
pub const STREAMING_ECDSA_PAYLOAD_TRAILER: &str =
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER";

/// aws-chunked body, chunks not signed, followed by an unsigned checksum trailer.
pub const STREAMING_UNSIGNED_PAYLOAD_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn empty_hash_constants_are_the_sha256_of_nothing() {
        let computed: [u8; 32] = Sha256::digest(b"").into();
        assert_eq!(computed, EMPTY_SHA256_DIGEST);
        assert_eq!(hex::encode(EMPTY_SHA256_DIGEST), EMPTY_SHA256);
    }
}
