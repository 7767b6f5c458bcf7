//! Signing a streamed body: any `http_body::Body` sent as `UNSIGNED-PAYLOAD`, or framed as
//! aws-chunked with signed chunks (and a checksum trailer), by a [`SignedBody`] that wraps it.

use std::fmt;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use countersign_core::aws_chunked::Framing;
use countersign_core::checksum::ChecksumAlgorithm;
use countersign_core::UNSIGNED_PAYLOAD;
use http::header::{HeaderValue, CONTENT_LENGTH};
use http_body::{Body, Frame, SizeHint};
use time::OffsetDateTime;

use crate::chunked::{encoded_length, ChunkedEncoder};
use crate::error::Error;
use crate::signer::{Payload, Signed, Signer};

/// The chunk size AWS's SDKs send aws-chunked bodies in: 64 KiB.
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

/// An error a boxed body may give.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How an aws-chunked body is framed: the framing, the chunk size and the trailer's checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunking {
    framing: Framing,
    chunk_size: usize,
    checksum: Option<ChecksumAlgorithm>,
}

impl Chunking {
    /// Chunks of [`DEFAULT_CHUNK_SIZE`] in `framing`, without a trailer (see
    /// [`Chunking::checksum`], which trailer framings require).
    pub fn new(framing: Framing) -> Self {
        Chunking {
            framing,
            chunk_size: DEFAULT_CHUNK_SIZE,
            checksum: None,
        }
    }

    /// Chunks of `bytes` (the last may be shorter); SigV4a's must be at least 8192.
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes;
        self
    }

    /// The checksum computed over the body as it streams and sent in the trailer (named in
    /// `x-amz-trailer`), for the trailer framings.
    pub fn checksum(mut self, algorithm: ChecksumAlgorithm) -> Self {
        self.checksum = Some(algorithm);
        self
    }

    /// The framing.
    pub fn framing(&self) -> Framing {
        self.framing
    }
}

/// How a streamed body is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamSigning {
    /// `UNSIGNED-PAYLOAD`: the body is sent as it is, not covered by the signature.
    Unsigned,
    /// aws-chunked: each chunk signed (or, in [`Framing::UnsignedTrailer`], not), with a
    /// checksum trailer in the trailer framings.
    Chunked(Chunking),
}

impl Signer {
    /// Signs `request` as of `time` for a body of exactly `length` bytes that streams (any
    /// `http_body::Body`; a `Stream` of `Bytes` becomes one through
    /// `http_body_util::StreamBody`), and returns the request with the body to send: a
    /// [`SignedBody`] that passes the body on, or frames it as aws-chunked and signs its
    /// chunks, and fails if the body is not `length` bytes long.
    ///
    /// Sets `Content-Length` (the length sent) and `x-amz-content-sha256` (`UNSIGNED-PAYLOAD`
    /// or the framing's marker); aws-chunked also sets `Content-Encoding: aws-chunked`,
    /// `x-amz-decoded-content-length` and, with a checksum, `x-amz-trailer`.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use countersign_client::{ChecksumAlgorithm, Chunking, Credentials, Framing, Signer, StreamSigning};
    /// use time::macros::datetime;
    ///
    /// let signer = Signer::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "s3").s3();
    /// // Any http_body::Body; here three pieces of a stream.
    /// let pieces = ["hello, ", "streamed ", "world"].map(|p| Ok::<_, std::io::Error>(
    ///     http_body::Frame::data(Bytes::from(p)),
    /// ));
    /// let body = http_body_util::StreamBody::new(futures_util::stream::iter(pieces));
    /// let request = http::Request::put("https://bucket.s3.amazonaws.com/greeting").body(body)?;
    /// let chunking = Chunking::new(Framing::SignedTrailer).checksum(ChecksumAlgorithm::Crc32);
    /// let request = signer.sign_stream(
    ///     request,
    ///     21,
    ///     StreamSigning::Chunked(chunking),
    ///     datetime!(2024-03-01 10:00:00 UTC),
    /// )?;
    /// let headers = request.headers();
    /// assert_eq!(headers["content-encoding"], "aws-chunked");
    /// assert_eq!(headers["x-amz-decoded-content-length"], "21");
    /// assert_eq!(headers["x-amz-content-sha256"], "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
    /// assert_eq!(headers["x-amz-trailer"], "x-amz-checksum-crc32");
    /// // Send `request` with any client that takes an http_body::Body.
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_stream<B>(
        &self,
        request: http::Request<B>,
        length: u64,
        signing: StreamSigning,
        time: OffsetDateTime,
    ) -> Result<http::Request<SignedBody<B>>, Error> {
        let (parts, body) = request.into_parts();
        let mut head = http::Request::from_parts(parts, ());
        let body = match signing {
            StreamSigning::Unsigned => {
                self.sign_whole(&mut head, length, UNSIGNED_PAYLOAD, time)?;
                SignedBody::whole(body, length)
            }
            StreamSigning::Chunked(chunking) => {
                let encoder = self.sign_chunked(
                    &mut head,
                    chunking.framing,
                    length,
                    chunking.chunk_size,
                    chunking.checksum,
                    time,
                )?;
                let trailer = chunking.checksum.filter(|_| chunking.framing.has_trailer());
                let encoded =
                    encoded_length(chunking.framing, length, chunking.chunk_size, trailer);
                SignedBody::chunked(body, length, encoded, encoder)
            }
        };
        let (parts, ()) = head.into_parts();
        Ok(http::Request::from_parts(parts, body))
    }

