//! Sign a typical S3 GET and verify it (key cache warm and cold), beside `aws-sigv4`
//! signing the same request, `scratchstack-aws-signature` verifying it, the cryptography's
//! floor and a minimal verifier of its one shape (a bound), in one criterion run:
//!
//! ```text
//! cargo bench --bench sign_verify
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::hint::black_box;
use std::sync::Arc;

use countersign::client::Payload;
use countersign::core::{AuthParams, KeyCache, Request, SecretKey, SigningKey, EMPTY_SHA256};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

mod common;

use common::minimal::Minimal;
use common::{
    aws_sigv4_identity, aws_sigv4_params, aws_sigv4_sign, s3_get, s3_signer, s3_verifier,
    scratchstack_verify, verify_once, Floor, NOW, SECRET,
};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("s3_get");

    // A `Signer` keeps the derived key of the day it last signed for: signing again that day
    // costs no derivation. `aws-sigv4` derives on every call (its API takes the identity
    // per call), so the second line, a fresh `Signer` per request, is the like-for-like one.
    group.bench_function("sign/countersign", |b| {
        let signer = s3_signer();
        b.iter_batched(
            s3_get,
            |mut req| black_box(signer.sign(&mut req, Payload::Empty, NOW).expect("signs")),
            BatchSize::SmallInput,
        )
    });

    group.bench_function("sign/countersign, key derived (a new Signer)", |b| {
        b.iter_batched(
            || (s3_get(), s3_signer()),
            |(mut req, signer)| {
                black_box(signer.sign(&mut req, Payload::Empty, NOW).expect("signs"))
            },
            BatchSize::SmallInput,
        )
    });

    group.bench_function("sign/aws-sigv4", |b| {
        let identity = aws_sigv4_identity();
        let params = aws_sigv4_params(&identity);
        b.iter_batched(
            s3_get,
            |req| black_box(aws_sigv4_sign(req, &params)),
            BatchSize::SmallInput,
        )
    });

    let mut signed = s3_get();
    s3_signer()
        .sign(&mut signed, Payload::Empty, NOW)
        .expect("signs");
    let secret = SecretKey::new(SECRET);
    let verifier = s3_verifier();

    group.bench_function("verify/countersign, key cache warm", |b| {
        let warm = verifier.clone().key_cache(Arc::new(KeyCache::new(1024)));
        b.iter(|| verify_once(&warm, &secret, &signed, EMPTY_SHA256))
    });

    group.bench_function("verify/countersign, key cache cold", |b| {
        b.iter(|| verify_once(&verifier, &secret, &signed, EMPTY_SHA256))
    });

    group.bench_function(
        "verify/scratchstack-aws-signature, signing key ready",
        |b| b.iter(scratchstack_verify(&signed)),
    );

    // The floor: the cryptography a verification cannot avoid, on the same request: the
    // SHA-256 of its canonical request and one HMAC of the string to sign.
    let floor = Floor::new(
        &s3_signer()
            .sign(&mut s3_get(), Payload::Empty, NOW)
            .expect("signs"),
    );
    group.bench_function("floor/sha256 + hmac, key ready", |b| {
        b.iter(|| black_box(floor.with_key_ready()))
    });
    // Lower still: the HMAC's padded key blocks hashed once, as a cached key keeps them.
    group.bench_function("floor/sha256 + hmac, keyed state ready", |b| {
        b.iter(|| black_box(floor.with_keyed_state_ready()))
    });
    group.bench_function("floor/key derivation + sha256 + hmac", |b| {
        b.iter(|| black_box(floor.with_key_derivation(SECRET)))
    });
    // A bound between the floor and a verifier: every check countersign makes on this
    // request, in the plainest code, for this request's shape alone (benches/common/minimal.rs).
    let minimal = Minimal::new();
    group.bench_function("bound/minimal verifier, key ready", |b| {
        b.iter(|| {
            let verified = minimal.verify(black_box(&signed), EMPTY_SHA256);
            assert!(black_box(verified).is_some(), "the bound verifies");
        })
    });

    group.bench_function("verify/countersign, signing key in hand", |b| {
        let view = Request::from_http(&signed);
        let auth = AuthParams::from_request(&view).expect("parses");
        let key = SigningKey::derive(&secret, &auth.credential.scope());
        b.iter(|| {
            let view = Request::from_http(&signed);
            let auth = AuthParams::from_request(&view).expect("parses");
            verifier.check(&view, &auth, NOW).expect("checks");
            black_box(
                verifier
                    .verify_signature(&view, &auth, &key, EMPTY_SHA256)
                    .expect("verifies")
                    .time,
            )
        })
    });

    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
