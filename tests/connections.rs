//! The example servers' connections, over raw sockets: a connection has a deadline until its
//! first request head whatever it sends (nothing, part of a head, part of the HTTP/2 preface,
//! part of a TLS handshake); a connection with no request in flight is closed after the idle
//! timeout (HTTP/1 keep-alive and HTTP/2) but one with a request in flight is not;
//! `--max-connections` makes a client over the cap wait for a slot rather than fail; idle
//! sockets beyond the process's open-file limit do not stop the server; SIGTERM stops it
//! gracefully.
//!
//! The servers are the `s3_server` and `axum_api` example binaries (`cargo build
//! --examples` first; `cargo test` builds them), started as child processes with a key
//! file. Each case passes short deadlines by flag and waits well past them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use countersign::client::{Credentials, Payload, Signer};
use time::OffsetDateTime;

use common::example_server::{example_binary, ExampleServer, Key};

const AKID: &str = "AKIDCONNECTIONTEST";
const SECRET: &str = "connection-test-secret";
const REGION: &str = "us-east-1";
/// How much later than its deadline a connection may be closed (a loaded machine is slow).
const MARGIN: Duration = Duration::from_secs(3);
/// How much earlier than its deadline a connection may be seen closed: the deadline starts
/// on the server a little after the client's clock does, never before.
const EARLY: Duration = Duration::from_millis(200);

// ---------------------------------------------------------------------------------------
// The server processes and their requests
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    S3,
    Api,
}

impl Kind {
    fn binary(self) -> &'static str {
        match self {
            Kind::S3 => "s3_server",
            Kind::Api => "axum_api",
        }
    }

    fn signer(self) -> Signer {
        match self {
            Kind::S3 => Signer::new(Credentials::new(AKID, SECRET), REGION, "s3").s3(),
            Kind::Api => Signer::new(Credentials::new(AKID, SECRET), REGION, "execute-api"),
        }
    }
}

/// Starts example `kind` with `args` (its standard error dropped: a server out of file
/// descriptors reports every failed accept).
fn start(kind: Kind, args: &[&str]) -> ExampleServer {
    let key = Key {
        access_key_id: AKID,
        secret: SECRET,
        user: "connections",
    };
    ExampleServer::start(kind.binary(), key, |command, dir| {
        command.stderr(Stdio::null());
        if kind == Kind::S3 {
            command.arg("--data").arg(dir.join("data"));
        }
        command.args(args);
    })
}

/// A request to `server` signed now, with `headers` (signed too) and `body`.
fn signed(
    kind: Kind,
    server: &ExampleServer,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> http::Request<Vec<u8>> {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("http://{}{target}", server.addr))
        .header("host", server.addr.to_string());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(body.to_vec()).expect("a request");
    kind.signer()
        .sign(
            &mut request,
            Payload::Bytes(body),
            OffsetDateTime::now_utc(),
        )
        .expect("signs");
    request
}

/// The valid request every case ends with: ListBuckets, or the API's whoami.
fn probe(kind: Kind, server: &ExampleServer) -> http::Request<Vec<u8>> {
    match kind {
        Kind::S3 => signed(kind, server, "GET", "/", &[], b""),
        Kind::Api => signed(kind, server, "GET", "/whoami", &[], b""),
    }
}

/// `request` as HTTP/1.1 bytes that keep the connection open (it has no body).
fn keep_alive_bytes(request: &http::Request<Vec<u8>>) -> Vec<u8> {
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
fn split_head(bytes: &[u8]) -> (&[u8], &[u8]) {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head")
        + 4;
    bytes.split_at(end)
}

// ---------------------------------------------------------------------------------------
// Reading what the server does
// ---------------------------------------------------------------------------------------

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    let _ = stream.set_nodelay(true);
    stream
}

