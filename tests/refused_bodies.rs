//! The body of a refused request is read and dropped while the refusal is sent, up to the
//! layer's limit: a client that sends its whole body before it reads an answer (no
//! `Expect: 100-continue`) would otherwise have its connection reset under it. A body known to
//! be larger, or one the client waits to send, is left unread. A body that goes past the
//! buffer limit while the layer buffers it, or whose check fails while it streams (an
//! aws-chunked chunk's signature), is read on the same way before the refusal or the error.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::future::Future;
use std::pin::Pin;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::Router;
use common::bodies::{self, FailsOnce};
use countersign::client::{Credentials, Framing, Payload, Signer};
use countersign::server::keys::{KeyRequest, KeyStore, Lookup, MemoryKeyStore};
use countersign::server::{BodyError, SigV4Layer, DEFAULT_DRAIN_LIMIT};
use http::{Request, StatusCode};
use time::OffsetDateTime;
use tower::ServiceExt;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const FRAME: usize = 16 << 10;

/// A store that answers at once (the layer refuses within `call`) or through a future (the
/// layer refuses once the future is done).
#[derive(Clone)]
struct Store {
    memory: MemoryKeyStore<()>,
    at_once: bool,
}

impl KeyStore for Store {
    type Principal = ();
    type Future = Pin<Box<dyn Future<Output = Lookup<()>> + Send>>;

    fn lookup(&self, request: KeyRequest) -> Self::Future {
        let found = self.memory.get(request.access_key_id());
        Box::pin(async move {
            tokio::task::yield_now().await;
            Ok(found)
        })
    }

    fn lookup_now(&self, request: &KeyRequest) -> Option<Lookup<()>> {
        self.at_once
            .then(|| Ok(self.memory.get(request.access_key_id())))
    }
}

fn app(at_once: bool, drain: Option<u64>) -> Router {
    let memory = MemoryKeyStore::new();
    memory.insert(AKID, SECRET, ());
    let mut layer = SigV4Layer::new(Store { memory, at_once })
        .s3()
        .regions(["us-east-1"])
        .services(["s3"]);
    if let Some(limit) = drain {
        layer = layer.refused_body_drain(limit);
    }
    Router::new()
        .route("/bucket/key", put(|| async { "stored" }))
        .route("/bucket/read", put(read_all))
        .layer(layer)
}

/// An API under the layer's default rules (bodies without a declared hash buffered), whose
/// handler reads the body.
fn api_app(at_once: bool, drain: Option<u64>) -> Router {
    let memory = MemoryKeyStore::new();
    memory.insert(AKID, SECRET, ());
    let mut layer = SigV4Layer::new(Store { memory, at_once });
    if let Some(limit) = drain {
        layer = layer.refused_body_drain(limit);
    }
    Router::new()
        .route("/items", axum::routing::post(read_all))
        .layer(layer)
}

/// A POST of `body` to [`api_app`], signed now, without a declared hash and sent in HTTP
/// chunks (its size not told).
fn api_post_chunked(body: &[u8]) -> Request<()> {
    let mut request = Request::post("http://api.example/items")
        .header("host", "api.example")
        .header("transfer-encoding", "chunked")
        .body(())
        .unwrap();
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "execute-api")
        .sign(
            &mut request,
            Payload::Bytes(body),
            OffsetDateTime::now_utc(),
        )
        .unwrap();
    request
}

/// Reads the whole body; answers with its size, or with the code of the check that failed.
async fn read_all(body: Body) -> Response {
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes.len().to_string().into_response(),
        Err(e) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(err) = source {
                if let Some(b) = err.downcast_ref::<BodyError>() {
                    return (b.status(), format!("<Code>{}</Code>", b.code())).into_response();
                }
                source = err.source();
            }
            (StatusCode::BAD_REQUEST, "<Code>unknown</Code>").into_response()
        }
    }
}

/// A PUT of `size` bytes signed for `akid` with `secret` at `time`, with these extra headers.
fn put_signed(
    (akid, secret): (&str, &str),
    time: OffsetDateTime,
    size: usize,
    headers: &[(&str, &str)],
) -> Request<()> {
    let mut builder = Request::put("http://bucket.example/bucket/key")
        .header("host", "bucket.example")
        .header("content-length", size.to_string());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(()).unwrap();
    Signer::new(Credentials::new(akid, secret), "us-east-1", "s3")
        .s3()
        .sign(&mut request, Payload::Unsigned, time)
        .unwrap();
    request
}

/// [`put_signed`] now, with a wrong secret.
fn put_wrongly_signed(size: usize, headers: &[(&str, &str)]) -> Request<()> {
    put_signed(
        (AKID, "not-the-secret"),
        OffsetDateTime::now_utc(),
        size,
        headers,
    )
}

