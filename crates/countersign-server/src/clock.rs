//! The one place the layer reads the wall clock, and how tests replace it.

use time::OffsetDateTime;

/// A source of "now": the one place the layer reads the wall clock
/// ([`SigV4Layer::clock`](crate::SigV4Layer::clock)), which tests replace. Any
/// `Fn() -> OffsetDateTime` is one.
///
/// ```
/// use countersign_server::{Clock, SystemClock};
/// use time::macros::datetime;
/// let fixed = || datetime!(2015-08-30 12:36:00 UTC);
/// assert_eq!(fixed.now().year(), 2015);
/// assert!(SystemClock.now().year() >= 2024);
/// ```
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

impl<F: Fn() -> OffsetDateTime + Send + Sync + 'static> Clock for F {
    fn now(&self) -> OffsetDateTime {
        self()
    }
}
