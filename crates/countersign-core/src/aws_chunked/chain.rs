//! Signatures of aws-chunked bodies: each chunk's signature chains from the one before,
//! starting at the request's (seed) signature, and a trailer may close the chain.
//!
//! [`ChunkSigner`] is the SigV4 chain (HMAC). With the `sigv4a` feature, [`EcdsaChunkSigner`]
//! is the SigV4a one: the same strings to sign under `AWS4-ECDSA-P256-SHA256-PAYLOAD` and
//! `-TRAILER`, the previous signature written as the hex of its DER bytes, each link an
//! ECDSA signature that is verified, never compared. [`ChunkChain`] is either, for code that
//! handles both, and [`ChainSeed`] what the client and the server each start one from: the
//! key that signed or verified the request, and the request's signature.
//!
//! ```
//! use countersign_core::aws_chunked::ChunkSigner;
//! use countersign_core::{AmzDate, Signature, SigningKey};
//! let key = SigningKey::from_bytes([1; 32]);
//! let time = AmzDate::parse("20130524T000000Z").unwrap();
//! let seed = Signature::from_bytes([2; 32]);
//! let mut client = ChunkSigner::new(key.clone(), time, "20130524/us-east-1/s3/aws4_request", seed);
//! let mut server = ChunkSigner::new(key, time, "20130524/us-east-1/s3/aws4_request", seed);
//! let sig = client.sign_chunk(b"hello");
//! assert!(server.verify_chunk(b"hello", &sig));
//! assert!(!server.verify_chunk(b"hello", &sig)); // the chain moved on
//! ```

#[cfg(feature = "sigv4a")]
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::constants::{CHUNK_ALGORITHM, EMPTY_SHA256_DIGEST as EMPTY_HASH, TRAILER_ALGORITHM};
use crate::key::SigningKey;
use crate::signature::{AnySignature, Signature};
#[cfg(feature = "sigv4a")]
use crate::sigv4a::crypto::EcdsaKey;
#[cfg(feature = "sigv4a")]
use crate::sigv4a::wire::EcdsaSignature;
use crate::sigv4a::wire::MAX_DER_SIGNATURE_LEN;
use crate::string_to_sign::StringToSign;
use crate::timestamp::AmzDate;

/// The length of a SigV4a chunk or trailer signature on the wire: the hex of the longest DER
/// signature; shorter ones are padded with `*` so that the encoded length is known before
/// signing.
pub const ECDSA_WIRE_SIGNATURE_LEN: usize = 2 * MAX_DER_SIGNATURE_LEN;

/// Where a chain stands, for either algorithm: the request's time and scope, which every
/// link signs, and the last signature (the seed before any chunk), which the next link signs.
#[derive(Debug, Clone)]
struct ChainState {
    time: AmzDate,
    scope: String,
    previous: AnySignature,
}

impl ChainState {
    fn new(time: AmzDate, scope: impl Into<String>, seed: AnySignature) -> Self {
        ChainState {
            time,
            scope: scope.into(),
            previous: seed,
        }
    }

    /// The string to sign of the next link: a chunk's (`middle` is the empty string's hash,
    /// `last` the data's) or the trailer's (no `middle`, `last` the canonical trailer's hash).
    fn string_to_sign(
        &self,
        algorithm: &'static str,
        middle: Option<[u8; 32]>,
        last: [u8; 32],
    ) -> StringToSign<'_> {
        StringToSign::chained(
            algorithm,
            self.time,
            &self.scope,
            &self.previous,
            middle,
            last,
        )
    }
}

/// Signs or verifies the chunks of one aws-chunked body, in order.
#[derive(Debug, Clone)]
pub struct ChunkSigner {
    key: SigningKey,
    state: ChainState,
}

impl ChunkSigner {
    /// Starts a chain at the request's seed signature.
    pub fn new(key: SigningKey, time: AmzDate, scope: impl Into<String>, seed: Signature) -> Self {
        ChunkSigner {
            key,
            state: ChainState::new(time, scope, AnySignature::Hmac(seed)),
        }
    }

