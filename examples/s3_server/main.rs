//! An S3-compatible server over a local directory, behind the SigV4 layer in S3 mode: the
//! aws CLI, boto3 and presigned URLs work against it.
//!
//! ```text
//! cargo run --example s3_server                       # 127.0.0.1:9000, ./s3-data, a development key printed
//! cargo run --example s3_server -- --listen 127.0.0.1:0 --data /tmp/s3 --keys keys.json --tls
//! ```
//!
//! Buckets are directories of `--data`, objects are files (a key's `/` makes directories);
//! metadata and uploads in progress live in the hidden `.countersign` directory. Both
//! path-style (`/bucket/key`) and virtual-hosted-style (`Host: bucket.localhost:9000`)
//! addressing work. Operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket,
//! GetBucketLocation, GetBucketVersioning, PutObject, GetObject and HeadObject (ranges,
//! `partNumber`, conditions, checksums), DeleteObject, DeleteObjects, ListObjectsV2,
//! ListObjects, ListObjectVersions, CopyObject, multipart uploads (create, upload part,
//! upload part copy, list parts, complete, abort, list uploads), conditional writes, object
//! tags, bucket policies and CORS configurations (browsers' preflights answered unsigned):
//! the list is the `countersign-s3` crate's.
//!
//! Every request is authorized after its signature verified, with IAM's policy logic: the
//! signer's identity policies and the bucket's policy. The key file's principals name IAM
//! users (or AWS services):
//!
//! ```json
//! {"keys": [
//!   {"access_key_id": "AKIDALICE", "secret_access_key": "…",
//!    "principal": {"arn": "arn:aws:iam::111122223333:user/alice", "tags": {"team": "blue"}}},
//!   {"access_key_id": "AKIDCDN", "secret_access_key": "…",
//!    "principal": {"service": "cloudfront.amazonaws.com"}}
//! ]}
//! ```
//!
//! and `--policies` gives their identity policies by ARN (without it, the keys of `--keys`
//! may do nothing but what a bucket policy allows them):
//!
//! ```json
//! {"identities": {"arn:aws:iam::111122223333:user/alice": [
//!   {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*",
//!    "Resource": ["arn:aws:s3:::${aws:username}-*", "arn:aws:s3:::${aws:username}-*/*"]}}
//! ]}}
//! ```
//!
//! A bucket is owned by the account of the key that created it; ListBuckets shows a signer
//! the buckets of its account. A bucket policy (`aws s3api put-bucket-policy`) takes effect
//! on the next request and is kept with the bucket. With `--anonymous`, unsigned requests
//! are anonymous, which a bucket policy may allow (`"Principal": "*"`: a public bucket).
//! Without `--keys`, the development key printed at start is
//! `arn:aws:iam::000000000000:user/developer`, allowed everything.
//!
//! With `--redis URL` (and `--redis-prefix`), several instances over one `--data` share
//! their keys, their replay memory and the buckets' owners and policies in Redis: a key
//! created with `countersign keys --redis URL create` works on all of them at once, a revoked
//! one is refused by all within milliseconds, a header-signed request is accepted once across
//! them, and a bucket policy put through one applies on all. The development key is imported
//! into Redis when Redis does not have it (the instances then share it); revoke it there to
//! turn it off. While Redis cannot be reached, requests that need it are refused with 503
//! `ServiceUnavailable`, and service resumes by itself when Redis is back (SECURITY.md,
//! "Shared state on Redis").
//!
//! The S3 protocol is the `countersign-s3` crate's (`S3Frontend` over `FsStorage`): this
//! `main` adds the command line, the keys, TLS, the serving and the Redis wiring. A frontend
//! over storage of your own implements `countersign_s3::Storage` instead.

mod options;
mod policies;
#[path = "../common/redis.rs"]
mod redis;
#[path = "../common/serve.rs"]
mod serve;
mod tls;

use std::sync::Arc;

use countersign::server::authz::FilePolicyStore;
use countersign::server::keys::{random_secret, FileKeyStore, KeyStore, MemoryKeyStore};
use countersign::server::lockout::LockoutPolicy;
use countersign::server::SigV4Layer;
use countersign_redis::{RedisFailureTracker, RedisKeyStore, RedisPolicyStore, RedisReplayGuard};
use serde_json::json;

use countersign_s3::{BucketPolicies, FsStorage, S3Frontend};

use crate::options::{Options, Tls, USAGE};
use crate::policies::{Policies, RedisBuckets};

/// The development key's id (without `--keys`).
const DEVELOPMENT_KEY: &str = "AKIDCOUNTERSIGNDEV";

/// The development key's principal, allowed everything.
const DEVELOPER: &str = "arn:aws:iam::000000000000:user/developer";

/// How long a window `--lockout` counts failures in, and how long a lock lasts.
const LOCKOUT_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);
const LOCKOUT_DURATION: std::time::Duration = std::time::Duration::from_secs(300);

/// The layer: the frontend's (S3's rules, authorization by `policies` and the buckets'
/// policies), with the lockout and the debug errors of the command line.
fn layer<K>(
    frontend: &S3Frontend<FsStorage>,
    options: &Options,
    store: K,
    policies: Policies,
    failures: Option<RedisFailureTracker>,
) -> SigV4Layer<K>
where
    K: KeyStore<Principal = Arc<serde_json::Value>>,
{
    let layer = frontend.layer(store, policies);
    let layer = match options.lockout {
        Some(n) => layer.lockout(LockoutPolicy::new(n, LOCKOUT_WINDOW, LOCKOUT_DURATION)),
        None => layer,
    };
    let layer = match failures {
        Some(tracker) => layer.failure_tracker(tracker),
        None => layer,
    };
    layer
        .debug_errors(options.debug_errors)
        .anonymous(options.anonymous)
}

