//! The key store the layer asks: an in-process cache in front of Redis, kept true by the
//! invalidations every change publishes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use countersign_server::keys::{Key, KeyRequest, KeyStore, Lookup, StoreError};
use dashmap::DashMap;
use serde_json::Value;
use time::OffsetDateTime;

use crate::client::RedisClient;
use crate::keys::record::{KeyRecord, KeyStatus};
use crate::keys::{key_name, KEYS_CHANNEL};
use crate::subscription::{Listener, Subscription, SubscriptionState};

/// The most access key ids the cache holds unless told otherwise, known and unknown together.
pub const DEFAULT_CACHE_CAPACITY: usize = 100_000;

/// The principal of a key: any JSON value, shared by every request that uses the key.
type Principal = Arc<Value>;

/// The future of a lookup that goes to Redis.
pub type RedisLookup = Pin<Box<dyn Future<Output = Lookup<Principal>> + Send>>;

/// Access keys kept in Redis (see [`KeyRecord`] for the layout), with an in-process cache in
/// front of them, for [`SigV4Layer`](countersign_server::SigV4Layer). Clones share the cache.
///
/// **The cache.** A key once read (and an access key id once found unknown) is answered from
/// memory, within `Service::call` ([`KeyStore::lookup_now`]): the hot path does not wait on
/// Redis. A key that is inactive, or past its expiry, is answered as unknown. The cache holds
/// at most its capacity ([`DEFAULT_CACHE_CAPACITY`]) of ids, so that requests naming random
/// ids cannot make it grow: when it is full the unknown ids are dropped, and when it is full
/// of keys further answers are not kept (each is read from Redis again). Each new unknown id
/// a request names is read from Redis once (a `GET` of an absent key): the layer's own
/// unknown-key cache is not in front of this store.
///
/// **Invalidation.** Every change made through [`RedisKeys`](crate::RedisKeys) publishes the
/// access key id on the channel `{prefix}keys`. Every store subscribes to it in a background
/// task and drops that id from its cache, known or unknown: a key created, rotated or revoked
/// on one instance takes effect on the others as soon as the message arrives (a millisecond
/// or so on one network). Each time the subscription is made again, the whole cache is
/// dropped, since messages may have been missed meanwhile. The store remembers unknown ids
/// itself ([`KeyStore::remembers_unknown_keys`]), so that the layer keeps no unknown-key
/// cache of its own in front of it, which would go on refusing a key created elsewhere.
///
/// Pub/sub rather than RESP3 client-side tracking: tracking needs RESP3 (or a second,
/// redirected connection), tells only of keys this connection read, and `redis`'s cache
/// built on it is experimental; a channel of ids is plain, works with every Redis from 2.0
/// on and with Valkey, and also tells of ids read as unknown.
///
/// **When Redis is unreachable.** A lookup that must go to Redis fails with
/// [`StoreError::unavailable`] (503 `ServiceUnavailable`), never an unknown key (403), within
/// the command timeout. While the subscription is down the cache cannot be trusted (a
/// revocation may have been missed), so by default (`serve_cached_for` zero) it is not used:
/// every lookup goes to Redis, and fails when Redis does. A longer `serve_cached_for` keeps
/// answering from the cache for that long after the subscription was lost, trading the
/// revocations missed meanwhile for availability. Once Redis is back, the connections are
/// made again by themselves, the cache is dropped, and lookups go on.
///
/// ```no_run
/// # async fn run() -> Result<(), countersign_redis::Error> {
/// use countersign_redis::{RedisClient, RedisConfig, RedisKeyStore};
/// use countersign_server::SigV4Layer;
/// let client = RedisClient::connect(RedisConfig::new("redis://127.0.0.1:6379")?).await?;
/// let store = RedisKeyStore::start(client).await;
/// let layer = SigV4Layer::new(store);
/// # let _ = layer; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisKeyStore {
    shared: Arc<Shared>,
}

struct Shared {
    client: RedisClient,
    cache: Arc<Cache>,
    subscription: Subscription,
    serve_cached_for: Duration,
}

