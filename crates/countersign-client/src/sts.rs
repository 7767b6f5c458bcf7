//! [`StsClient`]: AWS STS on the Query protocol — `GetCallerIdentity`, `AssumeRole` and
//! `AssumeRoleWithWebIdentity` — and the [`AssumeRole`] the credential chain assumes its
//! roles through.

use std::sync::Arc;

use http::StatusCode;
use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::credentials_chain::{
    default_region, AssumeRole, AssumeRoleRequest, Environment, WebIdentityRequest,
};
use crate::endpoint::Endpoint;
use crate::provider::{
    CredentialsError, CredentialsErrorKind, CredentialsFuture, ProvideCredentials,
};
use crate::query::{QueryClient, QueryResponse};
use crate::retry_config::RetryConfig;
use crate::send_error::SendError;
use crate::service_error::CallError;
use crate::signing::Signing;

/// The version of the STS API called.
pub const STS_API_VERSION: &str = "2011-06-15";

/// The region STS is signed for when none is known (that of the global endpoint).
const GLOBAL_REGION: &str = "us-east-1";

/// Who a caller is, as `GetCallerIdentity` says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallerIdentity {
    /// The account's id.
    pub account: String,
    /// The caller's ARN (a user's, an assumed role's session, …).
    pub arn: String,
    /// The caller's unique id.
    pub user_id: String,
}

/// A client of STS. Where it calls:
///
/// - [`StsClient::new`]: a region given (or none), the endpoint
///   [`Endpoint::sts`] gives for it, unless [`StsClient::endpoint`] sets another;
/// - [`StsClient::from_env`]: what an environment configures, read at each call as the AWS
///   SDKs read it: the region of `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's
///   `region` (the profile that assumes the role, for a profile's role; `AWS_PROFILE`'s, or
///   `default`, otherwise); the endpoint of `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`
///   ([`Endpoint::configured`]), else the regional endpoint for that region (the global one
///   without a region, or for the older regions when `AWS_STS_REGIONAL_ENDPOINTS` is
///   `legacy`; see [`Endpoint::sts_legacy`]).
///
/// Calls are signed for the region (`us-east-1` without one) and the service `sts`, and
/// retried in AWS's standard mode. `AssumeRoleWithWebIdentity` is sent unsigned, as AWS
/// defines it.
///
/// As an [`AssumeRole`], it is what the credential chain assumes roles with: the
/// `DefaultCredentialsChain` has `StsClient::from_env` plugged in with this crate's `sts`
/// feature; a [`ProfileProvider`](crate::credentials_chain::ProfileProvider) or a
/// [`WebIdentityProvider`](crate::credentials_chain::WebIdentityProvider) takes one through
/// its `assume_role` method. Roles of profiles with `mfa_serial` are refused (there is no
/// one to ask for the code). Wrap the provider in a
/// [`CachedCredentials`](crate::credentials_chain::CachedCredentials) so that the role's
/// credentials are kept and assumed again before they expire.
///
/// ```no_run
/// use countersign_client::{Credentials, StsClient};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let sts = StsClient::new(Some("eu-west-1"));
/// let me = sts.get_caller_identity(Credentials::new("AKIDEXAMPLE", "secret")).await?;
/// println!("{} in {}", me.arn, me.account);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct StsClient {
    client: reqwest::Client,
    region: Option<String>,
    endpoint: Option<Endpoint>,
    env: Option<Environment>,
    retry: RetryConfig,
}

impl StsClient {
    /// A client of STS in `region` (the global endpoint for `None`).
    pub fn new(region: Option<&str>) -> Self {
        StsClient {
            client: reqwest::Client::new(),
            region: region.map(str::to_string),
            endpoint: None,
            env: None,
            retry: RetryConfig::standard(),
        }
    }

    /// A client of STS where `env` says, read at each call (see above).
    pub fn from_env(env: Environment) -> Self {
        StsClient {
            env: Some(env),
            ..StsClient::new(None)
        }
    }

