//! Multipart uploads: the calls (create, upload a part, complete, abort, list the uploads in
//! progress), and [`S3Client::upload_file`], which uploads a file's parts a few at a time
//! and aborts the upload on any failure.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use http::header::HeaderValue;
use http::{HeaderMap, Method};
use time::OffsetDateTime;

use crate::error::Error;
use crate::s3::address::{Query, Resource};
use crate::s3::client::{build_error, S3Client};
use crate::s3::objects::{header_text, parse_xml_time, text_of, PutOptions, NAMESPACE};
use crate::s3::upload::UploadBody;
use crate::send_error::SendError;
use crate::service_error::CallError;
use crate::streaming::StreamSigning;

/// The smallest part S3 takes, but for the last: 5 MiB.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

/// The largest part S3 takes: 5 GiB.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// The most parts an upload may have.
pub const MAX_PARTS: u64 = 10_000;

/// The part size [`MultipartOptions`] start with: 8 MiB, the AWS CLI's.
pub const DEFAULT_PART_SIZE: u64 = 8 * 1024 * 1024;

/// The parts in flight at once [`MultipartOptions`] start with.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// A part uploaded: its number and the entity tag S3 gave it, which completing the upload
/// names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompletedPart {
    /// The part's number, from 1.
    pub part_number: u32,
    /// Its entity tag, quotes included.
    pub etag: String,
}

impl CompletedPart {
    /// Part `part_number` with the entity tag `etag` (from an UploadPart answer or a
    /// ListParts listing).
    pub fn new(part_number: u32, etag: impl Into<String>) -> Self {
        CompletedPart {
            part_number,
            etag: etag.into(),
        }
    }
}

/// What CompleteMultipartUpload answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompletedUpload {
    /// The object's URL.
    pub location: Option<String>,
    /// The object's entity tag (`"…-N"` for N parts).
    pub etag: Option<String>,
}

/// A multipart upload in progress, as ListMultipartUploads lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MultipartUpload {
    /// The key it uploads to.
    pub key: String,
    /// Its id.
    pub upload_id: String,
    /// When it was created.
    pub initiated: Option<OffsetDateTime>,
}

/// The progress callback: bytes of the parts done, and the file's size.
type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// How [`S3Client::upload_file`] uploads: the part size, the parts in flight at once, how
/// parts are signed, the object's headers, and a progress callback.
///
/// ```
/// use countersign_client::s3::{MultipartOptions, PutOptions};
///
/// let options = MultipartOptions::new()
///     .part_size(16 << 20)
///     .concurrency(8)
///     .object(PutOptions::new().content_type("application/x-tar"))
///     .progress(|done, total| eprintln!("{done} of {total} bytes"));
/// ```
#[derive(Clone)]
pub struct MultipartOptions {
    part_size: u64,
    concurrency: usize,
    signing: Option<StreamSigning>,
    object: PutOptions,
    progress: Option<Progress>,
}

impl fmt::Debug for MultipartOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultipartOptions")
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("signing", &self.signing)
            .field("object", &self.object)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl Default for MultipartOptions {
    fn default() -> Self {
        MultipartOptions::new()
    }
}

impl MultipartOptions {
    /// Parts of [`DEFAULT_PART_SIZE`], [`DEFAULT_CONCURRENCY`] in flight, signed by the
    /// endpoint's scheme (aws-chunked with signed chunks over HTTP, `UNSIGNED-PAYLOAD` over
    /// HTTPS), no header, no progress callback.
    pub fn new() -> Self {
        MultipartOptions {
            part_size: DEFAULT_PART_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
            signing: None,
            object: PutOptions::new(),
            progress: None,
        }
    }

    /// Parts of `bytes` (the last may be shorter): from [`MIN_PART_SIZE`] to
    /// [`MAX_PART_SIZE`], else the upload fails before it starts. A file of more than
    /// [`MAX_PARTS`] parts of this size is cut in larger ones.
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes;
        self
    }

    /// At most `parts` parts in flight at once (at least one).
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency = parts.max(1);
        self
    }

    /// Each part signed as `signing` says.
    pub fn signing(mut self, signing: StreamSigning) -> Self {
        self.signing = Some(signing);
        self
    }

    /// The object's content type, metadata and other headers, given when the upload is
    /// created.
    pub fn object(mut self, options: PutOptions) -> Self {
        self.object = options;
        self
    }

    /// Calls `progress` with the bytes of the parts uploaded so far and the file's size,
    /// after each part.
    pub fn progress(mut self, progress: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}

