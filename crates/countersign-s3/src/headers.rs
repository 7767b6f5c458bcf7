//! The request headers an object keeps.

use axum::http::HeaderMap;

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
