//! The authentication parameters of a request, from the `Authorization` header or from the
//! `X-Amz-*` query parameters of a presigned URL.
//!
//! ```
//! use countersign_core::{AuthKind, AuthParams, RawHeaders, Request};
//! let headers = RawHeaders::from_pairs([("Host", "examplebucket.s3.amazonaws.com")]);
//! let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
//!     &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
//!     &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
//!     &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
//! let request = Request::new("GET", "/test.txt", query, &headers);
//! let auth = AuthParams::from_request(&request)?;
//! assert_eq!(auth.kind, AuthKind::Query { expires: 86400 });
//! assert_eq!(auth.credential.scope().service, "s3");
//! # Ok::<(), countersign_core::Error>(())
//! ```

use std::borrow::Cow;

use crate::canonical::SignedHeaders;
use crate::constants::{ALGORITHM, ECDSA_ALGORITHM};
use crate::encoding::{decode_query_value, split_query};
use crate::error::{AuthSource, Error};
use crate::request::{Headers, Request};
use crate::scope::Credential;
use crate::signature::{AnySignature, Signature};
use crate::sigv4a::wire::{EcdsaSignature, RegionSet, REGION_SET_HEADER};
use crate::timestamp::AmzDate;

/// The algorithms this build accepts, for error messages.
#[cfg(feature = "sigv4a")]
const ACCEPTED_ALGORITHMS: &str = "AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256 are";
#[cfg(not(feature = "sigv4a"))]
const ACCEPTED_ALGORITHMS: &str = "AWS4-HMAC-SHA256 is";

/// Whether `algorithm` names SigV4a (`Some(true)`), SigV4 (`Some(false)`) or neither.
fn algorithm_is_sigv4a(algorithm: &str) -> Option<bool> {
    match algorithm {
        ALGORITHM => Some(false),
        #[cfg(feature = "sigv4a")]
        ECDSA_ALGORITHM => Some(true),
        _ => None,
    }
}

/// A SigV4 credential names a region, a SigV4a one does not.
fn check_scope_shape(
    credential: &Credential<'_>,
    sigv4a: bool,
    source: AuthSource,
) -> Result<(), Error> {
    match (sigv4a, credential.is_region_less()) {
        (false, true) => Err(Error::malformed(
            source,
            "the credential scope has no region: AWS4-HMAC-SHA256 expects \
             \"<ACCESS-KEY-ID>/YYYYMMDD/REGION/SERVICE/aws4_request\"",
        )),
        (true, false) => Err(Error::malformed(
            source,
            "a SigV4a credential scope has no region (the regions are in X-Amz-Region-Set): \
             AWS4-ECDSA-P256-SHA256 expects \"<ACCESS-KEY-ID>/YYYYMMDD/SERVICE/aws4_request\"",
        )),
        _ => Ok(()),
    }
}

/// The longest presign lifetime AWS accepts: seven days.
pub const MAX_PRESIGN_EXPIRES: u32 = 604_800;

/// How the request carries its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// In the `Authorization` header.
    Header,
    /// In the query string of a presigned URL, valid for `expires` seconds.
    Query {
        /// `X-Amz-Expires`, 0 to 604800 (a URL presigned for 0 seconds has expired when it
        /// is used: the verifier refuses it as such).
        expires: u32,
    },
}

/// Everything a request says about its own signature.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthParams<'a> {
    /// Header or query.
    pub kind: AuthKind,
    /// The access key id and scope.
    pub credential: Credential<'a>,
    /// The headers the client signed.
    pub signed_headers: SignedHeaders<'a>,
    /// The signature the client sent, of either algorithm.
    pub signature: AnySignature,
    /// The regions a SigV4a signature is valid in (`X-Amz-Region-Set`); `None` for SigV4.
    pub region_set: Option<RegionSet<'a>>,
    /// The time the request was signed (`X-Amz-Date`, or the `Date` header).
    pub date: AmzDate,
    /// The `Date` header's value as sent (without the spaces around it), when that header
    /// dated the request for want of `X-Amz-Date`: the string to sign's time is then this
    /// text, in whichever of its four forms it came, rather than `date` spelled in ISO 8601.
    pub date_header: Option<Cow<'a, str>>,
    /// The session token (`X-Amz-Security-Token`), if any.
    pub security_token: Option<Cow<'a, str>>,
}

/// The query parameters of a presigned URL, in the order the slots of
/// [`AuthParams::from_query`] read them.
pub const PRESIGN_PARAMETERS: [&str; 8] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
    "X-Amz-Region-Set",
];

/// The values of the [`PRESIGN_PARAMETERS`] a query holds, found in one pass over it.
struct PresignSlots<'a> {
    found: [Option<&'a str>; 8],
    /// The first parameter the query repeats, if any.
    repeated: Option<&'static str>,
}

