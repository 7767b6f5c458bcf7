//! Request ids: 16 upper-case hex digits, unique per frontend.

use std::sync::atomic::{AtomicU64, Ordering};

/// Makes the ids of a frontend's requests.
#[derive(Debug, Default)]
pub(crate) struct RequestIds {
    counter: AtomicU64,
}

impl RequestIds {
    /// A fresh id.
    pub(crate) fn next(&self) -> String {
        let seed = format!(
            "{:?}/{}/{}/{:p}",
            std::time::SystemTime::now(),
            std::process::id(),
            self.counter.fetch_add(1, Ordering::Relaxed),
            self
        );
        countersign_core::sha256_hex(seed.as_bytes())[..16].to_ascii_uppercase()
    }
}
