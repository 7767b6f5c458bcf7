//! What the server knows of the connection a request came on, for `aws:SourceIp` and
//! `aws:SecureTransport`.

use std::net::SocketAddr;

/// The connection a request came on: put it in the request's extensions where connections
/// are accepted (the layer reads it; a server that does not insert it leaves
/// `aws:SourceIp` absent and `aws:SecureTransport` false).
///
/// ```
/// use countersign_server::authz::Connection;
/// let mut request = http::Request::new(());
/// let peer = "203.0.113.7:51000".parse().unwrap();
/// request.extensions_mut().insert(Connection::new(peer).tls(true));
/// # let _ = request;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Connection {
    /// The peer's address.
    pub peer: SocketAddr,
    /// Whether the connection is TLS.
    pub tls: bool,
}

impl Connection {
    /// A plain connection from `peer`.
    pub fn new(peer: SocketAddr) -> Self {
        Connection { peer, tls: false }
    }

    /// The same connection, TLS or not.
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }
}
