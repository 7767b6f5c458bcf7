//! aws-chunked uploads to the S3 example: valid ones in each framing (stored as their
//! decoded bytes), slow, in HTTP chunked transfer, in 2,000 chunks of one byte; and hostile
//! ones, each refused with its code: chunk sizes of 2^64-1 and worse, broken chunk headers
//! and signatures, chunks of another upload, bodies cut off or never ending, a decoded length
//! that lies, trailers undeclared, wrong, endless, cut off or unsigned. A refused upload
//! leaves nothing behind.

use std::time::Duration;

use countersign::client::{ChecksumAlgorithm, ChunkChain, Framing, Payload};
use countersign::core::aws_chunked::canonical_trailer;
use countersign::core::checksum::checksum_base64;
use countersign::core::{
    STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER, STREAMING_UNSIGNED_PAYLOAD_TRAILER,
};
use time::OffsetDateTime;

use crate::hostile::Case;
use crate::raw::{head_only, http_chunked, with_body, Expect, Step};
use crate::{pattern, S3Server, Target};

/// What the hostile uploads upload.
fn data() -> Vec<u8> {
    b"hello, hostile world".repeat(10)
}

/// The length of [`data`].
const N: u64 = 200;

/// A signed aws-chunked PUT of `/hostile/key`'s head (without Content-Length: the raw writer
/// adds the length of the body actually sent) and its chunk chain (none for unsigned chunks).
fn upload(
    target: Target,
    key: &str,
    marker: &str,
    decoded_length: Option<u64>,
    trailer: Option<&str>,
) -> (http::Request<Vec<u8>>, Option<ChunkChain>) {
    let decoded = decoded_length.map(|n| n.to_string());
    let mut headers: Vec<(&str, &[u8])> = vec![
        ("content-encoding", b"aws-chunked"),
        ("x-amz-content-sha256", marker.as_bytes()),
    ];
    if let Some(d) = &decoded {
        headers.push(("x-amz-decoded-content-length", d.as_bytes()));
    }
    if let Some(t) = trailer {
        headers.push(("x-amz-trailer", t.as_bytes()));
    }
    let mut request = target.request("PUT", &format!("/hostile/{key}"), &headers, b"");
    let signed = target
        .kind
        .signer()
        .sign(
            &mut request,
            Payload::Precomputed(marker),
            OffsetDateTime::now_utc(),
        )
        .expect("signs");
    let chain = (marker != STREAMING_UNSIGNED_PAYLOAD_TRAILER).then(|| signed.chunk_chain());
    (request, chain)
}

