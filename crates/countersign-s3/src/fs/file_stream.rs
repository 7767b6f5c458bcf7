//! An [`FsStorage`](super::FsStorage) object's bytes going out: a range of an open file,
//! streamed in chunks.

use std::io::SeekFrom;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use tokio::io::{AsyncRead, AsyncSeek, ReadBuf};

use crate::byte_stream::ByteStream;
use crate::storage::ObjectReader;

/// The most bytes read at once.
const CHUNK: usize = 256 * 1024;

/// An object's file, opened with its metadata: the
/// [`Storage::Reader`](crate::Storage::Reader) of [`FsStorage`](super::FsStorage).
#[derive(Debug)]
pub struct FileReader {
    file: tokio::fs::File,
}

impl FileReader {
    pub(super) fn new(file: tokio::fs::File) -> Self {
        FileReader { file }
    }
}

impl ObjectReader for FileReader {
    fn read(self, start: u64, length: u64) -> ByteStream {
        let size = usize::try_from(length).unwrap_or(CHUNK).clamp(1, CHUNK);
        ByteStream::new(FileStream {
            file: self.file,
            seek: (start > 0).then_some(Seek::Pending(start)),
            remaining: length,
            buffer: vec![0; size],
        })
    }
}

/// Where the stream stands with its seek to the range's start.
#[derive(Debug, Clone, Copy)]
enum Seek {
    /// To start, at this offset.
    Pending(u64),
    /// Started, to complete.
    Started,
}

/// `remaining` bytes of a file, from the offset it seeks to first.
#[derive(Debug)]
struct FileStream {
    file: tokio::fs::File,
    seek: Option<Seek>,
    remaining: u64,
    buffer: Vec<u8>,
}

impl Stream for FileStream {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        if let Some(Seek::Pending(offset)) = this.seek {
            if let Err(e) = Pin::new(&mut this.file).start_seek(SeekFrom::Start(offset)) {
                this.remaining = 0;
                return Poll::Ready(Some(Err(e)));
            }
            this.seek = Some(Seek::Started);
        }
        if let Some(Seek::Started) = this.seek {
            if let Err(e) = ready!(Pin::new(&mut this.file).poll_complete(cx)) {
                this.remaining = 0;
                return Poll::Ready(Some(Err(e)));
            }
            this.seek = None;
        }
        let want = usize::try_from(this.remaining)
            .unwrap_or(usize::MAX)
            .min(this.buffer.len());
        let mut buf = ReadBuf::new(&mut this.buffer[..want]);
        if let Err(e) = ready!(Pin::new(&mut this.file).poll_read(cx, &mut buf)) {
            this.remaining = 0;
            return Poll::Ready(Some(Err(e)));
        }
        let filled = buf.filled();
        if filled.is_empty() {
            this.remaining = 0;
            return Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the object became shorter while it was read",
            ))));
        }
        this.remaining -= filled.len() as u64;
        Poll::Ready(Some(Ok(Bytes::copy_from_slice(filled))))
    }
}
