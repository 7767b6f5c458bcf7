//! Request bodies for the tests: one that counts how many of its bytes were read (and an
//! exchange through a router that tells how much of it the router read), one that fails, one
//! that stays open until the test lets it end, and one that brings bytes where none were
//! announced.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use bytes::Bytes;
use countersign::client::{Credentials, Payload, Signer};
use http::{Request, StatusCode};
use http_body::{Body, Frame, SizeHint};
use tower::ServiceExt;

use crate::{read as read_answer, Answer, NOW, SECRET};

/// How long a test waits for an answer that must come without the body.
pub(crate) const PATIENCE: Duration = Duration::from_secs(5);

/// `data` in frames of `frame` bytes; its size is told when `tell_size`, as a
/// `Content-Length` would.
pub(crate) struct Counted {
    frames: VecDeque<Bytes>,
    read: Arc<AtomicUsize>,
    tell_size: bool,
}

impl Counted {
    /// The body, and the count of its bytes read so far.
    pub(crate) fn new(data: &[u8], frame: usize, tell_size: bool) -> (Counted, Arc<AtomicUsize>) {
        let read = Arc::new(AtomicUsize::new(0));
        let body = Counted {
            frames: data.chunks(frame).map(Bytes::copy_from_slice).collect(),
            read: Arc::clone(&read),
            tell_size,
        };
        (body, read)
    }
}

impl Body for Counted {
    type Data = Bytes;
    type Error = Infallible;

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
pub(crate) async fn exchange(
    app: Router,
    request: Request<()>,
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
    (status, text, count.load(Ordering::SeqCst))
}

/// A body that fails at its first read, and must not be read after that.
pub(crate) struct FailsOnce {
    failed: bool,
}

impl FailsOnce {
    pub(crate) fn body() -> axum::body::Body {
        axum::body::Body::new(FailsOnce { failed: false })
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

/// Keeps a [`stalled`] body open; dropping it ends the body.
pub(crate) type Open = tokio::sync::mpsc::Sender<Result<Bytes, Infallible>>;

/// A body that sends `first` and then never ends, and the sender that keeps it open.
pub(crate) fn stalled(first: &'static [u8]) -> (axum::body::Body, Open) {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    let stream = ChannelStream {
        first: (!first.is_empty()).then(|| Bytes::from_static(first)),
        receiver,
    };
    (axum::body::Body::from_stream(stream), sender)
}

/// The stream of `first`, then of what the channel gives.
struct ChannelStream {
    first: Option<Bytes>,
    receiver: tokio::sync::mpsc::Receiver<Result<Bytes, Infallible>>,
}

impl futures_core::Stream for ChannelStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(first)));
        }
        self.receiver.poll_recv(cx)
    }
}

/// [`crate::answer`], failing the test when no answer comes within [`PATIENCE`].
pub(crate) async fn answer_soon(app: &Router, request: Request<axum::body::Body>) -> Answer {
    tokio::time::timeout(PATIENCE, crate::answer(app, request))
        .await
        .expect("an answer without waiting for the body")
}

/// The answer to a request whose body stays open until `open` is dropped: its status and
/// headers must come while the body is still open (the layer did not wait to read it); the
/// refusal's message comes once the rest of the body was read, so `open` is dropped then.
pub(crate) async fn answer_while_open(
    app: &Router,
    request: Request<axum::body::Body>,
    open: Open,
) -> Answer {
    let response = tokio::time::timeout(PATIENCE, app.clone().oneshot(request))
        .await
        .expect("an answer while the body is still open")
        .unwrap();
    drop(open);
    read_answer(response).await
}

/// A POST whose body (declaring no hash: it is buffered to be hashed) was signed as
/// `signed_body` by `access_key_id`, sent as `body`, with a `Content-Length` of `length` when
/// given (else in chunked transfer).
pub(crate) fn buffered_post(
    access_key_id: &str,
    signed_body: &[u8],
    body: axum::body::Body,
    length: Option<usize>,
) -> Request<axum::body::Body> {
    let mut builder = Request::post("http://api.example.com/items");
    builder = match length {
        Some(length) => builder.header(http::header::CONTENT_LENGTH, length),
        // As an HTTP/1 server sees a body of no declared length.
        None => builder.header(http::header::TRANSFER_ENCODING, "chunked"),
    };
    let mut request = builder.body(body).unwrap();
    Signer::new(
        Credentials::new(access_key_id, SECRET),
        "us-east-1",
        "execute-api",
    )
    .sign(&mut request, Payload::Bytes(signed_body), NOW)
    .unwrap();
    request
}

/// A body that yields a few bytes where the request said there would be none: with an exact
/// size hint of 0 when `hinted`, without a hint otherwise (as a body wrapper that does not
/// pass the hint on).
pub(crate) struct Surprise {
    sent: bool,
    hinted: bool,
}

impl Surprise {
    pub(crate) fn body(hinted: bool) -> axum::body::Body {
        axum::body::Body::new(Surprise {
            sent: false,
            hinted,
        })
    }
}

impl Body for Surprise {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if std::mem::replace(&mut self.sent, true) {
            return Poll::Ready(None);
        }
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"surprise")))))
    }

    fn size_hint(&self) -> SizeHint {
        match self.hinted {
            true => SizeHint::with_exact(0),
            false => SizeHint::default(),
        }
    }
}
