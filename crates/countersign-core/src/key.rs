//! Secrets and signing keys: zeroized on drop, redacted in `Debug`, and a bounded cache of
//! derived keys.
//!
//! ```
//! use countersign_core::{CredentialScope, KeyCache, SecretKey, SigningKey};
//! let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
//! let scope = CredentialScope::new("20150830", "us-east-1", "iam");
//! let key = SigningKey::derive(&secret, &scope);
//! assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
//! let cache = KeyCache::new(64);
//! let cached = cache.get_or_derive(&secret, &scope);
//! assert!(cached.ct_eq(&key));
//! ```

use std::fmt;

use hmac::digest::FixedOutput;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::cache::{Bounded, Evict, Name};
use crate::scope::{CredentialScope, SCOPE_TERMINATOR};
use crate::signature::Signature;
use crate::sink::Sink;

/// A secret access key. Zeroized when dropped; `Debug` does not show it.
///
/// It carries a SHA-256 fingerprint of itself, made once here, by which the key caches find
/// what was derived from it (so a cache lookup costs no hash of the secret).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey {
    secret: String,
    fingerprint: [u8; 32],
}

impl SecretKey {
    /// Wraps a secret access key.
    pub fn new(secret: impl Into<String>) -> Self {
        let secret = secret.into();
        let fingerprint = crate::cache::fingerprint(&secret);
        SecretKey {
            secret,
            fingerprint,
        }
    }

    /// The secret itself. Handle with care.
    pub fn expose(&self) -> &str {
        &self.secret
    }

