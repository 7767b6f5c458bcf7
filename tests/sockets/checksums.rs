//! Checksum headers on a PUT to the S3 example: a `Content-MD5` or `x-amz-checksum-*` that is
//! not the body's is refused with `BadDigest` (and leaves nothing), one that is not base64 with
//! `InvalidDigest` or `InvalidRequest`.

use countersign::client::ChecksumAlgorithm;
use countersign::core::checksum::checksum_base64;

use crate::hostile::Case;
use crate::raw::Expect;
use crate::{pattern, S3Server, Target};

/// A PUT of 200 bytes to `/hostile/key` with a signed `name: value` header.
fn put_with(target: Target, key: &str, (name, value): (&str, &[u8]), expect: Expect) -> Case {
    let data = b"hello, hostile world".repeat(10);
    Case::http(
        &target.signed("PUT", &format!("/hostile/{key}"), &[(name, value)], &data),
        expect,
    )
}

hostile! {
    content_md5_wrong [s3] (target, path) => put_with(
        target,
        "md5",
        ("content-md5", b"1B2M2Y8AsgTpgAmY7PhCfg=="),
        Expect::Code(400, "BadDigest"),
    );
    content_md5_not_base64 [s3] (target, path) => put_with(
        target,
        "md5",
        ("content-md5", b"%%%"),
        Expect::Code(400, "InvalidDigest"),
    );
    x_amz_checksum_crc32_not_base64 [s3] (target, path) => put_with(
        target,
        "crc",
        ("x-amz-checksum-crc32", b"!!!!"),
        Expect::Code(400, "InvalidRequest"),
    );
    x_amz_checksum_sha256_wrong [s3] (target, path) => put_with(
        target,
        "crc",
        (
            "x-amz-checksum-sha256",
            checksum_base64(ChecksumAlgorithm::Sha256, b"other").as_bytes(),
        ),
        Expect::Code(400, "BadDigest"),
    );
}

#[test]
fn a_crc32_header_that_does_not_match_is_refused_and_leaves_nothing() {
    let server = S3Server::start();
    assert_eq!(server.signed("PUT", "/corrupt", &[], b"").status, 200);
    let wrong = checksum_base64(ChecksumAlgorithm::Crc32, b"something else");
    let answer = server.signed(
        "PUT",
        "/corrupt/header-sum",
        &[("x-amz-checksum-crc32", wrong.as_str())],
        &pattern(50_000, 3),
    );
    answer.assert_refused(400, "BadDigest");
    assert!(!server.data().join("corrupt/header-sum").exists());
    assert_eq!(server.temp_files(), 0);
}
