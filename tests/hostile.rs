//! Hostile inputs against the example servers over raw sockets: bad and overlong
//! signatures, huge and numerous headers, 10,000 query parameters, repeated headers,
//! invalid UTF-8, aws-chunked bodies with chunk sizes of 2^64-1, chunks and trailers that
//! never end, truncated and slow bodies, broken POST forms. Each request gets its precise
//! 4xx (status and AWS code) or a closed connection; afterwards the server still answers a
//! valid signed request, and its resident memory stayed bounded.
//!
//! The servers are the `s3_server` and `axum_api` example binaries (`cargo build
//! --examples` first; `cargo test` builds them), started as child processes with a key
//! file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::Stdio;
use std::time::{Duration, Instant};

use countersign::client::{ChecksumAlgorithm, ChunkChain, Credentials, Payload, Signer};
use countersign::core::{
    canonical_trailer, sha256_hex, STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER,
};
use time::OffsetDateTime;

use common::example_server::{ExampleServer, Key};

const AKID: &str = "AKIDHOSTILETEST";
const SECRET: &str = "hostile-test-secret/with+chars";
const REGION: &str = "us-east-1";
/// How long a case waits for an answer once it has sent what it sends.
const WAIT: Duration = Duration::from_secs(3);

// ---------------------------------------------------------------------------------------
// The server processes
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    S3,
    Api,
}

/// A running example server and which one it is.
struct Server {
    process: ExampleServer,
    kind: Kind,
}

impl Server {
    fn start(kind: Kind) -> Server {
        Server::start_with(kind, &[])
    }

    /// Starts the example with more arguments.
    fn start_with(kind: Kind, args: &[&str]) -> Server {
        let name = match kind {
            Kind::S3 => "s3_server",
            Kind::Api => "axum_api",
        };
        let key = Key {
            access_key_id: AKID,
            secret: SECRET,
            user: "hostile",
        };
        let process = ExampleServer::start(name, key, |command, dir| {
            command.stderr(Stdio::null());
            if kind == Kind::S3 {
                command.arg("--data").arg(dir.join("data"));
            }
            command.args(args);
        });
        Server { process, kind }
    }

    /// The child's resident set, in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.process.pid()))
            .expect("/proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    fn alive(&mut self) -> bool {
        self.process.alive()
    }

    fn signer(&self) -> Signer {
        match self.kind {
            Kind::S3 => Signer::new(Credentials::new(AKID, SECRET), REGION, "s3").s3(),
            Kind::Api => Signer::new(Credentials::new(AKID, SECRET), REGION, "execute-api"),
        }
    }

    /// An unsigned request for this server.
    fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &[u8])],
        body: &[u8],
    ) -> http::Request<Vec<u8>> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("http://{}{target}", self.process.addr));
        for (name, value) in headers {
            builder = builder.header(
                *name,
                http::HeaderValue::from_bytes(value).expect("a header value"),
            );
        }
        let mut request = builder.body(body.to_vec()).expect("a request");
        request.headers_mut().insert(
            "host",
            http::HeaderValue::from_str(&self.process.addr.to_string()).expect("host"),
        );
        request
    }

    /// The same, signed now with the body's hash (or `payload`).
    fn signed_with(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &[u8])],
        body: &[u8],
        payload: Payload<'_>,
        time: OffsetDateTime,
    ) -> http::Request<Vec<u8>> {
        let mut request = self.request(method, target, headers, body);
        self.signer()
            .sign(&mut request, payload, time)
            .expect("signs");
        request
    }

    fn signed(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &[u8])],
        body: &[u8],
    ) -> http::Request<Vec<u8>> {
        self.signed_with(
            method,
            target,
            headers,
            body,
            Payload::Bytes(body),
            OffsetDateTime::now_utc(),
        )
    }

    fn presigned(
        &self,
        method: &str,
        target: &str,
        expires: u64,
        time: OffsetDateTime,
    ) -> http::Request<Vec<u8>> {
        let mut request = self.request(method, target, &[], b"");
        let payload = match self.kind {
            Kind::S3 => Payload::Unsigned,
            Kind::Api => Payload::Empty,
        };
        self.signer()
            .presign(&mut request, payload, expires, time)
            .expect("presigns");
        request
    }

    /// The request that must work at the end: ListBuckets, or the API's whoami.
    fn probe(&self) -> http::Request<Vec<u8>> {
        match self.kind {
            Kind::S3 => self.signed("GET", "/", &[], b""),
            Kind::Api => self.signed("GET", "/whoami", &[], b""),
        }
    }
}

// ---------------------------------------------------------------------------------------
// A raw client and the expectations
// ---------------------------------------------------------------------------------------

#[derive(Debug)]
enum Outcome {
    /// An HTTP response: its status and everything after the status line.
    Response { status: u16, text: String },
    /// The connection closed (or was reset) without a response.
    Closed,
    /// Nothing came back within the wait.
    Silent,
}

impl Outcome {
    fn code(&self) -> Option<String> {
        let Outcome::Response { text, .. } = self else {
            return None;
        };
        between(text, "<Code>", "</Code>").or_else(|| {
            let start = text.find("\"code\":")? + "\"code\":".len();
            let rest = text[start..].trim_start().strip_prefix('"')?;
            Some(rest[..rest.find('"')?].to_string())
        })
    }

