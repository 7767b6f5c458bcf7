//! The S3 front door: one handler that works out the bucket, key and operation from the
//! host, path, method and query, and the bucket and object operations.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use countersign_server::address::S3Address;
use countersign_server::authz::{Access, AccessCheck};
use countersign_server::{PostObject, Verified};
use percent_encoding::percent_decode_str;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::io::AsyncSeekExt;

use crate::body::{parse_range, FileBody};
use crate::bucket_registry::BucketPolicies;
use crate::fs::{validate_bucket, validate_key, Storage};
use crate::xml::{self, xml_response, S3Error, XmlWriter};
use crate::{bucket_policy, listing, multipart};

/// The largest object a single PUT may carry (S3's limit).
const MAX_PUT_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// Query parameters naming sub-resources this server does not implement.
const UNSUPPORTED: &[&str] = &[
    "accelerate",
    "acl",
    "analytics",
    "attributes",
    "cors",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "policyStatus",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "restore",
    "retention",
    "select",
    "tagging",
    "torrent",
    "versioning",
    "versions",
    "website",
];

/// What every handler shares.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) storage: Storage,
    /// The buckets' owners and policies.
    pub(crate) buckets: BucketPolicies,
    pub(crate) region: String,
    pub(crate) domain: String,
    /// `http` or `https`.
    pub(crate) scheme: &'static str,
}

/// The router: every request goes to [`handle`].
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new().fallback(handle).with_state(app)
}

/// A request, taken apart.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub(crate) method: Method,
    pub(crate) headers: HeaderMap,
    pub(crate) query: Query,
    /// Who signed; `None` for an anonymous request (`--anonymous`) a policy allowed.
    pub(crate) identity: Option<Verified<Arc<Value>>>,
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

