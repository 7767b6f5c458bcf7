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

    /// Every header as (lower-case name, value), in the order sent. The verifier reads a
    /// request's headers in one pass over these rather than by name, name after name.
    fn entries(&self) -> impl Iterator<Item = (&str, &[u8])>;

    /// The first value of the header `name`, if any.
    fn first<'s>(&'s self, name: &'s str) -> Option<&'s [u8]> {
        self.values(name).next()
    }
}

impl Headers for HeaderMap {
    /// A small map is scanned, comparing names, which is cheaper than parsing and hashing
    /// `name`; a large one (more than 32 values) is looked up by hash, so that a
    /// request with thousands of headers and signed headers costs no quadratic work.
    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's {
        if self.len() <= SCAN_LIMIT {
            Either::Left(
                self.iter()
                    .filter(move |(n, _)| n.as_str() == name)
                    .map(|(_, v)| v.as_bytes()),
            )
        } else {
            Either::Right(self.get_all(name).into_iter().map(|v| v.as_bytes()))
        }
    }

    fn entries(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.iter().map(|(n, v)| (n.as_str(), v.as_bytes()))
    }
}

/// The most header values a lookup scans rather than hashes.
const SCAN_LIMIT: usize = 32;

/// One of two iterators of the same items.
enum Either<L, R> {
    Left(L),
    Right(R),
}

impl<T, L: Iterator<Item = T>, R: Iterator<Item = T>> Iterator for Either<L, R> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            Either::Left(l) => l.next(),
            Either::Right(r) => r.next(),
        }
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

    fn entries(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.iter()
    }
}

/// The parts of a request that SigV4 covers, borrowed.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Small maps are scanned, large ones hashed: both find every value, in order.
    #[test]
    fn header_map_lookups_agree_at_every_size() {
        for count in [1usize, SCAN_LIMIT - 1, SCAN_LIMIT, SCAN_LIMIT + 1, 200] {
            let mut map = HeaderMap::new();
            for i in 0..count {
                let name = http::HeaderName::try_from(format!("x-h{}", i % 7))
                    .unwrap_or_else(|_| unreachable!());
                map.append(name, http::HeaderValue::from(i));
            }
            for n in 0..7 {
                let expected: Vec<String> = (0..count)
                    .filter(|i| i % 7 == n)
                    .map(|i| i.to_string())
                    .collect();
                let found: Vec<String> = Headers::values(&map, &format!("x-h{n}"))
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .collect();
                assert_eq!(found, expected, "{count} headers, x-h{n}");
            }
            assert_eq!(Headers::values(&map, "absent").count(), 0);
        }
    }
}
