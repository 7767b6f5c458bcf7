//! What a layer is configured with: every setting, its default (each a named constant), and
//! the trusted proxy.

use std::fmt;
use std::sync::Arc;

use countersign_core::aws_chunked::Limits;
use countersign_core::{KeyCache, SigningSettings, Verifier};

use crate::authz::{ErasedAuthorizer, Operations};
use crate::budget::BufferBudget;
use crate::clock::{Clock, SystemClock};
use crate::failures::{FailureCounts, DEFAULT_FAILURE_TABLE_CAPACITY};
use crate::lockout::LockoutConfig;
use crate::rejection::{ErrorFormat, Rejection};
use crate::replay::ReplayGuard;
use crate::unknown_keys::UnknownKeys;

/// The largest body buffered (to hash it) when a request declares no payload hash.
pub const DEFAULT_BUFFER_LIMIT: usize = 1024 * 1024;

/// The most bytes buffered at once by all the requests that declare no payload hash
/// together: 64 bodies of the default [`DEFAULT_BUFFER_LIMIT`].
pub const DEFAULT_BUFFER_BUDGET: usize = 64 * DEFAULT_BUFFER_LIMIT;

/// The most bytes of a refused request's body read and dropped before the refusal is sent.
pub const DEFAULT_DRAIN_LIMIT: u64 = 8 * 1024 * 1024;

/// The largest header section accepted, names and values together.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 * 1024;

/// How many derived signing keys are cached.
pub const DEFAULT_KEY_CACHE_CAPACITY: usize = 4096;

/// A reverse proxy in front of the server, trusted to report what the client sent.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxy {
    pub(crate) forwarded_host: bool,
    pub(crate) forwarded_for: bool,
    pub(crate) forwarded_proto: bool,
    pub(crate) path_prefix: Option<String>,
}

impl TrustedProxy {
    /// A proxy that changes nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Take the host the client signed from `X-Forwarded-Host` (when present).
    pub fn forwarded_host(mut self, on: bool) -> Self {
        self.forwarded_host = on;
        self
    }

    /// Take the client's address (`aws:SourceIp`) from the last address of the last
    /// `X-Forwarded-For` header, the one the proxy appended (what the client wrote before it
    /// is not believed).
    pub fn forwarded_for(mut self, on: bool) -> Self {
        self.forwarded_for = on;
        self
    }

    /// Take whether the client's connection is TLS (`aws:SecureTransport`) from
    /// `X-Forwarded-Proto`.
    pub fn forwarded_proto(mut self, on: bool) -> Self {
        self.forwarded_proto = on;
        self
    }

    /// The proxy strips this prefix from the path the client signed (`/api` for a client that
    /// called `/api/items` and a server that sees `/items`).
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        self.path_prefix = Some(prefix.trim_end_matches('/').to_string()).filter(|p| !p.is_empty());
        self
    }
}

#[derive(Clone)]
pub(crate) struct Config {
    /// The verifier, which derives keys through the two caches below
    /// ([`Config::share_key_caches`]).
    pub(crate) verifier: Verifier,
    /// The SigV4 keys: the verifier's cache, from which the layer also takes an aws-chunked
    /// body's chain key.
    pub(crate) key_cache: Arc<KeyCache>,
    /// The SigV4a keys: the verifier's cache, from which the layer also takes the key that
    /// verifies the request and the chain of its aws-chunked body.
    #[cfg(feature = "sigv4a")]
    pub(crate) ecdsa_key_cache: Arc<countersign_core::sigv4a::EcdsaKeyCache>,
    pub(crate) s3: bool,
    pub(crate) allow_unsigned_payload: bool,
    pub(crate) buffer_limit: usize,
    pub(crate) buffer_budget: Arc<BufferBudget>,
    /// The domain under which a host names a bucket (S3's virtual-hosted style).
    pub(crate) virtual_host_domain: Option<String>,
    pub(crate) drain_limit: u64,
    pub(crate) chunk_limits: Limits,
    pub(crate) max_header_bytes: usize,
    pub(crate) proxy: Option<TrustedProxy>,
    pub(crate) errors: ErrorFormat,
    pub(crate) debug: bool,
    pub(crate) clock: Arc<dyn Clock>,
    /// A secret no client knows: requests naming an unknown key are verified against it, so
    /// that they cost what a wrong signature costs.
    pub(crate) decoy: crate::keys::Key<()>,
    pub(crate) replay: Option<Arc<dyn ReplayGuard>>,
    pub(crate) unknown_keys: Option<Arc<UnknownKeys>>,
    pub(crate) on_rejection: Option<Arc<RejectionObserver>>,
    pub(crate) failures: FailureCounts,
    /// The lockout of keys after repeated failures (none: off).
    pub(crate) lockout: Option<LockoutConfig>,
    /// The tracker a lockout set later uses, when one was given first.
    pub(crate) failure_tracker: Option<Arc<dyn crate::lockout::FailureTracker>>,
    /// The authorization step's authorizer (none: every verified request is allowed).
    pub(crate) authorizer: Option<Arc<dyn ErasedAuthorizer>>,
    /// How the authorization step names a request's operation.
    pub(crate) operations: Operations,
    /// Whether unsigned requests go to the authorizer as anonymous ones.
    pub(crate) anonymous: bool,
    /// Whether unsigned CORS preflights reach the inner service.
    pub(crate) cors_preflight: bool,
}

