//! Minimum time per operation over seven runs of 300,000 operations: verify a typical S3 GET
//! (key cache warm, and with the signing key in hand), sign it, and send it presigned through
//! the layer into a service that answers at once (beside the service alone). On a shared, noisy machine
//! the minimum moves less than criterion's mean, which makes it the better A/B measure for a
//! change; criterion's `sign_verify` stays the side-by-side comparison with the peers.
//!
//! ```text
//! cargo bench --bench min_of_runs
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use countersign::client::Payload;
use countersign::core::{AuthParams, KeyCache, Request, SecretKey, SigningKey, EMPTY_SHA256};

mod common;

use common::{s3_get, s3_signer, s3_verifier, NOW, SECRET};

const RUNS: usize = 7;
const OPERATIONS: u32 = 300_000;

/// The fastest of RUNS runs of OPERATIONS calls of `f`, in nanoseconds per call.
fn min_ns(mut f: impl FnMut()) -> u128 {
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..OPERATIONS {
                f();
            }
            started.elapsed().as_nanos() / u128::from(OPERATIONS)
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let signer = s3_signer();
    let mut signed = s3_get();
    signer.sign(&mut signed, Payload::Empty, NOW).unwrap();
    let secret = SecretKey::new(SECRET);
    let verifier = s3_verifier().key_cache(Arc::new(KeyCache::new(1024)));
    let key = {
        let view = Request::from_http(&signed);
        let auth = AuthParams::from_request(&view).unwrap();
        SigningKey::derive(&secret, &auth.credential.scope())
    };

    let warm = min_ns(|| {
        let view = Request::from_http(&signed);
        let auth = AuthParams::from_request(&view).unwrap();
        black_box(
            verifier
                .verify(&view, &auth, &secret, EMPTY_SHA256, NOW)
                .unwrap()
                .time,
        );
    });
    let in_hand = min_ns(|| {
        let view = Request::from_http(&signed);
        let auth = AuthParams::from_request(&view).unwrap();
        verifier.check(&view, &auth, NOW).unwrap();
        let verified = verifier.verify_signature(&view, &auth, &key, EMPTY_SHA256);
        black_box(verified.unwrap().time);
    });
    let sign = min_ns(|| {
        let mut request = s3_get();
        black_box(signer.sign(&mut request, Payload::Empty, NOW).unwrap());
    });
    let build = min_ns(|| {
        black_box(s3_get());
    });
    let mut presigned = s3_get();
    signer
        .presign(&mut presigned, Payload::Unsigned, 3600, NOW)
        .unwrap();
    let (layer, bare) = common::through_the_layer(&presigned, |send| min_ns(send));
    println!("verify, key cache warm:       {warm} ns");
    println!("verify, signing key in hand:  {in_hand} ns");
    println!("sign (request built inside):  {sign} ns (building the request alone: {build} ns)");
    println!("presigned GET through the layer: {layer} ns (the service alone: {bare} ns)");
}
