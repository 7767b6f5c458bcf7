//! Container credentials: the endpoint ECS (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`) or EKS
//! Pod Identity and others (`AWS_CONTAINER_CREDENTIALS_FULL_URI`) name, with the token of
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `AWS_CONTAINER_AUTHORIZATION_TOKEN`.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONNECTION, HOST};
use http::Request;
use http_body_util::Full;

use crate::credentials::Credentials;
use crate::provider::{
    CredentialsError, CredentialsErrorKind, CredentialsFuture, ProvideCredentials,
};

use super::http::{
    authority, exchange, parse_credentials, resolve, split_http_uri, HttpError, Limits,
};
use super::Environment;

const SOURCE: &str = "container credentials";

/// The ECS agent's address, where a relative URI points.
const ECS_ADDRESS: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(169, 254, 170, 2)), 80);
/// The EKS Pod Identity agent's addresses.
const EKS_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 23);
const EKS_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x23);
/// The largest token file read.
const MAX_TOKEN_SIZE: u64 = 16 * 1024;

/// Credentials of the container's endpoint, over plain HTTP (feature
/// `remote-credentials`).
///
/// - `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is a path on the ECS agent, `169.254.170.2`;
/// - else `AWS_CONTAINER_CREDENTIALS_FULL_URI` is a whole `http://` URI, whose host must be
///   a loopback address (a name must resolve to loopback addresses only) or the ECS or EKS
///   agent's (`169.254.170.2`, `169.254.170.23`, `fd00:ec2::23`), as the AWS SDKs require
///   of plain HTTP; `https://` is refused, this client being plain HTTP only;
/// - the `Authorization` header is the content of the file
///   `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, else `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
///
/// Neither URI set is [`NotFound`](CredentialsErrorKind::NotFound); a URI or token that
/// cannot be used, or an endpoint that refuses (4xx), is
/// [`Invalid`](CredentialsErrorKind::Invalid); an endpoint that cannot be reached, is too
/// slow (1 s to connect, 5 s in all unless set) or fails (5xx) is
/// [`Unavailable`](CredentialsErrorKind::Unavailable).
#[derive(Debug, Clone)]
pub struct ContainerProvider {
    env: Environment,
    relative_endpoint: SocketAddr,
    limits: Limits,
}

impl ContainerProvider {
    /// A provider reading `env`.
    pub fn new(env: Environment) -> Self {
        ContainerProvider {
            env,
            relative_endpoint: ECS_ADDRESS,
            limits: Limits {
                connect_timeout: Duration::from_secs(1),
                timeout: Duration::from_secs(5),
                max_body: 64 * 1024,
            },
        }
    }

    /// The same provider, with relative URIs on `address` rather than the ECS agent's (a
    /// test's server).
    pub fn relative_uri_endpoint(mut self, address: SocketAddr) -> Self {
        self.relative_endpoint = address;
        self
    }

    /// The same provider, giving up after `timeout` for connecting and answering together.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.limits.timeout = timeout;
        self
    }

    /// The endpoint's credentials.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let error = |kind, message: String| CredentialsError::new(SOURCE, kind, message);
        let invalid = |message: String| error(CredentialsErrorKind::Invalid, message);
        let (address, host, path) = if let Some(relative) =
            self.env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        {
            if !relative.starts_with('/') {
                return Err(invalid(format!(
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI `{relative}` does not start with /"
                )));
            }
            let address = self.relative_endpoint;
            (
                address,
                authority(&address.ip().to_string(), address.port()),
                relative,
            )
        } else if let Some(full) = self.env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            let (host, port, path) = split_http_uri(&full)
                .map_err(|why| invalid(format!("AWS_CONTAINER_CREDENTIALS_FULL_URI: {why}")))?;
            let addresses = resolve(&host, port).await.map_err(|why| {
                error(
                    CredentialsErrorKind::Unavailable,
                    format!("AWS_CONTAINER_CREDENTIALS_FULL_URI: {why}"),
                )
            })?;
            if !addresses.iter().all(|a| allowed(a.ip())) {
                return Err(invalid(format!(
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI: host {host} is neither a loopback address \
                         nor the ECS or EKS agent's, which plain http requires"
                    )));
            }
            (addresses[0], authority(&host, port), path)
        } else {
            return Err(error(
                    CredentialsErrorKind::NotFound,
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set"
                        .to_string(),
                ));
        };
        let mut request = Request::get(path.as_str())
            .header(ACCEPT, "application/json")
            .header(CONNECTION, "close");
        request = request.header(
            HOST,
            HeaderValue::from_str(&host).map_err(|_| invalid(format!("bad host `{host}`")))?,
        );
        if let Some(token) = self.token()? {
            let value = HeaderValue::from_str(&token).map_err(|_| {
                invalid(
                    "the authorization token is not a valid header value (a control character?)"
                        .to_string(),
                )
            })?;
            request = request.header(AUTHORIZATION, value);
        }
        let request = request
            .body(Full::new(Bytes::new()))
            .map_err(|e| invalid(format!("cannot make a request for `{path}`: {e}")))?;
        let (status, body) =
            exchange(address, request, self.limits)
                .await
                .map_err(|e| match e {
                    HttpError::Connect(why) | HttpError::Exchange(why) => {
                        error(CredentialsErrorKind::Unavailable, why)
                    }
                })?;
        if status.is_client_error() {
            return Err(invalid(format!("the endpoint refused: {status}")));
        }
        if !status.is_success() {
            return Err(error(
                CredentialsErrorKind::Unavailable,
                format!("the endpoint failed: {status}"),
            ));
        }
        parse_credentials(&body).map_err(invalid)
    }

    /// The authorization token: the file's, else the variable's, without surrounding
    /// whitespace.
    fn token(&self) -> Result<Option<String>, CredentialsError> {
        let invalid =
            |message: String| CredentialsError::new(SOURCE, CredentialsErrorKind::Invalid, message);
        if let Some(path) = self.env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            let file = std::fs::File::open(&path).map_err(|e| {
                invalid(format!(
                    "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path}: {e}"
                ))
            })?;
            let mut bytes = Vec::new();
            file.take(MAX_TOKEN_SIZE + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| {
                    invalid(format!(
                        "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path}: {e}"
                    ))
                })?;
            if bytes.len() as u64 > MAX_TOKEN_SIZE {
                return Err(invalid(format!(
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path} is larger than {} KiB",
                    MAX_TOKEN_SIZE / 1024
                )));
            }
            let token = String::from_utf8(bytes).map_err(|_| {
                invalid(format!(
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path} is not text"
                ))
            })?;
            return Ok(Some(token.trim().to_string()));
        }
        Ok(self
            .env
            .get("AWS_CONTAINER_AUTHORIZATION_TOKEN")
            .map(|t| t.trim().to_string()))
    }
}

impl ProvideCredentials for ContainerProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.credentials())
    }
}

/// Whether a full URI may point at `ip` over plain HTTP.
fn allowed(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    ip.is_loopback()
        || ip == ECS_ADDRESS.ip()
        || ip == IpAddr::V4(EKS_V4)
        || ip == IpAddr::V6(EKS_V6)
}
