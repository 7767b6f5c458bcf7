//! The objects of an [`FsStorage`]: a file each, and its sidecar of metadata.

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use md5::{Digest, Md5};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{conflict, internal, FsStorage, TempFile, HELD_BODY};
use crate::body_reader::BodyReader;
use crate::meta::{from_millis, millis, BodyChecksum, ObjectMeta, ObjectPart};
use crate::storage_error::StorageError;
use crate::write_condition::WriteCondition;

/// The most pieces of a body read ahead of the file's writer.
const WRITE_QUEUE: usize = 16;

impl FsStorage {
    /// Reads a body to its end: held in memory when it has at most [`HELD_BODY`] bytes,
    /// else into a temporary file. A body that ends with an error (the layer's hash or
    /// checksum verdict, or a broken connection) leaves nothing behind.
    ///
    /// A longer body's file is written by one blocking task that the body's pieces are
    /// handed to as they come (not copied, and not one trip to a blocking thread per piece),
    /// and flushed to the disk at the end when [`FsStorage::sync_writes`] is on.
    pub(super) async fn receive(&self, body: &mut BodyReader) -> Result<TempFile, StorageError> {
        let mut temp = self.temp_file();
        let mut held = Vec::new();
        let mut size = 0;
        loop {
            match body.chunk().await? {
                None => {
                    temp.held = Some(held);
                    return Ok(temp);
                }
                Some(data) => {
                    size += data.len();
                    held.push(data);
                    if size > HELD_BODY {
                        break;
                    }
                }
            }
        }
        let (pieces, mut received) = tokio::sync::mpsc::channel::<Bytes>(WRITE_QUEUE);
        let (path, sync) = (temp.path.clone(), self.sync);
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&path)?;
            while let Some(piece) = received.blocking_recv() {
                file.write_all(&piece)?;
            }
            if sync {
                file.sync_data()?;
            }
            Ok(())
        });
        let read = async {
            // The pieces already held first, then the rest as it comes.
            let mut held = held.into_iter();
            loop {
                let data = match held.next() {
                    Some(data) => data,
                    None => match body.chunk().await? {
                        Some(data) => data,
                        None => break,
                    },
                };
                if pieces.send(data).await.is_err() {
                    // The writer stopped: its error says why.
                    break;
                }
            }
            Ok::<(), StorageError>(())
        }
        .await;
        drop(pieces);
        // Waited for even when the body failed, so that the file is not written after the
        // temporary file's guard removed it.
        let written = writer.await.map_err(internal)?;
        read?;
        written.map_err(internal)?;
        Ok(temp)
    }

    /// Renames a received body into place and writes its sidecar, if `condition` holds of
    /// the object in place: checked and written under the object's lock.
    pub(super) async fn commit_file(
        &self,
        bucket: &str,
        key: &str,
        temp: &mut TempFile,
        meta: &ObjectMeta,
        condition: &WriteCondition,
    ) -> Result<(), StorageError> {
        let _directory = self.lock.read().await;
        let _object = self.objects.of(&[bucket, key]).write().await;
        self.check_locked(bucket, key, condition).await?;
        self.commit_locked(bucket, key, temp, meta).await
    }

    /// Whether `condition` holds of the object in place, for a caller that holds the data
    /// directory's lock for reading and the object's for writing.
    pub(super) async fn check_locked(
        &self,
        bucket: &str,
        key: &str,
        condition: &WriteCondition,
    ) -> Result<(), StorageError> {
        if condition.is_none() {
            return Ok(());
        }
        let existing = match self.read_meta(bucket, key).await {
            Ok(meta) => Some(meta),
            Err(StorageError::NoSuchKey { .. }) => None,
            Err(e) => return Err(e),
        };
        condition.check(bucket, key, existing.as_ref())
    }

    /// Renames a received body into place and writes its sidecar, for a caller that holds
    /// the data directory's lock for reading and the object's for writing. The steps run in
    /// one trip to a blocking thread.
    pub(super) async fn commit_locked(
        &self,
        bucket: &str,
        key: &str,
        temp: &mut TempFile,
        meta: &ObjectMeta,
    ) -> Result<(), StorageError> {
        let document = serde_json::to_vec(&meta_to_json(meta, key)).map_err(internal)?;
        // Beside the sidecar, so that its rename stays in one directory (a rename across
        // directories takes the file system's one lock for such renames).
        let mut sidecar_temp = self.temp_file_in(&self.meta_dir(bucket));
        let commit = Commit {
            bucket: bucket.to_string(),
            key: key.to_string(),
            bucket_dir: self.bucket_dir(bucket),
            body: temp.path.clone(),
            held: temp.held.take(),
            sync: self.sync,
            target: self.object_path(bucket, key),
            sidecar_temp: sidecar_temp.path.clone(),
            meta_dir: self.meta_dir(bucket),
            sidecar: self.meta_path(bucket, key),
        };
        let (renamed, result) = tokio::task::spawn_blocking(move || commit.run(&document))
            .await
            .map_err(internal)?;
        temp.committed = renamed;
        sidecar_temp.committed = result.is_ok();
        result
    }

    /// A temporary file holding the sidecar of `meta`.
    async fn sidecar_file(
        &self,
        bucket: &str,
        key: &str,
        meta: &ObjectMeta,
    ) -> Result<TempFile, StorageError> {
        let sidecar = self.temp_file();
        let document = serde_json::to_vec(&meta_to_json(meta, key)).map_err(internal)?;
        tokio::fs::write(&sidecar.path, document)
            .await
            .map_err(internal)?;
        tokio::fs::create_dir_all(self.meta_dir(bucket))
            .await
            .map_err(internal)?;
        Ok(sidecar)
    }

    /// Renames a sidecar written by [`sidecar_file`](Self::sidecar_file) into place.
    async fn sidecar_into_place(
        &self,
        bucket: &str,
        key: &str,
        sidecar: &mut TempFile,
    ) -> Result<(), StorageError> {
        tokio::fs::rename(&sidecar.path, self.meta_path(bucket, key))
            .await
            .map_err(internal)?;
        sidecar.committed = true;
        Ok(())
    }

    /// Replaces an object's tags in its sidecar, under the object's lock.
    pub(super) async fn retag(
        &self,
        bucket: &str,
        key: &str,
        tags: Vec<(String, String)>,
    ) -> Result<(), StorageError> {
        let _directory = self.lock.read().await;
        let _object = self.objects.of(&[bucket, key]).write().await;
        let meta = self.read_meta(bucket, key).await?.with_tags(tags);
        let mut sidecar = self.sidecar_file(bucket, key, &meta).await?;
        self.sidecar_into_place(bucket, key, &mut sidecar).await
    }

    /// The sidecar (made from the file itself for a file put there by hand).
    pub(super) async fn read_meta(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<ObjectMeta, StorageError> {
        let (object, sidecar) = (self.object_path(bucket, key), self.meta_path(bucket, key));
        let meta = tokio::task::spawn_blocking(move || stored_meta(&object, &sidecar))
            .await
            .map_err(internal)?;
        match meta {
            Ok(meta) => Ok(meta),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                self.bucket_exists(bucket).await?;
                Err(StorageError::no_such_key(bucket, key))
            }
            Err(e) => Err(internal(e)),
        }
    }

    /// Opens an object for reading, with its metadata.
    pub(super) async fn open_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(tokio::fs::File, ObjectMeta), StorageError> {
        let _directory = self.lock.read().await;
        let _object = self.objects.of(&[bucket, key]).read().await;
        let meta = self.read_meta(bucket, key).await?;
        let file = tokio::fs::File::open(self.object_path(bucket, key))
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound => StorageError::no_such_key(bucket, key),
                _ => internal(e),
            })?;
        Ok((file, meta))
    }

    pub(super) async fn object_meta(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<ObjectMeta, StorageError> {
        let _directory = self.lock.read().await;
        let _object = self.objects.of(&[bucket, key]).read().await;
        self.read_meta(bucket, key).await
    }

    /// Deletes an object (a missing one is not an error, as in S3), and the directories it
    /// leaves empty.
    pub(super) async fn remove_object(&self, bucket: &str, key: &str) -> Result<(), StorageError> {
        let _directory = self.lock.read().await;
        let _object = self.objects.of(&[bucket, key]).write().await;
        self.bucket_exists(bucket).await?;
        let path = self.object_path(bucket, key);
        match tokio::fs::symlink_metadata(&path).await {
            Ok(m) if m.is_dir() => return Ok(()),
            Err(_) => return Ok(()),
            Ok(_) => {}
        }
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(internal(e)),
        }
        let _ = tokio::fs::remove_file(self.meta_path(bucket, key)).await;
        let bucket_dir = self.bucket_dir(bucket);
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != bucket_dir && d.starts_with(&bucket_dir)) {
            if tokio::fs::remove_dir(d).await.is_err() {
                break;
            }
            dir = d.parent();
        }
        Ok(())
    }
}

