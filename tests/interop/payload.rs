//! The payload on the loopback servers: a body without a declared hash is buffered and
//! verified, a declared hash lets a body past the buffer limit stream, an S3 PUT declares its
//! hash; a body changed after signing (declared or not), a declared hash that is not one,
//! `UNSIGNED-PAYLOAD` where unsigned payloads are refused, and an S3 request that declares no
//! hash are refused.
use countersign::client::{Credentials, Payload, Signer};
use time::Duration;

use crate::api_server::*;

#[test]
fn countersign_client_post_with_buffered_body_is_verified() {
    for api in BOTH.map(api_with) {
        let body = br#"{"name":"widget"}"#;
        let answer = send(
            api,
            &signed(
                api,
                "POST",
                "/echo",
                &[("content-type", "application/json")],
                body,
            ),
        );
        assert_eq!((answer.status, answer.body.as_bytes()), (200, &body[..]));
    }
}

#[test]
fn countersign_client_declared_hash_streams_and_verifies() {
    for api in BOTH.map(api_with) {
        let signer = signer().content_sha256_header(true);
        let body = vec![b'x'; 10 * BUFFER_LIMIT]; // beyond the buffer limit: streamed, not buffered
        let req = signed_with(&signer, api, "PUT", "/echo", &[], &body, Duration::ZERO);
        let answer = send(api, &req);
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body.len(), body.len());
    }
}

#[test]
fn s3_put_declaring_its_hash_is_accepted() {
    for s3 in BOTH.map(s3_with) {
        let s3_signer = Signer::new(Credentials::new(AKID, SECRET), REGION, "s3").s3();
        let req = signed_with(
            &s3_signer,
            s3,
            "PUT",
            "/echo",
            &[],
            b"object body",
            Duration::ZERO,
        );
        let answer = send(s3, &req);
        assert_eq!((answer.status, answer.body.as_str()), (200, "object body"));
    }
}

refused! {
    tampered_body_without_a_declared_hash: api_with => 403 "SignatureDoesNotMatch", |a| {
        let mut r = signed(a, "POST", "/echo", &[], b"pay 10");
        *r.body_mut() = b"pay 99".to_vec();
        raw(&r)
    };
    tampered_body_with_a_declared_hash: api_with => 400 "XAmzContentSHA256Mismatch", |a| {
        let mut r = signed_with(
            &signer().content_sha256_header(true),
            a,
            "POST",
            "/echo",
            &[],
            b"pay 10",
            Duration::ZERO,
        );
        *r.body_mut() = b"pay 99".to_vec();
        raw(&r)
    };
    x_amz_content_sha256_not_a_hash: api_with => 400 "InvalidArgument", |a| {
        raw(&signed(
            a,
            "PUT",
            "/echo",
            &[("x-amz-content-sha256", "abc")],
            b"",
        ))
    };
    x_amz_content_sha256_not_utf8: api_with => 400 "InvalidArgument", |a| {
        let mut r = request(a, "PUT", "/echo", &[], b"");
        header(&mut r, "x-amz-content-sha256", b"\xe9\xe9");
        signer().sign(&mut r, Payload::Empty, now()).unwrap();
        raw(&r)
    };
    unsigned_payload_refused_by_policy: strict_with => 403 "AccessDenied", |a| {
        let mut r = request(a, "PUT", "/echo", &[], b"some body");
        signer()
            .content_sha256_header(true)
            .sign(&mut r, Payload::Unsigned, now())
            .unwrap();
        raw(&r)
    };
    s3_header_auth_without_x_amz_content_sha256: s3_with => 400 "InvalidRequest", |a| {
        let s = Signer::new(Credentials::new(AKID, SECRET), REGION, "s3")
            .settings(countersign::core::SigningSettings::s3());
        raw(&signed_with(
            &s,
            a,
            "GET",
            "/bucket/key",
            &[],
            b"",
            Duration::ZERO,
        ))
    };
}
