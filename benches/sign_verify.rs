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

use countersign::client::{Credentials, Payload, Signer};
use countersign::core::{
    AuthParams, KeyCache, Request, SecretKey, SigningKey, SigningSettings, Verifier, EMPTY_SHA256,
};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use time::macros::datetime;
use time::OffsetDateTime;

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NOW: OffsetDateTime = datetime!(2024-05-24 12:00:00 UTC);

/// A typical S3 GET: virtual-hosted bucket, a key with a space, a range, a user agent.
fn s3_get() -> http::Request<()> {
    http::Request::get("https://examplebucket.s3.amazonaws.com/photos/2024/trip%20one.jpg?versionId=3HL4kqtJlcpXroDTDmJ")
        .header("host", "examplebucket.s3.amazonaws.com")
        .header("range", "bytes=0-1048575")
        .header("user-agent", "aws-sdk-rust/1.0 os/linux lang/rust")
        .body(())
        .expect("request")
}

fn signer() -> Signer {
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "s3").s3()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("s3_get");

    group.bench_function("sign/countersign", |b| {
        let signer = signer();
        b.iter_batched(
            s3_get,
            |mut req| black_box(signer.sign(&mut req, Payload::Empty, NOW).expect("signs")),
            BatchSize::SmallInput,
        )
    });

    group.bench_function("sign/aws-sigv4", |b| {
        use aws_sigv4::http_request::{
            sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
            SigningSettings as AwsSettings, UriPathNormalizationMode,
        };
        let identity =
            aws_credential_types::Credentials::new(AKID, SECRET, None, None, "bench").into();
        let mut settings = AwsSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let time: SystemTime = NOW.into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("s3")
            .time(time)
            .settings(settings)
            .build()
            .expect("params")
            .into();
        b.iter_batched(
            s3_get,
            |mut req| {
                let uri = req.uri().to_string();
                let signable = SignableRequest::new(
                    "GET",
                    uri,
                    req.headers()
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.to_str().expect("ascii"))),
                    SignableBody::Bytes(&[]),
                )
                .expect("signable");
                let (instructions, _) = sign(signable, &params).expect("signs").into_parts();
                instructions.apply_to_request_http1x(&mut req);
                black_box(req)
            },
            BatchSize::SmallInput,
        )
    });

    let mut signed = s3_get();
    signer()
        .sign(&mut signed, Payload::Empty, NOW)
        .expect("signs");
    let secret = SecretKey::new(SECRET);
    let verifier = Verifier::new(SigningSettings::s3())
        .regions(["us-east-1"])
        .services(["s3"]);

    group.bench_function("verify/countersign, key cache warm", |b| {
        let warm = verifier.clone().key_cache(Arc::new(KeyCache::new(1024)));
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
    let signed_stages = signer()
        .sign(&mut s3_get(), Payload::Empty, NOW)
        .expect("signs");
    group.bench_function("floor/sha256 + hmac, key ready", |b| {
        use hmac::{Hmac, Mac};
        use sha2::{Digest, Sha256};
        let creq = signed_stages.canonical_request.clone();
        let sts_head = {
            let sts = &signed_stages.string_to_sign;
            sts[..sts.rfind('\n').map_or(0, |i| i + 1)].to_string()
        };
        let key = SigningKey::derive(
            &secret,
            &countersign::core::CredentialScope {
                date: "20240524",
                region: "us-east-1",
                service: "s3",
            },
        );
        let key_bytes: [u8; 32] = {
            // The same derivation, outside the type that keeps the key private.
            let mut k =
                Hmac::<Sha256>::new_from_slice(format!("AWS4{SECRET}").as_bytes()).expect("key");
            k.update(b"20240524");
            let k: [u8; 32] = k.finalize().into_bytes().into();
            let mut r = Hmac::<Sha256>::new_from_slice(&k).expect("key");
            r.update(b"us-east-1");
            let r: [u8; 32] = r.finalize().into_bytes().into();
            let mut v = Hmac::<Sha256>::new_from_slice(&r).expect("key");
            v.update(b"s3");
            let v: [u8; 32] = v.finalize().into_bytes().into();
            let mut g = Hmac::<Sha256>::new_from_slice(&v).expect("key");
            g.update(b"aws4_request");
            g.finalize().into_bytes().into()
        };
        let _ = key;
        b.iter(|| {
            let hash = Sha256::digest(black_box(creq.as_bytes()));
            let mut mac = Hmac::<Sha256>::new_from_slice(&key_bytes).expect("key");
            mac.update(sts_head.as_bytes());
            let mut hex_hash = [0u8; 64];
            hex::encode_to_slice(hash, &mut hex_hash).expect("hex");
            mac.update(&hex_hash);
            black_box(mac.finalize().into_bytes())
        })
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
                    .expect("verifies"),
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
