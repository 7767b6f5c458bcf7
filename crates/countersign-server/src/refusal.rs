//! Refusals: the response (in the layer's error format, with debug details in debug mode, the
//! `tracing` event and the failure count), and the unread rest of the refused request's body,
//! read and dropped while the refusal is sent: its status and headers go first, its message
//! once the rest of the body was read.
//!
//! Many clients send the whole body before they read an answer: a browser posting a form, or
//! any client that sends a PUT without `Expect: 100-continue` (Python's `http.client`,
//! `requests`). When the server answers early and closes the connection with the client's
//! bytes still unread, the kernel resets the connection, and the reset can reach the client
//! before it reads the answer: the client reports a broken pipe instead of the AWS error.
//! Reading the rest (within a limit) first lets the answer through.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use countersign_core::AuthParams;
use http::request::Parts;
use http::{HeaderValue, Response};
use http_body::Body;
use http_body_util::{BodyExt, Full};

use crate::config::Config;
use crate::error::{BoxError, Error};
use crate::rejection::{hint, next_request_id, DebugDetails, Rejection};

/// The refusal of the request `parts` for `error`, and what is left of its unread `body` to
/// read before the refusal's message is sent.
pub(crate) fn refusal<B>(
    config: &Config,
    parts: &Parts,
    body: B,
    error: Error,
    auth: Option<&AuthParams<'_>>,
) -> (Response<Full<Bytes>>, Option<Leftover>)
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let response = reject(config, parts, error, auth);
    (response, Leftover::of(config, parts, body))
}

/// A body of any type, boxed.
type AnyBody = Pin<Box<dyn Body<Data = Bytes, Error = BoxError> + Send>>;

/// What is left of a refused request's body, to be read and dropped.
pub(crate) struct Leftover {
    /// In a `Mutex` only so that the response body holding it stays `Sync` whatever the
    /// request body is: it is only reached through `&mut`, never locked.
    body: Mutex<AnyBody>,
    /// The most bytes still to be read.
    left: u64,
}

impl Leftover {
    /// The rest of `body` (of the request `parts`) to read before refusing it, when it is
    /// worth reading: not when the client waits for `100 Continue` before it sends a body (it
    /// sends none once refused), when nothing is left, or when more than the configured
    /// limit is known to be left (a body that goes on past the limit is given up there).
    pub(crate) fn of<B>(config: &Config, parts: &Parts, body: B) -> Option<Leftover>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let waits_to_send = parts
            .headers
            .get(http::header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        let left = drain_budget(config.drain_limit, &body);
        if left == 0 || waits_to_send || body.is_end_stream() {
            return None;
        }
        Some(Leftover {
            body: Mutex::new(Box::pin(body.map_err(Into::into))),
            left,
        })
    }

    /// Reads and drops the body until it ends, fails or reaches the limit.
    pub(crate) fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // A poisoned lock still holds the body: nothing is ever locked.
        let body = self.body.get_mut().unwrap_or_else(|e| e.into_inner());
        poll_discard(body.as_mut(), &mut self.left, cx)
    }
}

/// How much of what is left of `body` to read and drop before a refusal: the limit, or none
/// when more than the limit is known to be left (reading part of it would not let the
/// answer through).
pub(crate) fn drain_budget<B: Body + ?Sized>(limit: u64, body: &B) -> u64 {
    if body.size_hint().lower() > limit {
        0
    } else {
        limit
    }
}

/// Reads and drops frames of `body` until it ends or fails, or `left` bytes were read
/// (counted down).
pub(crate) fn poll_discard<B: Body<Data = Bytes> + ?Sized>(
    mut body: Pin<&mut B>,
    left: &mut u64,
    cx: &mut Context<'_>,
) -> Poll<()> {
    while *left > 0 {
        match ready!(body.as_mut().poll_frame(cx)) {
            Some(Ok(frame)) => {
                let read = frame.data_ref().map_or(0, |d| d.len() as u64);
                *left = left.saturating_sub(read);
            }
            Some(Err(_)) | None => break,
        }
    }
    Poll::Ready(())
}

/// Renders a refusal, with debug details when the layer is in debug mode.
pub(crate) fn reject(
    config: &Config,
    parts: &Parts,
    error: Error,
    auth: Option<&AuthParams<'_>>,
) -> Response<Full<Bytes>> {
    render(config, parts.uri.path(), error, auth)
}

