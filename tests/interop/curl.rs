//! `curl --aws-sigv4` as a real client: its requests to the loopback API reach the handler
//! (and one with a wrong secret is refused), and the requests it sends, captured by a local
//! listener, verify with the core (and not with their path changed).
//!
//! curl 7.88 does not sort query parameters nor double-encode encoded paths for non-S3
//! services (fixed in 8.3 and 8.9): it gets queries in canonical order and plain paths.
//! Spaces, unicode and reserved characters are covered by the botocore tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;

use countersign::core::{RawHeaders, SigningSettings};
use serde_json::Value;
use time::OffsetDateTime;

use crate::api_server::{api, Answer, AKID, REGION, SECRET, SERVICE};
use crate::verify::{self, assert_verifies, Wire};

/// Runs curl, signing for the loopback API's key, with `args` on `url`; gives its answer.
fn curl(args: &[&str], url: &str) -> Answer {
    let output = Command::new("curl")
        .args([
            "-s",
            "-i",
            "--max-time",
            "10",
            "--aws-sigv4",
            &format!("aws:amz:{REGION}:{SERVICE}"),
        ])
        .args(["--user", &format!("{AKID}:{SECRET}")])
        .args(args)
        .arg(url)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("curl: {text}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Answer { status, body }
}

#[test]
fn curl_get_reaches_the_handler_with_the_principal() {
    let answer = curl(&[], &format!("http://{}/whoami", api()));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["principal"], "alice");
}

#[test]
fn curl_post_of_json_is_verified() {
    let answer = curl(
        &[
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            r#"{"name":"widget"}"#,
        ],
        &format!("http://{}/echo", api()),
    );
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, r#"{"name":"widget"}"#)
    );
}

#[test]
fn curl_get_with_a_sorted_query_is_accepted() {
    let answer = curl(
        &[],
        &format!("http://{}/search?limit=10&order=desc&q=a-b_c.d~e", api()),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["query"], "limit=10&order=desc&q=a-b_c.d~e");
}

#[test]
fn curl_with_the_wrong_secret_is_refused() {
    let output = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "10",
            "--aws-sigv4",
            &format!("aws:amz:{REGION}:{SERVICE}"),
            "--user",
            &format!("{AKID}:wrong"),
        ])
        .arg(format!("http://{}/whoami", api()))
        .output()
        .expect("curl runs");
    let body: Value = serde_json::from_slice(&output.stdout).expect("JSON error");
    assert_eq!(body["code"], "SignatureDoesNotMatch");
}

/// Reads one HTTP/1.1 request from a connection and answers 200.
fn capture_one(listener: &TcpListener) -> Wire {
    let (stream, _) = listener.accept().expect("curl connects");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("request line");
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = RawHeaders::new();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).expect("header line");
        let header = header.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').expect("name: value");
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().expect("length");
        }
        headers.push(name, value.trim());
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).expect("body");
    let mut stream = stream;
    stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .expect("answer");
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    Wire {
        method,
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body,
    }
}

/// Runs curl with `args` on `path_and_query` of a local listener; gives the request it sent.
fn captured(args: &[&str], path_and_query: &str) -> Wire {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!(
        "http://{}{path_and_query}",
        listener.local_addr().expect("addr")
    );
    let mut child = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "--max-time",
            "10",
            "--user",
            &format!("{}:{}", verify::AKID, verify::SECRET),
        ])
        .args(args)
        .arg(&url)
        .spawn()
        .expect("curl runs");
    let wire = capture_one(&listener);
    let status = child.wait().expect("curl finishes");
    assert!(status.success(), "curl failed: {status}");
    wire
}

#[test]
fn captured_get_verifies() {
    let wire = captured(&["--aws-sigv4", "aws:amz:us-east-1:execute-api"], "/items");
    assert_verifies(
        &wire,
        (SigningSettings::standard(), false),
        OffsetDateTime::now_utc(),
        "curl GET",
    );
}

#[test]
fn captured_get_with_a_sorted_query_verifies() {
    let wire = captured(
        &["--aws-sigv4", "aws:amz:us-east-1:execute-api"],
        "/items?limit=10&order=desc&start=a-b_c.d~e",
    );
    assert_verifies(
        &wire,
        (SigningSettings::standard(), false),
        OffsetDateTime::now_utc(),
        "curl GET with a query",
    );
}

#[test]
fn captured_post_json_verifies() {
    let wire = captured(
        &[
            "--aws-sigv4",
            "aws:amz:us-east-1:execute-api",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            r#"{"name":"widget","tags":["a","b"]}"#,
        ],
        "/items",
    );
    assert_eq!(wire.body, br#"{"name":"widget","tags":["a","b"]}"#);
    assert_verifies(
        &wire,
        (SigningSettings::standard(), false),
        OffsetDateTime::now_utc(),
        "curl POST",
    );
}

#[test]
fn captured_s3_put_verifies() {
    let wire = captured(
        &[
            "--aws-sigv4",
            "aws:amz:us-east-1:s3",
            "-X",
            "PUT",
            "--data-binary",
            "object body",
        ],
        "/bucket/key.txt",
    );
    assert_verifies(
        &wire,
        (SigningSettings::s3(), false),
        OffsetDateTime::now_utc(),
        "curl S3 PUT",
    );
}
