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
//! GetBucketLocation, PutObject, GetObject (ranges), HeadObject, DeleteObject, DeleteObjects,
//! ListObjectsV2, ListObjects, CopyObject, multipart uploads (create, upload part, upload
//! part copy, list parts, complete, abort, list uploads), and bucket policies
//! (PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy).
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

mod body;
mod bucket_policy;
mod handlers;
mod listing;
mod multipart;
mod options;
mod policies;
#[path = "../common/serve.rs"]
mod serve;
mod storage;
mod tls;
mod uploads;
mod xml;

use std::sync::Arc;

use countersign::server::authz::{FilePolicyStore, IamPrincipal, PolicyAuthorizer};
use countersign::server::keys::{random_secret, FileKeyStore, KeyStore, MemoryKeyStore};
use countersign::server::{ErrorFormat, SigV4Layer};
use serde_json::json;

use crate::handlers::App;
use crate::options::{Options, Tls, USAGE};
use crate::policies::{Buckets, Policies};
use crate::storage::Storage;

/// The development key's id (without `--keys`).
const DEVELOPMENT_KEY: &str = "AKIDCOUNTERSIGNDEV";

/// The development key's principal, allowed everything.
const DEVELOPER: &str = "arn:aws:iam::000000000000:user/developer";

/// The layer: S3's rules, then authorization by `policies`.
fn layer<K>(options: &Options, store: K, policies: Policies) -> SigV4Layer<K>
where
    K: KeyStore,
    K::Principal: IamPrincipal + Send + Sync + 'static,
{
    SigV4Layer::new(store)
        .s3()
        .regions([options.region.as_str()])
        .services(["s3"])
        .virtual_host_domain(options.domain.as_str())
        .clock_skew(std::time::Duration::from_secs(15 * 60))
        .error_format(ErrorFormat::S3Xml)
        .debug_errors(options.debug_errors)
        .anonymous(options.anonymous)
        .authorize(PolicyAuthorizer::new(policies))
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
    let storage = Storage::open(&options.data)
        .unwrap_or_else(|e| fail(format!("cannot use {}: {e}", options.data.display())));
    let tls = match options.tls {
        Tls::Off => None,
        _ => Some(tls::config(&options.tls).unwrap_or_else(|e| fail(e))),
    };
    let file = options
        .policies
        .as_deref()
        .map(|path| FilePolicyStore::open(path).unwrap_or_else(|e| fail(format!("{path}: {e}"))));
    let policies = Policies::new(file);
    let buckets = Buckets::load(&storage, &policies).unwrap_or_else(|e| fail(e));
    let state = Arc::new(App {
        storage,
        buckets,
        region: options.region.clone(),
        domain: options.domain.clone(),
        scheme: options.scheme(),
    });
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .unwrap_or_else(|e| fail(format!("cannot listen on {}: {e}", options.listen)));
    let address = listener
        .local_addr()
        .unwrap_or_else(|e| fail(format!("cannot read the bound address: {e}")));
    let url = format!("{}://{address}", options.scheme());

    let router = handlers::router(state);
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
                router.layer(layer(&options, store, policies))
            }
            Err(e) => fail(e),
        },
        None => {
            let store = MemoryKeyStore::new();
            let secret =
                random_secret().unwrap_or_else(|e| fail(format!("no development key: {e}")));
            store.insert(
                DEVELOPMENT_KEY,
                secret.as_str(),
                Arc::new(json!({"arn": DEVELOPER})),
            );
            policies
                .administrator(DEVELOPER)
                .unwrap_or_else(|e| fail(e));
            println!(
                "development key: {DEVELOPMENT_KEY} / {secret} ({DEVELOPER}, allowed everything)"
            );
            let insecure = if tls.is_some() {
                " --no-verify-ssl"
            } else {
                ""
            };
            println!(
                "try:\n  AWS_ACCESS_KEY_ID={DEVELOPMENT_KEY} AWS_SECRET_ACCESS_KEY={secret} aws --endpoint-url {url} \
                 --region {}{insecure} s3 ls",
                options.region
            );
            router.layer(layer(&options, store, policies))
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
