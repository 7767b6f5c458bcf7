//! AWS's JSON protocols: [`AwsJsonClient`] (`awsJson1_0`, `awsJson1_1`: a POST to `/` naming
//! the operation in `X-Amz-Target`) and [`RestJsonClient`] (`restJson1`: the operation is the
//! method and the path), both answering in JSON, errors included.

use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use crate::api_client::{api_client_builder, ApiClient};
use crate::endpoint::Endpoint;
use crate::request_ext::SignExt;
use crate::service_error::{header_request_id, read_body, CallError, ServiceError};
use crate::signing::Signing;

/// The version of the `awsJson` protocol a service speaks, which names the content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonVersion {
    /// `awsJson1_0` (`application/x-amz-json-1.0`): DynamoDB, SQS, Kinesis, …
    V1_0,
    /// `awsJson1_1` (`application/x-amz-json-1.1`): KMS, Secrets Manager, ECS, CloudWatch
    /// Logs, …
    V1_1,
}

impl JsonVersion {
    fn content_type(self) -> &'static str {
        match self {
            JsonVersion::V1_0 => "application/x-amz-json-1.0",
            JsonVersion::V1_1 => "application/x-amz-json-1.1",
        }
    }
}

/// A client of one service's `awsJson` API at one endpoint: each call is a signed POST to
/// `/` with `X-Amz-Target: {target prefix}.{operation}` and a JSON body, sent with the
/// standard retries of the [`Signing`], answered in JSON.
///
/// An error response is [`CallError::Service`]: its code from the `x-amzn-errortype` header,
/// else the body's `code`, else its `__type`, each shorn as the AWS SDKs do of a
/// `namespace#` prefix and of anything from a `:` on; its message from the body's `message`
/// (or `Message`). Responses are read up to a bound (10 MiB unless set).
///
/// ```no_run
/// use countersign_client::{AwsJsonClient, Credentials, Endpoint, JsonVersion, Signing};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "dynamodb");
/// let dynamodb = AwsJsonClient::new(
///     signing,
///     Endpoint::regional("dynamodb", "us-east-1"),
///     JsonVersion::V1_0,
///     "DynamoDB_20120810",
/// );
/// let tables = dynamodb.call("ListTables", &serde_json::json!({})).await?;
/// println!("{}", tables["TableNames"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct AwsJsonClient {
    api: ApiClient,
    version: JsonVersion,
    target_prefix: String,
}

api_client_builder!(AwsJsonClient);

impl AwsJsonClient {
    /// A client calling `endpoint` in `version` of the protocol, its operations named
    /// `{target_prefix}.{operation}` (DynamoDB's prefix is `DynamoDB_20120810`, SQS's
    /// `AmazonSQS`, KMS's `TrentService`), signing with `signing`.
    pub fn new(
        signing: Signing,
        endpoint: Endpoint,
        version: JsonVersion,
        target_prefix: impl Into<String>,
    ) -> Self {
        AwsJsonClient {
            api: ApiClient::new(signing, endpoint),
            version,
            target_prefix: target_prefix.into(),
        }
    }

    /// Calls `operation` with `input`; the response's JSON (`Value::Null` for an empty
    /// body), or its error.
    pub async fn call(&self, operation: &str, input: &Value) -> Result<Value, CallError> {
        let response = self
            .api
            .client
            .post(format!("{}/", self.api.endpoint.url()))
            .header(http::header::CONTENT_TYPE, self.version.content_type())
            .header(
                "x-amz-target",
                format!("{}.{operation}", self.target_prefix),
            )
            .body(input.to_string())
            .send_signed(&self.api.signing)
            .await?;
        read_json(response, self.api.response_limit).await
    }
}

/// A client of one service's `restJson1` API at one endpoint (API Gateway's, Lambda's, EKS's,
/// …): each call is a signed request of a method to a path, with a JSON body or none,
/// answered in JSON. Errors are read as [`AwsJsonClient`] reads them.
///
/// ```no_run
/// use countersign_client::{Credentials, Endpoint, RestJsonClient, Signing};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "lambda");
/// let lambda = RestJsonClient::new(signing, Endpoint::regional("lambda", "us-east-1"));
/// let functions = lambda.call(http::Method::GET, "/2015-03-31/functions/", None).await?;
/// println!("{}", functions["Functions"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RestJsonClient {
    api: ApiClient,
}

api_client_builder!(RestJsonClient);

impl RestJsonClient {
    /// A client calling `endpoint`, signing with `signing`.
    pub fn new(signing: Signing, endpoint: Endpoint) -> Self {
        RestJsonClient {
            api: ApiClient::new(signing, endpoint),
        }
    }