impl Ctx {
    /// Whether the signer may delete `bucket/key` (DeleteObjects authorizes each key, as
    /// AWS does); without the layer's check nothing is.
    async fn may_delete(&self, bucket: &str, key: &str) -> Result<(), S3Error> {
        let denied = || S3Error::new(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied");
        let Some((check, parts)) = &self.access else {
            return Err(denied());
        };
        let access = Access::new("s3:DeleteObject", format!("arn:aws:s3:::{bucket}/{key}"))
            .with_policy_key(bucket);
        check.check(parts, access).await.map_err(|_| denied())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The principal's ARN (`arn:aws:iam::111122223333:user/alice`), or a service
    /// principal's name; `None` when anonymous.
    fn principal(&self) -> Option<&str> {
        let principal = &self.identity.as_ref()?.principal;
        principal
            .get("arn")
            .or_else(|| principal.get("service"))
            .and_then(Value::as_str)
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
    fn parse(raw: &str) -> Result<Query, S3Error> {
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

    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    fn unsupported(&self) -> Option<&str> {
        self.0
            .iter()
            .map(|(n, _)| n.as_str())
            .find(|n| UNSUPPORTED.contains(n))
    }
}

fn invalid_uri() -> S3Error {
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

/// The bucket and key a request addresses: virtual-hosted style when the host is
/// `{bucket}.{domain}`, path style otherwise, by the rule the layer decides a POST form's
/// bucket with.
fn address(host: &str, path: &str, domain: &str) -> Result<S3Address, S3Error> {
    S3Address::of(host, path, Some(domain)).map_err(|_| invalid_uri())
}

/// The one handler: answers every request (after the layer verified and authorized it).
async fn handle(
    State(app): State<Arc<App>>,
    identity: Option<Verified<Arc<Value>>>,
    request: Request,
) -> Response {
    let request_id = app.storage.unique()[..16].to_ascii_uppercase();
    let resource = request.uri().path().to_string();
    let mut response = match dispatch(&app, identity, request).await {
        Ok(response) => response,
        Err(error) => error.at(resource).into_response_with(&request_id),
    };
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amz-request-id", id);
    }
    response
        .headers_mut()
        .insert(header::SERVER, HeaderValue::from_static("countersign-s3"));
    response
}

async fn dispatch(
    app: &App,
    identity: Option<Verified<Arc<Value>>>,
    request: Request,
) -> Result<Response, S3Error> {
    let (parts, body) = request.into_parts();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let address: S3Address = address(&host, parts.uri.path(), &app.domain)?;
    let (bucket, key) = (address.bucket(), address.key());
    let post = parts.extensions.get::<PostObject>().cloned();
    // Only DeleteObjects checks further accesses (each of its keys): the head it checks
    // against is copied for it alone.
    let deletes = parts.method == Method::POST
        && parts
            .uri
            .query()
            .is_some_and(|q| q.split('&').any(|p| p == "delete" || p == "delete="));
    let access = deletes
        .then(|| parts.extensions.get::<AccessCheck>().cloned())
        .flatten()
        .map(|check| {
            let (mut head, ()) = http::Request::new(()).into_parts();
            head.method = parts.method.clone();
            head.uri = parts.uri.clone();
            head.headers = parts.headers.clone();
            head.extensions = parts.extensions.clone();
            (check, head)
        });
    let ctx = Ctx {
        access,
        post,
        method: parts.method,
        headers: parts.headers,
        query: Query::parse(parts.uri.query().unwrap_or(""))?,
        identity,
        host,
        virtual_host: address.virtual_host(),
    };
    // A browser POST upload, verified by the layer: its form signs an upload to the bucket
    // the layer decided, and nothing else.
    if let Some(post) = &ctx.post {
        return post_object(app, &ctx, post, body).await;
    }
    if let Some(name) = ctx.query.unsupported() {
        return Err(S3Error::not_implemented(format!(
            "the ?{name} sub-resource"
        )));
    }
    let (bucket, key) = match (bucket, key) {
        (None, _) => {
            return match ctx.method {
                Method::GET => listing::list_buckets(app, &ctx).await,
                _ => Err(method_not_allowed()),
            }
        }
        (Some(bucket), key) => (bucket, key),
    };
    validate_bucket(bucket)?;
    let Some(key) = key else {
        return bucket_operation(app, &ctx, bucket, body).await;
    };
    validate_key(key)?;
    let q = &ctx.query;
    match ctx.method {
        Method::PUT if q.has("uploadId") => {
            multipart::upload_part(app, &ctx, bucket, key, body).await
        }
        Method::PUT if ctx.headers.contains_key("x-amz-copy-source") => {
            copy_object(app, &ctx, bucket, key).await
        }
        Method::PUT => put_object(app, &ctx, bucket, key, body).await,
        Method::GET if q.has("uploadId") => multipart::list_parts(app, &ctx, bucket, key).await,
        Method::GET => get_object(app, &ctx, bucket, key, false).await,
        Method::HEAD => get_object(app, &ctx, bucket, key, true).await,
        Method::DELETE if q.has("uploadId") => multipart::abort(app, &ctx, bucket, key).await,
        Method::DELETE => {
            app.storage.delete_object(bucket, key).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Method::POST if q.has("uploads") => multipart::create(app, &ctx, bucket, key).await,
        Method::POST if q.has("uploadId") => {
            multipart::complete(app, &ctx, bucket, key, body).await
        }
        _ => Err(method_not_allowed()),
    }
}

async fn bucket_operation(
    app: &App,
    ctx: &Ctx,
    bucket: &str,
    body: Body,
) -> Result<Response, S3Error> {
    let q = &ctx.query;
    match ctx.method {
        Method::PUT if q.has("policy") => bucket_policy::put(app, ctx, bucket, body).await,
        Method::GET if q.has("policy") => bucket_policy::get(app, ctx, bucket).await,
        Method::DELETE if q.has("policy") => bucket_policy::delete(app, ctx, bucket).await,
        Method::PUT => create_bucket(app, ctx, bucket, body).await,
        Method::DELETE => {
            app.storage.delete_bucket(bucket).await?;
            app.buckets.deleted(&app.storage, bucket).await;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Method::HEAD => {
            app.storage.bucket_exists(bucket).await?;
            Ok((
                [("x-amz-bucket-region", app.region.as_str())],
                StatusCode::OK,
            )
                .into_response())
        }
        Method::GET if q.has("location") => {
            app.storage.bucket_exists(bucket).await?;
            let region = if app.region == "us-east-1" {
                ""
            } else {
                app.region.as_str()
            };
            Ok(xml_response(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"{}\">{}</LocationConstraint>",
                xml::NAMESPACE,
                xml::escape(region)
            )))
        }
        Method::GET if q.has("uploads") => multipart::list_uploads(app, ctx, bucket).await,
        Method::GET if q.get("list-type") == Some("2") => {
            listing::list_objects(app, ctx, bucket, true).await
        }
        Method::GET => listing::list_objects(app, ctx, bucket, false).await,
        Method::POST if q.has("delete") => delete_objects(app, ctx, bucket, body).await,
        _ => Err(method_not_allowed()),
    }
}

/// A browser POST upload: the layer checked the policy for an upload to `post.bucket`; the
/// body is the file.
async fn post_object(
    app: &App,
    ctx: &Ctx,
    post: &PostObject,
    body: Body,
) -> Result<Response, S3Error> {
    let bucket = post.bucket.as_str();
    validate_bucket(bucket)?;
    app.storage.bucket_exists(bucket).await?;
    let key = post.key.clone().filter(|k| !k.is_empty()).ok_or_else(|| {
        S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Bucket POST must contain a field named 'key'.",
        )
    })?;
    validate_key(&key)?;
    // The form's fields stand in for the headers of a PUT.
    let mut headers = HeaderMap::new();
    for (name, value) in &post.fields {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    if !headers.contains_key(header::CONTENT_TYPE) {
        if let Some(value) = post
            .file_content_type
            .as_deref()
            .and_then(|t| HeaderValue::from_str(t).ok())
        {
            headers.insert(header::CONTENT_TYPE, value);
        }
    }
    let received = app.storage.receive(body).await?;
    let meta = app
        .storage
        .commit(bucket, &key, received, stored_headers(&headers))
        .await?;
    let etag = meta.etag;
    if let Some(redirect) = post
        .field("success_action_redirect")
        .filter(|r| !r.is_empty())
    {
        let encode = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let separator = if redirect.contains('?') { '&' } else { '?' };
        let location = format!(
            "{redirect}{separator}bucket={}&key={}&etag={}",
            encode(bucket),
            encode(&key),
            encode(&etag)
        );
        return Ok((
            StatusCode::SEE_OTHER,
            [(header::LOCATION, location), (header::ETAG, etag)],
        )
            .into_response());
    }
    match post.field("success_action_status") {
        Some("200") => Ok(([(header::ETAG, etag)], StatusCode::OK).into_response()),
        Some("201") => {
            let location = format!("{}://{}/{bucket}/{key}", app.scheme, ctx.host);
            let document = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Location>{}</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>{}</ETag></PostResponse>",
                xml::escape(&location),
                xml::escape(bucket),
                xml::escape(&key),
                xml::escape(&etag)
            );
            let mut response = xml_response(document);
            *response.status_mut() = StatusCode::CREATED;
            Ok(response)
        }
        _ => Ok(([(header::ETAG, etag)], StatusCode::NO_CONTENT).into_response()),
    }
}

fn method_not_allowed() -> S3Error {
    S3Error::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
    )
}

/// Reads a small request body (an XML document) whole; the layer's verdict comes with it.
pub(crate) async fn read_small(body: Body, limit: usize) -> Result<bytes::Bytes, S3Error> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|e| S3Error::from_body(&e))
}

async fn create_bucket(
    app: &App,
    ctx: &Ctx,
    bucket: &str,
    body: Body,
) -> Result<Response, S3Error> {
    let document = read_small(body, 64 * 1024).await?;
    if !document.iter().all(u8::is_ascii_whitespace) {
        let config = xml::parse(&document, "CreateBucketConfiguration", "Location")?;
        if let Some(location) = config.top("LocationConstraint") {
            let ours = location == app.region || (location.is_empty() && app.region == "us-east-1");
            if !ours {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "IllegalLocationConstraintException",
                    format!(
                        "The {location} location constraint is incompatible with the region this server serves ({}).",
                        app.region
                    ),
                ));
            }
        }
    }
    // A bucket name is global: one another account owns is not the caller's to make again.
    if app.storage.bucket_exists(bucket).await.is_ok() {
        let owner = app.buckets.owner(bucket).await;
        if owner.is_some() && owner.as_deref() != ctx.account() {
            return Err(S3Error::new(
                StatusCode::CONFLICT,
                "BucketAlreadyExists",
                "The requested bucket name is not available. The bucket namespace is shared by all \
                 users of the system. Please select a different name and try again.",
            )
            .at(format!("/{bucket}")));
        }
    }
    app.storage.create_bucket(bucket).await?;
    app.buckets
        .created(&app.storage, bucket, ctx.account())
        .await?;
    Ok(([(header::LOCATION, format!("/{bucket}"))], StatusCode::OK).into_response())
}

