//! `--redis URL` of the example servers: the keys, the replay memory (and in the S3 example
//! the buckets' owners and policies) shared in Redis by every instance started with the same
//! URL and `--redis-prefix`.

use countersign::server::keys::random_secret;
use countersign_redis::{KeyRecord, KeyStatus, RedisClient, RedisConfig, RedisKeys};
use serde_json::Value;

/// Connects to the Redis at `url`, under `prefix` (the default prefix when `None`).
pub(crate) async fn connect(url: &str, prefix: Option<&str>) -> Result<RedisClient, String> {
    let mut config = RedisConfig::new(url).map_err(|e| format!("--redis: {e}"))?;
    if let Some(prefix) = prefix {
        config = config.prefix(prefix);
    }
    RedisClient::connect(config)
        .await
        .map_err(|e| format!("--redis: cannot reach Redis: {e}"))
}

/// A development key in Redis: its secret, and what was done for it.
pub(crate) struct DevelopmentKey {
    /// Its newest secret.
    pub(crate) secret: String,
    /// What the start-up log says of it.
    pub(crate) note: &'static str,
}

/// The key `id` in Redis: written with a new random secret for `principal` when Redis has
/// none (so that the one-command start works with an empty Redis), else the one there (the
/// one another instance wrote). A key revoked in Redis stays revoked.
pub(crate) async fn development_key(
    client: &RedisClient,
    id: &str,
    principal: Value,
) -> Result<DevelopmentKey, String> {
    let keys = RedisKeys::new(client.clone());
    let failed = |e: countersign_redis::Error| format!("the development key {id} in Redis: {e}");
    if let Some(record) = keys.get(id).await.map_err(failed)? {
        let note = match record.status {
            KeyStatus::Active => "found in Redis",
            _ => "found in Redis, REVOKED: requests with it are refused",
        };
        let secret = record.secrets.first().cloned().unwrap_or_default();
        return Ok(DevelopmentKey { secret, note });
    }
    let secret = random_secret().map_err(|e| format!("no development key: {e}"))?;
    keys.put(id, &KeyRecord::new(secret.as_str(), principal))
        .await
        .map_err(failed)?;
    Ok(DevelopmentKey {
        secret,
        note: "not in Redis: imported",
    })
}
