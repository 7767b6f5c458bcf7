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
/// (`arn:aws:s3:::{bucket}/{key}`), made once and shared: the operation named from the
/// address, and the accesses it needs, hold the same text.
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

/// The text an address is made in: on the stack for the addresses requests carry (each
/// piece copied once), on the heap beyond.
struct Text {
    stack: [u8; 256],
    len: usize,
    heap: Vec<u8>,
}

impl Text {
    fn new() -> Self {
        Text {
            stack: [0; 256],
            len: 0,
            heap: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.heap.len().max(self.len)
    }

    fn bytes(&self) -> &[u8] {
        match self.heap.is_empty() {
            true => &self.stack[..self.len],
            false => &self.heap,
        }
    }

    fn lowercase_from(&mut self, start: usize) {
        match self.heap.is_empty() {
            true => self.stack[start..self.len].make_ascii_lowercase(),
            false => self.heap[start..].make_ascii_lowercase(),
        }
    }
}

impl crate::percent::Output for Text {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        match self.stack.get_mut(self.len..end) {
            Some(room) if self.heap.is_empty() => {
                room.copy_from_slice(bytes);
                self.len = end;
            }
            _ => {
                if self.heap.is_empty() {
                    self.heap.extend_from_slice(&self.stack[..self.len]);
                }
                self.heap.extend_from_slice(bytes);
            }
        }
    }
}

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
        let mut text = Text::new();
        text.put(ARN_PREFIX.as_bytes());
        let key = match virtual_bucket {
            Some(bucket) => {
                let start = text.len();
                text.put(bucket.as_bytes());
                text.lowercase_from(start);
                path
            }
            None => {
                let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
                crate::percent::decode_into(bucket, false, &mut text);
                key
            }
        };
        let bucket_end = text.len();
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

    /// The ARN, shared.
    pub(crate) fn shared_arn(&self) -> &Arc<str> {
        &self.arn
    }

    /// Where the bucket is in [`arn`](Self::arn).
    pub(crate) fn bucket_range(&self) -> std::ops::Range<usize> {
        ARN_PREFIX.len()..self.bucket_end
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

/// The host without its port (`[::1]:9000` → `::1`).
fn strip_port(host: &str) -> &str {
    if let Some(bracketed) = host.strip_prefix('[') {
        return bracketed.split_once(']').map_or(host, |(h, _)| h);
    }
    // The digits at the end, and the colon before them: scanned from the end, which for a
    // host without a port stops at its last byte.
    let digits = host.bytes().rev().take_while(u8::is_ascii_digit).count();
    let name = &host[..host.len() - digits];
    match name.strip_suffix(':') {
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
}
