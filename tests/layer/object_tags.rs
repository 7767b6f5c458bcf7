//! `s3:ExistingObjectTag/<key>`: the policy authorizer reads an object's tags from its
//! `ObjectTags` source when a policy tests one and the request is about an existing object,
//! and only then.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::Router;
use countersign::client::{Credentials, Payload, Signer};
use countersign::server::authz::{MemoryPolicyStore, ObjectTags, PolicyAuthorizer, TagsFuture};
use countersign::server::SigV4Layer;
use http::{Method, Request, StatusCode};

use crate::authorization::{echo_app_at, iam_keys, identity_policy, ALICE, ALICE_ARN};
use crate::{answer, NOW};

/// Objects `b/open` (tagged `public=yes`), `b/closed` (`public=no`); no other object. Counts
/// the questions.
#[derive(Default)]
struct Tags {
    asked: AtomicUsize,
}

impl ObjectTags for Tags {
    fn object_tags(&self, bucket: &str, key: &str) -> TagsFuture {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let value = match (bucket, key) {
            ("b", "open") => Some("yes"),
            ("b", "closed") => Some("no"),
            _ => None,
        };
        let tags = value.map(|v| vec![("public".to_string(), v.to_string())]);
        Box::pin(async move { tags })
    }
}

/// Alice's identity policy `statement`, the authorizer reading tags from `tags`.
fn app(statement: &str, tags: &Arc<Tags>) -> Router {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(ALICE_ARN, vec![identity_policy(statement)]);
    let authorizer = PolicyAuthorizer::new(store).object_tags(Arc::clone(tags));
    echo_app_at(SigV4Layer::new(iam_keys()).s3().authorize(authorizer), NOW)
}

/// Allows `action` on every object tagged `public=yes`.
fn allowed_when_public(action: &str) -> String {
    format!(
        r#"{{"Effect": "Allow", "Action": "{action}", "Resource": "*",
            "Condition": {{"StringEquals": {{"s3:ExistingObjectTag/public": "yes"}}}}}}"#
    )
}

/// `method` of `http://h/{path}`, signed by alice.
async fn status(app: &Router, method: Method, path: &str) -> StatusCode {
    status_with(app, method, path, &[]).await
}

/// `method` of `http://h/{path}` with `headers`, signed by alice.
async fn status_with(
    app: &Router,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> StatusCode {
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("http://h/{path}"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(Body::empty()).unwrap();
    let (id, secret) = ALICE;
    let signer = Signer::new(Credentials::new(id, secret), "us-east-1", "s3").s3();
    signer.sign(&mut request, Payload::Empty, NOW).unwrap();
    answer(app, request).await.status
}

#[tokio::test]
async fn an_object_with_the_tag_is_allowed() {
    let tags = Arc::new(Tags::default());
    let app = app(&allowed_when_public("s3:GetObject"), &tags);
    assert_eq!(status(&app, Method::GET, "b/open").await, StatusCode::OK);
    assert_eq!(tags.asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_object_with_another_value_is_refused() {
    let tags = Arc::new(Tags::default());
    let app = app(&allowed_when_public("s3:GetObject"), &tags);
    assert_eq!(
        status(&app, Method::GET, "b/closed").await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_missing_object_has_no_tags_and_is_refused() {
    let tags = Arc::new(Tags::default());
    let app = app(&allowed_when_public("s3:GetObject"), &tags);
    assert_eq!(
        status(&app, Method::GET, "b/nothing").await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_explicit_deny_on_a_tag_wins() {
    let tags = Arc::new(Tags::default());
    let statements = r#"[
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEquals": {"s3:ExistingObjectTag/public": "no"}}}]"#;
    let app = app(statements, &tags);
    assert_eq!(status(&app, Method::GET, "b/open").await, StatusCode::OK);
    assert_eq!(
        status(&app, Method::GET, "b/closed").await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_tags_are_not_read_when_no_policy_tests_them() {
    let tags = Arc::new(Tags::default());
    let app = app(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#,
        &tags,
    );
    assert_eq!(status(&app, Method::GET, "b/open").await, StatusCode::OK);
    assert_eq!(tags.asked.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_upload_makes_its_object_and_reads_no_tags() {
    let tags = Arc::new(Tags::default());
    let app = app(&allowed_when_public("s3:PutObject"), &tags);
    // The key is absent for an upload, as AWS gives it only for existing objects.
    assert_eq!(
        status(&app, Method::PUT, "b/open").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(tags.asked.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_bucket_operation_reads_no_tags() {
    let tags = Arc::new(Tags::default());
    let app = app(&allowed_when_public("s3:ListBucket"), &tags);
    assert_eq!(status(&app, Method::GET, "b").await, StatusCode::FORBIDDEN);
    assert_eq!(tags.asked.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_delete_reads_no_tags_and_a_tag_condition_does_not_allow_it() {
    let tags = Arc::new(Tags::default());
    let app = app(&allowed_when_public("s3:DeleteObject"), &tags);
    // AWS gives the key for no DELETE of an object, so the statement never applies.
    assert_eq!(
        status(&app, Method::DELETE, "b/open").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(tags.asked.load(Ordering::SeqCst), 0);
}

/// Alice may write any object, and read those tagged `public=yes`.
fn writes_all_reads_public() -> String {
    format!(
        r#"[{{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}}, {}]"#,
        allowed_when_public("s3:GetObject")
    )
}

#[tokio::test]
async fn a_copy_reads_its_source_by_the_sources_tags() {
    let tags = Arc::new(Tags::default());
    let app = app(&writes_all_reads_public(), &tags);
    let copy = |source| [("x-amz-copy-source", source)];
    assert_eq!(
        status_with(&app, Method::PUT, "b/copy", &copy("/b/open")).await,
        StatusCode::OK
    );
    // Only the source was asked about: the destination is being written.
    assert_eq!(tags.asked.load(Ordering::SeqCst), 1);
    assert_eq!(
        status_with(&app, Method::PUT, "b/copy", &copy("/b/closed")).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_copy_onto_a_tagged_object_is_not_allowed_by_the_destinations_tags() {
    let tags = Arc::new(Tags::default());
    // Writing needs the tag here: a key AWS does not give for a PUT.
    let statements = r#"[
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"StringEquals": {"s3:ExistingObjectTag/public": "yes"}}}]"#;
    let app = app(statements, &tags);
    let copy = [("x-amz-copy-source", "/b/open")];
    assert_eq!(
        status_with(&app, Method::PUT, "b/open", &copy).await,
        StatusCode::FORBIDDEN
    );
}
