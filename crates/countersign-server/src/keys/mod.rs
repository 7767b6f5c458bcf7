//! Key stores: where the layer finds the secret (and the application's principal) for an
//! access key id.
//!
//! An unknown key is `Ok(None)` (403 InvalidAccessKeyId); a store that fails answers
//! `Err(StoreError)` (500 or 503), never a 403. Three stores come with the crate:
//! [`MemoryKeyStore`] (add, remove, rotate at runtime), [`FileKeyStore`] (a JSON file,
//! reloaded when it changes) and [`FnKeyStore`] (any async closure). The first two answer
//! at once as well ([`KeyStore::lookup_now`]): the layer then checks a request within
//! `Service::call`, without keeping it in a future until the lookup completes.
//!
//! ```
//! use countersign_server::keys::{Key, KeyRequest, KeyStore, MemoryKeyStore};
//! let store = MemoryKeyStore::new();
//! store.insert("AKIDEXAMPLE", "secret", "alice");
//! let request = KeyRequest::new("AKIDEXAMPLE", "20150830", "us-east-1", "service");
//! let found = futures_lite_block_on(store.lookup(request));
//! assert_eq!(found.unwrap().unwrap().principal(), &"alice");
//! # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     let waker = std::task::Waker::noop();
//! #     let mut cx = std::task::Context::from_waker(&waker);
//! #     let mut f = std::pin::pin!(f);
//! #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
//! # }
//! ```

mod file;
mod func;
mod memory;
mod random;

use std::fmt;
use std::future::Future;

use countersign_core::{Credential, SecretKey};
use http::StatusCode;

pub use file::{FileKeyStore, KeyFileError};
pub use func::{key_store_fn, FnKeyStore};
pub use memory::MemoryKeyStore;
pub use random::random_secret;

/// The hasher of the stores' maps from access key id to key, asked on every request: a
/// random-keyed foldhash, cheaper than the standard SipHash (BENCHMARKING.md counts what it
/// saves per request through the layer). A client only looks ids up; only the operator adds
/// them, so no client can fill a map with colliding ids.
type KeyIdHasher = foldhash::fast::RandomState;

/// What the layer asks a key store: the access key id, the scope it signed for, and the
/// session token if the request carries one. It holds the request's credential, so making one
/// per request costs one allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRequest {
    credential: Credential<'static>,
    session_token: Option<String>,
}

impl KeyRequest {
    /// A request without a session token (an empty `region` for a SigV4a scope).
    pub fn new(access_key_id: &str, date: &str, region: &str, service: &str) -> Self {
        KeyRequest::from_credential(Credential::from_parts(access_key_id, date, region, service))
    }

    /// A request for the key of `credential`.
    pub fn from_credential(credential: Credential<'static>) -> Self {
        KeyRequest {
            credential,
            session_token: None,
        }
    }

    /// The same request with a session token.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        self.credential.access_key_id()
    }

    /// The scope's day, `YYYYMMDD`.
    pub fn date(&self) -> &str {
        self.credential.scope().date
    }

    /// The scope's region (empty for SigV4a, whose region set is checked by the layer).
    pub fn region(&self) -> &str {
        self.credential.scope().region
    }

    /// The scope's service.
    pub fn service(&self) -> &str {
        self.credential.scope().service
    }

    /// `X-Amz-Security-Token`, if present.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }
}

/// A key as a store hands it back: one or more live secrets (two during a rotation) and the
/// application's principal for it. The secrets are shared, so handing a key out per request
/// copies no secret.
#[derive(Debug, Clone)]
pub struct Key<P> {
    secrets: std::sync::Arc<Vec<SecretKey>>,
    principal: P,
}

impl<P> Key<P> {
    /// A key with one secret.
    pub fn new(secret: impl Into<String>, principal: P) -> Self {
        Key {
            secrets: std::sync::Arc::new(vec![SecretKey::new(secret)]),
            principal,
        }
    }

    /// The same key with one more live secret (the old one, while clients move over).
    pub fn with_secret(mut self, secret: impl Into<String>) -> Self {
        std::sync::Arc::make_mut(&mut self.secrets).push(SecretKey::new(secret));
        self
    }

    /// The live secrets, newest first.
    pub fn secrets(&self) -> &[SecretKey] {
        &self.secrets
    }

    /// The principal.
    pub fn principal(&self) -> &P {
        &self.principal
    }

    /// Replaces the live secrets (newest first) with `secrets`.
    pub(crate) fn set_secrets(&mut self, secrets: Vec<SecretKey>) {
        self.secrets = std::sync::Arc::new(secrets);
    }

    /// The principal, by value.
    pub fn into_principal(self) -> P {
        self.principal
    }
}

