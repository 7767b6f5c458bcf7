//! The operations on a bucket itself: CreateBucket, DeleteBucket, HeadBucket,
//! GetBucketLocation and GetBucketVersioning.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use countersign_server::authz::IamPrincipal;

use crate::app::App;
use crate::error::S3Error;
use crate::request::{read_small, Ctx};
use crate::storage::Storage;
use crate::xml::{self, xml_response};

/// CreateBucket: owned by the signer's account. A location constraint must name the
/// frontend's region; a bucket another account owns is 409 `BucketAlreadyExists`.
pub(crate) async fn create<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
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
    if app.storage.head_bucket(bucket).await.is_ok() {
        let owner = app.buckets.owner(bucket);
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
    app.buckets
        .create(&*app.storage, bucket, ctx.account())
        .await?;
    Ok(([(header::LOCATION, format!("/{bucket}"))], StatusCode::OK).into_response())
}

/// DeleteBucket: an empty bucket, with its owner and policy.
pub(crate) async fn delete<S: Storage>(app: &App<S>, bucket: &str) -> Result<Response, S3Error> {
    app.buckets.delete(&*app.storage, bucket).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// HeadBucket: 200 with the region, or 404.
pub(crate) async fn head<S: Storage>(app: &App<S>, bucket: &str) -> Result<Response, S3Error> {
    app.storage.head_bucket(bucket).await?;
    Ok((
        [("x-amz-bucket-region", app.region.as_str())],
        StatusCode::OK,
    )
        .into_response())
}

/// GetBucketLocation: the region, empty for `us-east-1` (as S3 answers).
pub(crate) async fn location<S: Storage>(app: &App<S>, bucket: &str) -> Result<Response, S3Error> {
    app.storage.head_bucket(bucket).await?;
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

/// GetBucketVersioning: an empty configuration, as S3 answers for a bucket whose versioning
/// was never turned on (this frontend keeps no versions).
pub(crate) async fn versioning<S: Storage>(
    app: &App<S>,
    bucket: &str,
) -> Result<Response, S3Error> {
    app.storage.head_bucket(bucket).await?;
    Ok(xml_response(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VersioningConfiguration xmlns=\"{}\"/>",
        xml::NAMESPACE
    )))
}
