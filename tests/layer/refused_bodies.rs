//! The body of a refused request is read and dropped while the refusal is sent, up to the
//! layer's limit: a client that sends its whole body before it reads an answer (no
//! `Expect: 100-continue`, a browser posting a form) would otherwise have its connection
//! reset under it. A body known to be larger, or one the client waits to send, is left
//! unread. A body that goes past the buffer limit while the layer buffers it, or whose check
//! fails while it streams (an aws-chunked chunk's signature, a form's file over its policy's
//! size), is read on the same way before the refusal or the error. A body that fails to be
//! read is not read again.
//!
//! Each case runs twice: with a key store that has the key at hand (the layer refuses within
//! `call`) and with one that must be waited for (the layer refuses once its future is done).

use std::future::Future;
use std::pin::Pin;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::Router;
use countersign::client::{Credentials, Framing, Payload, Signer};
use countersign::server::keys::{KeyRequest, KeyStore, Lookup, MemoryKeyStore};
use countersign::server::{SigV4Layer, DEFAULT_DRAIN_LIMIT};
use http::{Request, StatusCode};
use time::OffsetDateTime;
use tower::ServiceExt;

use crate::bodies::{self, FailsOnce};
use crate::post_form::{self, form_request, multipart, own_form, POSTED};
use crate::{AKID, NOW, SECRET};

/// The frames bodies are sent in.
const FRAME: usize = 16 << 10;
const MIB: usize = 1 << 20;
/// The key store's two ways to answer.
const AT_ONCE: [bool; 2] = [true, false];

/// A store that answers at once (the layer refuses within `call`) or through a future (the
/// layer refuses once the future is done).
#[derive(Clone)]
struct Store {
    memory: MemoryKeyStore<()>,
    at_once: bool,
}

impl Store {
    fn new(at_once: bool) -> Self {
        let memory = MemoryKeyStore::new();
        memory.insert(AKID, SECRET, ());
        Store { memory, at_once }
    }
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

/// `layer`, reading at most `drain` bytes of a refused body (its default when `None`), its
/// clock at [`NOW`].
fn draining(layer: SigV4Layer<Store>, drain: Option<u64>) -> SigV4Layer<Store> {
    let layer = layer.clock(|| NOW);
    match drain {
        Some(limit) => layer.refused_body_drain(limit),
        None => layer,
    }
}

/// A bucket under the S3 rules: `PUT /bucket/key` answers without reading the body, `PUT
/// /bucket/read` reads it.
fn app(at_once: bool, drain: Option<u64>) -> Router {
    let layer = SigV4Layer::new(Store::new(at_once))
        .s3()
        .regions(["us-east-1"])
        .services(["s3"]);
    Router::new()
        .route("/bucket/key", put(|| async { "stored" }))
        .route("/bucket/read", put(read_all))
        .layer(draining(layer, drain))
}

/// An API under the layer's default rules (bodies without a declared hash buffered), whose
/// handler reads the body.
fn api_app(at_once: bool, drain: Option<u64>) -> Router {
    let layer = SigV4Layer::new(Store::new(at_once));
    Router::new()
        .route("/items", axum::routing::post(read_all))
        .layer(draining(layer, drain))
}

/// A POST of `body` to [`api_app`], without a declared hash and sent in HTTP chunks (its
/// size not told).
fn api_post_chunked(body: &[u8]) -> Request<()> {
    let mut request = Request::post("http://api.example/items")
        .header("host", "api.example")
        .header("transfer-encoding", "chunked")
        .body(())
        .unwrap();
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "execute-api")
        .sign(&mut request, Payload::Bytes(body), NOW)
        .unwrap();
    request
}

/// Reads the whole body; answers with its size, or with the code of the check that failed.
async fn read_all(body: Body) -> Response {
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes.len().to_string().into_response(),
        Err(e) => crate::refusal(&e),
    }
}

/// A PUT of `size` bytes to `/bucket/key` (`UNSIGNED-PAYLOAD`) signed for `akid` with
/// `secret` at `time`, with these extra headers.
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
    put_signed((AKID, "not-the-secret"), NOW, size, headers)
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
    let code = crate::common::aws_code(&text).unwrap_or(text);
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