    /// The last signature of the chain (the seed before any chunk).
    pub fn previous(&self) -> &AnySignature {
        &self.state.previous
    }

    /// The string to sign of the next chunk, whose data hashes to `data_hash`.
    fn chunk_sts(&self, data_hash: [u8; 32]) -> StringToSign<'_> {
        self.state
            .string_to_sign(CHUNK_ALGORITHM, Some(EMPTY_HASH), data_hash)
    }

    /// The string to sign of the trailer whose canonical form is `canonical_trailer`.
    fn trailer_sts(&self, canonical_trailer: &[u8]) -> StringToSign<'_> {
        let hash = Sha256::digest(canonical_trailer).into();
        self.state.string_to_sign(TRAILER_ALGORITHM, None, hash)
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
        let signature = self.expected_chunk(data_hash);
        self.state.previous = AnySignature::Hmac(signature);
        signature
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
            self.state.previous = AnySignature::Hmac(expected);
        }
        ok
    }

    /// The string to sign of the trailer whose canonical form is `canonical_trailer`.
    pub fn trailer_string_to_sign(&self, canonical_trailer: &[u8]) -> String {
        self.trailer_sts(canonical_trailer).to_string()
    }

    /// Signs the trailer (see [`canonical_trailer`]); it closes the chain.
    pub fn sign_trailer(&mut self, canonical_trailer: &[u8]) -> Signature {
        let signature = self.trailer_sts(canonical_trailer).sign(&self.key);
        self.state.previous = AnySignature::Hmac(signature);
        signature
    }

    /// Checks the trailer's signature in constant time; the chain moves on only if it matches.
    pub fn verify_trailer(&mut self, canonical_trailer: &[u8], provided: &Signature) -> bool {
        let expected = self.trailer_sts(canonical_trailer).sign(&self.key);
        let ok = expected.ct_eq(provided);
        if ok {
            self.state.previous = AnySignature::Hmac(expected);
        }
        ok
    }
}

/// A chain of either algorithm, moving in step with the body.
#[derive(Debug, Clone)]
pub enum ChunkChain {
    /// SigV4.
    Hmac(ChunkSigner),
    /// SigV4a.
    #[cfg(feature = "sigv4a")]
    Ecdsa(EcdsaChunkSigner),
}

impl ChunkChain {
    /// Reads a signature as this chain's algorithm sends it; `None` when it is not one.
    pub fn parse_signature(&self, text: &str) -> Option<AnySignature> {
        match self {
            ChunkChain::Hmac(_) => Signature::from_hex(text).map(AnySignature::Hmac),
            #[cfg(feature = "sigv4a")]
            ChunkChain::Ecdsa(_) => parse_padded_ecdsa(text).map(AnySignature::Ecdsa),
        }
    }

