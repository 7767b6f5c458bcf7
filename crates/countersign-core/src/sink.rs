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

    /// [`Sink::put`] when `bytes` do not fit in what is left of the buffer: at most once or
    /// twice per canonical request, so kept out of the copies inlined at every `put`.
    #[cold]
    #[inline(never)]
    fn put_after_flush(&mut self, bytes: &[u8]) {
        self.flush();
        match self.buf.get_mut(..bytes.len()) {
            Some(space) => {
                space.copy_from_slice(bytes);
                self.len = bytes.len();
            }
            None => self.inner.put(bytes),
        }
    }
}

impl<S: Sink + ?Sized> Sink for Buffered<'_, S> {
    // Inlined, the many short constant pieces of a canonical request are copied without a
    // call each.
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        match self.buf.get_mut(self.len..end) {
            Some(space) => {
                space.copy_from_slice(bytes);
                self.len = end;
            }
            None => self.put_after_flush(bytes),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Pieces of every size around the buffer's (empty, one byte, just under, at and over
    /// 512, several times over) in many orders reach the inner sink whole and in order.
    #[test]
    fn buffered_pieces_arrive_whole_and_in_order() {
        let sizes = [0, 1, 7, 200, 311, 511, 512, 513, 1024, 1500];
        for first in sizes {
            for second in sizes {
                for third in sizes {
                    let pieces: Vec<Vec<u8>> = [first, second, third]
                        .iter()
                        .enumerate()
                        .map(|(i, &n)| (0..n).map(|j| (j * 7 + i * 31) as u8).collect())
                        .collect();
                    let mut inner = Vec::new();
                    {
                        let mut buffered = Buffered::new(&mut inner);
                        for piece in &pieces {
                            buffered.put(piece);
                        }
                    }
                    assert_eq!(
                        inner,
                        pieces.concat(),
                        "pieces of {first}, {second}, {third}"
                    );
                }
            }
        }
    }
}
