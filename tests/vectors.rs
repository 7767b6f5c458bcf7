//! The official vectors, one test per case, named after it:
//!
//! - `v4_header_*` / `v4_query_*`: the aws-c-auth suite (`shared/vectors/v4`), header and
//!   presigned forms: canonical request, string to sign and signature equal the files; the
//!   client turns `request.txt` into the signed request; the verifier accepts the signed
//!   request and refuses it with one byte changed in the signature, path, a signed header's
//!   value and a query value.
//! - `suite_*`: the original AWS suite (`shared/vectors/aws-sig-v4-test-suite`).
//! - `s3doc_*`: the S3 documentation's worked examples.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use std::path::{Path, PathBuf};

use countersign::client::{Credentials, Payload, Signer};
use countersign::core::{
    sha256_hex, AuthKind, AuthParams, CanonicalRequest, ChunkSigner, CredentialScope, Headers,
    RawHeaders, Request, SecretKey, Signature, SigningKey, SigningSettings, StringToSign, Verifier,
    ALGORITHM,
};
use serde_json::Value;
use time::OffsetDateTime;

use common::aws_c_auth::{Context, Form, NOT_HTTP_REPRESENTABLE};
use common::{http_multimap, read, vectors_dir, RawRequest};

// ---------------------------------------------------------------------------------------
// aws-c-auth v4 suite
// ---------------------------------------------------------------------------------------

fn v4_dir(case: &str) -> PathBuf {
    vectors_dir().join("v4").join(case)
}

fn v4_case(case: &str, form: Form) {
    let dir = v4_dir(case);
    let ctx = Context::load(&dir);
    let file = |name: &str| read(&dir.join(format!("{}-{name}", form.prefix())));
    let signed = RawRequest::parse(&file("signed-request.txt"));
    let secret = SecretKey::new(&ctx.secret);

    // 1. The stages equal the published ones.
    let view = signed.view();
    let auth = AuthParams::from_request(&view).expect("the signed request's auth parses");
    match form {
        Form::Header => assert_eq!(auth.kind, AuthKind::Header),
        Form::Query => assert_eq!(
            auth.kind,
            AuthKind::Query {
                expires: ctx.expires as u32
            }
        ),
    }
    let payload_hash = sha256_hex(&signed.body);
    let skip = ctx.skipped_query(form);
    let creq = CanonicalRequest::new(
        &view,
        ctx.settings(),
        &auth.signed_headers,
        &payload_hash,
        skip,
    );
    assert_eq!(
        creq.to_string(),
        file("canonical-request.txt"),
        "canonical request"
    );
    let sts = StringToSign::new(
        ALGORITHM,
        auth.date,
        auth.credential.scope_str(),
        creq.hash(),
    );
    assert_eq!(
        sts.to_string(),
        file("string-to-sign.txt"),
        "string to sign"
    );
    let key = SigningKey::derive(&secret, &auth.credential.scope());
    assert_eq!(
        sts.sign(&key).to_string(),
        file("signature.txt").trim(),
        "signature"
    );

    // 2. The verifier accepts the signed request at the context's time ...
    let verifier = ctx.verifier();
    let verified = verifier.verify(&view, &auth, &secret, &payload_hash, ctx.time);
    let verified = verified.unwrap_or_else(|e| panic!("verifier refused {case}: {e}"));
    assert_eq!(verified.access_key_id, ctx.access_key_id);

    // With a key cache the key is derived for the first request and lent for the second;
    // another secret is refused either way.
    let cached = ctx
        .verifier()
        .key_cache(std::sync::Arc::new(countersign::core::KeyCache::new(4)));
    for _ in 0..2 {
        let verified = cached.verify(&view, &auth, &secret, &payload_hash, ctx.time);
        verified.unwrap_or_else(|e| panic!("the cached verifier refused {case}: {e}"));
        let wrong = SecretKey::new(format!("{}x", ctx.secret));
        assert!(cached
            .verify(&view, &auth, &wrong, &payload_hash, ctx.time)
            .is_err());
    }

    // The values its checks found make the same canonical request.
    let values = verifier
        .check_and_gather(&view, &auth, ctx.time)
        .expect("the checks pass");
    let gathered = CanonicalRequest::new(
        &view,
        ctx.settings(),
        &auth.signed_headers,
        &payload_hash,
        skip,
    )
    .with_values(&values);
    assert_eq!(
        gathered.to_string(),
        file("canonical-request.txt"),
        "canonical request from the values the checks found"
    );

    // ... and refuses it with one byte changed.
    ctx.assert_tamperings_refused(case, &signed, &auth, form, &payload_hash);

    // 3. The client turns request.txt into the signed request.
    let unsigned = RawRequest::parse(&read(&dir.join("request.txt")));
    let mut request = match unsigned.to_http() {
        Ok(r) => r,
        Err(why) => {
            assert!(
                NOT_HTTP_REPRESENTABLE.contains(&case),
                "{case}: http refused the request: {why}"
            );
            return;
        }
    };
    assert!(
        !NOT_HTTP_REPRESENTABLE.contains(&case),
        "{case} is representable now: test its client side"
    );
    let signer = ctx.signer();
    let body = unsigned.body.clone();
    let output = match form {
        Form::Header => signer.sign(&mut request, Payload::Bytes(&body), ctx.time),
        Form::Query => signer.presign(&mut request, Payload::Bytes(&body), ctx.expires, ctx.time),
    }
    .expect("client signs");
    assert_eq!(output.canonical_request, file("canonical-request.txt"));
    assert_eq!(request.method().as_str(), signed.method);
    let target = request
        .uri()
        .path_and_query()
        .map(|pq| pq.to_string())
        .unwrap_or_default();
    assert_eq!(target, signed.target(), "request target");
    assert_eq!(http_multimap(&request), signed.header_multimap(), "headers");
    assert_eq!(request.body(), &signed.body);
}

