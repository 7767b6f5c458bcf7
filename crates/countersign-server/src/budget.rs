//! The bytes of request bodies buffered at once, across all requests: a body that declares no
//! hash is read before its signature can be checked, so what it holds is not yet
//! authenticated, and the layer bounds the sum as well as each one.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The bytes that the bodies being buffered may hold together.
pub(crate) struct BufferBudget {
    limit: usize,
    used: AtomicUsize,
}

impl BufferBudget {
    /// A budget of `limit` bytes.
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(BufferBudget {
            limit,
            used: AtomicUsize::new(0),
        })
    }

    /// The bytes held now.
    #[cfg(test)]
    fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }
}

impl fmt::Debug for BufferBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferBudget")
            .field("limit", &self.limit)
            .field("used", &self.used.load(Ordering::Relaxed))
            .finish()
    }
}

/// One body's share of the budget, given back when it is dropped.
pub(crate) struct Reservation {
    budget: Arc<BufferBudget>,
    bytes: usize,
}

impl Reservation {
    /// A share of nothing yet.
    pub(crate) fn new(budget: &Arc<BufferBudget>) -> Self {
        Reservation {
            budget: Arc::clone(budget),
            bytes: 0,
        }
    }

    /// A share of nothing over the same budget (what this one holds is given back as it is
    /// dropped).
    pub(crate) fn emptied(&self) -> Reservation {
        Reservation::new(&self.budget)
    }

    /// Makes the share at least `bytes`; `false` (and the share unchanged) when the budget
    /// has not that much left.
    pub(crate) fn cover(&mut self, bytes: usize) -> bool {
        let Some(more) = bytes.checked_sub(self.bytes).filter(|&more| more > 0) else {
            return true;
        };
        let limit = self.budget.limit;
        let taken = self
            .budget
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(more).filter(|&total| total <= limit)
            });
        if taken.is_ok() {
            self.bytes = bytes;
        }
        taken.is_ok()
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_stay_within_the_budget() {
        let budget = BufferBudget::new(100);
        let mut a = Reservation::new(&budget);
        let mut b = Reservation::new(&budget);
        assert!(a.cover(60));
        assert!(!b.cover(41));
        assert!(b.cover(40));
        assert_eq!(budget.used(), 100);
        assert!(!a.cover(61), "the budget is spent");
        assert!(
            a.cover(30),
            "a share never shrinks, and covers less at once"
        );
        assert_eq!(budget.used(), 100);
    }

    #[test]
    fn a_dropped_share_is_given_back() {
        let budget = BufferBudget::new(100);
        let mut a = Reservation::new(&budget);
        assert!(a.cover(100));
        drop(a);
        assert_eq!(budget.used(), 0);
        let mut b = Reservation::new(&budget);
        assert!(b.cover(100));
    }

    #[test]
    fn a_share_grows_by_the_difference() {
        let budget = BufferBudget::new(100);
        let mut a = Reservation::new(&budget);
        assert!(a.cover(10));
        assert!(a.cover(100));
        assert_eq!(budget.used(), 100);
        assert!(!a.cover(usize::MAX));
        assert_eq!(budget.used(), 100);
    }
}
