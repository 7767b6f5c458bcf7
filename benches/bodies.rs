//! Body verification throughput beside raw SHA-256 over the same bytes, in one run: a declared
//! `x-amz-content-sha256` checked while the body streams through the layer, and a signed
//! aws-chunked body (64 KiB chunks) decoded and verified by the core's decoder.
//!
//! ```text
//! cargo bench --bench bodies
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::hint::black_box;

use axum::body::Body;
use axum::routing::put;
use axum::Router;
use bytes::Bytes;
use countersign::client::{Credentials, Framing, Payload, Signer};
use countersign::core::aws_chunked::{ChunkChain, ChunkSigner, Decoder, Event, Limits};
use countersign::core::{AnySignature, AuthParams, Request, SecretKey, SigningKey};
use countersign::server::keys::MemoryKeyStore;
use countersign::server::SigV4Layer;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const SIZE: usize = 16 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// Reads a body to its end, keeping nothing (so that only the checks are measured).
async fn drain(body: Body) -> String {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => total += frame.data_ref().map_or(0, |d| d.len()),
            Err(e) => return e.to_string(),
        }
    }
    total.to_string()
}

fn bench(c: &mut Criterion) {
    let data: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
    let frames: Vec<Bytes> = data.chunks(CHUNK).map(Bytes::copy_from_slice).collect();
    let now = time::OffsetDateTime::now_utc();
    let signer = Signer::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "s3").s3();

    let mut group = c.benchmark_group("body_16MiB");
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.sample_size(20);

    group.bench_function("sha256/raw", |b| {
        b.iter(|| {
            let mut h = Sha256::new();
            for frame in &frames {
                h.update(frame);
            }
            black_box(h.finalize())
        })
    });

    // A declared hash, checked while the body streams through the layer to a handler.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let keys = MemoryKeyStore::new();
    keys.insert("AKIDEXAMPLE", "secret", ());
    let app = Router::new()
        .route("/b/k", put(drain))
        .layer(SigV4Layer::new(keys).s3());
    let mut template = http::Request::put("http://localhost/b/k").body(()).unwrap();
    signer
        .sign(&mut template, Payload::Bytes(&data), now)
        .unwrap();
    group.bench_function("declared sha256 through the layer", |b| {
        b.iter(|| {
            let frames = frames.clone();
            let stream = http_body_util::StreamBody::new(futures_stream(frames));
            let request = template.clone().map(|_| Body::new(stream));
            let response = runtime.block_on(app.clone().oneshot(request)).unwrap();
            assert_eq!(response.status(), 200);
            black_box(runtime.block_on(drain(response.into_body())))
        })
    });

    // Signed aws-chunked, 64 KiB chunks, decoded and verified by the core.
    let mut request = http::Request::put("http://localhost/b/k").body(()).unwrap();
    let mut encoder = signer
        .sign_chunked(&mut request, Framing::Signed, SIZE as u64, CHUNK, None, now)
        .unwrap();
    let encoded = encoder.encode(&data);
    let view = Request::from_http(&request);
    let auth = AuthParams::from_request(&view).unwrap();
    let key = SigningKey::derive(&SecretKey::new("secret"), &auth.credential.scope());
    let AnySignature::Hmac(seed) = auth.signature else {
        panic!("signed with SigV4")
    };
    group.bench_function("aws-chunked signed 64 KiB decode+verify", |b| {
        b.iter(|| {
            let chain = ChunkSigner::new(key.clone(), auth.date, auth.credential.scope_str(), seed);
            let chain = ChunkChain::Hmac(chain);
            let mut decoder = Decoder::new(Framing::Signed, Limits::default(), Some(chain))
                .decoded_length(Some(SIZE as u64));
            let mut total = 0usize;
            for piece in encoded.chunks(CHUNK) {
                decoder.push(piece);
                while let Some(event) = decoder.next_event().unwrap() {
                    if let Event::Data(d) = event {
                        total += d.len();
                    }
                }
            }
            decoder.finish().unwrap();
            black_box(total)
        })
    });
    group.finish();
}

/// The frames as a stream of body frames.
fn futures_stream(
    frames: Vec<Bytes>,
) -> impl futures_core::Stream<Item = Result<http_body::Frame<Bytes>, std::convert::Infallible>> {
    Frames(frames.into_iter())
}

struct Frames(std::vec::IntoIter<Bytes>);

impl futures_core::Stream for Frames {
    type Item = Result<http_body::Frame<Bytes>, std::convert::Infallible>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.next().map(|b| Ok(http_body::Frame::data(b))))
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