/// Renders a refusal of a request for `resource` (its path), logged and counted as every
/// refusal of the layer is.
pub(crate) fn render(
    config: &Config,
    resource: &str,
    error: Error,
    auth: Option<&AuthParams<'_>>,
) -> Response<Full<Bytes>> {
    let request_id = next_request_id();
    let access_key_id = auth.map(|a| a.credential.access_key_id()).unwrap_or("");
    match &error {
        Error::KeyStore(e) => {
            tracing::error!(
                request_id,
                access_key_id,
                error = e.message(),
                "key store failed"
            )
        }
        Error::ReplayGuard(e) => {
            tracing::error!(
                request_id,
                access_key_id,
                error = e.message(),
                "replay guard failed"
            )
        }
        e => {
            let code = e.code();
            let failures = config.failures.record(access_key_id, code);
            crate::lockout_step::record(config, access_key_id, e);
            if crate::failures::is_milestone(failures) {
                tracing::warn!(request_id, access_key_id, code, failures, error = %e, "SigV4 requests refused repeatedly")
            } else {
                tracing::debug!(request_id, access_key_id, code, failures, error = %e, "SigV4 request refused")
            }
        }
    }
    let debug = config.debug.then(|| {
        let mismatch = match &error {
            Error::Auth(e) => e.mismatch(),
            _ => None,
        };
        DebugDetails {
            access_key_id: auth.map(|a| a.credential.access_key_id().to_string()),
            signature_provided: auth.map(|a| a.signature_hex()),
            canonical_request: mismatch.map(|m| m.canonical_request.clone()),
            string_to_sign: mismatch.map(|m| m.string_to_sign.clone()),
            hint: hint(&error),
        }
    });
    let rejection = Rejection {
        error,
        request_id,
        resource: resource.to_string(),
        access_key_id: auth.map(|a| a.credential.access_key_id().to_string()),
        debug,
    };
    if let Some(observe) = &config.on_rejection {
        observe(&rejection);
    }
    let mut response = config.errors.render(&rejection);
    match rejection.error {
        Error::SlowDown => {
            response.headers_mut().insert(
                http::header::RETRY_AFTER,
                HeaderValue::from_static(SLOW_DOWN_RETRY_AFTER),
            );
        }
        Error::KeyLocked {
            retry_after_secs, ..
        } => {
            response.headers_mut().insert(
                http::header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs),
            );
        }
        _ => {}
    }
    response
}

/// Refusals in a layer's error format, for handlers and steps of your own: the same body,
/// status, request id, debug details, `tracing` event and failure count as the layer's own
/// refusals ([`SigV4Layer::rejector`](crate::SigV4Layer::rejector)).
///
/// ```
/// use countersign_server::authz::Denial;
/// use countersign_server::{keys::MemoryKeyStore, Error, ErrorFormat, SigV4Layer};
/// let layer = SigV4Layer::new(MemoryKeyStore::<String>::new()).error_format(ErrorFormat::Json);
/// let rejector = layer.rejector();
/// let response = rejector.reject(Error::AccessDenied(Denial::new("not the owner")), "/items/7");
/// assert_eq!(response.status(), 403);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[derive(Clone)]
pub struct Rejector {
    pub(crate) config: Arc<Config>,
}

impl Rejector {
    /// The refusal of a request for `resource` (its path) for `error`.
    pub fn reject(&self, error: Error, resource: &str) -> Response<Full<Bytes>> {
        render(&self.config, resource, error, None)
    }
}

impl fmt::Debug for Rejector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejector")
            .field("format", &self.config.errors)
            .finish()
    }
}

/// The seconds a client refused with `SlowDown` is told to wait (`Retry-After`): the
/// bodies that filled the budget are read within about as long.
const SLOW_DOWN_RETRY_AFTER: &str = "1";

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> Parts {
        http::Request::get("/x")
            .body(())
            .unwrap_or_else(|e| panic!("{e}"))
            .into_parts()
            .0
    }

    #[test]
    fn slow_down_tells_the_client_when_to_retry() {
        let response = reject(&Config::new(), &parts(), Error::SlowDown, None);
        assert_eq!(response.status(), http::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers().get(http::header::RETRY_AFTER),
            Some(&HeaderValue::from_static(SLOW_DOWN_RETRY_AFTER))
        );
    }

    #[test]
    fn other_refusals_carry_no_retry_after() {
        let response = reject(&Config::new(), &parts(), Error::RepeatedHost, None);
        assert_eq!(response.status(), http::StatusCode::BAD_REQUEST);
        assert!(!response.headers().contains_key(http::header::RETRY_AFTER));
    }

    #[test]
    fn a_body_known_to_be_longer_than_the_limit_is_not_drained() {
        let body = http_body_util::Full::new(Bytes::from_static(&[0; 100]));
        assert_eq!(drain_budget(99, &body), 0);
        assert_eq!(drain_budget(100, &body), 100);
    }
}
