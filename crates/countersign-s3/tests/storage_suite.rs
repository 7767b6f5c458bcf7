//! One suite for every `Storage`: each case is a generic function, run over `FsStorage` (in
//! a temporary directory, with its writes flushed to the disk and without), and over
//! `MemoryStorage`, as `fs::CASE`, `fs_unsynced::CASE` and `memory::CASE`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use std::pin::Pin;

use bytes::Bytes;
use countersign_core::checksum::ChecksumAlgorithm;
use countersign_s3::{
    BodyChecksum, BodyReader, ByteStream, Completion, ListQuery, ObjectMeta, ObjectPart,
    ObjectReader, Part, Storage, StorageError, UploadDetails, WriteCondition, MIN_PART_SIZE,
};
use futures_core::Stream;

/// Runs each case over each storage.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod fs {
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let storage = countersign_s3::FsStorage::open(dir.path()).unwrap();
                    super::$case(&storage).await;
                }
            )*
        }
        mod fs_unsynced {
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let storage = countersign_s3::FsStorage::open(dir.path())
                        .unwrap()
                        .sync_writes(false);
                    super::$case(&storage).await;
                }
            )*
        }
        mod memory {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(&countersign_s3::MemoryStorage::new()).await;
                }
            )*
        }
    };
}

suite! {
    buckets_are_listed_by_name,
    a_bucket_keeps_its_owner,
    creating_a_bucket_twice_is_bucket_exists,
    a_missing_bucket_is_no_such_bucket,
    a_bucket_with_an_object_is_not_empty,
    a_bucket_keeps_its_configuration,
    an_object_is_read_back_with_its_metadata,
    a_range_of_an_object_is_read,
    an_object_put_again_is_replaced,
    a_reader_keeps_the_bytes_it_opened,
    a_missing_key_is_no_such_key,
    an_object_in_a_missing_bucket_is_no_such_bucket,
    a_deleted_object_is_gone,
    a_copy_stages_the_source_as_a_new_object,
    a_body_that_fails_is_a_body_error,
    a_listing_groups_by_the_delimiter_under_the_prefix,
    a_listing_continues_after_the_last_entry,
    a_listing_of_a_missing_bucket_is_no_such_bucket,
    multipart_parts_complete_into_the_object,
    multipart_part_uploaded_again_is_replaced,
    multipart_abort_drops_the_upload,
    multipart_uploads_are_listed_by_key,
    multipart_upload_of_another_key_is_no_such_upload,
    multipart_parts_out_of_order_are_invalid_part_order,
    multipart_part_with_another_etag_is_invalid_part,
    multipart_small_part_but_the_last_is_entity_too_small,
    deleting_a_bucket_drops_its_uploads,
    a_write_if_absent_is_refused_over_an_object,
    a_write_if_match_needs_the_etag_in_place,
    a_write_if_match_of_a_missing_key_is_no_such_key,
    two_concurrent_writes_if_absent_one_wins,
    a_completion_if_absent_is_refused_over_an_object,
    a_completed_object_keeps_its_parts_and_checksum,
    an_objects_tags_change_alone,
    tagging_a_missing_object_is_no_such_key,
    an_upload_keeps_the_tags_of_its_object,
    an_upload_keeps_its_checksum_algorithm_and_type,
}

// ---- Helpers ---------------------------------------------------------------------------

/// Stages `bytes` and commits them as `bucket/key`, with an ETag naming them: the metadata.
async fn put<S: Storage>(storage: &S, bucket: &str, key: &str, bytes: &[u8]) -> ObjectMeta {
    let meta = ObjectMeta::new(bytes.len() as u64, format!("\"{}\"", bytes.len()));
    put_with(storage, bucket, key, bytes, meta).await.unwrap();
    storage.head_object(bucket, key).await.unwrap()
}

async fn put_with<S: Storage>(
    storage: &S,
    bucket: &str,
    key: &str,
    bytes: &[u8],
    meta: ObjectMeta,
) -> Result<(), StorageError> {
    let mut body = BodyReader::from_bytes(Bytes::copy_from_slice(bytes));
    let staged = storage.stage(&mut body).await?;
    storage
        .put_object(bucket, key, staged, &meta, &WriteCondition::None)
        .await
}

