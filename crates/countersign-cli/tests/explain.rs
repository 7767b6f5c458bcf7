//! `countersign explain` names the cause of real rejections, produced by the example
//! servers run with `--debug-errors` (s3_server answers S3 XML, axum_api countersign's JSON).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use std::net::SocketAddr;
use std::path::Path;

use common::{
    api_server, countersign, countersign_with_key, s3_server, send_raw, stderr, stdout, AKID,
    SECRET,
};
use countersign_core::{
    sha256, AmzDate, Credential, SecretKey, SigningKey, StringToSign, ALGORITHM, EMPTY_SHA256,
};

/// Signs `raw` with `countersign sign` and the test key.
fn sign(home: &Path, raw: &str, flags: &[&str]) -> String {
    let output = countersign_with_key(home)
        .arg("sign")
        .args(flags)
        .arg("-")
        .write_stdin(raw)
        .output()
        .unwrap();
    assert!(output.status.success(), "sign: {}", stderr(&output));
    stdout(&output)
}

/// Runs `countersign explain` on a rejection body and returns its output.
fn explain(home: &Path, rejection: &str, args: &[&str]) -> String {
    let file = home.join("rejection.txt");
    std::fs::write(&file, rejection).unwrap();
    let output = countersign_with_key(home)
        .arg("explain")
        .arg("--rejection")
        .arg(&file)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "explain: {}", stderr(&output));
    stdout(&output)
}

/// The `Authorization` value of a client that built `canonical_request` itself and signed it
/// with `secret` for `region` and `service` at `date`: the signature is made here with the
/// core's primitives, as a client with a canonicalization bug would make it.
fn authorization(
    canonical_request: &str,
    signed_headers: &str,
    date: AmzDate,
    scope: (&str, &str),
    secret: &str,
) -> String {
    let credential = Credential::from_parts(AKID, date.date_stamp(), scope.0, scope.1);
    let key = SigningKey::derive(&SecretKey::new(secret), &credential.scope());
    let hash = sha256(canonical_request.as_bytes());
    let signature = StringToSign::new(ALGORITHM, date, credential.scope_str(), hash).sign(&key);
    format!(
        "{ALGORITHM} Credential={}, SignedHeaders={signed_headers}, Signature={signature}",
        credential.as_str()
    )
}

/// The time now, as `X-Amz-Date` writes it.
fn now() -> AmzDate {
    AmzDate::from(time::OffsetDateTime::now_utc())
}

/// Sends `sent` to `server`, expects a refusal, and explains it with `--request` (the
/// request as sent, and the test key in the environment).
fn explain_refused(home: &Path, server: SocketAddr, sent: &str) -> String {
    let response = send_raw(server, sent.as_bytes());
    assert_eq!(response.status, 403, "{}", response.text());
    let request = home.join("sent.txt");
    std::fs::write(&request, sent).unwrap();
    explain(
        home,
        &response.text(),
        &["--request", request.to_str().unwrap()],
    )
}

/// What the explanation must not say when the secret is right.
fn assert_not_blamed_on_the_secret(text: &str) {
    assert!(!text.contains("secret key differs"), "{text}");
    assert!(!text.contains("secret is probably wrong"), "{text}");
}

#[test]
fn a_query_not_sorted() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let host = server.addr.to_string();
    let date = now();
    // curl 7.88 signs the query in the order it sends it.
    let unsorted = format!(
        "GET\n/whoami\nsort=_doc&size=50\nhost:{host}\nx-amz-date:{date}\n\nhost;x-amz-date\n{EMPTY_SHA256}",
        date = date.as_str()
    );
    let auth = authorization(
        &unsorted,
        "host;x-amz-date",
        date,
        ("us-east-1", "execute-api"),
        SECRET,
    );
    let sent = format!(
        "GET /whoami?sort=_doc&size=50 HTTP/1.1\nHost:{host}\nUser-Agent:curl/7.88.1\n\
         X-Amz-Date:{}\nAuthorization:{auth}\n\n",
        date.as_str()
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("query parameters in the order they were sent, not sorted"),
        "{text}"
    );
    assert!(
        text.contains(
            "query line: the server builds \"size=50&sort=_doc\", the client evidently built \"sort=_doc&size=50\""
        ),
        "{text}"
    );
    assert!(text.contains("curl 7.88.1"), "{text}");
    assert!(
        text.contains("send the parameters already sorted"),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_path_encoded_differently() {
    let home = tempfile::tempdir().unwrap();
    let server = s3_server(false);
    let url = format!("{}/bucket/a%20b", server.url);
    // Encoded twice, as for every service but S3: the S3 server encodes once.
    let flags = [
        "--service",
        "s3",
        "--path-encoding",
        "double",
        "-d",
        "hello",
        "-X",
        "PUT",
    ];
    let output = countersign_with_key(home.path())
        .arg("request")
        .args(flags)
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let rejection = stdout(&output);
    assert!(
        rejection.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{rejection}"
    );
    // `request` explains by itself ...
    assert!(
        stderr(&output).contains("the server saw path /bucket/a%20b, you signed /bucket/a%2520b"),
        "{}",
        stderr(&output)
    );
    // ... and so does `explain`, with the same flags.
    let text = explain(
        home.path(),
        &rejection,
        &[&flags[..], &[url.as_str()]].concat(),
    );
    assert!(text.contains("path encoded differently"), "{text}");
    assert!(
        text.contains("the server saw path /bucket/a%20b, you signed /bucket/a%2520b"),
        "{text}"
    );
    assert!(text.contains("you encoded the path twice"), "{text}");
    assert!(
        text.contains("- /bucket/a%20b\n+ /bucket/a%2520b\n"),
        "{text}"
    );
}

#[test]
fn a_header_changed_after_signing() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let raw = format!(
        "GET /whoami HTTP/1.1\nHost:{}\nx-amz-meta-color:blue\n\n",
        server.addr
    );
    let signed = sign(
        home.path(),
        &raw,
        &["--service", "execute-api", "--region", "us-east-1"],
    );
    let sent = signed.replace("x-amz-meta-color:blue", "x-amz-meta-color:red");
    let response = send_raw(server.addr, sent.as_bytes());
    assert_eq!(response.status, 403, "{}", response.text());
    assert!(
        response.text().contains("\"canonical_request\""),
        "{}",
        response.text()
    );
    let request = home.path().join("signed.txt");
    std::fs::write(&request, &signed).unwrap();
    let text = explain(
        home.path(),
        &response.text(),
        &["--request", request.to_str().unwrap()],
    );
    assert!(
        text.contains("header x-amz-meta-color changed after signing: the server saw \"red\", you signed \"blue\""),
        "{text}"
    );
    assert!(
        text.contains("- x-amz-meta-color:red\n+ x-amz-meta-color:blue\n"),
        "{text}"
    );
}

