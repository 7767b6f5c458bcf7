//! Fuzz target `mutate_then_verify`: see `harness::mutate_then_verify`.
#![no_main]

use countersign_client as cs_client;
use countersign_core as cs_core;

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::mutate_then_verify(data));
