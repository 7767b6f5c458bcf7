//! The accept loop of the example servers: hyper-util's HTTP/1 and HTTP/2 connections over
//! plain TCP or TLS, a cap on open connections, deadlines that no connection outlives
//! without using it, and a graceful stop on Ctrl-C or SIGTERM. `axum::serve` has neither the
//! cap nor the deadlines: a client that connects and sends nothing holds its connection (a
//! file descriptor) for good, and enough such clients stop the server answering anyone.
//!
//! A connection's deadlines:
//! - until its first request head reaches the app, `head` from its accept, whatever it sends
//!   meanwhile (nothing, part of a head, part of the HTTP/2 preface, a TLS ClientHello). This
//!   covers the TLS handshake and hyper-util's protocol detection (the first bytes, read to
//!   tell HTTP/1 from HTTP/2), which have no deadline of their own;
//! - on HTTP/1, `head` again for each later request head: hyper's `header_read_timeout`,
//!   which starts as soon as the previous response is sent, so it also ends a kept-alive
//!   connection that goes quiet;
//! - `body_idle` between two reads of a request body (tower-http's `TimeoutBody`);
//! - `idle` with no request in flight, after the first (both protocols: hyper has no idle
//!   limit for HTTP/2, where a request head may arrive any time). The connection is asked to
//!   close gracefully, and dropped if it has not within `PING_TIMEOUT`;
//! - on HTTP/2, a ping every `PING_INTERVAL` that must be answered within `PING_TIMEOUT`, to
//!   find clients that went away without closing even while a request waits on them.
//!
//! Nothing bounds the time a client takes to read a response (a client that never reads a
//! large body holds its connection until it goes away): put a proxy with a send timeout in
//! front where that matters.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::Router;
use countersign::server::authz::Connection;
use http_body::{Body as _, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tower_http::timeout::TimeoutBody;

/// How long open connections get to finish once the server is told to stop.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the accept loop pauses after a failed accept (most often: out of file
/// descriptors, which passes once a connection closes).
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// How often HTTP/2 pings a connection.
const PING_INTERVAL: Duration = Duration::from_secs(20);

/// How long a client has to answer a ping, or to finish closing once asked to.
const PING_TIMEOUT: Duration = Duration::from_secs(10);

/// HTTP/2 streams (requests) open at once on one connection: RFC 9113 (6.5.2) recommends no
/// fewer than 100, so as not to limit a client's parallelism needlessly.
const MAX_STREAMS: u32 = 100;

/// The largest HTTP/2 header list, counted as RFC 9113 (6.5.2) does: each field's name and
/// value plus 32 bytes. The layer refuses more than 64 KiB of header bytes with its own
/// precise error; this leaves it that refusal for up to 512 fields, and bounds what one
/// stream's head may hold before the layer sees it.
const MAX_HEADER_LIST: u32 = 64 * 1024 + 512 * 32;

/// The default of `--max-connections`. Each connection holds a file descriptor, and an
/// `s3_server` request holds up to two more while it runs (an object and its temporary
/// file): 256 connections busy at once stay within 768 descriptors, under the soft limit of
/// 1024 that Linux gives a process by default, with room left for the listener and the
/// process's own. That is still four times the 64 connections of the load test
/// (`scripts/load-test.sh`); raise the limit (`ulimit -n`) before raising this.
const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// The largest `--max-connections`: the most file descriptors Linux lets a process have
/// open by default (`fs.nr_open`).
const MAX_CONNECTIONS: u64 = 1 << 20;

/// The largest number of seconds a timeout flag takes: a day.
const MAX_SECONDS: u64 = 24 * 60 * 60;

/// The limits a server and its connections live under, each set by a flag.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// `--header-timeout`: from its accept, for a connection to finish its TLS handshake and
    /// send its first request head; then, on HTTP/1, for each later request head.
    pub(crate) head: Duration,
    /// `--body-timeout`: between two reads of a request body.
    pub(crate) body_idle: Duration,
    /// `--idle-timeout`: for a connection with no request in flight, once it has sent one.
    pub(crate) idle: Duration,
    /// `--max-connections`: connections open at once. Over it, a new client waits in the
    /// listen backlog until one closes.
    pub(crate) max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            head: Duration::from_secs(10),
            body_idle: Duration::from_secs(30),
            idle: Duration::from_secs(60),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl Limits {
    /// Reads `--header-timeout S`, `--body-timeout S`, `--idle-timeout S` (whole seconds,
    /// from 1 to a day) or `--max-connections N` (from 1 to 2^20); `None` when `flag` is none
    /// of them.
    pub(crate) fn parse_flag(
        &mut self,
        flag: &str,
        value: impl FnOnce() -> Result<String, String>,
    ) -> Option<Result<(), String>> {
        let seconds = match flag {
            "--header-timeout" => &mut self.head,
            "--body-timeout" => &mut self.body_idle,
            "--idle-timeout" => &mut self.idle,
            "--max-connections" => {
                return Some(value().and_then(|v| {
                    let n = whole(flag, &v, MAX_CONNECTIONS, "connections")?;
                    self.max_connections =
                        usize::try_from(n).map_err(|_| format!("{flag}: {n} is too many"))?;
                    Ok(())
                }))
            }
            _ => return None,
        };
        Some(value().and_then(|v| {
            *seconds = Duration::from_secs(whole(flag, &v, MAX_SECONDS, "seconds")?);
            Ok(())
        }))
    }
}

/// `value` of `flag` as a whole number from 1 to `max`.
fn whole(flag: &str, value: &str, max: u64, unit: &str) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{flag}: expecting whole {unit}, from 1 to {max}; got {value:?}"
        )),
    }
}

