//! The condition keys the layer gives policies, each against a policy that tests it:
//! principal tags, the time (`aws:CurrentTime`, `aws:EpochTime`), the signed region, and S3's
//! keys of how the request was signed (`s3:signatureAge`, `s3:x-amz-content-sha256`,
//! `s3:signatureversion`), its listing parameters (`s3:prefix`, `s3:max-keys`).

use std::sync::Arc;

use axum::body::Body;
use axum::Router;
use countersign::client::{Credentials, Payload, Signer};
use countersign::server::authz::{IamIdentity, MemoryPolicyStore, PolicyAuthorizer};
use countersign::server::keys::MemoryKeyStore;
use countersign::server::SigV4Layer;
use http::{Request, StatusCode};
use time::OffsetDateTime;

use crate::authorization::{echo_app_at, identity_policy, ALICE_ARN};
use crate::{answer, Answer, NOW};

const TAGGED: (&str, &str) = ("AKIDTAGGED", "tagged-secret");
const PLAIN: (&str, &str) = ("AKIDPLAIN", "plain-secret");

/// Alice tagged `team=blue` ([`TAGGED`]), and bob untagged ([`PLAIN`]).
fn keys() -> MemoryKeyStore<Arc<IamIdentity>> {
    let keys = MemoryKeyStore::new();
    let alice = IamIdentity::new(ALICE_ARN)
        .unwrap()
        .with_tag("team", "blue");
    keys.insert(TAGGED.0, TAGGED.1, Arc::new(alice));
    let bob = IamIdentity::new("arn:aws:iam::111122223333:user/bob").unwrap();
    keys.insert(PLAIN.0, PLAIN.1, Arc::new(bob));
    keys
}

/// An S3 app whose every user has the identity policy `statement` (a JSON object), its
/// clock at `now`.
fn app_at(statement: &str, now: OffsetDateTime) -> Router {
    let store = MemoryPolicyStore::new();
    for arn in [ALICE_ARN, "arn:aws:iam::111122223333:user/bob"] {
        store.set_identity_policies(arn, vec![identity_policy(statement)]);
    }
    let layer = SigV4Layer::new(keys())
        .s3()
        .authorize(PolicyAuthorizer::new(store));
    echo_app_at(layer, now)
}

fn app(statement: &str) -> Router {
    app_at(statement, NOW)
}

/// A GET of `uri` signed by `key` at [`NOW`] for us-east-1, in its header or presigned.
fn get((id, secret): (&str, &str), uri: &str, presign: bool) -> Request<Body> {
    let mut request = Request::get(uri).body(Body::empty()).unwrap();
    let signer = Signer::new(Credentials::new(id, secret), "us-east-1", "s3").s3();
    if presign {
        signer
            .presign(&mut request, Payload::Unsigned, 3600, NOW)
            .unwrap();
    } else {
        signer.sign(&mut request, Payload::Empty, NOW).unwrap();
    }
    request
}

async fn status(app: &Router, request: Request<Body>) -> StatusCode {
    let Answer { status, .. } = answer(app, request).await;
    status
}

/// Allows s3:GetObject on everything when `condition` (a JSON object) holds.
fn get_when(condition: &str) -> String {
    format!(
        r#"{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {condition}}}"#
    )
}