/// A key store that could not answer.
#[derive(Debug, Clone)]
pub struct StoreError {
    unavailable: bool,
    message: String,
}

impl StoreError {
    /// The store is down or overloaded: 503 ServiceUnavailable, the client may retry.
    pub fn unavailable(message: impl Into<String>) -> Self {
        StoreError {
            unavailable: true,
            message: message.into(),
        }
    }

    /// The store failed otherwise: 500 InternalError.
    pub fn internal(message: impl Into<String>) -> Self {
        StoreError {
            unavailable: false,
            message: message.into(),
        }
    }

    /// The AWS error code.
    pub fn code(&self) -> &'static str {
        if self.unavailable {
            "ServiceUnavailable"
        } else {
            "InternalError"
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        if self.unavailable {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }

    /// What went wrong (for logs; responses carry only a generic message).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unavailable {
            f.write_str("the key store is unavailable; please try again")
        } else {
            f.write_str(
                "we encountered an internal error looking up the access key; please try again",
            )
        }
    }
}

impl std::error::Error for StoreError {}

/// The answer of a key store.
pub type Lookup<P> = Result<Option<Key<P>>, StoreError>;

/// Finds the key for an access key id.
///
/// A store that has its keys at hand answers through [`lookup_now`](Self::lookup_now) as well,
/// and the layer then checks each request within `Service::call`:
///
/// ```
/// use std::collections::HashMap;
/// use std::future::{ready, Ready};
/// use countersign_server::keys::{Key, KeyRequest, KeyStore, Lookup};
///
/// struct Fixed(HashMap<String, Key<String>>);
///
/// impl Fixed {
///     fn find(&self, request: &KeyRequest) -> Lookup<String> {
///         Ok(self.0.get(request.access_key_id()).cloned())
///     }
/// }
///
/// impl KeyStore for Fixed {
///     type Principal = String;
///     type Future = Ready<Lookup<String>>;
///
///     fn lookup(&self, request: KeyRequest) -> Self::Future {
///         ready(self.find(&request))
///     }
///
///     fn lookup_now(&self, request: &KeyRequest) -> Option<Lookup<String>> {
///         Some(self.find(request))
///     }
/// }
///
/// let store = Fixed(HashMap::from([(
///     "AKIDEXAMPLE".to_string(),
///     Key::new("secret", "alice".to_string()),
/// )]));
/// let request = KeyRequest::new("AKIDEXAMPLE", "20150830", "us-east-1", "service");
/// let found = store.lookup_now(&request).expect("at hand").expect("no failure");
/// assert_eq!(found.expect("known").principal(), "alice");
/// ```
pub trait KeyStore: Send + Sync + 'static {
    /// The application's principal attached to each key, handed to handlers in
    /// [`Verified`](crate::Verified).
    type Principal: Clone + Send + Sync + 'static;
    /// The future of one lookup.
    type Future: Future<Output = Lookup<Self::Principal>> + Send + 'static;

    /// Looks the key up: `Ok(None)` when it is unknown, `Err` when the store failed.
    fn lookup(&self, request: KeyRequest) -> Self::Future;

    /// The answer [`lookup`](Self::lookup) would give, when the store has it at hand without
    /// waiting (keys in memory); `None` (the default) when it must be waited for. With an
    /// answer here the layer checks the request within `Service::call` and hands it on at
    /// once, instead of keeping the request in its future until the lookup completes. The
    /// two must agree: a store that answers here answers the same through `lookup`.
    fn lookup_now(&self, request: &KeyRequest) -> Option<Lookup<Self::Principal>> {
        let _ = request;
        None
    }

    /// Whether the store remembers for itself the access key ids it does not know, and
    /// forgets them as soon as they become known (a shared store told of every change, such
    /// as one over Redis). `false` (the default): the layer keeps its own unknown-key cache
    /// in front of a store that must be waited for, so that an id it did not know a moment
    /// ago is refused without asking the store again within the cache's time-to-live. A
    /// store answering `true` is asked every time instead: the layer's cache would go on
    /// refusing a key created elsewhere until its entry expired.
    fn remembers_unknown_keys(&self) -> bool {
        false
    }
}

/// A shared store: several layers (or a layer and the code that manages the keys) over one.
impl<K: KeyStore + ?Sized> KeyStore for std::sync::Arc<K> {
    type Principal = K::Principal;
    type Future = K::Future;

    fn lookup(&self, request: KeyRequest) -> Self::Future {
        K::lookup(self, request)
    }

    fn lookup_now(&self, request: &KeyRequest) -> Option<Lookup<Self::Principal>> {
        K::lookup_now(self, request)
    }

    fn remembers_unknown_keys(&self) -> bool {
        K::remembers_unknown_keys(self)
    }
}
