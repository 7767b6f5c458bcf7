//! `SigV4Layer`: the configuration, built with chained methods, and the tower `Layer`.

use std::fmt;
use std::sync::Arc;

use countersign_core::aws_chunked::Limits;
use countersign_core::{KeyCache, SigningSettings};
use tower_layer::Layer;

use crate::authz::{Authorizer, ErasedAuthorizer, Operations, Typed};
use crate::budget::BufferBudget;
use crate::clock::Clock;
use crate::config::{Config, TrustedProxy};
use crate::failures::FailureCounts;
use crate::keys::KeyStore;
use crate::lockout::{FailureTracker, LockoutConfig, LockoutPolicy, MemoryFailureTracker};
use crate::refusal::Rejector;
use crate::rejection::{ErrorFormat, Rejection};
use crate::replay::ReplayGuard;
use crate::service::SigV4;
use crate::unknown_keys::UnknownKeys;

/// The layer that verifies SigV4 on every request before the inner service sees it (and,
/// with the `sigv4a` feature, SigV4a: `AWS4-ECDSA-P256-SHA256`, whose `X-Amz-Region-Set`
/// must include a region given to [`regions`](Self::regions)).
///
/// Defaults: the rules of every service but S3, any region and service (restrict them with
/// [`regions`](Self::regions) and [`services`](Self::services)), five minutes of clock
/// skew, `UNSIGNED-PAYLOAD` accepted, bodies without a declared hash buffered up to 1 MiB,
/// S3 XML errors without debug details, the system clock.
pub struct SigV4Layer<K> {
    config: Arc<Config>,
    store: Arc<K>,
}

impl<K> Clone for SigV4Layer<K> {
    fn clone(&self) -> Self {
        SigV4Layer {
            config: Arc::clone(&self.config),
            store: Arc::clone(&self.store),
        }
    }
}

impl<K> fmt::Debug for SigV4Layer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4Layer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<K: KeyStore> SigV4Layer<K> {
    /// A layer that finds secrets in `store`.
    pub fn new(store: K) -> Self {
        SigV4Layer {
            config: Arc::new(Config::new()),
            store: Arc::new(store),
        }
    }

    fn with(mut self, change: impl FnOnce(&mut Config)) -> Self {
        change(Arc::make_mut(&mut self.config));
        self
    }

    /// Accept only these regions in the credential scope.
    pub fn regions<S: Into<String>>(self, regions: impl IntoIterator<Item = S>) -> Self {
        self.with(|c| c.verifier = c.verifier.clone().regions(regions))
    }

    /// Accept only these services in the credential scope.
    pub fn services<S: Into<String>>(self, services: impl IntoIterator<Item = S>) -> Self {
        self.with(|c| c.verifier = c.verifier.clone().services(services))
    }

    /// S3 rules: paths encoded once and never normalized; header-signed requests must carry
    /// `x-amz-content-sha256`; presigned requests sign `UNSIGNED-PAYLOAD`.
    pub fn s3(self) -> Self {
        self.with(|c| {
            c.s3 = true;
            c.verifier = c.verifier.clone().with_settings(SigningSettings::s3());
        })
    }

    /// The clock-skew window (default five minutes; S3 uses fifteen). Presigned URLs keep their
    /// own lifetime (`X-Amz-Expires`); the skew only bounds how far in the future they may be dated.
    pub fn clock_skew(self, skew: std::time::Duration) -> Self {
        // A window longer than `time` can count (some 292 billion years) is that longest one.
        let skew = time::Duration::try_from(skew).unwrap_or(time::Duration::MAX);
        self.with(|c| c.verifier = c.verifier.clone().max_skew(skew))
    }

    /// Whether `UNSIGNED-PAYLOAD` is accepted for requests with a body (default yes).
    pub fn allow_unsigned_payload(self, allow: bool) -> Self {
        self.with(|c| c.allow_unsigned_payload = allow)
    }

    /// The most bytes buffered to hash a body whose hash is not declared (default 1 MiB);
    /// larger bodies are refused with 413.
    pub fn body_buffer_limit(self, bytes: usize) -> Self {
        self.with(|c| c.buffer_limit = bytes)
    }

    /// The most bytes that all the bodies being buffered (they declare no hash) may hold
    /// at once, together (default [`DEFAULT_BUFFER_BUDGET`](crate::DEFAULT_BUFFER_BUDGET),
    /// 64 MiB). A body that would go past it is refused with 503 `SlowDown` and a
    /// `Retry-After`, so that many connections sending such bodies at once cannot fill the
    /// server's memory.
    pub fn body_buffer_budget(self, bytes: usize) -> Self {
        self.with(|c| c.buffer_budget = BufferBudget::new(bytes))
    }

