//! Credentials of a profile of the shared files: static keys, `credential_process`, and
//! the roles a profile assumes from another (`role_arn` with `source_profile`).

use std::sync::Arc;
use std::time::Duration;

use crate::credentials::Credentials;
use crate::provider::{
    CredentialsError, CredentialsErrorKind, CredentialsFuture, ProvideCredentials,
};

use super::files::{FileKind, ProfileFiles};
use super::process::{ProcessProvider, DEFAULT_PROCESS_TIMEOUT};
use super::sts::{AssumeRole, AssumeRoleRequest, WebIdentityRequest, NOT_SUPPORTED};
use super::web_identity::read_token;
use super::Environment;

/// Credentials of a profile of `~/.aws/credentials` and `~/.aws/config` (or the files that
/// `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` name). The profile is the one given
/// in code, else `AWS_PROFILE`, else `default`.
///
/// A profile's credentials are, as the AWS CLI looks for them:
/// 1. with `role_arn` and `web_identity_token_file`: a web identity role (through the
///    [`AssumeRole`] plugged in);
/// 2. with `role_arn` and `source_profile`: the source profile's credentials (followed
///    from profile to profile, a cycle being an error), then each role assumed in turn
///    (through the [`AssumeRole`] plugged in);
/// 3. `aws_access_key_id`, `aws_secret_access_key` and `aws_session_token` of the
///    credentials file;
/// 4. `credential_process` (of either file; see [`ProcessProvider`]);
/// 5. the same keys in the config file.
///
/// A profile with none of these is [`NotFound`](CredentialsErrorKind::NotFound), and so is
/// a missing `default` profile; a missing profile that was named (in code or by
/// `AWS_PROFILE`), a malformed file (the message names the file and the line), or a
/// profile that is set up wrong is [`Invalid`](CredentialsErrorKind::Invalid). So is a role
/// when no [`AssumeRole`] is plugged in (the `sts` feature's `StsClient` is one).
///
/// ```
/// use countersign_client::credentials_chain::{Environment, ProfileProvider};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let file = dir.path().join("credentials");
/// std::fs::write(&file, "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n")?;
/// let env = Environment::from_vars([
///     ("AWS_SHARED_CREDENTIALS_FILE", file.to_str().unwrap()),
///     ("AWS_CONFIG_FILE", "/nonexistent"),
/// ]);
/// let credentials = ProfileProvider::new(env).profile("dev").credentials().await?;
/// assert_eq!(credentials.access_key_id, "AKIDDEV");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ProfileProvider {
    env: Environment,
    profile: Option<String>,
    assume_role: Option<Arc<dyn AssumeRole>>,
    process_timeout: Duration,
}

/// Where a profile's credentials start, before any role is assumed.
#[derive(Debug)]
enum Base {
    Static(Credentials),
    Process { profile: String, command: String },
    WebIdentity(WebIdentityPlan),
}

/// A web identity role of a profile, its token still in its file.
#[derive(Debug)]
struct WebIdentityPlan {
    profile: String,
    role_arn: String,
    role_session_name: Option<String>,
    token_file: String,
}

/// A profile's credentials, found but not yet fetched: where they start, then the roles to
/// assume, innermost first.
#[derive(Debug)]
struct Plan {
    base: Base,
    roles: Vec<AssumeRoleRequest>,
}

impl ProfileProvider {
    /// A provider reading the files of `env`, for the profile of `AWS_PROFILE` (else
    /// `default`).
    pub fn new(env: Environment) -> Self {
        ProfileProvider {
            env,
            profile: None,
            assume_role: None,
            process_timeout: DEFAULT_PROCESS_TIMEOUT,
        }
    }

    /// The same provider, for the profile `name` (which wins over `AWS_PROFILE`, and must
    /// exist).
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// The same provider, assuming roles through `sts`.
    pub fn assume_role(mut self, sts: Arc<dyn AssumeRole>) -> Self {
        self.assume_role = Some(sts);
        self
    }

