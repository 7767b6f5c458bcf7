//! A plain HTTP/1.1 exchange for the remote sources (container credentials, instance
//! metadata): one request on one connection, with bounded waits and a bounded body.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::credentials::Credentials;

use super::parse_expiration;

/// How long a remote source may take, and how much it may send.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// To connect.
    pub(crate) connect_timeout: Duration,
    /// For the whole exchange, connecting included.
    pub(crate) timeout: Duration,
    /// The most body bytes read.
    pub(crate) max_body: usize,
}

/// Why an exchange failed.
#[derive(Debug)]
pub(crate) enum HttpError {
    /// No connection: refused, unreachable, or not made in time.
    Connect(String),
    /// Connected, but no complete answer: too slow, too large, or broken.
    Exchange(String),
}

/// One request to `addr`, answered within the limits: the status and the body.
pub(crate) async fn exchange(
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
    limits: Limits,
) -> Result<(StatusCode, Bytes), HttpError> {
    let stream = match tokio::time::timeout(limits.connect_timeout, TcpStream::connect(addr)).await
    {
        Err(_) => {
            return Err(HttpError::Connect(format!(
                "no connection to {addr} within {} ms",
                limits.connect_timeout.as_millis()
            )))
        }
        Ok(Err(e)) => return Err(HttpError::Connect(format!("cannot connect to {addr}: {e}"))),
        Ok(Ok(stream)) => stream,
    };
    let max_body = limits.max_body;
    let exchange = async move {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {addr} failed: {e}"))?;
        // The connection's own task, bounded too, so that it never outlives a caller that
        // gave up.
        tokio::spawn(tokio::time::timeout(limits.timeout, connection));
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("no response from {addr}: {e}"))?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, max_body)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    format!("the response of {addr} is larger than {max_body} bytes")
                } else {
                    format!("the response of {addr} broke off: {e}")
                }
            })?
            .to_bytes();
        Ok::<_, String>((parts.status, body))
    };
    match tokio::time::timeout(limits.timeout, exchange).await {
        Err(_) => Err(HttpError::Exchange(format!(
            "no complete response from {addr} within {} ms",
            limits.timeout.as_millis()
        ))),
        Ok(result) => result.map_err(HttpError::Exchange),
    }
}

/// Credentials in the JSON both remote sources answer with: `AccessKeyId`,
/// `SecretAccessKey`, and `Token` and `Expiration` (RFC 3339) when temporary.
pub(crate) fn parse_credentials(body: &[u8]) -> Result<Credentials, String> {
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the response is not JSON ({e})"))?;
    let Some(object) = json.as_object() else {
        return Err("the response is not a JSON object".to_string());
    };
    let text = |name: &str| -> Result<Option<&str>, String> {
        match object.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.is_empty() => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("the response's {name} is not a string")),
        }
    };
    if let Some(code) = text("Code")? {
        if code != "Success" {
            return Err(format!("the response's Code is {code}, not Success"));
        }
    }
    let required = |name: &str| -> Result<&str, String> {
        text(name)?.ok_or_else(|| format!("the response has no {name}"))
    };
    let mut credentials = Credentials::new(required("AccessKeyId")?, required("SecretAccessKey")?);
    if let Some(token) = text("Token")? {
        credentials = credentials.with_session_token(token);
    }
    if let Some(expiration) = text("Expiration")? {
        let expires_at = parse_expiration(expiration)
            .map_err(|e| format!("the response's Expiration is not an RFC 3339 timestamp ({e})"))?;
        credentials = credentials.with_expiry(expires_at);
    }
    Ok(credentials)
}

/// The host and port of an `http://` URI, and its path and query (`/` when none); an
/// `https://` or relative URI is refused (the remote sources are plain HTTP).
pub(crate) fn split_http_uri(uri: &str) -> Result<(String, u16, String), String> {
    let parsed: http::Uri = uri.parse().map_err(|_| format!("`{uri}` is not a URI"))?;
    match parsed.scheme_str() {
        Some("http") => {}
        Some(other) => {
            return Err(format!(
            "`{uri}` is {other}: countersign-client reaches these endpoints over plain http only"
        ))
        }
        None => return Err(format!("`{uri}` is not an absolute http:// URI")),
    }
    let Some(host) = parsed.host() else {
        return Err(format!("`{uri}` has no host"));
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = parsed.port_u16().unwrap_or(80);
    let path = parsed
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/".to_string());
    Ok((host, port, path))
}

/// The addresses of `host`: itself when it is an IP address, else looked up.
pub(crate) async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    Ok(addrs)
}

/// The `Host` header of `host` and `port`: IPv6 addresses in brackets, port 80 left out.
pub(crate) fn authority(host: &str, port: u16) -> String {
    let host = match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(_)) => format!("[{host}]"),
        _ => host.to_string(),
    };
    if port == 80 {
        host
    } else {
        format!("{host}:{port}")
    }
}
