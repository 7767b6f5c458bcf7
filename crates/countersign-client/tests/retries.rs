//! AWS's standard retries and the clock-skew correction, against `SigV4Layer` on a loopback
//! port in front of a handler that answers from a script: every attempt must be signed
//! well enough for the layer to let it through, and signed afresh.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body as AxumBody;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use bytes::Bytes;
use countersign_client::{
    Credentials, CredentialsFuture, ProvideCredentials, RetryConfig, SendBody, SendError, SignExt,
    Signing, SigningLayer, SigningMiddleware,
};
use countersign_server::keys::MemoryKeyStore;
use countersign_server::{SigV4Layer, Verified};
use http_body::Frame;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use time::OffsetDateTime;
use tower::{Layer, ServiceExt};

const AKID: &str = "AKIDALICE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const SERVICE: &str = "execute-api";

/// One scripted answer.
#[derive(Clone)]
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

/// An S3-style XML error.
fn xml_error(status: u16, code: &str, message: &str) -> Answer {
    Answer {
        status,
        headers: vec![("content-type", "application/xml".into())],
        body: format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
             <Message>{message}</Message><RequestId>r</RequestId></Error>"
        ),
    }
}

/// What the handler saw of one request the layer let through.
#[derive(Debug, Clone)]
struct Seen {
    date: String,
    authorization: String,
    body: Bytes,
}

/// The handler's script (answers in order, then 200 `done`) and what it saw.
#[derive(Clone, Default)]
struct Script {
    answers: Arc<Mutex<VecDeque<Answer>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Requests that reached the server, let through by the layer or not.
    arrived: Arc<AtomicUsize>,
}