/// Completes on Ctrl-C or, on Unix, on SIGTERM (what `kill`, systemd and container runtimes
/// send to stop a process). The handlers are installed when this is called, so call it
/// before announcing the server: a signal that arrives early stops it gracefully too,
/// rather than ending the process at once.
#[cfg(unix)]
pub(crate) fn stop_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};

    let listen = |kind: SignalKind, name: &'static str| {
        let installed = signal(kind);
        async move {
            match installed {
                Ok(mut signal) => {
                    let _ = signal.recv().await;
                }
                Err(e) => {
                    eprintln!("cannot listen for {name}: {e}");
                    std::future::pending::<()>().await;
                }
            }
        }
    };
    let interrupt = listen(SignalKind::interrupt(), "Ctrl-C");
    let terminate = listen(SignalKind::terminate(), "SIGTERM");
    async move {
        tokio::select! {
            () = interrupt => {}
            () = terminate => {}
        }
    }
}

/// Completes on Ctrl-C.
#[cfg(not(unix))]
pub(crate) fn stop_signal() -> impl Future<Output = ()> {
    async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    }
}

/// Serves `app` on `listener` (over TLS with `tls`) until `shutdown` completes; then stops
/// accepting, asks open connections to close once their requests are answered, and returns
/// when they have or `DRAIN_TIMEOUT` has passed.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopped) = watch::channel(false);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        // A slot first, then the connection: over the cap, a client waits in the listen
        // backlog (the kernel completes its handshake and keeps what it sends) and is served
        // as soon as a connection ends, rather than being accepted and dropped. Its deadlines
        // start once it is accepted.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => slot,
        };
        let Ok(slot) = slot else {
            break; // closed, which the semaphore never is
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept(&listener) => accepted,
        };
        let first_head_by = Instant::now() + limits.head;
        let app = app.clone();
        let stopped = stopped.clone();
        let tls = tls.clone();
        let client = Connection::new(peer).tls(tls.is_some());
        connections.spawn(async move {
            let _slot = slot;
            match tls {
                None => connection(stream, client, app, limits, first_head_by, stopped).await,
                Some(acceptor) => {
                    let handshake = tokio::time::timeout_at(first_head_by, acceptor.accept(stream));
                    if let Ok(Ok(stream)) = handshake.await {
                        connection(stream, client, app, limits, first_head_by, stopped).await;
                    }
                }
            }
        });
    }
    drop(listener);
    eprintln!("stopping: open connections have {DRAIN_TIMEOUT:?} to finish");
    let _ = stop.send(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, drain).await;
}

/// The next connection and its peer's address, with `TCP_NODELAY` set. A failed accept is
/// reported and tried again after `ACCEPT_PAUSE`.
async fn accept(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if let Err(e) = stream.set_nodelay(true) {
                    eprintln!("TCP_NODELAY: {e}");
                }
                return (stream, peer);
            }
            Err(e) => {
                eprintln!("accept: {e}");
                tokio::time::sleep(ACCEPT_PAUSE).await;
            }
        }
    }
}

/// One connection from `client`, until the client closes it, a deadline passes, or the
/// server stops.
async fn connection<IO>(
    io: IO,
    client: Connection,
    app: Router,
    limits: Limits,
    first_head_by: Instant,
    mut stopped: watch::Receiver<bool>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let body_idle = limits.body_idle;
    let app = tower::ServiceBuilder::new()
        .map_request(move |mut request: http::Request<Incoming>| {
            request.extensions_mut().insert(client);
            // A body empty by its framing has nothing to wait for: it goes unwrapped. The
            // timeout's wrapper costs every request server CPU (BENCHMARKING.md), and would
            // hide the body's exact size.
            request.map(|body| match body.size_hint().exact() {
                Some(0) => Body::new(body),
                _ => Body::new(TimeoutBody::new(body_idle, body)),
            })
        })
        .service(app);
    let service = Counted {
        inner: app,
        activity: Arc::clone(&activity),
    };
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.head);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(PING_INTERVAL)
        .keep_alive_timeout(PING_TIMEOUT)
        .max_concurrent_streams(MAX_STREAMS)
        .max_header_list_size(MAX_HEADER_LIST);
    let connection =
        builder.serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(service));
    tokio::pin!(connection);
    let mut deadlines = Deadlines {
        first_head_by,
        idle: limits.idle,
        closing_since: None,
    };
    loop {
        let next = deadlines.next(&activity);
        match next {
            Next::Drop(at) if at <= Instant::now() => return,
            Next::Close(at) if at <= Instant::now() => {
                connection.as_mut().graceful_shutdown();
                deadlines.closing_since = Some(Instant::now());
                continue;
            }
            _ => {}
        }
        tokio::select! {
            _ = connection.as_mut() => return,
            _ = stopped.changed(), if deadlines.closing_since.is_none() => {
                connection.as_mut().graceful_shutdown();
                deadlines.closing_since = Some(Instant::now());
            }
            () = activity.first.notified() => {}
            () = tokio::time::sleep_until(next.at()) => {}
        }
    }
}