/// [`put_with`] under a condition.
async fn put_if<S: Storage>(
    storage: &S,
    key: &str,
    bytes: &[u8],
    condition: WriteCondition,
) -> Result<(), StorageError> {
    let mut body = BodyReader::from_bytes(Bytes::copy_from_slice(bytes));
    let staged = storage.stage(&mut body).await?;
    let meta = ObjectMeta::new(bytes.len() as u64, format!("\"{}\"", bytes.len()));
    storage
        .put_object("conditions", key, staged, &meta, &condition)
        .await
}

/// Every byte of a stream.
async fn collect(mut stream: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

/// The whole object.
async fn read_all<S: Storage>(storage: &S, bucket: &str, key: &str) -> Vec<u8> {
    let (meta, reader) = storage.get_object(bucket, key).await.unwrap();
    collect(reader.read(0, meta.size)).await
}

/// Keys of a listing's objects.
fn keys(listing: &countersign_s3::Listing) -> Vec<&str> {
    listing.contents.iter().map(|e| e.key.as_str()).collect()
}

/// A part of `size` bytes of `fill`, staged and kept as part `number`.
async fn put_part<S: Storage>(
    storage: &S,
    upload: &countersign_s3::Upload,
    number: u32,
    fill: u8,
    size: usize,
) -> Part {
    let mut body = BodyReader::from_bytes(vec![fill; size]);
    let staged = storage.stage(&mut body).await.unwrap();
    let part = Part::new(
        number,
        size as u64,
        format!("\"{:032x}\"", number * 100 + fill as u32),
    );
    storage.put_part(upload, &part, staged).await.unwrap();
    part
}

fn is_no_such_bucket<T: std::fmt::Debug>(result: Result<T, StorageError>, name: &str) {
    match result {
        Err(StorageError::NoSuchBucket { bucket }) => assert_eq!(bucket, name),
        other => panic!("expected NoSuchBucket, got {other:?}"),
    }
}

// ---- Buckets ---------------------------------------------------------------------------

async fn buckets_are_listed_by_name<S: Storage>(storage: &S) {
    storage.create_bucket("zebra", None).await.unwrap();
    storage.create_bucket("apple", None).await.unwrap();
    let names: Vec<String> = storage
        .list_buckets()
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(names, ["apple", "zebra"]);
}

async fn a_bucket_keeps_its_owner<S: Storage>(storage: &S) {
    storage
        .create_bucket("owned", Some("111122223333"))
        .await
        .unwrap();
    storage.create_bucket("unowned", None).await.unwrap();
    assert_eq!(
        storage.bucket_owner("owned").await.unwrap().as_deref(),
        Some("111122223333")
    );
    assert_eq!(storage.bucket_owner("unowned").await.unwrap(), None);
}

async fn creating_a_bucket_twice_is_bucket_exists<S: Storage>(storage: &S) {
    storage.create_bucket("twice", None).await.unwrap();
    match storage.create_bucket("twice", Some("444455556666")).await {
        Err(StorageError::BucketExists { bucket }) => assert_eq!(bucket, "twice"),
        other => panic!("expected BucketExists, got {other:?}"),
    }
    assert_eq!(storage.bucket_owner("twice").await.unwrap(), None);
}

async fn a_missing_bucket_is_no_such_bucket<S: Storage>(storage: &S) {
    is_no_such_bucket(storage.head_bucket("nowhere").await, "nowhere");
    is_no_such_bucket(storage.delete_bucket("nowhere").await, "nowhere");
    is_no_such_bucket(storage.bucket_owner("nowhere").await, "nowhere");
    is_no_such_bucket(storage.bucket_config("nowhere", "policy").await, "nowhere");
}

async fn a_bucket_with_an_object_is_not_empty<S: Storage>(storage: &S) {
    storage.create_bucket("full", None).await.unwrap();
    put(storage, "full", "a/b", b"x").await;
    match storage.delete_bucket("full").await {
        Err(StorageError::BucketNotEmpty { bucket }) => assert_eq!(bucket, "full"),
        other => panic!("expected BucketNotEmpty, got {other:?}"),
    }
    storage.delete_object("full", "a/b").await.unwrap();
    storage.delete_bucket("full").await.unwrap();
    is_no_such_bucket(storage.head_bucket("full").await, "full");
}

async fn a_bucket_keeps_its_configuration<S: Storage>(storage: &S) {
    storage
        .create_bucket("configured", Some("111122223333"))
        .await
        .unwrap();
    assert_eq!(
        storage.bucket_config("configured", "policy").await.unwrap(),
        None
    );
    let policy = r#"{"Version": "2012-10-17", "Statement": []}"#;
    storage
        .put_bucket_config("configured", "policy", Some(policy))
        .await
        .unwrap();
    assert_eq!(
        storage
            .bucket_config("configured", "policy")
            .await
            .unwrap()
            .as_deref(),
        Some(policy)
    );
    storage
        .put_bucket_config("configured", "policy", None)
        .await
        .unwrap();
    assert_eq!(
        storage.bucket_config("configured", "policy").await.unwrap(),
        None
    );
    // The owner stays through the changes.
    assert_eq!(
        storage.bucket_owner("configured").await.unwrap().as_deref(),
        Some("111122223333")
    );
}

// ---- Objects ---------------------------------------------------------------------------

async fn an_object_is_read_back_with_its_metadata<S: Storage>(storage: &S) {
    storage.create_bucket("objects", None).await.unwrap();
    let checksum = BodyChecksum::new(ChecksumAlgorithm::Crc32, "DUoRhQ==");
    let meta = ObjectMeta::new(11, "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")
        .with_headers(vec![
            ("content-type".into(), "text/plain".into()),
            ("x-amz-meta-colour".into(), "blue".into()),
        ])
        .with_checksum(Some(checksum.clone()));
    put_with(
        storage,
        "objects",
        "dir/hello.txt",
        b"hello world",
        meta.clone(),
    )
    .await
    .unwrap();
    let (got, reader) = storage
        .get_object("objects", "dir/hello.txt")
        .await
        .unwrap();
    assert_eq!(got, meta);
    assert_eq!(got.content_type(), Some("text/plain"));
    assert_eq!(
        got.user_metadata().collect::<Vec<_>>(),
        [("colour", "blue")]
    );
    assert_eq!(got.checksum, Some(checksum));
    assert_eq!(collect(reader.read(0, 11)).await, b"hello world");
    assert_eq!(
        storage
            .head_object("objects", "dir/hello.txt")
            .await
            .unwrap(),
        meta
    );
}

async fn a_range_of_an_object_is_read<S: Storage>(storage: &S) {
    storage.create_bucket("ranges", None).await.unwrap();
    put(storage, "ranges", "digits", b"0123456789").await;
    let (_, reader) = storage.get_object("ranges", "digits").await.unwrap();
    assert_eq!(collect(reader.read(2, 3)).await, b"234");
    let (_, reader) = storage.get_object("ranges", "digits").await.unwrap();
    assert_eq!(collect(reader.read(9, 1)).await, b"9");
}

async fn an_object_put_again_is_replaced<S: Storage>(storage: &S) {
    storage.create_bucket("replace", None).await.unwrap();
    put(storage, "replace", "k", b"first").await;
    let meta = put(storage, "replace", "k", b"second!").await;
    assert_eq!(meta.size, 7);
    assert_eq!(read_all(storage, "replace", "k").await, b"second!");
}

async fn a_reader_keeps_the_bytes_it_opened<S: Storage>(storage: &S) {
    storage.create_bucket("snapshot", None).await.unwrap();
    put(storage, "snapshot", "k", b"before").await;
    let (meta, reader) = storage.get_object("snapshot", "k").await.unwrap();
    put(storage, "snapshot", "k", b"after!").await;
    assert_eq!(collect(reader.read(0, meta.size)).await, b"before");
}

async fn a_missing_key_is_no_such_key<S: Storage>(storage: &S) {
    storage.create_bucket("keys", None).await.unwrap();
    for result in [
        storage.head_object("keys", "missing").await.map(|_| ()),
        storage.get_object("keys", "missing").await.map(|_| ()),
    ] {
        match result {
            Err(StorageError::NoSuchKey { bucket, key }) => {
                assert_eq!((bucket.as_str(), key.as_str()), ("keys", "missing"))
            }
            other => panic!("expected NoSuchKey, got {other:?}"),
        }
    }
}

async fn an_object_in_a_missing_bucket_is_no_such_bucket<S: Storage>(storage: &S) {
    let meta = ObjectMeta::new(1, "\"1\"");
    is_no_such_bucket(
        put_with(storage, "nowhere", "k", b"x", meta).await,
        "nowhere",
    );
    is_no_such_bucket(
        storage.get_object("nowhere", "k").await.map(|_| ()),
        "nowhere",
    );
    is_no_such_bucket(storage.head_object("nowhere", "k").await, "nowhere");
    is_no_such_bucket(storage.delete_object("nowhere", "k").await, "nowhere");
}

async fn a_deleted_object_is_gone<S: Storage>(storage: &S) {
    storage.create_bucket("deletes", None).await.unwrap();
    put(storage, "deletes", "a/b/c", b"x").await;
    storage.delete_object("deletes", "a/b/c").await.unwrap();
    assert!(matches!(
        storage.head_object("deletes", "a/b/c").await,
        Err(StorageError::NoSuchKey { .. })
    ));
    // A missing object is no error, as in S3.
    storage.delete_object("deletes", "a/b/c").await.unwrap();
    let listing = storage
        .list_objects("deletes", &ListQuery::new(""))
        .await
        .unwrap();
    assert!(listing.contents.is_empty());
}

async fn a_copy_stages_the_source_as_a_new_object<S: Storage>(storage: &S) {
    storage.create_bucket("source", None).await.unwrap();
    storage.create_bucket("target", None).await.unwrap();
    put(storage, "source", "original", b"copy me, in part").await;
    let (_, reader) = storage.get_object("source", "original").await.unwrap();
    let mut body = BodyReader::from_stream(reader.read(5, 2));
    let staged = storage.stage(&mut body).await.unwrap();
    let meta = ObjectMeta::new(2, "\"copy\"");
    storage
        .put_object("target", "copy", staged, &meta, &WriteCondition::None)
        .await
        .unwrap();
    assert_eq!(read_all(storage, "target", "copy").await, b"me");
    assert_eq!(
        read_all(storage, "source", "original").await,
        b"copy me, in part"
    );
}

async fn a_body_that_fails_is_a_body_error<S: Storage>(storage: &S) {
    struct Failing(u8);
    impl Stream for Failing {
        type Item = Result<Bytes, std::io::Error>;
        fn poll_next(
            mut self: Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            self.0 += 1;
            std::task::Poll::Ready(Some(match self.0 {
                1 => Ok(Bytes::from_static(b"some bytes")),
                _ => Err(std::io::Error::other("the signature does not match")),
            }))
        }
    }
    let mut body = BodyReader::from_stream(ByteStream::new(Failing(0)));
    match storage.stage(&mut body).await {
        Err(StorageError::Body(e)) => {
            assert!(
                e.to_string().contains("the signature does not match"),
                "{e}"
            )
        }
        other => panic!("expected a Body error, got {:?}", other.map(|_| ())),
    }
}

// ---- Listings --------------------------------------------------------------------------

async fn a_listing_groups_by_the_delimiter_under_the_prefix<S: Storage>(storage: &S) {
    storage.create_bucket("tree", None).await.unwrap();
    for key in [
        "photos/2023/a.jpg",
        "photos/2024/b.jpg",
        "photos/c.jpg",
        "videos/d.mp4",
        "e.txt",
    ] {
        put(storage, "tree", key, key.as_bytes()).await;
    }
    let all = storage
        .list_objects("tree", &ListQuery::new("").delimiter(Some("/")))
        .await
        .unwrap();
    assert_eq!(all.common_prefixes, ["photos/", "videos/"]);
    assert_eq!(keys(&all), ["e.txt"]);
    assert!(!all.truncated);

    let query = ListQuery::new("photos/").delimiter(Some("/"));
    let photos = storage.list_objects("tree", &query).await.unwrap();
    assert_eq!(photos.common_prefixes, ["photos/2023/", "photos/2024/"]);
    assert_eq!(keys(&photos), ["photos/c.jpg"]);
    assert_eq!(photos.contents[0].meta.size, "photos/c.jpg".len() as u64);

    let flat = storage
        .list_objects("tree", &ListQuery::new("photos/2"))
        .await
        .unwrap();
    assert_eq!(keys(&flat), ["photos/2023/a.jpg", "photos/2024/b.jpg"]);
    assert!(flat.common_prefixes.is_empty());
}

async fn a_listing_continues_after_the_last_entry<S: Storage>(storage: &S) {
    storage.create_bucket("pages", None).await.unwrap();
    for key in ["k1", "k2", "k3", "k4", "k5"] {
        put(storage, "pages", key, b"x").await;
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = ListQuery::new("").after(after.clone()).max_keys(2);
        let page = storage.list_objects("pages", &query).await.unwrap();
        pages += 1;
        seen.extend(keys(&page).into_iter().map(str::to_string));
        if !page.truncated {
            assert_eq!(page.next_marker, None);
            break;
        }
        assert_eq!(page.next_marker.as_deref(), seen.last().map(String::as_str));
        after = page.next_marker;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["k1", "k2", "k3", "k4", "k5"]);
}

async fn a_listing_of_a_missing_bucket_is_no_such_bucket<S: Storage>(storage: &S) {
    is_no_such_bucket(
        storage.list_objects("nowhere", &ListQuery::new("")).await,
        "nowhere",
    );
}

// ---- Multipart uploads -----------------------------------------------------------------

async fn multipart_parts_complete_into_the_object<S: Storage>(storage: &S) {
    storage.create_bucket("uploads", None).await.unwrap();
    let headers = vec![("content-type".to_string(), "video/mp4".to_string())];
    let upload = storage
        .create_upload("uploads", "movie.mp4", UploadDetails::new(headers.clone()))
        .await
        .unwrap();
    assert_eq!(
        storage
            .get_upload("uploads", "movie.mp4", &upload.id)
            .await
            .unwrap(),
        upload
    );
    let big = MIN_PART_SIZE as usize;
    let second = put_part(storage, &upload, 2, b'b', 3).await;
    let first = put_part(storage, &upload, 1, b'a', big).await;
    let parts = storage.list_parts(&upload).await.unwrap();
    assert_eq!(parts, [first.clone(), second.clone()]);

    let mut completion = Completion::new(parts);
    completion.choose(1, &first.etag).unwrap();
    completion.choose(2, &second.etag).unwrap();
    let completed = completion.finish().unwrap();
    assert_eq!(completed.size, big as u64 + 3);
    let meta = ObjectMeta::new(completed.size, completed.etag.clone()).with_headers(headers);
    storage
        .complete_upload(&upload, &completed.parts, &meta, &WriteCondition::None)
        .await
        .unwrap();

    let bytes = read_all(storage, "uploads", "movie.mp4").await;
    assert_eq!(bytes.len(), big + 3);
    assert!(bytes[..big].iter().all(|b| *b == b'a'));
    assert_eq!(&bytes[big..], b"bbb");
    let stored = storage.head_object("uploads", "movie.mp4").await.unwrap();
    assert_eq!(stored.etag, completed.etag);
    assert_eq!(stored.content_type(), Some("video/mp4"));
    assert!(matches!(
        storage.get_upload("uploads", "movie.mp4", &upload.id).await,
        Err(StorageError::NoSuchUpload { .. })
    ));
    assert!(storage.list_uploads("uploads").await.unwrap().is_empty());
}

async fn multipart_part_uploaded_again_is_replaced<S: Storage>(storage: &S) {
    storage.create_bucket("again", None).await.unwrap();
    let upload = storage
        .create_upload("again", "k", UploadDetails::new(Vec::new()))
        .await
        .unwrap();
    put_part(storage, &upload, 1, b'x', 4).await;
    let second = put_part(storage, &upload, 1, b'y', 2).await;
    assert_eq!(storage.list_parts(&upload).await.unwrap(), [second]);
}

async fn multipart_abort_drops_the_upload<S: Storage>(storage: &S) {
    storage.create_bucket("aborts", None).await.unwrap();
    let upload = storage
        .create_upload("aborts", "k", UploadDetails::new(Vec::new()))
        .await
        .unwrap();
    put_part(storage, &upload, 1, b'x', 4).await;
    storage.abort_upload(&upload).await.unwrap();
    assert!(matches!(
        storage.get_upload("aborts", "k", &upload.id).await,
        Err(StorageError::NoSuchUpload { .. })
    ));
    assert!(matches!(
        storage.abort_upload(&upload).await,
        Err(StorageError::NoSuchUpload { .. })
    ));
    // A part that arrives after the abort has no upload to go to.
    let mut body = BodyReader::from_bytes(&b"late"[..]);
    let staged = storage.stage(&mut body).await.unwrap();
    assert!(matches!(
        storage
            .put_part(&upload, &Part::new(2, 4, "\"late\""), staged)
            .await,
        Err(StorageError::NoSuchUpload { .. })
    ));
    assert!(storage.list_uploads("aborts").await.unwrap().is_empty());
}

async fn multipart_uploads_are_listed_by_key<S: Storage>(storage: &S) {
    storage.create_bucket("listed", None).await.unwrap();
    storage.create_bucket("elsewhere", None).await.unwrap();
    let details =
        || UploadDetails::new(Vec::new()).with_checksum_algorithm(Some(ChecksumAlgorithm::Sha256));
    let b = storage
        .create_upload("listed", "b", details())
        .await
        .unwrap();
    let a = storage
        .create_upload("listed", "a", details())
        .await
        .unwrap();
    storage
        .create_upload("elsewhere", "a", details())
        .await
        .unwrap();
    let uploads = storage.list_uploads("listed").await.unwrap();
    let ids: Vec<&str> = uploads.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, [a.id.as_str(), b.id.as_str()]);
    assert_eq!(
        uploads[0].checksum_algorithm,
        Some(ChecksumAlgorithm::Sha256)
    );
}

