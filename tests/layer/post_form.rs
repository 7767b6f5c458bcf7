//! S3 browser POST uploads: the S3 documentation's example form is accepted, and refused when
//! any field, the host or the time is otherwise than its policy says, or a field it needs is
//! missing; a form goes only to the bucket its policy names, by its path or its virtual host,
//! with no query; the file streams to the handler with `content-length-range` enforced; a
//! malformed or oversized form, a Signature Version 2 form, and an unknown key are refused.

use axum::body::Body;
use axum::extract::Extension;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use countersign::core::{CredentialScope, SecretKey, SigningKey};
use countersign::server::keys::{KeyStore, MemoryKeyStore};
use countersign::server::{PostObject, SigV4Layer, Verified, DEFAULT_DRAIN_LIMIT};
use http::{Request, StatusCode};
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

use crate::common;
use crate::{answer, Answer};

/// The key of the S3 documentation's example.
pub(crate) const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const BOUNDARY: &str = "----countersign-form-7MA4YWxkTrZu0gW";
/// The time our own forms ([`own_form`]) are posted at.
pub(crate) const POSTED: OffsetDateTime = datetime!(2024-03-01 00:10:00 UTC);

/// Echoes the key, the principal and the file.
async fn upload(
    identity: Verified<String>,
    Extension(post): Extension<PostObject>,
    body: Body,
) -> Response {
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(file) => format!(
            "{}|{}|{}",
            identity.principal,
            post.key.unwrap_or_default(),
            String::from_utf8_lossy(&file)
        )
        .into_response(),
        Err(e) => crate::refusal(&e),
    }
}

/// The bucket the layer checked, and the key.
async fn bucket_and_key(Extension(post): Extension<PostObject>) -> String {
    format!("{}|{}", post.bucket, post.key.unwrap_or_default())
}

/// The documentation's key (principal `uploader`).
fn doc_keys() -> MemoryKeyStore<String> {
    let keys = MemoryKeyStore::new();
    keys.insert(AKID, SECRET, "uploader".to_string());
    keys
}

/// The S3 rules for s3.amazonaws.com in us-east-1 over `store`, at `now`.
fn s3_layer<K: KeyStore>(store: K, now: OffsetDateTime) -> SigV4Layer<K> {
    SigV4Layer::new(store)
        .s3()
        .virtual_host_domain("s3.amazonaws.com")
        .regions(["us-east-1"])
        .services(["s3"])
        .clock(move || now)
}

/// [`upload`] at `/` and `/{bucket}` at `now`.
pub(crate) fn app(now: OffsetDateTime) -> Router {
    app_draining(now, DEFAULT_DRAIN_LIMIT)
}

/// [`app`], reading at most `drain` bytes of a refused form.
pub(crate) fn app_draining(now: OffsetDateTime, drain: u64) -> Router {
    Router::new()
        .route("/", post(upload))
        .route("/{bucket}", post(upload))
        .layer(s3_layer(doc_keys(), now).refused_body_drain(drain))
}

/// [`bucket_and_key`] for every POST, behind the layer over `store`.
fn bucket_app<K: KeyStore>(store: K, now: OffsetDateTime) -> Router {
    Router::new()
        .fallback(post(bucket_and_key))
        .layer(s3_layer(store, now))
}

