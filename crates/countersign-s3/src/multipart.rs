//! Multipart uploads: create, upload a part (or copy one), list parts, complete, abort, and
//! list the uploads in progress.
//!
//! Each part keeps the checksum computed over its bytes as they were stored: of the algorithm
//! its `x-amz-checksum-*` header or `x-amz-trailer` names (which the layer checked against the
//! bytes), else of the upload's `x-amz-checksum-algorithm`. CompleteMultipartUpload compares
//! the `Checksum*` it gives for a part with that one, as it compares the ETag.

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use countersign_core::checksum::ChecksumAlgorithm;
use countersign_server::authz::IamPrincipal;

use crate::app::App;
use crate::body_reader::BodyReader;
use crate::checksums::{
    algorithm_named, asked_checksum_type, checksum_type, element, multipart_checksum,
    multipart_checksum_type, unknown_algorithm, ChecksumType, PART_CHECKSUMS,
};
use crate::completion::Completion;
use crate::conditions::write_condition;
use crate::dates::iso8601;
use crate::error::S3Error;
use crate::headers::stored_headers;
use crate::meta::{BodyChecksum, ObjectMeta, ObjectPart, Part, Upload, UploadDetails};
use crate::request::{read_small, Ctx};
use crate::staging::{copy_range, copy_source, stage};
use crate::storage::Storage;
use crate::tagging;
use crate::xml::{self, xml_response, XmlWriter};

/// The most parts an upload has.
const MAX_PART_NUMBER: u32 = 10_000;

/// The most bytes of a CompleteMultipartUpload document read: 10,000 parts, each with its
/// ETag and a checksum, with room to spare.
const MAX_COMPLETION_BYTES: usize = 4 * 1024 * 1024;

/// A `partNumber` parameter: 1 to 10,000 (400 `InvalidArgument` otherwise, or without one).
pub(crate) fn part_number(value: Option<&str>) -> Result<u32, S3Error> {
    value
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            S3Error::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive",
            )
        })
}

fn upload_id<P>(ctx: &Ctx<P>) -> &str {
    ctx.query.get("uploadId").unwrap_or_default()
}

async fn this_upload<S: Storage, P>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    key: &str,
) -> Result<Upload, S3Error> {
    app.storage.head_bucket(bucket).await?;
    Ok(app.storage.get_upload(bucket, key, upload_id(ctx)).await?)
}

/// CreateMultipartUpload: the object's headers, and the parts' checksum algorithm.
pub(crate) async fn create<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    key: &str,
) -> Result<Response, S3Error> {
    let algorithm = match ctx.header("x-amz-checksum-algorithm") {
        None => None,
        Some(name) => Some(algorithm_named(name).ok_or_else(|| unknown_algorithm(name))?),
    };
    let full_object = match (algorithm, ctx.header("x-amz-checksum-type")) {
        (Some(algorithm), Some(asked)) => asked_checksum_type(algorithm, asked)?,
        _ => false,
    };
    let details = UploadDetails::new(stored_headers(&ctx.headers))
        .with_checksum_algorithm(algorithm)
        .with_full_object_checksum(full_object)
        .with_tags(tagging::from_header(ctx)?);
    let upload = app.storage.create_upload(bucket, key, details).await?;
    let mut out = XmlWriter::new("InitiateMultipartUploadResult");
    out.leaf("Bucket", bucket)
        .leaf("Key", key)
        .leaf("UploadId", &upload.id);
    let mut response = xml_response(out.finish("InitiateMultipartUploadResult"));
    if let Some(algorithm) = algorithm {
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&algorithm.to_string()) {
            headers.insert("x-amz-checksum-algorithm", value);
        }
        let kind = multipart_checksum_type(algorithm, full_object).as_str();
        headers.insert("x-amz-checksum-type", HeaderValue::from_static(kind));
    }
    Ok(response)
}

