//! Raw HTTP/1.1 over a socket: sending a request in pieces (with pauses, a byte at a time,
//! then closing or not) and reading what comes back, a request's bytes edited where `http`
//! would refuse to build them, and reading one response off a kept-alive connection.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::common;

/// What came back of a request.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// An HTTP response: its status and everything after the status line.
    Response { status: u16, text: String },
    /// The connection closed (or was reset) without a response.
    Closed,
    /// Nothing came back within the wait.
    Silent,
}

impl Outcome {
    /// The AWS code of the response's body.
    fn code(&self) -> Option<String> {
        let Outcome::Response { text, .. } = self else {
            return None;
        };
        common::aws_code(text)
    }

    /// The status, code and start of a response, or what happened instead.
    pub(crate) fn summary(&self) -> String {
        match self {
            Outcome::Response { status, text } => {
                let code = self.code().unwrap_or_default();
                let short: String = text.chars().take(160).collect();
                format!("{status} {code} ({short:?})")
            }
            Outcome::Closed => "closed".into(),
            Outcome::Silent => "silent".into(),
        }
    }
}

/// How a piece of a request is sent.
#[derive(Clone)]
pub(crate) enum Step {
    Bytes(Vec<u8>),
    Pause(Duration),
    /// Bytes one at a time, `Duration` apart.
    Trickle(Vec<u8>, Duration),
}

/// Sends `steps`, then (if `close`: the client went away) ends the write side, and reads
/// until the server closes or `wait` passes. A write the server refused (it answered early
/// and closed) is fine.
pub(crate) fn converse(addr: SocketAddr, steps: &[Step], close: bool, wait: Duration) -> Outcome {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let _ = stream.set_nodelay(true);
    'send: for step in steps {
        match step {
            Step::Bytes(bytes) => {
                if stream.write_all(bytes).is_err() {
                    break 'send;
                }
            }
            Step::Pause(d) => std::thread::sleep(*d),
            Step::Trickle(bytes, d) => {
                for b in bytes {
                    if stream.write_all(&[*b]).is_err() {
                        break 'send;
                    }
                    std::thread::sleep(*d);
                }
            }
        }
    }
    if close {
        let _ = stream.shutdown(Shutdown::Write);
    }
    let deadline = Instant::now() + wait;
    let mut response = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut timed_out = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            timed_out = true;
            break;
        }
        stream.set_read_timeout(Some(left)).expect("timeout");
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                response.extend_from_slice(&buf[..n]);
                // One response is enough (keep-alive servers may not close).
                if complete(&response) {
                    break;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                timed_out = true;
                break;
            }
            Err(_) => break,
        }
    }
    if response.is_empty() {
        return if timed_out {
            Outcome::Silent
        } else {
            Outcome::Closed
        };
    }
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Outcome::Response { status, text }
}

