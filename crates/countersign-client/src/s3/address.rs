//! Where an S3 request goes: the URL of the service, a bucket or an object, path-style
//! (`https://host/bucket/key`) or virtual-hosted-style (`https://bucket.host/key`), keys
//! percent-encoded as S3 signs them.

use std::fmt::Write;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What a key keeps unencoded in a path: RFC 3986's unreserved characters and `/`, as the
/// AWS SDKs write S3 keys. Everything else is percent-encoded, once (S3 signs the path as
/// sent).
const KEY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// What a query parameter's name or value keeps unencoded: the unreserved characters.
const QUERY: &AsciiSet = &KEY.add(b'/');

/// `key` percent-encoded for a path or `x-amz-copy-source` (its `/`s kept).
pub(crate) fn encode_key(key: &str) -> String {
    utf8_percent_encode(key, KEY).to_string()
}

/// A query string being written: `name=value` pairs (or a bare `name`, S3's sub-resources
/// such as `?uploads`), each percent-encoded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query(String);

impl Query {
    /// An empty query.
    pub(crate) fn new() -> Self {
        Query::default()
    }

    /// A sub-resource without a value (`uploads`, `delete`).
    pub(crate) fn flag(mut self, name: &str) -> Self {
        self.separate();
        self.0
            .push_str(&utf8_percent_encode(name, QUERY).to_string());
        self
    }

    /// A parameter.
    pub(crate) fn param(mut self, name: &str, value: &str) -> Self {
        self.separate();
        let _ = write!(
            self.0,
            "{}={}",
            utf8_percent_encode(name, QUERY),
            utf8_percent_encode(value, QUERY)
        );
        self
    }

    /// A parameter, when there is a value.
    pub(crate) fn param_opt(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.param(name, value),
            None => self,
        }
    }

    fn separate(&mut self) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
    }

    /// The query string, without its `?`.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an S3 request addresses: the service (ListBuckets), a bucket, or an object, and
/// the query.
#[derive(Debug, Clone)]
pub(crate) struct Resource<'a> {
    pub(crate) bucket: Option<&'a str>,
    pub(crate) key: Option<&'a str>,
    pub(crate) query: Query,
}

impl<'a> Resource<'a> {
    /// The service itself.
    pub(crate) fn service() -> Self {
        Resource {
            bucket: None,
            key: None,
            query: Query::new(),
        }
    }

    /// A bucket.
    pub(crate) fn bucket(bucket: &'a str) -> Self {
        Resource {
            bucket: Some(bucket),
            key: None,
            query: Query::new(),
        }
    }

    /// An object.
    pub(crate) fn object(bucket: &'a str, key: &'a str) -> Self {
        Resource {
            bucket: Some(bucket),
            key: Some(key),
            query: Query::new(),
        }
    }

    /// The same resource with `query`.
    pub(crate) fn with_query(mut self, query: Query) -> Self {
        self.query = query;
        self
    }
}

/// An endpoint's URL taken apart: scheme, authority (host and port), and path prefix
/// (without a trailing `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Base {
    scheme: String,
    authority: String,
    path: String,
}

impl Base {
    /// Takes `url` apart; an error says why it is not an `http` or `https` URL with a host.
    pub(crate) fn parse(url: &str) -> Result<Base, String> {
        let uri: http::Uri = url
            .parse()
            .map_err(|e| format!("the endpoint {url:?} is not a URL: {e}"))?;
        let scheme = uri
            .scheme_str()
            .filter(|s| matches!(*s, "http" | "https"))
            .ok_or_else(|| format!("the endpoint {url:?} is not an http or https URL"))?;
        let authority = uri
            .authority()
            .map(|a| a.as_str())
            .filter(|a| !a.is_empty())
            .ok_or_else(|| format!("the endpoint {url:?} has no host"))?;
        Ok(Base {
            scheme: scheme.to_string(),
            authority: authority.to_string(),
            path: uri.path().trim_end_matches('/').to_string(),
        })
    }

    /// Whether the endpoint is HTTPS.
    pub(crate) fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    /// The host, without a port (an IPv6 address keeps its brackets).
    fn host(&self) -> &str {
        let authority = self.authority.rsplit('@').next().unwrap_or(&self.authority);
        if authority.starts_with('[') {
            return authority.split_inclusive(']').next().unwrap_or(authority);
        }
        authority.split(':').next().unwrap_or(authority)
    }

    /// Whether the host cannot take a bucket in front of it: an IP address, or `localhost`
    /// (whose subdomains not every resolver knows). Such endpoints (local servers, MinIO,
    /// moto) are addressed path-style by default.
    pub(crate) fn wants_path_style(&self) -> bool {
        let host = self.host();
        host.starts_with('[')
            || host.parse::<std::net::Ipv4Addr>().is_ok()
            || host.eq_ignore_ascii_case("localhost")
    }

