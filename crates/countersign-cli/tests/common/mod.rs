//! Helpers of the `countersign` command's tests: the command in a clean environment, the
//! vectors, the example servers, and raw HTTP over a socket.
#![allow(dead_code, unreachable_pub, missing_docs)] // each test binary uses a different subset

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// `target/<profile>/deps/test-HASH` → `target/<profile>/examples/NAME`.
pub fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let binary = profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --examples` (or test the whole workspace with \
         `cargo test --workspace`, which builds them) before `cargo test -p countersign-cli`",
        binary.display()
    );
    binary
}

/// A running example server, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_keys(dir: &Path) -> PathBuf {
    let keys = serde_json::json!({"keys": [
        {"access_key_id": AKID, "secret_access_key": SECRET, "principal": {"user": "cli"}}
    ]});
    let path = dir.join("keys.json");
    std::fs::write(&path, keys.to_string()).expect("key file");
    path
}

impl Server {
    /// `s3_server --debug-errors` on a free port (`--tls` when asked).
    pub fn s3(tls: bool) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = write_keys(dir.path());
        let mut command = Command::new(example_binary("s3_server"));
        command
            .args(["--listen", "127.0.0.1:0", "--debug-errors", "--data"])
            .arg(dir.path().join("data"))
            .arg("--keys")
            .arg(keys);
        if tls {
            command.arg("--tls");
        }
        Self::start(command, dir)
    }

    /// `axum_api --debug-errors` (JSON errors) for region us-east-1, service execute-api.
    pub fn api() -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = write_keys(dir.path());
        // axum_api prints the address it was given: pick a free port for it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(example_binary("axum_api"));
        command
            .args(["--listen", &format!("127.0.0.1:{port}"), "--debug-errors"])
            .args([
                "--region",
                "us-east-1",
                "--service",
                "execute-api",
                "--keys",
            ])
            .arg(keys);
        Self::start(command, dir)
    }

    fn start(mut command: Command, dir: tempfile::TempDir) -> Server {
        command.stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = command.spawn().expect("the example server starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout);
        let mut url = None;
        let mut line = String::new();
        while lines.read_line(&mut line).expect("reads stdout") > 0 {
            if let Some(u) = line.trim().strip_prefix("listening on ") {
                url = Some(u.to_string());
                break;
            }
            line.clear();
        }
        let url = url.expect("the server printed `listening on URL`");
        std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
        let addr: SocketAddr = url
            .split("://")
            .nth(1)
            .and_then(|a| a.trim_end_matches('/').parse().ok())
            .expect("an address in the URL");
        Server {
            child,
            addr,
            url: url.trim_end_matches('/').to_string(),
            dir,
        }
    }

    /// The `Host` value of this server.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }
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
