//! Objects: put (bytes, files and streams, each way of signing them), get (whole, by range,
//! streamed), head, delete one and many, copy, and virtual-hosted-style addressing.

use std::time::Duration;

use bytes::Bytes;
use countersign::client::s3::{ByteRange, PutOptions, S3Client, UploadBody};
use countersign::client::{
    ChecksumAlgorithm, Chunking, Endpoint, FileSigning, Framing, StreamSigning,
};
use futures_util::StreamExt;

use crate::server::{pattern, Server};

over_http_and_https!(
    put_get_head_delete,
    get_with_a_range,
    get_streamed_in_pieces,
    put_of_a_file_signed_aws_chunked,
    put_of_a_file_unsigned,
    put_of_a_file_with_its_sha256,
    put_of_a_stream_with_a_checksum_trailer,
    put_of_a_stream_unsigned,
    delete_many_reports_each_refused_key,
    copy_from_a_key_that_needs_encoding,
    virtual_hosted_addressing_puts_the_bucket_in_the_host,
);

/// A key with a space, a `+`, a non-ASCII letter and a `/`, which the path must encode.
const KEY: &str = "dir/hello wörld+1.txt";

async fn put_get_head_delete(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("objects").await;
    let body = pattern(3000, 1);
    let options = PutOptions::new()
        .content_type("text/x-test")
        .metadata("owner", "alice")
        .metadata("Project", "countersign");
    let put = s3
        .put_object_with(&bucket, KEY, body.clone(), &options)
        .await
        .unwrap();
    let etag = put.etag.expect("an ETag");

    let object = s3.get_object(&bucket, KEY).await.unwrap();
    assert_eq!(object.body, body);
    assert_eq!(object.head.etag.as_deref(), Some(etag.as_str()));

    let head = s3.head_object(&bucket, KEY).await.unwrap();
    assert_eq!(head.size(), 3000);
    assert_eq!(head.content_length, 3000);
    assert_eq!(head.etag.as_deref(), Some(etag.as_str()));
    assert_eq!(head.content_type.as_deref(), Some("text/x-test"));
    assert_eq!(
        head.metadata.get("owner").map(String::as_str),
        Some("alice")
    );
    assert_eq!(
        head.metadata.get("project").map(String::as_str),
        Some("countersign")
    );
    let modified = head.last_modified.expect("Last-Modified");
    let age = time::OffsetDateTime::now_utc() - modified;
    assert!(age.whole_seconds().abs() < 300, "{modified}");

    s3.delete_object(&bucket, KEY).await.unwrap();
    let gone = s3.head_object(&bucket, KEY).await.unwrap_err();
    assert_eq!(gone.service_error().map(|e| e.status.as_u16()), Some(404));
}

async fn get_with_a_range(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("ranges").await;
    let body = pattern(1000, 2);
    s3.put_object(&bucket, "r", body.clone()).await.unwrap();

    let middle = s3.get_object_range(&bucket, "r", 100..=199).await.unwrap();
    assert_eq!(middle.body, body[100..200]);
    let range = middle.head.content_range.expect("Content-Range");
    assert_eq!(
        (range.first, range.last, range.total),
        (100, 199, Some(1000))
    );
    assert_eq!(middle.head.content_length, 100);
    assert_eq!(middle.head.size(), 1000);

    let tail = s3.get_object_range(&bucket, "r", 990..).await.unwrap();
    assert_eq!(tail.body, body[990..]);
    let last = s3
        .get_object_range(&bucket, "r", ByteRange::last(7))
        .await
        .unwrap();
    assert_eq!(last.body, body[993..]);

    let backwards = s3
        .get_object_range(&bucket, "r", ByteRange::new(9, 3))
        .await;
    assert!(backwards.is_err());
}

async fn get_streamed_in_pieces(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("streamed").await;
    let body = pattern(3 << 20, 3);
    s3.put_object(&bucket, "big", body.clone()).await.unwrap();

    // Below the object's size: a whole read is refused, a streamed one is not.
    let small = s3.clone().download_limit(1 << 20);
    assert!(small.get_object(&bucket, "big").await.is_err());
    let mut stream = small.get_object_stream(&bucket, "big", None).await.unwrap();
    assert_eq!(stream.head().content_length, 3 << 20);
    let mut pieces = 0;
    let mut offset = 0;
    while let Some(piece) = stream.next().await {
        let piece = piece.unwrap();
        assert_eq!(piece, body[offset..offset + piece.len()]);
        offset += piece.len();
        pieces += 1;
    }
    assert_eq!(offset, body.len());
    assert!(pieces > 1, "the body came in {pieces} piece");
    assert_eq!(stream.received(), 3 << 20);
}

/// Puts a file of 200 KiB signed as `signing` says, and reads it back.
async fn put_file(server: &Server, name: &str, signing: FileSigning) {
    let s3 = server.client();
    let bucket = server.bucket(name).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload.bin");
    let body = pattern(200 * 1024 + 17, 4);
    std::fs::write(&path, &body).unwrap();
    s3.put_object(&bucket, "file", UploadBody::file(&path, signing))
        .await
        .unwrap();
    assert_eq!(s3.get_object(&bucket, "file").await.unwrap().body, body);
}

