//! Multipart uploads to the S3 example over raw requests: parts listed, completed in order
//! (refused out of order, with a wrong ETag or malformed XML) into the joined bytes under a
//! multipart ETag, aborted; and each part's checksum, kept as computed over its bytes and
//! checked against what CompleteMultipartUpload lists, whether sent in a header or a trailer,
//! or named by the upload's algorithm.

use countersign::client::{ChecksumAlgorithm, Framing};
use countersign::core::checksum::checksum_base64;

use crate::aws_chunked::chunked_put;
use crate::common::{all_between, between, RawResponse};
use crate::{md5_hex, pattern, Kind, S3Server};

/// A server with the upload `/parts/joined` of two parts, 5 MiB then 1000 bytes: the
/// upload's id, the parts' ETags, and the parts.
fn two_parts() -> (S3Server, String, Vec<String>, [Vec<u8>; 2]) {
    let server = S3Server::start();
    let id = create_upload(&server, "/parts/joined", &[]);
    let parts = [pattern(5 * 1024 * 1024, 6), pattern(1000, 7)];
    let etags = parts
        .iter()
        .zip(1..)
        .map(|(part, n)| upload_part(&server, "/parts/joined", &id, n, &[], part))
        .collect();
    (server, id, etags, parts)
}

#[test]
fn list_parts_lists_the_parts_uploaded() {
    let (server, id, _, _) = two_parts();
    let listed = server.signed("GET", &format!("/parts/joined?uploadId={id}"), &[], b"");
    assert_eq!(
        all_between(&listed.text(), "<PartNumber>", "</PartNumber>"),
        ["1", "2"]
    );
}

#[test]
fn complete_with_the_parts_out_of_order_is_refused() {
    let (server, id, etags, _) = two_parts();
    let answer = complete_upload(
        &server,
        "/parts/joined",
        &id,
        &[(2, &etags[1], &[]), (1, &etags[0], &[])],
    );
    answer.assert_refused(400, "InvalidPartOrder");
}

#[test]
fn complete_with_another_parts_etag_is_refused() {
    let (server, id, etags, _) = two_parts();
    let answer = complete_upload(
        &server,
        "/parts/joined",
        &id,
        &[(1, &etags[1], &[]), (2, &etags[1], &[])],
    );
    answer.assert_refused(400, "InvalidPart");
}

#[test]
fn complete_with_malformed_xml_is_refused() {
    let (server, id, _, _) = two_parts();
    let answer = server.signed(
        "POST",
        &format!("/parts/joined?uploadId={id}"),
        &[],
        b"<Complete",
    );
    answer.assert_refused(400, "MalformedXML");
}