impl Script {
    fn new(answers: impl IntoIterator<Item = Answer>) -> Self {
        Script {
            answers: Arc::new(Mutex::new(answers.into_iter().collect())),
            ..Script::default()
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn arrived(&self) -> usize {
        self.arrived.load(Ordering::SeqCst)
    }
}

async fn scripted(
    State(script): State<Script>,
    _identity: Verified<String>,
    headers: HeaderMap,
    body: AxumBody,
) -> Response {
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let header = |name: &str| headers[name].to_str().unwrap().to_string();
    script.seen.lock().unwrap().push(Seen {
        date: header("x-amz-date"),
        authorization: header("authorization"),
        body,
    });
    let answer = script.answers.lock().unwrap().pop_front();
    match answer {
        None => "done".into_response(),
        Some(answer) => {
            let mut response = answer.body.into_response();
            *response.status_mut() = StatusCode::from_u16(answer.status).unwrap();
            for (name, value) in answer.headers {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            response
        }
    }
}

/// The layer with Alice's key and the system clock (the one hyper's `Date` reads).
fn layer() -> SigV4Layer<MemoryKeyStore<String>> {
    let keys = MemoryKeyStore::new();
    keys.insert(AKID, SECRET, "alice".to_string());
    SigV4Layer::new(keys).regions([REGION]).services([SERVICE])
}

/// Serves `script` behind the layer on a loopback port, counting every request that
/// arrives.
async fn serve(script: &Script) -> SocketAddr {
    let arrived = Arc::clone(&script.arrived);
    let app = Router::new()
        .fallback(any(scripted))
        .with_state(script.clone())
        .layer(layer())
        .layer(tower::util::MapRequestLayer::new(
            move |request: http::Request<AxumBody>| {
                arrived.fetch_add(1, Ordering::SeqCst);
                request
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A clock that starts now and moves one second each time it is read, so that each
/// attempt is dated anew.
fn ticking_clock() -> impl Fn() -> OffsetDateTime + Send + Sync + 'static {
    let start = OffsetDateTime::now_utc();
    let ticks = AtomicI64::new(0);
    move || start + time::Duration::seconds(ticks.fetch_add(1, Ordering::SeqCst))
}

/// Alice's signing, a ticking clock, and retries that wait a millisecond at most.
fn signing() -> Signing {
    Signing::new(Credentials::new(AKID, SECRET), REGION, SERVICE)
        .clock(ticking_clock())
        .retry(RetryConfig::standard().backoff_base(Duration::from_millis(1)))
}

fn client(signing: Signing) -> reqwest_middleware::ClientWithMiddleware {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    reqwest_middleware::ClientBuilder::new(client)
        .with(SigningMiddleware::new(signing))
        .build()
}

async fn text(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    (status, response.text().await.unwrap())
}

fn slow_down(n: usize) -> Answer {
    xml_error(
        503,
        "SlowDown",
        &format!("Please reduce your request rate ({n})."),
    )
}

/// A stream of `data` with no length known in advance.
fn stream_of(
    data: &'static [u8],
) -> StreamBody<impl futures_util::Stream<Item = Result<Frame<Bytes>, Infallible>> + Send + Sync> {
    StreamBody::new(futures_util::stream::iter([Ok(Frame::data(
        Bytes::from_static(data),
    ))]))
}

// The middleware.

#[tokio::test]
async fn slow_down_twice_then_ok_succeeds_on_the_third_attempt() {
    let script = Script::new([slow_down(1), slow_down(2)]);
    let addr = serve(&script).await;
    let response = client(signing())
        .put(format!("http://{addr}/object"))
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "done".to_string()));
    assert_eq!(script.seen().len(), 3);
}

#[tokio::test]
async fn each_attempt_is_signed_afresh() {
    let script = Script::new([slow_down(1), slow_down(2)]);
    let addr = serve(&script).await;
    client(signing())
        .put(format!("http://{addr}/object"))
        .body("payload")
        .send()
        .await
        .unwrap();
    let seen = script.seen();
    let dates: std::collections::BTreeSet<_> = seen.iter().map(|s| s.date.clone()).collect();
    let signatures: std::collections::BTreeSet<_> =
        seen.iter().map(|s| s.authorization.clone()).collect();
    assert_eq!((dates.len(), signatures.len()), (3, 3), "{seen:?}");
}

#[tokio::test]
async fn each_attempt_sends_the_whole_body() {
    let script = Script::new([slow_down(1)]);
    let addr = serve(&script).await;
    client(signing())
        .put(format!("http://{addr}/object"))
        .body("the same bytes")
        .send()
        .await
        .unwrap();
    let bodies: Vec<_> = script.seen().into_iter().map(|s| s.body).collect();
    assert_eq!(bodies, ["the same bytes", "the same bytes"]);
}

#[tokio::test]
async fn invalid_argument_is_not_retried() {
    let script = Script::new([xml_error(400, "InvalidArgument", "No.")]);
    let addr = serve(&script).await;
    let response = client(signing())
        .get(format!("http://{addr}/object"))
        .send()
        .await
        .unwrap();
    let (status, body) = text(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("<Code>InvalidArgument</Code>"), "{body}");
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn exhausted_retries_give_the_last_response_with_its_body() {
    let script = Script::new([slow_down(1), slow_down(2), slow_down(3), slow_down(4)]);
    let addr = serve(&script).await;
    let response = client(signing())
        .get(format!("http://{addr}/object"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.seen().len(), 3);
    assert_eq!(
        text(response).await,
        (StatusCode::SERVICE_UNAVAILABLE, slow_down(3).body)
    );
}

#[tokio::test]
async fn the_response_url_is_kept_when_the_body_was_read_for_its_code() {
    let script = Script::new([xml_error(400, "InvalidArgument", "No.")]);
    let addr = serve(&script).await;
    let url = format!("http://{addr}/object?list");
    let response = client(signing()).get(&url).send().await.unwrap();
    assert_eq!(response.url().as_str(), url);
}

#[tokio::test]
async fn an_error_body_longer_than_the_read_limit_is_handed_back_whole() {
    let long = "x".repeat(200 * 1024);
    let mut answer = xml_error(400, "InvalidArgument", &long);
    answer.body.push_str("<!-- the end -->");
    let script = Script::new([answer.clone()]);
    let addr = serve(&script).await;
    let response = client(signing())
        .get(format!("http://{addr}/object"))
        .send()
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::BAD_REQUEST, answer.body));
}

#[tokio::test]
async fn a_streamed_body_is_not_retried() {
    let script = Script::new([slow_down(1)]);
    let addr = serve(&script).await;
    let response = client(signing())
        .put(format!("http://{addr}/object"))
        .body(reqwest::Body::wrap(stream_of(b"streamed")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        text(response).await,
        (StatusCode::SERVICE_UNAVAILABLE, slow_down(1).body)
    );
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn a_throttling_code_in_x_amzn_errortype_is_retried() {
    let throttled = Answer {
        status: 400,
        headers: vec![(
            "x-amzn-errortype",
            "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/"
                .into(),
        )],
        body: r#"{"message":"Rate exceeded"}"#.into(),
    };
    let script = Script::new([throttled]);
    let addr = serve(&script).await;
    let response = client(signing())
        .get(format!("http://{addr}/object"))
        .send()
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "done".to_string()));
    assert_eq!(script.seen().len(), 2);
}

#[tokio::test]
async fn a_json_throttling_type_is_retried() {
    let throttled = Answer {
        status: 400,
        headers: vec![("content-type", "application/x-amz-json-1.0".into())],
        body: r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow"}"#.into(),
    };
    let script = Script::new([throttled]);
    let addr = serve(&script).await;
    let response = client(signing())
        .post(format!("http://{addr}/"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "done".to_string()));
    assert_eq!(script.seen().len(), 2);
}

#[tokio::test]
async fn a_query_throttling_error_with_a_400_is_retried() {
    let throttled = Answer {
        status: 400,
        headers: vec![("content-type", "text/xml".into())],
        body: "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
               <Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>\
               </Error><RequestId>r</RequestId></ErrorResponse>"
            .into(),
    };
    let script = Script::new([throttled]);
    let addr = serve(&script).await;
    let response = client(signing())
        .post(format!("http://{addr}/"))
        .body("Action=GetCallerIdentity&Version=2011-06-15")
        .send()
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "done".to_string()));
    assert_eq!(script.seen().len(), 2);
}

#[tokio::test]
async fn a_500_without_a_code_is_retried() {
    let failed = Answer {
        status: 500,
        headers: vec![],
        body: "oops".into(),
    };
    let script = Script::new([failed]);
    let addr = serve(&script).await;
    let response = client(signing())
        .get(format!("http://{addr}/object"))
        .send()
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "done".to_string()));
    assert_eq!(script.seen().len(), 2);
}