/// The headers stored with an object: the representation headers (`Content-Encoding`
/// without `aws-chunked`, which only framed the upload) and `x-amz-meta-*`.
pub(crate) fn stored_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut stored = Vec::new();
    for (name, value) in headers {
        let name = name.as_str();
        let keep = matches!(
            name,
            "content-type"
                | "content-disposition"
                | "content-language"
                | "cache-control"
                | "expires"
                | "content-encoding"
                | "x-amz-website-redirect-location"
        ) || name.starts_with("x-amz-meta-");
        let Ok(value) = value.to_str() else {
            continue;
        };
        if !keep {
            continue;
        }
        let value = if name == "content-encoding" {
            let codings: Vec<&str> = value
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("aws-chunked"))
                .collect();
            if codings.is_empty() {
                continue;
            }
            codings.join(", ")
        } else {
            value.to_string()
        };
        match stored
            .iter_mut()
            .find(|(n, _): &&mut (String, String)| n == name)
        {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => stored.push((name.to_string(), value)),
        }
    }
    stored
}

/// Checks `Content-MD5` (when sent) against what was received.
pub(crate) fn check_content_md5(ctx: &Ctx, md5: &[u8; 16]) -> Result<(), S3Error> {
    let Some(declared) = ctx.header("content-md5") else {
        return Ok(());
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(declared.trim())
        .map_err(|_| {
            S3Error::new(
                StatusCode::BAD_REQUEST,
                "InvalidDigest",
                "The Content-MD5 you specified was invalid.",
            )
        })?;
    if decoded.as_slice() != md5.as_slice() {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
        ));
    }
    Ok(())
}

