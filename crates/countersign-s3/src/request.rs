//! [`Ctx`]: a request taken apart (method, headers, decoded query, who signed), and the
//! reading of its small XML bodies.

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode};
use countersign_server::authz::{Access, AccessCheck, IamPrincipal};
use countersign_server::{PostObject, Verified};
use http_body_util::BodyExt;
use percent_encoding::{percent_decode_str, utf8_percent_encode};

use crate::error::S3Error;
use crate::names::KEY_ENCODING;
use crate::xml::XmlWriter;

/// A request, taken apart.
#[derive(Debug)]
pub(crate) struct Ctx<P> {
    pub(crate) method: Method,
    pub(crate) headers: HeaderMap,
    pub(crate) query: Query,
    /// Who signed; `None` for an anonymous request (`--anonymous`) a policy allowed.
    pub(crate) identity: Option<Verified<P>>,
    /// The form of a browser POST upload, verified by the layer.
    pub(crate) post: Option<PostObject>,
    /// The host the client called (for `Location`).
    pub(crate) host: String,
    /// Whether the bucket came from the host name.
    pub(crate) virtual_host: bool,
    /// The layer's check of further accesses as the signer, with the request's head (its
    /// extensions and headers) it checks against.
    pub(crate) access: Option<(AccessCheck, http::request::Parts)>,
}

impl<P> Ctx<P> {
    /// The URL of the object `bucket/key` on the host the client called, as S3 gives it in
    /// a `Location`: the key under the host when the host named the bucket, else under the
    /// bucket; percent-encoded.
    pub(crate) fn object_url(&self, scheme: &str, bucket: &str, key: &str) -> String {
        let key = utf8_percent_encode(key, KEY_ENCODING);
        match self.virtual_host {
            true => format!("{scheme}://{}/{key}", self.host),
            false => format!("{scheme}://{}/{bucket}/{key}", self.host),
        }
    }
}

