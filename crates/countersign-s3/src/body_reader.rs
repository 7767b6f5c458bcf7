//! [`BodyReader`]: the bytes of an upload as a storage reads them, counted and hashed on the
//! way (MD5 for the ETag, and the checksum the request names).

use axum::body::Body;
use bytes::Bytes;
use countersign_core::checksum::{Checksum, ChecksumAlgorithm};
use http_body_util::BodyExt;
use md5::{Digest, Md5};

use crate::byte_stream::ByteStream;
use crate::meta::BodyChecksum;
use crate::storage_error::StorageError;

/// The largest object a single PUT may carry, and the largest part (S3's limit).
pub(crate) const MAX_BODY_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// The bytes of an upload (a PutObject's or UploadPart's body, already verified by the layer
/// as it streams, or the bytes a copy reads), handed to
/// [`Storage::stage`](crate::Storage::stage). Read it to its end with
/// [`chunk`](Self::chunk): the body's verdict (a hash, checksum or chunk signature that does
/// not match) comes as the error of its last read, and a storage must then keep nothing.
#[derive(Debug)]
pub struct BodyReader {
    body: Body,
    md5: Md5,
    checksum: Option<Checksum>,
    size: u64,
    limit: u64,
    finished: bool,
}

/// What a [`BodyReader`] counted: the size, the MD5 and the checksum of the bytes read.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) size: u64,
    pub(crate) md5: [u8; 16],
    pub(crate) checksum: Option<BodyChecksum>,
}

impl Received {
    /// The quoted hex MD5.
    pub(crate) fn etag(&self) -> String {
        format!("\"{}\"", hex::encode(self.md5))
    }
}

impl BodyReader {
    /// The bytes of a request body.
    pub(crate) fn new(body: Body) -> Self {
        BodyReader {
            body,
            md5: Md5::new(),
            checksum: None,
            size: 0,
            limit: MAX_BODY_SIZE,
            finished: false,
        }
    }

    /// These bytes, as one chunk (for tests, and storages that copy).
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self::new(Body::from(bytes.into()))
    }

    /// The bytes of a stream.
    pub fn from_stream(stream: ByteStream) -> Self {
        Self::new(Body::from_stream(stream))
    }

    /// The same reader, computing `algorithm`'s checksum of the bytes as they come (the
    /// layer checks a checksum header or trailer, but does not hand a trailer's value on).
    pub(crate) fn with_checksum(mut self, algorithm: Option<ChecksumAlgorithm>) -> Self {
        self.checksum = algorithm.map(ChecksumAlgorithm::hasher);
        self
    }

    /// The next bytes; `Ok(None)` at the end. An error ends the body: the layer's verdict
    /// on it ([`StorageError::Body`]), or [`StorageError::EntityTooLarge`] past 5 GiB.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, StorageError> {
        loop {
            let Some(frame) = self.body.frame().await else {
                self.finished = true;
                return Ok(None);
            };
            let frame = frame.map_err(|e| StorageError::Body(Box::new(e)))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            self.size += data.len() as u64;
            if self.size > self.limit {
                return Err(StorageError::EntityTooLarge);
            }
            self.md5.update(&data);
            if let Some(checksum) = self.checksum.as_mut() {
                checksum.update(&data);
            }
            return Ok(Some(data));
        }
    }

    /// The bytes read so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// What was read: an internal error if the storage stopped before the end.
    pub(crate) fn finish(self) -> Result<Received, StorageError> {
        if !self.finished {
            return Err(StorageError::internal(
                "the storage did not read the body to its end",
            ));
        }
        Ok(Received {
            size: self.size,
            md5: self.md5.finalize().into(),
            checksum: self.checksum.map(BodyChecksum::of),
        })
    }
}
