//! What the service clients (`QueryClient`, `AwsJsonClient`, `RestJsonClient`, `S3Client`)
//! hold alike: the reqwest client they send with, the [`Signing`] they sign with, the
//! [`Endpoint`] they call and the bound of the responses they read; and the builder methods
//! that set or show them, written once by [`api_client_builder!`].

use crate::endpoint::Endpoint;
use crate::service_error::DEFAULT_RESPONSE_LIMIT;
use crate::signing::Signing;

/// The parts every service client has.
#[derive(Debug, Clone)]
pub(crate) struct ApiClient {
    /// What requests are sent with.
    pub(crate) client: reqwest::Client,
    /// What requests are signed with.
    pub(crate) signing: Signing,
    /// Where requests go.
    pub(crate) endpoint: Endpoint,
    /// The most bytes of a response read.
    pub(crate) response_limit: usize,
}

impl ApiClient {
    /// Calls to `endpoint` signed with `signing`, sent with a reqwest client of their own,
    /// responses read up to [`DEFAULT_RESPONSE_LIMIT`].
    pub(crate) fn new(signing: Signing, endpoint: Endpoint) -> Self {
        ApiClient {
            client: reqwest::Client::new(),
            signing,
            endpoint,
            response_limit: DEFAULT_RESPONSE_LIMIT,
        }
    }
}

/// The builder methods of a service client whose [`ApiClient`] is its field `api`:
/// `with_client`, `response_limit`, `endpoint` and `signing`.
macro_rules! api_client_builder {
    ($client:ty) => {
        impl $client {
            /// The same client, sending with `client` (its timeouts, its proxy, its TLS roots).
            pub fn with_client(mut self, client: reqwest::Client) -> Self {
                self.api.client = client;
                self
            }

            /// The same client, refusing responses larger than `bytes` (10 MiB unless set).
            pub fn response_limit(mut self, bytes: usize) -> Self {
                self.api.response_limit = bytes;
                self
            }

            /// The endpoint called.
            pub fn endpoint(&self) -> &$crate::Endpoint {
                &self.api.endpoint
            }

            /// What requests are signed with.
            pub fn signing(&self) -> &$crate::Signing {
                &self.api.signing
            }
        }
    };
}

pub(crate) use api_client_builder;
