//! S3 browser POST uploads through the layer (in-process, fixed clock): the S3 documentation's
//! example form is accepted; tampered, expired, unmet and incomplete forms are refused; the
//! file streams to the handler with `content-length-range` enforced.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use axum::body::Body;
use axum::extract::Extension;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use common::bodies::{self, FailsOnce};
use countersign::core::{CredentialScope, SecretKey, SigningKey};
use countersign::server::keys::MemoryKeyStore;
use countersign::server::{BodyError, PostObject, SigV4Layer, Verified, DEFAULT_DRAIN_LIMIT};
use http::{Request, StatusCode};
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;
use tower::ServiceExt;

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const BOUNDARY: &str = "----countersign-form-7MA4YWxkTrZu0gW";

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
        Err(e) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(err) = source {
                if let Some(b) = err.downcast_ref::<BodyError>() {
                    return (b.status(), b.code().to_string()).into_response();
                }
                source = err.source();
            }
            (StatusCode::BAD_REQUEST, "IncompleteBody").into_response()
        }
    }
}

fn app(now: OffsetDateTime) -> Router {
    app_draining(now, DEFAULT_DRAIN_LIMIT)
}

/// [`app`], reading at most `drain` bytes of a refused form.
fn app_draining(now: OffsetDateTime, drain: u64) -> Router {
    let keys = MemoryKeyStore::new();
    keys.insert(AKID, SECRET, "uploader".to_string());
    Router::new()
        .route("/", post(upload))
        .route("/{bucket}", post(upload))
        .layer(
            SigV4Layer::new(keys)
                .s3()
                .virtual_host_domain("s3.amazonaws.com")
                .regions(["us-east-1"])
                .services(["s3"])
                .clock(move || now)
                .refused_body_drain(drain),
        )
}

fn multipart(fields: &[(&str, &str)], filename: &str, file: &[u8]) -> Vec<u8> {
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

/// A POST of a form with this file's boundary.
fn form_request(host: &str, path: &str, body: Body) -> Request<Body> {
    Request::post(path)
        .header("host", host)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .unwrap()
}

async fn send(app: Router, host: &str, path: &str, body: Vec<u8>) -> (StatusCode, String) {
    let response = app
        .oneshot(form_request(host, path, Body::from(body)))
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn code(body: &str) -> String {
    body.split("<Code>")
        .nth(1)
        .and_then(|s| s.split("</Code>").next())
        .unwrap_or(body)
        .to_string()
}

/// The S3 documentation's example form (shared/vectors/s3-doc-examples/post-policy-browser-upload.json).
fn doc_form() -> (Vec<(String, String)>, OffsetDateTime) {
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
    (fields, datetime!(2015-12-29 10:00:00 UTC))
}

fn as_refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

#[tokio::test]
async fn the_s3_documentation_form_is_accepted() {
    let (fields, now) = doc_form();
    let body = multipart(&as_refs(&fields), "photo.jpg", b"JPEG bytes");
    let (status, text) = send(app(now), "sigv4examplebucket.s3.amazonaws.com", "/", body).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "uploader|user/user1/photo.jpg|JPEG bytes")
    );
}

/// What was changed, the fields, the host, the time, and the expected status and code.
type Refusal<'a> = (
    &'a str,
    Vec<(String, String)>,
    &'a str,
    OffsetDateTime,
    StatusCode,
    &'a str,
);