    fn summary(&self) -> String {
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

fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(text[start..end].to_string())
}

/// How a piece of a request is sent.
#[derive(Clone)]
enum Step {
    Bytes(Vec<u8>),
    Pause(Duration),
    /// Bytes one at a time, `Duration` apart.
    Trickle(Vec<u8>, Duration),
}

/// Sends `steps`, then (if `close`: the client went away) ends the write side, and reads
/// until the server closes or `wait` passes. A write the server refused (it answered early and closed) is fine.
fn converse(addr: SocketAddr, steps: &[Step], close: bool, wait: Duration) -> Outcome {
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
fn complete(response: &[u8]) -> bool {
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
enum Expect {
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
    fn accepts(self, outcome: &Outcome) -> bool {
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

/// The cases run and the ones that failed.
#[derive(Default)]
struct Report {
    run: usize,
    failures: Vec<String>,
}

impl Report {
    fn check(&mut self, server: &Server, name: &str, steps: &[Step], close: bool, expect: Expect) {
        self.run += 1;
        let outcome = converse(server.process.addr, steps, close, WAIT);
        let ok = expect.accepts(&outcome);
        println!(
            "{:?} {name}: {} -> {}",
            server.kind,
            if ok { "ok" } else { "FAILED" },
            outcome.summary()
        );
        if !ok {
            let sent: Vec<u8> = steps
                .iter()
                .flat_map(|s| match s {
                    Step::Bytes(b) | Step::Trickle(b, _) => b.clone(),
                    Step::Pause(_) => Vec::new(),
                })
                .collect();
            let shown: String = String::from_utf8_lossy(&sent).chars().take(600).collect();
            self.failures.push(format!(
                "{:?} {name}: expected {expect:?}, got {}\n  request: {shown:?}",
                server.kind,
                outcome.summary()
            ));
        }
    }

    /// Sends the whole request and waits for the answer, keeping the write side open:
    /// hyper (without `half_close`) drops a connection whose read side ended, answered or
    /// not.
    fn send(&mut self, server: &Server, name: &str, raw: Vec<u8>, expect: Expect) {
        self.check(server, name, &[Step::Bytes(raw)], false, expect);
    }

    fn http(
        &mut self,
        server: &Server,
        name: &str,
        request: &http::Request<Vec<u8>>,
        expect: Expect,
    ) {
        self.send(server, name, common::raw_http(request), expect);
    }
}

/// The raw bytes of `request` with the header lines edited by `edit` (on the text of the
/// head, which is ASCII unless a case put bytes in).
fn with_head(request: &http::Request<Vec<u8>>, edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
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
fn set_header(lines: &mut [Vec<u8>], name: &str, value: &[u8]) {
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
fn repeat_header(lines: &mut Vec<Vec<u8>>, name: &str) {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let line = lines
        .iter()
        .find(|l| l.to_ascii_lowercase().starts_with(prefix.as_bytes()))
        .cloned()
        .expect("the header to repeat");
    lines.push(line);
}

fn header_value(request: &http::Request<Vec<u8>>, name: &str) -> String {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The Authorization header of `request` with its signature replaced by `signature`.
fn with_signature(request: &http::Request<Vec<u8>>, signature: &[u8]) -> Vec<u8> {
    let authorization = header_value(request, "authorization");
    let at = authorization.find("Signature=").expect("a signature") + "Signature=".len();
    let mut value = authorization.as_bytes()[..at].to_vec();
    value.extend_from_slice(signature);
    with_head(request, |lines| set_header(lines, "authorization", &value))
}

/// `request`'s target with the query parameter `name` set to `value` (added if absent).
fn with_query_param(request: &http::Request<Vec<u8>>, name: &str, value: &str) -> Vec<u8> {
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

fn with_target(request: &http::Request<Vec<u8>>, target: &[u8]) -> Vec<u8> {
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

// ---------------------------------------------------------------------------------------
// aws-chunked bodies
// ---------------------------------------------------------------------------------------

/// A signed aws-chunked PUT's head (without Content-Length: the raw writer adds the length
/// of the body actually sent) and its chunk signer.
fn upload(
    server: &Server,
    key: &str,
    marker: &str,
    decoded_length: Option<u64>,
    trailer: Option<&str>,
) -> (http::Request<Vec<u8>>, Option<ChunkChain>) {
    let decoded = decoded_length.map(|n| n.to_string());
    let mut headers: Vec<(&str, &[u8])> = vec![
        ("content-encoding", b"aws-chunked"),
        ("x-amz-content-sha256", marker.as_bytes()),
    ];
    if let Some(d) = &decoded {
        headers.push(("x-amz-decoded-content-length", d.as_bytes()));
    }
    if let Some(t) = trailer {
        headers.push(("x-amz-trailer", t.as_bytes()));
    }
    let mut request = server.request("PUT", &format!("/hostile/{key}"), &headers, b"");
    let signed = server
        .signer()
        .sign(
            &mut request,
            Payload::Precomputed(marker),
            OffsetDateTime::now_utc(),
        )
        .expect("signs");
    let signer = (marker != STREAMING_UNSIGNED_PAYLOAD_TRAILER).then(|| signed.chunk_chain());
    (request, signer)
}

/// One chunk, signed when there is a signer.
fn chunk(signer: &mut Option<ChunkChain>, data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}", data.len()).into_bytes();
    if let Some(signer) = signer.as_mut() {
        out.extend_from_slice(format!(";chunk-signature={}", signer.sign_chunk(data)).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

/// The final chunk with no trailer.
fn last_chunk(signer: &mut Option<ChunkChain>) -> Vec<u8> {
    let mut out = b"0".to_vec();
    if let Some(signer) = signer.as_mut() {
        out.extend_from_slice(format!(";chunk-signature={}", signer.sign_chunk(b"")).as_bytes());
    }
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// The final chunk and a trailer (signed when there is a signer).
fn last_chunk_with_trailer(signer: &mut Option<ChunkChain>, name: &str, value: &str) -> Vec<u8> {
    let mut out = b"0".to_vec();
    if let Some(signer) = signer.as_mut() {
        out.extend_from_slice(format!(";chunk-signature={}", signer.sign_chunk(b"")).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(format!("{name}:{value}\r\n").as_bytes());
    if let Some(signer) = signer.as_mut() {
        let signature = signer.sign_trailer(&canonical_trailer([(name, value)]));
        out.extend_from_slice(format!("x-amz-trailer-signature:{signature}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn with_body(request: &http::Request<Vec<u8>>, body: Vec<u8>) -> Vec<u8> {
    let mut request = request.clone();
    *request.body_mut() = body;
    common::raw_http(&request)
}

/// The head alone, announcing `length` bytes of body.
fn head_only(request: &http::Request<Vec<u8>>, length: u64) -> Vec<u8> {
    let mut request = request.clone();
    request.body_mut().clear();
    request
        .headers_mut()
        .insert("content-length", http::HeaderValue::from(length));
    common::raw_http(&request)
}

/// HTTP/1.1 chunked transfer framing around `body`, in pieces of at most 100 bytes.
fn http_chunked(body: &[u8], terminate: bool) -> Vec<u8> {
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

fn checksum(algorithm: ChecksumAlgorithm, data: &[u8]) -> String {
    countersign::core::checksum::checksum_base64(algorithm, data)
}

// ---------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------

const OK_SIG: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Authorization and presigned-query attacks, on either server.
fn auth_cases(report: &mut Report, server: &Server, target: &str) {
    let now = OffsetDateTime::now_utc();
    let good = server.signed("GET", target, &[], b"");
    let malformed_header = "AuthorizationHeaderMalformed";
    let malformed_query = "AuthorizationQueryParametersError";

    report.http(
        server,
        "no authentication",
        &server.request("GET", target, &[], b""),
        Expect::Code(403, "AccessDenied"),
    );
    report.send(
        server,
        "signature of 64 non-hex characters",
        with_signature(&good, "z".repeat(64).as_bytes()),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "signature of 65 hex characters",
        with_signature(&good, "a".repeat(65).as_bytes()),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "signature of 63 hex characters",
        with_signature(&good, "a".repeat(63).as_bytes()),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "signature of 10,000 hex characters",
        with_signature(&good, "a".repeat(10_000).as_bytes()),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "empty signature",
        with_signature(&good, b""),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "signature with invalid UTF-8",
        with_signature(&good, b"\xff\xfe\xfd"),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "upper-case hex signature of zeros",
        with_signature(&good, OK_SIG.as_bytes()),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    let mut flipped = header_value(&good, "authorization");
    let last = flipped.pop().expect("a character");
    flipped.push(if last == '0' { '1' } else { '0' });
    let sig = flipped.rsplit('=').next().expect("sig").to_string();
    report.send(
        server,
        "signature with its last digit changed",
        with_signature(&good, sig.as_bytes()),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    report.send(
        server,
        "Authorization: Basic",
        with_head(&good, |l| {
            set_header(l, "authorization", b"Basic YWxhZGRpbjpvcGVuc2VzYW1l")
        }),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "Authorization of 40 KiB of commas",
        with_head(&good, |l| {
            let mut v = b"AWS4-HMAC-SHA256 ".to_vec();
            v.extend(std::iter::repeat_n(b',', 40 * 1024));
            set_header(l, "authorization", &v);
        }),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "Authorization without Credential",
        with_head(&good, |l| {
            set_header(
                l,
                "authorization",
                format!("AWS4-HMAC-SHA256 SignedHeaders=host, Signature={OK_SIG}").as_bytes(),
            )
        }),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "two Authorization headers",
        with_head(&good, |l| {
            let extra = l
                .iter()
                .find(|x| x.to_ascii_lowercase().starts_with(b"authorization:"))
                .cloned()
                .expect("auth");
            l.push(extra);
        }),
        Expect::Code(400, malformed_header),
    );
    let authorization = header_value(&good, "authorization");
    report.send(
        server,
        "unknown access key",
        with_head(&good, |l| {
            set_header(
                l,
                "authorization",
                authorization.replace(AKID, "AKIDNOBODYKNOWS").as_bytes(),
            )
        }),
        Expect::Code(403, "InvalidAccessKeyId"),
    );
    report.send(
        server,
        "access key of 2 KiB",
        with_head(&good, |l| {
            set_header(
                l,
                "authorization",
                authorization.replace(AKID, &"K".repeat(2048)).as_bytes(),
            )
        }),
        // Longer than IAM's 128 characters: malformed, and never kept in the layer's tables.
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "scope in another region",
        with_head(&good, |l| {
            set_header(
                l,
                "authorization",
                authorization
                    .replace("/us-east-1/", "/eu-west-9/")
                    .as_bytes(),
            )
        }),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "scope for another service",
        with_head(&good, |l| {
            set_header(
                l,
                "authorization",
                authorization
                    .replace("/s3/", "/sqs/")
                    .replace("/execute-api/", "/sqs/")
                    .as_bytes(),
            )
        }),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "scope dated another day",
        with_head(&good, |l| {
            set_header(
                l,
                "authorization",
                authorization.replacen("/20", "/19", 1).as_bytes(),
            )
        }),
        Expect::Code(400, malformed_header),
    );
    report.send(
        server,
        "x-amz-date removed",
        with_head(&good, |l| {
            l.retain(|x| !x.to_ascii_lowercase().starts_with(b"x-amz-date:"))
        }),
        Expect::Code(403, "AccessDenied"),
    );
    report.send(
        server,
        "x-amz-date garbage",
        with_head(&good, |l| set_header(l, "x-amz-date", b"yesterday-ish")),
        Expect::Code(403, "AccessDenied"),
    );
    report.send(
        server,
        "x-amz-date repeated",
        with_head(&good, |l| repeat_header(l, "x-amz-date")),
        // Repeats are joined (`x-amz-date:D,D`): the canonical request is not the signed one.
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    report.http(
        server,
        "signed a day ago",
        &server.signed_with(
            "GET",
            target,
            &[],
            b"",
            Payload::Empty,
            now - time::Duration::days(1),
        ),
        Expect::Code(403, "RequestTimeTooSkewed"),
    );
    report.http(
        server,
        "signed in the year 2100",
        &server.signed_with(
            "GET",
            target,
            &[],
            b"",
            Payload::Empty,
            now + time::Duration::days(365 * 75),
        ),
        Expect::Code(403, "RequestTimeTooSkewed"),
    );
    report.send(
        server,
        "unsigned x-amz-meta header added",
        with_head(&good, |l| l.insert(1, b"x-amz-meta-evil: 1".to_vec())),
        Expect::Code(403, "AccessDenied"),
    );
    report.send(
        server,
        "unsigned x-amz-copy-source added",
        with_head(&good, |l| {
            l.insert(1, b"x-amz-copy-source: /hostile/secret".to_vec())
        }),
        Expect::Code(403, "AccessDenied"),
    );
    let with_custom = server.signed("GET", target, &[("x-custom-signed", b"1")], b"");
    report.send(
        server,
        "signed header removed",
        with_head(&with_custom, |l| {
            l.retain(|x| !x.to_ascii_lowercase().starts_with(b"x-custom-signed:"))
        }),
        Expect::Code(403, "AccessDenied"),
    );
    report.send(
        server,
        "host changed",
        with_head(&good, |l| set_header(l, "host", b"evil.example")),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    report.send(
        server,
        "path changed",
        with_target(&good, format!("{target}x").as_bytes()),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    report.send(
        server,
        "invalid UTF-8 in the path",
        with_target(&good, b"/\xff\xfe/\xc0\xaf"),
        Expect::StatusOrClosed(400),
    );
    report.send(
        server,
        "header and presigned query together",
        with_query_param(&good, "X-Amz-Signature", OK_SIG),
        Expect::Code(400, "InvalidArgument"),
    );

    // 10,000 query parameters, signed: a large but valid request.
    // Short keys (`http` refuses a URI over 64 KiB): base 36, no value.
    let many: String = (0..10_000u32)
        .map(|i| {
            let digit = |d: u32| char::from_digit(d % 36, 36).expect("a digit");
            format!("{}{}{}", digit(i / 1296), digit(i / 36), digit(i))
        })
        .collect::<Vec<_>>()
        .join("&");
    let many_target = format!("{target}?{many}");
    report.http(
        server,
        "10,000 signed query parameters",
        &server.signed("GET", &many_target, &[], b""),
        Expect::Success,
    );
    report.http(
        server,
        "10,000 unsigned query parameters",
        &server.request("GET", &many_target, &[], b""),
        Expect::Code(403, "AccessDenied"),
    );
    let repeated: String = std::iter::repeat_n(format!("X-Amz-Signature={OK_SIG}"), 500)
        .collect::<Vec<_>>()
        .join("&");
    report.send(
        server,
        "500 X-Amz-Signature parameters",
        with_target(
            &server.request("GET", target, &[], b""),
            format!("{target}?{repeated}").as_bytes(),
        ),
        Expect::Code(400, malformed_query),
    );
    // 10,000 of them make a 740 KB head: hyper's 400 KB read buffer refuses it first.
    let repeated: String = std::iter::repeat_n(format!("X-Amz-Signature={OK_SIG}"), 10_000)
        .collect::<Vec<_>>()
        .join("&");
    report.send(
        server,
        "10,000 X-Amz-Signature parameters",
        with_target(&good, format!("{target}?{repeated}").as_bytes()),
        Expect::StatusOrClosed(431),
    );

    // Presigned URLs.
    let presigned = server.presigned("GET", target, 300, now);
    report.http(server, "presigned URL", &presigned, Expect::Success);
    // A lifetime of zero seconds is read, as AWS reads it, and has expired.
    report.send(
        server,
        "presigned X-Amz-Expires=0",
        with_query_param(&presigned, "X-Amz-Expires", "0"),
        Expect::Code(403, "AccessDenied"),
    );
    for (name, value) in [
        ("X-Amz-Expires", "604801"),
        ("X-Amz-Expires", "-1"),
        ("X-Amz-Expires", "18446744073709551617"),
        ("X-Amz-Expires", "1e3"),
    ] {
        report.send(
            server,
            &format!("presigned {name}={value}"),
            with_query_param(&presigned, name, value),
            Expect::Code(400, malformed_query),
        );
    }
    for value in [
        "zz".repeat(32),
        "a".repeat(65),
        "a".repeat(5000),
        String::new(),
        "%ff%fe".into(),
    ] {
        let shown: String = value.chars().take(12).collect();
        report.send(
            server,
            &format!("presigned X-Amz-Signature={shown}… ({} chars)", value.len()),
            with_query_param(&presigned, "X-Amz-Signature", &value),
            Expect::Code(400, malformed_query),
        );
    }
    report.send(
        server,
        "presigned X-Amz-Algorithm=AWS4-HMAC-SHA512",
        with_query_param(&presigned, "X-Amz-Algorithm", "AWS4-HMAC-SHA512"),
        Expect::Code(400, malformed_query),
    );
    report.send(
        server,
        "presigned X-Amz-Date=%ff",
        with_query_param(&presigned, "X-Amz-Date", "%ff"),
        Expect::Code(400, malformed_query),
    );
    report.send(
        server,
        "presigned X-Amz-Credential=%zz",
        with_query_param(&presigned, "X-Amz-Credential", "%zz"),
        Expect::Code(400, malformed_query),
    );
    let pq = presigned
        .uri()
        .path_and_query()
        .expect("pq")
        .as_str()
        .to_string();
    let without: String = pq
        .split('&')
        .filter(|p| !p.contains("X-Amz-Credential="))
        .collect::<Vec<_>>()
        .join("&");
    report.send(
        server,
        "presigned without X-Amz-Credential",
        with_target(&presigned, without.as_bytes()),
        Expect::Code(400, malformed_query),
    );
    report.send(
        server,
        "presigned X-Amz-Signature twice",
        with_target(
            &presigned,
            format!("{pq}&X-Amz-Signature={OK_SIG}").as_bytes(),
        ),
        Expect::Code(400, malformed_query),
    );
    report.http(
        server,
        "presigned URL expired",
        &server.presigned("GET", target, 60, now - time::Duration::hours(2)),
        Expect::Code(403, "AccessDenied"),
    );
    report.http(
        server,
        "presigned URL dated next week",
        &server.presigned("GET", target, 60, now + time::Duration::days(7)),
        Expect::Code(403, "AccessDenied"),
    );
}

/// What the HTTP layer underneath (hyper) refuses before the SigV4 layer sees anything,
/// and head-size limits.
fn header_cases(report: &mut Report, server: &Server, target: &str) {
    let good = server.signed("GET", target, &[], b"");
    // 90 headers, all signed: large but valid.
    let names: Vec<String> = (0..90).map(|i| format!("x-amz-meta-h{i:02}")).collect();
    let headers: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"value"[..])).collect();
    report.http(
        server,
        "90 signed headers",
        &server.signed("GET", target, &headers, b""),
        Expect::Success,
    );
    report.send(
        server,
        "1,000 headers",
        with_head(&good, |l| {
            l.extend((0..1000).map(|i| format!("x-junk-{i}: {i}").into_bytes()))
        }),
        Expect::StatusOrClosed(431),
    );
    report.send(
        server,
        "10,000 headers",
        with_head(&good, |l| {
            l.extend((0..10_000).map(|i| format!("x-junk-{i}: {i}").into_bytes()))
        }),
        Expect::StatusOrClosed(431),
    );
    report.send(
        server,
        "one header of 70 KiB (over the layer's 64 KiB)",
        with_head(&good, |l| {
            l.push(format!("x-big: {}", "b".repeat(70 * 1024)).into_bytes())
        }),
        Expect::Code(400, "RequestHeaderSectionTooLarge"),
    );
    report.send(
        server,
        "40 headers of 4 KiB (160 KiB in all)",
        with_head(&good, |l| {
            l.extend((0..40).map(|i| format!("x-fill-{i}: {}", "f".repeat(4096)).into_bytes()))
        }),
        Expect::Code(400, "RequestHeaderSectionTooLarge"),
    );
    report.send(
        server,
        "one header of 1 MiB",
        with_head(&good, |l| {
            l.push(format!("x-huge: {}", "h".repeat(1 << 20)).into_bytes())
        }),
        Expect::StatusOrClosed(431),
    );
    report.send(
        server,
        "request target of 1 MiB",
        with_target(
            &good,
            format!("{target}?{}", "q".repeat(1 << 20)).as_bytes(),
        ),
        // hyper counts the request line in its head limit.
        Expect::StatusOrClosed(431),
    );
    report.send(
        server,
        "header name with a space",
        with_head(&good, |l| l.push(b"bad name: x".to_vec())),
        Expect::StatusOrClosed(400),
    );
    report.send(
        server,
        "NUL in a header value",
        with_head(&good, |l| l.push(b"x-nul: a\0b".to_vec())),
        Expect::StatusOrClosed(400),
    );
    report.send(
        server,
        "folded header line",
        with_head(&good, |l| l.insert(1, b" folded: continuation".to_vec())),
        Expect::StatusOrClosed(400),
    );
    report.send(
        server,
        "garbage request line",
        b"GARBAGE\r\n\r\n".to_vec(),
        Expect::StatusOrClosed(400),
    );
    report.send(
        server,
        "binary noise",
        (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(),
        Expect::StatusOrClosed(400),
    );
    report.send(
        server,
        "two different Content-Length headers",
        with_head(&good, |l| {
            l.retain(|x| !x.to_ascii_lowercase().starts_with(b"content-length:"));
            l.push(b"content-length: 1".to_vec());
            l.push(b"content-length: 2".to_vec());
        }),
        Expect::StatusOrClosed(400),
    );
    report.send(
        server,
        "Content-Length not a number",
        with_head(&good, |l| set_header(l, "content-length", b"twelve")),
        Expect::StatusOrClosed(400),
    );
    // Invalid UTF-8 (obs-text) in a header value: signed, it is valid; changed, it fails.
    let binary = server.signed(
        "GET",
        target,
        &[("x-amz-meta-bin", b"\xff\xfe caf\xe9")],
        b"",
    );
    report.http(
        server,
        "signed header value with invalid UTF-8",
        &binary,
        Expect::Success,
    );
    report.send(
        server,
        "header value with invalid UTF-8 changed",
        with_head(&binary, |l| {
            set_header(l, "x-amz-meta-bin", b"\xff\xfe caf\xe8")
        }),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    // Repeated headers are joined with commas in order: reordering them breaks the signature.
    let repeated = server.signed(
        "GET",
        target,
        &[("x-amz-meta-r", b"one"), ("x-amz-meta-r", b"two")],
        b"",
    );
    report.http(server, "repeated signed header", &repeated, Expect::Success);
    report.send(
        server,
        "repeated signed header reordered",
        with_head(&repeated, |l| {
            for line in l.iter_mut() {
                if line.as_slice() == b"x-amz-meta-r: one" {
                    *line = b"x-amz-meta-r: two".to_vec();
                } else if line.as_slice() == b"x-amz-meta-r: two" {
                    *line = b"x-amz-meta-r: one".to_vec();
                }
            }
        }),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    report.send(
        server,
        "repeated signed header with a third value",
        with_head(&repeated, |l| l.push(b"x-amz-meta-r: three".to_vec())),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
}

/// aws-chunked, checksum and body attacks against the S3 server.
fn body_cases(report: &mut Report, server: &Server) {
    let data = b"hello, hostile world".repeat(10);
    let n = data.len() as u64;

    // Valid uploads first: the framings work.
    let (head, mut signer) = upload(server, "ok-signed", STREAMING_PAYLOAD, Some(n), None);
    let mut body = chunk(&mut signer, &data[..100]);
    body.extend(chunk(&mut signer, &data[100..]));
    body.extend(last_chunk(&mut signer));
    let valid_signed = body.clone();
    report.send(
        server,
        "valid signed aws-chunked upload",
        with_body(&head, body),
        Expect::Success,
    );

    let crc = checksum(ChecksumAlgorithm::Crc32c, &data);
    let (head, mut signer) = upload(
        server,
        "ok-trailer",
        STREAMING_PAYLOAD_TRAILER,
        Some(n),
        Some("x-amz-checksum-crc32c"),
    );
    let mut body = chunk(&mut signer, &data);
    body.extend(last_chunk_with_trailer(
        &mut signer,
        "x-amz-checksum-crc32c",
        &crc,
    ));
    report.send(
        server,
        "valid signed upload with a trailer",
        with_body(&head, body),
        Expect::Success,
    );

    let (head, mut signer) = upload(
        server,
        "ok-unsigned",
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        Some(n),
        Some("x-amz-checksum-crc32c"),
    );
    let mut body = chunk(&mut signer, &data);
    body.extend(last_chunk_with_trailer(
        &mut signer,
        "x-amz-checksum-crc32c",
        &crc,
    ));
    report.send(
        server,
        "valid unsigned-trailer upload",
        with_body(&head, body.clone()),
        Expect::Success,
    );
    let mut te = head.clone();
    te.headers_mut().insert(
        "transfer-encoding",
        http::HeaderValue::from_static("chunked"),
    );
    report.send(
        server,
        "valid upload inside HTTP chunked transfer",
        with_body(&te, http_chunked(&body, true)),
        Expect::Success,
    );

    // Slow: the valid signed body a byte at a time.
    let (head, mut signer) = upload(server, "slow", STREAMING_PAYLOAD, Some(n), None);
    let mut body = chunk(&mut signer, &data);
    body.extend(last_chunk(&mut signer));
    let steps = [
        Step::Bytes(head_only(&head, body.len() as u64)),
        Step::Trickle(body, Duration::from_millis(3)),
    ];
    report.check(
        server,
        "slow body (a byte every 3 ms)",
        &steps,
        false,
        Expect::Success,
    );

    // Many tiny chunks.
    let small = vec![b'x'; 2000];
    let (head, mut signer) = upload(server, "tiny-chunks", STREAMING_PAYLOAD, Some(2000), None);
    let mut body = Vec::new();
    for byte in small.chunks(1) {
        body.extend(chunk(&mut signer, byte));
    }
    body.extend(last_chunk(&mut signer));
    report.send(
        server,
        "2,000 chunks of one byte",
        with_body(&head, body),
        Expect::Success,
    );

    // Chunk sizes.
    let seed_sig = "a".repeat(64);
    for (name, size_line, expect) in [
        (
            "chunk size 2^64-1",
            format!("ffffffffffffffff;chunk-signature={seed_sig}"),
            Expect::Code(400, "InvalidChunkSizeError"),
        ),
        (
            "chunk size 2^64 (17 digits)",
            format!("10000000000000000;chunk-signature={seed_sig}"),
            Expect::Code(400, "InvalidRequest"),
        ),
        (
            "chunk size of 1,000 zeros",
            format!("{};chunk-signature={seed_sig}", "0".repeat(1000)),
            Expect::Code(400, "InvalidRequest"),
        ),
        (
            "chunk size 16 MiB + 1",
            format!("1000001;chunk-signature={seed_sig}"),
            Expect::Code(400, "InvalidChunkSizeError"),
        ),
        (
            "chunk size negative",
            format!("-1;chunk-signature={seed_sig}"),
            Expect::Code(400, "InvalidRequest"),
        ),
        (
            "chunk size not hex",
            format!("xyz;chunk-signature={seed_sig}"),
            Expect::Code(400, "InvalidRequest"),
        ),
        (
            "chunk size with a space",
            format!("1 0;chunk-signature={seed_sig}"),
            Expect::Code(400, "InvalidRequest"),
        ),
        (
            "chunk without chunk-signature",
            "10".to_string(),
            Expect::Code(400, "InvalidRequest"),
        ),
        (
            "chunk-signature not hex",
            format!("10;chunk-signature={}", "g".repeat(64)),
            Expect::Code(400, "InvalidRequest"),
        ),
        (
            "chunk-signature of 65 digits",
            format!("10;chunk-signature={}", "a".repeat(65)),
            Expect::Code(400, "InvalidRequest"),
        ),
        (
            "chunk-signature of 10 KiB",
            format!("10;chunk-signature={}", "a".repeat(10_240)),
            Expect::Code(400, "InvalidRequest"),
        ),
        (
            "chunk header with invalid UTF-8",
            "10;chunk-signature=\u{fffd}".replace('\u{fffd}', "\u{ff}"),
            Expect::Code(400, "InvalidRequest"),
        ),
    ] {
        let (head, _) = upload(server, "sizes", STREAMING_PAYLOAD, Some(16), None);
        let mut body = size_line.into_bytes();
        body.extend_from_slice(b"\r\n0123456789abcdef\r\n");
        report.send(server, name, with_body(&head, body), expect);
    }

    // Wrong chunk signature (well-formed).
    let (head, mut signer) = upload(server, "badsig", STREAMING_PAYLOAD, Some(n), None);
    let good_chunk = chunk(&mut signer, &data);
    let mut body = good_chunk.clone();
    let at = body.iter().position(|b| *b == b'=').expect("=") + 1;
    body[at] = if body[at] == b'0' { b'1' } else { b'0' };
    body.extend(last_chunk(&mut signer));
    report.send(
        server,
        "chunk signature changed",
        with_body(&head, body),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    // Chunk data changed, signature kept.
    let (head, mut signer) = upload(server, "baddata", STREAMING_PAYLOAD, Some(n), None);
    let mut body = chunk(&mut signer, &data);
    let at = body.len() - 5;
    body[at] ^= 1;
    body.extend(last_chunk(&mut signer));
    report.send(
        server,
        "chunk data changed",
        with_body(&head, body),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    // A chunk replayed from another upload (signed on another chain).
    let (head, _) = upload(server, "replayed", STREAMING_PAYLOAD, Some(n), None);
    report.send(
        server,
        "chunks of another upload",
        with_body(&head, valid_signed.clone()),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    // Final chunk missing its signature chain (last chunk signed as a data chunk of 0 bytes
    // from the wrong place): the final chunk dropped.
    let (head, mut signer) = upload(server, "nofinal", STREAMING_PAYLOAD, Some(n), None);
    let body = chunk(&mut signer, &data);
    report.send(
        server,
        "no final chunk (truncated)",
        with_body(&head, body),
        Expect::Code(400, "IncompleteBody"),
    );
    // Truncated inside a chunk: Content-Length promises more, the client closes.
    let (head, mut signer) = upload(server, "trunc", STREAMING_PAYLOAD, Some(n), None);
    let body = chunk(&mut signer, &data);
    let steps = [
        Step::Bytes(head_only(&head, body.len() as u64 + 200)),
        Step::Bytes(body[..body.len() / 2].to_vec()),
    ];
    report.check(
        server,
        "body truncated inside a chunk",
        &steps,
        true,
        Expect::CodeOrClosed(400, "IncompleteBody"),
    );
    // A chunk that never ends: 4 KiB promised, 10 bytes sent, then the client goes away.
    let (head, _) = upload(server, "neverends", STREAMING_PAYLOAD, Some(4096), None);
    let mut body = format!("1000;chunk-signature={seed_sig}\r\n").into_bytes();
    body.extend_from_slice(b"0123456789");
    let steps = [
        Step::Bytes(head_only(&head, 8000)),
        Step::Bytes(body),
        Step::Pause(Duration::from_millis(300)),
    ];
    report.check(
        server,
        "chunk that never ends",
        &steps,
        true,
        Expect::CodeOrClosed(400, "IncompleteBody"),
    );
    // A chunk header that never ends (no CRLF).
    let (head, _) = upload(
        server,
        "headerneverends",
        STREAMING_PAYLOAD,
        Some(4096),
        None,
    );
    let body = format!("10;chunk-signature={}", "a".repeat(8000)).into_bytes();
    report.send(
        server,
        "chunk header line without an end",
        with_body(&head, body),
        Expect::Code(400, "InvalidRequest"),
    );
    // Missing CRLF after the data.
    let (head, mut signer) = upload(server, "nocrlf", STREAMING_PAYLOAD, Some(n), None);
    let mut body = chunk(&mut signer, &data);
    body.truncate(body.len() - 2);
    body.extend_from_slice(b"XX");
    body.extend(last_chunk(&mut signer));
    report.send(
        server,
        "chunk data not followed by CRLF",
        with_body(&head, body),
        Expect::Code(400, "InvalidRequest"),
    );
    // Data after the final chunk.
    let (head, mut signer) = upload(server, "after", STREAMING_PAYLOAD, Some(n), None);
    let mut body2 = chunk(&mut signer, &data[..100]);
    body2.extend(chunk(&mut signer, &data[100..]));
    body2.extend(last_chunk(&mut signer));
    body2.extend_from_slice(b"trailing garbage");
    report.send(
        server,
        "data after the final chunk",
        with_body(&head, body2),
        Expect::Code(400, "InvalidRequest"),
    );
    // Decoded length lies.
    let (head, mut signer) = upload(server, "length", STREAMING_PAYLOAD, Some(n + 1), None);
    let mut body = chunk(&mut signer, &data);
    body.extend(last_chunk(&mut signer));
    report.send(
        server,
        "x-amz-decoded-content-length too large",
        with_body(&head, body),
        Expect::Code(400, "IncompleteBody"),
    );
    let (head, mut signer) = upload(server, "length2", STREAMING_PAYLOAD, Some(n - 1), None);
    let mut body = chunk(&mut signer, &data);
    body.extend(last_chunk(&mut signer));
    report.send(
        server,
        "x-amz-decoded-content-length too small",
        with_body(&head, body),
        Expect::Code(400, "IncompleteBody"),
    );
    let (head, _) = upload(server, "nolength", STREAMING_PAYLOAD, None, None);
    report.send(
        server,
        "no x-amz-decoded-content-length",
        with_body(&head, valid_signed.clone()),
        Expect::Code(411, "MissingContentLength"),
    );
    let (head, _) = upload(
        server,
        "hugelength",
        STREAMING_PAYLOAD,
        Some(u64::MAX),
        None,
    );
    report.send(
        server,
        "x-amz-decoded-content-length 2^64-1",
        with_body(&head, valid_signed.clone()),
        // Over S3's 5 GiB object limit: refused before any body is read.
        Expect::Code(400, "EntityTooLarge"),
    );

    // Trailers.
    let (head, _) = upload(
        server,
        "nodecl",
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        Some(n),
        None,
    );
    let mut none = None;
    let mut body = chunk(&mut none, &data);
    body.extend(last_chunk_with_trailer(
        &mut None,
        "x-amz-checksum-crc32c",
        &crc,
    ));
    report.send(
        server,
        "trailer framing without x-amz-trailer",
        with_body(&head, body),
        Expect::Code(400, "MalformedTrailerError"),
    );
    let (head, _) = upload(
        server,
        "undeclared",
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        Some(n),
        Some("x-amz-checksum-crc32c"),
    );
    let mut body = chunk(&mut None, &data);
    body.extend(last_chunk_with_trailer(
        &mut None,
        "x-amz-checksum-sha256",
        &checksum(ChecksumAlgorithm::Sha256, &data),
    ));
    report.send(
        server,
        "undeclared trailer",
        with_body(&head, body),
        Expect::Code(400, "MalformedTrailerError"),
    );
    let (head, _) = upload(
        server,
        "badcrc",
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        Some(n),
        Some("x-amz-checksum-crc32c"),
    );
    let mut body = chunk(&mut None, &data);
    body.extend(last_chunk_with_trailer(
        &mut None,
        "x-amz-checksum-crc32c",
        "AAAAAA==",
    ));
    report.send(
        server,
        "trailer checksum wrong",
        with_body(&head, body),
        Expect::Code(400, "BadDigest"),
    );
    let (head, _) = upload(
        server,
        "trailerneverends",
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        Some(n),
        Some("x-amz-checksum-crc32c"),
    );
    let mut body = chunk(&mut None, &data);
    body.extend_from_slice(b"0\r\n");
    for i in 0..2000 {
        body.extend_from_slice(format!("x-amz-checksum-crc32c:{i:020}\r\n").as_bytes());
    }
    report.send(
        server,
        "trailers without an end (40 KiB of lines)",
        with_body(&head, body),
        Expect::Code(400, "MalformedTrailerError"),
    );
    let (head, _) = upload(
        server,
        "trailerline",
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        Some(n),
        Some("x-amz-checksum-crc32c"),
    );
    let mut body = chunk(&mut None, &data);
    body.extend_from_slice(b"0\r\nx-amz-checksum-crc32c:");
    body.extend(std::iter::repeat_n(b'A', 64 * 1024));
    report.send(
        server,
        "one trailer line of 64 KiB",
        with_body(&head, body),
        Expect::Code(400, "MalformedTrailerError"),
    );
    let (head, _) = upload(
        server,
        "trailertrunc",
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        Some(n),
        Some("x-amz-checksum-crc32c"),
    );
    let mut body = chunk(&mut None, &data);
    body.extend_from_slice(b"0\r\nx-amz-checksum-crc32c:");
    report.send(
        server,
        "trailer cut off",
        with_body(&head, body),
        Expect::Code(400, "IncompleteBody"),
    );
    let (head, mut signer) = upload(
        server,
        "trailersig",
        STREAMING_PAYLOAD_TRAILER,
        Some(n),
        Some("x-amz-checksum-crc32c"),
    );
    let mut body = chunk(&mut signer, &data);
    let mut final_part = last_chunk_with_trailer(&mut signer, "x-amz-checksum-crc32c", &crc);
    let at = final_part
        .windows(10)
        .position(|w| w == b"signature:")
        .expect("trailer signature")
        + 10;
    final_part[at] = if final_part[at] == b'0' { b'1' } else { b'0' };
    body.extend(final_part);
    report.send(
        server,
        "trailer signature changed",
        with_body(&head, body),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    let (head, mut signer) = upload(
        server,
        "trailernosig",
        STREAMING_PAYLOAD_TRAILER,
        Some(n),
        Some("x-amz-checksum-crc32c"),
    );
    let mut body = chunk(&mut signer, &data);
    let final_signature = signer.as_mut().expect("signer").sign_chunk(b"");
    body.extend_from_slice(
        format!("0;chunk-signature={final_signature}\r\nx-amz-checksum-crc32c:{crc}\r\n\r\n")
            .as_bytes(),
    );
    report.send(
        server,
        "signed trailer without its signature",
        with_body(&head, body),
        Expect::Code(400, "MalformedTrailerError"),
    );

    // Declared hashes and checksums on a plain PUT.
    let plain = server.signed("PUT", "/hostile/plain", &[], &data);
    let mut changed = data.clone();
    changed[0] ^= 1;
    report.send(
        server,
        "body not the declared SHA-256",
        with_body(&plain, changed),
        Expect::Code(400, "XAmzContentSHA256Mismatch"),
    );
    let steps = [
        Step::Bytes(head_only(&plain, n)),
        Step::Bytes(data[..50].to_vec()),
    ];
    report.check(
        server,
        "declared-hash body truncated",
        &steps,
        true,
        Expect::CodeOrClosed(400, "IncompleteBody"),
    );
    report.send(
        server,
        "x-amz-content-sha256 twice",
        with_head(&plain, |l| repeat_header(l, "x-amz-content-sha256")),
        Expect::Code(400, "InvalidArgument"),
    );
    report.http(
        server,
        "x-amz-content-sha256 garbage",
        &server.signed_with(
            "PUT",
            "/hostile/garbage",
            &[],
            &data,
            Payload::Precomputed("not-a-hash"),
            OffsetDateTime::now_utc(),
        ),
        Expect::Code(400, "InvalidArgument"),
    );
    report.http(
        server,
        "x-amz-content-sha256 of 65 hex digits",
        &server.signed_with(
            "PUT",
            "/hostile/garbage",
            &[],
            &data,
            Payload::Precomputed(&format!("{}0", sha256_hex(&data))),
            OffsetDateTime::now_utc(),
        ),
        Expect::Code(400, "InvalidArgument"),
    );
    report.http(
        server,
        "Content-MD5 wrong",
        &server.signed(
            "PUT",
            "/hostile/md5",
            &[("content-md5", b"1B2M2Y8AsgTpgAmY7PhCfg==")],
            &data,
        ),
        Expect::Code(400, "BadDigest"),
    );
    report.http(
        server,
        "Content-MD5 not base64",
        &server.signed("PUT", "/hostile/md5", &[("content-md5", b"%%%")], &data),
        Expect::Code(400, "InvalidDigest"),
    );
    report.http(
        server,
        "x-amz-checksum-crc32 not base64",
        &server.signed(
            "PUT",
            "/hostile/crc",
            &[("x-amz-checksum-crc32", b"!!!!")],
            &data,
        ),
        Expect::Code(400, "InvalidRequest"),
    );
    report.http(
        server,
        "x-amz-checksum-sha256 wrong",
        &server.signed(
            "PUT",
            "/hostile/crc",
            &[(
                "x-amz-checksum-sha256",
                checksum(ChecksumAlgorithm::Sha256, b"other").as_bytes(),
            )],
            &data,
        ),
        Expect::Code(400, "BadDigest"),
    );
    let huge = server.signed_with(
        "PUT",
        "/hostile/huge",
        &[],
        b"",
        Payload::Unsigned,
        OffsetDateTime::now_utc(),
    );
    let steps = [
        Step::Bytes(head_only(&huge, u64::MAX / 2)),
        Step::Bytes(vec![b'z'; 1000]),
    ];
    report.check(
        server,
        "Content-Length 2^63 then the client goes",
        &steps,
        true,
        Expect::CodeOrClosed(400, "EntityTooLarge"),
    );
    let mut te = huge.clone();
    te.headers_mut().insert(
        "transfer-encoding",
        http::HeaderValue::from_static("chunked"),
    );
    let mut raw = common::raw_http(&te);
    raw.extend_from_slice(b"ffffffffffffffff\r\nabc");
    // hyper takes the size (it fits in 64 bits) and waits for the data: the client goes.
    report.check(
        server,
        "HTTP chunk size 2^64-1, then the client goes",
        &[Step::Bytes(raw)],
        true,
        Expect::CodeOrClosed(400, "IncompleteBody"),
    );
    let mut raw = common::raw_http(&te);
    raw.extend_from_slice(b"zz\r\nabc\r\n0\r\n\r\n");
    report.send(
        server,
        "HTTP chunk size not hex",
        raw,
        Expect::CodeOrClosed(400, "IncompleteBody"),
    );
    let (head, mut signer) = upload(server, "te-trunc", STREAMING_PAYLOAD, Some(n), None);
    let mut te = head.clone();
    te.headers_mut().insert(
        "transfer-encoding",
        http::HeaderValue::from_static("chunked"),
    );
    let body = chunk(&mut signer, &data);
    report.check(
        server,
        "aws-chunked inside HTTP chunked, cut off, the client goes",
        &[Step::Bytes(with_body(&te, http_chunked(&body, false)))],
        true,
        Expect::CodeOrClosed(400, "IncompleteBody"),
    );
    report.send(
        server,
        "aws-chunked inside HTTP chunked, ended early",
        with_body(&te, http_chunked(&body, true)),
        Expect::Code(400, "IncompleteBody"),
    );
}

/// Browser POST uploads with broken forms.
fn post_cases(report: &mut Report, server: &Server) {
    let post = |content_type: &str, body: Vec<u8>| -> Vec<u8> {
        let request = server.request(
            "POST",
            "/hostile",
            &[("content-type", content_type.as_bytes())],
            &body,
        );
        common::raw_http(&request)
    };
    report.send(
        server,
        "POST form without a boundary",
        post("multipart/form-data", b"x".to_vec()),
        // Not a browser upload (no boundary): a request with no authentication at all.
        Expect::Code(403, "AccessDenied"),
    );
    report.send(
        server,
        "POST form of garbage",
        post("multipart/form-data; boundary=XYZ", vec![b'g'; 30_000]),
        Expect::Code(400, "MalformedPOSTRequest"),
    );
    let mut fields = Vec::new();
    for i in 0..30 {
        fields.extend_from_slice(
            format!(
                "--B\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\n{}\r\n",
                "v".repeat(1000)
            )
            .as_bytes(),
        );
    }
    fields.extend_from_slice(b"--B--\r\n");
    report.send(
        server,
        "POST form with 30 KiB of fields",
        post("multipart/form-data; boundary=B", fields),
        Expect::Code(400, "MaxPostPreDataLengthExceeded"),
    );
    let form = |policy: &str, signature: &str| -> Vec<u8> {
        let now = OffsetDateTime::now_utc();
        let date = countersign::core::AmzDate::from(now);
        let credential = format!("{AKID}/{}/{REGION}/s3/aws4_request", date.date_stamp());
        let mut body = Vec::new();
        for (name, value) in [
            ("key", "posted"),
            ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
            ("x-amz-credential", credential.as_str()),
            ("x-amz-date", date.as_str()),
            ("policy", policy),
            ("x-amz-signature", signature),
        ] {
            body.extend_from_slice(
                format!(
                    "--B\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\nfile\r\n--B--\r\n");
        body
    };
    report.send(
        server,
        "POST policy not base64",
        post(
            "multipart/form-data; boundary=B",
            form("%%%not base64%%%", OK_SIG),
        ),
        Expect::Code(400, "InvalidPolicyDocument"),
    );
    report.send(
        server,
        "POST signature not hex",
        post(
            "multipart/form-data; boundary=B",
            form("e30=", &"z".repeat(64)),
        ),
        Expect::Code(400, "InvalidArgument"),
    );
    let policy = base64_encode(
        b"{\"expiration\": \"2000-01-01T00:00:00Z\", \"conditions\": [{\"bucket\": \"hostile\"}]}",
    );
    report.send(
        server,
        "POST policy wrongly signed",
        post("multipart/form-data; boundary=B", form(&policy, OK_SIG)),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    report.send(
        server,
        "POST form cut off",
        post(
            "multipart/form-data; boundary=B",
            form(&policy, OK_SIG)[..200].to_vec(),
        ),
        Expect::Code(400, "MalformedPOSTRequest"),
    );
}

fn base64_encode(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Body attacks on the API: bodies without a declared hash are buffered up to 1 MiB.
fn api_body_cases(report: &mut Report, server: &Server) {
    let item = br#"{"name": "widget"}"#;
    // curl-style: no x-amz-content-sha256, the body hash signed in the canonical request.
    report.http(
        server,
        "POST without a declared hash",
        &server.signed(
            "POST",
            "/items",
            &[("content-type", b"application/json")],
            item,
        ),
        Expect::Success,
    );
    let big = vec![b' '; (1 << 20) + 1];
    let request = server.signed(
        "POST",
        "/items",
        &[("content-type", b"application/json")],
        &big,
    );
    report.http(
        server,
        "undeclared body of 1 MiB + 1",
        &request,
        Expect::Code(413, "EntityTooLarge"),
    );
    let request = server.signed(
        "POST",
        "/items",
        &[("content-type", b"application/json")],
        item,
    );
    let steps = [
        Step::Bytes(head_only(&request, 1000)),
        Step::Bytes(item.to_vec()),
    ];
    report.check(
        server,
        "undeclared body truncated",
        &steps,
        true,
        Expect::CodeOrClosed(400, "IncompleteBody"),
    );
    let mut changed = item.to_vec();
    changed[3] ^= 1;
    report.send(
        server,
        "undeclared body changed",
        with_body(&request, changed),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    let declared = server.signed_with(
        "POST",
        "/items",
        &[("x-amz-content-sha256", sha256_hex(item).as_bytes())],
        item,
        Payload::Bytes(item),
        OffsetDateTime::now_utc(),
    );
    let mut changed = item.to_vec();
    changed[3] ^= 1;
    report.send(
        server,
        "declared hash, body changed",
        with_body(&declared, changed),
        Expect::Code(400, "XAmzContentSHA256Mismatch"),
    );
    let steps = [
        Step::Bytes(head_only(&request, item.len() as u64)),
        Step::Trickle(item.to_vec(), Duration::from_millis(20)),
    ];
    report.check(
        server,
        "slow undeclared body",
        &steps,
        false,
        Expect::Success,
    );
}

/// Connections that send half a head and stall must not stop the server answering others.
fn slowloris(report: &mut Report, server: &Server) {
    let mut idle = Vec::new();
    for i in 0..64 {
        let mut stream = TcpStream::connect(server.process.addr).expect("connect");
        let _ = stream.write_all(format!("GET /{i} HTTP/1.1\r\nhost: x\r\nx-slow: ").as_bytes());
        idle.push(stream);
    }
    report.http(
        server,
        "valid request beside 64 stalled heads",
        &server.probe(),
        Expect::Success,
    );
    drop(idle);
}

#[test]
fn hostile_requests_get_precise_refusals() {
    let started = Instant::now();
    let mut report = Report::default();
    let mut memory = Vec::new();
    for kind in [Kind::S3, Kind::Api] {
        let mut server = Server::start(kind);
        if kind == Kind::S3 {
            report.http(
                &server,
                "create the bucket",
                &server.signed("PUT", "/hostile", &[], b""),
                Expect::Success,
            );
        }
        report.http(&server, "probe before", &server.probe(), Expect::Success);
        let before = server.rss_kib();
        let target = match kind {
            Kind::S3 => "/",
            Kind::Api => "/whoami",
        };
        auth_cases(&mut report, &server, target);
        header_cases(&mut report, &server, target);
        match kind {
            Kind::S3 => {
                body_cases(&mut report, &server);
                post_cases(&mut report, &server);
            }
            Kind::Api => api_body_cases(&mut report, &server),
        }
        slowloris(&mut report, &server);
        report.http(&server, "probe after", &server.probe(), Expect::Success);
        assert!(server.alive(), "{kind:?}: the server process died");
        let after = server.rss_kib();
        println!("{kind:?}: VmRSS before {before} KiB, after {after} KiB");
        memory.push((kind, before, after));
    }
    println!(
        "{} cases in {:.1} s",
        report.run,
        started.elapsed().as_secs_f64()
    );
    for (kind, before, after) in &memory {
        // The cases send a few MiB in all; a server that buffered them, or leaked per
        // request, would grow by far more than this.
        assert!(
            *after < before + 64 * 1024,
            "{kind:?}: VmRSS grew from {before} KiB to {after} KiB"
        );
    }
    assert!(report.run >= 100, "only {} cases", report.run);
    assert!(
        report.failures.is_empty(),
        "{} of {} cases failed:\n{}",
        report.failures.len(),
        report.run,
        report.failures.join("\n")
    );
}

/// Sends `bytes`, then waits (at most 10 s) for the server to close the connection; gives
/// how long that took and what it answered.
fn stall(addr: SocketAddr, bytes: &[u8]) -> (Duration, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    stream.write_all(bytes).expect("send");
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) => panic!("the server kept a stalled connection open: {e}"),
        }
    }
    (
        started.elapsed(),
        String::from_utf8_lossy(&answer).into_owned(),
    )
}

#[test]
fn stalled_heads_and_bodies_are_cut_off() {
    for kind in [Kind::S3, Kind::Api] {
        let server = Server::start_with(kind, &["--header-timeout", "1", "--body-timeout", "1"]);
        let addr = server.process.addr;

        // Half a head: the connection is closed once the head deadline passes.
        let (took, _) = stall(addr, b"GET / HTTP/1.1\r\nhost: x\r\nx-slow: ");
        assert!(
            took >= Duration::from_millis(800) && took < Duration::from_secs(5),
            "{kind:?}: half a head held {took:?}"
        );

        // A signed upload that stops after 10 of its 100 bytes: the body's idle deadline
        // ends it (with an error response or a plain close), well before 10 s.
        let (target, method) = match kind {
            Kind::S3 => ("/stall-bucket/object", "PUT"),
            Kind::Api => ("/items", "POST"),
        };
        if kind == Kind::S3 {
            let (took, answer) = stall(
                addr,
                &common::raw_http(&server.signed("PUT", "/stall-bucket", &[], b"")),
            );
            assert!(
                answer.starts_with("HTTP/1.1 200"),
                "{kind:?}: {answer} after {took:?}"
            );
        }
        let body = vec![b'{'; 100];
        let request = server.signed(method, target, &[], &body);
        let mut bytes = head_only(&request, 100);
        bytes.extend_from_slice(&body[..10]);
        let (took, answer) = stall(addr, &bytes);
        assert!(
            took >= Duration::from_millis(800) && took < Duration::from_secs(5),
            "{kind:?}: a stalled body held {took:?}: {answer}"
        );
        assert!(!answer.starts_with("HTTP/1.1 2"), "{kind:?}: {answer}");
    }
}
