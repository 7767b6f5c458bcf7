//! [`Signing`]: what the senders sign with — a credentials provider, the region and service,
//! the rules (S3's or the others'), the retries, the clock and its correction — and the one
//! [`Signer`] kept for the credentials the provider last handed out.

use std::fmt;
use std::sync::{Arc, Mutex};

use countersign_core::{sha256_hex, SigningSettings, UNSIGNED_PAYLOAD};
use http::header::HeaderValue;
use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::error::Error;
use crate::provider::{CredentialsError, ProvideCredentials};
use crate::retry_config::RetryConfig;
use crate::send_error::SendError;
use crate::signer::{Payload, Signed, Signer};
use crate::skew::ClockOffset;

/// The clock a [`Signing`] reads.
type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// What is told of each signature a [`Signing`] makes.
type Observer = Arc<dyn Fn(&Signed) + Send + Sync>;

/// The signer of the credentials last handed out, with those credentials (shared by clones).
type KeptSigner = Arc<Mutex<Option<(Credentials, Arc<Signer>)>>>;

/// What the signing senders (`SigningMiddleware` and `SignExt` with the `reqwest` feature,
/// `SigningLayer` with `tower`) sign with: credentials asked of a [`ProvideCredentials`]
/// before each request, a region and a service, S3's rules or the others', the retries
/// ([`RetryConfig`], AWS's standard mode by default) and a clock.
///
/// It keeps one [`Signer`], made again only when the provider hands out other credentials
/// (another key, secret or session token; [`Credentials::same_key`]), so that the signer's
/// derived key of the day is kept from one request to the next. It also keeps the clock's
/// offset from the servers', learnt from a `RequestTimeTooSkewed` answer (see
/// [`Signing::clock_offset`]). Clones share both; the builder methods that change how
/// requests are signed ([`s3`](Signing::s3), `sigv4a`) start a signer of their own.
///
/// ```
/// use countersign_client::{Credentials, RetryConfig, Signing};
///
/// let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "s3")
///     .s3()
///     .retry(RetryConfig::standard().max_attempts(5));
/// assert_eq!(signing.region(), "us-east-1");
/// assert_eq!(signing.clock_offset(), 0);
/// ```
#[derive(Clone)]
pub struct Signing {
    provider: Arc<dyn ProvideCredentials>,
    region: String,
    service: String,
    s3: bool,
    settings: Option<SigningSettings>,
    #[cfg(feature = "sigv4a")]
    region_set: Option<String>,
    retry: RetryConfig,
    clock: Clock,
    offset: ClockOffset,
    correct_skew: bool,
    observer: Option<Observer>,
    signer: KeptSigner,
}

impl fmt::Debug for Signing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signing")
            .field("provider", &self.provider)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("s3", &self.s3)
            .field("settings", &self.settings)
            .field("retry", &self.retry)
            .field("correct_skew", &self.correct_skew)
            .field("clock_offset_seconds", &self.offset.seconds())
            .finish_non_exhaustive()
    }
}

/// What a request's body is, as far as signing it goes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Content<'a> {
    /// No body.
    Empty,
    /// These bytes, hashed and signed.
    Bytes(&'a [u8]),
    /// A stream: signed `UNSIGNED-PAYLOAD`, which `x-amz-content-sha256` says.
    Unsigned,
}

impl Signing {
    /// Signing with credentials from `provider` (fixed [`Credentials`] are one) for
    /// `region` and `service`, with the rules of every service but S3 (see
    /// [`Signing::s3`]), AWS's standard retries and the system clock.
    pub fn new(
        provider: impl ProvideCredentials + 'static,
        region: impl Into<String>,
        service: impl Into<String>,
    ) -> Self {
        Signing {
            provider: Arc::new(provider),
            region: region.into(),
            service: service.into(),
            s3: false,
            settings: None,
            #[cfg(feature = "sigv4a")]
            region_set: None,
            retry: RetryConfig::standard(),
            clock: Arc::new(OffsetDateTime::now_utc),
            offset: ClockOffset::default(),
            correct_skew: true,
            observer: None,
            signer: Arc::default(),
        }
    }

    /// S3's rules ([`Signer::s3`]): single path encoding, no normalization, and
    /// `x-amz-content-sha256` on every request.
    pub fn s3(mut self) -> Self {
        self.s3 = true;
        self.signer = Arc::default();
        self
    }

    /// Other canonicalization rules than the service's ([`Signer::settings`]): path
    /// normalization and encoding, for a service that departs from AWS's usual rules (or to
    /// test a server with rules it should refuse). [`Signing::s3`]'s other rule, signing
    /// `x-amz-content-sha256`, is kept.
    pub fn settings(mut self, settings: SigningSettings) -> Self {
        self.settings = Some(settings);
        self.signer = Arc::default();
        self
    }

