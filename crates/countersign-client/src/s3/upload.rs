//! What an S3 upload sends ([`UploadBody`]: bytes, a file or a part of one, any stream) and
//! how: bytes through the reqwest sender, files and streams signed by
//! [`Signer::sign_file`](crate::Signer::sign_file) and
//! [`Signer::sign_stream`](crate::Signer::sign_stream), as `UNSIGNED-PAYLOAD` or aws-chunked,
//! the file opened again for each attempt.

use std::fmt;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::TryStreamExt;
use http::{HeaderMap, Method};
use http_body::{Body, Frame, SizeHint};
use tokio::io::AsyncSeekExt;

use crate::error::Error;
use crate::file::{FileBody, FileSigning};
use crate::reqwest_request::execute;
use crate::retry::{Attempts, Verdict};
use crate::s3::address::Resource;
use crate::s3::client::{build_error, S3Client};
use crate::send_error::{BoxError, SendError};
use crate::service_error::CallError;
use crate::signer::Signer;
use crate::streaming::{Chunking, StreamSigning};

/// A stream of bytes, boxed.
type BoxStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

/// The body of an upload (`put_object`, `upload_part`).
///
/// - Bytes (from `Vec<u8>`, `Bytes`, `String`, `&'static str`, `&'static [u8]`): signed
///   with their SHA-256, and sent again if the attempt is retried.
/// - A file ([`UploadBody::file`]) or a part of one ([`UploadBody::file_part`]): read as it
///   is sent (never whole in memory), signed as [`FileSigning`] or [`StreamSigning`] says
///   (`UNSIGNED-PAYLOAD`, aws-chunked with each chunk signed, or, for a whole file, its
///   SHA-256 computed by reading it through first); opened again for each attempt.
/// - A stream ([`UploadBody::stream`]) of a length given beforehand, signed as
///   [`StreamSigning`] says; sent once, never retried.
///
/// ```
/// use bytes::Bytes;
/// use countersign_client::s3::UploadBody;
/// use countersign_client::{Chunking, FileSigning, Framing, StreamSigning};
///
/// let bytes = UploadBody::from("hello");
/// let chunked = FileSigning::Chunked(Chunking::new(Framing::Signed));
/// let file = UploadBody::file("backup.tar", chunked);
/// let part = UploadBody::file_part("backup.tar", 8 << 20, 8 << 20, StreamSigning::Unsigned);
/// let pieces = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("hi"))]);
/// let stream = UploadBody::stream(pieces, 2, StreamSigning::Unsigned);
/// ```
pub struct UploadBody {
    kind: Kind,
}

enum Kind {
    /// Sent by the reqwest sender, which hashes them.
    Bytes(Bytes),
    /// Signed here, by the signer's file and stream signing.
    Streamed(Streamed),
}

/// A body that streams as it is sent.
enum Streamed {
    File {
        path: PathBuf,
        signing: FileSigning,
    },
    Part {
        path: PathBuf,
        offset: u64,
        length: u64,
        /// `None`: aws-chunked with signed chunks over HTTP, `UNSIGNED-PAYLOAD` over HTTPS.
        signing: Option<StreamSigning>,
    },
    Stream {
        stream: BoxStream,
        length: u64,
        signing: StreamSigning,
    },
}

impl fmt::Debug for UploadBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Bytes(bytes) => f.debug_tuple("Bytes").field(&bytes.len()).finish(),
            Kind::Streamed(Streamed::File { path, signing }) => f
                .debug_struct("File")
                .field("path", path)
                .field("signing", signing)
                .finish(),
            Kind::Streamed(Streamed::Part {
                path,
                offset,
                length,
                signing,
            }) => f
                .debug_struct("FilePart")
                .field("path", path)
                .field("offset", offset)
                .field("length", length)
                .field("signing", signing)
                .finish(),
            Kind::Streamed(Streamed::Stream {
                length, signing, ..
            }) => f
                .debug_struct("Stream")
                .field("length", length)
                .field("signing", signing)
                .finish_non_exhaustive(),
        }
    }
}

impl UploadBody {
    /// The file at `path`, whole, signed as `signing` says.
    pub fn file(path: impl Into<PathBuf>, signing: FileSigning) -> Self {
        UploadBody {
            kind: Kind::Streamed(Streamed::File {
                path: path.into(),
                signing,
            }),
        }
    }

    /// `length` bytes of the file at `path` from `offset` (a part of a multipart upload),
    /// signed as `signing` says. The file must hold them all.
    pub fn file_part(
        path: impl Into<PathBuf>,
        offset: u64,
        length: u64,
        signing: StreamSigning,
    ) -> Self {
        UploadBody {
            kind: Kind::Streamed(Streamed::Part {
                path: path.into(),
                offset,
                length,
                signing: Some(signing),
            }),
        }
    }

    /// A part of a file signed by the endpoint's scheme: aws-chunked with signed chunks over
    /// HTTP, `UNSIGNED-PAYLOAD` over HTTPS (which protects the bytes on the way).
    pub(crate) fn file_part_by_scheme(path: &Path, offset: u64, length: u64) -> Self {
        UploadBody {
            kind: Kind::Streamed(Streamed::Part {
                path: path.to_path_buf(),
                offset,
                length,
                signing: None,
            }),
        }
    }

