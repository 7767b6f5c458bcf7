//! [`Completion`]: the parts a CompleteMultipartUpload chooses, checked against those
//! uploaded, and the object they make (its size and ETag).

use md5::{Digest, Md5};

use crate::meta::Part;
use crate::storage_error::StorageError;

/// The smallest part but the last of a multipart upload.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

/// The parts a CompleteMultipartUpload lists, chosen one by one among those uploaded
/// ([`Storage::list_parts`](crate::Storage::list_parts)) in the order listed.
///
/// ```
/// use countersign_s3::{Completion, Part, StorageError};
///
/// let uploaded = vec![Part::new(1, 5 * 1024 * 1024, "\"a\""), Part::new(2, 3, "\"b\"")];
/// let mut completion = Completion::new(uploaded.clone());
/// assert!(completion.choose(2, "b").is_ok());
/// assert!(matches!(completion.choose(1, "a"), Err(StorageError::InvalidPartOrder)));
/// ```
#[derive(Debug)]
pub struct Completion {
    uploaded: Vec<Part>,
    chosen: Vec<Part>,
}

/// The parts of a completed upload, and the size and ETag of the object they make.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Completed {
    /// The parts, in order.
    pub parts: Vec<Part>,
    /// The sum of their sizes.
    pub size: u64,
    /// The MD5 of their MD5s, a dash and their count, quoted.
    pub etag: String,
}

impl Completion {
    /// A completion of an upload whose parts are `uploaded`.
    pub fn new(uploaded: Vec<Part>) -> Self {
        Completion {
            uploaded,
            chosen: Vec::new(),
        }
    }

    /// Chooses part `number` with `etag` (quoted or not): [`StorageError::InvalidPartOrder`]
    /// unless its number is above the last one chosen, [`StorageError::InvalidPart`] unless
    /// it was uploaded with that ETag.
    pub fn choose(&mut self, number: u32, etag: &str) -> Result<&Part, StorageError> {
        if self.chosen.last().is_some_and(|last| last.number >= number) {
            return Err(StorageError::InvalidPartOrder);
        }
        let etag = etag.trim().trim_matches('"');
        let part = self
            .uploaded
            .iter()
            .find(|p| p.number == number && p.etag.trim_matches('"') == etag)
            .ok_or_else(|| StorageError::InvalidPart {
                message: "One or more of the specified parts could not be found. The part may not \
                          have been uploaded, or the specified entity tag may not match the part's \
                          entity tag."
                    .into(),
            })?;
        self.chosen.push(part.clone());
        Ok(part)
    }

    /// The parts chosen, and the object they make: [`StorageError::EntityTooSmall`] when a
    /// part but the last is under [`MIN_PART_SIZE`], [`StorageError::InvalidPart`] when none
    /// was chosen.
    pub fn finish(self) -> Result<Completed, StorageError> {
        let Some((_, all_but_last)) = self.chosen.split_last() else {
            return Err(StorageError::InvalidPart {
                message: "A multipart upload is completed with one part or more.".into(),
            });
        };
        if let Some(small) = all_but_last.iter().find(|p| p.size < MIN_PART_SIZE) {
            return Err(StorageError::EntityTooSmall {
                message: format!(
                    "Your proposed upload is smaller than the minimum allowed object size (part {} \
                     has {} bytes; every part but the last needs 5 MiB).",
                    small.number, small.size
                ),
            });
        }
        let mut md5s = Md5::new();
        for part in &self.chosen {
            let digest = hex::decode(part.etag.trim_matches('"')).map_err(|_| {
                StorageError::internal(format!(
                    "the ETag of part {} is not a hex MD5: {}",
                    part.number, part.etag
                ))
            })?;
            md5s.update(&digest);
        }
        Ok(Completed {
            size: self.chosen.iter().map(|p| p.size).sum(),
            etag: format!("\"{}-{}\"", hex::encode(md5s.finalize()), self.chosen.len()),
            parts: self.chosen,
        })
    }
}
