//! The aws-c-auth SigV4a suite (`shared/vectors/v4a`), one test per case and form, named
//! after it (`v4a::header::*`, `v4a::query::*`):
//!
//! - the canonical request and the string to sign equal the files;
//! - both published signatures (`*-signature.txt` and the one inside
//!   `*-signed-request.txt`) verify against `public-key.json` and against the key derived
//!   from the context's secret;
//! - our own signature (core and client) verifies, and the verifier accepts the published
//!   signed request at the context's time;
//! - one flipped byte in the signature, a signed header or the path is refused.

use std::path::Path;

use countersign::client::Payload;
use countersign::core::sigv4a::{verify, verifying_key_from_xy, EcdsaKey, EcdsaSignature};
use countersign::core::{sha256_hex, AuthParams, Request, SecretKey, ECDSA_ALGORITHM};
use p256::ecdsa::VerifyingKey;
use serde_json::Value;

use crate::aws_c_auth::{case_names, unsigned_request, Context, Form};
use crate::common::{read, vectors_dir, RawRequest};

/// Directories without expected outputs (see shared/vectors/SOURCE.md).
const INCOMPLETE: [&str; 2] = [
    "get-vanilla-query-order-key",
    "get-vanilla-query-order-value",
];

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
    let dir = vectors_dir().join("v4a").join(case);
    let ctx = Context::load(&dir);
    let file = |name: &str| read(&dir.join(format!("{}-{name}", form.prefix())));
    let signed = RawRequest::parse(&file("signed-request.txt"));
    let secret = SecretKey::new(&ctx.secret);

    // 1. The stages equal the published ones.
    let view = signed.view();
    let auth = AuthParams::from_request(&view).expect("the signed request's auth parses");
    let sent = auth.signature.as_ecdsa().expect("a SigV4a request");
    let region_set = auth
        .region_set
        .as_ref()
        .expect("a SigV4a request's region set");
    assert_eq!(region_set.as_str(), ctx.region);
    assert!(auth.credential.is_region_less());
    let payload_hash = sha256_hex(&signed.body);
    let sts = ctx.assert_stages(&view, &auth, form, (ECDSA_ALGORITHM, &payload_hash), file);

    // 2. Both published signatures verify against the published key and the derived one.
    let published = published_key(&dir);
    let derived = EcdsaKey::derive(&secret, &ctx.access_key_id).expect("a key");
    assert_eq!(derived.verifying_key(), &published, "derived public key");
    let from_file = EcdsaSignature::from_hex(file("signature.txt").trim()).expect("DER hex");
    for (what, signature) in [("signature.txt", &from_file), ("signed-request.txt", sent)] {
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
    let Some((mut request, body)) = unsigned_request(case, &dir) else {
        return;
    };
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
    let client_sig = auth.signature.as_ecdsa().expect("SigV4a").clone();
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

aws_c_auth_cases!(super::v4a_case);

#[test]
fn every_complete_case_is_covered() {
    let on_disk: Vec<String> = case_names("v4a")
        .into_iter()
        .filter(|name| !INCOMPLETE.contains(&name.as_str()))
        .collect();
    let mut covered: Vec<String> = CASES.iter().map(|s| s.to_string()).collect();
    covered.sort();
    assert_eq!(on_disk, covered);
    assert_eq!(covered.len(), 38);
    for name in INCOMPLETE {
        let dir = vectors_dir().join("v4a").join(name);
        assert!(dir.join("request.txt").exists(), "{name}");
        assert!(
            !dir.join("header-signature.txt").exists(),
            "{name} is complete now: cover it"
        );
    }
}
