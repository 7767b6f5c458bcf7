//! How to reach Redis, and how long to wait for it.

use std::fmt;
use std::time::Duration;

use crate::error::Error;

/// The key prefix used unless told otherwise.
pub const DEFAULT_PREFIX: &str = "countersign:";

/// The longest a request waits on one Redis command, unless told otherwise.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(1);

/// The longest one attempt to connect waits, unless told otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Where Redis is and how to use it: a URL, a key prefix, a pool size and two timeouts.
///
/// ```
/// use std::time::Duration;
/// use countersign_redis::RedisConfig;
/// let config = RedisConfig::new("rediss://app:secret@redis.internal:6380/0")?
///     .prefix("billing:")
///     .pool_size(4)
///     .command_timeout(Duration::from_millis(250));
/// assert_eq!(config.key_prefix(), "billing:");
/// assert!(!format!("{config:?}").contains("secret"), "the password is not shown");
/// # Ok::<(), countersign_redis::Error>(())
/// ```
#[derive(Clone)]
pub struct RedisConfig {
    pub(crate) info: redis::ConnectionInfo,
    pub(crate) prefix: String,
    pub(crate) pool_size: usize,
    pub(crate) command_timeout: Duration,
    pub(crate) connect_timeout: Duration,
}

impl RedisConfig {
    /// Redis at `url`: `redis://[USER[:PASSWORD]@]HOST[:PORT][/DB]`, or `rediss://` for TLS
    /// (rustls, with the system's root certificates); `redis+unix:///PATH` for a Unix
    /// socket. The defaults: prefix [`DEFAULT_PREFIX`], one connection,
    /// [`DEFAULT_COMMAND_TIMEOUT`], [`DEFAULT_CONNECT_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URL that is not one of these.
    pub fn new(url: &str) -> Result<Self, Error> {
        let info = redis::IntoConnectionInfo::into_connection_info(url)
            .map_err(|e| Error::Config(format!("not a Redis URL: {e}")))?;
        Ok(RedisConfig {
            info,
            prefix: DEFAULT_PREFIX.to_string(),
            pool_size: 1,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        })
    }

    /// The prefix of every Redis key and channel this crate uses (default
    /// [`DEFAULT_PREFIX`]), so that several deployments can share one Redis.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How many multiplexed connections the commands are spread over, in turn (default one,
    /// at least one). One connection pipelines every concurrent command already; more help
    /// only when one connection's socket becomes the bottleneck.
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size.max(1);
        self
    }

    /// The longest a request waits on one Redis command, reconnection included (default
    /// [`DEFAULT_COMMAND_TIMEOUT`]). Past it the command fails as unavailable: 503 for the
    /// request that needed it.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// The longest one attempt to connect waits (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The prefix of every key and channel.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("address", &self.info.addr().to_string())
            .field("prefix", &self.prefix)
            .field("pool_size", &self.pool_size)
            .field("command_timeout", &self.command_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}