macro_rules! v4_cases {
    ($($header:ident, $query:ident => $dir:literal),* $(,)?) => {
        /// Every case directory the tests below cover.
        const V4_CASES: &[&str] = &[$($dir),*];
        $(
            #[test]
            fn $header() {
                v4_case($dir, Form::Header)
            }

            #[test]
            fn $query() {
                v4_case($dir, Form::Query)
            }
        )*
    };
}

v4_cases! {
    v4_header_get_header_key_duplicate, v4_query_get_header_key_duplicate => "get-header-key-duplicate",
    v4_header_get_header_value_multiline, v4_query_get_header_value_multiline => "get-header-value-multiline",
    v4_header_get_header_value_order, v4_query_get_header_value_order => "get-header-value-order",
    v4_header_get_header_value_trim, v4_query_get_header_value_trim => "get-header-value-trim",
    v4_header_get_relative_normalized, v4_query_get_relative_normalized => "get-relative-normalized",
    v4_header_get_relative_relative_normalized, v4_query_get_relative_relative_normalized => "get-relative-relative-normalized",
    v4_header_get_relative_relative_unnormalized, v4_query_get_relative_relative_unnormalized => "get-relative-relative-unnormalized",
    v4_header_get_relative_unnormalized, v4_query_get_relative_unnormalized => "get-relative-unnormalized",
    v4_header_get_slash_dot_slash_normalized, v4_query_get_slash_dot_slash_normalized => "get-slash-dot-slash-normalized",
    v4_header_get_slash_dot_slash_unnormalized, v4_query_get_slash_dot_slash_unnormalized => "get-slash-dot-slash-unnormalized",
    v4_header_get_slash_normalized, v4_query_get_slash_normalized => "get-slash-normalized",
    v4_header_get_slash_pointless_dot_normalized, v4_query_get_slash_pointless_dot_normalized => "get-slash-pointless-dot-normalized",
    v4_header_get_slash_pointless_dot_unnormalized, v4_query_get_slash_pointless_dot_unnormalized => "get-slash-pointless-dot-unnormalized",
    v4_header_get_slash_unnormalized, v4_query_get_slash_unnormalized => "get-slash-unnormalized",
    v4_header_get_slashes_normalized, v4_query_get_slashes_normalized => "get-slashes-normalized",
    v4_header_get_slashes_unnormalized, v4_query_get_slashes_unnormalized => "get-slashes-unnormalized",
    v4_header_get_space_normalized, v4_query_get_space_normalized => "get-space-normalized",
    v4_header_get_space_unnormalized, v4_query_get_space_unnormalized => "get-space-unnormalized",
    v4_header_get_unreserved, v4_query_get_unreserved => "get-unreserved",
    v4_header_get_utf8, v4_query_get_utf8 => "get-utf8",
    v4_header_get_vanilla, v4_query_get_vanilla => "get-vanilla",
    v4_header_get_vanilla_empty_query_key, v4_query_get_vanilla_empty_query_key => "get-vanilla-empty-query-key",
    v4_header_get_vanilla_query, v4_query_get_vanilla_query => "get-vanilla-query",
    v4_header_get_vanilla_query_order_encoded, v4_query_get_vanilla_query_order_encoded => "get-vanilla-query-order-encoded",
    v4_header_get_vanilla_query_order_key_case, v4_query_get_vanilla_query_order_key_case => "get-vanilla-query-order-key-case",
    v4_header_get_vanilla_query_unreserved, v4_query_get_vanilla_query_unreserved => "get-vanilla-query-unreserved",
    v4_header_get_vanilla_utf8_query, v4_query_get_vanilla_utf8_query => "get-vanilla-utf8-query",
    v4_header_get_vanilla_with_session_token, v4_query_get_vanilla_with_session_token => "get-vanilla-with-session-token",
    v4_header_post_header_key_case, v4_query_post_header_key_case => "post-header-key-case",
    v4_header_post_header_key_sort, v4_query_post_header_key_sort => "post-header-key-sort",
    v4_header_post_header_value_case, v4_query_post_header_value_case => "post-header-value-case",
    v4_header_post_sts_header_after, v4_query_post_sts_header_after => "post-sts-header-after",
    v4_header_post_sts_header_before, v4_query_post_sts_header_before => "post-sts-header-before",
    v4_header_post_vanilla, v4_query_post_vanilla => "post-vanilla",
    v4_header_post_vanilla_empty_query_value, v4_query_post_vanilla_empty_query_value => "post-vanilla-empty-query-value",
    v4_header_post_vanilla_query, v4_query_post_vanilla_query => "post-vanilla-query",
    v4_header_post_x_www_form_urlencoded, v4_query_post_x_www_form_urlencoded => "post-x-www-form-urlencoded",
    v4_header_post_x_www_form_urlencoded_parameters, v4_query_post_x_www_form_urlencoded_parameters => "post-x-www-form-urlencoded-parameters",
}

