//! The verification entry point: given the request, its parsed auth, the secret and "now",
//! accept or say exactly why not.
//!
//! Checks run cheapest first. [`Verifier::check`] needs no secret: scope shape, region and
//! service, the time window or presign lifetime, and which headers are signed; a caller may
//! run it before looking up the secret, so that a request refused on these grounds costs no
//! lookup. [`Verifier::verify`] makes the same checks, then recomputes the signature with a
//! key derived from the secret (through the verifier's key caches, when it has them).
//! [`Verifier::stages`] shows the canonical request and the string to sign it computed.
//!
//! ```
//! use countersign_core::{AuthParams, Error, RawHeaders, Request, SecretKey, SigningSettings, Verifier};
//! use time::macros::datetime;
//!
//! let headers = RawHeaders::from_pairs([
//!     ("Host", "example.amazonaws.com"),
//!     ("X-Amz-Date", "20150830T123600Z"),
//!     ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
//!       SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
//! ]);
//! let request = Request::new("GET", "/", "", &headers);
//! let auth = AuthParams::from_request(&request)?;
//! let verifier = Verifier::new(SigningSettings::default()).regions(["eu-west-1"]);
//! let err = verifier.check(&request, &auth, datetime!(2015-08-30 12:36:00 UTC)).unwrap_err();
//! assert_eq!(err.code(), "AuthorizationHeaderMalformed");
//! assert!(err.to_string().contains("expecting 'eu-west-1'"));
//! # Ok::<(), Error>(())
//! ```

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::auth::{AuthKind, AuthParams};
use crate::canonical::{CanonicalRequest, SignedValues, SigningSettings};
use crate::error::{AuthSource, Error};
use crate::key::{KeyCache, SecretKey, SigningKey};
use crate::request::{Headers, Request};
use crate::scope::{Credential, CredentialScope};
use crate::signature::{AnySignature, Signature};
use crate::sigv4a::wire::RegionSet;
use crate::string_to_sign::StringToSign;
use crate::timestamp::AmzDate;

/// The default clock-skew window: five minutes.
pub const DEFAULT_MAX_SKEW: Duration = Duration::minutes(5);

/// What a successful verification established, borrowed from the request's parameters.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Verified<'a> {
    /// The access key id that signed.
    pub access_key_id: &'a str,
    /// The credential scope, `YYYYMMDD/region/service/aws4_request` (SigV4) or
    /// `YYYYMMDD/service/aws4_request` (SigV4a).
    pub scope: &'a str,
    /// When the request was signed.
    pub time: AmzDate,
    /// Header or query.
    pub kind: AuthKind,
    /// The request's signature: the seed of an aws-chunked body's chain.
    pub signature: AnySignature,
    /// Whether the session token was covered by the signature (`None` without a token).
    pub session_token_signed: Option<bool>,
}

/// Verification policy: canonicalization rules, time window, accepted scopes and headers.
#[derive(Debug, Clone)]
pub struct Verifier {
    settings: SigningSettings,
    max_skew: Duration,
    regions: Vec<String>,
    services: Vec<String>,
    required_signed: Vec<String>,
    allow_unsigned_session_token: bool,
    key_cache: Option<Arc<KeyCache>>,
    #[cfg(feature = "sigv4a")]
    ecdsa_key_cache: Option<Arc<crate::sigv4a::crypto::EcdsaKeyCache>>,
}

impl Verifier {
    /// A verifier with these canonicalization rules, a five-minute skew window, any region or
    /// service, and session tokens accepted whether signed or appended after signing.
    pub fn new(settings: SigningSettings) -> Self {
        Verifier {
            settings,
            max_skew: DEFAULT_MAX_SKEW,
            regions: Vec::new(),
            services: Vec::new(),
            required_signed: Vec::new(),
            allow_unsigned_session_token: true,
            key_cache: None,
            #[cfg(feature = "sigv4a")]
            ecdsa_key_cache: None,
        }
    }

    /// Derive SigV4a keys through `cache` in [`Verifier::verify`] (a P-256 key derivation
    /// saved per request on a hit). The cache may be shared, by verifiers and other users.
    #[cfg(feature = "sigv4a")]
    pub fn ecdsa_key_cache(mut self, cache: Arc<crate::sigv4a::crypto::EcdsaKeyCache>) -> Self {
        self.ecdsa_key_cache = Some(cache);
        self
    }

    /// Derive signing keys through `cache` in [`Verifier::verify`] (four HMACs saved per
    /// request on a hit). The cache may be shared, by verifiers and other users.
    pub fn key_cache(mut self, cache: Arc<KeyCache>) -> Self {
        self.key_cache = Some(cache);
        self
    }

    /// Other canonicalization rules, the rest of the policy kept.
    pub fn with_settings(mut self, settings: SigningSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The largest difference accepted between the request's time and the server's.
    pub fn max_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew.abs();
        self
    }

    /// Accept only these regions in the credential scope (any when never called).
    pub fn regions<S: Into<String>>(mut self, regions: impl IntoIterator<Item = S>) -> Self {
        self.regions = regions.into_iter().map(Into::into).collect();
        self
    }

