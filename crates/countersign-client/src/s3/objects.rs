//! Objects: put, get (whole, by range, streamed), head, delete (one and many), copy.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{RangeFrom, RangeInclusive};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use countersign_core::checksum::{checksum_base64, ChecksumAlgorithm};
use futures_core::Stream;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use http_body::Body;
use time::OffsetDateTime;

use crate::s3::address::{encode_key, Query, Resource};
use crate::s3::client::{build_error, S3Client};
use crate::s3::upload::UploadBody;
use crate::service_error::CallError;
use crate::skew::parse_http_date;
use crate::xml::XmlElement;

/// The most keys one DeleteObjects request may name (S3's limit);
/// [`S3Client::delete_objects`] sends more in several.
const DELETE_BATCH: usize = 1000;

/// S3's XML namespace, on the documents sent.
pub(crate) const NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// The headers an upload sets on the object: its content type, other representation
/// headers, and user metadata (`x-amz-meta-*`).
///
/// ```
/// use countersign_client::s3::PutOptions;
///
/// let options = PutOptions::new()
///     .content_type("text/csv")
///     .metadata("source", "billing")
///     .header("cache-control", "max-age=60");
/// ```
#[derive(Debug, Clone, Default)]
pub struct PutOptions {
    headers: Vec<(String, String)>,
}

impl PutOptions {
    /// No header: S3 stores the object as `binary/octet-stream`, without metadata.
    pub fn new() -> Self {
        PutOptions::default()
    }

    /// The object's `Content-Type`.
    pub fn content_type(self, value: impl Into<String>) -> Self {
        self.header("content-type", value)
    }

    /// User metadata: `name` (sent as `x-amz-meta-{name}`, lower-cased by S3) is `value`.
    pub fn metadata(self, name: &str, value: impl Into<String>) -> Self {
        self.header(format!("x-amz-meta-{name}"), value)
    }

    /// Any other header of the upload (`cache-control`, `content-disposition`,
    /// `x-amz-storage-class`, …). A name or value that cannot be a header's fails the call.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The headers, checked.
    pub(crate) fn header_map(&self) -> Result<HeaderMap, CallError> {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| build_error(format!("{name:?} cannot be a header name")))?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                build_error(format!("the value of {name} cannot be a header value"))
            })?;
            headers.append(name, value);
        }
        Ok(headers)
    }
}

/// What a PutObject answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutObjectOutput {
    /// The object's entity tag, quotes included (for a single PUT without encryption, the
    /// MD5 of the body, in hex).
    pub etag: Option<String>,
}

/// An object's description, from the headers of a HEAD or GET answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ObjectHead {
    /// The length of the body sent (the object's size, or the range's for a ranged GET).
    pub content_length: u64,
    /// The entity tag, quotes included.
    pub etag: Option<String>,
    /// The `Content-Type`.
    pub content_type: Option<String>,
    /// The `Last-Modified` time.
    pub last_modified: Option<OffsetDateTime>,
    /// The user metadata (`x-amz-meta-*`), by name without the prefix, lower-case.
    pub metadata: BTreeMap<String, String>,
    /// The `Content-Range` of a ranged GET.
    pub content_range: Option<ContentRange>,
    /// Every header of the answer.
    pub headers: HeaderMap,
}

impl ObjectHead {
    /// The object's size: the total of the `Content-Range` of a ranged GET, else the
    /// length of the body.
    pub fn size(&self) -> u64 {
        self.content_range
            .and_then(|range| range.total)
            .unwrap_or(self.content_length)
    }

    /// Reads the headers of an answer of `status`.
    fn of(status: StatusCode, headers: &HeaderMap) -> Result<ObjectHead, CallError> {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_length = match text("content-length") {
            Some(length) => length.trim().parse().map_err(|_| CallError::Response {
                status,
                message: format!("the Content-Length {length:?} is not a length"),
            })?,
            None => 0,
        };
        let metadata = headers
            .iter()
            .filter_map(|(name, value)| {
                let name = name.as_str().strip_prefix("x-amz-meta-")?;
                Some((name.to_string(), value.to_str().ok()?.to_string()))
            })
            .collect();
        Ok(ObjectHead {
            content_length,
            etag: text("etag"),
            content_type: text("content-type"),
            last_modified: text("last-modified").and_then(|d| parse_http_date(&d)),
            metadata,
            content_range: text("content-range").and_then(|r| ContentRange::parse(&r)),
            headers: headers.clone(),
        })
    }
}

