//! Signing that owns the body, checked by the server's layer in-process (tower `oneshot`, a
//! fixed clock) and by the core's verifier: bytes hashed for the caller, files and streams
//! sent unsigned, hashed, or as aws-chunked with signed chunks and checksum trailers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use std::convert::Infallible;

use bytes::Bytes;
use countersign_client::{
    ChecksumAlgorithm, Chunking, Credentials, Error, FileSigning, Framing, Signer, StreamError,
    StreamSigning,
};
use countersign_core::{AuthParams, Request as CoreRequest, SecretKey, Verifier};
use countersign_server::keys::MemoryKeyStore;
use countersign_server::{SigV4Layer, Verified, VerifiedBody};
use http::{Request, Response, StatusCode};
use http_body::Frame;
use http_body_util::{BodyExt, Full, StreamBody};
use sha2::{Digest, Sha256};
use time::macros::datetime;
use time::OffsetDateTime;
use tower::{Layer, ServiceExt};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const NOW: OffsetDateTime = datetime!(2024-03-01 10:00:00 UTC);
const URI: &str = "http://bucket.s3.amazonaws.com/key";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn s3_signer() -> Signer {
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "s3").s3()
}

/// Bytes that do not repeat with a short period, so that a chunk out of place shows.
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// What the handler behind the layer says of a body it read whole: who sent it, its length
/// and its SHA-256.
fn read_line(data: &[u8]) -> String {
    format!(
        "alice read {} {}",
        data.len(),
        hex::encode(Sha256::digest(data))
    )
}

/// The handler: [`read_line`] of the body, or the code of the layer's check that failed as
/// it was read.
async fn read_all<B>(request: Request<VerifiedBody<B>>) -> Result<Response<Full<Bytes>>, Infallible>
where
    VerifiedBody<B>: http_body::Body<Data = Bytes, Error = countersign_server::BodyError>,
{
    let principal = request
        .extensions()
        .get::<Verified<String>>()
        .map(|v| v.principal.clone());
    let text = match request.into_body().collect().await {
        Ok(collected) => read_line(&collected.to_bytes()),
        Err(e) => format!("refused {}", e.code()),
    };
    assert_eq!(principal.as_deref(), Some("alice"));
    Ok(Response::new(Full::new(Bytes::from(text))))
}

/// Sends `request` through an S3 layer whose clock reads [`NOW`]: the status and the text.
async fn send<B>(request: Request<B>) -> (StatusCode, String)
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let keys = MemoryKeyStore::new();
    keys.insert(AKID, SECRET, "alice".to_string());
    let layer = SigV4Layer::new(keys).s3().clock(|| NOW);
    let service = layer.layer(tower::service_fn(read_all::<B>));
    let response = service.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Asserts that the layer accepted the request and the handler read `data`.
#[track_caller]
fn assert_read(answer: (StatusCode, String), data: &[u8]) {
    assert_eq!(answer, (StatusCode::OK, read_line(data)));
}

/// `data` as a stream of pieces of irregular sizes (1, 7, 300, 4096, … bytes).
fn stream_of(
    data: &[u8],
) -> StreamBody<impl futures_util::Stream<Item = Result<Frame<Bytes>, Infallible>>> {
    let mut pieces = Vec::new();
    let mut rest = Bytes::copy_from_slice(data);
    for size in [1usize, 7, 300, 4096].into_iter().cycle() {
        if rest.is_empty() {
            break;
        }
        pieces.push(Ok(Frame::data(rest.split_to(size.min(rest.len())))));
    }
    StreamBody::new(futures_util::stream::iter(pieces))
}

/// A signed PUT of `data` streamed in irregular pieces, as `signing` says.
fn stream_put(
    data: &[u8],
    signing: StreamSigning,
) -> Request<countersign_client::SignedBody<impl http_body::Body<Data = Bytes, Error = Infallible>>>
{
    let request = Request::put(URI).body(stream_of(data)).unwrap();
    s3_signer()
        .sign_stream(request, data.len() as u64, signing, NOW)
        .unwrap()
}

// Bytes.

#[tokio::test]
async fn a_vec_body_signed_with_its_hash_is_accepted() {
    let data = pattern(3000);
    let mut request = Request::put(URI).body(data.clone()).unwrap();
    s3_signer().sign_body(&mut request, NOW).unwrap();
    assert_read(
        send(request.map(|b| Full::new(Bytes::from(b)))).await,
        &data,
    );
}

#[tokio::test]
async fn a_string_body_signed_with_its_hash_is_accepted() {
    let mut request = Request::put(URI).body(String::from("a note")).unwrap();
    s3_signer().sign_body(&mut request, NOW).unwrap();
    assert_read(
        send(request.map(|b| Full::new(Bytes::from(b)))).await,
        b"a note",
    );
}

#[tokio::test]
async fn a_bytes_body_changed_after_signing_is_refused() {
    let mut request = Request::put(URI).body(Bytes::from("original")).unwrap();
    s3_signer().sign_body(&mut request, NOW).unwrap();
    let request = request.map(|_| Full::new(Bytes::from("replaced")));
    let (status, text) = send(request).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "refused XAmzContentSHA256Mismatch")
    );
}