/// The length of the first whole response (head and `content-length` body) in `bytes`,
/// skipping interim (1xx) responses.
fn response_len(bytes: &[u8]) -> Option<usize> {
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
fn final_status(bytes: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(bytes);
    text.split("\r\n\r\n")
        .filter(|part| part.starts_with("HTTP/1.1 "))
        .map(|part| part[9..12].parse().expect("a status"))
        .find(|status| *status >= 200)
        .expect("a final response")
}

/// Reads one whole response off `stream` within `limit`: its status and bytes, or why there
/// is none (closed, reset, silent).
fn read_response(stream: &mut TcpStream, limit: Duration) -> Result<(u16, Vec<u8>), String> {
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
fn stays_silent(stream: &mut TcpStream, wait: Duration) -> Result<(), String> {
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
fn closed_within(stream: &mut TcpStream, since: Instant, limit: Duration) -> Duration {
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

/// Sends `bytes` on a new connection and checks that the server closes it `deadline` (give
/// or take the margins) after it was opened.
fn assert_cut_off(addr: SocketAddr, bytes: &[u8], deadline: Duration, what: &str) {
    let opened = Instant::now();
    let mut stream = connect(addr);
    stream.write_all(bytes).expect("send");
    let took = closed_within(&mut stream, opened, deadline + MARGIN);
    assert!(
        took + EARLY >= deadline,
        "{what}: closed after {took:?}, before its deadline of {deadline:?}"
    );
}

// ---------------------------------------------------------------------------------------
// HTTP/2 over cleartext (h2c, prior knowledge), framed by hand
// ---------------------------------------------------------------------------------------

/// RFC 9113 3.4: what an HTTP/2 client sends first.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const RST_STREAM: u8 = 0x3;
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const END_HEADERS: u8 = 0x4;

/// One frame: its 9-byte header (length, type, flags, stream) and payload (RFC 9113 4.1).
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let length = u32::try_from(payload.len()).expect("a small payload");
    let mut out = length.to_be_bytes()[1..].to_vec();
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A header field as an HPACK literal without indexing, with a new name and no Huffman
/// coding (RFC 7541 6.2.2); names and values under 127 bytes.
fn literal(name: &str, value: &str) -> Vec<u8> {
    let mut out = vec![0x00];
    for part in [name, value] {
        out.push(
            u8::try_from(part.len())
                .ok()
                .filter(|n| *n < 127)
                .expect("short"),
        );
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// What an h2c session saw.
#[derive(Debug, Default)]
struct H2Session {
    /// When stream 1 ended (its response's last frame).
    answered: Option<Instant>,
    /// When the server closed the connection.
    closed: Option<Instant>,
}

/// Opens an h2c connection (preface and empty SETTINGS), sends `request` as stream 1 if
/// given, answers the server's SETTINGS and PINGs as a client must, and reads until the
/// server closes or `limit` passes.
fn h2c_session(addr: SocketAddr, request: Option<&[(&str, &str)]>, limit: Duration) -> H2Session {
    let mut stream = connect(addr);
    let mut hello = PREFACE.to_vec();
    hello.extend(frame(SETTINGS, 0, 0, &[]));
    if let Some(fields) = request {
        let block: Vec<u8> = fields.iter().flat_map(|(n, v)| literal(n, v)).collect();
        hello.extend(frame(HEADERS, END_STREAM | END_HEADERS, 1, &block));
    }
    stream.write_all(&hello).expect("send");
    let deadline = Instant::now() + limit;
    let mut session = H2Session::default();
    let mut header = [0u8; 9];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return session;
        }
        stream.set_read_timeout(Some(left)).expect("read timeout");
        if let Err(e) = stream.read_exact(&mut header) {
            if !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) {
                session.closed = Some(Instant::now());
            }
            return session;
        }
        let length =
            usize::from(header[0]) << 16 | usize::from(header[1]) << 8 | usize::from(header[2]);
        let (kind, flags) = (header[3], header[4]);
        let id = u32::from_be_bytes([header[5], header[6], header[7], header[8]]) & 0x7fff_ffff;
        let mut payload = vec![0u8; length];
        if stream.read_exact(&mut payload).is_err() {
            session.closed = Some(Instant::now());
            return session;
        }
        match kind {
            SETTINGS if flags & ACK == 0 => {
                let _ = stream.write_all(&frame(SETTINGS, ACK, 0, &[]));
            }
            PING if flags & ACK == 0 => {
                let _ = stream.write_all(&frame(PING, ACK, 0, &payload));
            }
            HEADERS | DATA if id == 1 && flags & END_STREAM != 0 => {
                session.answered = Some(Instant::now());
            }
            RST_STREAM if id == 1 => panic!("the server reset the request's stream"),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// Until the first request head
// ---------------------------------------------------------------------------------------

#[test]
fn silent_connection_is_closed_after_the_head_deadline_s3_server() {
    let server = start(Kind::S3, &["--header-timeout", "1"]);
    assert_cut_off(server.addr, b"", Duration::from_secs(1), "no byte sent");
}

#[test]
fn silent_connection_is_closed_after_the_head_deadline_axum_api() {
    let server = start(Kind::Api, &["--header-timeout", "1"]);
    assert_cut_off(server.addr, b"", Duration::from_secs(1), "no byte sent");
}

#[test]
fn partial_h2c_preface_is_closed_after_the_head_deadline() {
    for kind in [Kind::S3, Kind::Api] {
        let server = start(kind, &["--header-timeout", "1"]);
        assert_cut_off(
            server.addr,
            b"PRI * HTTP/2.0\r\n",
            Duration::from_secs(1),
            &format!("{kind:?}: 16 bytes of the h2c preface"),
        );
    }
}

#[test]
fn h2c_connection_without_a_request_is_closed_after_the_head_deadline() {
    let server = start(Kind::Api, &["--header-timeout", "1"]);
    let opened = Instant::now();
    let session = h2c_session(server.addr, None, Duration::from_secs(1) + MARGIN);
    let closed = session
        .closed
        .expect("the server kept an h2c connection without a request open");
    let took = closed - opened;
    assert!(
        took + EARLY >= Duration::from_secs(1),
        "closed after {took:?}, before the deadline"
    );
}

#[test]
fn partial_http1_head_is_closed_after_the_head_deadline() {
    let server = start(Kind::Api, &["--header-timeout", "1"]);
    assert_cut_off(
        server.addr,
        b"GET /whoami HTTP/1.1\r\nhost: x\r\nx-slow: ",
        Duration::from_secs(1),
        "half a head",
    );
}

#[test]
fn stalled_tls_handshake_is_closed_after_the_head_deadline() {
    let server = start(Kind::S3, &["--tls", "--header-timeout", "1"]);
    // A handshake record announced as 512 bytes, of which only the first comes (the type of
    // a ClientHello), then nothing.
    assert_cut_off(
        server.addr,
        &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01],
        Duration::from_secs(1),
        "a ClientHello's first bytes",
    );
}

// ---------------------------------------------------------------------------------------
// Between requests
// ---------------------------------------------------------------------------------------

#[test]
fn http1_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let kind = Kind::Api;
    let server = start(kind, &["--header-timeout", "30", "--idle-timeout", "1"]);
    let mut stream = connect(server.addr);
    stream
        .write_all(&keep_alive_bytes(&probe(kind, &server)))
        .expect("send");
    let (status, _) = read_response(&mut stream, MARGIN).expect("an answer");
    assert_eq!(status, 200);
    let answered = Instant::now();
    let took = closed_within(&mut stream, answered, Duration::from_secs(1) + MARGIN);
    assert!(
        took + EARLY >= Duration::from_secs(1),
        "closed {took:?} after the answer, before the idle timeout"
    );
}

#[test]
fn http1_keep_alive_connection_used_within_the_idle_timeout_stays_open() {
    let kind = Kind::Api;
    let server = start(kind, &["--header-timeout", "30", "--idle-timeout", "2"]);
    let mut stream = connect(server.addr);
    // Three requests 1.2 s apart: 2.4 s in all, more than the idle timeout, but never 2 s
    // without a request.
    for i in 0..3 {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(1200));
        }
        stream
            .write_all(&keep_alive_bytes(&probe(kind, &server)))
            .expect("send");
        let (status, _) = read_response(&mut stream, MARGIN)
            .unwrap_or_else(|e| panic!("request {i} on the kept-alive connection: {e}"));
        assert_eq!(status, 200, "request {i}");
    }
}

#[test]
fn http1_keep_alive_connection_waits_for_its_next_head_at_most_the_head_deadline() {
    let kind = Kind::S3;
    let server = start(kind, &["--header-timeout", "1", "--idle-timeout", "30"]);
    let mut stream = connect(server.addr);
    stream
        .write_all(&keep_alive_bytes(&probe(kind, &server)))
        .expect("send");
    let (status, _) = read_response(&mut stream, MARGIN).expect("an answer");
    assert_eq!(status, 200);
    let answered = Instant::now();
    let took = closed_within(&mut stream, answered, Duration::from_secs(1) + MARGIN);
    assert!(
        took + EARLY >= Duration::from_secs(1),
        "closed {took:?} after the answer, before the head deadline"
    );
}

#[test]
fn h2c_connection_is_closed_after_the_idle_timeout() {
    let server = start(
        Kind::Api,
        &["--header-timeout", "30", "--idle-timeout", "1"],
    );
    let authority = server.addr.to_string();
    // Unsigned: the layer's 403 is an answer like any other.
    let request = [
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/whoami"),
        (":authority", authority.as_str()),
    ];
    let session = h2c_session(
        server.addr,
        Some(&request),
        Duration::from_secs(1) + 2 * MARGIN,
    );
    let answered = session.answered.expect("an answer on stream 1");
    let closed = session
        .closed
        .expect("the server kept an idle h2c connection open");
    let took = closed - answered;
    assert!(
        took + EARLY >= Duration::from_secs(1) && took <= Duration::from_secs(1) + MARGIN,
        "closed {took:?} after the answer; the idle timeout is 1 s"
    );
}

#[test]
fn http1_request_in_flight_outlives_the_idle_timeout() {
    let kind = Kind::Api;
    let server = start(
        kind,
        &[
            "--header-timeout",
            "30",
            "--body-timeout",
            "30",
            "--idle-timeout",
            "1",
        ],
    );
    let body = br#"{"name": "slow but steady"}"#;
    let raw = common::raw_http(&signed(kind, &server, "POST", "/items", &[], body));
    let (head, body) = split_head(&raw);
    let mut stream = connect(server.addr);
    stream.write_all(head).expect("send the head");
    // The body in three pieces over 2.4 s: the request is in flight the whole time.
    for piece in body.chunks(body.len().div_ceil(3)) {
        std::thread::sleep(Duration::from_millis(800));
        stream.write_all(piece).expect("send a piece of the body");
    }
    let (status, response) = read_response(&mut stream, MARGIN).expect("an answer");
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&response));
}

