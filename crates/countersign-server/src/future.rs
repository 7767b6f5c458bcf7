//! The response future: key lookup, then (when no hash was declared) reading the body, then
//! the inner service; no boxing.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::{Bytes, BytesMut};
use countersign_core::{sha256_hex, AuthParams};
use http::request::Parts;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::auth::key_step::{settle, unknown_key};
use crate::auth::precheck::{declared_hash, PayloadPlan, Plan};
use crate::auth::signature::{admit, Admitted};
use crate::auth::view::View;
use crate::authz::step::{authorize, Handoff, LaterVerdict};
use crate::authz::AccessCheck;
use crate::body::{Digests, ResponseBody, VerifiedBody};
use crate::budget::Reservation;
use crate::config::Config;
use crate::error::{BoxError, Error};
use crate::flow::{after_replay, after_verdict, forward, streaming_body, Outcome, PostFuture};
use crate::identity::Verified;
use crate::keys::{Key, KeyStore, Lookup};
use crate::refusal::{drain_budget, poll_discard, refusal, reject, Leftover};

/// A request waiting for its key (and perhaps its body), kept boxed in the future's states
/// so that the future stays small for the requests whose key the store had at hand.
pub(crate) struct Pending<S, B> {
    service: S,
    parts: Parts,
    body: B,
    plan: Plan,
    config: Arc<Config>,
}

impl<S, B> Pending<S, B> {
    pub(crate) fn new(service: S, parts: Parts, body: B, plan: Plan, config: Arc<Config>) -> Self {
        Pending {
            service,
            parts,
            body,
            plan,
            config,
        }
    }

    fn reject(&self, error: Error) -> Response<Full<Bytes>> {
        reject(&self.config, &self.parts, error, Some(&self.plan.auth))
    }

    /// The refusal for `error`, with the body still to be read before it is sent.
    fn refuse(self, error: Error) -> (Response<Full<Bytes>>, Option<Leftover>)
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        refusal(
            &self.config,
            &self.parts,
            self.body,
            error,
            Some(&self.plan.auth),
        )
    }

    /// Checks the signature with the key the store found, over `payload_hash`.
    fn admit<P>(&self, key: Key<P>, payload_hash: &str) -> Result<Admitted<P>, Error> {
        let view = View::new(&self.parts, self.config.proxy.as_ref());
        admit(&self.config, &view.request(), &self.plan, key, payload_hash)
    }

    /// The refusal of a key the store does not know (see [`unknown_key`]).
    fn unknown_key(&self) -> Error {
        let view = View::new(&self.parts, self.config.proxy.as_ref());
        unknown_key(&self.config, &view.request(), &self.plan)
    }
}

/// What to do after a state finished (short-lived: moved into the next state at once).
#[allow(
    clippy::large_enum_variant,
    reason = "a transient value, moved into the next state straight away"
)]
enum Step<F, B, P, S: Service<Request<VerifiedBody<B>>>> {
    Call(F),
    /// Wait for the authorizer, then call.
    Boxed(PostFuture<S::Response, S::Error>),
    Reject(Response<Full<Bytes>>, Option<Leftover>),
    /// Read the body first, then check it with the key.
    Buffer(Box<Pending<S, B>>, Key<P>),
}

