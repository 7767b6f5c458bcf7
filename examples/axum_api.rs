//! A small JSON API (list, create, get, delete items) behind the SigV4 layer, which
//! authorizes each request as API Gateway does with IAM: `execute-api:Invoke` on
//! `arn:aws:execute-api:REGION:000000000000:local/$default/METHOD/PATH`.
//!
//! ```text
//! cargo run --example axum_api                       # 127.0.0.1:8080, development keys printed
//! cargo run --example axum_api -- --keys keys.json --policies policies.json --region eu-west-1 --service items
//! ```
//!
//! The key file is `{"keys": [{"access_key_id": "…", "secret_access_key": "…", "principal":
//! {"arn": "arn:aws:iam::111122223333:user/alice"}}]}`; the policy file gives each principal
//! its identity policies by ARN (without it, the keys of `--keys` may do nothing):
//!
//! ```json
//! {"identities": {"arn:aws:iam::111122223333:user/alice": {"Version": "2012-10-17",
//!   "Statement": {"Effect": "Allow", "Action": "execute-api:Invoke",
//!                 "Resource": "arn:aws:execute-api:*:*:*/*/GET/*"}}}}
//! ```
//!
//! Without `--keys`, two development keys are printed: an administrator's, and a reader's
//! that may only `GET`. A refusal is 403 `AccessDenied` in JSON, as every other.
//!
//! With `--redis URL` (and `--redis-prefix`), the keys and the replay memory are those of
//! Redis, shared by every instance started with it: manage the keys with `countersign keys
//! --redis URL`; the development keys are imported into Redis when it does not have them.
//! A header-signed request is accepted once across the instances; while Redis cannot be
//! reached, requests that need it are refused with 503 `ServiceUnavailable`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use countersign::server::authz::{
    FilePolicyStore, IamPrincipal, MemoryPolicyStore, PolicyAuthorizer, PolicyStore,
    ResourcePolicies,
};
use countersign::server::keys::{random_secret, FileKeyStore, KeyStore, MemoryKeyStore};
use countersign::server::{BodyError, ErrorFormat, SigV4Layer, Verified};
use countersign_policy::Policy;
use countersign_redis::{RedisClient, RedisKeyStore, RedisReplayGuard};
use serde_json::{json, Value};

#[path = "common/floor_layer.rs"]
mod floor_layer;
#[path = "common/redis.rs"]
mod redis;
#[path = "common/serve.rs"]
mod serve;

use serve::Limits;

