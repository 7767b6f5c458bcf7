//! Evaluate a typical S3 GetObject request against a bucket policy of 3 statements and of
//! 50, parsed once beforehand, in one criterion run:
//!
//! ```text
//! cargo bench -p countersign-policy --bench evaluate
//! ```
//!
//! The request carries the context a layer would give it (transport, source address, time,
//! user name); the 50-statement policy puts the statements that decide last, so that every
//! statement is looked at.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::hint::black_box;

use countersign_policy::{evaluate, Context, Decision, Policy, Principal, Request};
use criterion::{criterion_group, criterion_main, Criterion};

/// The three statements a bucket policy typically has: TLS only, the owner's users read and
/// write their own prefix, and a partner reads from an address range.
const TYPICAL: [&str; 3] = [
    r#"{"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}"#,
    r#"{"Sid": "OwnPrefix", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": "arn:aws:s3:::photos/home/${aws:username}/*"}"#,
    r#"{"Sid": "PartnerRead", "Effect": "Allow", "Principal": {"AWS": "444455556666"},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/shared/*",
        "Condition": {"IpAddress": {"aws:SourceIp": ["198.51.100.0/24", "2001:db8::/32"]},
                      "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}"#,
];

fn document(statements: &[String]) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(",")
    )
}

/// 47 statements about other users, prefixes and actions, then the three typical ones.
fn fifty() -> String {
    let mut statements: Vec<String> = (0..47)
        .map(|i| {
            format!(
                r#"{{"Sid": "Other{i}", "Effect": "Allow",
                    "Principal": {{"AWS": "arn:aws:iam::111122223333:user/user{i}"}},
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": "arn:aws:s3:::photos/team{i}/*",
                    "Condition": {{"StringLike": {{"s3:prefix": "team{i}/*"}}}}}}"#
            )
        })
        .collect();
    statements.extend(TYPICAL.iter().map(|s| (*s).to_owned()));
    document(&statements)
}

fn bench(c: &mut Criterion) {
    let three =
        Policy::bucket(&document(&TYPICAL.map(str::to_owned))).expect("the 3-statement policy");
    let fifty = Policy::bucket(&fifty()).expect("the 50-statement policy");
    assert_eq!(fifty.statement_count(), 50);

    let alice = Principal::user("arn:aws:iam::111122223333:user/alice").unwrap();
    let context = Context::new()
        .with("aws:SecureTransport", "true")
        .with("aws:SourceIp", "203.0.113.9")
        .with("aws:CurrentTime", "2026-05-01T12:00:00Z");
    let request = Request::new(
        alice,
        "s3:GetObject",
        "arn:aws:s3:::photos/home/alice/2026/cat.jpg",
    )
    .owned_by("111122223333")
    .with_context(&context);
    let identity: [Policy; 0] = [];

    let mut group = c.benchmark_group("evaluate_get_object");
    for (name, policy) in [("3_statements", three), ("50_statements", fifty)] {
        let resource = [policy];
        assert_eq!(
            evaluate(&identity, &resource, &request).decision,
            Decision::Allow
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                evaluate(
                    black_box(&identity),
                    black_box(&resource),
                    black_box(&request),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
