//! Presigned URLs: a URL presigned for zero seconds has expired (as AWS answers it); a SigV4a
//! URL is accepted within its lifetime, for any region set that includes the server's, and
//! refused after it; a Signature Version 2 URL is refused with S3's own words and how the aws
//! CLI is told to presign with SigV4.

use axum::body::Body;
use countersign::client::Payload;
use countersign::server::SigV4Layer;
use http::{Request, StatusCode};
use time::Duration;

use crate::{answer, app, app_at, keys, signer, unsigned_get, NOW};

/// The time check comes before the signature's, so the signature need not be right.
#[tokio::test]
async fn a_zero_lifetime_presigned_url_is_refused_as_expired() {
    let app = app(SigV4Layer::new(keys()));
    let uri = "http://api.example.com/whoami?X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=AKIDEXAMPLE%2F20240301%2Fus-east-1%2Fexecute-api%2Faws4_request\
        &X-Amz-Date=20240301T100000Z&X-Amz-Expires=0&X-Amz-SignedHeaders=host\
        &X-Amz-Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    let answer = answer(&app, unsigned_get(uri, &[])).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    answer.assert_says("request has expired");
}

#[tokio::test]
async fn a_sigv2_presigned_url_is_refused_with_the_cli_hint() {
    let app = app(SigV4Layer::new(keys()));
    let uri = "http://api.example.com/whoami?AWSAccessKeyId=AKIDEXAMPLE&Expires=1709287200\
               &Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D";
    let answer = answer(&app, unsigned_get(uri, &[])).await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "InvalidRequest");
    answer.assert_says("aws configure set default.s3.signature_version s3v4");
}

/// A GET of /region presigned with SigV4a for `region_set` at [`NOW`], valid `expires`
/// seconds.
pub(crate) fn sigv4a_presigned(region_set: &str, expires: u64) -> Request<Body> {
    let mut request = Request::get("http://api.example.com/region")
        .body(Body::empty())
        .unwrap();
    signer("execute-api")
        .sigv4a(region_set)
        .presign(&mut request, Payload::Empty, expires, NOW)
        .unwrap();
    request
}

/// A layer for us-east-1 and `execute-api`.
fn regional() -> axum::Router {
    app(SigV4Layer::new(keys())
        .regions(["us-east-1"])
        .services(["execute-api"]))
}

#[tokio::test]
async fn sigv4a_presigned_url_for_every_region_is_accepted() {
    let answer = answer(&regional(), sigv4a_presigned("*", 300)).await;
    answer.assert_is(StatusCode::OK, "alice *");
}

#[tokio::test]
async fn sigv4a_presigned_url_for_a_list_with_the_servers_region_is_accepted() {
    let answer = answer(&regional(), sigv4a_presigned("us-east-1,ap-south-1", 300)).await;
    answer.assert_is(StatusCode::OK, "alice us-east-1,ap-south-1");
}

#[tokio::test]
async fn sigv4a_presigned_url_is_refused_after_its_lifetime() {
    let later = app_at(SigV4Layer::new(keys()), NOW + Duration::seconds(301));
    let answer = answer(&later, sigv4a_presigned("*", 300)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
    answer.assert_says("expired");
}
