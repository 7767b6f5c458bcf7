//! A subscription to one invalidation channel, kept in place in a background task: each
//! message is handed to a listener, and each time the subscription is made (again) the
//! listener is told that it may have missed messages.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::task::AbortHandle;

use crate::client::RedisClient;

/// What a subscription hands its messages to.
pub(crate) trait Listener: Send + Sync + 'static {
    /// The subscription is in place, for the first time or again: every message published
    /// while it was not was missed. An error gives the subscription up, to be made again
    /// (and this asked again) a moment later.
    fn subscribed(&self) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// A message published on the channel.
    fn message(&self, payload: &[u8]) -> impl Future<Output = ()> + Send;
}

/// The state of a subscription, read by the store it keeps true.
#[derive(Debug)]
pub(crate) struct SubscriptionState {
    up: AtomicBool,
    /// Since when the subscription is not in place (meaningless while it is).
    down_since: Mutex<Instant>,
}

impl SubscriptionState {
    fn new() -> Self {
        SubscriptionState {
            up: AtomicBool::new(false),
            down_since: Mutex::new(Instant::now()),
        }
    }

    /// Whether the subscription is in place: no change can go unnoticed.
    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::SeqCst)
    }

    /// How long the subscription has not been in place (zero while it is).
    pub(crate) fn down_for(&self) -> Duration {
        if self.is_up() {
            return Duration::ZERO;
        }
        let since = *self.down_since.lock().unwrap_or_else(|p| p.into_inner());
        since.elapsed()
    }

    fn set_down(&self) {
        if self.up.swap(false, Ordering::SeqCst) {
            *self.down_since.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        }
    }
}

/// A running subscription; dropping it ends its task.
#[derive(Debug)]
pub(crate) struct Subscription {
    state: Arc<SubscriptionState>,
    task: AbortHandle,
}

/// How often a subscribed connection is asked for a `PONG`, so that one that died silently
/// is noticed.
const PING_INTERVAL: Duration = Duration::from_secs(1);

/// The first and the longest wait before subscribing again after a failure.
const RETRY_DELAYS: (Duration, Duration) = (Duration::from_millis(50), Duration::from_secs(1));

impl Subscription {
    /// Subscribes to `channel` in a background task (on the current Tokio runtime), handing
    /// its messages to `listener`; waits until the first subscription is in place, or the
    /// connect timeout has passed (the task goes on trying).
    pub(crate) async fn start<L: Listener>(
        client: RedisClient,
        channel: String,
        listener: Arc<L>,
    ) -> Self {
        let state = Arc::new(SubscriptionState::new());
        let config = client.config();
        let wait = config.connect_timeout + config.command_timeout;
        let task = tokio::spawn(run(client, channel, listener, Arc::clone(&state)));
        let subscription = Subscription {
            state,
            task: task.abort_handle(),
        };
        let started = Instant::now();
        while !subscription.state.is_up() && started.elapsed() < wait {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        subscription
    }

    /// Its state.
    pub(crate) fn state(&self) -> &SubscriptionState {
        &self.state
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Keeps the subscription in place for as long as the task runs.
async fn run<L: Listener>(
    client: RedisClient,
    channel: String,
    listener: Arc<L>,
    state: Arc<SubscriptionState>,
) {
    let mut delay = RETRY_DELAYS.0;
    loop {
        match listen(&client, &channel, &*listener, &state).await {
            // It was in place a while: try again at once.
            Ok(()) => delay = RETRY_DELAYS.0,
            Err(why) => tracing::debug!(%channel, %why, "cannot subscribe"),
        }
        state.set_down();
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(RETRY_DELAYS.1);
    }
}

/// Subscribes once and hands on the messages until the connection is lost: `Ok` once it
/// was in place, `Err` when it could not be made.
async fn listen<L: Listener>(
    client: &RedisClient,
    channel: &str,
    listener: &L,
    state: &SubscriptionState,
) -> Result<(), crate::Error> {
    let mut pubsub = client.pubsub().await?;
    client.bounded(pubsub.subscribe(channel)).await?;
    let (mut sink, mut stream) = pubsub.split();
    // Anything read before may have missed a message published while not subscribed.
    listener.subscribed().await?;
    state.up.store(true, Ordering::SeqCst);
    tracing::debug!(%channel, "subscribed");
    let mut ping = tokio::time::interval(PING_INTERVAL);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(message) => listener.message(message.get_payload_bytes()).await,
                None => break,
            },
            // Any reply will do: a subscribed RESP2 connection answers `pong` in a list.
            _ = ping.tick() => {
                if let Err(why) = client.bounded(sink.ping::<redis::Value>()).await {
                    tracing::debug!(%channel, %why, "subscription lost");
                    break;
                }
            }
        }
    }
    tracing::warn!(%channel, "subscription lost; subscribing again");
    Ok(())
}
