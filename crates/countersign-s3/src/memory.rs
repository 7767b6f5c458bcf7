//! [`MemoryStorage`]: the buckets in memory, gone when it is dropped.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::{Bytes, BytesMut};
use time::OffsetDateTime;

use crate::body_reader::BodyReader;
use crate::byte_stream::ByteStream;
use crate::listing_page::{ListQuery, Listing, ListingPage, Offer};
use crate::meta::{now, BucketInfo, ObjectMeta, Part, Upload, UploadDetails};
use crate::storage::{ObjectReader, Storage};
use crate::storage_error::StorageError;
use crate::write_condition::WriteCondition;

/// Buckets, objects and uploads in memory, for tests and short-lived servers: it holds what
/// is put (and the parts of uploads in progress), no more, and keeps nothing once dropped.
///
/// It holds at most its capacity ([`DEFAULT_MEMORY_CAPACITY`] unless
/// [`with_capacity`](Self::with_capacity) says otherwise), counting the objects, the parts
/// and the bodies being received: a body that would take more is refused, 507
/// `InsufficientStorage`, and what it had taken given back.
///
/// ```
/// use countersign_s3::{MemoryStorage, Storage};
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), countersign_s3::StorageError> {
/// let storage = MemoryStorage::with_capacity(64 * 1024 * 1024);
/// storage.create_bucket("photos", None).await?;
/// assert_eq!(storage.list_buckets().await?[0].name, "photos");
/// assert_eq!(storage.held(), 0);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MemoryStorage {
    state: Mutex<State>,
    counter: AtomicU64,
    room: Arc<Room>,
}

/// The bytes a [`MemoryStorage`] holds at most unless told otherwise: 1 GiB.
pub const DEFAULT_MEMORY_CAPACITY: u64 = 1024 * 1024 * 1024;

impl Default for MemoryStorage {
    fn default() -> Self {
        MemoryStorage::with_capacity(DEFAULT_MEMORY_CAPACITY)
    }
}

/// A storage's capacity, and the bytes held against it.
#[derive(Debug)]
struct Room {
    capacity: u64,
    held: AtomicU64,
}

/// Bytes held against a storage's capacity (an object's, a part's, a body's being received),
/// given back when dropped.
#[derive(Debug)]
struct Held {
    room: Arc<Room>,
    bytes: u64,
}

impl Held {
    fn none(room: &Arc<Room>) -> Held {
        Held {
            room: Arc::clone(room),
            bytes: 0,
        }
    }

    /// Takes `more` bytes, if the storage has room for them.
    fn grow(&mut self, more: u64) -> Result<(), StorageError> {
        let room = &self.room;
        let before = room.held.fetch_add(more, Ordering::Relaxed);
        if before.saturating_add(more) > room.capacity {
            room.held.fetch_sub(more, Ordering::Relaxed);
            return Err(StorageError::InsufficientStorage {
                message: format!(
                    "This in-memory storage holds at most {} bytes, and has {} left.",
                    room.capacity,
                    room.capacity.saturating_sub(before)
                ),
            });
        }
        self.bytes += more;
        Ok(())
    }

