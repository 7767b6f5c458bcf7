//! [`SigningLayer`]: a tower `Layer` whose service signs each `http::Request` before its
//! inner service (hyper-util's client, tonic's channel) sends it, and retries it in AWS's
//! standard mode.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http_body::Body;
use tower_layer::Layer;
use tower_service::Service;

use crate::error_code;
use crate::peeked::PeekedBody;
use crate::retry::{header_code, Attempts, Verdict, ERROR_BODY_LIMIT};
use crate::send_body::{Prepared, SendBody};
use crate::send_error::{BoxError, SendError};
use crate::signing::{Content, Signing};

/// The largest body a [`SigningLayer`] reads whole to sign its hash, by default: 1 MiB.
pub const DEFAULT_HASH_LIMIT: usize = 1024 * 1024;

/// A tower `Layer` that signs each `http::Request<B>` with a [`Signing`] before its inner
/// service sends it, and retries it in AWS's standard mode (see
/// [`RetryConfig`](crate::RetryConfig)), signed again for each attempt.
///
/// The body decides what is signed, by one rule: a body that says it has an exact length
/// (`http_body::Body::size_hint`) of at most the [hash limit](SigningLayer::hash_limit)
/// (1 MiB by default), or that has ended, is read whole first, signed with its SHA-256, and
/// can be sent again; any other body (no exact length, or a longer one) is passed on as it
/// streams, signed `UNSIGNED-PAYLOAD` (which `x-amz-content-sha256` says), and sent once,
/// never retried. So at most the hash limit is held per request, and only for a body that
/// said it was that small (one that gives more than it said is an error, [`SendError::Body`]).
/// A streamed body without an exact length goes out chunked, which S3 refuses for uploads;
/// `Signer::sign_stream` signs a stream of known length (or aws-chunked) for S3.
///
/// The inner service takes `http::Request<SendBody<B>>` and gives `http::Response<R>`; the
/// layer's service gives `http::Response<PeekedBody<R>>`, the response with its body as
/// the server sent it (the service may have read the first 64 KiB of an error response to
/// find its code; they come first again). Any error of the inner service counts as a
/// connection error: retried while attempts remain, then [`SendError::Transport`].
///
/// ```no_run
/// use bytes::Bytes;
/// use countersign_client::{Credentials, SendBody, Signing, SigningLayer};
/// use http_body_util::Full;
/// use hyper_util::client::legacy::Client;
/// use hyper_util::rt::TokioExecutor;
/// use tower::{Layer, ServiceExt};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "execute-api");
/// let client = Client::builder(TokioExecutor::new()).build_http::<SendBody<Full<Bytes>>>();
/// let service = SigningLayer::new(signing).layer(client);
/// let request = http::Request::post("http://api.example.com/orders")
///     .body(Full::new(Bytes::from(r#"{"item":42}"#)))?;
/// let response = service.oneshot(request).await?;
/// println!("{}", response.status());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SigningLayer {
    signing: Arc<Signing>,
    hash_limit: usize,
}

impl SigningLayer {
    /// A layer that signs with `signing`.
    pub fn new(signing: Signing) -> Self {
        SigningLayer {
            signing: Arc::new(signing),
            hash_limit: DEFAULT_HASH_LIMIT,
        }
    }

    /// The largest body read whole and signed with its hash (default
    /// [`DEFAULT_HASH_LIMIT`]); 0 sends every body but an empty one as a stream.
    pub fn hash_limit(mut self, bytes: usize) -> Self {
        self.hash_limit = bytes;
        self
    }
}

impl<S> Layer<S> for SigningLayer {
    type Service = SigningService<S>;

    fn layer(&self, inner: S) -> SigningService<S> {
        SigningService {
            inner,
            signing: Arc::clone(&self.signing),
            hash_limit: self.hash_limit,
        }
    }
}

/// The service of a [`SigningLayer`]: signs, sends through `S`, retries.
#[derive(Debug, Clone)]
pub struct SigningService<S> {
    inner: S,
    signing: Arc<Signing>,
    hash_limit: usize,
}

impl<S> SigningService<S> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, taken out.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

/// The future of a [`SigningService`]: boxed, as it waits for credentials, for the inner
/// service and for the backoff between attempts.
pub type SigningFuture<R> =
    Pin<Box<dyn Future<Output = Result<http::Response<PeekedBody<R>>, SendError>> + Send>>;

