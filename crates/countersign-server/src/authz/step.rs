//! The layer's authorization step, after the signature verified and before the inner
//! service: the request's operation and facts, and the configured authorizer's verdict.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;

use crate::address::S3Address;
use crate::auth::view::View;
use crate::authz::context::{AuthType, RequestFacts};
use crate::authz::operation::{ApiGateway, Operation, Operations};
use crate::authz::s3_operation::S3Operation;
use crate::authz::{AccessCheck, Denial, Verdict};
use crate::config::Config;
use crate::error::{Error, PostFieldError};
use crate::identity::Verified;
use crate::post::PostObject;

/// The verdict the layer waits for.
pub(crate) type LaterVerdict = Pin<Box<dyn Future<Output = Result<(), Denial>> + Send>>;

/// What the step decided.
pub(crate) enum Handoff {
    /// Hand the request on (with the check to leave in its extensions, when an authorizer
    /// allowed it).
    Allowed(Option<AccessCheck>),
    /// Refuse it.
    Refused(Error),
    /// Wait for the authorizer's answer, then hand it on with the check.
    Later(LaterVerdict, AccessCheck),
}

/// Authorizes the request `parts` (read through `view`, the verification's, when the caller
/// has it), signed by `identity` (`None`: anonymous), or a browser POST upload `post`. Without an authorizer every verified request is allowed, and every
/// anonymous one refused. A request allowed, or waiting for its verdict, comes with the
/// [`AccessCheck`] to leave in its extensions.
pub(crate) fn authorize<P: Send + Sync + 'static>(
    config: &Config,
    parts: &Parts,
    view: Option<&View<'_>>,
    identity: Option<&Verified<P>>,
    post: Option<&PostObject>,
) -> Handoff {
    let Some(authorizer) = &config.authorizer else {
        return match identity {
            Some(_) => Handoff::Allowed(None),
            None => Handoff::Refused(Error::AccessDenied(Denial::new(
                "anonymous requests need an authorizer to allow them",
            ))),
        };
    };
    let operation = match classify(config, parts, view, identity, post) {
        Ok(operation) => operation,
        Err(error) => return Handoff::Refused(error),
    };
    let auth_type = identity.map(|identity| match (post, identity.presigned) {
        (Some(_), _) => AuthType::Post,
        (None, true) => AuthType::Query,
        (None, false) => AuthType::Header,
    });
    let facts = RequestFacts::of(parts, config.proxy.as_ref(), config.clock.now(), auth_type);
    let identity = identity.map(|i| i as &(dyn std::any::Any + Send + Sync));
    let verdict = authorizer.authorize(identity, &operation, &facts, parts);
    let check = || AccessCheck::new(Arc::clone(authorizer), facts, operation);
    match verdict {
        Verdict::Allow => Handoff::Allowed(Some(check())),
        Verdict::Deny(denial) => Handoff::Refused(Error::AccessDenied(denial)),
        Verdict::Later(verdict) => Handoff::Later(verdict, check()),
    }
}

/// The operation of a request, by the layer's classifier, reading the request through `view`
/// (made here when the caller has none).
fn classify<P>(
    config: &Config,
    parts: &Parts,
    view: Option<&View<'_>>,
    identity: Option<&Verified<P>>,
    post: Option<&PostObject>,
) -> Result<Operation, Error> {
    let made;
    let view = match view {
        Some(view) => view,
        None => {
            made = View::new(parts, config.proxy.as_ref());
            &made
        }
    };
    let api_gateway = |api: &ApiGateway| {
        let region = identity.map(|i| i.region()).unwrap_or("");
        Operation::new(api.access(region, parts.method.as_str(), view.path()))
    };
    match &config.operations {
        Operations::Custom(classify) => classify(parts).map_err(Error::Unclassified),
        Operations::ApiGateway(api) => Ok(api_gateway(api)),
        Operations::ByMode if !config.s3 => Ok(api_gateway(&ApiGateway::default())),
        Operations::ByMode => {
            if let Some(post) = post {
                // Nothing can be authorized for an upload that names no object.
                let key = post.key.as_deref().filter(|k| !k.is_empty());
                let key = key.ok_or(Error::PostField(PostFieldError::Missing("key")))?;
                return Ok(S3Operation::post_object(&post.bucket, key).into());
            }
            let address = S3Address::of(
                view.host().unwrap_or_default(),
                view.path(),
                config.virtual_host_domain.as_deref(),
            )
            .map_err(|_| Error::InvalidUri)?;
            let query = parts.uri.query().unwrap_or("");
            S3Operation::classify(&parts.method, address, query, &parts.headers)
                .map(Operation::from)
                .map_err(Error::Unclassified)
        }
    }
}
