//! Hostile `Authorization` headers and what they sign, on both servers: bad and overlong
//! signatures, broken and repeated headers, unknown and oversized access keys, scopes of
//! another region, service or day, missing, broken and repeated dates, requests signed a day
//! ago or in 2100, unsigned `x-amz-*` headers added, signed ones removed, the host or path
//! changed, and header and query authentication together.

use time::OffsetDateTime;

use crate::hostile::Case;
use crate::raw::{
    header_value, repeat_header, set_header, with_head, with_query_param, with_signature,
    with_target, Expect,
};
use crate::{Target, AKID};

/// A well-formed signature that signs nothing.
pub(crate) const OK_SIG: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const MALFORMED: &str = "AuthorizationHeaderMalformed";

/// A valid GET of `path`.
fn good(target: Target, path: &str) -> http::Request<Vec<u8>> {
    target.signed("GET", path, &[], b"")
}

/// A valid GET of `path` whose `Authorization` header is then replaced by what `edit` makes
/// of it.
fn authorization(target: Target, path: &str, edit: impl FnOnce(&str) -> String) -> Case {
    let good = good(target, path);
    let value = edit(&header_value(&good, "authorization"));
    Case::send(
        with_head(&good, |l| set_header(l, "authorization", value.as_bytes())),
        Expect::Code(400, MALFORMED),
    )
}

/// A valid GET of `path` with its signature replaced by `signature`, refused as malformed.
fn signature(target: Target, path: &str, signature: &[u8]) -> Case {
    Case::send(
        with_signature(&good(target, path), signature),
        Expect::Code(400, MALFORMED),
    )
}

/// A GET of `path` signed validly `offset` from now.
fn signed_at(target: Target, path: &str, offset: time::Duration) -> http::Request<Vec<u8>> {
    target.signed_with(
        "GET",
        path,
        &[],
        b"",
        countersign::client::Payload::Empty,
        OffsetDateTime::now_utc() + offset,
    )
}

