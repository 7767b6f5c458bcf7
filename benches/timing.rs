//! Timing: does the work depend on secrets? Two statistical checks in the style of dudect
//! (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant time?", 2017): inputs of two
//! classes are measured interleaved in a random order, the slowest 10% of each class are
//! cropped, and Welch's t-statistic compares the two distributions. |t| above 4.5 is taken as
//! evidence of a difference; below, none was found with this many samples.
//!
//! 1. `Signature::ct_eq` against a signature that differs in its first byte, and against one
//!    that differs only in its last byte.
//! 2. A request through the layer naming an existing key with a wrong signature, and one
//!    naming an unknown key (verified against a decoy secret so it costs the same): with the
//!    AWS error bodies, and with refusals rendered alike (a deployment that answers both
//!    the same way); and, as a check of the check, two existing keys with wrong signatures.
//!
//! Each check prints the difference of the cropped means with its 99% confidence interval
//! beside |t|: with this many samples the t-test resolves a few nanoseconds.
//!
//! ```text
//! cargo bench --bench timing
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::hint::black_box;
use std::time::Instant;

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use countersign::client::{Credentials, Payload, Signer};
use countersign::core::Signature;
use countersign::server::keys::MemoryKeyStore;
use countersign::server::{ErrorFormat, SigV4Layer};
use tower::ServiceExt;

/// A small deterministic generator for the measuring order.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The two samples compared after cropping the slowest 10% of each: the difference of the
/// means, its 99% confidence half-width, and Welch's t-statistic.
fn compare(a: &mut [f64], b: &mut [f64]) -> (f64, f64, f64) {
    let crop = |v: &mut [f64]| -> Vec<f64> {
        v.sort_by(|x, y| x.total_cmp(y));
        v[..v.len() * 9 / 10].to_vec()
    };
    let (a, b) = (crop(a), crop(b));
    let stats = |v: &[f64]| {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var, n)
    };
    let (ma, va, na) = stats(&a);
    let (mb, vb, nb) = stats(&b);
    let standard_error = (va / na + vb / nb).sqrt();
    (ma - mb, 2.576 * standard_error, (ma - mb) / standard_error)
}

fn report(name: &str, a: &mut [f64], b: &mut [f64], unit: &str) {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let (na, nb) = (a.len(), b.len());
    let (difference, half_width, t) = compare(a, b);
    let verdict = if t.abs() > 4.5 {
        "DIFFERENCE FOUND"
    } else {
        "no difference found"
    };
    println!(
        "{name}: means {ma:.1} vs {mb:.1} {unit}, n = {na} + {nb}; cropped difference \
         {difference:+.1} ± {half_width:.1} {unit} (99%), |t| = {:.2}: {verdict}",
        t.abs()
    );
}

fn signature_comparison() {
    let reference = Signature::from_bytes([0x5a; 32]);
    let mut first = [0x5a; 32];
    first[0] ^= 1;
    let mut last = [0x5a; 32];
    last[31] ^= 1;
    let candidates = [Signature::from_bytes(first), Signature::from_bytes(last)];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..200_000 {
        let class = (rng.next() & 1) as usize;
        let candidate = black_box(&candidates[class]);
        let started = Instant::now();
        for _ in 0..32 {
            black_box(reference.ct_eq(candidate));
        }
        let elapsed = started.elapsed().as_nanos() as f64 / 32.0;
        if class == 0 {
            a.push(elapsed)
        } else {
            b.push(elapsed)
        }
    }
    report(
        "ct_eq, first byte differs vs last byte differs",
        &mut a,
        &mut b,
        "ns",
    );
}

fn unknown_key_path() {
    layer_check(false, false);
    layer_check(false, true);
    layer_check(true, false);
}

/// `control`: both classes name existing keys (a check of the check: no difference expected).
/// `same_body`: rejections rendered as a bare status, so that the two AWS messages (which
/// differ in length, and say which case it is anyway) are not part of what is measured.
fn layer_check(control: bool, same_body: bool) {
    let now = time::macros::datetime!(2024-05-24 12:00:00 UTC);
    let keys = MemoryKeyStore::new();
    keys.insert("AKIDKNOWN00000000000", "the-secret", ());
    if control {
        keys.insert("AKIDUNKNOWN000000000", "another-secret", ());
    }
    // The unknown-key cache would answer repeated unknown keys from memory: measure the path
    // that reaches the store, and the decoy check, each time.
    let mut layer = SigV4Layer::new(keys)
        .clock(move || now)
        .unknown_key_cache(0, std::time::Duration::ZERO);
    if same_body {
        layer = layer.error_format(ErrorFormat::custom(|rejection| {
            let mut response = http::Response::new(Default::default());
            *response.status_mut() = rejection.error.status();
            response
        }));
    }
    let app = Router::new()
        .route("/r", get(|| async { "ok" }))
        .layer(layer);
    let request = |akid: &str, secret: &str| {
        let mut request = http::Request::get("http://localhost/r")
            .body(Body::empty())
            .unwrap();
        Signer::new(Credentials::new(akid, secret), "us-east-1", "execute-api")
            .sign(&mut request, Payload::Empty, now)
            .unwrap();
        request
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..42_000 {
        let class = (rng.next() & 1) as usize;
        let req = if class == 0 {
            request("AKIDKNOWN00000000000", "wrong-secret")
        } else {
            request("AKIDUNKNOWN000000000", "wrong-secret")
        };
        let started = Instant::now();
        let response = runtime.block_on(app.clone().oneshot(req)).unwrap();
        let elapsed = started.elapsed().as_nanos() as f64;
        assert_eq!(response.status(), 403);
        if i < 2_000 {
            continue; // warm-up: caches, allocator, branch predictors
        }
        if class == 0 {
            a.push(elapsed)
        } else {
            b.push(elapsed)
        }
    }
    let name = match (control, same_body) {
        (true, _) => "layer, control: two existing keys, wrong signatures",
        (false, false) => "layer, existing key with a wrong signature vs unknown key",
        (false, true) => {
            "layer, existing key with a wrong signature vs unknown key, rejections without a body"
        }
    };
    report(name, &mut a, &mut b, "ns");
}

fn main() {
    signature_comparison();
    unknown_key_path();
}
