//! What both reqwest senders do to a request and a response: sign a `reqwest::Request`
//! through the `http` view the signer takes, and read an error response's code without
//! losing its body (nor its URL).

use reqwest::ResponseBuilderExt;
use time::OffsetDateTime;

use crate::error::Error;
use crate::error_code;
use crate::peeked::PeekedBody;
use crate::retry::{header_code, Attempts, Verdict, ERROR_BODY_LIMIT};
use crate::send_error::SendError;
use crate::signer::Signer;
use crate::signing::{Content, Signing};

/// Signs `request` by `signer` as of `time`: a body of bytes with its SHA-256, a streamed
/// body as `UNSIGNED-PAYLOAD`, none with the empty hash. The headers the signature adds
/// (`Host`, `X-Amz-Date`, `Authorization`, …) are written into `request`.
pub(crate) fn sign_request(
    signing: &Signing,
    signer: &Signer,
    request: &mut reqwest::Request,
    time: OffsetDateTime,
) -> Result<(), SendError> {
    let uri: http::Uri = request
        .url()
        .as_str()
        .parse()
        .map_err(|e: http::uri::InvalidUri| SendError::Signing(Error::InvalidUri(e.to_string())))?;
    let mut head = http::Request::new(());
    *head.method_mut() = request.method().clone();
    *head.uri_mut() = uri;
    *head.headers_mut() = std::mem::take(request.headers_mut());
    let content = match request.body() {
        None => Content::Empty,
        Some(body) => match body.as_bytes() {
            Some(bytes) => Content::Bytes(bytes),
            None => Content::Unsigned,
        },
    };
    let signed = signing.sign_head(signer, &mut head, content, time);
    *request.headers_mut() = std::mem::take(head.headers_mut());
    signed
}

/// The error code of `response`: its `x-amzn-errortype`, else read from the first
/// [`ERROR_BODY_LIMIT`] bytes of its body, which the response returned gives again.
pub(crate) async fn response_code(
    response: reqwest::Response,
) -> (reqwest::Response, Option<String>) {
    if let Some(code) = header_code(response.headers()) {
        return (response, Some(code));
    }
    let url = response.url().clone();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let (body, read) = PeekedBody::read_ahead(body, ERROR_BODY_LIMIT).await;
    let code = error_code::from_body(&read);
    // The conversion to `http::Response` drops the URL; reqwest finds it again in the
    // extension its response builder sets.
    if let Ok(marker) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(marker.into_parts().0.extensions);
    }
    let response = http::Response::from_parts(parts, reqwest::Body::wrap(body));
    (reqwest::Response::from(response), code)
}

/// Whether a reqwest error is a connection error, retried: no connection, or a timeout.
pub(crate) fn is_connection_error(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_timeout()
}

/// Sends `request`, one of `attempts`, with `client`: the response (an error one with its
/// body whole, its code read when a retry could follow) or the failure, and whether to try
/// again (any backoff already waited).
pub(crate) async fn execute(
    attempts: &mut Attempts<'_>,
    client: &reqwest::Client,
    request: reqwest::Request,
) -> (Result<reqwest::Response, SendError>, Verdict) {
    match client.execute(request).await {
        Ok(response) if attempts.wants_code(response.status()) => {
            let (response, code) = response_code(response).await;
            let verdict = attempts
                .after_response(response.status(), response.headers(), code.as_deref())
                .await;
            (Ok(response), verdict)
        }
        Ok(response) => (Ok(response), Verdict::Done),
        Err(error) => {
            let verdict = attempts.after_error(is_connection_error(&error)).await;
            (Err(SendError::Transport(Box::new(error))), verdict)
        }
    }
}