async fn put_object(
    app: &App,
    ctx: &Ctx,
    bucket: &str,
    key: &str,
    body: Body,
) -> Result<Response, S3Error> {
    app.storage.bucket_exists(bucket).await?;
    let declared = ctx
        .header("x-amz-decoded-content-length")
        .or_else(|| ctx.header("content-length"))
        .and_then(|l| l.parse::<u64>().ok());
    if declared.is_some_and(|l| l > MAX_PUT_SIZE) {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed object size.",
        ));
    }
    let received = app.storage.receive(body).await?;
    check_content_md5(ctx, &received.md5)?;
    let meta = app
        .storage
        .commit(bucket, key, received, stored_headers(&ctx.headers))
        .await?;
    Ok(([(header::ETAG, meta.etag)], StatusCode::OK).into_response())
}

/// `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, perhaps with `?versionId=`.
pub(crate) fn copy_source(ctx: &Ctx) -> Result<(String, String), S3Error> {
    let raw = ctx.header("x-amz-copy-source").unwrap_or_default();
    let raw = raw.split_once('?').map_or(raw, |(path, _)| path);
    let decoded = decode_path(raw)?;
    let decoded = decoded.strip_prefix('/').unwrap_or(&decoded);
    let (bucket, key) = decoded.split_once('/').ok_or_else(|| {
        S3Error::invalid_argument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
        )
    })?;
    validate_bucket(bucket)?;
    validate_key(key)?;
    Ok((bucket.to_string(), key.to_string()))
}

async fn copy_object(app: &App, ctx: &Ctx, bucket: &str, key: &str) -> Result<Response, S3Error> {
    let (source_bucket, source_key) = copy_source(ctx)?;
    let replace = match ctx.header("x-amz-metadata-directive").unwrap_or("COPY") {
        "COPY" => false,
        "REPLACE" => true,
        other => {
            return Err(S3Error::invalid_argument(format!(
                "Unknown metadata directive {other}."
            )))
        }
    };
    if !replace && source_bucket == bucket && source_key == key {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself without changing the \
             object's metadata, storage class, website redirect location or encryption attributes.",
        ));
    }
    app.storage.bucket_exists(bucket).await?;
    let (received, source) = app
        .storage
        .copy_range(&source_bucket, &source_key, None)
        .await?;
    let headers = if replace {
        stored_headers(&ctx.headers)
    } else {
        source.headers
    };
    let meta = app.storage.commit(bucket, key, received, headers).await?;
    let mut out = XmlWriter::new("CopyObjectResult");
    out.leaf("LastModified", iso8601(meta.last_modified))
        .leaf("ETag", &meta.etag);
    Ok(xml_response(out.finish("CopyObjectResult")))
}

