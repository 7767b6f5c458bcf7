//! Signed headers on the loopback servers: a value that is not UTF-8 is canonicalized as
//! bytes; a signed header changed or absent, an unsigned `x-amz-*` header, and a host left
//! unsigned are refused.
use countersign::client::Payload;

use crate::api_server::*;

#[test]
fn non_utf8_signed_header_value_is_canonicalized_as_bytes() {
    let mut r = request(api(), "GET", "/whoami", &[], b"");
    header(&mut r, "x-custom", b"caf\xe9");
    signer().sign(&mut r, Payload::Empty, now()).unwrap();
    let answer = send(api(), &r);
    assert_eq!(answer.status, 200, "{}", answer.body);
}

refused! {
    tampered_signed_header: api_with => 403 "SignatureDoesNotMatch", |a| {
        let mut r = signed(a, "GET", "/whoami", &[("x-custom", "one")], b"");
        header(&mut r, "x-custom", b"two");
        raw(&r)
    };
    unsigned_x_amz_header: api_with => 403 "AccessDenied", |a| {
        let mut r = signed(a, "PUT", "/echo", &[], b"");
        header(&mut r, "x-amz-copy-source", b"/other-bucket/secret");
        raw(&r)
    };
    signed_header_absent: api_with => 403 "AccessDenied", |a| {
        let mut r = signed(a, "GET", "/whoami", &[("x-custom", "one")], b"");
        r.headers_mut().remove("x-custom");
        raw(&r)
    };
    host_not_signed: api_with => 403 "AccessDenied", |a| {
        let r = signed(a, "GET", "/whoami", &[], b"");
        let value = authorization(&r)
            .replace("SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date");
        malformed_authorization(a, &value)
    };
}
