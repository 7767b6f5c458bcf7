//! The S3 front door: one handler that works out the bucket, key and operation of a request
//! (the operation by [`S3Operation`], the classifier the layer authorizes with), and hands it
//! to the operation.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::response::Response;
use axum::Router;
use countersign_server::address::S3Address;
use countersign_server::authz::{AccessCheck, IamPrincipal, S3Operation};
use countersign_server::{PostObject, Verified};

use crate::app::App;
use crate::error::S3Error;
use crate::listing::NULL_VERSION;
use crate::names::{validate_bucket, validate_key};
use crate::request::{invalid_uri, Ctx, Query};
use crate::storage::Storage;
use crate::{bucket_policy, buckets, cors, listing, multipart, objects, post_object, tagging};

/// The router: every request goes to [`handle`].
pub(crate) fn router<S, P>(app: Arc<App<S>>) -> Router
where
    S: Storage,
    P: IamPrincipal + Clone + Send + Sync + 'static,
{
    Router::new().fallback(handle::<S, P>).with_state(app)
}

/// The bucket and key a request addresses: virtual-hosted style when the host is
/// `{bucket}.{domain}`, path style otherwise, by the rule the layer decides a POST form's
/// bucket with.
fn address(host: &str, path: &str, domain: &str) -> Result<S3Address, S3Error> {
    S3Address::of(host, path, Some(domain)).map_err(|_| invalid_uri())
}

/// The one handler: answers every request (after the layer verified and authorized it).
async fn handle<S, P>(
    State(app): State<Arc<App<S>>>,
    identity: Option<Verified<P>>,
    request: Request,
) -> Response
where
    S: Storage,
    P: IamPrincipal + Clone + Send + Sync + 'static,
{
    let request_id = app.request_ids.next();
    let resource = request.uri().path().to_string();
    // A request from a web page: its bucket's CORS rules may allow the page to read the
    // answer (a preflight is answered with them already).
    let cross_origin = cross_origin(&request, &app.domain);
    let mut response = match dispatch(&app, identity, request).await {
        Ok(response) => response,
        Err(error) => error.at(resource).into_response_with(&request_id),
    };
    if let Some((bucket, origin, method)) = cross_origin {
        cors::decorate(&app, &bucket, &origin, &method, &mut response).await;
    }
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amz-request-id", id);
    }
    response
        .headers_mut()
        .insert(header::SERVER, HeaderValue::from_static("countersign-s3"));
    response
}

/// The bucket, `Origin` and method of a cross-origin request that is not a preflight (the
/// bucket the layer authorized, when it authorized one).
fn cross_origin(request: &Request, domain: &str) -> Option<(String, String, Method)> {
    let origin = request.headers().get(header::ORIGIN)?.to_str().ok()?;
    if request.method() == Method::OPTIONS {
        return None;
    }
    let authorized = request.extensions().get::<AccessCheck>();
    let bucket = match authorized.and_then(|check| check.operation().s3.as_ref()) {
        Some(operation) => operation.bucket()?.to_string(),
        None => {
            let host = request
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default();
            let address = address(host, request.uri().path(), domain).ok()?;
            address.bucket()?.to_string()
        }
    };
    Some((bucket, origin.to_string(), request.method().clone()))
}

