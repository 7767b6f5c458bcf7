//! The probe behind `scripts/footprint.sh`: one case run a given number of times, each time
//! right after 4 MiB were written, so that it starts with the caches as a server's other
//! work on a request leaves them. Run under cachegrind, the lines a run fetches from beyond
//! the caches are the code and data one operation touches: what it costs when cold.
//!
//! ```text
//! cargo bench --bench footprint -- verify 400    # floor | verify | minimal | presigned | layer | service
//! scripts/footprint.sh                           # every case under cachegrind
//! scripts/footprint.sh --warm                    # the warm loops' instruction cache misses
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::hint::black_box;
use std::sync::Arc;

use countersign::client::Payload;
use countersign::core::{KeyCache, SecretKey, EMPTY_SHA256, UNSIGNED_PAYLOAD};

mod common;

use common::minimal::Minimal;
use common::{s3_get, s3_signer, s3_verifier, verify_once, Evictor, Floor, NOW, SECRET};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let case = args.first().map_or("verify", String::as_str);
    let operations: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(400);
    let signer = s3_signer();
    let mut header = s3_get();
    let stages = signer.sign(&mut header, Payload::Empty, NOW).unwrap();
    let mut presigned = s3_get();
    signer
        .presign(&mut presigned, Payload::Unsigned, 3600, NOW)
        .unwrap();
    let floor = Floor::new(&stages);
    let secret = SecretKey::new(SECRET);
    let verifier = s3_verifier().key_cache(Arc::new(KeyCache::new(64)));
    let verify = |request: &http::Request<()>, payload_hash: &str| {
        verify_once(&verifier, &secret, request, payload_hash);
    };
    // With `FOOTPRINT_WARM` set, the operations run back to back without the eviction: the
    // warm loop, for a cachegrind run that simulates the machine's instruction cache.
    let warm = std::env::var_os("FOOTPRINT_WARM").is_some();
    let mut evictor = Evictor::new();
    let mut run = |operation: &mut dyn FnMut()| {
        // The key cache filled, as a warm verification finds it.
        operation();
        for _ in 0..operations {
            if !warm {
                evictor.evict();
            }
            operation();
        }
    };
    match case {
        "floor" => run(&mut || {
            black_box(floor.with_key_ready());
        }),
        "verify" => run(&mut || verify(&header, EMPTY_SHA256)),
        "minimal" => {
            let minimal = Minimal::new();
            run(&mut || {
                let verified = minimal.verify(black_box(&header), EMPTY_SHA256);
                assert!(black_box(verified).is_some(), "the bound verifies");
            });
        }
        "presigned" => run(&mut || verify(&presigned, UNSIGNED_PAYLOAD)),
        // The presigned GET sent through the whole layer, or into the service alone (its
        // request built and answered the same way): the difference is the layer's.
        "layer" | "service" => {
            let mut measured = 0;
            common::through_the_layer(&presigned, |operation| {
                // Called with the layer first, then with the service alone.
                let wanted = (measured == 0) == (case == "layer");
                measured += 1;
                if wanted {
                    run(operation);
                }
            });
        }
        other => {
            panic!("unknown case {other:?}: floor, verify, minimal, presigned, layer or service")
        }
    }
}
