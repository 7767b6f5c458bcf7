//! EC2 instance metadata (IMDSv2): the credentials of the instance's IAM role.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, CONNECTION, HOST};
use http::{Method, Request, StatusCode};
use http_body_util::Full;

use crate::credentials::Credentials;
use crate::provider::{
    CredentialsError, CredentialsErrorKind, CredentialsFuture, ProvideCredentials,
};

use super::http::{
    authority, exchange, parse_credentials, resolve, split_http_uri, HttpError, Limits,
};
use super::Environment;

const SOURCE: &str = "instance metadata";
const DEFAULT_ENDPOINT: &str = "http://169.254.169.254";
const DEFAULT_ENDPOINT_IPV6: &str = "http://[fd00:ec2::254]";
const TOKEN_PATH: &str = "/latest/api/token";
const ROLES_PATH: &str = "/latest/meta-data/iam/security-credentials/";
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
/// The token's lifetime asked for: six hours, the most IMDS gives.
const TOKEN_TTL_SECONDS: u32 = 21_600;

/// The credentials of the EC2 instance's role, from the instance metadata service with
/// IMDSv2 (feature `remote-credentials`): a session token from `PUT /latest/api/token`,
/// then the role's name from `/latest/meta-data/iam/security-credentials/` and its
/// credentials from `/latest/meta-data/iam/security-credentials/ROLE`, each with the
/// token. IMDSv1 (without a token) is never used.
///
/// The endpoint is [`ImdsProvider::endpoint`], else `AWS_EC2_METADATA_SERVICE_ENDPOINT`,
/// else `http://[fd00:ec2::254]` when `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` is `IPv6`,
/// else `http://169.254.169.254`. `AWS_EC2_METADATA_DISABLED=true` turns it off.
///
/// Each request is bounded: 1 s to connect, 2 s in all (unless set), 64 KiB of response.
/// Turned off, no connection (not an EC2 instance), a refused token or no role attached is
/// [`NotFound`](CredentialsErrorKind::NotFound); a service that connects but does not
/// answer in time, or fails, is [`Unavailable`](CredentialsErrorKind::Unavailable); an
/// answer that cannot be used is [`Invalid`](CredentialsErrorKind::Invalid).
#[derive(Debug, Clone)]
pub struct ImdsProvider {
    env: Environment,
    endpoint: Option<String>,
    limits: Limits,
}

/// One metadata request's failure, before it is an error of this source.
type Failure = (CredentialsErrorKind, String);

impl ImdsProvider {
    /// A provider reading `env`.
    pub fn new(env: Environment) -> Self {
        ImdsProvider {
            env,
            endpoint: None,
            limits: Limits {
                connect_timeout: Duration::from_secs(1),
                timeout: Duration::from_secs(2),
                max_body: 64 * 1024,
            },
        }
    }

