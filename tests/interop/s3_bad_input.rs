//! Bad input to the S3 example, signed right, over raw sockets (so that nothing on the way
//! normalizes it): keys of every reserved and non-UTF-8-looking percent sequence, `.` and
//! `..` segments, keys one byte within and past S3's 1,024, request documents far past their
//! bound, and XML bombs. Each is stored and read back, or refused with a precise 4xx, never
//! a 500, and nothing lands outside the data directory.

use countersign::client::{Credentials, Payload, Signer};
use time::OffsetDateTime;

use crate::common::{self, all_between, RawResponse};
use crate::s3_example::{tree, Server, AKID, SECRET};

/// `method target` with `body` and `headers`, signed now with the server's key (the body's
/// hash declared), sent as raw bytes.
fn send(
    server: &Server,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    let addr = server.process.addr;
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{target}"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(body.to_vec()).expect("a request");
    request
        .headers_mut()
        .insert("host", addr.to_string().parse().expect("host"));
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "s3")
        .s3()
        .sign(
            &mut request,
            Payload::Bytes(body),
            OffsetDateTime::now_utc(),
        )
        .expect("signs");
    common::exchange(addr, &common::raw_http(&request))
}

/// A server with the bucket `bad`.
fn with_bucket() -> Server {
    let server = Server::start();
    let created = send(&server, "PUT", "/bad", &[], b"");
    assert_eq!(created.status, 200, "{}", created.text());
    server
}

// ---- Percent sequences in keys -------------------------------------------------------------