async fn multipart_upload_of_another_key_is_no_such_upload<S: Storage>(storage: &S) {
    storage.create_bucket("mine", None).await.unwrap();
    let upload = storage
        .create_upload("mine", "k", UploadDetails::new(Vec::new()))
        .await
        .unwrap();
    for (bucket, key, id) in [
        ("mine", "other", upload.id.as_str()),
        ("mine", "k", "0123456789abcdef"),
        ("mine", "k", "../../etc"),
    ] {
        match storage.get_upload(bucket, key, id).await {
            Err(StorageError::NoSuchUpload { upload_id }) => assert_eq!(upload_id, id),
            other => panic!("expected NoSuchUpload, got {other:?}"),
        }
    }
}

async fn multipart_parts_out_of_order_are_invalid_part_order<S: Storage>(storage: &S) {
    storage.create_bucket("order", None).await.unwrap();
    let upload = storage
        .create_upload("order", "k", UploadDetails::new(Vec::new()))
        .await
        .unwrap();
    let one = put_part(storage, &upload, 1, b'a', MIN_PART_SIZE as usize).await;
    let two = put_part(storage, &upload, 2, b'b', 1).await;
    let mut completion = Completion::new(storage.list_parts(&upload).await.unwrap());
    completion.choose(2, &two.etag).unwrap();
    assert!(matches!(
        completion.choose(1, &one.etag),
        Err(StorageError::InvalidPartOrder)
    ));
    assert!(matches!(
        completion.choose(2, &two.etag),
        Err(StorageError::InvalidPartOrder)
    ));
}

