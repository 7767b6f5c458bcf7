//! The host a request names: one `Host` header that is the target's authority (in any case),
//! the URI's authority where there is no `Host` (HTTP/2's `:authority`), and the host and path
//! the client signed, restored from what a trusted proxy forwards.

use axum::body::Body;
use countersign::server::{SigV4Layer, TrustedProxy};
use http::{Request, StatusCode};

use crate::{answer, app, assert_refused, keys, signed_get, AKID, SECRET};

/// A GET of /whoami with `Host: api.example.com` (and no authority in its URI), signed.
fn signed_with_host() -> Request<Body> {
    signed_get((AKID, SECRET), "/whoami", &[("host", "api.example.com")])
}

#[tokio::test]
async fn a_signed_request_with_one_host_is_accepted() {
    let app = app(SigV4Layer::new(keys()));
    let answer = answer(&app, signed_with_host()).await;
    answer.assert_is(StatusCode::OK, "alice");
}

#[tokio::test]
async fn a_second_host_header_is_refused() {
    let app = app(SigV4Layer::new(keys()));
    let mut request = signed_with_host();
    request
        .headers_mut()
        .append("host", http::HeaderValue::from_static("evil.example.com"));
    assert_refused(&app, request, StatusCode::BAD_REQUEST, "InvalidRequest").await;
}

#[tokio::test]
async fn a_host_header_that_is_not_the_targets_authority_is_refused() {
    let app = app(SigV4Layer::new(keys()));
    let mut request = signed_with_host();
    *request.uri_mut() = "http://evil.example.com/whoami".parse().unwrap();
    assert_refused(&app, request, StatusCode::BAD_REQUEST, "InvalidRequest").await;
}

#[tokio::test]
async fn a_host_header_that_is_the_targets_authority_in_another_case_is_accepted() {
    let app = app(SigV4Layer::new(keys()));
    let mut request = signed_with_host();
    *request.uri_mut() = "http://API.example.com/whoami".parse().unwrap();
    assert_eq!(answer(&app, request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_uri_authority_stands_in_for_a_missing_host_header() {
    // As under HTTP/2, where the host travels as :authority.
    let mut request = signed_get((AKID, SECRET), "https://api.example.com/whoami", &[]);
    request.headers_mut().remove("host");
    let app = app(SigV4Layer::new(keys()));
    let answer = answer(&app, request).await;
    answer.assert_is(StatusCode::OK, "alice");
}

/// What a proxy forwards of a request the client signed for
/// https://public.example.com/api/whoami: `/whoami` to 10.0.0.7:8080, the client's host in
/// `X-Forwarded-Host`, every other header as the client sent it.
fn forwarded() -> Request<Body> {
    let from_client = signed_get((AKID, SECRET), "https://public.example.com/api/whoami", &[]);
    let mut builder = Request::get("/whoami")
        .header("host", "10.0.0.7:8080")
        .header("x-forwarded-host", "public.example.com");
    for (name, value) in from_client.headers() {
        if name != "host" {
            builder = builder.header(name, value);
        }
    }
    builder.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn a_trusted_proxy_restores_the_host_and_path_the_client_signed() {
    let proxied = app(SigV4Layer::new(keys())
        .trusted_proxy(TrustedProxy::new().forwarded_host(true).path_prefix("/api")));
    let answer = answer(&proxied, forwarded()).await;
    answer.assert_is(StatusCode::OK, "alice");
}

#[tokio::test]
async fn a_forwarded_request_is_refused_where_the_proxy_is_not_trusted() {
    let direct = app(SigV4Layer::new(keys()));
    assert_eq!(
        answer(&direct, forwarded()).await.status,
        StatusCode::FORBIDDEN
    );
}