/// One chunk, signed when there is a chain.
fn chunk(chain: &mut Option<ChunkChain>, data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}", data.len()).into_bytes();
    if let Some(chain) = chain.as_mut() {
        out.extend_from_slice(format!(";chunk-signature={}", chain.sign_chunk(data)).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

/// The final chunk with no trailer.
fn last_chunk(chain: &mut Option<ChunkChain>) -> Vec<u8> {
    let mut out = b"0".to_vec();
    if let Some(chain) = chain.as_mut() {
        out.extend_from_slice(format!(";chunk-signature={}", chain.sign_chunk(b"")).as_bytes());
    }
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// The final chunk and a trailer (signed when there is a chain).
fn last_chunk_with_trailer(chain: &mut Option<ChunkChain>, name: &str, value: &str) -> Vec<u8> {
    let mut out = b"0".to_vec();
    if let Some(chain) = chain.as_mut() {
        out.extend_from_slice(format!(";chunk-signature={}", chain.sign_chunk(b"")).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(format!("{name}:{value}\r\n").as_bytes());
    if let Some(chain) = chain.as_mut() {
        let signature = chain.sign_trailer(&canonical_trailer([(name, value)]));
        out.extend_from_slice(format!("x-amz-trailer-signature:{signature}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The CRC32C of [`data`], in base64.
fn crc32c() -> String {
    checksum_base64(ChecksumAlgorithm::Crc32c, &data())
}

/// A valid upload of [`data`] to `key` in signed chunks: its head and its body.
fn signed_upload(
    target: Target,
    key: &str,
    decoded: Option<u64>,
) -> (http::Request<Vec<u8>>, Vec<u8>) {
    let data = data();
    let (head, mut chain) = upload(target, key, STREAMING_PAYLOAD, decoded, None);
    let mut body = chunk(&mut chain, &data[..100]);
    body.extend(chunk(&mut chain, &data[100..]));
    body.extend(last_chunk(&mut chain));
    (head, body)
}

/// A valid upload of [`data`] to `key` in unsigned chunks with a CRC32C trailer.
fn unsigned_upload(target: Target, key: &str) -> (http::Request<Vec<u8>>, Vec<u8>) {
    let (head, mut chain) = upload(
        target,
        key,
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        Some(N),
        Some("x-amz-checksum-crc32c"),
    );
    let mut body = chunk(&mut chain, &data());
    body.extend(last_chunk_with_trailer(
        &mut chain,
        "x-amz-checksum-crc32c",
        &crc32c(),
    ));
    (head, body)
}

/// `head` in HTTP chunked transfer.
fn in_http_chunks(head: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut te = head.clone();
    te.headers_mut().insert(
        "transfer-encoding",
        http::HeaderValue::from_static("chunked"),
    );
    te
}

/// A signed upload to `key` of 16 bytes whose first chunk header is `size_line`.
fn chunk_header(target: Target, size_line: &str, expect: Expect) -> Case {
    let (head, _) = upload(target, "sizes", STREAMING_PAYLOAD, Some(16), None);
    let mut body = size_line.as_bytes().to_vec();
    body.extend_from_slice(b"\r\n0123456789abcdef\r\n");
    Case::send(with_body(&head, body), expect)
}

/// A chunk signature that is well-formed and signs nothing.
fn seed_sig() -> String {
    "a".repeat(64)
}

/// An unsigned-trailer upload of [`data`] declaring a CRC32C trailer, its body ending with
/// `rest` after the data chunk.
fn trailer_ending(target: Target, key: &str, rest: &[u8], expect: Expect) -> Case {
    let (head, _) = upload(
        target,
        key,
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        Some(N),
        Some("x-amz-checksum-crc32c"),
    );
    let mut body = chunk(&mut None, &data());
    body.extend_from_slice(rest);
    Case::send(with_body(&head, body), expect)
}

/// One test per broken chunk header: `name: size line => status code`, the size line followed
/// by 16 bytes of data. `{sig}` in the line stands for a well-formed chunk signature.
macro_rules! broken_chunk_headers {
    ($($name:ident: $line:literal => $status:literal $code:literal;)*) => {
        hostile! {
            $(
                $name [s3] (target, path) => chunk_header(
                    target,
                    &$line.replace("{sig}", &seed_sig()),
                    Expect::Code($status, $code),
                );
            )*
        }
    };
}

broken_chunk_headers! {
    chunk_size_2_64_minus_1: "ffffffffffffffff;chunk-signature={sig}" => 400 "InvalidChunkSizeError";
    chunk_size_of_17_digits: "10000000000000000;chunk-signature={sig}" => 400 "InvalidRequest";
    chunk_size_16_mib_plus_1: "1000001;chunk-signature={sig}" => 400 "InvalidChunkSizeError";
    chunk_size_negative: "-1;chunk-signature={sig}" => 400 "InvalidRequest";
    chunk_size_not_hex: "xyz;chunk-signature={sig}" => 400 "InvalidRequest";
    chunk_size_with_a_space: "1 0;chunk-signature={sig}" => 400 "InvalidRequest";
    chunk_without_chunk_signature: "10" => 400 "InvalidRequest";
}

hostile! {
    chunk_size_of_1000_zeros [s3] (target, path) => chunk_header(
        target,
        &format!("{};chunk-signature={}", "0".repeat(1000), seed_sig()),
        Expect::Code(400, "InvalidRequest"),
    );
    chunk_signature_not_hex [s3] (target, path) => chunk_header(
        target,
        &format!("10;chunk-signature={}", "g".repeat(64)),
        Expect::Code(400, "InvalidRequest"),
    );
    chunk_signature_of_65_digits [s3] (target, path) => chunk_header(
        target,
        &format!("10;chunk-signature={}", "a".repeat(65)),
        Expect::Code(400, "InvalidRequest"),
    );
    chunk_signature_of_10_kib [s3] (target, path) => chunk_header(
        target,
        &format!("10;chunk-signature={}", "a".repeat(10_240)),
        Expect::Code(400, "InvalidRequest"),
    );
}

hostile! {
    valid_signed_aws_chunked_upload [s3] (target, path) => {
        let (head, body) = signed_upload(target, "ok-signed", Some(N));
        Case::send(with_body(&head, body), Expect::Success)
    };
    valid_signed_upload_with_a_trailer [s3] (target, path) => {
        let (head, mut chain) = upload(
            target,
            "ok-trailer",
            STREAMING_PAYLOAD_TRAILER,
            Some(N),
            Some("x-amz-checksum-crc32c"),
        );
        let mut body = chunk(&mut chain, &data());
        body.extend(last_chunk_with_trailer(&mut chain, "x-amz-checksum-crc32c", &crc32c()));
        Case::send(with_body(&head, body), Expect::Success)
    };
    valid_unsigned_trailer_upload [s3] (target, path) => {
        let (head, body) = unsigned_upload(target, "ok-unsigned");
        Case::send(with_body(&head, body), Expect::Success)
    };
    valid_upload_inside_http_chunked_transfer [s3] (target, path) => {
        let (head, body) = unsigned_upload(target, "ok-unsigned-te");
        Case::send(with_body(&in_http_chunks(&head), http_chunked(&body, true)), Expect::Success)
    };
    /// The valid signed body a byte every 3 ms.
    slow_body [s3] (target, path) => {
        let (head, mut chain) = upload(target, "slow", STREAMING_PAYLOAD, Some(N), None);
        let mut body = chunk(&mut chain, &data());
        body.extend(last_chunk(&mut chain));
        Case::steps(
            vec![
                Step::Bytes(head_only(&head, body.len() as u64)),
                Step::Trickle(body, Duration::from_millis(3)),
            ],
            false,
            Expect::Success,
        )
    };
    two_thousand_chunks_of_one_byte [s3] (target, path) => {
        let (head, mut chain) = upload(target, "tiny-chunks", STREAMING_PAYLOAD, Some(2000), None);
        let mut body = Vec::new();
        for byte in [b'x'; 2000].chunks(1) {
            body.extend(chunk(&mut chain, byte));
        }
        body.extend(last_chunk(&mut chain));
        Case::send(with_body(&head, body), Expect::Success)
    };
    chunk_header_with_invalid_utf8 [s3] (target, path) => {
        let (head, _) = upload(target, "sizes", STREAMING_PAYLOAD, Some(16), None);
        let mut body = b"10;chunk-signature=\xff".to_vec();
        body.extend_from_slice(b"\r\n0123456789abcdef\r\n");
        Case::send(with_body(&head, body), Expect::Code(400, "InvalidRequest"))
    };
    /// Well-formed, but not the chunk's.
    chunk_signature_changed [s3] (target, path) => {
        let (head, mut chain) = upload(target, "badsig", STREAMING_PAYLOAD, Some(N), None);
        let mut body = chunk(&mut chain, &data());
        let at = body.iter().position(|b| *b == b'=').expect("=") + 1;
        body[at] = if body[at] == b'0' { b'1' } else { b'0' };
        body.extend(last_chunk(&mut chain));
        Case::send(with_body(&head, body), Expect::Code(403, "SignatureDoesNotMatch"))
    };
    /// Signed on another upload's chain.
    chunks_of_another_upload [s3] (target, path) => {
        let (_, other) = signed_upload(target, "ok-signed", Some(N));
        let (head, _) = upload(target, "replayed", STREAMING_PAYLOAD, Some(N), None);
        Case::send(with_body(&head, other), Expect::Code(403, "SignatureDoesNotMatch"))
    };
    no_final_chunk [s3] (target, path) => {
        let (head, mut chain) = upload(target, "nofinal", STREAMING_PAYLOAD, Some(N), None);
        let body = chunk(&mut chain, &data());
        Case::send(with_body(&head, body), Expect::Code(400, "IncompleteBody"))
    };
    /// Content-Length promises more, the client closes.
    body_truncated_inside_a_chunk [s3] (target, path) => {
        let (head, mut chain) = upload(target, "trunc", STREAMING_PAYLOAD, Some(N), None);
        let body = chunk(&mut chain, &data());
        Case::steps(
            vec![
                Step::Bytes(head_only(&head, body.len() as u64 + 200)),
                Step::Bytes(body[..body.len() / 2].to_vec()),
            ],
            true,
            Expect::CodeOrClosed(400, "IncompleteBody"),
        )
    };
    /// 4 KiB promised, 10 bytes sent, then the client goes away.
    chunk_that_never_ends [s3] (target, path) => {
        let (head, _) = upload(target, "neverends", STREAMING_PAYLOAD, Some(4096), None);
        let mut body = format!("1000;chunk-signature={}\r\n", seed_sig()).into_bytes();
        body.extend_from_slice(b"0123456789");
        Case::steps(
            vec![
                Step::Bytes(head_only(&head, 8000)),
                Step::Bytes(body),
                Step::Pause(Duration::from_millis(300)),
            ],
            true,
            Expect::CodeOrClosed(400, "IncompleteBody"),
        )
    };
    /// No CRLF.
    chunk_header_line_without_an_end [s3] (target, path) => {
        let (head, _) = upload(target, "headerneverends", STREAMING_PAYLOAD, Some(4096), None);
        let body = format!("10;chunk-signature={}", "a".repeat(8000)).into_bytes();
        Case::send(with_body(&head, body), Expect::Code(400, "InvalidRequest"))
    };
    chunk_data_not_followed_by_crlf [s3] (target, path) => {
        let (head, mut chain) = upload(target, "nocrlf", STREAMING_PAYLOAD, Some(N), None);
        let mut body = chunk(&mut chain, &data());
        body.truncate(body.len() - 2);
        body.extend_from_slice(b"XX");
        body.extend(last_chunk(&mut chain));
        Case::send(with_body(&head, body), Expect::Code(400, "InvalidRequest"))
    };
    data_after_the_final_chunk [s3] (target, path) => {
        let (head, mut body) = signed_upload(target, "after", Some(N));
        body.extend_from_slice(b"trailing garbage");
        Case::send(with_body(&head, body), Expect::Code(400, "InvalidRequest"))
    };
    decoded_content_length_too_large [s3] (target, path) => {
        let (head, body) = signed_upload(target, "length", Some(N + 1));
        Case::send(with_body(&head, body), Expect::Code(400, "IncompleteBody"))
    };
    decoded_content_length_too_small [s3] (target, path) => {
        let (head, body) = signed_upload(target, "length2", Some(N - 1));
        Case::send(with_body(&head, body), Expect::Code(400, "IncompleteBody"))
    };
    no_decoded_content_length [s3] (target, path) => {
        let (head, body) = signed_upload(target, "nolength", None);
        Case::send(with_body(&head, body), Expect::Code(411, "MissingContentLength"))
    };
    /// Over S3's 5 GiB object limit: refused before any body is read.
    decoded_content_length_2_64_minus_1 [s3] (target, path) => {
        let (_, valid) = signed_upload(target, "ok-signed", Some(N));
        let (head, _) = upload(target, "hugelength", STREAMING_PAYLOAD, Some(u64::MAX), None);
        Case::send(with_body(&head, valid), Expect::Code(400, "EntityTooLarge"))
    };
    trailer_framing_without_x_amz_trailer [s3] (target, path) => {
        let (head, _) = upload(target, "nodecl", STREAMING_UNSIGNED_PAYLOAD_TRAILER, Some(N), None);
        let mut body = chunk(&mut None, &data());
        body.extend(last_chunk_with_trailer(&mut None, "x-amz-checksum-crc32c", &crc32c()));
        Case::send(with_body(&head, body), Expect::Code(400, "MalformedTrailerError"))
    };
    undeclared_trailer [s3] (target, path) => {
        let sha256 = checksum_base64(ChecksumAlgorithm::Sha256, &data());
        let rest = last_chunk_with_trailer(&mut None, "x-amz-checksum-sha256", &sha256);
        trailer_ending(target, "undeclared", &rest, Expect::Code(400, "MalformedTrailerError"))
    };
    trailer_checksum_wrong [s3] (target, path) => {
        let rest = last_chunk_with_trailer(&mut None, "x-amz-checksum-crc32c", "AAAAAA==");
        trailer_ending(target, "badcrc", &rest, Expect::Code(400, "BadDigest"))
    };
    /// 40 KiB of trailer lines.
    trailers_without_an_end [s3] (target, path) => {
        let mut rest = b"0\r\n".to_vec();
        for i in 0..2000 {
            rest.extend_from_slice(format!("x-amz-checksum-crc32c:{i:020}\r\n").as_bytes());
        }
        let expect = Expect::Code(400, "MalformedTrailerError");
        trailer_ending(target, "trailerneverends", &rest, expect)
    };
    one_trailer_line_of_64_kib [s3] (target, path) => {
        let mut rest = b"0\r\nx-amz-checksum-crc32c:".to_vec();
        rest.extend(std::iter::repeat_n(b'A', 64 * 1024));
        trailer_ending(target, "trailerline", &rest, Expect::Code(400, "MalformedTrailerError"))
    };
    trailer_cut_off [s3] (target, path) => trailer_ending(
        target,
        "trailertrunc",
        b"0\r\nx-amz-checksum-crc32c:",
        Expect::Code(400, "IncompleteBody"),
    );
    trailer_signature_changed [s3] (target, path) => {
        let (head, mut chain) = upload(
            target,
            "trailersig",
            STREAMING_PAYLOAD_TRAILER,
            Some(N),
            Some("x-amz-checksum-crc32c"),
        );
        let mut body = chunk(&mut chain, &data());
        let mut final_part = last_chunk_with_trailer(&mut chain, "x-amz-checksum-crc32c", &crc32c());
        let at = final_part
            .windows(10)
            .position(|w| w == b"signature:")
            .expect("trailer signature")
            + 10;
        final_part[at] = if final_part[at] == b'0' { b'1' } else { b'0' };
        body.extend(final_part);
        Case::send(with_body(&head, body), Expect::Code(403, "SignatureDoesNotMatch"))
    };
    signed_trailer_without_its_signature [s3] (target, path) => {
        let (head, mut chain) = upload(
            target,
            "trailernosig",
            STREAMING_PAYLOAD_TRAILER,
            Some(N),
            Some("x-amz-checksum-crc32c"),
        );
        let mut body = chunk(&mut chain, &data());
        let final_signature = chain.as_mut().expect("a chain").sign_chunk(b"");
        body.extend_from_slice(
            format!(
                "0;chunk-signature={final_signature}\r\nx-amz-checksum-crc32c:{}\r\n\r\n",
                crc32c()
            )
            .as_bytes(),
        );
        Case::send(with_body(&head, body), Expect::Code(400, "MalformedTrailerError"))
    };
    /// The client goes away.
    aws_chunked_inside_http_chunked_cut_off [s3] (target, path) => {
        let (head, mut chain) = upload(target, "te-trunc", STREAMING_PAYLOAD, Some(N), None);
        let body = chunk(&mut chain, &data());
        Case::steps(
            vec![Step::Bytes(with_body(&in_http_chunks(&head), http_chunked(&body, false)))],
            true,
            Expect::CodeOrClosed(400, "IncompleteBody"),
        )
    };
    aws_chunked_inside_http_chunked_ended_early [s3] (target, path) => {
        let (head, mut chain) = upload(target, "te-trunc", STREAMING_PAYLOAD, Some(N), None);
        let body = chunk(&mut chain, &data());
        Case::send(
            with_body(&in_http_chunks(&head), http_chunked(&body, true)),
            Expect::Code(400, "IncompleteBody"),
        )
    };
}

/// A PUT of `body` to `path`, framed as aws-chunked in `framing` (16 KiB chunks), signed
/// now.
pub(crate) fn chunked_put(
    server: &S3Server,
    path: &str,
    framing: Framing,
    body: &[u8],
    checksum: Option<ChecksumAlgorithm>,
) -> http::Request<Vec<u8>> {
    let mut request = http::Request::put(format!("http://{}{path}", server.process.addr))
        .body(Vec::new())
        .expect("request");
    let mut encoder = crate::Kind::S3
        .signer()
        .sign_chunked(
            &mut request,
            framing,
            body.len() as u64,
            16 * 1024,
            checksum,
            OffsetDateTime::now_utc(),
        )
        .expect("signs");
    *request.body_mut() = encoder.encode(body);
    request
}

/// Uploads 100,000 bytes in `framing` (with a `checksum` trailer) through the client's
/// encoder: stored as their decoded bytes.
fn assert_stored(framing: Framing, checksum: Option<ChecksumAlgorithm>) {
    let server = S3Server::start();
    assert_eq!(server.signed("PUT", "/framed", &[], b"").status, 200);
    let body = pattern(100_000, 9);
    let request = chunked_put(&server, "/framed/object", framing, &body, checksum);
    let answer = server.target().send(&request);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        std::fs::read(server.data().join("framed/object")).expect("stored"),
        body
    );
}

#[test]
fn countersign_client_signed_chunks_are_stored_decoded() {
    assert_stored(Framing::Signed, None);
}

#[test]
fn countersign_client_signed_chunks_and_trailer_are_stored_decoded() {
    assert_stored(Framing::SignedTrailer, Some(ChecksumAlgorithm::Crc32c));
}

#[test]
fn countersign_client_unsigned_chunks_are_stored_decoded() {
    assert_stored(Framing::UnsignedTrailer, Some(ChecksumAlgorithm::Crc64Nvme));
}

/// Uploads 50,000 bytes in `framing` with one byte in the middle changed: refused with
/// `status` and `code`, and nothing stored.
fn assert_corrupted_refused(
    framing: Framing,
    checksum: Option<ChecksumAlgorithm>,
    (status, code): (u16, &str),
) {
    let server = S3Server::start();
    assert_eq!(server.signed("PUT", "/corrupt", &[], b"").status, 200);
    let mut request = chunked_put(
        &server,
        "/corrupt/object",
        framing,
        &pattern(50_000, 3),
        checksum,
    );
    let at = request.body().len() / 2;
    request.body_mut()[at] ^= 1;
    let answer = server.target().send(&request);
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (status, code),
        "{}",
        answer.text()
    );
    assert!(!server.data().join("corrupt/object").exists());
    assert_eq!(server.temp_files(), 0);
}

#[test]
fn a_changed_byte_in_a_signed_chunk_is_refused_and_leaves_nothing() {
    assert_corrupted_refused(Framing::Signed, None, (403, "SignatureDoesNotMatch"));
}

#[test]
fn a_changed_byte_in_an_unsigned_chunk_is_caught_by_its_trailer_and_leaves_nothing() {
    let sha256 = Some(ChecksumAlgorithm::Sha256);
    assert_corrupted_refused(Framing::UnsignedTrailer, sha256, (400, "BadDigest"));
}
