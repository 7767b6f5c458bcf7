//! `countersign request` sends through the client's `SigningLayer`: AWS's standard retries,
//! each attempt signed again, and `--time` signs at that time without the clock corrected.
//! Against a scripted server on loopback that answers from a list, then 200.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use crate::common::{countersign, stderr, stdout};

/// What the server saw of one request: its `Authorization` and `X-Amz-Date` headers.
#[derive(Debug, Clone, Default)]
struct Seen {
    authorization: String,
    date: String,
}

/// Answers each connection's one request with the next of `answers` (status, body), then
/// with 200 `done`; records what it saw.
fn scripted(answers: Vec<(u16, &'static str)>) -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        let mut answers = answers.into_iter();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let request = read_request(&stream);
            record.lock().unwrap().push(request);
            let (status, body) = answers.next().unwrap_or((200, "done"));
            let reason = if status == 200 { "OK" } else { "Error" };
            let response = format!(
                "HTTP/1.1 {status} {reason}\r\ncontent-type: application/xml\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let mut stream = stream;
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (addr, seen)
}

/// Reads a request's head and its body (by `Content-Length`).
fn read_request(stream: &TcpStream) -> Seen {
    let mut reader = BufReader::new(stream);
    let mut seen = Seen::default();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let Some((name, value)) = line.trim_end().split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        match name.to_ascii_lowercase().as_str() {
            "authorization" => seen.authorization = value,
            "x-amz-date" => seen.date = value,
            "content-length" => length = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
    seen
}

const SLOW_DOWN: (u16, &str) = (
    503,
    "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
);

fn request(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    countersign(home)
        .args([
            "request",
            "--access-key",
            "AKIDSEND",
            "--secret-key",
            "send-secret",
            "--region",
            "us-east-1",
            "--service",
            "s3",
        ])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn request_retries_a_slow_down_and_signs_each_attempt_again() {
    let home = tempfile::tempdir().unwrap();
    let (addr, seen) = scripted(vec![SLOW_DOWN]);
    let output = request(
        home.path(),
        &["-d", "payload", &format!("http://{addr}/b/k")],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "done");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen
        .iter()
        .all(|s| s.authorization.contains("Credential=AKIDSEND/")));
}

#[test]
fn request_gives_up_after_three_attempts() {
    let home = tempfile::tempdir().unwrap();
    let (addr, seen) = scripted(vec![SLOW_DOWN, SLOW_DOWN, SLOW_DOWN]);
    let output = request(home.path(), &[&format!("http://{addr}/b/k")]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("SlowDown"), "{}", stderr(&output));
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[test]
fn request_at_a_given_time_is_not_corrected_for_skew() {
    let home = tempfile::tempdir().unwrap();
    let skewed = (
        403,
        "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request \
         time and the current time is too large.</Message></Error>",
    );
    let (addr, seen) = scripted(vec![skewed]);
    let output = request(
        home.path(),
        &[
            "--time",
            "2020-01-01T00:00:00Z",
            &format!("http://{addr}/b/k"),
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("RequestTimeTooSkewed"),
        "{}",
        stderr(&output)
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].date, "20200101T000000Z");
}

#[test]
fn request_verbose_prints_the_stages_of_every_attempt() {
    let home = tempfile::tempdir().unwrap();
    let (addr, _seen) = scripted(vec![SLOW_DOWN]);
    let output = request(home.path(), &["-v", &format!("http://{addr}/b/k")]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stderr(&output);
    assert_eq!(
        text.matches("* canonical request:\nGET\n/b/k\n").count(),
        2,
        "{text}"
    );
}
