//! SigV4a's P-256 cryptography (feature `sigv4a`): the key pair derived from a secret
//! access key, signing and verification of a string to sign, and a bounded cache of derived
//! keys.

use std::fmt;
use std::sync::Arc;

use hmac::Mac;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature as P256Signature, SigningKey as P256SigningKey, VerifyingKey};
use p256::elliptic_curve::{ff::PrimeField, sec1::Sec1Point};
use p256::{FieldBytes, NistP256, NonZeroScalar, Scalar};
use zeroize::Zeroizing;

use super::wire::EcdsaSignature;
use crate::cache::{Bounded, Evict, Name};
use crate::constants::ECDSA_ALGORITHM;
use crate::key::SecretKey;
use crate::string_to_sign::StringToSign;

/// The most counter values the KDF tries before giving up (aws-c-auth's bound).
const MAX_KDF_ATTEMPTS: u8 = 254;

/// The P-256 key pair SigV4a derives from a secret access key and its access key id.
///
/// The private scalar is zeroized when the key is dropped; `Debug` shows only the
/// public key.
///
/// ```
/// use countersign_core::sigv4a::EcdsaKey;
/// use countersign_core::SecretKey;
/// let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
/// let key = EcdsaKey::derive(&secret, "AKIDEXAMPLE").unwrap();
/// // The public key published with the aws-c-auth SigV4a test suite.
/// assert_eq!(
///     hex::encode(key.public_key_x()),
///     "b6618f6a65740a99e650b33b6b4b5bd0d43b176d721a3edfea7e7d2d56d936b1"
/// );
/// ```
#[derive(Clone)]
pub struct EcdsaKey {
    signing: P256SigningKey,
    verifying: VerifyingKey,
}

impl EcdsaKey {
    /// Derives the key: HMAC-SHA256 in counter mode keyed with `"AWS4A" + secret` over
    /// `00000001 || "AWS4-ECDSA-P256-SHA256" || 00 || access_key_id || counter ||
    /// 00000100`, for counter = 1, 2, ...; the first output `k0` with `k0 <= n - 2` (n the
    /// order of P-256) gives the private scalar `k0 + 1`. `None` only if 254 counters
    /// all fail, which no real secret does.
    pub fn derive(secret: &SecretKey, access_key_id: &str) -> Option<Self> {
        let mut hmac_key = Zeroizing::new(Vec::with_capacity(5 + secret.expose().len()));
        hmac_key.extend_from_slice(b"AWS4A");
        hmac_key.extend_from_slice(secret.expose().as_bytes());
        let mut input = Zeroizing::new(Vec::with_capacity(
            4 + ECDSA_ALGORITHM.len() + 1 + access_key_id.len() + 1 + 4,
        ));
        input.extend_from_slice(&1u32.to_be_bytes());
        input.extend_from_slice(ECDSA_ALGORITHM.as_bytes());
        input.push(0);
        input.extend_from_slice(access_key_id.as_bytes());
        let counter_at = input.len();
        input.push(1);
        input.extend_from_slice(&256u32.to_be_bytes());
        for counter in 1..=MAX_KDF_ATTEMPTS {
            input[counter_at] = counter;
            let mut mac = crate::key::keyed(&hmac_key);
            mac.update(&input);
            let k0: Zeroizing<FieldBytes> = Zeroizing::new(mac.finalize().into_bytes());
            // from_repr accepts k0 < n; k0 + 1 is then non-zero unless k0 = n - 1:
            // together, exactly k0 <= n - 2.
            let k0: Option<Scalar> = Scalar::from_repr(*k0).into();
            let Some(k0) = k0 else { continue };
            let d: Option<NonZeroScalar> = NonZeroScalar::new(k0 + Scalar::ONE).into();
            if let Some(d) = d {
                let signing = P256SigningKey::from(d);
                let verifying = *signing.verifying_key();
                return Some(EcdsaKey { signing, verifying });
            }
        }
        None
    }