    /// The same provider, with a `credential_process` killed after `timeout` (30 s unless
    /// set).
    pub fn process_timeout(mut self, timeout: Duration) -> Self {
        self.process_timeout = timeout;
        self
    }

    /// The profile's name, and whether it was named rather than the `default` one.
    fn name(&self) -> (String, bool) {
        match (&self.profile, self.env.get("AWS_PROFILE")) {
            (Some(name), _) => (name.clone(), true),
            (None, Some(name)) => {
                let named = name != "default";
                (name, named)
            }
            (None, None) => ("default".to_string(), false),
        }
    }

    /// The profile's credentials.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let (name, named) = self.name();
        let source = format!("profile [{name}]");
        let files = ProfileFiles::load(&self.env)?;
        if !files.exists(&name) {
            let kind = if named {
                CredentialsErrorKind::Invalid
            } else {
                CredentialsErrorKind::NotFound
            };
            return Err(CredentialsError::new(
                source,
                kind,
                format!("no profile [{name}] in {}", files.paths()),
            ));
        }
        let plan = plan(&files, &name)
            .map_err(|(kind, message)| CredentialsError::new(source.clone(), kind, message))?;
        drop(files);
        let sts = match (&self.assume_role, plan.roles.first(), &plan.base) {
            (Some(sts), _, _) => Some(sts),
            (None, Some(role), _) => {
                return Err(CredentialsError::new(
                    source,
                    CredentialsErrorKind::Invalid,
                    format!(
                        "profile [{}] assumes role {} with AssumeRole, {NOT_SUPPORTED}",
                        role.profile, role.role_arn
                    ),
                ))
            }
            (None, None, Base::WebIdentity(web)) => {
                return Err(CredentialsError::new(
                    source,
                    CredentialsErrorKind::Invalid,
                    format!(
                        "profile [{}] assumes role {} with a web identity token, {NOT_SUPPORTED}",
                        web.profile, web.role_arn
                    ),
                ))
            }
            (None, None, _) => None,
        };
        let mut credentials = match plan.base {
            Base::Static(credentials) => credentials,
            Base::Process { profile, command } => {
                ProcessProvider::new(command)
                    .for_profile(&profile)
                    .timeout(self.process_timeout)
                    .credentials()
                    .await?
            }
            Base::WebIdentity(web) => {
                let token = read_token(&web.token_file, &source)?;
                let request = WebIdentityRequest {
                    profile: Some(web.profile),
                    role_arn: web.role_arn,
                    role_session_name: web.role_session_name,
                    token,
                };
                match sts {
                    Some(sts) => sts.assume_role_with_web_identity(&request).await?,
                    None => unreachable_without_sts(&source)?,
                }
            }
        };
        for role in plan.roles.iter().rev() {
            credentials = match sts {
                Some(sts) => sts.assume_role(credentials, role).await?,
                None => unreachable_without_sts(&source)?,
            };
        }
        Ok(credentials)
    }
}

/// The branch a plan with roles never takes without an STS client (refused above); an
/// error rather than a panic all the same.
fn unreachable_without_sts(source: &str) -> Result<Credentials, CredentialsError> {
    Err(CredentialsError::new(
        source,
        CredentialsErrorKind::Invalid,
        format!("a role to assume, {NOT_SUPPORTED}"),
    ))
}

impl ProvideCredentials for ProfileProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.credentials())
    }
}

type PlanError = (CredentialsErrorKind, String);

