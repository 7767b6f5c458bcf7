//! [`SendBody`]: the body a [`SigningService`](crate::SigningService) hands its inner
//! service: bytes read whole (and hashed), or the caller's stream passed on.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};

use crate::send_error::{BoxError, SendError};

pin_project_lite::pin_project! {
    /// The request body a [`SigningService`](crate::SigningService) sends through its inner
    /// service (so a hyper-util client under a `SigningLayer` is a
    /// `Client<_, SendBody<B>>`): the caller's body read whole, which can be sent again, or
    /// the caller's body passed on as it streams. Its data are `Bytes`, its error boxed.
    pub struct SendBody<B> {
        data: Option<Bytes>,
        trailers: Option<HeaderMap>,
        #[pin]
        stream: Option<B>,
    }
}

impl<B> fmt::Debug for SendBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendBody")
            .field("bytes", &self.data.as_ref().map_or(0, Bytes::len))
            .field("streaming", &self.stream.is_some())
            .finish_non_exhaustive()
    }
}

impl<B> SendBody<B> {
    /// A body of `data`, then `trailers`.
    pub(crate) fn whole(data: Bytes, trailers: Option<HeaderMap>) -> Self {
        SendBody {
            data: Some(data).filter(|d| !d.is_empty()),
            trailers,
            stream: None,
        }
    }

    /// `stream`, passed on.
    pub(crate) fn streaming(stream: B) -> Self {
        SendBody {
            data: None,
            trailers: None,
            stream: Some(stream),
        }
    }
}

impl<B> Body for SendBody<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.project();
        if let Some(data) = this.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if let Some(trailers) = this.trailers.take() {
            return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
        }
        let Some(stream) = this.stream.as_pin_mut() else {
            return Poll::Ready(None);
        };
        match stream.poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error.into()))),
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(
                frame.map_data(|mut data| data.copy_to_bytes(data.remaining()))
            ))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
            && self.trailers.is_none()
            && self.stream.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        match &self.stream {
            Some(stream) => stream.size_hint(),
            None => SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64)),
        }
    }
}

/// A request body as the layer found it: read whole, or to stream.
pub(crate) enum Prepared<B> {
    /// Read whole: its bytes and trailers.
    Whole(Bytes, Option<HeaderMap>),
    /// To be passed on as it streams.
    Stream(B),
}

impl<B> Prepared<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    /// `body` read whole if it says it has an exact length of at most `limit` bytes (or
    /// has ended), else left to stream. A body that gives more bytes than it said, or
    /// fewer, is an error, so that what is read stays within `limit`.
    pub(crate) async fn of(body: B, limit: usize) -> Result<Self, SendError> {
        if body.is_end_stream() {
            return Ok(Prepared::Whole(Bytes::new(), None));
        }
        match body.size_hint().exact() {
            Some(length) if length <= limit as u64 => read_whole(body, length).await,
            _ => Ok(Prepared::Stream(body)),
        }
    }
}

/// Reads `body`, which said it has exactly `length` bytes.
async fn read_whole<B>(body: B, length: u64) -> Result<Prepared<B>, SendError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let mut body = std::pin::pin!(body);
    // One frame is kept as it is (a `Full` body gives one); more are copied together.
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    let mut seen: u64 = 0;
    let mut trailers = None;
    while let Some(frame) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        let frame = frame.map_err(|e| SendError::Body(e.into()))?;
        let mut data = match frame.into_data() {
            Ok(data) => data,
            Err(frame) => {
                trailers = frame.into_trailers().ok();
                break;
            }
        };
        let piece = data.copy_to_bytes(data.remaining());
        seen = seen.saturating_add(piece.len() as u64);
        if seen > length {
            return Err(SendError::Body(
                format!("the body gave more than the {length} bytes its size hint said").into(),
            ));
        }
        match (&mut first, &mut joined) {
            (None, None) => first = Some(piece),
            (Some(_), None) => {
                let mut buffer = BytesMut::with_capacity(length as usize);
                if let Some(first) = first.take() {
                    buffer.extend_from_slice(&first);
                }
                buffer.extend_from_slice(&piece);
                joined = Some(buffer);
            }
            (_, Some(buffer)) => buffer.extend_from_slice(&piece),
        }
    }
    if seen < length {
        return Err(SendError::Body(
            format!("the body gave {seen} bytes, not the {length} its size hint said").into(),
        ));
    }
    let data = match (first, joined) {
        (_, Some(buffer)) => buffer.freeze(),
        (Some(first), None) => first,
        (None, None) => Bytes::new(),
    };
    Ok(Prepared::Whole(data, trailers))
}
