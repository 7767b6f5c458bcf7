//! `countersign explain` names the cause of real rejections, produced by the example
//! servers run with `--debug-errors` (s3_server answers S3 XML, axum_api countersign's JSON).

use std::net::SocketAddr;
use std::path::Path;

use crate::common::{
    api_server, countersign, countersign_with_key, s3_server, send_raw, stderr, stdout, AKID,
    SECRET,
};
use countersign_core::{
    sha256, sha256_hex, AmzDate, Credential, SecretKey, SigningKey, StringToSign, ALGORITHM,
    EMPTY_SHA256,
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

/// A request sent by a client that builds its canonical request its own way.
struct ByHand<'a> {
    /// The request line and the headers but `X-Amz-Date` and `Authorization`.
    head: &'a str,
    /// The canonical request the client signs.
    canonical_request: &'a str,
    /// Its signed headers.
    signed_headers: &'a str,
    /// The service of the scope (the region is us-east-1).
    service: &'a str,
    /// The body.
    body: &'a str,
}

/// The request `client` sends to `server`, signed now with the test key: `{host}` stands
/// for the server's address and `{date}` for `X-Amz-Date`.
fn sent_by_hand(server: SocketAddr, client: &ByHand<'_>) -> String {
    let date = now();
    let fill = |text: &str| {
        text.replace("{host}", &server.to_string())
            .replace("{date}", date.as_str())
    };
    let auth = authorization(
        &fill(client.canonical_request),
        client.signed_headers,
        date,
        ("us-east-1", client.service),
        SECRET,
    );
    format!(
        "{}\nX-Amz-Date:{}\nAuthorization:{auth}\n\n{}",
        fill(client.head),
        date.as_str(),
        client.body
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
fn a_query_with_spaces_written_plus() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "GET /whoami?q=a%20b HTTP/1.1\nHost:{host}",
            canonical_request:
                "GET\n/whoami\nq=a+b\nhost:{host}\nx-amz-date:{date}\n\nhost;x-amz-date\n\
                                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signed_headers: "host;x-amz-date",
            service: "execute-api",
            body: "",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("spaces in the query written + instead of %20"),
        "{text}"
    );
    assert!(
        text.contains(
            "query line: the server builds \"q=a%20b\", the client evidently built \"q=a+b\""
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_query_plus_taken_as_a_plus() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "GET /whoami?q=a+b HTTP/1.1\nHost:{host}",
            canonical_request:
                "GET\n/whoami\nq=a%2Bb\nhost:{host}\nx-amz-date:{date}\n\nhost;x-amz-date\n\
                                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signed_headers: "host;x-amz-date",
            service: "execute-api",
            body: "",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains(
            "a + of the query taken as a plus (%2B), where a raw + stands for a space (%20)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "query line: the server builds \"q=a%20b\", the client evidently built \"q=a%2Bb\""
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_query_slash_kept_in_a_value() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "GET /whoami?prefix=photos%2F2024 HTTP/1.1\nHost:{host}",
            canonical_request:
                "GET\n/whoami\nprefix=photos/2024\nhost:{host}\nx-amz-date:{date}\n\n\
                                host;x-amz-date\n\
                                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signed_headers: "host;x-amz-date",
            service: "execute-api",
            body: "",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("a / in a query value kept as it is instead of %2F"),
        "{text}"
    );
    assert!(
        text.contains(
            "query line: the server builds \"prefix=photos%2F2024\", the client evidently built \"prefix=photos/2024\""
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_query_not_encoded_again() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "GET /whoami?graph=urn:uuid:6e8b HTTP/1.1\nHost:{host}",
            canonical_request:
                "GET\n/whoami\ngraph=urn:uuid:6e8b\nhost:{host}\nx-amz-date:{date}\n\n\
                                host;x-amz-date\n\
                                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signed_headers: "host;x-amz-date",
            service: "execute-api",
            body: "",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("the query's keys and values as sent, not encoded again"),
        "{text}"
    );
    assert!(
        text.contains(
            "query line: the server builds \"graph=urn%3Auuid%3A6e8b\", the client evidently built \"graph=urn:uuid:6e8b\""
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_path_encoded_once_where_the_service_encodes_it_twice() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "GET /items/a%20b HTTP/1.1\nHost:{host}",
            canonical_request:
                "GET\n/items/a%20b\n\nhost:{host}\nx-amz-date:{date}\n\nhost;x-amz-date\n\
                                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signed_headers: "host;x-amz-date",
            service: "execute-api",
            body: "",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("the path encoded once (the rule of S3), where the rules for this service encode it twice"),
        "{text}"
    );
    assert!(
        text.contains(
            "path line: the server builds \"/items/a%2520b\", the client evidently built \"/items/a%20b\""
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_path_encoded_twice_for_s3() {
    let home = tempfile::tempdir().unwrap();
    let server = s3_server(false);
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "GET /bucket/a%20b HTTP/1.1\nHost:{host}\n\
                   x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            canonical_request: "GET\n/bucket/a%2520b\n\nhost:{host}\n\
                                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
                                x-amz-date:{date}\n\nhost;x-amz-content-sha256;x-amz-date\n\
                                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signed_headers: "host;x-amz-content-sha256;x-amz-date",
            service: "s3",
            body: "",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains(
            "the path encoded twice (the rule of every service but S3), where S3 encodes it once"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "path line: the server builds \"/bucket/a%20b\", the client evidently built \"/bucket/a%2520b\""
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_path_not_normalized_where_the_service_normalizes_it() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "GET /docs/./whoami HTTP/1.1\nHost:{host}",
            canonical_request:
                "GET\n/docs/./whoami\n\nhost:{host}\nx-amz-date:{date}\n\nhost;x-amz-date\n\
                                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signed_headers: "host;x-amz-date",
            service: "execute-api",
            body: "",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("the path not normalized (./.. segments or repeated slashes kept), where the rules for this service remove them"),
        "{text}"
    );
    assert!(
        text.contains(
            "path line: the server builds \"/docs/whoami\", the client evidently built \"/docs/./whoami\""
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_path_normalized_for_s3() {
    let home = tempfile::tempdir().unwrap();
    let server = s3_server(false);
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "GET /bucket/a/../k HTTP/1.1\nHost:{host}\n\
                   x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            canonical_request: "GET\n/bucket/k\n\nhost:{host}\n\
                                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
                                x-amz-date:{date}\n\nhost;x-amz-content-sha256;x-amz-date\n\
                                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signed_headers: "host;x-amz-content-sha256;x-amz-date",
            service: "s3",
            body: "",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains(
            "the path normalized (./.. segments and repeated slashes removed), which S3 never does"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "path line: the server builds \"/bucket/a/../k\", the client evidently built \"/bucket/k\""
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_path_as_sent_by_curl() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "GET /reports/q$1 HTTP/1.1\nHost:{host}\nUser-Agent:curl/8.8.0",
            canonical_request:
                "GET\n/reports/q$1\n\nhost:{host}\nx-amz-date:{date}\n\nhost;x-amz-date\n\
                                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signed_headers: "host;x-amz-date",
            service: "execute-api",
            body: "",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("the path as sent, not encoded again"),
        "{text}"
    );
    assert!(
        text.contains(
            "path line: the server builds \"/reports/q%241\", the client evidently built \"/reports/q$1\""
        ),
        "{text}"
    );
    assert!(text.contains("curl 8.8.0"), "{text}");
    assert!(text.contains("curl issue #13754"), "{text}");
    assert_not_blamed_on_the_secret(&text);
}

/// A GET of /whoami with `X-Amz-Meta-Note` written `sent` and signed `signed`.
fn note_header(server: SocketAddr, sent: &str, signed: &str) -> String {
    let head = format!("GET /whoami HTTP/1.1\nHost:{{host}}\nX-Amz-Meta-Note:{sent}");
    let canonical_request = format!(
        "GET\n/whoami\n\nhost:{{host}}\nx-amz-date:{{date}}\nx-amz-meta-note:{signed}\n\n\
         host;x-amz-date;x-amz-meta-note\n{EMPTY_SHA256}"
    );
    sent_by_hand(
        server,
        &ByHand {
            head: &head,
            canonical_request: &canonical_request,
            signed_headers: "host;x-amz-date;x-amz-meta-note",
            service: "execute-api",
            body: "",
        },
    )
}

#[test]
fn a_header_value_not_trimmed() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = note_header(server.addr, " a b ", " a b ");
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("header values not trimmed (the whitespace around them kept)"),
        "{text}"
    );
    assert!(
        text.contains(
            "header line: the server builds \"x-amz-meta-note:a b\", the client evidently built \"x-amz-meta-note: a b \""
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_header_value_not_collapsed() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = note_header(server.addr, "a   b", "a   b");
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("runs of whitespace inside header values not collapsed to one space"),
        "{text}"
    );
    assert!(
        text.contains(
            "header line: the server builds \"x-amz-meta-note:a b\", the client evidently built \"x-amz-meta-note:a   b\""
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_header_value_neither_trimmed_nor_collapsed() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = note_header(server.addr, " a   b", " a   b");
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("header values neither trimmed nor their inner runs of whitespace collapsed"),
        "{text}"
    );
    assert!(
        text.contains(
            "header line: the server builds \"x-amz-meta-note:a b\", the client evidently built \"x-amz-meta-note: a   b\""
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn unsigned_payload_signed_in_place_of_the_body_hash() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "POST /whoami HTTP/1.1\nHost:{host}",
            canonical_request:
                "POST\n/whoami\n\nhost:{host}\nx-amz-date:{date}\n\nhost;x-amz-date\nUNSIGNED-PAYLOAD",
            signed_headers: "host;x-amz-date",
            service: "execute-api",
            body: "hello",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("UNSIGNED-PAYLOAD signed in place of the body's SHA-256"),
        "{text}"
    );
    let hello = sha256_hex(b"hello");
    assert!(
        text.contains(&format!(
            "payload hash line: the server builds \"{hello}\", the client evidently built \"UNSIGNED-PAYLOAD\""
        )),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn the_body_hash_signed_in_place_of_a_declared_unsigned_payload() {
    let home = tempfile::tempdir().unwrap();
    let server = s3_server(false);
    let hello = sha256_hex(b"hello");
    let canonical_request = format!(
        "PUT\n/bucket/k\n\nhost:{{host}}\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n\
         x-amz-date:{{date}}\n\nhost;x-amz-content-sha256;x-amz-date\n{hello}"
    );
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "PUT /bucket/k HTTP/1.1\nHost:{host}\nx-amz-content-sha256:UNSIGNED-PAYLOAD",
            canonical_request: &canonical_request,
            signed_headers: "host;x-amz-content-sha256;x-amz-date",
            service: "s3",
            body: "hello",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains("the body's SHA-256 signed in place of UNSIGNED-PAYLOAD"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "payload hash line: the server builds \"UNSIGNED-PAYLOAD\", the client evidently built \"{hello}\""
        )),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn an_empty_body_hash_signed_for_a_body() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = sent_by_hand(
        server.addr,
        &ByHand {
            head: "POST /whoami HTTP/1.1\nHost:{host}",
            canonical_request:
                "POST\n/whoami\n\nhost:{host}\nx-amz-date:{date}\n\nhost;x-amz-date\n\
                                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signed_headers: "host;x-amz-date",
            service: "execute-api",
            body: "hello",
        },
    );
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(
        text.contains(
            "the SHA-256 of an empty body signed, though the request has a body of 5 bytes"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "payload hash line: the server builds \"{}\", the client evidently built \"{EMPTY_SHA256}\"",
            sha256_hex(b"hello")
        )),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

/// `countersign sign` of a GET of /whoami for execute-api, with `secret` for the test's
/// access key id.
fn signed_with(home: &Path, server: SocketAddr, secret: &str) -> String {
    let output = countersign(home)
        .args(["sign", "--access-key", AKID, "--secret-key", secret])
        .args(["--service", "execute-api", "--region", "us-east-1", "-"])
        .write_stdin(format!("GET /whoami?b=2&a=1 HTTP/1.1\nHost:{server}\n\n"))
        .output()
        .unwrap();
    assert!(output.status.success(), "sign: {}", stderr(&output));
    stdout(&output)
}

#[test]
fn a_wrong_secret_in_a_signed_request() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = signed_with(home.path(), server.addr, "wrong");
    let text = explain_refused(home.path(), server.addr, &sent);
    assert!(text.contains("the secret is probably wrong"), "{text}");
    assert!(
        text.contains(
            "signed with another secret than the one given here for access key id AKIDCLITEST"
        ),
        "{text}"
    );
    // The server's canonical request is still shown.
    assert!(
        text.contains(
            "canonical request (- the server's, + yours):\n  GET\n  /whoami\n  a=1&b=2\n"
        ),
        "{text}"
    );
}

#[test]
fn a_correct_signature_refused_by_a_server_with_another_secret() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    // Signed correctly with the client's secret, which is not the server's.
    let sent = signed_with(home.path(), server.addr, "the-client-secret");
    let response = send_raw(server.addr, sent.as_bytes());
    assert_eq!(response.status, 403, "{}", response.text());
    let request = home.path().join("sent.txt");
    std::fs::write(&request, &sent).unwrap();
    let text = explain(
        home.path(),
        &response.text(),
        &[
            "--request",
            request.to_str().unwrap(),
            "--secret-key",
            "the-client-secret",
        ],
    );
    assert!(
        text.contains("the request's signature matches: it is the signature of its canonical request as the rules build it"),
        "{text}"
    );
    assert!(
        text.contains("the refusal comes from the server's side"),
        "{text}"
    );
    assert!(
        text.contains(
            "it holds another secret for access key id AKIDCLITEST than the one given here"
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_signed_request_without_a_secret_is_not_blamed_on_the_secret() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let sent = signed_with(home.path(), server.addr, "wrong");
    let response = send_raw(server.addr, sent.as_bytes());
    assert_eq!(response.status, 403, "{}", response.text());
    let rejection = home.path().join("rejection.json");
    std::fs::write(&rejection, response.text()).unwrap();
    let request = home.path().join("sent.txt");
    std::fs::write(&request, &sent).unwrap();
    // No credentials anywhere: the signature cannot be compared.
    let output = countersign(home.path())
        .arg("explain")
        .arg("--rejection")
        .arg(&rejection)
        .arg("--request")
        .arg(&request)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("but its signature was not compared (no credentials"),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

/// An Amazon OpenSearch request signed by curl 7.88 (the query as sent) at a fixed time.
fn curl_search_request() -> String {
    let date = AmzDate::parse("20150830T123600Z").unwrap();
    let host = "search-logs.us-east-1.es.amazonaws.com";
    let canonical_request = format!(
        "GET\n/logs/_search\nsort=_doc&size=50\nhost:{host}\nx-amz-date:20150830T123600Z\n\n\
         host;x-amz-date\n{EMPTY_SHA256}"
    );
    let auth = authorization(
        &canonical_request,
        "host;x-amz-date",
        date,
        ("us-east-1", "es"),
        SECRET,
    );
    format!(
        "GET /logs/_search?sort=_doc&size=50 HTTP/1.1\nHost:{host}\nUser-Agent:curl/7.88.1\n\
         X-Amz-Date:20150830T123600Z\nAuthorization:{auth}\n\n"
    )
}

/// What an AWS JSON service answers to a signature it refuses: no canonical request.
const TERSE_REFUSAL: &str = r#"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}"#;

/// `countersign explain --request` of `request` against `rejection`, with `command`.
fn explain_file(
    home: &Path,
    mut command: assert_cmd::Command,
    rejection: &str,
    request: &str,
) -> String {
    let rejection_file = home.join("rejection.txt");
    std::fs::write(&rejection_file, rejection).unwrap();
    let request_file = home.join("sent.txt");
    std::fs::write(&request_file, request).unwrap();
    let output = command
        .arg("explain")
        .arg("--rejection")
        .arg(&rejection_file)
        .arg("--request")
        .arg(&request_file)
        .output()
        .unwrap();
    assert!(output.status.success(), "explain: {}", stderr(&output));
    stdout(&output)
}

#[test]
fn a_query_not_sorted_refused_without_the_server_canonical_request() {
    let home = tempfile::tempdir().unwrap();
    let text = explain_file(
        home.path(),
        countersign_with_key(home.path()),
        TERSE_REFUSAL,
        &curl_search_request(),
    );
    assert!(
        text.contains(
            "query line: the server builds \"size=50&sort=_doc\", the client evidently built \"sort=_doc&size=50\""
        ),
        "{text}"
    );
    assert!(text.contains("curl 7.88.1"), "{text}");
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_correct_signature_refused_without_the_server_canonical_request() {
    let home = tempfile::tempdir().unwrap();
    let request = "GET /logs/_search?size=50&sort=_doc HTTP/1.1\n\
                   Host:search-logs.us-east-1.es.amazonaws.com\n\n";
    let signed = sign(
        home.path(),
        request,
        &["--service", "es", "--region", "us-east-1"],
    );
    let text = explain_file(
        home.path(),
        countersign_with_key(home.path()),
        "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated \
         does not match the signature you provided.</Message></Error>",
        &signed,
    );
    assert!(text.contains("the request's signature matches"), "{text}");
    assert!(
        text.contains(
            "the server did not say what it computed: it holds another secret for access key id AKIDCLITEST, or it (or a proxy on the way) canonicalizes the request differently"
        ),
        "{text}"
    );
    assert_not_blamed_on_the_secret(&text);
}

#[test]
fn a_signed_request_without_a_secret_refused_without_the_server_canonical_request() {
    let home = tempfile::tempdir().unwrap();
    let text = explain_file(
        home.path(),
        countersign(home.path()),
        "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated \
         does not match the signature you provided.</Message></Error>",
        &curl_search_request(),
    );
    assert!(
        text.contains("the request's own signature was not compared (no credentials"),
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
            crate::common::AKID,
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
            crate::common::AKID,
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

#[test]
fn a_correct_signature_of_a_request_dated_by_its_date_header() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let addr = server.addr;
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let http_date = now.format(format).unwrap();
    let date = AmzDate::from(now);
    // Signed correctly with a secret the server does not hold: the string to sign carries
    // the Date header's text as sent.
    let canonical_request =
        format!("GET\n/whoami\n\ndate:{http_date}\nhost:{addr}\n\ndate;host\n{EMPTY_SHA256}");
    let credential = Credential::from_parts(AKID, date.date_stamp(), "us-east-1", "execute-api");
    let key = SigningKey::derive(&SecretKey::new("the-client-secret"), &credential.scope());
    let signature = StringToSign::new(
        ALGORITHM,
        date,
        credential.scope_str(),
        sha256(canonical_request.as_bytes()),
    )
    .with_time_as_sent(&http_date)
    .sign(&key);
    let sent = format!(
        "GET /whoami HTTP/1.1\nHost:{addr}\nDate:{http_date}\nAuthorization:{ALGORITHM} \
         Credential={}, SignedHeaders=date;host, Signature={signature}\n\n",
        credential.as_str()
    );
    let response = send_raw(addr, sent.as_bytes());
    assert_eq!(response.status, 403, "{}", response.text());
    let request = home.path().join("sent.txt");
    std::fs::write(&request, &sent).unwrap();
    let text = explain(
        home.path(),
        &response.text(),
        &[
            "--request",
            request.to_str().unwrap(),
            "--secret-key",
            "the-client-secret",
        ],
    );
    assert!(text.contains("the request's signature matches"), "{text}");
    assert_not_blamed_on_the_secret(&text);
}
