//! The `Authorization` header on the loopback servers: a request signed by countersign's
//! client reaches the handler with its principal (and its session token, signed or appended);
//! a tampered signature, a wrong secret, no authentication, both header and query
//! authentication, and each way to break the header are refused.
use countersign::client::{Credentials, SessionTokenMode, Signer};
use time::Duration;

use crate::api_server::*;

#[test]
fn countersign_client_header_get_reaches_the_handler_with_the_principal() {
    for api in BOTH.map(api_with) {
        let answer = send(api, &signed(api, "GET", "/whoami", &[], b""));
        assert_eq!(answer.status, 200, "{}", answer.body);
        let v = answer.json();
        assert_eq!(v["principal"], "alice");
        assert_eq!(v["access_key_id"], AKID);
        assert_eq!(v["presigned"], false);
    }
}

/// Signs a GET of /whoami with a session token in `mode`: accepted, and the token reaches
/// the handler.
fn assert_session_token_accepted(mode: SessionTokenMode) {
    for api in BOTH.map(api_with) {
        let signer = Signer::new(
            Credentials::new(AKID, SECRET).with_session_token("tok/en+=="),
            REGION,
            SERVICE,
        )
        .session_token_mode(mode);
        let req = signed_with(&signer, api, "GET", "/whoami", &[], b"", Duration::ZERO);
        let answer = send(api, &req);
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.json()["session_token"], "tok/en+==");
    }
}

#[test]
fn session_token_signed_is_accepted_and_reaches_the_handler() {
    assert_session_token_accepted(SessionTokenMode::Signed);
}

#[test]
fn session_token_appended_after_signing_is_accepted_and_reaches_the_handler() {
    assert_session_token_accepted(SessionTokenMode::AppendAfter);
}

refused! {
    tampered_signature: api_with => 403 "SignatureDoesNotMatch", |a| {
        let mut r = signed(a, "GET", "/whoami", &[], b"");
        let value = flip_last(&authorization(&r));
        header(&mut r, "authorization", value.as_bytes());
        raw(&r)
    };
    wrong_secret: api_with => 403 "SignatureDoesNotMatch", |a| {
        whoami_by(a, (AKID, "not-the-secret"), (REGION, SERVICE))
    };
    no_authentication: api_with => 403 "AccessDenied", |a| {
        raw(&request(a, "GET", "/whoami", &[], b""))
    };
    header_and_query_authentication_together: api_with => 400 "InvalidArgument", |a| {
        let mut r = presigned(a, "/whoami", 60, Duration::ZERO);
        let s = signed(a, "GET", "/whoami", &[], b"");
        header(&mut r, "authorization", authorization(&s).as_bytes());
        raw(&r)
    };
    authorization_of_the_algorithm_only: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        malformed_authorization(a, "AWS4-HMAC-SHA256")
    };
    authorization_basic: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        malformed_authorization(a, "Basic dXNlcjpwYXNz")
    };
    authorization_of_another_algorithm: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        let r = signed(a, "GET", "/whoami", &[], b"");
        malformed_authorization(
            a,
            &authorization(&r).replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
        )
    };
    authorization_with_a_four_part_credential: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        let r = signed(a, "GET", "/whoami", &[], b"");
        malformed_authorization(a, &authorization(&r).replace("/aws4_request", ""))
    };
    authorization_with_a_short_signature: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        let r = signed(a, "GET", "/whoami", &[], b"");
        let value = authorization(&r);
        malformed_authorization(a, &value[..value.len() - 2])
    };
    authorization_with_an_unknown_component: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        let r = signed(a, "GET", "/whoami", &[], b"");
        malformed_authorization(a, &format!("{}, Extra=1", authorization(&r)))
    };
    authorization_with_a_repeated_component: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        let r = signed(a, "GET", "/whoami", &[], b"");
        malformed_authorization(a, &format!("{}, SignedHeaders=host", authorization(&r)))
    };
    authorization_with_unsorted_signed_headers: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        let r = signed(a, "GET", "/whoami", &[], b"");
        malformed_authorization(
            a,
            &authorization(&r).replace(
                "SignedHeaders=host;x-amz-date",
                "SignedHeaders=x-amz-date;host",
            ),
        )
    };
    authorization_not_utf8: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        let mut r = signed(a, "GET", "/whoami", &[], b"");
        let mut value = authorization(&r).into_bytes();
        value.extend_from_slice(b"\xe9\xff");
        header(&mut r, "authorization", &value);
        raw(&r)
    };
}
