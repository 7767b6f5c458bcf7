//! What follows the key lookup, whether the store answered at once (inside `call`) or later
//! (in the response future): the signature checked with the key, the identity made, the
//! body wrapped in its checks, and the request handed to the inner service.

use countersign_core::aws_chunked::Decoder;
use countersign_core::{AuthParams, Request, EMPTY_SHA256_DIGEST};
use http::request::Parts;
use tower_service::Service;

use crate::authenticate::{
    declared_hash, decoy_verification, verify_signature, ChainKey, Checked, Checksums, PayloadPlan,
    ServerHeaders,
};
use crate::body::{Digests, VerifiedBody};
use crate::error::Error;
use crate::identity::{PayloadCheck, Verified};
use crate::keys::Key;
use crate::layer::Config;

/// A request whose signature verified: who signed it, and the key that continues its
/// signature into the chunks of an aws-chunked body (none for other bodies).
pub(crate) struct Admitted<P> {
    pub(crate) identity: Verified<P>,
    pub(crate) chain_key: Option<ChainKey>,
}

/// The refusal of a request that names a key the store does not know, before any of its
/// body is read. Its signature is checked against the decoy secret first, so that it costs
/// what a wrong signature costs.
pub(crate) fn unknown_key(
    config: &Config,
    request: &Request<'_, ServerHeaders<'_>>,
    checked: &Checked<'_>,
) -> Error {
    decoy_verification(config, request, checked, declared_hash(&checked.payload));
    Error::InvalidAccessKeyId(checked.auth.credential.access_key_id().to_string())
}

/// Checks the signature of `request` with `key`, over `payload_hash` (the declared hash, or
/// the hash of the body read for a `Buffer` plan).
pub(crate) fn admit<P>(
    config: &Config,
    request: &Request<'_, ServerHeaders<'_>>,
    checked: &Checked<'_>,
    key: Key<P>,
    payload_hash: &str,
) -> Result<Admitted<P>, Error> {
    let check = match &checked.payload {
        PayloadPlan::Declared { .. } => PayloadCheck::Streaming,
        // Read and hashed before this check, or empty by its framing.
        PayloadPlan::Buffer | PayloadPlan::Empty => PayloadCheck::Verified,
        chained if chained.is_chained() => PayloadCheck::Streaming,
        PayloadPlan::Chunked { .. } | PayloadPlan::Unsigned => PayloadCheck::Unsigned,
    };
    let (identity, chain_key) =
        verify_signature(config, request, checked, key, payload_hash, check)?;
    Ok(Admitted {
        identity,
        chain_key,
    })
}

/// The body the inner service reads, checked as it streams against what the request
/// declared: its `payload` plan and `checksums` headers, and for an aws-chunked body the
/// chain that `chain_key` continues from `auth`'s signature (not for a `Buffer` plan, whose
/// body was read before the check: see [`VerifiedBody::buffered`]). The parts are taken
/// rather than the whole [`Checked`], which is most of a kilobyte to move.
pub(crate) fn streaming_body<B>(
    body: B,
    auth: &AuthParams<'_>,
    payload: PayloadPlan,
    checksums: Checksums,
    chain_key: Option<ChainKey>,
    config: &Config,
) -> VerifiedBody<B> {
    let digests = Digests::checksums(checksums);
    match payload {
        PayloadPlan::Declared { hash, .. } => VerifiedBody::plain(body, digests.sha256(hash)),
        PayloadPlan::Empty => VerifiedBody::plain(body, digests.sha256(EMPTY_SHA256_DIGEST)),
        PayloadPlan::Chunked {
            framing,
            decoded_length,
            trailers,
        } => {
            let chain = chain_key.and_then(|key| key.chain(auth));
            let decoder = Decoder::new(framing, config.chunk_limits, chain)
                .declared_trailers(trailers)
                .decoded_length(Some(decoded_length));
            VerifiedBody::chunked(body, decoder, digests, config.drain_limit)
        }
        PayloadPlan::Unsigned if config.allow_unsigned_payload => {
            VerifiedBody::plain(body, digests)
        }
        // Refusing unsigned bodies let this one through only because it is empty: any byte
        // that came after all fails it. A body to be read first is not handed on from here;
        // were it, it would fail the same way rather than pass unchecked.
        PayloadPlan::Unsigned | PayloadPlan::Buffer => {
            VerifiedBody::plain(body, digests.sha256(EMPTY_SHA256_DIGEST))
        }
    }
}

/// Hands the request to the inner service, with its identity in the extensions.
pub(crate) fn forward<S, B, P>(
    service: &mut S,
    mut parts: Parts,
    body: VerifiedBody<B>,
    identity: Verified<P>,
) -> S::Future
where
    S: Service<http::Request<VerifiedBody<B>>>,
    P: Clone + Send + Sync + 'static,
{
    parts.extensions.insert(identity);
    service.call(http::Request::from_parts(parts, body))
}
