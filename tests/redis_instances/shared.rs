//! What one instance learns holds on all: a new key, a revocation (measured over many), a
//! signature used once, a bucket policy, failed attempts counted toward a lockout.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::admin::Admin;
use crate::instances::{self, Instance, DEVELOPMENT_KEY};
use crate::raw::{get, send, signed_get};
use crate::redis_support::RedisServer;

/// The development key's principal, which the example allows everything: a key of it is
/// accepted (200) and, once revoked, refused (403).
const DEVELOPER: &str = "arn:aws:iam::000000000000:user/developer";

/// The bound on a change reaching every instance.
const BOUND: Duration = Duration::from_secs(1);

/// Polls `addr` with a fresh `GET /` by `id` until its status is `status`; how long it took,
/// or `None` past `limit`.
fn until_status(
    addr: std::net::SocketAddr,
    id: &str,
    secret: &str,
    status: u16,
    limit: Duration,
) -> Option<Duration> {
    let started = Instant::now();
    loop {
        if get(addr, "/", id, secret).status == status {
            return Some(started.elapsed());
        }
        if started.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn the_development_key_is_imported_once_and_shared_by_every_instance() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let all = instances::start(&redis, dir.path(), 3);
    for instance in &all {
        assert_eq!(
            instance.secret, all[0].secret,
            "each instance prints the key in Redis"
        );
        let answer = get(instance.addr, "/", DEVELOPMENT_KEY, &instance.secret);
        assert_eq!(answer.status, 200, "{}: {answer:?}", instance.url);
    }
}

#[test]
fn a_key_created_in_redis_works_on_every_instance_at_once() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let all = instances::start(&redis, dir.path(), 3);
    let admin = Admin::new(&redis);
    let (id, secret) = ("AKIDMULTINEW", "multi-new-secret");
    // Each instance has looked the id up and found no key.
    for instance in &all {
        assert_eq!(get(instance.addr, "/", id, secret).status, 403);
    }
    admin.put(id, secret, DEVELOPER);
    for instance in &all {
        let took = until_status(instance.addr, id, secret, 200, BOUND);
        assert!(took.is_some(), "{} still refuses the new key", instance.url);
    }
}

/// The `p`th percentile (0–100) of sorted `samples`.
fn percentile(samples: &[Duration], p: usize) -> Duration {
    let at = (samples.len() * p).div_ceil(100).clamp(1, samples.len()) - 1;
    samples[at]
}

#[test]
fn a_revoked_key_is_refused_by_every_instance_within_the_bound_over_a_hundred_revocations() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let all = instances::start(&redis, dir.path(), 3);
    let admin = Admin::new(&redis);
    let mut samples = Vec::new();
    for round in 0..100 {
        let (id, secret) = (format!("AKIDREVOKE{round:04}"), format!("secret-{round}"));
        admin.put(&id, &secret, DEVELOPER);
        // Every instance has the key cached, as in use.
        for instance in &all {
            let warm = until_status(instance.addr, &id, &secret, 200, BOUND);
            assert!(warm.is_some(), "{} never accepted {id}", instance.url);
        }
        let polled = &all[round % all.len()];
        let started = Instant::now();
        admin.revoke(&id);
        let refused = until_status(polled.addr, &id, &secret, 403, BOUND);
        assert!(
            refused.is_some(),
            "{} still accepts {id} after {BOUND:?}",
            polled.url
        );
        samples.push(started.elapsed());
        for instance in &all {
            let answer = get(instance.addr, "/", &id, &secret);
            assert_eq!(answer.status, 403, "{}: {answer:?}", instance.url);
        }
    }
    samples.sort();
    let (p50, p99) = (percentile(&samples, 50), percentile(&samples, 99));
    println!(
        "revocation to refusal on another instance, {} revocations: p50 {p50:?}, p99 {p99:?}, max {:?}",
        samples.len(),
        samples[samples.len() - 1]
    );
    assert!(p99 < BOUND, "p99 {p99:?}");
}