/// The sidecar's document.
fn meta_to_json(meta: &ObjectMeta, key: &str) -> Value {
    let mut document = json!({
        "key": key,
        "size": meta.size,
        "etag": meta.etag,
        "last_modified_ms": millis(meta.last_modified),
        "headers": meta.headers,
    });
    if let Some(checksum) = &meta.checksum {
        document["checksum_algorithm"] = json!(checksum.algorithm.to_string());
        document["checksum"] = json!(checksum.value);
    }
    if !meta.tags.is_empty() {
        document["tags"] = json!(meta.tags);
    }
    if !meta.parts.is_empty() {
        let parts: Vec<Value> = meta
            .parts
            .iter()
            .map(|part| {
                let mut entry = json!({"number": part.number, "size": part.size});
                if let Some(checksum) = &part.checksum {
                    entry["checksum_algorithm"] = json!(checksum.algorithm.to_string());
                    entry["checksum"] = json!(checksum.value);
                }
                entry
            })
            .collect();
        document["parts"] = Value::Array(parts);
    }
    document
}

/// The parts of a sidecar: `None` when one is not whole (the sidecar is then not trusted).
fn parts_from_json(v: &Value) -> Option<Vec<ObjectPart>> {
    let Some(parts) = v.as_array() else {
        return v.is_null().then(Vec::new);
    };
    parts
        .iter()
        .map(|part| {
            let number = u32::try_from(part["number"].as_u64()?).ok()?;
            Some(ObjectPart::new(
                number,
                part["size"].as_u64()?,
                checksum_from_json(part),
            ))
        })
        .collect()
}

