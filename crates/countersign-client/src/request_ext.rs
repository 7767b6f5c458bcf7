//! [`SignExt`]: signing (and sending) a `reqwest::RequestBuilder`'s request without
//! middleware.

use std::future::Future;

use crate::reqwest_request::{execute, sign_request};
use crate::retry::{Attempts, Verdict};
use crate::send_error::SendError;
use crate::signing::Signing;

/// A request built, signed, and ready to send: the client that built it and the
/// `reqwest::Request`, whose headers carry the signature.
#[derive(Debug)]
pub struct SignedRequest {
    client: reqwest::Client,
    request: reqwest::Request,
}

impl SignedRequest {
    /// The signed request.
    pub fn request(&self) -> &reqwest::Request {
        &self.request
    }

    /// The client and the signed request, to send another way.
    pub fn into_parts(self) -> (reqwest::Client, reqwest::Request) {
        (self.client, self.request)
    }

    /// Sends the request with the client that built it (`Client::execute`), once.
    pub async fn send(self) -> Result<reqwest::Response, reqwest::Error> {
        self.client.execute(self.request).await
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for reqwest::RequestBuilder {}
}

/// Signing for a `reqwest::RequestBuilder`, for those who do not use middleware. What is
/// signed is what [`SigningMiddleware`](crate::SigningMiddleware) signs: a body of bytes
/// with its SHA-256, a streamed body as `UNSIGNED-PAYLOAD`, no body with the empty hash.
///
/// ```no_run
/// use countersign_client::{Credentials, SignExt, Signing};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "execute-api");
/// let client = reqwest::Client::new();
///
/// // Signed once, sent once:
/// let signed = client.get("https://api.example.com/orders").sign(&signing).await?;
/// let response = signed.send().await?;
///
/// // Signed and sent with AWS's standard retries, signed again for each attempt:
/// let response = client.get("https://api.example.com/orders").send_signed(&signing).await?;
/// # Ok(())
/// # }
/// ```
pub trait SignExt: sealed::Sealed {
    /// Builds the request (`RequestBuilder::build_split`), asks `signing`'s provider for
    /// credentials and signs it as of `signing`'s clock: a [`SignedRequest`], whose
    /// [`send`](SignedRequest::send) sends it once with the builder's client. No retry;
    /// sign again to send again (the signature dates the request).
    fn sign(
        self,
        signing: &Signing,
    ) -> impl Future<Output = Result<SignedRequest, SendError>> + Send;

    /// Builds, signs and sends the request as [`SigningMiddleware`](crate::SigningMiddleware)
    /// does: signed afresh for each attempt, retried in AWS's standard mode (a streamed body
    /// is sent once), the clock corrected once on `RequestTimeTooSkewed`. A response, even
    /// an error one, is `Ok`; the last one when the retries are exhausted.
    fn send_signed(
        self,
        signing: &Signing,
    ) -> impl Future<Output = Result<reqwest::Response, SendError>> + Send;
}

impl SignExt for reqwest::RequestBuilder {
    async fn sign(self, signing: &Signing) -> Result<SignedRequest, SendError> {
        let (client, request) = self.build_split();
        let mut request = request.map_err(|e| SendError::Build(Box::new(e)))?;
        let signer = signing.signer().await?;
        sign_request(signing, &signer, &mut request, signing.now())?;
        Ok(SignedRequest { client, request })
    }

    async fn send_signed(self, signing: &Signing) -> Result<reqwest::Response, SendError> {
        let (client, request) = self.build_split();
        let mut request = request.map_err(|e| SendError::Build(Box::new(e)))?;
        let mut attempts = Attempts::new(signing, request.try_clone().is_some());
        loop {
            // The next attempt's request, unsigned; none when the body cannot be read twice.
            let spare = request.try_clone();
            attempts.start();
            let signer = signing.signer().await?;
            sign_request(signing, &signer, &mut request, signing.now())?;
            let (result, verdict) = execute(&mut attempts, &client, request).await;
            match (verdict, spare) {
                (Verdict::Retry, Some(spare)) => request = spare,
                _ => return result,
            }
        }
    }
}
