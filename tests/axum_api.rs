//! The `axum_api` example as a child process, called by a signer of the AWS SDK for
//! JavaScript v3 (`@smithy/signature-v4`, by every service's rules but S3's) through
//! `tests/js/api_client.mjs`: header-signed and presigned requests with awkward queries and
//! paths pass the layer, and a wrong secret or a tampered query does not.
//!
//! `common::javascript` says what the script needs; `cargo test` builds the example first.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use serde_json::Value;

use common::example_server::{ExampleServer, Key};

const AKID: &str = "AKIDAXUMAPITEST";
const SECRET: &str = "axum-api-test-secret/with+chars";

#[test]
fn javascript_signer_passes_the_layer() {
    let key = Key {
        access_key_id: AKID,
        secret: SECRET,
        user: "js",
    };
    let server = ExampleServer::start("axum_api", key, |_, _| {});
    let result = common::javascript::run("api_client.mjs", &[&server.url, AKID, SECRET]);
    let status = |name: &str| result[name]["status"].as_u64();
    let body = |name: &str| -> Value {
        serde_json::from_str(result[name]["body"].as_str().unwrap_or("null")).unwrap_or_default()
    };
    assert_eq!(status("whoami"), Some(200), "{result}");
    assert_eq!(body("whoami")["access_key_id"], AKID);
    assert_eq!(body("whoami")["presigned"], false);
    assert_eq!(status("create"), Some(201), "{result}");
    assert_eq!(status("list"), Some(200), "{result}");
    assert_eq!(body("list")["items"][0]["item"]["value"]["note"], "ü");
    assert_eq!(body("list")["items"][0]["item"]["created_by"], AKID);
    // No route takes the path: the layer let it through.
    assert_eq!(status("odd_path"), Some(404), "{result}");
    assert_eq!(status("presigned"), Some(200), "{result}");
    assert_eq!(body("presigned")["presigned"], true);
    for refused in ["wrong_secret", "tampered_query"] {
        assert_eq!(status(refused), Some(403), "{refused}: {result}");
        assert_eq!(body(refused)["code"], "SignatureDoesNotMatch");
    }
}