/// Whether `response` holds a whole response with a `content-length` body.
pub(crate) fn complete(response: &[u8]) -> bool {
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&response[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    match length {
        Some(n) => response.len() >= end + 4 + n,
        None => head.contains("transfer-encoding: chunked") && response.ends_with(b"0\r\n\r\n"),
    }
}

/// What a case must get.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Expect {
    /// This status and this AWS code in the body.
    Code(u16, &'static str),
    /// Any 2xx: a hostile-looking but valid request.
    Success,
    /// A 4xx with this code, or the connection closed.
    CodeOrClosed(u16, &'static str),
    /// This status (from the HTTP server itself, without an AWS body), or the connection
    /// closed.
    StatusOrClosed(u16),
}

impl Expect {
    /// Whether `outcome` is what was expected.
    pub(crate) fn accepts(self, outcome: &Outcome) -> bool {
        let code = outcome.code();
        match (self, outcome) {
            (Expect::Code(s, c) | Expect::CodeOrClosed(s, c), Outcome::Response { status, .. }) => {
                *status == s && code.as_deref() == Some(c)
            }
            (Expect::StatusOrClosed(s), Outcome::Response { status, .. }) => *status == s,
            (Expect::Success, Outcome::Response { status, .. }) => (200..300).contains(status),
            (Expect::CodeOrClosed(..) | Expect::StatusOrClosed(_), Outcome::Closed) => true,
            _ => false,
        }
    }
}

/// The raw bytes of `request` with the header lines edited by `edit` (on the text of the
/// head, which is ASCII unless a case put bytes in).
pub(crate) fn with_head(
    request: &http::Request<Vec<u8>>,
    edit: impl FnOnce(&mut Vec<Vec<u8>>),
) -> Vec<u8> {
    let raw = common::raw_http(request);
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head")
        + 4;
    let mut lines: Vec<Vec<u8>> = raw[..end - 4]
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
        .collect();
    edit(&mut lines);
    let mut out = Vec::new();
    for line in lines {
        out.extend_from_slice(&line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&raw[end..]);
    out
}

/// Replaces the value of the first header named `name` (case-insensitive).
pub(crate) fn set_header(lines: &mut [Vec<u8>], name: &str, value: &[u8]) {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    for line in lines.iter_mut() {
        if line.to_ascii_lowercase().starts_with(prefix.as_bytes()) {
            let mut new = prefix.clone().into_bytes();
            new.push(b' ');
            new.extend_from_slice(value);
            *line = new;
            return;
        }
    }
}

/// Sends the first header named `name` (case-insensitive) a second time, at the end.
pub(crate) fn repeat_header(lines: &mut Vec<Vec<u8>>, name: &str) {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let line = lines
        .iter()
        .find(|l| l.to_ascii_lowercase().starts_with(prefix.as_bytes()))
        .cloned()
        .expect("the header to repeat");
    lines.push(line);
}

pub(crate) fn header_value(request: &http::Request<Vec<u8>>, name: &str) -> String {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The Authorization header of `request` with its signature replaced by `signature`.
pub(crate) fn with_signature(request: &http::Request<Vec<u8>>, signature: &[u8]) -> Vec<u8> {
    let authorization = header_value(request, "authorization");
    let at = authorization.find("Signature=").expect("a signature") + "Signature=".len();
    let mut value = authorization.as_bytes()[..at].to_vec();
    value.extend_from_slice(signature);
    with_head(request, |lines| set_header(lines, "authorization", &value))
}

/// `request`'s target with the query parameter `name` set to `value` (added if absent).
pub(crate) fn with_query_param(
    request: &http::Request<Vec<u8>>,
    name: &str,
    value: &str,
) -> Vec<u8> {
    let pq = request
        .uri()
        .path_and_query()
        .expect("pq")
        .as_str()
        .to_string();
    let (path, query) = pq.split_once('?').unwrap_or((pq.as_str(), ""));
    let mut found = false;
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            if p.split('=').next() == Some(name) && !found {
                found = true;
                format!("{name}={value}")
            } else {
                p.to_string()
            }
        })
        .collect();
    if !found {
        pairs.push(format!("{name}={value}"));
    }
    let target = format!("{path}?{}", pairs.join("&"));
    with_target(request, target.as_bytes())
}

pub(crate) fn with_target(request: &http::Request<Vec<u8>>, target: &[u8]) -> Vec<u8> {
    with_head(request, |lines| {
        let line = lines[0].clone();
        let text = String::from_utf8_lossy(&line);
        let method = text.split(' ').next().unwrap_or_default().to_string();
        let mut new = format!("{method} ").into_bytes();
        new.extend_from_slice(target);
        new.extend_from_slice(b" HTTP/1.1");
        lines[0] = new;
    })
}

pub(crate) fn with_body(request: &http::Request<Vec<u8>>, body: Vec<u8>) -> Vec<u8> {
    let mut request = request.clone();
    *request.body_mut() = body;
    common::raw_http(&request)
}

/// The head alone, announcing `length` bytes of body.
pub(crate) fn head_only(request: &http::Request<Vec<u8>>, length: u64) -> Vec<u8> {
    let mut request = request.clone();
    request.body_mut().clear();
    request
        .headers_mut()
        .insert("content-length", http::HeaderValue::from(length));
    common::raw_http(&request)
}

/// HTTP/1.1 chunked transfer framing around `body`, in pieces of at most 100 bytes.
pub(crate) fn http_chunked(body: &[u8], terminate: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(100) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    if terminate {
        out.extend_from_slice(b"0\r\n\r\n");
    }
    out
}

/// `request` as HTTP/1.1 bytes that keep the connection open (it has no body).
pub(crate) fn keep_alive_bytes(request: &http::Request<Vec<u8>>) -> Vec<u8> {
    assert!(
        request.body().is_empty(),
        "only for requests without a body"
    );
    let mut bytes = common::raw_http(request);
    let close = b"connection: close\r\n\r\n";
    assert!(
        bytes.ends_with(close),
        "raw_http ends with connection: close"
    );
    bytes.truncate(bytes.len() - close.len());
    bytes.extend_from_slice(b"\r\n");
    bytes
}

/// Splits HTTP/1.1 bytes after the blank line that ends the head.
pub(crate) fn split_head(bytes: &[u8]) -> (&[u8], &[u8]) {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head")
        + 4;
    bytes.split_at(end)
}

pub(crate) fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    let _ = stream.set_nodelay(true);
    stream
}

/// The length of the first whole response (head and `content-length` body) in `bytes`,
/// skipping interim (1xx) responses.
pub(crate) fn response_len(bytes: &[u8]) -> Option<usize> {
    let mut start = 0;
    loop {
        let rest = &bytes[start..];
        let head_end = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
        let head = String::from_utf8_lossy(&rest[..head_end]).to_ascii_lowercase();
        if head.starts_with("http/1.1 1") {
            start += head_end;
            continue;
        }
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let end = start + head_end + length;
        return (bytes.len() >= end).then_some(end);
    }
}

/// The final status of the response in `bytes`.
pub(crate) fn final_status(bytes: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(bytes);
    text.split("\r\n\r\n")
        .filter(|part| part.starts_with("HTTP/1.1 "))
        .map(|part| part[9..12].parse().expect("a status"))
        .find(|status| *status >= 200)
        .expect("a final response")
}

/// Reads one whole response off `stream` within `limit`: its status and bytes, or why there
/// is none (closed, reset, silent).
pub(crate) fn read_response(
    stream: &mut TcpStream,
    limit: Duration,
) -> Result<(u16, Vec<u8>), String> {
    let deadline = Instant::now() + limit;
    let mut bytes = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if let Some(end) = response_len(&bytes) {
            bytes.truncate(end);
            return Ok((final_status(&bytes), bytes));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "no whole response within {limit:?}; got {:?}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        stream.set_read_timeout(Some(left)).expect("read timeout");
        match stream.read(&mut buf) {
            Ok(0) => {
                return Err(format!(
                    "closed after {:?}",
                    String::from_utf8_lossy(&bytes)
                ))
            }
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => return Err(format!("{e} after {:?}", String::from_utf8_lossy(&bytes))),
        }
    }
}

/// Nothing arrives on `stream` for `wait`, and it stays open.
pub(crate) fn stays_silent(stream: &mut TcpStream, wait: Duration) -> Result<(), String> {
    stream.set_read_timeout(Some(wait)).expect("read timeout");
    let mut buf = [0u8; 1024];
    match stream.read(&mut buf) {
        Ok(0) => Err("closed".into()),
        Ok(n) => Err(format!("answered {:?}", String::from_utf8_lossy(&buf[..n]))),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// Waits for the server to close `stream` (whatever it sends first), at most `limit` from
/// `since`; gives how long after `since` it closed.
pub(crate) fn closed_within(stream: &mut TcpStream, since: Instant, limit: Duration) -> Duration {
    let mut buf = [0u8; 4096];
    loop {
        let left = (since + limit).saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "the server kept the connection open for {limit:?}"
        );
        stream.set_read_timeout(Some(left)).expect("read timeout");
        match stream.read(&mut buf) {
            Ok(0) => return since.elapsed(),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            // A reset is a close too.
            Err(_) => return since.elapsed(),
        }
    }
}
