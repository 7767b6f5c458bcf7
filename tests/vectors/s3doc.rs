//! The S3 documentation's worked examples (`shared/vectors/s3-doc-examples`), one test per
//! example and stage: single-chunk requests signed in the header, a presigned GET, the chunked
//! uploads (seed, every chunk signature, the trailer's), their bodies decoded and verified at
//! every split point (and refused with any chunk byte or signature changed, cut short, or
//! signed on another chain), and the browser POST policy's signature.

use countersign::client::{Credentials, Framing, Payload, Signer};
use countersign::core::aws_chunked::{
    canonical_trailer, ChunkChain, ChunkSigner, DecodeErrorKind, Decoder, Limits,
};
use countersign::core::{
    sha256_hex, AmzDate, AuthKind, AuthParams, CanonicalRequest, CredentialScope, RawHeaders,
    Request, SecretKey, Signature, SigningKey, SigningSettings, StringToSign, Verifier, ALGORITHM,
};
use serde_json::Value;
use time::OffsetDateTime;

use crate::common::{read, vectors_dir};
use crate::decoding::decode;

fn example(name: &str) -> Value {
    serde_json::from_str(&read(&vectors_dir().join("s3-doc-examples").join(name))).expect("JSON")
}

fn str_at<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} missing"))
}

fn signing_time(v: &Value) -> OffsetDateTime {
    AmzDate::parse(str_at(v, "/x_amz_date"))
        .expect("x_amz_date")
        .as_offset()
}

fn secret(v: &Value) -> SecretKey {
    SecretKey::new(str_at(v, "/credentials/secret_access_key"))
}

fn key(v: &Value) -> SigningKey {
    let scope = CredentialScope::new(
        str_at(v, "/date_stamp"),
        str_at(v, "/region"),
        str_at(v, "/service"),
    );
    let key = SigningKey::derive(&secret(v), &scope);
    if let Some(published) = v
        .pointer("/derived_not_published/signing_key_hex")
        .and_then(Value::as_str)
    {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(published, &mut bytes).expect("hex key");
        assert!(key.ct_eq(&SigningKey::from_bytes(bytes)), "signing key");
    }
    key
}

/// The example's headers, plus its published Authorization when there is one.
fn headers(v: &Value, authorization: Option<&str>) -> RawHeaders {
    let mut headers = RawHeaders::new();
    for pair in v["request"]["headers"].as_array().expect("headers") {
        headers.push(
            pair[0].as_str().expect("name"),
            pair[1].as_str().expect("value"),
        );
    }
    if let Some(a) = authorization {
        headers.push("Authorization", a);
    }
    headers
}

/// A single-chunk example signed in the Authorization header: stages, verification, client.
fn single(name: &str) {
    let v = example(name);
    let authorization = str_at(&v, "/expected/authorization");
    let headers = headers(&v, Some(authorization));
    let path = str_at(&v, "/request/path");
    let query = v["request"]["raw_query"].as_str().unwrap_or("");
    let method = str_at(&v, "/request/method");
    let view = Request::new(method, path, query, &headers);
    let auth = AuthParams::from_request(&view).expect("published Authorization parses");
    let payload_hash = str_at(&v, "/request/payload/sha256");
    let creq = CanonicalRequest::new(
        &view,
        SigningSettings::s3(),
        &auth.signed_headers,
        payload_hash,
        &[],
    );
    assert_eq!(creq.to_string(), str_at(&v, "/expected/canonical_request"));
    let sts = StringToSign::new(
        ALGORITHM,
        auth.date,
        auth.credential.scope_str(),
        creq.hash(),
    );
    assert_eq!(sts.to_string(), str_at(&v, "/expected/string_to_sign"));
    assert_eq!(
        sts.sign(&key(&v)).to_string(),
        str_at(&v, "/expected/signature")
    );
    Verifier::new(SigningSettings::s3())
        .regions(["us-east-1"])
        .services(["s3"])
        .verify(&view, &auth, &secret(&v), payload_hash, signing_time(&v))
        .expect("verifies");

    // The client, given the unsigned request and the body, signs it the same way.
    let host = str_at(&v, "/request/headers/0/1");
    let target = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("http://{host}{target}"));
    for pair in v["request"]["headers"].as_array().expect("headers") {
        builder = builder.header(
            pair[0].as_str().expect("name"),
            pair[1].as_str().expect("value"),
        );
    }
    let mut request = builder.body(()).expect("request");
    let body = v
        .pointer("/request/payload/value")
        .and_then(Value::as_str)
        .unwrap_or("");
    let signer = Signer::new(
        Credentials::new(
            str_at(&v, "/credentials/access_key_id"),
            str_at(&v, "/credentials/secret_access_key"),
        ),
        "us-east-1",
        "s3",
    )
    .s3();
    let out = signer
        .sign(
            &mut request,
            Payload::Bytes(body.as_bytes()),
            signing_time(&v),
        )
        .expect("signs");
    assert_eq!(out.signature.to_string(), str_at(&v, "/expected/signature"));
    assert_eq!(
        out.canonical_request,
        str_at(&v, "/expected/canonical_request")
    );
}

