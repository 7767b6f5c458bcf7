//! What `FsStorage` adds to the storage suite: names never leave the data directory, and a
//! body that does not verify leaves no file behind.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use countersign_s3::{
    BodyReader, ByteStream, FsStorage, ListQuery, ObjectMeta, ObjectReader, Storage, StorageError,
    WriteCondition,
};
use futures_core::Stream;

/// The files in the temporary directory of the storage.
fn temporary_files(root: &Path) -> usize {
    std::fs::read_dir(root.join(".countersign/tmp"))
        .unwrap()
        .count()
}

#[tokio::test]
async fn a_key_that_climbs_out_of_its_bucket_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(&dir.path().join("data")).unwrap();
    storage.create_bucket("jail", None).await.unwrap();
    for key in ["../../escape", "a/../../../escape", "/escape", "a//b", "."] {
        assert!(
            matches!(storage.check_key(key), Err(StorageError::InvalidKey { .. })),
            "{key}"
        );
        let mut body = BodyReader::from_bytes(&b"evil"[..]);
        let staged = storage.stage(&mut body).await.unwrap();
        let put = storage
            .put_object(
                "jail",
                key,
                staged,
                &ObjectMeta::new(4, "\"e\""),
                &WriteCondition::None,
            )
            .await;
        assert!(
            matches!(put, Err(StorageError::InvalidKey { .. })),
            "{key}: {put:?}"
        );
        assert!(storage.get_object("jail", key).await.is_err(), "{key}");
    }
    assert!(!dir.path().join("escape").exists());
    assert!(!dir.path().join("data/escape").exists());
}

#[tokio::test]
async fn a_bucket_name_that_is_no_directory_of_the_data_is_no_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(&dir.path().join("data")).unwrap();
    std::fs::create_dir(dir.path().join("outside")).unwrap();
    for bucket in ["..", "../outside", ".countersign", "a/b"] {
        assert!(
            matches!(
                storage.head_bucket(bucket).await,
                Err(StorageError::NoSuchBucket { .. })
            ),
            "{bucket}"
        );
        assert!(
            storage.create_bucket(bucket, None).await.is_err(),
            "{bucket}"
        );
    }
}

/// A body of `first` bytes, then the layer's verdict that it does not verify.
struct Failing {
    first: usize,
    sent: bool,
}

impl Stream for Failing {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.sent {
            return Poll::Ready(Some(Err(std::io::Error::other(
                "XAmzContentSHA256Mismatch",
            ))));
        }
        self.sent = true;
        Poll::Ready(Some(Ok(Bytes::from(vec![7u8; self.first]))))
    }
}

/// More than the storage holds in memory: such a body is written to a file as it comes.
const WRITTEN_AS_IT_COMES: usize = 100 * 1024;

#[tokio::test]
async fn a_body_that_fails_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    let failing = Failing {
        first: WRITTEN_AS_IT_COMES,
        sent: false,
    };
    let mut body = BodyReader::from_stream(ByteStream::new(failing));
    assert!(storage.stage(&mut body).await.is_err());
    assert_eq!(temporary_files(dir.path()), 0);
}

#[tokio::test]
async fn a_small_body_that_fails_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    let failing = Failing {
        first: 10,
        sent: false,
    };
    let mut body = BodyReader::from_stream(ByteStream::new(failing));
    assert!(storage.stage(&mut body).await.is_err());
    assert_eq!(temporary_files(dir.path()), 0);
}

#[tokio::test]
async fn a_staged_body_dropped_uncommitted_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    let mut body = BodyReader::from_bytes(Bytes::from(vec![1u8; WRITTEN_AS_IT_COMES]));
    let staged = storage.stage(&mut body).await.unwrap();
    assert_eq!(temporary_files(dir.path()), 1);
    drop(staged);
    assert_eq!(temporary_files(dir.path()), 0);
}

#[tokio::test]
async fn a_small_body_is_held_until_it_is_put_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    storage.create_bucket("small", None).await.unwrap();
    let mut body = BodyReader::from_bytes(&b"held"[..]);
    let staged = storage.stage(&mut body).await.unwrap();
    assert_eq!(temporary_files(dir.path()), 0);
    storage
        .put_object(
            "small",
            "deep/in/it.txt",
            staged,
            &ObjectMeta::new(4, "\"e\""),
            &WriteCondition::None,
        )
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("small/deep/in/it.txt")).unwrap(),
        b"held"
    );
    assert_eq!(temporary_files(dir.path()), 0);
}

#[tokio::test]
async fn a_sidecar_left_half_written_is_removed_when_the_storage_opens() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    storage.create_bucket("crashed", None).await.unwrap();
    put_with_etag(&storage, "crashed", "kept", b"kept", "\"kept\"")
        .await
        .unwrap();
    drop(storage);
    let meta_dir = dir.path().join(".countersign/meta/crashed");
    std::fs::write(meta_dir.join("0123abcd.tmp"), b"{\"etag\":").unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    let names: Vec<String> = std::fs::read_dir(&meta_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with(".json"), "{names:?}");
    assert_eq!(
        storage.head_object("crashed", "kept").await.unwrap().etag,
        "\"kept\""
    );
}

