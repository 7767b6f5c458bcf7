//! The authorization step: after the signature verified, the authorizer decides. In API mode
//! a request is `execute-api:Invoke` on its method ARN; a refusal is 403 `AccessDenied` in the
//! layer's format, naming the deciding statement only in debug mode; a signature that fails
//! is refused for that, before any authorization; every path a request takes to the handler
//! (its key at hand, its key waited for, its body read first) is authorized; an authorizer
//! may answer later; a key whose principal has no IAM identity is refused.

use std::sync::Arc;

use axum::body::Body;
use axum::routing::any;
use axum::Router;
use countersign::client::{Credentials, Payload, Signer};
use countersign::policy::Policy;
use countersign::server::authz::{
    AccessRequest, ApiGateway, Denial, IamIdentity, MemoryPolicyStore, Operations,
    PolicyAuthorizer, Verdict,
};
use countersign::server::keys::{key_store_fn, KeyStore, MemoryKeyStore};
use countersign::server::{Error, ErrorFormat, SigV4Layer, Verified};
use http::{Request, StatusCode};

use crate::{answer, Answer, NOW};

/// Alice, of account 111122223333.
pub(crate) const ALICE: (&str, &str) = ("AKIDALICE", "alice-secret");
/// Bob, of the same account.
pub(crate) const BOB: (&str, &str) = ("AKIDBOB", "bob-secret");
pub(crate) const ALICE_ARN: &str = "arn:aws:iam::111122223333:user/alice";
pub(crate) const BOB_ARN: &str = "arn:aws:iam::111122223333:user/bob";

/// The keys of alice and bob, as IAM users; and a key whose principal names no user.
pub(crate) fn iam_keys() -> MemoryKeyStore<Arc<IamIdentity>> {
    let keys = MemoryKeyStore::new();
    for ((id, secret), arn) in [(ALICE, ALICE_ARN), (BOB, BOB_ARN)] {
        keys.insert(id, secret, Arc::new(IamIdentity::new(arn).unwrap()));
    }
    keys
}

/// An identity policy of `statements` (a JSON list).
pub(crate) fn identity_policy(statements: &str) -> Policy {
    Policy::identity(&format!(
        r#"{{"Version": "2012-10-17", "Statement": {statements}}}"#
    ))
    .unwrap()
}

/// Alice may GET anything and delete nothing ("NoDeletes"); bob may do everything.
fn policies() -> MemoryPolicyStore {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        ALICE_ARN,
        vec![identity_policy(
            r#"[{"Sid": "ReadAll", "Effect": "Allow", "Action": "execute-api:Invoke",
                 "Resource": "arn:aws:execute-api:us-east-1:*:*/*/GET/*"},
                {"Sid": "NoDeletes", "Effect": "Deny", "Action": "execute-api:Invoke",
                 "Resource": "arn:aws:execute-api:*:*:*/*/DELETE/*"}]"#,
        )],
    );
    store.set_identity_policies(
        BOB_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}"#,
        )],
    );
    store
}

/// Answers with the signer's ARN, or `anonymous`, and the length of the body it read.
async fn echo(identity: Option<Verified<Arc<IamIdentity>>>, body: Body) -> String {
    let read = axum::body::to_bytes(body, usize::MAX)
        .await
        .map(|b| b.len())
        .unwrap_or(usize::MAX);
    match identity {
        Some(identity) => format!("{} read {read}", identity.principal.arn()),
        None => format!("anonymous read {read}"),
    }
}

/// A router of [`echo`] behind `layer`, its clock at [`NOW`].
pub(crate) fn echo_app<K: KeyStore<Principal = Arc<IamIdentity>>>(layer: SigV4Layer<K>) -> Router {
    echo_app_at(layer, NOW)
}

/// A router of [`echo`] behind `layer`, its clock at `now`.
pub(crate) fn echo_app_at<K: KeyStore<Principal = Arc<IamIdentity>>>(
    layer: SigV4Layer<K>,
    now: time::OffsetDateTime,
) -> Router {
    Router::new()
        .fallback(any(echo))
        .layer(layer.clock(move || now))
}

/// The API layer over alice and bob with [`policies`], JSON errors.
fn api_layer() -> SigV4Layer<MemoryKeyStore<Arc<IamIdentity>>> {
    SigV4Layer::new(iam_keys())
        .error_format(ErrorFormat::Json)
        .authorize(PolicyAuthorizer::new(policies()))
}

/// A request of `method` to `uri` signed by `key` for execute-api at [`NOW`], with `body`
/// (its hash declared when `declare` is set; read first by the layer otherwise).
pub(crate) fn signed_request(
    (id, secret): (&str, &str),
    method: &str,
    uri: &str,
    body: &'static [u8],
    declare: bool,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body))
        .unwrap();
    let signer = Signer::new(Credentials::new(id, secret), "us-east-1", "execute-api");
    let signer = if declare { signer.s3() } else { signer };
    signer
        .sign(&mut request, Payload::Bytes(body), NOW)
        .unwrap();
    request
}