fn meta_from_json(v: &Value) -> Option<ObjectMeta> {
    let mut meta = ObjectMeta::new(v["size"].as_u64()?, v["etag"].as_str()?)
        .with_headers(headers_from_json(&v["headers"]))
        .with_checksum(checksum_from_json(v))
        .with_parts(parts_from_json(&v["parts"])?)
        .with_tags(headers_from_json(&v["tags"]));
    meta.last_modified = from_millis(v["last_modified_ms"].as_i64()?);
    Some(meta)
}

/// A list of `[name, value]` pairs (headers, tags).
pub(super) fn headers_from_json(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|pairs| {
            pairs
                .iter()
                .filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// A stored checksum: its algorithm's name and its value, both present.
pub(super) fn checksum_from_json(v: &Value) -> Option<BodyChecksum> {
    let algorithm = crate::checksums::algorithm_named(v["checksum_algorithm"].as_str()?)?;
    Some(BodyChecksum::new(algorithm, v["checksum"].as_str()?))
}

/// The files of an object's commit.
struct Commit {
    bucket: String,
    key: String,
    bucket_dir: PathBuf,
    /// The received body, in the temporary directory.
    body: PathBuf,
    /// The body, when it was held in memory: written to `body` first.
    held: Option<Vec<Bytes>>,
    /// Whether that write is flushed to the disk.
    sync: bool,
    /// The object's file.
    target: PathBuf,
    /// Where the sidecar is written first, in the temporary directory.
    sidecar_temp: PathBuf,
    meta_dir: PathBuf,
    sidecar: PathBuf,
}

impl Commit {
    /// Writes the sidecar beside the body, then renames both into place: whether the body
    /// was renamed, and how it went. The renames are tried first, and the directories they
    /// need looked at only when one fails: most puts go to directories that exist.
    fn run(mut self, document: &[u8]) -> (bool, Result<(), StorageError>) {
        // Not renamed: the temporary file's guard removes what was written.
        if let Err(e) = TempFile::write_held(self.held.take(), &self.body, self.sync) {
            return (false, Err(internal(e)));
        }
        let written = match std::fs::write(&self.sidecar_temp, document) {
            Err(e) if e.kind() == ErrorKind::NotFound && !self.bucket_dir.is_dir() => {
                return (false, Err(StorageError::no_such_bucket(&self.bucket)));
            }
            // The bucket's first object: its metadata directory is made.
            Err(e) if e.kind() == ErrorKind::NotFound => std::fs::create_dir_all(&self.meta_dir)
                .and_then(|()| std::fs::write(&self.sidecar_temp, document)),
            written => written,
        };
        if let Err(e) = written {
            return (false, Err(internal(e)));
        }
        if let Err(e) = self.rename_into_place() {
            return (false, Err(e));
        }
        let sidecar = std::fs::rename(&self.sidecar_temp, &self.sidecar);
        (true, sidecar.map_err(internal))
    }

    /// Renames the body to the object's file, making the directories it needs when the
    /// rename finds them missing (never the bucket's: a bucket deleted meanwhile stays
    /// deleted). A delete of another key in the same directory removes the directories it
    /// leaves empty, perhaps while they are made or before the rename: both are then tried
    /// again, a few times.
    fn rename_into_place(&self) -> Result<(), StorageError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let error = match std::fs::rename(&self.body, &self.target) {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            match error.kind() {
                ErrorKind::NotFound if !self.bucket_dir.is_dir() => {
                    return Err(StorageError::no_such_bucket(&self.bucket))
                }
                ErrorKind::NotFound if attempts < 8 => {}
                // A directory stands at the key (`a` beside `a/b`), or a file on its path
                // (`a/b` beside `a`).
                ErrorKind::IsADirectory | ErrorKind::NotADirectory => {
                    return Err(conflict(&self.key))
                }
                _ if self.target.is_dir() => return Err(conflict(&self.key)),
                _ => return Err(internal(error)),
            }
            if let Some(parent) = self.target.parent() {
                match std::fs::create_dir_all(parent) {
                    Ok(()) => {}
                    // A delete beside it removed a directory while it was being made (a
                    // file in the way fails the rename first, as not a directory).
                    Err(e)
                        if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::AlreadyExists)
                            && attempts < 8 => {}
                    Err(_) => return Err(conflict(&self.key)),
                }
            }
        }
    }
}