    /// Accept only these services in the credential scope (any when never called).
    pub fn services<S: Into<String>>(mut self, services: impl IntoIterator<Item = S>) -> Self {
        self.services = services.into_iter().map(Into::into).collect();
        self
    }

    /// Require this header (any case) to be signed whenever the request carries it, on top
    /// of `host` and every `x-amz-*` header.
    pub fn require_signed(mut self, name: &str) -> Self {
        self.required_signed.push(name.to_ascii_lowercase());
        self
    }

    /// Whether an `X-Amz-Security-Token` added after signing is accepted (default: yes, as
    /// some AWS services do).
    pub fn allow_unsigned_session_token(mut self, allow: bool) -> Self {
        self.allow_unsigned_session_token = allow;
        self
    }

    /// The clock-skew window.
    pub fn skew(&self) -> Duration {
        self.max_skew
    }

    /// The canonicalization rules.
    pub fn settings(&self) -> SigningSettings {
        self.settings
    }

    /// Every check that needs no secret: region and service, the day of the scope, the time
    /// window (header) or the lifetime (presigned), and the signed headers.
    pub fn check<H: Headers + ?Sized>(
        &self,
        request: &Request<'_, H>,
        auth: &AuthParams<'_>,
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        self.check_and_gather(request, auth, now).map(drop)
    }