#[tokio::test]
async fn max_attempts_is_configurable() {
    let script = Script::new((1..=4).map(slow_down));
    let addr = serve(&script).await;
    let signing = signing().retry(
        RetryConfig::standard()
            .max_attempts(5)
            .backoff_base(Duration::from_millis(1)),
    );
    let response = client(signing)
        .get(format!("http://{addr}/object"))
        .send()
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "done".to_string()));
    assert_eq!(script.seen().len(), 5);
}

#[tokio::test]
async fn disabled_retries_make_one_attempt() {
    let script = Script::new([slow_down(1)]);
    let addr = serve(&script).await;
    let response = client(signing().retry(RetryConfig::disabled()))
        .get(format!("http://{addr}/object"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(script.seen().len(), 1);
}

/// Fixed credentials that count how often they are asked for.
#[derive(Debug, Default)]
struct Counted(AtomicUsize);

impl ProvideCredentials for Counted {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::ready(Ok(Credentials::new(AKID, SECRET))))
    }
}

/// A loopback port with nothing listening on it.
fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

#[tokio::test]
async fn a_connection_error_is_retried_until_the_attempts_run_out() {
    let provider = Arc::new(Counted::default());
    let signing = Signing::new(Arc::clone(&provider), REGION, SERVICE)
        .retry(RetryConfig::standard().backoff_base(Duration::from_millis(1)));
    let error = client(signing)
        .get(format!("http://{}/object", closed_port()))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    // Credentials are asked for before each attempt.
    assert_eq!(provider.0.load(Ordering::SeqCst), 3);
}

