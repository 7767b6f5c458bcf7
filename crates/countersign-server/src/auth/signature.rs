//! The signature, once the key is known: checked against each live secret of the key (SigV4
//! through the HMAC key cache, SigV4a through the ECDSA key cache), then the replay guard
//! (whose answer may come later); and the decoy verification that makes an unknown key cost
//! what a wrong signature costs.

use countersign_core::aws_chunked::ChainSeed;
use countersign_core::{AuthParams, Request};

use crate::auth::precheck::{Checked, PayloadPlan};
use crate::auth::view::ServerHeaders;
use crate::config::Config;
use crate::error::Error;
use crate::identity::{PayloadCheck, Verified};
use crate::keys::Key;
use crate::replay::{LaterReplay, Replay};

/// Checks the signature against each live secret of the key, then asks the replay guard;
/// gives the identity (which takes the key's principal), when a signed aws-chunked body
/// follows the seed of the body's chain (the key that matched and the request's signature),
/// and the replay guard's answer when it is to be waited for.
pub(crate) fn verify_signature<P>(
    config: &Config,
    request: &Request<'_, ServerHeaders<'_>>,
    checked: &Checked<'_>,
    key: Key<P>,
    payload_hash: &str,
    payload: PayloadCheck,
) -> Result<Admitted<P>, Error> {
    let auth = &checked.auth;
    let mut first_error = None;
    let mut matched = None;
    for secret in key.secrets() {
        let (outcome, seed) = check_one_secret(config, request, checked, secret, payload_hash);
        match outcome {
            Ok(_) => {
                matched = Some(seed);
                break;
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match matched {
        Some(chain_seed) => {
            let replay = check_replay(config, auth)?;
            let mut identity = Verified::of(
                auth.credential.clone().into_owned(),
                key.into_principal(),
                auth.date.as_offset(),
            );
            if let Some(region_set) = &auth.region_set {
                identity = identity.with_region_set(region_set.as_str());
            }
            identity.presigned = matches!(auth.kind, countersign_core::AuthKind::Query { .. });
            identity.payload = payload;
            identity.session_token = auth.security_token.as_ref().map(|t| t.to_string());
            Ok(Admitted {
                identity,
                chain_seed,
                replay,
            })
        }
        None => Err(first_error.map(Error::Auth).unwrap_or_else(|| {
            Error::InvalidAccessKeyId(auth.credential.access_key_id().to_string())
        })),
    }
}

/// Verifies the request against the decoy secret and discards the outcome: a request naming
/// an unknown access key then costs what a wrong signature costs, so its timing does not tell
/// whether the key exists.
pub(crate) fn decoy_verification(
    config: &Config,
    request: &Request<'_, ServerHeaders<'_>>,
    checked: &Checked<'_>,
    payload_hash: &str,
) {
    let outcome = verify_signature(
        config,
        request,
        checked,
        config.decoy.clone(),
        payload_hash,
        PayloadCheck::Unsigned,
    );
    std::hint::black_box(outcome.is_ok());
}

/// With replay protection on, a header-signed request's signature may be used once within its
/// validity window (the request time plus or minus the clock skew). A guard that answers
/// later gives its answer to wait for (see [`replay_answer`]).
fn check_replay(config: &Config, auth: &AuthParams<'_>) -> Result<Option<LaterReplay>, Error> {
    let Some(guard) = &config.replay else {
        return Ok(None);
    };
    if !matches!(auth.kind, countersign_core::AuthKind::Header) {
        return Ok(None);
    }
    // A skew too large to add (a configuration of `Duration::MAX`) keeps it for good.
    let valid_until = auth
        .date
        .as_offset()
        .checked_add(config.verifier.skew())
        .unwrap_or(time::PrimitiveDateTime::MAX.assume_utc());
    match guard.first_use(replay_key(auth).as_bytes(), valid_until, config.clock.now()) {
        Replay::First => Ok(None),
        Replay::Seen => Err(Error::Replayed),
        Replay::Later(answer) => Ok(Some(answer)),
    }
}

/// The refusal a replay guard's later answer calls for, if any: a replay, or a guard that
/// could not tell (the request fails closed).
pub(crate) async fn replay_answer(answer: LaterReplay) -> Result<(), Error> {
    match answer.await {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::Replayed),
        Err(failure) => Err(Error::ReplayGuard(failure)),
    }
}

/// What the replay guard remembers of a request's signature: its hex, or for SigV4a the hex
/// of its normalized form, which the altered copy `(r, n - s)` of an ECDSA signature `(r, s)`
/// shares with it (both verify: ECDSA is malleable).
fn replay_key(auth: &AuthParams<'_>) -> String {
    #[cfg(feature = "sigv4a")]
    if let Some(normalized) = auth.signature.as_ecdsa().and_then(|s| s.normalized()) {
        return hex::encode(normalized);
    }
    auth.signature_hex()
}

/// Verifies the request with one secret: SigV4 through the HMAC key cache, SigV4a through
/// the ECDSA key cache. Gives the seed of the chain when a signed aws-chunked body follows,
/// for its chunks (boxed: the outcome of every check carries an `Option` of it, and only an
/// aws-chunked body fills it).
fn check_one_secret(
    config: &Config,
    request: &Request<'_, ServerHeaders<'_>>,
    checked: &Checked<'_>,
    secret: &countersign_core::SecretKey,
    payload_hash: &str,
) -> (Result<(), countersign_core::Error>, Option<Box<ChainSeed>>) {
    let auth = &checked.auth;
    let chained = checked.payload.is_chained();
    #[cfg(feature = "sigv4a")]
    if let countersign_core::AnySignature::Ecdsa(signature) = &auth.signature {
        let id = auth.credential.access_key_id();
        let key = config.ecdsa_key_cache.get_or_derive(secret, id);
        let outcome = match &key {
            Some(key) => config
                .verifier
                .verify_signature_v4a(request, auth, key.verifying_key(), payload_hash)
                .map(|_| ()),
            None => Err(countersign_core::Error::SignatureDoesNotMatch(
                Box::default(),
            )),
        };
        let seed = key.filter(|_| chained).map(|key| ChainSeed::Ecdsa {
            key,
            seed: signature.clone(),
        });
        return (outcome, seed.map(Box::new));
    }
    // The verifier's key cache (config.key_cache) lends the key for the signature alone; the
    // key is copied only when a chain needs it.
    let outcome = config
        .verifier
        .verify_gathered(request, auth, checked.values.as_ref(), secret, payload_hash)
        .map(|_| ());
    let seed = auth.signature.as_hmac().filter(|_| chained).map(|seed| {
        Box::new(ChainSeed::Hmac {
            key: config
                .key_cache
                .get_or_derive(secret, &auth.credential.scope()),
            seed: *seed,
        })
    });
    (outcome, seed)
}

/// A request whose signature verified: who signed it, the seed that continues its
/// signature into the chunks of an aws-chunked body (none for other bodies), and the replay
/// guard's answer when it is to be waited for before the request goes on (none when the
/// guard answered at once, or is not asked).
pub(crate) struct Admitted<P> {
    pub(crate) identity: Verified<P>,
    pub(crate) chain_seed: Option<Box<ChainSeed>>,
    pub(crate) replay: Option<LaterReplay>,
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
    verify_signature(config, request, checked, key, payload_hash, check)
}
