//! Bodies: the request body the handler reads (checked against the declared hash while it
//! streams), and the response body (the handler's, or a rejection).

use std::fmt;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use countersign_core::aws_chunked::{DecodeError, Decoder, Event};
use countersign_core::checksum::{Checksum, ChecksumAlgorithm};
use countersign_core::multipart::{MultipartError, MultipartParser, Part};
use countersign_core::EMPTY_SHA256_DIGEST;
use http::StatusCode;
use http_body::{Body, Frame, SizeHint};
use http_body_util::Full;
use pin_project_lite::pin_project;
use sha2::{Digest, Sha256};

use crate::error::BoxError;
use crate::refusal::{drain_budget, poll_discard, Leftover};

/// The `x-amz-checksum-*` and `Content-MD5` headers: algorithm and raw digest.
pub(crate) type Checksums = Vec<(ChecksumAlgorithm, Vec<u8>)>;

pin_project! {
    /// The request body the inner service reads: passed through, decoded from aws-chunked
    /// (each signed chunk released only after it verified), or read and verified before the
    /// handler ran; with the declared `x-amz-content-sha256`, `x-amz-checksum-*` and
    /// `Content-MD5` checked as it streams. A failed check ends the body with a [`BodyError`]
    /// instead of its end; one that fails while the client is still sending (an aws-chunked
    /// chunk, a POST file over its policy's size) is given once the rest was read and dropped,
    /// up to the layer's [`refused_body_drain`](crate::SigV4Layer::refused_body_drain), so
    /// that the handler's answer reaches the client.
    ///
    /// Every request carries one, and it is moved several times on its way to the handler
    /// (axum boxes it), so the rarer, larger states (an aws-chunked decoder, a form parser,
    /// the SHA-256 of a body's bytes) are kept boxed: a GET's body is about a hundred bytes,
    /// not most of a kilobyte. The SHA-256 is made when the first bytes come, so an empty
    /// body (most requests) allocates nothing and has no hasher to set up and wipe.
    pub struct VerifiedBody<B> {
        #[pin]
        source: Source<B>,
        digests: Digests,
        // A check that failed while the body still streamed, given once the rest was read.
        failure: Option<Box<Failure>>,
    }
}

