//! Memory of a large aws-chunked upload through the layer: 1 GiB in signed 64 KiB chunks,
//! generated lazily by the client encoder and read by a handler that keeps nothing. Prints
//! the peak resident memory before and after (VmHWM): the growth is what one upload costs,
//! which the design bounds by one chunk plus a constant.
//!
//! ```text
//! cargo bench --bench upload_memory              # 1 GiB, one stream
//! cargo bench --bench upload_memory -- 256       # another size, in MiB
//! cargo bench --bench upload_memory -- 2048 8    # 2 GiB in 8 parallel streams
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::routing::put;
use axum::Router;
use bytes::Bytes;
use countersign::client::{ChunkedEncoder, Credentials, Framing, Signer};
use countersign::server::keys::MemoryKeyStore;
use countersign::server::SigV4Layer;
use http_body::Frame;
use tower::ServiceExt;

const CHUNK: usize = 64 * 1024;

/// An aws-chunked body produced chunk by chunk, never held whole.
struct LazyUpload {
    encoder: ChunkedEncoder,
    remaining: u64,
    data: Vec<u8>,
    finished: bool,
}

impl http_body::Body for LazyUpload {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.remaining > 0 {
            let n = (this.remaining as usize).min(CHUNK);
            this.remaining -= n as u64;
            let framed = this.encoder.chunk(&this.data[..n]);
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(framed)))));
        }
        if !this.finished {
            this.finished = true;
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(this.encoder.finish())))));
        }
        Poll::Ready(None)
    }
}

/// Peak resident set size so far, in KiB (Linux).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn count(body: Body) -> String {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut total = 0u64;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => total += frame.data_ref().map_or(0, |d| d.len() as u64),
            Err(e) => return format!("error: {e}"),
        }
    }
    total.to_string()
}

/// One upload of `size` bytes through `app`; gives what the handler counted.
async fn upload(app: Router, size: u64) -> String {
    let signer = Signer::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "s3").s3();
    let mut request = http::Request::put("http://localhost/bucket/big")
        .body(())
        .unwrap();
    let encoder = signer
        .sign_chunked(
            &mut request,
            Framing::Signed,
            size,
            CHUNK,
            None,
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
    let body = LazyUpload {
        encoder,
        remaining: size,
        data: vec![b'x'; CHUNK],
        finished: false,
    };
    let request = request.map(|_| Body::new(body));
    let response = app.oneshot(request).await.unwrap();
    String::from_utf8_lossy(
        &axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap(),
    )
    .into_owned()
}

fn main() {
    let mut numbers = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse::<u64>().ok());
    let mib = numbers.next().unwrap_or(1024);
    let streams = numbers.next().unwrap_or(1).max(1);
    let per_stream = mib * 1024 * 1024 / streams;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let keys = MemoryKeyStore::new();
        keys.insert("AKIDEXAMPLE", "secret", ());
        let app = Router::new().route("/bucket/big", put(count)).layer(SigV4Layer::new(keys).s3());

        let before = peak_rss_kib();
        let started = Instant::now();
        let tasks: Vec<_> = (0..streams).map(|_| tokio::spawn(upload(app.clone(), per_stream))).collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), per_stream.to_string(), "the handler read the whole body");
        }
        let elapsed = started.elapsed();
        let after = peak_rss_kib();
        println!(
            "aws-chunked upload of {mib} MiB in {streams} parallel stream(s) of {} KiB signed chunks: \
             verified in {:.2} s ({:.0} MiB/s, client signing included)",
            CHUNK / 1024,
            elapsed.as_secs_f64(),
            mib as f64 / elapsed.as_secs_f64()
        );
        println!("peak RSS before: {before} KiB, after: {after} KiB, growth: {} KiB", after.saturating_sub(before));
    });
}
