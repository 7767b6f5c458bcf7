//! `EnvironmentProvider`: the variables the AWS CLI reads, from a fixed environment.

use countersign_client::credentials_chain::{Environment, EnvironmentProvider};
use countersign_client::CredentialsErrorKind;
use time::macros::datetime;

fn provider(vars: &[(&str, &str)]) -> EnvironmentProvider {
    EnvironmentProvider::new(Environment::from_vars(vars.iter().copied()))
}

#[test]
fn env_keys_and_session_token_are_read() {
    let credentials = provider(&[
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ("AWS_SESSION_TOKEN", "env-token"),
    ])
    .credentials()
    .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDENV");
    assert_eq!(credentials.secret.expose(), "env-secret");
    assert_eq!(credentials.session_token.as_deref(), Some("env-token"));
    assert_eq!(credentials.expires_at, None);
}

#[test]
fn env_without_access_key_is_not_found() {
    let error = provider(&[("AWS_SECRET_ACCESS_KEY", "s")])
        .credentials()
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
}

#[test]
fn env_empty_access_key_counts_as_unset() {
    let error = provider(&[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "s")])
        .credentials()
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
}

#[test]
fn env_access_key_without_secret_is_invalid() {
    let error = provider(&[("AWS_ACCESS_KEY_ID", "AKIDENV")])
        .credentials()
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("AWS_SECRET_ACCESS_KEY"), "{error}");
}

#[test]
fn env_legacy_security_token_is_read_first_as_the_aws_cli_does() {
    let credentials = provider(&[
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_SECURITY_TOKEN", "legacy-token"),
        ("AWS_SESSION_TOKEN", "session-token"),
    ])
    .credentials()
    .unwrap();
    assert_eq!(credentials.session_token.as_deref(), Some("legacy-token"));
}

#[test]
fn env_java_sdk_names_are_not_read() {
    let error = provider(&[("AWS_ACCESS_KEY", "AKIDJAVA"), ("AWS_SECRET_KEY", "s")])
        .credentials()
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
}

#[test]
fn env_expiration_is_parsed() {
    let credentials = provider(&[
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_CREDENTIAL_EXPIRATION", "2030-01-02T03:04:05Z"),
    ])
    .credentials()
    .unwrap();
    assert_eq!(
        credentials.expires_at,
        Some(datetime!(2030-01-02 03:04:05 UTC))
    );
}

#[test]
fn env_expiration_that_is_not_a_timestamp_is_invalid() {
    let error = provider(&[
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_CREDENTIAL_EXPIRATION", "tomorrow"),
    ])
    .credentials()
    .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(
        error.message().contains("AWS_CREDENTIAL_EXPIRATION"),
        "{error}"
    );
}
