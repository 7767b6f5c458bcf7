//! An upload's bytes into the storage's staging: a request body, or a range of a copy's
//! source object (CopyObject, UploadPartCopy), counted and hashed on the way.

use axum::http::StatusCode;
use countersign_core::checksum::ChecksumAlgorithm;
use countersign_server::authz::IamPrincipal;

use crate::body_reader::{BodyReader, Received};
use crate::byte_stream::ByteStream;
use crate::error::S3Error;
use crate::meta::ObjectMeta;
use crate::names::{validate_bucket, validate_key};
use crate::request::{decode_path, Ctx};
use crate::storage::{ObjectReader, Storage};
use crate::storage_error::StorageError;

/// Stages `body` whole: the staged bytes and what was counted of them.
pub(crate) async fn stage<S: Storage>(
    storage: &S,
    mut body: BodyReader,
) -> Result<(S::Staged, Received), S3Error> {
    let staged = storage.stage(&mut body).await?;
    let received = body.finish()?;
    Ok((staged, received))
}

/// `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, perhaps with `?versionId=`.
pub(crate) fn copy_source<S: Storage, P>(
    storage: &S,
    ctx: &Ctx<P>,
) -> Result<(String, String), S3Error>
where
    P: IamPrincipal,
{
    let raw = ctx.header("x-amz-copy-source").unwrap_or_default();
    let raw = raw.split_once('?').map_or(raw, |(path, _)| path);
    let decoded = decode_path(raw)?;
    let decoded = decoded.strip_prefix('/').unwrap_or(&decoded);
    let (bucket, key) = decoded.split_once('/').ok_or_else(|| {
        S3Error::invalid_argument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
        )
    })?;
    validate_bucket(bucket)?;
    validate_key(key)?;
    storage.check_key(key)?;
    Ok((bucket.to_string(), key.to_string()))
}

/// Stages the bytes `range` (first and last, inclusive; the whole object when `None`) of
/// `bucket/key`, computing the checksum of them of the algorithm `algorithm` chooses for
/// the source: the staged bytes, what was counted, and the source's metadata.
pub(crate) async fn copy_range<S: Storage>(
    storage: &S,
    bucket: &str,
    key: &str,
    range: Option<(u64, u64)>,
    algorithm: impl FnOnce(&ObjectMeta) -> Option<ChecksumAlgorithm>,
) -> Result<(S::Staged, Received, ObjectMeta), S3Error> {
    let (meta, reader) = storage.get_object(bucket, key).await?;
    let algorithm = algorithm(&meta);
    let (start, length) = match range {
        Some((first, last)) if last < first => {
            return Err(S3Error::new(
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                "The x-amz-copy-source-range value must be of the form bytes=first-last where \
                 first and last are the zero-based offsets of the first and last bytes to copy",
            ))
        }
        Some((first, last)) if last < meta.size => (first, last - first + 1),
        // A range that reaches past the source's last byte: 416, as S3 answers it.
        Some(_) => {
            let mut outside = S3Error::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                format!(
                    "The x-amz-copy-source-range is not satisfiable: the source has {} bytes.",
                    meta.size
                ),
            );
            outside.content_range = Some(format!("bytes */{}", meta.size));
            return Err(outside);
        }
        None => (0, meta.size),
    };
    let stream: ByteStream = reader.read(start, length);
    let mut body = BodyReader::from_stream(stream).with_checksum(algorithm);
    // The source failing to read is the server's fault, not the request body's.
    let staged = storage.stage(&mut body).await.map_err(|e| match e {
        StorageError::Body(e) => S3Error::internal(e),
        e => S3Error::from(e),
    })?;
    let received = body.finish()?;
    if received.size != length {
        return Err(S3Error::internal(format!(
            "the source {bucket}/{key} changed while it was copied ({} bytes of {length})",
            received.size
        )));
    }
    Ok((staged, received, meta))
}
