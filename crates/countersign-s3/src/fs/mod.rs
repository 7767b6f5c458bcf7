//! [`FsStorage`]: the buckets in a directory of the local file system.
//!
//! ```text
//! DATA/
//!   BUCKET/a/b/c.txt                       the object `a/b/c.txt`, as its plain bytes
//!   .countersign/meta/BUCKET/SHA256.json   its metadata (ETag, size, headers, checksum, parts, tags), named by the key's hash
//!   .countersign/meta/BUCKET/ID.tmp        a sidecar being written (renamed within its directory)
//!   .countersign/buckets/BUCKET.json       the bucket's owner and configuration (its policy, its CORS rules)
//!   .countersign/tmp/…                     bodies being received (renamed into place when complete; a
//!                                          body of up to 64 KiB is held in memory until then)
//!   .countersign/uploads/ID/…              multipart uploads: upload.json, N.part, N.json
//! ```
//!
//! A body is written to a temporary file, and renamed into place only once it was read to
//! its end without error (the layer's verdict on it comes at the end). A sidecar is written
//! beside its final name, so that its rename stays within one directory: renames across
//! directories take one lock of the whole file system, and concurrent puts waited on it. A key is a
//! `/`-separated path of non-empty segments other than `.` and `..`, so that it can never
//! leave its bucket; one key cannot be both an object and the directory of another (`a` and
//! `a/b`): the second is refused with `InvalidArgument`. Bucket names follow S3's rules, so
//! none starts with a dot.
//!
//! An object and its sidecar change together under the object's lock (one of a fixed set,
//! chosen by a hash of the bucket and key): writes of different keys go on side by side,
//! two writes of one key take turns, and a conditional write checks what is in place and
//! renames under that lock. Only a bucket's creation or deletion waits for all of them.
//!
//! A listing keeps the metadata it read of each object while the object's file and its
//! sidecar stay the same files (their inode, size and time), so that listing a bucket again
//! asks the file system for two files' identities per key, not for their contents.

mod buckets;
mod file_stream;
mod listing;
mod locks;
mod meta_cache;
mod objects;
mod records;
mod storage_impl;
mod uploads;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::RwLock;

pub use file_stream::FileReader;

use self::locks::Stripes;

use crate::storage_error::StorageError;

/// The hidden directory of the server's own files, in the data directory.
const SYSTEM_DIR: &str = ".countersign";

/// The buckets, as directories of a data directory on the local file system: an object is a
/// file at its key's path in its bucket's directory, its metadata a JSON sidecar in
/// `.countersign/meta`. Bodies are written to a temporary file and renamed into place only
/// once verified (and flushed to the disk first, unless [`FsStorage::sync_writes`] is off),
/// keys never leave the data directory, and writes of different keys go on side by side.
///
/// ```
/// use countersign_s3::{FsStorage, Storage};
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let storage = FsStorage::open(dir.path())?;
/// storage.create_bucket("photos", Some("111122223333")).await?;
/// assert!(dir.path().join("photos").is_dir());
/// assert!(storage.check_key("a/../../etc/passwd").is_err());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct FsStorage {
    root: PathBuf,
    /// The data directory's lock: held for writing while a bucket is created or deleted, or
    /// its record changes; for reading by everything else (see the `locks` module).
    lock: RwLock<()>,
    /// The objects' locks, by bucket and key: held for writing while an object and its
    /// sidecar change together, for reading while they are read together.
    objects: Stripes,
    /// The uploads' locks, by upload id: held for writing while a part is kept, the parts
    /// are joined or the upload is aborted.
    uploads: Stripes,
    counter: AtomicU64,
    /// The metadata listings read, while the files are the same.
    listed: Arc<meta_cache::MetaCache>,
    /// Whether written data is flushed to the disk before it is renamed into place.
    sync: bool,
}

impl FsStorage {
    /// Opens (creating if needed) the data directory, and removes temporary files left over.
    pub fn open(root: &Path) -> std::io::Result<FsStorage> {
        std::fs::create_dir_all(root)?;
        let storage = FsStorage {
            root: root.to_path_buf(),
            lock: RwLock::new(()),
            objects: Stripes::new(),
            uploads: Stripes::new(),
            counter: AtomicU64::new(0),
            listed: Arc::default(),
            sync: true,
        };
        let _ = std::fs::remove_dir_all(storage.tmp_dir());
        storage.remove_unfinished_sidecars();
        for dir in [
            storage.tmp_dir(),
            storage.system().join("meta"),
            storage.buckets_dir(),
            storage.uploads_dir(),
        ] {
            std::fs::create_dir_all(dir)?;
        }
        Ok(storage)
    }

    /// Removes the sidecars left half-written (`ID.tmp` beside the `SHA256.json` ones) by a
    /// process that stopped while writing them.
    fn remove_unfinished_sidecars(&self) {
        let Ok(buckets) = std::fs::read_dir(self.system().join("meta")) else {
            return;
        };
        for bucket in buckets.flatten() {
            let Ok(files) = std::fs::read_dir(bucket.path()) else {
                continue;
            };
            for file in files.flatten() {
                if file.file_name().as_encoded_bytes().ends_with(b".tmp") {
                    let _ = std::fs::remove_file(file.path());
                }
            }
        }
    }