/// The checksum algorithm of an UploadPart's body: the one its `x-amz-checksum-*` header or
/// `x-amz-trailer` names, else the upload's, else none. A part may name one algorithm, and
/// only the upload's when the upload has one (400 `InvalidRequest` otherwise).
fn part_algorithm<P>(ctx: &Ctx<P>, upload: &Upload) -> Result<Option<ChecksumAlgorithm>, S3Error> {
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
    let mut named: Vec<ChecksumAlgorithm> = Vec::new();
    for algorithm in in_headers.chain(in_trailer) {
        if algorithm != ChecksumAlgorithm::ContentMd5 && !named.contains(&algorithm) {
            named.push(algorithm);
        }
    }
    match (named.as_slice(), upload.checksum_algorithm) {
        ([], upload) => Ok(upload),
        ([part], Some(upload)) if *part != upload => Err(S3Error::invalid_request(format!(
            "The upload was created with x-amz-checksum-algorithm {upload}: each part's checksum \
             must be {upload}, not {part}."
        ))),
        ([part], _) => Ok(Some(*part)),
        (several, _) => {
            let names: Vec<String> = several.iter().map(ToString::to_string).collect();
            Err(S3Error::invalid_request(format!(
                "A part may carry one checksum, but this request names {} (in its x-amz-checksum-* \
                 headers and x-amz-trailer).",
                names.join(" and ")
            )))
        }
    }
}

/// The element and value that give a part's checksum in a response document.
fn checksum_leaf(part: &Part) -> Option<(&'static str, &str)> {
    let checksum = part.checksum.as_ref()?;
    Some((element(checksum.algorithm)?, checksum.value.as_str()))
}

/// 400 `InvalidPart`, about a part listed in CompleteMultipartUpload.
fn invalid_part(message: impl Into<String>) -> S3Error {
    S3Error::new(StatusCode::BAD_REQUEST, "InvalidPart", message)
}

/// A CompleteMultipartUpload's `x-amz-checksum-<algorithm>` header, the whole object's
/// checksum as the client computed it: it must be the object's `FULL_OBJECT` checksum (400
/// `BadDigest` otherwise), and is refused for an upload that has none (400
/// `InvalidRequest`).
fn check_whole_object_checksum<P>(
    ctx: &Ctx<P>,
    checksum: Option<&BodyChecksum>,
) -> Result<(), S3Error> {
    for algorithm in ChecksumAlgorithm::ALL {
        let name = format!(
            "x-amz-checksum-{}",
            algorithm.to_string().to_ascii_lowercase()
        );
        let Some(given) = ctx.headers.get(&name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        let whole = checksum
            .filter(|c| c.algorithm == algorithm && checksum_type(c) == ChecksumType::FullObject);
        let Some(whole) = whole else {
            return Err(S3Error::new(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                format!(
                    "The upload has no whole-object {algorithm} checksum to compare {name} with."
                ),
            ));
        };
        if algorithm.decode(given).is_none()
            || algorithm.decode(given) != algorithm.decode(&whole.value)
        {
            return Err(S3Error::new(
                StatusCode::BAD_REQUEST,
                "BadDigest",
                format!("The {algorithm} you specified did not match the calculated checksum."),
            ));
        }
    }
    Ok(())
}

/// Checks the `Checksum*` elements a CompleteMultipartUpload `<Part>` gives against the
/// checksum the part was stored with: each must be of the part's algorithm and equal to it.
fn check_listed_checksums(record: &[(String, String)], part: &Part) -> Result<(), S3Error> {
    for (name, listed) in record {
        let Some((algorithm, _)) = PART_CHECKSUMS.iter().find(|(_, element)| element == name)
        else {
            continue;
        };
        let number = part.number;
        match &part.checksum {
            Some(BodyChecksum {
                algorithm: stored,
                value,
            }) if stored == algorithm => {
                let same = algorithm
                    .decode(listed)
                    .is_some_and(|given| algorithm.decode(value) == Some(given));
                if !same {
                    return Err(invalid_part(format!(
                        "The {name} given for part {number} does not match the part: it was \
                         uploaded with the {algorithm} checksum {value}."
                    )));
                }
            }
            Some(BodyChecksum {
                algorithm: stored, ..
            }) => {
                return Err(invalid_part(format!(
                    "Part {number} was uploaded with a {stored} checksum, not {algorithm}: the \
                     {name} given for it cannot be checked."
                )))
            }
            None => {
                return Err(invalid_part(format!(
                    "Part {number} was uploaded without a checksum: the {name} given for it \
                     cannot be checked."
                )))
            }
        }
    }
    Ok(())
}

/// UploadPart, or UploadPartCopy (with `x-amz-copy-source`): the part staged, then kept.
pub(crate) async fn upload_part<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    key: &str,
    body: Body,
) -> Result<Response, S3Error> {
    let number = part_number(ctx.query.get("partNumber"))?;
    let upload = this_upload(app, ctx, bucket, key).await?;
    if ctx.headers.contains_key("x-amz-copy-source") {
        let (source_bucket, source_key) = copy_source(&*app.storage, ctx)?;
        let range = match ctx.header("x-amz-copy-source-range") {
            None => None,
            Some(r) => Some(parse_copy_range(r)?),
        };
        let (staged, received, _) =
            copy_range(&*app.storage, &source_bucket, &source_key, range, |_| {
                upload.checksum_algorithm
            })
            .await?;
        let part =
            Part::new(number, received.size, received.etag()).with_checksum(received.checksum);
        app.storage.put_part(&upload, &part, staged).await?;
        let mut out = XmlWriter::new("CopyPartResult");
        out.leaf("LastModified", iso8601(part.last_modified))
            .leaf("ETag", &part.etag);
        if let Some((element, value)) = checksum_leaf(&part) {
            out.leaf(element, value);
        }
        return Ok(xml_response(out.finish("CopyPartResult")));
    }
    let algorithm = part_algorithm(ctx, &upload)?;
    let body = BodyReader::new(body).with_checksum(algorithm);
    let (staged, received) = stage(&*app.storage, body).await?;
    let part = Part::new(number, received.size, received.etag()).with_checksum(received.checksum);
    app.storage.put_part(&upload, &part, staged).await?;
    let mut response = ([(header::ETAG, part.etag)], StatusCode::OK).into_response();
    if let Some(checksum) = &part.checksum {
        if let Ok(value) = HeaderValue::from_str(&checksum.value) {
            response.headers_mut().insert(
                HeaderName::from_static(checksum.algorithm.header_name()),
                value,
            );
        }
    }
    Ok(response)
}