    /// The same client, calling `endpoint` whatever the region and the environment say.
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// The same client, signing for `region` whatever the environment says.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The same client, sending with `client`.
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.client = client;
        self
    }

    /// The same client, retrying as `retry` says.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The region and endpoint of a call for `profile` (the profile assuming a role).
    fn place(&self, profile: Option<&str>) -> (String, Endpoint) {
        let region = self.region.clone().or_else(|| {
            let env = self.env.as_ref()?;
            env.get("AWS_REGION")
                .or_else(|| env.get("AWS_DEFAULT_REGION"))
                .or_else(|| default_region(env, profile).ok().flatten())
        });
        let endpoint = self.endpoint.clone().unwrap_or_else(|| {
            let env = self.env.as_ref();
            if let Some(endpoint) = env.and_then(|env| Endpoint::configured(env, "STS")) {
                return endpoint;
            }
            let legacy = env
                .and_then(|env| env.get("AWS_STS_REGIONAL_ENDPOINTS"))
                .is_some_and(|v| v.eq_ignore_ascii_case("legacy"));
            if legacy {
                Endpoint::sts_legacy(region.as_deref())
            } else {
                Endpoint::sts(region.as_deref())
            }
        });
        (
            region.unwrap_or_else(|| GLOBAL_REGION.to_string()),
            endpoint,
        )
    }

    /// A Query client of STS signing with `credentials`, for `profile`.
    fn query(
        &self,
        credentials: impl ProvideCredentials + 'static,
        profile: Option<&str>,
    ) -> QueryClient {
        let (region, endpoint) = self.place(profile);
        let signing = Signing::new(credentials, region, "sts").retry(self.retry);
        QueryClient::new(signing, endpoint).with_client(self.client.clone())
    }

    /// `GetCallerIdentity`, signed with `credentials`.
    pub async fn get_caller_identity(
        &self,
        credentials: impl ProvideCredentials + 'static,
    ) -> Result<CallerIdentity, CallError> {
        let response = self
            .query(credentials, None)
            .call("GetCallerIdentity", STS_API_VERSION, no_params())
            .await?;
        let field = |name: &str| required(&response, &format!("GetCallerIdentityResult/{name}"));
        Ok(CallerIdentity {
            account: field("Account")?,
            arn: field("Arn")?,
            user_id: field("UserId")?,
        })
    }

    /// `AssumeRole` of `request.role_arn`, signed with `source`: the role's temporary
    /// credentials, with their expiry. The session is named `request.role_session_name`, else
    /// `countersign-{unix time}`.
    pub async fn assume_role(
        &self,
        source: impl ProvideCredentials + 'static,
        request: &AssumeRoleRequest,
    ) -> Result<Credentials, CallError> {
        let session_name = session_name(request.role_session_name.as_deref());
        let mut params = vec![
            ("RoleArn", request.role_arn.clone()),
            ("RoleSessionName", session_name),
        ];
        if let Some(id) = &request.external_id {
            params.push(("ExternalId", id.clone()));
        }
        if let Some(seconds) = request.duration_seconds {
            params.push(("DurationSeconds", seconds.to_string()));
        }
        let profile = Some(request.profile.as_str()).filter(|p| !p.is_empty());
        let response = self
            .query(source, profile)
            .call("AssumeRole", STS_API_VERSION, params)
            .await?;
        credentials_of(&response, "AssumeRoleResult")
    }

    /// `AssumeRoleWithWebIdentity` of `request.role_arn` with `request.token`, unsigned: the
    /// role's temporary credentials, with their expiry.
    pub async fn assume_role_with_web_identity(
        &self,
        request: &WebIdentityRequest,
    ) -> Result<Credentials, CallError> {
        let params = [
            ("RoleArn", request.role_arn.clone()),
            (
                "RoleSessionName",
                session_name(request.role_session_name.as_deref()),
            ),
            ("WebIdentityToken", request.token.clone()),
        ];
        let response = self
            .query(Credentials::new("", ""), request.profile.as_deref())
            .call_unsigned("AssumeRoleWithWebIdentity", STS_API_VERSION, params)
            .await?;
        credentials_of(&response, "AssumeRoleWithWebIdentityResult")
    }
}

