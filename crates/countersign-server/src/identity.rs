//! The authenticated identity, handed to handlers in the request extensions (and, with the
//! `axum` feature, as an extractor).

use countersign_core::Credential;
use time::OffsetDateTime;

/// How the body is covered by the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadCheck {
    /// The client declared the body's SHA-256; it is checked as the handler reads the body,
    /// and a mismatch ends the body with an error. Read the whole body before committing.
    Streaming,
    /// The body was read and hashed before the handler ran (no hash was declared), or it is
    /// empty by its framing and was verified as such (any byte that came after all would
    /// fail the body as it is read).
    Verified,
    /// `UNSIGNED-PAYLOAD`: the body is not covered.
    Unsigned,
}

/// Who signed the request, as the layer established it: handed to handlers in the request
/// extensions (and, with the `axum` feature, as an extractor).
///
/// The access key id and the scope are read from the request's credential, kept whole (one
/// string, not four).
///
/// ```
/// use countersign_server::{PayloadCheck, Verified};
/// // In a handler: `async fn handler(identity: Verified<MyPrincipal>) -> ...`, or
/// // `request.extensions().get::<Verified<MyPrincipal>>()` outside axum.
/// fn describe(identity: &Verified<String>) -> String {
///     let body = match identity.payload {
///         PayloadCheck::Streaming => "checked as it is read",
///         PayloadCheck::Verified => "checked",
///         PayloadCheck::Unsigned => "not signed",
///     };
///     format!("{} signed as {}; body {body}", identity.principal, identity.access_key_id())
/// }
/// # let _ = describe;
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Verified<P> {
    credential: Credential<'static>,
    /// A SigV4a request's region set, which stands for the region.
    region_set: Option<String>,
    /// The principal the key store attached to the key.
    pub principal: P,
    /// When the request was signed.
    pub signed_at: OffsetDateTime,
    /// Whether the signature came in a presigned URL.
    pub presigned: bool,
    /// How the body is covered.
    pub payload: PayloadCheck,
    /// The session token, if the request carried one.
    pub session_token: Option<String>,
}

impl<P> Verified<P> {
    /// An identity of `access_key_id` for this scope, signed at `signed_at` in the
    /// `Authorization` header with an unsigned body (what a test of a handler may insert into
    /// the request extensions; set the public fields for anything else).
    ///
    /// ```
    /// use countersign_server::Verified;
    /// let at = time::OffsetDateTime::UNIX_EPOCH;
    /// let identity = Verified::new("AKID", "20240524", "us-east-1", "s3", "alice", at);
    /// assert_eq!(identity.access_key_id(), "AKID");
    /// assert_eq!((identity.date(), identity.region(), identity.service()), ("20240524", "us-east-1", "s3"));
    /// assert!(!identity.presigned && identity.session_token.is_none());
    /// ```
    pub fn new(
        access_key_id: &str,
        date: &str,
        region: &str,
        service: &str,
        principal: P,
        signed_at: OffsetDateTime,
    ) -> Self {
        Verified::of(
            Credential::from_parts(access_key_id, date, region, service),
            principal,
            signed_at,
        )
    }

    /// The identity of `credential`.
    pub(crate) fn of(
        credential: Credential<'static>,
        principal: P,
        signed_at: OffsetDateTime,
    ) -> Self {
        Verified {
            credential,
            region_set: None,
            principal,
            signed_at,
            presigned: false,
            payload: PayloadCheck::Unsigned,
            session_token: None,
        }
    }

    /// The same identity for a SigV4a request signed for `region_set`.
    pub(crate) fn with_region_set(mut self, region_set: &str) -> Self {
        self.region_set = Some(region_set.to_string());
        self
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        self.credential.access_key_id()
    }

    /// The scope's day, `YYYYMMDD`.
    pub fn date(&self) -> &str {
        self.credential.scope().date
    }

    /// The scope's region; for SigV4a, the region set the client signed for (such as
    /// `us-east-1,us-west-2` or `*`).
    pub fn region(&self) -> &str {
        match &self.region_set {
            Some(set) => set,
            None => self.credential.scope().region,
        }
    }

    /// The scope's service.
    pub fn service(&self) -> &str {
        self.credential.scope().service
    }

    /// The signing algorithm: `AWS4-HMAC-SHA256`, or SigV4a's `AWS4-ECDSA-P256-SHA256`.
    pub fn algorithm(&self) -> &'static str {
        match self.region_set {
            Some(_) => "AWS4-ECDSA-P256-SHA256",
            None => "AWS4-HMAC-SHA256",
        }
    }
}

#[cfg(feature = "axum")]
mod extractor {
    use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
    use axum_core::response::{IntoResponse, Response};
    use http::request::Parts;
    use http::StatusCode;

    use super::Verified;

    /// The rejection of the [`Verified`] extractor: the layer did not run for this route.
    #[derive(Debug, Clone, Copy)]
    pub struct MissingLayer;

    impl IntoResponse for MissingLayer {
        fn into_response(self) -> Response {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "countersign: no Verified identity on this request: the SigV4 layer is not installed on this \
                 route, or its key store's principal type differs from the extractor's",
            )
                .into_response()
        }
    }

    impl<S: Send + Sync, P: Clone + Send + Sync + 'static> FromRequestParts<S> for Verified<P> {
        type Rejection = MissingLayer;

        async fn from_request_parts(
            parts: &mut Parts,
            _state: &S,
        ) -> Result<Self, Self::Rejection> {
            parts
                .extensions
                .get::<Verified<P>>()
                .cloned()
                .ok_or(MissingLayer)
        }
    }

    /// `Option<Verified<P>>`: `None` for an anonymous request the layer let through (see
    /// [`SigV4Layer::anonymous`](crate::SigV4Layer::anonymous)).
    impl<S: Send + Sync, P: Clone + Send + Sync + 'static> OptionalFromRequestParts<S> for Verified<P> {
        type Rejection = std::convert::Infallible;

        async fn from_request_parts(
            parts: &mut Parts,
            _state: &S,
        ) -> Result<Option<Self>, Self::Rejection> {
            Ok(parts.extensions.get::<Verified<P>>().cloned())
        }
    }
}

#[cfg(feature = "axum")]
pub use extractor::MissingLayer;
