//! What a storage keeps beside the bytes: an object's metadata, a bucket's, a multipart
//! upload's and its parts'.

use countersign_core::checksum::{Checksum, ChecksumAlgorithm};
use time::OffsetDateTime;

/// An object's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectMeta {
    /// Its size in bytes.
    pub size: u64,
    /// Its entity tag, quoted as sent in `ETag`: the hex MD5 of the bytes, or for a
    /// multipart upload the MD5 of the parts' MD5s and the count of parts (`"…-3"`).
    pub etag: String,
    /// When it was written, to the millisecond.
    pub last_modified: OffsetDateTime,
    /// The headers kept with it, lower-case names: `content-type`, `content-encoding`,
    /// `content-disposition`, `content-language`, `cache-control`, `expires`,
    /// `x-amz-website-redirect-location`, and the user metadata `x-amz-meta-*`.
    pub headers: Vec<(String, String)>,
    /// The checksum of its bytes, when the upload named an algorithm.
    pub checksum: Option<BodyChecksum>,
    /// The parts it was completed from, in order, when it was a multipart upload (none for
    /// an object put whole): what GetObject's `partNumber` reads.
    pub parts: Vec<ObjectPart>,
    /// Its tags (key, value), in the order they were given: at most 10, each key unique.
    pub tags: Vec<(String, String)>,
}

impl ObjectMeta {
    /// The metadata of an object of `size` bytes with this ETag, written now, without
    /// headers or checksum.
    pub fn new(size: u64, etag: impl Into<String>) -> Self {
        ObjectMeta {
            size,
            etag: etag.into(),
            last_modified: now(),
            headers: Vec::new(),
            checksum: None,
            parts: Vec::new(),
            tags: Vec::new(),
        }
    }

    /// The same metadata with these tags.
    pub fn with_tags(mut self, tags: Vec<(String, String)>) -> Self {
        self.tags = tags;
        self
    }

    /// The same metadata with these parts.
    pub fn with_parts(mut self, parts: Vec<ObjectPart>) -> Self {
        self.parts = parts;
        self
    }

    /// The same metadata with these headers.
    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.headers = headers;
        self
    }

    /// The same metadata with this checksum.
    pub fn with_checksum(mut self, checksum: Option<BodyChecksum>) -> Self {
        self.checksum = checksum;
        self
    }

    /// A kept header's value (a lower-case name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `Content-Type`, if one was given.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The user metadata: the `x-amz-meta-*` headers, by the name after the prefix.
    pub fn user_metadata(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .filter_map(|(name, value)| Some((name.strip_prefix("x-amz-meta-")?, value.as_str())))
    }
}

/// One part of an object completed from a multipart upload: its number (as it was
/// uploaded), its size, and its checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectPart {
    /// Its number, as it was uploaded.
    pub number: u32,
    /// Its size in bytes.
    pub size: u64,
    /// Its checksum, if it has one.
    pub checksum: Option<BodyChecksum>,
}

impl ObjectPart {
    /// Part `number` of `size` bytes, with `checksum`.
    pub fn new(number: u32, size: u64, checksum: Option<BodyChecksum>) -> Self {
        ObjectPart {
            number,
            size,
            checksum,
        }
    }
}

impl From<&Part> for ObjectPart {
    fn from(part: &Part) -> Self {
        ObjectPart::new(part.number, part.size, part.checksum.clone())
    }
}

/// A checksum of an object's or part's bytes: the algorithm, and the digest in base64 (as
/// the `x-amz-checksum-*` headers and S3's `Checksum*` elements carry it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BodyChecksum {
    /// The algorithm.
    pub algorithm: ChecksumAlgorithm,
    /// The digest, in base64.
    pub value: String,
}

impl BodyChecksum {
    /// A checksum of `algorithm` whose digest is `value` (base64).
    pub fn new(algorithm: ChecksumAlgorithm, value: impl Into<String>) -> Self {
        BodyChecksum {
            algorithm,
            value: value.into(),
        }
    }

    /// The result of a checksum fed every byte.
    pub(crate) fn of(checksum: Checksum) -> Self {
        BodyChecksum {
            algorithm: checksum.algorithm(),
            value: checksum.finalize_base64(),
        }
    }
}

/// A bucket, as ListBuckets shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BucketInfo {
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created: OffsetDateTime,
}

