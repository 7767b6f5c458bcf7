//! Real clients and real servers: the layer on servers in this process on loopback, called by
//! countersign's client (over raw sockets, for the requests `http` would not build), curl and
//! botocore, a module per feature for countersign's requests; botocore's and curl's signed
//! requests verified by the core; and the example servers as child processes driven by the
//! aws CLI, boto3 and the AWS SDK for JavaScript v3.
//!
//! These tests need `curl`, `python3` with `boto3` and `awscrt`, the aws CLI, and Node.js with
//! `tests/js/node_modules` (`.ci/run` installs them); they fail, never skip, without them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

#[path = "../common/mod.rs"]
mod common;

#[macro_use]
mod api_server;
mod python;
mod s3_example;
mod verify;

mod authorization;
mod aws_chunked;
mod aws_cli;
mod boto3;
mod botocore;
mod checksums;
mod curl;
mod debug_errors;
mod header_auth;
mod javascript;
mod key_store;
mod limits;
mod payload;
mod presign;
mod s3_bad_input;
mod s3_behaviours;
mod scope_and_time;
mod signed_headers;
mod target;