hostile! {
    no_authentication [s3, api] (target, path) => Case::http(
        &target.request("GET", path, &[], b""),
        Expect::Code(403, "AccessDenied"),
    );
    signature_of_64_non_hex_characters [s3, api] (target, path) =>
        signature(target, path, "z".repeat(64).as_bytes());
    signature_of_65_hex_characters [s3, api] (target, path) =>
        signature(target, path, "a".repeat(65).as_bytes());
    signature_of_63_hex_characters [s3, api] (target, path) =>
        signature(target, path, "a".repeat(63).as_bytes());
    signature_of_10000_hex_characters [s3, api] (target, path) =>
        signature(target, path, "a".repeat(10_000).as_bytes());
    empty_signature [s3, api] (target, path) => signature(target, path, b"");
    signature_with_invalid_utf8 [s3, api] (target, path) =>
        signature(target, path, b"\xff\xfe\xfd");
    signature_of_zeros [s3, api] (target, path) => Case::send(
        with_signature(&good(target, path), OK_SIG.as_bytes()),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    signature_with_its_last_digit_changed [s3, api] (target, path) => {
        let good = good(target, path);
        let mut flipped = header_value(&good, "authorization");
        let last = flipped.pop().expect("a character");
        flipped.push(if last == '0' { '1' } else { '0' });
        let sig = flipped.rsplit('=').next().expect("sig").to_string();
        Case::send(
            with_signature(&good, sig.as_bytes()),
            Expect::Code(403, "SignatureDoesNotMatch"),
        )
    };
    authorization_basic [s3, api] (target, path) =>
        authorization(target, path, |_| "Basic YWxhZGRpbjpvcGVuc2VzYW1l".into());
    authorization_of_40_kib_of_commas [s3, api] (target, path) =>
        authorization(target, path, |_| format!("AWS4-HMAC-SHA256 {}", ",".repeat(40 * 1024)));
    authorization_without_credential [s3, api] (target, path) => authorization(target, path, |_| {
        format!("AWS4-HMAC-SHA256 SignedHeaders=host, Signature={OK_SIG}")
    });
    two_authorization_headers [s3, api] (target, path) => Case::send(
        with_head(&good(target, path), |l| repeat_header(l, "authorization")),
        Expect::Code(400, MALFORMED),
    );
    unknown_access_key [s3, api] (target, path) => {
        let good = good(target, path);
        let value = header_value(&good, "authorization").replace(AKID, "AKIDNOBODYKNOWS");
        Case::send(
            with_head(&good, |l| set_header(l, "authorization", value.as_bytes())),
            Expect::Code(403, "InvalidAccessKeyId"),
        )
    };
    /// Longer than IAM's 128 characters: malformed, and never kept in the layer's tables.
    access_key_of_2_kib [s3, api] (target, path) =>
        authorization(target, path, |a| a.replace(AKID, &"K".repeat(2048)));
    scope_in_another_region [s3, api] (target, path) =>
        authorization(target, path, |a| a.replace("/us-east-1/", "/eu-west-9/"));
    scope_for_another_service [s3, api] (target, path) => authorization(target, path, |a| {
        a.replace("/s3/", "/sqs/").replace("/execute-api/", "/sqs/")
    });
    scope_dated_another_day [s3, api] (target, path) =>
        authorization(target, path, |a| a.replacen("/20", "/19", 1));
    x_amz_date_removed [s3, api] (target, path) => Case::send(
        with_head(&good(target, path), |l| {
            l.retain(|x| !x.to_ascii_lowercase().starts_with(b"x-amz-date:"))
        }),
        Expect::Code(403, "AccessDenied"),
    );
    x_amz_date_garbage [s3, api] (target, path) => Case::send(
        with_head(&good(target, path), |l| set_header(l, "x-amz-date", b"yesterday-ish")),
        Expect::Code(403, "AccessDenied"),
    );
    /// Repeats are joined (`x-amz-date:D,D`): the canonical request is not the signed one.
    x_amz_date_repeated [s3, api] (target, path) => Case::send(
        with_head(&good(target, path), |l| repeat_header(l, "x-amz-date")),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    signed_a_day_ago [s3, api] (target, path) => Case::http(
        &signed_at(target, path, -time::Duration::days(1)),
        Expect::Code(403, "RequestTimeTooSkewed"),
    );
    signed_in_the_year_2100 [s3, api] (target, path) => Case::http(
        &signed_at(target, path, time::Duration::days(365 * 75)),
        Expect::Code(403, "RequestTimeTooSkewed"),
    );
    unsigned_x_amz_meta_header_added [s3, api] (target, path) => Case::send(
        with_head(&good(target, path), |l| l.insert(1, b"x-amz-meta-evil: 1".to_vec())),
        Expect::Code(403, "AccessDenied"),
    );
    unsigned_x_amz_copy_source_added [s3, api] (target, path) => Case::send(
        with_head(&good(target, path), |l| {
            l.insert(1, b"x-amz-copy-source: /hostile/secret".to_vec())
        }),
        Expect::Code(403, "AccessDenied"),
    );
    signed_header_removed [s3, api] (target, path) => Case::send(
        with_head(
            &target.signed("GET", path, &[("x-custom-signed", b"1")], b""),
            |l| l.retain(|x| !x.to_ascii_lowercase().starts_with(b"x-custom-signed:")),
        ),
        Expect::Code(403, "AccessDenied"),
    );
    host_changed [s3, api] (target, path) => Case::send(
        with_head(&good(target, path), |l| set_header(l, "host", b"evil.example")),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    path_changed [s3, api] (target, path) => Case::send(
        with_target(&good(target, path), format!("{path}x").as_bytes()),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    invalid_utf8_in_the_path [s3, api] (target, path) => Case::send(
        with_target(&good(target, path), b"/\xff\xfe/\xc0\xaf"),
        Expect::StatusOrClosed(400),
    );
    header_and_presigned_query_together [s3, api] (target, path) => Case::send(
        with_query_param(&good(target, path), "X-Amz-Signature", OK_SIG),
        Expect::Code(400, "InvalidArgument"),
    );
}
