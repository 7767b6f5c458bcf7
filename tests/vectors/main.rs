//! The vectors and properties, one test per case: the aws-c-auth SigV4 and SigV4a suites, the
//! original AWS suite, the S3 documentation's worked examples, aws-c-auth's SigV4a chunked
//! facts, round trips between the client (and the `aws-sigv4` crate) and the core, and the
//! fuzz targets' committed corpus.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

#[path = "../common/mod.rs"]
mod common;

#[macro_use]
#[path = "../common/v4_cases.rs"]
mod v4_cases;

#[macro_use]
mod aws_c_auth;
mod decoding;

mod fuzz_corpus;
mod roundtrip;
mod s3doc;
#[cfg(feature = "sigv4a")]
mod sigv4a_chunked;
mod suite;
mod v4;
#[cfg(feature = "sigv4a")]
mod v4a;