    /// The public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying
    }

    /// The public key's X coordinate, big-endian.
    pub fn public_key_x(&self) -> [u8; 32] {
        coordinate(&self.verifying, true)
    }

    /// The public key's Y coordinate, big-endian.
    pub fn public_key_y(&self) -> [u8; 32] {
        coordinate(&self.verifying, false)
    }

    /// Signs the string to sign: ECDSA over its SHA-256, deterministic (RFC 6979).
    pub fn sign(&self, string_to_sign: &StringToSign<'_>) -> EcdsaSignature {
        let mut message = Vec::with_capacity(256);
        string_to_sign.write_to(&mut message);
        self.sign_text(&message)
    }

    /// Signs a string to sign already written out (its bytes).
    pub fn sign_text(&self, string_to_sign: &[u8]) -> EcdsaSignature {
        let signature: P256Signature = self.signing.sign(string_to_sign);
        EcdsaSignature::from_der(signature.to_der().as_bytes())
    }

    /// Verifies `signature` over the string to sign with this key's public half.
    pub fn verify(&self, string_to_sign: &StringToSign<'_>, signature: &EcdsaSignature) -> bool {
        verify(&self.verifying, string_to_sign, signature)
    }
}

impl fmt::Debug for EcdsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "EcdsaKey(public x={}, private <redacted>)",
            hex::encode(self.public_key_x())
        )
    }
}

impl EcdsaSignature {
    /// The signature as its two scalars `r || s`, 64 bytes big-endian, with `s` in the
    /// lower half of the group order; `None` when it is not valid DER.
    ///
    /// ECDSA signatures are malleable: whenever `(r, s)` verifies, so does `(r, n - s)`,
    /// a different DER value that anyone can compute from the first. Both have this
    /// one form, so a replay guard keyed on it treats the altered copy of a captured
    /// request as the replay it is. (Signers need not produce low-`s` signatures, and
    /// some do not, so the high form is not refused.)
    pub fn normalized(&self) -> Option<[u8; 64]> {
        let signature = P256Signature::from_der(self.as_der()).ok()?.normalize_s();
        let mut out = [0u8; 64];
        out.copy_from_slice(&signature.to_bytes());
        Some(out)
    }
}

fn coordinate(key: &VerifyingKey, x: bool) -> [u8; 32] {
    let point: Sec1Point<NistP256> = key.to_sec1_point(false);
    let field = if x { point.x() } else { point.y() };
    let mut out = [0u8; 32];
    if let Some(field) = field {
        out.copy_from_slice(field);
    }
    out
}

/// A public key from its X and Y coordinates (as `public-key.json` of the aws-c-auth
/// suite gives them); `None` when the point is not on the curve.
pub fn verifying_key_from_xy(x: &[u8; 32], y: &[u8; 32]) -> Option<VerifyingKey> {
    let point = Sec1Point::<NistP256>::from_affine_coordinates(x.into(), y.into(), false);
    VerifyingKey::from_sec1_point(&point).ok()
}

/// Verifies a DER `signature` over the SHA-256 of the string to sign with `key`. A
/// signature that is not valid DER, or not valid, is `false`.
pub fn verify(
    key: &VerifyingKey,
    string_to_sign: &StringToSign<'_>,
    signature: &EcdsaSignature,
) -> bool {
    let Ok(signature) = P256Signature::from_der(signature.as_der()) else {
        return false;
    };
    let mut message = Vec::with_capacity(256);
    string_to_sign.write_to(&mut message);
    key.verify(&message, &signature).is_ok()
}

/// A bounded cache of derived SigV4a keys, keyed by (secret, access key id).
///
/// Deriving costs at least one HMAC and a P-256 scalar multiplication (tens of
/// microseconds); a hit costs a hash of the secret's fingerprint (made once with the
/// `SecretKey`) and a comparison of the access key id. At most `capacity` keys are held,
/// the oldest evicted first; the map is keyed by the fingerprint, so it never holds a
/// copy of a secret, and a key's private scalar is zeroized when its last holder drops it.
pub struct EcdsaKeyCache {
    keys: Bounded<Arc<EcdsaKey>>,
}

impl Evict for Arc<EcdsaKey> {
    /// Nothing to wipe here: the key's scalar is zeroized when its last holder drops it.
    fn evict(&mut self) {}
}

impl EcdsaKeyCache {
    /// A cache that holds at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        EcdsaKeyCache {
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

    /// The key for `secret` and `access_key_id`, derived on a miss.
    pub fn get_or_derive(&self, secret: &SecretKey, access_key_id: &str) -> Option<Arc<EcdsaKey>> {
        self.keys
            .get_or_try_make(secret.fingerprint(), Name(&[access_key_id]), || {
                EcdsaKey::derive(secret, access_key_id)
                    .map(Arc::new)
                    .ok_or(())
            })
            .ok()
    }

