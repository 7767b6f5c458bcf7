//! Listings: the buckets, and a bucket's objects (ListObjectsV2, the original ListObjects,
//! and ListObjectVersions, each object its one version).

use axum::response::Response;
use base64::Engine;
use percent_encoding::utf8_percent_encode;

use countersign_server::authz::IamPrincipal;

use crate::app::App;
use crate::dates::iso8601;
use crate::error::S3Error;
use crate::listing_page::ListQuery;
use crate::names::KEY_ENCODING;
use crate::request::Ctx;
use crate::storage::Storage;
use crate::xml::{xml_response, XmlWriter};

/// The one version of an object in a bucket without versioning.
pub(crate) const NULL_VERSION: &str = "null";

/// ListBuckets: the buckets of the signer's account, and those with no recorded owner.
pub(crate) async fn list_buckets<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
) -> Result<Response, S3Error> {
    let buckets = app.storage.list_buckets().await?;
    let mut out = XmlWriter::new("ListAllMyBucketsResult");
    ctx.owner(&mut out, "Owner");
    out.open("Buckets");
    for bucket in buckets {
        let owner = app.buckets.owner(&bucket.name);
        if owner.is_some() && owner.as_deref() != ctx.account() {
            continue;
        }
        out.open("Bucket")
            .leaf("Name", &bucket.name)
            .leaf("CreationDate", iso8601(bucket.created))
            .close("Bucket");
    }
    out.close("Buckets");
    Ok(xml_response(out.finish("ListAllMyBucketsResult")))
}

/// ListObjectsV2 (`v2`) or ListObjects: prefix, delimiter, max-keys, the continuation token
/// / start-after (v2) or marker (v1), and `encoding-type=url`.
pub(crate) async fn list_objects<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    v2: bool,
) -> Result<Response, S3Error> {
    let q = &ctx.query;
    let prefix = q.get("prefix").unwrap_or("");
    let delimiter = q.get("delimiter").filter(|d| !d.is_empty());
    let max_keys = max_keys(q.get("max-keys"))?;
    let url = url_encoding(q.get("encoding-type"))?;
    let encode = |s: &str| encode_key(s, url);
    let token = match q.get("continuation-token").filter(|_| v2) {
        Some(t) => Some(decode_token(t)?),
        None => None,
    };
    let start_after = q.get("start-after").filter(|_| v2);
    let marker = q.get("marker").filter(|_| !v2);
    let after = token.as_deref().or(start_after).or(marker);
    let query = ListQuery::new(prefix)
        .delimiter(delimiter)
        .after(after)
        .max_keys(max_keys);
    let listing = app.storage.list_objects(bucket, &query).await?;

    let mut out = XmlWriter::new("ListBucketResult");
    out.leaf("Name", bucket).leaf("Prefix", encode(prefix));
    if v2 {
        out.leaf_opt("ContinuationToken", q.get("continuation-token"))
            .leaf_opt("StartAfter", start_after.map(encode))
            .leaf(
                "KeyCount",
                (listing.contents.len() + listing.common_prefixes.len()).to_string(),
            );
    } else {
        out.leaf("Marker", encode(marker.unwrap_or("")));
    }
    out.leaf("MaxKeys", max_keys.to_string())
        .leaf_opt("Delimiter", delimiter.map(encode))
        .leaf_opt("EncodingType", url.then_some("url"))
        .leaf("IsTruncated", listing.truncated.to_string());
    if let Some(next) = &listing.next_marker {
        if v2 {
            out.leaf("NextContinuationToken", encode_token(next));
        } else {
            out.leaf("NextMarker", encode(next));
        }
    }
    let owner = !v2 || q.get("fetch-owner") == Some("true");
    for entry in &listing.contents {
        out.open("Contents")
            .leaf("Key", encode(&entry.key))
            .leaf("LastModified", iso8601(entry.meta.last_modified))
            .leaf("ETag", &entry.meta.etag)
            .leaf("Size", entry.meta.size.to_string())
            .leaf("StorageClass", "STANDARD");
        if owner {
            ctx.owner(&mut out, "Owner");
        }
        out.close("Contents");
    }
    common_prefixes(&mut out, &listing.common_prefixes, encode);
    Ok(xml_response(out.finish("ListBucketResult")))
}

