//! aws-chunked uploads: the unsigned-trailer framing counts as an unsigned payload (refused
//! where those are, accepted where they are not, while signed chunks are accepted either way);
//! SigV4a signs the seed of unsigned chunks, and signs chunks and trailers itself; a chunk
//! chain of the other algorithm is refused by the client and by the layer.

use axum::body::Body;
use axum::Router;
use countersign::client::{ChecksumAlgorithm, Framing, Payload, Signer};
use countersign::core::SigningSettings;
use countersign::server::SigV4Layer;
use http::{Request, StatusCode};

use crate::{answer, app, assert_refused, keys, s3_signer, NOW};

/// A PUT of `data` to a bucket in `framing`, chunks of `chunk` bytes, with a `checksum`
/// trailer when the framing has one, signed by `signer`.
fn chunked_put(signer: &Signer, framing: Framing, data: &[u8], chunk: usize) -> Request<Body> {
    let mut request = Request::put("http://bucket.s3.amazonaws.com/key")
        .body(())
        .unwrap();
    let checksum = framing.has_trailer().then_some(ChecksumAlgorithm::Crc32c);
    let mut encoder = signer
        .sign_chunked(
            &mut request,
            framing,
            data.len() as u64,
            chunk,
            checksum,
            NOW,
        )
        .unwrap();
    let body = encoder.encode(data);
    request.map(|()| Body::from(body))
}

/// The S3 rules, refusing unsigned payloads.
fn strict_s3() -> Router {
    app(SigV4Layer::new(keys()).s3().allow_unsigned_payload(false))
}

#[tokio::test]
async fn refusing_unsigned_payloads_refuses_the_unsigned_trailer_framing() {
    let request = chunked_put(
        &s3_signer(),
        Framing::UnsignedTrailer,
        b"not signed by anyone",
        64 * 1024,
    );
    assert_refused(&strict_s3(), request, StatusCode::FORBIDDEN, "AccessDenied").await;
}

#[tokio::test]
async fn refusing_unsigned_payloads_accepts_signed_chunks() {
    let request = chunked_put(
        &s3_signer(),
        Framing::SignedTrailer,
        b"signed chunk by chunk",
        64 * 1024,
    );
    let answer = answer(&strict_s3(), request).await;
    answer.assert_is(StatusCode::OK, "alice read 21");
}

#[tokio::test]
async fn the_unsigned_trailer_framing_is_accepted_where_unsigned_payloads_are() {
    let app = app(SigV4Layer::new(keys()).s3());
    let request = chunked_put(
        &s3_signer(),
        Framing::UnsignedTrailer,
        b"not signed by anyone",
        64 * 1024,
    );
    let answer = answer(&app, request).await;
    answer.assert_is(StatusCode::OK, "alice read 20");
}

#[tokio::test]
async fn sigv4a_unsigned_chunks_with_a_checksum_trailer_are_accepted() {
    let s3 = app(SigV4Layer::new(keys()).s3().regions(["us-east-1"]));
    let mut request = Request::put("http://bucket.example.com/upload")
        .body(())
        .unwrap();
    let payload = vec![b'x'; 1000];
    let mut encoder = s3_signer()
        .sigv4a("*")
        .sign_chunked(
            &mut request,
            Framing::UnsignedTrailer,
            payload.len() as u64,
            300,
            Some(ChecksumAlgorithm::Crc32),
            NOW,
        )
        .unwrap();
    let request = request.map(|()| Body::from(encoder.encode(&payload)));
    let answer = answer(&s3, request).await;
    answer.assert_is(StatusCode::OK, "alice read 1000");
}

/// 20,000 bytes that do not repeat every chunk.
fn payload() -> Vec<u8> {
    (0..20_000u32).map(|i| (i % 251) as u8).collect()
}

/// An upload of [`payload`] in SigV4a `framing` (chunks of 8 KiB), with one byte of its
/// second chunk's data changed when `changed`, through the S3 rules.
async fn sigv4a_upload(framing: Framing, changed: bool) -> crate::Answer {
    let s3 = app(SigV4Layer::new(keys()).s3());
    let request = chunked_put(&s3_signer().sigv4a("*"), framing, &payload(), 8192);
    let (parts, body) = request.into_parts();
    let mut bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap()
        .to_vec();
    if changed {
        let at = bytes.len() / 2;
        bytes[at] ^= 1;
    }
    answer(&s3, Request::from_parts(parts, Body::from(bytes))).await
}

#[tokio::test]
async fn sigv4a_signed_chunks_are_verified() {
    let answer = sigv4a_upload(Framing::EcdsaSigned, false).await;
    answer.assert_is(StatusCode::OK, "alice read 20000");
}

#[tokio::test]
async fn sigv4a_signed_chunks_with_a_changed_byte_are_refused() {
    let answer = sigv4a_upload(Framing::EcdsaSigned, true).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn sigv4a_signed_chunks_and_trailer_are_verified() {
    let answer = sigv4a_upload(Framing::EcdsaSignedTrailer, false).await;
    answer.assert_is(StatusCode::OK, "alice read 20000");
}

#[tokio::test]
async fn sigv4a_signed_chunks_and_trailer_with_a_changed_byte_are_refused() {
    let answer = sigv4a_upload(Framing::EcdsaSignedTrailer, true).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "SignatureDoesNotMatch");
}

/// Whether `signer` refuses to start chunks in `framing`.
fn client_refuses(signer: Signer, framing: Framing) -> bool {
    let mut request = Request::put("http://bucket.example.com/upload")
        .body(())
        .unwrap();
    signer
        .sign_chunked(&mut request, framing, 10, 8192, None, NOW)
        .is_err()
}

#[test]
fn the_client_refuses_hmac_chunk_signatures_on_an_ecdsa_seed() {
    assert!(client_refuses(s3_signer().sigv4a("*"), Framing::Signed));
}

#[test]
fn the_client_refuses_ecdsa_chunk_signatures_on_an_hmac_seed() {
    assert!(client_refuses(s3_signer(), Framing::EcdsaSigned));
}

/// A PUT whose headers announce `marker`'s chunks, signed with SigV4a when `v4a` (SigV4
/// otherwise), through the S3 rules: refused before any key is looked up.
async fn assert_layer_refuses_the_other_chain(v4a: bool, marker: &str) {
    let s3 = app(SigV4Layer::new(keys()).s3());
    let mut request = Request::put("http://bucket.example.com/upload")
        .header("x-amz-content-sha256", marker)
        .header("x-amz-decoded-content-length", "10")
        .header("content-encoding", "aws-chunked")
        .body(Body::empty())
        .unwrap();
    let signer = crate::signer("s3").settings(SigningSettings::s3());
    let signer = if v4a { signer.sigv4a("*") } else { signer };
    signer.sign(&mut request, Payload::Unsigned, NOW).unwrap();
    let answer = answer(&s3, request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    answer.assert_says("does not go with");
}

#[tokio::test]
async fn the_layer_refuses_hmac_chunks_announced_by_a_sigv4a_request() {
    assert_layer_refuses_the_other_chain(true, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD").await;
}

#[tokio::test]
async fn the_layer_refuses_ecdsa_chunks_announced_by_a_sigv4_request() {
    assert_layer_refuses_the_other_chain(false, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD").await;
}