async fn multipart_part_with_another_etag_is_invalid_part<S: Storage>(storage: &S) {
    storage.create_bucket("etags", None).await.unwrap();
    let upload = storage
        .create_upload("etags", "k", UploadDetails::new(Vec::new()))
        .await
        .unwrap();
    put_part(storage, &upload, 1, b'a', 1).await;
    let mut completion = Completion::new(storage.list_parts(&upload).await.unwrap());
    assert!(matches!(
        completion.choose(1, "\"00000000000000000000000000000000\""),
        Err(StorageError::InvalidPart { .. })
    ));
    assert!(matches!(
        completion.choose(3, "\"00000000000000000000000000000000\""),
        Err(StorageError::InvalidPart { .. })
    ));
}

async fn multipart_small_part_but_the_last_is_entity_too_small<S: Storage>(storage: &S) {
    storage.create_bucket("small", None).await.unwrap();
    let upload = storage
        .create_upload("small", "k", UploadDetails::new(Vec::new()))
        .await
        .unwrap();
    let one = put_part(storage, &upload, 1, b'a', 10).await;
    let two = put_part(storage, &upload, 2, b'b', 10).await;
    let mut completion = Completion::new(storage.list_parts(&upload).await.unwrap());
    completion.choose(1, &one.etag).unwrap();
    completion.choose(2, &two.etag).unwrap();
    assert!(matches!(
        completion.finish(),
        Err(StorageError::EntityTooSmall { .. })
    ));
}

