//! A replay guard that several instances share: one atomic `SET … NX PXAT` per signature.

use std::fmt;

use countersign_server::keys::StoreError;
use countersign_server::replay::{Replay, ReplayGuard};
use redis::Cmd;
use time::OffsetDateTime;

use crate::client::RedisClient;

/// Remembers the signatures of header-signed requests in Redis, for every instance that
/// shares it: a request captured once and replayed to another instance is refused.
///
/// Each signature is one key, `{prefix}replay:{hex(signature)}`, written with
/// `SET key 1 NX PXAT ms` (Redis 6.2 or later), where `ms` is the end of the request's
/// validity window in Unix milliseconds: a reply `OK` is a first use, nil a replay, and
/// Redis drops the key itself once the signature is no longer valid. The answer is
/// [`Replay::Later`]; a Redis that cannot be reached, or does not answer within the command
/// timeout, gives [`StoreError::unavailable`], so that the request is refused with 503
/// (never accepted unchecked). Once Redis is back, the guard works again by itself.
///
/// ```no_run
/// # async fn run() -> Result<(), countersign_redis::Error> {
/// use countersign_redis::{RedisClient, RedisConfig, RedisKeyStore, RedisReplayGuard};
/// use countersign_server::SigV4Layer;
/// let client = RedisClient::connect(RedisConfig::new("redis://127.0.0.1:6379")?).await?;
/// let layer = SigV4Layer::new(RedisKeyStore::start(client.clone()).await)
///     .replay_protection(RedisReplayGuard::new(client));
/// # let _ = layer; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisReplayGuard {
    client: RedisClient,
}

impl RedisReplayGuard {
    /// A guard over `client`.
    pub fn new(client: RedisClient) -> Self {
        RedisReplayGuard { client }
    }

    /// The command that records `signature` until `valid_until`.
    fn command(&self, signature: &[u8], valid_until: OffsetDateTime, now: OffsetDateTime) -> Cmd {
        let name = self
            .client
            .key(&format!("replay:{}", hex::encode(signature)));
        redis::cmd("SET")
            .arg(name)
            .arg(1)
            .arg("NX")
            .arg("PXAT")
            .arg(expiry_ms(valid_until, now))
            .clone()
    }
}

/// `valid_until` in Unix milliseconds, as Redis accepts it for `PXAT`: after `now` (a window
/// already over is kept for a millisecond, so that the `SET` still tells whether it was
/// there), and no later than the greatest 64-bit value (a layer with an endless clock skew
/// gives the latest time there is).
fn expiry_ms(valid_until: OffsetDateTime, now: OffsetDateTime) -> i64 {
    let ms = |t: OffsetDateTime| t.unix_timestamp_nanos() / 1_000_000;
    let until = ms(valid_until).max(ms(now) + 1).max(1);
    i64::try_from(until).unwrap_or(i64::MAX)
}

impl ReplayGuard for RedisReplayGuard {
    fn first_use(
        &self,
        signature: &[u8],
        valid_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Replay {
        let command = self.command(signature, valid_until, now);
        let client = self.client.clone();
        Replay::Later(Box::pin(async move {
            let reply: Option<String> = client.query(&command).await.map_err(|e| {
                tracing::warn!(error = %e, "replay check failed");
                StoreError::unavailable(e.to_string())
            })?;
            Ok(reply.is_some())
        }))
    }
}

impl fmt::Debug for RedisReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisReplayGuard")
            .field("client", &self.client)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_expiry_is_the_end_of_the_window_in_milliseconds() {
        let now = datetime!(2024-03-01 10:00:00 UTC);
        let until = now + time::Duration::milliseconds(300_250);
        assert_eq!(expiry_ms(until, now), 1_709_287_200_000 + 300_250);
    }

    #[test]
    fn a_window_already_over_is_kept_a_millisecond() {
        let now = datetime!(2024-03-01 10:00:00 UTC);
        assert_eq!(
            expiry_ms(now - time::Duration::minutes(1), now),
            1_709_287_200_001
        );
    }

    #[test]
    fn an_endless_window_is_bounded_to_what_redis_accepts() {
        let now = datetime!(2024-03-01 10:00:00 UTC);
        let last = time::PrimitiveDateTime::MAX.assume_utc();
        // 9999-12-31T23:59:59.999Z, the latest time there is, in Unix milliseconds.
        assert_eq!(expiry_ms(last, now), 253_402_300_799_999);
    }
}