    /// The domain under which a request's host names its bucket, S3's virtual-hosted style
    /// (`photos.s3.example.com` is bucket `photos` under `s3.example.com`). The layer
    /// decides the bucket of a browser POST form by it (see [`crate::address`]); without
    /// it only path-style addresses (`/photos`) name a bucket.
    pub fn virtual_host_domain(self, domain: impl Into<String>) -> Self {
        let domain = domain.into().trim_matches('.').to_ascii_lowercase();
        self.with(|c| c.virtual_host_domain = Some(domain).filter(|d| !d.is_empty()))
    }

    /// The most bytes of a refused request's body read and dropped before the refusal's
    /// message is sent (default [`DEFAULT_DRAIN_LIMIT`](crate::DEFAULT_DRAIN_LIMIT), 8 MiB; 0
    /// reads none). A client that sends its whole body before it reads an answer (a browser
    /// posting a form, a PUT without `Expect: 100-continue`) then gets the AWS error, where a
    /// connection closed on its unread bytes would be reset under it. A body known to be
    /// larger (by its `Content-Length`) is not read, nor is one the client waits to send
    /// (`Expect: 100-continue`); one found larger is read up to the limit, and its connection
    /// closes after the refusal. The same limit holds for a body refused while the layer
    /// buffers it (past [`body_buffer_limit`](Self::body_buffer_limit)), and for one whose
    /// check fails while the handler reads it (an aws-chunked chunk's signature, a POST file
    /// over its policy's size): the refusal, or the handler's error, comes once the rest was
    /// read. A body that failed to be read is not read again.
    pub fn refused_body_drain(self, bytes: u64) -> Self {
        self.with(|c| c.drain_limit = bytes)
    }

    /// The limits of aws-chunked bodies: chunk size (default 16 MiB; a signed chunk is held
    /// whole until it verifies), chunk header line (4 KiB) and trailer section (16 KiB).
    pub fn aws_chunked_limits(self, limits: Limits) -> Self {
        self.with(|c| c.chunk_limits = limits)
    }

    /// The largest header section accepted (default 64 KiB).
    pub fn max_header_bytes(self, bytes: usize) -> Self {
        self.with(|c| c.max_header_bytes = bytes)
    }

    /// Require this header to be signed whenever it is present (on top of `host` and every
    /// `x-amz-*` header), for example `content-type` or `content-md5`.
    pub fn require_signed_header(self, name: &str) -> Self {
        self.with(|c| c.verifier = c.verifier.clone().require_signed(name))
    }

    /// Whether an `X-Amz-Security-Token` added after signing is accepted (default yes).
    pub fn allow_unsigned_session_token(self, allow: bool) -> Self {
        self.with(|c| c.verifier = c.verifier.clone().allow_unsigned_session_token(allow))
    }

    /// Trust a reverse proxy's `X-Forwarded-Host` and path prefix.
    pub fn trusted_proxy(self, proxy: TrustedProxy) -> Self {
        self.with(|c| c.proxy = Some(proxy))
    }

    /// How rejections are written (default S3 XML).
    pub fn error_format(self, format: ErrorFormat) -> Self {
        self.with(|c| c.errors = format)
    }

    /// Debug mode (off by default): rejections echo the server's canonical request and string
    /// to sign, with a hint. Do not enable it where clients are not trusted with that detail.
    pub fn debug_errors(self, on: bool) -> Self {
        self.with(|c| c.debug = on)
    }

    /// Where "now" comes from (the system clock by default).
    pub fn clock(self, clock: impl Clock) -> Self {
        self.with(|c| c.clock = Arc::new(clock))
    }

    /// Refuse a header-signed request whose signature was already seen within its validity
    /// window (off by default). Presigned URLs may still be reused within their lifetime.
    /// Give each layer an `Arc` of one guard for them to share it: a request replayed from
    /// one to another is refused. A guard that cannot answer refuses the request (see
    /// [`Replay::Later`](crate::replay::Replay::Later)).
    pub fn replay_protection(self, guard: impl ReplayGuard) -> Self {
        self.with(|c| c.replay = Some(Arc::new(guard)))
    }

    /// Remember access key ids the key store did not know, so that a flood of random keys
    /// does not reach it: at most `capacity` ids, each for `ttl` (default 10,000 for 10 s; a
    /// key added to the store is refused for up to `ttl` after a request named it while it
    /// was unknown). A capacity of 0 turns this off. A store that answers at once
    /// ([`KeyStore::lookup_now`]) is asked every time instead: a lookup in memory costs no
    /// more than the cache would, and a key added to it is accepted at once; so is a store
    /// that remembers unknown ids itself ([`KeyStore::remembers_unknown_keys`], a shared
    /// store that forgets one as soon as the key is created on any instance).
    pub fn unknown_key_cache(self, capacity: usize, ttl: std::time::Duration) -> Self {
        self.with(|c| {
            c.unknown_keys = (capacity > 0).then(|| Arc::new(UnknownKeys::new(capacity, ttl)))
        })
    }

