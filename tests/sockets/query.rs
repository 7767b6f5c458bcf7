//! Hostile queries, on both servers: 10,000 parameters signed and unsigned, hundreds and
//! thousands of `X-Amz-Signature` parameters, and presigned URLs with each of their
//! parameters broken, out of range, repeated or missing, expired or dated next week.

use time::OffsetDateTime;

use crate::auth::OK_SIG;
use crate::hostile::Case;
use crate::raw::{with_query_param, with_target, Expect};
use crate::Target;

const MALFORMED: &str = "AuthorizationQueryParametersError";

/// A GET of `path` with 10,000 parameters: short keys (`http` refuses a URI over 64 KiB),
/// base 36, each with a value (a value-less parameter the S3 classifier does not know may
/// be a subresource, and is refused with 501 before the handler).
fn many_parameters(path: &str) -> String {
    let many: Vec<String> = (0..10_000u32)
        .map(|i| {
            let digit = |d: u32| char::from_digit(d % 36, 36).expect("a digit");
            format!("{}{}{}=v", digit(i / 1296), digit(i / 36), digit(i))
        })
        .collect();
    format!("{path}?{}", many.join("&"))
}

/// `path` with `X-Amz-Signature={OK_SIG}` `count` times.
fn signature_parameters(path: &str, count: usize) -> String {
    let repeated = vec![format!("X-Amz-Signature={OK_SIG}"); count];
    format!("{path}?{}", repeated.join("&"))
}

/// A GET of `path` presigned now for 300 s.
fn presigned(target: Target, path: &str) -> http::Request<Vec<u8>> {
    target.presigned("GET", path, 300, OffsetDateTime::now_utc())
}

/// [`presigned`] with parameter `name` set to `value`, refused as malformed.
fn presigned_with(target: Target, path: &str, name: &str, value: &str) -> Case {
    Case::send(
        with_query_param(&presigned(target, path), name, value),
        Expect::Code(400, MALFORMED),
    )
}

/// One test per server and presigned URL with a parameter set to a value it must not have:
/// `name: parameter = value`.
macro_rules! malformed_presigned {
    ($($name:ident: $param:literal = $value:expr;)*) => {
        hostile! {
            $($name [s3, api] (target, path) => presigned_with(target, path, $param, &$value);)*
        }
    };
}

malformed_presigned! {
    presigned_x_amz_expires_604801: "X-Amz-Expires" = "604801";
    presigned_x_amz_expires_negative: "X-Amz-Expires" = "-1";
    presigned_x_amz_expires_2_64_plus_1: "X-Amz-Expires" = "18446744073709551617";
    presigned_x_amz_expires_in_exponent_form: "X-Amz-Expires" = "1e3";
    presigned_x_amz_signature_of_64_non_hex_characters: "X-Amz-Signature" = "zz".repeat(32);
    presigned_x_amz_signature_of_65_hex_characters: "X-Amz-Signature" = "a".repeat(65);
    presigned_x_amz_signature_of_5000_hex_characters: "X-Amz-Signature" = "a".repeat(5000);
    presigned_x_amz_signature_empty: "X-Amz-Signature" = "";
    presigned_x_amz_signature_not_utf8: "X-Amz-Signature" = "%ff%fe";
    presigned_x_amz_algorithm_sha512: "X-Amz-Algorithm" = "AWS4-HMAC-SHA512";
    presigned_x_amz_date_not_utf8: "X-Amz-Date" = "%ff";
    presigned_x_amz_credential_badly_escaped: "X-Amz-Credential" = "%zz";
}

hostile! {
    /// Large but valid.
    ten_thousand_signed_query_parameters [s3, api] (target, path) => Case::http(
        &target.signed("GET", &many_parameters(path), &[], b""),
        Expect::Success,
    );
    ten_thousand_unsigned_query_parameters [s3, api] (target, path) => Case::http(
        &target.request("GET", &many_parameters(path), &[], b""),
        Expect::Code(403, "AccessDenied"),
    );
    five_hundred_x_amz_signature_parameters [s3, api] (target, path) => Case::send(
        with_target(
            &target.request("GET", path, &[], b""),
            signature_parameters(path, 500).as_bytes(),
        ),
        Expect::Code(400, MALFORMED),
    );
    /// A 740 KB head: hyper's 400 KB read buffer refuses it first.
    ten_thousand_x_amz_signature_parameters [s3, api] (target, path) => Case::send(
        with_target(
            &target.signed("GET", path, &[], b""),
            signature_parameters(path, 10_000).as_bytes(),
        ),
        Expect::StatusOrClosed(431),
    );
    presigned_url [s3, api] (target, path) =>
        Case::http(&presigned(target, path), Expect::Success);
    /// A lifetime of zero seconds is read, as AWS reads it, and has expired.
    presigned_x_amz_expires_0 [s3, api] (target, path) => Case::send(
        with_query_param(&presigned(target, path), "X-Amz-Expires", "0"),
        Expect::Code(403, "AccessDenied"),
    );
    presigned_without_x_amz_credential [s3, api] (target, path) => {
        let presigned = presigned(target, path);
        let pq = presigned.uri().path_and_query().expect("pq").as_str();
        let without: Vec<&str> = pq
            .split('&')
            .filter(|p| !p.contains("X-Amz-Credential="))
            .collect();
        Case::send(
            with_target(&presigned, without.join("&").as_bytes()),
            Expect::Code(400, MALFORMED),
        )
    };
    presigned_x_amz_signature_twice [s3, api] (target, path) => {
        let presigned = presigned(target, path);
        let pq = presigned.uri().path_and_query().expect("pq").as_str();
        Case::send(
            with_target(&presigned, format!("{pq}&X-Amz-Signature={OK_SIG}").as_bytes()),
            Expect::Code(400, MALFORMED),
        )
    };
    presigned_url_expired [s3, api] (target, path) => Case::http(
        &target.presigned("GET", path, 60, OffsetDateTime::now_utc() - time::Duration::hours(2)),
        Expect::Code(403, "AccessDenied"),
    );
    presigned_url_dated_next_week [s3, api] (target, path) => Case::http(
        &target.presigned("GET", path, 60, OffsetDateTime::now_utc() + time::Duration::days(7)),
        Expect::Code(403, "AccessDenied"),
    );
}
