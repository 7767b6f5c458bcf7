//! Roles the credential chain assumes through STS (moto's, its endpoint set as the AWS SDKs
//! read it): a profile's `role_arn` with `source_profile`, a profile's
//! `web_identity_token_file`, the environment's web identity, and the refresh before expiry.

use std::sync::Arc;
use std::time::Duration;

use countersign_client::credentials_chain::{
    CachedCredentials, DefaultCredentialsChain, Environment, ProfileProvider,
};
use countersign_client::{Credentials, CredentialsErrorKind, ProvideCredentials, StsClient};

use crate::moto::{moto, Moto};

/// A home directory with `.aws/config` holding `config`.
fn home(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
    std::fs::write(dir.path().join(".aws").join("config"), config).unwrap();
    dir
}

/// An environment with `home` and `extra`, no instance metadata.
fn env(home: &tempfile::TempDir, extra: &[(&str, String)]) -> Environment {
    let mut vars = vec![
        (
            "HOME".to_string(),
            home.path().to_str().unwrap().to_string(),
        ),
        ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    Environment::from_vars(vars)
}

/// Who moto says the credentials are.
async fn arn_of(moto: &Moto, credentials: Credentials) -> String {
    StsClient::new(None)
        .endpoint(moto.endpoint())
        .get_caller_identity(credentials)
        .await
        .unwrap()
        .arn
}

const ROLE_PROFILE: &str = "[profile base]\n\
    aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
    aws_secret_access_key = base-secret\n\
    [profile deploy]\n\
    role_arn = arn:aws:iam::123456789012:role/deployer\n\
    source_profile = base\n\
    role_session_name = from-profile\n\
    region = eu-west-1\n";

#[tokio::test]
async fn chain_assumes_a_profile_role_at_the_endpoint_of_aws_endpoint_url_sts() {
    let moto = moto();
    let home = home(ROLE_PROFILE);
    let env = env(
        &home,
        &[
            ("AWS_PROFILE", "deploy".to_string()),
            ("AWS_ENDPOINT_URL_STS", moto.url()),
            // The general variable names another place, which the STS one wins over.
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_string()),
        ],
    );
    let credentials = DefaultCredentialsChain::new(env)
        .credentials()
        .await
        .unwrap();
    assert!(credentials.session_token.is_some());
    assert!(credentials.expires_at.is_some());
    assert_eq!(
        arn_of(&moto, credentials).await,
        "arn:aws:sts::123456789012:assumed-role/deployer/from-profile"
    );
}

#[tokio::test]
async fn chain_assumes_a_profile_role_at_the_endpoint_of_aws_endpoint_url() {
    let moto = moto();
    let home = home(ROLE_PROFILE);
    let env = env(
        &home,
        &[
            ("AWS_PROFILE", "deploy".to_string()),
            ("AWS_ENDPOINT_URL", moto.url()),
        ],
    );
    let credentials = DefaultCredentialsChain::new(env)
        .credentials()
        .await
        .unwrap();
    assert_eq!(
        arn_of(&moto, credentials).await,
        "arn:aws:sts::123456789012:assumed-role/deployer/from-profile"
    );
}

#[tokio::test]
async fn chain_role_refused_by_sts_is_invalid_and_says_why() {
    let moto = moto();
    let long_name = "n".repeat(65);
    let home = home(&format!(
        "{ROLE_PROFILE}[profile bad]\nrole_arn = arn:aws:iam::123456789012:role/r\n\
         source_profile = base\nrole_session_name = {long_name}\n"
    ));
    let env = env(
        &home,
        &[
            ("AWS_PROFILE", "bad".to_string()),
            ("AWS_ENDPOINT_URL_STS", moto.url()),
        ],
    );
    let error = DefaultCredentialsChain::new(env)
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.to_string().contains("ValidationError"), "{error}");
    assert!(error.to_string().contains("role/r"), "{error}");
}

#[tokio::test]
async fn chain_assumes_the_web_identity_role_of_the_environment() {
    let moto = moto();
    let home = home("");
    let token = home.path().join("token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.e30.sig\n").unwrap();
    let env = env(
        &home,
        &[
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                token.to_str().unwrap().to_string(),
            ),
            (
                "AWS_ROLE_ARN",
                "arn:aws:iam::123456789012:role/eks-pod".to_string(),
            ),
            ("AWS_ROLE_SESSION_NAME", "pod-session".to_string()),
            ("AWS_ENDPOINT_URL_STS", moto.url()),
        ],
    );
    let credentials = DefaultCredentialsChain::new(env)
        .credentials()
        .await
        .unwrap();
    assert_eq!(
        arn_of(&moto, credentials).await,
        "arn:aws:sts::123456789012:assumed-role/eks-pod/pod-session"
    );
}

#[tokio::test]
async fn profile_web_identity_token_file_through_sts() {
    let moto = moto();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "eyJ.token.sig").unwrap();
    let home = home(&format!(
        "[profile web]\nrole_arn = arn:aws:iam::123456789012:role/web\n\
         web_identity_token_file = {}\nrole_session_name = web-session\n",
        token.display()
    ));
    let env = env(&home, &[("AWS_ENDPOINT_URL_STS", moto.url())]);
    let credentials = ProfileProvider::new(env.clone())
        .profile("web")
        .assume_role(Arc::new(StsClient::from_env(env)))
        .credentials()
        .await
        .unwrap();
    assert_eq!(
        arn_of(&moto, credentials).await,
        "arn:aws:sts::123456789012:assumed-role/web/web-session"
    );
}

#[tokio::test]
async fn cached_role_credentials_are_assumed_again_before_they_expire() {
    let moto = moto();
    // Fifteen minutes of validity.
    let home = home(&format!("{ROLE_PROFILE}duration_seconds = 900\n"));
    let env = env(
        &home,
        &[
            ("AWS_PROFILE", "deploy".to_string()),
            ("AWS_ENDPOINT_URL_STS", moto.url()),
        ],
    );
    // Kept until five minutes before expiry: the second call is served the same keys.
    let kept = CachedCredentials::new(DefaultCredentialsChain::new(env.clone()));
    let first = kept.provide_credentials().await.unwrap();
    let second = kept.provide_credentials().await.unwrap();
    assert_eq!(first.access_key_id, second.access_key_id);
    // Refreshed twenty minutes before expiry, that is at once: the role is assumed again,
    // and STS hands out other keys.
    let refreshing = CachedCredentials::new(DefaultCredentialsChain::new(env))
        .refresh_before(Duration::from_secs(20 * 60));
    let first = refreshing.provide_credentials().await.unwrap();
    let second = refreshing.provide_credentials().await.unwrap();
    assert_ne!(first.access_key_id, second.access_key_id);
    assert_eq!(
        arn_of(&moto, second).await,
        "arn:aws:sts::123456789012:assumed-role/deployer/from-profile"
    );
}
