//! A stand-in for the SigV4 layer that does only the cryptography a verification cannot
//! skip, and checks nothing: the SHA-256 of about a canonical request's bytes (the method,
//! the target and every header but `Authorization`) and one HMAC of a string to sign, with
//! the key's HMAC state ready as a warm key cache keeps it. `scripts/bench-http.sh` serves
//! the API behind it to measure how close to the bare router any verifier could come on
//! the machine: what bounds the layer's HTTP target.

use std::task::{Context, Poll};

use hmac::{Hmac, KeyInit, Mac};
use http::Request;
use sha2::{Digest, Sha256};
use tower::{Layer, Service};

/// Wraps a service in [`Floor`].
#[derive(Clone)]
pub(crate) struct FloorLayer {
    keyed: Hmac<Sha256>,
}

impl FloorLayer {
    pub(crate) fn new() -> Self {
        // Any key does: what is computed is only measured.
        FloorLayer {
            keyed: Hmac::new(&[0x5a; 64].into()),
        }
    }
}

impl<S> Layer<S> for FloorLayer {
    type Service = Floor<S>;

    fn layer(&self, inner: S) -> Floor<S> {
        Floor {
            inner,
            keyed: self.keyed.clone(),
        }
    }
}

/// The inner service, after the floor's cryptography over each request.
#[derive(Clone)]
pub(crate) struct Floor<S> {
    inner: S,
    keyed: Hmac<Sha256>,
}

impl<S, B> Service<Request<B>> for Floor<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> S::Future {
        std::hint::black_box(signature(&self.keyed, &request));
        self.inner.call(request)
    }
}

/// The HMAC, keyed by `keyed`, of a string to sign carrying the SHA-256 of the request's
/// method, target and headers (`Authorization` left out, as a canonical request leaves it).
fn signature<B>(keyed: &Hmac<Sha256>, request: &Request<B>) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(request.method().as_str());
    hash.update(b"\n");
    hash.update(request.uri().path_and_query().map_or("/", |p| p.as_str()));
    for (name, value) in request.headers() {
        if name != http::header::AUTHORIZATION {
            hash.update(name.as_str());
            hash.update(b":");
            hash.update(value.as_bytes());
            hash.update(b"\n");
        }
    }
    let mut hex_hash = [0u8; 64];
    if hex::encode_to_slice(hash.finalize(), &mut hex_hash).is_err() {
        unreachable!("64 hex digits hold 32 bytes");
    }
    let mut mac = keyed.clone();
    mac.update(
        b"AWS4-HMAC-SHA256\n20240524T000000Z\n20240524/us-east-1/execute-api/aws4_request\n",
    );
    mac.update(&hex_hash);
    mac.finalize().into_bytes().into()
}
