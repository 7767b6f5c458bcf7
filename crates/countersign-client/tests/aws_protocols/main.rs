//! The Query and JSON protocol clients and STS against moto in server mode (PyPI
//! `moto[server]`), which the tests start on a free loopback port: STS, SQS (Query), DynamoDB
//! (awsJson 1.0), each protocol's errors, and roles assumed by the credential chain.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod dynamodb;
mod moto;
mod roles;
mod sqs;
mod sts;