const USAGE: &str =
    "usage: axum_api [--listen ADDR] [--keys FILE [--policies FILE]] [--redis URL [--redis-prefix P]] [--region R] [--service S] [--debug-errors] \
[--header-timeout S] [--body-timeout S] [--idle-timeout S] [--max-connections N] [--no-auth | --floor-only]

  --keys FILE        a JSON key file {\"keys\": [{\"access_key_id\", \"secret_access_key\", \"principal\"}]}
                     whose principals name IAM users ({\"arn\": \"arn:aws:iam::ACCOUNT:user/NAME\"});
                     without it two development keys are made and printed
  --policies FILE    the identity policies of the keys' principals, by ARN:
                     {\"identities\": {\"arn:aws:iam::ACCOUNT:user/NAME\": [POLICY, ...]}}
                     (reloaded when the file changes); without it the keys of --keys may do nothing
  --redis URL        keep the keys and the replay memory in Redis (redis://[USER[:PASSWORD]@]HOST[:PORT][/DB],
                     rediss:// for TLS), shared by every instance started with it: manage the keys
                     with `countersign keys --redis URL` (their permissions: --policies); the
                     development keys are imported when missing
  --redis-prefix P   the prefix of this deployment's Redis keys (default countersign:)
  --header-timeout S the seconds a connection has to send its first request head, and on HTTP/1
                     each later one (default 10)
  --body-timeout S   the seconds a request body may stall between two reads (default 30)
  --idle-timeout S   the seconds a connection may stay open with no request in flight, HTTP/1 or
                     HTTP/2 (default 60; an HTTP/1 one is closed by --header-timeout first)
  --max-connections N  connections open at once; more wait to be accepted (default 256)
  --no-auth          serve without the layer (only to measure what the layer costs)
  --floor-only       serve behind a stand-in that does only a verification's cryptography and
                     checks nothing (only to measure what bounds the layer)";

/// The command line, with its defaults.
struct Options {
    listen: SocketAddr,
    keys: Option<String>,
    policies: Option<String>,
    redis: Option<String>,
    redis_prefix: Option<String>,
    region: String,
    service: String,
    debug_errors: bool,
    /// Serve without the layer: only for measuring what the layer costs.
    no_auth: bool,
    /// Serve behind the floor's stand-in: only for measuring what bounds the layer.
    floor_only: bool,
    limits: Limits,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut options = Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            keys: None,
            policies: None,
            redis: None,
            redis_prefix: None,
            region: "us-east-1".into(),
            service: "execute-api".into(),
            debug_errors: false,
            no_auth: false,
            floor_only: false,
            limits: Limits::default(),
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
            };
            match flag.as_str() {
                "--listen" => {
                    options.listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?
                }
                "--keys" => options.keys = Some(value()?),
                "--policies" => options.policies = Some(value()?),
                "--redis" => options.redis = Some(value()?),
                "--redis-prefix" => options.redis_prefix = Some(value()?),
                "--region" => options.region = value()?,
                "--service" => options.service = value()?,
                "--debug-errors" => options.debug_errors = true,
                "--no-auth" => options.no_auth = true,
                "--floor-only" => options.floor_only = true,
                "-h" | "--help" => return Err(USAGE.to_string()),
                other => match options.limits.parse_flag(other, value) {
                    Some(parsed) => parsed?,
                    None => return Err(format!("unknown argument {other}\n{USAGE}")),
                },
            }
        }
        if options.policies.is_some() && options.keys.is_none() && options.redis.is_none() {
            return Err(format!(
                "--policies names the permissions of the keys of --keys (or --redis): give both\n{USAGE}"
            ));
        }
        if options.keys.is_some() && options.redis.is_some() {
            return Err(format!(
                "--redis keeps the keys in Redis: import a key file there with `countersign keys \
                 --redis URL import FILE` instead of --keys\n{USAGE}"
            ));
        }
        if options.redis_prefix.is_some() && options.redis.is_none() {
            return Err(format!("--redis-prefix goes with --redis\n{USAGE}"));
        }
        Ok(options)
    }

    /// The layer: verification, then authorization by the identity policies of `policies`.
    fn layer<K, S>(&self, store: K, policies: S) -> SigV4Layer<K>
    where
        K: KeyStore,
        K::Principal: IamPrincipal + Send + Sync + 'static,
        S: PolicyStore,
    {
        SigV4Layer::new(store)
            .regions([self.region.as_str()])
            .services([self.service.as_str()])
            .error_format(ErrorFormat::Json)
            .debug_errors(self.debug_errors)
            .authorize(PolicyAuthorizer::new(policies))
    }
}

/// A development key: its id, its principal's ARN, what it may do (in words, and as the
/// `Resource` of an `execute-api:Invoke` statement).
struct DevelopmentKey {
    id: &'static str,
    arn: &'static str,
    may: &'static str,
    resource: &'static str,
}

/// The development keys: an administrator's, and a reader's that may only `GET`.
const DEVELOPMENT_KEYS: [DevelopmentKey; 2] = [
    DevelopmentKey {
        id: "AKIDCOUNTERSIGNDEV",
        arn: "arn:aws:iam::000000000000:user/developer",
        may: "everything",
        resource: "arn:aws:execute-api:*:*:*",
    },
    DevelopmentKey {
        id: "AKIDCOUNTERSIGNREAD",
        arn: "arn:aws:iam::000000000000:user/reader",
        may: "GET only",
        resource: "arn:aws:execute-api:*:*:*/*/GET/*",
    },
];

impl DevelopmentKey {
    /// Its identity policy.
    fn policy(&self) -> Result<Policy, String> {
        let document = json!({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": self.resource}});
        Policy::identity(&document.to_string()).map_err(|e| e.to_string())
    }
}

type Items = Arc<Mutex<BTreeMap<u64, Value>>>;

/// The API, without the layer.
fn api() -> Router {
    let items: Items = Arc::default();
    Router::new()
        .route("/items", get(list).post(create))
        .route("/items/{id}", get(fetch).delete(remove))
        .route("/whoami", get(whoami))
        .with_state(items)
}

async fn list(State(items): State<Items>) -> Json<Value> {
    let items = items.lock().unwrap_or_else(|p| p.into_inner());
    Json(
        json!({ "items": items.iter().map(|(id, v)| json!({"id": id, "item": v})).collect::<Vec<_>>() }),
    )
}

/// Reads the whole body first: its hash is checked as it streams, and only a body that
/// matched is stored.
async fn create(
    State(items): State<Items>,
    identity: Verified<Arc<Value>>,
    body: Body,
) -> Response {
    let bytes = match axum::body::to_bytes(body, 1024 * 1024).await {
        Ok(bytes) => bytes,
        Err(e) => return body_error(&e),
    };
    let item: Value = match serde_json::from_slice(&bytes) {
        Ok(item) => item,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"code": "MalformedJSON", "message": e.to_string()})),
            )
                .into_response()
        }
    };
    let mut items = items.lock().unwrap_or_else(|p| p.into_inner());
    let id = items.keys().next_back().map_or(1, |last| last + 1);
    items.insert(
        id,
        json!({"value": item, "created_by": identity.access_key_id()}),
    );
    (StatusCode::CREATED, Json(json!({"id": id}))).into_response()
}