/// A function told of every refused request.
pub(crate) type RejectionObserver = dyn Fn(&Rejection) + Send + Sync;

/// How many unknown access key ids are remembered, and for how long, by default.
pub const DEFAULT_UNKNOWN_KEY_CACHE: (usize, std::time::Duration) =
    (10_000, std::time::Duration::from_secs(10));

impl Config {
    /// Every setting at its default.
    pub(crate) fn new() -> Self {
        let mut config = Config {
            verifier: Verifier::new(SigningSettings::standard()),
            key_cache: Arc::new(KeyCache::new(DEFAULT_KEY_CACHE_CAPACITY)),
            #[cfg(feature = "sigv4a")]
            ecdsa_key_cache: Arc::new(countersign_core::sigv4a::EcdsaKeyCache::new(
                DEFAULT_KEY_CACHE_CAPACITY,
            )),
            s3: false,
            allow_unsigned_payload: true,
            buffer_limit: DEFAULT_BUFFER_LIMIT,
            buffer_budget: BufferBudget::new(DEFAULT_BUFFER_BUDGET),
            virtual_host_domain: None,
            drain_limit: DEFAULT_DRAIN_LIMIT,
            chunk_limits: Limits::default(),
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            proxy: None,
            errors: ErrorFormat::S3Xml,
            debug: false,
            clock: Arc::new(SystemClock),
            replay: None,
            unknown_keys: Some(Arc::new(UnknownKeys::new(
                DEFAULT_UNKNOWN_KEY_CACHE.0,
                DEFAULT_UNKNOWN_KEY_CACHE.1,
            ))),
            on_rejection: None,
            failures: FailureCounts::new(DEFAULT_FAILURE_TABLE_CAPACITY),
            lockout: None,
            failure_tracker: None,
            authorizer: None,
            operations: Operations::ByMode,
            anonymous: false,
            cors_preflight: false,
            // The decoy's outcome is thrown away: it only has to cost what a real key
            // costs, so any secret will do if the random source fails.
            decoy: crate::keys::Key::new(crate::keys::random_secret().unwrap_or_default(), ()),
        };
        config.share_key_caches();
        config
    }

    /// Has the verifier derive keys through this configuration's caches, so that the layer
    /// and the verifier share them (called again whenever the caches are replaced).
    pub(crate) fn share_key_caches(&mut self) {
        let verifier = self.verifier.clone().key_cache(Arc::clone(&self.key_cache));
        #[cfg(feature = "sigv4a")]
        let verifier = verifier.ecdsa_key_cache(Arc::clone(&self.ecdsa_key_cache));
        self.verifier = verifier;
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("verifier", &self.verifier)
            .field("s3", &self.s3)
            .field("allow_unsigned_payload", &self.allow_unsigned_payload)
            .field("buffer_limit", &self.buffer_limit)
            .field("buffer_budget", &self.buffer_budget)
            .field("virtual_host_domain", &self.virtual_host_domain)
            .field("chunk_limits", &self.chunk_limits)
            .field("max_header_bytes", &self.max_header_bytes)
            .field("proxy", &self.proxy)
            .field("errors", &self.errors)
            .field("debug", &self.debug)
            .field("replay_protection", &self.replay.is_some())
            .field("unknown_key_cache", &self.unknown_keys)
            .field("lockout", &self.lockout)
            .field("authorizer", &self.authorizer.is_some())
            .field("operations", &self.operations)
            .field("anonymous", &self.anonymous)
            .field("cors_preflight", &self.cors_preflight)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use countersign_core::{AuthParams, RawHeaders, Request, SecretKey, EMPTY_SHA256};
    use time::macros::datetime;

    use super::*;

    /// Verifies the AWS test suite's `get-vanilla` request (signed with the suite's secret)
    /// with `config`'s verifier: whether it was accepted.
    pub(crate) fn verifies(config: &Config) -> bool {
        let headers = RawHeaders::from_pairs([
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date, \
                 Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
        ]);
        let request = Request::new("GET", "/", "", &headers);
        let Ok(auth) = AuthParams::from_request(&request) else {
            return false;
        };
        let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let now = datetime!(2015-08-30 12:36:00 UTC);
        config
            .verifier
            .verify(&request, &auth, &secret, EMPTY_SHA256, now)
            .is_ok()
    }

    #[test]
    fn the_verifier_derives_keys_through_the_layers_cache() {
        let config = Config::new();
        assert!(config.key_cache.is_empty());
        assert!(verifies(&config));
        assert_eq!(config.key_cache.len(), 1);
    }
}
