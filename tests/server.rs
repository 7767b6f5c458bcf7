//! The verification layer on real servers (loopback, port 0): countersign-client, curl and
//! botocore are accepted, the principal reaches the handler, and a table of hostile or broken
//! requests is refused with the AWS status and code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use countersign::client::{
    ChecksumAlgorithm, Credentials, Framing, Payload, SessionTokenMode, Signer,
};
use countersign::core::checksum::checksum_base64;
use countersign::server::keys::{KeyRequest, KeyStore, Lookup, MemoryKeyStore, StoreError};
use countersign::server::{BodyError, ErrorFormat, SigV4Layer, Verified};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const SERVICE: &str = "execute-api";
const BUFFER_LIMIT: usize = 1024;

// ---------------------------------------------------------------------------------------
// The servers
// ---------------------------------------------------------------------------------------

/// The keys: AKIDEXAMPLE (principal "alice"), and two ids whose lookup fails. The store
/// answers through `lookup` after a yield (the layer keeps the request in its future until
/// then), or also at once through `lookup_now` (the layer checks within `call`): each server
/// below runs both ways.
#[derive(Clone)]
struct TestStore {
    memory: MemoryKeyStore<String>,
    at_once: bool,
}

impl TestStore {
    fn new(at_once: bool) -> Self {
        let memory = MemoryKeyStore::new();
        memory.insert(AKID, SECRET, "alice".to_string());
        TestStore { memory, at_once }
    }

    fn find(&self, request: &KeyRequest) -> Lookup<String> {
        match request.access_key_id() {
            "AKIDUNAVAILABLE" => Err(StoreError::unavailable("the test store is down")),
            "AKIDBROKEN" => Err(StoreError::internal("the test store is broken")),
            id => Ok(self.memory.get(id)),
        }
    }
}

impl KeyStore for TestStore {
    type Principal = String;
    type Future = Pin<Box<dyn Future<Output = Lookup<String>> + Send>>;

    fn lookup(&self, request: KeyRequest) -> Self::Future {
        let found = self.find(&request);
        Box::pin(async move {
            tokio::task::yield_now().await;
            found
        })
    }

    fn lookup_now(&self, request: &KeyRequest) -> Option<Lookup<String>> {
        self.at_once.then(|| self.find(request))
    }
}

/// How the servers' key store answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookups {
    /// Through a future the layer waits for.
    Waiting,
    /// At once, so the layer verifies within `call`.
    AtOnce,
}

const BOTH: [Lookups; 2] = [Lookups::Waiting, Lookups::AtOnce];

/// One server per kind of lookup, started on first use.
fn started(
    servers: &[OnceLock<SocketAddr>; 2],
    lookups: Lookups,
    app: impl FnOnce(TestStore) -> Router,
) -> SocketAddr {
    let at_once = lookups == Lookups::AtOnce;
    *servers[usize::from(at_once)].get_or_init(|| serve(app(TestStore::new(at_once))))
}

async fn whoami(identity: Verified<String>) -> Json<Value> {
    Json(json!({
        "principal": identity.principal,
        "access_key_id": identity.access_key_id(),
        "presigned": identity.presigned,
        "payload": format!("{:?}", identity.payload),
        "session_token": identity.session_token,
    }))
}

/// Reads the whole body (so its declared hash is checked) and echoes it.
async fn echo(body: Body) -> Response {
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes.into_response(),
        Err(e) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(err) = source {
                if let Some(b) = err.downcast_ref::<BodyError>() {
                    return (
                        b.status(),
                        Json(json!({"code": b.code(), "message": b.to_string()})),
                    )
                        .into_response();
                }
                source = err.source();
            }
            (
                StatusCode::BAD_REQUEST,
                Json(json!({"code": "IncompleteBody"})),
            )
                .into_response()
        }
    }
}

async fn anything(identity: Verified<String>, uri: Uri) -> Json<Value> {
    Json(json!({"principal": identity.principal, "path": uri.path(), "query": uri.query()}))
}

fn app<K: KeyStore<Principal = String>>(layer: SigV4Layer<K>) -> Router {
    Router::new()
        .route("/whoami", get(whoami))
        .route("/echo", post(echo).put(echo))
        .fallback(anything)
        .layer(layer)
}

fn serve(app: Router) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, app).await.expect("serve");
        });
    });
    addr
}

fn layer(store: TestStore) -> SigV4Layer<TestStore> {
    SigV4Layer::new(store)
        .regions([REGION])
        .services([SERVICE])
        .body_buffer_limit(BUFFER_LIMIT)
        .max_header_bytes(16 * 1024)
        .error_format(ErrorFormat::Json)
}

/// The API server: default rules, JSON errors.
fn api_with(lookups: Lookups) -> SocketAddr {
    static SERVERS: [OnceLock<SocketAddr>; 2] = [OnceLock::new(), OnceLock::new()];
    started(&SERVERS, lookups, |store| app(layer(store)))
}

fn api() -> SocketAddr {
    api_with(Lookups::Waiting)
}

/// The same, refusing UNSIGNED-PAYLOAD bodies.
fn strict_with(lookups: Lookups) -> SocketAddr {
    static SERVERS: [OnceLock<SocketAddr>; 2] = [OnceLock::new(), OnceLock::new()];
    started(&SERVERS, lookups, |store| {
        app(layer(store).allow_unsigned_payload(false))
    })
}

/// An S3-style server: S3 rules, S3 XML errors.
fn s3_with(lookups: Lookups) -> SocketAddr {
    static SERVERS: [OnceLock<SocketAddr>; 2] = [OnceLock::new(), OnceLock::new()];
    started(&SERVERS, lookups, |store| {
        let layer = SigV4Layer::new(store)
            .s3()
            .regions([REGION])
            .services(["s3"])
            .error_format(ErrorFormat::S3Xml);
        app(layer)
    })
}

/// The API server in debug mode, with S3 XML errors.
fn debug() -> SocketAddr {
    static SERVERS: [OnceLock<SocketAddr>; 2] = [OnceLock::new(), OnceLock::new()];
    started(&SERVERS, Lookups::Waiting, |store| {
        app(layer(store)
            .debug_errors(true)
            .error_format(ErrorFormat::S3Xml))
    })
}

