//! The aws-c-auth SigV4a suite (`shared/vectors/v4a`), one test per case and form, named
//! after it (`v4a_header::*`, `v4a_query::*`):
//!
//! - the canonical request and the string to sign equal the files;
//! - both published signatures (`*-signature.txt` and the one inside
//!   `*-signed-request.txt`) verify against `public-key.json` and against the key derived
//!   from the context's secret;
//! - our own signature (core and client) verifies, and the verifier accepts the published
//!   signed request at the context's time;
//! - one flipped byte in the signature, a signed header or the path is refused.

#![cfg(feature = "sigv4a")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use std::path::{Path, PathBuf};

use countersign::client::Payload;
use countersign::core::sigv4a::{
    p256::ecdsa::VerifyingKey, verify, verifying_key_from_xy, EcdsaKey, EcdsaSignature,
};
use countersign::core::{
    sha256_hex, AuthKind, AuthParams, CanonicalRequest, Request, SecretKey, StringToSign,
    ECDSA_ALGORITHM,
};
use serde_json::Value;

use common::aws_c_auth::{Context, Form, NOT_HTTP_REPRESENTABLE};
use common::{read, vectors_dir, RawRequest};

/// Directories without expected outputs (see shared/vectors/SOURCE.md).
const INCOMPLETE: [&str; 2] = [
    "get-vanilla-query-order-key",
    "get-vanilla-query-order-value",
];

fn v4a_dir(case: &str) -> PathBuf {
    vectors_dir().join("v4a").join(case)
}

/// The key of `public-key.json`.
fn published_key(dir: &Path) -> VerifyingKey {
    let v: Value = serde_json::from_str(&read(&dir.join("public-key.json"))).expect("JSON");
    let coordinate = |name: &str| -> [u8; 32] {
        let hex_text = v[name].as_str().expect("coordinate");
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_text, &mut out).expect("32 bytes of hex");
        out
    };
    verifying_key_from_xy(&coordinate("X"), &coordinate("Y")).expect("a point on P-256")
}

fn v4a_case(case: &str, form: Form) {
    let dir = v4a_dir(case);
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
    let v4a = auth.sigv4a().expect("a SigV4a request");
    assert_eq!(v4a.region_set.as_str(), ctx.region);
    assert!(auth.credential.is_region_less());
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
        ECDSA_ALGORITHM,
        auth.date,
        auth.credential.scope_str(),
        creq.hash(),
    );
    assert_eq!(
        sts.to_string(),
        file("string-to-sign.txt"),
        "string to sign"
    );

    // 2. Both published signatures verify against the published key and the derived one.
    let published = published_key(&dir);
    let derived = EcdsaKey::derive(&secret, &ctx.access_key_id).expect("a key");
    assert_eq!(derived.verifying_key(), &published, "derived public key");
    let from_file = EcdsaSignature::from_hex(file("signature.txt").trim()).expect("DER hex");
    for (what, signature) in [
        ("signature.txt", &from_file),
        ("signed-request.txt", &v4a.signature),
    ] {
        assert!(verify(&published, &sts, signature), "{what}: published key");
        assert!(derived.verify(&sts, signature), "{what}: derived key");
    }

    // 3. Our own signature verifies; the verifier accepts the signed request.
    let ours = derived.sign(&sts);
    assert!(verify(&published, &sts, &ours), "our signature");
    let verifier = ctx.verifier();
    let verified = verifier.verify(&view, &auth, &secret, &payload_hash, ctx.time);
    let verified = verified.unwrap_or_else(|e| panic!("verifier refused {case}: {e}"));
    assert_eq!(verified.access_key_id, ctx.access_key_id);
    assert_eq!(verified.scope, auth.credential.scope_str());

    // 4. One flipped byte in the signature, the path, a signed header or a query value is
    // refused.
    ctx.assert_tamperings_refused(case, &signed, &auth, form, &payload_hash);

    // 5. The client signs request.txt: the same canonical request, and it verifies.
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
    let body = unsigned.body.clone();
    let signer = ctx.signer().sigv4a(&ctx.region);
    let output = match form {
        Form::Header => signer.sign(&mut request, Payload::Bytes(&body), ctx.time),
        Form::Query => signer.presign(&mut request, Payload::Bytes(&body), ctx.expires, ctx.time),
    }
    .expect("client signs");
    assert_eq!(output.canonical_request, file("canonical-request.txt"));
    assert_eq!(output.string_to_sign, file("string-to-sign.txt"));
    let view = Request::from_http(&request);
    let auth = AuthParams::from_request(&view).expect("the client's request parses");
    let client_sig = auth.sigv4a().expect("SigV4a").signature.clone();
    assert!(verify(&published, &sts, &client_sig), "client signature");
    verifier
        .verify(&view, &auth, &secret, &payload_hash, ctx.time)
        .unwrap_or_else(|e| panic!("{case}: the client's request was refused: {e}"));
    // The target equals the published one up to the (randomised) signature.
    let target = request
        .uri()
        .path_and_query()
        .map(|pq| pq.to_string())
        .unwrap_or_default();
    let strip = |t: &str| {
        t.split("&X-Amz-Signature=")
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(strip(&target), strip(&signed.target()), "request target");
}

macro_rules! v4a_cases {
    ($($header:ident, $query:ident => $dir:literal),* $(,)?) => {
        /// Every case directory the tests below cover.
        const V4A_CASES: &[&str] = &[$($dir),*];
        $(
            #[test]
            fn $header() {
                v4a_case($dir, Form::Header)
            }

            #[test]
            fn $query() {
                v4a_case($dir, Form::Query)
            }
        )*
    };
}

