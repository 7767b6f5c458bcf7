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

use countersign::client::{Credentials, Payload, Signer};
use countersign::core::sigv4a::{EcdsaKey, EcdsaKeyCache};
use countersign::core::{AuthParams, Request, SecretKey, SigningSettings, Verifier, EMPTY_SHA256};
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
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "s3")
        .s3()
        .sigv4a("us-east-1")
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
        let params = aws_sigv4::sign::v4a::SigningParams::builder()
            .identity(&identity)
            .region_set("us-east-1")
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