/// `bytes=first-last`.
fn parse_copy_range(range: &str) -> Result<(u64, u64), S3Error> {
    range
        .trim()
        .strip_prefix("bytes=")
        .and_then(|r| r.split_once('-'))
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .ok_or_else(|| {
            S3Error::invalid_argument(
                "The x-amz-copy-source-range value must be of the form bytes=first-last",
            )
        })
}

/// ListParts: a page of the parts, by number, after `part-number-marker`.
pub(crate) async fn list_parts<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    key: &str,
) -> Result<Response, S3Error> {
    let upload = this_upload(app, ctx, bucket, key).await?;
    let marker = match ctx.query.get("part-number-marker") {
        None => 0,
        Some(m) => m
            .parse::<u32>()
            .map_err(|_| S3Error::invalid_argument("part-number-marker must be an integer"))?,
    };
    let max = match ctx.query.get("max-parts") {
        None => 1000,
        Some(m) => m
            .parse::<usize>()
            .map_err(|_| S3Error::invalid_argument("max-parts must be an integer"))?
            .min(1000),
    };
    let parts: Vec<Part> = app
        .storage
        .list_parts(&upload)
        .await?
        .into_iter()
        .filter(|p| p.number > marker)
        .collect();
    let truncated = parts.len() > max;
    let page = &parts[..parts.len().min(max)];
    let mut out = XmlWriter::new("ListPartsResult");
    out.leaf("Bucket", bucket)
        .leaf("Key", key)
        .leaf("UploadId", &upload.id)
        .leaf("PartNumberMarker", marker.to_string())
        .leaf_opt(
            "NextPartNumberMarker",
            page.last()
                .filter(|_| truncated)
                .map(|p| p.number.to_string()),
        )
        .leaf("MaxParts", max.to_string())
        .leaf("IsTruncated", truncated.to_string());
    ctx.owner(&mut out, "Initiator");
    ctx.owner(&mut out, "Owner");
    out.leaf("StorageClass", "STANDARD")
        .leaf_opt(
            "ChecksumAlgorithm",
            upload.checksum_algorithm.map(|a| a.to_string()),
        )
        .leaf_opt(
            "ChecksumType",
            upload
                .checksum_algorithm
                .map(|a| multipart_checksum_type(a, upload.full_object_checksum).as_str()),
        );
    for part in page {
        out.open("Part")
            .leaf("PartNumber", part.number.to_string())
            .leaf("LastModified", iso8601(part.last_modified))
            .leaf("ETag", &part.etag)
            .leaf("Size", part.size.to_string());
        if let Some((element, value)) = checksum_leaf(part) {
            out.leaf(element, value);
        }
        out.close("Part");
    }
    Ok(xml_response(out.finish("ListPartsResult")))
}

