//! SHA-256 of whole values: the raw digest, and its hex as a payload hash is written.

use sha2::{Digest, Sha256};

use crate::hex_codec::hex_digits;

/// The SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// The hex SHA-256 of `data`, as used for payload hashes (encoded on the stack and copied
/// once: `hex::encode` builds its string a character at a time, which a server paid for on
/// every request whose body it hashed).
pub fn sha256_hex(data: &[u8]) -> String {
    // Hex digits are ASCII.
    String::from_utf8_lossy(&hex_digits(&sha256(data))).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::EMPTY_SHA256;

    #[test]
    fn sha256_hex_is_the_lower_case_hex_of_the_digest() {
        assert_eq!(sha256_hex(b""), EMPTY_SHA256);
        let data = b"The quick brown fox jumps over the lazy dog";
        assert_eq!(
            sha256_hex(data),
            "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
        );
    }
}