async fn api(key: (&str, &str), method: &str, uri: &str) -> Answer {
    answer(
        &echo_app(api_layer()),
        signed_request(key, method, uri, b"", false),
    )
    .await
}

#[tokio::test]
async fn an_identity_policy_allows_what_it_names() {
    api(ALICE, "GET", "http://h/items/7")
        .await
        .assert_is(StatusCode::OK, &format!("{ALICE_ARN} read 0"));
}

#[tokio::test]
async fn an_explicit_deny_is_access_denied_in_the_layers_format() {
    let answer = api(ALICE, "DELETE", "http://h/items/7").await;
    answer.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    let json: serde_json::Value = serde_json::from_str(&answer.text).unwrap();
    assert_eq!(json["message"], "Access Denied");
}

#[tokio::test]
async fn what_no_statement_allows_is_access_denied() {
    api(ALICE, "PUT", "http://h/items/7")
        .await
        .assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn another_principals_policies_are_its_own() {
    api(BOB, "DELETE", "http://h/items/7")
        .await
        .assert_is(StatusCode::OK, &format!("{BOB_ARN} read 0"));
}

#[tokio::test]
async fn without_debug_errors_the_refusal_names_no_statement() {
    let answer = api(ALICE, "DELETE", "http://h/items/7").await;
    assert!(!answer.text.contains("NoDeletes"), "{}", answer.text);
}

#[tokio::test]
async fn a_debug_refusal_names_the_deciding_statement() {
    let app = echo_app(api_layer().debug_errors(true));
    let answer = answer(
        &app,
        signed_request(ALICE, "DELETE", "http://h/items/7", b"", false),
    )
    .await;
    answer.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    let json: serde_json::Value = serde_json::from_str(&answer.text).unwrap();
    let hint = json["debug"]["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("identity policy 0, statement \"NoDeletes\""),
        "{hint}"
    );
    assert!(
        hint.contains("execute-api:Invoke on arn:aws:execute-api:us-east-1:"),
        "{hint}"
    );
}

#[tokio::test]
async fn a_debug_refusal_says_when_no_statement_allowed() {
    let app = echo_app(api_layer().debug_errors(true));
    let answer = answer(
        &app,
        signed_request(ALICE, "PUT", "http://h/items/7", b"", false),
    )
    .await;
    answer.assert_says("no statement allows the request");
}