async fn put_of_a_file_signed_aws_chunked(server: &Server) {
    let chunking = Chunking::new(Framing::Signed).chunk_size(64 * 1024);
    put_file(server, "file-chunked", FileSigning::Chunked(chunking)).await;
}

async fn put_of_a_file_unsigned(server: &Server) {
    put_file(server, "file-unsigned", FileSigning::Unsigned).await;
}

async fn put_of_a_file_with_its_sha256(server: &Server) {
    put_file(server, "file-sha256", FileSigning::Sha256).await;
}

/// Puts 100 KiB in pieces of a stream, signed as `signing` says, and reads them back.
async fn put_stream(server: &Server, name: &str, signing: StreamSigning) {
    let s3 = server.client();
    let bucket = server.bucket(name).await;
    let body = pattern(100 * 1024, 5);
    let pieces: Vec<Result<Bytes, std::io::Error>> = body
        .chunks(10_000)
        .map(|piece| Ok(Bytes::copy_from_slice(piece)))
        .collect();
    let stream = futures_util::stream::iter(pieces);
    let upload = UploadBody::stream(stream, body.len() as u64, signing);
    s3.put_object(&bucket, "stream", upload).await.unwrap();
    assert_eq!(s3.get_object(&bucket, "stream").await.unwrap().body, body);
}

async fn put_of_a_stream_with_a_checksum_trailer(server: &Server) {
    let chunking = Chunking::new(Framing::SignedTrailer).checksum(ChecksumAlgorithm::Crc32);
    put_stream(server, "stream-trailer", StreamSigning::Chunked(chunking)).await;
}

async fn put_of_a_stream_unsigned(server: &Server) {
    put_stream(server, "stream-unsigned", StreamSigning::Unsigned).await;
}

async fn delete_many_reports_each_refused_key(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("delete-many").await;
    for key in ["a", "b/c", "d e"] {
        s3.put_object(&bucket, key, "x").await.unwrap();
    }
    // A key that was never there is deleted without complaint; a key with an empty path
    // segment is one the server refuses to store, and reports.
    let keys = ["a", "b/c", "d e", "never-there", "bad//key"];
    let output = s3.delete_objects(&bucket, keys).await.unwrap();
    let mut deleted = output.deleted.clone();
    deleted.sort();
    assert_eq!(deleted, ["a", "b/c", "d e", "never-there"]);
    assert_eq!(output.errors.len(), 1, "{output:?}");
    assert_eq!(output.errors[0].key, "bad//key");
    assert_eq!(output.errors[0].code, "InvalidArgument");
    assert!(!output.errors[0].message.is_empty());
    let head = s3.head_object(&bucket, "a").await.unwrap_err();
    assert_eq!(
        head.service_error().map(|e| e.code.as_str()),
        Some("NotFound")
    );
}

async fn copy_from_a_key_that_needs_encoding(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("copies").await;
    let source = "src dir/ä+b&c?.txt";
    let options = PutOptions::new()
        .content_type("text/plain")
        .metadata("origin", "source");
    s3.put_object_with(&bucket, source, "copied bytes", &options)
        .await
        .unwrap();

    let copied = s3
        .copy_object(&bucket, source, &bucket, "copy of/é")
        .await
        .unwrap();
    assert!(copied.etag.is_some(), "{copied:?}");
    assert!(copied.last_modified.is_some(), "{copied:?}");
    let object = s3.get_object(&bucket, "copy of/é").await.unwrap();
    assert_eq!(&object.body[..], b"copied bytes");
    assert_eq!(object.head.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        object.head.metadata.get("origin").map(String::as_str),
        Some("source")
    );

    let missing = s3
        .copy_object(&bucket, "no such source", &bucket, "x")
        .await
        .unwrap_err();
    assert_eq!(
        missing.service_error().map(|e| e.code.as_str()),
        Some("NoSuchKey")
    );
}

async fn virtual_hosted_addressing_puts_the_bucket_in_the_host(server: &Server) {
    let bucket = server.bucket("vhost").await;
    // `{bucket}.localhost`, resolved by the client to the server's address.
    let host = format!("{bucket}.localhost");
    let reqwest = server
        .reqwest()
        .resolve(&host, std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .build()
        .unwrap();
    let endpoint = Endpoint::custom(format!("{}://localhost:{}", server.scheme(), server.port()));
    let s3 = S3Client::new(server.signing(), endpoint)
        .with_client(reqwest)
        .path_style(false);
    assert!(!s3.is_path_style());
    let url = s3
        .presign_get(&bucket, "k", Duration::from_secs(60))
        .await
        .unwrap();
    let expected = format!("{}://{host}:{}/k?", server.scheme(), server.port());
    assert!(url.starts_with(&expected), "{url}");

    s3.put_object(&bucket, "in/the host", "virtual")
        .await
        .unwrap();
    assert_eq!(
        &s3.get_object(&bucket, "in/the host").await.unwrap().body[..],
        b"virtual"
    );
    // The same object, addressed path-style by the default client of an address.
    let path_style = server.client();
    assert!(path_style.is_path_style());
    assert_eq!(
        &path_style
            .get_object(&bucket, "in/the host")
            .await
            .unwrap()
            .body[..],
        b"virtual"
    );
}
