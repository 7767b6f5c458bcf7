//! The locks of an [`FsStorage`](super::FsStorage): one lock of the whole data directory,
//! and locks striped by name, so that writes of different keys go on side by side while
//! two writes of one key take turns.
//!
//! Every operation takes the directory's lock first: for reading, all but a bucket's
//! creation and deletion and a bucket record's change, which take it for writing. Then, at
//! most one lock of each stripe set, in this order: an upload's (by its id), then an
//! object's (by its bucket and key). Taking them always in this order is what keeps two
//! operations from waiting on each other.

use std::hash::{BuildHasher, RandomState};

use tokio::sync::RwLock;

/// How many locks a stripe set has: names that hash alike share one, which costs a wait,
/// never a wrong result.
const STRIPES: usize = 256;

/// A fixed set of locks, one chosen for a name by its hash (keyed afresh for each set, so
/// that no one can choose names that all fall on one lock).
#[derive(Debug)]
pub(super) struct Stripes {
    locks: Box<[RwLock<()>]>,
    hasher: RandomState,
}

impl Stripes {
    pub(super) fn new() -> Self {
        Stripes {
            locks: (0..STRIPES).map(|_| RwLock::new(())).collect(),
            hasher: RandomState::new(),
        }
    }

    /// The lock of the name made of `parts` (a bucket and a key; an upload id).
    pub(super) fn of(&self, parts: &[&str]) -> &RwLock<()> {
        // Each part hashes with a terminator, so that ("ab", "c") and ("a", "bc") differ.
        let hash = self.hasher.hash_one(parts);
        let index = usize::try_from(hash % STRIPES as u64).unwrap_or(0);
        &self.locks[index]
    }
}