impl<P: IamPrincipal> Ctx<P> {
    /// Whether the signer may delete `bucket/key`, or one `version` of it (DeleteObjects
    /// authorizes each entry, as AWS does: `s3:DeleteObject`, or `s3:DeleteObjectVersion`
    /// for an entry that names a version); without the layer's check nothing is.
    pub(crate) async fn may_delete(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
    ) -> Result<(), S3Error> {
        let denied = || S3Error::new(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied");
        let Some((check, parts)) = &self.access else {
            return Err(denied());
        };
        let action = match version {
            Some(_) => "s3:DeleteObjectVersion",
            None => "s3:DeleteObject",
        };
        let access =
            Access::new(action, format!("arn:aws:s3:::{bucket}/{key}")).with_policy_key(bucket);
        check.check(parts, access).await.map_err(|_| denied())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The principal's ARN (`arn:aws:iam::111122223333:user/alice`), or a service
    /// principal's name; `None` when anonymous.
    fn principal(&self) -> Option<&str> {
        Some(self.identity.as_ref()?.principal.iam_view()?.arn)
    }

    /// The signer's account: the fifth field of its ARN; `None` for a service or anonymous.
    pub(crate) fn account(&self) -> Option<&str> {
        self.principal()?
            .split(':')
            .nth(4)
            .filter(|account| !account.is_empty())
    }

    /// The owner shown in listings: the signer's account (or its access key, when its ARN
    /// names none) and its name (the ARN's last segment, or the service).
    pub(crate) fn owner(&self, out: &mut XmlWriter, element: &str) {
        let (id, name) = match &self.identity {
            None => ("anonymous", "anonymous"),
            Some(identity) => {
                let principal = self.principal().unwrap_or(identity.access_key_id());
                let name = principal.rsplit(['/', ':']).next().unwrap_or(principal);
                (self.account().unwrap_or(identity.access_key_id()), name)
            }
        };
        out.open(element)
            .leaf("ID", id)
            .leaf("DisplayName", name)
            .close(element);
    }
}

/// The decoded query parameters, in order, each name at most once.
///
/// A parameter may not be repeated, because the signature does not fix the order of its
/// values: canonicalization sorts the parameters by name and then by value, so
/// `?prefix=a&prefix=b` and `?prefix=b&prefix=a` carry the same signature. A handler that
/// read the first (or the last) value of a repeated parameter would act on a value that
/// whoever holds the request can swap for another after it was signed. No S3 operation
/// takes a repeated parameter, so [`parse`](Self::parse) refuses any.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    /// Splits and decodes a query string; a name that comes twice (however either is
    /// percent-encoded) is 400 `InvalidArgument`.
    pub(crate) fn parse(raw: &str) -> Result<Query, S3Error> {
        let mut pairs = Vec::new();
        for part in raw.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((decode_query(name)?, decode_query(value)?));
        }
        let mut names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        let repeated = names.windows(2).find_map(|pair| match pair {
            [a, b] if a == b => Some(*a),
            _ => None,
        });
        if let Some(name) = repeated {
            return Err(S3Error::invalid_argument(format!(
                "The query parameter {name:?} appears more than once; each parameter may be given once."
            )));
        }
        Ok(Query(pairs))
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn invalid_uri() -> S3Error {
    S3Error::new(
        StatusCode::BAD_REQUEST,
        "InvalidURI",
        "Couldn't parse the specified URI.",
    )
}

fn decode_query(s: &str) -> Result<String, S3Error> {
    let s = s.replace('+', " ");
    percent_decode_str(&s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| invalid_uri())
}

/// Percent-decodes a path part (a `+` is itself).
pub(crate) fn decode_path(s: &str) -> Result<String, S3Error> {
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| invalid_uri())
}

/// The most bytes of a body past its limit read and dropped before it is refused, so that a
/// client that sends its whole body before it reads the answer gets it (a connection closed
/// on unread bytes is reset under it); a body longer still is left unread.
const DRAIN_LIMIT: u64 = 16 * 1024 * 1024;

/// Reads a small request body (an XML document) whole, up to `limit` bytes; the layer's
/// verdict comes with it. A longer body is 400 `MaxMessageLengthExceeded`: no more of it is
/// kept, and what follows is read and dropped up to [`DRAIN_LIMIT`].
pub(crate) async fn read_small(body: Body, limit: usize) -> Result<bytes::Bytes, S3Error> {
    read_limited(body, limit, |limit| {
        S3Error::new(
            StatusCode::BAD_REQUEST,
            "MaxMessageLengthExceeded",
            format!("Your request was too big: this document may have at most {limit} bytes."),
        )
    })
    .await
}

/// [`read_small`], answering a body over `limit` with the error `too_long` makes of the limit.
pub(crate) async fn read_limited(
    mut body: Body,
    limit: usize,
    too_long: impl FnOnce(usize) -> S3Error,
) -> Result<bytes::Bytes, S3Error> {
    let mut document = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| S3Error::from_body(&e))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if document.len() + data.len() > limit {
            drain(body).await;
            return Err(too_long(limit));
        }
        document.extend_from_slice(&data);
    }
    Ok(document.freeze())
}

/// Reads and drops what is left of `body`, up to [`DRAIN_LIMIT`] bytes.
async fn drain(mut body: Body) {
    let mut dropped = 0u64;
    while dropped < DRAIN_LIMIT {
        match body.frame().await {
            Some(Ok(frame)) => {
                dropped += frame.data_ref().map_or(0, |d| d.len() as u64);
            }
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(host: &str, virtual_host: bool) -> Ctx<()> {
        Ctx {
            method: Method::POST,
            headers: HeaderMap::new(),
            query: Query::parse("").unwrap_or_else(|e| panic!("{e:?}")),
            identity: None,
            post: None,
            host: host.to_string(),
            virtual_host,
            access: None,
        }
    }

    #[test]
    fn a_path_style_location_names_the_bucket_in_the_path() {
        let url = ctx("localhost:9000", false).object_url("http", "photos", "2024/cat.jpg");
        assert_eq!(url, "http://localhost:9000/photos/2024/cat.jpg");
    }

    #[test]
    fn a_virtual_host_location_does_not_name_the_bucket_twice() {
        let url = ctx("photos.localhost:9000", true).object_url("https", "photos", "cat.jpg");
        assert_eq!(url, "https://photos.localhost:9000/cat.jpg");
    }

    #[test]
    fn a_locations_key_is_percent_encoded_but_its_slashes_kept() {
        let url = ctx("h", false).object_url("http", "b", "trip one/100%?#é.jpg");
        assert_eq!(url, "http://h/b/trip%20one/100%25%3F%23%C3%A9.jpg");
    }
}
