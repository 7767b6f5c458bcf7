//! Signed S3 requests as bytes on a socket: signed once by countersign's client, sent as they
//! are to any instance (a replay is the same bytes again), with a deadline on the answer.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use countersign::client::{Credentials, Payload, Signer};

/// How long a request may take before the test calls it hung.
pub(crate) const DEADLINE: Duration = Duration::from_secs(5);

/// The bytes of `GET path` to `addr`, header-signed now by `id`/`secret` for S3. Each carries
/// a signed header of its own (`x-test-nonce`): two requests signed within one second
/// would otherwise be the same request, which the replay guard accepts once.
pub(crate) fn signed_get(addr: SocketAddr, path: &str, id: &str, secret: &str) -> Vec<u8> {
    static NONCE: AtomicU64 = AtomicU64::new(0);
    let nonce = NONCE.fetch_add(1, Ordering::Relaxed);
    let mut request = http::Request::get(format!("http://{addr}{path}"))
        .header("x-test-nonce", nonce.to_string())
        .body(())
        .unwrap();
    Signer::new(Credentials::new(id, secret), "us-east-1", "s3")
        .s3()
        .sign_now(&mut request, Payload::Empty)
        .unwrap();
    let mut bytes = format!("GET {path} HTTP/1.1\r\n").into_bytes();
    for (name, value) in request.headers() {
        bytes.extend_from_slice(name.as_str().as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"connection: close\r\n\r\n");
    bytes
}

/// An answer: its status and body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: String,
}

impl Answer {
    /// The `<Code>` of an S3 XML error body.
    pub(crate) fn code(&self) -> Option<&str> {
        let start = self.body.find("<Code>")? + "<Code>".len();
        let end = self.body[start..].find("</Code>")? + start;
        Some(&self.body[start..end])
    }
}

/// Sends `bytes` to `addr` and reads the whole answer (the request asks to close), within
/// [`DEADLINE`]; panics past it.
pub(crate) fn send(addr: SocketAddr, bytes: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(bytes).unwrap();
    let mut out = Vec::new();
    if let Err(e) = stream.read_to_end(&mut out) {
        panic!("no whole answer within {DEADLINE:?}: {e}");
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Answer { status, body }
}

/// A fresh signed `GET path` to `addr`, sent: ListBuckets for `/`.
pub(crate) fn get(addr: SocketAddr, path: &str, id: &str, secret: &str) -> Answer {
    send(addr, &signed_get(addr, path, id, secret))
}
