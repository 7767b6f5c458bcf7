//! Shared state on Redis (or Valkey) for countersign: several instances of a service behind
//! a load balancer see one set of keys, one replay memory and one set of policies.
//!
//! - [`RedisKeyStore`]: the access keys, answered from an in-process cache that every change
//!   invalidates on every instance (pub/sub), so that a key created, rotated or revoked
//!   anywhere takes effect everywhere within milliseconds; [`RedisKeys`] manages them.
//! - [`RedisReplayGuard`]: one atomic `SET … NX PXAT` per header-signed request, so that a
//!   request captured once cannot be replayed to another instance.
//! - [`RedisPolicyStore`]: identity and resource policies for the built-in authorizer, held
//!   in memory and reloaded entry by entry as they change.
//! - [`RedisFailureTracker`]: failed attempts counted per access key and code across
//!   instances, and the keys a [`lockout`](countersign_server::SigV4Layer::lockout) locked,
//!   held in memory on every instance.
//!
//! All of them share one [`RedisClient`], configured by a [`RedisConfig`]: a URL
//! (`redis://`, `rediss://` for TLS, user and password in the URL), a key prefix (default
//! `countersign:`, so that deployments can share a Redis), a pool size and two timeouts.
//!
//! ```no_run
//! use std::time::Duration;
//! use countersign_redis::{RedisClient, RedisConfig, RedisKeyStore, RedisKeys, RedisReplayGuard};
//! use countersign_server::SigV4Layer;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = RedisConfig::new("redis://127.0.0.1:6379")?
//!     .prefix("photos:")
//!     .command_timeout(Duration::from_millis(500));
//! let client = RedisClient::connect(config).await?;
//!
//! // An admin creates a key (on any instance, or from a tool).
//! let (id, secret) = RedisKeys::new(client.clone())
//!     .create(serde_json::json!({"user": "alice"}))
//!     .await?;
//!
//! // Each instance verifies with the shared keys and replay memory.
//! let layer = SigV4Layer::new(RedisKeyStore::start(client.clone()).await)
//!     .replay_protection(RedisReplayGuard::new(client));
//! # let _ = (id, secret, layer); Ok(()) }
//! ```
//!
//! # When Redis is unreachable
//!
//! Requests that need Redis fail closed: a key lookup that must go to Redis, and every
//! replay check, answer 503 `ServiceUnavailable` within the command timeout, never 403 and
//! never an unchecked request. Cached keys are not served while the invalidation
//! subscription is down (a revocation could have been missed), unless
//! [`RedisKeyStoreOptions::serve_cached_for`] allows a bounded time. Policies, which the
//! authorizer reads synchronously, keep their last known state. Failures are not counted
//! (a lockout cannot be reached), and the locks known keep their force until they end. Every connection is made
//! again by itself once Redis is back; nothing has to be rebuilt.
//!
//! # Why the `redis` crate
//!
//! We use [`redis`](https://docs.rs/redis) with its `ConnectionManager`: a multiplexed
//! connection (every concurrent command pipelined on one socket, so that a pool of one is
//! already enough for most services) that reconnects by itself, with backoff, after Redis
//! went away; a plain async pub/sub connection for the invalidations; RESP3 and push
//! messages should client-side tracking ever be wanted; TLS through rustls. It is the most
//! used Redis client for Rust, maintained under the `redis-rs` organisation, and with the
//! features we enable it adds few crates beyond what the workspace has (`combine`,
//! `arc-swap`, `backon`, `socket2`, `url` and small ones).
//!
//! The alternatives: `fred` has more built in (its own pool, client-side caching, sentinel
//! and cluster with reconnection policies, metrics) and is well maintained, but is a larger
//! dependency tree and API for what we need (GET, SET, PUBLISH, SUBSCRIBE, SCAN), and is
//! maintained mostly by one person. `deadpool-redis` is a pool of `redis` connections:
//! it hands out one connection per task, which suits blocking commands and transactions
//! with `WATCH`, but we need neither, and a multiplexed connection manager gives us
//! pipelining and reconnection without a pool's checkout on every request.

mod client;
mod config;
mod error;
mod failures;
mod keys;
mod pattern;
mod policies;
mod replay;
mod subscription;

pub use client::RedisClient;
pub use config::{RedisConfig, DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_PREFIX};
pub use error::Error;
pub use failures::{RedisFailureTracker, SharedFailureCount, DEFAULT_LOCK_CAPACITY};
pub use keys::{
    new_access_key_id, KeyRecord, KeyStatus, RedisKeyStore, RedisKeyStoreOptions, RedisKeys,
    RedisLookup, DEFAULT_CACHE_CAPACITY,
};
pub use policies::{RedisPolicyStore, INVALID_ENTRY_SID};
pub use replay::RedisReplayGuard;