    /// `stream`, which must give exactly `length` bytes, signed as `signing` says. A stream
    /// that gives more or fewer fails the upload (see [`StreamError`](crate::StreamError)).
    pub fn stream<S, E>(stream: S, length: u64, signing: StreamSigning) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        UploadBody {
            kind: Kind::Streamed(Streamed::Stream {
                stream: Box::pin(stream.map_err(Into::into)),
                length,
                signing,
            }),
        }
    }
}

impl From<Bytes> for UploadBody {
    fn from(bytes: Bytes) -> Self {
        UploadBody {
            kind: Kind::Bytes(bytes),
        }
    }
}

impl From<Vec<u8>> for UploadBody {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for UploadBody {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for UploadBody {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl From<&'static [u8]> for UploadBody {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

/// A stream as an `http_body::Body` that reqwest takes: reqwest wants a body it may share
/// between threads (`Sync`), which a stream seldom is; the mutex makes it one without ever
/// being locked (the body is polled through `&mut`).
struct StreamBody {
    stream: Mutex<BoxStream>,
    remaining: u64,
}

impl Body for StreamBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let stream = this.stream.get_mut().unwrap_or_else(|p| p.into_inner());
        match stream.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                this.remaining = this.remaining.saturating_sub(bytes.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(bytes))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        // A hint only: the signed body around it checks the length.
        let mut hint = SizeHint::new();
        hint.set_upper(self.remaining);
        hint
    }
}

/// A failure to sign an upload: a file that cannot be read is a failure of the body.
fn sign_failed(error: Error) -> CallError {
    match error {
        Error::File { .. } => CallError::Send(SendError::Body(Box::new(error))),
        other => CallError::Send(SendError::Signing(other)),
    }
}

/// The file at `path`, open at `offset`.
async fn open_at(path: &Path, offset: u64) -> Result<tokio::fs::File, CallError> {
    let failed = |e: std::io::Error| sign_failed(Error::file(path, &e));
    let mut file = tokio::fs::File::open(path).await.map_err(failed)?;
    file.seek(SeekFrom::Start(offset)).await.map_err(failed)?;
    Ok(file)
}

impl S3Client {
    /// Sends `method` to `resource` with `headers` and `body`, signed for each attempt and
    /// retried (a stream is sent once): the answer if it is a success, else its error.
    pub(crate) async fn send_upload(
        &self,
        method: Method,
        resource: &Resource<'_>,
        headers: HeaderMap,
        body: UploadBody,
    ) -> Result<reqwest::Response, CallError> {
        let mut body = match body.kind {
            Kind::Bytes(bytes) => return self.send(method, resource, headers, Some(bytes)).await,
            Kind::Streamed(body) => body,
        };
        let base = self.base()?;
        let https = base.is_https();
        let url = self.url(resource)?;
        let uri: http::Uri = url
            .parse()
            .map_err(|e| build_error(format!("{url:?}: {e}")))?;
        let signing = &self.api.signing;
        let replayable = !matches!(body, Streamed::Stream { .. });
        let mut attempts = Attempts::new(signing, replayable);
        loop {
            attempts.start();
            let signer = signing.signer().await.map_err(SendError::from)?;
            let mut head = http::Request::new(());
            *head.method_mut() = method.clone();
            *head.uri_mut() = uri.clone();
            *head.headers_mut() = headers.clone();
            let request = signed(&signer, head, &mut body, https, signing.now()).await?;
            let request = reqwest::Request::try_from(request)
                .map_err(|e| CallError::Send(SendError::Build(Box::new(e))))?;
            let (result, verdict) = execute(&mut attempts, &self.api.client, request).await;
            if verdict == Verdict::Done {
                return self.checked(result?).await;
            }
        }
    }
}

/// `head` with `body`, signed by `signer` as of `time`. A stream is taken: it cannot be
/// sent twice.
async fn signed(
    signer: &Signer,
    head: http::Request<()>,
    body: &mut Streamed,
    https: bool,
    time: time::OffsetDateTime,
) -> Result<http::Request<reqwest::Body>, CallError> {
    match body {
        Streamed::File { path, signing } => {
            let request = signer
                .sign_file(head, &*path, *signing, time)
                .await
                .map_err(sign_failed)?;
            Ok(request.map(reqwest::Body::wrap))
        }
        Streamed::Part {
            path,
            offset,
            length,
            signing,
        } => {
            let signing = signing.unwrap_or(if https {
                StreamSigning::Unsigned
            } else {
                StreamSigning::Chunked(Chunking::new(signer.signed_framing()))
            });
            let file = open_at(path, *offset).await?;
            let request = head.map(|()| FileBody::new(file, *length));
            let request = signer
                .sign_stream(request, *length, signing, time)
                .map_err(sign_failed)?;
            Ok(request.map(reqwest::Body::wrap))
        }
        Streamed::Stream {
            stream,
            length,
            signing,
        } => {
            // Replaced by an empty stream: the attempts never ask for a stream twice.
            let stream = std::mem::replace(stream, Box::pin(futures_util::stream::empty()));
            let body = StreamBody {
                stream: Mutex::new(stream),
                remaining: *length,
            };
            let request = signer
                .sign_stream(head.map(|()| body), *length, *signing, time)
                .map_err(sign_failed)?;
            Ok(request.map(reqwest::Body::wrap))
        }
    }
}
