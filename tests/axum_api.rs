//! The `axum_api` example as a child process, called by a signer of the AWS SDK for
//! JavaScript v3 (`@smithy/signature-v4`, by every service's rules but S3's) through
//! `tests/js/api_client.mjs`: header-signed and presigned requests with awkward queries and
//! paths pass the layer, and a wrong secret or a tampered query does not.
//!
//! Needs `node` and the SDK in `tests/js/node_modules` (`npm ci --prefix tests/js`, which
//! `.ci/run` runs); fails, not skips, without them. `cargo test` builds the example first.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use common::example_server::{ExampleServer, Key};

const AKID: &str = "AKIDAXUMAPITEST";
const SECRET: &str = "axum-api-test-secret/with+chars";

#[test]
fn javascript_signer_passes_the_layer() {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    assert!(
        js.join("node_modules/@smithy/signature-v4").is_dir(),
        "the AWS SDK for JavaScript is missing: run `npm ci --prefix tests/js` (.ci/run does)"
    );
    let key = Key {
        access_key_id: AKID,
        secret: SECRET,
        user: "js",
    };
    let server = ExampleServer::start("axum_api", key, |_, _| {});
    let output = Command::new("node")
        .arg("--no-warnings")
        .arg(js.join("api_client.mjs"))
        .args([server.url.as_str(), AKID, SECRET])
        .output()
        .expect("node runs (install Node.js)");
    assert!(
        output.status.success(),
        "the JavaScript signer failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).expect("JSON");
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