/// The bytes of an object a `Range` asks for (`Range: bytes=…`).
///
/// ```
/// use countersign_client::s3::ByteRange;
///
/// assert_eq!(ByteRange::from(0..=99).to_string(), "bytes=0-99");
/// assert_eq!(ByteRange::from(100..).to_string(), "bytes=100-");
/// assert_eq!(ByteRange::last(500).to_string(), "bytes=-500");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange(Spec);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    Between(u64, u64),
    From(u64),
    Last(u64),
}

impl ByteRange {
    /// The bytes from `first` to `last`, both included.
    pub fn new(first: u64, last: u64) -> Self {
        ByteRange(Spec::Between(first, last))
    }

    /// The bytes from `first` to the end.
    pub fn starting_at(first: u64) -> Self {
        ByteRange(Spec::From(first))
    }

    /// The last `count` bytes.
    pub fn last(count: u64) -> Self {
        ByteRange(Spec::Last(count))
    }

    /// Why S3 would not read the range as one (it ignores a malformed range and sends the
    /// whole object), if it would not.
    fn problem(&self) -> Option<String> {
        match self.0 {
            Spec::Between(first, last) if last < first => {
                Some(format!("the range {first}-{last} ends before it starts"))
            }
            Spec::Last(0) => Some("a range of the last 0 bytes is empty".to_string()),
            _ => None,
        }
    }
}

impl From<RangeInclusive<u64>> for ByteRange {
    fn from(range: RangeInclusive<u64>) -> Self {
        ByteRange::new(*range.start(), *range.end())
    }
}

impl From<RangeFrom<u64>> for ByteRange {
    fn from(range: RangeFrom<u64>) -> Self {
        ByteRange::starting_at(range.start)
    }
}

impl fmt::Display for ByteRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Spec::Between(first, last) => write!(f, "bytes={first}-{last}"),
            Spec::From(first) => write!(f, "bytes={first}-"),
            Spec::Last(count) => write!(f, "bytes=-{count}"),
        }
    }
}

/// The `Content-Range` of a ranged answer: `bytes {first}-{last}/{total}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContentRange {
    /// The first byte sent.
    pub first: u64,
    /// The last byte sent.
    pub last: u64,
    /// The object's size (`None` for `*`).
    pub total: Option<u64>,
}

impl ContentRange {
    fn parse(text: &str) -> Option<ContentRange> {
        let (range, total) = text.trim().strip_prefix("bytes ")?.split_once('/')?;
        let (first, last) = range.split_once('-')?;
        Some(ContentRange {
            first: first.parse().ok()?,
            last: last.parse().ok()?,
            total: match total {
                "*" => None,
                total => Some(total.parse().ok()?),
            },
        })
    }
}

/// An object read whole: its description and its bytes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Object {
    /// What the answer's headers say of it.
    pub head: ObjectHead,
    /// The bytes (the range's, for a ranged GET).
    pub body: Bytes,
}

/// An object's body as it arrives (a `futures` `Stream` of `Bytes`), with its description:
/// nothing is held but the piece the connection last gave.
///
/// ```no_run
/// # use countersign_client::s3::S3Client;
/// # async fn run(s3: S3Client) -> Result<(), Box<dyn std::error::Error>> {
/// use tokio::io::AsyncWriteExt;
///
/// let mut object = s3.get_object_stream("backups", "db.tar", None).await?;
/// let mut file = tokio::fs::File::create("db.tar").await?;
/// while let Some(piece) = object.chunk().await? {
///     file.write_all(&piece).await?;
/// }
/// # Ok(())
/// # }
/// ```
pub struct ObjectStream {
    head: ObjectHead,
    status: StatusCode,
    body: reqwest::Body,
    received: u64,
}

