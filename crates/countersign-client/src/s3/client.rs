//! [`S3Client`]: its configuration, where its requests go, and how a request with a body of
//! bytes (or none) is sent and its answer read.

use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::api_client::{api_client_builder, ApiClient};
use crate::endpoint::Endpoint;
use crate::request_ext::SignExt;
use crate::s3::address::{Base, Resource};
use crate::s3::error::s3_error;
use crate::send_error::SendError;
use crate::service_error::{read_body, CallError};
use crate::signing::Signing;
use crate::xml::XmlElement;
use crate::xml_error::document_error;

/// The default bound of an object read whole ([`S3Client::get_object`]): 64 MiB.
pub const DEFAULT_DOWNLOAD_LIMIT: u64 = 64 * 1024 * 1024;

/// A client of S3 (or of an S3-compatible server) at one endpoint, signing with a
/// [`Signing`] for the service `s3` (its S3 rules are switched on if they are not: single
/// path encoding, `x-amz-content-sha256` on every request).
///
/// Buckets are addressed virtual-hosted-style (`https://bucket.host/key`), except at an
/// endpoint whose host is an IP address or `localhost` (a local server: path-style,
/// `http://127.0.0.1:9000/bucket/key`), or for a bucket whose name cannot be a host label;
/// [`path_style`](S3Client::path_style) decides otherwise. Every request is signed afresh
/// for each attempt and retried in AWS's standard mode, but for uploads of a stream, which
/// are sent once.
///
/// Answers of S3 (listings, errors) are read up to a bound (10 MiB unless set, see
/// [`response_limit`](S3Client::response_limit)), objects read whole up to another
/// ([`download_limit`](S3Client::download_limit)); XML is read without any entity
/// expansion (see [`XmlElement`]).
///
/// ```no_run
/// use std::time::Duration;
/// use countersign_client::s3::S3Client;
/// use countersign_client::{Credentials, Endpoint, Signing};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "eu-west-1", "s3");
/// let s3 = S3Client::new(signing, Endpoint::regional("s3", "eu-west-1"));
/// s3.put_object("reports", "2024/q1.csv", "region,total\n").await?;
/// let object = s3.get_object("reports", "2024/q1.csv").await?;
/// assert_eq!(&object.body[..], b"region,total\n");
/// let url = s3.presign_get("reports", "2024/q1.csv", Duration::from_secs(3600)).await?;
/// println!("{url}");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct S3Client {
    pub(crate) api: ApiClient,
    path_style: bool,
    pub(crate) download_limit: u64,
}

api_client_builder!(S3Client);

impl S3Client {
    /// A client calling `endpoint` (`Endpoint::regional("s3", region)`, or a server's URL
    /// with [`Endpoint::custom`]), signing with `signing`, with a reqwest client of its own.
    pub fn new(signing: Signing, endpoint: Endpoint) -> Self {
        let signing = if signing.is_s3() {
            signing
        } else {
            signing.s3()
        };
        let path_style = Base::parse(endpoint.url()).is_ok_and(|base| base.wants_path_style());
        S3Client {
            api: ApiClient::new(signing, endpoint),
            path_style,
            download_limit: DEFAULT_DOWNLOAD_LIMIT,
        }
    }

    /// The same client, addressing buckets path-style (`true`: `https://host/bucket/key`)
    /// or virtual-hosted-style (`false`: `https://bucket.host/key`, but for buckets whose
    /// name cannot be a host label).
    pub fn path_style(mut self, on: bool) -> Self {
        self.path_style = on;
        self
    }

    /// Whether buckets are addressed path-style.
    pub fn is_path_style(&self) -> bool {
        self.path_style
    }

    /// The same client, refusing to read an object whole ([`get_object`](S3Client::get_object),
    /// [`get_object_range`](S3Client::get_object_range)) when it is larger than `bytes`
    /// (64 MiB unless set); [`get_object_stream`](S3Client::get_object_stream) reads any
    /// size.
    pub fn download_limit(mut self, bytes: u64) -> Self {
        self.download_limit = bytes;
        self
    }

    /// The endpoint, taken apart.
    pub(crate) fn base(&self) -> Result<Base, CallError> {
        Base::parse(self.api.endpoint.url()).map_err(build_error)
    }

    /// The URL of `resource`. A key with a `.` or `..` segment is refused: URL parsers
    /// (reqwest's among them) remove such segments, encoded or not, so that the request
    /// would name another key.
    pub(crate) fn url(&self, resource: &Resource<'_>) -> Result<String, CallError> {
        if let Some(key) = resource.key {
            if key
                .split('/')
                .any(|segment| segment == "." || segment == "..")
            {
                return Err(build_error(format!(
                    "the key {key:?} has a `.` or `..` segment, which an HTTP URL cannot carry \
                     (it would name another key)"
                )));
            }
        }
        Ok(self.base()?.url(resource, !self.path_style))
    }

    /// Sends `method` to `resource` with `headers` and `body` (bytes, signed with their
    /// SHA-256, or none), signed and retried: the answer if it is a success, else its error.
    pub(crate) async fn send(
        &self,
        method: Method,
        resource: &Resource<'_>,
        headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<reqwest::Response, CallError> {
        let mut request = self
            .api
            .client
            .request(method, self.url(resource)?)
            .headers(headers);
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send_signed(&self.api.signing).await?;
        self.checked(response).await
    }

    /// `response` if it is a success (2xx); else its error, read from its body.
    pub(crate) async fn checked(
        &self,
        response: reqwest::Response,
    ) -> Result<reqwest::Response, CallError> {
        if response.status().is_success() {
            return Ok(response);
        }
        let (status, headers, body) = read_body(response, self.api.response_limit).await?;
        Err(s3_error(status, &headers, &body))
    }

    /// The XML document of a successful answer. An `<Error>` document is the error it
    /// describes even with a status of 200, which S3 answers when a long
    /// CompleteMultipartUpload or CopyObject fails after its status was sent.
    pub(crate) async fn read_xml(
        &self,
        response: reqwest::Response,
    ) -> Result<XmlElement, CallError> {
        let (status, headers, body) = read_body(response, self.api.response_limit).await?;
        let root = XmlElement::parse(&body).map_err(|e| CallError::Response {
            status,
            message: format!("the body is not an XML document: {e}"),
        })?;
        if root.name() == "Error" {
            return Err(document_error(status, &headers, &root));
        }
        Ok(root)
    }
}

/// An S3 request that cannot be built as asked, with why.
pub(crate) fn build_error(message: impl Into<String>) -> CallError {
    let message: String = message.into();
    CallError::Send(SendError::Build(message.into()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test panics on a broken fixture")]

    use super::*;
    use crate::credentials::Credentials;

    fn client() -> S3Client {
        let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "s3");
        S3Client::new(signing, Endpoint::custom("http://127.0.0.1:9000"))
    }

    #[test]
    fn a_key_with_a_dot_dot_segment_is_refused_before_sending() {
        let error = client()
            .url(&Resource::object("photos", "a/../b.jpg"))
            .unwrap_err();
        assert!(error.to_string().contains("`..` segment"), "{error}");
    }

    #[test]
    fn a_key_with_a_dot_segment_is_refused_before_sending() {
        assert!(client()
            .url(&Resource::object("photos", "./b.jpg"))
            .is_err());
    }

    #[test]
    fn dots_inside_a_segment_are_a_key_like_any() {
        let url = client()
            .url(&Resource::object("photos", "a/..b/c.d./..."))
            .unwrap();
        assert_eq!(url, "http://127.0.0.1:9000/photos/a/..b/c.d./...");
    }
}