    /// Call `observe` on every refused request (after the `tracing` event): to count failed
    /// attempts per access key and reason, feed metrics, or alert.
    pub fn on_rejection(self, observe: impl Fn(&Rejection) + Send + Sync + 'static) -> Self {
        self.with(|c| c.on_rejection = Some(Arc::new(observe)))
    }

    /// How many access keys the table of failed attempts holds (default 10,000; see
    /// [`failure_counts`](Self::failure_counts)).
    pub fn failure_table_capacity(self, capacity: usize) -> Self {
        self.with(|c| c.failures = FailureCounts::new(capacity))
    }

    /// The failed attempts counted per access key and reason (the AWS error code), shared
    /// with the layer and every service it made: read it for metrics. Each rejection's
    /// `tracing` event carries the running count (`failures`), and is raised to `warn` when
    /// a key's count for a reason reaches 10, 100, 1000, ….
    pub fn failure_counts(&self) -> FailureCounts {
        self.config.failures.clone()
    }

    /// Lock an access key out after repeated failures (off by default): once `policy`'s
    /// threshold of counted refusals (by default `SignatureDoesNotMatch` and
    /// `InvalidAccessKeyId`, the guesses of a secret or of an id) is reached within its
    /// window, every request naming the key is refused for the policy's duration, before
    /// any key lookup or signature check, with 403 `AccessDenied` (or 503 `SlowDown`) in the
    /// error format and a `Retry-After` of the seconds left. A correctly signed request is
    /// refused too: anyone who knows an access key id can lock its owner out by sending bad
    /// signatures, which is why this is off by default (see SECURITY.md).
    ///
    /// The failures are counted, and the locks held, by this process's
    /// [`MemoryFailureTracker`](crate::lockout::MemoryFailureTracker) unless
    /// [`failure_tracker`](Self::failure_tracker) gives another (shared by several
    /// instances).
    ///
    /// ```
    /// use std::time::Duration;
    /// use countersign_server::lockout::LockoutPolicy;
    /// use countersign_server::{keys::MemoryKeyStore, SigV4Layer};
    /// let policy = LockoutPolicy::new(10, Duration::from_secs(60), Duration::from_secs(300));
    /// let layer = SigV4Layer::new(MemoryKeyStore::<()>::new()).lockout(policy);
    /// # let _ = layer;
    /// ```
    pub fn lockout(self, policy: LockoutPolicy) -> Self {
        self.with(|c| {
            let tracker = c
                .failure_tracker
                .clone()
                .unwrap_or_else(|| Arc::new(MemoryFailureTracker::default()));
            c.lockout = Some(LockoutConfig { policy, tracker });
        })
    }

    /// Count failures and hold locks in `tracker` for the [`lockout`](Self::lockout) (a
    /// new [`MemoryFailureTracker`](crate::lockout::MemoryFailureTracker) otherwise): give
    /// several layers an `Arc` of one tracker, or a shared one (`countersign-redis`'s
    /// `RedisFailureTracker`), for failures spread over them to add up and a lock to hold on
    /// all of them. Without a lockout it is not used.
    pub fn failure_tracker(self, tracker: impl FailureTracker) -> Self {
        let tracker: Arc<dyn FailureTracker> = Arc::new(tracker);
        self.with(|c| {
            if let Some(lockout) = &mut c.lockout {
                lockout.tracker = Arc::clone(&tracker);
            }
            c.failure_tracker = Some(tracker);
        })
    }

    /// Authorize every verified request with `authorizer` before the inner service sees it
    /// (none by default: a valid signature is enough). The request's operation comes from
    /// [`operations`](Self::operations); a refusal is 403 `AccessDenied` in the error format,
    /// whose debug hint names the reason (for [`PolicyAuthorizer`](crate::authz::PolicyAuthorizer),
    /// the deciding statement).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use countersign_server::authz::{IamIdentity, MemoryPolicyStore, PolicyAuthorizer};
    /// use countersign_server::{keys::MemoryKeyStore, SigV4Layer};
    /// let keys = MemoryKeyStore::<Arc<IamIdentity>>::new();
    /// let layer = SigV4Layer::new(keys).s3().authorize(PolicyAuthorizer::new(MemoryPolicyStore::new()));
    /// # let _ = layer;
    /// ```
    pub fn authorize(self, authorizer: impl Authorizer<K::Principal>) -> Self {
        let erased: Arc<dyn ErasedAuthorizer> = Arc::new(Typed::new(authorizer));
        self.with(|c| c.authorizer = Some(erased))
    }