// The extension.

#[tokio::test]
async fn send_signed_retries_slow_down() {
    let script = Script::new([slow_down(1), slow_down(2)]);
    let addr = serve(&script).await;
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .put(format!("http://{addr}/object"))
        .body("payload")
        .send_signed(&signing())
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "done".to_string()));
    assert_eq!(script.seen().len(), 3);
}

#[tokio::test]
async fn send_signed_gives_a_connection_error_as_transport() {
    let error = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("http://{}/object", closed_port()))
        .send_signed(&signing())
        .await
        .unwrap_err();
    assert!(matches!(error, SendError::Transport(_)), "{error:?}");
}

// The tower layer.

async fn send_tower<B>(signing: Signing, request: http::Request<B>) -> (StatusCode, String)
where
    B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let client = Client::builder(TokioExecutor::new()).build_http::<SendBody<B>>();
    let response = SigningLayer::new(signing)
        .layer(client)
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn the_tower_layer_retries_slow_down() {
    let script = Script::new([slow_down(1), slow_down(2)]);
    let addr = serve(&script).await;
    let request = http::Request::put(format!("http://{addr}/object"))
        .body(Full::new(Bytes::from_static(b"payload")))
        .unwrap();
    assert_eq!(
        send_tower(signing(), request).await,
        (StatusCode::OK, "done".to_string())
    );
    let seen = script.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.body == "payload"));
}