#[test]
fn v4_every_case_is_covered() {
    let mut on_disk: Vec<String> = std::fs::read_dir(vectors_dir().join("v4"))
        .expect("shared/vectors/v4 exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut covered: Vec<String> = V4_CASES.iter().map(|s| s.to_string()).collect();
    covered.sort();
    assert_eq!(on_disk, covered);
    assert_eq!(covered.len(), 38);
}

// ---------------------------------------------------------------------------------------
// The original AWS suite
// ---------------------------------------------------------------------------------------

const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SUITE_TOKEN_HEADER: &str = "x-amz-security-token";

fn suite_time() -> OffsetDateTime {
    time::macros::datetime!(2015-08-30 12:36:00 UTC)
}

/// `rel` is the case's path under the suite without extension, e.g. `get-vanilla/get-vanilla`.
fn suite_case(rel: &str) {
    let base = vectors_dir().join("aws-sig-v4-test-suite").join(rel);
    let file = |ext: &str| read(&base.with_extension(ext));
    let mut unsigned = RawRequest::parse_suite(&file("req"));
    let mut signed = RawRequest::parse_suite(&file("sreq"));
    let mut published_creq = file("creq");
    if rel.ends_with("post-x-www-form-urlencoded") {
        // Known defect of the published data (shared/vectors/SOURCE.md): the .creq lists
        // SignedHeaders host;x-amz-date above its content-type line, but the .sts, .authz
        // and .sreq were computed over content-type;host;x-amz-date, and the .sreq lost its
        // Content-Type header. The request that was signed is the .req with the .authz, and
        // its right canonical request is the .creq with content-type signed: we assert that
        // the correction lands exactly there and that the .sts hash is ours.
        signed = unsigned.clone();
        signed
            .header_list
            .push(("Authorization".into(), file("authz").trim().to_string()));
        signed.headers.push("Authorization", file("authz").trim());
        let corrected = published_creq.replace(
            "\n\nhost;x-amz-date\n",
            "\n\ncontent-type;host;x-amz-date\n",
        );
        assert_ne!(
            corrected, published_creq,
            "the defect is where SOURCE.md says"
        );
        published_creq = corrected;
    }
    if rel.ends_with("post-x-www-form-urlencoded-parameters") {
        // This case of the original suite signs the form parameters as the query string and
        // an empty payload (see its .creq): the request it describes is POST /?Param1=value1
        // without a body, which is what we verify and sign. (aws-c-auth's version of the same
        // case signs the body instead; it passes in the v4 tests.)
        for r in [&mut unsigned, &mut signed] {
            r.query = String::from_utf8(std::mem::take(&mut r.body)).expect("ascii body");
        }
    }
    let secret = SecretKey::new(SUITE_SECRET);
    let settings = SigningSettings::standard();

    let view = signed.view();
    let auth = AuthParams::from_request(&view).expect("auth parses");
    let payload_hash = sha256_hex(&signed.body);
    let creq = CanonicalRequest::new(&view, settings, &auth.signed_headers, &payload_hash, &[])
        .to_string();
    assert_eq!(creq, published_creq, "canonical request");
    let sts = StringToSign::new(
        ALGORITHM,
        auth.date,
        auth.credential.scope_str(),
        sha256(&creq),
    )
    .to_string();
    assert_eq!(sts, file("sts"), "string to sign");

    let verifier = Verifier::new(settings)
        .regions(["us-east-1"])
        .services(["service"]);
    verifier
        .verify(&view, &auth, &secret, &payload_hash, suite_time())
        .unwrap_or_else(|e| panic!("verifier refused {rel}: {e}"));
    let authorization = signed
        .headers
        .values("authorization")
        .next()
        .map(|v| String::from_utf8_lossy(v).trim().to_string());
    assert_eq!(authorization.as_deref(), Some(file("authz").trim()));

    // The client signs the unsigned .req to the published Authorization.
    let Ok(mut request) = unsigned.to_http() else {
        assert!(
            rel.contains("get-space") || rel.contains("multiline"),
            "{rel}: http refused a request it should hold"
        );
        return;
    };
    let mut credentials = Credentials::new("AKIDEXAMPLE", SUITE_SECRET);
    if let Some(token) = request.headers().get(SUITE_TOKEN_HEADER) {
        credentials = credentials.with_session_token(token.to_str().expect("ascii token"));
    }
    let body = unsigned.body.clone();
    Signer::new(credentials, "us-east-1", "service")
        .sign(&mut request, Payload::Bytes(&body), suite_time())
        .expect("client signs");
    let ours = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    assert_eq!(ours, Some(file("authz").trim()));
}

fn sha256(s: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes()).into()
}

