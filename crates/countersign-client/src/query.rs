//! [`QueryClient`]: calls of AWS's Query protocol (STS, IAM, SNS, SQS's older protocol, and
//! EC2's variant of it): a form-encoded POST of `Action=…&Version=…&…`, signed and sent by the
//! reqwest sender (with its retries), answered in XML.

use std::fmt;

use http::StatusCode;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::api_client::{api_client_builder, ApiClient};
use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::request_ext::SignExt;
use crate::reqwest_request::execute;
use crate::retry::{Attempts, Verdict};
use crate::send_error::SendError;
use crate::service_error::{header_request_id, read_body, CallError};
use crate::signing::Signing;
use crate::xml::XmlElement;
use crate::xml_error::xml_error;

/// What a form's names and values keep unencoded: the unreserved characters of RFC 3986,
/// as the AWS SDKs encode Query requests.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A client of one service's Query API at one endpoint, signing with a [`Signing`] (whose
/// region and service name are the ones signed for: `sts`, `iam`, `sqs`, `ec2`, …).
///
/// [`call`](QueryClient::call) posts the action, its API version and its parameters
/// (flattened as the protocol names them: `Attributes.entry.1.key`, `MessageAttribute.1.Name`,
/// …) form-encoded, and returns the XML response as a tree, or the service's error as a
/// [`ServiceError`]. Responses are read up to a bound (10 MiB unless set); XML is read
/// without any entity expansion (see [`XmlElement`]).
///
/// ```no_run
/// use countersign_client::{Credentials, Endpoint, QueryClient, Signing};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "sts");
/// let sts = QueryClient::new(signing, Endpoint::sts(Some("us-east-1")));
/// let response = sts.call("GetCallerIdentity", "2011-06-15", Vec::<(&str, &str)>::new()).await?;
/// println!("{:?}", response.text("GetCallerIdentityResult/Arn"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct QueryClient {
    api: ApiClient,
}

api_client_builder!(QueryClient);

/// A successful Query response: its status, its request id, and its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryResponse {
    status: StatusCode,
    request_id: Option<String>,
    root: XmlElement,
}

impl QueryResponse {
    /// The response's status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The request id: the document's `ResponseMetadata/RequestId` (EC2's `requestId`), else
    /// the `x-amzn-requestid` header.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The document's root element (`GetCallerIdentityResponse`, …); an empty element for
    /// an empty body.
    pub fn root(&self) -> &XmlElement {
        &self.root
    }

    /// The first element at `path` below the root ([`XmlElement::find`]).
    pub fn find(&self, path: &str) -> Option<&XmlElement> {
        self.root.find(path)
    }

    /// Every element at `path` below the root ([`XmlElement::find_all`]).
    pub fn find_all(&self, path: &str) -> Vec<&XmlElement> {
        self.root.find_all(path)
    }

    /// The text of the first element at `path` below the root
    /// (`"GetCallerIdentityResult/Arn"`).
    pub fn text(&self, path: &str) -> Option<&str> {
        self.root.text_at(path)
    }
}

impl QueryClient {
    /// A client calling `endpoint`, signing with `signing`, with a reqwest client of its own.
    pub fn new(signing: Signing, endpoint: Endpoint) -> Self {
        QueryClient {
            api: ApiClient::new(signing, endpoint),
        }
    }

    /// Calls `action` of the API of `version` with `params`, signed, with the standard
    /// retries of the [`Signing`]. A response of status 2xx is the [`QueryResponse`]; an
    /// error response is [`CallError::Service`] with the code, message and request id of its
    /// `<ErrorResponse>` (or EC2's `<Response><Errors>`).
    pub async fn call<I, K, V>(
        &self,
        action: &str,
        version: &str,
        params: I,
    ) -> Result<QueryResponse, CallError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let body = form(action, version, params);
        let response = self
            .api
            .client
            .post(self.api.endpoint.url())
            .header(http::header::CONTENT_TYPE, FORM_CONTENT_TYPE)
            .body(body)
            .send_signed(&self.api.signing)
            .await?;
        self.read(response).await
    }

    /// Calls `action` unsigned (STS's `AssumeRoleWithWebIdentity`, `AssumeRoleWithSAML`), with
    /// the retries of the client's [`Signing`] (its credentials unused).
    pub async fn call_unsigned<I, K, V>(
        &self,
        action: &str,
        version: &str,
        params: I,
    ) -> Result<QueryResponse, CallError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let body = form(action, version, params);
        // The retries' state needs a `Signing`; this one's credentials sign nothing.
        let retries =
            Signing::new(Credentials::new("", ""), "", "").retry(*self.api.signing.retry_config());
        let mut attempts = Attempts::new(&retries, true);
        loop {
            attempts.start();
            let request = self
                .api
                .client
                .post(self.api.endpoint.url())
                .header(http::header::CONTENT_TYPE, FORM_CONTENT_TYPE)
                .body(body.clone())
                .build()
                .map_err(|e| SendError::Build(Box::new(e)))?;
            let (result, verdict) = execute(&mut attempts, &self.api.client, request).await;
            if verdict == Verdict::Done {
                return self.read(result?).await;
            }
        }
    }

    /// The response's document, or its error.
    async fn read(&self, response: reqwest::Response) -> Result<QueryResponse, CallError> {
        let (status, headers, body) = read_body(response, self.api.response_limit).await?;
        if !status.is_success() {
            return Err(xml_error(status, &headers, &body));
        }
        let root = if body.iter().all(u8::is_ascii_whitespace) {
            XmlElement::default()
        } else {
            XmlElement::parse(&body).map_err(|e| CallError::Response {
                status,
                message: format!("the body is not an XML document: {e}"),
            })?
        };
        let request_id = root
            .text_at("ResponseMetadata/RequestId")
            .or_else(|| root.text_at("requestId"))
            .map(str::to_string)
            .or_else(|| header_request_id(&headers));
        Ok(QueryResponse {
            status,
            request_id,
            root,
        })
    }
}

/// The content type of a Query request.
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// The body of a Query request: `Action`, `Version`, then the parameters, form-encoded.
fn form<I, K, V>(action: &str, version: &str, params: I) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    use fmt::Write;
    let mut body = String::new();
    let mut add = |name: &str, value: &str| {
        if !body.is_empty() {
            body.push('&');
        }
        let _ = write!(
            body,
            "{}={}",
            utf8_percent_encode(name, FORM),
            utf8_percent_encode(value, FORM)
        );
    };
    add("Action", action);
    add("Version", version);
    for (name, value) in params {
        add(name.as_ref(), value.as_ref());
    }
    body
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test panics on a broken fixture")]

    use super::*;

    #[test]
    fn the_form_encodes_names_and_values() {
        let body = form(
            "SendMessage",
            "2012-11-05",
            [("MessageBody", "a b&c=d/é~"), ("QueueUrl", "http://h/1/q")],
        );
        assert_eq!(
            body,
            "Action=SendMessage&Version=2012-11-05&MessageBody=a%20b%26c%3Dd%2F%C3%A9~\
             &QueueUrl=http%3A%2F%2Fh%2F1%2Fq"
        );
    }
}
