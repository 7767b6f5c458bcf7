//! The default chain: each source in the AWS CLI's order, the first with credentials wins.

use std::sync::Arc;
use std::time::Duration;

use crate::credentials::Credentials;
use crate::provider::{
    CredentialsError, CredentialsErrorKind, CredentialsFuture, ProvideCredentials,
};

#[cfg(feature = "remote-credentials")]
use super::container::ContainerProvider;
#[cfg(feature = "remote-credentials")]
use super::imds::ImdsProvider;
use super::process::DEFAULT_PROCESS_TIMEOUT;
use super::{AssumeRole, Environment, EnvironmentProvider, ProfileProvider, WebIdentityProvider};

/// The sources in the AWS CLI's order:
/// 1. the environment ([`EnvironmentProvider`]), unless a profile was named in code
///    ([`DefaultCredentialsChain::profile`], as the CLI's `--profile`): a named profile wins
///    over the environment's keys, while `AWS_PROFILE` does not;
/// 2. the profile files ([`ProfileProvider`]);
/// 3. web identity from the environment ([`WebIdentityProvider`]);
/// 4. container credentials (`ContainerProvider`, feature `remote-credentials`);
/// 5. EC2 instance metadata (`ImdsProvider`, feature `remote-credentials`).
///
/// The first source with credentials gives them. A source that has none
/// ([`NotFound`](CredentialsErrorKind::NotFound)) passes on to the next; one that fails
/// otherwise stops the chain with its error, so that a broken profile is not silently
/// replaced by, say, the instance's role. When no source has credentials, the
/// `NotFound` error says what each one lacked.
///
/// Nothing is cached: wrap the chain in a [`CachedCredentials`](super::CachedCredentials)
/// to sign many requests.
#[derive(Debug, Clone)]
pub struct DefaultCredentialsChain {
    env: Environment,
    profile: Option<String>,
    assume_role: Option<Arc<dyn AssumeRole>>,
    process_timeout: Duration,
    #[cfg(feature = "remote-credentials")]
    container: ContainerProvider,
    #[cfg(feature = "remote-credentials")]
    imds: ImdsProvider,
}

impl DefaultCredentialsChain {
    /// The chain over `env` (usually [`Environment::process`]). With the `sts` feature, roles
    /// are assumed through `StsClient::from_env(env)` unless [`assume_role`](Self::assume_role)
    /// plugs in another client; without it, a role is an error until one is plugged in.
    pub fn new(env: Environment) -> Self {
        DefaultCredentialsChain {
            #[cfg(feature = "remote-credentials")]
            container: ContainerProvider::new(env.clone()),
            #[cfg(feature = "remote-credentials")]
            imds: ImdsProvider::new(env.clone()),
            #[cfg(feature = "sts")]
            assume_role: Some(crate::sts::for_chain(env.clone())),
            #[cfg(not(feature = "sts"))]
            assume_role: None,
            env,
            profile: None,
            process_timeout: DEFAULT_PROCESS_TIMEOUT,
        }
    }

    /// The same chain for the profile `name`, which must exist and wins over the
    /// environment's keys (as the CLI's `--profile`); `None` leaves it to `AWS_PROFILE`.
    pub fn profile(mut self, name: Option<String>) -> Self {
        self.profile = name;
        self
    }

    /// The same chain, assuming the roles of profiles and of web identity through `sts`.
    pub fn assume_role(mut self, sts: Arc<dyn AssumeRole>) -> Self {
        self.assume_role = Some(sts);
        self
    }

    /// The same chain, with a `credential_process` killed after `timeout`.
    pub fn process_timeout(mut self, timeout: Duration) -> Self {
        self.process_timeout = timeout;
        self
    }

    /// The same chain, with its container source set up by `setup` (e.g. a test's
    /// endpoint for relative URIs).
    #[cfg(feature = "remote-credentials")]
    pub fn container(mut self, setup: impl FnOnce(ContainerProvider) -> ContainerProvider) -> Self {
        self.container = setup(self.container);
        self
    }

    /// The same chain, with its instance metadata source set up by `setup` (e.g.
    /// `|imds| imds.endpoint("http://127.0.0.1:8080")`).
    #[cfg(feature = "remote-credentials")]
    pub fn imds(mut self, setup: impl FnOnce(ImdsProvider) -> ImdsProvider) -> Self {
        self.imds = setup(self.imds);
        self
    }

    /// The credentials of the first source that has them.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let mut missing: Vec<CredentialsError> = Vec::new();
        let mut outcome = |result: Result<Credentials, CredentialsError>| match result {
            Err(e) if e.kind() == CredentialsErrorKind::NotFound => {
                missing.push(e);
                None
            }
            other => Some(other),
        };

        if self.profile.is_none() {
            if let Some(done) = outcome(EnvironmentProvider::new(self.env.clone()).credentials()) {
                return done;
            }
        }
        let mut profile =
            ProfileProvider::new(self.env.clone()).process_timeout(self.process_timeout);
        if let Some(name) = &self.profile {
            profile = profile.profile(name.clone());
        }
        let mut web_identity = WebIdentityProvider::new(self.env.clone());
        if let Some(sts) = &self.assume_role {
            profile = profile.assume_role(sts.clone());
            web_identity = web_identity.assume_role(sts.clone());
        }
        if let Some(done) = outcome(profile.credentials().await) {
            return done;
        }
        if let Some(done) = outcome(web_identity.credentials().await) {
            return done;
        }
        #[cfg(feature = "remote-credentials")]
        {
            if let Some(done) = outcome(self.container.credentials().await) {
                return done;
            }
            if let Some(done) = outcome(self.imds.credentials().await) {
                return done;
            }
        }
        let reasons: Vec<String> = missing.iter().map(ToString::to_string).collect();
        Err(CredentialsError::new(
            "credential chain",
            CredentialsErrorKind::NotFound,
            format!(
                "none of the sources has credentials ({})",
                reasons.join("; ")
            ),
        ))
    }
}

impl ProvideCredentials for DefaultCredentialsChain {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.credentials())
    }
}
