//! The conditional headers: `If-Match`, `If-None-Match`, `If-Modified-Since` and
//! `If-Unmodified-Since` on GetObject and HeadObject, and `If-None-Match: *` and `If-Match`
//! on the writes (PutObject, CompleteMultipartUpload).
//!
//! A read's conditions are taken in S3's order (RFC 9110's, section 13.2.2): `If-Match`
//! (412 when no ETag it lists matches), else `If-Unmodified-Since` (412 when the object
//! changed after it); then `If-None-Match` (304 when an ETag it lists matches), else
//! `If-Modified-Since` (304 when the object did not change after it). So, as S3 documents,
//! `If-Match` holding answers 200 whatever `If-Unmodified-Since` says, and `If-None-Match`
//! failing answers 304 whatever `If-Modified-Since` says. A date that does not parse is
//! ignored, as HTTP says.

use axum::http::{HeaderMap, StatusCode};

use crate::dates::parse_http_date;
use crate::error::S3Error;
use crate::meta::ObjectMeta;
use crate::write_condition::{etag_listed, WriteCondition};

/// What a read's conditions say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadCondition {
    /// Answer with the object.
    Proceed,
    /// Answer 304 Not Modified.
    NotModified,
}

/// A header's value; one that is not text is an empty value (which lists no ETag), never
/// taken for an absent header.
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).map(|v| v.to_str().unwrap_or(""))
}

/// The verdict of a GetObject's or HeadObject's conditions on the object `meta`: 412
/// `PreconditionFailed`, 304, or the object.
pub(crate) fn check_read(headers: &HeaderMap, meta: &ObjectMeta) -> Result<ReadCondition, S3Error> {
    // HTTP dates have whole seconds: the object's time is compared as `Last-Modified` shows it.
    let modified = meta.last_modified.unix_timestamp();
    let date = |name| header(headers, name).and_then(parse_http_date);
    match header(headers, "if-match") {
        Some(list) if !etag_listed(list, &meta.etag) => return Err(S3Error::precondition_failed()),
        Some(_) => {}
        None => {
            if date("if-unmodified-since").is_some_and(|since| modified > since.unix_timestamp()) {
                return Err(S3Error::precondition_failed());
            }
        }
    }
    let not_modified = match header(headers, "if-none-match") {
        Some(list) => etag_listed(list, &meta.etag),
        None => date("if-modified-since").is_some_and(|since| modified <= since.unix_timestamp()),
    };
    Ok(match not_modified {
        true => ReadCondition::NotModified,
        false => ReadCondition::Proceed,
    })
}

/// The condition of a write: `If-None-Match: *` or `If-Match`. S3 takes no other value of
/// `If-None-Match` on a write, nor both headers at once (501 `NotImplemented`).
pub(crate) fn write_condition(headers: &HeaderMap) -> Result<WriteCondition, S3Error> {
    let unsupported = |what: &str| {
        S3Error::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            format!("A header you provided implies functionality that is not implemented: {what}"),
        )
    };
    match (
        header(headers, "if-none-match"),
        header(headers, "if-match"),
    ) {
        (None, None) => Ok(WriteCondition::None),
        (Some(_), Some(_)) => Err(unsupported(
            "If-Match and If-None-Match together on a write",
        )),
        (Some(tag), None) if tag.trim() == "*" => Ok(WriteCondition::IfAbsent),
        (Some(_), None) => Err(unsupported("If-None-Match on a write takes only *")),
        (None, Some(list)) => Ok(WriteCondition::IfMatch(list.trim().to_string())),
    }
}
