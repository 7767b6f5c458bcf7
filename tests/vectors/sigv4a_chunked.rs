//! SigV4a aws-chunked uploads (`STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD[-TRAILER]`) against
//! the facts of aws-c-auth's SigV4a chunked signing tests (`tests/data/sigv4a-chunked.json`):
//!
//! - the key derived from the credentials is the published public key;
//! - the seed request's canonical request equals the published one, for both markers;
//! - every chunk and trailer signature the client writes is 144 characters, `*`-padded, and
//!   verifies with the published public key over the string to sign assembled from the
//!   published fixed parts and the previous signature (so the chain is aws-c-auth's, not
//!   merely consistent with itself);
//! - the decoder accepts the body at many split points, padded or not, and refuses it with
//!   one changed data byte, a signature from another chain, or a changed trailer.

use countersign::client::{Credentials, Payload, Signed, Signer};
use countersign::core::aws_chunked::{
    canonical_trailer, ChunkChain, DecodeErrorKind, Decoder, Framing, Limits,
    ECDSA_WIRE_SIGNATURE_LEN,
};
use countersign::core::sigv4a::{verifying_key_from_xy, EcdsaKey};
use countersign::core::{AnySignature, AuthParams, Request, SecretKey};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature as P256Signature, VerifyingKey};
use serde_json::Value;

use crate::common::read;
use crate::decoding;

fn fixture() -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigv4a-chunked.json");
    serde_json::from_str(&read(&path)).expect("JSON")
}

fn text<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in the fixture"))
}

fn published_key(v: &Value) -> VerifyingKey {
    let coordinate = |name: &str| -> [u8; 32] {
        let mut out = [0u8; 32];
        hex::decode_to_slice(text(v, &format!("/public_key/{name}")), &mut out).expect("hex");
        out
    };
    verifying_key_from_xy(&coordinate("x"), &coordinate("y")).expect("a point on P-256")
}

fn secret(v: &Value) -> SecretKey {
    SecretKey::new(text(v, "/credentials/secret_access_key"))
}

fn signer(v: &Value) -> Signer {
    let credentials = Credentials::new(
        text(v, "/credentials/access_key_id"),
        text(v, "/credentials/secret_access_key"),
    );
    Signer::new(credentials, "ignored", text(v, "/request/service"))
        .s3()
        .sigv4a(text(v, "/request/region_set"))
}

