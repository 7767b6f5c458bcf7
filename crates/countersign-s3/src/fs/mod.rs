//! The filesystem behind the buckets.
//!
//! ```text
//! DATA/
//!   BUCKET/a/b/c.txt                       the object `a/b/c.txt`, as its plain bytes
//!   .countersign/meta/BUCKET/SHA256.json   its metadata (ETag, size, headers), named by the key's hash
//!   .countersign/buckets/BUCKET.json       the bucket's owner and policy (see `policies`)
//!   .countersign/tmp/…                     bodies being received (renamed into place when complete)
//!   .countersign/uploads/ID/…              multipart uploads: upload.json, N.part, N.json
//! ```
//!
//! A key is a `/`-separated path of non-empty segments other than `.` and `..`, so that it
//! can never leave its bucket; one key cannot be both an object and the directory of another
//! (`a` and `a/b`): the second is refused with `InvalidArgument`. Bucket names follow S3's
//! rules, so none starts with a dot.

pub(crate) mod uploads;

use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::StatusCode;
use countersign_core::checksum::{Checksum, ChecksumAlgorithm};
use http_body_util::BodyExt;
use md5::{Digest, Md5};
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;
use tokio::sync::RwLock;

use crate::xml::S3Error;

/// The hidden directory of the server's own files, in the data directory.
const SYSTEM_DIR: &str = ".countersign";

/// The smallest part but the last of a multipart upload.
pub(crate) const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

/// An object's metadata, kept in its sidecar.
#[derive(Debug, Clone)]
pub(crate) struct ObjectMeta {
    pub(crate) size: u64,
    /// Quoted, as sent in `ETag`.
    pub(crate) etag: String,
    pub(crate) last_modified: OffsetDateTime,
    /// `content-type`, `content-encoding`, …, and `x-amz-meta-*`, lower-case names.
    pub(crate) headers: Vec<(String, String)>,
}

impl ObjectMeta {
    fn to_json(&self, key: &str) -> Value {
        json!({
            "key": key,
            "size": self.size,
            "etag": self.etag,
            "last_modified_ms": millis(self.last_modified),
            "headers": self.headers,
        })
    }

    fn from_json(v: &Value) -> Option<ObjectMeta> {
        Some(ObjectMeta {
            size: v["size"].as_u64()?,
            etag: v["etag"].as_str()?.to_string(),
            last_modified: from_millis(v["last_modified_ms"].as_i64()?),
            headers: headers_from_json(&v["headers"]),
        })
    }

    /// A stored header's value.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn headers_from_json(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|pairs| {
            pairs
                .iter()
                .filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

pub(crate) fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Now, to the millisecond (what the sidecar keeps).
pub(crate) fn now() -> OffsetDateTime {
    from_millis(millis(OffsetDateTime::now_utc()))
}

/// A file in the temporary directory, removed when dropped unless it was renamed into place.
#[derive(Debug)]
pub(crate) struct TempFile {
    pub(crate) path: PathBuf,
    pub(crate) committed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A body received completely into a temporary file.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) temp: TempFile,
    pub(crate) size: u64,
    pub(crate) md5: [u8; 16],
    /// The checksum computed over the bytes, when one was asked for.
    pub(crate) checksum: Option<BodyChecksum>,
}

/// A checksum of a body's bytes: the algorithm, and the digest in base64 (as the
/// `x-amz-checksum-*` headers and S3's `Checksum*` elements carry it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyChecksum {
    pub(crate) algorithm: ChecksumAlgorithm,
    pub(crate) value: String,
}

impl BodyChecksum {
    /// The result of a checksum fed every byte.
    fn of(checksum: Checksum) -> Self {
        BodyChecksum {
            algorithm: checksum.algorithm(),
            value: checksum.finalize_base64(),
        }
    }
}

impl Received {
    /// The quoted hex MD5.
    pub(crate) fn etag(&self) -> String {
        format!("\"{}\"", hex::encode(self.md5))
    }
}