/// Sends `request` with a body of `size` bytes; gives the answer's status, its error code
/// (its text when it has none), and how many bytes of the body were read.
async fn exchange(
    app: Router,
    request: Request<()>,
    size: usize,
    tell_size: bool,
) -> (StatusCode, String, usize) {
    let data = vec![b'x'; size];
    let (status, text, read) = bodies::exchange(app, request, &data, FRAME, tell_size).await;
    let code = text
        .split("<Code>")
        .nth(1)
        .and_then(|s| s.split("</Code>").next())
        .unwrap_or(&text)
        .to_string();
    (status, code, read)
}

/// How much of a refused body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    Whole,
    Nothing,
    /// Given up after the limit (within one frame past it).
    UpTo(usize),
}

/// One refused upload: the layer's drain limit (its default when `None`), the body, and what
/// should be read of it.
struct Case {
    name: &'static str,
    drain: Option<u64>,
    size: usize,
    size_told: bool,
    /// Whether the client waits for `100 Continue` before it sends the body.
    waits: bool,
    read: Read,
}

#[tokio::test]
async fn a_refused_body_is_read_within_the_limit_while_the_refusal_is_sent() {
    let (mib, default) = (1 << 20, DEFAULT_DRAIN_LIMIT as usize);
    let case = |name, drain, size, size_told, waits, read| Case {
        name,
        drain,
        size,
        size_told,
        waits,
        read,
    };
    let cases = [
        case(
            "default limit, size told",
            None,
            3 * mib,
            true,
            false,
            Read::Whole,
        ),
        case(
            "default limit, size not told",
            None,
            3 * mib,
            false,
            false,
            Read::Whole,
        ),
        case(
            "found larger than the default",
            None,
            default + mib,
            false,
            false,
            Read::UpTo(default),
        ),
        case(
            "the client waits to send",
            None,
            3 * mib,
            true,
            true,
            Read::Nothing,
        ),
        case(
            "told larger than the limit",
            Some(mib as u64),
            3 * mib,
            true,
            false,
            Read::Nothing,
        ),
        case(
            "found larger than the limit",
            Some(mib as u64),
            3 * mib,
            false,
            false,
            Read::UpTo(mib),
        ),
        case("no draining", Some(0), 3 * mib, false, false, Read::Nothing),
    ];
    for at_once in [true, false] {
        for case in &cases {
            let headers: &[(&str, &str)] = match case.waits {
                true => &[("expect", "100-continue")],
                false => &[],
            };
            let request = put_wrongly_signed(case.size, headers);
            let app = app(at_once, case.drain);
            let (status, code, read) = exchange(app, request, case.size, case.size_told).await;
            let size = case.size;
            let name = format!(
                "{} (key found at once: {at_once}): read {read} of {size}",
                case.name
            );
            assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
            assert_eq!(code, "SignatureDoesNotMatch", "{name}");
            match case.read {
                Read::Whole => assert_eq!(read, size, "{name}"),
                Read::Nothing => assert_eq!(read, 0, "{name}"),
                Read::UpTo(limit) => {
                    assert!(read >= limit && read <= limit + FRAME, "{name}")
                }
            }
        }
    }
}

/// Refusals before the key lookup (no authentication at all, a request dated outside the
/// window) and after it (an unknown access key) read the rest as well; an accepted request's
/// body is the handler's to read, not the layer's.
#[tokio::test]
async fn every_refusal_reads_the_rest_and_an_accepted_request_is_untouched() {
    let size = 256 << 10;
    let unsigned = Request::put("http://bucket.example/bucket/key")
        .header("host", "bucket.example")
        .body(())
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let stale = put_signed((AKID, SECRET), now - time::Duration::hours(1), size, &[]);
    let unknown = put_signed(("AKIDUNKNOWN", SECRET), now, size, &[]);
    for at_once in [true, false] {
        for (request, expected_code) in [
            (unsigned.clone(), "AccessDenied"),
            (stale.clone(), "RequestTimeTooSkewed"),
            (unknown.clone(), "InvalidAccessKeyId"),
        ] {
            let (status, code, read) = exchange(app(at_once, None), request, size, false).await;
            let case = format!("{expected_code} (key found at once: {at_once})");
            assert_eq!(code, expected_code, "{case}");
            assert!(status.is_client_error(), "{case}");
            assert_eq!(read, size, "{case}");
        }
        // Accepted: the handler ignores the body, and nothing reads it.
        let request = put_signed((AKID, SECRET), now, size, &[]);
        let (status, answer, read) = exchange(app(at_once, None), request, size, false).await;
        assert_eq!((status, answer.as_str()), (StatusCode::OK, "stored"));
        assert_eq!(read, 0);
    }
}

