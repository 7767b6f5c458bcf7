//! What authorization adds to verification: a header-signed S3 GET through the layer with
//! no authorizer; with an authorizer that allows everything at once (the step's own cost:
//! naming the operation, gathering the facts); with the built-in policy authorizer over a
//! typical three-statement identity policy; and over a fifty-statement one whose allowing
//! statement comes last. The
//! cases take turns, seven rounds of 20,000 requests each, and each keeps its fastest round
//! (see `min_of_runs`); the ratios to the layer without an authorizer are what counts.
//!
//! ```text
//! cargo bench --bench authorization
//! ```
//!
//! `--only CASE` (0 to 3, in the order above) sends 2,000 requests through that case's layer
//! alone and prints nothing: for an instruction count free of the machine's noise,
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
use std::time::Instant;

use countersign::client::Payload;
use countersign::policy::Policy;
use countersign::server::authz::{
    AccessRequest, IamIdentity, MemoryPolicyStore, PolicyAuthorizer, Verdict,
};
use countersign::server::keys::MemoryKeyStore;

mod common;

use common::{bench_layer, s3_get, s3_signer, through, AKID, NOW, SECRET};

const ROUNDS: usize = 7;
const OPERATIONS: u32 = 20_000;
const USER: &str = "arn:aws:iam::111122223333:user/bench";

/// A typical identity policy: read the bucket, write one prefix, deny deletes.
const TYPICAL: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::examplebucket",
     "Condition": {"StringLike": {"s3:prefix": ["photos/*", "shared/*"]}}},
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
     "Resource": "arn:aws:s3:::examplebucket/*"},
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject*", "Resource": "*"}
]}"#;

/// Fifty statements, the one that allows the bench's GET last.
fn fifty_statements() -> String {
    let mut statements: Vec<String> = (0..49)
        .map(|i| {
            format!(
                r#"{{"Sid": "Other{i}", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                    "Resource": "arn:aws:s3:::bucket-{i}/prefix-{i}/*",
                    "Condition": {{"IpAddress": {{"aws:SourceIp": "10.{i}.0.0/16"}}}}}}"#
            )
        })
        .collect();
    statements.push(
        r#"{"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": "arn:aws:s3:::examplebucket/photos/*"}"#
            .to_string(),
    );
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(",")
    )
}

fn keys() -> MemoryKeyStore<Arc<IamIdentity>> {
    let keys = MemoryKeyStore::new();
    keys.insert(AKID, SECRET, Arc::new(IamIdentity::new(USER).unwrap()));
    keys
}

/// The policy authorizer over one identity policy, parsed once (a managed policy's limit
/// does not hold the fifty statements: they are parsed with the bucket policy's).
fn authorizer(policy: &str) -> PolicyAuthorizer<MemoryPolicyStore> {
    let limits = countersign::policy::Limits::BUCKET;
    let policy = Policy::parse(policy, countersign::policy::PolicyKind::Identity, limits).unwrap();
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(USER, vec![policy]);
    PolicyAuthorizer::new(store)
}

fn ns_per_call(f: &mut dyn FnMut()) -> u128 {
    let started = Instant::now();
    for _ in 0..OPERATIONS {
        f();
    }
    started.elapsed().as_nanos() / u128::from(OPERATIONS)
}

fn main() {
    let mut signed = s3_get();
    s3_signer()
        .sign(&mut signed, Payload::Empty, NOW)
        .expect("signs");
    let bench_layer = |keys| bench_layer(keys).virtual_host_domain("s3.amazonaws.com");
    let layers = [
        ("verification alone", bench_layer(keys())),
        (
            "with an authorizer that allows all (the step alone)",
            bench_layer(keys()).authorize(|_: &AccessRequest<'_, Arc<IamIdentity>>| Verdict::Allow),
        ),
        (
            "with a 3-statement policy",
            bench_layer(keys()).authorize(authorizer(TYPICAL)),
        ),
        (
            "with a 50-statement policy",
            bench_layer(keys()).authorize(authorizer(&fifty_statements())),
        ),
    ];
    let arguments: Vec<String> = std::env::args().collect();
    if let Some(case) = arguments.iter().position(|a| a == "--only") {
        let case: usize = arguments[case + 1].parse().expect("a case number");
        through(layers[case].1.clone(), &signed, |f| {
            (0..2000).for_each(|_| f())
        });
        return;
    }
    // Each layer's measure keeps the closure that sends one request; the rounds take turns.
    let mut best = [u128::MAX; 4];
    for _ in 0..ROUNDS {
        for (i, (_, layer)) in layers.iter().enumerate() {
            let (with, _) = through(layer.clone(), &signed, |f| ns_per_call(f));
            best[i] = best[i].min(with);
        }
    }
    for (i, (name, _)) in layers.iter().enumerate() {
        let ratio = best[i] as f64 / best[0] as f64;
        println!("{name}: {} ns = {ratio:.2}x verification alone", best[i]);
    }
}