// ---------------------------------------------------------------------------------------
// A raw HTTP/1.1 client, so that tests can send what `http` would refuse to build
// ---------------------------------------------------------------------------------------

#[derive(Debug)]
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    /// The AWS code in a JSON or S3 XML error body.
    fn code(&self) -> String {
        if let Ok(v) = serde_json::from_str::<Value>(&self.body) {
            return v["code"].as_str().unwrap_or_default().to_string();
        }
        between(&self.body, "<Code>", "</Code>").unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(text[start..end].to_string())
}

fn send_raw(addr: SocketAddr, raw: &[u8]) -> Answer {
    let response = common::exchange(addr, raw);
    Answer {
        status: response.status,
        body: String::from_utf8_lossy(&response.body).into_owned(),
    }
}

/// Writes a request as HTTP/1.1 bytes, with `Connection: close`.
fn raw(request: &http::Request<Vec<u8>>) -> Vec<u8> {
    common::raw_http(request)
}

fn send(addr: SocketAddr, request: &http::Request<Vec<u8>>) -> Answer {
    send_raw(addr, &raw(request))
}

// ---------------------------------------------------------------------------------------
// Signing helpers
// ---------------------------------------------------------------------------------------

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn signer() -> Signer {
    Signer::new(Credentials::new(AKID, SECRET), REGION, SERVICE)
}

fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> http::Request<Vec<u8>> {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{target}"));
    for (n, v) in headers {
        builder = builder.header(*n, *v);
    }
    builder.body(body.to_vec()).expect("request")
}

/// A request signed in the header, as of `now + offset`.
fn signed_with(
    signer: &Signer,
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    offset: Duration,
) -> http::Request<Vec<u8>> {
    let mut req = request(addr, method, target, headers, body);
    signer
        .sign(&mut req, Payload::Bytes(body), now() + offset)
        .expect("signs");
    req
}

fn signed(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> http::Request<Vec<u8>> {
    signed_with(
        &signer(),
        addr,
        method,
        target,
        headers,
        body,
        Duration::ZERO,
    )
}

/// A presigned GET, as of `now + offset`, valid `expires` seconds.
fn presigned(
    addr: SocketAddr,
    target: &str,
    expires: u64,
    offset: Duration,
) -> http::Request<Vec<u8>> {
    let mut req = request(addr, "GET", target, &[], b"");
    signer()
        .presign(&mut req, Payload::Empty, expires, now() + offset)
        .expect("presigns");
    req
}

fn set_query(req: &mut http::Request<Vec<u8>>, query: String) {
    let path = req.uri().path().to_string();
    let authority = req
        .uri()
        .authority()
        .map(|a| a.to_string())
        .unwrap_or_default();
    *req.uri_mut() = format!("http://{authority}{path}?{query}")
        .parse()
        .expect("uri");
}

fn edit_query(req: &mut http::Request<Vec<u8>>, edit: impl Fn(&str, &str) -> Option<String>) {
    let query = req.uri().query().unwrap_or("").to_string();
    let edited: Vec<String> = query
        .split('&')
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            edit(k, v)
        })
        .collect();
    set_query(req, edited.join("&"));
}

fn header(req: &mut http::Request<Vec<u8>>, name: &'static str, value: &[u8]) {
    req.headers_mut().insert(
        name,
        http::HeaderValue::from_bytes(value).expect("header value"),
    );
}

fn authorization(req: &http::Request<Vec<u8>>) -> String {
    req.headers()["authorization"]
        .to_str()
        .expect("ascii")
        .to_string()
}

/// Replaces the last hex digit of the signature.
fn flip_last(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if let Some(c) = chars.last_mut() {
        *c = if *c == '0' { '1' } else { '0' };
    }
    chars.into_iter().collect()
}

/// An aws-chunked PUT to /echo in `framing`, chunks of `chunk` bytes.
fn chunked(
    addr: SocketAddr,
    framing: Framing,
    body: &[u8],
    chunk: usize,
    checksum: Option<ChecksumAlgorithm>,
) -> http::Request<Vec<u8>> {
    let mut req = request(addr, "PUT", "/echo", &[], b"");
    let mut encoder = signer()
        .sign_chunked(&mut req, framing, body.len() as u64, chunk, checksum, now())
        .expect("signs");
    *req.body_mut() = encoder.encode(body);
    req
}

/// Replaces `from` by `to` (same length) in the encoded body.
fn tamper_body(mut req: http::Request<Vec<u8>>, from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = req
        .body()
        .windows(from.len())
        .position(|w| w == from)
        .expect("found in body");
    req.body_mut()
        .splice(at..at + from.len(), to.iter().copied());
    let length = req.body().len().to_string();
    header(&mut req, "content-length", length.as_bytes());
    raw(&req)
}

/// A PUT to /echo carrying `encoded` as an aws-chunked body in `framing`, its headers signed.
fn raw_chunked(
    addr: SocketAddr,
    framing: Framing,
    encoded: &[u8],
    decoded_length: Option<u64>,
    trailer: Option<&str>,
) -> http::Request<Vec<u8>> {
    let mut req = request(
        addr,
        "PUT",
        "/echo",
        &[("content-encoding", "aws-chunked")],
        encoded,
    );
    header(
        &mut req,
        "content-length",
        encoded.len().to_string().as_bytes(),
    );
    if let Some(n) = decoded_length {
        header(
            &mut req,
            "x-amz-decoded-content-length",
            n.to_string().as_bytes(),
        );
    }
    if let Some(t) = trailer {
        header(&mut req, "x-amz-trailer", t.as_bytes());
    }
    signer()
        .content_sha256_header(true)
        .sign(&mut req, Payload::Precomputed(framing.marker()), now())
        .expect("signs");
    req
}

// ---------------------------------------------------------------------------------------
// Clients that must be accepted
// ---------------------------------------------------------------------------------------

#[test]
fn countersign_client_header_get_reaches_the_handler_with_the_principal() {
    for api in BOTH.map(api_with) {
        let answer = send(api, &signed(api, "GET", "/whoami", &[], b""));
        assert_eq!(answer.status, 200, "{}", answer.body);
        let v = answer.json();
        assert_eq!(v["principal"], "alice");
        assert_eq!(v["access_key_id"], AKID);
        assert_eq!(v["presigned"], false);
    }
}

