//! The evaluation table: one test per case, each naming the AWS page (and section) whose
//! documented behaviour it checks, a module per topic: the evaluation logic within an account
//! and across accounts, `Action`/`NotAction`, `Resource`/`NotResource`, `Principal`/
//! `NotPrincipal`, each family of condition operators, `...IfExists`, the set qualifiers,
//! policy variables, and S3's bucket-policy examples.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

#[macro_use]
mod case;

mod actions;
mod arn_operators;
mod bool_and_null;
mod cross_account;
mod date_operators;
mod if_exists;
mod ip_operators;
mod logic;
mod numeric_operators;
mod principals;
mod resources;
mod s3_examples;
mod set_operators;
mod string_operators;
mod variables;
