//! aws-chunked uploads on the loopback servers: countersign's client uploads in each framing
//! (the handler reads the decoded bytes), also inside HTTP chunked transfer; an upload without
//! its decoded length or declared trailer, with a chunk, an unsigned chunk or a signed trailer
//! changed, with a chunk over the limit, or cut short, is refused.
use countersign::client::{ChecksumAlgorithm, Framing, Payload};
use countersign::core::checksum::checksum_base64;

use crate::api_server::*;

/// An upload of 100,000 bytes in `framing` (chunks of 8 KiB, a `checksum` trailer): the
/// handler reads them whole.
fn assert_uploaded(framing: Framing, checksum: Option<ChecksumAlgorithm>) {
    for api in BOTH.map(api_with) {
        let body: Vec<u8> = (0..100_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let answer = send(api, &chunked(api, framing, &body, 8192, checksum));
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body.as_bytes(), &body[..]);
    }
}

#[test]
fn countersign_client_signed_chunks() {
    assert_uploaded(Framing::Signed, None);
}

#[test]
fn countersign_client_signed_chunks_and_crc32c_trailer() {
    assert_uploaded(Framing::SignedTrailer, Some(ChecksumAlgorithm::Crc32c));
}

#[test]
fn countersign_client_unsigned_chunks_and_crc64nvme_trailer() {
    assert_uploaded(Framing::UnsignedTrailer, Some(ChecksumAlgorithm::Crc64Nvme));
}

#[test]
fn countersign_client_unsigned_chunks_and_sha1_trailer() {
    assert_uploaded(Framing::UnsignedTrailer, Some(ChecksumAlgorithm::Sha1));
}

#[test]
fn aws_chunked_inside_http_chunked_transfer_is_accepted() {
    for api in BOTH.map(api_with) {
        let payload = b"streamed without a content-length";
        let mut req = request(
            api,
            "PUT",
            "/echo",
            &[("content-encoding", "aws-chunked")],
            b"",
        );
        header(
            &mut req,
            "x-amz-decoded-content-length",
            payload.len().to_string().as_bytes(),
        );
        let marker = Framing::Signed.marker();
        let signed = signer()
            .content_sha256_header(true)
            .sign(&mut req, Payload::Precomputed(marker), now())
            .unwrap();
        let mut chain = signed.chunk_chain();
        let mut aws_chunked = Vec::new();
        for piece in payload.chunks(10) {
            let sig = chain.sign_chunk(piece);
            aws_chunked.extend_from_slice(
                format!("{:x};chunk-signature={sig}\r\n", piece.len()).as_bytes(),
            );
            aws_chunked.extend_from_slice(piece);
            aws_chunked.extend_from_slice(b"\r\n");
        }
        aws_chunked.extend_from_slice(
            format!("0;chunk-signature={}\r\n\r\n", chain.sign_chunk(b"")).as_bytes(),
        );
        header(&mut req, "transfer-encoding", b"chunked");
        let mut bytes = raw(&req);
        // HTTP chunked transfer around the aws-chunked body, in uneven pieces.
        for piece in aws_chunked.chunks(37) {
            bytes.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            bytes.extend_from_slice(piece);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"0\r\n\r\n");
        let answer = send_raw(api, &bytes);
        assert_eq!(
            (answer.status, answer.body.as_bytes()),
            (200, &payload[..]),
            "{}",
            answer.body
        );
    }
}

refused! {
    aws_chunked_without_x_amz_decoded_content_length: api_with => 411 "MissingContentLength", |a| {
        raw(&raw_chunked(a, Framing::Signed, b"0\r\n\r\n", None, None))
    };
    aws_chunked_trailer_framing_without_x_amz_trailer: api_with => 400 "MalformedTrailerError", |a| {
        raw(&raw_chunked(
            a,
            Framing::UnsignedTrailer,
            b"0\r\n\r\n",
            Some(0),
            None,
        ))
    };
    aws_chunked_tampered_chunk: api_with => 403 "SignatureDoesNotMatch", |a| {
        let r = chunked(a, Framing::Signed, b"pay alice 10", 64, None);
        tamper_body(r, b"pay alice 10", b"pay mallory9")
    };
    aws_chunked_tampered_unsigned_chunk_caught_by_its_trailer: api_with => 400 "BadDigest", |a| {
        let r = chunked(
            a,
            Framing::UnsignedTrailer,
            b"pay alice 10",
            64,
            Some(ChecksumAlgorithm::Crc32),
        );
        tamper_body(r, b"pay alice 10", b"pay mallory9")
    };
    aws_chunked_signed_trailer_changed: api_with => 403 "SignatureDoesNotMatch", |a| {
        let body = b"0123456789";
        let r = chunked(
            a,
            Framing::SignedTrailer,
            body,
            4,
            Some(ChecksumAlgorithm::Sha256),
        );
        let good = checksum_base64(ChecksumAlgorithm::Sha256, body);
        let evil = checksum_base64(ChecksumAlgorithm::Sha256, b"9876543210");
        tamper_body(r, good.as_bytes(), evil.as_bytes())
    };
    aws_chunked_chunk_larger_than_the_limit: api_with => 400 "InvalidChunkSizeError", |a| {
        let body = b"1000001\r\nabcd\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
        raw(&raw_chunked(
            a,
            Framing::UnsignedTrailer,
            body,
            Some(4),
            Some("x-amz-checksum-crc32"),
        ))
    };
    aws_chunked_body_cut_short: api_with => 400 "IncompleteBody", |a| {
        let body = b"4\r\nabcd\r\n4\r\nef";
        raw(&raw_chunked(
            a,
            Framing::UnsignedTrailer,
            body,
            Some(8),
            Some("x-amz-checksum-crc32"),
        ))
    };
}
