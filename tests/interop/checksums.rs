//! Checksum headers on the loopback servers: each algorithm's header that matches the body is
//! accepted; one that does not is refused with `BadDigest`, one that is not a digest with
//! `InvalidDigest` or `InvalidRequest`.
use countersign::client::ChecksumAlgorithm;
use countersign::core::checksum::checksum_base64;

use crate::api_server::*;

/// One test per checksum algorithm: a PUT with its header matching the body is accepted.
macro_rules! matching_checksums {
    ($($name:ident => $algorithm:ident;)*) => {
        /// The algorithms the tests below cover.
        const COVERED: &[ChecksumAlgorithm] = &[$(ChecksumAlgorithm::$algorithm),*];
        $(
            #[test]
            fn $name() {
                let algorithm = ChecksumAlgorithm::$algorithm;
                for api in BOTH.map(api_with) {
                    let body = b"checked body";
                    let value = checksum_base64(algorithm, body);
                    let req = signed(
                        api,
                        "PUT",
                        "/echo",
                        &[(algorithm.header_name(), value.as_str())],
                        body,
                    );
                    let answer = send(api, &req);
                    assert_eq!((answer.status, answer.body.as_str()), (200, "checked body"));
                }
            }
        )*
    };
}

matching_checksums! {
    a_matching_crc32_header_is_accepted => Crc32;
    a_matching_crc32c_header_is_accepted => Crc32c;
    a_matching_crc64nvme_header_is_accepted => Crc64Nvme;
    a_matching_sha1_header_is_accepted => Sha1;
    a_matching_sha256_header_is_accepted => Sha256;
    a_matching_content_md5_is_accepted => ContentMd5;
}

#[test]
fn every_checksum_algorithm_is_covered() {
    assert_eq!(COVERED, ChecksumAlgorithm::ALL);
}

refused! {
    x_amz_checksum_crc32_that_does_not_match: api_with => 400 "BadDigest", |a| {
        let crc = checksum_base64(ChecksumAlgorithm::Crc32, b"other");
        raw(&signed(
            a,
            "PUT",
            "/echo",
            &[("x-amz-checksum-crc32", crc.as_str())],
            b"body",
        ))
    };
    content_md5_that_does_not_match: api_with => 400 "BadDigest", |a| {
        let md5 = checksum_base64(ChecksumAlgorithm::ContentMd5, b"other");
        raw(&signed(
            a,
            "PUT",
            "/echo",
            &[("content-md5", md5.as_str())],
            b"body",
        ))
    };
    content_md5_not_a_digest: api_with => 400 "InvalidDigest", |a| {
        raw(&signed(
            a,
            "PUT",
            "/echo",
            &[("content-md5", "nope")],
            b"body",
        ))
    };
    x_amz_checksum_sha1_not_a_digest: api_with => 400 "InvalidRequest", |a| {
        raw(&signed(
            a,
            "PUT",
            "/echo",
            &[("x-amz-checksum-sha1", "AAAA")],
            b"body",
        ))
    };
}