/// The metadata of the object whose file is `object`: its `sidecar`, or made from the file
/// itself when the sidecar is missing or unreadable (a file put there by hand); `NotFound`
/// when there is no such file (or a directory stands there).
pub(super) fn stored_meta(object: &Path, sidecar: &Path) -> std::io::Result<ObjectMeta> {
    // No file there, or a path through a file (`a/b` when `a` is an object): no object.
    if !std::fs::metadata(object).is_ok_and(|m| m.is_file()) {
        return Err(ErrorKind::NotFound.into());
    }
    meta_of_object(object, sidecar)
}

/// The metadata of the object whose file `object` the caller found: its `sidecar`, or made
/// from the file itself.
pub(super) fn meta_of_object(object: &Path, sidecar: &Path) -> std::io::Result<ObjectMeta> {
    if let Ok(bytes) = std::fs::read(sidecar) {
        if let Some(meta) = serde_json::from_slice(&bytes)
            .ok()
            .and_then(|v: Value| meta_from_json(&v))
        {
            return Ok(meta);
        }
    }
    meta_of_file(object)
}

fn meta_of_file(path: &Path) -> std::io::Result<ObjectMeta> {
    let mut file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    let mut md5 = Md5::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        md5.update(&buffer[..n]);
    }
    let mut meta = ObjectMeta::new(
        metadata.len(),
        format!("\"{}\"", hex::encode(md5.finalize())),
    );
    meta.last_modified = metadata
        .modified()
        .map(OffsetDateTime::from)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    Ok(meta)
}