/// The published request, signed by the client with `framing`'s marker (and, for another
/// seed, with `extra` headers).
fn signed_request(
    v: &Value,
    framing: Framing,
    extra: &[(&str, &str)],
) -> (http::Request<()>, Signed) {
    let mut builder = http::Request::builder()
        .method(text(v, "/request/method"))
        .uri(text(v, "/request/path"));
    let headers = v["request"]["headers"].as_array().expect("headers");
    let trailer = &v["request"]["trailer_header"];
    let with_trailer = framing.has_trailer().then_some(trailer);
    for pair in headers.iter().chain(with_trailer) {
        builder = builder.header(
            pair[0].as_str().expect("name"),
            pair[1].as_str().expect("value"),
        );
    }
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(()).expect("request");
    let time = time::PrimitiveDateTime::parse(
        text(v, "/request/time"),
        time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .expect("time")
    .assume_utc();
    let signed = signer(v)
        .sign(&mut request, Payload::Precomputed(framing.marker()), time)
        .expect("signs");
    (request, signed)
}

fn chunks(v: &Value) -> Vec<Vec<u8>> {
    v["request"]["chunks"]
        .as_array()
        .expect("chunks")
        .iter()
        .map(|c| {
            let byte = c["byte"].as_str().expect("byte").as_bytes()[0];
            vec![byte; c["length"].as_u64().expect("length") as usize]
        })
        .collect()
}

fn trailers(v: &Value) -> Vec<(String, String)> {
    v["request"]["trailers"]
        .as_array()
        .expect("trailers")
        .iter()
        .map(|t| {
            (
                t[0].as_str().expect("name").into(),
                t[1].as_str().expect("value").into(),
            )
        })
        .collect()
}

/// A wire signature: 144 characters, the DER hex then `*` padding; gives the hex.
fn unpad(wire: &str) -> &str {
    assert_eq!(wire.len(), ECDSA_WIRE_SIGNATURE_LEN, "{wire}");
    let hex_part = wire.trim_end_matches('*');
    assert!(hex_part.bytes().all(|b| b.is_ascii_hexdigit()), "{wire}");
    hex_part
}

/// `signature_hex` verifies with the published key over `before + previous + after`.
fn assert_published_chain(
    key: &VerifyingKey,
    before: &str,
    previous: &str,
    after: &str,
    signature_hex: &str,
) {
    let string_to_sign = format!("{before}{previous}{after}");
    let der = hex::decode(signature_hex).expect("hex");
    let signature = P256Signature::from_der(&der).expect("DER");
    assert!(
        key.verify(string_to_sign.as_bytes(), &signature).is_ok(),
        "the signature does not verify over\n{string_to_sign}"
    );
    // And not over anything else: the previous signature is part of what is signed.
    let other = format!(
        "{before}{}{after}",
        previous.replacen(&previous[..2], "00", 1)
    );
    assert!(key.verify(other.as_bytes(), &signature).is_err());
}

/// The body the client writes: each chunk with its signature, then the trailer.
struct Encoded {
    body: Vec<u8>,
    /// Each chunk's (and the trailer's) wire signature, in order.
    signatures: Vec<String>,
}

fn encode(v: &Value, signed: &Signed, framing: Framing) -> Encoded {
    let key = published_key(v);
    let before = text(v, "/expected/chunk_string_to_sign_before_previous");
    let after = v["expected"]["chunk_string_to_sign_after_previous"]
        .as_array()
        .expect("after");
    let mut chain = signed.chunk_chain();
    let mut previous = signed.signature_hex();
    let mut encoded = Encoded {
        body: Vec::new(),
        signatures: Vec::new(),
    };
    for (i, data) in chunks(v).iter().enumerate() {
        let wire = chain.sign_chunk(data);
        let hex_part = unpad(&wire).to_string();
        assert_published_chain(
            &key,
            before,
            &previous,
            after[i].as_str().expect("text"),
            &hex_part,
        );
        encoded
            .body
            .extend_from_slice(format!("{:x};chunk-signature={wire}\r\n", data.len()).as_bytes());
        encoded.body.extend_from_slice(data);
        if !data.is_empty() || !framing.has_trailer() {
            encoded.body.extend_from_slice(b"\r\n");
        }
        encoded.signatures.push(wire);
        previous = hex_part;
    }
    if framing.has_trailer() {
        let trailers = trailers(v);
        let canonical = canonical_trailer(trailers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let wire = chain.sign_trailer(&canonical);
        let hex_part = unpad(&wire).to_string();
        assert_published_chain(
            &key,
            text(v, "/expected/trailer_string_to_sign_before_previous"),
            &previous,
            text(v, "/expected/trailer_string_to_sign_after_previous"),
            &hex_part,
        );
        for (name, value) in &trailers {
            encoded
                .body
                .extend_from_slice(format!("{name}:{value}\r\n").as_bytes());
        }
        encoded
            .body
            .extend_from_slice(format!("x-amz-trailer-signature:{wire}\r\n\r\n").as_bytes());
        encoded.signatures.push(wire);
    }
    encoded
}

/// The server's chain for the signed request, from the derived key and the seed it sent.
fn server_chain(v: &Value, request: &http::Request<()>) -> ChunkChain {
    let view = Request::from_http(request);
    let auth = AuthParams::from_request(&view).expect("auth");
    assert!(
        matches!(auth.signature, AnySignature::Ecdsa(_)),
        "a SigV4a request"
    );
    decoding::server_chain(&auth, &secret(v))
}

/// The server's decoder for the published body.
fn server_decoder(v: &Value, request: &http::Request<()>, framing: Framing) -> Decoder {
    let declared: Vec<String> = trailers(v).into_iter().map(|(n, _)| n).collect();
    Decoder::new(framing, Limits::default(), Some(server_chain(v, request)))
        .declared_trailers(if framing.has_trailer() {
            declared
        } else {
            vec![]
        })
        .decoded_length(Some(66560))
}

/// The decoded length and the number of trailers of `body` pushed `step` bytes at a time, or
/// the kind of the first error.
fn decode(decoder: Decoder, body: &[u8], step: usize) -> Result<(usize, usize), DecodeErrorKind> {
    decoding::decode(decoder, body, step)
        .map(|(data, trailers)| (data.len(), trailers.len()))
        .map_err(|e| e.kind())
}

#[test]
fn derived_key_is_the_published_one() {
    let v = fixture();
    let key = EcdsaKey::derive(&secret(&v), text(&v, "/credentials/access_key_id")).expect("key");
    assert_eq!(hex::encode(key.public_key_x()), text(&v, "/public_key/x"));
    assert_eq!(hex::encode(key.public_key_y()), text(&v, "/public_key/y"));
}

/// The seed request signed with `framing`'s marker has the published canonical request
/// (at `expected`), and its signature verifies with the published key.
fn assert_seed_canonical_request(framing: Framing, expected: &str) {
    let v = fixture();
    let (_, signed) = signed_request(&v, framing, &[]);
    assert_eq!(signed.canonical_request, text(&v, expected), "{framing:?}");
    let der = hex::decode(signed.signature_hex()).expect("hex");
    let signature = P256Signature::from_der(&der).expect("DER");
    assert!(published_key(&v)
        .verify(signed.string_to_sign.as_bytes(), &signature)
        .is_ok());
}

#[test]
fn seed_canonical_request_of_the_payload_marker() {
    assert_seed_canonical_request(Framing::EcdsaSigned, "/expected/canonical_request");
}

#[test]
fn seed_canonical_request_of_the_trailer_marker() {
    assert_seed_canonical_request(
        Framing::EcdsaSignedTrailer,
        "/expected/trailer_canonical_request",
    );
}

/// The published request signed in `framing`, its body as the client writes it (each
/// signature checked against the published chain), and the server's decoder for it.
fn published_upload(framing: Framing) -> (Value, http::Request<()>, Encoded) {
    let v = fixture();
    let (request, signed) = signed_request(&v, framing, &[]);
    let encoded = encode(&v, &signed, framing);
    (v, request, encoded)
}

#[test]
fn payload_chain_decodes_at_every_split() {
    let framing = Framing::EcdsaSigned;
    let (v, request, encoded) = published_upload(framing);
    for step in [1000, 65536 + 7, encoded.body.len()] {
        let outcome = decode(server_decoder(&v, &request, framing), &encoded.body, step);
        assert_eq!(outcome, Ok((66560, 0)), "step {step}");
    }
}

#[test]
fn payload_chain_accepts_unpadded_signatures() {
    let framing = Framing::EcdsaSigned;
    let (v, request, encoded) = published_upload(framing);
    let mut unpadded = encoded.body.clone();
    for wire in &encoded.signatures {
        unpadded = replace(
            &unpadded,
            wire.as_bytes(),
            wire.trim_end_matches('*').as_bytes(),
        );
    }
    assert_eq!(
        decode(server_decoder(&v, &request, framing), &unpadded, 4096),
        Ok((66560, 0))
    );
}

#[test]
fn payload_chain_refuses_a_changed_data_byte() {
    let framing = Framing::EcdsaSigned;
    let (v, request, encoded) = published_upload(framing);
    // One changed data byte in the second chunk.
    let mut changed = encoded.body.clone();
    let at = changed.len() - 200;
    changed[at] = b'b';
    assert_eq!(
        decode(server_decoder(&v, &request, framing), &changed, 4096),
        Err(DecodeErrorKind::Signature)
    );
}

#[test]
fn payload_chain_refuses_the_chunks_of_another_chain() {
    let framing = Framing::EcdsaSigned;
    let (v, request, _) = published_upload(framing);
    // A chain started from another request's signature: every chunk signature is then wrong.
    let (_, other) = signed_request(&v, framing, &[("x-amz-meta-other", "1")]);
    let foreign = encode(&v, &other, framing);
    assert_eq!(
        decode(server_decoder(&v, &request, framing), &foreign.body, 4096),
        Err(DecodeErrorKind::Signature)
    );
}

#[test]
fn payload_chain_refuses_an_hmac_sized_signature_as_malformed() {
    let framing = Framing::EcdsaSigned;
    let (v, request, encoded) = published_upload(framing);
    // An HMAC-length signature in an ECDSA chain is malformed, not a mismatch.
    let hmac_sized = replace(
        &encoded.body,
        encoded.signatures[0].as_bytes(),
        "ab".repeat(32).as_bytes(),
    );
    assert_eq!(
        decode(server_decoder(&v, &request, framing), &hmac_sized, 4096),
        Err(DecodeErrorKind::Malformed)
    );
}

#[test]
fn trailer_chain_decodes_at_every_split() {
    let framing = Framing::EcdsaSignedTrailer;
    let (v, request, encoded) = published_upload(framing);
    for step in [777, encoded.body.len()] {
        let outcome = decode(server_decoder(&v, &request, framing), &encoded.body, step);
        assert_eq!(outcome, Ok((66560, 3)), "step {step}");
    }
}

#[test]
fn trailer_chain_refuses_a_changed_trailer_value() {
    let framing = Framing::EcdsaSignedTrailer;
    let (v, request, encoded) = published_upload(framing);
    // The trailer signature no longer verifies.
    let changed = replace(&encoded.body, b"second:2nd", b"second:2nD");
    assert_eq!(
        decode(server_decoder(&v, &request, framing), &changed, 4096),
        Err(DecodeErrorKind::Signature)
    );
}

#[test]
fn trailer_chain_refuses_the_trailer_signature_of_another_chain() {
    let framing = Framing::EcdsaSignedTrailer;
    let (v, request, encoded) = published_upload(framing);
    let (_, other) = signed_request(&v, framing, &[("x-amz-meta-other", "1")]);
    let foreign = encode(&v, &other, framing);
    let last = encoded.signatures.last().expect("trailer signature");
    let foreign_last = foreign.signatures.last().expect("trailer signature");
    let swapped = replace(&encoded.body, last.as_bytes(), foreign_last.as_bytes());
    assert_eq!(
        decode(server_decoder(&v, &request, framing), &swapped, 4096),
        Err(DecodeErrorKind::Signature)
    );
}

/// Chunks of `sizes` (then the final one) signed on the published request's chain, decoded
/// by the server: a short chunk is allowed only last, and many tiny chunks are refused at
/// the second short header, before any more ECDSA.
fn decode_chunks_of(sizes: &[usize]) -> Result<(), DecodeErrorKind> {
    let v = fixture();
    let framing = Framing::EcdsaSigned;
    let (request, signed) = signed_request(&v, framing, &[]);
    let mut chain = signed.chunk_chain();
    let mut body = Vec::new();
    for size in sizes.iter().copied().chain([0]) {
        let data = vec![b'a'; size];
        let wire = chain.sign_chunk(&data);
        body.extend_from_slice(format!("{size:x};chunk-signature={wire}\r\n").as_bytes());
        body.extend_from_slice(&data);
        body.extend_from_slice(b"\r\n");
    }
    let total: usize = sizes.iter().sum();
    let decoder = Decoder::new(framing, Limits::default(), Some(server_chain(&v, &request)))
        .decoded_length(Some(total as u64));
    decode(decoder, &body, 4096).map(|_| ())
}

#[test]
fn small_chunk_last_is_accepted() {
    assert_eq!(decode_chunks_of(&[8192, 8192, 100]), Ok(()));
}

#[test]
fn small_chunk_before_a_large_one_is_refused() {
    assert_eq!(
        decode_chunks_of(&[1024, 65536]),
        Err(DecodeErrorKind::ChunkSize)
    );
}

#[test]
fn many_tiny_chunks_are_refused() {
    assert_eq!(
        decode_chunks_of(&[1, 1, 1, 1]),
        Err(DecodeErrorKind::ChunkSize)
    );
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = haystack
        .windows(from.len())
        .position(|w| w == from)
        .expect("the text to replace is there");
    [&haystack[..at], to, &haystack[at + from.len()..]].concat()
}