impl fmt::Debug for ObjectStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStream")
            .field("head", &self.head)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl ObjectStream {
    /// What the answer's headers say of the object.
    pub fn head(&self) -> &ObjectHead {
        &self.head
    }

    /// The bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The next piece of the body; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, CallError> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
            .await
            .transpose()
    }

    /// The whole body, refused if it is longer than `limit` bytes.
    async fn collect(mut self, limit: u64) -> Result<Object, CallError> {
        let too_large = |status| CallError::Response {
            status,
            message: format!(
                "the object is larger than the download limit of {limit} bytes \
                 (read it with get_object_stream)"
            ),
        };
        if self.head.content_length > limit {
            return Err(too_large(self.status));
        }
        // The declared length, bounded: the bytes that come are counted too.
        let mut body =
            BytesMut::with_capacity(usize::try_from(self.head.content_length).unwrap_or(0));
        while let Some(piece) = self.chunk().await? {
            if (body.len() + piece.len()) as u64 > limit {
                return Err(too_large(self.status));
            }
            body.extend_from_slice(&piece);
        }
        Ok(Object {
            head: self.head,
            body: body.freeze(),
        })
    }
}

impl Stream for ObjectStream {
    type Item = Result<Bytes, CallError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => {
                    return Poll::Ready(Some(Err(CallError::Response {
                        status: this.status,
                        message: format!("the body stopped after {} bytes: {e}", this.received),
                    })))
                }
                Poll::Ready(Some(Ok(frame))) => {
                    // Trailers carry nothing of the object.
                    if let Ok(data) = frame.into_data() {
                        this.received += data.len() as u64;
                        return Poll::Ready(Some(Ok(data)));
                    }
                }
            }
        }
    }
}

/// One key DeleteObjects did not delete, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteError {
    /// The key.
    pub key: String,
    /// S3's error code (`AccessDenied`, `InvalidArgument`, …).
    pub code: String,
    /// S3's message.
    pub message: String,
}

/// What DeleteObjects answered: the keys deleted (a key that did not exist counts: S3
/// deletes it without complaint) and those that were not, with their errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteObjectsOutput {
    /// The keys deleted.
    pub deleted: Vec<String>,
    /// The keys not deleted.
    pub errors: Vec<DeleteError>,
}

/// What CopyObject answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyObjectOutput {
    /// The new object's entity tag.
    pub etag: Option<String>,
    /// The new object's time.
    pub last_modified: Option<OffsetDateTime>,
}

/// An ISO 8601 time of S3's XML (`2009-10-12T17:50:30.000Z`).
pub(crate) fn parse_xml_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339).ok()
}

/// The text of `path` below `element`, trimmed, if any.
pub(crate) fn text_of(element: &XmlElement, path: &str) -> Option<String> {
    element.text_at(path).map(|t| t.trim().to_string())
}

