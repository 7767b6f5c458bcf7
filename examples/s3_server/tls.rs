//! HTTPS: the rustls configuration (a self-signed certificate made at start, or PEM files)
//! and the accept loop (tokio-rustls, then hyper-util's HTTP/1 and HTTP/2 connection).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::options::Tls;

/// How long a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long open connections get to finish after Ctrl-C.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The server configuration: ring, the safe default protocol versions, HTTP/1.1 by ALPN.
pub(crate) fn config(tls: &Tls) -> Result<Arc<ServerConfig>, String> {
    let (certificates, key) = match tls {
        Tls::Off => return Err("TLS is off".into()),
        Tls::SelfSigned => {
            let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
            let certified = rcgen::generate_simple_self_signed(names)
                .map_err(|e| format!("cannot make a self-signed certificate: {e}"))?;
            let key =
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
            (vec![certified.cert.der().clone()], key)
        }
        Tls::Files { cert, key } => {
            let certificates = CertificateDer::pem_file_iter(cert)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("{}: {e}", cert.display()))?;
            if certificates.is_empty() {
                return Err(format!("{}: no certificate", cert.display()));
            }
            let key =
                PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
            (certificates, key)
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|e| format!("TLS certificate: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves `app` over TLS until `shutdown` completes, then lets open connections finish
/// (for a while).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    config: Arc<ServerConfig>,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(config);
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
                let acceptor = acceptor.clone();
                let app = app.clone();
                let mut stopped = stopped.clone();
                connections.spawn(async move {
                    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => tls,
                        _ => return,
                    };
                    let builder = auto::Builder::new(TokioExecutor::new());
                    let connection = builder
                        .serve_connection_with_upgrades(TokioIo::new(tls), TowerToHyperService::new(app));
                    tokio::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => {}
                        _ = stopped.changed() => {
                            connection.as_mut().graceful_shutdown();
                            let _ = connection.as_mut().await;
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