    /// Drops every key (for example after a secret was revoked).
    pub fn clear(&self) {
        self.keys.clear();
    }
}

impl fmt::Debug for EcdsaKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdsaKeyCache")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::AmzDate;

    fn example() -> EcdsaKey {
        EcdsaKey::derive(
            &SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            "AKIDEXAMPLE",
        )
        .unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn derives_the_published_public_key() {
        let key = example();
        assert_eq!(
            hex::encode(key.public_key_x()),
            "b6618f6a65740a99e650b33b6b4b5bd0d43b176d721a3edfea7e7d2d56d936b1"
        );
        assert_eq!(
            hex::encode(key.public_key_y()),
            "865ed22a7eadc9c5cb9d2cbaca1b3699139fedc5043dc6661864218330c8e518"
        );
        assert!(!format!("{key:?}").contains("wJal"));
    }

    #[test]
    fn signs_and_verifies() {
        let key = example();
        let time = AmzDate::parse("20150830T123600Z").unwrap_or_else(|| unreachable!());
        let sts = StringToSign::new(
            ECDSA_ALGORITHM,
            time,
            "20150830/service/aws4_request",
            [1; 32],
        );
        let signature = key.sign(&sts);
        assert!(key.verify(&sts, &signature));
        let other = StringToSign::new(
            ECDSA_ALGORITHM,
            time,
            "20150830/service/aws4_request",
            [2; 32],
        );
        assert!(!key.verify(&other, &signature));
        let mut der = signature.as_der().to_vec();
        let last = der.len() - 1;
        der[last] ^= 1;
        assert!(!key.verify(&sts, &EcdsaSignature::from_der(der)));
        assert!(!key.verify(&sts, &EcdsaSignature::from_der(vec![0x30, 0, 1, 2])));
    }

    /// The same signature with `s` replaced by `n - s`.
    fn negated_s(signature: &EcdsaSignature) -> EcdsaSignature {
        let parsed = P256Signature::from_der(signature.as_der()).unwrap_or_else(|_| unreachable!());
        let (r, s) = parsed.split_scalars();
        let flipped = P256Signature::from_scalars(r.to_repr(), (-*s).to_repr())
            .unwrap_or_else(|_| unreachable!());
        EcdsaSignature::from_der(flipped.to_der().as_bytes())
    }

    #[test]
    fn both_forms_of_a_malleated_signature_verify_and_normalize_alike() {
        let key = example();
        let time = AmzDate::parse("20150830T123600Z").unwrap_or_else(|| unreachable!());
        let sts = StringToSign::new(
            ECDSA_ALGORITHM,
            time,
            "20150830/service/aws4_request",
            [3; 32],
        );
        let signature = key.sign(&sts);
        let altered = negated_s(&signature);
        assert_ne!(signature.as_der(), altered.as_der());
        assert!(key.verify(&sts, &altered), "ECDSA is malleable");
        let normalized = signature.normalized();
        assert!(normalized.is_some());
        assert_eq!(normalized, altered.normalized());
    }

    #[test]
    fn a_signature_that_is_not_der_has_no_normalized_form() {
        assert_eq!(
            EcdsaSignature::from_der(vec![0x30, 0, 1, 2]).normalized(),
            None
        );
    }

    #[test]
    fn cache_is_bounded() {
        let cache = EcdsaKeyCache::new(2);
        let id = "AKID";
        let a = cache.get_or_derive(&SecretKey::new("a"), id);
        let b = cache.get_or_derive(&SecretKey::new("b"), id);
        assert!(a.is_some() && b.is_some());
        assert_eq!(cache.len(), 2);
        cache.get_or_derive(&SecretKey::new("c"), id);
        assert_eq!(cache.len(), 2);
        let again = cache.get_or_derive(&SecretKey::new("a"), id);
        assert_eq!(again.map(|k| k.public_key_x()), a.map(|k| k.public_key_x()));
        let other_id = cache.get_or_derive(&SecretKey::new("a"), "AKID2");
        assert_ne!(
            other_id.map(|k| k.public_key_x()),
            cache
                .get_or_derive(&SecretKey::new("a"), id)
                .map(|k| k.public_key_x())
        );
        cache.clear();
        assert!(cache.is_empty());
    }
}
