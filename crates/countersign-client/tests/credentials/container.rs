//! `ContainerProvider` against a server on loopback that checks the authorization token.

use std::net::SocketAddr;

use countersign_client::credentials_chain::{ContainerProvider, Environment};
use countersign_client::CredentialsErrorKind;
use time::macros::datetime;

use crate::server::{serve, Reply, Server};

const CREDENTIALS: &str = r#"{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "container-secret", "Token": "container-token", "Expiration": "2032-01-01T00:00:00Z", "RoleArn": "arn:aws:iam::1:role/task"}"#;

/// A server that hands out CREDENTIALS at /creds to requests bearing `token`, and 401 to
/// others.
async fn agent(token: &'static str) -> Server {
    serve(move |request| {
        if request.headers.get("authorization").map(String::as_str) != Some(token) {
            return Reply::Respond(401, "no".to_string());
        }
        if request.path != "/creds" {
            return Reply::Respond(404, String::new());
        }
        Reply::Respond(200, CREDENTIALS.to_string())
    })
    .await
}

#[tokio::test]
async fn container_full_uri_on_loopback_with_the_token() {
    let server = agent("secret-token").await;
    let uri = format!("{}/creds", server.url());
    let env = Environment::from_vars([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-token"),
    ]);
    let credentials = ContainerProvider::new(env).credentials().await.unwrap();
    assert_eq!(credentials.access_key_id, "ASIACONTAINER");
    assert_eq!(credentials.secret.expose(), "container-secret");
    assert_eq!(
        credentials.session_token.as_deref(),
        Some("container-token")
    );
    assert_eq!(
        credentials.expires_at,
        Some(datetime!(2032-01-01 00:00:00 UTC))
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
}

#[tokio::test]
async fn container_token_file_wins_over_the_token_variable() {
    let server = agent("token-from-file").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "token-from-file\n").unwrap();
    let uri = format!("{}/creds", server.url());
    let env = Environment::from_vars([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "token-from-variable"),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            file.to_str().unwrap(),
        ),
    ]);
    let credentials = ContainerProvider::new(env).credentials().await.unwrap();
    assert_eq!(credentials.access_key_id, "ASIACONTAINER");
}

#[tokio::test]
async fn container_wrong_token_is_refused_and_invalid() {
    let server = agent("right").await;
    let uri = format!("{}/creds", server.url());
    let env = Environment::from_vars([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong"),
    ]);
    let error = ContainerProvider::new(env).credentials().await.unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("401"), "{error}");
}

#[tokio::test]
async fn container_relative_uri_is_asked_of_the_agent() {
    let server = agent("t").await;
    let env = Environment::from_vars([
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds"),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "t"),
        // ignored: the relative URI wins
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://127.0.0.1:1/other",
        ),
    ]);
    let credentials = ContainerProvider::new(env)
        .relative_uri_endpoint(server.addr)
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "ASIACONTAINER");
    assert_eq!(server.seen()[0].path, "/creds");
}

#[tokio::test]
async fn container_full_uri_on_another_host_is_invalid() {
    let env = Environment::from_vars([(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://192.0.2.10/creds",
    )]);
    let error = ContainerProvider::new(env).credentials().await.unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("192.0.2.10"), "{error}");
}

#[tokio::test]
async fn container_https_full_uri_is_invalid() {
    let env = Environment::from_vars([(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "https://127.0.0.1/creds",
    )]);
    let error = ContainerProvider::new(env).credentials().await.unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
}

#[tokio::test]
async fn container_token_with_a_line_break_is_invalid() {
    let server = agent("t").await;
    let uri = format!("{}/creds", server.url());
    let env = Environment::from_vars([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "t\r\nX-Injected: 1"),
    ]);
    let error = ContainerProvider::new(env).credentials().await.unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn container_unset_is_not_found() {
    let error = ContainerProvider::new(Environment::from_vars(Vec::<(String, String)>::new()))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
}

#[tokio::test]
async fn container_server_error_is_unavailable() {
    let server = serve(|_| Reply::Respond(500, "oops".to_string())).await;
    let uri = format!("{}/creds", server.url());
    let env = Environment::from_vars([("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str())]);
    let error = ContainerProvider::new(env).credentials().await.unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Unavailable);
}

#[tokio::test]
async fn container_response_larger_than_the_bound_is_refused() {
    let server = serve(|_| Reply::Respond(200, "x".repeat(200_000))).await;
    let uri = format!("{}/creds", server.url());
    let env = Environment::from_vars([("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str())]);
    let error = ContainerProvider::new(env).credentials().await.unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Unavailable);
    assert!(error.message().contains("larger than"), "{error}");
}

#[tokio::test]
async fn container_endpoint_that_is_not_listening_is_unavailable() {
    let closed: SocketAddr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let uri = format!("http://{closed}/creds");
    let env = Environment::from_vars([("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str())]);
    let error = ContainerProvider::new(env).credentials().await.unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Unavailable);
}