/// A form of `fields` and a file, with this module's boundary.
pub(crate) fn multipart(fields: &[(String, String)], filename: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A POST of a form with this module's boundary.
pub(crate) fn form_request(host: &str, path: &str, body: Body) -> Request<Body> {
    Request::post(path)
        .header("host", host)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .unwrap()
}

/// Posts `body` to `host` and `path` through `app`.
async fn send(app: &Router, host: &str, path: &str, body: Vec<u8>) -> Answer {
    answer(app, form_request(host, path, Body::from(body))).await
}

/// The S3 documentation's example form (shared/vectors/s3-doc-examples/post-policy-browser-upload.json),
/// posted where and when it was.
#[derive(Clone)]
struct DocForm {
    fields: Vec<(String, String)>,
    host: &'static str,
    now: OffsetDateTime,
}

impl DocForm {
    fn new() -> Self {
        let path = common::vectors_dir()
            .join("s3-doc-examples")
            .join("post-policy-browser-upload.json");
        let v: Value = serde_json::from_str(&common::read(&path)).unwrap();
        let mut fields = Vec::new();
        for pair in v["request"]["form_fields"].as_array().unwrap() {
            let name = pair[0].as_str().unwrap().to_string();
            let value = match name.as_str() {
                "Policy" => v["expected"]["policy_base64"].as_str().unwrap().to_string(),
                "X-Amz-Signature" => v["expected"]["signature"].as_str().unwrap().to_string(),
                "file" => continue,
                _ => pair[1].as_str().unwrap().to_string(),
            };
            fields.push((name, value));
        }
        DocForm {
            fields,
            host: "sigv4examplebucket.s3.amazonaws.com",
            now: datetime!(2015-12-29 10:00:00 UTC),
        }
    }

    /// Gives field `name` another value.
    fn set(&mut self, name: &str, value: &str) {
        for (n, v) in &mut self.fields {
            if n == name {
                *v = value.to_string();
            }
        }
    }

    /// Leaves field `name` out.
    fn remove(&mut self, name: &str) {
        self.fields.retain(|(n, _)| n != name);
    }

    /// The form with photo.jpg, posted to `/` of its host through [`app`].
    async fn post(&self) -> Answer {
        let body = multipart(&self.fields, "photo.jpg", b"JPEG bytes");
        send(&app(self.now), self.host, "/", body).await
    }

    /// The form posted to `path` on the path-style host through [`bucket_app`].
    async fn post_to(&self, path: &str) -> Answer {
        let body = multipart(&self.fields, "photo.jpg", b"JPEG bytes");
        let app = bucket_app(doc_keys(), self.now);
        send(&app, "s3.amazonaws.com", path, body).await
    }
}

#[tokio::test]
async fn the_s3_documentation_form_is_accepted() {
    let answer = DocForm::new().post().await;
    answer.assert_is(StatusCode::OK, "uploader|user/user1/photo.jpg|JPEG bytes");
}

/// One test per change to the documentation's form, and the status and code it is refused
/// with.
macro_rules! refused_forms {
    ($($name:ident: |$form:ident| $change:expr => $status:ident $code:literal;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                let mut $form = DocForm::new();
                $change;
                let answer = $form.post().await;
                answer.assert_refused(StatusCode::$status, $code);
            }
        )*
    };
}

refused_forms! {
    a_form_with_its_acl_changed_is_refused:
        |form| form.set("acl", "public-read-write") => FORBIDDEN "AccessDenied";
    a_form_with_a_key_outside_the_prefix_is_refused:
        |form| form.set("key", "user/user2/${filename}") => FORBIDDEN "AccessDenied";
    a_form_whose_content_type_is_not_an_image_is_refused:
        |form| form.set("Content-Type", "text/html") => FORBIDDEN "AccessDenied";
    a_form_posted_to_another_bucket_is_refused:
        |form| form.host = "otherbucket.s3.amazonaws.com" => FORBIDDEN "AccessDenied";
    a_form_posted_after_its_policy_expired_is_refused:
        |form| form.now = datetime!(2015-12-30 12:00:01 UTC) => FORBIDDEN "AccessDenied";
    a_form_with_its_signature_changed_is_refused:
        |form| form.set("X-Amz-Signature", &"0".repeat(64)) => FORBIDDEN "SignatureDoesNotMatch";
    a_form_signed_for_another_region_is_refused:
        |form| form.set(
            "X-Amz-Credential",
            "AKIAIOSFODNN7EXAMPLE/20151229/eu-west-1/s3/aws4_request",
        ) => BAD_REQUEST "InvalidArgument";
    a_form_of_another_algorithm_is_refused:
        |form| form.set("X-Amz-Algorithm", "AWS4-HMAC-SHA1") => BAD_REQUEST "InvalidArgument";
    a_form_whose_policy_is_not_base64_is_refused:
        |form| form.set("Policy", "%%%") => BAD_REQUEST "InvalidPolicyDocument";
    a_form_without_its_policy_is_refused:
        |form| form.remove("Policy") => BAD_REQUEST "InvalidArgument";
    a_form_without_its_signature_is_refused:
        |form| form.remove("X-Amz-Signature") => BAD_REQUEST "InvalidArgument";
    a_form_without_its_credential_is_refused:
        |form| form.remove("X-Amz-Credential") => BAD_REQUEST "InvalidArgument";
    a_form_without_its_date_is_refused:
        |form| form.remove("X-Amz-Date") => BAD_REQUEST "InvalidArgument";
    a_form_without_its_algorithm_is_refused:
        |form| form.remove("X-Amz-Algorithm") => BAD_REQUEST "InvalidArgument";
    a_form_with_a_field_its_policy_does_not_allow_is_refused:
        |form| form.fields.push(("x-amz-meta-sneaky".into(), "1".into())) => FORBIDDEN "AccessDenied";
}