impl<S, B, R> Service<http::Request<B>> for SigningService<S>
where
    S: Service<http::Request<SendBody<B>>, Response = http::Response<R>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    R: Body + Unpin + Send + 'static,
    R::Data: Send,
    R::Error: Unpin + Send,
{
    type Response = http::Response<PeekedBody<R>>;
    type Error = SendError;
    type Future = SigningFuture<R>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        self.inner
            .poll_ready(cx)
            .map_err(|e| SendError::Transport(e.into()))
    }

    fn call(&mut self, request: http::Request<B>) -> SigningFuture<R> {
        // The service that was made ready goes with this call; a clone stays.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(send(
            inner,
            Arc::clone(&self.signing),
            self.hash_limit,
            request,
        ))
    }
}

/// Signs and sends `request` through `inner`, and again while AWS's standard mode says to
/// (a body read whole only).
async fn send<S, B, R>(
    mut inner: S,
    signing: Arc<Signing>,
    hash_limit: usize,
    request: http::Request<B>,
) -> Result<http::Response<PeekedBody<R>>, SendError>
where
    S: Service<http::Request<SendBody<B>>, Response = http::Response<R>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
    R: Body + Unpin,
{
    let (parts, body) = request.into_parts();
    match Prepared::of(body, hash_limit).await? {
        Prepared::Stream(stream) => {
            let mut attempts = Attempts::new(&signing, false);
            let send_body = SendBody::streaming(stream);
            let attempt = Attempt {
                inner: &mut inner,
                signing: &signing,
                attempts: &mut attempts,
            };
            attempt.run(&parts, Content::Unsigned, send_body).await.0
        }
        Prepared::Whole(data, trailers) => {
            let mut attempts = Attempts::new(&signing, true);
            loop {
                let content = match data.is_empty() {
                    true => Content::Empty,
                    false => Content::Bytes(&data),
                };
                let send_body = SendBody::whole(data.clone(), trailers.clone());
                let attempt = Attempt {
                    inner: &mut inner,
                    signing: &signing,
                    attempts: &mut attempts,
                };
                let (result, verdict) = attempt.run(&parts, content, send_body).await;
                if verdict == Verdict::Done {
                    return result;
                }
            }
        }
    }
}

/// One attempt of a call: what it is sent through and by, and the call's attempts so far.
struct Attempt<'a, 's, S> {
    inner: &'a mut S,
    signing: &'s Signing,
    attempts: &'a mut Attempts<'s>,
}

impl<S> Attempt<'_, '_, S> {
    /// Signs the request of `parts` for a body that is `content`, sends it with
    /// `send_body` and says whether to try again (after the backoff, waited here).
    async fn run<B, R>(
        self,
        parts: &http::request::Parts,
        content: Content<'_>,
        send_body: SendBody<B>,
    ) -> (Result<http::Response<PeekedBody<R>>, SendError>, Verdict)
    where
        S: Service<http::Request<SendBody<B>>, Response = http::Response<R>>,
        S::Error: Into<BoxError>,
        R: Body + Unpin,
    {
        let Attempt {
            inner,
            signing,
            attempts,
        } = self;
        attempts.start();
        let mut head = http::Request::from_parts(parts.clone(), ());
        let signed = match signing.signer().await {
            Ok(signer) => signing.sign_head(&signer, &mut head, content, signing.now()),
            Err(error) => Err(error.into()),
        };
        if let Err(error) = signed {
            return (Err(error), Verdict::Done);
        }
        let request = head.map(|()| send_body);
        let transport = |error: S::Error| SendError::Transport(error.into());
        let sent = match std::future::poll_fn(|cx| inner.poll_ready(cx))
            .await
            .map_err(transport)
        {
            Ok(()) => inner.call(request).await.map_err(transport),
            Err(error) => Err(error),
        };
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                let verdict = attempts.after_error(true).await;
                return (Err(error), verdict);
            }
        };
        let (parts, body) = response.into_parts();
        if !attempts.wants_code(parts.status) {
            let response = http::Response::from_parts(parts, PeekedBody::new(body));
            return (Ok(response), Verdict::Done);
        }
        let (body, code) = match header_code(&parts.headers) {
            Some(code) => (PeekedBody::new(body), Some(code)),
            None => {
                let (body, read) = PeekedBody::read_ahead(body, ERROR_BODY_LIMIT).await;
                (body, error_code::from_body(&read))
            }
        };
        let verdict = attempts
            .after_response(parts.status, &parts.headers, code.as_deref())
            .await;
        (Ok(http::Response::from_parts(parts, body)), verdict)
    }
}
