//! The client's `S3Client` against `examples/s3_server`, a child process over HTTP and
//! another over HTTPS (its self-signed certificate trusted by these tests alone), shared by
//! the tests: every call, each case once over each (`http::NAME`, `https::NAME`), with curl
//! fetching presigned URLs and Python's `requests` posting browser forms.
//!
//! `cargo test` builds the examples before the tests run (`cargo build --examples`
//! otherwise). These tests need `curl` and `python3` with `requests` (`.ci/run` installs
//! them); they fail, never skip, without them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

#[path = "../common/mod.rs"]
mod common;

#[macro_use]
mod server;

mod buckets;
mod errors;
mod listing;
mod multipart;
mod objects;
mod post_form;
mod presign;
