//! The parts of a request that SigV4 reads, viewed without copying.
//!
//! [`Request`] borrows the method, the raw path and query (as sent on the wire) and a
//! header source. Any [`Headers`] will do: `http::HeaderMap` for servers and clients, and
//! [`RawHeaders`] for text whose values `http` would refuse (the folded multi-line values of
//! the test suites).
//!
//! ```
//! use countersign_core::{Headers, RawHeaders, Request};
//! let headers = RawHeaders::from_pairs([("Host", "example.com"), ("X-Dup", "a"), ("x-dup", "b")]);
//! let request = Request::new("GET", "/photos", "size=large", &headers);
//! let values: Vec<&[u8]> = request.headers.values("x-dup").collect();
//! assert_eq!(values, [&b"a"[..], &b"b"[..]]);
//! ```

use http::HeaderMap;

/// A source of request headers, looked up by lower-case name.
pub trait Headers {
    /// The values of the header `name` (lower-case), in the order they were sent.
    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's;

    /// The lower-case names of the headers present (a repeated header may appear again).
    fn names(&self) -> impl Iterator<Item = &str>;

    /// The first value of the header `name`, if any.
    fn first<'s>(&'s self, name: &'s str) -> Option<&'s [u8]> {
        self.values(name).next()
    }
}

impl Headers for HeaderMap {
    /// A scan of the map rather than `get_all`: a request has a few dozen headers at most
    /// (the layer bounds their size), and comparing names is cheaper than parsing and
    /// hashing `name` on every lookup.
    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's {
        self.iter()
            .filter(move |(n, _)| n.as_str() == name)
            .map(|(_, v)| v.as_bytes())
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.keys().map(|k| k.as_str())
    }
}

/// Headers as a plain list of (name, value) pairs, names kept lower-case. Values are bytes
/// and may hold what `http::HeaderValue` refuses, such as a folded line.
#[derive(Debug, Clone, Default)]
pub struct RawHeaders {
    entries: Vec<(String, Vec<u8>)>,
}

impl RawHeaders {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// A list built from pairs; names are lower-cased.
    pub fn from_pairs<N: AsRef<str>, V: AsRef<[u8]>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Self {
        let mut headers = Self::new();
        for (name, value) in pairs {
            headers.push(name, value);
        }
        headers
    }

    /// Appends a header; the name is lower-cased.
    pub fn push(&mut self, name: impl AsRef<str>, value: impl AsRef<[u8]>) {
        self.entries
            .push((name.as_ref().to_ascii_lowercase(), value.as_ref().to_vec()));
    }

    /// The (lower-case name, value) pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }
}

impl Headers for RawHeaders {
    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's {
        self.entries
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }
}

/// The parts of a request that SigV4 covers, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a, H: ?Sized> {
    /// The method, such as `GET`.
    pub method: &'a str,
    /// The path as sent (still percent-encoded), such as `/photos/a%20b`.
    pub path: &'a str,
    /// The query as sent, without the `?`; empty when there is none.
    pub query: &'a str,
    /// The headers.
    pub headers: &'a H,
    /// The host to use when there is no `Host` header (the `:authority` of HTTP/2, or the
    /// authority of an absolute URI).
    pub authority: Option<&'a str>,
}

impl<'a, H: Headers + ?Sized> Request<'a, H> {
    /// A view of a request with no authority beside its headers.
    pub fn new(method: &'a str, path: &'a str, query: &'a str, headers: &'a H) -> Self {
        Request {
            method,
            path,
            query,
            headers,
            authority: None,
        }
    }

    /// The same view, with `authority` standing in for a missing `Host` header.
    pub fn with_authority(mut self, authority: Option<&'a str>) -> Self {
        self.authority = authority;
        self
    }
}

impl<'a> Request<'a, HeaderMap> {
    /// A view of an `http` request; the URI's authority stands in for a missing `Host`.
    pub fn from_http<B>(request: &'a http::Request<B>) -> Self {
        Self::from_parts(request.method(), request.uri(), request.headers())
    }

    /// A view of a request's method, URI and headers (for `http::request::Parts`).
    pub fn from_parts(
        method: &'a http::Method,
        uri: &'a http::Uri,
        headers: &'a HeaderMap,
    ) -> Self {
        let path = match uri.path() {
            "" => "/",
            p => p,
        };
        Request {
            method: method.as_str(),
            path,
            query: uri.query().unwrap_or(""),
            headers,
            authority: uri.authority().map(|a| a.as_str()),
        }
    }
}