impl<'a> PresignSlots<'a> {
    fn find(query: &'a str) -> Self {
        let mut slots = PresignSlots {
            found: [None; 8],
            repeated: None,
        };
        for (key, value) in split_query(query) {
            // All eight names start so: most other parameters are passed over on that alone.
            if !key.starts_with("X-Amz-") {
                continue;
            }
            if let Some(i) = PRESIGN_PARAMETERS.iter().position(|n| *n == key) {
                if slots.found[i].replace(value).is_some() && slots.repeated.is_none() {
                    slots.repeated = Some(PRESIGN_PARAMETERS[i]);
                }
            }
        }
        slots
    }

    /// Whether the query makes the request presigned: it has `X-Amz-Algorithm`,
    /// `X-Amz-Credential` or `X-Amz-Signature` (named in the order of
    /// [`PRESIGN_PARAMETERS`], as [`AuthParams::from_query`] takes them).
    fn presigned(&self) -> bool {
        let [algorithm, credential, _, _, _, signature, _, _] = &self.found;
        algorithm.is_some() || credential.is_some() || signature.is_some()
    }
}

impl<'a> AuthParams<'a> {
    /// Finds and parses the authentication parameters of `request`.
    pub fn from_request<H: Headers + ?Sized>(request: &Request<'a, H>) -> Result<Self, Error> {
        let headers = AuthHeaders::find(request.headers);
        if headers.authorization_repeated {
            return Err(Error::header(
                "the request has more than one Authorization header",
            ));
        }
        // One pass over the query tells whether it is presigned and finds its parameters.
        let slots = PresignSlots::find(request.query);
        match (headers.authorization, slots.presigned()) {
            (Some(_), true) => Err(Error::ConflictingAuthentication),
            (Some(value), false) => {
                let value = std::str::from_utf8(value)
                    .map_err(|_| Error::header("the Authorization header is not valid UTF-8"))?;
                Self::parse_header(value, &headers)
            }
            (None, true) => Self::from_slots(slots),
            (None, false) => Err(unsigned_query_refusal(request.query)),
        }
    }

