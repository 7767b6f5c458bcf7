//! The client's signing senders against `examples/axum_api` (a child process): its JSON API
//! used through reqwest with `SigningMiddleware`, every request signed by the middleware and
//! authorized by the example's layer and policies.
//!
//! `cargo test` builds the examples before the tests run (`cargo build --examples` otherwise).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use common::example_server::{ExampleServer, Key};
use countersign::client::{Credentials, Signing, SigningMiddleware};
use serde_json::{json, Value};

const KEY: Key<'static> = Key {
    access_key_id: "AKIDSENDERS",
    secret: "c2VuZGVycyBzZWNyZXQgZm9yIHRoZSBheHVtIGFwaQ",
    user: "sender",
};

fn client() -> reqwest_middleware::ClientWithMiddleware {
    let signing = Signing::new(
        Credentials::new(KEY.access_key_id, KEY.secret),
        "us-east-1",
        "execute-api",
    );
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    reqwest_middleware::ClientBuilder::new(client)
        .with(SigningMiddleware::new(signing))
        .build()
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, value)
}

#[tokio::test]
async fn the_middleware_creates_fetches_lists_and_deletes_items_on_axum_api() {
    let server = ExampleServer::start("axum_api", KEY, |_, _| {});
    let client = client();
    let items = format!("{}/items", server.url);

    let response = client
        .post(&items)
        .header("content-type", "application/json")
        .body(json!({"name": "widget"}).to_string())
        .send()
        .await
        .unwrap();
    let (status, created) = json_of(response).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_u64().unwrap();

    let (status, fetched) =
        json_of(client.get(format!("{items}/{id}")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{fetched}");
    assert_eq!(fetched["value"]["name"], "widget", "{fetched}");
    assert_eq!(fetched["created_by"], KEY.access_key_id, "{fetched}");

    let (status, listed) = json_of(client.get(&items).send().await.unwrap()).await;
    assert_eq!(status, 200, "{listed}");
    assert!(listed.to_string().contains("widget"), "{listed}");

    let deleted = client.delete(format!("{items}/{id}")).send().await.unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
}

#[tokio::test]
async fn the_middleware_is_verified_as_its_key_on_axum_api() {
    let server = ExampleServer::start("axum_api", KEY, |_, _| {});
    let response = client()
        .get(format!("{}/whoami", server.url))
        .send()
        .await
        .unwrap();
    let (status, who) = json_of(response).await;
    assert_eq!(status, 200, "{who}");
    assert_eq!(who["access_key_id"], KEY.access_key_id);
    assert_eq!(who["principal"]["user"], KEY.user);
}