    /// Takes over what `other` holds.
    fn absorb(&mut self, mut other: Held) {
        self.bytes += std::mem::take(&mut other.bytes);
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.room.held.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

/// A body received into memory, held against the storage's capacity: the
/// [`Storage::Staged`](crate::Storage::Staged) of [`MemoryStorage`].
#[derive(Debug)]
pub struct MemoryStaged {
    bytes: Bytes,
    held: Held,
}

#[derive(Debug, Default)]
struct State {
    buckets: BTreeMap<String, Bucket>,
    /// The uploads in progress, by id.
    uploads: HashMap<String, MemoryUpload>,
}

#[derive(Debug)]
struct Bucket {
    created: OffsetDateTime,
    owner: Option<String>,
    config: BTreeMap<String, String>,
    objects: BTreeMap<String, Object>,
}

#[derive(Debug)]
struct Object {
    meta: ObjectMeta,
    bytes: Bytes,
    /// Given back when the object is deleted or replaced.
    _held: Held,
}

#[derive(Debug)]
struct MemoryUpload {
    upload: Upload,
    parts: BTreeMap<u32, (Part, MemoryStaged)>,
}

impl State {
    fn bucket(&self, bucket: &str) -> Result<&Bucket, StorageError> {
        self.buckets
            .get(bucket)
            .ok_or_else(|| StorageError::no_such_bucket(bucket))
    }

    fn bucket_mut(&mut self, bucket: &str) -> Result<&mut Bucket, StorageError> {
        self.buckets
            .get_mut(bucket)
            .ok_or_else(|| StorageError::no_such_bucket(bucket))
    }

    fn upload_mut(&mut self, upload: &Upload) -> Result<&mut MemoryUpload, StorageError> {
        self.uploads
            .get_mut(&upload.id)
            .ok_or_else(|| StorageError::no_such_upload(&upload.id))
    }
}

impl MemoryStorage {
    /// An empty storage of [`DEFAULT_MEMORY_CAPACITY`].
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty storage that holds at most `capacity` bytes.
    pub fn with_capacity(capacity: u64) -> Self {
        MemoryStorage {
            state: Mutex::default(),
            counter: AtomicU64::new(0),
            room: Arc::new(Room {
                capacity,
                held: AtomicU64::new(0),
            }),
        }
    }

    /// The bytes held now: the objects', the parts' and the bodies' being received.
    pub fn held(&self) -> u64 {
        self.room.held.load(Ordering::Relaxed)
    }

    /// The state, even if a thread panicked while holding it (every change is made whole
    /// before the lock is let go).
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A fresh upload id: 32 hex digits.
    fn unique(&self) -> String {
        let seed = format!(
            "{:?}/{}/{:p}",
            std::time::SystemTime::now(),
            self.counter.fetch_add(1, Ordering::Relaxed),
            self
        );
        countersign_core::sha256_hex(seed.as_bytes())[..32].to_string()
    }
}

/// An object's bytes as they were when it was opened: the
/// [`Storage::Reader`](crate::Storage::Reader) of [`MemoryStorage`].
#[derive(Debug, Clone)]
pub struct MemoryReader {
    bytes: Bytes,
}

impl ObjectReader for MemoryReader {
    fn read(self, start: u64, length: u64) -> ByteStream {
        let start = usize::try_from(start)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        let end = usize::try_from(length)
            .ok()
            .and_then(|length| start.checked_add(length))
            .map_or(self.bytes.len(), |end| end.min(self.bytes.len()));
        ByteStream::from_bytes(self.bytes.slice(start..end))
    }
}

impl Storage for MemoryStorage {
    type Staged = MemoryStaged;
    type Reader = MemoryReader;

    async fn list_buckets(&self) -> Result<Vec<BucketInfo>, StorageError> {
        let state = self.state();
        Ok(state
            .buckets
            .iter()
            .map(|(name, bucket)| BucketInfo::new(name.as_str(), bucket.created))
            .collect())
    }

    async fn create_bucket(&self, bucket: &str, owner: Option<&str>) -> Result<(), StorageError> {
        let mut state = self.state();
        if state.buckets.contains_key(bucket) {
            return Err(StorageError::BucketExists {
                bucket: bucket.to_string(),
            });
        }
        state.buckets.insert(
            bucket.to_string(),
            Bucket {
                created: now(),
                owner: owner.map(str::to_string),
                config: BTreeMap::new(),
                objects: BTreeMap::new(),
            },
        );
        Ok(())
    }

    async fn head_bucket(&self, bucket: &str) -> Result<(), StorageError> {
        self.state().bucket(bucket).map(|_| ())
    }

    async fn delete_bucket(&self, bucket: &str) -> Result<(), StorageError> {
        let mut state = self.state();
        if !state.bucket(bucket)?.objects.is_empty() {
            return Err(StorageError::BucketNotEmpty {
                bucket: bucket.to_string(),
            });
        }
        state.buckets.remove(bucket);
        state.uploads.retain(|_, u| u.upload.bucket != bucket);
        Ok(())
    }

    async fn bucket_owner(&self, bucket: &str) -> Result<Option<String>, StorageError> {
        Ok(self.state().bucket(bucket)?.owner.clone())
    }

    async fn bucket_config(
        &self,
        bucket: &str,
        name: &str,
    ) -> Result<Option<String>, StorageError> {
        Ok(self.state().bucket(bucket)?.config.get(name).cloned())
    }

    async fn put_bucket_config(
        &self,
        bucket: &str,
        name: &str,
        document: Option<&str>,
    ) -> Result<(), StorageError> {
        let mut state = self.state();
        let config = &mut state.bucket_mut(bucket)?.config;
        match document {
            Some(document) => config.insert(name.to_string(), document.to_string()),
            None => config.remove(name),
        };
        Ok(())
    }

    async fn stage(&self, body: &mut BodyReader) -> Result<MemoryStaged, StorageError> {
        let mut staged = BytesMut::new();
        let mut held = Held::none(&self.room);
        while let Some(chunk) = body.chunk().await? {
            held.grow(chunk.len() as u64)?;
            staged.extend_from_slice(&chunk);
        }
        Ok(MemoryStaged {
            bytes: staged.freeze(),
            held,
        })
    }

    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        staged: MemoryStaged,
        meta: &ObjectMeta,
        condition: &WriteCondition,
    ) -> Result<(), StorageError> {
        let mut state = self.state();
        let objects = &mut state.bucket_mut(bucket)?.objects;
        condition.check(bucket, key, objects.get(key).map(|o| &o.meta))?;
        let object = Object {
            meta: meta.clone(),
            bytes: staged.bytes,
            _held: staged.held,
        };
        objects.insert(key.to_string(), object);
        Ok(())
    }

    async fn get_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ObjectMeta, MemoryReader), StorageError> {
        let state = self.state();
        let object = state
            .bucket(bucket)?
            .objects
            .get(key)
            .ok_or_else(|| StorageError::no_such_key(bucket, key))?;
        let reader = MemoryReader {
            bytes: object.bytes.clone(),
        };
        Ok((object.meta.clone(), reader))
    }