    /// Sends `method` to `path_and_query` (starting with `/`, its segments and query
    /// already percent-encoded) with `body` as JSON (`Content-Type: application/json`), or
    /// no body; the response's JSON (`Value::Null` for an empty body), or its error.
    pub async fn call(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<Value, CallError> {
        let mut request = self.api.client.request(
            method,
            format!("{}{path_and_query}", self.api.endpoint.url()),
        );
        if let Some(body) = body {
            request = request
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let response = request.send_signed(&self.api.signing).await?;
        read_json(response, self.api.response_limit).await
    }
}

/// A JSON response's document, or its error.
async fn read_json(response: reqwest::Response, limit: usize) -> Result<Value, CallError> {
    let (status, headers, body) = read_body(response, limit).await?;
    if !status.is_success() {
        return Err(json_error(status, &headers, &body));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&body).map_err(|e| CallError::Response {
        status,
        message: format!("the body is not JSON: {e}"),
    })
}

/// The error of a JSON error response: the code of the `x-amzn-errortype` header, else of
/// the body's `code`, else of its `__type` (see [`sanitize_code`]); the message of the
/// body's `message`, else `Message`; the request id of the headers.
pub(crate) fn json_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> CallError {
    let document: Option<Value> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice(body) {
            Ok(value) => Some(value),
            Err(e) => {
                return CallError::Response {
                    status,
                    message: format!("the error response is not JSON: {e}"),
                }
            }
        }
    };
    let field = |name: &str| {
        document
            .as_ref()
            .and_then(|d| d.get(name))
            .and_then(Value::as_str)
    };
    let code = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .or_else(|| field("code"))
        .or_else(|| field("__type"))
        .map(sanitize_code)
        .filter(|c| !c.is_empty())
        .unwrap_or("Unknown");
    let message = field("message").or_else(|| field("Message")).unwrap_or("");
    let mut error = ServiceError::new(status, code, message);
    error.request_id = header_request_id(headers);
    CallError::Service(error)
}

/// An error code as the protocols write it, shorn as the AWS SDKs shear it: everything from
/// the first `:` dropped (a URL some services add), then everything up to the first `#` (the
/// shape's namespace): `aws.dynamodb#ResourceNotFoundException:http://…` is
/// `ResourceNotFoundException`.
pub(crate) fn sanitize_code(code: &str) -> &str {
    let code = code.split(':').next().unwrap_or(code);
    match code.split_once('#') {
        Some((_, name)) => name,
        None => code,
    }
    .trim()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test panics on a broken fixture")]

    use super::*;

    #[test]
    fn a_type_loses_its_namespace_and_its_url() {
        assert_eq!(
            sanitize_code("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"),
            "ResourceNotFoundException"
        );
        assert_eq!(
            sanitize_code("FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/"),
            "FooError"
        );
        assert_eq!(
            sanitize_code("aws.protocoltests#FooError:http://x/"),
            "FooError"
        );
        assert_eq!(sanitize_code("FooError"), "FooError");
    }

    #[test]
    fn the_header_wins_over_the_body() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amzn-errortype",
            "ValidationException:http://internal/".parse().unwrap(),
        );
        headers.insert("x-amzn-requestid", "req-1".parse().unwrap());
        let body = br#"{"__type":"ns#Other","Message":"bad input"}"#;
        let error = json_error(StatusCode::BAD_REQUEST, &headers, body).into_service();
        assert_eq!(error.code, "ValidationException");
        assert_eq!(error.message, "bad input");
        assert_eq!(error.request_id.as_deref(), Some("req-1"));
    }

    #[test]
    fn the_body_code_wins_over_its_type() {
        let body = br#"{"code":"First","__type":"ns#Second","message":"m"}"#;
        let error = json_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), body).into_service();
        assert_eq!(error.code, "First");
        assert_eq!(error.message, "m");
    }

    #[test]
    fn a_type_alone_gives_the_code() {
        let body = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#;
        let error = json_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), body).into_service();
        assert_eq!(error.code, "ResourceNotFoundException");
        assert_eq!(error.message, "Requested resource not found");
    }

    #[test]
    fn an_empty_error_body_is_unknown_of_its_status() {
        let error = json_error(StatusCode::FORBIDDEN, &HeaderMap::new(), b"").into_service();
        assert_eq!(error.code, "Unknown");
        assert_eq!(error.status, StatusCode::FORBIDDEN);
    }

    #[test]
    fn a_body_that_is_not_json_is_a_response_error() {
        assert!(matches!(
            json_error(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"<html>"),
            CallError::Response { .. }
        ));
    }
}
