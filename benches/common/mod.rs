//! The request every signing and verifying bench measures, its credentials, and
//! `aws-sigv4`'s signing of it for the side-by-side runs.
#![allow(dead_code, unreachable_pub)] // each bench uses a different subset

use countersign::client::{Credentials, Signer};
use countersign::core::{AuthParams, Request, SecretKey, SigningSettings, Verifier};
use time::macros::datetime;
use time::OffsetDateTime;

pub mod authz;
pub mod minimal;

pub const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const NOW: OffsetDateTime = datetime!(2024-05-24 12:00:00 UTC);

/// A typical S3 GET: virtual-hosted bucket, a key with a space, a range, a user agent.
pub fn s3_get() -> http::Request<()> {
    http::Request::get(
        "https://examplebucket.s3.amazonaws.com/photos/2024/trip%20one.jpg?versionId=3HL4kqtJlcpXroDTDmJ",
    )
    .header("host", "examplebucket.s3.amazonaws.com")
    .header("range", "bytes=0-1048575")
    .header("user-agent", "aws-sdk-rust/1.0 os/linux lang/rust")
    .body(())
    .expect("request")
}

/// countersign's S3 signer for [`AKID`] in us-east-1.
pub fn s3_signer() -> Signer {
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "s3").s3()
}

/// A verifier for S3 in us-east-1.
pub fn s3_verifier() -> Verifier {
    Verifier::new(SigningSettings::s3())
        .regions(["us-east-1"])
        .services(["s3"])
}

/// One verification of `request` as a server makes it: its view, its parameters parsed, then
/// checked with `secret` over `payload_hash` at [`NOW`].
pub fn verify_once(
    verifier: &Verifier,
    secret: &SecretKey,
    request: &http::Request<()>,
    payload_hash: &str,
) {
    let view = Request::from_http(request);
    let auth = AuthParams::from_request(&view).expect("parses");
    let verified = verifier.verify(&view, &auth, secret, payload_hash, NOW);
    std::hint::black_box(verified.expect("verifies").time);
}

/// `aws-sigv4`'s settings for S3: the path encoded once and not normalized, an
/// `x-amz-content-sha256` header.
pub fn aws_sigv4_s3_settings() -> aws_sigv4::http_request::SigningSettings {
    use aws_sigv4::http_request::{
        PayloadChecksumKind, PercentEncodingMode, SigningSettings, UriPathNormalizationMode,
    };
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    settings
}

/// `aws-sigv4`'s parameters for signing the bench's request as `identity`, at [`NOW`].
pub fn aws_sigv4_params(
    identity: &aws_smithy_runtime_api::client::identity::Identity,
) -> aws_sigv4::http_request::SigningParams<'_> {
    aws_sigv4::sign::v4::SigningParams::builder()
        .identity(identity)
        .region("us-east-1")
        .name("s3")
        .time(std::time::SystemTime::from(NOW))
        .settings(aws_sigv4_s3_settings())
        .build()
        .expect("params")
        .into()
}

/// The identity `aws-sigv4` signs with.
pub fn aws_sigv4_identity() -> aws_smithy_runtime_api::client::identity::Identity {
    aws_credential_types::Credentials::new(AKID, SECRET, None, None, "bench").into()
}

/// Signs a body-less GET with `aws-sigv4`, the way its users do: a signable view of the
/// request, then the instructions applied to it.
pub fn aws_sigv4_sign(
    mut request: http::Request<()>,
    params: &aws_sigv4::http_request::SigningParams<'_>,
) -> http::Request<()> {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest};
    let uri = request.uri().to_string();
    let signable = SignableRequest::new(
        "GET",
        uri,
        request
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().expect("ascii"))),
        SignableBody::Bytes(&[]),
    )
    .expect("signable");
    let (instructions, _) = sign(signable, params).expect("signs").into_parts();
    instructions.apply_to_request_http1x(&mut request);
    request
}

/// `measure` applied to sending `signed` through `SigV4Layer` (S3 rules, the bench's key,
/// the bench's clock) into a service that answers at once, then to sending it into that
/// service alone: (with the layer, without).
pub fn through_the_layer<T>(
    signed: &http::Request<()>,
    measure: impl FnMut(&mut dyn FnMut()) -> T,
) -> (T, T) {
    let store = countersign::server::keys::MemoryKeyStore::new();
    store.insert(AKID, SECRET, ());
    through_the_layer_of(store, signed, measure)
}

