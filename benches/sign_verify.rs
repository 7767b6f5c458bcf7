//! Sign a typical S3 GET and verify it (key cache warm and cold), beside `aws-sigv4`
//! signing the same request, in one criterion run:
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
use std::time::SystemTime;

use countersign::client::Payload;
use countersign::core::{AuthParams, KeyCache, Request, SecretKey, SigningKey, EMPTY_SHA256};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

mod common;

use common::{
    aws_sigv4_identity, aws_sigv4_s3_settings, aws_sigv4_sign, s3_get, s3_signer, s3_verifier, NOW,
    SECRET,
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
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
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
    s3_signer()
        .sign(&mut signed, Payload::Empty, NOW)
        .expect("signs");
    let secret = SecretKey::new(SECRET);
    let verifier = s3_verifier();

    group.bench_function("verify/countersign, key cache warm", |b| {
        let warm = verifier.clone().key_cache(Arc::new(KeyCache::new(1024)));
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

    group.bench_function(
        "verify/scratchstack-aws-signature, signing key ready",
        |b| {
            use scratchstack_aws_signature::principal::User;
            use scratchstack_aws_signature::{
                sigv4_validate_request, GetSigningKeyRequest, GetSigningKeyResponse, KSecretKey,
                SignatureOptions, NO_ADDITIONAL_SIGNED_HEADERS,
            };
            use std::str::FromStr;
            let ksigning = KSecretKey::from_str(SECRET).expect("secret").to_ksigning(
                chrono::NaiveDate::from_ymd_opt(2024, 5, 24).expect("date"),
                "us-east-1",
                "s3",
            );
            let user = User::new("aws", "123456789012", "/", "bench").expect("user");
            let mut keys = tower::service_fn(move |_: GetSigningKeyRequest| {
                let response = GetSigningKeyResponse::builder()
                    .principal(user.clone())
                    .signing_key(ksigning)
                    .build();
                async move { response.map_err(Into::into) }
            });
            let at = chrono::DateTime::<chrono::Utc>::from_timestamp(NOW.unix_timestamp(), 0)
                .expect("time");
            b.iter(|| {
                let request = signed.clone();
                let future = sigv4_validate_request(
                    request,
                    "us-east-1",
                    "s3",
                    &mut keys,
                    at,
                    &NO_ADDITIONAL_SIGNED_HEADERS,
                    SignatureOptions::S3,
                );
                black_box(block_on(future).expect("scratchstack verifies"))
            })
        },
    );

    // The floor: the cryptography a verification cannot avoid, on the same request: the
    // SHA-256 of its canonical request and one HMAC of the string to sign with a ready key.
    let signed_stages = s3_signer()
        .sign(&mut s3_get(), Payload::Empty, NOW)
        .expect("signs");
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};
    let creq = signed_stages.canonical_request.clone();
    let sts_head = {
        let sts = &signed_stages.string_to_sign;
        sts[..sts.rfind('\n').map_or(0, |i| i + 1)].to_string()
    };
    // The key derivation, outside the type that keeps the key private.
    let hmac = |key: &[u8], data: &str| -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("key");
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().into()
    };
    let key_bytes = ["20240524", "us-east-1", "s3", "aws4_request"]
        .into_iter()
        .fold(format!("AWS4{SECRET}").into_bytes(), |key, part| {
            hmac(&key, part).to_vec()
        });
    // Hashes the canonical request and signs the string to sign with `mac`, keyed.
    let sign = |mut mac: Hmac<Sha256>| {
        let hash = Sha256::digest(black_box(creq.as_bytes()));
        mac.update(sts_head.as_bytes());
        let mut hex_hash = [0u8; 64];
        hex::encode_to_slice(hash, &mut hex_hash).expect("hex");
        mac.update(&hex_hash);
        mac.finalize().into_bytes()
    };
    // The floor computes the request's signature, no less.
    let floor_signature = sign(Hmac::<Sha256>::new_from_slice(&key_bytes).expect("key"));
    assert_eq!(
        hex::encode(floor_signature),
        signed_stages.signature.to_string()
    );
    group.bench_function("floor/sha256 + hmac, key ready", |b| {
        b.iter(|| {
            black_box(sign(
                Hmac::<Sha256>::new_from_slice(&key_bytes).expect("key"),
            ))
        })
    });
    // Lower still: the HMAC's padded key blocks hashed once, as a cached key keeps them.
    let keyed = Hmac::<Sha256>::new_from_slice(&key_bytes).expect("key");
    group.bench_function("floor/sha256 + hmac, keyed state ready", |b| {
        b.iter(|| black_box(sign(keyed.clone())))
    });

    group.bench_function("floor/key derivation + sha256 + hmac", |b| {
        let creq = signed_stages.canonical_request.clone();
        let scope = countersign::core::CredentialScope {
            date: "20240524",
            region: "us-east-1",
            service: "s3",
        };
        b.iter(|| {
            use sha2::Digest;
            let key = SigningKey::derive(&secret, &scope);
            let hash = sha2::Sha256::digest(black_box(creq.as_bytes()));
            black_box(key.sign(&hash))
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

/// Runs a future that needs no I/O to completion.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
