//! The S3 example's objects and buckets over raw requests: virtual-hosted addressing, the
//! headers of PUT, HEAD and GET, byte ranges, each error with its S3 code and status, and a
//! query parameter given twice refused (the signature covers the set of its values, not
//! their order).

use countersign::client::Payload;
use time::OffsetDateTime;

use crate::common::{all_between, between, RawResponse};
use crate::{md5_hex, Kind, S3Server};

/// A request for `path` on the bucket `vhost` by its virtual host, signed now.
fn virtual_hosted(server: &S3Server, method: &str, path: &str, body: &[u8]) -> RawResponse {
    let host = format!("vhost.localhost:{}", server.process.addr.port());
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("http://{host}{path}"))
        .body(body.to_vec())
        .expect("request");
    Kind::S3
        .signer()
        .sign(
            &mut request,
            Payload::Bytes(body),
            OffsetDateTime::now_utc(),
        )
        .expect("signs");
    server.target().send(&request)
}

#[test]
fn virtual_hosted_style_addressing() {
    let server = S3Server::start();
    assert_eq!(virtual_hosted(&server, "PUT", "/", b"").status, 200);
    let answer = virtual_hosted(&server, "PUT", "/docs/read%20me.txt", b"virtual");
    assert_eq!(answer.status, 200, "{}", answer.text());
    let answer = virtual_hosted(&server, "GET", "/docs/read%20me.txt", b"");
    assert_eq!((answer.status, answer.text().as_str()), (200, "virtual"));
    let listing = virtual_hosted(&server, "GET", "/?list-type=2", b"");
    assert_eq!(
        all_between(&listing.text(), "<Key>", "</Key>"),
        ["docs/read me.txt"]
    );
    // The same object, path style.
    let answer = server.signed("GET", "/vhost/docs/read%20me.txt", &[], b"");
    assert_eq!((answer.status, answer.text().as_str()), (200, "virtual"));
}

/// A server with `/heads/k`: ten digits, `text/plain`, owned by `me`; and what the PUT
/// answered.
fn with_object() -> (S3Server, RawResponse) {
    let server = S3Server::start();
    server.signed("PUT", "/heads", &[], b"");
    let answer = server.signed(
        "PUT",
        "/heads/k",
        &[("content-type", "text/plain"), ("x-amz-meta-owner", "me")],
        b"0123456789",
    );
    (server, answer)
}

/// The ETag of the object of [`with_object`].
fn etag() -> String {
    format!("\"{}\"", md5_hex(b"0123456789"))
}

#[test]
fn put_answers_with_the_etag() {
    let (_server, answer) = with_object();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("etag"), Some(etag().as_str()));
}

#[test]
fn head_answers_with_the_objects_headers_and_no_body() {
    let (server, _) = with_object();
    let head = server.signed("HEAD", "/heads/k", &[], b"");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("10"));
    assert_eq!(head.header("content-type"), Some("text/plain"));
    assert_eq!(head.header("x-amz-meta-owner"), Some("me"));
    assert_eq!(head.header("accept-ranges"), Some("bytes"));
    assert_eq!(head.header("etag"), Some(etag().as_str()));
    assert!(head
        .header("last-modified")
        .is_some_and(|d| d.ends_with(" GMT")));
    assert!(head.body.is_empty());
}

/// One test per range of the object of [`with_object`]: the status and `Content-Range` it
/// is answered with, and the bytes (`Ok`) or the error code (`Err`).
macro_rules! ranges {
    ($($name:ident: $range:literal => $status:literal $content_range:literal $content:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let (server, _) = with_object();
                let answer = server.signed("GET", "/heads/k", &[("range", $range)], b"");
                assert_eq!(answer.status, $status, "{}", answer.text());
                assert_eq!(answer.header("content-range"), Some($content_range));
                let content: Result<&str, &str> = $content;
                match content {
                    Ok(bytes) => assert_eq!(answer.text(), bytes),
                    Err(code) => assert_eq!(answer.code(), code),
                }
            }
        )*
    };
}