    /// [`Signer::sign_stream`] as of the system clock.
    pub fn sign_stream_now<B>(
        &self,
        request: http::Request<B>,
        length: u64,
        signing: StreamSigning,
    ) -> Result<http::Request<SignedBody<B>>, Error> {
        self.sign_stream(request, length, signing, OffsetDateTime::now_utc())
    }

    /// Signs a request whose body of `length` bytes is sent whole (not aws-chunked), with
    /// `payload_hash` (a SHA-256 in hex, or `UNSIGNED-PAYLOAD`) in `x-amz-content-sha256`,
    /// so that any server knows what was signed without hashing the body to find out.
    pub(crate) fn sign_whole<B>(
        &self,
        request: &mut http::Request<B>,
        length: u64,
        payload_hash: &str,
        time: OffsetDateTime,
    ) -> Result<Signed, Error> {
        let headers = request.headers_mut();
        headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        let hash = HeaderValue::from_str(payload_hash)
            .map_err(|_| Error::InvalidHeaderValue("x-amz-content-sha256"))?;
        headers.insert("x-amz-content-sha256", hash);
        self.sign(request, Payload::Precomputed(payload_hash), time)
    }
}

pin_project_lite::pin_project! {
    /// A body signed by [`Signer::sign_stream`] (or `Signer::sign_file`): the caller's body
    /// passed on, or framed as aws-chunked with each chunk signed as it goes by. It holds at
    /// most one chunk besides the piece the body last gave, and fails with a [`StreamError`]
    /// if the body gives more or fewer bytes than were signed for.
    pub struct SignedBody<B> {
        #[pin]
        inner: B,
        declared: u64,
        seen: u64,
        inner_done: bool,
        failed: bool,
        framer: Framer,
        remaining: u64,
    }
}

impl<B> fmt::Debug for SignedBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedBody")
            .field("declared", &self.declared)
            .field("seen", &self.seen)
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

/// What is done to the bytes on the way.
enum Framer {
    /// Sent as they come.
    Plain,
    /// Gathered into chunks of the signed size and framed.
    Chunked {
        /// Boxed: the chain and the checksum's state are large beside a plain body.
        encoder: Box<ChunkedEncoder>,
        /// Bytes not yet framed: less than a chunk, unless the body's last piece was larger.
        pending: BytesMut,
        /// Whether the final chunk (and the trailer) went out.
        finished: bool,
    },
}

impl<B> SignedBody<B> {
    /// `inner` sent as it is, `length` bytes long.
    pub(crate) fn whole(inner: B, length: u64) -> Self {
        SignedBody {
            inner,
            declared: length,
            seen: 0,
            inner_done: false,
            failed: false,
            framer: Framer::Plain,
            remaining: length,
        }
    }

