//! The operations on objects: PutObject, GetObject and HeadObject (ranges, conditions),
//! CopyObject, DeleteObject and DeleteObjects.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use countersign_core::checksum::ChecksumAlgorithm;
use countersign_server::authz::IamPrincipal;

use crate::app::App;
use crate::body::ObjectBody;
use crate::body_reader::{BodyReader, MAX_BODY_SIZE};
use crate::checksums::{algorithm_named, checksum_mode, checksum_type, element, unknown_algorithm};
use crate::conditions::{check_read, write_condition, ReadCondition};
use crate::dates::{http_date, iso8601};
use crate::error::S3Error;
use crate::headers::stored_headers;
use crate::listing::NULL_VERSION;
use crate::meta::ObjectMeta;
use crate::names::validate_key;
use crate::request::{read_small, Ctx};
use crate::selection::select;
use crate::staging::{copy_range, copy_source, stage};
use crate::storage::{ObjectReader, Storage};
use crate::tagging;
use crate::write_condition::WriteCondition;
use crate::xml::{self, xml_response, XmlWriter};

/// The checksum algorithm a PutObject names for its body: its one `x-amz-checksum-*`
/// header or `x-amz-trailer` (which the layer checks against the bytes), if it names one.
fn named_checksum<P>(ctx: &Ctx<P>) -> Option<ChecksumAlgorithm> {
    let in_headers = ctx
        .headers
        .keys()
        .filter_map(|name| ChecksumAlgorithm::from_header(name.as_str()));
    let in_trailer = ctx
        .headers
        .get_all("x-amz-trailer")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| ChecksumAlgorithm::from_header(name.trim()));
    let mut named = in_headers
        .chain(in_trailer)
        .filter(|a| *a != ChecksumAlgorithm::ContentMd5);
    let first = named.next()?;
    named.all(|other| other == first).then_some(first)
}

/// PutObject: the body staged, checked against `Content-MD5`, then committed.
pub(crate) async fn put_object<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    key: &str,
    body: Body,
) -> Result<Response, S3Error> {
    app.storage.head_bucket(bucket).await?;
    let declared = ctx
        .header("x-amz-decoded-content-length")
        .or_else(|| ctx.header("content-length"))
        .and_then(|l| l.parse::<u64>().ok());
    if declared.is_some_and(|l| l > MAX_BODY_SIZE) {
        return Err(S3Error::from(
            crate::storage_error::StorageError::EntityTooLarge,
        ));
    }
    let condition = write_condition(&ctx.headers)?;
    let tags = tagging::from_header(ctx)?;
    let body = BodyReader::new(body).with_checksum(named_checksum(ctx));
    let (staged, received) = stage(&*app.storage, body).await?;
    let meta = ObjectMeta::new(received.size, received.etag())
        .with_headers(stored_headers(&ctx.headers))
        .with_checksum(received.checksum)
        .with_tags(tags);
    app.storage
        .put_object(bucket, key, staged, &meta, &condition)
        .await?;
    Ok(([(header::ETAG, meta.etag)], StatusCode::OK).into_response())
}

/// CopyObject: the source's bytes staged and committed under the new key, with the
/// source's headers (`x-amz-metadata-directive: COPY`) or the request's (`REPLACE`).
pub(crate) async fn copy_object<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    key: &str,
) -> Result<Response, S3Error> {
    let (source_bucket, source_key) = copy_source(&*app.storage, ctx)?;
    let replace = match ctx.header("x-amz-metadata-directive").unwrap_or("COPY") {
        "COPY" => false,
        "REPLACE" => true,
        other => {
            return Err(S3Error::invalid_argument(format!(
                "Unknown metadata directive {other}."
            )))
        }
    };
    if !replace && source_bucket == bucket && source_key == key {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself without changing the \
             object's metadata, storage class, website redirect location or encryption attributes.",
        ));
    }
    // The copy's checksum: of the algorithm the request names, else of the source's.
    let named = match ctx.header("x-amz-checksum-algorithm") {
        None => None,
        Some(name) => Some(algorithm_named(name).ok_or_else(|| unknown_algorithm(name))?),
    };
    app.storage.head_bucket(bucket).await?;
    let (staged, received, source) =
        copy_range(&*app.storage, &source_bucket, &source_key, None, |source| {
            named.or(source.checksum.as_ref().map(|c| c.algorithm))
        })
        .await?;
    let tags = tagging::of_copy(ctx, &source.tags)?;
    let headers = if replace {
        stored_headers(&ctx.headers)
    } else {
        source.headers
    };
    let meta = ObjectMeta::new(received.size, received.etag())
        .with_headers(headers)
        .with_checksum(received.checksum)
        .with_tags(tags);
    app.storage
        .put_object(bucket, key, staged, &meta, &WriteCondition::None)
        .await?;
    let mut out = XmlWriter::new("CopyObjectResult");
    out.leaf("LastModified", iso8601(meta.last_modified))
        .leaf("ETag", &meta.etag);
    if let Some(checksum) = &meta.checksum {
        if let Some(element) = element(checksum.algorithm) {
            out.leaf(element, &checksum.value);
        }
    }
    Ok(xml_response(out.finish("CopyObjectResult")))
}

