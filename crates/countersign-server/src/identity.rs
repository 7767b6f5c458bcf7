//! The authenticated identity, handed to handlers in the request extensions (and, with the
//! `axum` feature, as an extractor).
//!
//! ```
//! use countersign_server::{PayloadCheck, Verified};
//! // In a handler: `async fn handler(identity: Verified<MyPrincipal>) -> ...`, or
//! // `request.extensions().get::<Verified<MyPrincipal>>()` outside axum.
//! fn describe(identity: &Verified<String>) -> String {
//!     let body = match identity.payload {
//!         PayloadCheck::Streaming => "checked as it is read",
//!         PayloadCheck::Verified => "checked",
//!         PayloadCheck::Unsigned => "not signed",
//!     };
//!     format!("{} signed as {}; body {body}", identity.principal, identity.access_key_id)
//! }
//! # let _ = describe;
//! ```

use time::OffsetDateTime;

/// How the body is covered by the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadCheck {
    /// The client declared the body's SHA-256; it is checked as the handler reads the body,
    /// and a mismatch ends the body with an error. Read the whole body before committing.
    Streaming,
    /// The body was read and hashed before the handler ran (no hash was declared).
    Verified,
    /// `UNSIGNED-PAYLOAD`: the body is not covered.
    Unsigned,
}

/// Who signed the request, as the layer established it.
#[derive(Debug, Clone)]
pub struct Verified<P> {
    /// The access key id.
    pub access_key_id: String,
    /// The scope's day, `YYYYMMDD`.
    pub date: String,
    /// The scope's region.
    pub region: String,
    /// The scope's service.
    pub service: String,
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

#[cfg(feature = "axum")]
mod extractor {
    use axum_core::extract::FromRequestParts;
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
}

#[cfg(feature = "axum")]
pub use extractor::MissingLayer;