macro_rules! suite_cases {
    ($($name:ident => $rel:literal),* $(,)?) => {
        const SUITE_CASES: &[&str] = &[$($rel),*];
        $(
            #[test]
            fn $name() {
                suite_case($rel)
            }
        )*
    };
}

suite_cases! {
    suite_get_header_key_duplicate => "get-header-key-duplicate/get-header-key-duplicate",
    suite_get_header_value_multiline => "get-header-value-multiline/get-header-value-multiline",
    suite_get_header_value_order => "get-header-value-order/get-header-value-order",
    suite_get_header_value_trim => "get-header-value-trim/get-header-value-trim",
    suite_get_unreserved => "get-unreserved/get-unreserved",
    suite_get_utf8 => "get-utf8/get-utf8",
    suite_get_vanilla => "get-vanilla/get-vanilla",
    suite_get_vanilla_empty_query_key => "get-vanilla-empty-query-key/get-vanilla-empty-query-key",
    suite_get_vanilla_query => "get-vanilla-query/get-vanilla-query",
    suite_get_vanilla_query_order_key => "get-vanilla-query-order-key/get-vanilla-query-order-key",
    suite_get_vanilla_query_order_key_case => "get-vanilla-query-order-key-case/get-vanilla-query-order-key-case",
    suite_get_vanilla_query_order_value => "get-vanilla-query-order-value/get-vanilla-query-order-value",
    suite_get_vanilla_query_unreserved => "get-vanilla-query-unreserved/get-vanilla-query-unreserved",
    suite_get_vanilla_utf8_query => "get-vanilla-utf8-query/get-vanilla-utf8-query",
    suite_normalize_get_relative => "normalize-path/get-relative/get-relative",
    suite_normalize_get_relative_relative => "normalize-path/get-relative-relative/get-relative-relative",
    suite_normalize_get_slash => "normalize-path/get-slash/get-slash",
    suite_normalize_get_slash_dot_slash => "normalize-path/get-slash-dot-slash/get-slash-dot-slash",
    suite_normalize_get_slash_pointless_dot => "normalize-path/get-slash-pointless-dot/get-slash-pointless-dot",
    suite_normalize_get_slashes => "normalize-path/get-slashes/get-slashes",
    suite_normalize_get_space => "normalize-path/get-space/get-space",
    suite_post_header_key_case => "post-header-key-case/post-header-key-case",
    suite_post_header_key_sort => "post-header-key-sort/post-header-key-sort",
    suite_post_header_value_case => "post-header-value-case/post-header-value-case",
    suite_post_sts_header_after => "post-sts-token/post-sts-header-after/post-sts-header-after",
    suite_post_sts_header_before => "post-sts-token/post-sts-header-before/post-sts-header-before",
    suite_post_vanilla => "post-vanilla/post-vanilla",
    suite_post_vanilla_empty_query_value => "post-vanilla-empty-query-value/post-vanilla-empty-query-value",
    suite_post_vanilla_query => "post-vanilla-query/post-vanilla-query",
    suite_post_x_www_form_urlencoded => "post-x-www-form-urlencoded/post-x-www-form-urlencoded",
    suite_post_x_www_form_urlencoded_parameters => "post-x-www-form-urlencoded-parameters/post-x-www-form-urlencoded-parameters",
}

