//! Object bytes going out: a file (or a range of it) streamed as a response body, and the
//! `Range` header.

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::http::StatusCode;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

use crate::xml::S3Error;

const CHUNK: usize = 256 * 1024;

/// `length` bytes of an open file (positioned where they start), as a response body.
#[derive(Debug)]
pub(crate) struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
    buffer: Vec<u8>,
}

impl FileBody {
    pub(crate) fn new(file: tokio::fs::File, length: u64) -> Self {
        let size = usize::try_from(length).unwrap_or(CHUNK).clamp(1, CHUNK);
        FileBody {
            file,
            remaining: length,
            buffer: vec![0; size],
        }
    }
}

impl http_body::Body for FileBody {
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
        let want = usize::try_from(this.remaining)
            .unwrap_or(usize::MAX)
            .min(this.buffer.len());
        let mut buf = ReadBuf::new(&mut this.buffer[..want]);
        ready!(Pin::new(&mut this.file).poll_read(cx, &mut buf))?;
        let filled = buf.filled();
        if filled.is_empty() {
            this.remaining = 0;
            return Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the object became shorter while it was read",
            ))));
        }
        this.remaining -= filled.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(filled)))))
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