#[tokio::test]
async fn a_signature_that_fails_is_refused_for_that_before_authorization() {
    let mut request = signed_request(BOB, "GET", "http://h/items/7", b"", false);
    *request.uri_mut() = "http://h/items/8".parse().unwrap();
    answer(&echo_app(api_layer()), request)
        .await
        .assert_refused(StatusCode::FORBIDDEN, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn the_method_arn_names_the_configured_api_and_stage() {
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(
        ALICE_ARN,
        vec![identity_policy(
            r#"{"Effect": "Allow", "Action": "execute-api:Invoke",
                "Resource": "arn:aws:execute-api:us-east-1:111122223333:shop/prod/GET/items"}"#,
        )],
    );
    let api = ApiGateway::new()
        .account("111122223333")
        .api_id("shop")
        .stage("prod");
    let layer = SigV4Layer::new(iam_keys())
        .operations(Operations::ApiGateway(api))
        .authorize(PolicyAuthorizer::new(store));
    let app = echo_app(layer);
    let allowed = answer(
        &app,
        signed_request(ALICE, "GET", "http://h/items", b"", false),
    )
    .await;
    allowed.assert_is(StatusCode::OK, &format!("{ALICE_ARN} read 0"));
    let other = answer(
        &app,
        signed_request(ALICE, "GET", "http://h/users", b"", false),
    )
    .await;
    other.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn a_key_whose_principal_has_no_iam_identity_is_refused() {
    let keys = MemoryKeyStore::new();
    keys.insert(
        "AKIDPLAIN",
        "plain-secret",
        serde_json::json!({"user": "plain"}),
    );
    let allow_all = MemoryPolicyStore::new();
    let app = Router::new().fallback(any(|| async { "handled" })).layer(
        SigV4Layer::new(keys)
            .authorize(PolicyAuthorizer::new(allow_all))
            .debug_errors(true)
            .clock(|| NOW),
    );
    let answer = answer(
        &app,
        signed_request(
            ("AKIDPLAIN", "plain-secret"),
            "GET",
            "http://h/x",
            b"",
            false,
        ),
    )
    .await;
    answer.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    answer.assert_says("has no IAM identity");
}

#[tokio::test]
async fn a_request_whose_key_was_waited_for_is_authorized() {
    let keys = iam_keys();
    let waited = key_store_fn(move |request| {
        let found = keys.lookup_now(&request).unwrap();
        async move { found }
    });
    let layer = SigV4Layer::new(waited).authorize(PolicyAuthorizer::new(policies()));
    let app = echo_app(layer);
    let denied = answer(
        &app,
        signed_request(ALICE, "DELETE", "http://h/items/7", b"", false),
    )
    .await;
    denied.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    let allowed = answer(
        &app,
        signed_request(ALICE, "GET", "http://h/items/7", b"", false),
    )
    .await;
    allowed.assert_is(StatusCode::OK, &format!("{ALICE_ARN} read 0"));
}

#[tokio::test]
async fn a_request_whose_body_was_read_first_is_authorized() {
    let app = echo_app(api_layer());
    let denied = answer(
        &app,
        signed_request(ALICE, "POST", "http://h/items", b"{\"n\": 1}", false),
    )
    .await;
    denied.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    let allowed = answer(
        &app,
        signed_request(BOB, "POST", "http://h/items", b"{\"n\": 1}", false),
    )
    .await;
    allowed.assert_is(StatusCode::OK, &format!("{BOB_ARN} read 8"));
}

#[tokio::test]
async fn a_request_whose_body_streams_is_refused_before_the_handler_reads_it() {
    let app = echo_app(api_layer());
    let denied = answer(
        &app,
        signed_request(ALICE, "PUT", "http://h/items/7", b"0123456789", true),
    )
    .await;
    denied.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

/// An authorizer that answers later: allows GETs, refuses everything else.
fn later(request: &AccessRequest<'_, Arc<IamIdentity>>) -> Verdict {
    let get = request.parts.method == http::Method::GET;
    Verdict::Later(Box::pin(async move {
        tokio::task::yield_now().await;
        if get {
            Ok(())
        } else {
            Err(Denial::new("only GETs, later"))
        }
    }))
}

#[tokio::test]
async fn an_authorizer_may_allow_later() {
    let app = echo_app(SigV4Layer::new(iam_keys()).authorize(later));
    answer(&app, signed_request(ALICE, "GET", "http://h/x", b"", false))
        .await
        .assert_is(StatusCode::OK, &format!("{ALICE_ARN} read 0"));
}

#[tokio::test]
async fn an_authorizer_may_refuse_later() {
    let app = echo_app(
        SigV4Layer::new(iam_keys())
            .authorize(later)
            .debug_errors(true),
    );
    let answer = answer(
        &app,
        signed_request(ALICE, "PUT", "http://h/x", b"0123", true),
    )
    .await;
    answer.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    answer.assert_says("only GETs, later");
}

#[tokio::test]
async fn a_custom_authorizer_sees_the_signer() {
    let only_bob = |request: &AccessRequest<'_, Arc<IamIdentity>>| match request.identity {
        Some(identity) if identity.principal.arn() == BOB_ARN => Verdict::Allow,
        _ => Verdict::Deny(Denial::new("bob only")),
    };
    let app = echo_app(SigV4Layer::new(iam_keys()).authorize(only_bob));
    let bob = answer(&app, signed_request(BOB, "GET", "http://h/x", b"", false)).await;
    bob.assert_is(StatusCode::OK, &format!("{BOB_ARN} read 0"));
    let alice = answer(&app, signed_request(ALICE, "GET", "http://h/x", b"", false)).await;
    alice.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn without_an_authorizer_every_verified_request_is_allowed() {
    let app = echo_app(SigV4Layer::new(iam_keys()));
    answer(
        &app,
        signed_request(ALICE, "DELETE", "http://h/items/7", b"", false),
    )
    .await
    .assert_is(StatusCode::OK, &format!("{ALICE_ARN} read 0"));
}

#[tokio::test]
async fn a_rejector_renders_in_the_layers_format() {
    let layer = SigV4Layer::new(iam_keys()).error_format(ErrorFormat::Json);
    let response = layer
        .rejector()
        .reject(Error::AccessDenied(Denial::new("not yours")), "/items/7");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let answer = crate::read(response.map(Body::new)).await;
    let json: serde_json::Value = serde_json::from_str(&answer.text).unwrap();
    assert_eq!(
        (json["code"].as_str(), json["resource"].as_str()),
        (Some("AccessDenied"), Some("/items/7"))
    );
}

#[tokio::test]
async fn the_key_stores_own_principal_type_reaches_the_authorizer() {
    let keys = MemoryKeyStore::new();
    keys.insert("AKIDN", "n-secret", 7u32);
    let seven_only = |request: &AccessRequest<'_, u32>| match request.identity.map(|i| i.principal)
    {
        Some(7) => Verdict::Allow,
        _ => Verdict::Deny(Denial::new("not seven")),
    };
    let app = Router::new()
        .fallback(any(|| async { "handled" }))
        .layer(SigV4Layer::new(keys).authorize(seven_only).clock(|| NOW));
    answer(
        &app,
        signed_request(("AKIDN", "n-secret"), "GET", "http://h/x", b"", false),
    )
    .await
    .assert_is(StatusCode::OK, "handled");
}