v4a_cases! {
    v4a_header_get_header_key_duplicate, v4a_query_get_header_key_duplicate => "get-header-key-duplicate",
    v4a_header_get_header_value_multiline, v4a_query_get_header_value_multiline => "get-header-value-multiline",
    v4a_header_get_header_value_order, v4a_query_get_header_value_order => "get-header-value-order",
    v4a_header_get_header_value_trim, v4a_query_get_header_value_trim => "get-header-value-trim",
    v4a_header_get_relative_normalized, v4a_query_get_relative_normalized => "get-relative-normalized",
    v4a_header_get_relative_relative_normalized, v4a_query_get_relative_relative_normalized => "get-relative-relative-normalized",
    v4a_header_get_relative_relative_unnormalized, v4a_query_get_relative_relative_unnormalized => "get-relative-relative-unnormalized",
    v4a_header_get_relative_unnormalized, v4a_query_get_relative_unnormalized => "get-relative-unnormalized",
    v4a_header_get_slash_dot_slash_normalized, v4a_query_get_slash_dot_slash_normalized => "get-slash-dot-slash-normalized",
    v4a_header_get_slash_dot_slash_unnormalized, v4a_query_get_slash_dot_slash_unnormalized => "get-slash-dot-slash-unnormalized",
    v4a_header_get_slash_normalized, v4a_query_get_slash_normalized => "get-slash-normalized",
    v4a_header_get_slash_pointless_dot_normalized, v4a_query_get_slash_pointless_dot_normalized => "get-slash-pointless-dot-normalized",
    v4a_header_get_slash_pointless_dot_unnormalized, v4a_query_get_slash_pointless_dot_unnormalized => "get-slash-pointless-dot-unnormalized",
    v4a_header_get_slash_unnormalized, v4a_query_get_slash_unnormalized => "get-slash-unnormalized",
    v4a_header_get_slashes_normalized, v4a_query_get_slashes_normalized => "get-slashes-normalized",
    v4a_header_get_slashes_unnormalized, v4a_query_get_slashes_unnormalized => "get-slashes-unnormalized",
    v4a_header_get_space_normalized, v4a_query_get_space_normalized => "get-space-normalized",
    v4a_header_get_space_unnormalized, v4a_query_get_space_unnormalized => "get-space-unnormalized",
    v4a_header_get_unreserved, v4a_query_get_unreserved => "get-unreserved",
    v4a_header_get_utf8, v4a_query_get_utf8 => "get-utf8",
    v4a_header_get_vanilla, v4a_query_get_vanilla => "get-vanilla",
    v4a_header_get_vanilla_empty_query_key, v4a_query_get_vanilla_empty_query_key => "get-vanilla-empty-query-key",
    v4a_header_get_vanilla_query, v4a_query_get_vanilla_query => "get-vanilla-query",
    v4a_header_get_vanilla_query_order_encoded, v4a_query_get_vanilla_query_order_encoded => "get-vanilla-query-order-encoded",
    v4a_header_get_vanilla_query_order_key_case, v4a_query_get_vanilla_query_order_key_case => "get-vanilla-query-order-key-case",
    v4a_header_get_vanilla_query_unreserved, v4a_query_get_vanilla_query_unreserved => "get-vanilla-query-unreserved",
    v4a_header_get_vanilla_utf8_query, v4a_query_get_vanilla_utf8_query => "get-vanilla-utf8-query",
    v4a_header_get_vanilla_with_session_token, v4a_query_get_vanilla_with_session_token => "get-vanilla-with-session-token",
    v4a_header_post_header_key_case, v4a_query_post_header_key_case => "post-header-key-case",
    v4a_header_post_header_key_sort, v4a_query_post_header_key_sort => "post-header-key-sort",
    v4a_header_post_header_value_case, v4a_query_post_header_value_case => "post-header-value-case",
    v4a_header_post_sts_header_after, v4a_query_post_sts_header_after => "post-sts-header-after",
    v4a_header_post_sts_header_before, v4a_query_post_sts_header_before => "post-sts-header-before",
    v4a_header_post_vanilla, v4a_query_post_vanilla => "post-vanilla",
    v4a_header_post_vanilla_empty_query_value, v4a_query_post_vanilla_empty_query_value => "post-vanilla-empty-query-value",
    v4a_header_post_vanilla_query, v4a_query_post_vanilla_query => "post-vanilla-query",
    v4a_header_post_x_www_form_urlencoded, v4a_query_post_x_www_form_urlencoded => "post-x-www-form-urlencoded",
    v4a_header_post_x_www_form_urlencoded_parameters, v4a_query_post_x_www_form_urlencoded_parameters => "post-x-www-form-urlencoded-parameters",
}

#[test]
fn v4a_every_complete_case_is_covered() {
    let mut on_disk: Vec<String> = std::fs::read_dir(vectors_dir().join("v4a"))
        .expect("shared/vectors/v4a exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !INCOMPLETE.contains(&name.as_str()))
        .collect();
    on_disk.sort();
    let mut covered: Vec<String> = V4A_CASES.iter().map(|s| s.to_string()).collect();
    covered.sort();
    assert_eq!(on_disk, covered);
    assert_eq!(covered.len(), 38);
    for name in INCOMPLETE {
        let dir = v4a_dir(name);
        assert!(dir.join("request.txt").exists(), "{name}");
        assert!(
            !dir.join("header-signature.txt").exists(),
            "{name} is complete now: cover it"
        );
    }
}
