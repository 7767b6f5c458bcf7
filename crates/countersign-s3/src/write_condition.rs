//! [`WriteCondition`]: what must hold of the object in place for a write to replace it (S3's
//! conditional writes, `If-None-Match: *` and `If-Match` on PutObject and
//! CompleteMultipartUpload).

use crate::meta::ObjectMeta;
use crate::storage_error::StorageError;

/// What must hold of the object under a key for a write ([`Storage::put_object`],
/// [`Storage::complete_upload`]) to replace it. A storage checks it and writes in one step,
/// under the key's lock (or its equivalent), so that of two writes under `IfAbsent` exactly
/// one wins.
///
/// ```
/// use countersign_s3::{ObjectMeta, StorageError, WriteCondition};
///
/// let in_place = ObjectMeta::new(5, "\"5d41402abc4b2a76b9719d911017c592\"");
/// assert!(WriteCondition::None.check("b", "k", Some(&in_place)).is_ok());
/// assert!(matches!(
///     WriteCondition::IfAbsent.check("b", "k", Some(&in_place)),
///     Err(StorageError::PreconditionFailed)
/// ));
/// let same = WriteCondition::IfMatch("5d41402abc4b2a76b9719d911017c592".into());
/// assert!(same.check("b", "k", Some(&in_place)).is_ok());
/// assert!(matches!(same.check("b", "k", None), Err(StorageError::NoSuchKey { .. })));
/// ```
///
/// [`Storage::put_object`]: crate::Storage::put_object
/// [`Storage::complete_upload`]: crate::Storage::complete_upload
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteCondition {
    /// Whatever is there.
    #[default]
    None,
    /// `If-None-Match: *`: only where there is no object
    /// ([`StorageError::PreconditionFailed`] otherwise).
    IfAbsent,
    /// `If-Match`: only over an object with this ETag (quoted or not; `*` for any object):
    /// [`StorageError::PreconditionFailed`] over another, [`StorageError::NoSuchKey`] where
    /// there is none.
    IfMatch(String),
}

impl WriteCondition {
    /// Whether the condition holds with `existing` in place (`None`: no object under
    /// `bucket/key`).
    pub fn check(
        &self,
        bucket: &str,
        key: &str,
        existing: Option<&ObjectMeta>,
    ) -> Result<(), StorageError> {
        match (self, existing) {
            (WriteCondition::None, _) | (WriteCondition::IfAbsent, None) => Ok(()),
            (WriteCondition::IfAbsent, Some(_)) => Err(StorageError::PreconditionFailed),
            (WriteCondition::IfMatch(_), None) => Err(StorageError::no_such_key(bucket, key)),
            (WriteCondition::IfMatch(etags), Some(meta)) => match etag_listed(etags, &meta.etag) {
                true => Ok(()),
                false => Err(StorageError::PreconditionFailed),
            },
        }
    }

    /// Whether there is a condition to check.
    pub fn is_none(&self) -> bool {
        *self == WriteCondition::None
    }
}

/// Whether `list` (an `If-Match` or `If-None-Match` value: ETags, quoted or not, separated
/// by commas, or `*`) names `etag`.
pub(crate) fn etag_listed(list: &str, etag: &str) -> bool {
    let etag = etag.trim_matches('"');
    list.split(',').map(str::trim).any(|listed| {
        let listed = listed.strip_prefix("W/").unwrap_or(listed);
        listed == "*" || listed.trim_matches('"') == etag
    })
}