impl BucketInfo {
    /// A bucket created at `created`.
    pub fn new(name: impl Into<String>, created: OffsetDateTime) -> Self {
        BucketInfo {
            name: name.into(),
            created,
        }
    }
}

/// What CreateMultipartUpload gives an upload: the headers its object will have, the
/// checksum algorithm of its parts, and when it began.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadDetails {
    /// When the upload began.
    pub initiated: OffsetDateTime,
    /// The headers the completed object keeps (as [`ObjectMeta::headers`]).
    pub headers: Vec<(String, String)>,
    /// `x-amz-checksum-algorithm`: every part gets a checksum of this algorithm.
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    /// `x-amz-checksum-type: FULL_OBJECT`: the completed object's checksum is a CRC of its
    /// bytes rather than a checksum of its parts' (a CRC-64/NVME upload's always is).
    pub full_object_checksum: bool,
    /// `x-amz-tagging`: the tags the completed object gets.
    pub tags: Vec<(String, String)>,
}

impl UploadDetails {
    /// An upload that begins now, of an object with these headers.
    pub fn new(headers: Vec<(String, String)>) -> Self {
        UploadDetails {
            initiated: now(),
            headers,
            checksum_algorithm: None,
            full_object_checksum: false,
            tags: Vec::new(),
        }
    }

    /// The same details, asking for a checksum of the whole object's bytes or not.
    pub fn with_full_object_checksum(mut self, full_object: bool) -> Self {
        self.full_object_checksum = full_object;
        self
    }

    /// The same details, with the tags of the completed object.
    pub fn with_tags(mut self, tags: Vec<(String, String)>) -> Self {
        self.tags = tags;
        self
    }

    /// The same details, with a checksum algorithm for the parts.
    pub fn with_checksum_algorithm(mut self, algorithm: Option<ChecksumAlgorithm>) -> Self {
        self.checksum_algorithm = algorithm;
        self
    }
}

/// A multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Upload {
    /// Its id, chosen by the storage.
    pub id: String,
    /// The bucket of its object.
    pub bucket: String,
    /// The key of its object.
    pub key: String,
    /// When it began.
    pub initiated: OffsetDateTime,
    /// The headers the completed object keeps.
    pub headers: Vec<(String, String)>,
    /// CreateMultipartUpload's `x-amz-checksum-algorithm`: every part gets this checksum.
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    /// CreateMultipartUpload's `x-amz-checksum-type: FULL_OBJECT` (see
    /// [`UploadDetails::full_object_checksum`]).
    pub full_object_checksum: bool,
    /// CreateMultipartUpload's `x-amz-tagging`: the tags the completed object gets.
    pub tags: Vec<(String, String)>,
}

impl Upload {
    /// The upload `id` of `bucket/key`, begun with `details`.
    pub fn new(id: impl Into<String>, bucket: &str, key: &str, details: UploadDetails) -> Self {
        Upload {
            id: id.into(),
            bucket: bucket.to_string(),
            key: key.to_string(),
            initiated: details.initiated,
            headers: details.headers,
            checksum_algorithm: details.checksum_algorithm,
            full_object_checksum: details.full_object_checksum,
            tags: details.tags,
        }
    }
}

/// One uploaded part.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Part {
    /// Its number, 1 to 10,000.
    pub number: u32,
    /// Its entity tag, quoted: the hex MD5 of its bytes.
    pub etag: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was uploaded.
    pub last_modified: OffsetDateTime,
    /// The checksum computed over its bytes as they were stored, if it has one.
    pub checksum: Option<BodyChecksum>,
}

impl Part {
    /// Part `number` of `size` bytes with this ETag, uploaded now, without a checksum.
    pub fn new(number: u32, size: u64, etag: impl Into<String>) -> Self {
        Part {
            number,
            etag: etag.into(),
            size,
            last_modified: now(),
            checksum: None,
        }
    }

    /// The same part with this checksum.
    pub fn with_checksum(mut self, checksum: Option<BodyChecksum>) -> Self {
        self.checksum = checksum;
        self
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// The time `ms` milliseconds after the Unix epoch.
pub(crate) fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Now, to the millisecond (what a storage keeps).
pub(crate) fn now() -> OffsetDateTime {
    from_millis(millis(OffsetDateTime::now_utc()))
}
