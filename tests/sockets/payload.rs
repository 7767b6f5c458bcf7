//! Bodies that are not aws-chunked: to the S3 example, a body that is not its declared
//! SHA-256 (refused, nothing stored), cut off, with its hash declared twice, garbled or
//! overlong, a `Content-Length` of 2^63, an HTTP chunk size of 2^64-1 or not hex; to the API,
//! bodies without a declared hash (hashed in the buffer: 1 MiB at most, cut off, changed,
//! slow) and with one.

use std::time::Duration;

use countersign::client::Payload;
use countersign::core::sha256_hex;
use time::OffsetDateTime;

use crate::hostile::Case;
use crate::raw::{head_only, repeat_header, with_body, with_head, Expect, Step};
use crate::{pattern, S3Server, Target};

/// What the S3 cases put.
fn data() -> Vec<u8> {
    b"hello, hostile world".repeat(10)
}

/// A PUT of [`data`] to `/hostile/key` signed with `payload` declared.
fn put_declaring(target: Target, key: &str, payload: Payload<'_>) -> http::Request<Vec<u8>> {
    target.signed_with(
        "PUT",
        &format!("/hostile/{key}"),
        &[],
        &data(),
        payload,
        OffsetDateTime::now_utc(),
    )
}

/// A PUT to `/hostile/huge` of an unsigned payload, `Transfer-Encoding: chunked` when `te`.
fn huge(target: Target, te: bool) -> http::Request<Vec<u8>> {
    let mut request = target.signed_with(
        "PUT",
        "/hostile/huge",
        &[],
        b"",
        Payload::Unsigned,
        OffsetDateTime::now_utc(),
    );
    if te {
        request.headers_mut().insert(
            "transfer-encoding",
            http::HeaderValue::from_static("chunked"),
        );
    }
    request
}

/// The API's item, JSON.
const ITEM: &[u8] = br#"{"name": "widget"}"#;

/// A POST of `body` to the API's items, its hash signed (not declared), as curl sends it.
fn post(target: Target, body: &[u8]) -> http::Request<Vec<u8>> {
    target.signed(
        "POST",
        "/items",
        &[("content-type", b"application/json")],
        body,
    )
}

/// [`ITEM`] with one byte changed.
fn changed_item() -> Vec<u8> {
    let mut changed = ITEM.to_vec();
    changed[3] ^= 1;
    changed
}

hostile! {
    declared_hash_body_truncated [s3] (target, path) => {
        let plain = target.signed("PUT", "/hostile/plain", &[], &data());
        Case::steps(
            vec![
                Step::Bytes(head_only(&plain, data().len() as u64)),
                Step::Bytes(data()[..50].to_vec()),
            ],
            true,
            Expect::CodeOrClosed(400, "IncompleteBody"),
        )
    };
    x_amz_content_sha256_twice [s3] (target, path) => Case::send(
        with_head(&target.signed("PUT", "/hostile/plain", &[], &data()), |l| {
            repeat_header(l, "x-amz-content-sha256")
        }),
        Expect::Code(400, "InvalidArgument"),
    );
    x_amz_content_sha256_garbage [s3] (target, path) => Case::http(
        &put_declaring(target, "garbage", Payload::Precomputed("not-a-hash")),
        Expect::Code(400, "InvalidArgument"),
    );
    x_amz_content_sha256_of_65_hex_digits [s3] (target, path) => {
        let overlong = format!("{}0", sha256_hex(&data()));
        Case::http(
            &put_declaring(target, "garbage", Payload::Precomputed(&overlong)),
            Expect::Code(400, "InvalidArgument"),
        )
    };
    /// Then the client goes.
    content_length_2_63 [s3] (target, path) => Case::steps(
        vec![
            Step::Bytes(head_only(&huge(target, false), u64::MAX / 2)),
            Step::Bytes(vec![b'z'; 1000]),
        ],
        true,
        Expect::CodeOrClosed(400, "EntityTooLarge"),
    );
    /// hyper takes the size (it fits in 64 bits) and waits for the data: the client goes.
    http_chunk_size_2_64_minus_1 [s3] (target, path) => {
        let mut raw = crate::common::raw_http(&huge(target, true));
        raw.extend_from_slice(b"ffffffffffffffff\r\nabc");
        Case::steps(vec![Step::Bytes(raw)], true, Expect::CodeOrClosed(400, "IncompleteBody"))
    };
    http_chunk_size_not_hex [s3] (target, path) => {
        let mut raw = crate::common::raw_http(&huge(target, true));
        raw.extend_from_slice(b"zz\r\nabc\r\n0\r\n\r\n");
        Case::send(raw, Expect::CodeOrClosed(400, "IncompleteBody"))
    };
    post_without_a_declared_hash [api] (target, path) =>
        Case::http(&post(target, ITEM), Expect::Success);
    undeclared_body_of_1_mib_plus_1 [api] (target, path) => Case::http(
        &post(target, &vec![b' '; (1 << 20) + 1]),
        Expect::Code(413, "EntityTooLarge"),
    );
    undeclared_body_truncated [api] (target, path) => Case::steps(
        vec![
            Step::Bytes(head_only(&post(target, ITEM), 1000)),
            Step::Bytes(ITEM.to_vec()),
        ],
        true,
        Expect::CodeOrClosed(400, "IncompleteBody"),
    );
    undeclared_body_changed [api] (target, path) => Case::send(
        with_body(&post(target, ITEM), changed_item()),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    declared_hash_body_changed [api] (target, path) => {
        let declared = target.signed(
            "POST",
            "/items",
            &[("x-amz-content-sha256", sha256_hex(ITEM).as_bytes())],
            ITEM,
        );
        Case::send(
            with_body(&declared, changed_item()),
            Expect::Code(400, "XAmzContentSHA256Mismatch"),
        )
    };
    slow_undeclared_body [api] (target, path) => Case::steps(
        vec![
            Step::Bytes(head_only(&post(target, ITEM), ITEM.len() as u64)),
            Step::Trickle(ITEM.to_vec(), Duration::from_millis(20)),
        ],
        false,
        Expect::Success,
    );
}

#[test]
fn a_body_not_matching_its_declared_sha256_is_refused_and_leaves_nothing() {
    let server = S3Server::start();
    assert_eq!(server.signed("PUT", "/hashes", &[], b"").status, 200);
    let declared = pattern(100_000, 4);
    let sent = pattern(100_000, 5);
    let hash = sha256_hex(&declared);
    let target = server.target();
    let request = target.signed_with(
        "PUT",
        "/hashes/object",
        &[],
        &sent,
        Payload::Precomputed(&hash),
        OffsetDateTime::now_utc(),
    );
    let answer = target.send(&request);
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert_eq!(answer.code(), "XAmzContentSHA256Mismatch");
    assert_eq!(
        server.signed("HEAD", "/hashes/object", &[], b"").status,
        404
    );
    assert!(!server.data().join("hashes/object").exists());
    assert_eq!(server.temp_files(), 0);
}

#[test]
fn a_body_with_its_own_declared_sha256_is_stored() {
    let server = S3Server::start();
    assert_eq!(server.signed("PUT", "/hashes", &[], b"").status, 200);
    let sent = pattern(100_000, 5);
    let answer = server.signed("PUT", "/hashes/object", &[], &sent);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        std::fs::read(server.data().join("hashes/object")).expect("stored"),
        sent
    );
}