    /// The same parameters, owning their text (to keep them across an `.await`).
    pub fn into_owned(self) -> AuthParams<'static> {
        AuthParams {
            kind: self.kind,
            credential: self.credential.into_owned(),
            signed_headers: self.signed_headers.into_owned(),
            signature: self.signature,
            region_set: self.region_set.map(RegionSet::into_owned),
            date: self.date,
            date_header: self.date_header.map(|d| Cow::Owned(d.into_owned())),
            security_token: self.security_token.map(|t| Cow::Owned(t.into_owned())),
        }
    }

    /// Where the parameters came from.
    pub fn source(&self) -> AuthSource {
        match self.kind {
            AuthKind::Header => AuthSource::Header,
            AuthKind::Query { .. } => AuthSource::Query,
        }
    }

    /// The signature the client sent, in hex (the ECDSA one for SigV4a).
    pub fn signature_hex(&self) -> String {
        self.signature.to_string()
    }

    /// The algorithm named by the request.
    pub fn algorithm(&self) -> &'static str {
        match self.signature {
            AnySignature::Ecdsa(_) => ECDSA_ALGORITHM,
            AnySignature::Hmac(_) => ALGORITHM,
        }
    }

    /// Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` (or, with the
    /// `sigv4a` feature, `AWS4-ECDSA-P256-SHA256 …` with a region-less credential and the
    /// `X-Amz-Region-Set` header). Spacing around the commas and `=` is free, as AWS allows;
    /// the content is not.
    pub fn from_header<H: Headers + ?Sized>(
        authorization: &'a str,
        headers: &'a H,
    ) -> Result<Self, Error> {
        Self::parse_header(authorization, &AuthHeaders::find(headers))
    }

    /// [`AuthParams::from_header`] with the other headers it reads already found.
    fn parse_header(authorization: &'a str, headers: &AuthHeaders<'a>) -> Result<Self, Error> {
        // Cut at the ASCII separators by byte (the pieces stay UTF-8): this runs on every
        // request, and the general string searchers cost more to start than these short
        // pieces take to scan.
        let value = authorization.trim_ascii();
        // The usual algorithm and its space are recognized whole, without a search that
        // stops at the space.
        let split = if value.as_bytes().get(ALGORITHM.len()) == Some(&b' ')
            && value.starts_with(ALGORITHM)
        {
            ALGORITHM.len()
        } else {
            value
                .bytes()
                .position(|b| b == b' ' || b == b'\t')
                .unwrap_or(value.len())
        };
        let (algorithm, mut rest) = (&value[..split], value.get(split + 1..).unwrap_or(""));
        let Some(sigv4a) = algorithm_is_sigv4a(algorithm) else {
            return Err(unsupported_scheme(algorithm, rest));
        };
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        loop {
            let end = memchr::memchr(b',', rest.as_bytes()).unwrap_or(rest.len());
            let part = rest[..end].trim_ascii();
            let (key, val) = split_component(part)?;
            let slot = match key {
                Ok(0) => &mut credential,
                Ok(1) => &mut signed_headers,
                Ok(_) => &mut signature,
                Err(other) => {
                    return Err(Error::header(format!(
                        "the Authorization header has an unknown component {:?}; expected Credential, SignedHeaders and Signature",
                        other.chars().take(40).collect::<String>()
                    )))
                }
            };
            if slot.replace(val).is_some() {
                let key = key.map_or("", |index| COMPONENTS.get(index).copied().unwrap_or(""));
                return Err(Error::header(format!(
                    "the Authorization header repeats {key}"
                )));
            }
            match rest.get(end + 1..) {
                Some(after) => rest = after,
                None => break,
            }
        }
        let missing =
            |name: &str| Error::header(format!("the Authorization header is missing {name}"));
        let credential = Credential::parse(
            credential.ok_or_else(|| missing("Credential"))?,
            AuthSource::Header,
        )?;
        let signed_headers = SignedHeaders::parse(
            signed_headers.ok_or_else(|| missing("SignedHeaders"))?,
            AuthSource::Header,
        )?;
        check_scope_shape(&credential, sigv4a, AuthSource::Header)?;
        let signature = signature.ok_or_else(|| missing("Signature"))?;
        let (signature, region_set) = if sigv4a {
            let ecdsa = EcdsaSignature::from_hex(signature).ok_or_else(|| {
                Error::header(
                    "the Signature must be the hexadecimal DER encoding of an ECDSA signature",
                )
            })?;
            let set = headers
                .region_set
                .ok_or_else(|| Error::header("SigV4a requires the X-Amz-Region-Set header"))?;
            let set = std::str::from_utf8(set)
                .map_err(|_| Error::header("X-Amz-Region-Set is not valid UTF-8"))?;
            let region_set = RegionSet::parse(set.trim(), AuthSource::Header)?;
            (AnySignature::Ecdsa(ecdsa), Some(region_set))
        } else {
            let signature = Signature::from_hex(signature)
                .ok_or_else(|| Error::header("the Signature must be 64 hexadecimal characters"))?;
            (AnySignature::Hmac(signature), None)
        };
        let (date, date_header) = header_date(headers)?;
        let security_token = match headers.security_token {
            Some(token) => {
                Some(Cow::Borrowed(std::str::from_utf8(token).map_err(|_| {
                    Error::header("X-Amz-Security-Token is not valid UTF-8")
                })?))
            }
            None => None,
        };
        Ok(AuthParams {
            kind: AuthKind::Header,
            credential,
            signed_headers,
            signature,
            region_set,
            date,
            date_header: date_header.map(Cow::Borrowed),
            security_token,
        })
    }

    /// Parses the `X-Amz-*` parameters of a presigned URL from the raw query string.
    pub fn from_query(query: &'a str) -> Result<Self, Error> {
        let slots = PresignSlots::find(query);
        if !slots.presigned() && is_sigv2_query(query) {
            return Err(Error::SigV2NotSupported(AuthSource::Query));
        }
        Self::from_slots(slots)
    }

    /// [`AuthParams::from_query`] with the parameters found already.
    fn from_slots(slots: PresignSlots<'a>) -> Result<Self, Error> {
        if let Some(key) = slots.repeated {
            return Err(Error::query(format!("the query string repeats {key}")));
        }
        let [algorithm, credential, date, expires, signed_headers, signature, token, region_set] =
            slots.found;
        let missing = |name: &str| {
            Error::query(format!(
                "{name} is missing: query-string authentication version 4 requires the X-Amz-Algorithm, \
                 X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters"
            ))
        };
        let algorithm = decode_query_value(algorithm.ok_or_else(|| missing("X-Amz-Algorithm"))?);
        let Some(sigv4a) = algorithm_is_sigv4a(&algorithm) else {
            let shown: String = algorithm.chars().take(40).collect();
            return Err(Error::query(format!(
                "X-Amz-Algorithm: only {ACCEPTED_ALGORITHMS} supported, got {shown:?}"
            )));
        };
        let credential = credential.ok_or_else(|| missing("X-Amz-Credential"))?;
        let signature = signature.ok_or_else(|| missing("X-Amz-Signature"))?;
        let date = date.ok_or_else(|| missing("X-Amz-Date"))?;
        let signed_headers = signed_headers.ok_or_else(|| missing("X-Amz-SignedHeaders"))?;
        let expires = expires.ok_or_else(|| missing("X-Amz-Expires"))?;

        let credential = Credential::parse(decode_query_value(credential), AuthSource::Query)?;
        let signed_headers =
            SignedHeaders::parse(decode_query_value(signed_headers), AuthSource::Query)?;
        check_scope_shape(&credential, sigv4a, AuthSource::Query)?;
        let (signature, region_set) = if sigv4a {
            let ecdsa = EcdsaSignature::from_hex(&decode_query_value(signature)).ok_or_else(|| {
                Error::query("X-Amz-Signature must be the hexadecimal DER encoding of an ECDSA signature")
            })?;
            let set = region_set.ok_or_else(|| {
                Error::query("X-Amz-Region-Set is missing: SigV4a presigned URLs require it")
            })?;
            let region_set = RegionSet::parse(decode_query_value(set), AuthSource::Query)?;
            (AnySignature::Ecdsa(ecdsa), Some(region_set))
        } else {
            let signature = Signature::from_hex(&decode_query_value(signature))
                .ok_or_else(|| Error::query("X-Amz-Signature must be 64 hexadecimal characters"))?;
            (AnySignature::Hmac(signature), None)
        };
        let date = AmzDate::parse(&decode_query_value(date)).ok_or_else(|| {
            Error::query("X-Amz-Date must be in the ISO 8601 basic format YYYYMMDDTHHMMSSZ")
        })?;
        let expires = parse_expires(&decode_query_value(expires))?;
        let security_token = token.map(decode_query_value);
        Ok(AuthParams {
            kind: AuthKind::Query { expires },
            credential,
            signed_headers,
            signature,
            region_set,
            date,
            date_header: None,
            security_token,
        })
    }
}

