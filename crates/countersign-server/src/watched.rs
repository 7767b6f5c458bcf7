//! A file read into a value and read again when it changes: the key file and the policy
//! file are both kept this way.
//!
//! Readers ask at most once per check interval whether the file's time or size changed; a
//! file that no longer loads keeps the last good value in place, and the reason is logged.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

/// How often readers look at the file by default.
pub(crate) const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(2);

/// A value loaded from a file, reloaded when the file changes.
pub(crate) struct Watched<T, E> {
    path: PathBuf,
    /// What the file is, for the logs ("key file").
    what: &'static str,
    load: fn(&Path) -> Result<T, E>,
    value: RwLock<Arc<T>>,
    /// The file's time and size when it was last read.
    stamp: Mutex<Option<(SystemTime, u64)>>,
    /// When the file is next looked at, in nanoseconds since `opened`: read without a lock,
    /// so that readers between two checks contend on nothing.
    next_check: AtomicU64,
    opened: Instant,
    check_interval: Duration,
}

impl<T, E: std::fmt::Display> Watched<T, E> {
    /// Loads the file at `path` with `load`; fails as `load` fails.
    pub(crate) fn open(
        path: &Path,
        what: &'static str,
        load: fn(&Path) -> Result<T, E>,
    ) -> Result<Self, E> {
        let stamp = stamp_of(path);
        let value = load(path)?;
        Ok(Watched {
            path: path.to_path_buf(),
            what,
            load,
            value: RwLock::new(Arc::new(value)),
            stamp: Mutex::new(stamp),
            next_check: AtomicU64::new(0),
            opened: Instant::now(),
            check_interval: DEFAULT_CHECK_INTERVAL,
        })
    }

    /// The same, looking at the file every `interval`.
    pub(crate) fn check_interval(mut self, interval: Duration) -> Self {
        self.check_interval = interval;
        self
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Loads the file again now; on error the current value stays.
    pub(crate) fn reload(&self) -> Result<Arc<T>, E> {
        let value = Arc::new((self.load)(&self.path)?);
        *self.value.write().unwrap_or_else(|p| p.into_inner()) = Arc::clone(&value);
        Ok(value)
    }

    /// The value as last loaded, without looking at the file.
    pub(crate) fn snapshot(&self) -> Arc<T> {
        Arc::clone(&self.value.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The value, loaded again first when the check interval has passed and the file
    /// changed.
    pub(crate) fn current(&self) -> Arc<T> {
        self.refresh();
        self.snapshot()
    }

    /// Reloads when the check interval has passed and the file's time or size changed.
    pub(crate) fn refresh(&self) {
        let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let now = nanos(self.opened.elapsed());
        if now < self.next_check.load(Ordering::Relaxed) {
            return;
        }
        let mut stamp = self.stamp.lock().unwrap_or_else(|p| p.into_inner());
        // Another reader may have checked while this one waited for the lock.
        if now < self.next_check.load(Ordering::Relaxed) {
            return;
        }
        let next = now.saturating_add(nanos(self.check_interval));
        self.next_check.store(next, Ordering::Relaxed);
        let current = stamp_of(&self.path);
        if current == *stamp {
            return;
        }
        *stamp = current;
        match self.reload() {
            Ok(_) => tracing::info!(path = %self.path.display(), "{} reloaded", self.what),
            Err(e) => tracing::warn!(
                path = %self.path.display(),
                error = %e,
                "{} not reloaded; keeping the last good one",
                self.what
            ),
        }
    }
}

fn stamp_of(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}
