//! HTTPS: the rustls configuration (a self-signed certificate made at start, or PEM files);
//! the accept loop is `serve` (examples/common/serve.rs).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

use crate::options::Tls;

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
