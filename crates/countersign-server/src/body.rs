//! Bodies: the request body the handler reads (checked against the declared hash while it
//! streams), and the response body (the handler's, or a rejection).
//!
//! A handler that stores what it reads should read the whole body first: a body whose hash
//! is not the declared one ends with a [`BodyError`] instead of its last frame, and the
//! error names its AWS code.
//!
//! ```
//! use countersign_server::BodyError;
//! let e = BodyError::ContentSha256Mismatch { declared: "ab".repeat(32), computed: "cd".repeat(32) };
//! assert_eq!((e.status().as_u16(), e.code()), (400, "XAmzContentSHA256Mismatch"));
//! ```

use std::fmt;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use http::StatusCode;
use http_body::{Body, Frame, SizeHint};
use http_body_util::Full;
use pin_project_lite::pin_project;
use sha2::{Digest, Sha256};

/// An error boxed for transport.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pin_project! {
    /// The request body the inner service reads: passed through (`UNSIGNED-PAYLOAD`),
    /// hashed while streaming (a declared `x-amz-content-sha256`; ends with
    /// [`BodyError::ContentSha256Mismatch`] on a mismatch), or read and verified before the
    /// handler ran.
    pub struct VerifiedBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Passthrough { #[pin] inner: B },
        Hashing { #[pin] inner: B, hasher: Option<Sha256>, expected: [u8; 32] },
        Buffered { data: Option<Bytes> },
    }
}

impl<B> VerifiedBody<B> {
    pub(crate) fn passthrough(inner: B) -> Self {
        VerifiedBody {
            kind: Kind::Passthrough { inner },
        }
    }

    pub(crate) fn hashing(inner: B, expected: [u8; 32]) -> Self {
        VerifiedBody {
            kind: Kind::Hashing {
                inner,
                hasher: Some(Sha256::new()),
                expected,
            },
        }
    }

    pub(crate) fn buffered(data: Bytes) -> Self {
        VerifiedBody {
            kind: Kind::Buffered { data: Some(data) },
        }
    }
}

impl<B> fmt::Debug for VerifiedBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            Kind::Passthrough { .. } => "VerifiedBody::Passthrough",
            Kind::Hashing { .. } => "VerifiedBody::Hashing",
            Kind::Buffered { .. } => "VerifiedBody::Buffered",
        })
    }
}

/// Why a verified body ended early.
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
    /// The underlying body failed.
    Inner(BoxError),
}

impl BodyError {
    /// The AWS error code to answer with.
    pub fn code(&self) -> &'static str {
        match self {
            BodyError::ContentSha256Mismatch { .. } => "XAmzContentSHA256Mismatch",
            BodyError::Inner(_) => "IncompleteBody",
        }
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
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
            BodyError::Inner(e) => write!(f, "the request body could not be read: {e}"),
        }
    }
}

impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BodyError::Inner(e) => Some(e.as_ref()),
            BodyError::ContentSha256Mismatch { .. } => None,
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
        match self.project().kind.project() {
            KindProj::Passthrough { inner } => inner
                .poll_frame(cx)
                .map(|f| f.map(|r| r.map_err(|e| BodyError::Inner(e.into())))),
            KindProj::Buffered { data } => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            KindProj::Hashing {
                inner,
                hasher,
                expected,
            } => {
                let Some(state) = hasher.as_mut() else {
                    return Poll::Ready(None);
                };
                match ready!(inner.poll_frame(cx)) {
                    Some(Ok(frame)) => {
                        if let Some(data) = frame.data_ref() {
                            state.update(data);
                        }
                        Poll::Ready(Some(Ok(frame)))
                    }
                    Some(Err(e)) => {
                        *hasher = None;
                        Poll::Ready(Some(Err(BodyError::Inner(e.into()))))
                    }
                    None => {
                        let computed: [u8; 32] = hasher
                            .take()
                            .map(|h| h.finalize().into())
                            .unwrap_or_default();
                        if computed == *expected {
                            Poll::Ready(None)
                        } else {
                            Poll::Ready(Some(Err(BodyError::ContentSha256Mismatch {
                                declared: hex::encode(expected),
                                computed: hex::encode(computed),
                            })))
                        }
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Passthrough { inner } => inner.is_end_stream(),
            // The end of a hashed body is where the check happens: it must be polled.
            Kind::Hashing { hasher, .. } => hasher.is_none(),
            Kind::Buffered { data } => data.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Passthrough { inner } | Kind::Hashing { inner, .. } => inner.size_hint(),
            Kind::Buffered { data } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
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
        Rejection { #[pin] body: Full<Bytes> },
    }
}

impl<B> ResponseBody<B> {
    pub(crate) fn inner(body: B) -> Self {
        ResponseBody {
            kind: Reply::Inner { body },
        }
    }

    pub(crate) fn rejection(body: Full<Bytes>) -> Self {
        ResponseBody {
            kind: Reply::Rejection { body },
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
            ReplyProj::Rejection { body } => body
                .poll_frame(cx)
                .map(|f| f.map(|r| r.map_err(|never| match never {}))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Reply::Inner { body } => body.is_end_stream(),
            Reply::Rejection { body } => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Reply::Inner { body } => body.size_hint(),
            Reply::Rejection { body } => body.size_hint(),
        }
    }
}
