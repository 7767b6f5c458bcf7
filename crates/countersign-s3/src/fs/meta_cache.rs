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

use super::objects::stored_meta;
use crate::meta::ObjectMeta;

/// The most objects remembered; when full, the cache starts again empty.
const CAPACITY: usize = 65_536;

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
    entries: Mutex<HashMap<PathBuf, (Identities, ObjectMeta)>>,
}

impl MetaCache {
    /// The metadata of the object whose file is `object` and sidecar `sidecar` (see
    /// [`stored_meta`]), from the cache while both are the files it was read from.
    /// Blocking.
    pub(super) fn meta(&self, object: &Path, sidecar: &Path) -> std::io::Result<ObjectMeta> {
        let metadata = std::fs::metadata(object)?;
        if !metadata.is_file() {
            return Err(std::io::ErrorKind::NotFound.into());
        }
        let sidecar_identity = std::fs::metadata(sidecar)
            .ok()
            .map(|m| FileIdentity::of(&m));
        let identity = (FileIdentity::of(&metadata), sidecar_identity);
        if let Some((known, meta)) = self.lock().get(object) {
            if *known == identity {
                return Ok(meta.clone());
            }
        }
        let meta = stored_meta(object, sidecar)?;
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(object.to_path_buf(), (identity, meta.clone()));
        Ok(meta)
    }

    /// The entries, whatever a panicking holder left (each entry is whole: it is replaced,
    /// never changed in place).
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, (Identities, ObjectMeta)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MetaCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaCache")
            .field("objects", &self.lock().len())
            .finish()
    }
}