    /// The URL of `resource`: virtual-hosted-style when `virtual_host` and the bucket's name
    /// can be a host label (see [`dns_compatible`]), path-style otherwise.
    pub(crate) fn url(&self, resource: &Resource<'_>, virtual_host: bool) -> String {
        let mut url = String::with_capacity(64);
        let _ = write!(url, "{}://", self.scheme);
        match resource.bucket {
            Some(bucket) if virtual_host && dns_compatible(bucket, self.is_https()) => {
                let _ = write!(url, "{bucket}.{}{}/", self.authority, self.path);
            }
            Some(bucket) => {
                let _ = write!(
                    url,
                    "{}{}/{}",
                    self.authority,
                    self.path,
                    encode_key(bucket)
                );
                if resource.key.is_some() {
                    url.push('/');
                }
            }
            None => {
                let _ = write!(url, "{}{}/", self.authority, self.path);
            }
        }
        if let Some(key) = resource.key {
            url.push_str(&encode_key(key));
        }
        if !resource.query.as_str().is_empty() {
            url.push('?');
            url.push_str(resource.query.as_str());
        }
        url
    }
}

/// Whether `bucket` can be the first label of a host name, as the AWS SDKs decide before
/// addressing a bucket virtual-hosted-style: 3 to 63 lower-case letters, digits, `-` and
/// `.`, starting and ending with a letter or digit, not shaped like an IP address, and, over
/// HTTPS, without a `.` (which a wildcard certificate does not cover).
pub(crate) fn dns_compatible(bucket: &str, https: bool) -> bool {
    let bytes = bucket.as_bytes();
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.'))
        && edge(bytes.first())
        && edge(bytes.last())
        && !bucket.contains("..")
        && bucket.parse::<std::net::Ipv4Addr>().is_err()
        && !(https && bucket.contains('.'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test panics on a broken fixture")]

    use super::*;

    #[test]
    fn path_style_puts_the_bucket_first_in_the_path() {
        let base = Base::parse("http://127.0.0.1:9000").unwrap();
        let url = base.url(&Resource::object("photos", "2024/a b+c.jpg"), false);
        assert_eq!(url, "http://127.0.0.1:9000/photos/2024/a%20b%2Bc.jpg");
        assert_eq!(
            base.url(&Resource::bucket("photos"), false),
            "http://127.0.0.1:9000/photos"
        );
        assert_eq!(
            base.url(&Resource::service(), false),
            "http://127.0.0.1:9000/"
        );
    }

    #[test]
    fn virtual_hosted_style_puts_the_bucket_in_the_host() {
        let base = Base::parse("https://s3.eu-west-1.amazonaws.com").unwrap();
        let query = Query::new()
            .param("list-type", "2")
            .param("prefix", "a/b c");
        let url = base.url(&Resource::bucket("photos").with_query(query), true);
        assert_eq!(
            url,
            "https://photos.s3.eu-west-1.amazonaws.com/?list-type=2&prefix=a%2Fb%20c"
        );
        let url = base.url(&Resource::object("photos", "é/~x"), true);
        assert_eq!(url, "https://photos.s3.eu-west-1.amazonaws.com/%C3%A9/~x");
    }

    #[test]
    fn a_bucket_that_cannot_be_a_host_label_goes_in_the_path() {
        let base = Base::parse("https://s3.amazonaws.com").unwrap();
        assert_eq!(
            base.url(&Resource::object("my.bucket", "k"), true),
            "https://s3.amazonaws.com/my.bucket/k"
        );
        assert_eq!(
            base.url(&Resource::object("My_Bucket", "k"), true),
            "https://s3.amazonaws.com/My_Bucket/k"
        );
        let http = Base::parse("http://s3.amazonaws.com").unwrap();
        assert_eq!(
            http.url(&Resource::object("my.bucket", "k"), true),
            "http://my.bucket.s3.amazonaws.com/k"
        );
    }

    #[test]
    fn an_endpoint_path_prefixes_every_request() {
        let base = Base::parse("http://gateway:8080/storage/").unwrap();
        assert_eq!(
            base.url(&Resource::object("b", "k"), false),
            "http://gateway:8080/storage/b/k"
        );
    }

    #[test]
    fn addresses_and_localhost_want_path_style() {
        for url in [
            "http://127.0.0.1:9000",
            "http://[::1]:9000",
            "http://localhost:9000",
            "https://10.0.0.1",
        ] {
            assert!(Base::parse(url).unwrap().wants_path_style(), "{url}");
        }
        for url in [
            "https://s3.us-east-1.amazonaws.com",
            "http://minio.internal:9000",
        ] {
            assert!(!Base::parse(url).unwrap().wants_path_style(), "{url}");
        }
    }

    #[test]
    fn dns_compatibility_follows_the_sdks() {
        assert!(dns_compatible("abc", true));
        assert!(dns_compatible("a-b.c", false));
        assert!(!dns_compatible("ab", false));
        assert!(!dns_compatible(&"a".repeat(64), false));
        assert!(!dns_compatible("-abc", false));
        assert!(!dns_compatible("abc-", false));
        assert!(!dns_compatible("a..b", false));
        assert!(!dns_compatible("192.168.1.1", false));
        assert!(!dns_compatible("a.b.c", true));
    }

    #[test]
    fn an_endpoint_that_is_not_http_is_refused() {
        assert!(Base::parse("ftp://host").is_err());
        assert!(Base::parse("not a url").is_err());
        assert!(Base::parse("/just/a/path").is_err());
    }
}
