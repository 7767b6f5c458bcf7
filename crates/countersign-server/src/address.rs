//! Which bucket and key an S3 request addresses, from its host and path: the one rule the
//! layer decides a POST form's bucket and names S3 operations by, for handlers to use too.
//!
//! Virtual-hosted style when the host is `{bucket}.{domain}` for the configured domain (a
//! bucket name may hold dots: `foo.bar.localhost` is bucket `foo.bar` under `localhost`);
//! path style (`/{bucket}/{key}`) otherwise. Both parts are percent-decoded once.
//!
//! ```
//! use countersign_server::address::S3Address;
//! let virtual_hosted = S3Address::of("foo.bar.localhost:9000", "/a%20b", Some("localhost"))?;
//! assert_eq!(virtual_hosted.bucket(), Some("foo.bar"));
//! assert_eq!(virtual_hosted.key(), Some("a b"));
//! let path_style = S3Address::of("localhost:9000", "/photos/2024/a.jpg", Some("localhost"))?;
//! assert_eq!(path_style.bucket(), Some("photos"));
//! assert_eq!(path_style.key(), Some("2024/a.jpg"));
//! assert_eq!(path_style.arn(), "arn:aws:s3:::photos/2024/a.jpg");
//! # Ok::<(), countersign_server::address::InvalidPath>(())
//! ```

use std::fmt;
use std::sync::Arc;

use crate::percent::Output;

/// What every S3 ARN begins with.
const ARN_PREFIX: &str = "arn:aws:s3:::";

/// The bucket and key of an S3 request, kept as the ARN they name
/// (`arn:aws:s3:::{bucket}/{key}`), made once: clones share it (a handler that serves the
/// address it was authorized for copies no text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Address {
    /// `arn:aws:s3:::` and the bucket, then `/` and the key when there is one.
    arn: Arc<str>,
    /// Where the bucket ends in `arn` (where it begins, for no bucket).
    bucket_end: usize,
    /// Whether the host named the bucket.
    virtual_host: bool,
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

/// The text an address is made in: a buffer sized for the longest address its host and
/// path can make (decoding only shortens), on the stack for the addresses requests carry.
struct Text<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl Text<'_> {
    fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// Appends `bytes`, lowercased.
    fn put_lowercase(&mut self, bytes: &[u8]) {
        let start = self.len;
        self.put(bytes);
        if let Some(put) = self.buf.get_mut(start..self.len) {
            put.make_ascii_lowercase();
        }
    }
}

impl crate::percent::Output for Text<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        // The buffer was sized for the whole address: there is always room.
        if let Some(room) = self.buf.get_mut(self.len..end) {
            room.copy_from_slice(bytes);
            self.len = end;
        }
    }
}

impl S3Address {
    /// The address of a request to `host` (with or without a port; text, or a header's
    /// bytes as sent) and `path` (as sent, percent-encoded), where buckets may be named in
    /// the host under `domain`.
    pub fn of(
        host: impl AsRef<[u8]>,
        path: &str,
        domain: Option<&str>,
    ) -> Result<Self, InvalidPath> {
        let name = strip_port(host.as_ref());
        let virtual_bucket = domain
            .map(trim_dots)
            .filter(|d| !d.is_empty())
            .and_then(|domain| bucket_under(name, domain));
        let path = path.strip_prefix('/').unwrap_or(path);
        let longest = ARN_PREFIX.len() + name.len() + 1 + path.len();
        let mut stack = [0; 256];
        let mut heap = Vec::new();
        let buf = match stack.get_mut(..longest) {
            Some(buf) => buf,
            None => {
                heap.resize(longest, 0);
                &mut heap[..]
            }
        };
        let mut text = Text { buf, len: 0 };
        text.put(ARN_PREFIX.as_bytes());
        let key = match virtual_bucket {
            Some(bucket) => {
                text.put_lowercase(bucket);
                path
            }
            None => {
                let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
                crate::percent::decode_into(bucket, false, &mut text);
                key
            }
        };
        let bucket_end = text.len;
        if !key.is_empty() {
            text.put(b"/");
            crate::percent::decode_into(key, false, &mut text);
        }
        let arn = std::str::from_utf8(text.bytes()).map_err(|_| InvalidPath)?;
        Ok(S3Address {
            arn: Arc::from(arn),
            bucket_end,
            virtual_host: virtual_bucket.is_some(),
        })
    }