async fn deleting_a_bucket_drops_its_uploads<S: Storage>(storage: &S) {
    storage.create_bucket("transient", None).await.unwrap();
    let upload = storage
        .create_upload("transient", "k", UploadDetails::new(Vec::new()))
        .await
        .unwrap();
    put_part(storage, &upload, 1, b'a', 3).await;
    storage.delete_bucket("transient").await.unwrap();
    storage.create_bucket("transient", None).await.unwrap();
    assert!(storage.list_uploads("transient").await.unwrap().is_empty());
    assert!(matches!(
        storage.get_upload("transient", "k", &upload.id).await,
        Err(StorageError::NoSuchUpload { .. })
    ));
}

// ---- Conditional writes ----------------------------------------------------------------

async fn a_write_if_absent_is_refused_over_an_object<S: Storage>(storage: &S) {
    storage.create_bucket("conditions", None).await.unwrap();
    put_if(storage, "k", b"first", WriteCondition::IfAbsent)
        .await
        .unwrap();
    assert!(matches!(
        put_if(storage, "k", b"second", WriteCondition::IfAbsent).await,
        Err(StorageError::PreconditionFailed)
    ));
    assert_eq!(read_all(storage, "conditions", "k").await, b"first");
}

async fn a_write_if_match_needs_the_etag_in_place<S: Storage>(storage: &S) {
    storage.create_bucket("conditions", None).await.unwrap();
    put_if(storage, "k", b"first", WriteCondition::None)
        .await
        .unwrap();
    let other = WriteCondition::IfMatch("\"9\"".into());
    assert!(matches!(
        put_if(storage, "k", b"second", other).await,
        Err(StorageError::PreconditionFailed)
    ));
    // The ETag put_if gives is the length, quoted; If-Match takes it quoted or not.
    put_if(storage, "k", b"third", WriteCondition::IfMatch("5".into()))
        .await
        .unwrap();
    assert_eq!(read_all(storage, "conditions", "k").await, b"third");
}