#[test]
fn complete_joins_the_parts_under_a_multipart_etag_and_ends_the_upload() {
    let (server, id, etags, [one, two]) = two_parts();
    let answer = complete_upload(
        &server,
        "/parts/joined",
        &id,
        &[(1, &etags[0], &[]), (2, &etags[1], &[])],
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    let mut md5s = Vec::new();
    for part in [&one, &two] {
        use md5::Digest;
        md5s.extend_from_slice(&md5::Md5::digest(part));
    }
    let expected = format!("\"{}-2\"", md5_hex(&md5s));
    assert_eq!(
        between(&answer.text(), "<ETag>", "</ETag>").map(|e| e.replace("&quot;", "\"")),
        Some(expected)
    );
    let stored = std::fs::read(server.data().join("parts/joined")).expect("stored");
    assert_eq!(stored.len(), one.len() + two.len());
    assert!(stored[..one.len()] == one[..] && stored[one.len()..] == two[..]);
    let answer = server.signed("GET", &format!("/parts/joined?uploadId={id}"), &[], b"");
    answer.assert_refused(404, "NoSuchUpload");
    assert_eq!(server.temp_files(), 0);
}

#[test]
fn an_aborted_upload_takes_no_more_parts() {
    let (server, id, _, _) = two_parts();
    let answer = server.signed("DELETE", &format!("/parts/joined?uploadId={id}"), &[], b"");
    assert_eq!(answer.status, 204);
    let answer = server.signed(
        "PUT",
        &format!("/parts/joined?partNumber=3&uploadId={id}"),
        &[],
        b"late",
    );
    answer.assert_refused(404, "NoSuchUpload");
    assert_eq!(server.temp_files(), 0);
}

/// Creates the upload `target` (`/bucket/key`, the bucket made first) with `headers`, and
/// returns its id.
fn create_upload(server: &S3Server, target: &str, headers: &[(&str, &str)]) -> String {
    let bucket = target
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    server.signed("PUT", &format!("/{bucket}"), &[], b"");
    let created = server.signed("POST", &format!("{target}?uploads"), headers, b"");
    assert_eq!(created.status, 200, "{}", created.text());
    between(&created.text(), "<UploadId>", "</UploadId>").expect("UploadId")
}

/// Uploads part `number` of `target`'s upload `id` with `headers`; its ETag.
fn upload_part(
    server: &S3Server,
    target: &str,
    id: &str,
    number: u32,
    headers: &[(&str, &str)],
    body: &[u8],
) -> String {
    let answer = server.signed(
        "PUT",
        &format!("{target}?partNumber={number}&uploadId={id}"),
        headers,
        body,
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.header("etag").expect("ETag").to_string()
}

/// A part as a CompleteMultipartUpload document lists it: its number, its ETag and other
/// elements (name, text).
type ListedPart<'a> = (u32, &'a str, &'a [(&'a str, &'a str)]);

/// Completes `target`'s upload `id` with `parts`.
fn complete_upload(
    server: &S3Server,
    target: &str,
    id: &str,
    parts: &[ListedPart<'_>],
) -> RawResponse {
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (number, etag, elements) in parts {
        xml.push_str(&format!(
            "<Part><PartNumber>{number}</PartNumber><ETag>{etag}</ETag>"
        ));
        for (name, text) in *elements {
            xml.push_str(&format!("<{name}>{text}</{name}>"));
        }
        xml.push_str("</Part>");
    }
    xml.push_str("</CompleteMultipartUpload>");
    server.signed(
        "POST",
        &format!("{target}?uploadId={id}"),
        &[],
        xml.as_bytes(),
    )
}

#[test]
fn complete_with_a_checksum_of_another_algorithm_is_refused() {
    let server = S3Server::start();
    let body = pattern(2000, 21);
    let id = create_upload(&server, "/other-sum/object", &[]);
    let crc32 = checksum_base64(ChecksumAlgorithm::Crc32, &body);
    let etag = upload_part(
        &server,
        "/other-sum/object",
        &id,
        1,
        &[("x-amz-checksum-crc32", crc32.as_str())],
        &body,
    );
    // The SHA-256 is right for the bytes, but the part was not uploaded with one.
    let sha256 = checksum_base64(ChecksumAlgorithm::Sha256, &body);
    let answer = complete_upload(
        &server,
        "/other-sum/object",
        &id,
        &[(1, &etag, &[("ChecksumSHA256", sha256.as_str())])],
    );
    answer.assert_refused(400, "InvalidPart");
    assert!(!server.data().join("other-sum/object").exists());
}

/// Completes `target`'s one-part upload `id` listing the part (`etag`) with `element` set to
/// `wrong`, which is refused, completing nothing; then to `right`, which completes it.
fn assert_complete_checks(
    server: &S3Server,
    (target, id, etag): (&str, &str, &str),
    (element, wrong, right): (&str, &str, &str),
) {
    let answer = complete_upload(server, target, id, &[(1, etag, &[(element, wrong)])]);
    answer.assert_refused(400, "InvalidPart");
    assert!(!server.data().join(&target[1..]).exists());
    let answer = complete_upload(server, target, id, &[(1, etag, &[(element, right)])]);
    assert_eq!(answer.status, 200, "{}", answer.text());
}

#[test]
fn complete_checks_a_part_checksum_sent_in_a_trailer() {
    let server = S3Server::start();
    let body = pattern(40_000, 22);
    let target = "/trailer-sum/object";
    let id = create_upload(&server, target, &[]);
    let answer = server.target().send(&chunked_put(
        &server,
        &format!("{target}?partNumber=1&uploadId={id}"),
        Framing::UnsignedTrailer,
        &body,
        Some(ChecksumAlgorithm::Crc32c),
    ));
    assert_eq!(answer.status, 200, "{}", answer.text());
    let etag = answer.header("etag").expect("ETag").to_string();
    let wrong = checksum_base64(ChecksumAlgorithm::Crc32c, b"other bytes");
    let right = checksum_base64(ChecksumAlgorithm::Crc32c, &body);
    assert_complete_checks(
        &server,
        (target, &id, &etag),
        ("ChecksumCRC32C", &wrong, &right),
    );
}

#[test]
fn complete_checks_the_upload_algorithm_when_a_part_sends_no_checksum() {
    let server = S3Server::start();
    let body = pattern(3000, 23);
    let target = "/upload-sum/object";
    let id = create_upload(&server, target, &[("x-amz-checksum-algorithm", "SHA256")]);
    let etag = upload_part(&server, target, &id, 1, &[], &body);
    let wrong = checksum_base64(ChecksumAlgorithm::Sha256, b"other bytes");
    let right = checksum_base64(ChecksumAlgorithm::Sha256, &body);
    assert_complete_checks(
        &server,
        (target, &id, &etag),
        ("ChecksumSHA256", &wrong, &right),
    );
}

#[test]
fn list_parts_reports_each_part_checksum() {
    let server = S3Server::start();
    let id = create_upload(&server, "/listed-sum/object", &[]);
    let mut expected = Vec::new();
    for number in 1..=2 {
        let body = pattern(1000 * number as usize, 30 + number);
        let crc32 = checksum_base64(ChecksumAlgorithm::Crc32, &body);
        upload_part(
            &server,
            "/listed-sum/object",
            &id,
            number,
            &[("x-amz-checksum-crc32", crc32.as_str())],
            &body,
        );
        expected.push(crc32);
    }
    let listed = server.signed(
        "GET",
        &format!("/listed-sum/object?uploadId={id}"),
        &[],
        b"",
    );
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert_eq!(
        all_between(&listed.text(), "<ChecksumCRC32>", "</ChecksumCRC32>"),
        expected
    );
}

#[test]
fn upload_part_with_a_checksum_other_than_the_upload_algorithm_is_refused() {
    let server = S3Server::start();
    let body = pattern(1000, 24);
    let id = create_upload(
        &server,
        "/mixed-sum/object",
        &[("x-amz-checksum-algorithm", "CRC32")],
    );
    let sha256 = checksum_base64(ChecksumAlgorithm::Sha256, &body);
    let answer = server.signed(
        "PUT",
        &format!("/mixed-sum/object?partNumber=1&uploadId={id}"),
        &[("x-amz-checksum-sha256", sha256.as_str())],
        &body,
    );
    answer.assert_refused(400, "InvalidRequest");
}

#[test]
fn upload_part_naming_two_checksum_algorithms_is_refused() {
    // One checksum in a header, another in the trailer: the part could be stored with either.
    let server = S3Server::start();
    let body = pattern(1000, 25);
    let id = create_upload(&server, "/two-sums/object", &[]);
    let crc32 = checksum_base64(ChecksumAlgorithm::Crc32, &body);
    let mut request = http::Request::put(format!(
        "http://{}/two-sums/object?partNumber=1&uploadId={id}",
        server.process.addr
    ))
    .header("x-amz-checksum-crc32", crc32.as_str())
    .body(Vec::new())
    .expect("request");
    let mut encoder = Kind::S3
        .signer()
        .sign_chunked(
            &mut request,
            Framing::UnsignedTrailer,
            body.len() as u64,
            16 * 1024,
            Some(ChecksumAlgorithm::Sha1),
            time::OffsetDateTime::now_utc(),
        )
        .expect("signs");
    *request.body_mut() = encoder.encode(&body);
    let answer = server.target().send(&request);
    answer.assert_refused(400, "InvalidRequest");
}

#[test]
fn create_multipart_upload_with_an_unknown_checksum_algorithm_is_refused() {
    let server = S3Server::start();
    server.signed("PUT", "/unknown-sum", &[], b"");
    let answer = server.signed(
        "POST",
        "/unknown-sum/object?uploads",
        &[("x-amz-checksum-algorithm", "MD4")],
        b"",
    );
    answer.assert_refused(400, "InvalidRequest");
}
