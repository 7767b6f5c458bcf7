//! Authorization in S3 mode: bucket policies beside identity policies, within and across
//! accounts; the request's condition keys (`aws:username` in a policy variable,
//! `aws:SourceIp`, `aws:SecureTransport`, `s3:authType`, a service principal's signed
//! `aws:SourceArn`); presigned URLs and POST forms authorized as their signers; anonymous
//! requests allowed only by a policy naming everyone, and never a failed signature taken for
//! one.

use std::sync::Arc;

use axum::body::Body;
use axum::Router;
use countersign::client::{Credentials, Payload, Signer};
use countersign::policy::Policy;
use countersign::server::authz::{
    Access, AccessCheck, Connection, IamIdentity, MemoryPolicyStore, PolicyAuthorizer,
    ResourcePolicies,
};
use countersign::server::keys::MemoryKeyStore;
use countersign::server::SigV4Layer;
use http::{Request, StatusCode};

use crate::authorization::{echo_app, iam_keys, identity_policy, ALICE, ALICE_ARN, BOB, BOB_ARN};
use crate::post_form::{form_request, multipart, own_form, POSTED};
use crate::{answer, Answer, NOW};

/// Carol, of another account.
const CAROL: (&str, &str) = ("AKIDCAROL", "carol-secret");
const CAROL_ARN: &str = "arn:aws:iam::444455556666:user/carol";
/// A CDN, as the service principal it signs as.
const CDN: (&str, &str) = ("AKIDCDN", "cdn-secret");
const DISTRIBUTION: &str = "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE";

/// Alice, bob, carol and the CDN.
fn keys() -> MemoryKeyStore<Arc<IamIdentity>> {
    let keys = iam_keys();
    keys.insert(
        CAROL.0,
        CAROL.1,
        Arc::new(IamIdentity::new(CAROL_ARN).unwrap()),
    );
    keys.insert(
        CDN.0,
        CDN.1,
        Arc::new(IamIdentity::service("cloudfront.amazonaws.com")),
    );
    keys
}

/// A bucket policy of `statements`.
fn bucket_policy(statements: &str) -> Policy {
    Policy::bucket(&format!(
        r#"{{"Version": "2012-10-17", "Statement": {statements}}}"#
    ))
    .unwrap()
}

/// `bucket`, owned by account 111122223333, with `policy`.
fn own_bucket(store: &MemoryPolicyStore, bucket: &str, policy: Option<Policy>) {
    let resource = ResourcePolicies::owned_by(Some("111122223333".into()))
        .with_policies(policy.into_iter().collect());
    store.set_resource(bucket, resource);
}

/// The S3 layer over [`keys`], authorizing with `store`, virtual hosts under `localhost`.
fn s3_app(store: MemoryPolicyStore) -> Router {
    echo_app(s3_layer(store))
}

fn s3_layer(store: MemoryPolicyStore) -> SigV4Layer<MemoryKeyStore<Arc<IamIdentity>>> {
    SigV4Layer::new(keys())
        .s3()
        .virtual_host_domain("localhost")
        .authorize(PolicyAuthorizer::new(store))
        .debug_errors(true)
}

/// A request of `method` to `uri` signed for S3 by `key` at [`NOW`], with `headers` (signed
/// too) and the connection `connection`.
fn s3(
    (id, secret): (&str, &str),
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    connection: Option<Connection>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(Body::empty()).unwrap();
    Signer::new(Credentials::new(id, secret), "us-east-1", "s3")
        .s3()
        .sign(&mut request, Payload::Empty, NOW)
        .unwrap();
    if let Some(connection) = connection {
        request.extensions_mut().insert(connection);
    }
    request
}

async fn get(app: &Router, key: (&str, &str), uri: &str) -> Answer {
    answer(app, s3(key, "GET", uri, &[], None)).await
}

fn from(address: &str, tls: bool) -> Option<Connection> {
    Some(Connection::new(address.parse().unwrap()).tls(tls))
}

