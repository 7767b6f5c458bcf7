//! The layer in-process (tower `oneshot`, a fixed clock), a module per feature: how a request
//! is signed in its header or its query, its scope and time, its signed headers and the host
//! it names, its payload and aws-chunked bodies, browser POST forms, the bounds on what it
//! may make the layer buffer, what is read of a refused body, the key store, replay
//! protection, and how refusals are rendered, observed and counted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

#[path = "../common/mod.rs"]
mod common;

mod bodies;

mod authorization;
mod aws_chunked;
mod bucket_policies;
mod condition_keys;
mod cors_preflight;
mod header_auth;
mod host;
mod key_store;
mod limits;
mod object_tags;
mod payload;
mod post_form;
mod presign;
mod refused_bodies;
mod rejections;
mod replay;
mod scope_and_time;
mod signed_headers;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use countersign::client::{Credentials, Payload, Signer};
use countersign::server::keys::{KeyStore, MemoryKeyStore};
use countersign::server::{SigV4Layer, Verified};
use http::{Request, StatusCode};
use time::macros::datetime;
use time::OffsetDateTime;
use tower::ServiceExt;

/// The access key id of [`keys`].
pub(crate) const AKID: &str = "AKIDEXAMPLE";
/// The secret of [`AKID`].
pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The time the layers of [`app`] read on their clock, and requests are signed at.
pub(crate) const NOW: OffsetDateTime = datetime!(2024-03-01 10:00:00 UTC);

/// A store of one key, [`AKID`] with [`SECRET`], whose principal is `alice`.
pub(crate) fn keys() -> MemoryKeyStore<String> {
    let keys = MemoryKeyStore::new();
    keys.insert(AKID, SECRET, "alice".to_string());
    keys
}

/// A router behind `layer`, its clock fixed at [`NOW`]: see [`app_at`].
pub(crate) fn app<K: KeyStore<Principal = String>>(layer: SigV4Layer<K>) -> Router {
    app_at(layer, NOW)
}

/// A router behind `layer`, its clock fixed at `now`: `GET /whoami` answers with the
/// principal, `GET /region` with the principal and the region it signed for, and every other
/// request reads its whole body and answers `PRINCIPAL read LENGTH`, or the status and code of
/// the layer's check that failed as the body was read.
pub(crate) fn app_at<K: KeyStore<Principal = String>>(
    layer: SigV4Layer<K>,
    now: OffsetDateTime,
) -> Router {
    Router::new()
        .route("/whoami", get(whoami))
        .route("/region", get(region))
        .fallback(any(read_all))
        .layer(layer.clock(move || now))
}

/// The principal.
pub(crate) async fn whoami(identity: Verified<String>) -> String {
    identity.principal
}

/// The principal and the region (or region set) it signed for.
async fn region(identity: Verified<String>) -> String {
    format!("{} {}", identity.principal, identity.region())
}

/// Reads the whole body: the principal and the body's length, or the layer's refusal.
async fn read_all(identity: Verified<String>, body: Body) -> Response {
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => format!("{} read {}", identity.principal, bytes.len()).into_response(),
        Err(e) => refusal(&e),
    }
}

/// The status and code of the layer's check that failed as a handler read its body, or a
/// 400 `IncompleteBody` when the body itself failed.
pub(crate) fn refusal(error: &axum::Error) -> Response {
    match common::body_error(error) {
        Some(b) => (b.status(), format!("<Code>{}</Code>", b.code())).into_response(),
        None => (StatusCode::BAD_REQUEST, "<Code>IncompleteBody</Code>").into_response(),
    }
}

/// A signer of [`AKID`] for `service` in us-east-1.
pub(crate) fn signer(service: &str) -> Signer {
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", service)
}

/// An S3 signer of [`AKID`] in us-east-1.
pub(crate) fn s3_signer() -> Signer {
    signer("s3").s3()
}

/// An unsigned GET of `uri` with `headers`: for requests signed, or made to look signed, by
/// hand.
pub(crate) fn unsigned_get(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::get(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

/// A GET of `uri` signed for `execute-api` by `access_key_id` with `secret` at [`NOW`], with
/// `headers` (signed too).
pub(crate) fn signed_get(
    (access_key_id, secret): (&str, &str),
    uri: &str,
    headers: &[(&str, &str)],
) -> Request<Body> {
    let mut request = unsigned_get(uri, headers);
    Signer::new(
        Credentials::new(access_key_id, secret),
        "us-east-1",
        "execute-api",
    )
    .sign(&mut request, Payload::Empty, NOW)
    .unwrap();
    request
}

/// A GET of `uri` signed by [`AKID`] at [`NOW`].
pub(crate) fn signed(uri: &str) -> Request<Body> {
    signed_get((AKID, SECRET), uri, &[])
}

/// What the layer, or the handler behind it, answered.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    /// The body, with the S3 XML escapes of quotes undone.
    pub(crate) text: String,
    pub(crate) retry_after: Option<String>,
}

impl Answer {
    /// The AWS code of an error answer, or the whole text of any other.
    pub(crate) fn code(&self) -> String {
        common::aws_code(&self.text).unwrap_or_else(|| self.text.clone())
    }

    /// Asserts the status and the whole text.
    #[track_caller]
    pub(crate) fn assert_is(&self, status: StatusCode, text: &str) {
        assert_eq!((self.status, self.text.as_str()), (status, text));
    }

    /// Asserts the status and the AWS code of a refusal.
    #[track_caller]
    pub(crate) fn assert_refused(&self, status: StatusCode, code: &str) {
        assert_eq!(
            (self.status, self.code().as_str()),
            (status, code),
            "{}",
            self.text
        );
    }

    /// Asserts that the text says `part`.
    #[track_caller]
    pub(crate) fn assert_says(&self, part: &str) {
        assert!(self.text.contains(part), "{part:?} not in {}", self.text);
    }
}

/// Sends `request` through `app` and reads the whole answer.
pub(crate) async fn answer(app: &Router, request: Request<Body>) -> Answer {
    read(app.clone().oneshot(request).await.unwrap()).await
}

/// Reads the whole of `response`.
pub(crate) async fn read(response: http::Response<Body>) -> Answer {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string());
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&body)
        .replace("&apos;", "'")
        .replace("&quot;", "\"");
    Answer {
        status,
        text,
        retry_after,
    }
}

/// Asserts that `app` refuses `request` with `status` and `code`.
pub(crate) async fn assert_refused(
    app: &Router,
    request: Request<Body>,
    status: StatusCode,
    code: &str,
) {
    answer(app, request).await.assert_refused(status, code);
}
