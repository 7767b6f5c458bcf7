//! The side-by-side comparisons of `sign_verify` measured another way: every case runs in
//! turn, seven rounds of 100,000 operations each, and each case keeps its fastest round. On a
//! shared, noisy machine the minimum moves less than criterion's estimates, and taking the
//! rounds in turn exposes the cases to the same noise, so the ratios to the floors and to the
//! peers (`aws-sigv4` signing, `scratchstack-aws-signature` verifying) hold better from run to
//! run; it is also the A/B measure for a change. Beside the floors runs a minimal verifier of
//! the request's one shape (`common::minimal`): a bound between them and any verifier. A
//! presigned GET through the layer is timed after them, beside the service alone. Then the
//! warm verification, the bound, the floors and the layer again with the caches cold: each
//! operation timed alone after 4 MiB were written, the median of 5,000 kept, as a server's
//! other work on a request leaves the caches.
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

use common::minimal::Minimal;
use common::{
    aws_sigv4_identity, aws_sigv4_params, aws_sigv4_sign, ns_per_call, s3_get, s3_signer,
    s3_verifier, scratchstack_verify, verify_once, Evictor, Floor, EVICT_BYTES, NOW, SECRET,
};

/// A case: its name and one operation.
type Case<'a> = (&'static str, Box<dyn FnMut() + 'a>);

const ROUNDS: usize = 7;
const OPERATIONS: u32 = 100_000;

/// Operations timed one by one in a cold run.
const COLD_OPERATIONS: usize = 5_000;

/// The median nanoseconds of the cases' calls, each made right after the caches were
/// evicted, the cases taking turns.
fn cold_medians<const N: usize>(mut cases: [&mut dyn FnMut(); N]) -> [u128; N] {
    let mut evictor = Evictor::new();
    let mut times: [Vec<u128>; N] = std::array::from_fn(|_| Vec::with_capacity(COLD_OPERATIONS));
    for _ in 0..COLD_OPERATIONS {
        for (case, times) in cases.iter_mut().zip(times.iter_mut()) {
            evictor.evict();
            let started = Instant::now();
            case();
            times.push(started.elapsed().as_nanos());
        }
    }
    times.map(|mut t| {
        t.sort_unstable();
        t.get(t.len() / 2).copied().unwrap_or_default()
    })
}

/// The fastest of ROUNDS rounds of `f`.
fn min_ns(f: &mut dyn FnMut()) -> u128 {
    (0..ROUNDS)
        .map(|_| ns_per_call(f, OPERATIONS))
        .min()
        .unwrap_or_default()
}

