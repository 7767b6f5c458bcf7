//! The decoder of an aws-chunked body, sans-IO: push bytes in as they arrive, take decoded
//! data out. A signed chunk is released only after its signature verified against the chain
//! ([`super::chain`]); an unsigned chunk streams through. Trailers must be the ones
//! `x-amz-trailer` declared, the trailer signature must verify, checksum trailers must match
//! the decoded bytes, and the decoded length must be the declared one. Memory: one chunk plus
//! a constant.

use std::fmt;

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use sha2::{Digest, Sha256};

use super::chain::{canonical_trailer, ChunkChain};
use crate::checksum::{Checksum, ChecksumAlgorithm};
use crate::constants::{
    ECDSA_ALGORITHM, STREAMING_ECDSA_PAYLOAD, STREAMING_ECDSA_PAYLOAD_TRAILER, STREAMING_PAYLOAD,
    STREAMING_PAYLOAD_TRAILER, STREAMING_UNSIGNED_PAYLOAD_TRAILER,
};
use crate::signature::AnySignature;

/// The aws-chunked framings, one per `x-amz-content-sha256` marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: signed chunks, no trailer.
    Signed,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks and a signed trailer.
    SignedTrailer,
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD`: chunks signed with SigV4a, no trailer.
    EcdsaSigned,
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER`: chunks and trailer signed with SigV4a.
    EcdsaSignedTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: unsigned chunks and an unsigned trailer.
    UnsignedTrailer,
}

impl Framing {
    /// Every framing.
    pub const ALL: [Framing; 5] = [
        Framing::Signed,
        Framing::SignedTrailer,
        Framing::EcdsaSigned,
        Framing::EcdsaSignedTrailer,
        Framing::UnsignedTrailer,
    ];

    /// The framing an `x-amz-content-sha256` marker names.
    pub fn from_marker(marker: &str) -> Option<Self> {
        Framing::ALL.into_iter().find(|f| f.marker() == marker)
    }

    /// The `x-amz-content-sha256` marker.
    pub fn marker(self) -> &'static str {
        match self {
            Framing::Signed => STREAMING_PAYLOAD,
            Framing::SignedTrailer => STREAMING_PAYLOAD_TRAILER,
            Framing::EcdsaSigned => STREAMING_ECDSA_PAYLOAD,
            Framing::EcdsaSignedTrailer => STREAMING_ECDSA_PAYLOAD_TRAILER,
            Framing::UnsignedTrailer => STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        }
    }

    /// Whether chunks carry signatures.
    pub fn is_signed(self) -> bool {
        !matches!(self, Framing::UnsignedTrailer)
    }

    /// Whether chunks are signed with SigV4a (ECDSA).
    pub fn is_ecdsa(self) -> bool {
        matches!(self, Framing::EcdsaSigned | Framing::EcdsaSignedTrailer)
    }

    /// Whether a trailer follows the last chunk.
    pub fn has_trailer(self) -> bool {
        !matches!(self, Framing::Signed | Framing::EcdsaSigned)
    }

    /// Whether the trailer carries a signature.
    pub fn has_signed_trailer(self) -> bool {
        self.is_signed() && self.has_trailer()
    }

    /// Whether a request signed with `algorithm` (`AWS4-HMAC-SHA256` or
    /// `AWS4-ECDSA-P256-SHA256`) may send this framing: signed chunks chain from the
    /// request's signature, so they are signed with the same algorithm.
    pub fn goes_with(self, algorithm: &str) -> bool {
        !self.is_signed() || self.is_ecdsa() == (algorithm == ECDSA_ALGORITHM)
    }
}

/// The smallest chunk of a SigV4a-signed body but the last data chunk: S3's rule for signed
/// chunks (8 KiB), enforced here for SigV4a, whose chunk signatures cost an ECDSA
/// verification each (far more work than an HMAC), so that a body of many tiny chunks cannot
/// buy that much work per byte. HMAC chunks, which cost microseconds, may be of any size.
pub const ECDSA_MIN_CHUNK_SIZE: u64 = 8192;

