//! The example servers' connections: a connection has a deadline until its first request
//! head whatever it sends (nothing, part of a head, part of the HTTP/2 preface, part of a TLS
//! handshake), and a request body one between reads; a connection with no request in flight
//! is closed after the idle timeout (HTTP/1 keep-alive and HTTP/2) but one with a request in
//! flight is not; stalled heads do not stop a server answering others; `--max-connections`
//! makes a client over the cap wait for a slot rather than fail; idle sockets beyond the
//! process's open-file limit do not stop the server; SIGTERM stops it gracefully.
//!
//! Each case passes short deadlines by flag and waits well past them.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::example_server::ExampleServer;
use crate::hostile::Case;
use crate::raw::{
    closed_within, connect, head_only, keep_alive_bytes, read_response, split_head, stays_silent,
    Expect,
};
use crate::{common, start, Kind, Target};

/// How much later than its deadline a connection may be closed (a loaded machine is slow).
const MARGIN: Duration = Duration::from_secs(3);
/// How much earlier than its deadline a connection may be seen closed: the deadline starts
/// on the server a little after the client's clock does, never before.
const EARLY: Duration = Duration::from_millis(200);

/// A request to `server` (example `kind`) signed now, with `headers` (signed too) and `body`.
fn signed(
    kind: Kind,
    server: &ExampleServer,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> http::Request<Vec<u8>> {
    let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
    let target_of = Target {
        kind,
        addr: server.addr,
    };
    target_of.signed(method, target, &headers, body)
}

/// The valid request every case ends with: ListBuckets, or the API's whoami.
fn probe(kind: Kind, server: &ExampleServer) -> http::Request<Vec<u8>> {
    Target {
        kind,
        addr: server.addr,
    }
    .probe()
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

on_both_servers! {
    silent_connection_is_closed_after_the_head_deadline(kind) {
        let server = start(kind, &["--header-timeout", "1"]);
        assert_cut_off(server.addr, b"", Duration::from_secs(1), "no byte sent");
    }

    partial_h2c_preface_is_closed_after_the_head_deadline(kind) {
        let server = start(kind, &["--header-timeout", "1"]);
        assert_cut_off(
            server.addr,
            b"PRI * HTTP/2.0\r\n",
            Duration::from_secs(1),
            "16 bytes of the h2c preface",
        );
    }

    partial_http1_head_is_closed_after_the_head_deadline(kind) {
        let server = start(kind, &["--header-timeout", "1"]);
        assert_cut_off(
            server.addr,
            b"GET /whoami HTTP/1.1\r\nhost: x\r\nx-slow: ",
            Duration::from_secs(1),
            "half a head",
        );
    }

    /// A signed upload that stops after 10 of its 100 bytes: the body's idle deadline ends it
    /// (with an error response or a plain close), well before 10 s.
    stalled_body_is_cut_off_after_the_body_timeout(kind) {
        let server = start(kind, &["--header-timeout", "1", "--body-timeout", "1"]);
        let (target, method) = match kind {
            Kind::S3 => ("/stall-bucket/object", "PUT"),
            Kind::Api => ("/items", "POST"),
        };
        if kind == Kind::S3 {
            let bucket = signed(kind, &server, "PUT", "/stall-bucket", &[], b"");
            let created = common::exchange(server.addr, &common::raw_http(&bucket));
            assert_eq!(created.status, 200, "CreateBucket: {}", created.text());
        }
        let body = vec![b'{'; 100];
        let request = signed(kind, &server, method, target, &[], &body);
        let mut bytes = head_only(&request, 100);
        bytes.extend_from_slice(&body[..10]);
        let opened = Instant::now();
        let mut stream = connect(server.addr);
        stream.write_all(&bytes).expect("send");
        let mut answer = Vec::new();
        stream
            .set_read_timeout(Some(Duration::from_secs(1) + MARGIN))
            .expect("read timeout");
        let _ = stream.read_to_end(&mut answer);
        let took = opened.elapsed();
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            took + EARLY >= Duration::from_secs(1) && took < Duration::from_secs(1) + MARGIN,
            "a stalled body held {took:?}: {answer}"
        );
        assert!(!answer.starts_with("HTTP/1.1 2"), "{answer}");
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

/// Connections that send half a head and stall must not stop the server answering others.
fn beside_stalled_heads(target: Target) -> Case {
    let idle: Vec<TcpStream> = (0..64)
        .map(|i| {
            let mut stream = connect(target.addr);
            let _ =
                stream.write_all(format!("GET /{i} HTTP/1.1\r\nhost: x\r\nx-slow: ").as_bytes());
            stream
        })
        .collect();
    Case::http(&target.probe(), Expect::Success).holding(idle)
}

hostile! {
    valid_request_beside_64_stalled_heads [s3, api] (target, path) => beside_stalled_heads(target);
}

// ---------------------------------------------------------------------------------------
// Between requests
// ---------------------------------------------------------------------------------------

/// Sends a valid request on a kept-alive connection to example `kind` run with `args`, and
/// checks that the server closes the connection 1 s (`what`) after its answer, not before.
fn assert_closed_a_second_after_the_answer(kind: Kind, args: &[&str], what: &str) {
    let server = start(kind, args);
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
        "closed {took:?} after the answer, before the {what}"
    );
}

#[test]
fn http1_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let args = ["--header-timeout", "30", "--idle-timeout", "1"];
    assert_closed_a_second_after_the_answer(Kind::Api, &args, "idle timeout");
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
    let args = ["--header-timeout", "1", "--idle-timeout", "30"];
    assert_closed_a_second_after_the_answer(Kind::S3, &args, "head deadline");
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
