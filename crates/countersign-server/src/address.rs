//! Which bucket and key an S3 request addresses, from its host and path: the one rule the
//! layer decides a POST form's bucket by, for handlers to use too.
//!
//! Virtual-hosted style when the host is `{bucket}.{domain}` for the configured domain (a
//! bucket name may hold dots: `foo.bar.localhost` is bucket `foo.bar` under `localhost`);
//! path style (`/{bucket}/{key}`) otherwise. Both parts are percent-decoded once.
//!
//! ```
//! use countersign_server::address::S3Address;
//! let virtual_hosted = S3Address::of("foo.bar.localhost:9000", "/a%20b", Some("localhost"))?;
//! assert_eq!(virtual_hosted.bucket.as_deref(), Some("foo.bar"));
//! assert_eq!(virtual_hosted.key.as_deref(), Some("a b"));
//! let path_style = S3Address::of("localhost:9000", "/photos/2024/a.jpg", Some("localhost"))?;
//! assert_eq!(path_style.bucket.as_deref(), Some("photos"));
//! assert_eq!(path_style.key.as_deref(), Some("2024/a.jpg"));
//! # Ok::<(), countersign_server::address::InvalidPath>(())
//! ```

use std::fmt;

use std::borrow::Cow;

/// The bucket and key of an S3 request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3Address {
    /// The bucket; `None` for the service (ListBuckets).
    pub bucket: Option<String>,
    /// The object key; `None` for the bucket itself.
    pub key: Option<String>,
    /// Whether the host named the bucket.
    pub virtual_host: bool,
}

/// A path whose percent-encoding does not decode to UTF-8 (S3's `InvalidURI`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPath;

impl fmt::Display for InvalidPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the path's percent-encoding does not decode to UTF-8")
    }
}

impl std::error::Error for InvalidPath {}

impl S3Address {
    /// The address of a request to `host` (with or without a port) and `path` (as sent,
    /// percent-encoded), where buckets may be named in the host under `domain`.
    pub fn of(host: &str, path: &str, domain: Option<&str>) -> Result<Self, InvalidPath> {
        let name = strip_port(host);
        let virtual_bucket = domain
            .map(|d| d.trim_matches('.'))
            .filter(|d| !d.is_empty())
            .and_then(|domain| bucket_under(name, domain));
        let path = path.strip_prefix('/').unwrap_or(path);
        let non_empty = |s: String| Some(s).filter(|s| !s.is_empty());
        Ok(match virtual_bucket {
            Some(bucket) => S3Address {
                bucket: Some(bucket.to_ascii_lowercase()),
                key: non_empty(decode(path)?),
                virtual_host: true,
            },
            None => {
                let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
                S3Address {
                    bucket: non_empty(decode(bucket)?),
                    key: non_empty(decode(key)?),
                    virtual_host: false,
                }
            }
        })
    }
}

/// The bucket a host name (without its port) names under `domain`: the labels before
/// `.domain`, compared without regard to ASCII case.
fn bucket_under<'h>(name: &'h str, domain: &str) -> Option<&'h str> {
    let split = name.len().checked_sub(domain.len())?;
    let tail = name.get(split..)?;
    if !tail.eq_ignore_ascii_case(domain) {
        return None;
    }
    name.get(..split)?
        .strip_suffix('.')
        .filter(|bucket| !bucket.is_empty())
}

/// Percent-decodes a part of the path (a `+` is itself; a `%` not followed by two hex
/// digits is itself, as `percent-encoding` reads it).
fn decode(part: &str) -> Result<String, InvalidPath> {
    crate::percent::decode(part, false)
        .map(Cow::into_owned)
        .ok_or(InvalidPath)
}

/// The host without its port (`[::1]:9000` → `::1`).
fn strip_port(host: &str) -> &str {
    if let Some(bracketed) = host.strip_prefix('[') {
        return bracketed.split_once(']').map_or(host, |(h, _)| h);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket_and_key(
        host: &str,
        path: &str,
        domain: Option<&str>,
    ) -> (Option<String>, Option<String>) {
        let address = S3Address::of(host, path, domain).unwrap_or_else(|e| panic!("{e}"));
        (address.bucket, address.key)
    }

    #[test]
    fn a_dotted_bucket_in_the_host_is_the_whole_prefix() {
        assert_eq!(
            bucket_and_key("foo.bar.localhost", "/", Some("localhost")),
            (Some("foo.bar".into()), None)
        );
    }

    #[test]
    fn the_domain_matches_whole_labels_only() {
        assert_eq!(
            bucket_and_key("evillocalhost", "/b/k", Some("localhost")),
            (Some("b".into()), Some("k".into()))
        );
    }

    #[test]
    fn without_a_domain_the_path_names_the_bucket() {
        assert_eq!(bucket_and_key("foo.bar.localhost", "/", None), (None, None));
        assert_eq!(
            bucket_and_key("foo.bar.localhost", "/b/", None),
            (Some("b".into()), None)
        );
    }

    #[test]
    fn the_host_is_compared_without_its_port_or_case() {
        assert_eq!(
            bucket_and_key("Photos.S3.Example.com:443", "/k", Some("s3.example.com")),
            (Some("photos".into()), Some("k".into()))
        );
        assert_eq!(
            bucket_and_key("[::1]:9000", "/b", Some("localhost")),
            (Some("b".into()), None)
        );
    }

    #[test]
    fn parts_are_decoded_once() {
        assert_eq!(
            bucket_and_key("localhost", "/b/a%2Bb+c%2520", Some("localhost")),
            (Some("b".into()), Some("a+b+c%20".into()))
        );
    }

    #[test]
    fn a_path_that_does_not_decode_to_utf8_is_invalid() {
        assert_eq!(S3Address::of("localhost", "/b/%FF", None), Err(InvalidPath));
    }
}