    /// Sign with SigV4a for the regions in `region_set` ([`Signer::sigv4a`]).
    #[cfg(feature = "sigv4a")]
    pub fn sigv4a(mut self, region_set: impl Into<String>) -> Self {
        self.region_set = Some(region_set.into());
        self.signer = Arc::default();
        self
    }

    /// How failed requests are retried (default [`RetryConfig::standard`]).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The clock requests are signed by (default the system clock), before the correction
    /// learnt from the servers is added. Tests pass a clock of their own.
    pub fn clock(mut self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Whether a `RequestTimeTooSkewed` answer corrects the clock and the request is sent
    /// again (default `true`). Off, every request is signed at the clock's time as it is:
    /// what a test of a server's clock-skew window wants.
    pub fn correct_clock_skew(mut self, on: bool) -> Self {
        self.correct_skew = on;
        self
    }

    /// Calls `observer` with every signature made, before its request is sent (each
    /// attempt's): the canonical request, the string to sign and the signed headers, to log
    /// them or to explain a refusal.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use countersign_client::{Credentials, Signing};
    ///
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let kept = Arc::clone(&seen);
    /// let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "sts")
    ///     .on_signed(move |signed| kept.lock().unwrap().push(signed.canonical_request.clone()));
    /// # let _ = signing;
    /// ```
    pub fn on_signed(mut self, observer: impl Fn(&Signed) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The region signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The service signed for.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The retries.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.retry
    }

    /// Whether S3's rules are on ([`Signing::s3`]).
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    pub(crate) fn is_s3(&self) -> bool {
        self.s3
    }

    /// The correction added to the clock, in seconds: learnt from the `Date` of a response
    /// that refused a request for its time (`RequestTimeTooSkewed`), positive when the
    /// servers' clock is ahead of ours; zero until then.
    pub fn clock_offset(&self) -> i64 {
        self.offset.seconds()
    }

    /// The time a request is signed at now: the clock, corrected.
    pub fn now(&self) -> OffsetDateTime {
        self.offset.correct((self.clock)())
    }

    /// Learns the clock's offset from a response's `Date`; `false` if it has none, or if
    /// correcting is off ([`Signing::correct_clock_skew`]).
    pub(crate) fn correct_clock(&self, headers: &http::HeaderMap) -> bool {
        self.correct_skew && self.offset.learn(headers, (self.clock)())
    }

    /// The signer for the credentials the provider hands out now: the one kept, if they
    /// are the same key, else a new one, kept in its place.
    pub async fn signer(&self) -> Result<Arc<Signer>, CredentialsError> {
        let credentials = self.provider.provide_credentials().await?;
        let mut kept = self.signer.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((known, signer)) = &*kept {
            if known.same_key(&credentials) {
                return Ok(Arc::clone(signer));
            }
        }
        let signer = Arc::new(self.signer_for(credentials.clone()));
        *kept = Some((credentials, Arc::clone(&signer)));
        Ok(signer)
    }

    /// A signer of these credentials with this configuration.
    fn signer_for(&self, credentials: Credentials) -> Signer {
        let signer = Signer::new(credentials, self.region.clone(), self.service.clone());
        let signer = if self.s3 { signer.s3() } else { signer };
        let signer = match self.settings {
            Some(settings) => signer.settings(settings),
            None => signer,
        };
        #[cfg(feature = "sigv4a")]
        if let Some(set) = &self.region_set {
            return signer.sigv4a(set.clone());
        }
        signer
    }

    /// Signs `head` (a request without its body) for a body that is `content`, as of
    /// `time`: bytes with their SHA-256, a stream as `UNSIGNED-PAYLOAD` (also set in
    /// `x-amz-content-sha256`, so that the server need not guess).
    pub(crate) fn sign_head(
        &self,
        signer: &Signer,
        head: &mut http::Request<()>,
        content: Content<'_>,
        time: OffsetDateTime,
    ) -> Result<(), SendError> {
        let signed = match content {
            Content::Empty => signer.sign(head, Payload::Empty, time),
            Content::Bytes(bytes) => {
                let hash = sha256_hex(bytes);
                signer.sign(head, Payload::Precomputed(&hash), time)
            }
            Content::Unsigned => {
                head.headers_mut().insert(
                    "x-amz-content-sha256",
                    HeaderValue::from_static(UNSIGNED_PAYLOAD),
                );
                signer.sign(head, Payload::Unsigned, time)
            }
        };
        let signed = signed.map_err(SendError::Signing)?;
        if let Some(observer) = &self.observer {
            observer(&signed);
        }
        Ok(())
    }
}

/// Signing fails in the ways `Error` says.
impl From<Error> for SendError {
    fn from(error: Error) -> Self {
        SendError::Signing(error)
    }
}