ranges! {
    range_from_and_to: "bytes=2-4" => 206 "bytes 2-4/10" Ok("234");
    range_from: "bytes=7-" => 206 "bytes 7-9/10" Ok("789");
    range_of_the_last_bytes: "bytes=-2" => 206 "bytes 8-9/10" Ok("89");
    range_past_the_end: "bytes=5-100" => 206 "bytes 5-9/10" Ok("56789");
    range_from_the_end_is_unsatisfiable: "bytes=10-" => 416 "bytes */10" Err("InvalidRange");
}

/// A server with the bucket `errs` holding the object `full`.
fn with_errs() -> S3Server {
    let server = S3Server::start();
    server.signed("PUT", "/errs", &[], b"");
    server.signed("PUT", "/errs/full", &[], b"x");
    server
}

/// One test per request S3 refuses: the method, the target and the body, and the status and
/// code it is refused with (in an S3 error with a request id).
macro_rules! errors {
    ($($name:ident: $method:literal $target:literal $body:literal => $status:literal $code:literal;)*) => {
        $(
            #[test]
            fn $name() {
                let server = with_errs();
                let answer = server.signed($method, $target, &[], $body);
                assert_eq!(
                    (answer.status, answer.code().as_str()),
                    ($status, $code),
                    "{}",
                    answer.text()
                );
                assert!(answer.text().contains("<RequestId>"), "{}", answer.text());
                assert!(!server.process.dir.path().join("escape").exists());
            }
        )*
    };
}

errors! {
    listing_a_missing_bucket: "GET" "/missing-bucket?list-type=2" b"" => 404 "NoSuchBucket";
    putting_into_a_missing_bucket: "PUT" "/missing-bucket/key" b"body" => 404 "NoSuchBucket";
    getting_a_missing_key: "GET" "/errs/missing-key" b"" => 404 "NoSuchKey";
    creating_a_bucket_twice: "PUT" "/errs" b"" => 409 "BucketAlreadyOwnedByYou";
    deleting_a_bucket_not_empty: "DELETE" "/errs" b"" => 409 "BucketNotEmpty";
    a_bucket_name_in_capitals: "PUT" "/Bad_Bucket" b"" => 400 "InvalidBucketName";
    the_servers_own_directory_as_a_bucket: "PUT" "/.countersign/x" b"" => 400 "InvalidBucketName";
    a_key_that_climbs_out_of_its_bucket: "PUT" "/errs/a/../../escape" b"evil" => 400 "InvalidArgument";
    a_key_with_an_empty_segment: "PUT" "/errs/a//b" b"evil" => 400 "InvalidArgument";
    a_key_under_an_object: "PUT" "/errs/full/under" b"conflict" => 400 "InvalidArgument";
    a_missing_upload: "GET" "/errs/k?uploadId=0123abcd" b"" => 404 "NoSuchUpload";
    a_delete_document_cut_off: "POST" "/errs?delete" b"<Delete><Object>" => 400 "MalformedXML";
    part_number_0: "PUT" "/errs/p?partNumber=0&uploadId=ab" b"x" => 400 "InvalidArgument";
    max_keys_not_a_number: "GET" "/errs?list-type=2&max-keys=many" b"" => 400 "InvalidArgument";
    an_acl: "GET" "/errs?acl" b"" => 501 "NotImplemented";
}

#[test]
fn a_bucket_emptied_can_be_deleted() {
    let server = with_errs();
    assert_eq!(server.signed("DELETE", "/errs/full", &[], b"").status, 204);
    assert_eq!(server.signed("DELETE", "/errs", &[], b"").status, 204);
    assert_eq!(server.signed("HEAD", "/errs", &[], b"").status, 404);
}

#[test]
fn repeated_query_parameter_is_refused() {
    let server = S3Server::start();
    server.signed("PUT", "/repeats", &[], b"");
    let answer = server.signed("GET", "/repeats?list-type=2&prefix=a&prefix=b", &[], b"");
    answer.assert_refused(400, "InvalidArgument");
    let message = between(&answer.text(), "<Message>", "</Message>").unwrap_or_default();
    assert!(message.contains("prefix"), "{message}");
}

#[test]
fn repeated_query_parameter_is_refused_when_encoded_differently() {
    let server = S3Server::start();
    server.signed("PUT", "/repeats", &[], b"");
    let answer = server.signed("GET", "/repeats?list-type=2&pre%66ix=a&prefix=b", &[], b"");
    answer.assert_refused(400, "InvalidArgument");
}