/// The keys of the `Authorization` header's components.
const COMPONENTS: [&str; 3] = ["Credential", "SignedHeaders", "Signature"];

/// A component of the `Authorization` header, `Key=Value`, as its key and value (spacing
/// around the `=` is free). The key is the index of one of [`COMPONENTS`], tried first, or
/// else (`Err`) anything cut at its `=`, for the error that names it.
fn split_component(part: &str) -> Result<(Result<usize, &str>, &str), Error> {
    for (index, key) in COMPONENTS.into_iter().enumerate() {
        let value = part
            .strip_prefix(key)
            .and_then(|rest| rest.trim_ascii_start().strip_prefix('='));
        if let Some(value) = value {
            return Ok((Ok(index), value.trim_ascii_start()));
        }
    }
    match memchr::memchr(b'=', part.as_bytes()) {
        Some(equals) => Ok((
            Err(part[..equals].trim_ascii_end()),
            part[equals + 1..].trim_ascii_start(),
        )),
        None => Err(Error::header(format!(
            "the Authorization header component {:?} is not of the form Key=Value",
            part.chars().take(40).collect::<String>()
        ))),
    }
}

/// `X-Amz-Expires`: whole seconds, 0 to 604800. Zero is read, as AWS reads it, as a
/// lifetime that ends when it begins: the verifier's expiry check refuses it (403 "Request
/// has expired"), not the parser.
fn parse_expires(value: &str) -> Result<u32, Error> {
    let seconds: Option<u32> =
        if !value.is_empty() && value.len() <= 10 && value.bytes().all(|b| b.is_ascii_digit()) {
            value.parse().ok()
        } else {
            None
        };
    match seconds {
        Some(s) if s <= MAX_PRESIGN_EXPIRES => Ok(s),
        Some(_) => Err(Error::query(format!(
            "X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGN_EXPIRES}"
        ))),
        None => Err(Error::query(format!(
            "X-Amz-Expires should be a number of seconds from 0 to {MAX_PRESIGN_EXPIRES}, got {:?}",
            value.chars().take(20).collect::<String>()
        ))),
    }
}

/// The headers the authentication parameters are read from, found in one pass.
#[derive(Default)]
struct AuthHeaders<'h> {
    authorization: Option<&'h [u8]>,
    authorization_repeated: bool,
    amz_date: Option<&'h [u8]>,
    date: Option<&'h [u8]>,
    security_token: Option<&'h [u8]>,
    region_set: Option<&'h [u8]>,
}