async fn get_object(
    app: &App,
    ctx: &Ctx,
    bucket: &str,
    key: &str,
    head: bool,
) -> Result<Response, S3Error> {
    let (file, meta) = if head {
        (None, app.storage.head_object(bucket, key).await?)
    } else {
        let (file, meta) = app.storage.open_object(bucket, key).await?;
        (Some(file), meta)
    };
    if let Some(tags) = ctx.header("if-match") {
        if !etag_matches(tags, &meta.etag) {
            return Err(S3Error::new(
                StatusCode::PRECONDITION_FAILED,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
            ));
        }
    }
    let not_modified = ctx
        .header("if-none-match")
        .is_some_and(|tags| etag_matches(tags, &meta.etag));
    let range = parse_range(ctx.header("range"), meta.size)?;
    let mut headers = HeaderMap::new();
    let mut put = |name: &str, value: &str| {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    };
    put("etag", &meta.etag);
    put("last-modified", &http_date(meta.last_modified));
    put("accept-ranges", "bytes");
    put(
        "content-type",
        meta.header("content-type").unwrap_or("binary/octet-stream"),
    );
    for (name, value) in &meta.headers {
        put(name, value);
    }
    if let Some(parts) = meta
        .etag
        .trim_matches('"')
        .split_once('-')
        .map(|(_, n)| n.to_string())
    {
        put("x-amz-mp-parts-count", &parts);
    }
    for (parameter, name) in [
        ("response-content-type", "content-type"),
        ("response-content-language", "content-language"),
        ("response-expires", "expires"),
        ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"),
        ("response-content-encoding", "content-encoding"),
    ] {
        if let Some(value) = ctx.query.get(parameter) {
            put(name, value);
        }
    }
    if not_modified {
        headers.remove("content-type");
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    let (status, start, length) = match range {
        Some((first, last)) => {
            put(
                "content-range",
                &format!("bytes {first}-{last}/{}", meta.size),
            );
            (StatusCode::PARTIAL_CONTENT, first, last - first + 1)
        }
        None => (StatusCode::OK, 0, meta.size),
    };
    put("content-length", &length.to_string());
    let Some(mut file) = file else {
        return Ok((status, headers).into_response());
    };
    if start > 0 {
        file.seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(S3Error::internal)?;
    }
    let mut response = (status, Body::new(FileBody::new(file, length))).into_response();
    response.headers_mut().extend(headers);
    Ok(response)
}

fn etag_matches(tags: &str, etag: &str) -> bool {
    tags.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_matches('"') == etag.trim_matches('"'))
}

async fn delete_objects(
    app: &App,
    ctx: &Ctx,
    bucket: &str,
    body: Body,
) -> Result<Response, S3Error> {
    let document = read_small(body, 2 * 1024 * 1024).await?;
    app.storage.bucket_exists(bucket).await?;
    let request = xml::parse(&document, "Delete", "Object")?;
    if request.records.len() > 1000 {
        return Err(S3Error::malformed_xml("more than 1000 objects"));
    }
    let quiet = request
        .top("Quiet")
        .is_some_and(|q| q.trim().eq_ignore_ascii_case("true"));
    let mut out = XmlWriter::new("DeleteResult");
    for object in &request.records {
        let Some(key) = xml::field(object, "Key") else {
            return Err(S3Error::malformed_xml("an Object without a Key"));
        };
        let result = match validate_key(key) {
            Ok(()) => match ctx.may_delete(bucket, key).await {
                Ok(()) => app.storage.delete_object(bucket, key).await,
                Err(denied) => Err(denied),
            },
            Err(e) => Err(e),
        };
        match result {
            Ok(()) if quiet => {}
            Ok(()) => {
                out.open("Deleted").leaf("Key", key).close("Deleted");
            }
            Err(e) => {
                out.open("Error")
                    .leaf("Key", key)
                    .leaf("Code", e.code)
                    .leaf("Message", &e.message)
                    .close("Error");
            }
        }
    }
    Ok(xml_response(out.finish("DeleteResult")))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn http_date(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_default()
}

/// `2006-02-03T16:45:09.000Z`.
pub(crate) fn iso8601(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_default()
}