#[test]
fn a_request_accepted_by_one_instance_and_replayed_to_another_is_refused() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let all = instances::start(&redis, dir.path(), 2);
    let (a, b) = (&all[0], &all[1]);
    // Signed for A's address: the same bytes go to B, Host and all (both are on loopback,
    // and the example checks no Host against its own port).
    let bytes = signed_get(a.addr, "/", DEVELOPMENT_KEY, &a.secret);
    let first = send(a.addr, &bytes);
    assert_eq!(first.status, 200, "{first:?}");
    let replayed = send(b.addr, &bytes);
    assert_eq!(replayed.status, 403, "{replayed:?}");
    assert_ne!(replayed.code(), Some("ServiceUnavailable"), "{replayed:?}");
    let again = send(a.addr, &bytes);
    assert_eq!(again.status, 403, "{again:?}");
}

/// `aws s3api ARGS` against `instance` with its development key, in `dir`'s empty config.
fn s3api(instance: &Instance, dir: &Path, args: &[&str]) -> Output {
    let config = dir.join("aws-config");
    let credentials = dir.join("aws-credentials");
    std::fs::write(&config, "").unwrap();
    std::fs::write(&credentials, "").unwrap();
    Command::new("aws")
        .args([
            "--endpoint-url",
            &instance.url,
            "--region",
            "us-east-1",
            "s3api",
        ])
        .args(args)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_ACCESS_KEY_ID", DEVELOPMENT_KEY)
        .env("AWS_SECRET_ACCESS_KEY", &instance.secret)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .expect("the aws CLI runs (.ci/run installs it)")
}

#[track_caller]
fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_bucket_policy_put_through_one_instance_applies_on_another() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let all = instances::start(&redis, dir.path(), 2);
    let (a, b) = (&all[0], &all[1]);
    let body = dir.path().join("body.txt");
    std::fs::write(&body, "hello").unwrap();
    assert_ok(&s3api(
        a,
        dir.path(),
        &["create-bucket", "--bucket", "shared"],
    ));
    let put = ["put-object", "--bucket", "shared", "--key", "k", "--body"];
    let mut put: Vec<&str> = put.to_vec();
    put.push(body.to_str().unwrap());
    assert_ok(&s3api(a, dir.path(), &put));
    let head = ["head-object", "--bucket", "shared", "--key", "k"];
    assert_ok(&s3api(b, dir.path(), &head));
    let deny = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}]}"#;
    let policy = ["put-bucket-policy", "--bucket", "shared", "--policy", deny];
    assert_ok(&s3api(a, dir.path(), &policy));
    let refused = s3api(b, dir.path(), &head);
    assert!(
        !refused.status.success(),
        "B ignores the policy put through A"
    );
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("403"), "{why}");
    let text = s3api(b, dir.path(), &["get-bucket-policy", "--bucket", "shared"]);
    assert_ok(&text);
    assert!(String::from_utf8_lossy(&text.stdout).contains("Deny"));
    assert_ok(&s3api(
        b,
        dir.path(),
        &["delete-bucket-policy", "--bucket", "shared"],
    ));
    assert_ok(&s3api(a, dir.path(), &head));
}

#[test]
fn failures_spread_over_instances_add_up_to_a_lock_on_every_instance() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let all = instances::start_with(&redis, dir.path(), 3, &["--lockout", "4"]);
    let (a, b, c) = (&all[0], &all[1], &all[2]);
    let wrong = |instance: &Instance| {
        let answer = get(instance.addr, "/", DEVELOPMENT_KEY, "not-the-secret");
        assert_eq!(answer.code(), Some("SignatureDoesNotMatch"), "{answer:?}");
    };
    // Three failures, on two instances: below the threshold, the key still works on the third.
    wrong(a);
    wrong(a);
    wrong(b);
    let allowed = get(c.addr, "/", DEVELOPMENT_KEY, &c.secret);
    assert_eq!(allowed.status, 200, "{allowed:?}");
    // The fourth, on B, reaches it: C, which saw none of them, refuses the right secret too.
    wrong(b);
    let took = until_status(c.addr, DEVELOPMENT_KEY, &c.secret, 403, BOUND);
    assert!(
        took.is_some(),
        "no lock on the third instance within {BOUND:?}"
    );
    let locked = get(c.addr, "/", DEVELOPMENT_KEY, &c.secret);
    assert_eq!(locked.code(), Some("AccessDenied"), "{locked:?}");
    assert!(locked.body.contains("temporarily locked"), "{locked:?}");
    let on_a = get(a.addr, "/", DEVELOPMENT_KEY, &a.secret);
    assert_eq!(on_a.code(), Some("AccessDenied"), "{on_a:?}");
}