    /// The address of `key` (`None` for the bucket itself) in `bucket` (`None` for the
    /// service), decoded already (a browser POST form names them so).
    pub fn new(bucket: Option<&str>, key: Option<&str>) -> Self {
        let bucket = bucket.unwrap_or("");
        let key = key.unwrap_or("");
        let mut arn = String::with_capacity(ARN_PREFIX.len() + bucket.len() + 1 + key.len());
        arn.push_str(ARN_PREFIX);
        arn.push_str(bucket);
        let bucket_end = arn.len();
        if !key.is_empty() {
            arn.push('/');
            arn.push_str(key);
        }
        S3Address {
            arn: Arc::from(arn),
            bucket_end,
            virtual_host: false,
        }
    }

    /// The bucket; `None` for the service (ListBuckets).
    pub fn bucket(&self) -> Option<&str> {
        self.arn
            .get(ARN_PREFIX.len()..self.bucket_end)
            .filter(|b| !b.is_empty())
    }

    /// The object key; `None` for the bucket itself.
    pub fn key(&self) -> Option<&str> {
        self.arn
            .get(self.bucket_end + 1..)
            .filter(|k| !k.is_empty())
    }

    /// Whether the host named the bucket.
    pub fn virtual_host(&self) -> bool {
        self.virtual_host
    }

    /// The ARN the address names: `arn:aws:s3:::{bucket}/{key}` for an object,
    /// `arn:aws:s3:::{bucket}` for a bucket (`arn:aws:s3:::` for the service).
    pub fn arn(&self) -> &str {
        &self.arn
    }
}

/// `domain` without the dots it may begin or end with (which most do not: looked at first).
fn trim_dots(domain: &str) -> &str {
    match (domain.as_bytes().first(), domain.as_bytes().last()) {
        (Some(b'.'), _) | (_, Some(b'.')) => domain.trim_matches('.'),
        _ => domain,
    }
}

/// The bucket a host name (without its port) names under `domain`: the labels before
/// `.domain`, compared without regard to ASCII case.
fn bucket_under<'h>(name: &'h [u8], domain: &str) -> Option<&'h [u8]> {
    let split = name.len().checked_sub(domain.len())?;
    let (head, tail) = name.split_at_checked(split)?;
    if !tail.eq_ignore_ascii_case(domain.as_bytes()) {
        return None;
    }
    head.strip_suffix(b".").filter(|bucket| !bucket.is_empty())
}

/// The host without its port (`[::1]:9000` → `::1`).
fn strip_port(host: &[u8]) -> &[u8] {
    if let Some(bracketed) = host.strip_prefix(b"[") {
        return match bracketed.iter().position(|&b| b == b']') {
            Some(end) => &bracketed[..end],
            None => host,
        };
    }
    // The digits at the end, and the colon before them: scanned from the end, which for a
    // host without a port stops at its last byte.
    let digits = host.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let name = &host[..host.len() - digits];
    match name.strip_suffix(b":") {
        Some(name) => name,
        None => host,
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
        (
            address.bucket().map(str::to_string),
            address.key().map(str::to_string),
        )
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
    fn an_address_longer_than_the_stack_holds_is_whole() {
        let key = format!("{}%20end", "k/".repeat(200));
        let address = S3Address::of("localhost", &format!("/b/{key}"), None);
        let address = address.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(address.bucket(), Some("b"));
        assert_eq!(
            address.key(),
            Some(format!("{} end", "k/".repeat(200)).as_str())
        );
        assert_eq!(address.arn().len(), "arn:aws:s3:::b/".len() + 404);
    }

    #[test]
    fn a_virtual_hosted_bucket_is_lowercased_in_the_arn() {
        let address = S3Address::of("Photos.localhost", "/Cat.jpg", Some("localhost"));
        let address = address.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(address.arn(), "arn:aws:s3:::photos/Cat.jpg");
    }

    #[test]
    fn a_path_that_does_not_decode_to_utf8_is_invalid() {
        assert_eq!(S3Address::of("localhost", "/b/%FF", None), Err(InvalidPath));
    }

    #[test]
    fn a_host_header_that_is_not_utf8_names_no_bucket() {
        let host = &b"ph\xC3otos.localhost"[..];
        assert_eq!(
            S3Address::of(host, "/k", Some("localhost")),
            Err(InvalidPath)
        );
    }

    #[test]
    fn an_address_longer_than_the_stack_buffer_is_made_whole() {
        let key = "k".repeat(1000);
        let address = S3Address::of("b.localhost:9000", &format!("/{key}"), Some(".localhost."));
        let address = address.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((address.bucket(), address.key()), (Some("b"), Some(&*key)));
    }
}
