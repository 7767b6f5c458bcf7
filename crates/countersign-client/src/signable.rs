//! What the signer needs of a request: [`SignableRequest`], implemented for
//! `http::Request` here and by callers for their own request types.

use http::header::{HeaderName, HeaderValue, AUTHORIZATION, HOST};
use http::uri::{PathAndQuery, Uri};

use countersign_core::{CanonicalRequest, Headers, Request, SignedHeaders, SigningSettings};

use crate::error::Error;

/// Headers never signed: set or changed by agents and proxies on the way.
pub const UNSIGNABLE_HEADERS: [&str; 10] = [
    "authorization",
    "user-agent",
    "x-amzn-trace-id",
    "expect",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "proxy-authorization",
    "te",
    "upgrade",
];

/// A header the signer writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningHeader {
    /// `Authorization`.
    Authorization,
    /// `X-Amz-Date`.
    Date,
    /// `X-Amz-Security-Token`.
    SecurityToken,
    /// `x-amz-content-sha256`.
    ContentSha256,
    /// `X-Amz-Region-Set` (SigV4a).
    RegionSet,
}

impl SigningHeader {
    /// The name as it is usually written (`X-Amz-Date`), for requests that keep the case
    /// of their header names.
    pub fn spelling(self) -> &'static str {
        match self {
            SigningHeader::Authorization => "Authorization",
            SigningHeader::Date => "X-Amz-Date",
            SigningHeader::SecurityToken => "X-Amz-Security-Token",
            SigningHeader::ContentSha256 => "x-amz-content-sha256",
            SigningHeader::RegionSet => "X-Amz-Region-Set",
        }
    }

    /// The lower-case name.
    pub fn name(self) -> HeaderName {
        // Constants, so that the names are checked once, at compile time.
        const DATE: HeaderName = HeaderName::from_static("x-amz-date");
        const SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
        const CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");
        const REGION_SET: HeaderName = HeaderName::from_static("x-amz-region-set");
        match self {
            SigningHeader::Authorization => AUTHORIZATION,
            SigningHeader::Date => DATE,
            SigningHeader::SecurityToken => SECURITY_TOKEN,
            SigningHeader::ContentSha256 => CONTENT_SHA256,
            SigningHeader::RegionSet => REGION_SET,
        }
    }
}

/// A request [`Signer`](crate::Signer) can sign: it shows its parts to the core and takes
/// the headers and query parameters the signature adds.
///
/// `http::Request` implements it. Implement it for a request type `http` cannot hold (the
/// `countersign` command does, for raw requests with spaces in the path or folded header
/// values).
pub trait SignableRequest {
    /// Makes sure the request has a non-empty `Host` header (SigV4 always signs the host),
    /// adding one from the URI where there is one; otherwise [`Error::MissingHost`].
    fn ensure_host(&mut self) -> Result<(), Error>;

    /// The names of the headers present, in any case (a repeated name may appear again).
    fn header_names(&self) -> impl Iterator<Item = &str>;

    /// The canonical request of the request as it now stands: [`Canonical::of`] a
    /// `CanonicalRequest::new` over the core's view of it, with no query parameter skipped.
    fn canonical_request(
        &self,
        settings: SigningSettings,
        signed_headers: &SignedHeaders<'_>,
        payload_hash: &str,
    ) -> Canonical;

    /// Sets `header` to `value`, replacing any value it had.
    fn set_header(&mut self, header: SigningHeader, value: &str) -> Result<(), Error>;

    /// Removes every `header`.
    fn remove_header(&mut self, header: SigningHeader);

    /// The query as it stands, without `?` (empty when there is none).
    fn query(&self) -> &str;

    /// Replaces the query.
    fn set_query(&mut self, query: &str) -> Result<(), Error>;
}

/// A canonical request as the signer takes it.
#[derive(Debug, Clone)]
pub struct Canonical {
    /// The text, for showing (a header value that is not UTF-8 is shown lossily).
    pub(crate) text: String,
    /// The SHA-256 of the exact bytes.
    pub(crate) hash: [u8; 32],
}

impl Canonical {
    /// The text and hash of `request`, built once: the bytes are written, hashed, then kept
    /// as the text.
    pub fn of<H: Headers + ?Sized>(request: &CanonicalRequest<'_, H>) -> Canonical {
        let mut bytes = Vec::with_capacity(512);
        request.write_to(&mut bytes);
        let hash = countersign_core::sha256(&bytes);
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        Canonical { text, hash }
    }
}

/// The signed-headers list of a request with these header names: every name but the
/// [`UNSIGNABLE_HEADERS`], lower-cased and sorted.
pub(crate) fn signable_headers<'a>(names: impl Iterator<Item = &'a str>) -> SignedHeaders<'static> {
    SignedHeaders::from_names(names.filter(|name| {
        !UNSIGNABLE_HEADERS
            .iter()
            .any(|unsignable| unsignable.eq_ignore_ascii_case(name))
    }))
}

impl<B> SignableRequest for http::Request<B> {
    /// Adds a `Host` header from the URI's authority when there is none (the default port
    /// of the scheme left out, as HTTP clients send it).
    fn ensure_host(&mut self) -> Result<(), Error> {
        if self.headers().contains_key(HOST) {
            return Ok(());
        }
        let uri = self.uri();
        let authority = uri.authority().ok_or(Error::MissingHost)?;
        let default_port = match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        };
        let host = match authority.port_u16() {
            Some(port) if Some(port) != default_port => format!("{}:{port}", authority.host()),
            _ => authority.host().to_string(),
        };
        let value = HeaderValue::from_str(&host).map_err(|_| Error::InvalidHeaderValue("host"))?;
        self.headers_mut().insert(HOST, value);
        Ok(())
    }

    fn header_names(&self) -> impl Iterator<Item = &str> {
        self.headers().keys().map(HeaderName::as_str)
    }

    fn canonical_request(
        &self,
        settings: SigningSettings,
        signed_headers: &SignedHeaders<'_>,
        payload_hash: &str,
    ) -> Canonical {
        let view = Request::from_http(self);
        Canonical::of(&CanonicalRequest::new(
            &view,
            settings,
            signed_headers,
            payload_hash,
            &[],
        ))
    }

    fn set_header(&mut self, header: SigningHeader, value: &str) -> Result<(), Error> {
        let value = HeaderValue::from_str(value)
            .map_err(|_| Error::InvalidHeaderValue(header.spelling()))?;
        self.headers_mut().insert(header.name(), value);
        Ok(())
    }

    fn remove_header(&mut self, header: SigningHeader) {
        self.headers_mut().remove(header.name());
    }

    fn query(&self) -> &str {
        self.uri().query().unwrap_or("")
    }

    /// Replaces the URI's query, keeping scheme, authority and path.
    fn set_query(&mut self, query: &str) -> Result<(), Error> {
        let mut parts = self.uri().clone().into_parts();
        let path = parts.path_and_query.as_ref().map_or("/", |pq| pq.path());
        let path = if path.is_empty() { "/" } else { path };
        let pq = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        parts.path_and_query =
            Some(PathAndQuery::try_from(pq).map_err(|e| Error::InvalidUri(e.to_string()))?);
        *self.uri_mut() = Uri::from_parts(parts).map_err(|e| Error::InvalidUri(e.to_string()))?;
        Ok(())
    }
}