    /// Whether an object's bytes (and a bucket's record) are flushed to the disk
    /// (`fdatasync`) before they are renamed into place and the request answered: on by
    /// default, so that an acknowledged write survives a crash of the machine. Off, a write
    /// is answered once the operating system has it, which is several times faster for
    /// small objects (and is what test servers and scratch data want).
    ///
    /// ```
    /// use countersign_s3::FsStorage;
    /// # fn main() -> std::io::Result<()> {
    /// let dir = tempfile::tempdir()?;
    /// let scratch = FsStorage::open(dir.path())?.sync_writes(false);
    /// assert!(!scratch.syncs_writes());
    /// # Ok(()) }
    /// ```
    pub fn sync_writes(mut self, on: bool) -> Self {
        self.sync = on;
        self
    }

    /// Whether writes are flushed to the disk before they are answered
    /// ([`FsStorage::sync_writes`]).
    pub fn syncs_writes(&self) -> bool {
        self.sync
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn system(&self) -> PathBuf {
        self.root.join(SYSTEM_DIR)
    }

    fn tmp_dir(&self) -> PathBuf {
        self.system().join("tmp")
    }

    fn buckets_dir(&self) -> PathBuf {
        self.system().join("buckets")
    }

    fn uploads_dir(&self) -> PathBuf {
        self.system().join("uploads")
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join(bucket)
    }

    fn meta_dir(&self, bucket: &str) -> PathBuf {
        self.system().join("meta").join(bucket)
    }

    fn meta_path(&self, bucket: &str, key: &str) -> PathBuf {
        self.meta_dir(bucket).join(format!(
            "{}.json",
            countersign_core::sha256_hex(key.as_bytes())
        ))
    }

    /// The object's file; the key must have been checked ([`key_rules`]).
    fn object_path(&self, bucket: &str, key: &str) -> PathBuf {
        let mut path = self.bucket_dir(bucket);
        path.extend(key.split('/'));
        path
    }

    /// A fresh unique name (upload ids, temporary files): 32 hex digits.
    fn unique(&self) -> String {
        let seed = format!(
            "{:?}/{}/{}/{:p}",
            std::time::SystemTime::now(),
            std::process::id(),
            self.counter.fetch_add(1, Ordering::Relaxed),
            self
        );
        countersign_core::sha256_hex(seed.as_bytes())[..32].to_string()
    }

    fn temp_file(&self) -> TempFile {
        TempFile {
            path: self.tmp_dir().join(self.unique()),
            held: None,
            committed: false,
        }
    }

    /// A temporary file in `dir` (named so that no file the storage reads there can be it).
    fn temp_file_in(&self, dir: &Path) -> TempFile {
        TempFile {
            path: dir.join(format!("{}.tmp", self.unique())),
            held: None,
            committed: false,
        }
    }
}

/// A file in the temporary directory, removed when dropped unless it was renamed into place:
/// the [`Storage::Staged`](crate::Storage::Staged) of [`FsStorage`]. A small body is held in
/// memory instead, and written by the trip to a blocking thread that puts it in place.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    /// A body of at most [`HELD_BODY`] bytes, not written to `path` yet.
    held: Option<Vec<Bytes>>,
    committed: bool,
}

/// The most bytes of a body held in memory until it is put in place (one trip to a blocking
/// thread for a small object instead of two); a longer body is written as it comes.
const HELD_BODY: usize = 64 * 1024;

impl TempFile {
    /// Writes the body held in memory, if any, to the file (flushed to the disk with
    /// `sync`). Blocking.
    fn write_held(held: Option<Vec<Bytes>>, path: &Path, sync: bool) -> std::io::Result<()> {
        let Some(pieces) = held else {
            return Ok(());
        };
        let mut file = std::fs::File::create(path)?;
        for piece in &pieces {
            file.write_all(piece)?;
        }
        if sync {
            file.sync_data()?;
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed && self.held.is_none() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Checks that a key maps to a path inside its bucket: non-empty segments other than `.`
/// and `..`, each at most 255 bytes, without NUL.
fn key_rules(key: &str) -> Result<(), StorageError> {
    for segment in key.split('/') {
        let why = match segment {
            "" => Some("an empty path segment (a leading, trailing or doubled '/')"),
            "." | ".." => Some("a '.' or '..' path segment"),
            s if s.contains('\0') => Some("a NUL character"),
            s if s.len() > 255 => Some("a path segment longer than 255 bytes"),
            _ => None,
        };
        if let Some(why) = why {
            return Err(StorageError::invalid_key(format!(
                "This server stores objects as files and cannot store a key with {why}."
            )));
        }
    }
    Ok(())
}

/// Whether `name` may be a bucket's directory: what S3 allows in a bucket name (so never a
/// dot first, never `.countersign`).
fn is_bucket_name(name: &str) -> bool {
    crate::names::validate_bucket(name).is_ok()
}

fn internal(e: impl std::fmt::Display) -> StorageError {
    StorageError::internal(e.to_string())
}

fn conflict(key: &str) -> StorageError {
    StorageError::invalid_key(format!(
        "This server stores objects as files: the key {key:?} and another key that it or its \
         directory is a prefix of cannot both exist (`a` and `a/b`)."
    ))
}
