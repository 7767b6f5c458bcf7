//! Multipart uploads: create, upload a part (or copy one), list parts, complete, abort, and
//! list the uploads in progress.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::handlers::{
    check_content_md5, copy_source, iso8601, read_small, stored_headers, App, Ctx,
};
use crate::storage::MIN_PART_SIZE;
use crate::uploads::{Part, Upload};
use crate::xml::{self, xml_response, S3Error, XmlWriter};

const MAX_PART_NUMBER: u32 = 10_000;

fn upload_id(ctx: &Ctx) -> &str {
    ctx.query.get("uploadId").unwrap_or_default()
}

async fn this_upload(app: &App, ctx: &Ctx, bucket: &str, key: &str) -> Result<Upload, S3Error> {
    app.storage.bucket_exists(bucket).await?;
    app.storage.upload(upload_id(ctx), bucket, key).await
}

pub(crate) async fn create(
    app: &App,
    ctx: &Ctx,
    bucket: &str,
    key: &str,
) -> Result<Response, S3Error> {
    let id = app
        .storage
        .create_upload(bucket, key, stored_headers(&ctx.headers))
        .await?;
    let mut out = XmlWriter::new("InitiateMultipartUploadResult");
    out.leaf("Bucket", bucket)
        .leaf("Key", key)
        .leaf("UploadId", id);
    Ok(xml_response(out.finish("InitiateMultipartUploadResult")))
}

pub(crate) async fn upload_part(
    app: &App,
    ctx: &Ctx,
    bucket: &str,
    key: &str,
    body: Body,
) -> Result<Response, S3Error> {
    let number = ctx
        .query
        .get("partNumber")
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            S3Error::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive",
            )
        })?;
    let upload = this_upload(app, ctx, bucket, key).await?;
    if ctx.headers.contains_key("x-amz-copy-source") {
        let (source_bucket, source_key) = copy_source(ctx)?;
        let range = match ctx.header("x-amz-copy-source-range") {
            None => None,
            Some(r) => Some(parse_copy_range(r)?),
        };
        let (received, _) = app
            .storage
            .copy_range(&source_bucket, &source_key, range)
            .await?;
        let part = app.storage.commit_part(&upload, number, received).await?;
        let mut out = XmlWriter::new("CopyPartResult");
        out.leaf("LastModified", iso8601(part.last_modified))
            .leaf("ETag", &part.etag);
        return Ok(xml_response(out.finish("CopyPartResult")));
    }
    let received = app.storage.receive(body).await?;
    check_content_md5(ctx, &received.md5)?;
    let part = app.storage.commit_part(&upload, number, received).await?;
    Ok(([(header::ETAG, part.etag)], StatusCode::OK).into_response())
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

pub(crate) async fn list_parts(
    app: &App,
    ctx: &Ctx,
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
    out.leaf("StorageClass", "STANDARD");
    for part in page {
        out.open("Part")
            .leaf("PartNumber", part.number.to_string())
            .leaf("LastModified", iso8601(part.last_modified))
            .leaf("ETag", &part.etag)
            .leaf("Size", part.size.to_string())
            .close("Part");
    }
    Ok(xml_response(out.finish("ListPartsResult")))
}

pub(crate) async fn complete(
    app: &App,
    ctx: &Ctx,
    bucket: &str,
    key: &str,
    body: Body,
) -> Result<Response, S3Error> {
    let document = read_small(body, 4 * 1024 * 1024).await?;
    let upload = this_upload(app, ctx, bucket, key).await?;
    let request = xml::parse(&document, "CompleteMultipartUpload", "Part")?;
    if request.records.is_empty() {
        return Err(S3Error::malformed_xml("no Part"));
    }
    let uploaded = app.storage.list_parts(&upload).await?;
    let invalid_part = || {
        S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidPart",
            "One or more of the specified parts could not be found. The part may not have been uploaded, \
             or the specified entity tag may not match the part's entity tag.",
        )
    };
    let mut chosen: Vec<Part> = Vec::new();
    for record in &request.records {
        let number = xml::field(record, "PartNumber")
            .and_then(|n| n.trim().parse::<u32>().ok())
            .ok_or_else(|| S3Error::malformed_xml("a Part without a valid PartNumber"))?;
        let etag = xml::field(record, "ETag")
            .unwrap_or_default()
            .trim()
            .trim_matches('"');
        if chosen.last().is_some_and(|last| last.number >= number) {
            return Err(S3Error::new(
                StatusCode::BAD_REQUEST,
                "InvalidPartOrder",
                "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
            ));
        }
        let part = uploaded
            .iter()
            .find(|p| p.number == number && p.etag.trim_matches('"') == etag)
            .ok_or_else(invalid_part)?;
        chosen.push(part.clone());
    }
    if let Some(small) = chosen[..chosen.len() - 1]
        .iter()
        .find(|p| p.size < MIN_PART_SIZE)
    {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "EntityTooSmall",
            format!(
                "Your proposed upload is smaller than the minimum allowed object size (part {} has {} bytes; \
                 every part but the last needs 5 MiB).",
                small.number, small.size
            ),
        ));
    }
    let meta = app.storage.complete(&upload, &chosen).await?;
    let mut out = XmlWriter::new("CompleteMultipartUploadResult");
    let location = if ctx.virtual_host {
        format!("{}://{}/{key}", app.scheme, ctx.host)
    } else {
        format!("{}://{}/{bucket}/{key}", app.scheme, ctx.host)
    };
    out.leaf("Location", location)
        .leaf("Bucket", bucket)
        .leaf("Key", key)
        .leaf("ETag", &meta.etag);
    Ok(xml_response(out.finish("CompleteMultipartUploadResult")))
}

pub(crate) async fn abort(
    app: &App,
    ctx: &Ctx,
    bucket: &str,
    key: &str,
) -> Result<Response, S3Error> {
    let upload = this_upload(app, ctx, bucket, key).await?;
    app.storage.abort(&upload).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn list_uploads(app: &App, ctx: &Ctx, bucket: &str) -> Result<Response, S3Error> {
    app.storage.bucket_exists(bucket).await?;
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
            .leaf("Initiated", iso8601(upload.initiated))
            .close("Upload");
    }
    Ok(xml_response(out.finish("ListMultipartUploadsResult")))
}