    /// [`Verifier::check`], keeping the signed headers' values its pass over the headers
    /// found, for [`Verifier::verify_gathered`] (which then makes no pass of its own): the
    /// two steps of [`Verifier::verify`] with the secret looked up between them. For the
    /// server's hot path; not a part of the documented API.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use countersign_core::{AuthParams, KeyCache, RawHeaders, Request, SecretKey, SigningSettings, Verifier, EMPTY_SHA256};
    /// use time::macros::datetime;
    ///
    /// let headers = RawHeaders::from_pairs([
    ///     ("Host", "example.amazonaws.com"),
    ///     ("X-Amz-Date", "20150830T123600Z"),
    ///     ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
    ///       SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    /// ]);
    /// let request = Request::new("GET", "/", "", &headers);
    /// let auth = AuthParams::from_request(&request)?;
    /// let verifier = Verifier::new(SigningSettings::default()).key_cache(Arc::new(KeyCache::new(64)));
    /// let values = verifier.check_and_gather(&request, &auth, datetime!(2015-08-30 12:36:00 UTC))?;
    /// // Now look up the secret of auth.credential.access_key_id() ...
    /// let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    /// let verified = verifier.verify_gathered(&request, &auth, Some(&values), &secret, EMPTY_SHA256)?;
    /// assert_eq!(verified.access_key_id, "AKIDEXAMPLE");
    /// # Ok::<(), countersign_core::Error>(())
    /// ```
    #[doc(hidden)]
    pub fn check_and_gather<'r, H: Headers + ?Sized>(
        &self,
        request: &Request<'r, H>,
        auth: &AuthParams<'_>,
        now: OffsetDateTime,
    ) -> Result<SignedValues<'r>, Error> {
        self.check_scope(auth)?;
        self.check_time(auth, now)?;
        self.check_signed_headers(request, auth)
    }

    fn check_scope(&self, auth: &AuthParams<'_>) -> Result<(), Error> {
        match (&auth.signature, &auth.region_set) {
            (AnySignature::Hmac(_), _) => {
                self.check_credential(&auth.credential, auth.date, auth.source())
            }
            (AnySignature::Ecdsa(_), Some(region_set)) => {
                let scope = auth.credential.scope();
                self.check_date_and_service(&scope, auth.date, auth.source())?;
                self.check_region_set(region_set, auth.source())
            }
            (AnySignature::Ecdsa(_), None) => Err(Error::malformed(
                auth.source(),
                "an AWS4-ECDSA-P256-SHA256 signature needs its region set (X-Amz-Region-Set)",
            )),
        }
    }

    /// A SigV4a region set must include a region this verifier accepts (any set does when
    /// no region was configured).
    fn check_region_set(&self, set: &RegionSet<'_>, source: AuthSource) -> Result<(), Error> {
        if self.regions.is_empty() || self.regions.iter().any(|r| set.matches(r)) {
            return Ok(());
        }
        let expected = one_of(&self.regions);
        Err(Error::malformed(
            source,
            format!(
                "the region set '{}' (X-Amz-Region-Set) does not include this server's region; \
                 expecting a set that includes {expected}",
                set.as_str().chars().take(200).collect::<String>()
            ),
        ))
    }

    /// The scope's day must be the day of `date` (however the request spelled it), its
    /// service one this verifier accepts.
    fn check_date_and_service(
        &self,
        scope: &CredentialScope<'_>,
        date: AmzDate,
        source: AuthSource,
    ) -> Result<(), Error> {
        if scope.date.as_bytes() != &date.as_bytes()[..8] {
            return Err(Error::malformed(
                source,
                format!(
                    "invalid credential date: the scope's date {} is not the day of the request's time {}",
                    scope.date, date
                ),
            ));
        }
        check_accepted(source, "service", scope.service, &self.services)
    }

    /// The credential's SigV4 scope: its day must be the day of `date`, its region and
    /// service ones this verifier accepts (a region-less SigV4a scope is refused here).
    /// Errors are reported as coming from `source`. For the server's POST forms, whose
    /// credential is a form field; not a part of the documented API.
    #[doc(hidden)]
    pub fn check_credential(
        &self,
        credential: &Credential<'_>,
        date: AmzDate,
        source: AuthSource,
    ) -> Result<(), Error> {
        if credential.is_region_less() {
            return Err(Error::malformed(
                source,
                "the credential scope has no region; expecting \
                 \"<ACCESS-KEY-ID>/YYYYMMDD/REGION/SERVICE/aws4_request\"",
            ));
        }
        let scope = credential.scope();
        self.check_date_and_service(&scope, date, source)?;
        check_accepted(source, "region", scope.region, &self.regions)
    }

    fn check_time(&self, auth: &AuthParams<'_>, now: OffsetDateTime) -> Result<(), Error> {
        let signed_at = auth.date.as_offset();
        // Compared as nanoseconds since the epoch: plain integers, where a difference of two
        // `OffsetDateTime`s works through their offsets and calendar days.
        let ahead = signed_at.unix_timestamp_nanos() - now.unix_timestamp_nanos();
        let max_skew = self.max_skew.whole_nanoseconds();
        match auth.kind {
            AuthKind::Header => {
                if ahead.abs() > max_skew {
                    return Err(Error::skewed(auth.date, now, self.max_skew));
                }
            }
            AuthKind::Query { expires } => {
                if ahead > max_skew {
                    return Err(Error::not_yet_valid(auth.date, now));
                }
                // A lifetime of zero seconds has ended before any use, even one at the URL's
                // own time or a little before it (within the skew).
                let lifetime = Duration::seconds(expires.into());
                if expires == 0 || -ahead > lifetime.whole_nanoseconds() {
                    return Err(Error::expired(signed_at, lifetime, now));
                }
            }
        }
        Ok(())
    }

    /// Every header that must be signed is, every signed one is there; gives the signed
    /// headers' values, found in the same pass.
    fn check_signed_headers<'r, H: Headers + ?Sized>(
        &self,
        request: &Request<'r, H>,
        auth: &AuthParams<'_>,
    ) -> Result<SignedValues<'r>, Error> {
        let signed = &auth.signed_headers;
        if !signed.contains("host") {
            return Err(Error::header_not_signed("host"));
        }
        // One pass over the headers: every one that must be signed is, and the signed
        // ones' values (which also tell which signed names are present).
        let mut values = SignedValues::for_list(signed);
        let headers: &'r H = request.headers;
        for (name, value) in headers.entries() {
            match signed.position(name) {
                Some(index) => values.push(index, value),
                None => {
                    let must_sign = (name.starts_with("x-amz-")
                        && !(name == "x-amz-security-token" && self.allow_unsigned_session_token))
                        || self.required_signed.iter().any(|r| r == name);
                    if must_sign {
                        return Err(Error::header_not_signed(name));
                    }
                }
            }
        }
        values.sort();
        if values.names_found() != signed.len() {
            for (index, name) in signed.iter().enumerate() {
                if !(values.has(index) || (name == "host" && request.authority.is_some())) {
                    return Err(Error::signed_header_missing(name));
                }
            }
        }
        Ok(values)
    }

    /// Recomputes the signature with `key` and compares it, in constant time, with the one
    /// the request carries. `payload_hash` is the last line of the canonical request: the
    /// declared `x-amz-content-sha256`, the hash of a buffered body, or `UNSIGNED-PAYLOAD`.
    /// A SigV4a request is refused here (see `verify_signature_v4a`). The time, scope and
    /// headers are not checked ([`Verifier::check`] does). Not a part of the documented API.
    #[doc(hidden)]
    pub fn verify_signature<'v, H: Headers + ?Sized>(
        &self,
        request: &Request<'_, H>,
        auth: &'v AuthParams<'_>,
        key: &SigningKey,
        payload_hash: &str,
    ) -> Result<Verified<'v>, Error> {
        self.verify_hmac(request, auth, None, payload_hash, |sts| sts.sign(key))
    }

    /// Compares the request's HMAC signature, in constant time, with `sign`'s over the string
    /// to sign; a SigV4a request is refused.
    fn verify_hmac<'v, H: Headers + ?Sized>(
        &self,
        request: &Request<'_, H>,
        auth: &'v AuthParams<'_>,
        values: Option<&SignedValues<'_>>,
        payload_hash: &str,
        sign: impl Fn(&StringToSign<'_>) -> Signature,
    ) -> Result<Verified<'v>, Error> {
        let AnySignature::Hmac(signature) = &auth.signature else {
            return Err(Error::malformed(
                auth.source(),
                "an AWS4-ECDSA-P256-SHA256 signature cannot be checked with an HMAC key",
            ));
        };
        self.verify_with(request, auth, values, payload_hash, |sts| {
            sign(sts).ct_eq(signature)
        })
    }

    /// Verifies a SigV4a request's ECDSA signature with the public `key` (derived from the
    /// secret with [`EcdsaKey::derive`](crate::sigv4a::EcdsaKey::derive), or handed out by a
    /// key store). The signature is verified, never compared as bytes. A SigV4 request is
    /// refused here. The time, scope and headers are not checked ([`Verifier::check`] does).
    /// For the server, which keeps the key to verify an aws-chunked body's chunks with; not a
    /// part of the documented API.
    #[cfg(feature = "sigv4a")]
    #[doc(hidden)]
    pub fn verify_signature_v4a<'v, H: Headers + ?Sized>(
        &self,
        request: &Request<'_, H>,
        auth: &'v AuthParams<'_>,
        key: &p256::ecdsa::VerifyingKey,
        payload_hash: &str,
    ) -> Result<Verified<'v>, Error> {
        let AnySignature::Ecdsa(signature) = &auth.signature else {
            return Err(Error::malformed(
                auth.source(),
                "an AWS4-HMAC-SHA256 signature cannot be checked with an ECDSA key",
            ));
        };
        self.verify_with(request, auth, None, payload_hash, |sts| {
            crate::sigv4a::crypto::verify(key, sts, signature)
        })
    }

    /// The canonical request and the string to sign of `request` as this verifier computes
    /// them (with the request's algorithm; a presigned URL's `X-Amz-Signature` left out):
    /// what a debug answer or a verbose tool shows beside the client's.
    pub fn stages<H: Headers + ?Sized>(
        &self,
        request: &Request<'_, H>,
        auth: &AuthParams<'_>,
        payload_hash: &str,
    ) -> (String, String) {
        let skip = presigned_skip(auth.kind);
        self.with_stages(request, auth, None, payload_hash, skip, |creq, sts| {
            (creq.to_string(), sts.to_string())
        })
    }

    /// Hands `use_them` the canonical request and the string to sign of `request`, with the
    /// query parameters in `skip` left out and the request's own algorithm.
    fn with_stages<H: Headers + ?Sized, R>(
        &self,
        request: &Request<'_, H>,
        auth: &AuthParams<'_>,
        values: Option<&SignedValues<'_>>,
        payload_hash: &str,
        skip: &[&str],
        use_them: impl FnOnce(&CanonicalRequest<'_, H>, &StringToSign<'_>) -> R,
    ) -> R {
        let creq = CanonicalRequest::new(
            request,
            self.settings,
            &auth.signed_headers,
            payload_hash,
            skip,
        );
        let creq = match values {
            Some(values) => creq.with_values(values),
            None => creq,
        };
        let scope = auth.credential.scope_str();
        let sts = StringToSign::new(auth.algorithm(), auth.date, scope, creq.hash());
        let sts = match &auth.date_header {
            Some(sent) => sts.with_time_as_sent(sent),
            None => sts,
        };
        use_them(&creq, &sts)
    }

    /// Builds the string to sign (once more without a session token appended after
    /// signing, when that is allowed) and asks `check` whether the signature is right.
    fn verify_with<'v, H: Headers + ?Sized>(
        &self,
        request: &Request<'_, H>,
        auth: &'v AuthParams<'_>,
        values: Option<&SignedValues<'_>>,
        payload_hash: &str,
        check: impl Fn(&StringToSign<'_>) -> bool,
    ) -> Result<Verified<'v>, Error> {
        let skip = presigned_skip(auth.kind);
        let token_in_query =
            matches!(auth.kind, AuthKind::Query { .. }) && auth.security_token.is_some();
        let attempt = |skip: &[&str]| {
            self.with_stages(request, auth, values, payload_hash, skip, |creq, sts| {
                let ok = check(sts);
                (ok, creq.to_string_if(!ok), sts.to_string_if(!ok))
            })
        };
        let (mut ok, creq, sts) = attempt(skip);
        let mut token_signed = auth.security_token.as_ref().map(|_| {
            matches!(auth.kind, AuthKind::Header)
                && auth.signed_headers.contains("x-amz-security-token")
                || token_in_query
        });
        if !ok && token_in_query && self.allow_unsigned_session_token {
            ok = attempt(&["X-Amz-Signature", "X-Amz-Security-Token"]).0;
            token_signed = Some(false);
        }
        if !ok {
            return Err(Error::signature_mismatch(creq, sts));
        }
        Ok(Verified {
            access_key_id: auth.credential.access_key_id(),
            scope: auth.credential.scope_str(),
            time: auth.date,
            kind: auth.kind,
            signature: auth.signature.clone(),
            session_token_signed: token_signed,
        })
    }

    /// [`Verifier::check`], then the signature with a key derived from `secret` (through the
    /// key cache of its algorithm, when the verifier has one).
    pub fn verify<'v, H: Headers + ?Sized>(
        &self,
        request: &Request<'_, H>,
        auth: &'v AuthParams<'_>,
        secret: &SecretKey,
        payload_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Verified<'v>, Error> {
        let values = self.check_and_gather(request, auth, now)?;
        self.verify_gathered(request, auth, Some(&values), secret, payload_hash)
    }

    /// The signature step of [`Verifier::verify`], after [`Verifier::check_and_gather`] (the
    /// secret looked up between the two): the signature with a key derived from `secret`,
    /// through the key cache of its algorithm when the verifier has one. A SigV4 key is lent
    /// by its cache for the string to sign's HMAC alone: the cache's read lock is not held
    /// while the canonical request is written and hashed, so its hold is short and does not
    /// grow with the request. `values` are those [`Verifier::check_and_gather`] found for
    /// this request and `auth`, if at hand (values found for another SignedHeaders list are
    /// not used: the headers are read again). For the server's hot path; not a part of the
    /// documented API.
    #[doc(hidden)]
    #[inline]
    pub fn verify_gathered<'v, H: Headers + ?Sized>(
        &self,
        request: &Request<'_, H>,
        auth: &'v AuthParams<'_>,
        values: Option<&SignedValues<'_>>,
        secret: &SecretKey,
        payload_hash: &str,
    ) -> Result<Verified<'v>, Error> {
        #[cfg(feature = "sigv4a")]
        if let AnySignature::Ecdsa(_) = auth.signature {
            let id = auth.credential.access_key_id();
            let key = match &self.ecdsa_key_cache {
                Some(cache) => cache.get_or_derive(secret, id),
                None => crate::sigv4a::crypto::EcdsaKey::derive(secret, id).map(Arc::new),
            };
            let Some(key) = key else {
                return Err(Error::SignatureDoesNotMatch(Box::default()));
            };
            return self.verify_signature_v4a(request, auth, key.verifying_key(), payload_hash);
        }
        let scope = auth.credential.scope();
        match &self.key_cache {
            Some(cache) => self.verify_hmac(request, auth, values, payload_hash, |sts| {
                cache.with_key(secret, &scope, |key| sts.sign(key))
            }),
            None => {
                let key = SigningKey::derive(secret, &scope);
                self.verify_hmac(request, auth, values, payload_hash, |sts| sts.sign(&key))
            }
        }
    }
}