#[test]
fn suite_every_case_is_covered() {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("suite dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "req") {
                let rel = path
                    .strip_prefix(root)
                    .expect("under root")
                    .with_extension("");
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let root = vectors_dir().join("aws-sig-v4-test-suite");
    let mut on_disk = Vec::new();
    walk(&root, &root, &mut on_disk);
    on_disk.sort();
    let mut covered: Vec<String> = SUITE_CASES.iter().map(|s| s.to_string()).collect();
    covered.sort();
    assert_eq!(on_disk, covered);
    assert_eq!(covered.len(), 31);
}

// ---------------------------------------------------------------------------------------
// S3 documentation examples
// ---------------------------------------------------------------------------------------

fn s3doc(name: &str) -> Value {
    serde_json::from_str(&read(&vectors_dir().join("s3-doc-examples").join(name))).expect("JSON")
}

fn str_at<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} missing"))
}

fn s3doc_time(v: &Value) -> OffsetDateTime {
    countersign::core::AmzDate::parse(str_at(v, "/x_amz_date"))
        .expect("x_amz_date")
        .as_offset()
}

fn s3doc_secret(v: &Value) -> SecretKey {
    SecretKey::new(str_at(v, "/credentials/secret_access_key"))
}

fn s3doc_key(v: &Value) -> SigningKey {
    let scope = CredentialScope {
        date: str_at(v, "/date_stamp"),
        region: str_at(v, "/region"),
        service: str_at(v, "/service"),
    };
    let key = SigningKey::derive(&s3doc_secret(v), &scope);
    if let Some(published) = v
        .pointer("/derived_not_published/signing_key_hex")
        .and_then(Value::as_str)
    {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(published, &mut bytes).expect("hex key");
        assert!(key.ct_eq(&SigningKey::from_bytes(bytes)), "signing key");
    }
    key
}

