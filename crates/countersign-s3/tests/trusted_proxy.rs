//! Behind a trusted proxy, the frontend serves the bucket and key the layer authorized (read
//! through the proxy's forwarded host), never others read again from the request's own
//! `Host`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use std::sync::Arc;

use countersign_client::{Credentials, Payload, Signer};
use countersign_policy::Policy;
use countersign_s3::{BodyReader, MemoryStorage, ObjectMeta, S3Frontend, Storage, WriteCondition};
use countersign_server::authz::MemoryPolicyStore;
use countersign_server::keys::MemoryKeyStore;
use countersign_server::TrustedProxy;

const ARN: &str = "arn:aws:iam::111122223333:user/reader";
const KEY: (&str, &str) = ("AKIDPROXIED", "proxied-secret");

/// The frontend over a bucket `public` holding `secret.txt`, behind a proxy trusted for its
/// forwarded host; the reader may get every object, and do nothing else.
async fn serve() -> String {
    let storage = MemoryStorage::new();
    storage.create_bucket("public", None).await.unwrap();
    let mut body = BodyReader::from_bytes(&b"the object asked for"[..]);
    let staged = storage.stage(&mut body).await.unwrap();
    let meta = ObjectMeta::new(20, "\"etag\"");
    storage
        .put_object("public", "secret.txt", staged, &meta, &WriteCondition::None)
        .await
        .unwrap();
    let keys = MemoryKeyStore::new();
    keys.insert(KEY.0, KEY.1, Arc::new(serde_json::json!({ "arn": ARN })));
    let policies = MemoryPolicyStore::new();
    let read = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:GetObject", "Resource": "*"}]}"#;
    policies.set_identity_policies(ARN, vec![Policy::identity(read).unwrap()]);
    let frontend = S3Frontend::new(storage);
    let layer = frontend
        .layer(keys, policies)
        .trusted_proxy(TrustedProxy::new().forwarded_host(true));
    let router = frontend.into_router().await.unwrap().layer(layer);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

#[tokio::test]
async fn the_forwarded_hosts_bucket_is_the_one_authorized_and_served() {
    let endpoint = serve().await;
    // The client called `public.localhost` (a virtual-hosted bucket) and signed for it; the
    // proxy reached the server as `backend:9000`, which names no bucket.
    let mut signed = http::Request::get("http://public.localhost/secret.txt")
        .body(())
        .unwrap();
    let signer = Signer::new(Credentials::new(KEY.0, KEY.1), "us-east-1", "s3").s3();
    signer
        .sign(&mut signed, Payload::Empty, time::OffsetDateTime::now_utc())
        .unwrap();
    let mut request = reqwest::Client::new()
        .get(format!("{endpoint}/secret.txt"))
        .header("host", "backend:9000")
        .header("x-forwarded-host", "public.localhost");
    for (name, value) in signed.headers() {
        if name != http::header::HOST {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    let answer = request.send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "the object asked for");
}