pin_project! {
    /// The future of [`SigV4`](crate::SigV4).
    pub struct ResponseFuture<S, K, B>
    where
        S: Service<Request<VerifiedBody<B>>>,
        K: KeyStore,
    {
        #[pin]
        state: State<S, K, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, K, B>
    where
        S: Service<Request<VerifiedBody<B>>>,
        K: KeyStore,
    {
        // `remember_unknown`: whether the layer's unknown-key cache stands in front of the
        // store (see `key_step::layer_remembers_unknown`).
        Lookup {
            #[pin] lookup: K::Future,
            pending: Option<Box<Pending<S, B>>>,
            remember_unknown: bool,
        },
        Buffering {
            #[pin] body: B,
            collected: BytesMut,
            // The bytes `collected` may hold, out of the budget all buffered bodies share.
            reservation: Reservation,
            pending: Option<Box<Pending<S, ()>>>,
            key: Option<Key<K::Principal>>,
            // Once the body went past the buffer limit or the budget: how much more of it
            // to read and drop before it is refused, and why.
            refusing: Option<(u64, Error)>,
        },
        Inner { #[pin] future: S::Future },
        Boxed { future: PostFuture<S::Response, S::Error> },
        Rejected { response: Option<Response<Full<Bytes>>>, leftover: Option<Leftover> },
    }
}

impl<S, K, B> ResponseFuture<S, K, B>
where
    S: Service<Request<VerifiedBody<B>>>,
    K: KeyStore,
{
    /// The refusal of the request `parts` for `error`, sent once what is left of its `body`
    /// was read.
    pub(crate) fn refused(
        config: &Config,
        parts: &Parts,
        body: B,
        error: Error,
        auth: Option<&AuthParams<'_>>,
    ) -> Self
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let (response, leftover) = refusal(config, parts, body, error, auth);
        ResponseFuture {
            state: State::Rejected {
                response: Some(response),
                leftover,
            },
        }
    }

    /// A boxed flow: a POST upload, or a request waiting for its authorizer.
    pub(crate) fn boxed(future: PostFuture<S::Response, S::Error>) -> Self {
        ResponseFuture {
            state: State::Boxed { future },
        }
    }

    /// The request checked and handed on already (its key was at hand).
    pub(crate) fn inner(future: S::Future) -> Self {
        ResponseFuture {
            state: State::Inner { future },
        }
    }

    /// The request's key at hand, its body to be read and hashed before the check.
    pub(crate) fn buffering(pending: Pending<S, B>, key: Key<K::Principal>) -> Self
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        ResponseFuture {
            state: read_body_first(pending, key),
        }
    }

    /// Waits for the store's `lookup`, then goes on with `pending`; an unknown key is
    /// remembered in the layer's cache when `remember_unknown`.
    pub(crate) fn lookup(
        lookup: K::Future,
        pending: Pending<S, B>,
        remember_unknown: bool,
    ) -> Self {
        ResponseFuture {
            state: State::Lookup {
                lookup,
                pending: Some(Box::new(pending)),
                remember_unknown,
            },
        }
    }
}

impl<S, K, B, ResBody> Future for ResponseFuture<S, K, B>
where
    S: Service<Request<VerifiedBody<B>>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    K: KeyStore,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let step = match this.state.as_mut().project() {
                StateProj::Lookup {
                    lookup,
                    pending,
                    remember_unknown,
                } => {
                    let found = ready!(lookup.poll(cx));
                    match pending.take() {
                        Some(pending) => after_lookup(pending, found, *remember_unknown),
                        None => Step::Reject(internal_error(), None),
                    }
                }
                StateProj::Buffering {
                    mut body,
                    collected,
                    reservation,
                    pending,
                    key,
                    refusing,
                } => {
                    let limit = pending.as_ref().map_or(0, |p| p.config.buffer_limit);
                    let read = match refusing {
                        Some((left, error)) => {
                            ready!(poll_discard(body.as_mut(), left, cx));
                            Err(error.clone())
                        }
                        None => ready!(poll_collect(
                            body.as_mut(),
                            collected,
                            reservation,
                            limit,
                            cx
                        )),
                    };
                    if let (None, Err(error @ (Error::PayloadTooLarge { .. } | Error::SlowDown))) =
                        (&refusing, &read)
                    {
                        // The client may still be sending it: the rest is read and dropped
                        // (within the drain limit) before the refusal, as for any refusal.
                        let drain = pending.as_ref().map_or(0, |p| p.config.drain_limit);
                        *refusing = Some((drain_budget(drain, &*body), error.clone()));
                        *collected = BytesMut::new();
                        *reservation = reservation.emptied();
                        continue;
                    }
                    // A body that failed to be read is not read again.
                    match (pending.take(), key.take()) {
                        (Some(pending), Some(key)) => match read {
                            Ok(()) => after_buffering(*pending, key, collected.split().freeze()),
                            Err(error) => Step::Reject(pending.reject(error), None),
                        },
                        _ => Step::Reject(internal_error(), None),
                    }
                }
                StateProj::Inner { future } => {
                    return future
                        .poll(cx)
                        .map(|r| r.map(|response| response.map(ResponseBody::inner)));
                }
                StateProj::Boxed { future } => {
                    return future.as_mut().poll(cx).map(|r| {
                        r.map(|outcome| match outcome {
                            Outcome::Inner(response) => response.map(ResponseBody::inner),
                            Outcome::Rejected(response, leftover) => {
                                response.map(|body| ResponseBody::rejection(body, leftover))
                            }
                        })
                    });
                }
                StateProj::Rejected { response, leftover } => {
                    let response = response.take().unwrap_or_else(internal_error);
                    let leftover = leftover.take();
                    return Poll::Ready(Ok(
                        response.map(|body| ResponseBody::rejection(body, leftover))
                    ));
                }
            };
            match step {
                Step::Call(future) => this.state.set(State::Inner { future }),
                Step::Boxed(future) => this.state.set(State::Boxed { future }),
                Step::Reject(response, leftover) => this.state.set(State::Rejected {
                    response: Some(response),
                    leftover,
                }),
                Step::Buffer(pending, key) => this.state.set(read_body_first(*pending, key)),
            }
        }
    }
}