impl S3Client {
    /// Starts a multipart upload to `bucket`/`key` (CreateMultipartUpload) with the
    /// object's headers of `options`: its upload id.
    pub async fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        options: &PutOptions,
    ) -> Result<String, CallError> {
        let resource = Resource::object(bucket, key).with_query(Query::new().flag("uploads"));
        let response = self
            .send(Method::POST, &resource, options.header_map()?, None)
            .await?;
        let status = response.status();
        let root = self.read_xml(response).await?;
        text_of(&root, "UploadId")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| CallError::Response {
                status,
                message: "CreateMultipartUpload answered no UploadId".to_string(),
            })
    }

    /// Uploads `body` as part `part_number` (1 to 10000) of the upload `upload_id`
    /// (UploadPart): the part, with its entity tag.
    pub async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: impl Into<UploadBody>,
    ) -> Result<CompletedPart, CallError> {
        let query = Query::new()
            .param("partNumber", &part_number.to_string())
            .param("uploadId", upload_id);
        let resource = Resource::object(bucket, key).with_query(query);
        let response = self
            .send_upload(Method::PUT, &resource, HeaderMap::new(), body.into())
            .await?;
        let etag = header_text(response.headers(), "etag").ok_or_else(|| CallError::Response {
            status: response.status(),
            message: format!("UploadPart answered no ETag for part {part_number}"),
        })?;
        Ok(CompletedPart::new(part_number, etag))
    }

    /// Completes the upload `upload_id` from `parts` (CompleteMultipartUpload), which are
    /// sent in the order of their numbers.
    pub async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<CompletedUpload, CallError> {
        let mut parts = parts.to_vec();
        parts.sort_by_key(|part| part.part_number);
        let resource =
            Resource::object(bucket, key).with_query(Query::new().param("uploadId", upload_id));
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
        let response = self
            .send(
                Method::POST,
                &resource,
                headers,
                Some(complete_document(&parts).into()),
            )
            .await?;
        let root = self.read_xml(response).await?;
        Ok(CompletedUpload {
            location: text_of(&root, "Location"),
            etag: text_of(&root, "ETag"),
        })
    }

    /// Aborts the upload `upload_id` (AbortMultipartUpload): S3 drops its parts.
    pub async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), CallError> {
        let resource =
            Resource::object(bucket, key).with_query(Query::new().param("uploadId", upload_id));
        self.send(Method::DELETE, &resource, HeaderMap::new(), None)
            .await?;
        Ok(())
    }

    /// The uploads in progress in `bucket` (ListMultipartUploads), of the keys that start
    /// with `prefix` if given: the first page, up to a thousand.
    pub async fn list_multipart_uploads(
        &self,
        bucket: &str,
        prefix: Option<&str>,
    ) -> Result<Vec<MultipartUpload>, CallError> {
        let query = Query::new().flag("uploads").param_opt("prefix", prefix);
        let resource = Resource::bucket(bucket).with_query(query);
        let response = self
            .send(Method::GET, &resource, HeaderMap::new(), None)
            .await?;
        let root = self.read_xml(response).await?;
        Ok(root
            .find_all("Upload")
            .into_iter()
            .map(|upload| MultipartUpload {
                key: upload.text_at("Key").unwrap_or_default().to_string(),
                upload_id: text_of(upload, "UploadId").unwrap_or_default(),
                initiated: upload.text_at("Initiated").and_then(parse_xml_time),
            })
            .collect())
    }

    /// Uploads the file at `path` to `bucket`/`key` in parts, as `options` say: the upload
    /// created, the parts read from the file as they are sent (never whole in memory), at
    /// most `concurrency` of them in flight, each retried as any request is, the progress
    /// reported after each, then the upload completed.
    ///
    /// On any failure no part is started again, the parts in flight are let finish, the
    /// upload is aborted (so that S3 keeps, and bills, nothing), and the first error is
    /// returned; should the abort fail too, the upload is left for
    /// [`list_multipart_uploads`](S3Client::list_multipart_uploads) to find.
    ///
    /// ```no_run
    /// # use countersign_client::s3::S3Client;
    /// # async fn run(s3: S3Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use countersign_client::s3::MultipartOptions;
    ///
    /// let options = MultipartOptions::new().progress(|done, total| println!("{done}/{total}"));
    /// let path = "/var/backups/db.tar";
    /// let uploaded = s3.upload_file("backups", "db.tar", path, &options).await?;
    /// println!("{:?}", uploaded.etag);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn upload_file(
        &self,
        bucket: &str,
        key: &str,
        path: impl AsRef<Path>,
        options: &MultipartOptions,
    ) -> Result<CompletedUpload, CallError> {
        let path = path.as_ref();
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&options.part_size) {
            return Err(build_error(format!(
                "a part of {} bytes is outside S3's bounds, {MIN_PART_SIZE} to {MAX_PART_SIZE}",
                options.part_size
            )));
        }
        let metadata = tokio::fs::metadata(path)
            .await
            .map_err(|e| CallError::Send(SendError::Body(Box::new(Error::file(path, &e)))))?;
        let size = metadata.len();
        let part_size = options.part_size.max(size.div_ceil(MAX_PARTS));
        let layout = Layout {
            size,
            part_size,
            parts: size.div_ceil(part_size).max(1),
        };

        let upload_id = self
            .create_multipart_upload(bucket, key, &options.object)
            .await?;
        let uploaded = self
            .upload_parts(bucket, key, &upload_id, path, layout, options)
            .await;
        let completed = match uploaded {
            Ok(completed) => {
                self.complete_multipart_upload(bucket, key, &upload_id, &completed)
                    .await
            }
            Err(e) => Err(e),
        };
        if completed.is_err() {
            // The first error is the one returned; a failed abort leaves the upload listed.
            let _ = self.abort_multipart_upload(bucket, key, &upload_id).await;
        }
        completed
    }

    /// Uploads the file at `path`, cut as `layout` says, as the parts of `upload_id`, a few
    /// at a time: every part, or the first error once the parts in flight have finished.
    async fn upload_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        path: &Path,
        layout: Layout,
        options: &MultipartOptions,
    ) -> Result<Vec<CompletedPart>, CallError> {
        let Layout {
            size,
            part_size,
            parts,
        } = layout;
        let part = |number: u64| {
            let offset = (number - 1) * part_size;
            let length = part_size.min(size - offset);
            let body = match options.signing {
                Some(signing) => UploadBody::file_part(path, offset, length, signing),
                None => UploadBody::file_part_by_scheme(path, offset, length),
            };
            // At most MAX_PARTS parts: the number fits.
            let number = u32::try_from(number).unwrap_or(u32::MAX);
            async move {
                let result = self.upload_part(bucket, key, upload_id, number, body).await;
                (length, result)
            }
        };
        let mut in_flight = FuturesUnordered::new();
        let mut next = 1;
        let mut done = 0u64;
        let mut completed = Vec::new();
        let mut first_error = None;
        loop {
            while first_error.is_none() && in_flight.len() < options.concurrency && next <= parts {
                in_flight.push(part(next));
                next += 1;
            }
            let Some((length, result)) = in_flight.next().await else {
                break;
            };
            match result {
                Ok(part) => {
                    completed.push(part);
                    done += length;
                    if let Some(progress) = &options.progress {
                        progress(done, size);
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(completed),
        }
    }
}

/// How a file is cut into parts.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// The file's size.
    size: u64,
    /// The size of each part but the last.
    part_size: u64,
    /// How many parts (one, for an empty file).
    parts: u64,
}

/// The CompleteMultipartUpload document listing `parts`.
fn complete_document(parts: &[CompletedPart]) -> String {
    let mut document = format!("<CompleteMultipartUpload xmlns=\"{NAMESPACE}\">");
    for part in parts {
        document.push_str(&format!(
            "<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>",
            part.part_number,
            quick_xml::escape::escape(part.etag.as_str())
        ));
    }
    document.push_str("</CompleteMultipartUpload>");
    document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_complete_document_lists_the_parts() {
        let parts = [
            CompletedPart::new(1, "\"a\""),
            CompletedPart::new(2, "\"b\""),
        ];
        assert_eq!(
            complete_document(&parts),
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag></Part>\
             <Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag></Part>\
             </CompleteMultipartUpload>"
        );
    }
}
