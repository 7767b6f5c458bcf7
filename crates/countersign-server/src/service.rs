//! `SigV4<S, K>`: the service that verifies, then calls the inner service.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use countersign_core::EMPTY_SHA256_DIGEST;
use http::request::Parts;
use http::{Request, Response};
use http_body::Body;
use tower_service::Service;

use crate::auth::form::post_boundary;
use crate::auth::key_step::{find_key, key_request, layer_remembers_unknown, unknown_key, KeyStep};
use crate::auth::precheck::{
    body_is_empty, checksum_headers, declared_hash, precheck, scan_head, PayloadPlan, Plan,
};
use crate::auth::signature::{admit, Admitted};
use crate::auth::view::View;
use crate::authz::step::{authorize, Handoff};
use crate::body::Digests;
use crate::body::{ResponseBody, VerifiedBody};
use crate::config::Config;
use crate::error::BoxError;
use crate::flow::{after_replay, after_verdict, forward, post_upload, streaming_body};
use crate::future::{Pending, ResponseFuture};
use crate::identity::Verified;
use crate::keys::KeyStore;

/// Verifies SigV4 on each request; the inner service sees only verified requests, with a
/// [`Verified`](crate::Verified) in their extensions.
pub struct SigV4<S, K> {
    inner: S,
    config: Arc<Config>,
    store: Arc<K>,
}

impl<S, K> SigV4<S, K> {
    /// The service over `inner` with a layer's configuration and key store.
    pub(crate) fn with_config(inner: S, config: Arc<Config>, store: Arc<K>) -> Self {
        SigV4 {
            inner,
            config,
            store,
        }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The inner service, by value.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Clone, K> SigV4<S, K> {
    /// The service made ready by `poll_ready`, to go with a request that waits; a clone stays.
    fn take_ready(&mut self) -> S {
        let clone = self.inner.clone();
        std::mem::replace(&mut self.inner, clone)
    }

    /// A checked request that waits (for its key or its body), with the ready service.
    fn pending<B>(&mut self, parts: Parts, body: B, plan: Plan) -> Pending<S, B> {
        Pending::new(
            self.take_ready(),
            parts,
            body,
            plan,
            Arc::clone(&self.config),
        )
    }
}

impl<S: Clone, K> Clone for SigV4<S, K> {
    fn clone(&self) -> Self {
        SigV4 {
            inner: self.inner.clone(),
            config: Arc::clone(&self.config),
            store: Arc::clone(&self.store),
        }
    }
}

impl<S: fmt::Debug, K> fmt::Debug for SigV4<S, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S, K, B, ResBody> Service<Request<B>> for SigV4<S, K>
where
    S: Service<Request<VerifiedBody<B>>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    K: KeyStore,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S, K, B>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let (parts, body) = request.into_parts();
        if let Some(boundary) = post_boundary(&self.config, &parts) {
            return ResponseFuture::boxed(post_upload(
                self.take_ready(),
                parts,
                body,
                boundary,
                Arc::clone(&self.config),
                Arc::clone(&self.store),
            ));
        }
        let config: &Config = &self.config;
        let body_is_empty = body_is_empty(&parts, &body);
        if config.cors_preflight && body_is_empty && is_cors_preflight(&parts) {
            return self.preflight(parts, body);
        }
        if config.anonymous && carries_no_signature(&parts) {
            return self.anonymous(parts, body);
        }
        let view = View::new(&parts, config.proxy.as_ref());
        let request = view.request();
        let checked = match precheck(config, &parts, &request, body_is_empty) {
            Ok(checked) => checked,
            Err(refused) => {
                let (error, auth) = *refused;
                return ResponseFuture::refused(config, &parts, body, error, auth.as_ref());
            }
        };
        // A key locked out is refused before it is looked up or any signature work is done.
        if let Err(error) =
            crate::lockout_step::check(config, checked.auth.credential.access_key_id())
        {
            return ResponseFuture::refused(config, &parts, body, error, Some(&checked.auth));
        }
        // The key comes before any of the body is read: a key the store does not know is
        // refused at once, whatever the body.
        let key = match find_key(config, &*self.store, key_request(&checked.auth)) {
            KeyStep::Answered(Ok(Some(key))) => key,
            KeyStep::Answered(Ok(None)) => {
                let error = unknown_key(config, &request, &checked);
                return ResponseFuture::refused(config, &parts, body, error, Some(&checked.auth));
            }
            KeyStep::Answered(Err(error)) => {
                return ResponseFuture::refused(config, &parts, body, error, Some(&checked.auth));
            }
            KeyStep::Wait(lookup) => {
                let plan = checked.into_owned();
                let remember_unknown = layer_remembers_unknown(&*self.store);
                let pending = self.pending(parts, body, plan);
                return ResponseFuture::lookup(lookup, pending, remember_unknown);
            }
        };
        if let PayloadPlan::Buffer = checked.payload {
            // The key is at hand, the body still to be read and hashed before the check.
            let plan = checked.into_owned();
            return ResponseFuture::buffering(self.pending(parts, body, plan), key);
        }
        // Checked here and handed on, without a future that waits.
        let admitted = admit(
            config,
            &request,
            &checked,
            key,
            declared_hash(&checked.payload),
        );
        let Admitted {
            identity,
            chain_seed,
            replay,
        } = match admitted {
            Ok(admitted) => admitted,
            Err(error) => {
                return ResponseFuture::refused(config, &parts, body, error, Some(&checked.auth));
            }
        };
        if let Some(answer) = replay {
            // The replay guard answers later: authorized and handed on once it did.
            let (auth, payload, checksums) = checked.into_body_parts();
            let body = streaming_body(body, &auth, payload, checksums, chain_seed, config);
            let signed = (identity, auth.into_owned());
            let config = Arc::clone(&self.config);
            let service = self.take_ready();
            return ResponseFuture::boxed(after_replay(
                service, parts, body, signed, answer, config,
            ));
        }
        let verdict = match authorize(config, &parts, Some(&view), Some(&identity), None) {
            Handoff::Allowed(check) => Ok(check),
            Handoff::Refused(error) => {
                return ResponseFuture::refused(config, &parts, body, error, Some(&checked.auth));
            }
            Handoff::Later(verdict, check) => Err((verdict, check)),
        };
        let body = {
            let (auth, payload, checksums) = checked.into_body_parts();
            streaming_body(body, &auth, payload, checksums, chain_seed, config)
        };
        match verdict {
            Ok(check) => {
                ResponseFuture::inner(forward(&mut self.inner, parts, body, Some(identity), check))
            }
            Err(later) => {
                let config = Arc::clone(&self.config);
                let service = self.take_ready();
                ResponseFuture::boxed(after_verdict(
                    service,
                    parts,
                    body,
                    Some(identity),
                    later,
                    config,
                ))
            }
        }
    }
}

