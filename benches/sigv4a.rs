//! SigV4a: verify a typical S3 GET with the derived P-256 key cached (warm) and derived on
//! every request (cold), beside countersign's and `aws-sigv4`'s SigV4a signing of the same
//! request (both derive the key each time), in one criterion run:
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

use countersign::client::{Payload, Signer};
use countersign::core::sigv4a::{EcdsaKey, EcdsaKeyCache};
use countersign::core::{AuthParams, Request, SecretKey, EMPTY_SHA256};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

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
                    .expect("verifies"),
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
                    .expect("verifies"),
            )
        })
    });

    group.bench_function("derive key/countersign", |b| {
        b.iter(|| black_box(EcdsaKey::derive(&secret, AKID).expect("derives")))
    });

    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
