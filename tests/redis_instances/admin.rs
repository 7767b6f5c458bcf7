//! The keys in the test's Redis, managed as an operator's tool does (`RedisKeys`), on a
//! runtime of their own.

use countersign_redis::{KeyRecord, RedisKeys};
use serde_json::json;

use crate::redis_support::RedisServer;

/// The keys of one Redis.
pub(crate) struct Admin {
    runtime: tokio::runtime::Runtime,
    keys: RedisKeys,
}

impl Admin {
    pub(crate) fn new(redis: &RedisServer) -> Admin {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let keys = runtime.block_on(async { RedisKeys::new(redis.client().await) });
        Admin { runtime, keys }
    }

    /// Writes the active key `id` with `secret` for `principal_arn`.
    pub(crate) fn put(&self, id: &str, secret: &str, principal_arn: &str) {
        let record = KeyRecord::new(secret, json!({ "arn": principal_arn }));
        self.runtime.block_on(self.keys.put(id, &record)).unwrap();
    }

    /// Revokes `id`.
    pub(crate) fn revoke(&self, id: &str) {
        self.runtime.block_on(self.keys.revoke(id)).unwrap();
    }
}