    /// How a signature of this algorithm is described in an error message.
    pub fn signature_format(&self) -> &'static str {
        match self {
            ChunkChain::Hmac(_) => "64 hexadecimal characters",
            #[cfg(feature = "sigv4a")]
            ChunkChain::Ecdsa(_) => {
                "the hexadecimal DER encoding of an ECDSA signature, padded with '*' to 144 characters"
            }
        }
    }

    /// The last signature of the chain (the seed before any chunk).
    pub fn previous(&self) -> &AnySignature {
        match self {
            ChunkChain::Hmac(chain) => chain.previous(),
            #[cfg(feature = "sigv4a")]
            ChunkChain::Ecdsa(chain) => chain.previous(),
        }
    }

    /// Checks the next chunk's signature, given its data's SHA-256; the chain moves on only
    /// if it is right. A signature of the other algorithm is wrong.
    pub fn verify_chunk_hash(&mut self, data_hash: [u8; 32], provided: &AnySignature) -> bool {
        match (self, provided) {
            (ChunkChain::Hmac(chain), AnySignature::Hmac(sig)) => {
                chain.verify_chunk_hash(data_hash, sig)
            }
            #[cfg(feature = "sigv4a")]
            (ChunkChain::Ecdsa(chain), AnySignature::Ecdsa(sig)) => {
                chain.verify_chunk_hash(data_hash, sig)
            }
            _ => false,
        }
    }

    /// Checks the trailer's signature; the chain moves on only if it is right.
    pub fn verify_trailer(&mut self, canonical_trailer: &[u8], provided: &AnySignature) -> bool {
        match (self, provided) {
            (ChunkChain::Hmac(chain), AnySignature::Hmac(sig)) => {
                chain.verify_trailer(canonical_trailer, sig)
            }
            #[cfg(feature = "sigv4a")]
            (ChunkChain::Ecdsa(chain), AnySignature::Ecdsa(sig)) => {
                chain.verify_trailer(canonical_trailer, sig)
            }
            _ => false,
        }
    }

    /// Signs the next chunk and gives the signature as it is written on the wire (64
    /// characters, or [`ECDSA_WIRE_SIGNATURE_LEN`] for SigV4a).
    pub fn sign_chunk(&mut self, data: &[u8]) -> String {
        match self {
            ChunkChain::Hmac(chain) => chain.sign_chunk(data).to_string(),
            #[cfg(feature = "sigv4a")]
            ChunkChain::Ecdsa(chain) => pad_ecdsa(&chain.sign_chunk(data)),
        }
    }

    /// Signs the trailer and gives the signature as it is written on the wire.
    pub fn sign_trailer(&mut self, canonical_trailer: &[u8]) -> String {
        match self {
            ChunkChain::Hmac(chain) => chain.sign_trailer(canonical_trailer).to_string(),
            #[cfg(feature = "sigv4a")]
            ChunkChain::Ecdsa(chain) => pad_ecdsa(&chain.sign_trailer(canonical_trailer)),
        }
    }
}

/// What the chain of an aws-chunked body starts from: the key that signed the request (on
/// the client) or verified it (on the server), and the request's signature, the chain's seed.
/// Both sides start the same [`ChunkChain`] from it.
///
/// ```
/// use countersign_core::aws_chunked::ChainSeed;
/// use countersign_core::{AmzDate, Signature, SigningKey};
/// let time = AmzDate::parse("20130524T000000Z").unwrap();
/// let scope = "20130524/us-east-1/s3/aws4_request";
/// let seed = ChainSeed::Hmac { key: SigningKey::from_bytes([1; 32]), seed: Signature::from_bytes([2; 32]) };
/// let (mut client, mut server) = (seed.start(time, scope), seed.start(time, scope));
/// let signature = client.sign_chunk(b"hello");
/// let signature = server.parse_signature(&signature).unwrap();
/// assert!(server.verify_chunk_hash(countersign_core::sha256(b"hello"), &signature));
/// ```
#[derive(Debug, Clone)]
pub enum ChainSeed {
    /// SigV4.
    Hmac {
        /// The signing key of the request's day, region and service.
        key: SigningKey,
        /// The request's signature.
        seed: Signature,
    },
    /// SigV4a.
    #[cfg(feature = "sigv4a")]
    Ecdsa {
        /// The key pair derived from the secret and the access key id.
        key: Arc<EcdsaKey>,
        /// The request's signature.
        seed: EcdsaSignature,
    },
}

impl ChainSeed {
    /// Starts the chain of a body signed at `time` for `scope` (the request's credential
    /// scope, without the access key id). The seed is left whole: its key is copied into the
    /// chain, so that a seed kept in a box is wiped where it is when it is dropped.
    pub fn start(&self, time: AmzDate, scope: impl Into<String>) -> ChunkChain {
        match self {
            ChainSeed::Hmac { key, seed } => {
                ChunkChain::Hmac(ChunkSigner::new(key.clone(), time, scope, *seed))
            }
            #[cfg(feature = "sigv4a")]
            ChainSeed::Ecdsa { key, seed } => ChunkChain::Ecdsa(EcdsaChunkSigner::new(
                Arc::clone(key),
                time,
                scope,
                seed.clone(),
            )),
        }
    }