/// One entry of a listing.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) meta: ObjectMeta,
}

/// A page of a listing.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub(crate) contents: Vec<Entry>,
    pub(crate) common_prefixes: Vec<String>,
    pub(crate) truncated: bool,
    /// The last key or common prefix returned, when truncated: the next page starts after it.
    pub(crate) next_marker: Option<String>,
}

/// The buckets, on disk.
#[derive(Debug)]
pub struct Storage {
    root: PathBuf,
    /// Held for writing while an object and its sidecar change together, for reading while
    /// they are read together.
    pub(crate) lock: RwLock<()>,
    counter: AtomicU64,
}

/// Checks a bucket name against S3's rules (which also keeps it a plain directory name).
pub(crate) fn validate_bucket(name: &str) -> Result<(), S3Error> {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let edges = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let ip_like = name.parse::<std::net::Ipv4Addr>().is_ok();
    if (3..=63).contains(&name.len())
        && valid_chars
        && edges(name.bytes().next())
        && edges(name.bytes().last())
        && !name.contains("..")
        && !name.contains(".-")
        && !name.contains("-.")
        && !ip_like
    {
        Ok(())
    } else {
        Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidBucketName",
            "The specified bucket is not valid.",
        )
        .at(format!("/{name}")))
    }
}

/// Checks that a key maps to a path inside its bucket.
pub(crate) fn validate_key(key: &str) -> Result<(), S3Error> {
    if key.is_empty() {
        return Err(S3Error::invalid_argument("The key is empty."));
    }
    if key.len() > 1024 {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "KeyTooLongError",
            "Your key is too long",
        ));
    }
    for segment in key.split('/') {
        let why = match segment {
            "" => Some("an empty path segment (a leading, trailing or doubled '/')"),
            "." | ".." => Some("a '.' or '..' path segment"),
            s if s.contains('\0') => Some("a NUL character"),
            s if s.len() > 255 => Some("a path segment longer than 255 bytes"),
            _ => None,
        };
        if let Some(why) = why {
            return Err(S3Error::invalid_argument(format!(
                "This server stores objects as files and cannot store a key with {why}."
            )));
        }
    }
    Ok(())
}

pub(crate) fn internal(e: impl std::fmt::Display) -> S3Error {
    S3Error::internal(e)
}

fn conflict(key: &str) -> S3Error {
    S3Error::invalid_argument(format!(
        "This server stores objects as files: the key {key:?} and another key that it or its \
         directory is a prefix of cannot both exist (`a` and `a/b`)."
    ))
}