impl S3Client {
    /// Puts `body` (bytes, a file, a stream: see [`UploadBody`]) at `bucket`/`key`.
    pub async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: impl Into<UploadBody>,
    ) -> Result<PutObjectOutput, CallError> {
        self.put_object_with(bucket, key, body, &PutOptions::new())
            .await
    }

    /// Puts `body` at `bucket`/`key` with the content type, metadata and other headers of
    /// `options`.
    pub async fn put_object_with(
        &self,
        bucket: &str,
        key: &str,
        body: impl Into<UploadBody>,
        options: &PutOptions,
    ) -> Result<PutObjectOutput, CallError> {
        let headers = options.header_map()?;
        let resource = Resource::object(bucket, key);
        let response = self
            .send_upload(Method::PUT, &resource, headers, body.into())
            .await?;
        Ok(PutObjectOutput {
            etag: header_text(response.headers(), "etag"),
        })
    }

    /// The object at `bucket`/`key`, read whole: refused if it is larger than the
    /// [`download_limit`](S3Client::download_limit).
    pub async fn get_object(&self, bucket: &str, key: &str) -> Result<Object, CallError> {
        let stream = self.get_object_stream(bucket, key, None).await?;
        stream.collect(self.download_limit).await
    }

    /// The bytes of `range` of the object at `bucket`/`key`, read whole (their place in the
    /// object is the head's [`content_range`](ObjectHead::content_range)).
    pub async fn get_object_range(
        &self,
        bucket: &str,
        key: &str,
        range: impl Into<ByteRange>,
    ) -> Result<Object, CallError> {
        let stream = self
            .get_object_stream(bucket, key, Some(range.into()))
            .await?;
        stream.collect(self.download_limit).await
    }

    /// The object at `bucket`/`key` (or the bytes of `range` of it), its body read as it
    /// arrives: no size limit, nothing held but the piece last received.
    pub async fn get_object_stream(
        &self,
        bucket: &str,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<ObjectStream, CallError> {
        let mut headers = HeaderMap::new();
        if let Some(range) = range {
            if let Some(problem) = range.problem() {
                return Err(build_error(problem));
            }
            let value = HeaderValue::from_str(&range.to_string())
                .map_err(|_| build_error("the range cannot be a header value"))?;
            headers.insert(http::header::RANGE, value);
        }
        let response = self
            .send(Method::GET, &Resource::object(bucket, key), headers, None)
            .await?;
        let status = response.status();
        let head = ObjectHead::of(status, response.headers())?;
        let (_, body) = http::Response::<reqwest::Body>::from(response).into_parts();
        Ok(ObjectStream {
            head,
            status,
            body,
            received: 0,
        })
    }

    /// The description of the object at `bucket`/`key` (HEAD): its size, entity tag,
    /// content type, time and metadata. A missing object is a `NotFound` error (a HEAD
    /// answer has no body to say `NoSuchKey`).
    pub async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectHead, CallError> {
        let response = self
            .send(
                Method::HEAD,
                &Resource::object(bucket, key),
                HeaderMap::new(),
                None,
            )
            .await?;
        ObjectHead::of(response.status(), response.headers())
    }

    /// Deletes the object at `bucket`/`key` (a missing one too: S3 answers alike).
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), CallError> {
        self.send(
            Method::DELETE,
            &Resource::object(bucket, key),
            HeaderMap::new(),
            None,
        )
        .await?;
        Ok(())
    }

    /// Deletes the objects at `keys` of `bucket` (DeleteObjects, a thousand keys a request):
    /// the keys deleted, and those S3 did not delete with its error for each. A failure of
    /// a whole request is the call's error.
    pub async fn delete_objects<I, K>(
        &self,
        bucket: &str,
        keys: I,
    ) -> Result<DeleteObjectsOutput, CallError>
    where
        I: IntoIterator<Item = K>,
        K: AsRef<str>,
    {
        let keys: Vec<K> = keys.into_iter().collect();
        let mut output = DeleteObjectsOutput::default();
        for batch in keys.chunks(DELETE_BATCH) {
            let document = delete_document(batch.iter().map(AsRef::as_ref));
            let mut headers = HeaderMap::new();
            // S3 requires a checksum of the document; Content-MD5 is the one every S3
            // answers.
            let md5 = checksum_base64(ChecksumAlgorithm::ContentMd5, document.as_bytes());
            if let Ok(value) = HeaderValue::from_str(&md5) {
                headers.insert("content-md5", value);
            }
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml"),
            );
            let resource = Resource::bucket(bucket).with_query(Query::new().flag("delete"));
            let response = self
                .send(Method::POST, &resource, headers, Some(document.into()))
                .await?;
            let root = self.read_xml(response).await?;
            for deleted in root.find_all("Deleted") {
                output
                    .deleted
                    .push(deleted.text_at("Key").unwrap_or_default().to_string());
            }
            for error in root.find_all("Error") {
                output.errors.push(DeleteError {
                    key: error.text_at("Key").unwrap_or_default().to_string(),
                    code: text_of(error, "Code").unwrap_or_else(|| "Unknown".to_string()),
                    message: text_of(error, "Message").unwrap_or_default(),
                });
            }
        }
        Ok(output)
    }

    /// Copies the object at `source_bucket`/`source_key` to `bucket`/`key` (CopyObject,
    /// within S3: the bytes do not pass through the client), with its metadata.
    pub async fn copy_object(
        &self,
        source_bucket: &str,
        source_key: &str,
        bucket: &str,
        key: &str,
    ) -> Result<CopyObjectOutput, CallError> {
        let mut headers = HeaderMap::new();
        let source = format!("/{}/{}", encode_key(source_bucket), encode_key(source_key));
        let source = HeaderValue::from_str(&source)
            .map_err(|_| build_error("the copy source cannot be a header value"))?;
        headers.insert("x-amz-copy-source", source);
        let response = self
            .send(Method::PUT, &Resource::object(bucket, key), headers, None)
            .await?;
        let root = self.read_xml(response).await?;
        Ok(CopyObjectOutput {
            etag: text_of(&root, "ETag"),
            last_modified: root.text_at("LastModified").and_then(parse_xml_time),
        })
    }
}