async fn a_write_if_match_of_a_missing_key_is_no_such_key<S: Storage>(storage: &S) {
    storage.create_bucket("conditions", None).await.unwrap();
    match put_if(
        storage,
        "absent",
        b"x",
        WriteCondition::IfMatch("\"1\"".into()),
    )
    .await
    {
        Err(StorageError::NoSuchKey { key, .. }) => assert_eq!(key, "absent"),
        other => panic!("expected NoSuchKey, got {other:?}"),
    }
    assert!(storage.head_object("conditions", "absent").await.is_err());
}

async fn two_concurrent_writes_if_absent_one_wins<S: Storage>(storage: &S) {
    storage.create_bucket("conditions", None).await.unwrap();
    for round in 0..20 {
        let key = format!("k{round}");
        let (a, b) = tokio::join!(
            put_if(storage, &key, b"writer a", WriteCondition::IfAbsent),
            put_if(storage, &key, b"writer bb", WriteCondition::IfAbsent),
        );
        let winner: &[u8] = match (a, b) {
            (Ok(()), Err(StorageError::PreconditionFailed)) => b"writer a",
            (Err(StorageError::PreconditionFailed), Ok(())) => b"writer bb",
            other => panic!("expected one write to win, got {other:?}"),
        };
        assert_eq!(read_all(storage, "conditions", &key).await, winner);
    }
}

