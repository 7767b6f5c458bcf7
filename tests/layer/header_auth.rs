//! The `Authorization` header: a SigV4a signature made with another secret is refused, and a
//! Signature Version 2 header is refused with S3's own words.

use countersign::client::{Credentials, Signer};
use countersign::server::SigV4Layer;
use http::StatusCode;

use crate::scope_and_time::sigv4a_get_by;
use crate::{answer, app, assert_refused, keys, unsigned_get, AKID, NOW};

#[tokio::test]
async fn sigv4a_signature_with_another_secret_is_refused() {
    let app = app(SigV4Layer::new(keys()).regions(["us-east-1"]));
    let wrong = Signer::new(Credentials::new(AKID, "not the secret"), "x", "execute-api");
    let request = sigv4a_get_by(wrong, "*", NOW);
    assert_refused(
        &app,
        request,
        StatusCode::FORBIDDEN,
        "SignatureDoesNotMatch",
    )
    .await;
}

#[tokio::test]
async fn a_sigv2_authorization_header_is_refused_with_invalid_request() {
    let app = app(SigV4Layer::new(keys()));
    let request = unsigned_get(
        "http://api.example.com/whoami",
        &[
            ("date", "Fri, 01 Mar 2024 10:00:00 GMT"),
            (
                "authorization",
                "AWS AKIDEXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=",
            ),
        ],
    );
    let answer = answer(&app, request).await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "InvalidRequest");
    answer.assert_says(
        "The authorization mechanism you have provided is not supported. \
         Please use AWS4-HMAC-SHA256.",
    );
}
