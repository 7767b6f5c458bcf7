//! A browser POST upload (`multipart/form-data` to the bucket's URL), which the layer
//! verified: its form's fields stand in for a PUT's headers, its file is the body.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use countersign_server::authz::IamPrincipal;
use countersign_server::PostObject;

use crate::app::App;
use crate::body_reader::BodyReader;
use crate::error::S3Error;
use crate::headers::stored_headers;
use crate::meta::ObjectMeta;
use crate::names::{validate_bucket, validate_key};
use crate::request::Ctx;
use crate::staging::stage;
use crate::storage::Storage;
use crate::write_condition::WriteCondition;
use crate::xml::{self, xml_response};

/// PostObject: the layer checked the policy for an upload to `post.bucket`; the body is the
/// file. Answers as `success_action_redirect` or `success_action_status` ask.
pub(crate) async fn post_object<S: Storage, P: IamPrincipal>(
    app: &App<S>,
    ctx: &Ctx<P>,
    post: &PostObject,
    body: Body,
) -> Result<Response, S3Error> {
    let bucket = post.bucket.as_str();
    validate_bucket(bucket)?;
    app.storage.head_bucket(bucket).await?;
    let key = post.key.clone().filter(|k| !k.is_empty()).ok_or_else(|| {
        S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Bucket POST must contain a field named 'key'.",
        )
    })?;
    validate_key(&key)?;
    app.storage.check_key(&key)?;
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
    let (staged, received) = stage(&*app.storage, BodyReader::new(body)).await?;
    let meta =
        ObjectMeta::new(received.size, received.etag()).with_headers(stored_headers(&headers));
    app.storage
        .put_object(bucket, &key, staged, &meta, &WriteCondition::None)
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
            let location = ctx.object_url(app.scheme, bucket, &key);
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