/// The bounds of one aws-chunked body: [`Limits::default`], changed with the `with_…`
/// methods.
///
/// ```
/// use countersign_core::aws_chunked::Limits;
/// let small = Limits::default().with_max_chunk_size(64 * 1024);
/// assert_eq!(small.max_chunk_size, 64 * 1024);
/// assert_eq!(small.max_trailer_bytes, Limits::default().max_trailer_bytes);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The largest chunk accepted (a signed chunk is held whole until it verifies).
    pub max_chunk_size: usize,
    /// The longest chunk header line (`hex;chunk-signature=…`).
    pub max_header_line: usize,
    /// The most bytes of trailer lines.
    pub max_trailer_bytes: usize,
}

impl Default for Limits {
    /// 16 MiB chunks, 4 KiB header lines, 16 KiB of trailers.
    fn default() -> Self {
        Limits {
            max_chunk_size: 16 * 1024 * 1024,
            max_header_line: 4096,
            max_trailer_bytes: 16 * 1024,
        }
    }
}

impl Limits {
    /// The same limits with chunks of at most `bytes`.
    pub const fn with_max_chunk_size(mut self, bytes: usize) -> Self {
        self.max_chunk_size = bytes;
        self
    }

    /// The same limits with chunk header lines of at most `bytes`.
    pub const fn with_max_header_line(mut self, bytes: usize) -> Self {
        self.max_header_line = bytes;
        self
    }

    /// The same limits with at most `bytes` of trailer lines.
    pub const fn with_max_trailer_bytes(mut self, bytes: usize) -> Self {
        self.max_trailer_bytes = bytes;
        self
    }
}

/// What went wrong in an aws-chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The framing is not aws-chunked.
    Malformed,
    /// A chunk larger than the limit, or (SigV4a) a chunk smaller than
    /// [`ECDSA_MIN_CHUNK_SIZE`] that is not the last.
    ChunkSize,
    /// A chunk or trailer signature did not verify.
    Signature,
    /// The body ended before its final chunk.
    Truncated,
    /// The decoded length is not `x-amz-decoded-content-length`.
    Length,
    /// A trailer was not declared, missing, or malformed.
    Trailer,
    /// A checksum trailer does not match the decoded bytes.
    Checksum,
}

/// An aws-chunked body refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    kind: DecodeErrorKind,
    message: String,
}

impl DecodeError {
    fn new(kind: DecodeErrorKind, message: impl Into<String>) -> Self {
        DecodeError {
            kind,
            message: message.into(),
        }
    }

    /// What kind of failure.
    pub fn kind(&self) -> DecodeErrorKind {
        self.kind
    }

    /// The AWS error code.
    pub fn code(&self) -> &'static str {
        match self.kind {
            DecodeErrorKind::Malformed => "InvalidRequest",
            DecodeErrorKind::ChunkSize => "InvalidChunkSizeError",
            DecodeErrorKind::Signature => "SignatureDoesNotMatch",
            DecodeErrorKind::Truncated | DecodeErrorKind::Length => "IncompleteBody",
            DecodeErrorKind::Trailer => "MalformedTrailerError",
            DecodeErrorKind::Checksum => "BadDigest",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            DecodeErrorKind::Signature => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

/// What the decoder hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Decoded (and, for signed framings, verified) body bytes.
    Data(Bytes),
    /// The body ended well; these are its trailers (lower-case names).
    End(Vec<(String, String)>),
}

#[derive(Debug)]
enum State {
    Header,
    Data {
        remaining: usize,
        signature: Option<AnySignature>,
    },
    DataEnd,
    AfterLast,
    Trailers,
    Done,
}

/// Decodes one aws-chunked body.
#[derive(Debug)]
pub struct Decoder {
    framing: Framing,
    limits: Limits,
    signer: Option<ChunkChain>,
    declared: Vec<String>,
    checksums: Vec<Checksum>,
    decoded_length: Option<u64>,
    decoded: u64,
    buffer: BytesMut,
    state: State,
    trailers: Vec<(String, String)>,
    trailer_bytes: usize,
    trailer_signature: Option<AnySignature>,
    /// A data chunk smaller than [`ECDSA_MIN_CHUNK_SIZE`] went by: it must have been the last.
    short_chunk_seen: bool,
}

const CRLF: &[u8] = b"\r\n";

impl Decoder {
    /// A decoder for `framing`; signed framings need the chain started at the seed signature
    /// (of the framing's algorithm: a signature of the other one never verifies).
    pub fn new(framing: Framing, limits: Limits, signer: Option<ChunkChain>) -> Self {
        Decoder {
            framing,
            limits,
            signer,
            declared: Vec::new(),
            checksums: Vec::new(),
            decoded_length: None,
            decoded: 0,
            buffer: BytesMut::new(),
            state: State::Header,
            trailers: Vec::new(),
            trailer_bytes: 0,
            trailer_signature: None,
            short_chunk_seen: false,
        }
    }