impl Storage {
    /// Opens (creating if needed) the data directory, and removes temporary files left over.
    pub fn open(root: &Path) -> std::io::Result<Storage> {
        std::fs::create_dir_all(root)?;
        let storage = Storage {
            root: root.to_path_buf(),
            lock: RwLock::new(()),
            counter: AtomicU64::new(0),
        };
        let _ = std::fs::remove_dir_all(storage.tmp_dir());
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

    fn system(&self) -> PathBuf {
        self.root.join(SYSTEM_DIR)
    }

    fn tmp_dir(&self) -> PathBuf {
        self.system().join("tmp")
    }

    fn buckets_dir(&self) -> PathBuf {
        self.system().join("buckets")
    }

    pub(crate) fn uploads_dir(&self) -> PathBuf {
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

    /// The object's file; the key must have been validated.
    fn object_path(&self, bucket: &str, key: &str) -> PathBuf {
        let mut path = self.bucket_dir(bucket);
        path.extend(key.split('/'));
        path
    }

    /// A fresh unique name (upload ids, temporary files).
    pub(crate) fn unique(&self) -> String {
        let seed = format!(
            "{:?}/{}/{}/{:p}",
            std::time::SystemTime::now(),
            std::process::id(),
            self.counter.fetch_add(1, Ordering::Relaxed),
            self
        );
        countersign_core::sha256_hex(seed.as_bytes())[..32].to_string()
    }

    pub(crate) fn temp_file(&self) -> TempFile {
        TempFile {
            path: self.tmp_dir().join(self.unique()),
            committed: false,
        }
    }

    // -----------------------------------------------------------------------------------
    // Buckets
    // -----------------------------------------------------------------------------------

    /// The buckets and their creation dates, by name.
    pub(crate) async fn list_buckets(&self) -> Result<Vec<(String, OffsetDateTime)>, S3Error> {
        let mut buckets = Vec::new();
        let mut dir = tokio::fs::read_dir(&self.root).await.map_err(internal)?;
        while let Some(entry) = dir.next_entry().await.map_err(internal)? {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Ok(metadata) = entry.metadata().await else {
                continue;
            };
            if !metadata.is_dir() || validate_bucket(&name).is_err() {
                continue;
            }
            let created = metadata
                .created()
                .or_else(|_| metadata.modified())
                .map(OffsetDateTime::from)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            buckets.push((name, created));
        }
        buckets.sort();
        Ok(buckets)
    }

    pub(crate) async fn bucket_exists(&self, bucket: &str) -> Result<(), S3Error> {
        match tokio::fs::metadata(self.bucket_dir(bucket)).await {
            Ok(m) if m.is_dir() => Ok(()),
            _ => Err(S3Error::no_such_bucket(bucket)),
        }
    }

    pub(crate) async fn create_bucket(&self, bucket: &str) -> Result<(), S3Error> {
        let _guard = self.lock.write().await;
        match tokio::fs::create_dir(self.bucket_dir(bucket)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(S3Error::new(
                StatusCode::CONFLICT,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            )
            .at(format!("/{bucket}"))),
            Err(e) => Err(internal(e)),
        }
    }

    pub(crate) async fn delete_bucket(&self, bucket: &str) -> Result<(), S3Error> {
        let _guard = self.lock.write().await;
        let dir = self.bucket_dir(bucket);
        match tokio::fs::remove_dir(&dir).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(S3Error::no_such_bucket(bucket))
            }
            Err(_) if dir.is_dir() => {
                return Err(S3Error::new(
                    StatusCode::CONFLICT,
                    "BucketNotEmpty",
                    "The bucket you tried to delete is not empty",
                )
                .at(format!("/{bucket}")))
            }
            Err(e) => return Err(internal(e)),
        }
        let _ = tokio::fs::remove_dir_all(self.meta_dir(bucket)).await;
        for upload in self.list_uploads(bucket).await.unwrap_or_default() {
            let _ = tokio::fs::remove_dir_all(self.uploads_dir().join(&upload.id)).await;
        }
        Ok(())
    }

    /// The record file of each bucket that exists, by bucket: its text. A record left by a
    /// bucket removed by hand is skipped (a bucket made again by that name starts afresh).
    pub(crate) fn bucket_records(&self) -> std::io::Result<Vec<(String, String)>> {
        let mut records = Vec::new();
        for entry in std::fs::read_dir(self.buckets_dir())? {
            let path = entry?.path();
            let Some(bucket) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
            else {
                continue;
            };
            if validate_bucket(bucket).is_err() || !self.bucket_dir(bucket).is_dir() {
                continue;
            }
            records.push((bucket.to_string(), std::fs::read_to_string(&path)?));
        }
        Ok(records)
    }

    /// The text of a bucket's record file, if it has one.
    pub(crate) async fn read_bucket_record(&self, bucket: &str) -> Option<String> {
        let path = self.buckets_dir().join(format!("{bucket}.json"));
        tokio::fs::read_to_string(path).await.ok()
    }

