//! Request bodies for the tests: one that counts how many of its bytes were read (and an
//! exchange through a router that tells how much of it the router read), and one that fails.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use bytes::Bytes;
use http::StatusCode;
use http_body::{Body, Frame, SizeHint};
use tower::ServiceExt;

/// `data` in frames of `frame` bytes; its size is told when `tell_size`, as a
/// `Content-Length` would.
pub struct Counted {
    frames: VecDeque<Bytes>,
    read: Arc<AtomicUsize>,
    tell_size: bool,
}

impl Counted {
    /// The body, and the count of its bytes read so far.
    pub fn new(data: &[u8], frame: usize, tell_size: bool) -> (Counted, Arc<AtomicUsize>) {
        let read = Arc::new(AtomicUsize::new(0));
        let body = Counted {
            frames: data.chunks(frame).map(Bytes::copy_from_slice).collect(),
            read: Arc::clone(&read),
            tell_size,
        };
        (body, read)
    }
}

/// The bytes read of a [`Counted`] body.
pub fn read(count: &AtomicUsize) -> usize {
    count.load(Ordering::SeqCst)
}

impl Body for Counted {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = self.frames.pop_front();
        if let Some(data) = &frame {
            self.read.fetch_add(data.len(), Ordering::SeqCst);
        }
        Poll::Ready(frame.map(|data| Ok(Frame::data(data))))
    }

    fn size_hint(&self) -> SizeHint {
        match self.tell_size {
            true => SizeHint::with_exact(self.frames.iter().map(|f| f.len() as u64).sum()),
            false => SizeHint::default(),
        }
    }
}

/// Sends `request` through `app` with `data` as its body, in frames of `frame` bytes (its size
/// told when `tell_size`); gives the answer's status and text, and how many bytes of the body
/// were read once the answer was read whole.
pub async fn exchange(
    app: Router,
    request: http::Request<()>,
    data: &[u8],
    frame: usize,
    tell_size: bool,
) -> (StatusCode, String, usize) {
    let (body, count) = Counted::new(data, frame, tell_size);
    let request = request.map(|()| axum::body::Body::new(body));
    let response = app.oneshot(request).await.expect("the router answers");
    let status = response.status();
    let answer = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("the answer is read");
    let text = String::from_utf8_lossy(&answer).into_owned();
    (status, text, read(&count))
}

/// A body that fails at its first read, and must not be read after that.
pub struct FailsOnce {
    failed: bool,
}

impl FailsOnce {
    pub fn new() -> Self {
        FailsOnce { failed: false }
    }
}

impl Body for FailsOnce {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        assert!(!self.failed, "the body was read again after it failed");
        self.failed = true;
        Poll::Ready(Some(Err(std::io::Error::other("cut off"))))
    }
}