    /// The trailers `x-amz-trailer` declared; checksum trailers among them
    /// (`x-amz-checksum-*`, and `content-md5`) are computed over the decoded bytes and
    /// checked.
    pub fn declared_trailers<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.declared = names
            .into_iter()
            .map(|n| n.as_ref().trim().to_ascii_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        self.checksums = self
            .declared
            .iter()
            .filter_map(|n| ChecksumAlgorithm::from_header(n))
            .map(ChecksumAlgorithm::hasher)
            .collect();
        self
    }

    /// `x-amz-decoded-content-length`, enforced when given.
    pub fn decoded_length(mut self, length: Option<u64>) -> Self {
        self.decoded_length = length;
        self
    }

    /// Decoded bytes so far.
    pub fn decoded(&self) -> u64 {
        self.decoded
    }

    /// The decoded bytes still to come, when `x-amz-decoded-content-length` was given.
    pub fn remaining_hint(&self) -> Option<u64> {
        self.decoded_length.map(|n| n.saturating_sub(self.decoded))
    }

    /// Whether the final chunk and trailers were read.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Feeds bytes as they arrive.
    pub fn push(&mut self, input: &[u8]) {
        self.buffer.extend_from_slice(input);
    }

    /// The next event, or `None` when more input is needed.
    pub fn next_event(&mut self) -> Result<Option<Event>, DecodeError> {
        loop {
            match &mut self.state {
                State::Header => {
                    let Some(line) = self.take_line(self.limits.max_header_line, "chunk header")?
                    else {
                        return Ok(None);
                    };
                    self.start_chunk(&line)?;
                }
                State::Data {
                    remaining,
                    signature,
                } => {
                    let remaining = *remaining;
                    // A signed chunk is released whole, once its signature is checked.
                    if signature.is_some() && self.buffer.len() < remaining {
                        return Ok(None);
                    }
                    if let Some(signature) = signature.take() {
                        let data = self.buffer.split_to(remaining).freeze();
                        let hash: [u8; 32] = Sha256::digest(&data).into();
                        self.verify_chunk(hash, &signature)?;
                        self.state = State::DataEnd;
                        return Ok(Some(self.release(data)));
                    }
                    if self.buffer.is_empty() {
                        return Ok(None);
                    }
                    let take = remaining.min(self.buffer.len());
                    let data = self.buffer.split_to(take).freeze();
                    self.state = if take == remaining {
                        State::DataEnd
                    } else {
                        State::Data {
                            remaining: remaining - take,
                            signature: None,
                        }
                    };
                    return Ok(Some(self.release(data)));
                }
                State::DataEnd | State::AfterLast => {
                    if self.buffer.len() < 2 {
                        return Ok(None);
                    }
                    if &self.buffer[..2] != CRLF {
                        return Err(malformed("chunk data must be followed by CRLF"));
                    }
                    let _ = self.buffer.split_to(2);
                    if matches!(self.state, State::AfterLast) {
                        self.state = State::Done;
                        return self.end().map(Some);
                    }
                    self.state = State::Header;
                }
                State::Trailers => {
                    let budget = self
                        .limits
                        .max_trailer_bytes
                        .saturating_sub(self.trailer_bytes);
                    let Some(line) = self.take_line(budget, "trailer section")? else {
                        return Ok(None);
                    };
                    self.trailer_bytes += line.len() + 2;
                    if line.is_empty() {
                        self.state = State::Done;
                        return self.end().map(Some);
                    }
                    self.trailer_line(&line)?;
                }
                State::Done => {
                    if !self.buffer.is_empty() {
                        return Err(malformed("data after the final chunk"));
                    }
                    return Ok(None);
                }
            }
        }
    }

