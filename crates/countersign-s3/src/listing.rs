//! Listings: the buckets, and a bucket's objects (ListObjectsV2 and the original ListObjects).

use axum::response::Response;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use countersign_server::authz::IamPrincipal;

use crate::app::App;
use crate::dates::iso8601;
use crate::error::S3Error;
use crate::listing_page::ListQuery;
use crate::request::Ctx;
use crate::storage::Storage;
use crate::xml::{xml_response, XmlWriter};

/// `encoding-type=url`: everything but the unreserved characters and `/`.
const KEY_ENCODING: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

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
    let max_keys = match q.get("max-keys") {
        None => 1000,
        Some(m) => m
            .parse::<usize>()
            .map_err(|_| {
                S3Error::invalid_argument(
                    "Provided max-keys not an integer or within integer range",
                )
            })?
            .min(1000),
    };
    let url = match q.get("encoding-type") {
        None => false,
        Some(e) if e.eq_ignore_ascii_case("url") => true,
        Some(_) => {
            return Err(S3Error::invalid_argument(
                "Invalid Encoding Method specified in Request",
            ))
        }
    };
    let encode = |s: &str| -> String {
        if url {
            utf8_percent_encode(s, KEY_ENCODING).to_string()
        } else {
            s.to_string()
        }
    };
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
    for common in &listing.common_prefixes {
        out.open("CommonPrefixes")
            .leaf("Prefix", encode(common))
            .close("CommonPrefixes");
    }
    Ok(xml_response(out.finish("ListBucketResult")))
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
