//! The `countersign` command, a module per part: the command itself (help, completions,
//! credentials, `sign` and `verify` with a key file), `explain` on real rejections, `request`
//! and `presign` against the example servers, and the aws-c-auth v4 suite signed and verified
//! by the command, one test per case and form.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

#[macro_use]
#[path = "../../../../tests/common/v4_cases.rs"]
mod v4_cases;

mod cli;
mod explain;
mod keys;
mod policy;
mod request;
mod sending;
mod vectors;