/// What the cache knows of an access key id.
#[derive(Clone)]
enum Cached {
    /// An active key, and when it expires.
    Known {
        key: Key<Principal>,
        expires: Option<OffsetDateTime>,
    },
    /// No key, or an inactive one.
    Unknown,
    /// Being read from Redis by the lookup holding this token: not an answer yet. An
    /// invalidation meanwhile removes it, and the lookup then does not keep what it read.
    Reading(u64),
}

impl Cached {
    fn from_record(record: KeyRecord) -> Self {
        if record.status != KeyStatus::Active {
            return Cached::Unknown;
        }
        let mut secrets = record.secrets.into_iter();
        let Some(newest) = secrets.next() else {
            return Cached::Unknown;
        };
        let key = secrets.fold(
            Key::new(newest, Arc::new(record.principal)),
            Key::with_secret,
        );
        Cached::Known {
            key,
            expires: record.expires,
        }
    }

    /// The answer at `now`: `Some(None)` for unknown, `None` while it is being read.
    fn answer(&self, now: OffsetDateTime) -> Option<Option<Key<Principal>>> {
        match self {
            Cached::Known { key, expires } if expires.is_none_or(|e| now < e) => {
                Some(Some(key.clone()))
            }
            Cached::Known { .. } | Cached::Unknown => Some(None),
            Cached::Reading(_) => None,
        }
    }
}

/// The cache, and what the subscription does to it.
struct Cache {
    entries: DashMap<String, Cached, foldhash::fast::RandomState>,
    capacity: usize,
    /// The last token handed to a lookup reading from Redis.
    tokens: AtomicU64,
}

impl Listener for Cache {
    async fn subscribed(&self) -> Result<(), crate::Error> {
        self.entries.clear();
        Ok(())
    }

    async fn message(&self, payload: &[u8]) {
        if let Ok(id) = std::str::from_utf8(payload) {
            self.entries.remove(id);
        }
    }
}

/// How a [`RedisKeyStore`] is started: see [`RedisKeyStore::options`].
#[derive(Debug)]
pub struct RedisKeyStoreOptions {
    client: RedisClient,
    capacity: usize,
    serve_cached_for: Duration,
}

impl RedisKeyStoreOptions {
    /// The most access key ids the cache holds (default [`DEFAULT_CACHE_CAPACITY`]).
    pub fn cache_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// How long cached keys keep being served once the invalidation subscription is lost
    /// (default zero: not at all, every lookup goes to Redis until it is back).
    pub fn serve_cached_for(mut self, bound: Duration) -> Self {
        self.serve_cached_for = bound;
        self
    }

    /// Starts the store: subscribes to the invalidations in a background task on the
    /// current Tokio runtime, and waits until the subscription is in place or the connect
    /// timeout has passed (lookups go to Redis until it is).
    pub async fn start(self) -> RedisKeyStore {
        let cache = Arc::new(Cache {
            entries: DashMap::default(),
            capacity: self.capacity,
            tokens: AtomicU64::new(0),
        });
        let channel = self.client.key(KEYS_CHANNEL);
        let subscription =
            Subscription::start(self.client.clone(), channel, Arc::clone(&cache)).await;
        RedisKeyStore {
            shared: Arc::new(Shared {
                client: self.client,
                cache,
                subscription,
                serve_cached_for: self.serve_cached_for,
            }),
        }
    }
}

impl RedisKeyStore {
    /// A store over `client` with the default options: see [`RedisKeyStoreOptions::start`].
    pub async fn start(client: RedisClient) -> Self {
        RedisKeyStore::options(client).start().await
    }

    /// The options of a store over `client`, to change before it starts.
    pub fn options(client: RedisClient) -> RedisKeyStoreOptions {
        RedisKeyStoreOptions {
            client,
            capacity: DEFAULT_CACHE_CAPACITY,
            serve_cached_for: Duration::ZERO,
        }
    }

    /// How many access key ids the cache holds now.
    pub fn cached(&self) -> usize {
        self.shared.cache.entries.len()
    }

    /// Whether the invalidation subscription is in place.
    pub fn is_subscribed(&self) -> bool {
        self.shared.subscription.state().is_up()
    }
}

impl Shared {
    fn state(&self) -> &SubscriptionState {
        self.subscription.state()
    }

    /// Whether the cache may answer: the subscription is in place, or was lost less than
    /// `serve_cached_for` ago.
    fn cache_trusted(&self) -> bool {
        let state = self.state();
        state.is_up()
            || (!self.serve_cached_for.is_zero() && state.down_for() < self.serve_cached_for)
    }