#[tokio::test]
async fn an_s3_presigned_body_is_accepted() {
    let data = pattern(100);
    let mut request = Request::put(URI).body(data.clone()).unwrap();
    s3_signer().presign_body(&mut request, 60, NOW).unwrap();
    assert!(request.uri().query().unwrap().contains("X-Amz-Signature="));
    assert_read(
        send(request.map(|b| Full::new(Bytes::from(b)))).await,
        &data,
    );
}

/// Verifies `request` with the core's verifier, the body's hash computed here.
fn core_verify(request: &Request<Vec<u8>>) -> Result<(), countersign_core::Error> {
    let view = CoreRequest::from_http(request);
    let auth = AuthParams::from_request(&view)?;
    let hash = hex::encode(Sha256::digest(request.body()));
    Verifier::new(countersign_core::SigningSettings::standard())
        .verify(&view, &auth, &SecretKey::new(SECRET), &hash, NOW)
        .map(|_| ())
}

fn api_signer() -> Signer {
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "execute-api")
}

#[test]
fn a_body_signed_with_its_hash_verifies_in_the_core() {
    let mut request = Request::post("https://api.example.com/orders")
        .body(br#"{"item":42}"#.to_vec())
        .unwrap();
    api_signer().sign_body(&mut request, NOW).unwrap();
    core_verify(&request).unwrap();
}

#[test]
fn a_body_changed_after_signing_does_not_verify_in_the_core() {
    let mut request = Request::post("https://api.example.com/orders")
        .body(br#"{"item":42}"#.to_vec())
        .unwrap();
    api_signer().sign_body(&mut request, NOW).unwrap();
    *request.body_mut() = br#"{"item":43}"#.to_vec();
    assert!(matches!(
        core_verify(&request),
        Err(countersign_core::Error::SignatureDoesNotMatch(_))
    ));
}

#[test]
fn a_presigned_body_verifies_in_the_core() {
    let mut request = Request::post("https://api.example.com/orders")
        .body(br#"{"item":42}"#.to_vec())
        .unwrap();
    api_signer().presign_body(&mut request, 60, NOW).unwrap();
    core_verify(&request).unwrap();
}

// Files.

/// A file of `data` in a fresh directory (kept alive with it).
fn file_of(data: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload.bin");
    std::fs::write(&path, data).unwrap();
    (dir, path)
}

async fn file_put(data: &[u8], signing: FileSigning) -> (StatusCode, String) {
    let (_dir, path) = file_of(data);
    let request = Request::put(URI).body(()).unwrap();
    let request = s3_signer()
        .sign_file(request, &path, signing, NOW)
        .await
        .unwrap();
    send(request).await
}

#[tokio::test]
async fn a_file_sent_unsigned_is_accepted() {
    let data = pattern(200_000);
    assert_read(file_put(&data, FileSigning::Unsigned).await, &data);
}

#[tokio::test]
async fn a_file_signed_with_its_hash_is_accepted() {
    let data = pattern(200_000);
    assert_read(file_put(&data, FileSigning::Sha256).await, &data);
}

#[tokio::test]
async fn a_file_in_signed_chunks_is_accepted() {
    let data = pattern(200_000);
    let chunking = Chunking::new(Framing::Signed).chunk_size(10_000);
    assert_read(file_put(&data, FileSigning::Chunked(chunking)).await, &data);
}

#[tokio::test]
async fn a_file_in_signed_chunks_with_a_signed_trailer_is_accepted() {
    let data = pattern(200_000);
    let chunking = Chunking::new(Framing::SignedTrailer).checksum(ChecksumAlgorithm::Crc32);
    assert_read(file_put(&data, FileSigning::Chunked(chunking)).await, &data);
}

#[tokio::test]
async fn a_file_in_unsigned_chunks_with_a_trailer_is_accepted() {
    let data = pattern(200_000);
    let chunking = Chunking::new(Framing::UnsignedTrailer).checksum(ChecksumAlgorithm::Sha256);
    assert_read(file_put(&data, FileSigning::Chunked(chunking)).await, &data);
}

#[tokio::test]
async fn an_empty_file_in_signed_chunks_is_accepted() {
    let chunking = Chunking::new(Framing::Signed);
    assert_read(file_put(b"", FileSigning::Chunked(chunking)).await, b"");
}

#[tokio::test]
async fn a_missing_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.bin");
    let request = Request::put(URI).body(()).unwrap();
    let error = s3_signer()
        .sign_file(request, &path, FileSigning::Sha256, NOW)
        .await
        .unwrap_err();
    match &error {
        Error::File {
            path: named, kind, ..
        } => {
            assert_eq!(
                (named.as_str(), *kind),
                (path.to_str().unwrap(), std::io::ErrorKind::NotFound)
            );
        }
        other => panic!("not a file error: {other:?}"),
    }
    assert!(error.to_string().contains("absent.bin"), "{error}");
}

#[tokio::test]
async fn a_directory_is_not_a_file_to_send() {
    let dir = tempfile::tempdir().unwrap();
    let request = Request::put(URI).body(()).unwrap();
    let error = s3_signer()
        .sign_file(request, dir.path(), FileSigning::Unsigned, NOW)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::File { .. }), "{error:?}");
}