#[tokio::test]
async fn the_documentation_form_is_refused_when_changed() {
    let (fields, now) = doc_form();
    let host = "sigv4examplebucket.s3.amazonaws.com";
    let with = |name: &str, value: &str| {
        let mut f = fields.clone();
        for (n, v) in &mut f {
            if n == name {
                *v = value.to_string();
            }
        }
        f
    };
    let cases: Vec<Refusal<'_>> = vec![
        (
            "acl changed",
            with("acl", "public-read-write"),
            host,
            now,
            StatusCode::FORBIDDEN,
            "AccessDenied",
        ),
        (
            "key outside the prefix",
            with("key", "user/user2/${filename}"),
            host,
            now,
            StatusCode::FORBIDDEN,
            "AccessDenied",
        ),
        (
            "content type not an image",
            with("Content-Type", "text/html"),
            host,
            now,
            StatusCode::FORBIDDEN,
            "AccessDenied",
        ),
        (
            "another bucket",
            fields.clone(),
            "otherbucket.s3.amazonaws.com",
            now,
            StatusCode::FORBIDDEN,
            "AccessDenied",
        ),
        (
            "policy expired",
            fields.clone(),
            host,
            datetime!(2015-12-30 12:00:01 UTC),
            StatusCode::FORBIDDEN,
            "AccessDenied",
        ),
        (
            "signature changed",
            with("X-Amz-Signature", &"0".repeat(64)),
            host,
            now,
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
        ),
        (
            "wrong region",
            with(
                "X-Amz-Credential",
                "AKIAIOSFODNN7EXAMPLE/20151229/eu-west-1/s3/aws4_request",
            ),
            host,
            now,
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
        ),
        (
            "algorithm",
            with("X-Amz-Algorithm", "AWS4-HMAC-SHA1"),
            host,
            now,
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
        ),
        (
            "policy not base64",
            with("Policy", "%%%"),
            host,
            now,
            StatusCode::BAD_REQUEST,
            "InvalidPolicyDocument",
        ),
    ];
    for (what, fields, host, at, status, expected) in cases {
        let body = multipart(&as_refs(&fields), "photo.jpg", b"JPEG bytes");
        let (got, text) = send(app(at), host, "/", body).await;
        assert_eq!(
            (got, code(&text).as_str()),
            (status, expected),
            "{what}: {text}"
        );
    }
    for missing in [
        "Policy",
        "X-Amz-Signature",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Algorithm",
    ] {
        let fields: Vec<(String, String)> = fields
            .iter()
            .filter(|(n, _)| n != missing)
            .cloned()
            .collect();
        let (got, text) = send(
            app(now),
            host,
            "/",
            multipart(&as_refs(&fields), "p.jpg", b"x"),
        )
        .await;
        assert_eq!(
            (got, code(&text).as_str()),
            (StatusCode::BAD_REQUEST, "InvalidArgument"),
            "without {missing}: {text}"
        );
    }
    let mut extra = fields.clone();
    extra.push(("x-amz-meta-sneaky".into(), "1".into()));
    let (got, text) = send(
        app(now),
        host,
        "/",
        multipart(&as_refs(&extra), "p.jpg", b"x"),
    )
    .await;
    assert_eq!(
        (got, code(&text).as_str()),
        (StatusCode::FORBIDDEN, "AccessDenied"),
        "extra field: {text}"
    );
}

/// A form of our own: policy with a size range, signed with the test key.
fn own_form(expiration: &str, range: (u64, u64)) -> Vec<(String, String)> {
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
    let scope = CredentialScope {
        date: "20240301",
        region: "us-east-1",
        service: "s3",
    };
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

#[tokio::test]
async fn content_length_range_is_enforced_while_streaming() {
    let now = datetime!(2024-03-01 00:10:00 UTC);
    let fields = own_form("2024-03-01T01:00:00Z", (2, 10));
    let send_file = |file: &'static [u8]| {
        let body = multipart(&as_refs(&fields), "f.bin", file);
        send(app(now), "localhost", "/uploads", body)
    };
    assert_eq!(
        send_file(b"0123456789").await,
        (StatusCode::OK, "uploader|in/f.bin|0123456789".to_string())
    );
    assert_eq!(
        send_file(b"0123456789A").await,
        (StatusCode::BAD_REQUEST, "EntityTooLarge".to_string())
    );
    assert_eq!(
        send_file(b"0").await,
        (StatusCode::BAD_REQUEST, "EntityTooSmall".to_string())
    );
    // Fields after the file are ignored; a file boundary inside the data is not one.
    let mut body = multipart(&as_refs(&fields), "f.bin", b"ab\r\n--x");
    body.truncate(body.len() - format!("--{BOUNDARY}--\r\n").len());
    body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"late\"\r\n\r\nv\r\n--{BOUNDARY}--\r\n").as_bytes());
    assert_eq!(
        send(app(now), "localhost", "/uploads", body).await,
        (StatusCode::OK, "uploader|in/f.bin|ab\r\n--x".to_string())
    );
}