#[tokio::test]
async fn a_form_to_the_bucket_path_names_that_bucket_to_the_handler() {
    let answer = DocForm::new().post_to("/sigv4examplebucket").await;
    answer.assert_is(StatusCode::OK, "sigv4examplebucket|user/user1/photo.jpg");
}

#[tokio::test]
async fn a_form_to_the_virtual_hosted_bucket_names_that_bucket_to_the_handler() {
    let form = DocForm::new();
    let body = multipart(&form.fields, "photo.jpg", b"JPEG bytes");
    let app = bucket_app(doc_keys(), form.now);
    let answer = send(&app, form.host, "/", body).await;
    answer.assert_is(StatusCode::OK, "sigv4examplebucket|user/user1/photo.jpg");
}

/// One test per place the documentation's form does not belong (posted to the path-style
/// host), and the status and code it is refused with.
macro_rules! misplaced_forms {
    ($($name:ident: $path:literal => $status:ident $code:literal;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                let answer = DocForm::new().post_to($path).await;
                answer.assert_refused(StatusCode::$status, $code);
            }
        )*
    };
}

misplaced_forms! {
    a_form_with_the_delete_query_is_refused:
        "/sigv4examplebucket?delete" => FORBIDDEN "AccessDenied";
    a_form_with_the_uploads_query_is_refused:
        "/sigv4examplebucket/user/user1/x?uploads" => FORBIDDEN "AccessDenied";
    a_form_with_an_upload_id_is_refused:
        "/sigv4examplebucket/user/user1/x?uploadId=someone-elses" => FORBIDDEN "AccessDenied";
    a_form_to_an_object_path_is_refused:
        "/sigv4examplebucket/user/user1/photo.jpg" => METHOD_NOT_ALLOWED "MethodNotAllowed";
    a_form_to_no_bucket_is_refused:
        "/" => METHOD_NOT_ALLOWED "MethodNotAllowed";
}

#[tokio::test]
async fn a_form_for_a_bucket_does_not_upload_into_a_dotted_bucket_that_starts_with_it() {
    let form = DocForm::new();
    let body = multipart(&form.fields, "photo.jpg", b"JPEG bytes");
    let app = bucket_app(doc_keys(), form.now);
    let answer = send(&app, "sigv4examplebucket.bar.s3.amazonaws.com", "/", body).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
}

#[tokio::test]
async fn a_form_naming_an_unknown_key_reaches_a_store_that_must_be_waited_for_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let store = countersign::server::keys::key_store_fn(move |_request| {
        counter.fetch_add(1, Ordering::SeqCst);
        async { Ok::<Option<countersign::server::keys::Key<String>>, _>(None) }
    });
    let form = DocForm::new();
    let app = bucket_app(store, form.now);
    for _ in 0..3 {
        let body = multipart(&form.fields, "photo.jpg", b"JPEG bytes");
        let answer = send(&app, "s3.amazonaws.com", "/sigv4examplebucket", body).await;
        answer.assert_refused(StatusCode::FORBIDDEN, "InvalidAccessKeyId");
    }
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "the unknown-key cache answers the rest"
    );
}

#[tokio::test]
async fn a_signature_version_2_form_is_refused_as_s3_refuses_it() {
    let form = DocForm::new();
    let fields: Vec<(String, String)> = [
        ("key", "user/user1/photo.jpg"),
        ("AWSAccessKeyId", AKID),
        (
            "policy",
            "eyJleHBpcmF0aW9uIjogIjIwMzAtMDEtMDFUMDA6MDA6MDBaIn0=",
        ),
        ("signature", "0RavWzkygo6QX9caELEqKi9kDbU="),
    ]
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .into();
    let body = multipart(&fields, "photo.jpg", b"JPEG bytes");
    let answer = send(&app(form.now), form.host, "/", body).await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "InvalidRequest");
    answer.assert_says("Please use AWS4-HMAC-SHA256");
}

