//! The connection to Redis that every store of this crate shares: a few multiplexed
//! connection managers used in turn, each command bounded by the command timeout.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSub};
use redis::{Cmd, FromRedisValue, Pipeline};

use crate::config::RedisConfig;
use crate::error::Error;
use crate::pattern::escape_glob;

/// How many keys one `SCAN` or `MGET` asks for.
const BATCH: usize = 500;

/// Connections to one Redis, cheap to clone (clones share them). Each connection manager
/// reconnects by itself when Redis goes away and comes back; every command waits at most the
/// command timeout, reconnection included.
///
/// ```no_run
/// # async fn run() -> Result<(), countersign_redis::Error> {
/// use countersign_redis::{RedisClient, RedisConfig};
/// let client = RedisClient::connect(RedisConfig::new("redis://127.0.0.1:6379")?).await?;
/// client.ping().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisClient {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    managers: Vec<ConnectionManager>,
    next: AtomicUsize,
    config: RedisConfig,
}

/// How soon a lost connection is tried again, at the most: a Redis that comes back is used
/// within about this long.
const MAX_RECONNECT_DELAY: Duration = Duration::from_millis(500);

impl RedisClient {
    /// Connects the pool; fails when Redis cannot be reached within the connect timeout.
    /// Once connected, a lost connection is made again by itself, in the background.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when Redis cannot be reached or refuses the credentials.
    pub async fn connect(config: RedisConfig) -> Result<Self, Error> {
        if matches!(config.info.addr(), redis::ConnectionAddr::TcpTls { .. }) {
            // redis builds its TLS configuration with the process's default crypto provider,
            // which rustls picks by itself only when one provider is compiled in: make ring
            // the default unless the application chose one already.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let client = redis::Client::open(config.info.clone())?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.command_timeout))
            .set_number_of_retries(2)
            .set_max_delay(MAX_RECONNECT_DELAY);
        let mut managers = Vec::with_capacity(config.pool_size);
        for _ in 0..config.pool_size {
            let connecting =
                ConnectionManager::new_with_config(client.clone(), manager_config.clone());
            let manager = tokio::time::timeout(config.connect_timeout, connecting)
                .await
                .map_err(|_| Error::Unavailable("timed out connecting".into()))??;
            managers.push(manager);
        }
        Ok(RedisClient {
            inner: Arc::new(Inner {
                client,
                managers,
                next: AtomicUsize::new(0),
                config,
            }),
        })
    }

    /// Asks Redis for a `PONG`.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when it does not answer within the command timeout.
    pub async fn ping(&self) -> Result<(), Error> {
        self.query::<String>(&redis::cmd("PING")).await.map(|_| ())
    }

    /// The configuration.
    pub fn config(&self) -> &RedisConfig {
        &self.inner.config
    }

    /// `{prefix}{name}`: a key or channel of this deployment.
    pub(crate) fn key(&self, name: &str) -> String {
        format!("{}{name}", self.inner.config.prefix)
    }

    /// The next connection of the pool, in turn.
    fn manager(&self) -> ConnectionManager {
        let managers = &self.inner.managers;
        let i = self.inner.next.fetch_add(1, Ordering::Relaxed) % managers.len();
        managers[i].clone()
    }

    /// Runs one command, waiting at most the command timeout.
    pub(crate) async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, Error> {
        let mut manager = self.manager();
        self.bounded(cmd.query_async(&mut manager)).await
    }

    /// Runs a pipeline (in one `MULTI`/`EXEC` when it is atomic), waiting at most the
    /// command timeout.
    pub(crate) async fn pipeline<T: FromRedisValue>(&self, pipe: &Pipeline) -> Result<T, Error> {
        let mut manager = self.manager();
        self.bounded(pipe.query_async(&mut manager)).await
    }

    /// The names of every key that begins with `prefix` (a literal prefix: glob characters
    /// in it are escaped), sorted, each once: `SCAN` in batches, never `KEYS`.
    pub(crate) async fn names_under(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let pattern = format!("{}*", escape_glob(prefix));
        let mut names = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let scan = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(BATCH)
                .clone();
            let (next, batch): (u64, Vec<String>) = self.query(&scan).await?;
            names.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        // A SCAN may return a key more than once.
        names.sort_unstable();
        names.dedup();
        Ok(names)
    }

    /// The values of `names`, in their order (`None` for a key that is gone), read with
    /// `MGET` in batches.
    pub(crate) async fn values_of(&self, names: &[String]) -> Result<Vec<Option<Vec<u8>>>, Error> {
        let mut values = Vec::with_capacity(names.len());
        for chunk in names.chunks(BATCH) {
            let mget = redis::cmd("MGET").arg(chunk).clone();
            let batch: Vec<Option<Vec<u8>>> = self.query(&mget).await?;
            values.extend(batch);
        }
        Ok(values)
    }

    /// A new subscriber connection (not of the pool: a subscribed connection takes no other
    /// command), waiting at most the connect timeout.
    pub(crate) async fn pubsub(&self) -> Result<PubSub, Error> {
        let timeout = self.inner.config.connect_timeout;
        tokio::time::timeout(timeout, self.inner.client.get_async_pubsub())
            .await
            .map_err(|_| Error::Unavailable("timed out connecting".into()))?
            .map_err(Error::from)
    }

    /// `work`, or [`Error::Unavailable`] once the command timeout has passed.
    pub(crate) async fn bounded<T>(
        &self,
        work: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(self.inner.config.command_timeout, work).await {
            Ok(done) => done.map_err(Error::from),
            Err(_) => Err(Error::Unavailable("timed out".into())),
        }
    }
}

impl fmt::Debug for RedisClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}