    /// The fingerprint the key caches use.
    pub(crate) fn fingerprint(&self) -> &[u8; 32] {
        &self.fingerprint
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// A derived signing key (`kSigning`): valid for one day, region and service.
///
/// It keeps the HMAC keyed with it (its two padded key blocks hashed once), so that a
/// signature costs only the hashing of its message. Both are wiped when the key is dropped:
/// the bytes here, the HMAC's state by `sha2`'s and `hmac`'s `zeroize` feature.
#[derive(Clone)]
pub struct SigningKey {
    bytes: [u8; 32],
    keyed: HmacSha256,
}

type HmacSha256 = Hmac<Sha256>;

/// One step of the key derivation: the HMAC of `data` with `mac`, written into `out`.
fn chain_step(mut mac: HmacSha256, data: &str, out: &mut [u8; 32]) {
    mac.update(data.as_bytes());
    mac.finalize_into(out.into());
}

/// An HMAC keyed with `key`.
pub(crate) fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

impl Zeroize for SigningKey {
    /// Makes this the key of 32 zero bytes; the HMAC state it replaces is wiped as it drops.
    fn zeroize(&mut self) {
        self.bytes.zeroize();
        self.keyed = keyed(&self.bytes);
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl ZeroizeOnDrop for SigningKey {}

impl SigningKey {
    /// Derives the key: HMAC chain over `"AWS4" + secret`, the day, region, service and
    /// `aws4_request`.
    pub fn derive(secret: &SecretKey, scope: &CredentialScope<'_>) -> Self {
        let secret = secret.expose().as_bytes();
        // HMAC keyed with "AWS4" + secret. Up to HMAC's 64-byte block (AWS secrets are 40
        // characters), the seed is put together on the stack; a longer one is keyed, as HMAC
        // does with any key longer than a block (RFC 2104), with its SHA-256, fed in two
        // pieces. Both are wiped.
        let mut stack = Zeroizing::new([0u8; 64]);
        let first = match stack.get_mut(..4 + secret.len()) {
            Some(seed) => {
                seed[..4].copy_from_slice(b"AWS4");
                seed[4..].copy_from_slice(secret);
                keyed(seed)
            }
            None => {
                use sha2::Digest;
                let mut hash = Sha256::new();
                hash.update(b"AWS4");
                hash.update(secret);
                let mut digest = Zeroizing::new([0u8; 32]);
                Digest::finalize_into(hash, (&mut *digest).into());
                keyed(&*digest)
            }
        };
        // One buffer carries the chain (each HMAC is keyed from it before its output
        // replaces it) and is wiped once.
        let mut key = Zeroizing::new([0u8; 32]);
        chain_step(first, scope.date, &mut key);
        for part in [scope.region, scope.service, SCOPE_TERMINATOR] {
            chain_step(keyed(&*key), part, &mut key);
        }
        SigningKey::from_bytes(*key)
    }

    /// A key from its 32 raw bytes (as published with some test vectors).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SigningKey {
            bytes,
            keyed: keyed(&bytes),
        }
    }

    /// Signs whatever `write` puts into the HMAC.
    pub(crate) fn sign_with(&self, write: impl FnOnce(&mut dyn Sink)) -> Signature {
        let mut mac = self.keyed.clone();
        write(&mut mac);
        Signature::from_bytes(mac.finalize().into_bytes().into())
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.sign_with(|sink| sink.put(message))
    }

    /// Compares two keys in constant time.
    pub fn ct_eq(&self, other: &SigningKey) -> bool {
        self.bytes.ct_eq(&other.bytes).into()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// A bounded cache of derived signing keys, keyed by (secret, day, region, service).
///
/// Deriving a key costs four HMACs; a cached one costs a hash of the secret's fingerprint
/// (made once with the [`SecretKey`]) and a comparison of the scope. The cache holds at most
/// `capacity` keys and evicts the oldest first; an evicted key is zeroized in place before
/// it leaves the map. The map is keyed by the fingerprint, so it never holds a copy of a
/// secret.
pub struct KeyCache {
    keys: Bounded<SigningKey>,
}

impl Evict for SigningKey {
    fn evict(&mut self) {
        self.zeroize();
    }
}

impl KeyCache {
    /// A cache that holds at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        KeyCache {
            keys: Bounded::new(capacity),
        }
    }

    /// The most keys this cache holds.
    pub fn capacity(&self) -> usize {
        self.keys.capacity()
    }

    /// How many keys it holds now.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The signing key for `secret` and `scope`, derived on a miss.
    pub fn get_or_derive(&self, secret: &SecretKey, scope: &CredentialScope<'_>) -> SigningKey {
        let name = Name(&[scope.date, scope.region, scope.service]);
        self.keys.get_or_make(secret.fingerprint(), name, || {
            SigningKey::derive(secret, scope)
        })
    }

    /// Hands `use_it` the signing key for `secret` and `scope`, derived on a miss. A cached
    /// key is lent where it is (under a read lock that other lookups share, so `use_it` should
    /// be short: a signature, not I/O), without the copy [`KeyCache::get_or_derive`] makes.
    ///
    /// ```
    /// use countersign_core::{CredentialScope, KeyCache, SecretKey, SigningKey};
    /// let cache = KeyCache::new(16);
    /// let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    /// let scope = CredentialScope::new("20130524", "us-east-1", "s3");
    /// let signature = cache.with_key(&secret, &scope, |key| key.sign(b"message"));
    /// assert!(signature.ct_eq(&SigningKey::derive(&secret, &scope).sign(b"message")));
    /// assert_eq!(cache.len(), 1);
    /// ```
    pub fn with_key<R>(
        &self,
        secret: &SecretKey,
        scope: &CredentialScope<'_>,
        use_it: impl FnOnce(&SigningKey) -> R,
    ) -> R {
        let name = Name(&[scope.date, scope.region, scope.service]);
        self.keys.with_or_make(
            secret.fingerprint(),
            name,
            || SigningKey::derive(secret, scope),
            use_it,
        )
    }

    /// Zeroizes and drops every key (for example after a secret was revoked).
    pub fn clear(&self) {
        self.keys.clear();
    }
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCache")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCOPE: CredentialScope<'static> = CredentialScope {
        date: "20130524",
        region: "us-east-1",
        service: "s3",
    };

    #[test]
    fn secrets_of_any_length_derive_the_chain_of_hmacs() {
        // The chain written out with owned buffers, beside the stack-or-heap seed.
        let reference = |secret: &str| {
            let step = |key: &[u8], data: &str| {
                let mut mac = keyed(key);
                mac.update(data.as_bytes());
                mac.finalize().into_bytes().to_vec()
            };
            let k = step(format!("AWS4{secret}").as_bytes(), SCOPE.date);
            let k = step(&k, SCOPE.region);
            let k = step(&k, SCOPE.service);
            let k = step(&k, "aws4_request");
            SigningKey::from_bytes(k.try_into().unwrap_or_else(|_| unreachable!()))
        };
        for length in [0, 1, 40, 59, 60, 61, 64, 200] {
            let secret = "k".repeat(length);
            let derived = SigningKey::derive(&SecretKey::new(secret.clone()), &SCOPE);
            assert!(derived.ct_eq(&reference(&secret)), "{length}");
        }
    }

    #[test]
    fn derives_the_published_s3_key() {
        // Published with the S3 documentation's examples (shared/vectors/s3-doc-examples).
        let key = SigningKey::derive(
            &SecretKey::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            &SCOPE,
        );
        assert_eq!(
            hex::encode(key.bytes),
            "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378"
        );
    }

    #[test]
    fn cache_is_bounded_and_distinguishes_secrets() {
        let cache = KeyCache::new(2);
        let a = SecretKey::new("a");
        let b = SecretKey::new("b");
        let c = SecretKey::new("c");
        let ka = cache.get_or_derive(&a, &SCOPE);
        let kb = cache.get_or_derive(&b, &SCOPE);
        assert!(!ka.ct_eq(&kb));
        assert_eq!(cache.len(), 2);
        cache.get_or_derive(&c, &SCOPE);
        assert_eq!(cache.len(), 2);
        assert!(cache
            .get_or_derive(&a, &SCOPE)
            .ct_eq(&SigningKey::derive(&a, &SCOPE)));
        let other_day = CredentialScope {
            date: "20130525",
            ..SCOPE
        };
        assert!(!cache.get_or_derive(&a, &other_day).ct_eq(&ka));
        cache.clear();
        assert!(cache.is_empty());
    }

    #[test]
    fn a_zeroized_key_signs_as_the_key_of_zero_bytes() {
        let mut key = SigningKey::derive(&SecretKey::new("secret"), &SCOPE);
        let zero = SigningKey::from_bytes([0; 32]);
        assert_ne!(
            key.sign(b"message").to_string(),
            zero.sign(b"message").to_string()
        );
        key.zeroize();
        // The kept HMAC state went with the bytes.
        assert!(key.ct_eq(&zero));
        assert_eq!(
            key.sign(b"message").to_string(),
            zero.sign(b"message").to_string()
        );
    }

    #[test]
    fn debug_redacts() {
        let secret = SecretKey::new("hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
    }
}
