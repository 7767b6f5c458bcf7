//! Refusals: rendered in a custom error format, observed by an `on_rejection` hook, counted
//! per access key and reason, and reported as `tracing` events that carry the counts; and
//! what the extractor answers when the layer is missing.

use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use countersign::server::{ErrorFormat, SigV4Layer};
use http::{Request, StatusCode};
use time::OffsetDateTime;

use crate::{answer, app, keys, signed_get, whoami, AKID, NOW, SECRET};

#[tokio::test]
async fn a_custom_error_format_renders_rejections() {
    let format = ErrorFormat::custom(|rejection| {
        let mut response = http::Response::new(http_body_util::Full::new(bytes::Bytes::from(
            format!("nope: {}", rejection.error.code()),
        )));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        response
    });
    let app = app(SigV4Layer::new(keys()).error_format(format));
    let answer = answer(&app, signed_get((AKID, "wrong"), "http://h/whoami", &[])).await;
    answer.assert_is(StatusCode::UNAUTHORIZED, "nope: SignatureDoesNotMatch");
}

#[tokio::test]
async fn the_extractor_says_when_the_layer_is_missing() {
    let app = Router::new().route("/whoami", get(whoami));
    let answer = answer(&app, Request::get("/whoami").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    answer.assert_says("SigV4 layer is not installed");
}

#[tokio::test]
async fn rejections_are_observed_with_their_access_key_and_code() {
    type Seen = Vec<(Option<String>, &'static str)>;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let observed = Arc::clone(&seen);
    let app = app(SigV4Layer::new(keys()).on_rejection(move |r| {
        observed
            .lock()
            .unwrap()
            .push((r.access_key_id.clone(), r.error.code()))
    }));
    for _ in 0..5 {
        answer(
            &app,
            signed_get(("AKIDRANDOM", "x"), "http://h/whoami", &[]),
        )
        .await;
    }
    answer(&app, signed_get((AKID, "wrong"), "http://h/whoami", &[])).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 6);
    assert!(seen[..5]
        .iter()
        .all(|(id, code)| id.as_deref() == Some("AKIDRANDOM") && *code == "InvalidAccessKeyId"));
    assert_eq!(seen[5], (Some(AKID.to_string()), "SignatureDoesNotMatch"));
}

/// A GET of /whoami signed by `akid` with `secret` at `time`.
fn signed_at(akid: &str, secret: &str, time: OffsetDateTime) -> Request<Body> {
    let mut request = Request::get("http://h/whoami").body(Body::empty()).unwrap();
    countersign::client::Signer::new(
        countersign::client::Credentials::new(akid, secret),
        "us-east-1",
        "execute-api",
    )
    .sign(&mut request, countersign::client::Payload::Empty, time)
    .unwrap();
    request
}

/// Sends ten requests with a wrong secret, one with an unknown key, one signed an hour ago,
/// one unsigned and one valid through a layer over [`keys`]; gives its failure counts.
fn refuse_a_few() -> countersign::server::FailureCounts {
    let layer = SigV4Layer::new(keys()).clock(|| NOW);
    let failures = layer.failure_counts();
    let app = Router::new().route("/whoami", get(whoami)).layer(layer);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let status = |request| {
            let app = &app;
            async move { answer(app, request).await.status }
        };
        for _ in 0..10 {
            assert_eq!(
                status(signed_at(AKID, "wrong", NOW)).await,
                StatusCode::FORBIDDEN
            );
        }
        let unknown = signed_at("AKIDOTHER", "x", NOW);
        assert_eq!(status(unknown).await, StatusCode::FORBIDDEN);
        let skewed = signed_at(AKID, SECRET, NOW - time::Duration::hours(1));
        assert_eq!(status(skewed).await, StatusCode::FORBIDDEN);
        let unsigned = Request::get("http://h/whoami").body(Body::empty()).unwrap();
        assert_eq!(status(unsigned).await, StatusCode::FORBIDDEN);
        // A valid request is not counted.
        assert_eq!(status(signed_at(AKID, SECRET, NOW)).await, StatusCode::OK);
    });
    failures
}

#[test]
fn failed_attempts_are_counted_per_key_and_reason() {
    let failures = refuse_a_few();
    assert_eq!(
        failures.get(AKID),
        vec![("SignatureDoesNotMatch", 10), ("RequestTimeTooSkewed", 1)]
    );
    assert_eq!(failures.get("AKIDOTHER"), vec![("InvalidAccessKeyId", 1)]);
    assert_eq!(failures.get(""), vec![("AccessDenied", 1)]);
    assert_eq!(failures.snapshot().len(), 4);
}

/// Names the test that runs in this process alone, in the process that runs it.
const ALONE: &str = "COUNTERSIGN_TEST_ALONE";

/// Whether this process is the one to run test `name`: if not, runs this test binary again
/// with `name` alone in it (and fails if that does), so that no test running beside it on
/// another thread emits events while a thread's `tracing` subscriber is installed (they would
/// race the callsites' interest cache).
fn alone(name: &str) -> bool {
    if std::env::var(ALONE).as_deref() == Ok(name) {
        return true;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--test-threads", "1", "--nocapture"])
        .env(ALONE, name)
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{name} alone:\n{printed}");
    assert!(
        printed.contains("1 passed"),
        "{name} did not run:\n{printed}"
    );
    false
}

#[test]
fn each_refusal_is_an_event_with_its_running_count() {
    if !alone("rejections::each_refusal_is_an_event_with_its_running_count") {
        return;
    }
    let events = Events::default();
    tracing::subscriber::with_default(events.clone(), refuse_a_few);
    // Every refusal is an event with the running count; the tenth of a kind is a warning.
    let events = events.0.lock().unwrap().clone();
    let refusals: Vec<_> = events
        .iter()
        .filter(|(_, fields)| fields.contains("failures="))
        .collect();
    assert_eq!(refusals.len(), 13, "{events:?}");
    let warnings: Vec<_> = refusals
        .iter()
        .filter(|(level, _)| *level == tracing::Level::WARN)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].1.contains("failures=10") && warnings[0].1.contains("SignatureDoesNotMatch"),
        "{warnings:?}"
    );
}

/// A `tracing` subscriber that keeps the level and fields of every event.
#[derive(Default, Clone)]
struct Events(Arc<Mutex<Vec<(tracing::Level, String)>>>);

impl tracing::Subscriber for Events {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Fields(String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", field.name(), value));
            }
        }
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), fields.0));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