    /// The request's signature.
    pub fn signature(&self) -> AnySignature {
        match self {
            ChainSeed::Hmac { seed, .. } => AnySignature::Hmac(*seed),
            #[cfg(feature = "sigv4a")]
            ChainSeed::Ecdsa { seed, .. } => AnySignature::Ecdsa(seed.clone()),
        }
    }
}

/// Reads a SigV4a chunk signature: hex DER, with any `*` padding after it.
#[cfg(feature = "sigv4a")]
fn parse_padded_ecdsa(text: &str) -> Option<EcdsaSignature> {
    if text.len() > ECDSA_WIRE_SIGNATURE_LEN {
        return None;
    }
    EcdsaSignature::from_hex(text.trim_end_matches('*'))
}

/// Pads a SigV4a signature's hex with `*` to [`ECDSA_WIRE_SIGNATURE_LEN`] characters.
#[cfg(feature = "sigv4a")]
fn pad_ecdsa(signature: &EcdsaSignature) -> String {
    format!("{:*<ECDSA_WIRE_SIGNATURE_LEN$}", signature.to_string())
}

#[cfg(feature = "sigv4a")]
pub use self::ecdsa::EcdsaChunkSigner;

#[cfg(feature = "sigv4a")]
mod ecdsa {
    use std::sync::Arc;

    use sha2::{Digest, Sha256};

    use crate::aws_chunked::chain::ChainState;
    use crate::constants::{
        ECDSA_CHUNK_ALGORITHM, ECDSA_TRAILER_ALGORITHM, EMPTY_SHA256_DIGEST as EMPTY_HASH,
    };
    use crate::signature::AnySignature;
    use crate::sigv4a::crypto::{verify, EcdsaKey};
    use crate::sigv4a::wire::EcdsaSignature;
    use crate::string_to_sign::StringToSign;
    use crate::timestamp::AmzDate;

    /// Signs or verifies the chunks of one SigV4a aws-chunked body, in order.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use countersign_core::aws_chunked::EcdsaChunkSigner;
    /// use countersign_core::sigv4a::EcdsaKey;
    /// use countersign_core::{AmzDate, SecretKey};
    /// use countersign_core::sigv4a::EcdsaSignature;
    /// let key = Arc::new(EcdsaKey::derive(&SecretKey::new("secret"), "AKID").unwrap());
    /// let time = AmzDate::parse("20130524T000000Z").unwrap();
    /// let seed = EcdsaSignature::from_hex("3006020101020101").unwrap();
    /// let mut client = EcdsaChunkSigner::new(key.clone(), time, "20130524/s3/aws4_request", seed.clone());
    /// let mut server = EcdsaChunkSigner::new(key, time, "20130524/s3/aws4_request", seed);
    /// let sig = client.sign_chunk(b"hello");
    /// assert!(server.verify_chunk_hash(countersign_core::sha256(b"hello"), &sig));
    /// assert!(!server.verify_chunk_hash(countersign_core::sha256(b"hello"), &sig)); // the chain moved on
    /// ```
    #[derive(Debug, Clone)]
    pub struct EcdsaChunkSigner {
        key: Arc<EcdsaKey>,
        state: ChainState,
    }

    impl EcdsaChunkSigner {
        /// Starts a chain at the request's seed signature.
        pub fn new(
            key: Arc<EcdsaKey>,
            time: AmzDate,
            scope: impl Into<String>,
            seed: EcdsaSignature,
        ) -> Self {
            EcdsaChunkSigner {
                key,
                state: ChainState::new(time, scope, AnySignature::Ecdsa(seed)),
            }
        }

