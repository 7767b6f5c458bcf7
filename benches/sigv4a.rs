//! SigV4a: verify a typical S3 GET with the derived P-256 key cached (warm) and derived on
//! every request (cold), beside countersign's and `aws-sigv4`'s SigV4a signing of the same
//! request (both derive the key each time); and a 1 MiB aws-chunked upload in 64 KiB chunks
//! decoded and verified with ECDSA chunk signatures beside HMAC ones; in one criterion run:
//!
//! ```text
//! cargo bench --bench sigv4a -- --warm-up-time 1 --measurement-time 3
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::SystemTime;

use countersign::client::{Framing, Payload, Signer};
use countersign::core::aws_chunked::{
    ChunkChain, ChunkSigner, Decoder, EcdsaChunkSigner, Event, Limits,
};
use countersign::core::sigv4a::{EcdsaKey, EcdsaKeyCache};
use countersign::core::{AnySignature, AuthParams, Request, SecretKey, SigningKey, EMPTY_SHA256};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

mod common;

use common::{
    aws_sigv4_identity, aws_sigv4_s3_settings, aws_sigv4_sign, s3_get, s3_signer, s3_verifier,
    AKID, NOW, SECRET,
};

fn signer() -> Signer {
    s3_signer().sigv4a("us-east-1")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("sigv4a_s3_get");

    group.bench_function("sign/countersign", |b| {
        let signer = signer();
        b.iter_batched(
            s3_get,
            |mut req| black_box(signer.sign(&mut req, Payload::Empty, NOW).expect("signs")),
            BatchSize::SmallInput,
        )
    });

    group.bench_function("sign/aws-sigv4", |b| {
        let identity = aws_sigv4_identity();
        let params = aws_sigv4::sign::v4a::SigningParams::builder()
            .identity(&identity)
            .region_set("us-east-1")
            .name("s3")
            .time(SystemTime::from(NOW))
            .settings(aws_sigv4_s3_settings())
            .build()
            .expect("params")
            .into();
        b.iter_batched(
            s3_get,
            |req| black_box(aws_sigv4_sign(req, &params)),
            BatchSize::SmallInput,
        )
    });

    let mut signed = s3_get();
    signer()
        .sign(&mut signed, Payload::Empty, NOW)
        .expect("signs");
    let secret = SecretKey::new(SECRET);
    let verifier = s3_verifier();

    group.bench_function("verify/countersign, key cache warm", |b| {
        let warm = verifier
            .clone()
            .ecdsa_key_cache(Arc::new(EcdsaKeyCache::new(1024)));
        b.iter(|| {
            let view = Request::from_http(&signed);
            let auth = AuthParams::from_request(&view).expect("parses");
            black_box(
                warm.verify(&view, &auth, &secret, EMPTY_SHA256, NOW)
                    .expect("verifies")
                    .time,
            )
        })
    });

    group.bench_function("verify/countersign, key cache cold", |b| {
        b.iter(|| {
            let view = Request::from_http(&signed);
            let auth = AuthParams::from_request(&view).expect("parses");
            black_box(
                verifier
                    .verify(&view, &auth, &secret, EMPTY_SHA256, NOW)
                    .expect("verifies")
                    .time,
            )
        })
    });

    group.bench_function("derive key/countersign", |b| {
        b.iter(|| black_box(EcdsaKey::derive(&secret, AKID).expect("derives")))
    });

    group.finish();
    chunked(c);
}

/// 1 MiB in 64 KiB chunks, decoded and verified: SigV4a (an ECDSA verification per chunk)
/// beside SigV4 (an HMAC per chunk).
fn chunked(c: &mut Criterion) {
    const SIZE: usize = 1 << 20;
    const CHUNK: usize = 64 * 1024;
    let mut group = c.benchmark_group("aws_chunked_1MiB_64KiB");
    group.throughput(Throughput::Bytes(SIZE as u64));
    let data = vec![b'x'; SIZE];
    for (name, signer, framing) in [
        ("SigV4a (ECDSA chunks)", signer(), Framing::EcdsaSigned),
        ("SigV4 (HMAC chunks)", s3_signer(), Framing::Signed),
    ] {
        let mut request = http::Request::put("http://localhost/b/k").body(()).unwrap();
        let mut encoder = signer
            .sign_chunked(&mut request, framing, SIZE as u64, CHUNK, None, NOW)
            .unwrap();
        let encoded = encoder.encode(&data);
        let view = Request::from_http(&request);
        let auth = AuthParams::from_request(&view).unwrap();
        let secret = SecretKey::new(SECRET);
        let ecdsa = Arc::new(EcdsaKey::derive(&secret, AKID).expect("derives"));
        let hmac = SigningKey::derive(&secret, &auth.credential.scope());
        group.bench_function(name, |b| {
            b.iter(|| {
                let scope = auth.credential.scope_str();
                let chain = match auth.signature.clone() {
                    AnySignature::Ecdsa(seed) => ChunkChain::Ecdsa(EcdsaChunkSigner::new(
                        ecdsa.clone(),
                        auth.date,
                        scope,
                        seed,
                    )),
                    AnySignature::Hmac(seed) => {
                        ChunkChain::Hmac(ChunkSigner::new(hmac.clone(), auth.date, scope, seed))
                    }
                };
                let mut decoder = Decoder::new(framing, Limits::default(), Some(chain))
                    .decoded_length(Some(SIZE as u64));
                decoder.push(&encoded);
                let mut total = 0;
                while let Some(event) = decoder.next_event().expect("verifies") {
                    if let Event::Data(bytes) = event {
                        total += bytes.len();
                    }
                }
                assert_eq!(total, SIZE);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
