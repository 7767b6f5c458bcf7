//! The checks of a request, in the order the design asks: the cheap ones first
//! ([`precheck`]: sizes, host, parsing, scope, time, signed headers, the plan for the body),
//! before the key store is asked anything; then the key ([`key_step`]); then the signature
//! ([`signature`]). A browser POST form is checked by [`form`] with the same key step.

pub(crate) mod form;
pub(crate) mod key_step;
pub(crate) mod precheck;
pub(crate) mod signature;
pub(crate) mod view;