#[test]
fn countersign_client_post_with_buffered_body_is_verified() {
    for api in BOTH.map(api_with) {
        let body = br#"{"name":"widget"}"#;
        let answer = send(
            api,
            &signed(
                api,
                "POST",
                "/echo",
                &[("content-type", "application/json")],
                body,
            ),
        );
        assert_eq!((answer.status, answer.body.as_bytes()), (200, &body[..]));
    }
}

#[test]
fn countersign_client_declared_hash_streams_and_verifies() {
    for api in BOTH.map(api_with) {
        let signer = signer().content_sha256_header(true);
        let body = vec![b'x'; 10 * BUFFER_LIMIT]; // beyond the buffer limit: streamed, not buffered
        let req = signed_with(&signer, api, "PUT", "/echo", &[], &body, Duration::ZERO);
        let answer = send(api, &req);
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body.len(), body.len());
    }
}

#[test]
fn countersign_client_aws_chunked_uploads_in_the_three_framings() {
    for api in BOTH.map(api_with) {
        let body: Vec<u8> = (0..100_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        for (framing, checksum) in [
            (Framing::Signed, None),
            (Framing::SignedTrailer, Some(ChecksumAlgorithm::Crc32c)),
            (Framing::UnsignedTrailer, Some(ChecksumAlgorithm::Crc64Nvme)),
            (Framing::UnsignedTrailer, Some(ChecksumAlgorithm::Sha1)),
        ] {
            let answer = send(api, &chunked(api, framing, &body, 8192, checksum));
            assert_eq!(answer.status, 200, "{framing:?}: {}", answer.body);
            assert_eq!(answer.body.as_bytes(), &body[..], "{framing:?}");
        }
    }
}

#[test]
fn aws_chunked_inside_http_chunked_transfer_is_accepted() {
    for api in BOTH.map(api_with) {
        let payload = b"streamed without a content-length";
        let mut req = request(
            api,
            "PUT",
            "/echo",
            &[("content-encoding", "aws-chunked")],
            b"",
        );
        header(
            &mut req,
            "x-amz-decoded-content-length",
            payload.len().to_string().as_bytes(),
        );
        let marker = Framing::Signed.marker();
        let signed = signer()
            .content_sha256_header(true)
            .sign(&mut req, Payload::Precomputed(marker), now())
            .unwrap();
        let mut chain = signed.chunk_chain();
        let mut aws_chunked = Vec::new();
        for piece in payload.chunks(10) {
            let sig = chain.sign_chunk(piece);
            aws_chunked.extend_from_slice(
                format!("{:x};chunk-signature={sig}\r\n", piece.len()).as_bytes(),
            );
            aws_chunked.extend_from_slice(piece);
            aws_chunked.extend_from_slice(b"\r\n");
        }
        aws_chunked.extend_from_slice(
            format!("0;chunk-signature={}\r\n\r\n", chain.sign_chunk(b"")).as_bytes(),
        );
        header(&mut req, "transfer-encoding", b"chunked");
        let mut bytes = raw(&req);
        // HTTP chunked transfer around the aws-chunked body, in uneven pieces.
        for piece in aws_chunked.chunks(37) {
            bytes.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            bytes.extend_from_slice(piece);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"0\r\n\r\n");
        let answer = send_raw(api, &bytes);
        assert_eq!(
            (answer.status, answer.body.as_bytes()),
            (200, &payload[..]),
            "{}",
            answer.body
        );
    }
}

#[test]
fn checksum_headers_that_match_are_accepted() {
    for api in BOTH.map(api_with) {
        let body = b"checked body";
        for algorithm in ChecksumAlgorithm::ALL {
            let value = checksum_base64(algorithm, body);
            let req = signed(
                api,
                "PUT",
                "/echo",
                &[(algorithm.header_name(), value.as_str())],
                body,
            );
            let answer = send(api, &req);
            assert_eq!(
                (answer.status, answer.body.as_str()),
                (200, "checked body"),
                "{algorithm}"
            );
        }
    }
}

#[test]
fn countersign_client_presigned_get_is_accepted() {
    for api in BOTH.map(api_with) {
        let answer = send(api, &presigned(api, "/whoami?x=1", 60, Duration::ZERO));
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.json()["presigned"], true);
    }
}

#[test]
fn session_token_signed_or_appended_is_accepted_and_reaches_the_handler() {
    for api in BOTH.map(api_with) {
        for mode in [SessionTokenMode::Signed, SessionTokenMode::AppendAfter] {
            let signer = Signer::new(
                Credentials::new(AKID, SECRET).with_session_token("tok/en+=="),
                REGION,
                SERVICE,
            )
            .session_token_mode(mode);
            let req = signed_with(&signer, api, "GET", "/whoami", &[], b"", Duration::ZERO);
            let answer = send(api, &req);
            assert_eq!(answer.status, 200, "{mode:?}: {}", answer.body);
            assert_eq!(answer.json()["session_token"], "tok/en+==");
        }
    }
}

#[test]
fn paths_with_spaces_unicode_and_reserved_characters_are_accepted() {
    for api in BOTH.map(api_with) {
        for target in [
            "/a%20b/%E1%88%B4",
            "/x+y/%2B/~user",
            "/q?a=b%20c&a=%2B&ሴ=1",
            "/semi;colon/@at/:colon",
            "/%25percent",
        ] {
            let answer = send(api, &signed(api, "GET", target, &[], b""));
            assert_eq!(answer.status, 200, "{target}: {}", answer.body);
        }
    }
}

