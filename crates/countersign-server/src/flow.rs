//! What follows the checks, for every path a request takes (its key at hand, its key waited
//! for, a POST form): the body wrapped in the checks it still owes, the replay guard's and
//! the authorizer's answers waited for when they come later, and the request handed to the
//! inner service with its identity.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use countersign_core::aws_chunked::ChainSeed;
use countersign_core::aws_chunked::Decoder;
use countersign_core::multipart::MultipartParser;
use countersign_core::{AuthParams, EMPTY_SHA256_DIGEST};
use http::request::Parts;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;
use tower_service::Service;

use crate::auth::form::{check_form, form_bucket, read_fields};
use crate::auth::precheck::PayloadPlan;
use crate::auth::signature::replay_answer;
use crate::authz::step::{authorize, Handoff, LaterVerdict};
use crate::authz::AccessCheck;
use crate::body::{Checksums, Digests, VerifiedBody};
use crate::config::Config;
use crate::error::{BoxError, Error};
use crate::identity::Verified;
use crate::keys::KeyStore;
use crate::refusal::{refusal, reject, Leftover};
use crate::replay::LaterReplay;

/// The body the inner service reads, checked as it streams against what the request
/// declared: its `payload` plan and `checksums` headers, and for an aws-chunked body the
/// chain that `chain_seed` starts from `auth`'s signature (not for a `Buffer` plan, whose
/// body was read before the check: see [`VerifiedBody::buffered`]). The parts are taken
/// rather than the whole [`Checked`](crate::auth::precheck::Checked), which is most of a
/// kilobyte to move.
pub(crate) fn streaming_body<B>(
    body: B,
    auth: &AuthParams<'_>,
    payload: PayloadPlan,
    checksums: Checksums,
    chain_seed: Option<Box<ChainSeed>>,
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
            let chain = chain_seed.map(|seed| seed.start(auth.date, auth.credential.scope_str()));
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

/// Hands the request to the inner service, with its identity (none for an anonymous
/// request) and the authorizer's check (when one allowed it) in the extensions.
pub(crate) fn forward<S, B, P>(
    service: &mut S,
    mut parts: Parts,
    body: VerifiedBody<B>,
    identity: Option<Verified<P>>,
    check: Option<AccessCheck>,
) -> S::Future
where
    S: Service<http::Request<VerifiedBody<B>>>,
    P: Clone + Send + Sync + 'static,
{
    if let Some(identity) = identity {
        parts.extensions.insert(identity);
    }
    if let Some(check) = check {
        parts.extensions.insert(check);
    }
    service.call(http::Request::from_parts(parts, body))
}

/// Waits for the authorizer's `verdict`, then hands the request on, or refuses it once what
/// is left of its body was read.
pub(crate) fn after_verdict<S, B, P>(
    mut service: S,
    parts: Parts,
    body: VerifiedBody<B>,
    identity: Option<Verified<P>>,
    (verdict, check): (LaterVerdict, AccessCheck),
    config: Arc<Config>,
) -> PostFuture<S::Response, S::Error>
where
    S: Service<Request<VerifiedBody<B>>> + Send + 'static,
    S::Future: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    P: Clone + Send + Sync + 'static,
{
    Box::pin(async move {
        match verdict.await {
            Ok(()) => forward(&mut service, parts, body, identity, Some(check))
                .await
                .map(Outcome::Inner),
            Err(denial) => {
                let (response, leftover) =
                    refusal(&config, &parts, body, Error::AccessDenied(denial), None);
                Ok(Outcome::Rejected(response, leftover))
            }
        }
    })
}

/// Waits for the replay guard's `answer` about the request signed with `auth`, then
/// authorizes the request and hands it on (waiting for the authorizer as well when its
/// verdict comes later), or refuses it once what is left of its body was read: a replay is
/// 403 `AccessDenied`, a guard that failed is the failure's 503 or 500.
pub(crate) fn after_replay<S, B, P>(
    mut service: S,
    parts: Parts,
    body: VerifiedBody<B>,
    (identity, auth): (Verified<P>, AuthParams<'static>),
    answer: LaterReplay,
    config: Arc<Config>,
) -> PostFuture<S::Response, S::Error>
where
    S: Service<Request<VerifiedBody<B>>> + Send + 'static,
    S::Future: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    P: Clone + Send + Sync + 'static,
{
    Box::pin(async move {
        let refused = |error, body| {
            let (response, leftover) = refusal(&config, &parts, body, error, Some(&auth));
            Ok(Outcome::Rejected(response, leftover))
        };
        if let Err(error) = replay_answer(answer).await {
            return refused(error, body);
        }
        let later = match authorize(&config, &parts, None, Some(&identity), None) {
            Handoff::Allowed(check) => {
                return forward(&mut service, parts, body, Some(identity), check)
                    .await
                    .map(Outcome::Inner);
            }
            Handoff::Refused(error) => return refused(error, body),
            Handoff::Later(verdict, check) => (verdict, check),
        };
        after_verdict(service, parts, body, Some(identity), later, config).await
    })
}

/// The outcome of the boxed POST flow: the inner service's response, or a rejection (with
/// what is left of the form to read before it is sent).
pub(crate) enum Outcome<R> {
    Inner(R),
    Rejected(Response<Full<Bytes>>, Option<Leftover>),
}

/// The future of one POST upload (boxed: this is not the hot path).
pub(crate) type PostFuture<R, E> = Pin<Box<dyn Future<Output = Result<Outcome<R>, E>> + Send>>;

/// Reads the form up to the file, verifies it, and calls the inner service.
pub(crate) fn post_upload<S, K, B>(
    mut service: S,
    parts: Parts,
    body: B,
    boundary: String,
    config: Arc<Config>,
    store: Arc<K>,
) -> PostFuture<S::Response, S::Error>
where
    S: Service<Request<VerifiedBody<B>>> + Send + 'static,
    S::Future: Send + 'static,
    K: KeyStore,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    Box::pin(async move {
        let mut body = Box::pin(body);
        let bucket = match form_bucket(&config, &parts) {
            Ok(bucket) => bucket,
            Err(e) => return Ok(refuse(&config, &parts, body, e)),
        };
        let mut parser = MultipartParser::new(&boundary);
        let form = match read_fields(&mut body, &mut parser).await {
            Ok(form) => form,
            Err(e) => return Ok(refuse(&config, &parts, body, e)),
        };
        let checked = match check_form(&config, bucket, form, store.as_ref()).await {
            Ok(checked) => checked,
            Err(e) => return Ok(refuse(&config, &parts, body, e)),
        };
        let (identity, post, range) = checked;
        let (check, later) = match authorize(&config, &parts, None, Some(&identity), Some(&post)) {
            Handoff::Allowed(check) => (check, None),
            Handoff::Refused(error) => return Ok(refuse(&config, &parts, body, error)),
            Handoff::Later(verdict, check) => (None, Some((verdict, check))),
        };
        let mut parts = parts;
        parts.extensions.insert(post);
        let body = VerifiedBody::form(body, parser, range, Digests::none(), config.drain_limit);
        let identity = Some(identity);
        if let Some(later) = later {
            return after_verdict(service, parts, body, identity, later, config).await;
        }
        forward(&mut service, parts, body, identity, check)
            .await
            .map(Outcome::Inner)
    })
}

/// The refusal of a form for `error`, sent once the rest of the form was read: a browser
/// sends the whole form before it reads an answer. A body that failed to be read is not read
/// again.
fn refuse<R, B>(config: &Config, parts: &Parts, body: Pin<Box<B>>, error: Error) -> Outcome<R>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let (response, leftover) = match error {
        Error::BodyRead(_) => (reject(config, parts, error, None), None),
        _ => refusal(config, parts, body, error, None),
    };
    Outcome::Rejected(response, leftover)
}
