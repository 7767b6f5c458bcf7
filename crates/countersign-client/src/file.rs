//! Signing a request that uploads a file, read with tokio as it is sent (never whole in
//! memory): unsigned, with the SHA-256 computed by streaming the file once beforehand, or
//! framed as aws-chunked with signed chunks.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::fs::File;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, ReadBuf};

use crate::error::Error;
use crate::signer::Signer;
use crate::streaming::{Chunking, SignedBody, StreamSigning};

/// The most bytes read from a file at once.
const READ_SIZE: usize = 64 * 1024;

/// How a file's body is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSigning {
    /// `UNSIGNED-PAYLOAD`: the file is sent as it is, not covered by the signature.
    Unsigned,
    /// The SHA-256 of the file, computed by reading it through once before signing.
    Sha256,
    /// aws-chunked, each chunk signed as it is read (see [`Chunking`]).
    Chunked(Chunking),
}

impl Signer {
    /// Signs `request` as of `time` to upload the file at `path`, and returns the request
    /// with the body to send: the file, read as it is sent, in a [`SignedBody`] (which fails
    /// if the file's length changes on the way). The length is the file's when signing.
    ///
    /// Sets `Content-Length` and `x-amz-content-sha256` (the file's SHA-256,
    /// `UNSIGNED-PAYLOAD`, or the aws-chunked marker); aws-chunked also sets the headers
    /// [`Signer::sign_stream`] does. A file that cannot be read is an [`Error::File`].
    ///
    /// ```
    /// use countersign_client::{Credentials, FileSigning, Signer};
    /// use time::macros::datetime;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("note.txt");
    /// std::fs::write(&path, "hello")?;
    ///
    /// let signer = Signer::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "s3").s3();
    /// let request = http::Request::put("https://bucket.s3.amazonaws.com/note.txt").body(())?;
    /// let request = signer
    ///     .sign_file(request, &path, FileSigning::Sha256, datetime!(2024-03-01 10:00:00 UTC))
    ///     .await?;
    /// assert_eq!(request.headers()["content-length"], "5");
    /// assert_eq!(
    ///     request.headers()["x-amz-content-sha256"],
    ///     "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    /// );
    /// // Send `request`; its body streams the file.
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sign_file<B>(
        &self,
        request: http::Request<B>,
        path: impl AsRef<Path>,
        signing: FileSigning,
        time: OffsetDateTime,
    ) -> Result<http::Request<SignedBody<FileBody>>, Error> {
        let path = path.as_ref();
        let failed = |e: io::Error| Error::file(path, &e);
        let mut file = File::open(path).await.map_err(failed)?;
        let metadata = file.metadata().await.map_err(failed)?;
        if !metadata.is_file() {
            return Err(Error::file(
                path,
                &io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
            ));
        }
        let (parts, _) = request.into_parts();
        let mut head = http::Request::from_parts(parts, ());
        let stream = match signing {
            FileSigning::Unsigned => StreamSigning::Unsigned,
            FileSigning::Chunked(chunking) => StreamSigning::Chunked(chunking),
            FileSigning::Sha256 => {
                let (hash, length) = sha256_of(&mut file).await.map_err(failed)?;
                file.rewind().await.map_err(failed)?;
                self.sign_whole(&mut head, length, &hash, time)?;
                let (parts, ()) = head.into_parts();
                let body = SignedBody::whole(FileBody::new(file, length), length);
                return Ok(http::Request::from_parts(parts, body));
            }
        };
        let length = metadata.len();
        self.sign_stream(
            head.map(|()| FileBody::new(file, length)),
            length,
            stream,
            time,
        )
    }

    /// [`Signer::sign_file`] as of the system clock.
    pub async fn sign_file_now<B>(
        &self,
        request: http::Request<B>,
        path: impl AsRef<Path>,
        signing: FileSigning,
    ) -> Result<http::Request<SignedBody<FileBody>>, Error> {
        self.sign_file(request, path, signing, OffsetDateTime::now_utc())
            .await
    }
}

/// The hex SHA-256 and the length of what remains of `file`, read in pieces.
async fn sha256_of(file: &mut File) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; READ_SIZE];
    let mut length = 0u64;
    loop {
        let n = file.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        length += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), length))
}

/// An open file as an `http_body::Body`: `length` bytes read from where it stands, in pieces
/// of at most 64 KiB. A file that ends early fails with `UnexpectedEof`; bytes past
/// `length` are not read.
#[derive(Debug)]
pub struct FileBody {
    file: File,
    remaining: u64,
    buffer: Vec<u8>,
}

impl FileBody {
    /// `length` bytes of `file`, from where it stands.
    pub fn new(file: File, length: u64) -> Self {
        FileBody {
            file,
            remaining: length,
            buffer: Vec::new(),
        }
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(this.remaining).map_or(READ_SIZE, |r| r.min(READ_SIZE));
        this.buffer.resize(want, 0);
        let mut read = ReadBuf::new(&mut this.buffer);
        match Pin::new(&mut this.file).poll_read(cx, &mut read) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Ready(Ok(())) => {
                let filled = read.filled();
                if filled.is_empty() {
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the file ended {} bytes early", this.remaining),
                    ))));
                }
                this.remaining -= filled.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(filled)))))
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
