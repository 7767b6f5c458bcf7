//! S3's error answers read into a [`ServiceError`]: the `<Error>` document of most answers,
//! and the status alone of those without a body (`HEAD`).

use http::{HeaderMap, StatusCode};

use crate::service_error::{header_request_id, CallError, ServiceError};
use crate::xml_error::xml_error;

/// The error of an S3 error response: its `<Error><Code/><Message/><RequestId/></Error>`,
/// or, when the body is empty (every answer to a `HEAD`), a code named after the status
/// (see [`status_code`]) and the request id of the `x-amz-request-id` header.
pub(crate) fn s3_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> CallError {
    if body.iter().all(u8::is_ascii_whitespace) {
        let mut error = ServiceError::new(status, status_code(status), "");
        error.request_id = header_request_id(headers);
        return CallError::Service(error);
    }
    xml_error(status, headers, body)
}

/// The code of an error answer without a body: the status's reason phrase without its
/// spaces (`NotFound`, `Forbidden`, `BadRequest`, `PreconditionFailed`, `MovedPermanently`),
/// as the AWS SDKs name it; `Unknown` for a status without one.
pub(crate) fn status_code(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => reason.chars().filter(char::is_ascii_alphanumeric).collect(),
        None => "Unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test panics on a broken fixture")]

    use super::*;

    #[test]
    fn an_s3_error_document_gives_code_message_and_request_id() {
        let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>\
            <Message>The specified key does not exist.</Message><Key>a/b</Key>\
            <RequestId>4442587FB7D0A2F9</RequestId><HostId>x</HostId></Error>";
        let error = s3_error(StatusCode::NOT_FOUND, &HeaderMap::new(), body).into_service();
        assert_eq!(error.status, StatusCode::NOT_FOUND);
        assert_eq!(error.code, "NoSuchKey");
        assert_eq!(error.message, "The specified key does not exist.");
        assert_eq!(error.request_id.as_deref(), Some("4442587FB7D0A2F9"));
    }

    #[test]
    fn a_head_answer_without_a_body_is_named_after_its_status() {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-request-id", "0A49CE4060975EAC".parse().unwrap());
        let error = s3_error(StatusCode::NOT_FOUND, &headers, b"").into_service();
        assert_eq!(error.code, "NotFound");
        assert_eq!(error.message, "");
        assert_eq!(error.request_id.as_deref(), Some("0A49CE4060975EAC"));
        let error = s3_error(StatusCode::FORBIDDEN, &HeaderMap::new(), b"\n").into_service();
        assert_eq!(error.code, "Forbidden");
        let error =
            s3_error(StatusCode::PRECONDITION_FAILED, &HeaderMap::new(), b"").into_service();
        assert_eq!(error.code, "PreconditionFailed");
    }

    #[test]
    fn a_status_without_a_reason_is_unknown() {
        let status = StatusCode::from_u16(599).unwrap();
        assert_eq!(status_code(status), "Unknown");
    }
}