#[tokio::test]
async fn an_object_is_a_file_and_its_metadata_lives_in_the_system_directory() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    storage
        .create_bucket("files", Some("111122223333"))
        .await
        .unwrap();
    let mut body = BodyReader::from_bytes(&b"plain bytes"[..]);
    let staged = storage.stage(&mut body).await.unwrap();
    let meta = ObjectMeta::new(11, "\"etag\"");
    storage
        .put_object("files", "a/b.txt", staged, &meta, &WriteCondition::None)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("files/a/b.txt")).unwrap(),
        b"plain bytes"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join(".countersign/meta/files"))
            .unwrap()
            .count(),
        1
    );
    let record =
        std::fs::read_to_string(dir.path().join(".countersign/buckets/files.json")).unwrap();
    let record: serde_json::Value = serde_json::from_str(&record).unwrap();
    assert_eq!(record["owner"], "111122223333");
    assert_eq!(temporary_files(dir.path()), 0);
}

#[tokio::test]
async fn a_file_put_by_hand_is_an_object() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    std::fs::create_dir_all(dir.path().join("byhand/notes")).unwrap();
    std::fs::write(dir.path().join("byhand/notes/todo.txt"), b"hello").unwrap();
    let meta = storage
        .head_object("byhand", "notes/todo.txt")
        .await
        .unwrap();
    assert_eq!(meta.size, 5);
    // The MD5 of "hello".
    assert_eq!(meta.etag, "\"5d41402abc4b2a76b9719d911017c592\"");
    assert_eq!(storage.bucket_owner("byhand").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_of_one_key_keep_the_object_and_its_sidecar_together() {
    let dir = tempfile::tempdir().unwrap();
    let storage = std::sync::Arc::new(FsStorage::open(dir.path()).unwrap());
    storage.create_bucket("race", None).await.unwrap();
    // Each writer puts a body of its own length, with an ETag naming it: a sidecar that
    // belongs to another write than the file is seen as a size or ETag that does not fit.
    let mut writers = Vec::new();
    for n in 1..=24u8 {
        let storage = std::sync::Arc::clone(&storage);
        writers.push(tokio::spawn(async move {
            for round in 0..4u8 {
                let bytes = vec![n; usize::from(n) * 100 + usize::from(round)];
                let meta = ObjectMeta::new(bytes.len() as u64, format!("\"{n}-{round}\""));
                let mut body = BodyReader::from_bytes(bytes);
                let staged = storage.stage(&mut body).await.unwrap();
                storage
                    .put_object("race", "dir/key", staged, &meta, &WriteCondition::None)
                    .await
                    .unwrap();
            }
        }));
    }
    let reader = {
        let storage = std::sync::Arc::clone(&storage);
        tokio::spawn(async move {
            for _ in 0..200 {
                let Ok((meta, reader)) = storage.get_object("race", "dir/key").await else {
                    tokio::task::yield_now().await;
                    continue;
                };
                let bytes = collect(reader.read(0, meta.size)).await;
                assert_eq!(bytes.len() as u64, meta.size);
                let writer = meta.etag.trim_matches('"').split('-').next().unwrap();
                assert_eq!(writer, bytes[0].to_string(), "{}", meta.etag);
            }
        })
    };
    for writer in writers {
        writer.await.unwrap();
    }
    reader.await.unwrap();
    let meta = storage.head_object("race", "dir/key").await.unwrap();
    let bytes = std::fs::read(dir.path().join("race/dir/key")).unwrap();
    assert_eq!(bytes.len() as u64, meta.size);
    let writer = meta.etag.trim_matches('"').split('-').next().unwrap();
    assert_eq!(writer, bytes[0].to_string());
    assert_eq!(temporary_files(dir.path()), 0);
}

/// Every byte of a stream.
async fn collect(mut stream: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_beside_a_delete_that_empties_the_directory_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let storage = std::sync::Arc::new(FsStorage::open(dir.path()).unwrap());
    storage.create_bucket("tidy", None).await.unwrap();
    // A delete removes the directories it leaves empty; a write of another key into the
    // same directory at the same moment must still land.
    let mut tasks = Vec::new();
    for n in 0..8u32 {
        let storage = std::sync::Arc::clone(&storage);
        tasks.push(tokio::spawn(async move {
            for round in 0..20u32 {
                let key = format!("shared/deep/{n}-{round}");
                let mut body = BodyReader::from_bytes(&b"x"[..]);
                let staged = storage.stage(&mut body).await.unwrap();
                storage
                    .put_object(
                        "tidy",
                        &key,
                        staged,
                        &ObjectMeta::new(1, "\"x\""),
                        &WriteCondition::None,
                    )
                    .await
                    .unwrap();
                storage.delete_object("tidy", &key).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert!(!dir.path().join("tidy/shared").exists());
}

/// Puts `bytes` at `bucket/key`: how it went.
async fn put_bytes(
    storage: &FsStorage,
    bucket: &str,
    key: &str,
    bytes: &[u8],
) -> Result<(), StorageError> {
    put_with_etag(storage, bucket, key, bytes, "\"etag\"").await
}

/// Puts `bytes` at `bucket/key` with the ETag `etag`.
async fn put_with_etag(
    storage: &FsStorage,
    bucket: &str,
    key: &str,
    bytes: &[u8],
    etag: &str,
) -> Result<(), StorageError> {
    let mut body = BodyReader::from_bytes(bytes.to_vec());
    let staged = storage.stage(&mut body).await?;
    let meta = ObjectMeta::new(bytes.len() as u64, etag);
    storage
        .put_object(bucket, key, staged, &meta, &WriteCondition::None)
        .await
        .map(|_| ())
}

#[tokio::test]
async fn a_key_under_an_object_is_refused_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    storage.create_bucket("files", None).await.unwrap();
    put_bytes(&storage, "files", "a", b"file").await.unwrap();
    for key in ["a/b", "a/b/c"] {
        let refused = put_bytes(&storage, "files", key, b"under a file").await;
        assert!(
            matches!(refused, Err(StorageError::InvalidKey { .. })),
            "{key}: {refused:?}"
        );
    }
    assert_eq!(std::fs::read(dir.path().join("files/a")).unwrap(), b"file");
    assert_eq!(temporary_files(dir.path()), 0);
}

#[tokio::test]
async fn a_key_that_names_a_directory_of_other_keys_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    storage.create_bucket("files", None).await.unwrap();
    put_bytes(&storage, "files", "d/e", b"inside")
        .await
        .unwrap();
    let refused = put_bytes(&storage, "files", "d", b"over a directory").await;
    assert!(
        matches!(refused, Err(StorageError::InvalidKey { .. })),
        "{refused:?}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("files/d/e")).unwrap(),
        b"inside"
    );
    assert_eq!(temporary_files(dir.path()), 0);
}

#[tokio::test]
async fn a_bucket_deleted_before_the_commit_is_not_made_again() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    storage.create_bucket("gone", None).await.unwrap();
    let mut body = BodyReader::from_bytes(&b"late"[..]);
    let staged = storage.stage(&mut body).await.unwrap();
    storage.delete_bucket("gone").await.unwrap();
    let meta = ObjectMeta::new(4, "\"etag\"");
    let refused = storage
        .put_object("gone", "deep/key", staged, &meta, &WriteCondition::None)
        .await;
    assert!(
        matches!(refused, Err(StorageError::NoSuchBucket { .. })),
        "{refused:?}"
    );
    assert!(!dir.path().join("gone").exists());
    assert_eq!(temporary_files(dir.path()), 0);
}

/// The ETags a listing of `bucket` gives, by key.
async fn listed_etags(storage: &FsStorage, bucket: &str) -> Vec<(String, String)> {
    let listing = storage
        .list_objects(bucket, &ListQuery::new(""))
        .await
        .unwrap();
    listing
        .contents
        .into_iter()
        .map(|entry| (entry.key, entry.meta.etag))
        .collect()
}

#[tokio::test]
async fn a_listing_after_a_put_of_the_same_size_shows_the_new_object() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    storage.create_bucket("relist", None).await.unwrap();
    put_with_etag(&storage, "relist", "same/size", b"first", "\"one\"")
        .await
        .unwrap();
    let first = listed_etags(&storage, "relist").await;
    assert_eq!(first, [("same/size".to_string(), "\"one\"".to_string())]);
    put_with_etag(&storage, "relist", "same/size", b"again", "\"two\"")
        .await
        .unwrap();
    let second = listed_etags(&storage, "relist").await;
    assert_eq!(second, [("same/size".to_string(), "\"two\"".to_string())]);
}

#[tokio::test]
async fn a_listing_after_a_file_changed_by_hand_shows_its_new_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    let path = dir.path().join("byhand/notes.txt");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"hello").unwrap();
    // The MD5 of "hello".
    let hello = "\"5d41402abc4b2a76b9719d911017c592\"".to_string();
    assert_eq!(
        listed_etags(&storage, "byhand").await,
        [("notes.txt".to_string(), hello)]
    );
    // The same file and size, new bytes, and a time the file system tells apart (two
    // writes within one tick of its clock would share one).
    std::fs::write(&path, b"world").unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(2);
    file.set_modified(later).unwrap();
    // The MD5 of "world".
    let world = "\"7d793037a0760186574b0282f2f435e7\"".to_string();
    assert_eq!(
        listed_etags(&storage, "byhand").await,
        [("notes.txt".to_string(), world)]
    );
}
