//! aws-chunked uploads: every framing, signed chunk by chunk (HMAC for SigV4, ECDSA for
//! SigV4a) with the same chain the server verifies.

use countersign_core::aws_chunked::{
    ChunkChain, Framing, ECDSA_MIN_CHUNK_SIZE, ECDSA_WIRE_SIGNATURE_LEN,
};
use countersign_core::checksum::{Checksum, ChecksumAlgorithm};
use http::header::{HeaderValue, CONTENT_ENCODING, CONTENT_LENGTH};
use time::OffsetDateTime;

use crate::error::Error;
use crate::signer::{Payload, Signer};

/// `;chunk-signature=` before a chunk's signature.
const SIGNATURE_EXTENSION: usize = ";chunk-signature=".len();
/// `x-amz-trailer-signature:` and CRLF around the trailer's signature.
const TRAILER_SIGNATURE_LINE: usize = "x-amz-trailer-signature:".len() + 2;

/// Frames the body of one aws-chunked upload; made by [`Signer::sign_chunked`].
#[derive(Debug)]
pub struct ChunkedEncoder {
    framing: Framing,
    chunk_size: usize,
    signer: Option<ChunkChain>,
    checksum: Option<Checksum>,
}

impl Signer {
    /// Prepares and signs an aws-chunked upload of `decoded_length` bytes in chunks of
    /// `chunk_size` (the last may be shorter), in a framing of the signer's algorithm (the
    /// `Ecdsa…` ones with `Signer::sigv4a` (feature `sigv4a`), the others without): sets `Content-Encoding: aws-chunked`,
    /// `x-amz-decoded-content-length`, `x-amz-content-sha256` (the framing's marker),
    /// `x-amz-trailer` (the checksum trailer, which trailer framings require) and
    /// `Content-Length` (the encoded length), then signs the headers. Frame the body with
    /// the returned encoder, in order.
    pub fn sign_chunked<B>(
        &self,
        request: &mut http::Request<B>,
        framing: Framing,
        decoded_length: u64,
        chunk_size: usize,
        checksum: Option<ChecksumAlgorithm>,
        time: OffsetDateTime,
    ) -> Result<ChunkedEncoder, Error> {
        if chunk_size == 0 {
            return Err(Error::InvalidChunkSize);
        }
        if framing.is_ecdsa() && (chunk_size as u64) < ECDSA_MIN_CHUNK_SIZE {
            return Err(Error::EcdsaChunkTooSmall(chunk_size));
        }
        self.check_streaming_marker(framing.marker())?;
        let checksum = checksum.filter(|a| *a != ChecksumAlgorithm::ContentMd5);
        if framing.has_trailer() && checksum.is_none() {
            return Err(Error::TrailerNeedsChecksum);
        }
        let trailer = checksum.filter(|_| framing.has_trailer());
        let headers = request.headers_mut();
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("aws-chunked"));
        headers.insert(
            "x-amz-decoded-content-length",
            HeaderValue::from(decoded_length),
        );
        headers.insert(
            "x-amz-content-sha256",
            HeaderValue::from_static(framing.marker()),
        );
        headers.insert(
            CONTENT_LENGTH,
            HeaderValue::from(encoded_length(framing, decoded_length, chunk_size, trailer)),
        );
        if let Some(algorithm) = trailer {
            headers.insert(
                "x-amz-trailer",
                HeaderValue::from_static(algorithm.header_name()),
            );
        }
        let signed = self.sign(request, Payload::Precomputed(framing.marker()), time)?;
        Ok(ChunkedEncoder {
            framing,
            chunk_size,
            signer: framing.is_signed().then(|| signed.chunk_chain()),
            checksum: trailer.map(ChecksumAlgorithm::hasher),
        })
    }
}

impl ChunkedEncoder {
    /// The chunk size this upload was signed for.
    pub fn chunk_size(&self) -> usize {
        self.chunk_size
    }

    /// Frames one non-empty chunk.
    pub fn chunk(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 100);
        out.extend_from_slice(format!("{:x}", data.len()).as_bytes());
        if let Some(signer) = &mut self.signer {
            out.extend_from_slice(
                format!(";chunk-signature={}", signer.sign_chunk(data)).as_bytes(),
            );
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        if let Some(c) = &mut self.checksum {
            c.update(data);
        }
        out
    }