    /// Writes a bucket's record file whole (a temporary file renamed into place).
    pub(crate) async fn write_bucket_record(
        &self,
        bucket: &str,
        record: &Value,
    ) -> Result<(), S3Error> {
        let mut temp = self.temp_file();
        let mut file = tokio::fs::File::create(&temp.path)
            .await
            .map_err(internal)?;
        file.write_all(record.to_string().as_bytes())
            .await
            .map_err(internal)?;
        file.sync_data().await.map_err(internal)?;
        drop(file);
        let path = self.buckets_dir().join(format!("{bucket}.json"));
        tokio::fs::rename(&temp.path, path)
            .await
            .map_err(internal)?;
        temp.committed = true;
        Ok(())
    }

    /// Removes a bucket's record file, if it has one.
    pub(crate) async fn remove_bucket_record(&self, bucket: &str) {
        let path = self.buckets_dir().join(format!("{bucket}.json"));
        let _ = tokio::fs::remove_file(path).await;
    }

    // -----------------------------------------------------------------------------------
    // Bodies
    // -----------------------------------------------------------------------------------

    /// Reads a request body to its end into a temporary file. A body that ends with an error
    /// (the layer's hash or checksum verdict, or a broken connection) leaves nothing behind.
    pub(crate) async fn receive(&self, body: Body) -> Result<Received, S3Error> {
        self.receive_with_checksum(body, None).await
    }

