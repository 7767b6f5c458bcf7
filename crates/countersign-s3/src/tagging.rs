//! Object tags: `?tagging` on an object (PutObjectTagging, GetObjectTagging,
//! DeleteObjectTagging), and `x-amz-tagging` on PutObject, CopyObject and
//! CreateMultipartUpload, held to S3's limits: at most 10 tags, each key 1 to 128 Unicode
//! characters and unique, each value up to 256, no key in the reserved `aws:` prefix.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use crate::app::App;
use crate::error::S3Error;
use crate::request::{read_small, Ctx};
use crate::storage::Storage;
use crate::xml::{self, xml_response, XmlWriter};

/// The most tags an object has.
const MAX_TAGS: usize = 10;
/// The longest key and value, in Unicode characters.
const MAX_KEY_CHARS: usize = 128;
const MAX_VALUE_CHARS: usize = 256;
/// The most bytes of a PutObjectTagging document read (ten tags at their longest, in XML,
/// fit several times over).
const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// Tags, in the order given.
pub(crate) type Tags = Vec<(String, String)>;

/// 400 `InvalidTag`.
fn invalid_tag(message: impl Into<String>) -> S3Error {
    S3Error::new(StatusCode::BAD_REQUEST, "InvalidTag", message)
}

/// Holds `tags` to S3's limits.
fn checked(tags: Tags) -> Result<Tags, S3Error> {
    if tags.len() > MAX_TAGS {
        return Err(invalid_tag(format!(
            "Object tags cannot be greater than {MAX_TAGS}; {} were given.",
            tags.len()
        )));
    }
    for (i, (key, value)) in tags.iter().enumerate() {
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > MAX_KEY_CHARS {
            return Err(invalid_tag(format!(
                "The TagKey you have provided is invalid: a key has 1 to {MAX_KEY_CHARS} \
                 characters, this one {key_chars}."
            )));
        }
        if value.chars().count() > MAX_VALUE_CHARS {
            return Err(invalid_tag(format!(
                "The TagValue you have provided is too long, max {MAX_VALUE_CHARS} characters \
                 (the value of {key:?})."
            )));
        }
        if key.starts_with("aws:") {
            return Err(invalid_tag(format!(
                "Your TagKey cannot be prefixed with aws: ({key:?})."
            )));
        }
        if tags[..i].iter().any(|(earlier, _)| earlier == key) {
            return Err(invalid_tag(format!(
                "Cannot provide multiple Tags with the same key ({key:?})."
            )));
        }
    }
    Ok(tags)
}

/// The tags of an `x-amz-tagging` header: `key=value` pairs joined by `&`, URL-encoded
/// (`+` a space); none without the header.
pub(crate) fn from_header<P>(ctx: &Ctx<P>) -> Result<Tags, S3Error> {
    let Some(value) = ctx.headers.get("x-amz-tagging") else {
        return Ok(Tags::new());
    };
    let value = value
        .to_str()
        .map_err(|_| invalid_tag("The x-amz-tagging header is not URL-encoded text."))?;
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_decode_str(&s)
            .decode_utf8()
            .map(|d| d.into_owned())
            .map_err(|_| invalid_tag("The x-amz-tagging header does not decode to UTF-8."))
    };
    let mut tags = Tags::new();
    for pair in value.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        tags.push((decode(key)?, decode(value)?));
        // A header far past the limit is refused without decoding the rest.
        if tags.len() > MAX_TAGS {
            break;
        }
    }
    checked(tags)
}

/// GetObjectTagging: the object's tags.
pub(crate) async fn get<S: Storage>(
    app: &App<S>,
    bucket: &str,
    key: &str,
) -> Result<Response, S3Error> {
    let meta = app.storage.head_object(bucket, key).await?;
    let mut out = XmlWriter::new("Tagging");
    out.open("TagSet");
    for (key, value) in &meta.tags {
        out.open("Tag")
            .leaf("Key", key)
            .leaf("Value", value)
            .close("Tag");
    }
    out.close("TagSet");
    Ok(xml_response(out.finish("Tagging")))
}

/// PutObjectTagging: the object's tags replaced by the document's `<Tag>`s.
pub(crate) async fn put<S: Storage>(
    app: &App<S>,
    bucket: &str,
    key: &str,
    body: Body,
) -> Result<Response, S3Error> {
    let document = read_small(body, MAX_DOCUMENT_BYTES).await?;
    let parsed = xml::parse(&document, "Tagging", "Tag")?;
    let mut tags = Tags::new();
    for tag in &parsed.records {
        let key =
            xml::field(tag, "Key").ok_or_else(|| S3Error::malformed_xml("a Tag without a Key"))?;
        let value = xml::field(tag, "Value").unwrap_or_default();
        tags.push((key.to_string(), value.to_string()));
    }
    let tags = checked(tags)?;
    app.storage.put_object_tags(bucket, key, tags).await?;
    Ok(StatusCode::OK.into_response())
}

/// DeleteObjectTagging: 204, the object untagged.
pub(crate) async fn delete<S: Storage>(
    app: &App<S>,
    bucket: &str,
    key: &str,
) -> Result<Response, S3Error> {
    app.storage
        .put_object_tags(bucket, key, Tags::new())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The tags of a copy: the source's (`x-amz-tagging-directive: COPY`, the default) or the
/// request's `x-amz-tagging` (`REPLACE`).
pub(crate) fn of_copy<P>(ctx: &Ctx<P>, source: &Tags) -> Result<Tags, S3Error> {
    let directive = ctx
        .headers
        .get("x-amz-tagging-directive")
        .map(|v| v.to_str().unwrap_or(""));
    match directive.unwrap_or("COPY") {
        "COPY" => Ok(source.clone()),
        "REPLACE" => from_header(ctx),
        other => Err(S3Error::invalid_argument(format!(
            "Unknown tagging directive {other:?}: it is COPY or REPLACE."
        ))),
    }
}
