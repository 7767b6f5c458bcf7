//! Round trips between the client and the core: random requests signed by
//! `countersign-client`, and the same requests signed by the `aws-sigv4` crate, verify with
//! the core, in S3 and default mode, in the header and the presigned form (a one-byte change
//! to the path still fails); and each of the client's aws-chunked framings, with each
//! checksum, decodes with the core at every split point.

use std::time::SystemTime;

use countersign::client::{Credentials, Payload, Signer};
use countersign::core::encoding::PATH;
use countersign::core::{
    sha256_hex, AuthParams, Error, Headers, Request, SecretKey, SigningSettings, Verifier,
    UNSIGNED_PAYLOAD,
};
use percent_encoding::utf8_percent_encode;
use proptest::prelude::*;
use time::OffsetDateTime;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// A request before it is put on the wire.
#[derive(Debug, Clone)]
struct Case {
    method: String,
    s3: bool,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    time: OffsetDateTime,
    presign: bool,
}

/// Characters for keys, values and segments: unreserved, reserved, `%`, `+`, space, unicode.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('a', 'z').prop_map(String::from),
            1 => Just("A".to_string()),
            1 => Just("0".to_string()),
            2 => Just(" ".to_string()),
            2 => Just("+".to_string()),
            2 => Just("%".to_string()),
            1 => Just("%20".to_string()),
            1 => Just("%2B".to_string()),
            1 => prop::sample::select(vec!["-", ".", "_", "~", "!", "$", "'", "(", ")", "*", ",", ";", ":", "@", "=", "&", "?", "#", "[", "]"]).prop_map(String::from),
            1 => prop::sample::select(vec!["ሴ", "é", "日本", "🦀", "ß"]).prop_map(String::from),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

/// A wire path for the default mode: segments joined by `/`, each encoded the way a client
/// might (some characters left raw where a URI allows them), with dot segments and doubled
/// slashes mixed in.
fn default_path() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            6 => text().prop_map(|s| utf8_percent_encode(&s, PATH).to_string()),
            2 => text().prop_map(|s| s.chars().map(|c| match c {
                ' ' => "%20".to_string(),
                '%' => "%25".to_string(),
                '#' | '?' | '[' | ']' => utf8_percent_encode(&c.to_string(), PATH).to_string(),
                c => c.to_string(),
            }).collect()),
            1 => Just(".".to_string()),
            1 => Just("..".to_string()),
            1 => Just(String::new()),
        ],
        0..5,
    )
    .prop_map(|segments| format!("/{}", segments.join("/")))
}

/// An S3 key, encoded as the SDKs encode it (everything but unreserved and `/`).
fn s3_path() -> impl Strategy<Value = String> {
    proptest::collection::vec(text(), 1..4)
        .prop_map(|segments| format!("/bucket/{}", utf8_percent_encode(&segments.join("/"), PATH)))
}

fn header() -> impl Strategy<Value = (String, String)> {
    let name = prop::sample::select(vec![
        "x-amz-meta-a",
        "x-amz-meta-b",
        "x-custom",
        "content-type",
        "x-amz-acl",
    ]);
    let value = proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('a', 'z').prop_map(String::from),
            2 => Just(" ".to_string()),
            1 => Just("  ".to_string()),
            1 => prop::sample::select(vec!["\"", ",", ";", "=", "/", ":", "%"]).prop_map(String::from),
        ],
        1..10,
    )
    .prop_map(|parts| parts.concat())
    .prop_filter("a header value needs a visible character", |v| !v.trim().is_empty());
    (name, value).prop_map(|(n, v)| (n.to_string(), v))
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(vec![
            "GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS",
        ]),
        any::<bool>(),
        default_path(),
        s3_path(),
        proptest::collection::vec((text(), text()), 0..5),
        proptest::collection::vec(header(), 0..5),
        proptest::collection::vec(any::<u8>(), 0..64),
        0i64..2_000_000_000,
        any::<bool>(),
    )
        .prop_map(
            |(method, s3, default_path, s3_path, mut query, headers, body, t, presign)| {
                // A repeated key now and then.
                if let Some(first) = query.first().cloned() {
                    if first.1.len() % 2 == 0 {
                        query.push((first.0, "again".to_string()));
                    }
                }
                Case {
                    method: method.to_string(),
                    s3,
                    path: if s3 { s3_path } else { default_path },
                    query,
                    headers,
                    body,
                    time: OffsetDateTime::from_unix_timestamp(t).expect("in range"),
                    presign,
                }
            },
        )
}

