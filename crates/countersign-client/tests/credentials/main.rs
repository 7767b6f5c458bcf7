//! The credential chain: each source, the precedence between them, and the cache.
//! One binary, one module per source.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod cache;
mod chain;
mod common;
mod container;
mod env;
mod imds;
mod process;
mod profile;
mod region;
mod server;