/// A PUT signed with a wrong secret, of `size` bytes (told by the body when `size_told`), the
/// client waiting for `100 Continue` when `waits`, refused by a layer of drain limit `drain`:
/// the refusal is `SignatureDoesNotMatch`, and `read` is what is read of the body.
async fn assert_refused_upload_read(
    drain: Option<u64>,
    (size, size_told, waits): (usize, bool, bool),
    read: Read,
) {
    for at_once in AT_ONCE {
        let headers: &[(&str, &str)] = match waits {
            true => &[("expect", "100-continue")],
            false => &[],
        };
        let request = put_wrongly_signed(size, headers);
        let (status, code, got) = exchange(app(at_once, drain), request, size, size_told).await;
        let case = format!("key found at once: {at_once}: read {got} of {size}");
        assert_eq!(status, StatusCode::FORBIDDEN, "{case}");
        assert_eq!(code, "SignatureDoesNotMatch", "{case}");
        match read {
            Read::Whole => assert_eq!(got, size, "{case}"),
            Read::Nothing => assert_eq!(got, 0, "{case}"),
            Read::UpTo(limit) => assert!(got >= limit && got <= limit + FRAME, "{case}"),
        }
    }
}

/// One test per refused upload: the drain limit (the default when `None`), the body's size,
/// whether it is told, whether the client waits to send it, and what is read of it.
macro_rules! refused_uploads {
    ($($name:ident: $drain:expr, ($size:expr, $told:expr, $waits:expr) => $read:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                assert_refused_upload_read($drain, ($size, $told, $waits), $read).await;
            }
        )*
    };
}

refused_uploads! {
    a_body_of_told_size_within_the_default_limit_is_read_whole:
        None, (3 * MIB, true, false) => Read::Whole;
    a_body_of_untold_size_within_the_default_limit_is_read_whole:
        None, (3 * MIB, false, false) => Read::Whole;
    a_body_found_larger_than_the_default_limit_is_given_up_at_it:
        None, (DEFAULT_DRAIN_LIMIT as usize + MIB, false, false) =>
        Read::UpTo(DEFAULT_DRAIN_LIMIT as usize);
    a_body_the_client_waits_to_send_is_not_read:
        None, (3 * MIB, true, true) => Read::Nothing;
    a_body_told_larger_than_the_limit_is_not_read:
        Some(MIB as u64), (3 * MIB, true, false) => Read::Nothing;
    a_body_found_larger_than_the_limit_is_given_up_at_it:
        Some(MIB as u64), (3 * MIB, false, false) => Read::UpTo(MIB);
    a_body_is_not_read_with_no_draining:
        Some(0), (3 * MIB, false, false) => Read::Nothing;
}

/// `request` refused with `expected_code` (a 4xx), every byte of its 256 KiB body read.
async fn assert_rest_read(request: Request<()>, expected_code: &str) {
    let size = 256 << 10;
    for at_once in AT_ONCE {
        let (status, code, read) = exchange(app(at_once, None), request.clone(), size, false).await;
        let case = format!("key found at once: {at_once}");
        assert_eq!(code, expected_code, "{case}");
        assert!(status.is_client_error(), "{case}");
        assert_eq!(read, size, "{case}");
    }
}

#[tokio::test]
async fn a_request_without_authentication_has_its_rest_read() {
    // Refused before the key lookup.
    let unsigned = Request::put("http://bucket.example/bucket/key")
        .header("host", "bucket.example")
        .body(())
        .unwrap();
    assert_rest_read(unsigned, "AccessDenied").await;
}

#[tokio::test]
async fn a_request_dated_outside_the_window_has_its_rest_read() {
    // Refused before the key lookup.
    let stale = put_signed(
        (AKID, SECRET),
        NOW - time::Duration::hours(1),
        256 << 10,
        &[],
    );
    assert_rest_read(stale, "RequestTimeTooSkewed").await;
}

#[tokio::test]
async fn a_request_with_an_unknown_key_has_its_rest_read() {
    let unknown = put_signed(("AKIDUNKNOWN", SECRET), NOW, 256 << 10, &[]);
    assert_rest_read(unknown, "InvalidAccessKeyId").await;
}

#[tokio::test]
async fn an_accepted_requests_body_is_left_to_its_handler() {
    // The handler ignores the body, and nothing reads it.
    let size = 256 << 10;
    for at_once in AT_ONCE {
        let request = put_signed((AKID, SECRET), NOW, size, &[]);
        let (status, answer, read) = exchange(app(at_once, None), request, size, false).await;
        assert_eq!((status, answer.as_str()), (StatusCode::OK, "stored"));
        assert_eq!(read, 0);
    }
}