impl Case {
    fn settings(&self) -> SigningSettings {
        if self.s3 {
            SigningSettings::s3()
        } else {
            SigningSettings::standard()
        }
    }

    /// The query on the wire: keys and values encoded strictly, or form-style (`+` for space).
    fn wire_query(&self) -> String {
        self.query
            .iter()
            .enumerate()
            .map(|(i, (k, v))| {
                let enc = |s: &str| {
                    let strict =
                        utf8_percent_encode(s, countersign::core::encoding::COMPONENT).to_string();
                    if i % 2 == 1 {
                        strict.replace("%20", "+")
                    } else {
                        strict
                    }
                };
                format!("{}={}", enc(k), enc(v))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    fn uri(&self) -> String {
        let query = self.wire_query();
        if query.is_empty() {
            format!("https://example.amazonaws.com{}", self.path)
        } else {
            format!("https://example.amazonaws.com{}?{query}", self.path)
        }
    }

    fn http(&self) -> http::Request<Vec<u8>> {
        let mut builder = http::Request::builder()
            .method(self.method.as_str())
            .uri(self.uri());
        builder = builder.header("host", "example.amazonaws.com");
        for (n, v) in &self.headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        builder.body(self.body.clone()).expect("a valid request")
    }

    /// What the verifier puts on the canonical request's last line.
    fn payload_hash(&self, request: &http::Request<Vec<u8>>) -> String {
        if let Some(declared) = request.headers().first("x-amz-content-sha256") {
            return String::from_utf8_lossy(declared).into_owned();
        }
        if self.presign && self.s3 {
            UNSIGNED_PAYLOAD.to_string()
        } else {
            sha256_hex(&self.body)
        }
    }
}

/// Verifies `request`; what was verified (the access key id) on success.
fn verify(case: &Case, request: &http::Request<Vec<u8>>) -> Result<String, Error> {
    let view = Request::from_http(request);
    let auth = AuthParams::from_request(&view)?;
    Verifier::new(case.settings())
        .regions(["us-east-1"])
        .services(["service", "s3"])
        .verify(
            &view,
            &auth,
            &SecretKey::new(SECRET),
            &case.payload_hash(request),
            case.time,
        )
        .map(|verified| verified.access_key_id.to_string())
}

fn sign_with_countersign(case: &Case) -> http::Request<Vec<u8>> {
    let mut request = case.http();
    let service = if case.s3 { "s3" } else { "service" };
    let mut signer = Signer::new(Credentials::new(AKID, SECRET), "us-east-1", service);
    if case.s3 {
        signer = signer.s3();
    }
    let body = case.body.clone();
    let payload = if case.presign && case.s3 {
        Payload::Unsigned
    } else {
        Payload::Bytes(&body)
    };
    if case.presign {
        signer
            .presign(&mut request, payload, 900, case.time)
            .expect("presigns");
    } else {
        signer
            .sign(&mut request, payload, case.time)
            .expect("signs");
    }
    request
}

fn sign_with_aws_sigv4(case: &Case) -> http::Request<Vec<u8>> {
    use aws_sigv4::http_request::{
        sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
        SignatureLocation, SigningSettings as AwsSettings, UriPathNormalizationMode,
    };
    let mut request = case.http();
    let identity = aws_credential_types::Credentials::new(AKID, SECRET, None, None, "test").into();
    let mut settings = AwsSettings::default();
    if case.s3 {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        if !case.presign {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
    }
    if case.presign {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(std::time::Duration::from_secs(900));
    }
    let time: SystemTime = case.time.into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(if case.s3 { "s3" } else { "service" })
        .time(time)
        .settings(settings)
        .build()
        .expect("params")
        .into();
    let body = if case.presign && case.s3 {
        SignableBody::UnsignedPayload
    } else {
        SignableBody::Bytes(&case.body)
    };
    let uri = request.uri().to_string();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                v.to_str().expect("ascii").to_string(),
            )
        })
        .collect();
    let signable = SignableRequest::new(
        case.method.as_str(),
        uri,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        body,
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params)
        .expect("aws-sigv4 signs")
        .into_parts();
    instructions.apply_to_request_http1x(&mut request);
    request
}

/// The same request with the last byte of the path changed.
fn with_path_changed(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut changed = request.clone();
    let pq = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_default();
    let (path, query) = pq
        .split_once('?')
        .map_or((pq.as_str(), None), |(p, q)| (p, Some(q)));
    let path = format!("{path}z");
    let pq = match query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    *changed.uri_mut() = format!("https://example.amazonaws.com{pq}")
        .parse()
        .expect("uri");
    changed
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn countersign_client_signatures_verify(case in case()) {
        let request = sign_with_countersign(&case);
        let verified = verify(&case, &request);
        prop_assert!(verified.is_ok(), "{:?}\n{:?}", verified.err().map(|e| (e.to_string(), e.mismatch().cloned())), request);
        let tampered = verify(&case, &with_path_changed(&request));
        prop_assert_eq!(tampered.err().map(|e| e.code()), Some("SignatureDoesNotMatch"));
    }

    #[test]
    fn aws_sigv4_signatures_verify(case in case()) {
        let request = sign_with_aws_sigv4(&case);
        let verified = verify(&case, &request);
        prop_assert!(verified.is_ok(), "{:?}\n{:?}", verified.err().map(|e| (e.to_string(), e.mismatch().cloned())), request);
    }
}

/// The client's aws-chunked bodies, one test per framing and trailer checksum, decoded by the
/// core as a server decodes them (on the chain the signed request starts) at every split
/// point.
mod aws_chunked {
    use countersign::client::{ChecksumAlgorithm, Credentials, Framing, Signer};
    use countersign::core::aws_chunked::{Decoder, Limits};
    use countersign::core::{AuthParams, Request, SecretKey};