    /// How the authorization step names a request's operation (default: S3's operations
    /// in S3 mode, API Gateway's `execute-api:Invoke` with [`ApiGateway`](crate::authz::ApiGateway)'s
    /// defaults otherwise).
    pub fn operations(self, operations: Operations) -> Self {
        self.with(|c| c.operations = operations)
    }

    /// Let requests that carry no signature at all (no `Authorization` header, no
    /// `X-Amz-*` signature parameters) through to the authorizer as the anonymous principal
    /// (off by default), so that a policy allowing everyone (`"Principal": "*"`) makes a
    /// public resource. An anonymous request that the authorizer allows reaches the inner
    /// service with no [`Verified`](crate::Verified) in its extensions (take an
    /// `Option<Verified<P>>` in axum); without an authorizer, every one is refused. A
    /// request that carries a signature is verified as always: one that fails is refused,
    /// never taken as anonymous.
    pub fn anonymous(self, on: bool) -> Self {
        self.with(|c| c.anonymous = on)
    }

    /// Let a browser's CORS preflight through to the inner service unsigned (off by
    /// default): an `OPTIONS` request with `Origin` and `Access-Control-Request-Method`, no
    /// body, and no credentials at all (no `Authorization` header, no `X-Amz-*` signature
    /// parameters). Browsers send preflights without credentials, and a service that
    /// answers cross-origin requests must answer them; the S3 frontend (`countersign-s3`)
    /// answers them from the bucket's CORS configuration.
    ///
    /// Such a request is not authorized (there is no one to authorize) and reaches the
    /// service with no [`Verified`](crate::Verified) in its extensions: the service must do
    /// nothing for it but answer with CORS headers. Any other unsigned request (an `OPTIONS`
    /// without those headers or with a body, a `GET` with an `Origin`) is refused as before,
    /// and a preflight that carries credentials is verified as any request is.
    pub fn cors_preflight(self, on: bool) -> Self {
        self.with(|c| c.cors_preflight = on)
    }

    /// Refusals in this layer's error format, for handlers and steps of your own (see
    /// [`Rejector`]): take it once the layer is configured, as it keeps the settings of the
    /// moment.
    pub fn rejector(&self) -> Rejector {
        Rejector {
            config: Arc::clone(&self.config),
        }
    }

    /// How many derived signing keys are cached (default 4096; with the `sigv4a` feature,
    /// as many SigV4a keys again, in a cache of their own).
    pub fn key_cache_capacity(self, capacity: usize) -> Self {
        self.with(|c| {
            c.key_cache = Arc::new(KeyCache::new(capacity));
            #[cfg(feature = "sigv4a")]
            {
                c.ecdsa_key_cache =
                    Arc::new(countersign_core::sigv4a::EcdsaKeyCache::new(capacity));
            }
            c.share_key_caches();
        })
    }
}

/// The service's constructors, beside the layer they share their defaults with (tower's
/// convention: `SigV4::new` wraps one service, `SigV4::layer` makes the layer for many).
impl<S, K: KeyStore> SigV4<S, K> {
    /// Verifies SigV4 before `inner` with keys from `store`, every setting at its default
    /// (configure the layer instead to change them).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use countersign_server::{keys::MemoryKeyStore, SigV4, VerifiedBody};
    /// use http_body_util::Full;
    /// use tower::ServiceExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handler = tower::service_fn(|_: http::Request<VerifiedBody<Full<Bytes>>>| async {
    ///     Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::new())))
    /// });
    /// let service = SigV4::new(handler, MemoryKeyStore::<()>::new());
    /// let unsigned = http::Request::get("http://localhost/").body(Full::new(Bytes::new())).unwrap();
    /// let response = service.oneshot(unsigned).await.unwrap();
    /// assert_eq!(response.status(), 403);
    /// # }
    /// ```
    pub fn new(inner: S, store: K) -> Self {
        SigV4::with_config(inner, Arc::new(Config::new()), Arc::new(store))
    }

    /// The layer that verifies with keys from `store`: [`SigV4Layer::new`].
    pub fn layer(store: K) -> SigV4Layer<K> {
        SigV4Layer::new(store)
    }
}

impl<S, K> Layer<S> for SigV4Layer<K> {
    type Service = SigV4<S, K>;

    fn layer(&self, inner: S) -> Self::Service {
        SigV4::with_config(inner, Arc::clone(&self.config), Arc::clone(&self.store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::verifies;
    use crate::keys::MemoryKeyStore;

    #[test]
    fn the_verifier_derives_keys_through_a_cache_of_the_new_capacity() {
        let layer = SigV4Layer::new(MemoryKeyStore::<()>::new()).key_cache_capacity(8);
        assert_eq!(layer.config.key_cache.capacity(), 8);
        assert!(verifies(&layer.config));
        assert_eq!(layer.config.key_cache.len(), 1);
    }
}
