//! `?policy`: PutBucketPolicy, GetBucketPolicy and DeleteBucketPolicy. A policy is parsed
//! as S3 parses a bucket policy (at most 20 KB, not counting white space) before it is kept;
//! it is given back as it was put.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use countersign_policy::{Limits, Policy, PolicyError, PolicyKind};

use countersign_server::authz::IamPrincipal;

use crate::app::App;
use crate::error::S3Error;
use crate::request::{read_limited, Ctx};
use crate::storage::Storage;

/// The most bytes of a policy read: S3 counts 20 KB without white space, so a document
/// within the limit may be longer than that; past this it is refused.
const MAX_POLICY_BYTES: usize = 64 * 1024;

/// PutBucketPolicy: 204 once the policy is kept; 400 `MalformedPolicy` naming the place
/// of the fault in one that is not valid.
pub(crate) async fn put<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
    body: Body,
) -> Result<Response, S3Error> {
    let document = read(body).await?;
    app.storage.head_bucket(bucket).await?;
    owners_only(app, ctx, bucket).await?;
    let policy = Policy::parse_bytes(&document, PolicyKind::Resource, Limits::BUCKET)
        .map_err(|e| malformed(&e))?;
    // `parse_bytes` refuses what is not UTF-8.
    let text = String::from_utf8_lossy(&document).into_owned();
    app.buckets
        .set_policy(&*app.storage, bucket, Some((policy, text)))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// GetBucketPolicy: the policy as it was put; 404 `NoSuchBucketPolicy` without one.
pub(crate) async fn get<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
) -> Result<Response, S3Error> {
    app.storage.head_bucket(bucket).await?;
    owners_only(app, ctx, bucket).await?;
    match app.buckets.policy(&*app.storage, bucket).await? {
        Some(document) => {
            Ok(([(header::CONTENT_TYPE, "application/json")], document).into_response())
        }
        None => Err(S3Error::new(
            StatusCode::NOT_FOUND,
            "NoSuchBucketPolicy",
            "The bucket policy does not exist",
        )),
    }
}

/// DeleteBucketPolicy: 204, whether the bucket had a policy or not.
pub(crate) async fn delete<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
) -> Result<Response, S3Error> {
    app.storage.head_bucket(bucket).await?;
    owners_only(app, ctx, bucket).await?;
    app.buckets.set_policy(&*app.storage, bucket, None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A bucket's policy is its owner's account's to read and change: a signer of another account
/// that a bucket policy allows is refused with 405 `MethodNotAllowed`, as S3 refuses it.
async fn owners_only<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    bucket: &str,
) -> Result<(), S3Error> {
    match app.buckets.owner(bucket) {
        Some(owner) if Some(owner.as_str()) != ctx.account() => Err(S3Error::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource: only the bucket \
             owner's account may use a bucket's policy.",
        )),
        _ => Ok(()),
    }
}

/// The refusal of a policy that is not valid: S3's code and status, the place and the fault.
fn malformed(error: &PolicyError) -> S3Error {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    S3Error::new(status, error.code(), error.to_string())
}

/// The policy document: the body, up to [`MAX_POLICY_BYTES`].
async fn read(body: Body) -> Result<bytes::Bytes, S3Error> {
    read_limited(body, MAX_POLICY_BYTES, |limit| {
        S3Error::new(
            StatusCode::BAD_REQUEST,
            "MalformedPolicy",
            format!("Policies must be at most 20 KB without white space; this one is over {limit} bytes."),
        )
    })
    .await
}
