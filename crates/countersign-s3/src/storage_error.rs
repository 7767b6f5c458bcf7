//! [`StorageError`]: what a [`Storage`](crate::Storage) answers when it cannot do what it was
//! asked; the frontend turns each into S3's error code and status.

use std::fmt;

/// Any error, boxed: a failed read of a request body, or the cause of an internal error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a storage operation failed. Each variant is an S3 error the frontend answers with
/// (its code in brackets); [`Internal`](Self::Internal) is for everything else.
#[derive(Debug)]
#[non_exhaustive]
pub enum StorageError {
    /// The bucket does not exist (404 `NoSuchBucket`).
    NoSuchBucket {
        /// The bucket.
        bucket: String,
    },
    /// The object does not exist (404 `NoSuchKey`).
    NoSuchKey {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
    },
    /// The multipart upload does not exist, or is for another object (404 `NoSuchUpload`).
    NoSuchUpload {
        /// The upload id asked for.
        upload_id: String,
    },
    /// A bucket of this name exists already (409 `BucketAlreadyOwnedByYou`; the frontend
    /// answers `BucketAlreadyExists` itself when another account owns it).
    BucketExists {
        /// The bucket.
        bucket: String,
    },
    /// The bucket still holds objects (409 `BucketNotEmpty`).
    BucketNotEmpty {
        /// The bucket.
        bucket: String,
    },
    /// A key this storage cannot keep (400 `InvalidArgument`): the message says why, in a
    /// sentence the client is shown.
    InvalidKey {
        /// Why, in a sentence.
        message: String,
    },
    /// The parts of a CompleteMultipartUpload are not in ascending order of their numbers
    /// (400 `InvalidPartOrder`).
    InvalidPartOrder,
    /// A part of a CompleteMultipartUpload was not uploaded, or not with that ETag (400
    /// `InvalidPart`).
    InvalidPart {
        /// Which part, and why.
        message: String,
    },
    /// A part but the last of a completed upload is smaller than 5 MiB (400
    /// `EntityTooSmall`).
    EntityTooSmall {
        /// Which part, and its size.
        message: String,
    },
    /// A body longer than an object or part may be (400 `EntityTooLarge`).
    EntityTooLarge,
    /// The storage has no room left for the body (507 `InsufficientStorage`, HTTP's status
    /// for it: S3 has no such error, as it never fills up).
    InsufficientStorage {
        /// How much room the storage has, in a sentence.
        message: String,
    },
    /// A conditional write's condition did not hold (412 `PreconditionFailed`; see
    /// [`WriteCondition`](crate::WriteCondition)).
    PreconditionFailed,
    /// The request body ended with an error: the layer's verdict on it (a hash, checksum or
    /// chunk signature that does not match), or a broken connection. Nothing is kept.
    Body(BoxError),
    /// Anything else (500 `InternalError`; the cause is logged, not shown to the client).
    Internal(BoxError),
}

impl StorageError {
    /// 404 `NoSuchBucket`.
    pub fn no_such_bucket(bucket: &str) -> Self {
        StorageError::NoSuchBucket {
            bucket: bucket.to_string(),
        }
    }

    /// 404 `NoSuchKey`.
    pub fn no_such_key(bucket: &str, key: &str) -> Self {
        StorageError::NoSuchKey {
            bucket: bucket.to_string(),
            key: key.to_string(),
        }
    }

    /// 404 `NoSuchUpload`.
    pub fn no_such_upload(upload_id: &str) -> Self {
        StorageError::NoSuchUpload {
            upload_id: upload_id.to_string(),
        }
    }

    /// 400 `InvalidArgument`: a key this storage cannot keep, saying why.
    pub fn invalid_key(message: impl Into<String>) -> Self {
        StorageError::InvalidKey {
            message: message.into(),
        }
    }

    /// 500 `InternalError`, for any other failure.
    pub fn internal(error: impl Into<BoxError>) -> Self {
        StorageError::Internal(error.into())
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::NoSuchBucket { bucket } => write!(f, "no bucket {bucket:?}"),
            StorageError::NoSuchKey { bucket, key } => {
                write!(f, "no object {key:?} in the bucket {bucket:?}")
            }
            StorageError::NoSuchUpload { upload_id } => {
                write!(f, "no multipart upload {upload_id:?}")
            }
            StorageError::BucketExists { bucket } => write!(f, "the bucket {bucket:?} exists"),
            StorageError::BucketNotEmpty { bucket } => {
                write!(f, "the bucket {bucket:?} is not empty")
            }
            StorageError::InvalidKey { message }
            | StorageError::InvalidPart { message }
            | StorageError::EntityTooSmall { message } => f.write_str(message),
            StorageError::InvalidPartOrder => {
                f.write_str("the parts are not in ascending order of their numbers")
            }
            StorageError::EntityTooLarge => f.write_str("the body is too large"),
            StorageError::InsufficientStorage { message } => f.write_str(message),
            StorageError::PreconditionFailed => {
                f.write_str("the condition of the write did not hold")
            }
            StorageError::Body(e) => write!(f, "the body could not be read: {e}"),
            StorageError::Internal(e) => write!(f, "internal error: {e}"),
        }
    }
}

impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StorageError::Body(e) | StorageError::Internal(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<std::io::Error> for StorageError {
    fn from(error: std::io::Error) -> Self {
        StorageError::Internal(Box::new(error))
    }
}