/// A form of our own for bucket `uploads` (keys under `in/`), signed with the documentation's
/// key: its policy expires at `expiration` and allows files of `range` bytes.
pub(crate) fn own_form(expiration: &str, range: (u64, u64)) -> Vec<(String, String)> {
    let date = "20240301T000000Z";
    let credential = format!("{AKID}/20240301/us-east-1/s3/aws4_request");
    let policy = json!({
        "expiration": expiration,
        "conditions": [
            {"bucket": "uploads"},
            ["starts-with", "$key", "in/"],
            ["content-length-range", range.0, range.1],
            {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
            {"x-amz-credential": credential},
            {"x-amz-date": date},
        ]
    });
    let policy = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
    let scope = CredentialScope::new("20240301", "us-east-1", "s3");
    let signature = SigningKey::derive(&SecretKey::new(SECRET), &scope)
        .sign(policy.as_bytes())
        .to_string();
    vec![
        ("key".into(), "in/${filename}".into()),
        ("x-amz-algorithm".into(), "AWS4-HMAC-SHA256".into()),
        ("x-amz-credential".into(), credential),
        ("x-amz-date".into(), date.into()),
        ("policy".into(), policy),
        ("x-amz-signature".into(), signature),
    ]
}

/// [`own_form`] allowing 2 to 10 bytes, with `file` as f.bin, posted to `uploads`.
async fn post_file(file: &[u8]) -> Answer {
    let fields = own_form("2024-03-01T01:00:00Z", (2, 10));
    let body = multipart(&fields, "f.bin", file);
    send(&app(POSTED), "localhost", "/uploads", body).await
}

#[tokio::test]
async fn a_file_within_the_content_length_range_is_uploaded() {
    let answer = post_file(b"0123456789").await;
    answer.assert_is(StatusCode::OK, "uploader|in/f.bin|0123456789");
}

#[tokio::test]
async fn a_file_over_the_content_length_range_is_refused_as_it_streams() {
    let answer = post_file(b"0123456789A").await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "EntityTooLarge");
}

#[tokio::test]
async fn a_file_under_the_content_length_range_is_refused() {
    let answer = post_file(b"0").await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "EntityTooSmall");
}

#[tokio::test]
async fn fields_after_the_file_are_ignored_and_a_boundary_inside_the_file_is_not_one() {
    let fields = own_form("2024-03-01T01:00:00Z", (2, 10));
    let mut body = multipart(&fields, "f.bin", b"ab\r\n--x");
    body.truncate(body.len() - format!("--{BOUNDARY}--\r\n").len());
    body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"late\"\r\n\r\nv\r\n--{BOUNDARY}--\r\n").as_bytes());
    let answer = send(&app(POSTED), "localhost", "/uploads", body).await;
    answer.assert_is(StatusCode::OK, "uploader|in/f.bin|ab\r\n--x");
}

#[tokio::test]
async fn a_form_without_a_file_is_refused() {
    let fields = own_form("2024-03-01T01:00:00Z", (0, 100));
    let mut body = Vec::new();
    for (n, v) in &fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let answer = send(&app(POSTED), "localhost", "/uploads", body).await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "InvalidArgument");
}

#[tokio::test]
async fn a_form_with_too_many_bytes_before_its_file_is_refused() {
    let mut fields = own_form("2024-03-01T01:00:00Z", (0, 100));
    fields.insert(0, ("x-ignore-padding".into(), "p".repeat(30 * 1024)));
    let body = multipart(&fields, "f", b"x");
    let answer = send(&app(POSTED), "localhost", "/uploads", body).await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "MaxPostPreDataLengthExceeded");
}

#[tokio::test]
async fn a_body_that_is_not_a_form_is_refused() {
    let body = b"not a form at all".to_vec();
    let answer = send(&app(POSTED), "localhost", "/uploads", body).await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "MalformedPOSTRequest");
}