    /// The same provider, asking `endpoint` (an `http://` URI) whatever the environment
    /// says.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The same provider, giving up on a request after `timeout` (connecting included).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.limits.timeout = timeout;
        self
    }

    /// The role's credentials.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        self.fetch()
            .await
            .map_err(|(kind, message)| CredentialsError::new(SOURCE, kind, message))
    }

    async fn fetch(&self) -> Result<Credentials, Failure> {
        if self
            .env
            .get("AWS_EC2_METADATA_DISABLED")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            return Err((
                CredentialsErrorKind::NotFound,
                "turned off by AWS_EC2_METADATA_DISABLED".to_string(),
            ));
        }
        let endpoint = match (
            &self.endpoint,
            self.env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT"),
        ) {
            (Some(endpoint), _) => endpoint.clone(),
            (None, Some(endpoint)) => endpoint,
            (None, None) => match self.env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE") {
                Some(mode) if mode.eq_ignore_ascii_case("ipv6") => {
                    DEFAULT_ENDPOINT_IPV6.to_string()
                }
                _ => DEFAULT_ENDPOINT.to_string(),
            },
        };
        let invalid = |why: String| (CredentialsErrorKind::Invalid, why);
        let (host, port, _) =
            split_http_uri(&endpoint).map_err(|why| invalid(format!("endpoint: {why}")))?;
        let address = resolve(&host, port)
            .await
            .map_err(|why| (CredentialsErrorKind::NotFound, why))?[0];
        let session = Session {
            address,
            host: authority(&host, port),
            limits: self.limits,
        };

        let token = match session.call(Method::PUT, TOKEN_PATH, None).await? {
            (StatusCode::OK, body) => body,
            (StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED, _) => {
                return Err((
                    CredentialsErrorKind::NotFound,
                    format!("{endpoint} gives no IMDSv2 token (turned off, or not IMDS)"),
                ))
            }
            (status, _) => return Err(session.failed("a token", status)),
        };
        let token = std::str::from_utf8(&token)
            .ok()
            .map(str::trim)
            .and_then(|t| HeaderValue::from_str(t).ok())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| invalid("the IMDSv2 token is not a valid header value".to_string()))?;

        let roles = match session.call(Method::GET, ROLES_PATH, Some(&token)).await? {
            (StatusCode::OK, body) => body,
            (StatusCode::NOT_FOUND, _) => {
                return Err((
                    CredentialsErrorKind::NotFound,
                    "the instance has no IAM role".to_string(),
                ))
            }
            (status, _) => return Err(session.failed("the role's name", status)),
        };
        let role = std::str::from_utf8(&roles)
            .ok()
            .and_then(|text| text.lines().map(str::trim).find(|l| !l.is_empty()))
            .ok_or_else(|| {
                (
                    CredentialsErrorKind::NotFound,
                    "the instance has no IAM role".to_string(),
                )
            })?;
        if !valid_role_name(role) {
            return Err(invalid(
                "the role's name is not an IAM role name (1 to 64 of A-Z a-z 0-9 +=,.@_-)"
                    .to_string(),
            ));
        }

        let path = format!("{ROLES_PATH}{role}");
        match session.call(Method::GET, &path, Some(&token)).await? {
            (StatusCode::OK, body) => parse_credentials(&body).map_err(invalid),
            (status, _) => Err(session.failed("the role's credentials", status)),
        }
    }
}

impl ProvideCredentials for ImdsProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.credentials())
    }
}

/// The metadata service's address and how to reach it.
struct Session {
    address: SocketAddr,
    host: String,
    limits: Limits,
}

impl Session {
    /// One request, with the token (or, for the token itself, its lifetime).
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&HeaderValue>,
    ) -> Result<(StatusCode, Bytes), Failure> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(CONNECTION, "close");
        if let Ok(host) = HeaderValue::from_str(&self.host) {
            request = request.header(HOST, host);
        }
        request = match token {
            Some(token) => request.header(TOKEN_HEADER, token.clone()),
            None => request.header(TTL_HEADER, TOKEN_TTL_SECONDS),
        };
        let request = request.body(Full::new(Bytes::new())).map_err(|e| {
            (
                CredentialsErrorKind::Invalid,
                format!("bad request {path}: {e}"),
            )
        })?;
        exchange(self.address, request, self.limits)
            .await
            .map_err(|e| match e {
                // Nothing listens: not an EC2 instance.
                HttpError::Connect(why) => (CredentialsErrorKind::NotFound, why),
                HttpError::Exchange(why) => (CredentialsErrorKind::Unavailable, why),
            })
    }

    /// A status that is neither success nor a known "no".
    fn failed(&self, what: &str, status: StatusCode) -> Failure {
        let kind = if status.is_server_error() {
            CredentialsErrorKind::Unavailable
        } else {
            CredentialsErrorKind::Invalid
        };
        (kind, format!("{} refused {what}: {status}", self.host))
    }
}

/// Whether `name` is an IAM role name, so that it can go in a path as it is.
fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}
