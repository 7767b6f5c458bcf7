//! Several instances of `examples/s3_server` on one real `redis-server` (`--redis`): what one
//! instance learns (a new key, a revocation, a signature used, a bucket policy) holds on all
//! of them, and what happens to their requests when Redis stops, comes back, comes back
//! empty, or is slow.
//!
//! `cargo test` builds the examples first (`cargo build --examples` otherwise). The tests
//! start their own `redis-server` on a free loopback port (the harness of countersign-redis's
//! tests) and fail, never skip, when it cannot start; the bucket policy test needs the aws
//! CLI.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

#[allow(dead_code, unreachable_pub, reason = "shared with other test binaries")]
#[path = "../common/example_server.rs"]
mod example_server;

#[path = "../../crates/countersign-redis/tests/support/mod.rs"]
mod redis_support;

mod admin;
mod instances;
mod raw;

mod faults;
mod shared;
