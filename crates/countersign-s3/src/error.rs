//! [`S3Error`]: an S3 error (status, code, message, resource) and its `<Error>` document;
//! what each [`StorageError`] is answered with.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use countersign_server::authz::Unclassified;
use countersign_server::BodyError;

use crate::storage_error::StorageError;
use crate::xml::{escape, xml_headers, MalformedXml};

/// An S3 error: its status, code and message, and the resource it is about.
#[derive(Debug, Clone)]
pub(crate) struct S3Error {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) resource: String,
    /// `Content-Range: bytes */SIZE` on 416.
    pub(crate) content_range: Option<String>,
}

impl S3Error {
    /// 412 `PreconditionFailed`.
    pub(crate) fn precondition_failed() -> Self {
        S3Error::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold",
        )
    }

    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        S3Error {
            status,
            code,
            message: message.into(),
            resource: String::new(),
            content_range: None,
        }
    }

    /// The same error about `resource` (kept if one is set already).
    pub(crate) fn at(mut self, resource: impl Into<String>) -> Self {
        if self.resource.is_empty() {
            self.resource = resource.into();
        }
        self
    }

    pub(crate) fn no_such_bucket(bucket: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist",
        )
        .at(format!("/{bucket}"))
    }

    pub(crate) fn no_such_key(bucket: &str, key: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        )
        .at(format!("/{bucket}/{key}"))
    }

    pub(crate) fn no_such_upload(upload_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The specified multipart upload does not exist. The upload ID may be invalid, or the upload \
             may have been aborted or completed.",
        )
        .at(upload_id.to_string())
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidArgument", message)
    }

    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
    }

    pub(crate) fn malformed_xml(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MalformedXML",
            format!(
                "The XML you provided was not well-formed or did not validate against our published schema ({detail})"
            ),
        )
    }

    pub(crate) fn not_implemented(what: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            format!("{what} is not implemented by this server"),
        )
    }

    pub(crate) fn internal(error: impl std::fmt::Display) -> Self {
        eprintln!("internal error: {error}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error. Please try again.",
        )
    }

    /// The error that ended a request body: the layer's verdict (`XAmzContentSHA256Mismatch`,
    /// a checksum or chunk signature) if it is in the source chain, else `IncompleteBody`.
    pub(crate) fn from_body(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut source = Some(error);
        while let Some(e) = source {
            if let Some(body_error) = e.downcast_ref::<BodyError>() {
                return Self::new(
                    body_error.status(),
                    body_error.code(),
                    body_error.to_string(),
                );
            }
            source = e.source();
        }
        Self::new(
            StatusCode::BAD_REQUEST,
            "IncompleteBody",
            format!("The request body could not be read: {error}"),
        )
    }

    /// The response, with S3's `<Error>` document.
    pub(crate) fn into_response_with(self, request_id: &str) -> Response {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
        for (name, text) in [
            ("Code", self.code),
            ("Message", self.message.as_str()),
            ("Resource", self.resource.as_str()),
            ("RequestId", request_id),
        ] {
            xml.push_str(&format!("<{name}>{}</{name}>", escape(text)));
        }
        xml.push_str("</Error>");
        let mut response = (self.status, xml_headers(), xml).into_response();
        if let Some(range) = self
            .content_range
            .and_then(|r| HeaderValue::from_str(&r).ok())
        {
            response.headers_mut().insert("content-range", range);
        }
        response
    }
}

impl From<MalformedXml> for S3Error {
    fn from(error: MalformedXml) -> Self {
        S3Error::malformed_xml(error.0)
    }
}

/// A request the classifier names no operation for: its code, status and reason.
impl From<Unclassified> for S3Error {
    fn from(error: Unclassified) -> Self {
        S3Error::new(error.status(), error.code(), error.to_string())
    }
}

impl From<StorageError> for S3Error {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NoSuchBucket { bucket } => S3Error::no_such_bucket(&bucket),
            StorageError::NoSuchKey { bucket, key } => S3Error::no_such_key(&bucket, &key),
            StorageError::NoSuchUpload { upload_id } => S3Error::no_such_upload(&upload_id),
            StorageError::BucketExists { bucket } => S3Error::new(
                StatusCode::CONFLICT,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            )
            .at(format!("/{bucket}")),
            StorageError::BucketNotEmpty { bucket } => S3Error::new(
                StatusCode::CONFLICT,
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty",
            )
            .at(format!("/{bucket}")),
            StorageError::InvalidKey { message } => S3Error::invalid_argument(message),
            StorageError::InvalidPartOrder => S3Error::new(
                StatusCode::BAD_REQUEST,
                "InvalidPartOrder",
                "The list of parts was not in ascending order. The parts list must be specified in \
                 order by part number.",
            ),
            StorageError::InvalidPart { message } => {
                S3Error::new(StatusCode::BAD_REQUEST, "InvalidPart", message)
            }
            StorageError::EntityTooSmall { message } => {
                S3Error::new(StatusCode::BAD_REQUEST, "EntityTooSmall", message)
            }
            StorageError::EntityTooLarge => S3Error::new(
                StatusCode::BAD_REQUEST,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed object size.",
            ),
            StorageError::InsufficientStorage { message } => {
                S3Error::new(StatusCode::INSUFFICIENT_STORAGE, "InsufficientStorage", message)
            }
            StorageError::PreconditionFailed => S3Error::precondition_failed(),
            StorageError::Body(error) => S3Error::from_body(error.as_ref()),
            StorageError::Internal(error) => S3Error::internal(error),
        }
    }
}
