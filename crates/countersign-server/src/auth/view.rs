//! The parts of a request the checks read, with a trusted proxy's changes applied (its
//! forwarded host for `Host`, its path prefix put back).

use std::borrow::Cow;

use countersign_core::{Headers, Request};
use http::request::Parts;
use http::HeaderMap;

use crate::config::TrustedProxy;

/// The request's headers as the verifier sees them: a trusted proxy's host stands in for
/// the `Host` header.
pub(crate) struct ServerHeaders<'a> {
    map: &'a HeaderMap,
    host: Option<&'a [u8]>,
}

impl Headers for ServerHeaders<'_> {
    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's {
        let host = if name == "host" { self.host } else { None };
        let from_map = match host {
            Some(_) => None,
            None => Some(Headers::values(self.map, name)),
        };
        host.into_iter().chain(from_map.into_iter().flatten())
    }

    fn entries(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let replaced = self.host.is_some();
        let host = self.host.map(|h| ("host", h));
        host.into_iter().chain(
            Headers::entries(self.map).filter(move |(name, _)| !(replaced && *name == "host")),
        )
    }
}

/// The parts of a request the verifier reads, with a trusted proxy's changes applied.
pub(crate) struct View<'a> {
    method: &'a str,
    path: Cow<'a, str>,
    query: &'a str,
    headers: ServerHeaders<'a>,
    authority: Option<&'a str>,
}

impl<'a> View<'a> {
    pub(crate) fn new(parts: &'a Parts, proxy: Option<&TrustedProxy>) -> Self {
        let raw_path = match parts.uri.path() {
            "" => "/",
            p => p,
        };
        let path = match proxy.and_then(|p| p.path_prefix.as_deref()) {
            Some(prefix) => Cow::Owned(format!("{prefix}{raw_path}")),
            None => Cow::Borrowed(raw_path),
        };
        let host = proxy
            .filter(|p| p.forwarded_host)
            .and_then(|_| parts.headers.get("x-forwarded-host"))
            .map(|v| v.as_bytes());
        View {
            method: parts.method.as_str(),
            path,
            query: parts.uri.query().unwrap_or(""),
            headers: ServerHeaders {
                map: &parts.headers,
                host,
            },
            authority: parts.uri.authority().map(|a| a.as_str()),
        }
    }

    /// The host the client called: a trusted proxy's `X-Forwarded-Host`, else the `Host`
    /// header, else the request target's authority.
    /// As sent: the address made of it checks what it keeps, once.
    pub(crate) fn host(&self) -> Option<&[u8]> {
        let header = self.headers.host.or_else(|| {
            let value = self.headers.map.get(http::header::HOST)?;
            Some(value.as_bytes())
        });
        header.or(self.authority.map(str::as_bytes))
    }

    /// The path the client called (with a trusted proxy's prefix put back).
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn request(&self) -> Request<'_, ServerHeaders<'a>> {
        Request::new(self.method, &self.path, self.query, &self.headers)
            .with_authority(self.authority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = http::Request::get(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder
            .body(())
            .unwrap_or_else(|e| panic!("{e}"))
            .into_parts()
            .0
    }

    #[test]
    fn the_host_header_comes_before_the_authority() {
        let parts = parts("http://authority.example/x", &[("host", "header.example")]);
        assert_eq!(View::new(&parts, None).host(), Some(&b"header.example"[..]));
    }

    #[test]
    fn without_a_host_header_the_authority_is_the_host() {
        let parts = parts("http://authority.example/x", &[]);
        assert_eq!(
            View::new(&parts, None).host(),
            Some(&b"authority.example"[..])
        );
    }

    #[test]
    fn a_trusted_proxy_gives_the_host_and_path_the_client_called() {
        let parts = parts(
            "/items",
            &[
                ("host", "10.0.0.7"),
                ("x-forwarded-host", "api.example.com"),
            ],
        );
        let proxy = TrustedProxy::new()
            .forwarded_host(true)
            .path_prefix("/api/");
        let view = View::new(&parts, Some(&proxy));
        assert_eq!(
            (view.host(), view.path()),
            (Some(&b"api.example.com"[..]), "/api/items")
        );
    }

    #[test]
    fn an_untrusted_forwarded_host_is_ignored() {
        let parts = parts(
            "/items",
            &[
                ("host", "10.0.0.7"),
                ("x-forwarded-host", "api.example.com"),
            ],
        );
        assert_eq!(View::new(&parts, None).host(), Some(&b"10.0.0.7"[..]));
    }
}