/// An aws-chunked upload of 3 MiB in 64 KiB chunks whose first chunk's signature was changed,
/// to `/bucket/read` through a layer of drain limit `drain`, its size told when `size_told`:
/// the handler sees the failed check only once `read` of the rest was read (within the first
/// chunk and a frame).
async fn assert_tampered_chunks_read(drain: Option<u64>, size_told: bool, read: Read) {
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
            NOW,
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
    for at_once in AT_ONCE {
        let (status, answer, got) = bodies::exchange(
            app(at_once, drain),
            request.clone(),
            &encoded,
            FRAME,
            size_told,
        )
        .await;
        let case = format!("key found at once: {at_once}: read {got}");
        assert_eq!(status, StatusCode::FORBIDDEN, "{case}");
        assert!(
            answer.contains("<Code>SignatureDoesNotMatch</Code>"),
            "{case}"
        );
        match read {
            Read::Whole => assert_eq!(got, encoded.len(), "{case}"),
            Read::UpTo(limit) => assert!(got >= limit && got <= limit + first_chunk, "{case}"),
            Read::Nothing => unreachable!("the first chunk is always read"),
        }
    }
}

#[tokio::test]
async fn a_tampered_chunk_of_told_size_within_the_default_limit_is_read_on_whole() {
    assert_tampered_chunks_read(None, true, Read::Whole).await;
}

#[tokio::test]
async fn a_tampered_chunk_is_read_on_up_to_the_limit() {
    assert_tampered_chunks_read(Some(1 << 20), false, Read::UpTo(1 << 20)).await;
}

#[tokio::test]
async fn a_tampered_chunk_told_larger_than_the_limit_is_not_read_on() {
    assert_tampered_chunks_read(Some(1 << 20), true, Read::UpTo(0)).await;
}

#[tokio::test]
async fn a_tampered_chunk_is_not_read_on_with_no_draining() {
    assert_tampered_chunks_read(Some(0), false, Read::UpTo(0)).await;
}

/// A body without a declared hash (buffered to be hashed) of 3 MiB, past the buffer limit
/// (1 MiB), through a layer of drain limit `drain`: between `least` and `most` bytes are read
/// before the 413.
async fn assert_over_buffer_limit_read(drain: Option<u64>, least: usize, most: usize) {
    let data = vec![b'x'; 3 * MIB];
    let request = api_post_chunked(&data);
    for at_once in AT_ONCE {
        let app = api_app(at_once, drain);
        let (status, answer, read) =
            bodies::exchange(app, request.clone(), &data, FRAME, false).await;
        let case = format!("key found at once: {at_once}: read {read}");
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{case}: {answer}");
        assert!(answer.contains("EntityTooLarge"), "{case}: {answer}");
        assert!(read >= least && read <= most, "{case}");
    }
}

#[tokio::test]
async fn a_body_over_the_buffer_limit_is_read_on_whole_within_the_default_limit() {
    assert_over_buffer_limit_read(None, 3 * MIB, 3 * MIB).await;
}

#[tokio::test]
async fn a_body_over_the_buffer_limit_is_read_on_up_to_the_limit() {
    assert_over_buffer_limit_read(Some(MIB as u64), 2 * MIB, 2 * MIB + 2 * FRAME).await;
}

#[tokio::test]
async fn a_body_over_the_buffer_limit_is_not_read_on_with_no_draining() {
    assert_over_buffer_limit_read(Some(0), MIB, MIB + FRAME).await;
}

/// `request`, its body failing at its first read (`FailsOnce` panics at a second), sent
/// through `app` for each way the store answers: refused with `expected` (a 4xx).
async fn assert_not_read_again(app: impl Fn(bool) -> Router, request: Request<()>, expected: &str) {
    for at_once in AT_ONCE {
        let request = request.clone().map(|()| FailsOnce::body());
        let response = app(at_once).oneshot(request).await.unwrap();
        let status = response.status();
        let answer = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let answer = String::from_utf8_lossy(&answer);
        let case = format!("key found at once: {at_once}: {answer}");
        assert!(status.is_client_error(), "{case}");
        assert!(answer.contains(expected), "{case}");
    }
}

#[tokio::test]
async fn a_body_that_fails_while_the_layer_buffers_it_is_not_read_again() {
    let buffered = api_post_chunked(b"{}");
    assert_not_read_again(|at_once| api_app(at_once, None), buffered, "IncompleteBody").await;
}

#[tokio::test]
async fn a_body_that_fails_while_the_handler_reads_it_as_aws_chunked_is_not_read_again() {
    let mut chunked = Request::put("http://bucket.example/bucket/read")
        .header("host", "bucket.example")
        .body(())
        .unwrap();
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "s3")
        .s3()
        .sign_chunked(&mut chunked, Framing::Signed, 1 << 20, 64 << 10, None, NOW)
        .unwrap();
    assert_not_read_again(|at_once| app(at_once, None), chunked, "IncompleteBody").await;
}