/// Answers a body that failed verification with its AWS code.
fn body_error(error: &(dyn std::error::Error + 'static)) -> Response {
    let mut source = Some(error);
    while let Some(e) = source {
        if let Some(body_error) = e.downcast_ref::<BodyError>() {
            let body = json!({"code": body_error.code(), "message": body_error.to_string()});
            return (body_error.status(), Json(body)).into_response();
        }
        source = e.source();
    }
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"code": "IncompleteBody", "message": error.to_string()})),
    )
        .into_response()
}

async fn fetch(State(items): State<Items>, Path(id): Path<u64>) -> Response {
    match items.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
        Some(item) => Json(item.clone()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"code": "NoSuchItem", "message": format!("no item {id}")})),
        )
            .into_response(),
    }
}

async fn remove(State(items): State<Items>, Path(id): Path<u64>) -> StatusCode {
    match items.lock().unwrap_or_else(|p| p.into_inner()).remove(&id) {
        Some(_) => StatusCode::NO_CONTENT,
        None => StatusCode::NOT_FOUND,
    }
}

async fn whoami(identity: Verified<Arc<Value>>) -> Json<Value> {
    Json(json!({
        "access_key_id": identity.access_key_id(),
        "principal": *identity.principal,
        "region": identity.region(),
        "service": identity.service(),
        "presigned": identity.presigned,
    }))
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("{message}");
    std::process::exit(1);
}

/// The API behind the layer, with the key and policy files or the development keys (in
/// memory, or in Redis with `--redis`).
async fn authenticated(options: &Options) -> Router {
    if let Some(url) = &options.redis {
        let client = redis::connect(url, options.redis_prefix.as_deref())
            .await
            .unwrap_or_else(|e| fail(e));
        return with_redis(options, client).await;
    }
    let Some(path) = &options.keys else {
        return with_development_keys(options);
    };
    let store = FileKeyStore::open(path).unwrap_or_else(|e| fail(e));
    println!(
        "keys: {} from {path} (reloaded when the file changes)",
        store.len()
    );
    match &options.policies {
        Some(file) => {
            let policies =
                FilePolicyStore::open(file).unwrap_or_else(|e| fail(format!("{file}: {e}")));
            println!("policies: {file} (reloaded when the file changes)");
            api().layer(options.layer(store, policies))
        }
        None => {
            println!(
                "no --policies: the keys have no permissions (every request is refused with \
                 AccessDenied) until a policy file gives them some"
            );
            api().layer(options.layer(store, MemoryPolicyStore::new()))
        }
    }
}

/// The identity policies of `--policies` (if given), then the development keys'.
#[derive(Debug, Clone)]
struct FileThenDevelopment {
    file: Option<FilePolicyStore>,
    development: MemoryPolicyStore,
}

