//! The verification layer on real servers in this process (axum on loopback, port 0), each
//! started once and shared by the tests: the API (default rules, JSON errors), the same
//! refusing unsigned payloads, an S3-style server (S3 rules and XML errors), and the API in
//! debug mode. Each runs twice, with a key store that answers at once (the layer verifies
//! within `call`) and one that must be waited for. Requests are written by hand on a socket,
//! so that a test can send what `http` would refuse to build.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use countersign::client::{ChecksumAlgorithm, Credentials, Framing, Payload, Signer};
use countersign::server::keys::{KeyRequest, KeyStore, Lookup, MemoryKeyStore, StoreError};
use countersign::server::{ErrorFormat, SigV4Layer, Verified};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use crate::common;

pub(crate) const AKID: &str = "AKIDEXAMPLE";
pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
pub(crate) const REGION: &str = "us-east-1";
pub(crate) const SERVICE: &str = "execute-api";
pub(crate) const BUFFER_LIMIT: usize = 1024;

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
pub(crate) enum Lookups {
    /// Through a future the layer waits for.
    Waiting,
    /// At once, so the layer verifies within `call`.
    AtOnce,
}

pub(crate) const BOTH: [Lookups; 2] = [Lookups::Waiting, Lookups::AtOnce];

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
        Err(e) => match common::body_error(&e) {
            Some(b) => (
                b.status(),
                Json(json!({"code": b.code(), "message": b.to_string()})),
            )
                .into_response(),
            None => (
                StatusCode::BAD_REQUEST,
                Json(json!({"code": "IncompleteBody"})),
            )
                .into_response(),
        },
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
pub(crate) fn api_with(lookups: Lookups) -> SocketAddr {
    static SERVERS: [OnceLock<SocketAddr>; 2] = [OnceLock::new(), OnceLock::new()];
    started(&SERVERS, lookups, |store| app(layer(store)))
}

pub(crate) fn api() -> SocketAddr {
    api_with(Lookups::Waiting)
}

/// The same, refusing UNSIGNED-PAYLOAD bodies.
pub(crate) fn strict_with(lookups: Lookups) -> SocketAddr {
    static SERVERS: [OnceLock<SocketAddr>; 2] = [OnceLock::new(), OnceLock::new()];
    started(&SERVERS, lookups, |store| {
        app(layer(store).allow_unsigned_payload(false))
    })
}