// ---------------------------------------------------------------------------------------
// The cap on connections
// ---------------------------------------------------------------------------------------

#[test]
fn max_connections_lets_a_waiting_client_in_when_a_connection_closes() {
    let kind = Kind::S3;
    let server = start(kind, &["--max-connections", "4", "--header-timeout", "30"]);
    let mut idle: Vec<TcpStream> = (0..4).map(|_| connect(server.addr)).collect();
    let mut waiting = connect(server.addr);
    waiting
        .write_all(&common::raw_http(&probe(kind, &server)))
        .expect("send");
    stays_silent(&mut waiting, Duration::from_millis(1500))
        .expect("a fifth connection is not served while 4 are open");
    drop(idle.pop());
    let (status, response) = read_response(&mut waiting, MARGIN)
        .expect("the waiting client is served once a connection closes");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&response));
}

#[test]
fn max_connections_lets_a_waiting_client_in_when_an_idle_connection_times_out() {
    let kind = Kind::Api;
    let deadline = Duration::from_secs(2);
    let server = start(kind, &["--max-connections", "4", "--header-timeout", "2"]);
    let opened = Instant::now();
    let _idle: Vec<TcpStream> = (0..4).map(|_| connect(server.addr)).collect();
    let mut waiting = connect(server.addr);
    waiting
        .write_all(&common::raw_http(&probe(kind, &server)))
        .expect("send");
    let (status, response) = read_response(&mut waiting, deadline + MARGIN)
        .expect("the waiting client is served once an idle connection times out");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&response));
    let took = opened.elapsed();
    assert!(
        took + EARLY >= deadline,
        "answered after {took:?}: the 4 idle connections did not hold the 4 slots"
    );
}