#[tokio::test]
async fn the_tower_layer_gives_the_last_response_with_its_body() {
    let script = Script::new((1..=3).map(slow_down));
    let addr = serve(&script).await;
    let request = http::Request::get(format!("http://{addr}/object"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(
        send_tower(signing(), request).await,
        (StatusCode::SERVICE_UNAVAILABLE, slow_down(3).body)
    );
    assert_eq!(script.seen().len(), 3);
}

#[tokio::test]
async fn the_tower_layer_does_not_retry_a_stream() {
    let script = Script::new([slow_down(1)]);
    let addr = serve(&script).await;
    let request = http::Request::put(format!("http://{addr}/object"))
        .body(stream_of(b"streamed"))
        .unwrap();
    assert_eq!(
        send_tower(signing(), request).await,
        (StatusCode::SERVICE_UNAVAILABLE, slow_down(1).body)
    );
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn the_tower_layer_does_not_retry_invalid_argument() {
    let script = Script::new([xml_error(400, "InvalidArgument", "No.")]);
    let addr = serve(&script).await;
    let request = http::Request::get(format!("http://{addr}/object"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let (status, _) = send_tower(signing(), request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(script.seen().len(), 1);
}

// Clock skew: the client's clock an hour behind the server's (whose `Date` hyper writes
// from the system clock, which the layer reads too).

const HOUR: time::Duration = time::Duration::hours(1);

/// Alice's signing with the system clock an hour behind.
fn late_signing() -> Signing {
    Signing::new(Credentials::new(AKID, SECRET), REGION, SERVICE)
        .clock(|| OffsetDateTime::now_utc() - HOUR)
        .retry(RetryConfig::standard().backoff_base(Duration::from_millis(1)))
}

#[tokio::test]
async fn a_skewed_clock_is_corrected_and_the_request_sent_again() {
    let script = Script::default();
    let addr = serve(&script).await;
    let signing = late_signing();
    let response = client(signing.clone())
        .get(format!("http://{addr}/object"))
        .send()
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "done".to_string()));
    // The first refused (RequestTimeTooSkewed), the second let through.
    assert_eq!((script.arrived(), script.seen().len()), (2, 1));
    let offset = signing.clock_offset();
    assert!((3595..=3605).contains(&offset), "{offset}");
}

#[tokio::test]
async fn later_requests_use_the_corrected_clock() {
    let script = Script::default();
    let addr = serve(&script).await;
    let client = client(late_signing());
    for _ in 0..3 {
        let response = client
            .get(format!("http://{addr}/object"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    // One refusal for the three requests.
    assert_eq!((script.arrived(), script.seen().len()), (4, 3));
}

#[tokio::test]
async fn a_skewed_stream_corrects_the_clock_without_being_sent_again() {
    let script = Script::default();
    let addr = serve(&script).await;
    let signing = late_signing();
    let response = client(signing.clone())
        .put(format!("http://{addr}/object"))
        .body(reqwest::Body::wrap(stream_of(b"streamed")))
        .send()
        .await
        .unwrap();
    let (status, body) = text(response).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("RequestTimeTooSkewed"), "{body}");
    assert_eq!(script.arrived(), 1);
    assert!(signing.clock_offset() > 3500, "{}", signing.clock_offset());
}

#[tokio::test]
async fn the_skew_correction_is_not_one_of_the_retries() {
    let script = Script::new([slow_down(1), slow_down(2)]);
    let addr = serve(&script).await;
    let response = client(late_signing())
        .get(format!("http://{addr}/object"))
        .send()
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "done".to_string()));
    // One refused for its time, then the three attempts of the standard mode.
    assert_eq!((script.arrived(), script.seen().len()), (4, 3));
}

#[tokio::test]
async fn a_server_behind_our_clock_is_corrected_too() {
    let script = Script::default();
    let addr = serve(&script).await;
    let signing = Signing::new(Credentials::new(AKID, SECRET), REGION, SERVICE)
        .clock(|| OffsetDateTime::now_utc() + HOUR);
    let response = client(signing.clone())
        .get(format!("http://{addr}/object"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(signing.clock_offset() < -3500, "{}", signing.clock_offset());
}

#[tokio::test]
async fn the_tower_layer_corrects_a_skewed_clock() {
    let script = Script::default();
    let addr = serve(&script).await;
    let request = http::Request::get(format!("http://{addr}/object"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(
        send_tower(late_signing(), request).await,
        (StatusCode::OK, "done".to_string())
    );
    assert_eq!((script.arrived(), script.seen().len()), (2, 1));
}

#[tokio::test]
async fn a_skewed_clock_is_left_alone_when_correction_is_off() {
    let script = Script::default();
    let addr = serve(&script).await;
    let signing = late_signing().correct_clock_skew(false);
    let response = client(signing.clone())
        .get(format!("http://{addr}/object"))
        .send()
        .await
        .unwrap();
    let (status, body) = text(response).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("RequestTimeTooSkewed"), "{body}");
    assert_eq!((script.arrived(), signing.clock_offset()), (1, 0));
}

// What each signature is told to an observer.

#[tokio::test]
async fn the_observer_sees_the_signature_of_every_attempt() {
    let script = Script::new([slow_down(1)]);
    let addr = serve(&script).await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = Arc::clone(&seen);
    let signing = signing().on_signed(move |signed| {
        kept.lock().unwrap().push(signed.signature_hex());
    });
    client(signing)
        .put(format!("http://{addr}/object"))
        .body("payload")
        .send()
        .await
        .unwrap();
    let observed = seen.lock().unwrap().clone();
    let sent: Vec<String> = script
        .seen()
        .iter()
        .map(|s| {
            let (_, signature) = s.authorization.rsplit_once("Signature=").unwrap();
            signature.to_string()
        })
        .collect();
    assert_eq!(observed, sent);
}

#[tokio::test]
async fn settings_replace_the_services_canonicalization() {
    let script = Script::default();
    let addr = serve(&script).await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = Arc::clone(&seen);
    let mut settings = countersign_client::SigningSettings::standard();
    settings.normalize_path = false;
    let signing = signing()
        .settings(settings)
        .on_signed(move |signed| kept.lock().unwrap().push(signed.canonical_request.clone()));
    let request = http::Request::get(format!("http://{addr}/a/./b"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    send_tower(signing, request).await;
    let canonical = seen.lock().unwrap().clone();
    assert_eq!(canonical.len(), 1);
    assert!(canonical[0].starts_with("GET\n/a/./b\n"), "{canonical:?}");
}
