//! `DefaultCredentialsChain`: the order of the sources, what stops it, and what it says
//! when nothing has credentials.

use std::time::Duration;

use countersign_client::credentials_chain::DefaultCredentialsChain;
use countersign_client::CredentialsErrorKind;

use crate::common::Home;
use crate::server::{serve, Reply};

const CREDENTIALS: &str = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s\n\
     [dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n";

const ENV_KEYS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "AKIDENV"),
    ("AWS_SECRET_ACCESS_KEY", "env-secret"),
];

/// Turns instance metadata off, so that a test never asks the real address.
const NO_IMDS: (&str, &str) = ("AWS_EC2_METADATA_DISABLED", "true");

#[tokio::test]
async fn chain_environment_wins_over_the_profile() {
    let home = Home::new(Some(CREDENTIALS), None);
    let env = home.env(&[ENV_KEYS[0], ENV_KEYS[1], NO_IMDS]);
    let credentials = DefaultCredentialsChain::new(env)
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDENV");
}

#[tokio::test]
async fn chain_aws_profile_does_not_win_over_the_environment() {
    let home = Home::new(Some(CREDENTIALS), None);
    let env = home.env(&[ENV_KEYS[0], ENV_KEYS[1], ("AWS_PROFILE", "dev"), NO_IMDS]);
    let credentials = DefaultCredentialsChain::new(env)
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDENV");
}

#[tokio::test]
async fn chain_profile_named_in_code_wins_over_the_environment() {
    let home = Home::new(Some(CREDENTIALS), None);
    let env = home.env(&[ENV_KEYS[0], ENV_KEYS[1], NO_IMDS]);
    let credentials = DefaultCredentialsChain::new(env)
        .profile(Some("dev".to_string()))
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDDEV");
}

#[tokio::test]
async fn chain_profile_when_the_environment_has_no_keys() {
    let home = Home::new(Some(CREDENTIALS), None);
    let credentials = DefaultCredentialsChain::new(home.env(&[NO_IMDS]))
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDDEFAULT");
}

#[tokio::test]
async fn chain_container_after_the_profile() {
    let server = serve(|_| {
        Reply::Respond(
            200,
            r#"{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "s", "Token": "t"}"#.to_string(),
        )
    })
    .await;
    let uri = format!("{}/creds", server.url());
    let home = Home::new(None, Some("[default]\nregion = eu-west-1\n"));
    let env = home.env(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        NO_IMDS,
    ]);
    let credentials = DefaultCredentialsChain::new(env)
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "ASIACONTAINER");
}

#[tokio::test]
async fn chain_instance_metadata_last() {
    let server = serve(|request| match request.path.as_str() {
        "/latest/api/token" => Reply::Respond(200, "tok".to_string()),
        "/latest/meta-data/iam/security-credentials/" => Reply::Respond(200, "role".to_string()),
        _ => Reply::Respond(
            200,
            r#"{"Code": "Success", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "s"}"#.to_string(),
        ),
    })
    .await;
    let home = Home::new(None, None);
    let credentials = DefaultCredentialsChain::new(home.env(&[]))
        .imds(|imds| imds.endpoint(server.url()))
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "ASIAIMDS");
}

#[tokio::test]
async fn chain_stops_at_a_malformed_profile_file() {
    let server = serve(|_| Reply::Respond(500, String::new())).await;
    let uri = format!("{}/creds", server.url());
    let home = Home::new(Some("[default]\nnot a key\n"), None);
    let env = home.env(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        NO_IMDS,
    ]);
    let error = DefaultCredentialsChain::new(env)
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.to_string().contains("line 2"), "{error}");
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn chain_stops_at_web_identity_without_sts_before_instance_metadata() {
    let server = serve(|_| Reply::Respond(500, String::new())).await;
    let home = Home::new(None, None);
    let env = home.env(&[
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ("AWS_ROLE_ARN", "arn:aws:iam::1:role/eks"),
    ]);
    let error = DefaultCredentialsChain::new(env)
        .imds(|imds| imds.endpoint(server.url()))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn chain_with_nothing_says_what_each_source_lacked() {
    let home = Home::new(None, None);
    let error = DefaultCredentialsChain::new(home.env(&[NO_IMDS]))
        .process_timeout(Duration::from_secs(1))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
    let text = error.to_string();
    for source in [
        "AWS_ACCESS_KEY_ID",
        "no profile [default]",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_EC2_METADATA_DISABLED",
    ] {
        assert!(text.contains(source), "{source} missing from: {text}");
    }
}