/// What the start-up log says of `--policies` with `--redis` and no `--keys`.
fn policies_note(options: &Options) -> Option<String> {
    let path = options.policies.as_deref()?;
    Some(format!("policies: {path} (reloaded when the file changes)"))
}

/// Prints the development key and a command that uses it.
fn print_development_key(secret: &str, url: &str, tls: bool, region: &str) {
    println!("development key: {DEVELOPMENT_KEY} / {secret} ({DEVELOPER}, allowed everything)");
    let insecure = if tls { " --no-verify-ssl" } else { "" };
    println!(
        "try:\n  AWS_ACCESS_KEY_ID={DEVELOPMENT_KEY} AWS_SECRET_ACCESS_KEY={secret} aws --endpoint-url {url} \
         --region {region}{insecure} s3 ls"
    );
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("{message}");
    std::process::exit(1);
}

#[tokio::main]
async fn main() {
    let options = match Options::parse() {
        Ok(o) => o,
        Err(message) if message == USAGE => {
            println!("{USAGE}");
            return;
        }
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let storage = FsStorage::open(&options.data)
        .unwrap_or_else(|e| fail(format!("cannot use {}: {e}", options.data.display())))
        .sync_writes(options.sync);
    let tls = match options.tls {
        Tls::Off => None,
        _ => Some(tls::config(&options.tls).unwrap_or_else(|e| fail(e))),
    };
    let file = options
        .policies
        .as_deref()
        .map(|path| FilePolicyStore::open(path).unwrap_or_else(|e| fail(format!("{path}: {e}"))));
    let redis = match &options.redis {
        Some(url) => Some(
            redis::connect(url, options.redis_prefix.as_deref())
                .await
                .unwrap_or_else(|e| fail(e)),
        ),
        None => None,
    };
    let shared = match &redis {
        Some(client) => Some(RedisPolicyStore::start(client.clone()).await),
        None => None,
    };
    // With a lockout, the failures of every instance on the Redis add up.
    let failures = match (&redis, options.lockout) {
        (Some(client), Some(_)) => Some(RedisFailureTracker::start(client.clone()).await),
        _ => None,
    };
    let buckets = match &shared {
        Some(shared) => BucketPolicies::shared(RedisBuckets(shared.clone())),
        None => BucketPolicies::new(),
    };
    let policies = Policies::new(file, shared);
    let frontend = S3Frontend::new(storage)
        .region(options.region.as_str())
        .domain(options.domain.as_str())
        .https(tls.is_some())
        .buckets(buckets);
    let router = frontend
        .clone()
        .into_router()
        .await
        .unwrap_or_else(|e| fail(e));
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .unwrap_or_else(|e| fail(format!("cannot listen on {}: {e}", options.listen)));
    let address = listener
        .local_addr()
        .unwrap_or_else(|e| fail(format!("cannot read the bound address: {e}")));
    let url = format!("{}://{address}", options.scheme());

    let app = match &options.keys {
        Some(path) => match FileKeyStore::open(path) {
            Ok(store) => {
                println!(
                    "keys: {} from {path} (reloaded when the file changes)",
                    store.len()
                );
                match &options.policies {
                    Some(policies) => {
                        println!("policies: {policies} (reloaded when the file changes)")
                    }
                    None => println!(
                        "no --policies: the keys have no identity policies, so every request is \
                         refused with AccessDenied but what a bucket policy allows"
                    ),
                }
                router.layer(layer(&frontend, &options, store, policies, failures))
            }
            Err(e) => fail(e),
        },
        None => {
            if let Some(note) = policies_note(&options) {
                println!("{note}");
            }
            policies
                .administrator(DEVELOPER)
                .unwrap_or_else(|e| fail(e));
            let principal = json!({"arn": DEVELOPER});
            match &redis {
                Some(client) => {
                    let store = RedisKeyStore::start(client.clone()).await;
                    let key = redis::development_key(client, DEVELOPMENT_KEY, principal)
                        .await
                        .unwrap_or_else(|e| fail(e));
                    println!(
                        "keys: in Redis (prefix {}), shared with every instance using it; \
                         manage them with `countersign keys --redis URL`",
                        client.config().key_prefix()
                    );
                    println!("development key {DEVELOPMENT_KEY}: {}", key.note);
                    print_development_key(&key.secret, &url, tls.is_some(), &options.region);
                    let guard = RedisReplayGuard::new(client.clone());
                    let layer = layer(&frontend, &options, store, policies, failures);
                    router.layer(layer.replay_protection(guard))
                }
                None => {
                    let store = MemoryKeyStore::new();
                    let secret = random_secret()
                        .unwrap_or_else(|e| fail(format!("no development key: {e}")));
                    store.insert(DEVELOPMENT_KEY, secret.as_str(), Arc::new(principal));
                    print_development_key(&secret, &url, tls.is_some(), &options.region);
                    router.layer(layer(&frontend, &options, store, policies, failures))
                }
            }
        }
    };
    if options.anonymous {
        println!("anonymous requests: allowed where a bucket policy allows everyone");
    }
    let shutdown = serve::stop_signal();
    println!("data: {}", options.data.display());
    println!("listening on {url}");

    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    serve::serve(listener, app, tls, options.limits, shutdown).await;
}