/// CompleteMultipartUpload: the listed parts checked (order, ETags, checksums, sizes), then
/// joined into the object.
///
/// An upload completed already is gone: completing it again is 404 `NoSuchUpload`, the
/// behaviour S3 documents ("The specified multipart upload does not exist. The upload ID
/// might be invalid, or the multipart upload might have been aborted or completed", in the
/// special errors of CompleteMultipartUpload, API Reference,
/// <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html>). S3
/// has been seen to answer a retry that comes soon after with 200 and the same result; that
/// is not documented, and not done here.
pub(crate) async fn complete<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    key: &str,
    body: Body,
) -> Result<Response, S3Error> {
    let condition = write_condition(&ctx.headers)?;
    let document = read_small(body, MAX_COMPLETION_BYTES).await?;
    let upload = this_upload(app, ctx, bucket, key).await?;
    let request = xml::parse(&document, "CompleteMultipartUpload", "Part")?;
    if request.records.is_empty() {
        return Err(S3Error::malformed_xml("no Part"));
    }
    let mut completion = Completion::new(app.storage.list_parts(&upload).await?);
    for record in &request.records {
        let number = xml::field(record, "PartNumber")
            .and_then(|n| n.trim().parse::<u32>().ok())
            .ok_or_else(|| S3Error::malformed_xml("a Part without a valid PartNumber"))?;
        let etag = xml::field(record, "ETag").unwrap_or_default();
        let part = completion.choose(number, etag)?;
        check_listed_checksums(record, part)?;
    }
    let completed = completion.finish()?;
    let checksum = upload.checksum_algorithm.and_then(|algorithm| {
        multipart_checksum(algorithm, upload.full_object_checksum, &completed.parts)
    });
    check_whole_object_checksum(ctx, checksum.as_ref())?;
    let meta = ObjectMeta::new(completed.size, completed.etag)
        .with_headers(upload.headers.clone())
        .with_checksum(checksum)
        .with_parts(completed.parts.iter().map(ObjectPart::from).collect())
        .with_tags(upload.tags.clone());
    app.storage
        .complete_upload(&upload, &completed.parts, &meta, &condition)
        .await?;
    let mut out = XmlWriter::new("CompleteMultipartUploadResult");
    out.leaf("Location", ctx.object_url(app.scheme, bucket, key))
        .leaf("Bucket", bucket)
        .leaf("Key", key)
        .leaf("ETag", &meta.etag);
    if let Some(checksum) = &meta.checksum {
        if let Some(element) = element(checksum.algorithm) {
            out.leaf(element, &checksum.value)
                .leaf("ChecksumType", checksum_type(checksum).as_str());
        }
    }
    Ok(xml_response(out.finish("CompleteMultipartUploadResult")))
}

/// AbortMultipartUpload: the upload and its parts dropped.
pub(crate) async fn abort<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    key: &str,
) -> Result<Response, S3Error> {
    let upload = this_upload(app, ctx, bucket, key).await?;
    app.storage.abort_upload(&upload).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// ListMultipartUploads: the uploads in progress under `prefix`.
pub(crate) async fn list_uploads<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
) -> Result<Response, S3Error> {
    app.storage.head_bucket(bucket).await?;
    let prefix = ctx.query.get("prefix").unwrap_or("");
    let uploads = app.storage.list_uploads(bucket).await?;
    let mut out = XmlWriter::new("ListMultipartUploadsResult");
    out.leaf("Bucket", bucket)
        .leaf("KeyMarker", "")
        .leaf("UploadIdMarker", "")
        .leaf("Prefix", prefix)
        .leaf("MaxUploads", "1000")
        .leaf("IsTruncated", "false");
    for upload in uploads.iter().filter(|u| u.key.starts_with(prefix)) {
        out.open("Upload")
            .leaf("Key", &upload.key)
            .leaf("UploadId", &upload.id);
        ctx.owner(&mut out, "Initiator");
        ctx.owner(&mut out, "Owner");
        out.leaf("StorageClass", "STANDARD")
            .leaf_opt(
                "ChecksumAlgorithm",
                upload.checksum_algorithm.map(|a| a.to_string()),
            )
            .leaf("Initiated", iso8601(upload.initiated))
            .close("Upload");
    }
    Ok(xml_response(out.finish("ListMultipartUploadsResult")))
}