fn no_params() -> [(&'static str, &'static str); 0] {
    []
}

/// The session's name: the one given, else `countersign-{unix time}`.
fn session_name(given: Option<&str>) -> String {
    match given {
        Some(name) => name.to_string(),
        None => format!("countersign-{}", OffsetDateTime::now_utc().unix_timestamp()),
    }
}

/// The text at `path`, which a well-formed response has.
fn required(response: &QueryResponse, path: &str) -> Result<String, CallError> {
    response
        .text(path)
        .map(|text| text.trim().to_string())
        .ok_or_else(|| CallError::Response {
            status: response.status(),
            message: format!("STS's response has no {path}"),
        })
}

/// The `Credentials` of a response's `result` element.
fn credentials_of(response: &QueryResponse, result: &str) -> Result<Credentials, CallError> {
    let field = |name: &str| required(response, &format!("{result}/Credentials/{name}"));
    let expiration = field("Expiration")?;
    let expires_at = crate::credentials_chain::parse_expiration(&expiration).map_err(|e| {
        CallError::Response {
            status: response.status(),
            message: format!("STS's Expiration `{expiration}` is not an RFC 3339 time: {e}"),
        }
    })?;
    Ok(
        Credentials::new(field("AccessKeyId")?, field("SecretAccessKey")?)
            .with_session_token(field("SessionToken")?)
            .with_expiry(expires_at),
    )
}

/// A failed STS call as the credential chain reports it: the service's refusals (4xx but
/// throttling) are [`Invalid`](CredentialsErrorKind::Invalid), the rest (no answer, 5xx,
/// throttling, an unreadable answer) [`Unavailable`](CredentialsErrorKind::Unavailable); a
/// failure of the source credentials is theirs.
fn credentials_error(source: String, error: CallError) -> CredentialsError {
    let kind = match &error {
        CallError::Send(SendError::Credentials(inner)) => return inner.clone(),
        CallError::Service(e)
            if e.status.is_client_error()
                && e.status != StatusCode::TOO_MANY_REQUESTS
                && !e.code.contains("Throttl") =>
        {
            CredentialsErrorKind::Invalid
        }
        _ => CredentialsErrorKind::Unavailable,
    };
    CredentialsError::new(source, kind, error.to_string())
}

impl AssumeRole for StsClient {
    fn assume_role<'a>(
        &'a self,
        source: Credentials,
        request: &'a AssumeRoleRequest,
    ) -> CredentialsFuture<'a> {
        Box::pin(async move {
            let name = format!(
                "STS AssumeRole of {} (profile [{}])",
                request.role_arn, request.profile
            );
            if let Some(serial) = &request.mfa_serial {
                return Err(CredentialsError::new(
                    name,
                    CredentialsErrorKind::Invalid,
                    format!(
                        "the role needs an MFA code (mfa_serial = {serial}), which \
                         countersign-client cannot ask for"
                    ),
                ));
            }
            StsClient::assume_role(self, source, request)
                .await
                .map_err(|e| credentials_error(name, e))
        })
    }

    fn assume_role_with_web_identity<'a>(
        &'a self,
        request: &'a WebIdentityRequest,
    ) -> CredentialsFuture<'a> {
        Box::pin(async move {
            let name = format!("STS AssumeRoleWithWebIdentity of {}", request.role_arn);
            StsClient::assume_role_with_web_identity(self, request)
                .await
                .map_err(|e| credentials_error(name, e))
        })
    }
}

/// The chain's default STS client, for an environment.
pub(crate) fn for_chain(env: Environment) -> Arc<dyn AssumeRole> {
    Arc::new(StsClient::from_env(env))
}
