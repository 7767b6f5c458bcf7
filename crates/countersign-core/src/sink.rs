//! Byte sinks: where a stage writes itself, so that hashing needs no intermediate string.
//!
//! ```
//! use countersign_core::sink::Sink;
//! let mut out = Vec::new();
//! out.put(b"GET\n");
//! assert_eq!(out, b"GET\n");
//! ```

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Something that takes bytes: a buffer, a hasher, an HMAC.
pub trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);

    /// Appends a string.
    #[inline]
    fn put_str(&mut self, s: &str) {
        self.put(s.as_bytes());
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

impl Sink for Hmac<Sha256> {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// Writes a stage's bytes into a `fmt::Formatter`, replacing invalid UTF-8 (only header
/// values may hold it) the way `String::from_utf8_lossy` does.
pub(crate) struct FmtSink<'a, 'b> {
    pub(crate) f: &'a mut std::fmt::Formatter<'b>,
    pub(crate) result: std::fmt::Result,
}

impl Sink for FmtSink<'_, '_> {
    fn put(&mut self, bytes: &[u8]) {
        if self.result.is_ok() {
            self.result = self.f.write_str(&String::from_utf8_lossy(bytes));
        }
    }
}

/// Gathers small writes into a stack buffer and hands them to the inner sink in large
/// pieces: a canonical request is written in dozens of small pieces, and each call into a
/// hash has a cost of its own.
pub(crate) struct Buffered<'a, S: Sink + ?Sized> {
    inner: &'a mut S,
    buf: [u8; 512],
    len: usize,
}

impl<'a, S: Sink + ?Sized> Buffered<'a, S> {
    pub(crate) fn new(inner: &'a mut S) -> Self {
        Buffered {
            inner,
            buf: [0; 512],
            len: 0,
        }
    }

    /// Hands what is buffered to the inner sink.
    pub(crate) fn flush(&mut self) {
        if self.len > 0 {
            self.inner.put(&self.buf[..self.len]);
            self.len = 0;
        }
    }
}

impl<S: Sink + ?Sized> Sink for Buffered<'_, S> {
    // Inlined, the many short constant pieces of a canonical request are copied without a
    // call each.
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > self.buf.len() {
            self.flush();
            if bytes.len() > self.buf.len() {
                self.inner.put(bytes);
                return;
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }
}

impl<S: Sink + ?Sized> Drop for Buffered<'_, S> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The SHA-256 of everything `write` puts into the sink.
pub(crate) fn sha256_of(write: impl FnOnce(&mut Buffered<'_, Sha256>)) -> [u8; 32] {
    let mut hasher = Sha256::new();
    {
        let mut buffered = Buffered::new(&mut hasher);
        write(&mut buffered);
    }
    hasher.finalize().into()
}