/// What a connection's task does next, and when.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// Look again (a request is in flight).
    Recheck(Instant),
    /// Ask the connection to close (it is idle).
    Close(Instant),
    /// Drop the connection (no request came, or it did not finish closing).
    Drop(Instant),
}

impl Next {
    fn at(self) -> Instant {
        match self {
            Next::Recheck(at) | Next::Close(at) | Next::Drop(at) => at,
        }
    }
}

/// A connection's deadlines, as its task keeps them.
#[derive(Debug)]
struct Deadlines {
    first_head_by: Instant,
    idle: Duration,
    /// When the connection was asked to close.
    closing_since: Option<Instant>,
}

impl Deadlines {
    /// What to do next, given where the connection's requests stand.
    ///
    /// With a request in flight, the task looks again `idle` later rather than being woken
    /// when it finishes: a request that finishes in between leaves the connection idle for
    /// less than `idle` when the task looks, so the idle deadline is still met on time, and
    /// finishing a request costs no wake-up.
    fn next(&self, activity: &Activity) -> Next {
        match activity.state() {
            State::Fresh => Next::Drop(self.first_head_by),
            State::Busy => Next::Recheck(Instant::now() + self.idle),
            State::IdleSince(since) => match self.closing_since {
                Some(closing) => Next::Drop(closing.max(since) + PING_TIMEOUT),
                None => Next::Close(since + self.idle),
            },
        }
    }
}

/// Where a connection's requests stand.
#[derive(Debug, Clone, Copy)]
enum State {
    /// None has reached the app yet.
    Fresh,
    /// One is in flight.
    Busy,
    /// None is in flight since this instant.
    IdleSince(Instant),
}

/// The requests of one connection, counted by its service and read by its task. The task
/// sleeps until its next deadline, woken early only by the first request (which replaces
/// the first head's deadline with the idle one).
#[derive(Debug)]
struct Activity {
    /// The origin of `last_finish`.
    origin: Instant,
    begun: AtomicU64,
    finished: AtomicU64,
    /// When a request last finished, in microseconds since `origin`.
    last_finish: AtomicU64,
    /// Wakes the task at the first request.
    first: Notify,
}

impl Activity {
    fn new() -> Self {
        Activity {
            origin: Instant::now(),
            begun: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            last_finish: AtomicU64::new(0),
            first: Notify::new(),
        }
    }

    /// Counts a request given to the app, until the returned guard is dropped.
    fn begin(self: &Arc<Self>) -> InFlight {
        if self.begun.fetch_add(1, Ordering::SeqCst) == 0 {
            self.first.notify_one();
        }
        InFlight(Arc::clone(self))
    }

    fn finish(&self) {
        let now = u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.last_finish.fetch_max(now, Ordering::SeqCst);
        self.finished.fetch_add(1, Ordering::SeqCst);
    }

    fn state(&self) -> State {
        // Finished first: a request begins before it finishes, so `begun >= finished`.
        let finished = self.finished.load(Ordering::SeqCst);
        let begun = self.begun.load(Ordering::SeqCst);
        if begun == 0 {
            State::Fresh
        } else if begun > finished {
            State::Busy
        } else {
            let micros = self.last_finish.load(Ordering::SeqCst);
            State::IdleSince(self.origin + Duration::from_micros(micros))
        }
    }
}

/// One request in flight, from the call of the app until hyper drops its response body (once
/// it is sent, or the connection is gone), or the app's future if it never answered.
#[derive(Debug)]
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// The app, counting its requests in flight in `activity`.
#[derive(Debug, Clone)]
struct Counted<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S> tower::Service<http::Request<Incoming>> for Counted<S>
where
    S: tower::Service<http::Request<Incoming>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
    S::Error: 'static,
{
    type Response = http::Response<Tracked>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Incoming>) -> Self::Future {
        let in_flight = self.activity.begin();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|body| Tracked {
                body,
                _in_flight: in_flight,
            }))
        })
    }
}

/// A response body that keeps its request in flight until hyper drops it.
#[derive(Debug)]
struct Tracked {
    body: Body,
    _in_flight: InFlight,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