pin_project! {
    #[project = SourceProj]
    enum Source<B> {
        Plain { #[pin] inner: B },
        Chunked { #[pin] inner: B, state: Box<ChunkedState> },
        Buffered { data: Option<Bytes> },
        Form { inner: Pin<Box<B>>, state: Box<FormState> },
        Finished,
    }
}

/// Where an aws-chunked body's decoding is.
struct ChunkedState {
    decoder: Decoder,
    input_ended: bool,
    /// The most bytes read and dropped after a failed check.
    drain: u64,
}

/// Where a POST upload's form is: the parser, and the file's size so far.
struct FormState {
    parser: MultipartParser,
    input_ended: bool,
    size: u64,
    range: Option<(u64, u64)>,
    file_done: bool,
    /// The most bytes read and dropped after a failed check.
    drain: u64,
}

/// A check that failed while the body still streamed. The client may still be sending the
/// body and read no answer before it is done: the rest is read and dropped (up to `left`
/// bytes, the layer's `refused_body_drain`) before the error is given, so that the handler's
/// refusal reaches the client rather than a reset connection.
struct Failure {
    error: BodyError,
    left: u64,
}

/// The digests checked over the bytes the handler reads.
#[derive(Default)]
pub(crate) struct Digests {
    sha256: Option<DeclaredSha256>,
    checksums: Vec<(Checksum, Vec<u8>)>,
}

/// A declared SHA-256 and the hash of the bytes that came, made with the first of them.
struct DeclaredSha256 {
    expected: [u8; 32],
    hasher: Option<Box<Sha256>>,
}

impl Digests {
    /// No digest to check.
    pub(crate) fn none() -> Self {
        Digests::default()
    }

    /// Check the checksum headers' values (algorithm, raw digest).
    pub(crate) fn checksums(checksums: Checksums) -> Self {
        checksums
            .into_iter()
            .fold(Digests::none(), |d, (algorithm, digest)| {
                d.checksum(algorithm, digest)
            })
    }

    /// Check the body's SHA-256 against the declared one.
    pub(crate) fn sha256(mut self, expected: [u8; 32]) -> Self {
        self.sha256 = Some(DeclaredSha256 {
            expected,
            hasher: None,
        });
        self
    }

    /// Check a checksum header's value (raw digest bytes).
    pub(crate) fn checksum(mut self, algorithm: ChecksumAlgorithm, expected: Vec<u8>) -> Self {
        self.checksums.push((algorithm.hasher(), expected));
        self
    }

    fn update(&mut self, data: &[u8]) {
        if let Some(declared) = self.sha256.as_mut().filter(|_| !data.is_empty()) {
            declared
                .hasher
                .get_or_insert_with(|| Box::new(Sha256::new()))
                .update(data);
        }
        for (checksum, _) in &mut self.checksums {
            checksum.update(data);
        }
    }

    fn verify(&mut self) -> Result<(), BodyError> {
        if let Some(DeclaredSha256 { expected, hasher }) = self.sha256.take() {
            let computed: [u8; 32] = match hasher {
                Some(hasher) => hasher.finalize().into(),
                None => EMPTY_SHA256_DIGEST,
            };
            if computed != expected {
                return Err(BodyError::ContentSha256Mismatch {
                    declared: hex::encode(expected),
                    computed: hex::encode(computed),
                });
            }
        }
        for (checksum, expected) in std::mem::take(&mut self.checksums) {
            let algorithm = checksum.algorithm();
            let computed = checksum.finalize();
            if computed != expected {
                return Err(BodyError::ChecksumMismatch { algorithm });
            }
        }
        Ok(())
    }
}

impl<B> VerifiedBody<B> {
    fn of(source: Source<B>, digests: Digests) -> Self {
        VerifiedBody {
            source,
            digests,
            failure: None,
        }
    }

    pub(crate) fn plain(inner: B, digests: Digests) -> Self {
        Self::of(Source::Plain { inner }, digests)
    }

    /// An aws-chunked body; after a failed check, at most `drain` more bytes are read.
    pub(crate) fn chunked(inner: B, decoder: Decoder, digests: Digests, drain: u64) -> Self {
        let state = Box::new(ChunkedState {
            decoder,
            input_ended: false,
            drain,
        });
        Self::of(Source::Chunked { inner, state }, digests)
    }

    /// A POST upload's file; after a failed check, at most `drain` more bytes are read.
    pub(crate) fn form(
        inner: Pin<Box<B>>,
        parser: MultipartParser,
        range: Option<(u64, u64)>,
        digests: Digests,
        drain: u64,
    ) -> Self {
        let state = Box::new(FormState {
            parser,
            input_ended: false,
            size: 0,
            range,
            file_done: false,
            drain,
        });
        Self::of(Source::Form { inner, state }, digests)
    }

    pub(crate) fn buffered(data: Bytes, digests: Digests) -> Self {
        Self::of(Source::Buffered { data: Some(data) }, digests)
    }
}

impl<B> fmt::Debug for VerifiedBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.source {
            Source::Plain { .. } => "VerifiedBody::Plain",
            Source::Chunked { .. } => "VerifiedBody::Chunked",
            Source::Buffered { .. } => "VerifiedBody::Buffered",
            Source::Form { .. } => "VerifiedBody::Form",
            Source::Finished => "VerifiedBody::Finished",
        })
    }
}

/// The end of a POST upload's file: its size must be within the policy's range.
fn form_end(size: u64, range: Option<(u64, u64)>) -> Result<Option<Bytes>, BodyError> {
    match range {
        Some((min, max)) if size < min => Err(BodyError::FileSize { size, min, max }),
        _ => Ok(None),
    }
}