impl<S, K> SigV4<S, K>
where
    K: KeyStore,
{
    /// An unsigned CORS preflight (see [`SigV4Layer::cors_preflight`]): handed on with no
    /// identity and no authorization, its head held to a signed request's limits, its body
    /// (which it has none of) to be empty.
    ///
    /// [`SigV4Layer::cors_preflight`]: crate::SigV4Layer::cors_preflight
    fn preflight<B, ResBody>(&mut self, parts: Parts, body: B) -> ResponseFuture<S, K, B>
    where
        S: Service<Request<VerifiedBody<B>>, Response = Response<ResBody>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let config: &Config = &self.config;
        if let Err(error) = scan_head(config, &parts) {
            return ResponseFuture::refused(config, &parts, body, error, None);
        }
        let body = VerifiedBody::plain(body, Digests::none().sha256(EMPTY_SHA256_DIGEST));
        let identity: Option<Verified<K::Principal>> = None;
        ResponseFuture::inner(forward(&mut self.inner, parts, body, identity, None))
    }

    /// An anonymous request: authorized as the anonymous principal, and handed on with no
    /// identity. Its body is checked against its checksum headers only.
    fn anonymous<B, ResBody>(&mut self, parts: Parts, body: B) -> ResponseFuture<S, K, B>
    where
        S: Service<Request<VerifiedBody<B>>, Response = Response<ResBody>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let config: &Config = &self.config;
        // The head is held to what a signed request's is: its size, and one host (the
        // bucket named by the host is the one authorized and the one the handler reads).
        if let Err(error) = scan_head(config, &parts) {
            return ResponseFuture::refused(config, &parts, body, error, None);
        }
        let verdict = match authorize::<K::Principal>(config, &parts, None, None, None) {
            Handoff::Allowed(check) => Ok(check),
            Handoff::Refused(error) => {
                return ResponseFuture::refused(config, &parts, body, error, None);
            }
            Handoff::Later(verdict, check) => Err((verdict, check)),
        };
        let checksums = match checksum_headers(&parts) {
            Ok(checksums) => checksums,
            Err(error) => return ResponseFuture::refused(config, &parts, body, error, None),
        };
        let body = VerifiedBody::plain(body, Digests::checksums(checksums));
        let identity: Option<Verified<K::Principal>> = None;
        match verdict {
            Ok(check) => {
                ResponseFuture::inner(forward(&mut self.inner, parts, body, identity, check))
            }
            Err(later) => {
                let config = Arc::clone(&self.config);
                let service = self.take_ready();
                ResponseFuture::boxed(after_verdict(service, parts, body, identity, later, config))
            }
        }
    }
}

/// Whether a request is a CORS preflight that carries no credentials: an `OPTIONS` with
/// `Origin` and `Access-Control-Request-Method`, and no signature at all.
fn is_cors_preflight(parts: &Parts) -> bool {
    parts.method == http::Method::OPTIONS
        && parts.headers.contains_key(http::header::ORIGIN)
        && parts
            .headers
            .contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD)
        && carries_no_signature(parts)
}

/// Whether a request carries no signature at all: no `Authorization` header and no
/// `X-Amz-*` parameter of a presigned URL. One that carries any is verified, and refused if
/// it fails, never taken as anonymous.
fn carries_no_signature(parts: &Parts) -> bool {
    if parts.headers.contains_key(http::header::AUTHORIZATION) {
        return false;
    }
    let query = parts.uri.query().unwrap_or("");
    !query.split('&').any(|pair| {
        let name = pair.split('=').next().unwrap_or(pair);
        [
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Signature",
            "X-Amz-SignedHeaders",
        ]
        .iter()
        .any(|p| name.eq_ignore_ascii_case(p))
    })
}
