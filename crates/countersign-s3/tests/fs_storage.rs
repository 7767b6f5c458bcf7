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
use countersign_s3::{BodyReader, ByteStream, FsStorage, ObjectMeta, Storage, StorageError};
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
            .put_object("jail", key, staged, &ObjectMeta::new(4, "\"e\""))
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

#[tokio::test]
async fn a_body_that_fails_leaves_no_temporary_file() {
    struct Failing(bool);
    impl Stream for Failing {
        type Item = Result<Bytes, std::io::Error>;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            if self.0 {
                return Poll::Ready(Some(Err(std::io::Error::other(
                    "XAmzContentSHA256Mismatch",
                ))));
            }
            self.0 = true;
            Poll::Ready(Some(Ok(Bytes::from(vec![7u8; 64 * 1024]))))
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    let mut body = BodyReader::from_stream(ByteStream::new(Failing(false)));
    assert!(storage.stage(&mut body).await.is_err());
    assert_eq!(temporary_files(dir.path()), 0);
}

#[tokio::test]
async fn a_staged_body_dropped_uncommitted_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    let mut body = BodyReader::from_bytes(&b"never committed"[..]);
    let staged = storage.stage(&mut body).await.unwrap();
    assert_eq!(temporary_files(dir.path()), 1);
    drop(staged);
    assert_eq!(temporary_files(dir.path()), 0);
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
        .put_object("files", "a/b.txt", staged, &meta)
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
