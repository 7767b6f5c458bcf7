//! The metadata of the objects a listing read, kept while the object's file and its sidecar
//! stay the same files: a listing then asks the file system two questions per key (the
//! files' identities) instead of reading the sidecar each time.
//!
//! A file is the same one while its inode, size and modification time (to the nanosecond)
//! are: a put renames a new body and a new sidecar into place (other inodes), and a file
//! changed by hand changes its time (two changes by hand within one tick of the file
//! system's clock that keep its size are not told apart). Both identities are taken before the sidecar is read,
//! so what is read is never older than what it is kept under: a listing that reads between
//! a put's two renames keeps a mixed pair under an identity that the second rename changes.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::objects::meta_of_object;
use crate::meta::ObjectMeta;

/// The most bytes the cache's entries may hold (by [`weight`]); when full, it starts again
/// empty. The metadata of one object is bounded by what a request can set (headers, ten
/// tags) and by S3's 10,000 parts, which is still much: see [`MAX_WEIGHT`].
const CAPACITY: usize = 32 << 20;

/// The heaviest entry kept: an object with more metadata than this (thousands of parts, or
/// many long headers) is read again by each listing rather than crowding the others out.
const MAX_WEIGHT: usize = 64 << 10;

/// Which file a path named when its metadata was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity {
    device: u64,
    inode: u64,
    size: u64,
    modified_ns: i128,
}

impl FileIdentity {
    fn of(metadata: &std::fs::Metadata) -> FileIdentity {
        FileIdentity {
            device: metadata.dev(),
            inode: metadata.ino(),
            size: metadata.size(),
            modified_ns: i128::from(metadata.mtime()) * 1_000_000_000
                + i128::from(metadata.mtime_nsec()),
        }
    }
}

/// The identities of an object's file and of its sidecar (none for a file put by hand).
type Identities = (FileIdentity, Option<FileIdentity>);

/// Objects' metadata by their file's path, each with the identities it was read for.
#[derive(Default)]
pub(super) struct MetaCache {
    entries: Mutex<Entries>,
}

/// The entries, and the bytes they hold.
#[derive(Default)]
struct Entries {
    by_path: HashMap<PathBuf, (Identities, ObjectMeta)>,
    weight: usize,
}

impl MetaCache {
    /// The metadata of the object whose file is `object` and sidecar `sidecar` (see
    /// [`meta_of_object`]), from the cache while both are the files it was read from;
    /// `NotFound` when there is no such file. Blocking.
    pub(super) fn meta(&self, object: &Path, sidecar: &Path) -> std::io::Result<ObjectMeta> {
        let metadata = std::fs::metadata(object)?;
        if !metadata.is_file() {
            return Err(std::io::ErrorKind::NotFound.into());
        }
        let sidecar_identity = std::fs::metadata(sidecar)
            .ok()
            .map(|m| FileIdentity::of(&m));
        let identity = (FileIdentity::of(&metadata), sidecar_identity);
        if let Some((known, meta)) = self.lock().by_path.get(object) {
            if *known == identity {
                return Ok(meta.clone());
            }
        }
        let meta = meta_of_object(object, sidecar)?;
        let weight = weight(object, &meta);
        if weight <= MAX_WEIGHT {
            let mut entries = self.lock();
            if entries.weight + weight > CAPACITY {
                *entries = Entries::default();
            }
            let old = entries
                .by_path
                .insert(object.to_path_buf(), (identity, meta.clone()));
            entries.weight += weight;
            if let Some((_, old)) = old {
                entries.weight = entries.weight.saturating_sub(self::weight(object, &old));
            }
        }
        Ok(meta)
    }

    /// The entries, whatever a panicking holder left (each entry is whole: it is replaced,
    /// never changed in place).
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MetaCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaCache")
            .field("objects", &self.lock().by_path.len())
            .finish()
    }
}

/// About how many bytes an entry for `meta` at `path` holds.
fn weight(path: &Path, meta: &ObjectMeta) -> usize {
    let pairs = |pairs: &[(String, String)]| {
        pairs
            .iter()
            .map(|(k, v)| std::mem::size_of::<(String, String)>() + k.len() + v.len())
            .sum::<usize>()
    };
    let checksum = |c: &Option<crate::meta::BodyChecksum>| c.as_ref().map_or(0, |c| c.value.len());
    let parts: usize = meta
        .parts
        .iter()
        .map(|p| std::mem::size_of_val(p) + checksum(&p.checksum))
        .sum();
    std::mem::size_of::<(PathBuf, (Identities, ObjectMeta))>()
        + path.as_os_str().len()
        + meta.etag.len()
        + pairs(&meta.headers)
        + pairs(&meta.tags)
        + checksum(&meta.checksum)
        + parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::ObjectPart;

    #[test]
    fn a_plain_object_is_kept_and_read_from_the_cache_while_unchanged() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let object = dir.path().join("object");
        std::fs::write(&object, b"hello").unwrap_or_else(|e| panic!("{e}"));
        let cache = MetaCache::default();
        let sidecar = dir.path().join("none.json");
        let first = cache
            .meta(&object, &sidecar)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cache.lock().by_path.len(), 1);
        assert_eq!(cache.lock().weight, weight(&object, &first));
        let again = cache
            .meta(&object, &sidecar)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again, first);
        assert_eq!(cache.lock().weight, weight(&object, &first));
    }

    #[test]
    fn an_object_of_thousands_of_parts_is_too_heavy_to_keep() {
        let path = Path::new("/data/bucket/key");
        let light = ObjectMeta::new(5, "\"etag\"");
        let parts = (1..=10_000)
            .map(|n| ObjectPart::new(n, 5 << 20, None))
            .collect();
        let heavy = ObjectMeta::new(10_000 * (5 << 20), "\"etag-10000\"").with_parts(parts);
        assert!(weight(path, &light) < 1024);
        assert!(weight(path, &heavy) > MAX_WEIGHT);
    }
}
