//! The AWS SDK for JavaScript v3 as a real client, each script run once and shared by the
//! tests of its results (`common::javascript` says what they need):
//!
//! - `tests/js/s3_client.mjs` against the S3 example: objects put whole (the checksum in a
//!   header) and streamed (an unsigned aws-chunked body, the checksum in a trailer) with
//!   CRC32, CRC32C and SHA-256, a multipart upload, a listing, a presigned GET, a browser POST
//!   upload under the SDK's policy (and one too large, one outside its key prefix, refused),
//!   a tampered URL and a wrong secret refused;
//! - `tests/js/api_client.mjs` against the `axum_api` example (`@smithy/signature-v4`, by
//!   every service's rules but S3's): header-signed and presigned requests with awkward
//!   queries and paths pass the layer, and a wrong secret or a tampered query does not.

use std::sync::LazyLock;

use serde_json::{json, Value};

use crate::common::example_server::{ExampleServer, Key};
use crate::common::javascript;
use crate::s3_example::{Server, AKID, SECRET};

/// What `s3_client.mjs` printed, and the size of the object it streamed with CRC32.
struct S3Run {
    result: Value,
    streamed_crc32_size: Option<u64>,
}

static S3: LazyLock<S3Run> = LazyLock::new(|| {
    let server = Server::start();
    let result = javascript::run("s3_client.mjs", &[&server.process.url, AKID, SECRET]);
    let streamed = server.data().join("js-bucket/streamed-CRC32");
    S3Run {
        result,
        streamed_crc32_size: std::fs::metadata(streamed).map(|m| m.len()).ok(),
    }
});

/// The result named `name` of the S3 run.
fn s3(name: &str) -> &'static Value {
    &S3.result[name]
}

#[test]
fn s3_gets_the_object_it_put() {
    assert_eq!(s3("get"), "hello from the JavaScript SDK", "{}", S3.result);
}

/// One test per checksum and way of sending the body: what was put reads back the same.
macro_rules! checksums {
    ($($name:ident => $result:literal;)*) => {
        $(
            #[test]
            fn $name() {
                assert_eq!(s3($result), true, "{}", S3.result);
            }
        )*
    };
}

checksums! {
    s3_put_with_a_crc32_header => "buffered-CRC32";
    s3_put_with_a_crc32c_header => "buffered-CRC32C";
    s3_put_with_a_sha256_header => "buffered-SHA256";
    s3_put_streamed_with_a_crc32_trailer => "streamed-CRC32";
    s3_put_streamed_with_a_crc32c_trailer => "streamed-CRC32C";
    s3_put_streamed_with_a_sha256_trailer => "streamed-SHA256";
}

#[test]
fn s3_streamed_object_is_stored_decoded() {
    assert_eq!(S3.streamed_crc32_size, Some(300 * 1024));
}

#[test]
fn s3_multipart_upload_joins_its_parts() {
    assert_eq!(s3("multipart"), true, "{}", S3.result);
}

#[test]
fn s3_listing_names_an_odd_key() {
    assert_eq!(s3("keys"), &json!(["dir/a b+c~ü.txt"]));
}

#[test]
fn s3_presigned_get_reads_the_object() {
    assert_eq!(s3("presigned"), "hello from the JavaScript SDK");
}

#[test]
fn s3_tampered_presigned_url_is_refused() {
    assert_eq!(s3("tampered_status"), 403);
}

#[test]
fn s3_post_form_under_the_sdks_policy_uploads_its_file() {
    assert_eq!(s3("post")["status"], 201, "{}", S3.result);
    assert_eq!(s3("post_same"), true);
}

// A form refused for its fields, and one refused while its file (3 MiB, over the policy's
// 1000 bytes) streams, are read to their end before the answer, so the answer arrives rather
// than a reset connection.

#[test]
fn s3_post_form_outside_its_key_prefix_is_refused_and_stores_nothing() {
    assert_eq!(
        s3("post_other_key")["code"],
        "AccessDenied",
        "{}",
        S3.result
    );
    assert_eq!(s3("post_other_key_stored"), false, "{}", S3.result);
}

#[test]
fn s3_post_form_file_too_large_is_refused_and_keeps_the_object() {
    assert_eq!(
        s3("post_too_large")["code"],
        "EntityTooLarge",
        "{}",
        S3.result
    );
    assert_eq!(s3("post_kept"), true, "{}", S3.result);
}

#[test]
fn s3_wrong_secret_is_refused() {
    assert_eq!(s3("wrong_secret"), "SignatureDoesNotMatch 403");
}

#[test]
fn s3_deleted_objects_are_no_longer_listed() {
    assert_eq!(s3("keys_after_delete"), &json!([]));
}

const API_AKID: &str = "AKIDAXUMAPITEST";
const API_SECRET: &str = "axum-api-test-secret/with+chars";

/// What `api_client.mjs` printed against the `axum_api` example.
static API: LazyLock<Value> = LazyLock::new(|| {
    let key = Key {
        access_key_id: API_AKID,
        secret: API_SECRET,
        user: "js",
    };
    let server = ExampleServer::start("axum_api", key, |_, _| {});
    javascript::run("api_client.mjs", &[&server.url, API_AKID, API_SECRET])
});

/// The status of the API run's request `name`.
fn api_status(name: &str) -> Option<u64> {
    API[name]["status"].as_u64()
}

/// The body of the API run's request `name`, as JSON.
fn api_body(name: &str) -> Value {
    serde_json::from_str(API[name]["body"].as_str().unwrap_or("null")).unwrap_or_default()
}

#[test]
fn api_header_signed_get_reaches_the_handler() {
    assert_eq!(api_status("whoami"), Some(200), "{}", *API);
    assert_eq!(api_body("whoami")["access_key_id"], API_AKID);
    assert_eq!(api_body("whoami")["presigned"], false);
}

#[test]
fn api_post_creates_an_item() {
    assert_eq!(api_status("create"), Some(201), "{}", *API);
}

#[test]
fn api_list_shows_the_item_with_its_unicode_and_its_creator() {
    assert_eq!(api_status("list"), Some(200), "{}", *API);
    assert_eq!(api_body("list")["items"][0]["item"]["value"]["note"], "ü");
    assert_eq!(api_body("list")["items"][0]["item"]["created_by"], API_AKID);
}

#[test]
fn api_odd_path_passes_the_layer() {
    // No route takes the path: the layer let it through.
    assert_eq!(api_status("odd_path"), Some(404), "{}", *API);
}

#[test]
fn api_presigned_get_reaches_the_handler() {
    assert_eq!(api_status("presigned"), Some(200), "{}", *API);
    assert_eq!(api_body("presigned")["presigned"], true);
}

#[test]
fn api_wrong_secret_is_refused() {
    assert_eq!(api_status("wrong_secret"), Some(403), "{}", *API);
    assert_eq!(api_body("wrong_secret")["code"], "SignatureDoesNotMatch");
}

#[test]
fn api_tampered_query_is_refused() {
    assert_eq!(api_status("tampered_query"), Some(403), "{}", *API);
    assert_eq!(api_body("tampered_query")["code"], "SignatureDoesNotMatch");
}
