//! A response body whose first bytes were read to find an error code, then handed back
//! whole: [`PeekedBody`] gives the bytes read, then what the body had not yet given.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};

/// A response body as a signing sender hands it back: the body as the server sent it, of
/// which the sender may have read the first bytes of an error response (at most
/// [`ERROR_BODY_LIMIT`](crate::ERROR_BODY_LIMIT) and the frame that crossed it) to find its
/// error code. Those bytes come first, then the rest of the body; a trailer or an error the
/// body gave while it was read comes after them, where it was.
///
/// Its data are `Bytes`; its error is the inner body's.
pub struct PeekedBody<B: Body> {
    /// The bytes read ahead, not yet given.
    read: Option<Bytes>,
    /// A trailer frame read ahead.
    trailers: Option<HeaderMap>,
    /// An error the body gave while it was read ahead.
    error: Option<B::Error>,
    /// Whether the inner body has ended (or failed), so that it is not polled again.
    inner_done: bool,
    inner: B,
}

impl<B: Body> fmt::Debug for PeekedBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeekedBody")
            .field("read_ahead", &self.read.as_ref().map_or(0, Bytes::len))
            .field("inner_done", &self.inner_done)
            .finish_non_exhaustive()
    }
}

impl<B: Body + Unpin> PeekedBody<B> {
    /// `inner` with nothing read.
    pub(crate) fn new(inner: B) -> Self {
        PeekedBody {
            read: None,
            trailers: None,
            error: None,
            inner_done: false,
            inner,
        }
    }

    /// Reads `inner` until `limit` bytes (or its end, a trailer or an error), and returns
    /// the body that gives them again, with the bytes read.
    pub(crate) async fn read_ahead(inner: B, limit: usize) -> (Self, Bytes) {
        let mut body = PeekedBody::new(inner);
        let mut read = BytesMut::new();
        while read.len() < limit && !body.inner_done {
            let frame = std::future::poll_fn(|cx| Pin::new(&mut body.inner).poll_frame(cx)).await;
            match frame {
                None => body.inner_done = true,
                Some(Err(error)) => {
                    body.error = Some(error);
                    body.inner_done = true;
                }
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(mut data) => read.extend_from_slice(&data.copy_to_bytes(data.remaining())),
                    Err(frame) => {
                        // A trailer ends the body's data: keep it, read no further.
                        if let Ok(trailers) = frame.into_trailers() {
                            body.trailers = Some(trailers);
                            body.inner_done = true;
                        }
                    }
                },
            }
        }
        let read = read.freeze();
        if !read.is_empty() {
            body.read = Some(read.clone());
        }
        (body, read)
    }
}

impl<B> Body for PeekedBody<B>
where
    B: Body + Unpin,
    B::Error: Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = self.get_mut();
        if let Some(read) = this.read.take() {
            return Poll::Ready(Some(Ok(Frame::data(read))));
        }
        if let Some(trailers) = this.trailers.take() {
            return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
        }
        if let Some(error) = this.error.take() {
            return Poll::Ready(Some(Err(error)));
        }
        if this.inner_done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                this.inner_done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(error))) => {
                this.inner_done = true;
                Poll::Ready(Some(Err(error)))
            }
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(
                frame.map_data(|mut data| data.copy_to_bytes(data.remaining()))
            ))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.read.is_none()
            && self.trailers.is_none()
            && self.error.is_none()
            && (self.inner_done || self.inner.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        let read = self.read.as_ref().map_or(0, |r| r.len() as u64);
        let rest = if self.inner_done {
            SizeHint::with_exact(0)
        } else {
            self.inner.size_hint()
        };
        let mut hint = SizeHint::new();
        hint.set_lower(rest.lower().saturating_add(read));
        if let Some(upper) = rest.upper() {
            hint.set_upper(upper.saturating_add(read));
        }
        hint
    }
}