/// One test per single-chunk example, named after its file.
macro_rules! single_examples {
    ($($name:ident => $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                single($file);
            }
        )*
    };
}

single_examples! {
    get_object_range => "get-object-range.json",
    put_object => "put-object.json",
    get_bucket_lifecycle => "get-bucket-lifecycle.json",
    get_bucket_list_objects => "get-bucket-list-objects.json",
}

#[test]
fn presigned_get_object() {
    let v = example("presigned-get-object.json");
    let url: http::Uri = str_at(&v, "/expected/presigned_url").parse().expect("url");
    let headers = headers(&v, None);
    let view = Request::new("GET", url.path(), url.query().unwrap_or(""), &headers);
    let auth = AuthParams::from_request(&view).expect("presign parameters parse");
    assert_eq!(auth.kind, AuthKind::Query { expires: 86400 });
    let creq = CanonicalRequest::new(
        &view,
        SigningSettings::s3(),
        &auth.signed_headers,
        "UNSIGNED-PAYLOAD",
        &["X-Amz-Signature"],
    );
    assert_eq!(creq.to_string(), str_at(&v, "/expected/canonical_request"));
    let sts = StringToSign::new(
        ALGORITHM,
        auth.date,
        auth.credential.scope_str(),
        creq.hash(),
    );
    assert_eq!(sts.to_string(), str_at(&v, "/expected/string_to_sign"));
    assert_eq!(
        sts.sign(&key(&v)).to_string(),
        str_at(&v, "/expected/signature")
    );
    let verifier = Verifier::new(SigningSettings::s3())
        .regions(["us-east-1"])
        .services(["s3"]);
    let start = signing_time(&v);
    let secret = secret(&v);
    for (offset, ok) in [(0, true), (86400, true), (86401, false)] {
        let outcome = verifier.verify(
            &view,
            &auth,
            &secret,
            "UNSIGNED-PAYLOAD",
            start + time::Duration::seconds(offset),
        );
        assert_eq!(outcome.is_ok(), ok, "at +{offset} s: {outcome:?}");
    }

    // The client presigns the same URL (its parameters in aws-c-auth's order).
    let mut request = http::Request::get("https://examplebucket.s3.amazonaws.com/test.txt")
        .body(())
        .expect("request");
    let signer = Signer::new(
        Credentials::new("AKIAIOSFODNN7EXAMPLE", secret.expose()),
        "us-east-1",
        "s3",
    )
    .s3();
    let out = signer
        .presign(&mut request, Payload::Unsigned, 86400, start)
        .expect("presigns");
    assert_eq!(out.signature.to_string(), str_at(&v, "/expected/signature"));
    let mut ours: Vec<&str> = request.uri().query().unwrap_or("").split('&').collect();
    let mut published: Vec<&str> = url.query().unwrap_or("").split('&').collect();
    ours.sort_unstable();
    published.sort_unstable();
    assert_eq!(ours, published);
}

