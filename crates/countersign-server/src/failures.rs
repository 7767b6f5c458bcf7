//! Failed attempts, counted per access key and reason (the AWS error code), in a bounded
//! table: the layer keeps one (on by default), adds the running count to each rejection's
//! `tracing` event, raises the event to `warn` when a key's count for a reason reaches 10,
//! 100, 1000, …, and hands the table out for metrics.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// How many access keys the layer's failure table holds by default.
pub const DEFAULT_FAILURE_TABLE_CAPACITY: usize = 10_000;

/// One line of [`FailureCounts::snapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailureCount {
    /// The access key the requests named (empty when a request named none that could be
    /// read).
    pub access_key_id: String,
    /// The AWS error code they were refused with.
    pub code: &'static str,
    /// How many.
    pub count: u64,
}

/// Failed attempts per access key and reason, for at most `capacity` access keys: when one
/// more key fails, the key that first failed longest ago is forgotten. Clones share the
/// table. The layer keeps one (on by default), adds the running count to each rejection's
/// `tracing` event, raises the event to `warn` when a key's count for a reason reaches 10,
/// 100, 1000, …, and hands the table out for metrics
/// ([`SigV4Layer::failure_counts`](crate::SigV4Layer::failure_counts)).
///
/// ```
/// use countersign_server::{FailureCounts, SigV4Layer, keys::MemoryKeyStore};
/// let layer = SigV4Layer::new(MemoryKeyStore::<()>::new());
/// let failures: FailureCounts = layer.failure_counts();
/// // ... serve; then, in a metrics endpoint:
/// for f in failures.snapshot() {
///     println!("auth_failures{{access_key_id={:?},code={:?}}} {}", f.access_key_id, f.code, f.count);
/// }
/// ```
#[derive(Debug, Clone)]
pub struct FailureCounts {
    capacity: usize,
    table: Arc<Mutex<Table>>,
}

#[derive(Debug, Default)]
struct Table {
    counts: HashMap<String, Vec<(&'static str, u64)>>,
    /// Keys in the order they first failed, for eviction.
    order: VecDeque<String>,
}

impl FailureCounts {
    /// A table for at most `capacity` access keys (at least one).
    pub fn new(capacity: usize) -> Self {
        FailureCounts {
            capacity: capacity.max(1),
            table: Arc::default(),
        }
    }

    /// Counts one failure; gives the count for this key and code so far.
    pub fn record(&self, access_key_id: &str, code: &'static str) -> u64 {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        if !table.counts.contains_key(access_key_id) {
            while table.counts.len() >= self.capacity {
                let Some(oldest) = table.order.pop_front() else {
                    break;
                };
                table.counts.remove(&oldest);
            }
            table.order.push_back(access_key_id.to_string());
            table.counts.insert(access_key_id.to_string(), Vec::new());
        }
        let Some(codes) = table.counts.get_mut(access_key_id) else {
            return 0;
        };
        match codes.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                codes.push((code, 1));
                1
            }
        }
    }

    /// The counts for one access key, by code.
    pub fn get(&self, access_key_id: &str) -> Vec<(&'static str, u64)> {
        let table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        table.counts.get(access_key_id).cloned().unwrap_or_default()
    }

    /// Every count, in the order the keys first failed.
    pub fn snapshot(&self) -> Vec<FailureCount> {
        let table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        for key in &table.order {
            for (code, count) in table.counts.get(key).into_iter().flatten() {
                out.push(FailureCount {
                    access_key_id: key.clone(),
                    code,
                    count: *count,
                });
            }
        }
        out
    }

    /// How many access keys are in the table.
    pub fn len(&self) -> usize {
        let table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        table.counts.len()
    }

    /// Whether no failure is counted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every count.
    pub fn clear(&self) {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        table.counts.clear();
        table.order.clear();
    }
}

/// Whether `count` is 10, 100, 1000, …: the counts at which a rejection is logged at `warn`.
pub(crate) fn is_milestone(count: u64) -> bool {
    let mut n = count;
    if n < 10 {
        return false;
    }
    while n % 10 == 0 {
        n /= 10;
    }
    n == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_code_within_the_bound() {
        let counts = FailureCounts::new(2);
        assert_eq!(counts.record("A", "SignatureDoesNotMatch"), 1);
        assert_eq!(counts.record("A", "SignatureDoesNotMatch"), 2);
        assert_eq!(counts.record("A", "RequestTimeTooSkewed"), 1);
        assert_eq!(counts.record("B", "InvalidAccessKeyId"), 1);
        assert_eq!(
            counts.get("A"),
            vec![("SignatureDoesNotMatch", 2), ("RequestTimeTooSkewed", 1)]
        );
        // A third key evicts the first to fail.
        assert_eq!(counts.record("C", "InvalidAccessKeyId"), 1);
        assert_eq!(counts.len(), 2);
        assert!(counts.get("A").is_empty());
        let snapshot = counts.snapshot();
        assert_eq!(snapshot.len(), 2);
        assert_eq!(snapshot[0].access_key_id, "B");
        assert_eq!(snapshot[1].access_key_id, "C");
        counts.clear();
        assert!(counts.is_empty());
    }

    #[test]
    fn milestones() {
        let found: Vec<u64> = (0..=10_000).filter(|n| is_milestone(*n)).collect();
        assert_eq!(found, vec![10, 100, 1000, 10_000]);
    }
}