async fn dispatch<S, P>(
    app: &App<S>,
    identity: Option<Verified<P>>,
    request: Request,
) -> Result<Response, S3Error>
where
    S: Storage,
    P: IamPrincipal + Clone + Send + Sync + 'static,
{
    let (parts, body) = request.into_parts();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    // The operation the layer authorized, when it authorized one: the bucket and key it
    // read (through a trusted proxy's forwarded host and path, if it trusts one) are the
    // ones served, never others read again from the request.
    let authorized = parts
        .extensions
        .get::<AccessCheck>()
        .and_then(|check| check.operation().s3.clone());
    let address = match &authorized {
        Some(operation) => operation.address().clone(),
        None => address(&host, parts.uri.path(), &app.domain)?,
    };
    let virtual_host = address.virtual_host();
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
    let raw_query = parts.uri.query().unwrap_or("");
    let ctx = Ctx {
        access,
        post,
        method: parts.method,
        headers: parts.headers,
        query: Query::parse(raw_query)?,
        identity,
        host,
        virtual_host,
    };
    // A browser POST upload, verified by the layer: its form signs an upload to the bucket
    // the layer decided, and nothing else.
    if let Some(post) = &ctx.post {
        return post_object::post_object(app, &ctx, post, body).await;
    }
    // A CORS preflight, which the layer lets through unsigned: answered from the bucket's
    // rules, and nothing else done.
    if ctx.method == Method::OPTIONS {
        return cors::preflight(app, &ctx.headers, address.bucket()).await;
    }
    let operation = match authorized {
        Some(operation) => operation,
        None => S3Operation::classify(&ctx.method, address, raw_query, &ctx.headers)?,
    };
    let Some(bucket) = operation.bucket() else {
        return match operation.name {
            "ListBuckets" => listing::list_buckets(app, &ctx).await,
            name => Err(S3Error::not_implemented(name)),
        };
    };
    validate_bucket(bucket)?;
    let Some(key) = operation.key() else {
        return bucket_operation(app, &ctx, operation.name, bucket, body).await;
    };
    validate_key(key)?;
    app.storage.check_key(key)?;
    // Without versioning, an object's one version is `null`: no other can be named.
    if ctx
        .query
        .get("versionId")
        .is_some_and(|v| v != NULL_VERSION)
    {
        return Err(S3Error::invalid_argument("Invalid version id specified"));
    }
    object_operation(app, &ctx, operation.name, bucket, key, body).await
}

/// An operation on a bucket, by its name.
async fn bucket_operation<S, P>(
    app: &App<S>,
    ctx: &Ctx<P>,
    name: &'static str,
    bucket: &str,
    body: Body,
) -> Result<Response, S3Error>
where
    S: Storage,
    P: IamPrincipal,
{
    match name {
        "CreateBucket" => buckets::create(app, ctx, bucket, body).await,
        "DeleteBucket" => buckets::delete(app, bucket).await,
        "HeadBucket" => buckets::head(app, bucket).await,
        "GetBucketLocation" => buckets::location(app, bucket).await,
        "PutBucketPolicy" => bucket_policy::put(app, ctx, bucket, body).await,
        "GetBucketPolicy" => bucket_policy::get(app, ctx, bucket).await,
        "DeleteBucketPolicy" => bucket_policy::delete(app, ctx, bucket).await,
        "PutBucketCors" => cors::put(app, bucket, body).await,
        "GetBucketCors" => cors::get(app, bucket).await,
        "DeleteBucketCors" => cors::delete(app, bucket).await,
        "ListMultipartUploads" => multipart::list_uploads(app, ctx, bucket).await,
        "ListObjectsV2" => listing::list_objects(app, ctx, bucket, true).await,
        "ListObjects" => listing::list_objects(app, ctx, bucket, false).await,
        "ListObjectVersions" => listing::list_versions(app, ctx, bucket).await,
        "GetBucketVersioning" => buckets::versioning(app, bucket).await,
        "DeleteObjects" => objects::delete_objects(app, ctx, bucket, body).await,
        name => Err(S3Error::not_implemented(name)),
    }
}

/// An operation on an object, by its name.
async fn object_operation<S, P>(
    app: &App<S>,
    ctx: &Ctx<P>,
    name: &'static str,
    bucket: &str,
    key: &str,
    body: Body,
) -> Result<Response, S3Error>
where
    S: Storage,
    P: IamPrincipal,
{
    match name {
        "PutObject" => objects::put_object(app, ctx, bucket, key, body).await,
        "CopyObject" => objects::copy_object(app, ctx, bucket, key).await,
        "GetObject" => objects::get_object(app, ctx, bucket, key, false).await,
        "HeadObject" => objects::get_object(app, ctx, bucket, key, true).await,
        "DeleteObject" => objects::delete_object(app, bucket, key).await,
        "CreateMultipartUpload" => multipart::create(app, ctx, bucket, key).await,
        "UploadPart" | "UploadPartCopy" => {
            multipart::upload_part(app, ctx, bucket, key, body).await
        }
        "ListParts" => multipart::list_parts(app, ctx, bucket, key).await,
        "CompleteMultipartUpload" => multipart::complete(app, ctx, bucket, key, body).await,
        "AbortMultipartUpload" => multipart::abort(app, ctx, bucket, key).await,
        "GetObjectTagging" => tagging::get(app, bucket, key).await,
        "PutObjectTagging" => tagging::put(app, bucket, key, body).await,
        "DeleteObjectTagging" => tagging::delete(app, bucket, key).await,
        name => Err(S3Error::not_implemented(name)),
    }
}