/// The example's headers, plus its published Authorization when there is one.
fn s3doc_headers(v: &Value, authorization: Option<&str>) -> RawHeaders {
    let mut headers = RawHeaders::new();
    for pair in v["request"]["headers"].as_array().expect("headers") {
        headers.push(
            pair[0].as_str().expect("name"),
            pair[1].as_str().expect("value"),
        );
    }
    if let Some(a) = authorization {
        headers.push("Authorization", a);
    }
    headers
}

/// A single-chunk example signed in the Authorization header: stages, verification, client.
fn s3doc_single(name: &str) {
    let v = s3doc(name);
    let authorization = str_at(&v, "/expected/authorization");
    let headers = s3doc_headers(&v, Some(authorization));
    let path = str_at(&v, "/request/path");
    let query = v["request"]["raw_query"].as_str().unwrap_or("");
    let method = str_at(&v, "/request/method");
    let view = Request::new(method, path, query, &headers);
    let auth = AuthParams::from_request(&view).expect("published Authorization parses");
    let payload_hash = str_at(&v, "/request/payload/sha256");
    let creq = CanonicalRequest::new(
        &view,
        SigningSettings::s3(),
        &auth.signed_headers,
        payload_hash,
        &[],
    );
    assert_eq!(creq.to_string(), str_at(&v, "/expected/canonical_request"));
    let sts = StringToSign::new(
        ALGORITHM,
        auth.date,
        auth.credential.scope_str(),
        creq.hash(),
    );
    assert_eq!(sts.to_string(), str_at(&v, "/expected/string_to_sign"));
    assert_eq!(
        sts.sign(&s3doc_key(&v)).to_string(),
        str_at(&v, "/expected/signature")
    );
    Verifier::new(SigningSettings::s3())
        .regions(["us-east-1"])
        .services(["s3"])
        .verify(
            &view,
            &auth,
            &s3doc_secret(&v),
            payload_hash,
            s3doc_time(&v),
        )
        .expect("verifies");

    // The client, given the unsigned request and the body, signs it the same way.
    let host = str_at(&v, "/request/headers/0/1");
    let target = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("http://{host}{target}"));
    for pair in v["request"]["headers"].as_array().expect("headers") {
        builder = builder.header(
            pair[0].as_str().expect("name"),
            pair[1].as_str().expect("value"),
        );
    }
    let mut request = builder.body(()).expect("request");
    let body = v
        .pointer("/request/payload/value")
        .and_then(Value::as_str)
        .unwrap_or("");
    let signer = Signer::new(
        Credentials::new(
            str_at(&v, "/credentials/access_key_id"),
            str_at(&v, "/credentials/secret_access_key"),
        ),
        "us-east-1",
        "s3",
    )
    .s3();
    let out = signer
        .sign(
            &mut request,
            Payload::Bytes(body.as_bytes()),
            s3doc_time(&v),
        )
        .expect("signs");
    assert_eq!(out.signature.to_string(), str_at(&v, "/expected/signature"));
    assert_eq!(
        out.canonical_request,
        str_at(&v, "/expected/canonical_request")
    );
}

#[test]
fn s3doc_get_object_range() {
    s3doc_single("get-object-range.json");
}

#[test]
fn s3doc_put_object() {
    s3doc_single("put-object.json");
}

#[test]
fn s3doc_get_bucket_lifecycle() {
    s3doc_single("get-bucket-lifecycle.json");
}

#[test]
fn s3doc_get_bucket_list_objects() {
    s3doc_single("get-bucket-list-objects.json");
}