#[tokio::test]
async fn a_body_that_fails_while_a_refusal_drains_it_is_not_read_again() {
    let refused = put_wrongly_signed(1 << 20, &[]);
    assert_not_read_again(
        |at_once| app(at_once, None),
        refused,
        "SignatureDoesNotMatch",
    )
    .await;
}

/// A form refused for its fields (its key outside its policy's prefix; a field repeated when
/// `repeated`) with a file of `file_size` bytes (its size told when `tell_size`), through a
/// layer of drain limit 1 MiB: refused with `status`, read to its end or not (`read_whole`),
/// and never past `most` bytes.
async fn assert_refused_form_read(
    (repeated, file_size, tell_size): (bool, usize, bool),
    (read_whole, most): (bool, usize),
    status: StatusCode,
) {
    let mut fields = own_form("2024-03-01T01:00:00Z", (0, 10 << 20));
    fields[0].1 = "elsewhere/${filename}".into();
    if repeated {
        fields.push(("x-amz-date".into(), "20240301T000000Z".into()));
    }
    let form = multipart(&fields, "f.bin", &vec![b'x'; file_size]);
    let total = form.len();
    let request = form_request("localhost", "/uploads", Body::empty()).map(|_| ());
    let app = post_form::app_draining(POSTED, 1 << 20);
    let (answer, text, read) = bodies::exchange(app, request, &form, 16 << 10, tell_size).await;
    assert_eq!(answer, status, "{file_size}");
    // The rest is read while the refusal is sent.
    assert!(crate::common::aws_code(&text).is_some(), "{text}");
    let case = format!("{file_size} bytes, size told: {tell_size}, read {read} of {total}");
    assert_eq!(read == total, read_whole, "{case}");
    assert!(read <= most, "{case}");
}

#[tokio::test]
async fn a_refused_form_of_untold_size_within_the_limit_is_read_whole() {
    let read = (true, 1 << 20);
    assert_refused_form_read((false, 600 << 10, false), read, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_refused_form_of_told_size_within_the_limit_is_read_whole() {
    let read = (true, 1 << 20);
    assert_refused_form_read((false, 600 << 10, true), read, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_refused_form_found_larger_than_the_limit_is_given_up() {
    let read = (false, (1 << 20) + (64 << 10));
    assert_refused_form_read((false, 3 << 20, false), read, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_refused_form_told_larger_than_the_limit_is_not_read_on() {
    let read = (false, 64 << 10);
    assert_refused_form_read((false, 3 << 20, true), read, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_form_refused_while_its_fields_are_read_is_read_whole() {
    let read = (true, 1 << 20);
    assert_refused_form_read((true, 600 << 10, false), read, StatusCode::BAD_REQUEST).await;
}

/// A form whose file (3 MiB) is larger than its policy allows (1000 bytes), through a layer
/// of drain limit `drain`: the handler sees `EntityTooLarge` once the rest was read up to the
/// limit, or whole when `read_whole`.
async fn assert_file_too_large_read(drain: u64, read_whole: bool) {
    let fields = own_form("2024-03-01T01:00:00Z", (0, 1000));
    let form = multipart(&fields, "f.bin", &vec![b'x'; 3 << 20]);
    let request = form_request("localhost", "/uploads", Body::empty()).map(|_| ());
    let app = post_form::app_draining(POSTED, drain);
    let (status, answer, read) = bodies::exchange(app, request, &form, FRAME, false).await;
    let case = format!("limit {drain}: read {read} of {}", form.len());
    assert_eq!(
        (status, crate::common::aws_code(&answer).as_deref()),
        (StatusCode::BAD_REQUEST, Some("EntityTooLarge")),
        "{case}"
    );
    if read_whole {
        assert_eq!(read, form.len(), "{case}");
    } else {
        // The fields and the file's first frame, then the limit (within a frame).
        assert!(read >= drain as usize, "{case}");
        assert!(read <= drain as usize + 3 * FRAME, "{case}");
    }
}

#[tokio::test]
async fn a_form_file_too_large_is_read_on_whole_within_the_default_limit() {
    assert_file_too_large_read(DEFAULT_DRAIN_LIMIT, true).await;
}

#[tokio::test]
async fn a_form_file_too_large_is_read_on_up_to_the_limit() {
    assert_file_too_large_read(1 << 20, false).await;
}

#[tokio::test]
async fn a_form_file_too_large_is_not_read_on_with_no_draining() {
    assert_file_too_large_read(0, false).await;
}

#[tokio::test]
async fn a_form_that_fails_to_be_read_is_not_read_again() {
    let request = form_request("localhost", "/uploads", FailsOnce::body());
    let response = post_form::app(POSTED).oneshot(request).await.unwrap();
    let answer = crate::read(response).await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "IncompleteBody");
}