    /// The final chunk and, for trailer framings, the trailer.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = b"0".to_vec();
        if let Some(signer) = &mut self.signer {
            out.extend_from_slice(
                format!(";chunk-signature={}", signer.sign_chunk(b"")).as_bytes(),
            );
        }
        out.extend_from_slice(b"\r\n");
        if let Some(checksum) = self.checksum.take() {
            let name = checksum.algorithm().header_name();
            let line = format!("{name}:{}", checksum.finalize_base64());
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
            if let Some(signer) = &mut self.signer {
                let mut canonical = line.into_bytes();
                canonical.push(b'\n');
                out.extend_from_slice(
                    format!(
                        "x-amz-trailer-signature:{}\r\n",
                        signer.sign_trailer(&canonical)
                    )
                    .as_bytes(),
                );
            }
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// Frames a whole body in chunks of the signed size.
    pub fn encode(&mut self, body: &[u8]) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(body.len() + body.len() / self.chunk_size.max(1) * 100 + 200);
        for piece in body.chunks(self.chunk_size) {
            out.extend_from_slice(&self.chunk(piece));
        }
        out.extend_from_slice(&self.finish());
        out
    }

    /// The framing.
    pub fn framing(&self) -> Framing {
        self.framing
    }
}

/// The encoded length of a body of `decoded_length` bytes in chunks of `chunk_size`.
pub fn encoded_length(
    framing: Framing,
    decoded_length: u64,
    chunk_size: usize,
    trailer: Option<ChecksumAlgorithm>,
) -> u64 {
    let chunk_size = chunk_size.max(1) as u64;
    let signature = if framing.is_ecdsa() {
        ECDSA_WIRE_SIGNATURE_LEN as u64
    } else {
        64
    };
    let extension = if framing.is_signed() {
        SIGNATURE_EXTENSION as u64 + signature
    } else {
        0
    };
    let frame = |n: u64| format!("{n:x}").len() as u64 + extension + 2 + n + 2;
    let full = decoded_length / chunk_size;
    let rest = decoded_length % chunk_size;
    let mut length = full * frame(chunk_size) + if rest > 0 { frame(rest) } else { 0 };
    length += 1 + extension + 2; // the final chunk
    if let Some(algorithm) = trailer.filter(|_| framing.has_trailer()) {
        length += (algorithm.header_name().len() + 1 + algorithm.base64_len() + 2) as u64;
        if framing.is_signed() {
            length += TRAILER_SIGNATURE_LINE as u64 + signature;
        }
    }
    length + 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;

    #[test]
    fn encoded_length_is_exact() {
        let v4 = Signer::new(Credentials::new("AKID", "secret"), "us-east-1", "s3").s3();
        #[cfg(feature = "sigv4a")]
        let v4a = v4.clone().sigv4a("*");
        for framing in Framing::ALL {
            let signer = match framing.is_ecdsa() {
                #[cfg(feature = "sigv4a")]
                true => &v4a,
                #[cfg(not(feature = "sigv4a"))]
                true => continue,
                false => &v4,
            };
            let sizes: &[(usize, usize)] = if framing.is_ecdsa() {
                &[
                    (0, 8192),
                    (1, 8192),
                    (8192, 8192),
                    (8193, 8192),
                    (20000, 9000),
                ]
            } else {
                &[(0, 8), (1, 8), (8, 8), (9, 8), (100, 7), (65536, 65536)]
            };
            for &(len, chunk) in sizes {
                let mut request = http::Request::put("http://h/b/k").body(()).unwrap();
                let mut encoder = signer
                    .sign_chunked(
                        &mut request,
                        framing,
                        len as u64,
                        chunk,
                        Some(ChecksumAlgorithm::Crc32),
                        OffsetDateTime::UNIX_EPOCH,
                    )
                    .unwrap();
                let body = encoder.encode(&vec![b'x'; len]);
                assert_eq!(
                    request.headers()["content-length"],
                    body.len().to_string().as_str(),
                    "{framing:?} {len}/{chunk}"
                );
            }
        }
    }
}