/// What becomes of a key with a percent sequence in it.
enum Fate {
    /// Stored under this decoded key, and read back.
    Stored(&'static str),
    /// Refused with this status and code.
    Refused(u16, &'static str),
}

/// One test per sequence: `k{SEQUENCE}x` put, then read back (or refused), never a 500.
macro_rules! percent_keys {
    ($($name:ident: $sequence:literal => $fate:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let server = with_bucket();
                let target = format!("/bad/k{}x", $sequence);
                let put = send(&server, "PUT", &target, &[], b"stored");
                match $fate {
                    Fate::Stored(key) => {
                        assert_eq!(put.status, 200, "{}", put.text());
                        let got = send(&server, "GET", &target, &[], b"");
                        assert_eq!((got.status, got.text().as_str()), (200, "stored"));
                        let listing = send(&server, "GET", "/bad?list-type=2&encoding-type=url", &[], b"");
                        let keys = all_between(&listing.text(), "<Key>", "</Key>");
                        let decoded: Vec<String> = keys
                            .iter()
                            .map(|k| percent_encoding::percent_decode_str(k).decode_utf8_lossy().into_owned())
                            .collect();
                        assert_eq!(decoded, [key], "{}", listing.text());
                        let deleted = send(&server, "DELETE", &target, &[], b"");
                        assert_eq!(deleted.status, 204, "{}", deleted.text());
                    }
                    Fate::Refused(status, code) => {
                        put.assert_refused(status, code);
                        let got = send(&server, "GET", &target, &[], b"");
                        assert!(got.status >= 400 && got.status < 500, "{}", got.text());
                    }
                }
                assert_eq!(server.temp_files(), 0);
            }
        )*
    };
}

percent_keys! {
    a_key_with_percent_00_is_refused_by_the_file_system: "%00" => Fate::Refused(400, "InvalidArgument");
    a_key_with_percent_ff_is_not_utf8: "%FF" => Fate::Refused(400, "InvalidURI");
    a_key_with_an_overlong_slash_is_not_utf8: "%C0%AF" => Fate::Refused(400, "InvalidURI");
    a_key_with_a_lone_surrogate_is_not_utf8: "%ED%A0%80" => Fate::Refused(400, "InvalidURI");
    a_key_past_unicode_is_not_utf8: "%F4%90%80%80" => Fate::Refused(400, "InvalidURI");
    a_key_with_a_lone_continuation_byte_is_not_utf8: "%80" => Fate::Refused(400, "InvalidURI");
    a_key_with_a_truncated_sequence_is_not_utf8: "%E2%82" => Fate::Refused(400, "InvalidURI");
    a_key_with_percent_2f_is_a_slash: "%2F" => Fate::Stored("k/x");
    a_key_with_percent_25_is_a_percent: "%25" => Fate::Stored("k%x");
    a_key_with_percent_25_and_hex_after_is_a_percent: "%2541" => Fate::Stored("k%41x");
    a_key_with_a_bare_percent_is_kept: "%zz" => Fate::Stored("k%zzx");
    a_key_with_a_plus_is_a_plus: "+" => Fate::Stored("k+x");
    a_key_with_percent_20_is_a_space: "%20" => Fate::Stored("k x");
    a_key_with_percent_3f_is_a_question_mark: "%3F" => Fate::Stored("k?x");
    a_key_with_percent_23_is_a_hash: "%23" => Fate::Stored("k#x");
    a_key_with_percent_5c_is_a_backslash: "%5C" => Fate::Stored("k\\x");
    a_key_with_a_newline: "%0A" => Fate::Stored("k\nx");
    a_key_with_a_carriage_return: "%0D" => Fate::Stored("k\rx");
    a_key_with_delete: "%7F" => Fate::Stored("k\u{7f}x");
    a_key_with_an_accent: "%C3%A9" => Fate::Stored("kéx");
    a_key_with_a_right_to_left_mark: "%E2%80%8F" => Fate::Stored("k\u{200f}x");
    a_key_with_a_noncharacter: "%EF%BF%BF" => Fate::Stored("k\u{ffff}x");
    a_key_with_an_astral_character: "%F0%9F%98%80" => Fate::Stored("k😀x");
}

// ---- `.` and `..` segments -------------------------------------------------------------------

/// One test per key with dot segments: refused, and nothing written outside the bucket.
macro_rules! dot_keys {
    ($($name:ident: $target:literal => $status:literal $code:literal;)*) => {
        $(
            #[test]
            fn $name() {
                let server = with_bucket();
                let before = tree(server.process.dir.path());
                let put = send(&server, "PUT", $target, &[], b"escaped?");
                put.assert_refused($status, $code);
                let got = send(&server, "GET", $target, &[], b"");
                assert!(got.status >= 400 && got.status < 500, "{}", got.text());
                // Nothing was written anywhere: not outside the data directory, not in it.
                let after = tree(server.process.dir.path());
                let new: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
                assert!(new.is_empty(), "{new:?}");
                assert!(!after.values().any(|bytes| bytes == b"escaped?"));
            }
        )*
    };
}

dot_keys! {
    a_key_climbing_out_of_its_bucket: "/bad/../escape" => 400 "InvalidArgument";
    a_key_climbing_out_of_the_data_directory: "/bad/a/../../../escape" => 400 "InvalidArgument";
    a_key_climbing_out_percent_encoded: "/bad/%2E%2E/%2e%2e/escape" => 400 "InvalidArgument";
    a_key_climbing_out_through_an_encoded_slash: "/bad/..%2F..%2Fescape" => 400 "InvalidArgument";
    a_key_that_is_two_dots: "/bad/.." => 400 "InvalidArgument";
    a_key_that_is_one_dot: "/bad/." => 400 "InvalidArgument";
    a_key_with_a_dot_segment: "/bad/a/./b" => 400 "InvalidArgument";
    a_key_ending_in_two_dots: "/bad/a/.." => 400 "InvalidArgument";
    a_bucket_that_is_two_dots: "/../escape" => 400 "InvalidBucketName";
}

#[test]
fn dots_inside_a_segment_are_a_plain_key() {
    let server = with_bucket();
    for key in ["...", "a..b", ".hidden", "a/.../b"] {
        let put = send(&server, "PUT", &format!("/bad/{key}"), &[], key.as_bytes());
        assert_eq!(put.status, 200, "{key}: {}", put.text());
    }
    let data = server.data().join("bad");
    for key in ["...", "a..b", ".hidden", "a/.../b"] {
        assert_eq!(std::fs::read(data.join(key)).unwrap(), key.as_bytes());
    }
}

// ---- Key length ------------------------------------------------------------------------------

/// A key of `length` bytes, in segments of at most 204 bytes (a file system's names are at
/// most 255).
fn long_key(length: usize) -> String {
    let mut key = String::new();
    while key.len() < length {
        if !key.is_empty() && key.len() % 205 == 204 {
            key.push('/');
        } else {
            key.push('k');
        }
    }
    key
}

#[test]
fn a_key_of_1024_bytes_is_stored() {
    let server = with_bucket();
    let key = long_key(1024);
    assert_eq!(key.len(), 1024);
    let put = send(&server, "PUT", &format!("/bad/{key}"), &[], b"long");
    assert_eq!(put.status, 200, "{}", put.text());
    let got = send(&server, "GET", &format!("/bad/{key}"), &[], b"");
    assert_eq!((got.status, got.text().as_str()), (200, "long"));
    let listing = send(&server, "GET", "/bad?list-type=2", &[], b"");
    assert_eq!(all_between(&listing.text(), "<Key>", "</Key>"), [key]);
}

#[test]
fn a_key_of_1025_bytes_is_key_too_long() {
    let server = with_bucket();
    let key = long_key(1025);
    assert_eq!(key.len(), 1025);
    send(&server, "PUT", &format!("/bad/{key}"), &[], b"long")
        .assert_refused(400, "KeyTooLongError");
    // A key's length is its bytes, not its characters: 1,024 bytes of mostly two-byte
    // characters are a key, two more bytes are not.
    let wide = [
        "é".repeat(100),
        "é".repeat(100),
        "é".repeat(100),
        "é".repeat(100),
        "é".repeat(109),
    ]
    .join("/");
    assert_eq!(wide.len(), 1022);
    let encode = |key: &str| {
        percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC)
            .to_string()
            .replace("%2F", "/")
    };
    let within = format!("/bad/{}", encode(&format!("{wide}é")));
    let put = send(&server, "PUT", &within, &[], b"x");
    assert_eq!(put.status, 200, "{}", put.text());
    let past = format!("/bad/{}", encode(&format!("{wide}éé")));
    send(&server, "PUT", &past, &[], b"x").assert_refused(400, "KeyTooLongError");
}