#[test]
#[cfg(target_os = "linux")] // prlimit (util-linux)
fn idle_sockets_beyond_the_open_file_limit_do_not_stop_the_server() {
    let kind = Kind::Api;
    let server = start(kind, &["--header-timeout", "1"]);
    let limited = Command::new("prlimit")
        .arg("--pid")
        .arg(server.pid().to_string())
        .arg("--nofile=128:128")
        .status()
        .expect("prlimit (util-linux) runs");
    assert!(limited.success(), "prlimit failed: {limited}");
    let _idle: Vec<TcpStream> = (0..140).map(|_| connect(server.addr)).collect();
    let mut stream = connect(server.addr);
    stream
        .write_all(&common::raw_http(&probe(kind, &server)))
        .expect("send");
    let (status, response) = read_response(&mut stream, Duration::from_secs(1) + 2 * MARGIN)
        .expect("the server answers beside 140 idle sockets and 128 file descriptors");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&response));
}

// ---------------------------------------------------------------------------------------
// Stopping
// ---------------------------------------------------------------------------------------

/// How long the servers give open connections to finish once told to stop.
#[cfg(unix)]
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends `request`'s head with `expect: 100-continue` (part of what was signed), waits for
/// `100 Continue` (the handler is reading the body: the request is in flight), sends
/// SIGTERM, waits until the server refuses new connections, then sends the body: the
/// request is answered `status` and the server exits with status 0.
#[cfg(unix)]
fn sigterm_drains(
    kind: Kind,
    server: &mut ExampleServer,
    request: &http::Request<Vec<u8>>,
    status: u16,
) {
    let raw = common::raw_http(request);
    let (head, body) = split_head(&raw);
    let mut stream = connect(server.addr);
    stream.write_all(head).expect("send the head");
    let mut interim = Vec::new();
    let mut buf = [0u8; 1024];
    stream.set_read_timeout(Some(MARGIN)).expect("read timeout");
    while !interim.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).expect("100 Continue");
        assert!(n > 0, "closed before 100 Continue");
        interim.extend_from_slice(&buf[..n]);
    }
    assert!(
        interim.starts_with(b"HTTP/1.1 100"),
        "{kind:?}: {}",
        String::from_utf8_lossy(&interim)
    );

    let killed = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let signalled = Instant::now();
    loop {
        match TcpStream::connect_timeout(&server.addr, Duration::from_millis(500)) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
            _ => {
                assert!(
                    signalled.elapsed() < MARGIN,
                    "{kind:?}: still accepting connections {:?} after SIGTERM",
                    signalled.elapsed()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    assert!(server.alive(), "{kind:?}: exited with a request in flight");

    stream.write_all(body).expect("send the body");
    let (answered, response) = read_response(&mut stream, MARGIN).expect("an answer");
    assert_eq!(
        answered,
        status,
        "{kind:?}: {}",
        String::from_utf8_lossy(&response)
    );
    let exit = loop {
        if let Some(exit) = server.exit_status() {
            break exit;
        }
        assert!(
            signalled.elapsed() < DRAIN_TIMEOUT,
            "{kind:?}: still running {DRAIN_TIMEOUT:?} after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{kind:?}: {exit}");
}

#[test]
#[cfg(unix)]
fn sigterm_lets_a_request_in_flight_finish_then_exits_0_axum_api() {
    let kind = Kind::Api;
    let mut server = start(kind, &[]);
    let request = signed(
        kind,
        &server,
        "POST",
        "/items",
        &[("expect", "100-continue")],
        br#"{"name": "drained"}"#,
    );
    sigterm_drains(kind, &mut server, &request, 201);
}

#[test]
#[cfg(unix)]
fn sigterm_lets_a_request_in_flight_finish_then_exits_0_s3_server() {
    let kind = Kind::S3;
    let mut server = start(kind, &[]);
    let bucket = common::exchange(
        server.addr,
        &common::raw_http(&signed(kind, &server, "PUT", "/drain", &[], b"")),
    );
    assert_eq!(bucket.status, 200, "CreateBucket");
    let request = signed(
        kind,
        &server,
        "PUT",
        "/drain/object",
        &[("expect", "100-continue")],
        b"a body that arrives after SIGTERM",
    );
    sigterm_drains(kind, &mut server, &request, 200);
}

// ---------------------------------------------------------------------------------------
// The flags
// ---------------------------------------------------------------------------------------

/// Runs example `kind` with `args` alone; gives its exit code and what it printed
/// (standard output, then standard error).
fn run(kind: Kind, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(example_binary(kind.binary()))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the example runs");
    let mut printed = String::from_utf8_lossy(&output.stdout).into_owned();
    printed.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code(), printed)
}

#[test]
fn help_documents_the_connection_flags() {
    for kind in [Kind::S3, Kind::Api] {
        let (_, usage) = run(kind, &["--help"]);
        for flag in ["--idle-timeout S", "--max-connections N"] {
            // The flag's entry: its line and the indented lines that continue it.
            let entry: Vec<&str> = usage
                .lines()
                .skip_while(|l| !l.trim_start().starts_with(flag))
                .enumerate()
                .take_while(|(i, l)| *i == 0 || !l.trim_start().starts_with("--"))
                .map(|(_, l)| l)
                .collect();
            assert!(!entry.is_empty(), "{kind:?}: no {flag} in\n{usage}");
            assert!(
                entry.iter().any(|l| l.contains("(default ")),
                "{kind:?}: no default in {entry:?}"
            );
        }
    }
}

#[test]
fn zero_connections_or_seconds_are_refused() {
    for kind in [Kind::S3, Kind::Api] {
        for flag in ["--max-connections", "--idle-timeout"] {
            let (code, message) = run(kind, &[flag, "0"]);
            assert_eq!(code, Some(2), "{kind:?} {flag} 0: {message}");
            assert!(message.starts_with(flag), "{kind:?}: {message}");
        }
    }
}
