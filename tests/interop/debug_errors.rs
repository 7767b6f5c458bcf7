//! The loopback API in debug mode: a refusal shows the canonical request and the string to
//! sign the server computed, and names the skew; without debug mode, none of that is shown.

use countersign::client::{Credentials, Payload, Signer};
use time::Duration;

use crate::api_server::*;

/// A GET of /whoami for `addr` signed with a wrong secret, and what the client computed.
fn wrongly_signed(
    addr: std::net::SocketAddr,
) -> (http::Request<Vec<u8>>, countersign::client::Signed) {
    let wrong = Signer::new(Credentials::new(AKID, "not-the-secret"), REGION, SERVICE);
    let mut r = request(addr, "GET", "/whoami?b=2&a=1", &[], b"");
    let signed = wrong.sign(&mut r, Payload::Empty, now()).unwrap();
    (r, signed)
}

#[test]
fn debug_mode_echoes_the_canonical_request_and_string_to_sign() {
    let (r, signed) = wrongly_signed(debug());
    let answer = send(debug(), &r);
    assert_eq!(answer.status, 403);
    assert_eq!(answer.code(), "SignatureDoesNotMatch");
    let unescape = |s: String| {
        s.replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
    };
    assert_eq!(
        crate::common::between(&answer.body, "<CanonicalRequest>", "</CanonicalRequest>")
            .map(unescape),
        Some(signed.canonical_request)
    );
    assert_eq!(
        crate::common::between(&answer.body, "<StringToSign>", "</StringToSign>").map(unescape),
        Some(signed.string_to_sign)
    );
    assert!(answer.body.contains("<Hint>"), "{}", answer.body);
}

#[test]
fn without_debug_mode_a_refusal_shows_neither() {
    let (r, _) = wrongly_signed(api());
    let answer = send(api(), &r);
    assert_eq!(answer.code(), "SignatureDoesNotMatch");
    assert!(
        !answer.body.contains("canonical_request") && !answer.body.contains("CanonicalRequest"),
        "{}",
        answer.body
    );
}

#[test]
fn debug_mode_names_the_skew() {
    let r = signed_with(
        &signer(),
        debug(),
        "GET",
        "/whoami",
        &[],
        b"",
        Duration::minutes(7),
    );
    let answer = send(debug(), &r);
    assert_eq!(answer.code(), "RequestTimeTooSkewed");
    assert!(
        answer.body.contains("ahead of the server"),
        "{}",
        answer.body
    );
}
