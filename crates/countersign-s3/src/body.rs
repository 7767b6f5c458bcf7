//! Object bytes going out: a storage's stream (or a range of it) as a response body of a
//! known length, and the `Range` header.

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::http::StatusCode;
use bytes::Bytes;
use futures_core::Stream;
use http_body::{Frame, SizeHint};

use crate::byte_stream::ByteStream;
use crate::error::S3Error;

/// `length` bytes of a storage's stream, as a response body: its size is known, and a
/// stream that ends short of it fails the body.
#[derive(Debug)]
pub(crate) struct ObjectBody {
    stream: ByteStream,
    remaining: u64,
}

impl ObjectBody {
    pub(crate) fn new(stream: ByteStream, length: u64) -> Self {
        ObjectBody {
            stream,
            remaining: length,
        }
    }
}

impl http_body::Body for ObjectBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        match ready!(Pin::new(&mut this.stream).poll_next(cx)) {
            Some(Ok(mut data)) => {
                if data.len() as u64 > this.remaining {
                    data.truncate(usize::try_from(this.remaining).unwrap_or(usize::MAX));
                }
                this.remaining -= data.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(data))))
            }
            Some(Err(e)) => {
                this.remaining = 0;
                Poll::Ready(Some(Err(e)))
            }
            None => {
                this.remaining = 0;
                Poll::Ready(Some(Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the object became shorter while it was read",
                ))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// The byte range a `Range` header asks of an object of `size` bytes, first and last
/// inclusive: `Ok(None)` for the whole object (no header, a syntax S3 ignores, several
/// ranges), 416 `InvalidRange` when it cannot be satisfied.
pub(crate) fn parse_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, S3Error> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let unsatisfiable = || {
        let mut e = S3Error::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            "The requested range is not satisfiable",
        );
        e.content_range = Some(format!("bytes */{size}"));
        e
    };
    match (first.trim(), last.trim()) {
        ("", suffix) => {
            let Ok(n) = suffix.parse::<u64>() else {
                return Ok(None);
            };
            if n == 0 || size == 0 {
                return Err(unsatisfiable());
            }
            Ok(Some((size - n.min(size), size - 1)))
        }
        (first, last) => {
            let Ok(first) = first.parse::<u64>() else {
                return Ok(None);
            };
            let last = match last {
                "" => None,
                l => match l.parse::<u64>() {
                    Ok(l) if l >= first => Some(l),
                    _ => return Ok(None),
                },
            };
            if first >= size {
                return Err(unsatisfiable());
            }
            Ok(Some((first, last.map_or(size - 1, |l| l.min(size - 1)))))
        }
    }
}