    /// The cache's answer for `id`, if it may answer and knows it.
    fn cached(&self, id: &str) -> Option<Option<Key<Principal>>> {
        if !self.cache_trusted() {
            return None;
        }
        let entry = self.cache.entries.get(id)?;
        entry.answer(OffsetDateTime::now_utc())
    }

    /// Marks `id` as being read, unless the cache is full or not to be kept now: the token
    /// to give [`fill`](Self::fill).
    fn start_reading(&self, id: &str) -> Option<u64> {
        let entries = &self.cache.entries;
        if !self.state().is_up() {
            return None;
        }
        if entries.len() >= self.cache.capacity {
            // Full: the unknown ids go (requests naming random ids fill the cache with them,
            // and would otherwise keep real keys out), the keys stay.
            entries.retain(|_, cached| matches!(cached, Cached::Known { .. }));
            if entries.len() >= self.cache.capacity {
                return None;
            }
        }
        let token = self.cache.tokens.fetch_add(1, Ordering::Relaxed);
        entries.insert(id.to_string(), Cached::Reading(token));
        Some(token)
    }

    /// Keeps what was read of `id`, if it is still marked as read with `token`: an
    /// invalidation (or a new subscription, which drops everything) since the read began
    /// removed the mark, and what was read may be stale. Nothing is kept while the
    /// subscription is down.
    fn fill(&self, id: &str, token: u64, cached: Cached) {
        let entries = &self.cache.entries;
        if let Some(mut entry) = entries.get_mut(id) {
            if matches!(*entry, Cached::Reading(t) if t == token) {
                if self.state().is_up() {
                    *entry = cached;
                    return;
                }
                drop(entry);
                entries.remove_if(id, |_, e| matches!(e, Cached::Reading(t) if *t == token));
            }
        }
    }

    /// Reads `id` from Redis, keeps the answer, and gives it.
    async fn fetch(self: Arc<Self>, id: String) -> Lookup<Principal> {
        if let Some(answer) = self.cached(&id) {
            return Ok(answer);
        }
        let token = self.start_reading(&id);
        let get = redis::cmd("GET").arg(key_name(&self.client, &id)).clone();
        let text: Option<Vec<u8>> = self.client.query(&get).await.map_err(|e| {
            tracing::warn!(access_key_id = %id, error = %e, "key lookup failed");
            self.abandon(&id, token);
            e.to_store_error()
        })?;
        let cached = match text {
            None => Cached::Unknown,
            Some(text) => match KeyRecord::from_json(&id, &text) {
                Ok(record) => Cached::from_record(record),
                Err(e) => {
                    tracing::error!(access_key_id = %id, error = %e, "invalid key record");
                    self.abandon(&id, token);
                    return Err(StoreError::internal(e.to_string()));
                }
            },
        };
        let answer = cached.answer(OffsetDateTime::now_utc()).flatten();
        if let Some(token) = token {
            self.fill(&id, token, cached);
        }
        Ok(answer)
    }

    /// Removes the mark of a read that gave no answer to keep.
    fn abandon(&self, id: &str, token: Option<u64>) {
        if let Some(token) = token {
            let entries = &self.cache.entries;
            entries.remove_if(id, |_, e| matches!(e, Cached::Reading(t) if *t == token));
        }
    }
}

impl KeyStore for RedisKeyStore {
    type Principal = Principal;
    type Future = RedisLookup;

    fn lookup(&self, request: KeyRequest) -> Self::Future {
        let shared = Arc::clone(&self.shared);
        Box::pin(shared.fetch(request.access_key_id().to_string()))
    }

    fn lookup_now(&self, request: &KeyRequest) -> Option<Lookup<Principal>> {
        self.shared.cached(request.access_key_id()).map(Ok)
    }

    fn remembers_unknown_keys(&self) -> bool {
        true
    }
}

impl fmt::Debug for RedisKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisKeyStore")
            .field("client", &self.shared.client)
            .field("cached", &self.cached())
            .field("subscribed", &self.is_subscribed())
            .field("serve_cached_for", &self.shared.serve_cached_for)
            .finish()
    }
}
