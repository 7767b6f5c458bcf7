//! Rejections as responses: S3 XML, JSON, or a function of yours; in debug mode they carry
//! the server's canonical request and string to sign, as S3 does, and a hint.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Response};
use http_body_util::Full;

use crate::error::Error;

/// What the server says in debug mode, beside the error.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct DebugDetails {
    /// The access key id the request named.
    pub access_key_id: Option<String>,
    /// The signature the request carried.
    pub signature_provided: Option<String>,
    /// The canonical request the server computed.
    pub canonical_request: Option<String>,
    /// The string to sign the server computed.
    pub string_to_sign: Option<String>,
    /// A hint in words.
    pub hint: String,
}

/// A refused request, ready to be rendered.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Rejection {
    /// Why.
    pub error: Error,
    /// An id for this request, to find it in the logs.
    pub request_id: String,
    /// The path that was requested.
    pub resource: String,
    /// The access key id the request named, when it could be read.
    pub access_key_id: Option<String>,
    /// Present in debug mode only.
    pub debug: Option<DebugDetails>,
}

type Render = dyn Fn(&Rejection) -> Response<Full<Bytes>> + Send + Sync;

/// How rejections are written: S3 XML, JSON, or a function of yours
/// ([`SigV4Layer::error_format`](crate::SigV4Layer::error_format)). In debug mode they carry
/// the server's canonical request and string to sign, as S3 does, and a hint
/// ([`Rejection::debug`]).
///
/// ```
/// use countersign_server::{Error, ErrorFormat, SigV4Layer, keys::MemoryKeyStore};
/// let teapot = ErrorFormat::custom(|rejection| {
///     let mut response = http::Response::new(rejection.error.code().to_string().into());
///     *response.status_mut() = rejection.error.status();
///     response
/// });
/// let layer = SigV4Layer::new(MemoryKeyStore::<()>::new()).error_format(teapot);
/// # let _ = layer;
/// ```
#[derive(Clone, Default)]
pub enum ErrorFormat {
    /// S3's `<Error><Code/><Message/><RequestId/><Resource/></Error>`.
    #[default]
    S3Xml,
    /// `{"code": …, "message": …, "request_id": …}`.
    Json,
    /// Your own rendering.
    Custom(Arc<Render>),
}

impl ErrorFormat {
    /// A rendering of your own.
    pub fn custom(
        render: impl Fn(&Rejection) -> Response<Full<Bytes>> + Send + Sync + 'static,
    ) -> Self {
        ErrorFormat::Custom(Arc::new(render))
    }

    /// Renders a rejection.
    pub fn render(&self, rejection: &Rejection) -> Response<Full<Bytes>> {
        let (body, content_type) = match self {
            ErrorFormat::Custom(render) => return render(rejection),
            ErrorFormat::S3Xml => (xml(rejection), "application/xml"),
            ErrorFormat::Json => (json(rejection), "application/json"),
        };
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = rejection.error.status();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Ok(id) = HeaderValue::from_str(&rejection.request_id) {
            response.headers_mut().insert("x-amz-request-id", id);
        }
        response
    }
}

impl fmt::Debug for ErrorFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorFormat::S3Xml => "S3Xml",
            ErrorFormat::Json => "Json",
            ErrorFormat::Custom(_) => "Custom",
        })
    }
}

fn xml(r: &Rejection) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    let mut element = |name: &str, text: &str| {
        out.push('<');
        out.push_str(name);
        out.push('>');
        escape_xml_into(&mut out, text);
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    };
    element("Code", r.error.code());
    element("Message", &r.error.to_string());
    if let Some(d) = &r.debug {
        for (name, value) in [
            ("AWSAccessKeyId", &d.access_key_id),
            ("SignatureProvided", &d.signature_provided),
            ("StringToSign", &d.string_to_sign),
            ("CanonicalRequest", &d.canonical_request),
        ] {
            if let Some(v) = value {
                element(name, v);
            }
        }
        element("Hint", &d.hint);
    }
    element("RequestId", &r.request_id);
    element("Resource", &r.resource);
    out.push_str("</Error>");
    out
}

fn escape_xml_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {
                out.push_str(&format!("&#x{:X};", c as u32))
            }
            c => out.push(c),
        }
    }
}

fn json(r: &Rejection) -> String {
    let mut doc = serde_json::json!({
        "code": r.error.code(),
        "message": r.error.to_string(),
        "request_id": r.request_id,
        "resource": r.resource,
    });
    if let Some(d) = &r.debug {
        doc["debug"] = serde_json::json!({
            "access_key_id": d.access_key_id,
            "signature_provided": d.signature_provided,
            "canonical_request": d.canonical_request,
            "string_to_sign": d.string_to_sign,
            "hint": d.hint,
        });
    }
    doc.to_string()
}

/// A request id unique within the process: a per-process start stamp and a counter.
pub(crate) fn next_request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let start = *START.get_or_init(|| {
        let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{:016X}",
        start.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    )
}

/// A hint in words for a debug response.
pub(crate) fn hint(error: &Error) -> String {
    use countersign_core::Error as Core;
    match error {
        Error::Auth(Core::SignatureDoesNotMatch(_)) => "compare the CanonicalRequest and StringToSign below with the ones \
            your client signed: the first line that differs is the cause (the secret itself is never shown; check it \
            if both are equal). Paths are encoded once for S3 and twice for other services; query parameters are \
            sorted; header values are trimmed."
            .to_string(),
        Error::Auth(Core::RequestTimeTooSkewed { .. }) => {
            format!("{error}; set your clock (NTP) or sign with the current time")
        }
        Error::Auth(Core::HeaderNotSigned(name)) => {
            format!("add {name} to SignedHeaders (every x-amz-* header present must be signed, and host always)")
        }
        Error::InvalidAccessKeyId(_) => "the key store has no such access key id".to_string(),
        Error::AccessDenied(denial) => format!("the signature is valid; the authorizer refused: {denial}"),
        other => other.to_string(),
    }
}