/// Follows `name`'s profile, and its `source_profile`s, to where its credentials start.
fn plan(files: &ProfileFiles, name: &str) -> Result<Plan, PlanError> {
    let invalid = |message: String| (CredentialsErrorKind::Invalid, message);
    let mut roles = Vec::new();
    let mut visited: Vec<String> = Vec::new();
    let mut current = name.to_string();
    loop {
        visited.push(current.clone());
        let get = |key: &str| files.get(&current, key).map(str::to_string);
        if let Some(role_arn) = get("role_arn") {
            if let Some(token_file) = get("web_identity_token_file") {
                return Ok(Plan {
                    base: Base::WebIdentity(WebIdentityPlan {
                        profile: current.clone(),
                        role_arn,
                        role_session_name: get("role_session_name"),
                        token_file,
                    }),
                    roles,
                });
            }
            let duration_seconds = match get("duration_seconds") {
                None => None,
                Some(text) => Some(text.parse::<u32>().map_err(|_| {
                    invalid(format!(
                        "profile [{current}]: duration_seconds `{text}` is not a number of seconds"
                    ))
                })?),
            };
            let request = AssumeRoleRequest {
                profile: current.clone(),
                role_arn,
                role_session_name: get("role_session_name"),
                external_id: get("external_id"),
                mfa_serial: get("mfa_serial"),
                duration_seconds,
            };
            let Some(source) = get("source_profile") else {
                if let Some(credential_source) = get("credential_source") {
                    return Err(invalid(format!(
                        "profile [{current}]: credential_source = {credential_source} is not supported yet \
                         (use source_profile)"
                    )));
                }
                return Err(invalid(format!(
                    "profile [{current}] has role_arn but neither source_profile nor credential_source"
                )));
            };
            roles.push(request);
            if source == current {
                // A profile may be its own source when it has keys of its own.
                if let Some(credentials) = static_keys(files, &current)? {
                    return Ok(Plan {
                        base: Base::Static(credentials),
                        roles,
                    });
                }
            }
            if visited.contains(&source) {
                let mut chain = visited.join(" -> ");
                chain.push_str(" -> ");
                chain.push_str(&source);
                return Err(invalid(format!("source_profile makes a cycle: {chain}")));
            }
            if !files.exists(&source) {
                return Err(invalid(format!(
                    "profile [{current}] names source_profile [{source}], which is not in {}",
                    files.paths()
                )));
            }
            current = source;
            continue;
        }
        if let Some(credentials) = static_keys_in(files, FileKind::Credentials, &current)? {
            return Ok(Plan {
                base: Base::Static(credentials),
                roles,
            });
        }
        if let Some(command) = get("credential_process") {
            return Ok(Plan {
                base: Base::Process {
                    profile: current.clone(),
                    command,
                },
                roles,
            });
        }
        if let Some(credentials) = static_keys_in(files, FileKind::Config, &current)? {
            return Ok(Plan {
                base: Base::Static(credentials),
                roles,
            });
        }
        return Err(if roles.is_empty() {
            (
                CredentialsErrorKind::NotFound,
                format!("profile [{current}] has no credentials"),
            )
        } else {
            invalid(format!(
                "profile [{current}], the source_profile of [{}], has no credentials",
                visited[visited.len() - 2]
            ))
        });
    }
}

/// The static keys of a profile, the credentials file's first.
fn static_keys(files: &ProfileFiles, profile: &str) -> Result<Option<Credentials>, PlanError> {
    match static_keys_in(files, FileKind::Credentials, profile)? {
        Some(credentials) => Ok(Some(credentials)),
        None => static_keys_in(files, FileKind::Config, profile),
    }
}

/// The static keys of a profile in one file: none without `aws_access_key_id`, an error
/// without its secret.
fn static_keys_in(
    files: &ProfileFiles,
    kind: FileKind,
    profile: &str,
) -> Result<Option<Credentials>, PlanError> {
    let Some(access_key_id) = files.get_in(kind, profile, "aws_access_key_id") else {
        return Ok(None);
    };
    let Some(secret) = files.get_in(kind, profile, "aws_secret_access_key") else {
        return Err((
            CredentialsErrorKind::Invalid,
            format!(
                "profile [{profile}] of {} has aws_access_key_id but no aws_secret_access_key",
                files.path(kind)
            ),
        ));
    };
    let credentials = Credentials::new(access_key_id, secret);
    // The AWS CLI reads the older name first.
    Ok(Some(
        match files
            .get_in(kind, profile, "aws_security_token")
            .or_else(|| files.get_in(kind, profile, "aws_session_token"))
        {
            Some(token) => credentials.with_session_token(token),
            None => credentials,
        },
    ))
}
