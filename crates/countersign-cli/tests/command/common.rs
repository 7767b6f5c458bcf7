//! Helpers of the `countersign` command's tests: the command in a clean environment, the
//! vectors, the example servers, and raw HTTP over a socket.
#![allow(dead_code, unreachable_pub, missing_docs)] // example_server.rs is the facade's; these tests use part of it

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const AKID: &str = "AKIDCLITEST";
pub const SECRET: &str = "cli-test-secret/with+chars";

/// `countersign` with no AWS variables and an empty home: nothing leaks in from the machine.
pub fn countersign(home: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("countersign").unwrap();
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    command.env("HOME", home).env_remove("USERPROFILE");
    command.timeout(Duration::from_secs(30));
    command
}

/// `countersign` with the test key in flags.
pub fn countersign_with_key(home: &Path) -> assert_cmd::Command {
    let mut command = countersign(home);
    command.env("AWS_ACCESS_KEY_ID", AKID);
    command.env("AWS_SECRET_ACCESS_KEY", SECRET);
    command
}

/// `../../../shared/vectors` from this crate, or `$COUNTERSIGN_VECTORS`.
pub fn vectors_dir() -> PathBuf {
    match std::env::var_os("COUNTERSIGN_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
    }
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[path = "../../../../tests/common/example_server.rs"]
mod example_server;

use example_server::{ExampleServer, Key};

const KEY: Key<'static> = Key {
    access_key_id: AKID,
    secret: SECRET,
    user: "cli",
};

/// `s3_server --debug-errors` on a free port (`--tls` when asked).
pub fn s3_server(tls: bool) -> ExampleServer {
    ExampleServer::start("s3_server", KEY, |command, dir| {
        command
            .arg("--debug-errors")
            .arg("--data")
            .arg(dir.join("data"));
        if tls {
            command.arg("--tls");
        }
    })
}

/// `axum_api --debug-errors` (JSON errors) for region us-east-1, service execute-api.
pub fn api_server() -> ExampleServer {
    ExampleServer::start("axum_api", KEY, |command, _| {
        command.args([
            "--debug-errors",
            "--region",
            "us-east-1",
            "--service",
            "execute-api",
        ]);
    })
}

/// A raw response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends a request written in the vectors' raw format (as `countersign sign` prints it)
/// over a socket, as it is, adding only `Content-Length` and `Connection: close`.
pub fn send_raw(addr: SocketAddr, raw: &[u8]) -> Response {
    let split = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("a blank line");
    let head = std::str::from_utf8(&raw[..split]).expect("utf-8 head");
    let body = &raw[split + 2..];
    let mut out = String::new();
    for line in head.split('\n') {
        out.push_str(line);
        out.push_str("\r\n");
    }
    if !head.to_ascii_lowercase().contains("\ncontent-length:") {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    exchange(addr, &bytes)
}

/// Writes `raw` and reads the response until the server closes.
pub fn exchange(addr: SocketAddr, raw: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(raw).expect("write");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&response)));
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let mut body = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Response { status, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&data[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

/// A plain GET of a (presigned) URL on this server, `/path?query` as given.
pub fn get(addr: SocketAddr, target: &str) -> Response {
    let raw = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    exchange(addr, raw.as_bytes())
}