#[test]
fn a_header_not_signed() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let raw = format!("GET /whoami HTTP/1.1\nHost:{}\n\n", server.addr);
    let signed = sign(
        home.path(),
        &raw,
        &["--service", "execute-api", "--region", "us-east-1"],
    );
    let sent = signed.replacen('\n', "\nx-amz-meta-late:added\n", 1);
    let response = send_raw(server.addr, sent.as_bytes());
    assert_eq!(response.status, 403, "{}", response.text());
    let request = home.path().join("sent.txt");
    std::fs::write(&request, &sent).unwrap();
    let text = explain(
        home.path(),
        &response.text(),
        &["--request", request.to_str().unwrap()],
    );
    assert!(text.contains("server: AccessDenied"), "{text}");
    assert!(
        text.contains("header x-amz-meta-late was not signed"),
        "{text}"
    );
}

#[test]
fn clock_skew_in_seconds() {
    let home = tempfile::tempdir().unwrap();
    let server = s3_server(false);
    let twenty_minutes_ago = time::OffsetDateTime::now_utc() - time::Duration::minutes(20);
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        twenty_minutes_ago.year(),
        u8::from(twenty_minutes_ago.month()),
        twenty_minutes_ago.day(),
        twenty_minutes_ago.hour(),
        twenty_minutes_ago.minute(),
        twenty_minutes_ago.second()
    );
    let url = format!("{}/bucket", server.url);
    let output = countersign_with_key(home.path())
        .args(["request", "--service", "s3", "--time", &stamp, &url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let rejection = stdout(&output);
    assert!(rejection.contains("RequestTimeTooSkewed"), "{rejection}");
    let text = explain(home.path(), &rejection, &["--service", "s3", &url]);
    let seconds: i64 = text
        .split("your clock is ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no skew in seconds: {text}"));
    assert!((1195..=1260).contains(&seconds), "{seconds} s: {text}");
    assert!(text.contains("behind the server's"), "{text}");
}

#[test]
fn a_wrong_region() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let url = format!("{}/whoami", server.url);
    let flags = ["--service", "execute-api", "--region", "us-west-2"];
    let output = countersign_with_key(home.path())
        .arg("request")
        .args(flags)
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = explain(
        home.path(),
        &stdout(&output),
        &[&flags[..], &[url.as_str()]].concat(),
    );
    assert!(
        text.contains(
            "wrong region: you signed for region us-west-2, the server expects 'us-east-1'"
        ),
        "{text}"
    );
    assert!(text.contains("--region us-east-1"), "{text}");
}

#[test]
fn a_wrong_secret_from_stdin() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let url = format!("{}/whoami", server.url);
    let output = countersign(home.path())
        .args([
            "request",
            "--access-key",
            common::AKID,
            "--secret-key",
            "wrong",
        ])
        .args(["--service", "execute-api", &url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let output = countersign(home.path())
        .args([
            "explain",
            "--access-key",
            common::AKID,
            "--secret-key",
            "wrong",
        ])
        .args(["--service", "execute-api", &url])
        .write_stdin(stdout(&output))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("the secret key differs"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_body_that_is_not_a_rejection_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let output = countersign_with_key(home.path())
        .args(["explain", "--service", "s3", "http://127.0.0.1:1/b"])
        .write_stdin("hello")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(
        stderr(&output).starts_with("countersign: "),
        "{}",
        stderr(&output)
    );
    assert_eq!(stderr(&output).lines().count(), 1);
}
