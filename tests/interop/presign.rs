//! Presigned URLs on the loopback servers: countersign's client presigns a GET, and an S3
//! URL for every method (usable with that method only); an expired URL, one not yet valid,
//! one with a lifetime of 0 (expired, as AWS reads it), out of range or not a number, one
//! missing any of its parameters, and one with a tampered signature are refused.
use countersign::client::{Credentials, Payload, Signer};
use time::Duration;

use crate::api_server::*;

#[test]
fn countersign_client_presigned_get_is_accepted() {
    for api in BOTH.map(api_with) {
        let answer = send(api, &presigned(api, "/whoami?x=1", 60, Duration::ZERO));
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.json()["presigned"], true);
    }
}

/// An S3 URL presigned for `method` is accepted with that method, and refused with another.
fn assert_s3_presigned_for(method: &str) {
    for s3 in BOTH.map(s3_with) {
        let s3_signer = Signer::new(Credentials::new(AKID, SECRET), REGION, "s3").s3();
        let mut req = request(s3, method, "/bucket/some%20key.txt?versionId=1", &[], b"");
        s3_signer
            .presign(&mut req, Payload::Unsigned, 60, now())
            .expect("presigns");
        let answer = send(s3, &req);
        assert_eq!(answer.status, 200, "{}", answer.body);
        let other = if method == "GET" { "DELETE" } else { "GET" };
        let mut switched = req.clone();
        *switched.method_mut() = http::Method::from_bytes(other.as_bytes()).unwrap();
        let answer = send(s3, &switched);
        assert_eq!(answer.status, 403, "{method} URL used with {other}");
    }
}

#[test]
fn s3_presigned_get() {
    assert_s3_presigned_for("GET");
}

#[test]
fn s3_presigned_put() {
    assert_s3_presigned_for("PUT");
}

#[test]
fn s3_presigned_delete() {
    assert_s3_presigned_for("DELETE");
}

#[test]
fn s3_presigned_head() {
    assert_s3_presigned_for("HEAD");
}

#[test]
fn s3_presigned_post() {
    assert_s3_presigned_for("POST");
}

#[test]
fn s3_presigned_get_of_a_key_with_spaces_and_plus() {
    for s3 in BOTH.map(s3_with) {
        let s3_signer = Signer::new(Credentials::new(AKID, SECRET), REGION, "s3").s3();
        let mut get = request(s3, "GET", "/bucket/a%20key+with%2Bplus", &[], b"");
        s3_signer
            .presign(&mut get, Payload::Unsigned, 300, now())
            .expect("presigns");
        let answer = send(s3, &get);
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
}

/// One test per presigned GET of /whoami that is malformed: `name: edit (value)`, the
/// edit being [`presign_expires`] or [`presign_without`] with its value.
macro_rules! malformed_presigned {
    ($($name:ident: $edit:ident($value:literal);)*) => {
        refused! {
            $($name: api_with => 400 "AuthorizationQueryParametersError", |a| $edit(a, $value);)*
        }
    };
}

malformed_presigned! {
    presign_expires_negative: presign_expires("-1");
    presign_expires_past_seven_days: presign_expires("604801");
    presign_expires_not_a_number: presign_expires("abc");
    presign_without_x_amz_algorithm: presign_without("X-Amz-Algorithm");
    presign_without_x_amz_credential: presign_without("X-Amz-Credential");
    presign_without_x_amz_date: presign_without("X-Amz-Date");
    presign_without_x_amz_expires: presign_without("X-Amz-Expires");
    presign_without_x_amz_signed_headers: presign_without("X-Amz-SignedHeaders");
    presign_without_x_amz_signature: presign_without("X-Amz-Signature");
}

refused! {
    presign_expired: api_with => 403 "AccessDenied", |a| {
        raw(&presigned(a, "/whoami", 3600, Duration::hours(-2)))
    };
    presign_not_yet_valid: api_with => 403 "AccessDenied", |a| {
        raw(&presigned(a, "/whoami", 3600, Duration::minutes(10)))
    };
    /// A lifetime of zero seconds is read, as AWS reads it, and has expired.
    presign_expires_0: api_with => 403 "AccessDenied", |a| presign_expires(a, "0");
    presign_with_a_tampered_signature: api_with => 403 "SignatureDoesNotMatch", |a| {
        let mut r = presigned(a, "/whoami", 60, Duration::ZERO);
        edit_query(&mut r, |k, v| {
            Some(if k == "X-Amz-Signature" {
                format!("{k}={}", flip_last(v))
            } else {
                format!("{k}={v}")
            })
        });
        raw(&r)
    };
}