fn main() {
    let signer = s3_signer();
    let mut signed = s3_get();
    let stages = signer.sign(&mut signed, Payload::Empty, NOW).unwrap();
    let secret = SecretKey::new(SECRET);
    let warm_verifier = s3_verifier().key_cache(Arc::new(KeyCache::new(1024)));
    let cold_verifier = s3_verifier();
    let key = {
        let view = Request::from_http(&signed);
        let auth = AuthParams::from_request(&view).unwrap();
        SigningKey::derive(&secret, &auth.credential.scope())
    };
    let floor = Floor::new(&stages);
    let minimal = Minimal::new();
    assert!(
        minimal.verify(&signed, EMPTY_SHA256).is_some(),
        "the bound verifies"
    );
    let mut tampered = signed.clone();
    tampered
        .headers_mut()
        .insert("range", http::HeaderValue::from_static("bytes=0-1"));
    assert!(
        minimal.verify(&tampered, EMPTY_SHA256).is_none(),
        "the bound refuses a changed signed header"
    );
    let identity = aws_sigv4_identity();
    let params = aws_sigv4_params(&identity);
    let verify = |verifier: &countersign::core::Verifier| {
        verify_once(verifier, &secret, &signed, EMPTY_SHA256);
    };
    let mut cases: Vec<Case<'_>> = vec![
        (
            "verify, key cache warm",
            Box::new(|| verify(&warm_verifier)),
        ),
        (
            "verify, key cache cold",
            Box::new(|| verify(&cold_verifier)),
        ),
        (
            "verify, signing key in hand",
            Box::new(|| {
                let view = Request::from_http(&signed);
                let auth = AuthParams::from_request(&view).unwrap();
                warm_verifier.check(&view, &auth, NOW).unwrap();
                let verified = warm_verifier.verify_signature(&view, &auth, &key, EMPTY_SHA256);
                black_box(verified.unwrap().time);
            }),
        ),
        (
            "minimal verifier",
            Box::new(|| {
                black_box(minimal.verify(black_box(&signed), EMPTY_SHA256));
            }),
        ),
        (
            "floor, key ready",
            Box::new(|| {
                black_box(floor.with_key_ready());
            }),
        ),
        (
            "floor, keyed state ready",
            Box::new(|| {
                black_box(floor.with_keyed_state_ready());
            }),
        ),
        (
            "floor, key derived",
            Box::new(|| {
                black_box(floor.with_key_derivation(SECRET));
            }),
        ),
        (
            "scratchstack verify",
            Box::new(scratchstack_verify(&signed)),
        ),
        (
            "sign",
            Box::new(|| {
                let mut request = s3_get();
                black_box(signer.sign(&mut request, Payload::Empty, NOW).unwrap());
            }),
        ),
        (
            "aws-sigv4 sign",
            Box::new(|| {
                black_box(aws_sigv4_sign(s3_get(), &params));
            }),
        ),
        (
            "build the request",
            Box::new(|| {
                black_box(s3_get());
            }),
        ),
    ];
    let mut best = vec![u128::MAX; cases.len()];
    for _ in 0..ROUNDS {
        for ((_, case), best) in cases.iter_mut().zip(best.iter_mut()) {
            *best = (*best).min(ns_per_call(case.as_mut(), OPERATIONS));
        }
    }
    let ns = |name: &str| {
        cases
            .iter()
            .zip(&best)
            .find(|((n, _), _)| *n == name)
            .map_or(0, |(_, ns)| *ns)
    };
    let ratio = |a: u128, b: u128| a as f64 / b.max(1) as f64;
    let (warm, cold, in_hand) = (
        ns("verify, key cache warm"),
        ns("verify, key cache cold"),
        ns("verify, signing key in hand"),
    );
    let (floor_ready, floor_keyed, floor_cold) = (
        ns("floor, key ready"),
        ns("floor, keyed state ready"),
        ns("floor, key derived"),
    );
    let build = ns("build the request");
    let sign = ns("sign").saturating_sub(build);
    let aws_sign = ns("aws-sigv4 sign").saturating_sub(build);
    let scratchstack = ns("scratchstack verify");
    let minimal_ns = ns("minimal verifier");
    println!(
        "verify, key cache warm:       {warm} ns = {:.2}x the floor ({floor_ready} ns), {:.2}x the floor with the keyed state ready ({floor_keyed} ns)",
        ratio(warm, floor_ready),
        ratio(warm, floor_keyed)
    );
    println!(
        "minimal verifier (a bound):   {minimal_ns} ns = {:.2}x the floor; countersign takes {:.2}x its time",
        ratio(minimal_ns, floor_ready),
        ratio(warm, minimal_ns)
    );
    println!(
        "scratchstack verify:          {scratchstack} ns: countersign {:.2}x faster",
        ratio(scratchstack, warm)
    );
    println!(
        "verify, key cache cold:       {cold} ns = {:.2}x its floor ({floor_cold} ns)",
        ratio(cold, floor_cold)
    );
    println!("verify, signing key in hand:  {in_hand} ns");
    println!(
        "sign:                         {sign} ns vs aws-sigv4 {aws_sign} ns: {:.2}x faster (building the request, {build} ns, taken off both)",
        ratio(aws_sign, sign)
    );
    let mut presigned = s3_get();
    signer
        .presign(&mut presigned, Payload::Unsigned, 3600, NOW)
        .unwrap();
    let (layer, bare) = common::through_the_layer(&presigned, min_ns);
    println!("presigned GET through the layer: {layer} ns (the service alone: {bare} ns)");

    // Once more with the caches cold, as a server's other work on each request leaves them.
    let [verify_cold, minimal_cold, floor_cold_caches, keyed_cold] = cold_medians([
        &mut || verify(&warm_verifier),
        &mut || {
            black_box(minimal.verify(black_box(&signed), EMPTY_SHA256));
        },
        &mut || {
            black_box(floor.with_key_ready());
        },
        &mut || {
            black_box(floor.with_keyed_state_ready());
        },
    ]);
    let (layer_cold, bare_cold) = common::through_the_layer(&presigned, |f| cold_medians([f])[0]);
    println!(
        "caches cold ({} MiB written before each operation; medians of {COLD_OPERATIONS}):",
        EVICT_BYTES >> 20
    );
    println!(
        "  verify, key cache warm:     {verify_cold} ns = {:.2}x the floor ({floor_cold_caches} ns), {:.2}x the floor with the keyed state ready ({keyed_cold} ns)",
        ratio(verify_cold, floor_cold_caches),
        ratio(verify_cold, keyed_cold)
    );
    println!(
        "  minimal verifier (a bound): {minimal_cold} ns = {:.2}x the floor; countersign takes {:.2}x its time",
        ratio(minimal_cold, floor_cold_caches),
        ratio(verify_cold, minimal_cold)
    );
    println!(
        "  presigned GET through the layer: {layer_cold} ns (the service alone: {bare_cold} ns)"
    );
}