/// An aws-chunked upload of 3 MiB in 64 KiB chunks whose first chunk's signature was changed:
/// the handler sees the failed check only once the rest was read (up to the limit; none of
/// it when its size says it goes on past the limit).
#[tokio::test]
async fn a_body_failing_its_check_while_it_streams_is_read_on_first() {
    let decoded = vec![b'x'; 3 << 20];
    let mut request = Request::put("http://bucket.example/bucket/read")
        .header("host", "bucket.example")
        .body(())
        .unwrap();
    let mut encoder = Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "s3")
        .s3()
        .sign_chunked(
            &mut request,
            Framing::Signed,
            decoded.len() as u64,
            64 << 10,
            None,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
    let mut encoded = encoder.encode(&decoded);
    let marker = b"chunk-signature=";
    let at = encoded
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap()
        + marker.len();
    encoded[at] = if encoded[at] == b'0' { b'1' } else { b'0' };
    let first_chunk = 2 * (64 << 10) + FRAME;
    // (drain limit, size told, what is read)
    for (drain, size_told, expected) in [
        (None, true, Read::Whole),
        (Some(1 << 20), false, Read::UpTo(1 << 20)),
        (Some(1 << 20), true, Read::UpTo(0)),
        (Some(0), false, Read::UpTo(0)),
    ] {
        for at_once in [true, false] {
            let request = request.clone();
            let (status, answer, read) =
                bodies::exchange(app(at_once, drain), request, &encoded, FRAME, size_told).await;
            let case = format!(
                "limit {drain:?}, size told: {size_told} (key found at once: {at_once}): read {read}"
            );
            assert_eq!(status, StatusCode::FORBIDDEN, "{case}");
            assert!(
                answer.contains("<Code>SignatureDoesNotMatch</Code>"),
                "{case}"
            );
            match expected {
                Read::Whole => assert_eq!(read, encoded.len(), "{case}"),
                // The first chunk (within a frame), then the limit (within a frame).
                Read::UpTo(limit) => {
                    assert!(read >= limit && read <= limit + first_chunk, "{case}")
                }
                Read::Nothing => unreachable!(),
            }
        }
    }
}

/// A body without a declared hash (buffered to be hashed) that goes past the buffer limit
/// (1 MiB) while it is read: the rest is read and dropped, within the drain limit, before
/// the 413.
#[tokio::test]
async fn a_body_over_the_buffer_limit_is_read_on_before_its_refusal() {
    let size = 3 << 20;
    let mib = 1 << 20;
    let data = vec![b'x'; size];
    let request = api_post_chunked(&data);
    // (drain limit, what is read: at least, at most)
    for (drain, least, most) in [
        (None, size, size),
        (Some(mib as u64), 2 * mib, 2 * mib + 2 * FRAME),
        (Some(0), mib, mib + FRAME),
    ] {
        for at_once in [true, false] {
            let app = api_app(at_once, drain);
            let (status, answer, read) =
                bodies::exchange(app, request.clone(), &data, FRAME, false).await;
            let case = format!("limit {drain:?} (key found at once: {at_once}): read {read}");
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{case}: {answer}");
            assert!(answer.contains("EntityTooLarge"), "{case}: {answer}");
            assert!(read >= least && read <= most, "{case}");
        }
    }
}

/// A body that fails to be read is not read again, wherever the read fails: while the layer
/// buffers it, while the handler reads it as aws-chunked, or while a refusal drains it
/// (`FailsOnce` panics at a second read).
#[tokio::test]
async fn a_body_that_fails_to_be_read_is_not_read_again() {
    let now = OffsetDateTime::now_utc();
    let buffered = api_post_chunked(b"{}");
    let mut chunked = Request::put("http://bucket.example/bucket/read")
        .header("host", "bucket.example")
        .body(())
        .unwrap();
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "s3")
        .s3()
        .sign_chunked(&mut chunked, Framing::Signed, 1 << 20, 64 << 10, None, now)
        .unwrap();
    let refused = put_wrongly_signed(1 << 20, &[]);
    for at_once in [true, false] {
        for (app, request, expected) in [
            (api_app(at_once, None), buffered.clone(), "IncompleteBody"),
            (app(at_once, None), chunked.clone(), "IncompleteBody"),
            (app(at_once, None), refused.clone(), "SignatureDoesNotMatch"),
        ] {
            let request = request.map(|()| Body::new(FailsOnce::new()));
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let answer = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            let answer = String::from_utf8_lossy(&answer);
            let case = format!("{expected} (key found at once: {at_once}): {answer}");
            assert!(status.is_client_error(), "{case}");
            assert!(answer.contains(expected), "{case}");
        }
    }
}