/// ListObjectVersions of a bucket without versioning (this frontend keeps no versions):
/// each object is its one version, `null`, the latest; there are no delete markers. The
/// page goes on after `key-marker` (a `version-id-marker` can only be `null`, after it).
pub(crate) async fn list_versions<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
) -> Result<Response, S3Error> {
    let q = &ctx.query;
    let prefix = q.get("prefix").unwrap_or("");
    let delimiter = q.get("delimiter").filter(|d| !d.is_empty());
    let max_keys = max_keys(q.get("max-keys"))?;
    let url = url_encoding(q.get("encoding-type"))?;
    let encode = |s: &str| encode_key(s, url);
    let key_marker = q.get("key-marker").filter(|m| !m.is_empty());
    let version_marker = q.get("version-id-marker").filter(|m| !m.is_empty());
    match (key_marker, version_marker) {
        (None, Some(_)) => {
            return Err(S3Error::invalid_argument(
                "A version-id marker cannot be specified without a key marker.",
            ))
        }
        (_, Some(version)) if version != NULL_VERSION => {
            return Err(S3Error::invalid_argument("Invalid version id specified"))
        }
        _ => {}
    }
    let query = ListQuery::new(prefix)
        .delimiter(delimiter)
        .after(key_marker)
        .max_keys(max_keys);
    let listing = app.storage.list_objects(bucket, &query).await?;

    let mut out = XmlWriter::new("ListVersionsResult");
    out.leaf("Name", bucket)
        .leaf("Prefix", encode(prefix))
        .leaf("KeyMarker", encode(key_marker.unwrap_or("")))
        .leaf("VersionIdMarker", version_marker.unwrap_or(""))
        .leaf("MaxKeys", max_keys.to_string())
        .leaf_opt("Delimiter", delimiter.map(encode))
        .leaf_opt("EncodingType", url.then_some("url"))
        .leaf("IsTruncated", listing.truncated.to_string());
    if let Some(next) = &listing.next_marker {
        out.leaf("NextKeyMarker", encode(next))
            .leaf("NextVersionIdMarker", NULL_VERSION);
    }
    for entry in &listing.contents {
        out.open("Version")
            .leaf("Key", encode(&entry.key))
            .leaf("VersionId", NULL_VERSION)
            .leaf("IsLatest", "true")
            .leaf("LastModified", iso8601(entry.meta.last_modified))
            .leaf("ETag", &entry.meta.etag)
            .leaf("Size", entry.meta.size.to_string())
            .leaf("StorageClass", "STANDARD");
        ctx.owner(&mut out, "Owner");
        out.close("Version");
    }
    common_prefixes(&mut out, &listing.common_prefixes, encode);
    Ok(xml_response(out.finish("ListVersionsResult")))
}

/// The prefixes rolled up at the delimiter, each as a listing gives it.
fn common_prefixes(out: &mut XmlWriter, prefixes: &[String], encode: impl Fn(&str) -> String) {
    for common in prefixes {
        out.open("CommonPrefixes")
            .leaf("Prefix", encode(common))
            .close("CommonPrefixes");
    }
}

/// `max-keys`: up to 1,000 (the default).
fn max_keys(value: Option<&str>) -> Result<usize, S3Error> {
    match value {
        None => Ok(1000),
        Some(m) => Ok(m
            .parse::<usize>()
            .map_err(|_| {
                S3Error::invalid_argument(
                    "Provided max-keys not an integer or within integer range",
                )
            })?
            .min(1000)),
    }
}

/// `encoding-type`: whether keys are URL-encoded (`url`, the only value S3 takes).
fn url_encoding(value: Option<&str>) -> Result<bool, S3Error> {
    match value {
        None => Ok(false),
        Some(e) if e.eq_ignore_ascii_case("url") => Ok(true),
        Some(_) => Err(S3Error::invalid_argument(
            "Invalid Encoding Method specified in Request",
        )),
    }
}

/// A key (or prefix, delimiter) as a listing shows it: URL-encoded when `url`.
fn encode_key(s: &str, url: bool) -> String {
    if url {
        utf8_percent_encode(s, KEY_ENCODING).to_string()
    } else {
        s.to_string()
    }
}

/// The continuation token is the last key (or common prefix) of the page, base64url.
fn encode_token(marker: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(marker)
}

fn decode_token(token: &str) -> Result<String, S3Error> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| S3Error::invalid_argument("The continuation token provided is incorrect"))
}
