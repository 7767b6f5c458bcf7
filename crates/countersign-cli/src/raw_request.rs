//! Raw HTTP requests as text: the `request.txt` format of the SigV4 test vectors.
//!
//! A request line (`GET /path?query HTTP/1.1`), header lines (`Name:value`; a line that
//! starts with a space or a tab continues the previous value, its line break kept), a blank
//! line, then the body. Line ends may be `\n` or `\r\n`.

use countersign_client::{Canonical, SignableRequest, SigningHeader};
use countersign_core::{CanonicalRequest, RawHeaders, Request, SignedHeaders, SigningSettings};

use crate::error::{CliError, Result};

/// A parsed raw request; header names keep their case and order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRequest {
    /// The method, such as `GET`.
    pub(crate) method: String,
    /// The path as written (percent-encoding and all).
    pub(crate) path: String,
    /// The query as written, without `?`.
    pub(crate) query: String,
    /// The protocol of the request line (`HTTP/1.1` when absent).
    pub(crate) version: String,
    /// (name, value) pairs, values untrimmed.
    pub(crate) headers: Vec<(String, String)>,
    /// The body bytes.
    pub(crate) body: Vec<u8>,
}

impl RawRequest {
    /// Parses the bytes of a raw request file.
    pub(crate) fn parse(bytes: &[u8]) -> Result<RawRequest> {
        let (head, body) = split_head(bytes);
        let head = std::str::from_utf8(head)
            .map_err(|_| CliError::input("the request line and headers are not valid UTF-8"))?;
        let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        let request_line = lines.next().unwrap_or_default().trim();
        let mut words = request_line.split(' ').filter(|w| !w.is_empty());
        let method = words.next().unwrap_or_default();
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(CliError::input(format!(
                "the first line should be a request line such as `GET /path HTTP/1.1`, not {:?}",
                shorten(request_line)
            )));
        }
        // The target may hold spaces (`GET /example space/ HTTP/1.1`): it runs to the version.
        let after_method = request_line[method.len()..].trim_start();
        let (target, version) = match after_method.rsplit_once(' ') {
            Some((t, v)) if v.starts_with("HTTP/") => (t, v),
            _ => (after_method, "HTTP/1.1"),
        };
        if target.is_empty() {
            return Err(CliError::input("the request line has no target (path)"));
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut host_from_target = None;
        let target = match target.split_once("://") {
            Some((scheme, rest)) if scheme == "http" || scheme == "https" => {
                let slash = rest.find(['/', '?']).unwrap_or(rest.len());
                host_from_target = Some(rest[..slash].to_string());
                match &rest[slash..] {
                    "" => "/",
                    t if t.starts_with('?') => return Ok(Self::absolute_query(method, rest, t)),
                    t => t,
                }
            }
            _ => target,
        };
        for line in lines {
            if line.starts_with([' ', '\t']) {
                let Some(last) = headers.last_mut() else {
                    return Err(CliError::input(
                        "the first header line starts with whitespace: there is no header to continue",
                    ));
                };
                last.1.push('\n');
                last.1.push_str(line);
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(CliError::input(format!(
                    "header line {:?} has no `:`",
                    shorten(line)
                )));
            };
            if name.is_empty() || name.contains([' ', '\t']) {
                return Err(CliError::input(format!(
                    "header line {:?} has no valid name before its `:`",
                    shorten(line)
                )));
            }
            headers.push((name.to_string(), value.to_string()));
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut request = RawRequest {
            method: method.to_string(),
            path: path.to_string(),
            query: query.to_string(),
            version: version.to_string(),
            headers,
            body: body.to_vec(),
        };
        if let Some(host) = host_from_target {
            if request.header("host").is_none() {
                request.headers.insert(0, ("Host".into(), host));
            }
        }
        Ok(request)
    }

    fn absolute_query(method: &str, rest: &str, query: &str) -> RawRequest {
        let host = &rest[..rest.len() - query.len()];
        RawRequest {
            method: method.into(),
            path: "/".into(),
            query: query[1..].into(),
            version: "HTTP/1.1".into(),
            headers: vec![("Host".into(), host.into())],
            body: Vec::new(),
        }
    }

    /// The headers in the form the core reads.
    pub(crate) fn raw_headers(&self) -> RawHeaders {
        RawHeaders::from_pairs(self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }

    /// A view of the request for the core, over `headers` (from [`RawRequest::raw_headers`]).
    pub(crate) fn view<'a>(&'a self, headers: &'a RawHeaders) -> Request<'a, RawHeaders> {
        Request::new(&self.method, &self.path, &self.query, headers)
    }

    /// The first value of the header `name` (any case), trimmed.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }

    /// Sets `name` to `value`: the first header of that name is replaced (keeping its
    /// place), the others removed; or it is appended.
    pub(crate) fn set_header(&mut self, name: &str, value: &str) {
        match self
            .headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(at) => {
                self.headers[at].1 = value.to_string();
                let mut index = 0;
                self.headers.retain(|(n, _)| {
                    index += 1;
                    index - 1 == at || !n.eq_ignore_ascii_case(name)
                });
            }
            None => self.headers.push((name.to_string(), value.to_string())),
        }
    }

    /// Removes every header `name` (any case).
    pub(crate) fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The target: path, and `?query` when there is one.
    pub(crate) fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// The request as text again, in the vectors' spelling (`Name:value`).
    pub(crate) fn render(&self) -> Vec<u8> {
        let mut out = format!("{} {} {}\n", self.method, self.target(), self.version);
        for (name, value) in &self.headers {
            out.push_str(name);
            out.push(':');
            out.push_str(value);
            out.push('\n');
        }
        out.push('\n');
        let mut out = out.into_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

/// The signer writes into the raw request: header names keep the case it gives, a new
/// header goes last, and there is no URI to take a missing `Host` from.
impl SignableRequest for RawRequest {
    fn ensure_host(&mut self) -> std::result::Result<(), countersign_client::Error> {
        match self.header("host") {
            Some(host) if !host.is_empty() => Ok(()),
            _ => Err(countersign_client::Error::MissingHost),
        }
    }

    fn header_names(&self) -> impl Iterator<Item = &str> {
        self.headers.iter().map(|(name, _)| name.as_str())
    }

    fn canonical_request(
        &self,
        settings: SigningSettings,
        signed_headers: &SignedHeaders<'_>,
        payload_hash: &str,
    ) -> Canonical {
        let headers = self.raw_headers();
        let view = self.view(&headers);
        Canonical::of(&CanonicalRequest::new(
            &view,
            settings,
            signed_headers,
            payload_hash,
            &[],
        ))
    }

    fn set_header(
        &mut self,
        header: SigningHeader,
        value: &str,
    ) -> std::result::Result<(), countersign_client::Error> {
        if value.contains(['\r', '\n']) {
            return Err(countersign_client::Error::InvalidHeaderValue(
                header.spelling(),
            ));
        }
        RawRequest::set_header(self, header.spelling(), value);
        Ok(())
    }

    fn remove_header(&mut self, header: SigningHeader) {
        RawRequest::remove_header(self, header.spelling());
    }

    fn query(&self) -> &str {
        &self.query
    }

    fn set_query(&mut self, query: &str) -> std::result::Result<(), countersign_client::Error> {
        query.clone_into(&mut self.query);
        Ok(())
    }
}

/// Splits at the first blank line (`\n\n` or `\r\n\r\n`); without one, all is head.
fn split_head(bytes: &[u8]) -> (&[u8], &[u8]) {
    let lf = find(bytes, b"\n\n").map(|at| (at, 2));
    let crlf = find(bytes, b"\r\n\r\n").map(|at| (at, 4));
    let blank = match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
        (a, b) => a.or(b),
    };
    match blank {
        Some((at, len)) => (&bytes[..at], &bytes[at + len..]),
        None => {
            let mut head = bytes;
            while let [rest @ .., b'\n' | b'\r'] = head {
                head = rest;
            }
            (head, &[])
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn shorten(text: &str) -> String {
    text.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::RawRequest;

    #[test]
    fn folded_headers_spaces_and_body() {
        let r = RawRequest::parse(
            b"GET /example space/?a=b HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n  value2\n\nbody",
        )
        .unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/example space/");
        assert_eq!(r.query, "a=b");
        assert_eq!(r.headers[1].1, "value1\n  value2");
        assert_eq!(r.body, b"body");
        assert_eq!(
            r.render(),
            b"GET /example space/?a=b HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n  value2\n\nbody"
        );
    }

    #[test]
    fn the_signer_cannot_write_a_line_break_into_a_header() {
        use countersign_client::{SignableRequest, SigningHeader};
        let mut r = RawRequest::parse(b"GET / HTTP/1.1\nHost:h\n\n").unwrap();
        let refused = SignableRequest::set_header(&mut r, SigningHeader::SecurityToken, "a\nB:c");
        assert_eq!(
            refused,
            Err(countersign_client::Error::InvalidHeaderValue(
                "X-Amz-Security-Token"
            ))
        );
        assert_eq!(r.headers.len(), 1);
        SignableRequest::set_header(&mut r, SigningHeader::Date, "20150830T123600Z").unwrap();
        assert_eq!(
            r.render(),
            b"GET / HTTP/1.1\nHost:h\nX-Amz-Date:20150830T123600Z\n\n"
        );
    }

    #[test]
    fn crlf_and_absolute_targets() {
        let r = RawRequest::parse(b"PUT http://h:9000/b/k HTTP/1.1\r\nX-A: 1\r\n\r\nxy").unwrap();
        assert_eq!(r.path, "/b/k");
        assert_eq!(r.header("host"), Some("h:9000"));
        assert_eq!(r.header("x-a"), Some("1"));
        assert_eq!(r.body, b"xy");
    }

    #[test]
    fn set_header_replaces_in_place() {
        let mut r = RawRequest::parse(b"GET / HTTP/1.1\nA:1\nB:2\na:3\n").unwrap();
        r.set_header("a", "9");
        assert_eq!(
            r.headers,
            [("A".to_string(), "9".to_string()), ("B".into(), "2".into())]
        );
        r.set_header("C", "3");
        assert_eq!(r.headers.len(), 3);
    }

    #[test]
    fn garbage_is_refused() {
        assert!(RawRequest::parse(b"").is_err());
        assert!(RawRequest::parse(b"{\"json\": 1}").is_err());
        assert!(RawRequest::parse(b"GET / HTTP/1.1\nno colon here\n").is_err());
    }
}
