//! Signatures of aws-chunked bodies: each chunk's signature chains from the one before,
//! starting at the request's (seed) signature, and a trailer may close the chain.
//!
//! ```
//! use countersign_core::{AmzDate, ChunkSigner, Signature, SigningKey};
//! let key = SigningKey::from_bytes([1; 32]);
//! let time = AmzDate::parse("20130524T000000Z").unwrap();
//! let seed = Signature::from_bytes([2; 32]);
//! let mut client = ChunkSigner::new(key.clone(), time, "20130524/us-east-1/s3/aws4_request", seed);
//! let mut server = ChunkSigner::new(key, time, "20130524/us-east-1/s3/aws4_request", seed);
//! let sig = client.sign_chunk(b"hello");
//! assert!(server.verify_chunk(b"hello", &sig));
//! assert!(!server.verify_chunk(b"hello", &sig)); // the chain moved on
//! ```

use sha2::{Digest, Sha256};

use crate::key::SigningKey;
use crate::signature::{Signature, StringToSign};
use crate::timestamp::AmzDate;
use crate::{CHUNK_ALGORITHM, TRAILER_ALGORITHM};

/// The SHA-256 of the empty string, raw.
const EMPTY_HASH: [u8; 32] = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Signs or verifies the chunks of one aws-chunked body, in order.
#[derive(Debug, Clone)]
pub struct ChunkSigner {
    key: SigningKey,
    time: AmzDate,
    scope: String,
    previous: Signature,
}

impl ChunkSigner {
    /// Starts a chain at the request's seed signature.
    pub fn new(key: SigningKey, time: AmzDate, scope: impl Into<String>, seed: Signature) -> Self {
        ChunkSigner {
            key,
            time,
            scope: scope.into(),
            previous: seed,
        }
    }

    /// The last signature of the chain (the seed before any chunk).
    pub fn previous(&self) -> &Signature {
        &self.previous
    }

    /// The string to sign of the next chunk, whose data hashes to `data_hash`.
    fn chunk_sts(&self, data_hash: [u8; 32]) -> StringToSign<'_> {
        StringToSign::chained(
            CHUNK_ALGORITHM,
            self.time,
            &self.scope,
            &self.previous,
            Some(EMPTY_HASH),
            data_hash,
        )
    }

    /// The string to sign of a chunk whose data hashes to `data_hash`.
    pub fn chunk_string_to_sign(&self, data_hash: [u8; 32]) -> String {
        self.chunk_sts(data_hash).to_string()
    }

    /// The signature the next chunk must carry, given its data's SHA-256; the chain does not move.
    pub fn expected_chunk(&self, data_hash: [u8; 32]) -> Signature {
        self.chunk_sts(data_hash).sign(&self.key)
    }

    /// Signs the next chunk and moves the chain on.
    pub fn sign_chunk(&mut self, data: &[u8]) -> Signature {
        self.sign_chunk_hash(Sha256::digest(data).into())
    }

    /// Signs the next chunk, given its data's SHA-256, and moves the chain on.
    pub fn sign_chunk_hash(&mut self, data_hash: [u8; 32]) -> Signature {
        self.previous = self.expected_chunk(data_hash);
        self.previous
    }

    /// Checks the next chunk's signature in constant time; the chain moves on only if it matches.
    pub fn verify_chunk(&mut self, data: &[u8], provided: &Signature) -> bool {
        self.verify_chunk_hash(Sha256::digest(data).into(), provided)
    }

    /// As [`ChunkSigner::verify_chunk`], given the data's SHA-256.
    pub fn verify_chunk_hash(&mut self, data_hash: [u8; 32], provided: &Signature) -> bool {
        let expected = self.expected_chunk(data_hash);
        let ok = expected.ct_eq(provided);
        if ok {
            self.previous = expected;
        }
        ok
    }

    /// The string to sign of the trailer whose canonical form is `canonical_trailer`.
    pub fn trailer_string_to_sign(&self, canonical_trailer: &[u8]) -> String {
        StringToSign::chained(
            TRAILER_ALGORITHM,
            self.time,
            &self.scope,
            &self.previous,
            None,
            Sha256::digest(canonical_trailer).into(),
        )
        .to_string()
    }

    /// Signs the trailer (see [`canonical_trailer`]); it closes the chain.
    pub fn sign_trailer(&mut self, canonical_trailer: &[u8]) -> Signature {
        let hash: [u8; 32] = Sha256::digest(canonical_trailer).into();
        self.previous = StringToSign::chained(
            TRAILER_ALGORITHM,
            self.time,
            &self.scope,
            &self.previous,
            None,
            hash,
        )
        .sign(&self.key);
        self.previous
    }

    /// Checks the trailer's signature in constant time.
    pub fn verify_trailer(&mut self, canonical_trailer: &[u8], provided: &Signature) -> bool {
        let before = self.previous;
        let ok = self.sign_trailer(canonical_trailer).ct_eq(provided);
        if !ok {
            self.previous = before;
        }
        ok
    }
}

/// The canonical form of trailing headers: `name:value\n` for each, names lower-case,
/// values trimmed, in the order given.
pub fn canonical_trailer<'t>(trailers: impl IntoIterator<Item = (&'t str, &'t str)>) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in trailers {
        out.extend_from_slice(name.trim().to_ascii_lowercase().as_bytes());
        out.push(b':');
        out.extend_from_slice(value.trim().as_bytes());
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hash_constant_is_sha256_of_nothing() {
        let computed: [u8; 32] = Sha256::digest(b"").into();
        assert_eq!(computed, EMPTY_HASH);
        assert_eq!(hex::encode(EMPTY_HASH), crate::EMPTY_SHA256);
    }

    #[test]
    fn a_failed_check_does_not_move_the_chain() {
        let time = AmzDate::parse("20130524T000000Z").unwrap_or_else(|| unreachable!());
        let seed = Signature::from_bytes([9; 32]);
        let mut signer = ChunkSigner::new(SigningKey::from_bytes([1; 32]), time, "s", seed);
        let good = signer.clone().sign_chunk(b"x");
        assert!(!signer.verify_chunk(b"y", &good));
        assert!(signer.previous().ct_eq(&seed));
        assert!(signer.verify_chunk(b"x", &good));
        let trailer = canonical_trailer([("X-Amz-Checksum-Crc32c", " sOO8/Q== ")]);
        assert_eq!(trailer, b"x-amz-checksum-crc32c:sOO8/Q==\n");
        let t = signer.clone().sign_trailer(&trailer);
        assert!(!signer.verify_trailer(b"other\n", &t));
        assert!(signer.verify_trailer(&trailer, &t));
    }
}
