//! Helpers shared by the cross-crate tests: where the vectors are, raw HTTP text parsing,
//! and reading AWS error answers.
#![allow(dead_code, unreachable_pub, missing_docs)] // each test binary uses a different subset

pub mod example_server;
pub mod javascript;

use std::path::{Path, PathBuf};

use countersign::core::{RawHeaders, Request};
use countersign::server::BodyError;

/// `../shared/vectors` beside the project, or `$COUNTERSIGN_VECTORS`.
pub fn vectors_dir() -> PathBuf {
    match std::env::var_os("COUNTERSIGN_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"),
    }
}

/// The entries of `dir` that `keep` keeps, sorted.
pub fn sorted_entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| keep(path))
        .collect();
    entries.sort();
    entries
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A request as written in the vector files: request line, headers (folded lines kept, with
/// their line break), blank line, body.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: RawHeaders,
    /// The headers as (original name, value) for rebuilding an `http::Request`.
    pub header_list: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    /// Parses text in which a line starting with whitespace continues the previous header's
    /// value (obs-fold, as the aws-c-auth suite writes it).
    pub fn parse(text: &str) -> RawRequest {
        Self::parse_with(text, false)
    }

    /// Parses text of the original AWS suite, in which a line starting with whitespace is
    /// another value of the previous header: its `get-header-value-multiline.creq` joins the
    /// three lines with commas, the way repeated headers are joined.
    pub fn parse_suite(text: &str) -> RawRequest {
        Self::parse_with(text, true)
    }

    fn parse_with(text: &str, continuation_is_new_value: bool) -> RawRequest {
        let (head, body) = match text.split_once("\n\n") {
            Some((h, b)) => (h, b),
            None => (text.trim_end_matches('\n'), ""),
        };
        let mut lines = head.lines();
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.splitn(2, ' ');
        let method = parts.next().unwrap_or_default().to_string();
        let rest = parts.next().unwrap_or_default();
        let target = rest.strip_suffix(" HTTP/1.1").unwrap_or(rest);
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut header_list: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) && continuation_is_new_value {
                let name = header_list
                    .last()
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default();
                header_list.push((name, line.trim().to_string()));
                continue;
            }
            if line.starts_with([' ', '\t']) {
                if let Some(last) = header_list.last_mut() {
                    last.1.push('\n');
                    last.1.push_str(line);
                }
                continue;
            }
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            header_list.push((name.to_string(), value.to_string()));
        }
        let headers =
            RawHeaders::from_pairs(header_list.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        RawRequest {
            method,
            path: path.to_string(),
            query: query.to_string(),
            headers,
            header_list,
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn view(&self) -> Request<'_, RawHeaders> {
        Request::new(&self.method, &self.path, &self.query, &self.headers)
    }

    /// The target as sent: path and query.
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// The same request as an `http::Request`, or why `http` refuses it (a space in the
    /// path, a folded header value).
    pub fn to_http(&self) -> Result<http::Request<Vec<u8>>, String> {
        let mut builder = http::Request::builder()
            .method(self.method.as_str())
            .uri(self.target());
        for (name, value) in &self.header_list {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.body(self.body.clone()).map_err(|e| e.to_string())
    }

    /// Header (lower-case name, values in order) pairs, sorted by name: for comparing two
    /// requests whatever order their different headers were written in.
    pub fn header_multimap(&self) -> Vec<(String, Vec<String>)> {
        multimap(
            self.header_list
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string())),
        )
    }
}

pub fn multimap(pairs: impl Iterator<Item = (String, String)>) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in pairs {
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => out.push((name, vec![value])),
        }
    }
    out.sort();
    out
}

pub fn http_multimap<B>(request: &http::Request<B>) -> Vec<(String, Vec<String>)> {
    multimap(request.headers().iter().map(|(n, v)| {
        (
            n.as_str().to_string(),
            String::from_utf8_lossy(v.as_bytes()).trim().to_string(),
        )
    }))
}

/// Writes a request as HTTP/1.1 bytes, with `Connection: close` (and a `content-length`
/// unless the request sets one or uses chunked transfer).
pub fn raw_http(request: &http::Request<Vec<u8>>) -> Vec<u8> {
    let target = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let mut out = format!("{} {target} HTTP/1.1\r\n", request.method()).into_bytes();
    for (name, value) in request.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !request.headers().contains_key("content-length")
        && !request.headers().contains_key("transfer-encoding")
    {
        out.extend_from_slice(format!("content-length: {}\r\n", request.body().len()).as_bytes());
    }
    out.extend_from_slice(b"connection: close\r\n\r\n");
    out.extend_from_slice(request.body());
    out
}

/// An HTTP response read off a socket.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The AWS error code of the body, or nothing.
    pub fn code(&self) -> String {
        aws_code(&self.text()).unwrap_or_default()
    }

    /// Asserts the status and the AWS code of a refusal.
    #[track_caller]
    pub fn assert_refused(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code().as_str()),
            (status, code),
            "{}",
            self.text()
        );
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends raw bytes to `addr` and reads the response until the server closes. The server may
/// answer (413, say) before reading everything: a failed write is fine.
pub fn exchange(addr: std::net::SocketAddr, raw: &[u8]) -> RawResponse {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    let _ = stream.write_all(raw);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&response)));
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    RawResponse {
        status,
        headers,
        body: response[split + 4..].to_vec(),
    }
}

/// The text between the first `open` in `text` and the `close` after it.
pub fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(text[start..end].to_string())
}

/// Every text between an `open` and the `close` after it, in order.
pub fn all_between(text: &str, open: &str, close: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(close) else { break };
        found.push(after[..end].to_string());
        rest = &after[end + close.len()..];
    }
    found
}

/// The AWS error code in an answer's body: the `<Code>` of an S3 XML error, or the `"code"`
/// of a JSON one.
pub fn aws_code(text: &str) -> Option<String> {
    between(text, "<Code>", "</Code>").or_else(|| {
        let start = text.find("\"code\":")? + "\"code\":".len();
        let rest = text[start..].trim_start().strip_prefix('"')?;
        Some(rest[..rest.find('"')?].to_string())
    })
}

/// The layer's [`BodyError`] among `error` and its sources: why a handler's read of a body
/// the layer checks failed.
pub fn body_error<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e BodyError> {
    let mut source = Some(error);
    while let Some(err) = source {
        if let Some(found) = err.downcast_ref::<BodyError>() {
            return Some(found);
        }
        source = err.source();
    }
    None
}

/// Bytes that do not repeat with a short period.
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// The MD5 of `bytes` in hex, as S3 puts it in an ETag.
pub fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(bytes))
}
