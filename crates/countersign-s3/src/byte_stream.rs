//! [`ByteStream`]: an object's bytes going out, as a storage reads them.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;

/// A stream of an object's bytes (a range of them), as
/// [`ObjectReader::read`](crate::ObjectReader::read) gives them. An error ends the
/// response's body: the client sees the connection cut short.
pub struct ByteStream {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream").finish_non_exhaustive()
    }
}

impl ByteStream {
    /// The bytes of `stream`.
    pub fn new(stream: impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static) -> Self {
        ByteStream {
            inner: Box::pin(stream),
        }
    }

    /// These bytes, in one chunk (none when empty).
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self::new(Once(Some(bytes.into()).filter(|b| !b.is_empty())))
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// One chunk, then the end.
struct Once(Option<Bytes>);

impl Stream for Once {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().map(Ok))
    }
}