    use crate::decoding::{decode, server_chain};

    /// Signs 20,000 bytes in `framing` with an `algorithm` trailer (when the framing has a
    /// trailer) and decodes the body pushed 1, 3, 64, 301 bytes at a time and whole.
    fn decodes_at_every_split(framing: Framing, algorithm: ChecksumAlgorithm) {
        let secret = super::SECRET;
        let v4 = Signer::new(Credentials::new(super::AKID, secret), "us-east-1", "s3").s3();
        // SigV4a chunks must be at least 8 KiB (all but the last).
        let (signer, chunk_size) = if framing.is_ecdsa() {
            (v4.sigv4a("*"), 8192)
        } else {
            (v4, 300)
        };
        let time = time::macros::datetime!(2024-01-02 03:04:05 UTC);
        let payload: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut request = http::Request::put("http://h/bucket/key")
            .body(())
            .expect("request");
        let mut encoder = signer
            .sign_chunked(
                &mut request,
                framing,
                payload.len() as u64,
                chunk_size,
                Some(algorithm),
                time,
            )
            .expect("signs");
        let body = encoder.encode(&payload);
        let view = Request::from_http(&request);
        let auth = AuthParams::from_request(&view).expect("auth");
        for step in [1, 3, 64, 301, body.len()] {
            let chain = server_chain(&auth, &SecretKey::new(secret));
            let trailers: Vec<&str> = if framing.has_trailer() {
                vec![algorithm.header_name()]
            } else {
                vec![]
            };
            let decoder = Decoder::new(
                framing,
                Limits::default(),
                framing.is_signed().then_some(chain),
            )
            .declared_trailers(trailers)
            .decoded_length(Some(payload.len() as u64));
            let (data, _) = decode(decoder, &body, step)
                .unwrap_or_else(|e| panic!("{framing:?} {algorithm} step {step}: {e}"));
            assert_eq!(data, payload);
        }
    }

    /// A test per trailer checksum, for the framing given.
    macro_rules! checksums {
        ($framing:ident) => {
            checksums! {
                $framing;
                crc32 => Crc32,
                crc32c => Crc32c,
                crc64nvme => Crc64Nvme,
                sha1 => Sha1,
                sha256 => Sha256,
            }
        };
        ($framing:ident; $($test:ident => $algorithm:ident),* $(,)?) => {
            $(
                #[test]
                fn $test() {
                    super::decodes_at_every_split(Framing::$framing, ChecksumAlgorithm::$algorithm);
                }
            )*
        };
    }

    /// A module per framing.
    macro_rules! framings {
        ($($module:ident => $framing:ident),* $(,)?) => {
            /// The framings the modules below cover.
            const COVERED: &[Framing] = &[$(Framing::$framing),*];
            $(
                mod $module {
                    use countersign::client::{ChecksumAlgorithm, Framing};

                    checksums!($framing);
                }
            )*
        };
    }

    framings! {
        signed => Signed,
        signed_trailer => SignedTrailer,
        ecdsa_signed => EcdsaSigned,
        ecdsa_signed_trailer => EcdsaSignedTrailer,
        unsigned_trailer => UnsignedTrailer,
    }

    #[test]
    fn every_framing_is_covered() {
        assert_eq!(COVERED, Framing::ALL);
    }
}
