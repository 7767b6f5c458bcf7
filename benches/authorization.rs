//! What authorization adds to verification: a header-signed S3 GET through the layer with
//! no authorizer; with an authorizer that allows everything at once (the step's own cost:
//! naming the operation, gathering the facts); with the built-in policy authorizer over a
//! typical three-statement identity policy; and over a fifty-statement one whose allowing
//! statement comes last. The
//! cases take turns, a hundred rounds of 2,000 requests each (short rounds, so that the
//! fastest of each case is one the machine's other work left alone), and each keeps its
//! fastest round (see `min_of_runs`); the ratios to the layer without an authorizer are what
//! counts.
//!
//! ```text
//! cargo bench --bench authorization
//! ```
//!
//! `--only CASE [REQUESTS]` (0 to 3, in the order above) sends 2,000 requests (or as many as
//! given) through that case's layer alone and prints nothing: for an instruction count free
//! of the machine's noise, or a profile of one case,
//!
//! ```text
//! cargo bench --bench authorization --no-run
//! valgrind --tool=callgrind --callgrind-out-file=case0.out "$(ls -t target/release/deps/authorization-* | grep -v "\.d$" | head -1)" --only 0
//! callgrind_annotate --inclusive=yes case0.out | grep 'Oneshot<S,Req> as core::future::future::Future>::poll'
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::sync::Arc;

use countersign::client::Payload;
use countersign::server::authz::{AccessRequest, IamIdentity, Verdict};

mod common;

use common::authz::{authorizer, fifty_statements, iam_keys, TYPICAL};
use common::{bench_layer, ns_per_call, s3_get, s3_signer, through, NOW};

const ROUNDS: usize = 100;
const OPERATIONS: u32 = 2_000;

fn main() {
    let mut signed = s3_get();
    s3_signer()
        .sign(&mut signed, Payload::Empty, NOW)
        .expect("signs");
    let bench_layer = |keys| bench_layer(keys).virtual_host_domain("s3.amazonaws.com");
    let layers = [
        ("verification alone", bench_layer(iam_keys())),
        (
            "with an authorizer that allows all (the step alone)",
            bench_layer(iam_keys())
                .authorize(|_: &AccessRequest<'_, Arc<IamIdentity>>| Verdict::Allow),
        ),
        (
            "with a 3-statement policy",
            bench_layer(iam_keys()).authorize(authorizer(TYPICAL)),
        ),
        (
            "with a 50-statement policy",
            bench_layer(iam_keys()).authorize(authorizer(&fifty_statements())),
        ),
    ];
    let arguments: Vec<String> = std::env::args().collect();
    if let Some(at) = arguments.iter().position(|a| a == "--only") {
        let case: usize = arguments[at + 1].parse().expect("a case number");
        let requests: usize = arguments
            .get(at + 2)
            .map_or(2000, |n| n.parse().expect("a count"));
        through(layers[case].1.clone(), &signed, |f| {
            (0..requests).for_each(|_| f())
        });
        return;
    }
    // Each layer's measure keeps the closure that sends one request; the rounds take turns.
    let mut best = [u128::MAX; 4];
    for _ in 0..ROUNDS {
        for (i, (_, layer)) in layers.iter().enumerate() {
            let (with, _) = through(layer.clone(), &signed, |f| ns_per_call(f, OPERATIONS));
            best[i] = best[i].min(with);
        }
    }
    for (i, (name, _)) in layers.iter().enumerate() {
        let ratio = best[i] as f64 / best[0] as f64;
        println!("{name}: {} ns = {ratio:.2}x verification alone", best[i]);
    }
}
