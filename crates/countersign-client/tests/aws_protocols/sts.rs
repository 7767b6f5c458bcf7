//! STS on the Query client: GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity, and
//! STS's errors.

use countersign_client::credentials_chain::{AssumeRoleRequest, WebIdentityRequest};
use countersign_client::{CallError, QueryClient, StsClient};

use crate::moto::{moto, test_credentials};

#[tokio::test]
async fn sts_get_caller_identity_through_the_query_client() {
    let moto = moto();
    let sts = QueryClient::new(moto.signing("sts"), moto.endpoint());
    let response = sts
        .call(
            "GetCallerIdentity",
            "2011-06-15",
            Vec::<(&str, &str)>::new(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.root().name(), "GetCallerIdentityResponse");
    // moto's default account, and the ARN it gives an unknown key.
    assert_eq!(
        response.text("GetCallerIdentityResult/Account"),
        Some("123456789012")
    );
    assert_eq!(
        response.text("GetCallerIdentityResult/Arn"),
        Some("arn:aws:sts::123456789012:user/moto")
    );
    assert!(response.request_id().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn sts_client_get_caller_identity() {
    let moto = moto();
    let sts = StsClient::new(Some("us-east-1")).endpoint(moto.endpoint());
    let me = sts.get_caller_identity(test_credentials()).await.unwrap();
    assert_eq!(me.account, "123456789012");
    assert_eq!(me.arn, "arn:aws:sts::123456789012:user/moto");
}

#[tokio::test]
async fn sts_assume_role_gives_credentials_that_are_the_role() {
    let moto = moto();
    let sts = StsClient::new(Some("us-east-1")).endpoint(moto.endpoint());
    let mut request = AssumeRoleRequest::new("arn:aws:iam::123456789012:role/deployer");
    request.role_session_name = Some("ci-run".to_string());
    request.duration_seconds = Some(900);
    let before = time::OffsetDateTime::now_utc();
    let role = sts.assume_role(test_credentials(), &request).await.unwrap();
    assert!(role.session_token.is_some());
    let expires_at = role.expires_at.expect("temporary credentials expire");
    let lifetime = expires_at - before;
    assert!(
        lifetime > time::Duration::seconds(800) && lifetime < time::Duration::seconds(1000),
        "{lifetime}"
    );
    let me = sts.get_caller_identity(role).await.unwrap();
    assert_eq!(
        me.arn,
        "arn:aws:sts::123456789012:assumed-role/deployer/ci-run"
    );
}

#[tokio::test]
async fn sts_assume_role_with_web_identity_gives_credentials_that_are_the_role() {
    let moto = moto();
    let sts = StsClient::new(None).endpoint(moto.endpoint());
    let mut request = WebIdentityRequest::new("arn:aws:iam::123456789012:role/web", "eyJ.token");
    request.role_session_name = Some("pod".to_string());
    let role = sts.assume_role_with_web_identity(&request).await.unwrap();
    assert!(role.expires_at.is_some());
    let me = sts.get_caller_identity(role).await.unwrap();
    assert_eq!(me.arn, "arn:aws:sts::123456789012:assumed-role/web/pod");
}

#[tokio::test]
async fn sts_error_of_a_bad_parameter_is_a_service_error() {
    let moto = moto();
    let sts = StsClient::new(Some("us-east-1")).endpoint(moto.endpoint());
    let mut request = AssumeRoleRequest::new("arn:aws:iam::123456789012:role/r");
    // STS's limit on a session name is 64 characters.
    request.role_session_name = Some("s".repeat(65));
    let error = sts
        .assume_role(test_credentials(), &request)
        .await
        .unwrap_err();
    let CallError::Service(error) = error else {
        panic!("not a service error: {error}");
    };
    assert_eq!(error.status, 400);
    assert_eq!(error.code, "ValidationError");
    assert!(
        error.message.contains("roleSessionName"),
        "{}",
        error.message
    );
    assert_eq!(error.fault.as_deref(), Some("Sender"));
}