async fn a_completion_if_absent_is_refused_over_an_object<S: Storage>(storage: &S) {
    storage.create_bucket("conditions", None).await.unwrap();
    put_if(storage, "k", b"in place", WriteCondition::None)
        .await
        .unwrap();
    let upload = storage
        .create_upload("conditions", "k", UploadDetails::new(Vec::new()))
        .await
        .unwrap();
    let part = put_part(storage, &upload, 1, b'p', 3).await;
    let meta = ObjectMeta::new(3, "\"p-1\"");
    assert!(matches!(
        storage
            .complete_upload(
                &upload,
                std::slice::from_ref(&part),
                &meta,
                &WriteCondition::IfAbsent
            )
            .await,
        Err(StorageError::PreconditionFailed)
    ));
    assert_eq!(read_all(storage, "conditions", "k").await, b"in place");
    // The upload stays, to be completed another way.
    storage
        .complete_upload(&upload, &[part], &meta, &WriteCondition::None)
        .await
        .unwrap();
    assert_eq!(read_all(storage, "conditions", "k").await, b"ppp");
}

async fn a_completed_object_keeps_its_parts_and_checksum<S: Storage>(storage: &S) {
    storage.create_bucket("layout", None).await.unwrap();
    let upload = storage
        .create_upload("layout", "k", UploadDetails::new(Vec::new()))
        .await
        .unwrap();
    let one = put_part(storage, &upload, 1, b'a', MIN_PART_SIZE as usize).await;
    let three = put_part(storage, &upload, 3, b'c', 2).await;
    let parts = vec![
        ObjectPart::new(
            1,
            one.size,
            Some(BodyChecksum::new(ChecksumAlgorithm::Crc32, "AAAAAA==")),
        ),
        ObjectPart::new(3, three.size, None),
    ];
    let checksum = BodyChecksum::new(ChecksumAlgorithm::Crc32, "3q2+7w==-2");
    let meta = ObjectMeta::new(one.size + 2, "\"ac-2\"")
        .with_checksum(Some(checksum.clone()))
        .with_parts(parts.clone());
    storage
        .complete_upload(&upload, &[one, three], &meta, &WriteCondition::None)
        .await
        .unwrap();
    let stored = storage.head_object("layout", "k").await.unwrap();
    assert_eq!(stored.parts, parts);
    assert_eq!(stored.checksum, Some(checksum));
    // An object put whole has no parts.
    assert!(put(storage, "layout", "whole", b"x").await.parts.is_empty());
}