#[tokio::test]
async fn a_bucket_policy_naming_a_user_of_the_account_allows_it_alone() {
    let store = MemoryPolicyStore::new();
    let policy = format!(
        r#"{{"Effect": "Allow", "Principal": {{"AWS": "{BOB_ARN}"}}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::alice-data/*"}}"#
    );
    own_bucket(&store, "alice-data", Some(bucket_policy(&policy)));
    let app = s3_app(store);
    get(&app, BOB, "http://localhost/alice-data/report.csv")
        .await
        .assert_is(StatusCode::OK, &format!("{BOB_ARN} read 0"));
    get(&app, ALICE, "http://localhost/alice-data/report.csv")
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn a_user_cannot_list_another_users_bucket() {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        ALICE_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::alice-data", "arn:aws:s3:::alice-data/*"]}"#,
        )],
    );
    store.set_identity_policies(
        BOB_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::bob-data", "arn:aws:s3:::bob-data/*"]}"#,
        )],
    );
    own_bucket(&store, "alice-data", None);
    let app = s3_app(store);
    get(&app, ALICE, "http://localhost/alice-data")
        .await
        .assert_is(StatusCode::OK, &format!("{ALICE_ARN} read 0"));
    let bob = get(&app, BOB, "http://localhost/alice-data").await;
    bob.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    bob.assert_says("s3:ListBucket on arn:aws:s3:::alice-data");
}

#[tokio::test]
async fn a_virtual_hosted_request_names_the_same_bucket() {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        BOB_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bob-data/*"}"#,
        )],
    );
    let app = s3_app(store);
    get(&app, BOB, "http://bob-data.localhost/x")
        .await
        .assert_is(StatusCode::OK, &format!("{BOB_ARN} read 0"));
    get(&app, BOB, "http://bob-data.evil.localhost/x")
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn across_accounts_an_identity_policy_alone_does_not_allow() {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        CAROL_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        )],
    );
    own_bucket(&store, "alice-data", None);
    let carol = get(&s3_app(store), CAROL, "http://localhost/alice-data/x").await;
    carol.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    carol.assert_says("cross-account");
}

#[tokio::test]
async fn across_accounts_a_bucket_policy_alone_does_not_allow() {
    let store = MemoryPolicyStore::new();
    let policy = format!(
        r#"{{"Effect": "Allow", "Principal": {{"AWS": "{CAROL_ARN}"}}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::alice-data/*"}}"#
    );
    own_bucket(&store, "alice-data", Some(bucket_policy(&policy)));
    get(&s3_app(store), CAROL, "http://localhost/alice-data/x")
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn across_accounts_both_policies_allow() {
    let store = MemoryPolicyStore::new();
    let policy = format!(
        r#"{{"Effect": "Allow", "Principal": {{"AWS": "{CAROL_ARN}"}}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::alice-data/*"}}"#
    );
    own_bucket(&store, "alice-data", Some(bucket_policy(&policy)));
    store.set_identity_policies(
        CAROL_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#,
        )],
    );
    get(&s3_app(store), CAROL, "http://localhost/alice-data/x")
        .await
        .assert_is(StatusCode::OK, &format!("{CAROL_ARN} read 0"));
}

/// Everyone of the account may read their own home prefix in `home`.
fn home_directories() -> MemoryPolicyStore {
    let store = MemoryPolicyStore::new();
    for arn in [ALICE_ARN, BOB_ARN] {
        store.set_identity_policies(
            arn,
            vec![identity_policy(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*"}"#,
            )],
        );
    }
    store
}

#[tokio::test]
async fn a_user_reads_its_own_home_prefix() {
    get(
        &s3_app(home_directories()),
        ALICE,
        "http://localhost/home/alice/notes.txt",
    )
    .await
    .assert_is(StatusCode::OK, &format!("{ALICE_ARN} read 0"));
}

#[tokio::test]
async fn a_user_does_not_read_another_users_home_prefix() {
    get(
        &s3_app(home_directories()),
        ALICE,
        "http://localhost/home/bob/notes.txt",
    )
    .await
    .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

/// Alice may read anything, from 203.0.113.0/24 only, over TLS only.
fn office_over_tls() -> MemoryPolicyStore {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        ALICE_ARN,
        vec![identity_policy(
            r#"[{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Sid": "OfficeOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                 "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
                {"Sid": "TlsOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]"#,
        )],
    );
    store
}

async fn get_from(connection: Option<Connection>) -> Answer {
    let request = s3(ALICE, "GET", "http://localhost/b/k", &[], connection);
    answer(&s3_app(office_over_tls()), request).await
}

#[tokio::test]
async fn a_source_ip_in_the_range_over_tls_is_allowed() {
    get_from(from("203.0.113.9:40000", true))
        .await
        .assert_is(StatusCode::OK, &format!("{ALICE_ARN} read 0"));
}

#[tokio::test]
async fn a_source_ip_outside_the_range_is_denied() {
    let answer = get_from(from("198.51.100.1:40000", true)).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    answer.assert_says("\"OfficeOnly\"");
}

#[tokio::test]
async fn a_plain_connection_is_denied_by_secure_transport() {
    let answer = get_from(from("203.0.113.9:40000", false)).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    answer.assert_says("\"TlsOnly\"");
}

#[tokio::test]
async fn an_unknown_source_ip_does_not_meet_an_ip_condition() {
    // No connection told: aws:SourceIp is absent, and NotIpAddress holds on an absent key.
    get_from(None)
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

/// A bucket readable only by the CDN's distribution, as an origin access control policy
/// grants it.
fn origin_access() -> MemoryPolicyStore {
    let store = MemoryPolicyStore::new();
    let policy = format!(
        r#"{{"Sid": "AllowCloudFrontServicePrincipalReadOnly", "Effect": "Allow",
            "Principal": {{"Service": "cloudfront.amazonaws.com"}}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::site/*",
            "Condition": {{"StringEquals": {{"AWS:SourceArn": "{DISTRIBUTION}"}}}}}}"#
    );
    own_bucket(&store, "site", Some(bucket_policy(&policy)));
    store.set_identity_policies(
        ALICE_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}"#,
        )],
    );
    store
}

#[tokio::test]
async fn the_distribution_named_in_the_bucket_policy_reads_through_its_signed_source_arn() {
    let request = s3(
        CDN,
        "GET",
        "http://localhost/site/index.html",
        &[("x-amz-source-arn", DISTRIBUTION)],
        None,
    );
    answer(&s3_app(origin_access()), request)
        .await
        .assert_is(StatusCode::OK, "cloudfront.amazonaws.com read 0");
}

#[tokio::test]
async fn another_distribution_is_denied() {
    let other = "arn:aws:cloudfront::999999999999:distribution/EOTHER";
    let request = s3(
        CDN,
        "GET",
        "http://localhost/site/index.html",
        &[("x-amz-source-arn", other)],
        None,
    );
    answer(&s3_app(origin_access()), request)
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn a_user_sending_the_distributions_source_arn_is_denied() {
    let request = s3(
        ALICE,
        "GET",
        "http://localhost/site/index.html",
        &[("x-amz-source-arn", DISTRIBUTION)],
        None,
    );
    answer(&s3_app(origin_access()), request)
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn a_source_arn_that_is_not_signed_is_refused_before_authorization() {
    let mut request = s3(CDN, "GET", "http://localhost/site/index.html", &[], None);
    request
        .headers_mut()
        .insert("x-amz-source-arn", DISTRIBUTION.parse().unwrap());
    answer(&s3_app(origin_access()), request)
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

/// A URL for `key`'s GET of `uri`, presigned at [`NOW`] for five minutes.
fn presigned((id, secret): (&str, &str), uri: &str) -> Request<Body> {
    let mut request = Request::get(uri).body(Body::empty()).unwrap();
    Signer::new(Credentials::new(id, secret), "us-east-1", "s3")
        .s3()
        .presign(&mut request, Payload::Unsigned, 300, NOW)
        .unwrap();
    request
}

#[tokio::test]
async fn a_presigned_url_whose_signer_lacks_the_permission_is_refused() {
    let store = home_directories();
    let app = s3_app(store);
    answer(
        &app,
        presigned(ALICE, "http://localhost/home/bob/notes.txt"),
    )
    .await
    .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    answer(
        &app,
        presigned(ALICE, "http://localhost/home/alice/notes.txt"),
    )
    .await
    .assert_is(StatusCode::OK, &format!("{ALICE_ARN} read 0"));
}

#[tokio::test]
async fn the_auth_type_tells_a_presigned_url_from_a_signed_header() {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        ALICE_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                "Condition": {"StringEquals": {"s3:authType": "REST-HEADER"}}}"#,
        )],
    );
    let app = s3_app(store);
    get(&app, ALICE, "http://localhost/b/k")
        .await
        .assert_is(StatusCode::OK, &format!("{ALICE_ARN} read 0"));
    answer(&app, presigned(ALICE, "http://localhost/b/k"))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

/// The key of the POST form fixture, as an IAM user allowed to put only under `allowed`.
fn uploader(allowed: &str) -> Router {
    let keys = MemoryKeyStore::new();
    let arn = "arn:aws:iam::111122223333:user/uploader";
    keys.insert(
        crate::post_form::AKID,
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        Arc::new(IamIdentity::new(arn).unwrap()),
    );
    let store = MemoryPolicyStore::new();
    let policy = format!(
        r#"{{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::{allowed}"}}"#
    );
    store.set_identity_policies(arn, vec![identity_policy(&policy)]);
    let layer = SigV4Layer::new(keys)
        .s3()
        .authorize(PolicyAuthorizer::new(store))
        .clock(|| POSTED);
    Router::new()
        .fallback(axum::routing::post(|| async { "stored" }))
        .layer(layer)
}

async fn post_form(app: &Router) -> Answer {
    let fields = own_form("2024-03-01T01:00:00Z", (2, 10));
    let body = multipart(&fields, "f.bin", b"0123");
    answer(app, form_request("localhost", "/uploads", Body::from(body))).await
}

#[tokio::test]
async fn a_post_form_is_authorized_as_its_signer_for_its_key() {
    post_form(&uploader("uploads/in/*"))
        .await
        .assert_is(StatusCode::OK, "stored");
}

#[tokio::test]
async fn a_post_form_whose_signer_may_not_put_its_key_is_refused() {
    post_form(&uploader("uploads/out/*"))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

/// A public-read bucket `public`, anonymous requests on.
fn public_read() -> Router {
    let store = MemoryPolicyStore::new();
    let policy = r#"{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public/*"}"#;
    own_bucket(&store, "public", Some(bucket_policy(policy)));
    echo_app(s3_layer(store).anonymous(true))
}

fn unsigned(method: &str, uri: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from("data"))
        .unwrap()
}

#[tokio::test]
async fn an_anonymous_get_from_a_public_bucket_is_allowed() {
    answer(
        &public_read(),
        unsigned("GET", "http://localhost/public/cat.jpg"),
    )
    .await
    .assert_is(StatusCode::OK, "anonymous read 4");
}

#[tokio::test]
async fn an_anonymous_put_into_a_public_read_bucket_is_refused() {
    answer(
        &public_read(),
        unsigned("PUT", "http://localhost/public/cat.jpg"),
    )
    .await
    .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn an_anonymous_get_from_another_bucket_is_refused() {
    answer(
        &public_read(),
        unsigned("GET", "http://localhost/private/cat.jpg"),
    )
    .await
    .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn a_signed_request_that_fails_is_not_taken_for_an_anonymous_one() {
    let mut request = s3(ALICE, "GET", "http://localhost/public/cat.jpg", &[], None);
    *request.uri_mut() = "http://localhost/public/dog.jpg".parse().unwrap();
    answer(&public_read(), request)
        .await
        .assert_refused(StatusCode::FORBIDDEN, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn a_url_with_a_signature_parameter_alone_is_not_anonymous() {
    let request = unsigned("GET", "http://localhost/public/cat.jpg?X-Amz-Signature=00");
    let answer = answer(&public_read(), request).await;
    assert_ne!(answer.status, StatusCode::OK, "{}", answer.text);
}

#[tokio::test]
async fn anonymous_requests_are_refused_when_not_turned_on() {
    let store = MemoryPolicyStore::new();
    let policy =
        r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}"#;
    own_bucket(&store, "public", Some(bucket_policy(policy)));
    let answer = answer(
        &s3_app(store),
        unsigned("GET", "http://localhost/public/cat.jpg"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
    assert_ne!(answer.text, "anonymous read 4");
}

#[tokio::test]
async fn anonymous_requests_without_an_authorizer_are_refused() {
    let app = echo_app(SigV4Layer::new(keys()).s3().anonymous(true));
    answer(&app, unsigned("GET", "http://localhost/public/cat.jpg"))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

/// Bob may write `dst` and read `src/public/*` only.
fn copier() -> Router {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        BOB_ARN,
        vec![identity_policy(
            r#"[{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::dst/*"},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::src/public/*"}]"#,
        )],
    );
    s3_app(store)
}

#[tokio::test]
async fn a_copy_from_a_source_the_signer_may_read_is_allowed() {
    let request = s3(
        BOB,
        "PUT",
        "http://localhost/dst/copy",
        &[("x-amz-copy-source", "/src/public/a.txt")],
        None,
    );
    answer(&copier(), request)
        .await
        .assert_is(StatusCode::OK, &format!("{BOB_ARN} read 0"));
}

#[tokio::test]
async fn a_copy_from_a_source_the_signer_may_not_read_is_refused() {
    let request = s3(
        BOB,
        "PUT",
        "http://localhost/dst/copy",
        &[("x-amz-copy-source", "src/private/a.txt")],
        None,
    );
    let answer = answer(&copier(), request).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    answer.assert_says("s3:GetObject on arn:aws:s3:::src/private/a.txt");
}

#[tokio::test]
async fn reading_a_version_needs_the_version_permission() {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        BOB_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#,
        )],
    );
    let app = s3_app(store);
    get(&app, BOB, "http://localhost/b/k")
        .await
        .assert_is(StatusCode::OK, &format!("{BOB_ARN} read 0"));
    let answer = get(
        &app,
        BOB,
        "http://localhost/b/k?versionId=3HL4kqtJlcpXroDTDmJ",
    )
    .await;
    answer.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    answer.assert_says("s3:GetObjectVersion");
}

#[tokio::test]
async fn a_request_naming_no_known_operation_is_not_implemented() {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        BOB_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
        )],
    );
    let app = s3_app(store);
    get(&app, BOB, "http://localhost/b?torrent-of-sorts")
        .await
        .assert_refused(StatusCode::NOT_IMPLEMENTED, "NotImplemented");
}

#[tokio::test]
async fn a_request_naming_two_operations_is_refused() {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        BOB_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
        )],
    );
    get(&s3_app(store), BOB, "http://localhost/b/k?acl&tagging")
        .await
        .assert_refused(StatusCode::BAD_REQUEST, "InvalidArgument");
}

/// Deletes the comma-separated keys of its body from bucket `b` as DeleteObjects does:
/// answers `key:ok` or `key:AccessDenied` for each, by the layer's check.
async fn delete_each(request: Request<Body>) -> String {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1024).await.unwrap_or_default();
    let Some(check) = parts.extensions.get::<AccessCheck>() else {
        return "no check".into();
    };
    let mut answers = vec![check
        .operation()
        .s3
        .as_ref()
        .map_or("?", |s| s.name)
        .to_string()];
    for key in String::from_utf8_lossy(&body).split(',') {
        let access =
            Access::new("s3:DeleteObject", format!("arn:aws:s3:::b/{key}")).with_policy_key("b");
        let outcome = match check.check(&parts, access).await {
            Ok(()) => "ok",
            Err(_) => "AccessDenied",
        };
        answers.push(format!("{key}:{outcome}"));
    }
    answers.join(" ")
}

#[tokio::test]
async fn a_handler_checks_each_key_of_a_delete_objects_body() {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        BOB_ARN,
        vec![identity_policy(r#"{"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/tmp/*"}"#)],
    );
    let app = Router::new()
        .fallback(axum::routing::post(delete_each))
        .layer(s3_layer(store).clock(|| NOW));
    let mut request = Request::post("http://localhost/b?delete")
        .body(Body::from("tmp/1,keep/2"))
        .unwrap();
    Signer::new(Credentials::new(BOB.0, BOB.1), "us-east-1", "s3")
        .s3()
        .sign(&mut request, Payload::Bytes(b"tmp/1,keep/2"), NOW)
        .unwrap();
    // AWS authorizes DeleteObjects key by key: bob, who may delete under tmp/ only, reaches
    // the handler, which checks each key.
    answer(&app, request)
        .await
        .assert_is(StatusCode::OK, "DeleteObjects tmp/1:ok keep/2:AccessDenied");
}

#[tokio::test]
async fn creating_a_bucket_is_asked_of_the_callers_own_policies_whoever_owns_the_name() {
    // The handler, not the authorizer, answers that another account's name is taken.
    let store = MemoryPolicyStore::new();
    own_bucket(&store, "alice-data", None);
    store.set_identity_policies(
        CAROL_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "s3:CreateBucket", "Resource": "*"}"#,
        )],
    );
    let request = s3(CAROL, "PUT", "http://localhost/alice-data", &[], None);
    answer(&s3_app(store), request)
        .await
        .assert_is(StatusCode::OK, &format!("{CAROL_ARN} read 0"));
}

#[tokio::test]
async fn an_anonymous_request_with_two_hosts_is_refused() {
    // The policy would be asked about one bucket while the handler might read the other.
    let mut request = unsigned("GET", "/cat.jpg");
    request
        .headers_mut()
        .append("host", "public.localhost".parse().unwrap());
    request
        .headers_mut()
        .append("host", "private.localhost".parse().unwrap());
    answer(&public_read(), request)
        .await
        .assert_refused(StatusCode::BAD_REQUEST, "InvalidRequest");
}

#[tokio::test]
async fn an_anonymous_request_whose_host_is_not_its_targets_is_refused() {
    let mut request = unsigned("GET", "http://private.localhost/cat.jpg");
    request
        .headers_mut()
        .insert("host", "public.localhost".parse().unwrap());
    answer(&public_read(), request)
        .await
        .assert_refused(StatusCode::BAD_REQUEST, "InvalidRequest");
}

#[tokio::test]
async fn an_anonymous_request_with_an_oversized_head_is_refused() {
    let mut request = unsigned("GET", "http://localhost/public/cat.jpg");
    request
        .headers_mut()
        .insert("x-filler", "a".repeat(70 * 1024).parse().unwrap());
    answer(&public_read(), request)
        .await
        .assert_refused(StatusCode::BAD_REQUEST, "RequestHeaderSectionTooLarge");
}
