//! The error of an XML error response, as the Query protocol, EC2 and S3 write it, read into
//! a [`ServiceError`].

use http::{HeaderMap, StatusCode};

use crate::service_error::{header_request_id, CallError, ServiceError};
use crate::xml::XmlElement;

/// The error of an XML error response: the Query protocol's `<ErrorResponse><Error><Type/>
/// <Code/><Message/></Error><RequestId/></ErrorResponse>`, EC2's `<Response><Errors><Error>
/// <Code/><Message/></Error></Errors><RequestID/></Response>`, or S3's bare `<Error>`.
pub(crate) fn xml_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> CallError {
    match XmlElement::parse(body) {
        Ok(root) => document_error(status, headers, &root),
        Err(e) => CallError::Response {
            status,
            message: format!("the error response is not an XML document: {e}"),
        },
    }
}

/// The error `root`, the document of a response of `status`, describes (see [`xml_error`]).
pub(crate) fn document_error(
    status: StatusCode,
    headers: &HeaderMap,
    root: &XmlElement,
) -> CallError {
    let (error, request_id) = match root.name() {
        "ErrorResponse" => (root.child("Error"), root.text_at("RequestId")),
        "Response" => (root.find("Errors/Error"), root.text_at("RequestID")),
        "Error" => (Some(root), root.text_at("RequestId")),
        _ => (None, None),
    };
    let Some(error) = error else {
        return CallError::Response {
            status,
            message: format!(
                "the error response is not an AWS error document (its root is <{}>)",
                root.name()
            ),
        };
    };
    let code = error
        .text_at("Code")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or("Unknown");
    let mut service_error = ServiceError::new(
        status,
        code,
        error.text_at("Message").unwrap_or_default().trim(),
    );
    service_error.fault = error.text_at("Type").map(|t| t.trim().to_string());
    service_error.request_id = request_id
        .map(|id| id.trim().to_string())
        .or_else(|| header_request_id(headers));
    CallError::Service(service_error)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test panics on a broken fixture")]

    use super::*;

    #[test]
    fn an_error_response_gives_type_code_message_and_request_id() {
        let body = b"<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
            <Error><Type>Sender</Type><Code>NoSuchEntity</Code>\
            <Message>The role with name x cannot be found.</Message></Error>\
            <RequestId>4a1f-9</RequestId></ErrorResponse>";
        let error = xml_error(StatusCode::NOT_FOUND, &HeaderMap::new(), body).into_service();
        assert_eq!(error.status, StatusCode::NOT_FOUND);
        assert_eq!(error.code, "NoSuchEntity");
        assert_eq!(error.message, "The role with name x cannot be found.");
        assert_eq!(error.request_id.as_deref(), Some("4a1f-9"));
        assert_eq!(error.fault.as_deref(), Some("Sender"));
    }

    #[test]
    fn an_ec2_error_response_gives_code_message_and_request_id() {
        let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>\
            <Code>InvalidInstanceID.NotFound</Code>\
            <Message>The instance ID 'i-1' does not exist</Message></Error></Errors>\
            <RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>";
        let error = xml_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), body).into_service();
        assert_eq!(error.code, "InvalidInstanceID.NotFound");
        assert_eq!(error.message, "The instance ID 'i-1' does not exist");
        assert_eq!(
            error.request_id.as_deref(),
            Some("ea966190-f9aa-478e-9ede-example")
        );
        assert_eq!(error.fault, None);
    }

    #[test]
    fn the_header_request_id_fills_in() {
        let mut headers = HeaderMap::new();
        headers.insert("x-amzn-requestid", "from-header".parse().unwrap());
        let body = b"<ErrorResponse><Error><Code>X</Code></Error></ErrorResponse>";
        let error = xml_error(StatusCode::BAD_REQUEST, &headers, body).into_service();
        assert_eq!(error.request_id.as_deref(), Some("from-header"));
        assert_eq!(error.message, "");
    }

    #[test]
    fn an_html_error_page_is_a_response_error() {
        let body = b"<!doctype html>\n<html lang=en><title>500 Internal Server Error</title>";
        match xml_error(StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new(), body) {
            CallError::Response { status, .. } => {
                assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR)
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn another_document_is_a_response_error() {
        let body = b"<Something><Code>X</Code></Something>";
        assert!(matches!(
            xml_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), body),
            CallError::Response { .. }
        ));
    }
}