/// The query parameters a signature does not cover: a presigned URL's own signature.
fn presigned_skip(kind: AuthKind) -> &'static [&'static str] {
    match kind {
        AuthKind::Header => &[],
        AuthKind::Query { .. } => &["X-Amz-Signature"],
    }
}

/// `'a' or 'b'`, for an error message.
fn one_of(accepted: &[String]) -> String {
    accepted
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// `got` must be one of `accepted` (anything is when `accepted` is empty).
fn check_accepted(
    source: AuthSource,
    what: &str,
    got: &str,
    accepted: &[String],
) -> Result<(), Error> {
    if accepted.is_empty() || accepted.iter().any(|a| a == got) {
        return Ok(());
    }
    let expected = one_of(accepted);
    Err(Error::malformed(
        source,
        format!("the {what} '{got}' is wrong; expecting {expected}"),
    ))
}

/// Renders a stage only on the failure path.
trait ToStringIf {
    fn to_string_if(&self, cond: bool) -> Option<String>;
}

impl<T: std::fmt::Display> ToStringIf for T {
    fn to_string_if(&self, cond: bool) -> Option<String> {
        cond.then(|| self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::EMPTY_SHA256;
    use crate::hash::sha256_hex;
    use crate::request::RawHeaders;
    use time::macros::datetime;

    const SIGNED_AT: OffsetDateTime = datetime!(2015-08-30 12:36:00 UTC);
    const SIG: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    /// Headers of a request signed in the `Authorization` header for the day of `amz_date`.
    fn header_signed(amz_date: &str) -> RawHeaders {
        let day = &amz_date[..8];
        RawHeaders::from_pairs([
            ("host", "example.amazonaws.com".to_string()),
            ("x-amz-date", amz_date.to_string()),
            ("authorization", format!("AWS4-HMAC-SHA256 Credential=AKID/{day}/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIG}")),
        ])
    }

    /// The query of a URL presigned at `amz_date`, valid `expires` seconds.
    fn presign_query(amz_date: &str, expires: u32) -> String {
        let day = &amz_date[..8];
        format!(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKID%2F{day}%2Fus-east-1%2Fservice%2Faws4_request\
             &X-Amz-Date={amz_date}&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host\
             &X-Amz-Signature={SIG}"
        )
    }

    /// The code of `check` at `now` for `request`, `None` when it passes.
    fn checked_at<H: Headers>(
        request: &Request<'_, H>,
        now: OffsetDateTime,
    ) -> Option<&'static str> {
        let auth = AuthParams::from_request(request).ok()?;
        let verifier = Verifier::new(SigningSettings::default()).max_skew(Duration::minutes(5));
        verifier.check(request, &auth, now).err().map(|e| e.code())
    }

    /// An ECDSA signature put in parameters without its region set (no parsed request has
    /// one) is refused by the scope check, not taken for SigV4.
    #[test]
    fn an_ecdsa_signature_without_its_region_set_is_refused() {
        let headers = header_signed("20150830T123600Z");
        let request = Request::new("GET", "/", "", &headers);
        let refused = AuthParams::from_request(&request).map(|mut auth| {
            auth.signature = AnySignature::Ecdsa(crate::sigv4a::wire::EcdsaSignature::from_der([
                0x30, 6, 2, 1, 1, 2, 1, 2,
            ]));
            let verifier = Verifier::new(SigningSettings::default());
            verifier
                .check(&request, &auth, SIGNED_AT)
                .err()
                .map(|e| (e.code(), e.to_string().contains("X-Amz-Region-Set")))
        });
        assert_eq!(
            refused.ok().flatten(),
            Some(("AuthorizationHeaderMalformed", true))
        );
    }

    /// The window's edges to the nanosecond: five minutes either side of a header-signed
    /// request's time; a presigned URL from five minutes before its time to the end of its
    /// lifetime.
    #[test]
    fn time_window_edges() {
        let nano = Duration::nanoseconds(1);
        let skew = Duration::minutes(5);
        let headers = header_signed("20150830T123600Z");
        let header = Request::new("GET", "/", "", &headers);
        let query = presign_query("20150830T123600Z", 60);
        let host = RawHeaders::from_pairs([("host", "example.amazonaws.com")]);
        let presigned = Request::new("GET", "/", &query, &host);
        let lifetime = Duration::seconds(60);
        let (skewed, denied) = (Some("RequestTimeTooSkewed"), Some("AccessDenied"));
        for (request, kind, edges) in [
            (
                &header,
                "header-signed",
                [
                    (SIGNED_AT, None),
                    (SIGNED_AT + skew, None),
                    (SIGNED_AT - skew, None),
                    (SIGNED_AT + skew + nano, skewed),
                    (SIGNED_AT - skew - nano, skewed),
                ],
            ),
            (
                &presigned,
                "presigned",
                [
                    (SIGNED_AT, None),
                    (SIGNED_AT + lifetime, None),
                    (SIGNED_AT - skew, None),
                    (SIGNED_AT + lifetime + nano, denied),
                    (SIGNED_AT - skew - nano, denied),
                ],
            ),
        ] {
            for (now, expected) in edges {
                assert_eq!(checked_at(request, now), expected, "{kind} at {now}");
            }
        }
    }

    /// Times at the ends of the calendar a request can name (years 0000 and 9999, a week's
    /// lifetime) are refused, with no arithmetic overflowing.
    #[test]
    fn the_calendars_ends_are_refused() {
        for amz_date in ["00000101T235959Z", "99991231T235959Z"] {
            let query = presign_query(amz_date, 604_800);
            let host = RawHeaders::from_pairs([("host", "example.amazonaws.com")]);
            let presigned = Request::new("GET", "/", &query, &host);
            assert_eq!(
                checked_at(&presigned, SIGNED_AT),
                Some("AccessDenied"),
                "{amz_date}"
            );
            let headers = header_signed(amz_date);
            let header = Request::new("GET", "/", "", &headers);
            assert_eq!(
                checked_at(&header, SIGNED_AT),
                Some("RequestTimeTooSkewed"),
                "{amz_date}"
            );
        }
    }

    /// The refusal of `check` at `now` for a GET of `/` with `query` and `headers`, `None`
    /// when it passes.
    fn refusal_at(query: &str, headers: &RawHeaders, now: OffsetDateTime) -> Option<Error> {
        let request = Request::new("GET", "/", query, headers);
        let verifier = Verifier::new(SigningSettings::default());
        match AuthParams::from_request(&request) {
            Ok(auth) => verifier.check(&request, &auth, now).err(),
            Err(e) => Some(e),
        }
    }

    /// The code, status and message of `error`.
    fn described(error: Option<Error>) -> Option<(&'static str, u16, String)> {
        error.map(|e| (e.code(), e.status().as_u16(), e.to_string()))
    }

    /// A URL presigned for zero seconds is expired at the very time it was signed: 403
    /// AccessDenied "Request has expired", as AWS answers.
    #[test]
    fn zero_lifetime_url_is_expired_when_signed() {
        let query = presign_query("20150830T123600Z", 0);
        let host = RawHeaders::from_pairs([("host", "example.amazonaws.com")]);
        let refused = refusal_at(&query, &host, SIGNED_AT);
        assert!(
            matches!(refused, Some(Error::Expired { .. })),
            "{refused:?}"
        );
        let (code, status, message) = described(refused).unwrap_or_default();
        assert_eq!((code, status), ("AccessDenied", 403));
        assert!(message.starts_with("request has expired"), "{message}");
    }

    #[test]
    fn zero_lifetime_url_is_expired_after_it_was_signed() {
        let query = presign_query("20150830T123600Z", 0);
        let host = RawHeaders::from_pairs([("host", "example.amazonaws.com")]);
        let refused = refusal_at(&query, &host, SIGNED_AT + Duration::seconds(1));
        assert!(
            matches!(refused, Some(Error::Expired { .. })),
            "{refused:?}"
        );
    }

    /// Dated a little ahead of the server (within the skew, where a URL with a lifetime is
    /// accepted), a zero lifetime is still no lifetime; its message gives no negative delay.
    #[test]
    fn zero_lifetime_url_is_expired_before_it_was_signed() {
        let query = presign_query("20150830T123600Z", 0);
        let host = RawHeaders::from_pairs([("host", "example.amazonaws.com")]);
        let refused = refusal_at(&query, &host, SIGNED_AT - Duration::minutes(1));
        assert!(
            matches!(refused, Some(Error::Expired { .. })),
            "{refused:?}"
        );
        let (_, _, message) = described(refused).unwrap_or_default();
        assert!(!message.contains("-60"), "{message}");
        assert!(message.contains("X-Amz-Expires is 0"), "{message}");
    }

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /// The headers of a GET of `/` from example.amazonaws.com dated only by its `Date`
    /// header, sent as `sent`. It was signed, by hand, for `scope_day`, with `signed` as the
    /// time line of its string to sign, and signing `date` too when `date_signed` (whose
    /// canonical value has its runs of spaces collapsed).
    fn signed_with_date_header(
        signed: &str,
        sent: &str,
        scope_day: &str,
        date_signed: bool,
    ) -> RawHeaders {
        let collapsed = signed
            .split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>();
        let (date_line, list) = if date_signed {
            (format!("date:{}\n", collapsed.join(" ")), "date;host")
        } else {
            (String::new(), "host")
        };
        let canonical = format!(
            "GET\n/\n\n{date_line}host:example.amazonaws.com\n\n{list}\n{}",
            EMPTY_SHA256
        );
        let scope = format!("{scope_day}/us-east-1/service/aws4_request");
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{signed}\n{scope}\n{}",
            sha256_hex(canonical.as_bytes())
        );
        let key = SigningKey::derive(
            &SecretKey::new(SECRET),
            &CredentialScope {
                date: scope_day,
                region: "us-east-1",
                service: "service",
            },
        );
        let signature = key.sign(string_to_sign.as_bytes());
        RawHeaders::from_pairs([
            ("host", "example.amazonaws.com".to_string()),
            ("date", sent.to_string()),
            (
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=AKID/{scope}, SignedHeaders={list}, \
                     Signature={signature}"
                ),
            ),
        ])
    }

    /// The outcome of verifying a GET of `/` with `headers` at `now`.
    fn verified_at(headers: &RawHeaders, now: OffsetDateTime) -> Result<(), Error> {
        let request = Request::new("GET", "/", "", headers);
        let auth = AuthParams::from_request(&request)?;
        let verifier = Verifier::new(SigningSettings::default());
        let secret = SecretKey::new(SECRET);
        verifier
            .verify(&request, &auth, &secret, EMPTY_SHA256, now)
            .map(drop)
    }

    /// The time of the `Date` headers below: 4 December 2026, 21:32:20.
    const DATE_HEADER_TIME: OffsetDateTime = datetime!(2026-12-04 21:32:20 UTC);

    #[test]
    fn date_header_in_rfc1123_form_is_signed_as_sent() {
        let date = "Fri, 04 Dec 2026 21:32:20 GMT";
        let headers = signed_with_date_header(date, date, "20261204", false);
        let outcome = verified_at(&headers, DATE_HEADER_TIME);
        assert!(outcome.is_ok(), "{outcome:?}");
    }

    #[test]
    fn date_header_in_rfc850_form_is_signed_as_sent() {
        let date = "Friday, 04-Dec-26 21:32:20 GMT";
        let headers = signed_with_date_header(date, date, "20261204", false);
        let outcome = verified_at(&headers, DATE_HEADER_TIME);
        assert!(outcome.is_ok(), "{outcome:?}");
    }

    /// The asctime form pads a one-digit day with a space: the string to sign keeps both
    /// spaces, the canonical `date` header collapses them.
    #[test]
    fn date_header_in_asctime_form_is_signed_as_sent() {
        let date = "Fri Dec  4 21:32:20 2026";
        let headers = signed_with_date_header(date, date, "20261204", true);
        let outcome = verified_at(&headers, DATE_HEADER_TIME);
        assert!(outcome.is_ok(), "{outcome:?}");
    }

    #[test]
    fn date_header_in_iso8601_basic_form_is_signed_as_sent() {
        let date = "20261204T213220Z";
        let headers = signed_with_date_header(date, date, "20261204", true);
        let outcome = verified_at(&headers, DATE_HEADER_TIME);
        assert!(outcome.is_ok(), "{outcome:?}");
    }

    /// Signed with one spelling of the time and sent with another of the same time: the
    /// string to sign differs, and so does the signature.
    #[test]
    fn date_header_spelled_otherwise_than_signed_is_refused() {
        let headers = signed_with_date_header(
            "Fri, 04 Dec 2026 21:32:20 GMT",
            "Friday, 04-Dec-26 21:32:20 GMT",
            "20261204",
            false,
        );
        let outcome = verified_at(&headers, DATE_HEADER_TIME);
        assert!(
            matches!(outcome, Err(Error::SignatureDoesNotMatch(_))),
            "{outcome:?}"
        );
    }

    /// asctime may write a one-digit day as ` 4` or `04`: one byte apart, the same time, and
    /// a different string to sign.
    #[test]
    fn date_header_one_byte_otherwise_than_signed_is_refused() {
        let headers = signed_with_date_header(
            "Fri Dec  4 21:32:20 2026",
            "Fri Dec 04 21:32:20 2026",
            "20261204",
            false,
        );
        let outcome = verified_at(&headers, DATE_HEADER_TIME);
        assert!(
            matches!(outcome, Err(Error::SignatureDoesNotMatch(_))),
            "{outcome:?}"
        );
    }

    /// The ISO 8601 spelling of the time the client sent as an HTTP date is not what it
    /// signed.
    #[test]
    fn date_header_signed_in_iso8601_form_but_sent_as_http_date_is_refused() {
        let headers = signed_with_date_header(
            "20261204T213220Z",
            "Fri Dec  4 21:32:20 2026",
            "20261204",
            false,
        );
        let outcome = verified_at(&headers, DATE_HEADER_TIME);
        assert!(
            matches!(outcome, Err(Error::SignatureDoesNotMatch(_))),
            "{outcome:?}"
        );
    }

    #[test]
    fn date_header_time_is_in_the_string_to_sign_as_sent() {
        let date = "Fri Dec  4 21:32:20 2026";
        let headers = signed_with_date_header(date, date, "20261204", false);
        let request = Request::new("GET", "/", "", &headers);
        let stages = AuthParams::from_request(&request).map(|auth| {
            Verifier::new(SigningSettings::default())
                .stages(&request, &auth, EMPTY_SHA256)
                .1
        });
        let time_line = stages
            .ok()
            .and_then(|s| s.lines().nth(1).map(str::to_string));
        assert_eq!(time_line.as_deref(), Some(date));
    }

    /// The scope's day is the day of the `Date` header's time, whatever its spelling.
    #[test]
    fn date_header_day_must_be_the_scope_day() {
        let date = "Fri Dec  4 23:59:59 2026";
        let headers = signed_with_date_header(date, date, "20261205", false);
        let refused = refusal_at("", &headers, datetime!(2026-12-04 23:59:59 UTC));
        assert_eq!(
            described(refused).map(|d| (d.0, d.1)),
            Some(("AuthorizationHeaderMalformed", 400))
        );
    }

    #[test]
    fn date_header_time_is_checked_for_skew() {
        let date = "Friday, 04-Dec-26 21:32:20 GMT";
        let headers = signed_with_date_header(date, date, "20261204", false);
        let refused = refusal_at("", &headers, DATE_HEADER_TIME + Duration::minutes(6));
        assert!(
            matches!(refused, Some(Error::RequestTimeTooSkewed { .. })),
            "{refused:?}"
        );
    }

    /// Every signed header must be in the request, however often the others are repeated;
    /// `host` may come from the authority instead.
    #[test]
    fn signed_headers_must_be_present() {
        let refused = |pairs: &[(&str, &str)], authority: Option<&str>| {
            let mut all = pairs.to_vec();
            let authorization = format!(
                "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date;x-amz-meta-a;x-amz-meta-b, Signature={SIG}"
            );
            all.push(("authorization", &authorization));
            let headers = RawHeaders::from_pairs(all);
            let mut request = Request::new("GET", "/", "", &headers);
            request.authority = authority;
            let auth = AuthParams::from_request(&request).ok()?;
            let verifier = Verifier::new(SigningSettings::default());
            match verifier.check(&request, &auth, SIGNED_AT) {
                Err(Error::SignedHeaderMissing(name)) => Some(name),
                Err(other) => Some(format!("another error: {other}")),
                Ok(()) => None,
            }
        };
        let (host, date) = (("host", "example.com"), ("x-amz-date", "20150830T123600Z"));
        let (a, b) = (("x-amz-meta-a", "1"), ("x-amz-meta-b", "2"));
        assert_eq!(refused(&[host, date, a, b], None), None);
        assert_eq!(refused(&[host, date, b, a, a], None), None);
        assert_eq!(refused(&[date, a, b], Some("example.com")), None);
        assert_eq!(
            refused(&[host, date, a, a], None).as_deref(),
            Some("x-amz-meta-b")
        );
        assert_eq!(
            refused(&[host, date, b, b, b], None).as_deref(),
            Some("x-amz-meta-a")
        );
        assert_eq!(refused(&[date, a, b], None).as_deref(), Some("host"));
    }
}