impl<B: Body> Source<B> {
    /// How much of the body to read and drop after `error`: none when the body failed to be
    /// read, was read to its end (a check at the end, or a plain body's) or is known to go on
    /// past the limit (reading part of it would not let the answer through), else the limit.
    fn unread_budget(&self, error: &BodyError) -> u64 {
        match (self, error) {
            (_, BodyError::Inner(_)) => 0,
            (Source::Chunked { inner, state }, _) if !state.input_ended => {
                drain_budget(state.drain, inner)
            }
            (Source::Form { inner, state }, _) if !state.input_ended => {
                drain_budget(state.drain, inner.as_ref().get_ref())
            }
            _ => 0,
        }
    }
}

/// Reads and drops the rest of a body whose check failed while it streamed (up to the
/// failure's budget), then gives the failure.
fn poll_failure<B>(
    mut source: Pin<&mut Source<B>>,
    failure: &mut Option<Box<Failure>>,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Frame<Bytes>, BodyError>>>
where
    B: Body<Data = Bytes>,
{
    if let Some(pending) = failure.as_mut() {
        let inner = match source.as_mut().project() {
            SourceProj::Chunked { inner, .. } => Some(inner),
            SourceProj::Form { inner, .. } => Some(inner.as_mut()),
            _ => None,
        };
        if let Some(inner) = inner {
            ready!(poll_discard(inner, &mut pending.left, cx));
        }
    }
    source.set(Source::Finished);
    Poll::Ready(failure.take().map(|f| Err(f.error)))
}

/// Why a verified body ended early.
///
/// A handler that stores what it reads should read the whole body first: a body whose hash
/// is not the declared one ends with a `BodyError` instead of its last frame, and the error
/// names its AWS code.
///
/// ```
/// use countersign_server::BodyError;
/// let e = BodyError::ContentSha256Mismatch { declared: "ab".repeat(32), computed: "cd".repeat(32) };
/// assert_eq!((e.status().as_u16(), e.code()), (400, "XAmzContentSHA256Mismatch"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum BodyError {
    /// The body's SHA-256 is not the declared `x-amz-content-sha256`: do not commit what you read.
    ContentSha256Mismatch {
        /// Declared, hex.
        declared: String,
        /// Computed, hex.
        computed: String,
    },
    /// An `x-amz-checksum-*` or `Content-MD5` header does not match the body.
    ChecksumMismatch {
        /// Which checksum.
        algorithm: ChecksumAlgorithm,
    },
    /// The aws-chunked body was refused (framing, chunk signature, trailer, length, checksum).
    Chunked(DecodeError),
    /// A POST upload's form is not well-formed multipart/form-data.
    Form(MultipartError),
    /// A POST upload's file is outside the policy's `content-length-range`.
    FileSize {
        /// Bytes read so far.
        size: u64,
        /// The range's minimum.
        min: u64,
        /// The range's maximum.
        max: u64,
    },
    /// The underlying body failed.
    Inner(BoxError),
}

impl BodyError {
    /// The AWS error code to answer with.
    pub fn code(&self) -> &'static str {
        match self {
            BodyError::ContentSha256Mismatch { .. } => "XAmzContentSHA256Mismatch",
            BodyError::ChecksumMismatch { .. } => "BadDigest",
            BodyError::Chunked(e) => e.code(),
            BodyError::Form(_) => "MalformedPOSTRequest",
            BodyError::FileSize { size, max, .. } if size > max => "EntityTooLarge",
            BodyError::FileSize { .. } => "EntityTooSmall",
            BodyError::Inner(_) => "IncompleteBody",
        }
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::Chunked(e) => e.status(),
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::ContentSha256Mismatch { declared, computed } => write!(
                f,
                "XAmzContentSHA256Mismatch: the provided x-amz-content-sha256 header does not match what was computed \
                 (declared {declared}, computed {computed})"
            ),
            BodyError::ChecksumMismatch { algorithm } => {
                write!(f, "BadDigest: the {algorithm} you specified did not match the calculated checksum")
            }
            BodyError::Chunked(e) => write!(f, "{}: {e}", e.code()),
            BodyError::Form(e) => write!(f, "MalformedPOSTRequest: {e}"),
            BodyError::FileSize { size, min, max } => write!(
                f,
                "{}: the file's size ({size} bytes so far) is outside the policy's content-length-range {min} to {max}",
                self.code()
            ),
            BodyError::Inner(e) => write!(f, "the request body could not be read: {e}"),
        }
    }
}

impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BodyError::Inner(e) => Some(e.as_ref()),
            BodyError::Chunked(e) => Some(e),
            BodyError::Form(e) => Some(e),
            _ => None,
        }
    }
}

impl<B> Body for VerifiedBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let mut this = self.project();
        if this.failure.is_some() {
            return poll_failure(this.source, this.failure, cx);
        }
        let next = match this.source.as_mut().project() {
            SourceProj::Finished => return Poll::Ready(None),
            SourceProj::Buffered { data } => Ok(data.take()),
            SourceProj::Plain { inner } => match ready!(inner.poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => Ok(Some(data)),
                    // HTTP trailers pass through; they are not part of the checked bytes.
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                },
                Some(Err(e)) => Err(BodyError::Inner(e.into())),
                None => Ok(None),
            },
            SourceProj::Form { inner, state } => loop {
                let part = if state.input_ended {
                    state.parser.finish()
                } else {
                    state.parser.next_part()
                };
                match part {
                    Err(e) => break Err(BodyError::Form(e)),
                    Ok(Some(Part::Data(data))) if !state.file_done => {
                        state.size += data.len() as u64;
                        match state.range {
                            Some((min, max)) if state.size > max => {
                                break Err(BodyError::FileSize {
                                    size: state.size,
                                    min,
                                    max,
                                })
                            }
                            _ => break Ok(Some(data)),
                        }
                    }
                    Ok(Some(Part::End)) => state.file_done = true,
                    // Parts after the file are ignored, as S3 does.
                    Ok(Some(Part::Data(_) | Part::Start { .. })) => {}
                    Ok(Some(Part::Finished)) => break form_end(state.size, state.range),
                    Ok(None) if state.input_ended || state.parser.is_finished() => {
                        break form_end(state.size, state.range)
                    }
                    Ok(None) => match ready!(inner.as_mut().poll_frame(cx)) {
                        Some(Ok(frame)) => {
                            if let Some(data) = frame.data_ref() {
                                state.parser.push(data);
                            }
                        }
                        Some(Err(e)) => break Err(BodyError::Inner(e.into())),
                        None => state.input_ended = true,
                    },
                }
            },
            SourceProj::Chunked { mut inner, state } => loop {
                let event = if state.input_ended {
                    state.decoder.finish()
                } else {
                    state.decoder.next_event()
                };
                match event {
                    Err(e) => break Err(BodyError::Chunked(e)),
                    Ok(Some(Event::Data(data))) => break Ok(Some(data)),
                    Ok(Some(Event::End(_))) => continue,
                    Ok(None) if state.input_ended => break Ok(None),
                    Ok(None) => {}
                }
                match ready!(inner.as_mut().poll_frame(cx)) {
                    Some(Ok(frame)) => {
                        if let Some(data) = frame.data_ref() {
                            state.decoder.push(data);
                        }
                    }
                    Some(Err(e)) => break Err(BodyError::Inner(e.into())),
                    None => state.input_ended = true,
                }
            },
        };
        let outcome = match next {
            Ok(Some(data)) => {
                this.digests.update(&data);
                return Poll::Ready(Some(Ok(Frame::data(data))));
            }
            Ok(None) => this.digests.verify(),
            Err(e) => Err(e),
        };
        if let Err(error) = outcome {
            let left = this.source.unread_budget(&error);
            if left > 0 {
                *this.failure = Some(Box::new(Failure { error, left }));
                return poll_failure(this.source, this.failure, cx);
            }
            this.source.set(Source::Finished);
            return Poll::Ready(Some(Err(error)));
        }
        this.source.set(Source::Finished);
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        // The end is where the checks happen: only a finished body says so.
        matches!(self.source, Source::Finished)
    }

    fn size_hint(&self) -> SizeHint {
        match &self.source {
            Source::Plain { inner } => inner.size_hint(),
            Source::Chunked { state, .. } => match state.decoder.remaining_hint() {
                Some(n) => SizeHint::with_exact(n),
                None => SizeHint::default(),
            },
            Source::Buffered { data } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            Source::Form { .. } => SizeHint::default(),
            Source::Finished => SizeHint::with_exact(0),
        }
    }
}