#[test]
fn s3_mode_accepts_header_and_presigned_requests() {
    for s3 in BOTH.map(s3_with) {
        let s3_signer = Signer::new(Credentials::new(AKID, SECRET), REGION, "s3").s3();
        let req = signed_with(
            &s3_signer,
            s3,
            "PUT",
            "/echo",
            &[],
            b"object body",
            Duration::ZERO,
        );
        let answer = send(s3, &req);
        assert_eq!((answer.status, answer.body.as_str()), (200, "object body"));
        let mut get = request(s3, "GET", "/bucket/a%20key+with%2Bplus", &[], b"");
        s3_signer
            .presign(&mut get, Payload::Unsigned, 300, now())
            .expect("presigns");
        let answer = send(s3, &get);
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
}

#[test]
fn s3_presigned_urls_work_for_every_method() {
    for s3 in BOTH.map(s3_with) {
        let s3_signer = Signer::new(Credentials::new(AKID, SECRET), REGION, "s3").s3();
        for method in ["GET", "PUT", "DELETE", "HEAD", "POST"] {
            let mut req = request(s3, method, "/bucket/some%20key.txt?versionId=1", &[], b"");
            s3_signer
                .presign(&mut req, Payload::Unsigned, 60, now())
                .expect("presigns");
            let answer = send(s3, &req);
            assert_eq!(answer.status, 200, "{method}: {}", answer.body);
            // The same URL with another method is refused.
            let other = if method == "GET" { "DELETE" } else { "GET" };
            let mut switched = req.clone();
            *switched.method_mut() = http::Method::from_bytes(other.as_bytes()).unwrap();
            let answer = send(s3, &switched);
            assert_eq!(answer.status, 403, "{method} URL used with {other}");
        }
    }
}

// curl 7.88 does not sort query parameters nor double-encode encoded paths (fixed in 8.3
// and 8.9): it gets queries in canonical order and plain paths.
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
fn curl_get_post_and_query_are_accepted() {
    let base = format!("http://{}", api());
    let answer = curl(&[], &format!("{base}/whoami"));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["principal"], "alice");

    let answer = curl(
        &[
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            r#"{"name":"widget"}"#,
        ],
        &format!("{base}/echo"),
    );
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, r#"{"name":"widget"}"#)
    );

    let answer = curl(
        &[],
        &format!("{base}/search?limit=10&order=desc&q=a-b_c.d~e"),
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

const BOTOCORE_CLIENT: &str = r#"
import json, sys, urllib.request, urllib.error
from botocore.auth import SigV4Auth, S3SigV4Auth, SigV4QueryAuth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

classes = {c.__name__: c for c in (SigV4Auth, S3SigV4Auth, SigV4QueryAuth, S3SigV4QueryAuth)}
out = []
for case in json.load(sys.stdin):
    request = AWSRequest(method=case["method"], url=case["url"], data=case["body"].encode(),
                         headers=case["headers"], params=[tuple(p) for p in case["params"]])
    credentials = Credentials(case["akid"], case["secret"])
    cls = classes[case["auth"]]
    signer = cls(credentials, case["service"], "us-east-1", expires=300) if case["auth"].endswith("QueryAuth") \
        else cls(credentials, case["service"], "us-east-1")
    signer.add_auth(request)
    prepared = request.prepare()
    body = prepared.body or None
    if isinstance(body, str):
        body = body.encode()
    sent = urllib.request.Request(prepared.url, data=body, method=prepared.method, headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(sent, timeout=10) as response:
            out.append({"status": response.status, "body": response.read().decode("utf-8", "replace")})
    except urllib.error.HTTPError as e:
        out.append({"status": e.code, "body": e.read().decode("utf-8", "replace")})
json.dump(out, sys.stdout)
"#;

fn botocore(cases: Vec<Value>) -> Vec<Answer> {
    let mut child = Command::new("python3")
        .args(["-c", BOTOCORE_CLIENT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(Value::from(cases).to_string().as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("python3 finishes");
    assert!(
        output.status.success(),
        "botocore client failed (pip install boto3):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    answers
        .into_iter()
        .map(|a| Answer {
            status: a["status"].as_u64().unwrap_or(0) as u16,
            body: a["body"].as_str().unwrap_or("").to_string(),
        })
        .collect()
}

fn boto_case(
    auth: &str,
    service: &str,
    method: &str,
    url: String,
    params: Value,
    body: &str,
) -> Value {
    json!({"auth": auth, "service": service, "method": method, "url": url, "params": params, "headers": {},
           "body": body, "akid": AKID, "secret": SECRET})
}

#[test]
fn botocore_signed_requests_are_accepted() {
    let cases: Vec<Value> = BOTH.into_iter().flat_map(botocore_cases).collect();
    let expected: Vec<String> = cases
        .iter()
        .map(|c| format!("{} {} {}", c["auth"], c["method"], c["url"]))
        .collect();
    for (answer, what) in botocore(cases).iter().zip(expected) {
        assert_eq!(answer.status, 200, "{what}: {}", answer.body);
    }
}

/// The requests botocore signs for the servers of `lookups`.
fn botocore_cases(lookups: Lookups) -> Vec<Value> {
    let api = format!("http://{}", api_with(lookups));
    let s3 = format!("http://{}", s3_with(lookups));
    vec![
        boto_case(
            "SigV4Auth",
            SERVICE,
            "GET",
            format!("{api}/whoami"),
            json!([]),
            "",
        ),
        boto_case(
            "SigV4Auth",
            SERVICE,
            "GET",
            format!("{api}/a%20b/%E1%88%B4/c+d/%2B"),
            json!([["q", "a b+c"], ["ሴ", "é"], ["q", "again"]]),
            "",
        ),
        boto_case(
            "SigV4Auth",
            SERVICE,
            "POST",
            format!("{api}/echo"),
            json!([]),
            r#"{"name":"widget"}"#,
        ),
        boto_case(
            "SigV4Auth",
            SERVICE,
            "GET",
            format!("{api}/reserved/!$'()*,;=:@"),
            json!([["slash", "/?#[]"]]),
            "",
        ),
        boto_case(
            "SigV4QueryAuth",
            SERVICE,
            "GET",
            format!("{api}/whoami"),
            json!([]),
            "",
        ),
        boto_case(
            "SigV4QueryAuth",
            SERVICE,
            "GET",
            format!("{api}/a%20b/%E1%88%B4"),
            json!([["k", "v w"]]),
            "",
        ),
        boto_case(
            "S3SigV4Auth",
            "s3",
            "PUT",
            format!("{s3}/echo"),
            json!([]),
            "object body",
        ),
        boto_case(
            "S3SigV4Auth",
            "s3",
            "GET",
            format!("{s3}/bucket/key%20with%20spaces/%E6%97%A5%E6%9C%AC%2Bplus"),
            json!([["prefix", "photos/2024 trip/"]]),
            "",
        ),
        boto_case(
            "S3SigV4QueryAuth",
            "s3",
            "GET",
            format!("{s3}/bucket/presigned%20key"),
            json!([]),
            "",
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// The negative suite: each case names the request, the status and the AWS code
// ---------------------------------------------------------------------------------------

struct Case {
    name: &'static str,
    server: fn(Lookups) -> SocketAddr,
    build: fn(SocketAddr) -> Vec<u8>,
    status: u16,
    code: &'static str,
}

fn malformed_authorization(addr: SocketAddr, value: &str) -> Vec<u8> {
    let mut req = signed(addr, "GET", "/whoami", &[], b"");
    header(&mut req, "authorization", value.as_bytes());
    raw(&req)
}

fn presign_without(addr: SocketAddr, param: &'static str) -> Vec<u8> {
    let mut req = presigned(addr, "/whoami", 60, Duration::ZERO);
    edit_query(&mut req, |k, v| (k != param).then(|| format!("{k}={v}")));
    raw(&req)
}

fn presign_expires(addr: SocketAddr, value: &'static str) -> Vec<u8> {
    let mut req = presigned(addr, "/whoami", 60, Duration::ZERO);
    edit_query(&mut req, |k, v| {
        Some(if k == "X-Amz-Expires" {
            format!("{k}={value}")
        } else {
            format!("{k}={v}")
        })
    });
    raw(&req)
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "tampered signature",
            server: api_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let mut r = signed(a, "GET", "/whoami", &[], b"");
                let value = flip_last(&authorization(&r));
                header(&mut r, "authorization", value.as_bytes());
                raw(&r)
            },
        },
        Case {
            name: "tampered path",
            server: api_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let r = signed(a, "GET", "/items/1", &[], b"");
                String::from_utf8(raw(&r))
                    .unwrap()
                    .replacen("/items/1", "/items/2", 1)
                    .into_bytes()
            },
        },
        Case {
            name: "tampered query value",
            server: api_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let mut r = signed(a, "GET", "/items?limit=10", &[], b"");
                edit_query(&mut r, |k, _| Some(format!("{k}=11")));
                raw(&r)
            },
        },
        Case {
            name: "query parameter added",
            server: api_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let mut r = signed(a, "GET", "/items?limit=10", &[], b"");
                set_query(&mut r, "limit=10&admin=true".into());
                raw(&r)
            },
        },
        Case {
            name: "tampered signed header",
            server: api_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let mut r = signed(a, "GET", "/whoami", &[("x-custom", "one")], b"");
                header(&mut r, "x-custom", b"two");
                raw(&r)
            },
        },
        Case {
            name: "tampered method",
            server: api_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let r = signed(a, "GET", "/whoami", &[], b"");
                String::from_utf8(raw(&r))
                    .unwrap()
                    .replacen("GET", "DELETE", 1)
                    .into_bytes()
            },
        },
        Case {
            name: "tampered body, no declared hash",
            server: api_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let mut r = signed(a, "POST", "/echo", &[], b"pay 10");
                *r.body_mut() = b"pay 99".to_vec();
                raw(&r)
            },
        },
        Case {
            name: "tampered body, declared hash",
            server: api_with,
            status: 400,
            code: "XAmzContentSHA256Mismatch",
            build: |a| {
                let mut r = signed_with(
                    &signer().content_sha256_header(true),
                    a,
                    "POST",
                    "/echo",
                    &[],
                    b"pay 10",
                    Duration::ZERO,
                );
                *r.body_mut() = b"pay 99".to_vec();
                raw(&r)
            },
        },
        Case {
            name: "unsigned x-amz-* header",
            server: api_with,
            status: 403,
            code: "AccessDenied",
            build: |a| {
                let mut r = signed(a, "PUT", "/echo", &[], b"");
                header(&mut r, "x-amz-copy-source", b"/other-bucket/secret");
                raw(&r)
            },
        },
        Case {
            name: "signed header absent",
            server: api_with,
            status: 403,
            code: "AccessDenied",
            build: |a| {
                let mut r = signed(a, "GET", "/whoami", &[("x-custom", "one")], b"");
                r.headers_mut().remove("x-custom");
                raw(&r)
            },
        },
        Case {
            name: "host not signed",
            server: api_with,
            status: 403,
            code: "AccessDenied",
            build: |a| {
                let r = signed(a, "GET", "/whoami", &[], b"");
                let value = authorization(&r)
                    .replace("SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date");
                malformed_authorization(a, &value)
            },
        },
        Case {
            name: "wrong secret",
            server: api_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let s = Signer::new(Credentials::new(AKID, "not-the-secret"), REGION, SERVICE);
                raw(&signed_with(
                    &s,
                    a,
                    "GET",
                    "/whoami",
                    &[],
                    b"",
                    Duration::ZERO,
                ))
            },
        },
        Case {
            name: "unknown access key",
            server: api_with,
            status: 403,
            code: "InvalidAccessKeyId",
            build: |a| {
                let s = Signer::new(Credentials::new("AKIDUNKNOWN", SECRET), REGION, SERVICE);
                raw(&signed_with(
                    &s,
                    a,
                    "GET",
                    "/whoami",
                    &[],
                    b"",
                    Duration::ZERO,
                ))
            },
        },
        Case {
            name: "scope date is not the X-Amz-Date day",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| {
                let r = signed(a, "GET", "/whoami", &[], b"");
                let today = now().date();
                let stamp = |d: time::Date| {
                    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
                };
                let other = today.previous_day().unwrap();
                let value = authorization(&r).replace(
                    &format!("/{}/", stamp(today)),
                    &format!("/{}/", stamp(other)),
                );
                malformed_authorization(a, &value)
            },
        },
        Case {
            name: "wrong region",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| {
                let s = Signer::new(Credentials::new(AKID, SECRET), "eu-west-1", SERVICE);
                raw(&signed_with(
                    &s,
                    a,
                    "GET",
                    "/whoami",
                    &[],
                    b"",
                    Duration::ZERO,
                ))
            },
        },
        Case {
            name: "wrong service",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| {
                let s = Signer::new(Credentials::new(AKID, SECRET), REGION, "s3");
                raw(&signed_with(
                    &s,
                    a,
                    "GET",
                    "/whoami",
                    &[],
                    b"",
                    Duration::ZERO,
                ))
            },
        },
        Case {
            name: "clock skew +6 minutes",
            server: api_with,
            status: 403,
            code: "RequestTimeTooSkewed",
            build: |a| {
                raw(&signed_with(
                    &signer(),
                    a,
                    "GET",
                    "/whoami",
                    &[],
                    b"",
                    Duration::minutes(6),
                ))
            },
        },
        Case {
            name: "clock skew -6 minutes",
            server: api_with,
            status: 403,
            code: "RequestTimeTooSkewed",
            build: |a| {
                raw(&signed_with(
                    &signer(),
                    a,
                    "GET",
                    "/whoami",
                    &[],
                    b"",
                    Duration::minutes(-6),
                ))
            },
        },
        Case {
            name: "presign expired",
            server: api_with,
            status: 403,
            code: "AccessDenied",
            build: |a| raw(&presigned(a, "/whoami", 3600, Duration::hours(-2))),
        },
        Case {
            name: "presign not yet valid",
            server: api_with,
            status: 403,
            code: "AccessDenied",
            build: |a| raw(&presigned(a, "/whoami", 3600, Duration::minutes(10))),
        },
        // A lifetime of zero seconds is read, as AWS reads it, and has expired.
        Case {
            name: "X-Amz-Expires 0",
            server: api_with,
            status: 403,
            code: "AccessDenied",
            build: |a| presign_expires(a, "0"),
        },
        Case {
            name: "X-Amz-Expires -1",
            server: api_with,
            status: 400,
            code: "AuthorizationQueryParametersError",
            build: |a| presign_expires(a, "-1"),
        },
        Case {
            name: "X-Amz-Expires 604801",
            server: api_with,
            status: 400,
            code: "AuthorizationQueryParametersError",
            build: |a| presign_expires(a, "604801"),
        },
        Case {
            name: "X-Amz-Expires abc",
            server: api_with,
            status: 400,
            code: "AuthorizationQueryParametersError",
            build: |a| presign_expires(a, "abc"),
        },
        Case {
            name: "presign without X-Amz-Algorithm",
            server: api_with,
            status: 400,
            code: "AuthorizationQueryParametersError",
            build: |a| presign_without(a, "X-Amz-Algorithm"),
        },
        Case {
            name: "presign without X-Amz-Credential",
            server: api_with,
            status: 400,
            code: "AuthorizationQueryParametersError",
            build: |a| presign_without(a, "X-Amz-Credential"),
        },
        Case {
            name: "presign without X-Amz-Date",
            server: api_with,
            status: 400,
            code: "AuthorizationQueryParametersError",
            build: |a| presign_without(a, "X-Amz-Date"),
        },
        Case {
            name: "presign without X-Amz-Expires",
            server: api_with,
            status: 400,
            code: "AuthorizationQueryParametersError",
            build: |a| presign_without(a, "X-Amz-Expires"),
        },
        Case {
            name: "presign without X-Amz-SignedHeaders",
            server: api_with,
            status: 400,
            code: "AuthorizationQueryParametersError",
            build: |a| presign_without(a, "X-Amz-SignedHeaders"),
        },
        Case {
            name: "presign without X-Amz-Signature",
            server: api_with,
            status: 400,
            code: "AuthorizationQueryParametersError",
            build: |a| presign_without(a, "X-Amz-Signature"),
        },
        Case {
            name: "presign with a tampered signature",
            server: api_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let mut r = presigned(a, "/whoami", 60, Duration::ZERO);
                edit_query(&mut r, |k, v| {
                    Some(if k == "X-Amz-Signature" {
                        format!("{k}={}", flip_last(v))
                    } else {
                        format!("{k}={v}")
                    })
                });
                raw(&r)
            },
        },
        Case {
            name: "header and query auth together",
            server: api_with,
            status: 400,
            code: "InvalidArgument",
            build: |a| {
                let mut r = presigned(a, "/whoami", 60, Duration::ZERO);
                let s = signed(a, "GET", "/whoami", &[], b"");
                header(&mut r, "authorization", authorization(&s).as_bytes());
                raw(&r)
            },
        },
        Case {
            name: "no authentication",
            server: api_with,
            status: 403,
            code: "AccessDenied",
            build: |a| raw(&request(a, "GET", "/whoami", &[], b"")),
        },
        Case {
            name: "Authorization: algorithm only",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| malformed_authorization(a, "AWS4-HMAC-SHA256"),
        },
        Case {
            name: "Authorization: Basic",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| malformed_authorization(a, "Basic dXNlcjpwYXNz"),
        },
        Case {
            name: "Authorization: SHA512",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| {
                let r = signed(a, "GET", "/whoami", &[], b"");
                malformed_authorization(
                    a,
                    &authorization(&r).replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
                )
            },
        },
        Case {
            name: "Authorization: four-part credential",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| {
                let r = signed(a, "GET", "/whoami", &[], b"");
                malformed_authorization(a, &authorization(&r).replace("/aws4_request", ""))
            },
        },
        Case {
            name: "Authorization: short signature",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| {
                let r = signed(a, "GET", "/whoami", &[], b"");
                let value = authorization(&r);
                malformed_authorization(a, &value[..value.len() - 2])
            },
        },
        Case {
            name: "Authorization: unknown component",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| {
                let r = signed(a, "GET", "/whoami", &[], b"");
                malformed_authorization(a, &format!("{}, Extra=1", authorization(&r)))
            },
        },
        Case {
            name: "Authorization: repeated component",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| {
                let r = signed(a, "GET", "/whoami", &[], b"");
                malformed_authorization(a, &format!("{}, SignedHeaders=host", authorization(&r)))
            },
        },
        Case {
            name: "Authorization: unsorted SignedHeaders",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| {
                let r = signed(a, "GET", "/whoami", &[], b"");
                malformed_authorization(
                    a,
                    &authorization(&r).replace(
                        "SignedHeaders=host;x-amz-date",
                        "SignedHeaders=x-amz-date;host",
                    ),
                )
            },
        },
        Case {
            name: "Authorization: not UTF-8",
            server: api_with,
            status: 400,
            code: "AuthorizationHeaderMalformed",
            build: |a| {
                let mut r = signed(a, "GET", "/whoami", &[], b"");
                let mut value = authorization(&r).into_bytes();
                value.extend_from_slice(b"\xe9\xff");
                header(&mut r, "authorization", &value);
                raw(&r)
            },
        },
        Case {
            name: "no X-Amz-Date nor Date",
            server: api_with,
            status: 403,
            code: "AccessDenied",
            build: |a| {
                let mut r = signed(a, "GET", "/whoami", &[], b"");
                r.headers_mut().remove("x-amz-date");
                let value = authorization(&r).replace("host;x-amz-date", "host");
                header(&mut r, "authorization", value.as_bytes());
                raw(&r)
            },
        },
        Case {
            name: "X-Amz-Date not a date",
            server: api_with,
            status: 403,
            code: "AccessDenied",
            build: |a| {
                let mut r = signed(a, "GET", "/whoami", &[], b"");
                header(&mut r, "x-amz-date", b"yesterday");
                raw(&r)
            },
        },
        Case {
            name: "x-amz-content-sha256 not a hash",
            server: api_with,
            status: 400,
            code: "InvalidArgument",
            build: |a| {
                raw(&signed(
                    a,
                    "PUT",
                    "/echo",
                    &[("x-amz-content-sha256", "abc")],
                    b"",
                ))
            },
        },
        Case {
            name: "x-amz-content-sha256 not UTF-8",
            server: api_with,
            status: 400,
            code: "InvalidArgument",
            build: |a| {
                let mut r = request(a, "PUT", "/echo", &[], b"");
                header(&mut r, "x-amz-content-sha256", b"\xe9\xe9");
                signer().sign(&mut r, Payload::Empty, now()).unwrap();
                raw(&r)
            },
        },
        Case {
            name: "aws-chunked without x-amz-decoded-content-length",
            server: api_with,
            status: 411,
            code: "MissingContentLength",
            build: |a| raw(&raw_chunked(a, Framing::Signed, b"0\r\n\r\n", None, None)),
        },
        Case {
            name: "aws-chunked trailer framing without x-amz-trailer",
            server: api_with,
            status: 400,
            code: "MalformedTrailerError",
            build: |a| {
                raw(&raw_chunked(
                    a,
                    Framing::UnsignedTrailer,
                    b"0\r\n\r\n",
                    Some(0),
                    None,
                ))
            },
        },
        Case {
            name: "aws-chunked tampered chunk",
            server: api_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let r = chunked(a, Framing::Signed, b"pay alice 10", 64, None);
                tamper_body(r, b"pay alice 10", b"pay mallory9")
            },
        },
        Case {
            name: "aws-chunked tampered unsigned chunk, checksum trailer",
            server: api_with,
            status: 400,
            code: "BadDigest",
            build: |a| {
                let r = chunked(
                    a,
                    Framing::UnsignedTrailer,
                    b"pay alice 10",
                    64,
                    Some(ChecksumAlgorithm::Crc32),
                );
                tamper_body(r, b"pay alice 10", b"pay mallory9")
            },
        },
        Case {
            name: "aws-chunked signed trailer changed",
            server: api_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let body = b"0123456789";
                let r = chunked(
                    a,
                    Framing::SignedTrailer,
                    body,
                    4,
                    Some(ChecksumAlgorithm::Sha256),
                );
                let good = checksum_base64(ChecksumAlgorithm::Sha256, body);
                let evil = checksum_base64(ChecksumAlgorithm::Sha256, b"9876543210");
                tamper_body(r, good.as_bytes(), evil.as_bytes())
            },
        },
        Case {
            name: "aws-chunked chunk larger than the limit",
            server: api_with,
            status: 400,
            code: "InvalidChunkSizeError",
            build: |a| {
                let body = b"1000001\r\nabcd\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
                raw(&raw_chunked(
                    a,
                    Framing::UnsignedTrailer,
                    body,
                    Some(4),
                    Some("x-amz-checksum-crc32"),
                ))
            },
        },
        Case {
            name: "aws-chunked body cut short",
            server: api_with,
            status: 400,
            code: "IncompleteBody",
            build: |a| {
                let body = b"4\r\nabcd\r\n4\r\nef";
                raw(&raw_chunked(
                    a,
                    Framing::UnsignedTrailer,
                    body,
                    Some(8),
                    Some("x-amz-checksum-crc32"),
                ))
            },
        },
        Case {
            name: "x-amz-checksum-crc32 header does not match",
            server: api_with,
            status: 400,
            code: "BadDigest",
            build: |a| {
                let crc = checksum_base64(ChecksumAlgorithm::Crc32, b"other");
                raw(&signed(
                    a,
                    "PUT",
                    "/echo",
                    &[("x-amz-checksum-crc32", crc.as_str())],
                    b"body",
                ))
            },
        },
        Case {
            name: "Content-MD5 does not match",
            server: api_with,
            status: 400,
            code: "BadDigest",
            build: |a| {
                let md5 = checksum_base64(ChecksumAlgorithm::ContentMd5, b"other");
                raw(&signed(
                    a,
                    "PUT",
                    "/echo",
                    &[("content-md5", md5.as_str())],
                    b"body",
                ))
            },
        },
        Case {
            name: "Content-MD5 not a digest",
            server: api_with,
            status: 400,
            code: "InvalidDigest",
            build: |a| {
                raw(&signed(
                    a,
                    "PUT",
                    "/echo",
                    &[("content-md5", "nope")],
                    b"body",
                ))
            },
        },
        Case {
            name: "x-amz-checksum-sha1 not a digest",
            server: api_with,
            status: 400,
            code: "InvalidRequest",
            build: |a| {
                raw(&signed(
                    a,
                    "PUT",
                    "/echo",
                    &[("x-amz-checksum-sha1", "AAAA")],
                    b"body",
                ))
            },
        },
        Case {
            name: "oversized header section",
            server: api_with,
            status: 400,
            code: "RequestHeaderSectionTooLarge",
            build: |a| {
                let big = "x".repeat(20 * 1024);
                raw(&signed(
                    a,
                    "GET",
                    "/whoami",
                    &[("x-custom", big.as_str())],
                    b"",
                ))
            },
        },
        Case {
            name: "body over the buffer limit (content-length)",
            server: api_with,
            status: 413,
            code: "EntityTooLarge",
            build: |a| {
                raw(&signed(
                    a,
                    "POST",
                    "/echo",
                    &[],
                    &vec![b'a'; 2 * BUFFER_LIMIT],
                ))
            },
        },
        Case {
            name: "body over the buffer limit (chunked)",
            server: api_with,
            status: 413,
            code: "EntityTooLarge",
            build: |a| {
                let body = vec![b'a'; 2 * BUFFER_LIMIT];
                let r = signed(
                    a,
                    "POST",
                    "/echo",
                    &[("transfer-encoding", "chunked")],
                    &body,
                );
                let mut bytes = raw(&http::Request::from_parts(r.into_parts().0, Vec::new()));
                bytes.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
                bytes.extend_from_slice(&body);
                bytes.extend_from_slice(b"\r\n0\r\n\r\n");
                bytes
            },
        },
        Case {
            name: "key store unavailable",
            server: api_with,
            status: 503,
            code: "ServiceUnavailable",
            build: |a| {
                let s = Signer::new(Credentials::new("AKIDUNAVAILABLE", SECRET), REGION, SERVICE);
                raw(&signed_with(
                    &s,
                    a,
                    "GET",
                    "/whoami",
                    &[],
                    b"",
                    Duration::ZERO,
                ))
            },
        },
        Case {
            name: "key store failing",
            server: api_with,
            status: 500,
            code: "InternalError",
            build: |a| {
                let s = Signer::new(Credentials::new("AKIDBROKEN", SECRET), REGION, SERVICE);
                raw(&signed_with(
                    &s,
                    a,
                    "GET",
                    "/whoami",
                    &[],
                    b"",
                    Duration::ZERO,
                ))
            },
        },
        Case {
            name: "UNSIGNED-PAYLOAD refused by policy",
            server: strict_with,
            status: 403,
            code: "AccessDenied",
            build: |a| {
                let mut r = request(a, "PUT", "/echo", &[], b"some body");
                signer()
                    .content_sha256_header(true)
                    .sign(&mut r, Payload::Unsigned, now())
                    .unwrap();
                raw(&r)
            },
        },
        Case {
            name: "S3 mode: header auth without x-amz-content-sha256",
            server: s3_with,
            status: 400,
            code: "InvalidRequest",
            build: |a| {
                let s = Signer::new(Credentials::new(AKID, SECRET), REGION, "s3")
                    .settings(countersign::core::SigningSettings::s3());
                raw(&signed_with(
                    &s,
                    a,
                    "GET",
                    "/bucket/key",
                    &[],
                    b"",
                    Duration::ZERO,
                ))
            },
        },
        Case {
            name: "S3 mode: path encoded differently than signed",
            server: s3_with,
            status: 403,
            code: "SignatureDoesNotMatch",
            build: |a| {
                let s = Signer::new(Credentials::new(AKID, SECRET), REGION, "s3").s3();
                let r = signed_with(&s, a, "GET", "/bucket/a+b", &[], b"", Duration::ZERO);
                String::from_utf8(raw(&r))
                    .unwrap()
                    .replacen("/bucket/a+b", "/bucket/a%20b", 1)
                    .into_bytes()
            },
        },
    ]
}