    /// [`receive`](Self::receive), computing `algorithm`'s checksum of the bytes as they
    /// come (the layer checks a checksum header or trailer, but does not hand a trailer's
    /// value on).
    pub(crate) async fn receive_with_checksum(
        &self,
        body: Body,
        algorithm: Option<ChecksumAlgorithm>,
    ) -> Result<Received, S3Error> {
        let temp = self.temp_file();
        let mut file = tokio::fs::File::create(&temp.path)
            .await
            .map_err(internal)?;
        let mut md5 = Md5::new();
        let mut checksum = algorithm.map(ChecksumAlgorithm::hasher);
        let mut size = 0u64;
        let mut body = body;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| S3Error::from_body(&e))?;
            if let Ok(data) = frame.into_data() {
                md5.update(&data);
                if let Some(checksum) = checksum.as_mut() {
                    checksum.update(&data);
                }
                size += data.len() as u64;
                file.write_all(&data).await.map_err(internal)?;
            }
        }
        file.flush().await.map_err(internal)?;
        file.sync_data().await.map_err(internal)?;
        drop(file);
        Ok(Received {
            temp,
            size,
            md5: md5.finalize().into(),
            checksum: checksum.map(BodyChecksum::of),
        })
    }

    /// Copies `length` bytes of an object from `start` into a temporary file.
    pub(crate) async fn copy_range(
        &self,
        bucket: &str,
        key: &str,
        range: Option<(u64, u64)>,
    ) -> Result<(Received, ObjectMeta), S3Error> {
        self.copy_range_with_checksum(bucket, key, range, None)
            .await
    }

    /// [`copy_range`](Self::copy_range), computing `algorithm`'s checksum of the bytes copied.
    pub(crate) async fn copy_range_with_checksum(
        &self,
        bucket: &str,
        key: &str,
        range: Option<(u64, u64)>,
        algorithm: Option<ChecksumAlgorithm>,
    ) -> Result<(Received, ObjectMeta), S3Error> {
        let _guard = self.lock.read().await;
        let source = self.object_path(bucket, key);
        let meta = self.read_meta(bucket, key).await?;
        let (start, length) = match range {
            Some((first, last)) if last >= first && last < meta.size => (first, last - first + 1),
            Some(_) => {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidArgument",
                    "The x-amz-copy-source-range value must be of the form bytes=first-last where \
                     first and last are the zero-based offsets of the first and last bytes to copy",
                ))
            }
            None => (0, meta.size),
        };
        let temp = self.temp_file();
        let destination = temp.path.clone();
        let (md5, checksum) = tokio::task::spawn_blocking(move || {
            copy_file_range(&source, start, length, &destination, algorithm)
        })
        .await
        .map_err(internal)?
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound => S3Error::no_such_key(bucket, key),
            _ => internal(e),
        })?;
        let received = Received {
            temp,
            size: length,
            md5,
            checksum,
        };
        Ok((received, meta))
    }

    // -----------------------------------------------------------------------------------
    // Objects
    // -----------------------------------------------------------------------------------

    /// Renames a received body into place and writes its sidecar.
    pub(crate) async fn commit(
        &self,
        bucket: &str,
        key: &str,
        mut received: Received,
        headers: Vec<(String, String)>,
    ) -> Result<ObjectMeta, S3Error> {
        let meta = ObjectMeta {
            size: received.size,
            etag: received.etag(),
            last_modified: now(),
            headers,
        };
        self.commit_file(bucket, key, &mut received.temp, &meta)
            .await?;
        Ok(meta)
    }

    pub(crate) async fn commit_file(
        &self,
        bucket: &str,
        key: &str,
        temp: &mut TempFile,
        meta: &ObjectMeta,
    ) -> Result<(), S3Error> {
        let _guard = self.lock.write().await;
        self.bucket_exists(bucket).await?;
        let target = self.object_path(bucket, key);
        if let Some(parent) = target.parent() {
            if tokio::fs::create_dir_all(parent).await.is_err() {
                return Err(conflict(key));
            }
        }
        if tokio::fs::metadata(&target).await.is_ok_and(|m| m.is_dir()) {
            return Err(conflict(key));
        }
        // The sidecar first, beside the body, then both renamed into place.
        let meta_temp = self.temp_file();
        let document = serde_json::to_vec(&meta.to_json(key)).map_err(internal)?;
        tokio::fs::write(&meta_temp.path, document)
            .await
            .map_err(internal)?;
        tokio::fs::create_dir_all(self.meta_dir(bucket))
            .await
            .map_err(internal)?;
        tokio::fs::rename(&temp.path, &target)
            .await
            .map_err(internal)?;
        temp.committed = true;
        tokio::fs::rename(&meta_temp.path, self.meta_path(bucket, key))
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// The sidecar (made from the file itself for a file put there by hand).
    async fn read_meta(&self, bucket: &str, key: &str) -> Result<ObjectMeta, S3Error> {
        let path = self.object_path(bucket, key);
        match tokio::fs::metadata(&path).await {
            Ok(m) if m.is_file() => {}
            _ => {
                self.bucket_exists(bucket).await?;
                return Err(S3Error::no_such_key(bucket, key));
            }
        }
        if let Ok(bytes) = tokio::fs::read(self.meta_path(bucket, key)).await {
            if let Some(meta) = serde_json::from_slice(&bytes)
                .ok()
                .and_then(|v: Value| ObjectMeta::from_json(&v))
            {
                return Ok(meta);
            }
        }
        tokio::task::spawn_blocking(move || meta_of_file(&path))
            .await
            .map_err(internal)?
            .map_err(internal)
    }

    /// Opens an object for reading, with its metadata.
    pub(crate) async fn open_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(tokio::fs::File, ObjectMeta), S3Error> {
        let _guard = self.lock.read().await;
        let meta = self.read_meta(bucket, key).await?;
        let file = tokio::fs::File::open(self.object_path(bucket, key))
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound => S3Error::no_such_key(bucket, key),
                _ => internal(e),
            })?;
        Ok((file, meta))
    }

    pub(crate) async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectMeta, S3Error> {
        let _guard = self.lock.read().await;
        self.read_meta(bucket, key).await
    }

    /// Deletes an object (a missing one is not an error, as in S3), and the directories it
    /// leaves empty.
    pub(crate) async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), S3Error> {
        let _guard = self.lock.write().await;
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

    /// One page of the keys under `prefix` that sort after `after`, grouped by `delimiter`.
    pub(crate) async fn list(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        after: Option<&str>,
        max: usize,
    ) -> Result<Listing, S3Error> {
        let _guard = self.lock.read().await;
        self.bucket_exists(bucket).await?;
        let bucket_dir = self.bucket_dir(bucket);
        // Walk only the directory the prefix names (when it names one safely).
        let start = match prefix.rfind('/') {
            Some(i) if validate_key(&prefix[..i]).is_ok() => prefix[..i].to_string(),
            _ => String::new(),
        };
        let walk_prefix = prefix.to_string();
        let keys = tokio::task::spawn_blocking(move || {
            let mut keys = Vec::new();
            let mut dir = bucket_dir.clone();
            dir.extend(start.split('/').filter(|s| !s.is_empty()));
            walk(&dir, &start, &walk_prefix, &mut keys);
            keys.sort();
            keys
        })
        .await
        .map_err(internal)?;

        let mut listing = Listing::default();
        let mut count = 0usize;
        let mut last: Option<String> = None;
        for key in keys {
            if after.is_some_and(|a| key.as_str() <= a) {
                continue;
            }
            let group = delimiter.filter(|d| !d.is_empty()).and_then(|d| {
                key[prefix.len()..]
                    .find(d)
                    .map(|i| key[..prefix.len() + i + d.len()].to_string())
            });
            let item = match &group {
                Some(common) if after.is_some_and(|a| common.as_str() <= a) => continue,
                Some(common) if last.as_deref() == Some(common.as_str()) => continue,
                Some(common) => common.clone(),
                None => key.clone(),
            };
            if count == max {
                listing.truncated = true;
                listing.next_marker = last.clone();
                break;
            }
            count += 1;
            last = Some(item.clone());
            match group {
                Some(common) => listing.common_prefixes.push(common),
                None => {
                    let meta = self.read_meta(bucket, &key).await?;
                    listing.contents.push(Entry { key, meta });
                }
            }
        }
        Ok(listing)
    }
}