// ---- Tags ------------------------------------------------------------------------------

fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn an_objects_tags_change_alone<S: Storage>(storage: &S) {
    storage.create_bucket("tags", None).await.unwrap();
    let meta = ObjectMeta::new(6, "\"tagged\"").with_tags(tags(&[("colour", "blue")]));
    put_with(storage, "tags", "k", b"tagged", meta)
        .await
        .unwrap();
    let before = storage.head_object("tags", "k").await.unwrap();
    assert_eq!(before.tags, tags(&[("colour", "blue")]));
    let changed = tags(&[("size", "large"), ("empty", "")]);
    storage
        .put_object_tags("tags", "k", changed.clone())
        .await
        .unwrap();
    let after = storage.head_object("tags", "k").await.unwrap();
    assert_eq!(after.tags, changed);
    // Nothing else changes: not the ETag, not the time, not the bytes.
    assert_eq!(
        (after.etag, after.last_modified),
        (before.etag, before.last_modified)
    );
    assert_eq!(read_all(storage, "tags", "k").await, b"tagged");
    storage
        .put_object_tags("tags", "k", Vec::new())
        .await
        .unwrap();
    assert!(storage
        .head_object("tags", "k")
        .await
        .unwrap()
        .tags
        .is_empty());
}

async fn tagging_a_missing_object_is_no_such_key<S: Storage>(storage: &S) {
    storage.create_bucket("tags", None).await.unwrap();
    match storage.put_object_tags("tags", "absent", Vec::new()).await {
        Err(StorageError::NoSuchKey { key, .. }) => assert_eq!(key, "absent"),
        other => panic!("expected NoSuchKey, got {other:?}"),
    }
    is_no_such_bucket(
        storage.put_object_tags("nowhere", "k", Vec::new()).await,
        "nowhere",
    );
}

async fn an_upload_keeps_the_tags_of_its_object<S: Storage>(storage: &S) {
    storage.create_bucket("tags", None).await.unwrap();
    let details = UploadDetails::new(Vec::new()).with_tags(tags(&[("from", "upload")]));
    let upload = storage.create_upload("tags", "k", details).await.unwrap();
    let read = storage.get_upload("tags", "k", &upload.id).await.unwrap();
    assert_eq!(read.tags, tags(&[("from", "upload")]));
}

async fn an_upload_keeps_its_checksum_algorithm_and_type<S: Storage>(storage: &S) {
    storage.create_bucket("sums", None).await.unwrap();
    for full_object in [true, false] {
        let details = UploadDetails::new(Vec::new())
            .with_checksum_algorithm(Some(ChecksumAlgorithm::Crc32))
            .with_full_object_checksum(full_object);
        let upload = storage.create_upload("sums", "k", details).await.unwrap();
        let read = storage.get_upload("sums", "k", &upload.id).await.unwrap();
        assert_eq!(
            (read.checksum_algorithm, read.full_object_checksum),
            (
                Some(countersign_core::checksum::ChecksumAlgorithm::Crc32),
                full_object
            )
        );
    }
}