impl<'h> AuthHeaders<'h> {
    /// The first value of each (and whether `Authorization` came more than once).
    fn find<H: Headers + ?Sized>(headers: &'h H) -> Self {
        let mut found = AuthHeaders::default();
        for (name, value) in headers.entries() {
            let slot = match name {
                "authorization" => {
                    found.authorization_repeated |= found.authorization.is_some();
                    &mut found.authorization
                }
                "x-amz-date" => &mut found.amz_date,
                "date" => &mut found.date,
                "x-amz-security-token" => &mut found.security_token,
                REGION_SET_HEADER => &mut found.region_set,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        found
    }
}

/// The date of a header-signed request: `X-Amz-Date`, else `Date` (see
/// [`date_from_date_header`]), with, when it came from `Date`, that header's value as sent.
#[inline]
fn header_date<'h>(headers: &AuthHeaders<'h>) -> Result<(AmzDate, Option<&'h str>), Error> {
    match headers.amz_date {
        Some(value) => match AmzDate::parse_bytes(value.trim_ascii()) {
            Some(date) => Ok((date, None)),
            None => Err(Error::MissingDate),
        },
        None => date_from_date_header(headers.date),
    }
}

/// The date of a request without `X-Amz-Date`, from its `Date` header `value` (in any form
/// [`AmzDate::parse_date_header`] reads), with that value as sent, without the spaces around
/// it: the time of the string to sign. Out of line: it is rarely taken.
#[inline(never)]
fn date_from_date_header(value: Option<&[u8]>) -> Result<(AmzDate, Option<&str>), Error> {
    let value = value.ok_or(Error::MissingDate)?.trim_ascii();
    let date = AmzDate::parse_date_header(value).ok_or(Error::MissingDate)?;
    // A date that parsed is ASCII.
    let sent = std::str::from_utf8(value).map_err(|_| Error::MissingDate)?;
    Ok((date, Some(sent)))
}

/// The refusal of an `Authorization` header whose scheme is `algorithm`, which names neither
/// SigV4 nor SigV4a, followed by `rest`: SigV2 (`AWS AKID:signature`) is told so, as S3
/// tells it; any other scheme is unsupported.
#[cold]
fn unsupported_scheme(algorithm: &str, rest: &str) -> Error {
    if algorithm == SIGV2_SCHEME && is_sigv2_credentials(rest) {
        return Error::SigV2NotSupported(AuthSource::Header);
    }
    let shown: String = algorithm.chars().take(40).collect();
    Error::header(format!(
        "unsupported authorization type {shown:?}; only {ACCEPTED_ALGORITHMS} accepted"
    ))
}

/// The scheme of a Signature Version 2 `Authorization` header: `AWS AKID:signature`.
const SIGV2_SCHEME: &str = "AWS";

/// Whether `credentials`, what follows the `AWS` scheme, is SigV2's `AKID:signature`: one
/// word, both sides of its colon filled.
fn is_sigv2_credentials(credentials: &str) -> bool {
    let credentials = credentials.trim_ascii();
    match credentials.split_once(':') {
        Some((id, signature)) => {
            !id.is_empty()
                && !signature.is_empty()
                && !credentials.bytes().any(|b| b.is_ascii_whitespace())
        }
        None => false,
    }
}

/// Whether a query without SigV4's presign parameters is a SigV2 presigned URL: it has
/// both `AWSAccessKeyId` and `Signature`. (Its own plain pass over the parameters, not
/// `split_query`'s: another caller of that would have it taken out of line, and its every
/// call would cost the hot [`PresignSlots::find`] a function call.)
fn is_sigv2_query(query: &str) -> bool {
    let (mut id, mut signature) = (false, false);
    for parameter in query.split('&') {
        let key = parameter.split_once('=').map_or(parameter, |(key, _)| key);
        id |= key == "AWSAccessKeyId";
        signature |= key == "Signature";
    }
    id && signature
}

/// The refusal of a request with neither an `Authorization` header nor SigV4's presign
/// parameters: a SigV2 presigned URL is told so, anything else is not signed.
#[cold]
fn unsigned_query_refusal(query: &str) -> Error {
    if is_sigv2_query(query) {
        Error::SigV2NotSupported(AuthSource::Query)
    } else {
        Error::MissingAuthentication
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::RawHeaders;

    const SIG: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    fn dated() -> RawHeaders {
        RawHeaders::from_pairs([("host", "h"), ("x-amz-date", "20150830T123600Z")])
    }

    #[test]
    fn header_spacing_is_free() {
        let headers = dated();
        for value in [
            format!("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request,SignedHeaders=host;x-amz-date,Signature={SIG}"),
            format!("  AWS4-HMAC-SHA256   Credential = AKID/20150830/us-east-1/service/aws4_request ,  SignedHeaders=host;x-amz-date ,Signature={SIG}  "),
        ] {
            let auth = AuthParams::from_header(&value, &headers);
            assert!(auth.is_ok(), "{value}: {auth:?}");
        }
    }

    #[test]
    fn header_content_is_strict() {
        let headers = dated();
        let cred = "Credential=AKID/20150830/us-east-1/service/aws4_request";
        for value in [
            String::new(),
            "AWS4-HMAC-SHA256".to_string(),
            format!("AWS4-HMAC-SHA1 {cred}, SignedHeaders=host, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host"),
            format!("AWS4-HMAC-SHA256 {cred}, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 SignedHeaders=host, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 {cred}, {cred}, SignedHeaders=host, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host, Signature={SIG}, Extra=1"),
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host, Signature=abc"),
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host, Signature={SIG}zz"),
            format!("AWS4-HMAC-SHA256 {cred} SignedHeaders=host Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=, Signature={SIG}"),
        ] {
            let e = AuthParams::from_header(&value, &headers).err();
            assert_eq!(e.map(|e| e.code()), Some("AuthorizationHeaderMalformed"), "{value}");
        }
    }

    /// One pass over the query finds the presign parameters: a repeat refuses a presigned URL
    /// (naming the first repeated parameter), and is none of the signature's business in a
    /// header-signed request, whose query is only signed.
    #[test]
    fn query_parameters_found_in_one_pass() {
        let presign = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
            &X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fservice%2Faws4_request\
            &X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host";
        let headers = RawHeaders::from_pairs([("host", "h")]);
        let query = format!("{presign}&X-Amz-Signature={SIG}");
        let parsed = AuthParams::from_request(&Request::new("GET", "/", &query, &headers));
        assert_eq!(
            parsed.map(|a| a.kind).ok(),
            Some(AuthKind::Query { expires: 60 })
        );
        for (query, repeated) in [
            (
                format!("{presign}&X-Amz-Expires=60&X-Amz-Signature={SIG}"),
                "X-Amz-Expires",
            ),
            (
                format!("X-Amz-Date=1&{presign}&X-Amz-Signature={SIG}&X-Amz-Expires=1"),
                "X-Amz-Date",
            ),
        ] {
            let e = AuthParams::from_request(&Request::new("GET", "/", &query, &headers)).err();
            let e = e.map(|e| (e.code(), e.to_string()));
            assert_eq!(
                e.as_ref().map(|e| e.0),
                Some("AuthorizationQueryParametersError")
            );
            assert!(
                e.is_some_and(|e| e.1.contains(&format!("repeats {repeated}"))),
                "{query}"
            );
        }
        let mut signed = dated();
        signed.push(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIG}"),
        );
        let query = "X-Amz-Date=1&X-Amz-Date=2&X-Amz-Expires=5";
        let parsed = AuthParams::from_request(&Request::new("GET", "/", query, &signed));
        assert_eq!(parsed.map(|a| a.kind).ok(), Some(AuthKind::Header));
        for marker in ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"] {
            let query = format!("a=1&{marker}=x");
            let e = AuthParams::from_request(&Request::new("GET", "/", &query, &signed)).err();
            assert!(
                matches!(e, Some(Error::ConflictingAuthentication)),
                "{marker}"
            );
        }
    }