#[test]
fn negative_suite_answers_each_case_with_its_status_and_code() {
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for lookups in BOTH {
        for case in &cases {
            let addr = (case.server)(lookups);
            let answer = send_raw(addr, &(case.build)(addr));
            if (answer.status, answer.code().as_str()) != (case.status, case.code) {
                failures.push(format!(
                    "{} ({lookups:?}): expected {} {}, got {} {}",
                    case.name, case.status, case.code, answer.status, answer.body
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        2 * cases.len(),
        failures.join("\n")
    );
}

#[test]
fn skew_within_the_window_is_accepted() {
    for minutes in [-4, 4] {
        let answer = send(
            api(),
            &signed_with(
                &signer(),
                api(),
                "GET",
                "/whoami",
                &[],
                b"",
                Duration::minutes(minutes),
            ),
        );
        assert_eq!(answer.status, 200, "{minutes} min: {}", answer.body);
    }
}

#[test]
fn non_utf8_signed_header_value_is_canonicalized_as_bytes() {
    let mut r = request(api(), "GET", "/whoami", &[], b"");
    header(&mut r, "x-custom", b"caf\xe9");
    signer().sign(&mut r, Payload::Empty, now()).unwrap();
    let answer = send(api(), &r);
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[test]
fn debug_mode_echoes_the_canonical_request_and_string_to_sign() {
    let wrong = Signer::new(Credentials::new(AKID, "not-the-secret"), REGION, SERVICE);
    let mut r = request(debug(), "GET", "/whoami?b=2&a=1", &[], b"");
    let signed = wrong.sign(&mut r, Payload::Empty, now()).unwrap();
    let answer = send(debug(), &r);
    assert_eq!(answer.status, 403);
    assert_eq!(answer.code(), "SignatureDoesNotMatch");
    let unescape = |s: String| {
        s.replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
    };
    assert_eq!(
        between(&answer.body, "<CanonicalRequest>", "</CanonicalRequest>").map(unescape),
        Some(signed.canonical_request)
    );
    assert_eq!(
        between(&answer.body, "<StringToSign>", "</StringToSign>").map(unescape),
        Some(signed.string_to_sign)
    );
    assert!(answer.body.contains("<Hint>"), "{}", answer.body);

    // Without debug mode, none of that is shown.
    let answer = send(api(), &r);
    assert_eq!(answer.code(), "SignatureDoesNotMatch");
    assert!(
        !answer.body.contains("canonical_request") && !answer.body.contains("CanonicalRequest"),
        "{}",
        answer.body
    );
}

#[test]
fn debug_mode_names_the_skew() {
    let r = signed_with(
        &signer(),
        debug(),
        "GET",
        "/whoami",
        &[],
        b"",
        Duration::minutes(7),
    );
    let answer = send(debug(), &r);
    assert_eq!(answer.code(), "RequestTimeTooSkewed");
    assert!(
        answer.body.contains("ahead of the server"),
        "{}",
        answer.body
    );
}