/// The seed signature of a chunked example, from its canonical request.
fn seed(v: &Value) -> Signature {
    let headers = headers(v, None);
    let signed_names: Vec<String> = str_at(v, "/expected/canonical_request")
        .lines()
        .nth_back(1)
        .expect("signed headers line")
        .split(';')
        .map(str::to_string)
        .collect();
    let signed = countersign::core::SignedHeaders::from_names(&signed_names);
    let view = Request::new(
        str_at(v, "/request/method"),
        str_at(v, "/request/path"),
        "",
        &headers,
    );
    let marker = str_at(v, "/expected/canonical_request")
        .lines()
        .last()
        .expect("payload line")
        .to_string();
    let creq = CanonicalRequest::new(&view, SigningSettings::s3(), &signed, &marker, &[]);
    assert_eq!(creq.to_string(), str_at(v, "/expected/canonical_request"));
    let time = AmzDate::from(signing_time(v));
    let scope = format!("{}/us-east-1/s3/aws4_request", str_at(v, "/date_stamp"));
    let sts = StringToSign::new(ALGORITHM, time, &scope, creq.hash());
    assert_eq!(sts.to_string(), str_at(v, "/expected/string_to_sign"));
    let seed = sts.sign(&key(v));
    assert_eq!(seed.to_string(), str_at(v, "/expected/seed_signature"));
    seed
}

/// Signs the example's chunks ('a' bytes of each size) and checks every string to sign and
/// signature; verifies them with a second chain; returns the chain after the final chunk.
fn chunks(v: &Value) -> ChunkSigner {
    let seed = seed(v);
    let time = AmzDate::from(signing_time(v));
    let scope = format!("{}/us-east-1/s3/aws4_request", str_at(v, "/date_stamp"));
    let mut signer = ChunkSigner::new(key(v), time, scope.clone(), seed);
    let mut verifier = ChunkSigner::new(key(v), time, scope, seed);
    for chunk in v["expected"]["chunks"].as_array().expect("chunks") {
        let size = chunk["size"].as_u64().expect("size") as usize;
        let data = vec![b'a'; size];
        assert_eq!(sha256_hex(&data), str_at(chunk, "/data_sha256"));
        let data_hash: [u8; 32] = {
            use sha2::Digest;
            sha2::Sha256::digest(&data).into()
        };
        assert_eq!(
            signer.chunk_string_to_sign(data_hash),
            str_at(chunk, "/string_to_sign")
        );
        let sig = signer.sign_chunk(&data);
        assert_eq!(sig.to_string(), str_at(chunk, "/signature"));
        let header = format!("{size:x};chunk-signature={sig}");
        assert_eq!(header, str_at(chunk, "/chunk_header_sent"));
        let published = Signature::from_hex(str_at(chunk, "/signature")).expect("hex");
        let mut wrong = data.clone();
        wrong.push(b'a');
        assert!(
            !verifier.verify_chunk(&wrong, &published),
            "a changed chunk must fail"
        );
        assert!(
            verifier.verify_chunk(&data, &published),
            "published chunk signature verifies"
        );
    }
    signer
}

#[test]
fn put_object_chunked_trailer_signature() {
    let v = example("put-object-chunked-trailer.json");
    let mut chain = chunks(&v);
    let trailer = canonical_trailer([("x-amz-checksum-crc32c", "sOO8/Q==")]);
    assert_eq!(
        String::from_utf8_lossy(&trailer),
        str_at(&v, "/expected/trailer/canonical_trailer")
    );
    assert_eq!(
        sha256_hex(&trailer),
        str_at(&v, "/expected/trailer/canonical_trailer_sha256")
    );
    assert_eq!(
        chain.trailer_string_to_sign(&trailer),
        str_at(&v, "/expected/trailer/string_to_sign")
    );
    let mut verifier = chain.clone();
    let sig = chain.sign_trailer(&trailer);
    assert_eq!(sig.to_string(), str_at(&v, "/expected/trailer/signature"));
    let published = Signature::from_hex(str_at(&v, "/expected/trailer/signature")).expect("hex");
    assert!(!verifier.verify_trailer(b"x-amz-checksum-crc32c:AAAAAA==\n", &published));
    assert!(verifier.verify_trailer(&trailer, &published));
}