    /// Says the input ended: the last event (`End`) if the body was complete, else an error.
    pub fn finish(&mut self) -> Result<Option<Event>, DecodeError> {
        if let Some(event) = self.next_event()? {
            return Ok(Some(event));
        }
        match self.state {
            State::Done => Ok(None),
            // Some clients end the body right after the last trailer line.
            State::Trailers if self.buffer.is_empty() && !self.trailers.is_empty() => {
                self.state = State::Done;
                self.end().map(Some)
            }
            State::Data { .. } => Err(DecodeError::new(
                DecodeErrorKind::Truncated,
                "the aws-chunked body ended inside a chunk",
            )),
            _ => Err(DecodeError::new(
                DecodeErrorKind::Truncated,
                "the aws-chunked body ended before its final chunk",
            )),
        }
    }

    /// Takes one CRLF-terminated line (without the CRLF) of at most `limit` bytes.
    fn take_line(&mut self, limit: usize, what: &str) -> Result<Option<Vec<u8>>, DecodeError> {
        let window = &self.buffer[..self.buffer.len().min(limit + 2)];
        match window.windows(2).position(|w| w == CRLF) {
            Some(end) if end <= limit => {
                let line = self.buffer.split_to(end).to_vec();
                let _ = self.buffer.split_to(2);
                Ok(Some(line))
            }
            Some(_) => Err(too_long(what, limit)),
            None if self.buffer.len() > limit => Err(too_long(what, limit)),
            None => Ok(None),
        }
    }

    fn start_chunk(&mut self, line: &[u8]) -> Result<(), DecodeError> {
        let line =
            std::str::from_utf8(line).map_err(|_| malformed("a chunk header is not ASCII"))?;
        let (size, extension) = match line.split_once(';') {
            Some((s, e)) => (s, Some(e)),
            None => (line, None),
        };
        if size.is_empty() || size.len() > 16 || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(malformed(format!("invalid chunk size {:?}", shorten(size))));
        }
        let size = u64::from_str_radix(size, 16).map_err(|_| malformed("invalid chunk size"))?;
        if size > self.limits.max_chunk_size as u64 {
            return Err(DecodeError::new(
                DecodeErrorKind::ChunkSize,
                format!(
                    "a chunk of {size} bytes is larger than the {} bytes allowed",
                    self.limits.max_chunk_size
                ),
            ));
        }
        let signature = match (self.framing.is_signed(), extension) {
            (true, Some(ext)) => {
                let text = ext.strip_prefix("chunk-signature=").ok_or_else(|| {
                    malformed("a signed chunk's header must carry chunk-signature=")
                })?;
                Some(self.parse_signature(text, "chunk-signature", malformed)?)
            }
            (true, None) => {
                return Err(malformed(
                    "a signed chunk's header must carry chunk-signature=",
                ))
            }
            (false, None) => None,
            (false, Some(_)) => {
                return Err(malformed("an unsigned chunk's header takes no extension"))
            }
        };
        if self.framing.is_ecdsa() && size > 0 {
            if self.short_chunk_seen {
                return Err(DecodeError::new(
                    DecodeErrorKind::ChunkSize,
                    format!(
                        "only the last chunk of a SigV4a-signed body may be smaller than {ECDSA_MIN_CHUNK_SIZE} bytes"
                    ),
                ));
            }
            self.short_chunk_seen = size < ECDSA_MIN_CHUNK_SIZE;
        }
        if let Some(declared) = self.decoded_length {
            if self.decoded.saturating_add(size) > declared {
                return Err(DecodeError::new(
                    DecodeErrorKind::Length,
                    format!("the chunks hold more than the {declared} bytes x-amz-decoded-content-length declared"),
                ));
            }
        }
        if size == 0 {
            if let Some(signature) = signature {
                let empty: [u8; 32] = Sha256::digest(b"").into();
                self.verify_chunk(empty, &signature)?;
            }
            self.state = if self.framing.has_trailer() {
                State::Trailers
            } else {
                State::AfterLast
            };
        } else {
            // `size` is at most `max_chunk_size`, a usize.
            self.state = State::Data {
                remaining: size as usize,
                signature,
            };
        }
        Ok(())
    }

