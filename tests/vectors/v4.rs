//! The aws-c-auth SigV4 suite (`shared/vectors/v4`), one test per case and form, named after
//! it (`v4::header::*`, `v4::query::*`): canonical request, string to sign and signature equal
//! the files; the client turns `request.txt` into the signed request; the verifier accepts the
//! signed request and refuses it with one byte changed in the signature, path, a signed
//! header's value and a query value.

use countersign::client::Payload;
use countersign::core::{
    sha256_hex, AuthParams, CanonicalRequest, SecretKey, SigningKey, ALGORITHM,
};

use crate::aws_c_auth::{case_names, unsigned_request, Context, Form};
use crate::common::{http_multimap, read, vectors_dir, RawRequest};

fn v4_case(case: &str, form: Form) {
    let dir = vectors_dir().join("v4").join(case);
    let ctx = Context::load(&dir);
    let file = |name: &str| read(&dir.join(format!("{}-{name}", form.prefix())));
    let signed = RawRequest::parse(&file("signed-request.txt"));
    let secret = SecretKey::new(&ctx.secret);

    // 1. The stages equal the published ones.
    let view = signed.view();
    let auth = AuthParams::from_request(&view).expect("the signed request's auth parses");
    let payload_hash = sha256_hex(&signed.body);
    let skip = ctx.skipped_query(form);
    let sts = ctx.assert_stages(&view, &auth, form, (ALGORITHM, &payload_hash), file);
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
    let Some((mut request, body)) = unsigned_request(case, &dir) else {
        return;
    };
    let signer = ctx.signer();
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

aws_c_auth_cases!(super::v4_case);

#[test]
fn every_case_is_covered() {
    let mut covered: Vec<String> = CASES.iter().map(|s| s.to_string()).collect();
    covered.sort();
    assert_eq!(case_names("v4"), covered);
    assert_eq!(covered.len(), 38);
}