// ---- Request documents past their bound ------------------------------------------------------

#[test]
fn a_complete_multipart_upload_of_10_mib_is_refused_unread() {
    let server = with_bucket();
    let created = send(&server, "POST", "/bad/big?uploads", &[], b"");
    let upload = all_between(&created.text(), "<UploadId>", "</UploadId>")
        .pop()
        .expect("an upload id");
    let part = send(
        &server,
        "PUT",
        &format!("/bad/big?partNumber=1&uploadId={upload}"),
        &[],
        b"part",
    );
    let etag = part.header("etag").expect("an ETag").to_string();
    // A well-formed document, 10 MiB long: the same part listed over and over.
    let mut document = String::from("<CompleteMultipartUpload>");
    let entry = format!("<Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>");
    while document.len() < 10 * 1024 * 1024 {
        document.push_str(&entry);
    }
    document.push_str("</CompleteMultipartUpload>");
    let answer = send(
        &server,
        "POST",
        &format!("/bad/big?uploadId={upload}"),
        &[],
        document.as_bytes(),
    );
    answer.assert_refused(400, "MaxMessageLengthExceeded");
    // The upload is still there, to be completed with a document of the right size.
    let done = send(
        &server,
        "POST",
        &format!("/bad/big?uploadId={upload}"),
        &[],
        format!("<CompleteMultipartUpload>{entry}</CompleteMultipartUpload>").as_bytes(),
    );
    assert_eq!(done.status, 200, "{}", done.text());
}

#[test]
fn a_delete_objects_document_of_10_mib_is_refused_unread() {
    let server = with_bucket();
    let mut document = String::from("<Delete>");
    while document.len() < 10 * 1024 * 1024 {
        document.push_str("<Object><Key>k</Key></Object>");
    }
    document.push_str("</Delete>");
    send(&server, "POST", "/bad?delete", &[], document.as_bytes())
        .assert_refused(400, "MaxMessageLengthExceeded");
}

// ---- XML bombs -------------------------------------------------------------------------------

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"#;

/// One test per document: refused with `MalformedXML`, no entity expanded (nothing of
/// `/etc/passwd` or the laughs in the answer), the object `bad/keep` still there.
macro_rules! xml_bombs {
    ($($name:ident: $method:literal $target:literal $body:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let server = with_bucket();
                assert_eq!(send(&server, "PUT", "/bad/keep", &[], b"kept").status, 200);
                let body: String = $body;
                let answer = send(&server, $method, $target, &[], body.as_bytes());
                answer.assert_refused(400, "MalformedXML");
                let text = answer.text();
                assert!(!text.contains("root:") && !text.contains("lollol"), "{text}");
                let kept = send(&server, "GET", "/bad/keep", &[], b"");
                assert_eq!((kept.status, kept.text().as_str()), (200, "kept"));
            }
        )*
    };
}

xml_bombs! {
    billion_laughs_in_delete_objects: "POST" "/bad?delete"
        format!("{BILLION_LAUGHS}<Delete><Object><Key>&lol9;</Key></Object></Delete>");
    an_external_entity_in_delete_objects: "POST" "/bad?delete"
        r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>"#.to_string();
    a_parameter_entity_in_delete_objects: "POST" "/bad?delete"
        r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]><Delete><Object><Key>keep</Key></Object></Delete>"#.to_string();
    an_unused_internal_entity_in_delete_objects: "POST" "/bad?delete"
        r#"<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY k "keep">]><Delete><Object><Key>keep</Key></Object></Delete>"#.to_string();
    an_undeclared_entity_in_delete_objects: "POST" "/bad?delete"
        "<Delete><Object><Key>&undeclared;</Key></Object></Delete>".to_string();
    billion_laughs_in_put_object_tagging: "PUT" "/bad/keep?tagging"
        format!("{BILLION_LAUGHS}<Tagging><TagSet><Tag><Key>k</Key><Value>&lol9;</Value></Tag></TagSet></Tagging>");
    billion_laughs_in_put_bucket_cors: "PUT" "/bad?cors"
        format!("{BILLION_LAUGHS}<CORSConfiguration><CORSRule><AllowedOrigin>&lol9;</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>");
    an_external_entity_in_create_bucket: "PUT" "/other"
        r#"<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><CreateBucketConfiguration><LocationConstraint>&x;</LocationConstraint></CreateBucketConfiguration>"#.to_string();
}

#[test]
fn billion_laughs_in_complete_multipart_upload() {
    let server = with_bucket();
    let created = send(&server, "POST", "/bad/big?uploads", &[], b"");
    let upload = all_between(&created.text(), "<UploadId>", "</UploadId>")
        .pop()
        .expect("an upload id");
    let body = format!(
        "{BILLION_LAUGHS}<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&lol9;</ETag></Part></CompleteMultipartUpload>"
    );
    let answer = send(
        &server,
        "POST",
        &format!("/bad/big?uploadId={upload}"),
        &[],
        body.as_bytes(),
    );
    answer.assert_refused(400, "MalformedXML");
    assert!(!answer.text().contains("lollol"));
}