/// GetObject (or HeadObject, `head`): the metadata as headers, the conditions (see
/// [`check_read`]), a range, and the bytes.
pub(crate) async fn get_object<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    key: &str,
    head: bool,
) -> Result<Response, S3Error> {
    let (reader, meta) = if head {
        (None, app.storage.head_object(bucket, key).await?)
    } else {
        let (meta, reader) = app.storage.get_object(bucket, key).await?;
        (Some(reader), meta)
    };
    let not_modified = check_read(&ctx.headers, &meta)? == ReadCondition::NotModified;
    let selection = select(ctx.header("range"), ctx.query.get("partNumber"), &meta)?;
    let mut headers = HeaderMap::new();
    let mut put = |name: &str, value: &str| {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    };
    put("etag", &meta.etag);
    put("last-modified", &http_date(meta.last_modified));
    put("accept-ranges", "bytes");
    put(
        "content-type",
        meta.content_type().unwrap_or("binary/octet-stream"),
    );
    for (name, value) in &meta.headers {
        put(name, value);
    }
    if !meta.tags.is_empty() {
        put("x-amz-tagging-count", &meta.tags.len().to_string());
    }
    if let Some(count) = selection.parts_count {
        put("x-amz-mp-parts-count", &count.to_string());
    }
    for (parameter, name) in [
        ("response-content-type", "content-type"),
        ("response-content-language", "content-language"),
        ("response-expires", "expires"),
        ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"),
        ("response-content-encoding", "content-encoding"),
    ] {
        if let Some(value) = ctx.query.get(parameter) {
            put(name, value);
        }
    }
    if not_modified {
        headers.remove("content-type");
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    // The checksum of what is read, when asked for (a range has none of its own).
    if let Some(checksum) = selection.checksum.filter(|_| checksum_mode(ctx)) {
        put(checksum.algorithm.header_name(), &checksum.value);
        if selection.parts_count.is_none() {
            put("x-amz-checksum-type", checksum_type(checksum).as_str());
        }
    }
    let (status, start, length) = match selection.range {
        Some((first, last)) => {
            put(
                "content-range",
                &format!("bytes {first}-{last}/{}", meta.size),
            );
            (StatusCode::PARTIAL_CONTENT, first, last - first + 1)
        }
        None => (StatusCode::OK, 0, meta.size),
    };
    put("content-length", &length.to_string());
    let Some(reader) = reader else {
        return Ok((status, headers).into_response());
    };
    let body = ObjectBody::new(reader.read(start, length), length);
    let mut response = (status, Body::new(body)).into_response();
    response.headers_mut().extend(headers);
    Ok(response)
}

/// DeleteObject: 204, whether the object was there or not.
pub(crate) async fn delete_object<S: Storage>(
    app: &App<S>,
    bucket: &str,
    key: &str,
) -> Result<Response, S3Error> {
    app.storage.delete_object(bucket, key).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The most bytes of a DeleteObjects document read: 1,000 keys of up to 1,024 bytes each,
/// escaped, with their versions.
const MAX_DELETE_BYTES: usize = 2 * 1024 * 1024;

/// DeleteObjects: up to 1,000 keys, each authorized as a DeleteObject of its own (a
/// DeleteObjectVersion, for an entry that names the version).
pub(crate) async fn delete_objects<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    body: Body,
) -> Result<Response, S3Error> {
    let document = read_small(body, MAX_DELETE_BYTES).await?;
    app.storage.head_bucket(bucket).await?;
    let request = xml::parse(&document, "Delete", "Object")?;
    if request.records.len() > 1000 {
        return Err(S3Error::malformed_xml("more than 1000 objects"));
    }
    let quiet = request
        .top("Quiet")
        .is_some_and(|q| q.trim().eq_ignore_ascii_case("true"));
    let mut out = XmlWriter::new("DeleteResult");
    for object in &request.records {
        let Some(key) = xml::field(object, "Key") else {
            return Err(S3Error::malformed_xml("an Object without a Key"));
        };
        // Without versioning, an object's one version is `null`: no other can be named.
        let version = xml::field(object, "VersionId");
        let named = match version {
            Some(v) if v != NULL_VERSION => {
                Err(S3Error::invalid_argument("Invalid version id specified"))
            }
            _ => validate_key(key).and_then(|()| Ok(app.storage.check_key(key)?)),
        };
        let result = match named {
            Ok(()) => match ctx.may_delete(bucket, key, version).await {
                Ok(()) => app
                    .storage
                    .delete_object(bucket, key)
                    .await
                    .map_err(S3Error::from),
                Err(denied) => Err(denied),
            },
            Err(e) => Err(e),
        };
        match result {
            Ok(()) if quiet => {}
            Ok(()) => {
                out.open("Deleted")
                    .leaf("Key", key)
                    .leaf_opt("VersionId", version)
                    .close("Deleted");
            }
            Err(e) => {
                out.open("Error")
                    .leaf("Key", key)
                    .leaf_opt("VersionId", version)
                    .leaf("Code", e.code)
                    .leaf("Message", &e.message)
                    .close("Error");
            }
        }
    }
    Ok(xml_response(out.finish("DeleteResult")))
}