    /// Reads a chunk or trailer signature in the chain's format.
    fn parse_signature(
        &self,
        text: &str,
        what: &str,
        error: fn(String) -> DecodeError,
    ) -> Result<AnySignature, DecodeError> {
        let chain = self
            .signer
            .as_ref()
            .ok_or_else(|| malformed("signed chunks need the request's seed signature"))?;
        chain
            .parse_signature(text)
            .ok_or_else(|| error(format!("{what} must be {}", chain.signature_format())))
    }

    fn verify_chunk(
        &mut self,
        hash: [u8; 32],
        signature: &AnySignature,
    ) -> Result<(), DecodeError> {
        let signer = self
            .signer
            .as_mut()
            .ok_or_else(|| malformed("signed chunks need the request's seed signature"))?;
        if signer.verify_chunk_hash(hash, signature) {
            Ok(())
        } else {
            Err(DecodeError::new(DecodeErrorKind::Signature, "a chunk signature does not match: the chunk was changed or signed with another key"))
        }
    }

    fn release(&mut self, data: Bytes) -> Event {
        self.decoded += data.len() as u64;
        for c in &mut self.checksums {
            c.update(&data);
        }
        Event::Data(data)
    }

    fn trailer_line(&mut self, line: &[u8]) -> Result<(), DecodeError> {
        let line = std::str::from_utf8(line).map_err(|_| trailer("a trailer line is not UTF-8"))?;
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| trailer("a trailer line is not name:value"))?;
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        if self.trailer_signature.is_some() {
            return Err(trailer("x-amz-trailer-signature must be the last trailer"));
        }
        if name == "x-amz-trailer-signature" {
            if !self.framing.has_signed_trailer() {
                return Err(trailer("x-amz-trailer-signature in an unsigned trailer"));
            }
            let signature = self.parse_signature(value, "x-amz-trailer-signature", trailer)?;
            self.trailer_signature = Some(signature);
            return Ok(());
        }
        if !self.declared.contains(&name) {
            return Err(trailer(format!(
                "trailer {name} was not declared in x-amz-trailer"
            )));
        }
        if self.trailers.iter().any(|(n, _)| *n == name) {
            return Err(trailer(format!("trailer {name} appears twice")));
        }
        self.trailers.push((name, value.to_string()));
        Ok(())
    }

    /// The final checks: declared trailers present, trailer signature, checksums, length.
    fn end(&mut self) -> Result<Event, DecodeError> {
        if let Some(missing) = self
            .declared
            .iter()
            .find(|d| !self.trailers.iter().any(|(n, _)| n == *d))
        {
            return Err(trailer(format!(
                "trailer {missing} was declared in x-amz-trailer but not sent"
            )));
        }
        if self.framing.has_signed_trailer() {
            let signature = self
                .trailer_signature
                .take()
                .ok_or_else(|| trailer("the signed trailer has no x-amz-trailer-signature"))?;
            let canonical =
                canonical_trailer(self.trailers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            let signer = self
                .signer
                .as_mut()
                .ok_or_else(|| malformed("signed trailers need the request's seed signature"))?;
            if !signer.verify_trailer(&canonical, &signature) {
                return Err(DecodeError::new(
                    DecodeErrorKind::Signature,
                    "the trailer signature does not match",
                ));
            }
        }
        for checksum in std::mem::take(&mut self.checksums) {
            let algorithm = checksum.algorithm();
            let sent = self
                .trailers
                .iter()
                .find(|(n, _)| n == algorithm.header_name())
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            let expected = algorithm.decode(sent).ok_or_else(|| {
                trailer(format!(
                    "{} is not a base64 {algorithm} value",
                    algorithm.header_name()
                ))
            })?;
            let computed = checksum.finalize();
            if computed != expected {
                return Err(DecodeError::new(
                    DecodeErrorKind::Checksum,
                    format!("the {algorithm} you specified did not match the calculated checksum"),
                ));
            }
        }
        if let Some(declared) = self.decoded_length {
            if self.decoded != declared {
                return Err(DecodeError::new(
                    DecodeErrorKind::Length,
                    format!("the body decoded to {} bytes, x-amz-decoded-content-length declared {declared}", self.decoded),
                ));
            }
        }
        Ok(Event::End(std::mem::take(&mut self.trailers)))
    }
}

