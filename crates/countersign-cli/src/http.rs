//! The connection: hyper's client over HTTP or HTTPS (rustls with the `ring` provider and
//! the webpki roots, or your own CA, or no verification at all with `--insecure`).

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use clap::Args;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::sync::mpsc;

use crate::error::{CliError, Kind, Result};

/// The connection flags.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct HttpArgs {
    /// Accept any TLS certificate (self-signed test servers). Never against real endpoints.
    #[arg(short = 'k', long, help_heading = "Connection")]
    pub(crate) insecure: bool,

    /// Trust the certificates of this PEM file (instead of the built-in web roots).
    #[arg(long, value_name = "FILE", help_heading = "Connection")]
    pub(crate) cacert: Option<PathBuf>,

    /// Give up connecting after this many seconds.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 10.0,
        help_heading = "Connection"
    )]
    pub(crate) connect_timeout: f64,

    /// Give up on the whole exchange after this many seconds (default: no limit).
    #[arg(long, value_name = "SECS", help_heading = "Connection")]
    pub(crate) max_time: Option<f64>,
}

/// The body of an upload from disk: pieces from a channel fed by a task, of a length known
/// in advance.
#[derive(Debug)]
pub(crate) struct OutBody {
    /// The pieces, or the error that ended reading.
    pub(crate) receiver: mpsc::Receiver<io::Result<Bytes>>,
    /// Bytes still expected.
    pub(crate) remaining: u64,
}

impl Body for OutBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        match this.receiver.poll_recv(cx) {
            Poll::Ready(Some(Ok(piece))) => {
                this.remaining = this.remaining.saturating_sub(piece.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(piece))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// Accepts every certificate: `--insecure`. Signatures are still checked, so the handshake
/// is sound; only the identity of the server is not.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls_config(args: &HttpArgs) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| CliError::new(Kind::Network, format!("TLS setup failed: {e}")))?;
    if args.insecure {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth());
    }
    let mut roots = RootCertStore::empty();
    match &args.cacert {
        Some(path) => {
            let certificates = CertificateDer::pem_file_iter(path).map_err(|e| {
                CliError::input(format!("cannot read --cacert {}: {e}", path.display()))
            })?;
            for certificate in certificates {
                let certificate = certificate
                    .map_err(|e| CliError::input(format!("--cacert {}: {e}", path.display())))?;
                roots
                    .add(certificate)
                    .map_err(|e| CliError::input(format!("--cacert {}: {e}", path.display())))?;
            }
            if roots.is_empty() {
                return Err(CliError::input(format!(
                    "--cacert {}: no PEM certificate in the file",
                    path.display()
                )));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

/// The client the flags describe: HTTP or HTTPS (by the URL's scheme), HTTP/1.1, sending
/// bodies of type `B`.
pub(crate) type HttpClient<B> = Client<HttpsConnector<HttpConnector>, B>;

/// Builds the client of the connection flags.
pub(crate) fn client<B>(args: &HttpArgs) -> Result<HttpClient<B>>
where
    B: Body + Send + 'static,
    B::Data: Send,
{
    let mut connector = HttpConnector::new();
    connector.enforce_http(false);
    if args.connect_timeout > 0.0 && args.connect_timeout.is_finite() {
        connector.set_connect_timeout(Some(Duration::from_secs_f64(args.connect_timeout)));
    }
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls_config(args)?)
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector);
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// Waits for `exchange` (with `authority`) within `--max-time`, if there is one.
pub(crate) async fn within_limit<T>(
    args: &HttpArgs,
    authority: &str,
    exchange: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match limit(args) {
        Some(limit) => match tokio::time::timeout(limit, exchange).await {
            Ok(outcome) => outcome,
            Err(_) => Err(CliError::new(
                Kind::Network,
                format!(
                    "no answer from {authority} within {} s",
                    limit.as_secs_f64()
                ),
            )),
        },
        None => exchange.await,
    }
}

/// Sends `request`, signed already, once, and returns the response with its body still to
/// read.
pub(crate) async fn send(
    request: http::Request<OutBody>,
    args: &HttpArgs,
) -> Result<http::Response<Incoming>> {
    let authority = request
        .uri()
        .authority()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let client: HttpClient<OutBody> = client(args)?;
    let exchange = async {
        client.request(request).await.map_err(|e| {
            let what = if e.is_connect() {
                format!("cannot connect to {authority}")
            } else {
                format!("the exchange with {authority} failed")
            };
            CliError::new(Kind::Network, format!("{what}: {}", chain(&e)))
        })
    };
    within_limit(args, &authority, exchange).await
}

/// The `--max-time` limit, if any.
pub(crate) fn limit(args: &HttpArgs) -> Option<Duration> {
    args.max_time
        .filter(|s| *s > 0.0 && s.is_finite())
        .map(Duration::from_secs_f64)
}

/// An error and its sources on one line, the innermost (most telling) last.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) && !text.is_empty() {
            parts.push(text);
        }
        current = e.source();
    }
    let line = parts.join(": ");
    line.replace('\n', " ")
}

/// Reads the whole response body.
pub(crate) async fn read_body<B>(body: B) -> Result<Bytes>
where
    B: Body<Data = Bytes>,
    B::Error: std::error::Error + 'static,
{
    use http_body_util::BodyExt;
    body.collect().await.map(|c| c.to_bytes()).map_err(|e| {
        CliError::new(
            Kind::Network,
            format!("reading the response failed: {}", chain(&e)),
        )
    })
}
