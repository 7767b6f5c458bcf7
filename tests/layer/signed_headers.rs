//! Signed headers: a header the layer requires must be signed, and SigV4a's
//! `x-amz-region-set` must be present, signed, and as signed.

use countersign::server::SigV4Layer;
use http::StatusCode;

use crate::scope_and_time::sigv4a_get;
use crate::{answer, app, keys, signed, signed_get, AKID, NOW, SECRET};

/// A layer over [`keys`] that requires `Content-Type` to be signed.
fn requiring_content_type() -> axum::Router {
    app(SigV4Layer::new(keys()).require_signed_header("Content-Type"))
}

#[tokio::test]
async fn a_required_header_sent_unsigned_is_refused() {
    let mut request = signed("http://h/whoami");
    request
        .headers_mut()
        .insert("content-type", "text/plain".parse().unwrap());
    let answer = answer(&requiring_content_type(), request).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    answer.assert_says("content-type");
}

#[tokio::test]
async fn a_required_header_signed_is_accepted() {
    let request = signed_get(
        (AKID, SECRET),
        "http://h/whoami",
        &[("content-type", "text/plain")],
    );
    let answer = answer(&requiring_content_type(), request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

/// A layer for us-east-1.
fn regional() -> axum::Router {
    app(SigV4Layer::new(keys()).regions(["us-east-1"]))
}

#[tokio::test]
async fn sigv4a_region_set_widened_after_signing_is_refused() {
    let mut request = sigv4a_get("us-east-1", NOW);
    request
        .headers_mut()
        .insert("x-amz-region-set", "*".parse().unwrap());
    let answer = answer(&regional(), request).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn sigv4a_region_set_left_out_of_the_signed_headers_is_refused() {
    // Before any key is looked up.
    let mut request = sigv4a_get("us-east-1", NOW);
    let authorization = request.headers()["authorization"].to_str().unwrap();
    let unsigned = authorization.replace(";x-amz-region-set", "");
    assert_ne!(unsigned, authorization);
    request
        .headers_mut()
        .insert("authorization", unsigned.parse().unwrap());
    let answer = answer(&regional(), request).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
    answer.assert_says("x-amz-region-set");
}

#[tokio::test]
async fn sigv4a_without_a_region_set_is_malformed() {
    let mut request = sigv4a_get("us-east-1", NOW);
    request.headers_mut().remove("x-amz-region-set");
    let answer = answer(&regional(), request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    answer.assert_says("X-Amz-Region-Set");
}