/// The state that reads the body of `pending` (within the limit and the budget all buffered
/// bodies share) before its check, or the refusal of a body that declares more than the
/// limit, or more than the budget has left.
fn read_body_first<S, K, B>(pending: Pending<S, B>, key: Key<K::Principal>) -> State<S, K, B>
where
    S: Service<Request<VerifiedBody<B>>>,
    K: KeyStore,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let declared_length = pending
        .parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = pending.config.buffer_limit;
    let mut reservation = Reservation::new(&pending.config.buffer_budget);
    let declared = match declared_length.map(usize::try_from) {
        Some(Ok(length)) if length <= limit => length,
        None => 0,
        Some(_) => {
            let (response, leftover) = pending.refuse(Error::PayloadTooLarge { limit });
            return State::Rejected {
                response: Some(response),
                leftover,
            };
        }
    };
    // A body of a known length has its share taken, and its room made, at once.
    if !reservation.cover(declared) {
        let (response, leftover) = pending.refuse(Error::SlowDown);
        return State::Rejected {
            response: Some(response),
            leftover,
        };
    }
    let Pending {
        service,
        parts,
        body,
        plan,
        config,
    } = pending;
    State::Buffering {
        body,
        collected: BytesMut::with_capacity(declared),
        reservation,
        pending: Some(Box::new(Pending::new(service, parts, (), plan, config))),
        key: Some(key),
        refusing: None,
    }
}

fn internal_error() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(b"internal error")));
    *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    response
}

fn after_lookup<S, B, P>(
    pending: Box<Pending<S, B>>,
    found: Lookup<P>,
    remember_unknown: bool,
) -> Step<S::Future, B, P, S>
where
    S: Service<Request<VerifiedBody<B>>> + Send + 'static,
    S::Future: Send + 'static,
    P: Clone + Send + Sync + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let id = pending.plan.auth.credential.access_key_id();
    let key = match settle(&pending.config, id, found, remember_unknown) {
        Ok(Some(key)) => key,
        Ok(None) => {
            let error = pending.unknown_key();
            let (response, leftover) = (*pending).refuse(error);
            return Step::Reject(response, leftover);
        }
        Err(error) => {
            let (response, leftover) = (*pending).refuse(error);
            return Step::Reject(response, leftover);
        }
    };
    if let PayloadPlan::Buffer = pending.plan.payload {
        return Step::Buffer(pending, key);
    }
    match pending.admit(key, declared_hash(&pending.plan.payload)) {
        Err(error) => {
            let (response, leftover) = (*pending).refuse(error);
            Step::Reject(response, leftover)
        }
        Ok(Admitted {
            identity,
            chain_seed,
            replay,
        }) => {
            // Authorized now, unless the replay guard answers later: then once it did.
            let next = match replay {
                Some(answer) => Err(answer),
                None => {
                    match authorize(&pending.config, &pending.parts, None, Some(&identity), None) {
                        Handoff::Allowed(check) => Ok(Ok(check)),
                        Handoff::Refused(error) => {
                            let (response, leftover) = (*pending).refuse(error);
                            return Step::Reject(response, leftover);
                        }
                        Handoff::Later(verdict, check) => Ok(Err((verdict, check))),
                    }
                }
            };
            let Pending {
                service,
                parts,
                body,
                plan,
                config,
            } = *pending;
            let (auth, payload, checksums) = plan.into_body_parts();
            let body = streaming_body(body, &auth, payload, checksums, chain_seed, &config);
            match next {
                Ok(verdict) => hand_on(service, parts, body, identity, verdict, config),
                Err(answer) => {
                    let signed = (identity, auth);
                    Step::Boxed(after_replay(service, parts, body, signed, answer, config))
                }
            }
        }
    }
}