/// The text of header `name`, if it has a text value.
pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The DeleteObjects document naming `keys` (not quiet: each key deleted is listed).
fn delete_document<'k>(keys: impl Iterator<Item = &'k str>) -> String {
    let mut document = format!("<Delete xmlns=\"{NAMESPACE}\">");
    for key in keys {
        document.push_str("<Object><Key>");
        document.push_str(&quick_xml::escape::escape(key));
        document.push_str("</Key></Object>");
    }
    document.push_str("<Quiet>false</Quiet></Delete>");
    document
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test panics on a broken fixture")]

    use super::*;

    #[test]
    fn a_head_reads_size_tag_type_time_and_metadata() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("content-length", "1234"),
            ("etag", "\"9b2cf535f27731c974343645a3985328\""),
            ("content-type", "text/csv"),
            ("last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
            ("x-amz-meta-source", "billing"),
            ("x-amz-meta-year", "2015"),
            ("x-amz-request-id", "ignored"),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        let head = ObjectHead::of(StatusCode::OK, &headers).unwrap();
        assert_eq!(head.content_length, 1234);
        assert_eq!(head.size(), 1234);
        assert_eq!(
            head.etag.as_deref(),
            Some("\"9b2cf535f27731c974343645a3985328\"")
        );
        assert_eq!(head.content_type.as_deref(), Some("text/csv"));
        assert_eq!(
            head.last_modified,
            Some(time::macros::datetime!(2015-10-21 07:28:00 UTC))
        );
        assert_eq!(head.metadata.len(), 2);
        assert_eq!(head.metadata["source"], "billing");
        assert_eq!(head.metadata["year"], "2015");
    }

    #[test]
    fn a_ranged_head_knows_the_object_size() {
        let mut headers = HeaderMap::new();
        headers.insert("content-length", "10".parse().unwrap());
        headers.insert("content-range", "bytes 5-14/100".parse().unwrap());
        let head = ObjectHead::of(StatusCode::OK, &headers).unwrap();
        assert_eq!(head.content_length, 10);
        assert_eq!(head.size(), 100);
        let range = head.content_range.unwrap();
        assert_eq!((range.first, range.last, range.total), (5, 14, Some(100)));
    }

    #[test]
    fn a_length_that_is_not_a_number_is_an_error() {
        let mut headers = HeaderMap::new();
        headers.insert("content-length", "ten".parse().unwrap());
        assert!(matches!(
            ObjectHead::of(StatusCode::OK, &headers),
            Err(CallError::Response { .. })
        ));
    }

    #[test]
    fn content_ranges_parse() {
        assert_eq!(
            ContentRange::parse("bytes 0-0/*"),
            Some(ContentRange {
                first: 0,
                last: 0,
                total: None
            })
        );
        assert_eq!(ContentRange::parse("bytes 1-2"), None);
        assert_eq!(ContentRange::parse("items 1-2/3"), None);
        assert_eq!(ContentRange::parse("bytes a-2/3"), None);
    }

    #[test]
    fn a_range_backwards_is_refused() {
        assert!(ByteRange::new(5, 2).problem().is_some());
        assert!(ByteRange::last(0).problem().is_some());
        assert!(ByteRange::new(2, 2).problem().is_none());
    }

    #[test]
    fn the_delete_document_escapes_keys() {
        let document = delete_document(["a&b", "<c>"].into_iter());
        assert_eq!(
            document,
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Object><Key>a&amp;b</Key></Object><Object><Key>&lt;c&gt;</Key></Object>\
             <Quiet>false</Quiet></Delete>"
        );
    }

    #[test]
    fn put_options_refuse_what_cannot_be_a_header() {
        assert!(PutOptions::new()
            .header("bad name", "x")
            .header_map()
            .is_err());
        assert!(PutOptions::new()
            .metadata("k", "line\nbreak")
            .header_map()
            .is_err());
        let headers = PutOptions::new()
            .content_type("text/plain")
            .metadata("Owner", "me")
            .header_map()
            .unwrap();
        assert_eq!(headers["content-type"], "text/plain");
        assert_eq!(headers["x-amz-meta-owner"], "me");
    }
}
