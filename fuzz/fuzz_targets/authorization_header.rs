//! Fuzz target `authorization_header`: see `harness::authorization_header`.
#![no_main]

use countersign_client as cs_client;
use countersign_core as cs_core;

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::authorization_header(data));
