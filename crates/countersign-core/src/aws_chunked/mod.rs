//! aws-chunked bodies: each chunk carries its size and, in the signed framings, a signature
//! chained from the one before, starting at the request's.
//!
//! The chain ([`ChunkSigner`] for SigV4, `EcdsaChunkSigner` for SigV4a with the `sigv4a`
//! feature, [`ChunkChain`] for either, started from a [`ChainSeed`]) signs and verifies the
//! chunks and the trailer in order; the [`Decoder`] reads a body as it arrives and releases
//! each signed chunk once the chain verified it.
//!
//! ```
//! use countersign_core::aws_chunked::{Decoder, Event, Framing, Limits};
//! let mut decoder = Decoder::new(Framing::UnsignedTrailer, Limits::default(), None)
//!     .declared_trailers(["x-amz-checksum-crc32"])
//!     .decoded_length(Some(5));
//! decoder.push(b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n");
//! let mut data = Vec::new();
//! while let Some(event) = decoder.next_event()? {
//!     match event {
//!         Event::Data(bytes) => data.extend_from_slice(&bytes),
//!         Event::End(trailers) => assert_eq!(trailers[0].0, "x-amz-checksum-crc32"),
//!     }
//! }
//! assert_eq!(data, b"hello");
//! # Ok::<(), countersign_core::aws_chunked::DecodeError>(())
//! ```

pub(crate) mod chain;
pub(crate) mod decoder;

#[cfg(feature = "sigv4a")]
pub use chain::EcdsaChunkSigner;
pub use chain::{canonical_trailer, ChainSeed, ChunkChain, ChunkSigner, ECDSA_WIRE_SIGNATURE_LEN};
pub use decoder::{
    DecodeError, DecodeErrorKind, Decoder, Event, Framing, Limits, ECDSA_MIN_CHUNK_SIZE,
};