/// Collects the keys (relative paths) of the regular files under `dir` that start with `prefix`.
fn walk(dir: &Path, relative: &str, prefix: &str, keys: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let key = if relative.is_empty() {
            name
        } else {
            format!("{relative}/{name}")
        };
        if kind.is_dir() {
            // Only directories that can hold keys under the prefix.
            let as_dir = format!("{key}/");
            if as_dir.starts_with(prefix) || prefix.starts_with(&as_dir) {
                walk(&entry.path(), &key, prefix, keys);
            }
        } else if kind.is_file() && key.starts_with(prefix) {
            keys.push(key);
        }
    }
}

/// Metadata for a file without a sidecar: its size, time and MD5.
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
    Ok(ObjectMeta {
        size: metadata.len(),
        etag: format!("\"{}\"", hex::encode(md5.finalize())),
        last_modified: metadata
            .modified()
            .map(OffsetDateTime::from)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        headers: Vec::new(),
    })
}

/// Copies `length` bytes from `start` of `source` into a new file, returning their MD5 and,
/// when asked for, their checksum.
fn copy_file_range(
    source: &Path,
    start: u64,
    length: u64,
    destination: &Path,
    algorithm: Option<ChecksumAlgorithm>,
) -> std::io::Result<([u8; 16], Option<BodyChecksum>)> {
    let mut input = std::fs::File::open(source)?;
    input.seek(SeekFrom::Start(start))?;
    let mut input = input.take(length);
    let mut output = std::fs::File::create(destination)?;
    let mut md5 = Md5::new();
    let mut checksum = algorithm.map(ChecksumAlgorithm::hasher);
    let mut buffer = vec![0u8; 256 * 1024];
    let mut copied = 0u64;
    loop {
        let n = input.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        md5.update(&buffer[..n]);
        if let Some(checksum) = checksum.as_mut() {
            checksum.update(&buffer[..n]);
        }
        output.write_all(&buffer[..n])?;
        copied += n as u64;
    }
    if copied != length {
        return Err(std::io::Error::new(
            ErrorKind::UnexpectedEof,
            "the source changed while it was copied",
        ));
    }
    output.sync_data()?;
    Ok((md5.finalize().into(), checksum.map(BodyChecksum::of)))
}