#[tokio::test]
async fn a_principal_tag_meets_a_condition_on_it() {
    let app = app(&get_when(
        r#"{"StringEquals": {"aws:PrincipalTag/team": "blue"}}"#,
    ));
    assert_eq!(
        status(&app, get(TAGGED, "http://h/b/k", false)).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_principal_without_the_tag_does_not_meet_it() {
    let app = app(&get_when(
        r#"{"StringEquals": {"aws:PrincipalTag/team": "blue"}}"#,
    ));
    assert_eq!(
        status(&app, get(PLAIN, "http://h/b/k", false)).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_current_time_is_the_layers_clock() {
    // NOW is 2024-03-01T10:00:00Z.
    let before = app(&get_when(
        r#"{"DateLessThan": {"aws:CurrentTime": "2024-03-01T10:30:00Z"}}"#,
    ));
    assert_eq!(
        status(&before, get(PLAIN, "http://h/b/k", false)).await,
        StatusCode::OK
    );
    let after = app(&get_when(
        r#"{"DateGreaterThan": {"aws:CurrentTime": "2024-03-01T10:30:00Z"}}"#,
    ));
    assert_eq!(
        status(&after, get(PLAIN, "http://h/b/k", false)).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_epoch_time_is_the_layers_clock_in_seconds() {
    let epoch = NOW.unix_timestamp();
    let at = app(&get_when(&format!(
        r#"{{"NumericEquals": {{"aws:EpochTime": "{epoch}"}}}}"#
    )));
    assert_eq!(
        status(&at, get(PLAIN, "http://h/b/k", false)).await,
        StatusCode::OK
    );
    let later = app(&get_when(&format!(
        r#"{{"NumericGreaterThan": {{"aws:EpochTime": "{epoch}"}}}}"#
    )));
    assert_eq!(
        status(&later, get(PLAIN, "http://h/b/k", false)).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_requested_region_is_the_signed_one() {
    let app_in = |region: &str| {
        app(&get_when(&format!(
            r#"{{"StringEquals": {{"aws:RequestedRegion": "{region}"}}}}"#
        )))
    };
    assert_eq!(
        status(&app_in("us-east-1"), get(PLAIN, "http://h/b/k", false)).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&app_in("eu-west-1"), get(PLAIN, "http://h/b/k", false)).await,
        StatusCode::FORBIDDEN
    );
}

/// Presigned URLs older than ten minutes are refused.
const FRESH_URLS_ONLY: &str = r#"{"NumericLessThan": {"s3:signatureAge": "600000"}}"#;

#[tokio::test]
async fn a_presigned_url_used_within_the_signature_age_is_allowed() {
    let app = app_at(&get_when(FRESH_URLS_ONLY), NOW + time::Duration::minutes(9));
    assert_eq!(
        status(&app, get(PLAIN, "http://h/b/k", true)).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_presigned_url_used_past_the_signature_age_is_refused() {
    let app = app_at(
        &get_when(FRESH_URLS_ONLY),
        NOW + time::Duration::minutes(11),
    );
    assert_eq!(
        status(&app, get(PLAIN, "http://h/b/k", true)).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_unsigned_payload_meets_a_condition_on_the_content_sha256() {
    let deny_unsigned = r#"[{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"StringEquals": {"s3:x-amz-content-sha256": "UNSIGNED-PAYLOAD"}}}]"#;
    let put = |payload: Payload<'static>| {
        let mut request = Request::put("http://h/b/k")
            .body(Body::from("data"))
            .unwrap();
        Signer::new(Credentials::new(PLAIN.0, PLAIN.1), "us-east-1", "s3")
            .s3()
            .sign(&mut request, payload, NOW)
            .unwrap();
        request
    };
    let app = app(deny_unsigned);
    assert_eq!(
        status(&app, put(Payload::Bytes(b"data"))).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, put(Payload::Unsigned)).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_signature_version_is_sigv4s() {
    let app = app(&get_when(
        r#"{"StringEquals": {"s3:signatureversion": "AWS4-HMAC-SHA256"}}"#,
    ));
    assert_eq!(
        status(&app, get(PLAIN, "http://h/b/k", false)).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_listing_prefix_meets_a_condition_on_s3_prefix() {
    let list_home = r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
        "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}}"#;
    let app = app(list_home);
    let own = get(
        TAGGED,
        "http://h/b?list-type=2&prefix=home%2Falice%2Fdocs",
        false,
    );
    assert_eq!(status(&app, own).await, StatusCode::OK);
    let other = get(TAGGED, "http://h/b?list-type=2&prefix=home%2Fbob%2F", false);
    assert_eq!(status(&app, other).await, StatusCode::FORBIDDEN);
    let none = get(TAGGED, "http://h/b?list-type=2", false);
    assert_eq!(status(&app, none).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn max_keys_meets_a_numeric_condition() {
    let small_pages = r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
        "Condition": {"NumericLessThanEquals": {"s3:max-keys": "100"}}}"#;
    let app = app(small_pages);
    assert_eq!(
        status(&app, get(PLAIN, "http://h/b?max-keys=50", false)).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, get(PLAIN, "http://h/b?max-keys=1000", false)).await,
        StatusCode::FORBIDDEN
    );
}
