//! `ImdsProvider` against a server on loopback that plays IMDSv2: it hands out a token on
//! `PUT /latest/api/token` and refuses metadata requests without it.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use countersign_client::credentials_chain::{Environment, ImdsProvider};
use countersign_client::CredentialsErrorKind;
use time::macros::datetime;

use crate::server::{serve, Reply, Server};

const TOKEN: &str = "AQAEAIMDSTOKEN==";
const ROLE_CREDENTIALS: &str = r#"{"Code": "Success", "LastUpdated": "2030-01-01T00:00:00Z", "Type": "AWS-HMAC", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "imds-secret", "Token": "imds-token", "Expiration": "2030-01-01T06:00:00Z"}"#;

/// IMDSv2 with role `role` (none when `None`).
async fn imds(role: Option<&'static str>) -> Server {
    serve(move |request| {
        if request.path == "/latest/api/token" {
            if request.method != "PUT"
                || !request
                    .headers
                    .contains_key("x-aws-ec2-metadata-token-ttl-seconds")
            {
                return Reply::Respond(400, String::new());
            }
            return Reply::Respond(200, TOKEN.to_string());
        }
        if request
            .headers
            .get("x-aws-ec2-metadata-token")
            .map(String::as_str)
            != Some(TOKEN)
        {
            return Reply::Respond(401, String::new());
        }
        match (request.path.as_str(), role) {
            ("/latest/meta-data/iam/security-credentials/", Some(role)) => {
                Reply::Respond(200, format!("{role}\n"))
            }
            (path, Some(role))
                if path == format!("/latest/meta-data/iam/security-credentials/{role}") =>
            {
                Reply::Respond(200, ROLE_CREDENTIALS.to_string())
            }
            _ => Reply::Respond(404, String::new()),
        }
    })
    .await
}

fn no_env() -> Environment {
    Environment::from_vars(Vec::<(String, String)>::new())
}

#[tokio::test]
async fn imds_v2_hands_out_the_role_credentials_with_their_expiry() {
    let server = imds(Some("web-server")).await;
    let credentials = ImdsProvider::new(no_env())
        .endpoint(server.url())
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "ASIAIMDS");
    assert_eq!(credentials.secret.expose(), "imds-secret");
    assert_eq!(credentials.session_token.as_deref(), Some("imds-token"));
    assert_eq!(
        credentials.expires_at,
        Some(datetime!(2030-01-01 06:00:00 UTC))
    );
    let seen = server.seen();
    let paths: Vec<(&str, &str)> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("PUT", "/latest/api/token"),
            ("GET", "/latest/meta-data/iam/security-credentials/"),
            (
                "GET",
                "/latest/meta-data/iam/security-credentials/web-server"
            ),
        ]
    );
    assert_eq!(
        seen[0].headers["x-aws-ec2-metadata-token-ttl-seconds"],
        "21600"
    );
}

#[tokio::test]
async fn imds_server_refuses_a_request_without_the_token() {
    // The fake is strict: what the provider's success above proves is that it sent the
    // token each time.
    let server = imds(Some("web-server")).await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
}

#[tokio::test]
async fn imds_endpoint_from_the_environment() {
    let server = imds(Some("r")).await;
    let url = server.url();
    let env = Environment::from_vars([("AWS_EC2_METADATA_SERVICE_ENDPOINT", url.as_str())]);
    let credentials = ImdsProvider::new(env).credentials().await.unwrap();
    assert_eq!(credentials.access_key_id, "ASIAIMDS");
}

#[tokio::test]
async fn imds_endpoint_in_code_wins_over_the_environment() {
    let server = imds(Some("r")).await;
    let env = Environment::from_vars([("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1")]);
    let credentials = ImdsProvider::new(env)
        .endpoint(server.url())
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "ASIAIMDS");
}

#[tokio::test]
async fn imds_disabled_by_the_environment_asks_nothing() {
    let server = imds(Some("r")).await;
    let env = Environment::from_vars([("AWS_EC2_METADATA_DISABLED", "TRUE")]);
    let error = ImdsProvider::new(env)
        .endpoint(server.url())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn imds_without_a_role_is_not_found() {
    let server = imds(None).await;
    let error = ImdsProvider::new(no_env())
        .endpoint(server.url())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
    assert!(error.message().contains("no IAM role"), "{error}");
}

#[tokio::test]
async fn imds_not_listening_is_not_found() {
    let closed: SocketAddr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let error = ImdsProvider::new(no_env())
        .endpoint(format!("http://{closed}"))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
}

#[tokio::test]
async fn imds_that_does_not_answer_is_bounded() {
    let server = serve(|_| Reply::Hang).await;
    let started = Instant::now();
    let error = ImdsProvider::new(no_env())
        .endpoint(server.url())
        .timeout(Duration::from_millis(300))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Unavailable);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn imds_role_name_that_is_not_a_role_name_is_refused() {
    let server = serve(|request| match request.path.as_str() {
        "/latest/api/token" => Reply::Respond(200, TOKEN.to_string()),
        _ => Reply::Respond(200, "../../../user-data\n".to_string()),
    })
    .await;
    let error = ImdsProvider::new(no_env())
        .endpoint(server.url())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn imds_answer_that_is_not_success_is_invalid() {
    let server = serve(|request| match request.path.as_str() {
        "/latest/api/token" => Reply::Respond(200, TOKEN.to_string()),
        "/latest/meta-data/iam/security-credentials/" => Reply::Respond(200, "r".to_string()),
        _ => Reply::Respond(
            200,
            r#"{"Code": "AssumeRoleUnauthorizedAccess"}"#.to_string(),
        ),
    })
    .await;
    let error = ImdsProvider::new(no_env())
        .endpoint(server.url())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(
        error.message().contains("AssumeRoleUnauthorizedAccess"),
        "{error}"
    );
}
