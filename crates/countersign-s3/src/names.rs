//! S3's rules for bucket names and keys.

use axum::http::StatusCode;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use crate::error::S3Error;

/// How a key is written into a URL or an `encoding-type=url` listing: everything but the
/// unreserved characters and `/` percent-encoded.
pub(crate) const KEY_ENCODING: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// The longest key S3 takes, in bytes.
const MAX_KEY_BYTES: usize = 1024;

/// Checks a bucket name against S3's rules (which also keeps it a plain directory name).
pub(crate) fn validate_bucket(name: &str) -> Result<(), S3Error> {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let edges = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let ip_like = name.parse::<std::net::Ipv4Addr>().is_ok();
    if (3..=63).contains(&name.len())
        && valid_chars
        && edges(name.bytes().next())
        && edges(name.bytes().last())
        && !name.contains("..")
        && !name.contains(".-")
        && !name.contains("-.")
        && !ip_like
    {
        Ok(())
    } else {
        Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidBucketName",
            "The specified bucket is not valid.",
        )
        .at(format!("/{name}")))
    }
}

/// Checks a key against S3's rules: not empty, at most 1,024 bytes. The storage's own rules
/// come after ([`Storage::check_key`](crate::Storage::check_key)).
pub(crate) fn validate_key(key: &str) -> Result<(), S3Error> {
    if key.is_empty() {
        return Err(S3Error::invalid_argument("The key is empty."));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "KeyTooLongError",
            "Your key is too long",
        ));
    }
    Ok(())
}
