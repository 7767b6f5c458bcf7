//! Scope and time: the injected clock decides the window; a request dated by its `Date`
//! header alone is signed with that header's value as sent (RFC 1123 or asctime); a SigV4a
//! region set is accepted when it includes the server's region (`*`, a list, a wildcard) and
//! refused precisely when it does not; a SigV4a request out of the window, with a regional
//! scope, or for another service is refused, as is a SigV4 request with a region-less scope.

use axum::body::Body;
use axum::Router;
use countersign::client::{Credentials, Payload, Signer};
use countersign::core::{sha256_hex, CredentialScope, SecretKey, SigningKey, EMPTY_SHA256};
use countersign::server::SigV4Layer;
use http::{Request, StatusCode};
use time::{Duration, OffsetDateTime};

use crate::presign::sigv4a_presigned;
use crate::{answer, app, app_at, keys, signed, signer, unsigned_get, AKID, NOW, SECRET};

/// A layer over [`keys`] whose clock reads `now`, allowing 15 minutes of skew.
fn clock_at(now: OffsetDateTime) -> Router {
    app_at(
        SigV4Layer::new(keys()).clock_skew(std::time::Duration::from_secs(15 * 60)),
        now,
    )
}

/// The answer to a GET signed at [`NOW`] by a layer whose clock reads `minutes` later.
async fn answer_later(minutes: i64) -> crate::Answer {
    let app = clock_at(NOW + Duration::minutes(minutes));
    answer(&app, signed("http://h/whoami")).await
}

#[tokio::test]
async fn the_injected_clock_refuses_a_request_past_the_window() {
    let answer = answer_later(20).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "RequestTimeTooSkewed");
}

#[tokio::test]
async fn the_injected_clock_accepts_a_request_within_the_window() {
    assert_eq!(answer_later(14).await.status, StatusCode::OK);
}

/// A GET of /whoami dated only by `Date: date`, signed by hand (canonical request and
/// string to sign written out here) with the header's value as the string to sign's time.
fn dated_by_date_header(date: &str) -> Request<Body> {
    let host = "api.example.com";
    let canonical = format!("GET\n/whoami\n\nhost:{host}\n\nhost\n{EMPTY_SHA256}");
    let scope = "20240301/us-east-1/execute-api/aws4_request";
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let key = SigningKey::derive(
        &SecretKey::new(SECRET),
        &CredentialScope::new("20240301", "us-east-1", "execute-api"),
    );
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={AKID}/{scope}, SignedHeaders=host, Signature={}",
        key.sign(string_to_sign.as_bytes())
    );
    unsigned_get(
        &format!("http://{host}/whoami"),
        &[("date", date), ("authorization", &authorization)],
    )
}

#[tokio::test]
async fn a_request_dated_by_an_rfc1123_date_header_is_accepted() {
    let app = app(SigV4Layer::new(keys()));
    let answer = answer(&app, dated_by_date_header("Fri, 01 Mar 2024 10:00:00 GMT")).await;
    answer.assert_is(StatusCode::OK, "alice");
}

#[tokio::test]
async fn a_request_dated_by_an_asctime_date_header_is_accepted() {
    let app = app(SigV4Layer::new(keys()));
    let answer = answer(&app, dated_by_date_header("Fri Mar  1 10:00:00 2024")).await;
    answer.assert_is(StatusCode::OK, "alice");
}

/// A layer for us-east-1 and `execute-api`.
fn regional() -> Router {
    app(SigV4Layer::new(keys())
        .regions(["us-east-1"])
        .services(["execute-api"]))
}

/// A GET of /region signed with SigV4a for `region_set` by `signer`'s key at `time`.
pub(crate) fn sigv4a_get_by(
    signer: Signer,
    region_set: &str,
    time: OffsetDateTime,
) -> Request<Body> {
    let mut request = Request::get("http://api.example.com/region")
        .body(Body::empty())
        .unwrap();
    signer
        .sigv4a(region_set)
        .sign(&mut request, Payload::Empty, time)
        .unwrap();
    request
}

/// A GET of /region signed with SigV4a for `region_set` at `time`.
pub(crate) fn sigv4a_get(region_set: &str, time: OffsetDateTime) -> Request<Body> {
    sigv4a_get_by(signer("execute-api"), region_set, time)
}

/// One test per region set that includes us-east-1: the request is accepted, and the
/// handler sees the set.
macro_rules! accepted_region_sets {
    ($($name:ident => $set:literal),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let answer = answer(&regional(), sigv4a_get($set, NOW)).await;
                answer.assert_is(StatusCode::OK, concat!("alice ", $set));
            }
        )*
    };
}

accepted_region_sets! {
    sigv4a_region_set_of_every_region_is_accepted => "*",
    sigv4a_region_set_of_the_servers_region_is_accepted => "us-east-1",
    sigv4a_region_set_listing_the_servers_region_is_accepted => "us-east-1,eu-west-1",
    sigv4a_region_set_with_a_wildcard_for_the_servers_region_is_accepted => "eu-west-1, us-*",
    sigv4a_region_set_with_a_leading_wildcard_is_accepted => "*-east-1",
}

#[tokio::test]
async fn sigv4a_region_set_without_the_servers_region_is_refused_precisely() {
    let answer = answer(&regional(), sigv4a_get("eu-west-1,ap-*", NOW)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.code(), "AuthorizationHeaderMalformed");
    answer.assert_says("the region set 'eu-west-1,ap-*' (X-Amz-Region-Set) does not include this server's region; expecting a set that includes 'us-east-1'");
}

#[tokio::test]
async fn sigv4a_presigned_region_set_without_the_servers_region_is_refused_precisely() {
    let answer = answer(&regional(), sigv4a_presigned("eu-*", 60)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.code(), "AuthorizationQueryParametersError");
    answer.assert_says("does not include this server's region");
}

#[tokio::test]
async fn sigv4a_request_out_of_the_window_is_refused() {
    let answer = answer(&regional(), sigv4a_get("*", NOW - Duration::minutes(6))).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "RequestTimeTooSkewed");
}

/// [`sigv4a_get`] for every region, its `Authorization` header edited by `edit`.
fn sigv4a_get_edited(edit: impl Fn(&str) -> String) -> Request<Body> {
    let mut request = sigv4a_get("*", NOW);
    let authorization = request.headers()["authorization"].to_str().unwrap();
    let edited = edit(authorization);
    assert_ne!(edited, authorization, "the edit changes the header");
    request
        .headers_mut()
        .insert("authorization", edited.parse().unwrap());
    request
}

#[tokio::test]
async fn sigv4a_algorithm_with_a_regional_scope_is_refused() {
    let request = sigv4a_get_edited(|a| a.replace("/execute-api/", "/us-east-1/execute-api/"));
    let answer = answer(&regional(), request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    answer.assert_says("has no region");
}

#[tokio::test]
async fn sigv4_algorithm_with_a_region_less_scope_is_refused() {
    let request = sigv4a_get_edited(|a| a.replace("AWS4-ECDSA-P256-SHA256", "AWS4-HMAC-SHA256"));
    let answer = answer(&regional(), request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
}

#[tokio::test]
async fn sigv4a_request_for_another_service_is_refused() {
    let s3 = Signer::new(Credentials::new(AKID, SECRET), "x", "s3");
    let answer = answer(&regional(), sigv4a_get_by(s3, "*", NOW)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    answer.assert_says("the service 's3' is wrong");
}