        /// The last signature of the chain (the seed before any chunk).
        pub fn previous(&self) -> &AnySignature {
            &self.state.previous
        }

        fn chunk_sts(&self, data_hash: [u8; 32]) -> StringToSign<'_> {
            self.state
                .string_to_sign(ECDSA_CHUNK_ALGORITHM, Some(EMPTY_HASH), data_hash)
        }

        fn trailer_sts(&self, canonical_trailer: &[u8]) -> StringToSign<'_> {
            let hash = Sha256::digest(canonical_trailer).into();
            self.state
                .string_to_sign(ECDSA_TRAILER_ALGORITHM, None, hash)
        }

        /// The string to sign of a chunk whose data hashes to `data_hash`.
        pub fn chunk_string_to_sign(&self, data_hash: [u8; 32]) -> String {
            self.chunk_sts(data_hash).to_string()
        }

        /// The string to sign of the trailer whose canonical form is `canonical_trailer`.
        pub fn trailer_string_to_sign(&self, canonical_trailer: &[u8]) -> String {
            self.trailer_sts(canonical_trailer).to_string()
        }

        /// Signs the next chunk and moves the chain on.
        pub fn sign_chunk(&mut self, data: &[u8]) -> EcdsaSignature {
            let signature = self.key.sign(&self.chunk_sts(Sha256::digest(data).into()));
            self.state.previous = AnySignature::Ecdsa(signature.clone());
            signature
        }

        /// Verifies the next chunk's signature, given its data's SHA-256; the chain moves on
        /// only if it is valid.
        pub fn verify_chunk_hash(
            &mut self,
            data_hash: [u8; 32],
            provided: &EcdsaSignature,
        ) -> bool {
            let ok = verify(
                self.key.verifying_key(),
                &self.chunk_sts(data_hash),
                provided,
            );
            if ok {
                self.state.previous = AnySignature::Ecdsa(provided.clone());
            }
            ok
        }

        /// Signs the trailer (see [`canonical_trailer`](super::canonical_trailer)); it closes
        /// the chain.
        pub fn sign_trailer(&mut self, canonical_trailer: &[u8]) -> EcdsaSignature {
            let signature = self.key.sign(&self.trailer_sts(canonical_trailer));
            self.state.previous = AnySignature::Ecdsa(signature.clone());
            signature
        }

        /// Verifies the trailer's signature.
        pub fn verify_trailer(
            &mut self,
            canonical_trailer: &[u8],
            provided: &EcdsaSignature,
        ) -> bool {
            let ok = verify(
                self.key.verifying_key(),
                &self.trailer_sts(canonical_trailer),
                provided,
            );
            if ok {
                self.state.previous = AnySignature::Ecdsa(provided.clone());
            }
            ok
        }
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
    fn a_failed_check_does_not_move_the_chain() {
        let time = AmzDate::parse("20130524T000000Z").unwrap_or_else(|| unreachable!());
        let seed = Signature::from_bytes([9; 32]);
        let mut signer = ChunkSigner::new(SigningKey::from_bytes([1; 32]), time, "s", seed);
        let good = signer.clone().sign_chunk(b"x");
        assert!(!signer.verify_chunk(b"y", &good));
        assert!(signer.previous().as_hmac().is_some_and(|p| p.ct_eq(&seed)));
        assert!(signer.verify_chunk(b"x", &good));
        let trailer = canonical_trailer([("X-Amz-Checksum-Crc32c", " sOO8/Q== ")]);
        assert_eq!(trailer, b"x-amz-checksum-crc32c:sOO8/Q==\n");
        let t = signer.clone().sign_trailer(&trailer);
        assert!(!signer.verify_trailer(b"other\n", &t));
        assert!(signer.verify_trailer(&trailer, &t));
    }

    /// The S3 documentation's chunked upload (shared/vectors/s3-doc-examples,
    /// put-object-chunked.json): its signing key, time, scope and seed signature.
    fn s3_doc_seed() -> (ChainSeed, AmzDate, &'static str) {
        let hex32 = |text: &str| {
            let mut bytes = [0u8; 32];
            assert!(hex::decode_to_slice(text, &mut bytes).is_ok(), "{text}");
            bytes
        };
        let key = crate::key::SigningKey::derive(
            &crate::key::SecretKey::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            &crate::scope::CredentialScope {
                date: "20130524",
                region: "us-east-1",
                service: "s3",
            },
        );
        let seed = Signature::from_bytes(hex32(
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        ));
        let time = AmzDate::parse("20130524T000000Z").unwrap_or_else(|| unreachable!());
        let scope = "20130524/us-east-1/s3/aws4_request";
        (ChainSeed::Hmac { key, seed }, time, scope)
    }

    #[test]
    fn a_chain_starts_at_its_seeds_signature() {
        let (seed, time, scope) = s3_doc_seed();
        let chain = seed.start(time, scope);
        assert!(matches!(chain, ChunkChain::Hmac(_)));
        assert_eq!(
            chain.previous().to_string(),
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
        );
    }

    #[test]
    fn a_chain_from_a_seed_signs_the_published_chunks() {
        let (seed, time, scope) = s3_doc_seed();
        let mut chain = seed.start(time, scope);
        assert_eq!(
            chain.sign_chunk(&[b'a'; 65536]),
            "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
        );
        assert_eq!(
            chain.sign_chunk(&[b'a'; 1024]),
            "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
        );
        assert_eq!(
            chain.sign_chunk(b""),
            "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
        );
    }

    #[test]
    fn a_chain_from_a_seed_verifies_the_published_chunk() {
        let (seed, time, scope) = s3_doc_seed();
        let mut chain = seed.start(time, scope);
        let published = chain
            .parse_signature("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
        let hash = crate::hash::sha256(&[b'a'; 65536]);
        assert!(published.is_some_and(|sig| chain.verify_chunk_hash(hash, &sig)));
    }

    #[test]
    fn a_seed_gives_the_requests_signature() {
        let (seed, _, _) = s3_doc_seed();
        assert_eq!(
            seed.signature().to_string(),
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
        );
    }

    #[test]
    fn a_seed_starts_the_same_chain_each_time() {
        let (seed, time, scope) = s3_doc_seed();
        let mut first = seed.start(time, scope);
        let mut second = seed.start(time, scope);
        assert_eq!(first.sign_chunk(b"data"), second.sign_chunk(b"data"));
    }

    #[cfg(feature = "sigv4a")]
    #[test]
    fn an_ecdsa_seed_starts_an_ecdsa_chain_at_its_signature() {
        let key =
            crate::sigv4a::crypto::EcdsaKey::derive(&crate::key::SecretKey::new("secret"), "AKID");
        let Some(key) = key.map(std::sync::Arc::new) else {
            unreachable!("the secret derives a key");
        };
        let seed = EcdsaSignature::from_der([0x30, 6, 2, 1, 1, 2, 1, 1]);
        let time = AmzDate::parse("20130524T000000Z").unwrap_or_else(|| unreachable!());
        let scope = "20130524/s3/aws4_request";
        let mut chain = ChainSeed::Ecdsa {
            key: key.clone(),
            seed: seed.clone(),
        }
        .start(time, scope);
        assert_eq!(chain.previous().to_string(), "3006020101020101");
        // The chain it starts is the one the client and the server each start by hand.
        let mut by_hand = EcdsaChunkSigner::new(key, time, scope, seed);
        let signed = chain.sign_chunk(b"hello");
        let parsed = chain
            .parse_signature(&signed)
            .and_then(|s| s.as_ecdsa().cloned());
        assert!(
            parsed.is_some_and(|s| by_hand.verify_chunk_hash(crate::hash::sha256(b"hello"), &s))
        );
    }
}