/// [`through_the_layer`] with the bench's key in `store`.
pub fn through_the_layer_of<K, T>(
    store: K,
    signed: &http::Request<()>,
    measure: impl FnMut(&mut dyn FnMut()) -> T,
) -> (T, T)
where
    K: countersign::server::keys::KeyStore,
{
    through(bench_layer(store), signed, measure)
}

/// The layer of [`through_the_layer`] over `store`: S3 rules, the bench's clock.
pub fn bench_layer<K: countersign::server::keys::KeyStore>(
    store: K,
) -> countersign::server::SigV4Layer<K> {
    countersign::server::SigV4Layer::new(store)
        .s3()
        .regions(["us-east-1"])
        .services(["s3"])
        .clock(|| NOW)
}

/// `measure` applied to sending `signed` through `layer` into a service that answers at
/// once, then to sending it into that service alone: (with the layer, without).
pub fn through<K, T>(
    layer: countersign::server::SigV4Layer<K>,
    signed: &http::Request<()>,
    mut measure: impl FnMut(&mut dyn FnMut()) -> T,
) -> (T, T)
where
    K: countersign::server::keys::KeyStore,
{
    use tower::{Layer, ServiceExt};
    let service = layer.layer(tower::service_fn(answer));
    let request = || {
        let mut r = http::Request::new(http_body_util::Empty::<bytes::Bytes>::new());
        *r.method_mut() = signed.method().clone();
        *r.uri_mut() = signed.uri().clone();
        *r.headers_mut() = signed.headers().clone();
        r
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let with = measure(&mut || {
        let response = runtime.block_on(service.clone().oneshot(request()));
        assert!(response.expect("answers").status().is_success());
    });
    let without = measure(&mut || {
        let response = runtime.block_on(tower::service_fn(answer).oneshot(request()));
        assert!(response.expect("answers").status().is_success());
    });
    (with, without)
}

/// A service that answers at once.
async fn answer<B>(
    _request: http::Request<B>,
) -> Result<http::Response<String>, std::convert::Infallible> {
    Ok(http::Response::new(String::new()))
}

/// `scratchstack-aws-signature` verifying `signed` by S3's rules with the signing key ready
/// (its key service answers at once): one verification per call.
pub fn scratchstack_verify(signed: &http::Request<()>) -> impl FnMut() + '_ {
    use scratchstack_aws_signature::principal::User;
    use scratchstack_aws_signature::{
        sigv4_validate_request, GetSigningKeyRequest, GetSigningKeyResponse, KSecretKey,
        SignatureOptions, NO_ADDITIONAL_SIGNED_HEADERS,
    };
    use std::str::FromStr;
    let ksigning = KSecretKey::from_str(SECRET).expect("secret").to_ksigning(
        chrono::NaiveDate::from_ymd_opt(2024, 5, 24).expect("date"),
        "us-east-1",
        "s3",
    );
    let user = User::new("aws", "123456789012", "/", "bench").expect("user");
    let mut keys = tower::service_fn(move |_: GetSigningKeyRequest| {
        let response = GetSigningKeyResponse::builder()
            .principal(user.clone())
            .signing_key(ksigning)
            .build();
        async move { response.map_err(Into::into) }
    });
    let at =
        chrono::DateTime::<chrono::Utc>::from_timestamp(NOW.unix_timestamp(), 0).expect("time");
    move || {
        let future = sigv4_validate_request(
            signed.clone(),
            "us-east-1",
            "s3",
            &mut keys,
            at,
            &NO_ADDITIONAL_SIGNED_HEADERS,
            SignatureOptions::S3,
        );
        std::hint::black_box(block_on(future).expect("scratchstack verifies"));
    }
}

/// The cryptography a verification of the bench's request cannot avoid: the SHA-256 of its
/// canonical request and one HMAC of the string to sign, written with `sha2` and `hmac`
/// directly (the key derived outside the type that keeps it private).
pub struct Floor {
    canonical_request: String,
    /// The string to sign without its last line (the canonical request's hash).
    string_to_sign_head: String,
    key: [u8; 32],
    keyed: hmac::Hmac<sha2::Sha256>,
}