impl PolicyStore for FileThenDevelopment {
    fn identity_policies(&self, principal_arn: &str) -> Option<Arc<[Policy]>> {
        let file = self.file.as_ref();
        file.and_then(|f| f.identity_policies(principal_arn))
            .or_else(|| self.development.identity_policies(principal_arn))
    }

    fn resource_policies(&self, key: &str) -> Option<Arc<ResourcePolicies>> {
        self.file.as_ref().and_then(|f| f.resource_policies(key))
    }
}

/// The API behind the layer with the keys and replay memory of Redis, the policies of
/// `--policies` and the development keys' (imported into Redis when it does not have them).
async fn with_redis(options: &Options, client: RedisClient) -> Router {
    let store = RedisKeyStore::start(client.clone()).await;
    let file = options.policies.as_deref().map(|path| {
        let file = FilePolicyStore::open(path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
        println!("policies: {path} (reloaded when the file changes)");
        file
    });
    let policies = FileThenDevelopment {
        file,
        development: MemoryPolicyStore::new(),
    };
    println!(
        "keys: in Redis (prefix {}), shared with every instance using it; manage them with \
         `countersign keys --redis URL`",
        client.config().key_prefix()
    );
    for key in &DEVELOPMENT_KEYS {
        let principal = json!({"arn": key.arn});
        let found = redis::development_key(&client, key.id, principal)
            .await
            .unwrap_or_else(|e| fail(e));
        let policy = key.policy().unwrap_or_else(|e| fail(e));
        policies
            .development
            .set_identity_policies(key.arn, vec![policy]);
        println!(
            "development key: {} / {} ({}: {}; {})",
            key.id, found.secret, key.arn, key.may, found.note
        );
    }
    let guard = RedisReplayGuard::new(client);
    api().layer(options.layer(store, policies).replay_protection(guard))
}

/// The API behind the layer with the development keys, printed with their secrets.
fn with_development_keys(options: &Options) -> Router {
    let store = MemoryKeyStore::new();
    let policies = MemoryPolicyStore::new();
    let secrets = DEVELOPMENT_KEYS.each_ref().map(|key| {
        let secret = random_secret().unwrap_or_else(|e| fail(format!("no development key: {e}")));
        store.insert(key.id, secret.as_str(), Arc::new(json!({"arn": key.arn})));
        policies.set_identity_policies(key.arn, vec![key.policy().unwrap_or_else(|e| fail(e))]);
        println!(
            "development key: {} / {secret} ({}: {})",
            key.id, key.arn, key.may
        );
        secret
    });
    let ([admin, reader], [admin_secret, reader_secret]) = (&DEVELOPMENT_KEYS, &secrets);
    let sigv4 = format!(
        "--aws-sigv4 'aws:amz:{}:{}'",
        options.region, options.service
    );
    let url = format!("http://{}", options.listen);
    println!(
        "try:\n  curl {sigv4} --user '{}:{}' -H 'Content-Type: application/json' -d '{{\"name\":\"widget\"}}' {url}/items",
        admin.id, admin_secret
    );
    println!(
        "  curl {sigv4} --user '{}:{}' {url}/items/1",
        reader.id, reader_secret
    );
    println!(
        "  curl {sigv4} --user '{}:{}' -X DELETE {url}/items/1    # AccessDenied",
        reader.id, reader_secret
    );
    api().layer(options.layer(store, policies))
}

#[tokio::main]
async fn main() {
    let options = match Options::parse() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let app = if options.no_auth {
        println!("--no-auth: serving WITHOUT authentication (for measuring what the layer costs)");
        api()
    } else if options.floor_only {
        println!("--floor-only: serving WITHOUT authentication, behind the floor's cryptography (for measuring what bounds the layer)");
        api().layer(floor_layer::FloorLayer::new())
    } else {
        authenticated(&options).await
    };
    let listener = match tokio::net::TcpListener::bind(options.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", options.listen);
            std::process::exit(1);
        }
    };
    let shutdown = serve::stop_signal();
    let bound = listener.local_addr().map_or(options.listen, |a| a);
    println!("listening on http://{bound}");
    serve::serve(listener, app, None, options.limits, shutdown).await;
}
