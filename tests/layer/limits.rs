//! The budget of bodies buffered at once: a body that fits what is left of it is buffered and
//! verified, one declared or found larger is asked to slow down, and a share is given back
//! when its request ends.

use std::time::Duration;

use axum::body::Body;
use axum::Router;
use countersign::server::SigV4Layer;
use http::StatusCode;
use tower::ServiceExt;

use crate::bodies::{answer_soon, buffered_post, stalled, Open};
use crate::{app, keys, AKID};

/// A layer that buffers bodies of at most 1000 bytes, 1500 bytes of them at once.
fn budgeted() -> Router {
    app(SigV4Layer::new(keys())
        .body_buffer_limit(1000)
        .body_buffer_budget(1500))
}

/// Starts a request whose body of `length` declared bytes never comes, so that it holds
/// its share of the budget; the task ends when the test does.
fn hold_share(app: &Router, length: usize) -> Open {
    let (body, open) = stalled(b"");
    let request = buffered_post(AKID, b"never sent", body, Some(length));
    let app = app.clone();
    tokio::spawn(async move { app.oneshot(request).await });
    open
}

/// Lets the spawned requests reach the layer.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// The answer of `app` to a POST of `length` bytes with that `Content-Length`.
async fn post_of(app: &Router, length: usize) -> crate::Answer {
    let body = vec![b'x'; length];
    let request = buffered_post(AKID, &body, Body::from(body.clone()), Some(length));
    answer_soon(app, request).await
}

#[tokio::test]
async fn a_body_that_fits_the_budget_left_is_buffered_and_verified() {
    let app = budgeted();
    let _held = hold_share(&app, 1000);
    settle().await;
    post_of(&app, 500)
        .await
        .assert_is(StatusCode::OK, "alice read 500");
}

#[tokio::test]
async fn a_declared_length_past_the_budget_left_is_asked_to_slow_down() {
    let app = budgeted();
    let _held = hold_share(&app, 1000);
    settle().await;
    let answer = post_of(&app, 501).await;
    assert_eq!(
        (
            answer.status,
            answer.code().as_str(),
            answer.retry_after.as_deref()
        ),
        (StatusCode::SERVICE_UNAVAILABLE, "SlowDown", Some("1"))
    );
}

#[tokio::test]
async fn a_streamed_body_that_grows_past_the_budget_left_is_asked_to_slow_down() {
    let app = budgeted();
    let _held = hold_share(&app, 1000);
    settle().await;
    // Sent in chunked transfer: its length is known only as it is read.
    let (body, open) = stalled(&[b'x'; 600]);
    drop(open);
    let request = buffered_post(AKID, &[b'x'; 600], body, None);
    let answer = answer_soon(&app, request).await;
    answer.assert_refused(StatusCode::SERVICE_UNAVAILABLE, "SlowDown");
}

#[tokio::test]
async fn a_share_is_given_back_when_its_request_ends() {
    let app = budgeted();
    let held = hold_share(&app, 1000);
    settle().await;
    drop(held);
    settle().await;
    post_of(&app, 1000)
        .await
        .assert_is(StatusCode::OK, "alice read 1000");
}