#[tokio::test]
async fn malformed_and_oversized_forms_are_refused() {
    let now = datetime!(2024-03-01 00:10:00 UTC);
    let fields = own_form("2024-03-01T01:00:00Z", (0, 100));
    let no_file: Vec<u8> = {
        let mut b = Vec::new();
        for (n, v) in &fields {
            b.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        b
    };
    let (status, text) = send(app(now), "localhost", "/uploads", no_file).await;
    assert_eq!(
        (status, code(&text).as_str()),
        (StatusCode::BAD_REQUEST, "InvalidArgument"),
        "{text}"
    );

    let mut big = fields.clone();
    big.insert(0, ("x-ignore-padding".into(), "p".repeat(30 * 1024)));
    let (status, text) = send(
        app(now),
        "localhost",
        "/uploads",
        multipart(&as_refs(&big), "f", b"x"),
    )
    .await;
    assert_eq!(
        (status, code(&text).as_str()),
        (StatusCode::BAD_REQUEST, "MaxPostPreDataLengthExceeded"),
        "{text}"
    );

    let (status, text) = send(
        app(now),
        "localhost",
        "/uploads",
        b"not a form at all".to_vec(),
    )
    .await;
    assert_eq!(
        (status, code(&text).as_str()),
        (StatusCode::BAD_REQUEST, "MalformedPOSTRequest"),
        "{text}"
    );
}

/// A form refused for its fields is read to its end before the refusal is sent, up to the
/// layer's limit (a browser sends the whole form before it reads an answer, and a connection
/// closed on unread bytes is reset); one told larger is not read on, one found larger is given
/// up. So is one refused while its fields are read (a field repeated).
#[tokio::test]
async fn a_refused_forms_rest_is_read_up_to_a_limit() {
    let now = datetime!(2024-03-01 00:10:00 UTC);
    let mut fields = own_form("2024-03-01T01:00:00Z", (0, 10 << 20));
    fields[0].1 = "elsewhere/${filename}".into();
    let mut repeated = fields.clone();
    repeated.push(("x-amz-date".into(), "20240301T000000Z".into()));
    // (fields, file size, size told, read whole, most bytes read, status)
    let forbidden = StatusCode::FORBIDDEN;
    for (fields, file_size, tell_size, read_whole, most, status) in [
        (&fields, 600 << 10, false, true, 1 << 20, forbidden),
        (&fields, 600 << 10, true, true, 1 << 20, forbidden),
        (
            &fields,
            3 << 20,
            false,
            false,
            (1 << 20) + (64 << 10),
            forbidden,
        ),
        (&fields, 3 << 20, true, false, 64 << 10, forbidden),
        (
            &repeated,
            600 << 10,
            false,
            true,
            1 << 20,
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let form = multipart(&as_refs(fields), "f.bin", &vec![b'x'; file_size]);
        let total = form.len();
        let request = form_request("localhost", "/uploads", Body::empty()).map(|_| ());
        let app = app_draining(now, 1 << 20);
        let (answer, text, read) = bodies::exchange(app, request, &form, 16 << 10, tell_size).await;
        assert_eq!(answer, status, "{file_size}");
        // The rest is read while the refusal is sent.
        assert!(!code(&text).is_empty());
        let case = format!("{file_size} bytes, size told: {tell_size}, read {read} of {total}");
        assert_eq!(read == total, read_whole, "{case}");
        assert!(read <= most, "{case}");
    }
}

/// A file found larger than the policy allows while it streams is read on (up to the layer's
/// limit) before the handler sees `EntityTooLarge`, so that the answer reaches a browser that
/// is still sending the file.
#[tokio::test]
async fn a_file_too_large_is_read_on_before_its_error() {
    let now = datetime!(2024-03-01 00:10:00 UTC);
    let fields = own_form("2024-03-01T01:00:00Z", (0, 1000));
    let form = multipart(&as_refs(&fields), "f.bin", &vec![b'x'; 3 << 20]);
    let frame = 16 << 10;
    for (drain, read_whole) in [(DEFAULT_DRAIN_LIMIT, true), (1 << 20, false), (0, false)] {
        let request = form_request("localhost", "/uploads", Body::empty()).map(|_| ());
        let (status, answer, read) =
            bodies::exchange(app_draining(now, drain), request, &form, frame, false).await;
        let case = format!("limit {drain}: read {read} of {}", form.len());
        assert_eq!(
            (status, answer.as_str()),
            (StatusCode::BAD_REQUEST, "EntityTooLarge"),
            "{case}"
        );
        if read_whole {
            assert_eq!(read, form.len(), "{case}");
        } else {
            // The fields and the file's first frame, then the limit (within a frame).
            assert!(read >= drain as usize, "{case}");
            assert!(read <= drain as usize + 3 * frame, "{case}");
        }
    }
}

/// A form whose body fails to be read is refused without reading it again.
#[tokio::test]
async fn a_form_that_fails_to_be_read_is_not_read_again() {
    let now = datetime!(2024-03-01 00:10:00 UTC);
    let body = Body::new(FailsOnce::new());
    let request = form_request("localhost", "/uploads", body);
    let response = app(now).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    assert_eq!(code(&String::from_utf8_lossy(&body)), "IncompleteBody");
}

/// The handler of the router in [`bucket_app`]: the bucket the layer checked, and the key.
async fn bucket_and_key(Extension(post): Extension<PostObject>) -> String {
    format!("{}|{}", post.bucket, post.key.unwrap_or_default())
}

/// A router that answers every POST with [`bucket_and_key`], behind the layer with `store`.
fn bucket_app<K: countersign::server::KeyStore>(store: K, now: OffsetDateTime) -> Router {
    Router::new().fallback(post(bucket_and_key)).layer(
        SigV4Layer::new(store)
            .s3()
            .virtual_host_domain("s3.amazonaws.com")
            .regions(["us-east-1"])
            .services(["s3"])
            .clock(move || now),
    )
}

fn doc_keys() -> MemoryKeyStore<String> {
    let keys = MemoryKeyStore::new();
    keys.insert(AKID, SECRET, "uploader".to_string());
    keys
}

/// The S3 documentation's form posted to `path` on the path-style host, and what came back.
async fn doc_form_to(path: &str) -> (StatusCode, String) {
    let (fields, now) = doc_form();
    let body = multipart(&as_refs(&fields), "photo.jpg", b"JPEG bytes");
    let (status, text) = send(bucket_app(doc_keys(), now), "s3.amazonaws.com", path, body).await;
    (status, code(&text))
}

#[tokio::test]
async fn a_form_to_the_bucket_path_names_that_bucket_to_the_handler() {
    assert_eq!(
        doc_form_to("/sigv4examplebucket").await,
        (
            StatusCode::OK,
            "sigv4examplebucket|user/user1/photo.jpg".into()
        )
    );
}

#[tokio::test]
async fn a_form_with_the_delete_query_is_refused() {
    assert_eq!(
        doc_form_to("/sigv4examplebucket?delete").await,
        (StatusCode::FORBIDDEN, "AccessDenied".into())
    );
}

#[tokio::test]
async fn a_form_with_the_uploads_query_is_refused() {
    assert_eq!(
        doc_form_to("/sigv4examplebucket/user/user1/x?uploads").await,
        (StatusCode::FORBIDDEN, "AccessDenied".into())
    );
}

#[tokio::test]
async fn a_form_with_an_upload_id_is_refused() {
    assert_eq!(
        doc_form_to("/sigv4examplebucket/user/user1/x?uploadId=someone-elses").await,
        (StatusCode::FORBIDDEN, "AccessDenied".into())
    );
}

#[tokio::test]
async fn a_form_to_an_object_path_is_refused() {
    assert_eq!(
        doc_form_to("/sigv4examplebucket/user/user1/photo.jpg").await,
        (StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed".into())
    );
}

#[tokio::test]
async fn a_form_to_no_bucket_is_refused() {
    assert_eq!(
        doc_form_to("/").await,
        (StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed".into())
    );
}

#[tokio::test]
async fn a_form_for_a_bucket_does_not_upload_into_a_dotted_bucket_that_starts_with_it() {
    let (fields, now) = doc_form();
    let body = multipart(&as_refs(&fields), "photo.jpg", b"JPEG bytes");
    let host = "sigv4examplebucket.bar.s3.amazonaws.com";
    let (status, text) = send(bucket_app(doc_keys(), now), host, "/", body).await;
    assert_eq!(
        (status, code(&text).as_str()),
        (StatusCode::FORBIDDEN, "AccessDenied"),
        "{text}"
    );
}

#[tokio::test]
async fn a_form_to_the_virtual_hosted_bucket_names_that_bucket_to_the_handler() {
    let (fields, now) = doc_form();
    let body = multipart(&as_refs(&fields), "photo.jpg", b"JPEG bytes");
    let host = "sigv4examplebucket.s3.amazonaws.com";
    let (status, text) = send(bucket_app(doc_keys(), now), host, "/", body).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "sigv4examplebucket|user/user1/photo.jpg")
    );
}

#[tokio::test]
async fn a_form_naming_an_unknown_key_reaches_a_store_that_must_be_waited_for_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let store = countersign::server::keys::key_store_fn(move |_request| {
        counter.fetch_add(1, Ordering::SeqCst);
        async { Ok::<Option<countersign::server::Key<String>>, _>(None) }
    });
    let (fields, now) = doc_form();
    let app = bucket_app(store, now);
    for attempt in 0..3 {
        let body = multipart(&as_refs(&fields), "photo.jpg", b"JPEG bytes");
        let (status, text) =
            send(app.clone(), "s3.amazonaws.com", "/sigv4examplebucket", body).await;
        assert_eq!(
            (status, code(&text).as_str()),
            (StatusCode::FORBIDDEN, "InvalidAccessKeyId"),
            "attempt {attempt}: {text}"
        );
    }
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "the unknown-key cache answers the rest"
    );
}

#[tokio::test]
async fn a_signature_version_2_form_is_refused_as_s3_refuses_it() {
    let (_, now) = doc_form();
    let fields = [
        ("key", "user/user1/photo.jpg"),
        ("AWSAccessKeyId", AKID),
        (
            "policy",
            "eyJleHBpcmF0aW9uIjogIjIwMzAtMDEtMDFUMDA6MDA6MDBaIn0=",
        ),
        ("signature", "0RavWzkygo6QX9caELEqKi9kDbU="),
    ];
    let body = multipart(&fields, "photo.jpg", b"JPEG bytes");
    let (status, text) = send(app(now), "sigv4examplebucket.s3.amazonaws.com", "/", body).await;
    assert_eq!(
        (status, code(&text).as_str()),
        (StatusCode::BAD_REQUEST, "InvalidRequest"),
        "{text}"
    );
    assert!(text.contains("Please use AWS4-HMAC-SHA256"), "{text}");
}
