//! Where the time of one verification goes, stage by stage, on the typical S3 GET of
//! `sign_verify`: parsing, the cheap checks, canonicalization and its hash, the HMAC of the
//! string to sign, the whole signature check, and owning the parsed parameters (done once per
//! request by the layer, to keep them across the key lookup).
//!
//! ```text
//! cargo bench --bench verify_stages
//! ```

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench panics on a broken fixture"
)]
use countersign::client::Payload;
use countersign::core::{
    AuthParams, CanonicalRequest, Request, SecretKey, SigningKey, SigningSettings, StringToSign,
    ALGORITHM, EMPTY_SHA256,
};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

mod common;

use common::{s3_get, s3_signer, s3_verifier, NOW, SECRET};
fn bench(c: &mut Criterion) {
    let now = NOW;
    let mut signed = s3_get();
    s3_signer().sign(&mut signed, Payload::Empty, now).unwrap();
    let verifier = s3_verifier();
    let view = Request::from_http(&signed);
    let auth = AuthParams::from_request(&view).unwrap();
    let key = SigningKey::derive(&SecretKey::new(SECRET), &auth.credential.scope());
    c.bench_function("parse", |b| {
        b.iter(|| {
            let v = Request::from_http(&signed);
            black_box(AuthParams::from_request(&v).unwrap().date)
        })
    });
    c.bench_function("check", |b| {
        b.iter(|| verifier.check(&view, &auth, now).unwrap())
    });
    c.bench_function("creq new+hash", |b| {
        b.iter(|| {
            let cr = CanonicalRequest::new(
                &view,
                SigningSettings::s3(),
                &auth.signed_headers,
                EMPTY_SHA256,
                &[],
            );
            black_box(cr.hash())
        })
    });
    let h = CanonicalRequest::new(
        &view,
        SigningSettings::s3(),
        &auth.signed_headers,
        EMPTY_SHA256,
        &[],
    )
    .hash();
    c.bench_function("sts sign", |b| {
        b.iter(|| {
            black_box(
                StringToSign::new(ALGORITHM, auth.date, auth.credential.scope_str(), h).sign(&key),
            )
        })
    });
    c.bench_function("verify_signature", |b| {
        b.iter(|| {
            black_box(
                verifier
                    .verify_signature(&view, &auth, &key, EMPTY_SHA256)
                    .unwrap(),
            )
        })
    });
    c.bench_function("into_owned", |b| {
        b.iter(|| black_box(auth.clone().into_owned()))
    });
}
criterion_group!(benches, bench);
criterion_main!(benches);