fn malformed<M: Into<String>>(message: M) -> DecodeError {
    DecodeError::new(DecodeErrorKind::Malformed, message)
}

fn trailer<M: Into<String>>(message: M) -> DecodeError {
    DecodeError::new(DecodeErrorKind::Trailer, message)
}

fn too_long(what: &str, limit: usize) -> DecodeError {
    let kind = if what.starts_with("trailer") {
        DecodeErrorKind::Trailer
    } else {
        DecodeErrorKind::Malformed
    };
    DecodeError::new(kind, format!("the {what} is longer than {limit} bytes"))
}

fn shorten(s: &str) -> String {
    s.chars().take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoded bytes and the trailers.
    type Decoded = (Vec<u8>, Vec<(String, String)>);

    fn decode_all(
        decoder: &mut Decoder,
        input: &[u8],
        step: usize,
    ) -> Result<Decoded, DecodeError> {
        let mut data = Vec::new();
        let mut trailers = None;
        for piece in input.chunks(step.max(1)) {
            decoder.push(piece);
            while let Some(event) = decoder.next_event()? {
                match event {
                    Event::Data(d) => data.extend_from_slice(&d),
                    Event::End(t) => trailers = Some(t),
                }
            }
        }
        if let Some(Event::End(t)) = decoder.finish()? {
            trailers = Some(t);
        }
        trailers
            .map(|t| (data, t))
            .ok_or_else(|| malformed("no end"))
    }

    fn unsigned(declared: &[&str]) -> Decoder {
        Decoder::new(Framing::UnsignedTrailer, Limits::default(), None)
            .declared_trailers(declared.iter().copied())
    }

    #[test]
    fn unsigned_trailer_any_split() {
        let body = b"3\r\nabc\r\n2\r\nde\r\n0\r\nx-amz-checksum-crc32:hc+/5A==\r\n\r\n";
        let crc = crate::checksum::checksum_base64(ChecksumAlgorithm::Crc32, b"abcde");
        let body = String::from_utf8_lossy(body)
            .replace("hc+/5A==", &crc)
            .into_bytes();
        for step in 1..body.len() {
            let mut d = unsigned(&["x-amz-checksum-crc32"]).decoded_length(Some(5));
            let (data, trailers) =
                decode_all(&mut d, &body, step).unwrap_or_else(|e| panic!("step {step}: {e}"));
            assert_eq!(data, b"abcde");
            assert_eq!(
                trailers,
                vec![("x-amz-checksum-crc32".to_string(), crc.clone())]
            );
        }
    }

    /// An unsigned-trailer body of `abc` whose trailer is `content-md5: <md5 of md5_of>`.
    fn with_md5_trailer(md5_of: &[u8]) -> String {
        let md5 = crate::checksum::checksum_base64(ChecksumAlgorithm::ContentMd5, md5_of);
        format!("3\r\nabc\r\n0\r\ncontent-md5:{md5}\r\n\r\n")
    }

    #[test]
    fn content_md5_trailer_that_matches_is_accepted() {
        let body = with_md5_trailer(b"abc");
        let (data, _) = decode_all(&mut unsigned(&["content-md5"]), body.as_bytes(), 5)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(data, b"abc");
    }

    #[test]
    fn content_md5_trailer_that_does_not_match_is_refused() {
        let body = with_md5_trailer(b"abd");
        let refused = decode_all(&mut unsigned(&["content-md5"]), body.as_bytes(), 5)
            .err()
            .map(|e| e.kind);
        assert_eq!(refused, Some(DecodeErrorKind::Checksum));
    }

    #[test]
    fn content_md5_trailer_that_is_not_an_md5_is_refused() {
        let body = "3\r\nabc\r\n0\r\ncontent-md5:AAAA\r\n\r\n";
        let refused = decode_all(&mut unsigned(&["content-md5"]), body.as_bytes(), 5)
            .err()
            .map(|e| e.kind);
        assert_eq!(refused, Some(DecodeErrorKind::Trailer));
    }

    #[test]
    fn refusals() {
        let crc = crate::checksum::checksum_base64(ChecksumAlgorithm::Crc32, b"abc");
        let good = format!("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n");
        assert!(decode_all(&mut unsigned(&["x-amz-checksum-crc32"]), good.as_bytes(), 7).is_ok());
        let cases: Vec<(String, &[&str], Option<u64>, DecodeErrorKind)> = vec![
            (
                good.replace("abc", "abd"),
                &["x-amz-checksum-crc32"],
                None,
                DecodeErrorKind::Checksum,
            ),
            (
                good.clone(),
                &["x-amz-checksum-crc32"],
                Some(4),
                DecodeErrorKind::Length,
            ),
            (
                good.clone(),
                &["x-amz-checksum-crc32"],
                Some(2),
                DecodeErrorKind::Length,
            ),
            (good.clone(), &[], None, DecodeErrorKind::Trailer),
            (
                good.clone(),
                &["x-amz-checksum-crc32", "x-amz-checksum-sha1"],
                None,
                DecodeErrorKind::Trailer,
            ),
            (
                good.replace("3\r\nabc", "4\r\nabc"),
                &["x-amz-checksum-crc32"],
                None,
                DecodeErrorKind::Malformed,
            ),
            (
                good.replace("3\r\n", "zz\r\n"),
                &["x-amz-checksum-crc32"],
                None,
                DecodeErrorKind::Malformed,
            ),
            (
                good.replace("3\r\n", "3;ext=1\r\n"),
                &["x-amz-checksum-crc32"],
                None,
                DecodeErrorKind::Malformed,
            ),
            (
                good.replace("3\r\n", "ffffffffffffffff\r\n"),
                &["x-amz-checksum-crc32"],
                None,
                DecodeErrorKind::ChunkSize,
            ),
            (
                good.replace("3\r\n", "10000000000000000\r\n"),
                &["x-amz-checksum-crc32"],
                None,
                DecodeErrorKind::Malformed,
            ),
            (
                good[..good.len() - 4].to_string() + "x",
                &["x-amz-checksum-crc32"],
                None,
                DecodeErrorKind::Truncated,
            ),
            ("3\r\nab".to_string(), &[], None, DecodeErrorKind::Truncated),
            (
                format!("{good}extra"),
                &["x-amz-checksum-crc32"],
                None,
                DecodeErrorKind::Malformed,
            ),
            (
                format!("3\r\nabc\r\n0\r\n{}\r\n\r\n", "x".repeat(20_000)),
                &[],
                None,
                DecodeErrorKind::Trailer,
            ),
            (
                format!("{}\r\n", "1".repeat(5000)),
                &[],
                None,
                DecodeErrorKind::Malformed,
            ),
        ];
        for (input, declared, length, kind) in cases {
            let mut d = unsigned(declared).decoded_length(length);
            let outcome = decode_all(&mut d, input.as_bytes(), 5);
            assert_eq!(outcome.err().map(|e| e.kind()), Some(kind), "{input:?}");
        }
    }
}
