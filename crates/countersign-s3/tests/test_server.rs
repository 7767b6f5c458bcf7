//! `TestServer`: the frontend on a loopback port with signature verification on, driven by
//! this workspace's client.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use countersign_client::{Credentials, SignExt, Signing};
use countersign_s3::TestServer;
use md5::{Digest, Md5};

mod common;

use common::{elements, signing};

/// The text of the first `<name>` element.
fn element<'a>(document: &'a str, name: &str) -> Option<&'a str> {
    elements(document, name).first().copied()
}

#[tokio::test]
async fn an_object_put_is_got_back() {
    let server = TestServer::start().await.unwrap();
    let signing = signing(&server);
    let client = reqwest::Client::new();
    let bucket = format!("{}/reports", server.endpoint());
    let created = client.put(&bucket).sign(&signing).await.unwrap();
    assert_eq!(created.send().await.unwrap().status(), 200);
    let body = "quarterly figures, all signed";
    let put = client
        .put(format!("{bucket}/2024/q1.txt"))
        .header("content-type", "text/plain")
        .body(body)
        .sign(&signing)
        .await
        .unwrap();
    let put = put.send().await.unwrap();
    assert_eq!(put.status(), 200);
    // The ETag of a single PUT is the MD5 of its bytes.
    let etag = put.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{}\"", hex::encode(Md5::digest(body))));

    let got = client
        .get(format!("{bucket}/2024/q1.txt"))
        .sign(&signing)
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "text/plain");
    assert_eq!(got.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(got.text().await.unwrap(), body);

    let listed = client
        .get(format!("{bucket}?list-type=2"))
        .sign(&signing)
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    let listing = listed.text().await.unwrap();
    assert_eq!(element(&listing, "Key"), Some("2024/q1.txt"));
}

#[tokio::test]
async fn a_wrong_signature_is_signature_does_not_match() {
    let server = TestServer::start().await.unwrap();
    let forged = Signing::new(
        Credentials::new(server.access_key_id(), "not the server's secret"),
        server.region(),
        "s3",
    )
    .s3();
    let client = reqwest::Client::new();
    let response = client
        .put(format!("{}/forged", server.endpoint()))
        .sign(&forged)
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let document = response.text().await.unwrap();
    assert_eq!(element(&document, "Code"), Some("SignatureDoesNotMatch"));
    // Nothing was created: the right key finds no bucket.
    let head = client
        .head(format!("{}/forged", server.endpoint()))
        .sign(&signing(&server))
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 404);
}

#[tokio::test]
async fn an_unsigned_request_is_refused() {
    let server = TestServer::start().await.unwrap();
    let response = reqwest::Client::new()
        .get(format!("{}/", server.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let document = response.text().await.unwrap();
    assert_eq!(element(&document, "Code"), Some("AccessDenied"));
}

#[tokio::test]
async fn a_server_in_a_directory_keeps_objects_as_files() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path()).await.unwrap();
    let signing = signing(&server);
    let client = reqwest::Client::new();
    let bucket = format!("{}/files", server.endpoint());
    client
        .put(&bucket)
        .sign(&signing)
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    let put = client
        .put(format!("{bucket}/notes/a.txt"))
        .body("on disk")
        .sign(&signing)
        .await
        .unwrap();
    assert_eq!(put.send().await.unwrap().status(), 200);
    assert_eq!(
        std::fs::read(dir.path().join("files/notes/a.txt")).unwrap(),
        b"on disk"
    );
}

#[tokio::test]
async fn the_server_stops_when_dropped() {
    let server = TestServer::start().await.unwrap();
    let address = server.address();
    assert!(tokio::net::TcpStream::connect(address).await.is_ok());
    drop(server);
    // The listener is closed once the serving task has ended.
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(refused, "{address} still accepts connections");
}

#[tokio::test]
async fn an_operation_the_frontend_lacks_is_not_implemented_naming_it() {
    let server = TestServer::start().await.unwrap();
    let signing = signing(&server);
    let client = reqwest::Client::new();
    let bucket = format!("{}/lacking", server.endpoint());
    client
        .put(&bucket)
        .sign(&signing)
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    let response = client
        .get(format!("{bucket}?acl"))
        .sign(&signing)
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 501);
    let document = response.text().await.unwrap();
    assert_eq!(element(&document, "Code"), Some("NotImplemented"));
    let message = element(&document, "Message").unwrap_or_default();
    assert!(message.contains("GetBucketAcl"), "{message}");
}

#[tokio::test]
async fn a_bucket_policy_is_kept_by_the_storage_and_given_back() {
    let server = TestServer::start().await.unwrap();
    let signing = signing(&server);
    let client = reqwest::Client::new();
    let bucket = format!("{}/public", server.endpoint());
    client
        .put(&bucket)
        .sign(&signing)
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    let policy = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
        "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public/*"}}"#;
    let put = client
        .put(format!("{bucket}?policy"))
        .body(policy)
        .sign(&signing)
        .await
        .unwrap();
    assert_eq!(put.send().await.unwrap().status(), 204);
    let got = client
        .get(format!("{bucket}?policy"))
        .sign(&signing)
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.text().await.unwrap(), policy);
    let deleted = client
        .delete(format!("{bucket}?policy"))
        .sign(&signing)
        .await
        .unwrap();
    assert_eq!(deleted.send().await.unwrap().status(), 204);
    let gone = client
        .get(format!("{bucket}?policy"))
        .sign(&signing)
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let document = gone.text().await.unwrap();
    assert_eq!(element(&document, "Code"), Some("NoSuchBucketPolicy"));
}

#[tokio::test]
async fn a_put_past_the_memory_storages_capacity_is_insufficient_storage() {
    let storage = countersign_s3::MemoryStorage::with_capacity(1024);
    let server = TestServer::with_storage(storage).await.unwrap();
    let signing = signing(&server);
    let client = reqwest::Client::new();
    let bucket = format!("{}/small", server.endpoint());
    let created = client.put(&bucket).sign(&signing).await.unwrap();
    assert_eq!(created.send().await.unwrap().status(), 200);
    let put = |size: usize| {
        let request = client.put(format!("{bucket}/k")).body(vec![b'x'; size]);
        let signing = signing.clone();
        async move { request.sign(&signing).await.unwrap().send().await.unwrap() }
    };
    let refused = put(2048).await;
    assert_eq!(refused.status(), 507);
    let document = refused.text().await.unwrap();
    assert_eq!(
        element(&document, "Code"),
        Some("InsufficientStorage"),
        "{document}"
    );
    assert_eq!(put(1000).await.status(), 200);
}
