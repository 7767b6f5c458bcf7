//! The method, path and query as signed, on the loopback servers: paths with spaces,
//! unicode and reserved characters, and repeated or encoded query parameters, are accepted;
//! a path, query value, query parameter or method changed after signing, and an S3 path
//! encoded otherwise than signed, are refused.
use countersign::client::{Credentials, Signer};
use time::Duration;

use crate::api_server::*;

/// One test per target: countersign's client signs a GET of it, and it is accepted.
macro_rules! accepted_targets {
    ($($name:ident => $target:literal;)*) => {
        $(
            #[test]
            fn $name() {
                for api in BOTH.map(api_with) {
                    let answer = send(api, &signed(api, "GET", $target, &[], b""));
                    assert_eq!(answer.status, 200, "{}", answer.body);
                }
            }
        )*
    };
}

accepted_targets! {
    path_with_spaces_and_unicode_is_accepted => "/a%20b/%E1%88%B4";
    path_with_plus_an_encoded_plus_and_a_tilde_is_accepted => "/x+y/%2B/~user";
    query_with_a_repeated_key_and_unicode_is_accepted => "/q?a=b%20c&a=%2B&ሴ=1";
    path_with_reserved_characters_is_accepted => "/semi;colon/@at/:colon";
    path_with_an_encoded_percent_is_accepted => "/%25percent";
}

refused! {
    tampered_path: api_with => 403 "SignatureDoesNotMatch", |a| {
        let r = signed(a, "GET", "/items/1", &[], b"");
        String::from_utf8(raw(&r))
            .unwrap()
            .replacen("/items/1", "/items/2", 1)
            .into_bytes()
    };
    tampered_query_value: api_with => 403 "SignatureDoesNotMatch", |a| {
        let mut r = signed(a, "GET", "/items?limit=10", &[], b"");
        edit_query(&mut r, |k, _| Some(format!("{k}=11")));
        raw(&r)
    };
    query_parameter_added: api_with => 403 "SignatureDoesNotMatch", |a| {
        let mut r = signed(a, "GET", "/items?limit=10", &[], b"");
        set_query(&mut r, "limit=10&admin=true".into());
        raw(&r)
    };
    tampered_method: api_with => 403 "SignatureDoesNotMatch", |a| {
        let r = signed(a, "GET", "/whoami", &[], b"");
        String::from_utf8(raw(&r))
            .unwrap()
            .replacen("GET", "DELETE", 1)
            .into_bytes()
    };
    s3_path_encoded_otherwise_than_signed: s3_with => 403 "SignatureDoesNotMatch", |a| {
        let s = Signer::new(Credentials::new(AKID, SECRET), REGION, "s3").s3();
        let r = signed_with(&s, a, "GET", "/bucket/a+b", &[], b"", Duration::ZERO);
        String::from_utf8(raw(&r))
            .unwrap()
            .replacen("/bucket/a+b", "/bucket/a%20b", 1)
            .into_bytes()
    };
}
