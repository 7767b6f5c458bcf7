//! The accept loop of the example servers: hyper-util's HTTP/1 and HTTP/2 connections over
//! plain TCP or TLS, with a deadline for the request head (and the TLS handshake), an idle
//! deadline for the request body, and a graceful stop. `axum::serve` sets neither deadline:
//! a client that stops sending would hold its connection for good.

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use http_body::Body as _;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower_http::timeout::TimeoutBody;

/// How long open connections get to finish after Ctrl-C.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The deadlines a connection lives under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// To send the whole request head (and to finish the TLS handshake).
    pub(crate) head: Duration,
    /// Between two reads of a request body.
    pub(crate) body_idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            head: Duration::from_secs(10),
            body_idle: Duration::from_secs(30),
        }
    }
}

impl Timeouts {
    /// Reads `--header-timeout S` or `--body-timeout S` (whole seconds, at least 1); `None`
    /// when `flag` is neither.
    pub(crate) fn parse_flag(
        &mut self,
        flag: &str,
        value: impl FnOnce() -> Result<String, String>,
    ) -> Option<Result<(), String>> {
        let slot = match flag {
            "--header-timeout" => &mut self.head,
            "--body-timeout" => &mut self.body_idle,
            _ => return None,
        };
        Some(value().and_then(|v| match v.parse::<u64>() {
            Ok(seconds) if seconds > 0 => {
                *slot = Duration::from_secs(seconds);
                Ok(())
            }
            _ => Err(format!(
                "{flag}: expecting whole seconds, at least 1; got {v:?}"
            )),
        }))
    }
}

/// Serves `app` on `listener` (over TLS with `tls`) until `shutdown` completes, then lets
/// open connections finish for a while.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<TlsAcceptor>,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        eprintln!("accept: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let app = app.clone();
                let stopped = stopped.clone();
                let tls = tls.clone();
                connections.spawn(async move {
                    match tls {
                        None => connection(stream, app, timeouts, stopped).await,
                        Some(acceptor) => {
                            let handshake = tokio::time::timeout(timeouts.head, acceptor.accept(stream));
                            if let Ok(Ok(stream)) = handshake.await {
                                connection(stream, app, timeouts, stopped).await;
                            }
                        }
                    }
                });
            }
        }
    }
    let _ = stop.send(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, drain).await;
}

/// One connection, until the client closes it, a deadline passes, or the server stops.
async fn connection<IO>(
    io: IO,
    app: Router,
    timeouts: Timeouts,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let body_idle = timeouts.body_idle;
    let service = tower::ServiceBuilder::new()
        .map_request(move |request: http::Request<Incoming>| {
            // A body empty by its framing has nothing to wait for: it goes unwrapped. The
            // timeout's wrapper costs a request about 5 µs of server CPU here (measured on
            // `axum_api` behind the layer under wrk), and would hide the body's exact size.
            request.map(|body| match body.size_hint().exact() {
                Some(0) => Body::new(body),
                _ => Body::new(TimeoutBody::new(body_idle, body)),
            })
        })
        .service(app);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.head);
    let connection =
        builder.serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(service));
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stopped.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.as_mut().await;
        }
    }
}