    /// `inner`, `length` bytes long, framed by `encoder` in `encoded` bytes.
    fn chunked(inner: B, length: u64, encoded: u64, encoder: ChunkedEncoder) -> Self {
        SignedBody {
            inner,
            declared: length,
            seen: 0,
            inner_done: false,
            failed: false,
            framer: Framer::Chunked {
                encoder: Box::new(encoder),
                pending: BytesMut::new(),
                finished: false,
            },
            remaining: encoded,
        }
    }
}

impl<B> Body for SignedBody<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = StreamError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamError>>> {
        let mut this = self.project();
        loop {
            if *this.failed {
                return Poll::Ready(None);
            }
            if let Framer::Chunked {
                encoder,
                pending,
                finished,
            } = this.framer
            {
                if *finished {
                    return Poll::Ready(None);
                }
                if pending.len() >= encoder.chunk_size() {
                    let chunk = pending.split_to(encoder.chunk_size());
                    return Poll::Ready(Some(Ok(sent(this.remaining, encoder.chunk(&chunk)))));
                }
                if *this.inner_done {
                    let mut last = if pending.is_empty() {
                        Vec::new()
                    } else {
                        encoder.chunk(pending)
                    };
                    pending.clear();
                    last.extend_from_slice(&encoder.finish());
                    *finished = true;
                    return Poll::Ready(Some(Ok(sent(this.remaining, last))));
                }
            } else if *this.inner_done {
                return Poll::Ready(None);
            }
            match ready!(this.inner.as_mut().poll_frame(cx)) {
                Some(Ok(frame)) => {
                    let Ok(mut data) = frame.into_data() else {
                        // The caller's trailers: aws-chunked sends its own, and a plain
                        // body's would not be signed.
                        continue;
                    };
                    let n = data.remaining() as u64;
                    *this.seen = this.seen.saturating_add(n);
                    if *this.seen > *this.declared {
                        *this.failed = true;
                        return Poll::Ready(Some(Err(StreamError::TooLong {
                            declared: *this.declared,
                        })));
                    }
                    let bytes = data.copy_to_bytes(data.remaining());
                    match this.framer {
                        Framer::Plain => {
                            if bytes.is_empty() {
                                continue;
                            }
                            *this.remaining -= n;
                            return Poll::Ready(Some(Ok(Frame::data(bytes))));
                        }
                        Framer::Chunked { pending, .. } => pending.extend_from_slice(&bytes),
                    }
                }
                Some(Err(e)) => {
                    *this.failed = true;
                    return Poll::Ready(Some(Err(StreamError::Body(e.into()))));
                }
                None => {
                    *this.inner_done = true;
                    if *this.seen < *this.declared {
                        *this.failed = true;
                        return Poll::Ready(Some(Err(StreamError::TooShort {
                            declared: *this.declared,
                            sent: *this.seen,
                        })));
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        if self.failed {
            return true;
        }
        match &self.framer {
            Framer::Plain => self.remaining == 0,
            Framer::Chunked { finished, .. } => *finished,
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// `framed` as a data frame, counted off what remains to send.
fn sent(remaining: &mut u64, framed: Vec<u8>) -> Frame<Bytes> {
    *remaining = remaining.saturating_sub(framed.len() as u64);
    Frame::data(Bytes::from(framed))
}

/// Why a [`SignedBody`] stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError {
    /// The body failed.
    Body(BoxError),
    /// The body gave more bytes than the `declared` length that was signed.
    TooLong {
        /// The length signed for.
        declared: u64,
    },
    /// The body ended after `sent` bytes, short of the `declared` length that was signed.
    TooShort {
        /// The length signed for.
        declared: u64,
        /// The bytes the body gave.
        sent: u64,
    },
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Body(e) => write!(f, "the body failed: {e}"),
            StreamError::TooLong { declared } => write!(
                f,
                "the body is longer than the {declared} bytes it was signed for"
            ),
            StreamError::TooShort { declared, sent } => write!(
                f,
                "the body ended after {sent} of the {declared} bytes it was signed for"
            ),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Body(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}