#[test]
fn s3doc_presigned_get_object() {
    let v = s3doc("presigned-get-object.json");
    let url: http::Uri = str_at(&v, "/expected/presigned_url").parse().expect("url");
    let headers = s3doc_headers(&v, None);
    let view = Request::new("GET", url.path(), url.query().unwrap_or(""), &headers);
    let auth = AuthParams::from_request(&view).expect("presign parameters parse");
    assert_eq!(auth.kind, AuthKind::Query { expires: 86400 });
    let creq = CanonicalRequest::new(
        &view,
        SigningSettings::s3(),
        &auth.signed_headers,
        "UNSIGNED-PAYLOAD",
        &["X-Amz-Signature"],
    );
    assert_eq!(creq.to_string(), str_at(&v, "/expected/canonical_request"));
    let sts = StringToSign::new(
        ALGORITHM,
        auth.date,
        auth.credential.scope_str(),
        creq.hash(),
    );
    assert_eq!(sts.to_string(), str_at(&v, "/expected/string_to_sign"));
    assert_eq!(
        sts.sign(&s3doc_key(&v)).to_string(),
        str_at(&v, "/expected/signature")
    );
    let verifier = Verifier::new(SigningSettings::s3())
        .regions(["us-east-1"])
        .services(["s3"]);
    let start = s3doc_time(&v);
    let secret = s3doc_secret(&v);
    for (offset, ok) in [(0, true), (86400, true), (86401, false)] {
        let outcome = verifier.verify(
            &view,
            &auth,
            &secret,
            "UNSIGNED-PAYLOAD",
            start + time::Duration::seconds(offset),
        );
        assert_eq!(outcome.is_ok(), ok, "at +{offset} s: {outcome:?}");
    }

    // The client presigns the same URL (its parameters in aws-c-auth's order).
    let mut request = http::Request::get("https://examplebucket.s3.amazonaws.com/test.txt")
        .body(())
        .expect("request");
    let signer = Signer::new(
        Credentials::new("AKIAIOSFODNN7EXAMPLE", secret.expose()),
        "us-east-1",
        "s3",
    )
    .s3();
    let out = signer
        .presign(&mut request, Payload::Unsigned, 86400, start)
        .expect("presigns");
    assert_eq!(out.signature.to_string(), str_at(&v, "/expected/signature"));
    let mut ours: Vec<&str> = request.uri().query().unwrap_or("").split('&').collect();
    let mut published: Vec<&str> = url.query().unwrap_or("").split('&').collect();
    ours.sort_unstable();
    published.sort_unstable();
    assert_eq!(ours, published);
}

/// The seed signature of a chunked example, from its canonical request.
fn s3doc_seed(v: &Value) -> Signature {
    let headers = s3doc_headers(v, None);
    let signed_names: Vec<String> = str_at(v, "/expected/canonical_request")
        .lines()
        .nth_back(1)
        .expect("signed headers line")
        .split(';')
        .map(str::to_string)
        .collect();
    let signed = countersign::core::SignedHeaders::from_names(&signed_names);
    let view = Request::new(
        str_at(v, "/request/method"),
        str_at(v, "/request/path"),
        "",
        &headers,
    );
    let marker = str_at(v, "/expected/canonical_request")
        .lines()
        .last()
        .expect("payload line")
        .to_string();
    let creq = CanonicalRequest::new(&view, SigningSettings::s3(), &signed, &marker, &[]);
    assert_eq!(creq.to_string(), str_at(v, "/expected/canonical_request"));
    let time = countersign::core::AmzDate::from(s3doc_time(v));
    let scope = format!("{}/us-east-1/s3/aws4_request", str_at(v, "/date_stamp"));
    let sts = StringToSign::new(ALGORITHM, time, &scope, creq.hash());
    assert_eq!(sts.to_string(), str_at(v, "/expected/string_to_sign"));
    let seed = sts.sign(&s3doc_key(v));
    assert_eq!(seed.to_string(), str_at(v, "/expected/seed_signature"));
    seed
}

