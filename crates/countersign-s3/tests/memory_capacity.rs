//! `MemoryStorage` holds at most its capacity: objects, parts and bodies being received all
//! count, a body that does not fit is refused, and what is deleted, replaced, aborted or
//! left out of a completed upload is given back.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use countersign_s3::{
    BodyReader, MemoryStorage, ObjectMeta, Part, Storage, StorageError, UploadDetails,
    WriteCondition,
};

/// Puts `size` bytes at `bucket/key`: how it went.
async fn put(storage: &MemoryStorage, key: &str, size: usize) -> Result<(), StorageError> {
    let mut body = BodyReader::from_bytes(vec![b'x'; size]);
    let staged = storage.stage(&mut body).await?;
    let meta = ObjectMeta::new(size as u64, "\"etag\"");
    storage
        .put_object("b", key, staged, &meta, &WriteCondition::None)
        .await
}

async fn storage_of(capacity: u64) -> MemoryStorage {
    let storage = MemoryStorage::with_capacity(capacity);
    storage.create_bucket("b", None).await.unwrap();
    storage
}

fn is_insufficient_storage(result: Result<(), StorageError>) {
    assert!(
        matches!(result, Err(StorageError::InsufficientStorage { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn objects_count_against_the_capacity() {
    let storage = storage_of(1000).await;
    put(&storage, "a", 600).await.unwrap();
    assert_eq!(storage.held(), 600);
    is_insufficient_storage(put(&storage, "b", 500).await);
    // The refused body's bytes were given back: what fits still fits.
    assert_eq!(storage.held(), 600);
    put(&storage, "b", 400).await.unwrap();
    assert_eq!(storage.held(), 1000);
}

#[tokio::test]
async fn a_deleted_object_gives_its_room_back() {
    let storage = storage_of(1000).await;
    put(&storage, "a", 900).await.unwrap();
    storage.delete_object("b", "a").await.unwrap();
    assert_eq!(storage.held(), 0);
    put(&storage, "c", 900).await.unwrap();
}

#[tokio::test]
async fn a_replaced_object_counts_its_new_size_alone() {
    let storage = storage_of(1000).await;
    put(&storage, "a", 700).await.unwrap();
    // While the new body is received the old one is still held: 700 + 200 fits.
    put(&storage, "a", 200).await.unwrap();
    assert_eq!(storage.held(), 200);
}

#[tokio::test]
async fn a_staged_body_dropped_uncommitted_gives_its_room_back() {
    let storage = storage_of(1000).await;
    let mut body = BodyReader::from_bytes(vec![0; 800]);
    let staged = storage.stage(&mut body).await.unwrap();
    assert_eq!(storage.held(), 800);
    drop(staged);
    assert_eq!(storage.held(), 0);
}

#[tokio::test]
async fn parts_count_and_a_completed_upload_keeps_only_the_parts_it_lists() {
    let storage = storage_of(1000).await;
    let upload = storage
        .create_upload("b", "big", UploadDetails::new(Vec::new()))
        .await
        .unwrap();
    let mut listed = Vec::new();
    for (number, size) in [(1, 300), (2, 300), (3, 300)] {
        let mut body = BodyReader::from_bytes(vec![b'p'; size]);
        let staged = storage.stage(&mut body).await.unwrap();
        let part = Part::new(number, size as u64, format!("\"{number}\""));
        storage.put_part(&upload, &part, staged).await.unwrap();
        listed.push(part);
    }
    assert_eq!(storage.held(), 900);
    let mut body = BodyReader::from_bytes(vec![b'p'; 300]);
    is_insufficient_storage(storage.stage(&mut body).await.map(drop));
    // Parts 1 and 3 make the object; part 2 is left out and given back.
    listed.remove(1);
    let meta = ObjectMeta::new(600, "\"joined-2\"");
    storage
        .complete_upload(&upload, &listed, &meta, &WriteCondition::None)
        .await
        .unwrap();
    assert_eq!(storage.held(), 600);
}

#[tokio::test]
async fn an_aborted_upload_gives_its_parts_back() {
    let storage = storage_of(1000).await;
    let upload = storage
        .create_upload("b", "big", UploadDetails::new(Vec::new()))
        .await
        .unwrap();
    let mut body = BodyReader::from_bytes(vec![b'p'; 500]);
    let staged = storage.stage(&mut body).await.unwrap();
    let part = Part::new(1, 500, "\"1\"");
    storage.put_part(&upload, &part, staged).await.unwrap();
    storage.abort_upload(&upload).await.unwrap();
    assert_eq!(storage.held(), 0);
}