impl Floor {
    /// The floor of the request `signed` describes; checks that it computes its signature.
    pub fn new(signed: &countersign::client::Signed) -> Self {
        use hmac::KeyInit;
        let key = derive(SECRET);
        let sts = &signed.string_to_sign;
        let floor = Floor {
            canonical_request: signed.canonical_request.clone(),
            string_to_sign_head: sts[..sts.rfind('\n').map_or(0, |i| i + 1)].to_string(),
            keyed: hmac::Hmac::new_from_slice(&key).expect("key"),
            key,
        };
        let expected = signed.signature.to_string();
        for computed in [
            floor.with_key_ready(),
            floor.with_keyed_state_ready(),
            floor.with_key_derivation(SECRET),
        ] {
            assert_eq!(
                hex::encode(computed),
                expected,
                "the floor computes the request's signature, no less"
            );
        }
        floor
    }

    /// Hashes the canonical request and signs the string to sign with `mac`, keyed.
    fn sign(&self, mut mac: hmac::Hmac<sha2::Sha256>) -> [u8; 32] {
        use hmac::Mac;
        use sha2::Digest;
        let hash = sha2::Sha256::digest(std::hint::black_box(self.canonical_request.as_bytes()));
        mac.update(self.string_to_sign_head.as_bytes());
        let mut hex_hash = [0u8; 64];
        hex::encode_to_slice(hash, &mut hex_hash).expect("hex");
        mac.update(&hex_hash);
        mac.finalize().into_bytes().into()
    }

    /// With the 32-byte signing key ready (the HMAC keyed from it).
    pub fn with_key_ready(&self) -> [u8; 32] {
        use hmac::KeyInit;
        self.sign(hmac::Hmac::new_from_slice(&self.key).expect("key"))
    }

    /// With the HMAC's keyed state ready (its padded key blocks hashed once, as a cached
    /// `SigningKey` keeps them).
    pub fn with_keyed_state_ready(&self) -> [u8; 32] {
        self.sign(self.keyed.clone())
    }

    /// With the key derived first (four HMACs over `secret`), as a cold verification must.
    pub fn with_key_derivation(&self, secret: &str) -> [u8; 32] {
        use hmac::KeyInit;
        self.sign(hmac::Hmac::new_from_slice(&derive(secret)).expect("key"))
    }
}

/// The bench's signing key, derived from `secret` with `hmac` directly (nothing allocated:
/// the floor is the cryptography alone).
pub fn derive(secret: &str) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let step = |key: &[u8], data: &str| -> [u8; 32] {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("key");
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().into()
    };
    let mut seed = [0u8; 64];
    let seed = {
        let seed = &mut seed[..4 + secret.len()];
        seed[..4].copy_from_slice(b"AWS4");
        seed[4..].copy_from_slice(secret.as_bytes());
        &*seed
    };
    ["us-east-1", "s3", "aws4_request"]
        .into_iter()
        .fold(step(seed, "20240524"), |key, part| step(&key, part))
}

/// Runs a future that needs no I/O to completion.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

/// Bytes written before an operation timed or counted with the caches cold: four times a
/// core's L2 cache on the development machine, so that what the last operation left there,
/// code and data, is gone, as a server's other work on a request (its HTTP parsing, the
/// handler, the kernel's networking) leaves it gone. `scripts/footprint.sh` takes their
/// lines off its counts.
pub const EVICT_BYTES: usize = 4 << 20;

/// A buffer of [`EVICT_BYTES`] that empties the caches when written.
pub struct Evictor {
    junk: Vec<u8>,
    round: u8,
}

impl Evictor {
    pub fn new() -> Self {
        Evictor {
            junk: vec![0u8; EVICT_BYTES],
            round: 0,
        }
    }

    /// Writes a byte in every cache line of the buffer.
    pub fn evict(&mut self) {
        self.round = self.round.wrapping_add(1);
        for line in self.junk.chunks_mut(64) {
            line[0] = line[0].wrapping_add(self.round);
        }
        std::hint::black_box(&mut self.junk);
    }
}

/// Nanoseconds per call of `f`, over `calls` calls.
pub fn ns_per_call(f: &mut dyn FnMut(), calls: u32) -> u128 {
    let started = std::time::Instant::now();
    for _ in 0..calls {
        f();
    }
    started.elapsed().as_nanos() / u128::from(calls.max(1))
}
