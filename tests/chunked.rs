//! aws-chunked bodies: the S3 documentation's chunked and trailer examples decode and verify
//! (and fail with any chunk byte or signature changed); the client's five framings (SigV4 and
//! SigV4a) decode with the core at every split point.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use countersign::client::{ChecksumAlgorithm, Credentials, Framing, Signer};
use countersign::core::aws_chunked::{DecodeError, DecodeErrorKind, Decoder, Event, Limits};
use countersign::core::chunk::EcdsaChunkSigner;
use countersign::core::sigv4a::EcdsaKey;
use countersign::core::{
    AmzDate, AuthParams, ChainSignature, ChunkChain, ChunkSigner, CredentialScope, SecretKey,
    Signature, SigningKey,
};
use serde_json::Value;

fn example(name: &str) -> Value {
    serde_json::from_str(&common::read(
        &common::vectors_dir().join("s3-doc-examples").join(name),
    ))
    .expect("JSON")
}

/// The example's body as sent, from its published chunk headers and trailer.
fn encoded_body(v: &Value) -> Vec<u8> {
    let mut body = Vec::new();
    for chunk in v["expected"]["chunks"].as_array().expect("chunks") {
        body.extend_from_slice(
            chunk["chunk_header_sent"]
                .as_str()
                .expect("header")
                .as_bytes(),
        );
        body.extend_from_slice(b"\r\n");
        let size = chunk["size"].as_u64().expect("size") as usize;
        body.extend(std::iter::repeat_n(b'a', size));
        if size > 0 {
            body.extend_from_slice(b"\r\n");
        }
    }
    if let Some(trailer) = v["expected"]["trailer"]["trailer_chunk_sent"].as_str() {
        body.extend_from_slice(trailer.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"\r\n");
    body
}

fn decoder_for(v: &Value, framing: Framing) -> Decoder {
    let scope = CredentialScope {
        date: "20130524",
        region: "us-east-1",
        service: "s3",
    };
    let key = SigningKey::derive(
        &SecretKey::new(
            v["credentials"]["secret_access_key"]
                .as_str()
                .expect("secret"),
        ),
        &scope,
    );
    let seed =
        Signature::from_hex(v["expected"]["seed_signature"].as_str().expect("seed")).expect("hex");
    let time = AmzDate::parse("20130524T000000Z").expect("date");
    let signer = ChunkSigner::new(key, time, scope.to_string(), seed);
    let trailers: Vec<String> = match framing {
        Framing::Signed => vec![],
        _ => vec!["x-amz-checksum-crc32c".into()],
    };
    Decoder::new(framing, Limits::default(), Some(ChunkChain::Hmac(signer)))
        .declared_trailers(trailers)
        .decoded_length(Some(66560))
}

/// The decoded bytes and the trailers.
type Decoded = (Vec<u8>, Vec<(String, String)>);

fn decode(mut decoder: Decoder, body: &[u8], step: usize) -> Result<Decoded, DecodeError> {
    let mut data = Vec::new();
    let mut trailers = Vec::new();
    for piece in body.chunks(step) {
        decoder.push(piece);
        while let Some(event) = decoder.next_event()? {
            match event {
                Event::Data(d) => data.extend_from_slice(&d),
                Event::End(t) => trailers = t,
            }
        }
    }
    if let Some(Event::End(t)) = decoder.finish()? {
        trailers = t;
    }
    Ok((data, trailers))
}

fn check_example(name: &str, framing: Framing) {
    let v = example(name);
    let body = encoded_body(&v);
    if let Some(length) = v["request"]["payload"]["encoded_length"].as_u64() {
        assert_eq!(body.len() as u64, length, "encoded length");
    }
    for step in [1, 7, 4096, 65536, body.len()] {
        let (data, trailers) = decode(decoder_for(&v, framing), &body, step)
            .unwrap_or_else(|e| panic!("step {step}: {e}"));
        assert_eq!(data.len(), 66560);
        assert!(data.iter().all(|b| *b == b'a'));
        if framing == Framing::SignedTrailer {
            assert_eq!(
                trailers,
                vec![("x-amz-checksum-crc32c".to_string(), "sOO8/Q==".to_string())]
            );
        }
    }
    // Any changed data byte or signature fails; so does a body cut short.
    let first_data = body.windows(2).position(|w| w == b"\r\n").expect("header") + 2;
    let positions = [
        first_data,
        first_data + 65535,
        body.len() / 2,
        first_data - 3,
        body.len() - 40,
    ];
    for position in positions {
        let mut tampered = body.clone();
        tampered[position] = if tampered[position] == b'0' {
            b'1'
        } else {
            b'0'
        };
        let outcome = decode(decoder_for(&v, framing), &tampered, 4096);
        assert!(
            outcome.is_err(),
            "{name}: byte {position} changed and accepted"
        );
    }
    let cut = decode(decoder_for(&v, framing), &body[..body.len() - 10], 4096);
    assert_eq!(
        cut.err().map(|e| e.kind()),
        Some(DecodeErrorKind::Truncated)
    );
}

#[test]
fn s3doc_put_object_chunked_decodes_and_verifies() {
    check_example("put-object-chunked.json", Framing::Signed);
}

#[test]
fn s3doc_put_object_chunked_trailer_decodes_and_verifies() {
    check_example("put-object-chunked-trailer.json", Framing::SignedTrailer);
}

#[test]
fn a_chunk_signature_from_another_chain_is_refused() {
    let v = example("put-object-chunked.json");
    let body = encoded_body(&v);
    // The trailer example signs the same chunks from another seed.
    let other = example("put-object-chunked-trailer.json");
    let decoder = decoder_for(&other, Framing::Signed);
    let outcome = decode(decoder, &body, 65536);
    assert_eq!(
        outcome.err().map(|e| e.kind()),
        Some(DecodeErrorKind::Signature)
    );
}

#[test]
fn client_framings_decode_with_the_core_at_every_split() {
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    let v4 = Signer::new(Credentials::new("AKIDEXAMPLE", secret), "us-east-1", "s3").s3();
    let v4a = v4.clone().sigv4a("*");
    let time = time::macros::datetime!(2024-01-02 03:04:05 UTC);
    let payload: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
    for framing in Framing::ALL {
        // SigV4a chunks must be at least 8 KiB (all but the last).
        let (signer, chunk_size) = if framing.is_ecdsa() {
            (&v4a, 8192)
        } else {
            (&v4, 300)
        };
        for algorithm in [
            ChecksumAlgorithm::Crc32,
            ChecksumAlgorithm::Crc32c,
            ChecksumAlgorithm::Crc64Nvme,
            ChecksumAlgorithm::Sha1,
            ChecksumAlgorithm::Sha256,
        ] {
            let mut request = http::Request::put("http://h/bucket/key")
                .body(())
                .expect("request");
            let checksum = Some(algorithm);
            let mut encoder = signer
                .sign_chunked(
                    &mut request,
                    framing,
                    payload.len() as u64,
                    chunk_size,
                    checksum,
                    time,
                )
                .expect("signs");
            let body = encoder.encode(&payload);
            let view = countersign::core::Request::from_http(&request);
            let auth = AuthParams::from_request(&view).expect("auth");
            for step in [1, 3, 64, 301, body.len()] {
                let chunk_signer = server_chain(&auth, secret);
                let trailers: Vec<&str> = if framing.has_trailer() {
                    vec![algorithm.header_name()]
                } else {
                    vec![]
                };
                let decoder = Decoder::new(
                    framing,
                    Limits::default(),
                    framing.is_signed().then_some(chunk_signer),
                )
                .declared_trailers(trailers)
                .decoded_length(Some(payload.len() as u64));
                let (data, _) = decode(decoder, &body, step)
                    .unwrap_or_else(|e| panic!("{framing:?} {algorithm} step {step}: {e}"));
                assert_eq!(data, payload);
            }
        }
    }
}

/// The chain a server starts from a verified request: HMAC or ECDSA, as the request was signed.
fn server_chain(auth: &AuthParams<'_>, secret: &str) -> ChunkChain {
    let secret = SecretKey::new(secret);
    let scope = auth.credential.scope_str();
    match auth.signature.chain_seed() {
        ChainSignature::Hmac(seed) => {
            let key = SigningKey::derive(&secret, &auth.credential.scope());
            ChunkChain::Hmac(ChunkSigner::new(key, auth.date, scope, seed))
        }
        ChainSignature::Ecdsa(seed) => {
            let key = EcdsaKey::derive(&secret, auth.credential.access_key_id()).expect("key");
            ChunkChain::Ecdsa(EcdsaChunkSigner::new(key.into(), auth.date, scope, seed))
        }
    }
}