/// Hands a request its authorizer allowed to the inner service (`Ok`, with the check to
/// leave in its extensions), or waits for the authorizer's verdict (`Err`).
fn hand_on<S, B, P>(
    mut service: S,
    parts: Parts,
    body: VerifiedBody<B>,
    identity: Verified<P>,
    verdict: Result<Option<AccessCheck>, (LaterVerdict, AccessCheck)>,
    config: Arc<Config>,
) -> Step<S::Future, B, P, S>
where
    S: Service<Request<VerifiedBody<B>>> + Send + 'static,
    S::Future: Send + 'static,
    P: Clone + Send + Sync + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let identity = Some(identity);
    match verdict {
        Ok(check) => Step::Call(forward(&mut service, parts, body, identity, check)),
        Err(later) => Step::Boxed(after_verdict(service, parts, body, identity, later, config)),
    }
}

fn after_buffering<S, B, P>(
    pending: Pending<S, ()>,
    key: Key<P>,
    data: Bytes,
) -> Step<S::Future, B, P, S>
where
    S: Service<Request<VerifiedBody<B>>> + Send + 'static,
    S::Future: Send + 'static,
    P: Clone + Send + Sync + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    match pending.admit(key, &sha256_hex(&data)) {
        Err(error) => Step::Reject(pending.reject(error), None),
        Ok(Admitted {
            identity, replay, ..
        }) => {
            // Authorized now, unless the replay guard answers later: then once it did.
            let next = match replay {
                Some(answer) => Err(answer),
                None => {
                    match authorize(&pending.config, &pending.parts, None, Some(&identity), None) {
                        Handoff::Allowed(check) => Ok(Ok(check)),
                        Handoff::Refused(error) => {
                            return Step::Reject(pending.reject(error), None)
                        }
                        Handoff::Later(verdict, check) => Ok(Err((verdict, check))),
                    }
                }
            };
            let Pending {
                service,
                parts,
                plan,
                config,
                ..
            } = pending;
            let body = VerifiedBody::buffered(data, Digests::checksums(plan.checksums));
            match next {
                Ok(verdict) => hand_on(service, parts, body, identity, verdict, config),
                Err(answer) => {
                    let signed = (identity, plan.auth);
                    Step::Boxed(after_replay(service, parts, body, signed, answer, config))
                }
            }
        }
    }
}

/// Reads the body into `collected`, failing past `limit` bytes, or when `reservation` cannot
/// cover what it holds.
fn poll_collect<B>(
    mut body: Pin<&mut B>,
    collected: &mut BytesMut,
    reservation: &mut Reservation,
    limit: usize,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    loop {
        match ready!(body.as_mut().poll_frame(cx)) {
            None => return Poll::Ready(Ok(())),
            Some(Err(e)) => return Poll::Ready(Err(Error::BodyRead(e.into().into()))),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    let total = collected.len() + data.len();
                    if total > limit {
                        return Poll::Ready(Err(Error::PayloadTooLarge { limit }));
                    }
                    if !reservation.cover(total) {
                        return Poll::Ready(Err(Error::SlowDown));
                    }
                    collected.extend_from_slice(&data);
                }
            }
        }
    }
}
