//! Failed attempts counted per access key and reason, and the `tracing` events that carry
//! the counts. Alone in its binary: the test installs a `tracing` subscriber, and events of
//! tests running beside it on other threads would race its interest cache.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use countersign::client::{Credentials, Payload, Signer};
use countersign::server::keys::MemoryKeyStore;
use countersign::server::{SigV4Layer, Verified};
use http::{Request, StatusCode};
use time::macros::datetime;
use time::OffsetDateTime;
use tower::ServiceExt;

const AKID: &str = "AKIDEXAMPLE";
const NOW: OffsetDateTime = datetime!(2024-03-01 10:00:00 UTC);

async fn whoami(identity: Verified<String>) -> String {
    identity.principal
}

fn signed(akid: &str, secret: &str, time: OffsetDateTime) -> Request<Body> {
    let mut request = Request::get("http://h/whoami").body(Body::empty()).unwrap();
    Signer::new(Credentials::new(akid, secret), "us-east-1", "execute-api")
        .sign(&mut request, Payload::Empty, time)
        .unwrap();
    request
}

async fn status(app: &Router, request: Request<Body>) -> StatusCode {
    app.clone().oneshot(request).await.unwrap().status()
}

/// A `tracing` subscriber that keeps the level and fields of every event.
#[derive(Default, Clone)]
struct Events(std::sync::Arc<std::sync::Mutex<Vec<(tracing::Level, String)>>>);

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

#[test]
fn failed_attempts_are_counted_per_key_and_reason() {
    let events = Events::default();
    let store = MemoryKeyStore::new();
    store.insert(AKID, "secret", "alice".to_string());
    let layer = SigV4Layer::new(store).clock(|| NOW);
    let failures = layer.failure_counts();
    let app = Router::new().route("/whoami", get(whoami)).layer(layer);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    tracing::subscriber::with_default(events.clone(), || {
        runtime.block_on(async {
            for _ in 0..10 {
                let code = status(&app, signed(AKID, "wrong", NOW)).await;
                assert_eq!(code, StatusCode::FORBIDDEN);
            }
            let unknown = signed("AKIDOTHER", "x", NOW);
            assert_eq!(status(&app, unknown).await, StatusCode::FORBIDDEN);
            let skewed = signed(AKID, "secret", NOW - time::Duration::hours(1));
            assert_eq!(status(&app, skewed).await, StatusCode::FORBIDDEN);
            let unsigned = Request::get("http://h/whoami").body(Body::empty()).unwrap();
            assert_eq!(status(&app, unsigned).await, StatusCode::FORBIDDEN);
            // A valid request is not counted.
            assert_eq!(
                status(&app, signed(AKID, "secret", NOW)).await,
                StatusCode::OK
            );
        })
    });

    assert_eq!(
        failures.get(AKID),
        vec![("SignatureDoesNotMatch", 10), ("RequestTimeTooSkewed", 1)]
    );
    assert_eq!(failures.get("AKIDOTHER"), vec![("InvalidAccessKeyId", 1)]);
    assert_eq!(failures.get(""), vec![("AccessDenied", 1)]);
    assert_eq!(failures.snapshot().len(), 4);

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
