//! The request headers an object keeps, and `Content-MD5`.

use axum::http::{HeaderMap, StatusCode};
use base64::Engine;

use crate::error::S3Error;

/// The headers stored with an object: the representation headers (`Content-Encoding`
/// without `aws-chunked`, which only framed the upload) and `x-amz-meta-*`.
pub(crate) fn stored_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut stored = Vec::new();
    for (name, value) in headers {
        let name = name.as_str();
        let keep = matches!(
            name,
            "content-type"
                | "content-disposition"
                | "content-language"
                | "cache-control"
                | "expires"
                | "content-encoding"
                | "x-amz-website-redirect-location"
        ) || name.starts_with("x-amz-meta-");
        let Ok(value) = value.to_str() else {
            continue;
        };
        if !keep {
            continue;
        }
        let value = if name == "content-encoding" {
            let codings: Vec<&str> = value
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("aws-chunked"))
                .collect();
            if codings.is_empty() {
                continue;
            }
            codings.join(", ")
        } else {
            value.to_string()
        };
        match stored
            .iter_mut()
            .find(|(n, _): &&mut (String, String)| n == name)
        {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => stored.push((name.to_string(), value)),
        }
    }
    stored
}

/// Checks `Content-MD5` (when sent) against what was received.
pub(crate) fn check_content_md5(headers: &HeaderMap, md5: &[u8; 16]) -> Result<(), S3Error> {
    let Some(declared) = headers.get("content-md5").and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(declared.trim())
        .map_err(|_| {
            S3Error::new(
                StatusCode::BAD_REQUEST,
                "InvalidDigest",
                "The Content-MD5 you specified was invalid.",
            )
        })?;
    if decoded.as_slice() != md5.as_slice() {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
        ));
    }
    Ok(())
}
