//! [`SigningMiddleware`]: a `reqwest-middleware` middleware that signs each request a
//! `reqwest_middleware::ClientWithMiddleware` sends, and retries it in AWS's standard mode.

use http::Extensions;
use reqwest_middleware::{Middleware, Next};

use crate::reqwest_request::{is_connection_error, response_code, sign_request};
use crate::retry::{Attempts, Verdict};
use crate::send_error::SendError;
use crate::signing::Signing;

/// Signs every request a `reqwest_middleware::ClientWithMiddleware` sends, with the
/// credentials its [`Signing`]'s provider hands out just before, and retries it as AWS's
/// standard mode says (see [`RetryConfig`](crate::RetryConfig)), signed again each time.
///
/// The body decides what is signed:
/// - a body of bytes (`reqwest::Body` from `Vec<u8>`, `String`, `Bytes`, …; what
///   `RequestBuilder::body`, `json` and `form` give) is signed with its SHA-256, and can be
///   sent again;
/// - a streamed body (`reqwest::Body::wrap`, `wrap_stream`: it has no bytes to hash) is
///   signed `UNSIGNED-PAYLOAD`, which `x-amz-content-sha256` says: the signature does not
///   cover it. It is sent once, never retried, as it cannot be read again. Without a
///   `Content-Length` set by the caller it goes out with `Transfer-Encoding: chunked`, which
///   S3 refuses for uploads: to upload a stream to S3, sign it with `Signer::sign_stream`
///   (a known length, or aws-chunked) and send the body it returns;
/// - no body is signed with the hash of the empty string.
///
/// A request refused as signed at the wrong time (`RequestTimeTooSkewed`) corrects the
/// clock from the response's `Date` and is sent once more (see [`Signing::clock_offset`]).
///
/// Put it last in the chain, so that nothing changes the request after it is signed.
/// Errors of its own (no credentials, a request that cannot be signed) are
/// `reqwest_middleware::Error::Middleware` holding a [`SendError`]; the client's errors are
/// passed on as they are.
///
/// ```no_run
/// use countersign_client::{Credentials, Signing, SigningMiddleware};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "execute-api");
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(SigningMiddleware::new(signing))
///     .build();
/// let response = client
///     .post("https://api.example.com/orders")
///     .body(r#"{"item":42}"#)
///     .send()
///     .await?;
/// println!("{}", response.status());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SigningMiddleware {
    signing: Signing,
}

impl SigningMiddleware {
    /// A middleware that signs with `signing`.
    pub fn new(signing: Signing) -> Self {
        SigningMiddleware { signing }
    }

    /// What it signs with.
    pub fn signing(&self) -> &Signing {
        &self.signing
    }
}

/// A middleware error holding a [`SendError`].
fn middleware_error(error: SendError) -> reqwest_middleware::Error {
    reqwest_middleware::Error::middleware(error)
}

#[async_trait::async_trait]
impl Middleware for SigningMiddleware {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let signing = &self.signing;
        let mut request = request;
        let mut attempts = Attempts::new(signing, request.try_clone().is_some());
        loop {
            // The next attempt's request, unsigned; none when the body cannot be read twice.
            let spare = request.try_clone();
            attempts.start();
            let signer = signing
                .signer()
                .await
                .map_err(|e| middleware_error(e.into()))?;
            sign_request(signing, &signer, &mut request, signing.now())
                .map_err(middleware_error)?;
            let (result, verdict) = match next.clone().run(request, extensions).await {
                Ok(response) if attempts.wants_code(response.status()) => {
                    let (response, code) = response_code(response).await;
                    let verdict = attempts
                        .after_response(response.status(), response.headers(), code.as_deref())
                        .await;
                    (Ok(response), verdict)
                }
                Ok(response) => (Ok(response), Verdict::Done),
                Err(error) => {
                    let connection = matches!(
                        &error,
                        reqwest_middleware::Error::Reqwest(e) if is_connection_error(e)
                    );
                    (Err(error), attempts.after_error(connection).await)
                }
            };
            match (verdict, spare) {
                (Verdict::Retry, Some(spare)) => request = spare,
                _ => return result,
            }
        }
    }
}