    async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectMeta, StorageError> {
        let state = self.state();
        let object = state.bucket(bucket)?.objects.get(key);
        let object = object.ok_or_else(|| StorageError::no_such_key(bucket, key))?;
        Ok(object.meta.clone())
    }

    async fn put_object_tags(
        &self,
        bucket: &str,
        key: &str,
        tags: Vec<(String, String)>,
    ) -> Result<(), StorageError> {
        let mut state = self.state();
        let object = state.bucket_mut(bucket)?.objects.get_mut(key);
        let object = object.ok_or_else(|| StorageError::no_such_key(bucket, key))?;
        object.meta.tags = tags;
        Ok(())
    }

    async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), StorageError> {
        self.state().bucket_mut(bucket)?.objects.remove(key);
        Ok(())
    }

    async fn list_objects(&self, bucket: &str, query: &ListQuery) -> Result<Listing, StorageError> {
        let state = self.state();
        let objects = &state.bucket(bucket)?.objects;
        let mut page = ListingPage::new(query);
        for (key, object) in objects.range::<str, _>((
            std::ops::Bound::Included(query.prefix.as_str()),
            std::ops::Bound::Unbounded,
        )) {
            if !key.starts_with(query.prefix.as_str()) {
                break;
            }
            match page.offer(key) {
                Offer::Object => page.add_object(key.as_str(), object.meta.clone()),
                Offer::Skip => {}
                Offer::Full => break,
            }
        }
        Ok(page.finish())
    }

    async fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        details: UploadDetails,
    ) -> Result<Upload, StorageError> {
        let upload = Upload::new(self.unique(), bucket, key, details);
        let mut state = self.state();
        state.bucket(bucket)?;
        let entry = MemoryUpload {
            upload: upload.clone(),
            parts: BTreeMap::new(),
        };
        state.uploads.insert(upload.id.clone(), entry);
        Ok(upload)
    }

    async fn get_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Upload, StorageError> {
        let state = self.state();
        match state.uploads.get(upload_id) {
            Some(entry) if entry.upload.bucket == bucket && entry.upload.key == key => {
                Ok(entry.upload.clone())
            }
            _ => Err(StorageError::no_such_upload(upload_id)),
        }
    }

    async fn put_part(
        &self,
        upload: &Upload,
        part: &Part,
        staged: MemoryStaged,
    ) -> Result<(), StorageError> {
        let mut state = self.state();
        let entry = state.upload_mut(upload)?;
        entry.parts.insert(part.number, (part.clone(), staged));
        Ok(())
    }

    async fn list_parts(&self, upload: &Upload) -> Result<Vec<Part>, StorageError> {
        let mut state = self.state();
        let entry = state.upload_mut(upload)?;
        Ok(entry.parts.values().map(|(part, _)| part.clone()).collect())
    }

    async fn complete_upload(
        &self,
        upload: &Upload,
        parts: &[Part],
        meta: &ObjectMeta,
        condition: &WriteCondition,
    ) -> Result<(), StorageError> {
        let mut state = self.state();
        let existing = state.bucket(&upload.bucket)?.objects.get(&upload.key);
        condition.check(&upload.bucket, &upload.key, existing.map(|o| &o.meta))?;
        let entry = state.upload_mut(upload)?;
        let mut joined = BytesMut::new();
        for part in parts {
            let (_, staged) = entry.parts.get(&part.number).ok_or_else(|| {
                StorageError::internal(format!("part {} was not uploaded", part.number))
            })?;
            joined.extend_from_slice(&staged.bytes);
        }
        if joined.len() as u64 != meta.size {
            return Err(StorageError::internal(format!(
                "the parts of upload {} hold {} bytes, not {}",
                upload.id,
                joined.len(),
                meta.size
            )));
        }
        // The object holds what its parts held; the parts it leaves out are given back.
        let mut held = Held::none(&self.room);
        if let Some(mut entry) = state.uploads.remove(&upload.id) {
            for part in parts {
                if let Some((_, staged)) = entry.parts.remove(&part.number) {
                    held.absorb(staged.held);
                }
            }
        }
        let object = Object {
            meta: meta.clone(),
            bytes: joined.freeze(),
            _held: held,
        };
        state
            .bucket_mut(&upload.bucket)?
            .objects
            .insert(upload.key.clone(), object);
        Ok(())
    }

    async fn abort_upload(&self, upload: &Upload) -> Result<(), StorageError> {
        match self.state().uploads.remove(&upload.id) {
            Some(_) => Ok(()),
            None => Err(StorageError::no_such_upload(&upload.id)),
        }
    }

    async fn list_uploads(&self, bucket: &str) -> Result<Vec<Upload>, StorageError> {
        let state = self.state();
        state.bucket(bucket)?;
        let mut uploads: Vec<Upload> = state
            .uploads
            .values()
            .filter(|entry| entry.upload.bucket == bucket)
            .map(|entry| entry.upload.clone())
            .collect();
        uploads.sort_by(|a, b| (&a.key, a.initiated).cmp(&(&b.key, b.initiated)));
        Ok(uploads)
    }
}