/// An S3-style server: S3 rules, S3 XML errors.
pub(crate) fn s3_with(lookups: Lookups) -> SocketAddr {
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
pub(crate) fn debug() -> SocketAddr {
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

/// What a server answered.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: String,
}

impl Answer {
    /// The AWS code in a JSON or S3 XML error body.
    pub(crate) fn code(&self) -> String {
        common::aws_code(&self.body).unwrap_or_default()
    }

    /// The body, JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub(crate) fn send_raw(addr: SocketAddr, raw: &[u8]) -> Answer {
    let response = common::exchange(addr, raw);
    Answer {
        status: response.status,
        body: String::from_utf8_lossy(&response.body).into_owned(),
    }
}

/// Writes a request as HTTP/1.1 bytes, with `Connection: close`.
pub(crate) fn raw(request: &http::Request<Vec<u8>>) -> Vec<u8> {
    common::raw_http(request)
}

pub(crate) fn send(addr: SocketAddr, request: &http::Request<Vec<u8>>) -> Answer {
    send_raw(addr, &raw(request))
}

// ---------------------------------------------------------------------------------------
// Signing helpers
// ---------------------------------------------------------------------------------------

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub(crate) fn signer() -> Signer {
    Signer::new(Credentials::new(AKID, SECRET), REGION, SERVICE)
}

pub(crate) fn request(
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
pub(crate) fn signed_with(
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

pub(crate) fn signed(
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
pub(crate) fn presigned(
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

pub(crate) fn set_query(req: &mut http::Request<Vec<u8>>, query: String) {
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

pub(crate) fn edit_query(
    req: &mut http::Request<Vec<u8>>,
    edit: impl Fn(&str, &str) -> Option<String>,
) {
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

pub(crate) fn header(req: &mut http::Request<Vec<u8>>, name: &'static str, value: &[u8]) {
    req.headers_mut().insert(
        name,
        http::HeaderValue::from_bytes(value).expect("header value"),
    );
}

pub(crate) fn authorization(req: &http::Request<Vec<u8>>) -> String {
    req.headers()["authorization"]
        .to_str()
        .expect("ascii")
        .to_string()
}

/// Replaces the last hex digit of the signature.
pub(crate) fn flip_last(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if let Some(c) = chars.last_mut() {
        *c = if *c == '0' { '1' } else { '0' };
    }
    chars.into_iter().collect()
}

/// An aws-chunked PUT to /echo in `framing`, chunks of `chunk` bytes.
pub(crate) fn chunked(
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
pub(crate) fn tamper_body(mut req: http::Request<Vec<u8>>, from: &[u8], to: &[u8]) -> Vec<u8> {
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
pub(crate) fn raw_chunked(
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

/// A GET of /whoami signed by `signer`, `offset` from now, as bytes.
pub(crate) fn whoami_signed_by(addr: SocketAddr, signer: &Signer, offset: Duration) -> Vec<u8> {
    raw(&signed_with(
        signer,
        addr,
        "GET",
        "/whoami",
        &[],
        b"",
        offset,
    ))
}

/// A GET of /whoami signed now with `key` (access key id, secret) for `scope` (region,
/// service), as bytes.
pub(crate) fn whoami_by(
    addr: SocketAddr,
    (access_key_id, secret): (&str, &str),
    (region, service): (&str, &str),
) -> Vec<u8> {
    let signer = Signer::new(Credentials::new(access_key_id, secret), region, service);
    whoami_signed_by(addr, &signer, Duration::ZERO)
}

/// A valid GET of /whoami with its `Authorization` replaced by `value`.
pub(crate) fn malformed_authorization(addr: SocketAddr, value: &str) -> Vec<u8> {
    let mut req = signed(addr, "GET", "/whoami", &[], b"");
    header(&mut req, "authorization", value.as_bytes());
    raw(&req)
}

/// A presigned GET of /whoami without its parameter `param`.
pub(crate) fn presign_without(addr: SocketAddr, param: &'static str) -> Vec<u8> {
    let mut req = presigned(addr, "/whoami", 60, Duration::ZERO);
    edit_query(&mut req, |k, v| (k != param).then(|| format!("{k}={v}")));
    raw(&req)
}

/// A presigned GET of /whoami with `X-Amz-Expires` set to `value`.
pub(crate) fn presign_expires(addr: SocketAddr, value: &'static str) -> Vec<u8> {
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

/// Sends what `build` makes for each server of `server` (one per way its store answers) and
/// checks that it is refused with `status` and the AWS `code`.
pub(crate) fn assert_refused(
    server: fn(Lookups) -> SocketAddr,
    (status, code): (u16, &str),
    build: impl Fn(SocketAddr) -> Vec<u8>,
) {
    for lookups in BOTH {
        let addr = server(lookups);
        let answer = send_raw(addr, &build(addr));
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (status, code),
            "{lookups:?}: {}",
            answer.body
        );
    }
}

/// One test per refused request: `name: server => status code, |addr| raw request` sends the
/// raw request built for each server `server(lookups)` makes and checks the refusal.
macro_rules! refused {
    ($(
        $(#[$doc:meta])*
        $name:ident: $server:ident => $status:literal $code:literal, |$addr:ident| $build:expr;
    )*) => {
        $(
            $(#[$doc])*
            #[test]
            fn $name() {
                $crate::api_server::assert_refused(
                    $crate::api_server::$server,
                    ($status, $code),
                    |$addr| $build,
                );
            }
        )*
    };
}