// Streams.

#[tokio::test]
async fn a_stream_sent_unsigned_is_accepted() {
    let data = pattern(50_000);
    assert_read(
        send(stream_put(&data, StreamSigning::Unsigned)).await,
        &data,
    );
}

#[tokio::test]
async fn a_stream_in_signed_chunks_is_accepted() {
    let data = pattern(50_000);
    let chunking = Chunking::new(Framing::Signed).chunk_size(8192);
    assert_read(
        send(stream_put(&data, StreamSigning::Chunked(chunking))).await,
        &data,
    );
}

#[tokio::test]
async fn a_stream_in_signed_chunks_with_a_crc32_trailer_is_accepted() {
    let data = pattern(50_000);
    let chunking = Chunking::new(Framing::SignedTrailer)
        .chunk_size(8192)
        .checksum(ChecksumAlgorithm::Crc32);
    let request = stream_put(&data, StreamSigning::Chunked(chunking));
    assert_eq!(request.headers()["x-amz-trailer"], "x-amz-checksum-crc32");
    assert_read(send(request).await, &data);
}

#[tokio::test]
async fn a_stream_in_unsigned_chunks_with_a_crc32_trailer_is_accepted() {
    let data = pattern(50_000);
    let chunking = Chunking::new(Framing::UnsignedTrailer)
        .chunk_size(8192)
        .checksum(ChecksumAlgorithm::Crc32);
    let request = stream_put(&data, StreamSigning::Chunked(chunking));
    assert_eq!(
        request.headers()["x-amz-content-sha256"],
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    );
    assert_read(send(request).await, &data);
}

#[tokio::test]
async fn a_stream_with_a_tampered_chunk_is_refused() {
    let data = pattern(20_000);
    let chunking = Chunking::new(Framing::Signed).chunk_size(8192);
    let (parts, body) = stream_put(&data, StreamSigning::Chunked(chunking)).into_parts();
    let mut framed = body.collect().await.unwrap().to_bytes().to_vec();
    // A byte of the second chunk's data, well past the first chunk's frame.
    framed[12_000] ^= 0x01;
    let (status, text) = send(Request::from_parts(parts, Full::new(Bytes::from(framed)))).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "refused SignatureDoesNotMatch")
    );
}

#[tokio::test]
async fn a_stream_longer_than_signed_for_fails() {
    let data = pattern(1000);
    let request = Request::put(URI).body(stream_of(&data)).unwrap();
    let signed = s3_signer()
        .sign_stream(
            request,
            999,
            StreamSigning::Chunked(Chunking::new(Framing::Signed)),
            NOW,
        )
        .unwrap();
    let error = signed.into_body().collect().await.unwrap_err();
    assert!(
        matches!(error, StreamError::TooLong { declared: 999 }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_stream_shorter_than_signed_for_fails() {
    let data = pattern(1000);
    let request = Request::put(URI).body(stream_of(&data)).unwrap();
    let signed = s3_signer()
        .sign_stream(request, 1001, StreamSigning::Unsigned, NOW)
        .unwrap();
    let error = signed.into_body().collect().await.unwrap_err();
    assert!(
        matches!(
            error,
            StreamError::TooShort {
                declared: 1001,
                sent: 1000
            }
        ),
        "{error:?}"
    );
}

/// Asserts that `request`'s body sends exactly the `Content-Length` it declares.
async fn assert_content_length_sent<B>(request: Request<B>)
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::fmt::Debug,
{
    let declared: usize = request.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let sent = request.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(sent.len(), declared);
}

#[tokio::test]
async fn a_stream_in_signed_chunks_sends_its_content_length() {
    let data = pattern(50_000);
    let chunking = Chunking::new(Framing::SignedTrailer)
        .chunk_size(8192)
        .checksum(ChecksumAlgorithm::Crc32c);
    assert_content_length_sent(stream_put(&data, StreamSigning::Chunked(chunking))).await;
}

#[tokio::test]
async fn a_file_in_signed_chunks_sends_its_content_length() {
    let data = pattern(200_000);
    let (_dir, path) = file_of(&data);
    let request = Request::put(URI).body(()).unwrap();
    let chunking = Chunking::new(Framing::Signed).chunk_size(10_000);
    let request = s3_signer()
        .sign_file(request, &path, FileSigning::Chunked(chunking), NOW)
        .await
        .unwrap();
    assert_content_length_sent(request).await;
}

#[tokio::test]
async fn a_file_signed_with_its_hash_sends_its_content_length() {
    let data = pattern(200_000);
    let (_dir, path) = file_of(&data);
    let request = Request::put(URI).body(()).unwrap();
    let request = s3_signer()
        .sign_file(request, &path, FileSigning::Sha256, NOW)
        .await
        .unwrap();
    assert_content_length_sent(request).await;
}