pin_project! {
    /// The response body: the inner service's, or a rendered rejection.
    pub struct ResponseBody<B> {
        #[pin]
        kind: Reply<B>,
    }
}

pin_project! {
    #[project = ReplyProj]
    enum Reply<B> {
        Inner { #[pin] body: B },
        /// The refusal, sent once what is left of the refused request's body was read.
        Rejection { #[pin] body: Full<Bytes>, leftover: Option<Leftover> },
    }
}

impl<B> ResponseBody<B> {
    pub(crate) fn inner(body: B) -> Self {
        ResponseBody {
            kind: Reply::Inner { body },
        }
    }

    pub(crate) fn rejection(body: Full<Bytes>, leftover: Option<Leftover>) -> Self {
        ResponseBody {
            kind: Reply::Rejection { body, leftover },
        }
    }
}

impl<B> fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            Reply::Inner { .. } => "ResponseBody::Inner",
            Reply::Rejection { .. } => "ResponseBody::Rejection",
        })
    }
}

impl<B: Body<Data = Bytes>> Body for ResponseBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        match self.project().kind.project() {
            ReplyProj::Inner { body } => body.poll_frame(cx),
            ReplyProj::Rejection { body, leftover } => {
                if let Some(rest) = leftover {
                    ready!(rest.poll_drain(cx));
                    *leftover = None;
                }
                body.poll_frame(cx)
                    .map(|f| f.map(|r| r.map_err(|never| match never {})))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Reply::Inner { body } => body.is_end_stream(),
            Reply::Rejection { body, leftover } => leftover.is_none() && body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Reply::Inner { body } => body.size_hint(),
            Reply::Rejection { body, .. } => body.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The declared SHA-256 is checked over the bytes that came, whether none came or some,
    /// in one piece or several.
    #[test]
    fn the_declared_sha256_is_checked_over_what_came() {
        let abc: [u8; 32] = Sha256::digest(b"abc").into();
        let check = |expected: [u8; 32], pieces: &[&[u8]]| {
            let mut digests = Digests::none().sha256(expected);
            for piece in pieces {
                digests.update(piece);
            }
            digests.verify()
        };
        assert!(check(abc, &[b"a", b"", b"bc"]).is_ok());
        assert!(check(EMPTY_SHA256_DIGEST, &[]).is_ok());
        assert!(check(EMPTY_SHA256_DIGEST, &[b""]).is_ok());
        match check(abc, &[]) {
            Err(BodyError::ContentSha256Mismatch { computed, .. }) => {
                assert_eq!(computed, hex::encode(EMPTY_SHA256_DIGEST));
            }
            other => panic!("{other:?}"),
        }
        match check(EMPTY_SHA256_DIGEST, &[b"ab", b"c"]) {
            Err(BodyError::ContentSha256Mismatch { computed, .. }) => {
                assert_eq!(computed, hex::encode(abc));
            }
            other => panic!("{other:?}"),
        }
    }

    /// Holding a refused request's body does not make the response body lose `Sync`.
    #[test]
    fn the_response_body_is_send_and_sync() {
        fn send_and_sync<T: Send + Sync>() {}
        send_and_sync::<ResponseBody<Full<Bytes>>>();
    }

    #[test]
    fn a_body_stays_small_whatever_it_may_become() {
        // Moved a few times per request and boxed by axum: the decoder (over 500 bytes), the
        // form parser (over 300) and the SHA-256 of the bytes (over 100) live behind pointers.
        let size = std::mem::size_of::<VerifiedBody<http_body_util::Empty<Bytes>>>();
        assert!(size <= 128, "VerifiedBody is {size} bytes");
    }
}
