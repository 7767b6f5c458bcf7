//! Credentials kept until shortly before they expire, refreshed once for all callers.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::provider::{
    CredentialsError, CredentialsErrorKind, CredentialsFuture, ProvideCredentials,
};

/// How long before their expiry credentials are refreshed, unless set.
const DEFAULT_REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);
/// How long the provider may take, unless set (above a `credential_process`'s own 30 s).
const DEFAULT_LOAD_TIMEOUT: Duration = Duration::from_secs(40);
/// How long after a failed refresh the credentials still valid are served without
/// asking again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// Any provider's credentials, kept and handed out until `refresh_before` (5 minutes
/// unless set) before they expire, then fetched again. Long-term credentials (no expiry)
/// are fetched once.
///
/// - Concurrent callers share one refresh: the first asks the provider, the others wait
///   for its outcome (success or failure) instead of asking too.
/// - The provider is bounded by a timeout (40 s unless set); one that does not answer in
///   time is an [`Unavailable`](CredentialsErrorKind::Unavailable) error.
/// - A refresh that fails while the kept credentials are still valid is logged (a
///   `tracing` warning) and the kept credentials are served; the provider is asked again
///   10 s later at the soonest. Once they have expired, the failure is the caller's.
///
/// ```
/// use countersign_client::credentials_chain::{CachedCredentials, DefaultCredentialsChain, Environment};
/// use countersign_client::ProvideCredentials;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let env = Environment::from_vars([("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "s")]);
/// let credentials = CachedCredentials::new(DefaultCredentialsChain::new(env));
/// let got = credentials.provide_credentials().await.unwrap();
/// assert_eq!(got.access_key_id, "AKIDEXAMPLE");
/// # }
/// ```
#[derive(Debug)]
pub struct CachedCredentials<P> {
    provider: P,
    refresh_before: Duration,
    load_timeout: Duration,
    state: Mutex<State>,
    /// Held by the one caller that refreshes.
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct State {
    credentials: Option<Credentials>,
    /// Refreshes finished, so that a caller that waited knows one ended meanwhile.
    attempts: u64,
    /// The last refresh's failure, handed to the callers that waited for it.
    last_error: Option<CredentialsError>,
    /// No refresh before this, after a failure, while the kept credentials are valid.
    quiet_until: Option<Instant>,
}

impl<P: ProvideCredentials> CachedCredentials<P> {
    /// `provider`'s credentials, kept.
    pub fn new(provider: P) -> Self {
        CachedCredentials {
            provider,
            refresh_before: DEFAULT_REFRESH_BEFORE,
            load_timeout: DEFAULT_LOAD_TIMEOUT,
            state: Mutex::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// The same cache, refreshing `before` the expiry.
    pub fn refresh_before(mut self, before: Duration) -> Self {
        self.refresh_before = before;
        self
    }

    /// The same cache, giving the provider `timeout` to answer.
    pub fn load_timeout(mut self, timeout: Duration) -> Self {
        self.load_timeout = timeout;
        self
    }

    /// The provider.
    pub fn provider(&self) -> &P {
        &self.provider
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `credentials` can be handed out without a refresh.
    fn fresh(&self, credentials: &Credentials, now: OffsetDateTime) -> bool {
        credentials
            .expires_at
            .is_none_or(|expires_at| now + self.refresh_before < expires_at)
    }

    /// The kept credentials, unless they need a refresh; else how many refreshes had
    /// finished.
    fn kept(&self) -> Result<Credentials, u64> {
        let state = self.state();
        let now = OffsetDateTime::now_utc();
        match &state.credentials {
            Some(c) if self.fresh(c, now) => Ok(c.clone()),
            Some(c)
                if still_valid(c, now) && state.quiet_until.is_some_and(|t| Instant::now() < t) =>
            {
                Ok(c.clone())
            }
            _ => Err(state.attempts),
        }
    }

    /// The credentials: the kept ones, or fresh ones.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let attempts = match self.kept() {
            Ok(credentials) => return Ok(credentials),
            Err(attempts) => attempts,
        };
        let _refreshing = self.refresh.lock().await;
        {
            let state = self.state();
            if state.attempts != attempts {
                // A refresh ended while this caller waited: its outcome is this caller's.
                let now = OffsetDateTime::now_utc();
                match (&state.credentials, &state.last_error) {
                    (Some(c), _) if still_valid(c, now) => return Ok(c.clone()),
                    (_, Some(error)) => return Err(error.clone()),
                    _ => {}
                }
            }
        }
        let result = match tokio::time::timeout(
            self.load_timeout,
            self.provider.provide_credentials(),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(CredentialsError::new(
                "credentials cache",
                CredentialsErrorKind::Unavailable,
                format!(
                    "the provider did not answer within {} ms",
                    self.load_timeout.as_millis()
                ),
            )),
        };
        let mut state = self.state();
        state.attempts += 1;
        match result {
            Ok(credentials) => {
                state.credentials = Some(credentials.clone());
                state.last_error = None;
                state.quiet_until = None;
                Ok(credentials)
            }
            Err(error) => {
                state.last_error = Some(error.clone());
                let now = OffsetDateTime::now_utc();
                match &state.credentials {
                    Some(kept) if still_valid(kept, now) => {
                        tracing::warn!(
                            error = %error,
                            expires_at = ?kept.expires_at,
                            "refreshing credentials failed; serving the kept ones, still valid"
                        );
                        let kept = kept.clone();
                        state.quiet_until = Some(Instant::now() + RETRY_AFTER_FAILURE);
                        Ok(kept)
                    }
                    _ => Err(error),
                }
            }
        }
    }
}

/// Whether `credentials` have not expired yet.
fn still_valid(credentials: &Credentials, now: OffsetDateTime) -> bool {
    credentials.expires_at.is_none_or(|t| now < t)
}

impl<P: ProvideCredentials> ProvideCredentials for CachedCredentials<P> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.credentials())
    }
}
