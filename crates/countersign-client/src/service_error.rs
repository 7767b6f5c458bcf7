//! What a call of an AWS API (Query or JSON protocol) can fail with: [`ServiceError`], the
//! error the service answered, and [`CallError`], which also covers no answer and an answer
//! that could not be read.

use std::fmt;

use http::{HeaderMap, StatusCode};

use crate::send_error::SendError;

/// An error response of an AWS service: its HTTP status, its error code (`ThrottlingException`,
/// `AWS.SimpleQueueService.NonExistentQueue`, …), its message, and the request id AWS gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The response's status.
    pub status: StatusCode,
    /// The error code; `Unknown` when the response carried none.
    pub code: String,
    /// The message; empty when the response carried none.
    pub message: String,
    /// The request id (the body's, else the `x-amzn-requestid` or `x-amz-request-id`
    /// header), when there is one.
    pub request_id: Option<String>,
    /// Whose fault, for the Query protocol's errors that say (`<Type>`: `Sender` or
    /// `Receiver`).
    pub fault: Option<String>,
}

impl ServiceError {
    /// An error of `status` with `code` and `message`.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError {
            status,
            code: code.into(),
            message: message.into(),
            request_id: None,
            fault: None,
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code, self.status.as_u16())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}

/// A call of an AWS API that did not give a result.
#[derive(Debug)]
#[non_exhaustive]
pub enum CallError {
    /// The request was not sent, or got no response (see [`SendError`]).
    Send(SendError),
    /// The service answered with an error.
    Service(ServiceError),
    /// The response could not be read: larger than the bound, cut short, or not the XML or
    /// JSON the protocol answers in.
    Response {
        /// The response's status.
        status: StatusCode,
        /// What was wrong with it.
        message: String,
    },
}

impl CallError {
    /// The service's error, for a test that expects one.
    #[cfg(all(test, any(feature = "query", feature = "json", feature = "s3")))]
    pub(crate) fn into_service(self) -> ServiceError {
        match self {
            CallError::Service(e) => e,
            other => panic!("not a service error: {other}"),
        }
    }

    /// The service's error, if that is what this is.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            CallError::Service(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Send(e) => e.fmt(f),
            CallError::Service(e) => write!(f, "the service answered {e}"),
            CallError::Response { status, message } => write!(
                f,
                "the response (status {}) could not be read: {message}",
                status.as_u16()
            ),
        }
    }
}

impl std::error::Error for CallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CallError::Send(e) => Some(e),
            CallError::Service(e) => Some(e),
            CallError::Response { .. } => None,
        }
    }
}

impl From<SendError> for CallError {
    fn from(error: SendError) -> Self {
        CallError::Send(error)
    }
}

impl From<ServiceError> for CallError {
    fn from(error: ServiceError) -> Self {
        CallError::Service(error)
    }
}

/// The request id of a response's headers: `x-amzn-requestid`, else `x-amz-request-id`.
pub(crate) fn header_request_id(headers: &HeaderMap) -> Option<String> {
    ["x-amzn-requestid", "x-amz-request-id"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
        .map(str::to_string)
}

/// The body of `response`, read whole unless it is larger than `limit` bytes (said by its
/// `Content-Length`, or found while reading), which is an error.
pub(crate) async fn read_body(
    response: reqwest::Response,
    limit: usize,
) -> Result<(StatusCode, HeaderMap, Vec<u8>), CallError> {
    let status = response.status();
    let too_large = |status| CallError::Response {
        status,
        message: format!("the body is larger than the bound of {limit} bytes"),
    };
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(too_large(status));
    }
    let headers = response.headers().clone();
    let mut response = response;
    let mut body = Vec::new();
    loop {
        let chunk = response.chunk().await.map_err(|e| CallError::Response {
            status,
            message: format!("the body could not be read: {e}"),
        })?;
        let Some(chunk) = chunk else { break };
        if body.len() + chunk.len() > limit {
            return Err(too_large(status));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, headers, body))
}

/// The default bound of a response's body: 10 MiB.
pub const DEFAULT_RESPONSE_LIMIT: usize = 10 * 1024 * 1024;
