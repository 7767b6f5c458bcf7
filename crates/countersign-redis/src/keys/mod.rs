//! Access keys in Redis: the store the layer asks ([`RedisKeyStore`]), the API that manages
//! them ([`RedisKeys`]), and the record of one key ([`KeyRecord`]).

mod admin;
mod record;
mod store;

pub use admin::{new_access_key_id, RedisKeys};
pub use record::{KeyRecord, KeyStatus};
pub use store::{RedisKeyStore, RedisKeyStoreOptions, RedisLookup, DEFAULT_CACHE_CAPACITY};

use crate::client::RedisClient;

/// The channel, after the prefix, on which every change to a key publishes its id.
pub(crate) const KEYS_CHANNEL: &str = "keys";

/// The Redis key of the record of `id`: `{prefix}key:{id}`.
pub(crate) fn key_name(client: &RedisClient, id: &str) -> String {
    client.key(&format!("key:{id}"))
}
