//! SigV4a (`AWS4-ECDSA-P256-SHA256`), the multi-region signature: the region set, the ECDSA
//! signature as sent, and (feature `sigv4a`) the P-256 key derived from a secret, with
//! verification and signing.
//!
//! A SigV4a request signs the same canonical request as SigV4, but its credential scope has
//! no region (`AKID/YYYYMMDD/service/aws4_request`): the regions where the signature is
//! valid travel in `X-Amz-Region-Set`, a comma list that may hold wildcards.
//!
//! ```
//! use countersign_core::sigv4a::RegionSet;
//! use countersign_core::AuthSource;
//! let set = RegionSet::parse("us-*,eu-west-1", AuthSource::Header)?;
//! assert!(set.matches("us-east-1"));
//! assert!(set.matches("eu-west-1"));
//! assert!(!set.matches("eu-central-1"));
//! # Ok::<(), countersign_core::Error>(())
//! ```

pub(crate) mod wire;

#[cfg(feature = "sigv4a")]
pub(crate) mod crypto;

pub use wire::{
    EcdsaSignature, RegionSet, MAX_DER_SIGNATURE_LEN, REGION_SET_HEADER, REGION_SET_PARAMETER,
};

#[cfg(feature = "sigv4a")]
pub use crypto::{verify, verifying_key_from_xy, EcdsaKey, EcdsaKeyCache};