/// Signs the example's chunks ('a' bytes of each size) and checks every string to sign and
/// signature; verifies them with a second chain; returns the chain after the final chunk.
fn s3doc_chunks(v: &Value) -> ChunkSigner {
    let seed = s3doc_seed(v);
    let time = countersign::core::AmzDate::from(s3doc_time(v));
    let scope = format!("{}/us-east-1/s3/aws4_request", str_at(v, "/date_stamp"));
    let mut signer = ChunkSigner::new(s3doc_key(v), time, scope.clone(), seed);
    let mut verifier = ChunkSigner::new(s3doc_key(v), time, scope, seed);
    for chunk in v["expected"]["chunks"].as_array().expect("chunks") {
        let size = chunk["size"].as_u64().expect("size") as usize;
        let data = vec![b'a'; size];
        assert_eq!(sha256_hex(&data), str_at(chunk, "/data_sha256"));
        let data_hash: [u8; 32] = {
            use sha2::Digest;
            sha2::Sha256::digest(&data).into()
        };
        assert_eq!(
            signer.chunk_string_to_sign(data_hash),
            str_at(chunk, "/string_to_sign")
        );
        let sig = signer.sign_chunk(&data);
        assert_eq!(sig.to_string(), str_at(chunk, "/signature"));
        let header = format!("{size:x};chunk-signature={sig}");
        assert_eq!(header, str_at(chunk, "/chunk_header_sent"));
        let published = Signature::from_hex(str_at(chunk, "/signature")).expect("hex");
        let mut wrong = data.clone();
        wrong.push(b'a');
        assert!(
            !verifier.verify_chunk(&wrong, &published),
            "a changed chunk must fail"
        );
        assert!(
            verifier.verify_chunk(&data, &published),
            "published chunk signature verifies"
        );
    }
    signer
}

#[test]
fn s3doc_put_object_chunked_seed() {
    s3doc_seed(&s3doc("put-object-chunked.json"));
}

#[test]
fn s3doc_put_object_chunked_chunks() {
    s3doc_chunks(&s3doc("put-object-chunked.json"));
}

#[test]
fn s3doc_put_object_chunked_trailer_seed() {
    s3doc_seed(&s3doc("put-object-chunked-trailer.json"));
}

#[test]
fn s3doc_put_object_chunked_trailer_chunks() {
    s3doc_chunks(&s3doc("put-object-chunked-trailer.json"));
}

#[test]
fn s3doc_put_object_chunked_trailer_trailer() {
    let v = s3doc("put-object-chunked-trailer.json");
    let mut chain = s3doc_chunks(&v);
    let trailer = countersign::core::canonical_trailer([("x-amz-checksum-crc32c", "sOO8/Q==")]);
    assert_eq!(
        String::from_utf8_lossy(&trailer),
        str_at(&v, "/expected/trailer/canonical_trailer")
    );
    assert_eq!(
        sha256_hex(&trailer),
        str_at(&v, "/expected/trailer/canonical_trailer_sha256")
    );
    assert_eq!(
        chain.trailer_string_to_sign(&trailer),
        str_at(&v, "/expected/trailer/string_to_sign")
    );
    let mut verifier = chain.clone();
    let sig = chain.sign_trailer(&trailer);
    assert_eq!(sig.to_string(), str_at(&v, "/expected/trailer/signature"));
    let published = Signature::from_hex(str_at(&v, "/expected/trailer/signature")).expect("hex");
    assert!(!verifier.verify_trailer(b"x-amz-checksum-crc32c:AAAAAA==\n", &published));
    assert!(verifier.verify_trailer(&trailer, &published));
}

#[test]
fn s3doc_post_policy_signature() {
    // The POST policy's string to sign is the base64 policy itself.
    let v = s3doc("post-policy-browser-upload.json");
    let key = s3doc_key(&v);
    let policy = str_at(&v, "/expected/policy_base64");
    assert_eq!(policy, str_at(&v, "/expected/string_to_sign"));
    assert_eq!(
        key.sign(policy.as_bytes()).to_string(),
        str_at(&v, "/expected/signature")
    );
}
