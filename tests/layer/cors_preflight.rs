//! `SigV4Layer::cors_preflight`: a browser's CORS preflight (an `OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`, no credentials, no body) reaches the service unsigned,
//! to be answered with CORS headers; nothing else does.

use axum::body::Body;
use axum::routing::any;
use axum::Router;
use countersign::server::keys::MemoryKeyStore;
use countersign::server::{SigV4Layer, Verified};
use http::{Method, Request, StatusCode};

use crate::{answer, keys, s3_signer, NOW};

/// What reached the service: the method, and who signed.
async fn reached(identity: Option<Verified<String>>, method: Method) -> String {
    let who = identity.map_or("nobody".to_string(), |i| i.principal);
    format!("{method} reached, signed by {who}")
}

/// The S3 layer over [`keys`] with preflights let through (`on`), and no authorization of
/// anything else unsigned.
fn app(on: bool) -> Router {
    let layer: SigV4Layer<MemoryKeyStore<String>> = SigV4Layer::new(keys()).s3().cors_preflight(on);
    Router::new()
        .fallback(any(reached))
        .layer(layer.clock(move || NOW))
}

/// An unsigned request with `headers` and `body`.
fn unsigned(method: &str, headers: &[(&str, &str)], body: &'static [u8]) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri("http://localhost/photos/cat.jpg");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::from(body)).unwrap()
}

const PREFLIGHT: [(&str, &str); 3] = [
    ("origin", "https://app.example"),
    ("access-control-request-method", "PUT"),
    (
        "access-control-request-headers",
        "content-type, x-amz-meta-colour",
    ),
];

#[tokio::test]
async fn a_preflight_reaches_the_service_unsigned() {
    answer(&app(true), unsigned("OPTIONS", &PREFLIGHT, b""))
        .await
        .assert_is(StatusCode::OK, "OPTIONS reached, signed by nobody");
}

#[tokio::test]
async fn a_preflight_is_refused_when_not_turned_on() {
    answer(&app(false), unsigned("OPTIONS", &PREFLIGHT, b""))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn an_options_without_origin_is_refused() {
    let headers = [("access-control-request-method", "PUT")];
    answer(&app(true), unsigned("OPTIONS", &headers, b""))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn an_options_without_a_requested_method_is_refused() {
    let headers = [("origin", "https://app.example")];
    answer(&app(true), unsigned("OPTIONS", &headers, b""))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn an_unsigned_get_with_an_origin_is_refused() {
    answer(&app(true), unsigned("GET", &PREFLIGHT, b""))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn a_preflight_with_a_body_is_refused() {
    answer(
        &app(true),
        unsigned("OPTIONS", &PREFLIGHT, b"not a preflight"),
    )
    .await
    .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn a_preflight_carrying_a_signature_is_verified() {
    // Credentials make it a signed request, verified as any other: a bad one is refused.
    let mut request = unsigned("OPTIONS", &PREFLIGHT, b"");
    request.headers_mut().insert(
        "authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240301/us-east-1/s3/aws4_request, \
         SignedHeaders=host, Signature=00"
            .parse()
            .unwrap(),
    );
    let answer = answer(&app(true), request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.code(), "AuthorizationHeaderMalformed");
    // And one signed right is the signer's.
    let mut request = unsigned("OPTIONS", &PREFLIGHT, b"");
    s3_signer()
        .sign(&mut request, countersign::client::Payload::Empty, NOW)
        .unwrap();
    crate::answer(&app(true), request)
        .await
        .assert_is(StatusCode::OK, "OPTIONS reached, signed by alice");
}

#[tokio::test]
async fn a_preflight_with_a_signature_parameter_is_not_unsigned() {
    let request = Request::builder()
        .method("OPTIONS")
        .uri("http://localhost/photos/cat.jpg?X-Amz-Signature=00")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "GET")
        .body(Body::empty())
        .unwrap();
    let answer = answer(&app(true), request).await;
    assert_ne!(answer.status, StatusCode::OK, "{}", answer.text);
}
