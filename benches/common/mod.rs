//! The request every signing and verifying bench measures, its credentials, and
//! `aws-sigv4`'s signing of it for the side-by-side runs.
#![allow(dead_code, unreachable_pub)] // each bench uses a different subset

use countersign::client::{Credentials, Signer};
use countersign::core::{SigningSettings, Verifier};
use time::macros::datetime;
use time::OffsetDateTime;

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
    mut measure: impl FnMut(&mut dyn FnMut()) -> T,
) -> (T, T) {
    use countersign::server::keys::MemoryKeyStore;
    use countersign::server::SigV4Layer;
    use tower::{Layer, ServiceExt};
    let store = MemoryKeyStore::new();
    store.insert(AKID, SECRET, ());
    let layer = SigV4Layer::new(store)
        .s3()
        .regions(["us-east-1"])
        .services(["s3"])
        .clock(|| NOW);
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
