//! Credentials found where the AWS CLI finds them (feature `credentials`): the
//! environment, the shared profile files, `credential_process`, and (feature
//! `remote-credentials`) container credentials and EC2 instance metadata.
//!
//! Each source is a [`ProvideCredentials`](crate::ProvideCredentials). A source that has no
//! credentials answers [`NotFound`](crate::CredentialsErrorKind::NotFound), and a chain goes
//! on to the next; one that is configured but wrong ([`Invalid`]) or does not answer
//! ([`Unavailable`]) stops the chain, so that a broken profile is reported rather than
//! silently replaced by other credentials.
//!
//! The sources read an [`Environment`]: the process's, or a fixed map, so that tests (and
//! programs acting for another environment) need not change the process's own. The
//! providers that wait (a process, a remote service) run on the caller's tokio runtime,
//! which needs its IO and time drivers (`enable_all`).
//!
//! [`Invalid`]: crate::CredentialsErrorKind::Invalid
//! [`Unavailable`]: crate::CredentialsErrorKind::Unavailable

mod cache;
mod chain;
#[cfg(feature = "remote-credentials")]
mod container;
mod env;
mod environment;
mod files;
#[cfg(feature = "remote-credentials")]
mod http;
#[cfg(feature = "remote-credentials")]
mod imds;
mod ini;
mod process;
mod profile;
mod region;
mod sts;
mod web_identity;

pub use cache::CachedCredentials;
pub use chain::DefaultCredentialsChain;
#[cfg(feature = "remote-credentials")]
pub use container::ContainerProvider;
pub use env::EnvironmentProvider;
pub use environment::Environment;
#[cfg(feature = "remote-credentials")]
pub use imds::ImdsProvider;
pub use process::ProcessProvider;
pub use profile::ProfileProvider;
pub use region::default_region;
pub use sts::{AssumeRole, AssumeRoleRequest, WebIdentityRequest};
pub use web_identity::WebIdentityProvider;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// An expiry as the AWS tools write it, an RFC 3339 timestamp (`2024-03-01T10:00:00Z`).
pub(crate) fn parse_expiration(text: &str) -> Result<OffsetDateTime, time::error::Parse> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
}