    #[test]
    fn a_sigv4_request_has_no_region_set() {
        let mut headers = dated();
        headers.push(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIG}"),
        );
        let auth = parsed("", &headers);
        let parts = auth.as_ref().map(|a| {
            let hmac = a.signature.as_hmac().map(|s| s.to_string());
            (
                hmac,
                a.region_set.is_none(),
                a.signature.as_ecdsa().is_none(),
            )
        });
        assert_eq!(parts.ok(), Some((Some(SIG.to_string()), true, true)));
    }

    /// The DER hex of a (made-up) ECDSA signature, as a SigV4a request sends it.
    #[cfg(feature = "sigv4a")]
    const ECDSA_SIG: &str = "3006020101020102";

    /// The region set and the ECDSA signature's hex that `auth` holds side by side.
    #[cfg(feature = "sigv4a")]
    fn sigv4a_parts(auth: &AuthParams<'_>) -> (Option<String>, Option<String>) {
        let set = auth.region_set.as_ref().map(|s| s.as_str().to_string());
        let signature = auth.signature.as_ecdsa().map(|s| s.to_string());
        (set, signature)
    }

    #[cfg(feature = "sigv4a")]
    #[test]
    fn a_sigv4a_header_keeps_its_region_set_beside_the_signature() {
        let mut headers = dated();
        headers.push("x-amz-region-set", "us-*,eu-west-1");
        headers.push(
            "authorization",
            format!("AWS4-ECDSA-P256-SHA256 Credential=AKID/20150830/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-region-set, Signature={ECDSA_SIG}"),
        );
        let auth = parsed("", &headers);
        assert_eq!(
            auth.as_ref().map(sigv4a_parts).ok(),
            Some((
                Some("us-*,eu-west-1".to_string()),
                Some(ECDSA_SIG.to_string()),
            ))
        );
        assert_eq!(
            auth.map(|a| a.algorithm()).ok(),
            Some("AWS4-ECDSA-P256-SHA256")
        );
    }

    #[cfg(feature = "sigv4a")]
    #[test]
    fn a_sigv4a_presigned_url_keeps_its_region_set_beside_the_signature() {
        let headers = RawHeaders::from_pairs([("host", "h")]);
        let query = format!(
            "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256\
             &X-Amz-Credential=AKID%2F20150830%2Fservice%2Faws4_request\
             &X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host\
             &X-Amz-Region-Set=us-east-1%2Cus-west-2&X-Amz-Signature={ECDSA_SIG}"
        );
        let auth = parsed(&query, &headers);
        assert_eq!(
            auth.as_ref().map(sigv4a_parts).ok(),
            Some((
                Some("us-east-1,us-west-2".to_string()),
                Some(ECDSA_SIG.to_string()),
            ))
        );
    }

    #[cfg(feature = "sigv4a")]
    #[test]
    fn owned_parameters_keep_the_region_set() {
        let mut headers = dated();
        headers.push("x-amz-region-set", "*");
        headers.push(
            "authorization",
            format!("AWS4-ECDSA-P256-SHA256 Credential=AKID/20150830/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-region-set, Signature={ECDSA_SIG}"),
        );
        let owned = parsed("", &headers).map(AuthParams::into_owned);
        assert_eq!(
            owned.as_ref().map(sigv4a_parts).ok(),
            Some((Some("*".to_string()), Some(ECDSA_SIG.to_string())))
        );
    }

    #[test]
    fn expires_bounds() {
        assert_eq!(parse_expires("1").ok(), Some(1));
        assert_eq!(parse_expires("604800").ok(), Some(604800));
        for bad in ["-1", "604801", "abc", "", "+5", "99999999999999", "1.5"] {
            assert!(parse_expires(bad).is_err(), "{bad}");
        }
    }

    /// The query of a SigV4 URL presigned for `expires` (as written) seconds.
    fn presigned_for(expires: &str) -> String {
        format!(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fservice%2Faws4_request\
             &X-Amz-Date=20150830T123600Z&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host\
             &X-Amz-Signature={SIG}"
        )
    }

    /// The parameters of a GET of `/` with `query` and `headers`.
    fn parsed<'r>(query: &'r str, headers: &'r RawHeaders) -> Result<AuthParams<'r>, Error> {
        AuthParams::from_request(&Request::new("GET", "/", query, headers))
    }

    /// `X-Amz-Expires=0` is read as a lifetime of zero seconds: the verifier's expiry check,
    /// not the parser, refuses it (as AWS does, 403 "Request has expired").
    #[test]
    fn expires_zero_is_a_lifetime_of_zero_seconds() {
        assert_eq!(parse_expires("0").ok(), Some(0));
        let headers = RawHeaders::from_pairs([("host", "h")]);
        let query = presigned_for("0");
        let kind = parsed(&query, &headers).map(|a| a.kind);
        assert_eq!(kind.ok(), Some(AuthKind::Query { expires: 0 }));
    }

    #[test]
    fn expires_negative_stays_malformed() {
        let headers = RawHeaders::from_pairs([("host", "h")]);
        let query = presigned_for("-1");
        let e = parsed(&query, &headers).err();
        assert_eq!(
            e.map(|e| (e.code(), e.status().as_u16())),
            Some(("AuthorizationQueryParametersError", 400))
        );
    }

    /// The headers of a request dated only by `Date: value`.
    fn dated_by(value: &str) -> RawHeaders {
        RawHeaders::from_pairs([
            ("host", "h".to_string()),
            ("date", value.to_string()),
            ("authorization", format!("AWS4-HMAC-SHA256 Credential=AKID/20261204/us-east-1/service/aws4_request, SignedHeaders=host, Signature={SIG}")),
        ])
    }

    /// The time and the string to sign's spelling of it read from `Date: value`.
    fn read_from_date_header(value: &str) -> Option<(String, Option<String>)> {
        let headers = dated_by(value);
        let auth = parsed("", &headers).ok()?;
        let sent = auth.date_header.map(|d| d.into_owned());
        Some((auth.date.to_string(), sent))
    }

    #[test]
    fn date_header_in_iso8601_basic_form_dates_the_request() {
        assert_eq!(
            read_from_date_header("20261204T213220Z"),
            Some((
                "20261204T213220Z".to_string(),
                Some("20261204T213220Z".to_string())
            ))
        );
    }

    #[test]
    fn date_header_in_rfc1123_form_dates_the_request() {
        assert_eq!(
            read_from_date_header("Fri, 04 Dec 2026 21:32:20 GMT"),
            Some((
                "20261204T213220Z".to_string(),
                Some("Fri, 04 Dec 2026 21:32:20 GMT".to_string())
            ))
        );
    }

    #[test]
    fn date_header_in_rfc850_form_dates_the_request() {
        assert_eq!(
            read_from_date_header("Friday, 04-Dec-26 21:32:20 GMT"),
            Some((
                "20261204T213220Z".to_string(),
                Some("Friday, 04-Dec-26 21:32:20 GMT".to_string())
            ))
        );
    }

    #[test]
    fn date_header_in_asctime_form_dates_the_request() {
        assert_eq!(
            read_from_date_header("Fri Dec  4 21:32:20 2026"),
            Some((
                "20261204T213220Z".to_string(),
                Some("Fri Dec  4 21:32:20 2026".to_string())
            ))
        );
    }

    /// Spaces around a header's value are not part of it (RFC 9110 §5.5).
    #[test]
    fn date_header_is_read_without_the_spaces_around_it() {
        assert_eq!(
            read_from_date_header("  Fri Dec  4 21:32:20 2026 "),
            Some((
                "20261204T213220Z".to_string(),
                Some("Fri Dec  4 21:32:20 2026".to_string())
            ))
        );
    }

    /// With `X-Amz-Date`, the string to sign spells the time as SigV4 does, and `Date` is
    /// not read.
    #[test]
    fn x_amz_date_leaves_no_date_header_text() {
        let mut headers = dated_by("Fri, 04 Dec 2026 21:32:20 GMT");
        headers.push("x-amz-date", "20261204T213221Z");
        let auth = parsed("", &headers);
        assert_eq!(
            auth.map(|a| (a.date.to_string(), a.date_header)).ok(),
            Some(("20261204T213221Z".to_string(), None))
        );
    }

    /// A SigV2 `Authorization` header, as the S3 documentation's example writes it.
    const SIGV2_HEADER: &str = "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=";

    /// What S3 answers to SigV2 where it is turned off.
    const SIGV2_REFUSAL: &str = "The authorization mechanism you have provided is not supported. \
                                 Please use AWS4-HMAC-SHA256.";

    #[test]
    fn sigv2_authorization_header_is_refused_as_aws_refuses_it() {
        let headers = RawHeaders::from_pairs([
            ("host", "h"),
            ("date", "Tue, 27 Mar 2007 19:36:42 +0000"),
            ("authorization", SIGV2_HEADER),
        ]);
        let e = parsed("", &headers).err();
        assert_eq!(
            e.map(|e| (e.code(), e.status().as_u16(), e.to_string())),
            Some(("InvalidRequest", 400, SIGV2_REFUSAL.to_string()))
        );
    }

    #[test]
    fn sigv2_presigned_url_is_refused_with_the_presign_hint() {
        let headers = RawHeaders::from_pairs([("host", "h")]);
        let query = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620\
                     &Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D";
        let e = parsed(query, &headers).err();
        let (code, status, message) = e
            .map(|e| (e.code(), e.status().as_u16(), e.to_string()))
            .unwrap_or_default();
        assert_eq!((code, status), ("InvalidRequest", 400));
        assert!(message.starts_with(SIGV2_REFUSAL), "{message}");
        assert!(
            message.contains("aws configure set default.s3.signature_version s3v4"),
            "{message}"
        );
    }

    #[test]
    fn sigv2_presigned_url_without_expires_is_refused() {
        let headers = RawHeaders::from_pairs([("host", "h")]);
        let query =
            "Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE";
        let e = parsed(query, &headers).err();
        assert_eq!(e.map(|e| e.code()), Some("InvalidRequest"));
    }

    #[test]
    fn sigv2_presigned_url_is_refused_by_from_query() {
        let query = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=abc";
        let e = AuthParams::from_query(query).err();
        assert_eq!(e.map(|e| e.code()), Some("InvalidRequest"));
    }

    /// Half of a SigV2 presigned URL is no signature at all.
    #[test]
    fn a_query_with_one_sigv2_parameter_is_not_signed() {
        let headers = RawHeaders::from_pairs([("host", "h")]);
        for query in [
            "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE",
            "Signature=abc&Expires=5",
        ] {
            let e = parsed(query, &headers).err();
            assert!(matches!(e, Some(Error::MissingAuthentication)), "{query}");
        }
    }

    #[test]
    fn a_sigv4_header_is_not_taken_for_sigv2() {
        let mut headers = dated();
        headers.push(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIG}"),
        );
        assert_eq!(
            parsed("", &headers).map(|a| a.kind).ok(),
            Some(AuthKind::Header)
        );
    }

    /// Other schemes, and `AWS` followed by anything but `ID:signature`, stay unknown.
    #[test]
    fn other_schemes_are_not_taken_for_sigv2() {
        for value in [
            "AWS4 AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=",
            "aws AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=",
            "Basic QUtJRDpzZWNyZXQ=",
            "AWS AKIAIOSFODNN7EXAMPLE",
            "AWS :qgk2+6Sv9/oM7G3qLEjTH1a1l1g=",
            "AWS AKIAIOSFODNN7EXAMPLE:",
            "AWS AKIAIOSFODNN7EXAMPLE: qgk2+6Sv9/oM7G3qLEjTH1a1l1g=",
            "AWS",
        ] {
            let mut headers = dated();
            headers.push("authorization", value);
            let e = parsed("", &headers).err();
            assert_eq!(
                e.map(|e| e.code()),
                Some("AuthorizationHeaderMalformed"),
                "{value}"
            );
        }
    }

    #[test]
    fn date_falls_back_to_http_date() {
        let headers = RawHeaders::from_pairs([("Date", "Sun, 30 Aug 2015 12:36:00 GMT")]);
        assert_eq!(
            header_date(&AuthHeaders::find(&headers))
                .ok()
                .map(|(d, _)| d.to_string())
                .as_deref(),
            Some("20150830T123600Z")
        );
        let bad = RawHeaders::from_pairs([
            ("X-Amz-Date", "yesterday"),
            ("Date", "Sun, 30 Aug 2015 12:36:00 GMT"),
        ]);
        assert!(header_date(&AuthHeaders::find(&bad)).is_err());
    }
}
