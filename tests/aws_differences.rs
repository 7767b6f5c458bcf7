//! Where countersign once decided otherwise than AWS, answered through the layer as AWS
//! answers: a URL presigned for zero seconds has expired, a request dated by its `Date`
//! header alone (in any of its four forms) is signed with that header's value as sent, and
//! Signature Version 2 is refused with S3's own words (and, for a presigned URL, how the aws
//! CLI is told to presign with SigV4).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use countersign::core::{sha256_hex, CredentialScope, SecretKey, SigningKey, EMPTY_SHA256};
use countersign::server::keys::MemoryKeyStore;
use countersign::server::{SigV4Layer, Verified};
use http::{Request, StatusCode};
use time::macros::datetime;
use time::OffsetDateTime;
use tower::ServiceExt;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const HOST: &str = "api.example.com";
/// The server's time: 4 December 2026, 21:32:20.
const NOW: OffsetDateTime = datetime!(2026-12-04 21:32:20 UTC);

async fn whoami(identity: Verified<String>) -> String {
    identity.principal
}

fn app() -> Router {
    let store = MemoryKeyStore::new();
    store.insert(AKID, SECRET, "alice".to_string());
    Router::new()
        .route("/whoami", get(whoami))
        .layer(SigV4Layer::new(store).clock(|| NOW))
}

/// The status and body of `app`'s answer to `request`.
async fn answer(request: Request<Body>) -> (StatusCode, String) {
    let response = app().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A GET of /whoami with `query` and `headers`.
fn get_whoami(query: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::get(format!("http://{HOST}/whoami{query}"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

/// A GET of /whoami dated only by `Date: date`, signed by hand (canonical request and
/// string to sign written out here) with the header's value as the string to sign's time.
fn dated_by_date_header(date: &str) -> Request<Body> {
    let canonical = format!("GET\n/whoami\n\nhost:{HOST}\n\nhost\n{EMPTY_SHA256}");
    let scope = "20261204/us-east-1/execute-api/aws4_request";
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let key = SigningKey::derive(
        &SecretKey::new(SECRET),
        &CredentialScope {
            date: "20261204",
            region: "us-east-1",
            service: "execute-api",
        },
    );
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={AKID}/{scope}, SignedHeaders=host, Signature={}",
        key.sign(string_to_sign.as_bytes())
    );
    get_whoami("", &[("date", date), ("authorization", &authorization)])
}

#[tokio::test]
async fn server_accepts_a_request_dated_by_an_rfc1123_date_header() {
    let request = dated_by_date_header("Fri, 04 Dec 2026 21:32:20 GMT");
    assert_eq!(answer(request).await, (StatusCode::OK, "alice".to_string()));
}

#[tokio::test]
async fn server_accepts_a_request_dated_by_an_asctime_date_header() {
    let request = dated_by_date_header("Fri Dec  4 21:32:20 2026");
    assert_eq!(answer(request).await, (StatusCode::OK, "alice".to_string()));
}

/// The time check comes before the signature's, so the signature need not be right.
#[tokio::test]
async fn server_refuses_a_zero_lifetime_presigned_url_as_expired() {
    let query = "?X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=AKIDEXAMPLE%2F20261204%2Fus-east-1%2Fexecute-api%2Faws4_request\
        &X-Amz-Date=20261204T213220Z&X-Amz-Expires=0&X-Amz-SignedHeaders=host\
        &X-Amz-Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    let (status, body) = answer(get_whoami(query, &[])).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    assert!(body.contains("request has expired"), "{body}");
}

#[tokio::test]
async fn server_refuses_a_sigv2_authorization_header_with_invalid_request() {
    let request = get_whoami(
        "",
        &[
            ("date", "Fri, 04 Dec 2026 21:32:20 GMT"),
            (
                "authorization",
                "AWS AKIDEXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=",
            ),
        ],
    );
    let (status, body) = answer(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("<Code>InvalidRequest</Code>"), "{body}");
    assert!(
        body.contains(
            "The authorization mechanism you have provided is not supported. \
             Please use AWS4-HMAC-SHA256."
        ),
        "{body}"
    );
}

#[tokio::test]
async fn server_refuses_a_sigv2_presigned_url_with_the_cli_hint() {
    let query = "?AWSAccessKeyId=AKIDEXAMPLE&Expires=1796420000\
                 &Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D";
    let (status, body) = answer(get_whoami(query, &[])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("<Code>InvalidRequest</Code>"), "{body}");
    assert!(
        body.contains("aws configure set default.s3.signature_version s3v4"),
        "{body}"
    );
}