/// The example's body as sent, from its published chunk headers and trailer.
fn encoded_body(v: &Value) -> Vec<u8> {
    let mut body = Vec::new();
    for chunk in v["expected"]["chunks"].as_array().expect("chunks") {
        body.extend_from_slice(str_at(chunk, "/chunk_header_sent").as_bytes());
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

/// The decoded length of both chunked examples.
const DECODED_LENGTH: usize = 66560;

/// A server's decoder for the example's body in `framing`, on the chain its seed starts.
fn decoder_for(v: &Value, framing: Framing) -> Decoder {
    let time = AmzDate::parse(str_at(v, "/x_amz_date")).expect("date");
    let scope = format!("{}/us-east-1/s3/aws4_request", str_at(v, "/date_stamp"));
    let seed = Signature::from_hex(str_at(v, "/expected/seed_signature")).expect("hex");
    let signer = ChunkSigner::new(key(v), time, scope, seed);
    let trailers: Vec<String> = match framing {
        Framing::Signed => vec![],
        _ => vec!["x-amz-checksum-crc32c".into()],
    };
    Decoder::new(framing, Limits::default(), Some(ChunkChain::Hmac(signer)))
        .declared_trailers(trailers)
        .decoded_length(Some(DECODED_LENGTH as u64))
}

/// The example's body decodes to its 66,560 `a`s (and its trailer) whatever the pieces it
/// arrives in.
fn assert_decodes_at_every_split(name: &str, framing: Framing) {
    let v = example(name);
    let body = encoded_body(&v);
    if let Some(length) = v["request"]["payload"]["encoded_length"].as_u64() {
        assert_eq!(body.len() as u64, length, "encoded length");
    }
    for step in [1, 7, 4096, 65536, body.len()] {
        let (data, trailers) = decode(decoder_for(&v, framing), &body, step)
            .unwrap_or_else(|e| panic!("step {step}: {e}"));
        assert_eq!(data.len(), DECODED_LENGTH);
        assert!(data.iter().all(|b| *b == b'a'));
        if framing == Framing::SignedTrailer {
            assert_eq!(
                trailers,
                vec![("x-amz-checksum-crc32c".to_string(), "sOO8/Q==".to_string())]
            );
        }
    }
}

/// The example's body with one byte changed (in the data, a chunk size, a signature, the
/// trailer) is refused.
fn assert_refuses_a_changed_byte(name: &str, framing: Framing) {
    let v = example(name);
    let body = encoded_body(&v);
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
}

/// The example's body without its last 10 bytes is refused as truncated.
fn assert_refuses_a_body_cut_short(name: &str, framing: Framing) {
    let v = example(name);
    let body = encoded_body(&v);
    let cut = decode(decoder_for(&v, framing), &body[..body.len() - 10], 4096);
    assert_eq!(
        cut.err().map(|e| e.kind()),
        Some(DecodeErrorKind::Truncated)
    );
}

/// One module per chunked example, a test per stage: the seed signature, every chunk's
/// signature, and the body decoded whole and in pieces, changed, and cut short.
macro_rules! chunked_examples {
    ($($module:ident => $file:literal, $framing:ident);* $(;)?) => {
        $(
            mod $module {
                use countersign::client::Framing;

                #[test]
                fn seed() {
                    super::seed(&super::example($file));
                }

                #[test]
                fn chunk_signatures() {
                    super::chunks(&super::example($file));
                }

                #[test]
                fn decodes_at_every_split() {
                    super::assert_decodes_at_every_split($file, Framing::$framing);
                }

                #[test]
                fn refuses_a_changed_byte() {
                    super::assert_refuses_a_changed_byte($file, Framing::$framing);
                }

                #[test]
                fn refuses_a_body_cut_short() {
                    super::assert_refuses_a_body_cut_short($file, Framing::$framing);
                }
            }
        )*
    };
}

chunked_examples! {
    put_object_chunked => "put-object-chunked.json", Signed;
    put_object_chunked_trailer => "put-object-chunked-trailer.json", SignedTrailer;
}

#[test]
fn put_object_chunked_refuses_the_chunk_signatures_of_another_chain() {
    let v = example("put-object-chunked.json");
    let body = encoded_body(&v);
    // The trailer example signs the same chunks from another seed.
    let other = example("put-object-chunked-trailer.json");
    let outcome = decode(decoder_for(&other, Framing::Signed), &body, 65536);
    assert_eq!(
        outcome.err().map(|e| e.kind()),
        Some(DecodeErrorKind::Signature)
    );
}

#[test]
fn post_policy_signature() {
    // The POST policy's string to sign is the base64 policy itself.
    let v = example("post-policy-browser-upload.json");
    let key = key(&v);
    let policy = str_at(&v, "/expected/policy_base64");
    assert_eq!(policy, str_at(&v, "/expected/string_to_sign"));
    assert_eq!(
        key.sign(policy.as_bytes()).to_string(),
        str_at(&v, "/expected/signature")
    );
}
