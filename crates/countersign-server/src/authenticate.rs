//! The checks, in the order the design asks: cheap ones first (sizes, parsing, scope, time,
//! signed headers, payload policy) before the key store is asked anything; the signature
//! once the key is known.

use std::borrow::Cow;

use bytes::Bytes;
use countersign_core::aws_chunked::Framing;
use countersign_core::checksum::ChecksumAlgorithm;
use countersign_core::payload::DeclaredPayload;
use countersign_core::{
    AuthParams, ChunkChain, ChunkSigner, ClientSignature, Headers, Request, SignedValues,
    SigningKey, EMPTY_SHA256, UNSIGNED_PAYLOAD,
};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Response};
use http_body_util::Full;

use crate::error::Error;
use crate::identity::{PayloadCheck, Verified};
use crate::keys::{Key, KeyRequest};
use crate::layer::{Config, TrustedProxy};
use crate::rejection::{hint, next_request_id, DebugDetails, Rejection};

/// The header that declares the payload's hash, named once (a name given as text is parsed
/// on every lookup).
const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");

/// How the body will be checked.
#[derive(Debug, Clone)]
pub(crate) enum PayloadPlan {
    /// `x-amz-content-sha256` holds the body's hash: verify the headers now, the body as it streams.
    Declared { hex: [u8; 64], hash: [u8; 32] },
    /// `UNSIGNED-PAYLOAD`: the body is not covered.
    Unsigned,
    /// No hash declared: read the body (within the limit), hash it, then verify.
    Buffer,
    /// No hash declared and the body empty by its framing: the hash of nothing is what was
    /// signed, checked at once; the body is still checked against it as it streams, so that
    /// bytes arriving after all fail it.
    Empty,
    /// aws-chunked: verify the headers (seed signature) now, each chunk as it streams.
    Chunked {
        framing: Framing,
        decoded_length: u64,
        trailers: Vec<String>,
    },
}

impl PayloadPlan {
    /// Whether the body is a chain of signed chunks, which the request's signing key
    /// verifies as it streams.
    pub(crate) fn is_chained(&self) -> bool {
        matches!(self, PayloadPlan::Chunked { framing, .. } if framing.is_signed())
    }

    /// Whether the body's bytes are covered by no signature: `UNSIGNED-PAYLOAD`, or an
    /// aws-chunked framing whose chunks are not signed (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`).
    pub(crate) fn is_unsigned(&self) -> bool {
        match self {
            PayloadPlan::Unsigned => true,
            PayloadPlan::Chunked { framing, .. } => !framing.is_signed(),
            _ => false,
        }
    }
}

/// What the cheap checks established: the authentication parameters (borrowed from the
/// request, or owned while the request waits for its key), the plan for the body, and the
/// checksum headers.
#[derive(Debug)]
pub(crate) struct Checked<'a> {
    pub(crate) auth: AuthParams<'a>,
    pub(crate) payload: PayloadPlan,
    /// `x-amz-checksum-*` and `Content-MD5` headers: algorithm and raw digest.
    pub(crate) checksums: Checksums,
    /// The signed headers' values the checks found, while the request is at hand (a request
    /// that waits for its key has them found again).
    pub(crate) values: Option<SignedValues<'a>>,
}

/// The checks' outcome kept while the request waits for its key.
pub(crate) type Plan = Checked<'static>;

impl<'a> Checked<'a> {
    /// What the body's checks take (the whole is most of a kilobyte: inlined, so that it is
    /// taken apart where it lies rather than moved).
    #[inline(always)]
    pub(crate) fn into_body_parts(self) -> (AuthParams<'a>, PayloadPlan, Checksums) {
        (self.auth, self.payload, self.checksums)
    }

    /// The same, owning its parameters.
    pub(crate) fn into_owned(self) -> Plan {
        Checked {
            auth: self.auth.into_owned(),
            payload: self.payload,
            checksums: self.checksums,
            values: None,
        }
    }
}

/// The request's headers as the verifier sees them: a trusted proxy's host stands in for
/// the `Host` header.
pub(crate) struct ServerHeaders<'a> {
    map: &'a HeaderMap,
    host: Option<&'a [u8]>,
}

impl Headers for ServerHeaders<'_> {
    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's {
        let host = if name == "host" { self.host } else { None };
        let from_map = match host {
            Some(_) => None,
            None => Some(Headers::values(self.map, name)),
        };
        host.into_iter().chain(from_map.into_iter().flatten())
    }

    fn entries(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let replaced = self.host.is_some();
        let host = self.host.map(|h| ("host", h));
        host.into_iter().chain(
            Headers::entries(self.map).filter(move |(name, _)| !(replaced && *name == "host")),
        )
    }
}

/// The parts of a request the verifier reads, with a trusted proxy's changes applied.
pub(crate) struct View<'a> {
    method: &'a str,
    path: Cow<'a, str>,
    query: &'a str,
    headers: ServerHeaders<'a>,
    authority: Option<&'a str>,
}

impl<'a> View<'a> {
    pub(crate) fn new(parts: &'a Parts, proxy: Option<&TrustedProxy>) -> Self {
        let raw_path = match parts.uri.path() {
            "" => "/",
            p => p,
        };
        let path = match proxy.and_then(|p| p.path_prefix.as_deref()) {
            Some(prefix) => Cow::Owned(format!("{prefix}{raw_path}")),
            None => Cow::Borrowed(raw_path),
        };
        let host = proxy
            .filter(|p| p.forwarded_host)
            .and_then(|_| parts.headers.get("x-forwarded-host"))
            .map(|v| v.as_bytes());
        View {
            method: parts.method.as_str(),
            path,
            query: parts.uri.query().unwrap_or(""),
            headers: ServerHeaders {
                map: &parts.headers,
                host,
            },
            authority: parts.uri.authority().map(|a| a.as_str()),
        }
    }

    /// The host the client called: a trusted proxy's `X-Forwarded-Host`, else the `Host`
    /// header, else the request target's authority.
    pub(crate) fn host(&self) -> Option<&str> {
        let header = self.headers.values("host").next();
        header
            .and_then(|h| std::str::from_utf8(h).ok())
            .or(self.authority)
    }

    /// The path the client called (with a trusted proxy's prefix put back).
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn request(&self) -> Request<'_, ServerHeaders<'a>> {
        Request::new(self.method, &self.path, self.query, &self.headers)
            .with_authority(self.authority)
    }
}

/// A request refused before the key lookup, with its authentication parameters when they
/// could be read (for the rejection's access key id and debug details).
pub(crate) type Refused<'a> = Box<(Error, Option<AuthParams<'a>>)>;

/// The `x-amz-checksum-*` and `Content-MD5` headers: algorithm and raw digest.
pub(crate) type Checksums = Vec<(ChecksumAlgorithm, Vec<u8>)>;

/// Whether the request has no body by its framing: its body says so exactly, or, where a
/// body wrapper (such as a timeout) hides the exact size its transport knew, the headers do:
/// a `Content-Length` of 0, or an HTTP/1 request with neither `Content-Length` nor
/// `Transfer-Encoding`, which has no body (RFC 9112, section 6.3; HTTP/2 and HTTP/3 frame a
/// body without either). An empty plan still checks the body as it streams, so bytes that
/// arrive after all fail it.
pub(crate) fn body_is_empty<B: http_body::Body>(parts: &Parts, body: &B) -> bool {
    if let Some(length) = body.size_hint().exact() {
        return length == 0;
    }
    match parts.headers.get(http::header::CONTENT_LENGTH) {
        Some(length) => length.as_bytes() == b"0",
        None => {
            matches!(
                parts.version,
                http::Version::HTTP_09 | http::Version::HTTP_10 | http::Version::HTTP_11
            ) && !parts.headers.contains_key(http::header::TRANSFER_ENCODING)
        }
    }
}

/// Every check that needs no key, and the plan for the body; `request` is the view of
/// `parts`.
pub(crate) fn precheck<'a>(
    config: &Config,
    parts: &Parts,
    request: &Request<'a, ServerHeaders<'_>>,
    body_is_empty: bool,
) -> Result<Checked<'a>, Refused<'a>> {
    // One pass: the size of the headers, whether any checksum header is among them, and the
    // declared payload hash.
    let (mut header_bytes, mut has_checksums) = (0, false);
    let mut declared = Declared::None;
    let mut host = Host::None;
    for (name, value) in &parts.headers {
        if *name == http::header::HOST {
            host = match host {
                Host::None => Host::Once(value),
                _ => Host::Repeated,
            };
        }
        if *name == X_AMZ_CONTENT_SHA256 {
            declared = match declared {
                Declared::None => Declared::Once(value),
                _ => Declared::Repeated,
            };
        }
        let name = name.as_str();
        header_bytes += name.len() + value.len() + 4;
        has_checksums |= is_checksum_header(name);
    }
    if header_bytes > config.max_header_bytes {
        let error = Error::HeadersTooLarge {
            limit: config.max_header_bytes,
        };
        return Err(Box::new((error, None)));
    }
    host.check(parts.uri.authority())
        .map_err(|error| Box::new((error, None)))?;
    let mut auth = AuthParams::from_request(request).map_err(|e| Box::new((e.into(), None)))?;
    let found = Found {
        declared,
        has_checksums,
    };
    match plan(config, parts, request, &auth, body_is_empty, found) {
        Ok((payload, checksums, values)) => {
            // Shared from here on: the key request and the identity each hold the one copy.
            auth.credential = auth.credential.into_owned();
            Ok(Checked {
                auth,
                payload,
                checksums,
                values: Some(values),
            })
        }
        Err(error) => Err(Box::new((error, Some(auth)))),
    }
}

/// The `Host` headers of a request.
enum Host<'h> {
    None,
    Once(&'h HeaderValue),
    Repeated,
}

impl Host<'_> {
    /// Refuses a request whose host is ambiguous: two `Host` headers (RFC 9112, section
    /// 3.2: a handler reading the first would not see what was signed), or one that names
    /// another host than the request target's authority (which RFC 9112 section 3.2.2 and
    /// RFC 9113 section 8.3.1 make the one that counts).
    fn check(&self, authority: Option<&http::uri::Authority>) -> Result<(), Error> {
        match (self, authority) {
            (Host::Repeated, _) => Err(Error::RepeatedHost),
            (Host::Once(host), Some(authority))
                if !host
                    .as_bytes()
                    .eq_ignore_ascii_case(authority.as_str().as_bytes()) =>
            {
                Err(Error::HostNotAuthority)
            }
            _ => Ok(()),
        }
    }
}

/// What [`precheck`]'s pass over the headers found for the plan.
struct Found<'h> {
    declared: Declared<'h>,
    /// Whether any header may be a checksum header.
    has_checksums: bool,
}

/// The `x-amz-content-sha256` headers of a request.
enum Declared<'h> {
    None,
    Once(&'h HeaderValue),
    /// More than one: their values would be read as one, joined by commas, which is no hash
    /// (so S3 reads them); refused rather than one of them checked.
    Repeated,
}

/// The checks of [`precheck`] once the authentication parameters are read: scope, time,
/// signed headers, then the payload plan and the checksum headers.
fn plan<'a>(
    config: &Config,
    parts: &Parts,
    request: &Request<'a, ServerHeaders<'_>>,
    auth: &AuthParams<'_>,
    body_is_empty: bool,
    found: Found<'_>,
) -> Result<(PayloadPlan, Checksums, SignedValues<'a>), Error> {
    let values = config
        .verifier
        .check_and_gather(request, auth, config.clock.now())?;
    let declared = match found.declared {
        Declared::Once(v) => Some(
            v.to_str()
                .map_err(|_| countersign_core::Error::InvalidContentSha256("<not ASCII>".into()))?,
        ),
        Declared::Repeated => {
            return Err(countersign_core::Error::InvalidContentSha256("<repeated>".into()).into())
        }
        Declared::None => None,
    };
    let presigned = matches!(auth.kind, countersign_core::AuthKind::Query { .. });
    let payload = match declared {
        Some(value) => match DeclaredPayload::parse(value)? {
            DeclaredPayload::Sha256(hash) => {
                // 64 lower-case hex digits: the value as the client wrote it, kept for the
                // canonical request without an allocation.
                let hex = <[u8; 64]>::try_from(value.as_bytes()).map_err(|_| {
                    countersign_core::Error::InvalidContentSha256(value.chars().take(80).collect())
                })?;
                PayloadPlan::Declared { hex, hash }
            }
            DeclaredPayload::Unsigned => PayloadPlan::Unsigned,
            DeclaredPayload::Streaming(framing) => chunked_plan(parts, framing)?,
        },
        None if config.s3 && presigned => PayloadPlan::Unsigned,
        None if config.s3 => return Err(Error::MissingContentSha256),
        None if body_is_empty => PayloadPlan::Empty,
        None => PayloadPlan::Buffer,
    };
    if let PayloadPlan::Chunked { framing, .. } = &payload {
        if !framing.goes_with(auth.algorithm()) {
            return Err(Error::InvalidHeader(format!(
                "{} does not go with {}: chunks are signed with the algorithm that signed \
                 the request",
                framing.marker(),
                auth.algorithm()
            )));
        }
    }
    if payload.is_unsigned() && !config.allow_unsigned_payload && !body_is_empty {
        return Err(Error::UnsignedPayloadRefused);
    }
    let checksums = if found.has_checksums {
        checksum_headers(parts)?
    } else {
        Checksums::new()
    };
    Ok((payload, checksums, values))
}

/// The plan for an aws-chunked body: its framing, decoded length and declared trailers.
fn chunked_plan(parts: &Parts, framing: Framing) -> Result<PayloadPlan, Error> {
    let marker = framing.marker();
    let decoded_length = parts
        .headers
        .get("x-amz-decoded-content-length")
        .ok_or(Error::MissingDecodedContentLength)?
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            Error::InvalidHeader("x-amz-decoded-content-length must be a number of bytes".into())
        })?;
    let trailers: Vec<String> = parts
        .headers
        .get_all("x-amz-trailer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect();
    if framing.has_trailer() && trailers.is_empty() {
        return Err(Error::MissingTrailerDeclaration);
    }
    if !framing.has_trailer() && !trailers.is_empty() {
        return Err(Error::InvalidHeader(format!(
            "x-amz-trailer is not allowed with {marker}"
        )));
    }
    Ok(PayloadPlan::Chunked {
        framing,
        decoded_length,
        trailers,
    })
}

/// Whether `name` (lower-case) may be a checksum header: `x-amz-checksum-*` or `Content-MD5`.
fn is_checksum_header(name: &str) -> bool {
    name.starts_with("x-amz-checksum-") || name == "content-md5"
}

/// The checksum headers: at most one `x-amz-checksum-*` and `Content-MD5`, each a base64
/// digest of the right length.
fn checksum_headers(parts: &Parts) -> Result<Checksums, Error> {
    let mut found = Vec::new();
    for (name, value) in &parts.headers {
        let name = name.as_str();
        if !is_checksum_header(name) {
            continue;
        }
        let Some(algorithm) = ChecksumAlgorithm::from_header(name) else {
            continue;
        };
        let digest = value
            .to_str()
            .ok()
            .and_then(|v| algorithm.decode(v))
            .ok_or(Error::InvalidChecksumHeader(algorithm))?;
        found.push((algorithm, digest));
    }
    if found
        .iter()
        .filter(|(a, _)| *a != ChecksumAlgorithm::ContentMd5)
        .count()
        > 1
    {
        return Err(Error::InvalidHeader(
            "expecting a single x-amz-checksum- header; multiple checksum types are not allowed"
                .into(),
        ));
    }
    Ok(found)
}

/// What the key store is asked.
pub(crate) fn key_request(auth: &AuthParams<'_>) -> KeyRequest {
    let request = KeyRequest::from_credential(auth.credential.clone().into_owned());
    match &auth.security_token {
        Some(token) => request.with_session_token(token.as_ref()),
        None => request,
    }
}

/// Checks the signature against each live secret of the key; gives the identity (which
/// takes the key's principal) and, when a signed aws-chunked body follows, the signing key
/// that matched: the seed of the body's chain.
pub(crate) fn verify_signature<P>(
    config: &Config,
    request: &Request<'_, ServerHeaders<'_>>,
    checked: &Checked<'_>,
    key: Key<P>,
    payload_hash: &str,
    payload: PayloadCheck,
) -> Result<(Verified<P>, Option<ChainKey>), Error> {
    let auth = &checked.auth;
    let mut first_error = None;
    let mut matched = None;
    for secret in key.secrets() {
        let (outcome, signing_key) =
            check_one_secret(config, request, checked, secret, payload_hash);
        match outcome {
            Ok(_) => {
                matched = Some(signing_key);
                break;
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match matched {
        Some(signing_key) => {
            check_replay(config, auth)?;
            let mut identity = Verified::of(
                auth.credential.clone().into_owned(),
                key.into_principal(),
                auth.date.as_offset(),
            );
            if let Some(v4a) = auth.sigv4a() {
                identity = identity.with_region_set(v4a.region_set.as_str());
            }
            identity.presigned = matches!(auth.kind, countersign_core::AuthKind::Query { .. });
            identity.payload = payload;
            identity.session_token = auth.security_token.as_ref().map(|t| t.to_string());
            Ok((identity, signing_key))
        }
        None => Err(first_error.map(Error::Auth).unwrap_or_else(|| {
            Error::InvalidAccessKeyId(auth.credential.access_key_id().to_string())
        })),
    }
}

/// Verifies the request against the decoy secret and discards the outcome: a request naming
/// an unknown access key then costs what a wrong signature costs, so its timing does not tell
/// whether the key exists.
pub(crate) fn decoy_verification(
    config: &Config,
    request: &Request<'_, ServerHeaders<'_>>,
    checked: &Checked<'_>,
    payload_hash: &str,
) {
    let outcome = verify_signature(
        config,
        request,
        checked,
        config.decoy.clone(),
        payload_hash,
        PayloadCheck::Unsigned,
    );
    std::hint::black_box(outcome.is_ok());
}

/// With replay protection on, a header-signed request's signature may be used once within its
/// validity window (the request time plus or minus the clock skew).
fn check_replay(config: &Config, auth: &AuthParams<'_>) -> Result<(), Error> {
    let Some(guard) = &config.replay else {
        return Ok(());
    };
    if !matches!(auth.kind, countersign_core::AuthKind::Header) {
        return Ok(());
    }
    let valid_until = auth.date.as_offset() + config.verifier.skew();
    if guard.first_use(replay_key(auth).as_bytes(), valid_until, config.clock.now()) {
        Ok(())
    } else {
        Err(Error::Replayed)
    }
}

/// What the replay guard remembers of a request's signature: its hex, or for SigV4a the hex
/// of its normalized form, which the altered copy `(r, n - s)` of an ECDSA signature `(r, s)`
/// shares with it (both verify: ECDSA is malleable).
fn replay_key(auth: &AuthParams<'_>) -> String {
    #[cfg(feature = "sigv4a")]
    if let Some(normalized) = auth.sigv4a().and_then(|v4a| v4a.signature.normalized()) {
        return hex::encode(normalized);
    }
    auth.signature_hex()
}

/// The key that verified the request's signature: it verifies the chunks of an
/// aws-chunked body too.
pub(crate) enum ChainKey {
    /// SigV4: the signing key (boxed: the outcome of every check carries an `Option` of
    /// this, and only an aws-chunked body fills it).
    Hmac(Box<SigningKey>),
    /// SigV4a: the derived key pair (none when derivation failed, which no real secret does).
    #[cfg(feature = "sigv4a")]
    Ecdsa(Option<std::sync::Arc<countersign_core::sigv4a::EcdsaKey>>),
}

impl ChainKey {
    /// The chunk chain seeded with the request's signature; `None` if the key and the
    /// signature are of different algorithms (the request's verification refused that).
    pub(crate) fn chain(self, auth: &AuthParams<'_>) -> Option<ChunkChain> {
        let scope = auth.credential.scope_str();
        match (self, &auth.signature) {
            // Copied out, so that the boxed one is wiped as it is dropped.
            (ChainKey::Hmac(key), ClientSignature::V4(seed)) => Some(ChunkChain::Hmac(
                ChunkSigner::new(SigningKey::clone(&key), auth.date, scope, *seed),
            )),
            #[cfg(feature = "sigv4a")]
            (ChainKey::Ecdsa(Some(key)), ClientSignature::V4a(v4a)) => Some(ChunkChain::Ecdsa(
                countersign_core::chunk::EcdsaChunkSigner::new(
                    key,
                    auth.date,
                    scope,
                    v4a.signature.clone(),
                ),
            )),
            _ => None,
        }
    }
}

/// Verifies the request with one secret: SigV4 through the HMAC key cache, SigV4a through
/// the ECDSA key cache. Gives the key when a signed aws-chunked body follows, for its chunks.
fn check_one_secret(
    config: &Config,
    request: &Request<'_, ServerHeaders<'_>>,
    checked: &Checked<'_>,
    secret: &countersign_core::SecretKey,
    payload_hash: &str,
) -> (Result<(), countersign_core::Error>, Option<ChainKey>) {
    let auth = &checked.auth;
    let chained = checked.payload.is_chained();
    #[cfg(feature = "sigv4a")]
    if auth.sigv4a().is_some() {
        let id = auth.credential.access_key_id();
        let key = config.ecdsa_key_cache.get_or_derive(secret, id);
        let outcome = match &key {
            Some(key) => config
                .verifier
                .verify_signature_v4a(request, auth, key.verifying_key(), payload_hash)
                .map(|_| ()),
            None => Err(countersign_core::Error::SignatureDoesNotMatch(
                Box::default(),
            )),
        };
        return (outcome, chained.then_some(ChainKey::Ecdsa(key)));
    }
    // The cached key is lent for the signature alone, and copied only when a chain needs it.
    let outcome = config
        .verifier
        .verify_signature_cached(
            request,
            auth,
            checked.values.as_ref(),
            &config.key_cache,
            secret,
            payload_hash,
        )
        .map(|_| ());
    let chain = chained.then(|| {
        ChainKey::Hmac(Box::new(
            config
                .key_cache
                .get_or_derive(secret, &auth.credential.scope()),
        ))
    });
    (outcome, chain)
}

/// The hash put on the canonical request's last line for a plan (not for `Buffer`).
pub(crate) fn declared_hash(plan: &PayloadPlan) -> &str {
    match plan {
        // ASCII hex digits, so always UTF-8.
        PayloadPlan::Declared { hex, .. } => std::str::from_utf8(hex).unwrap_or_default(),
        PayloadPlan::Chunked { framing, .. } => framing.marker(),
        PayloadPlan::Empty => EMPTY_SHA256,
        PayloadPlan::Unsigned | PayloadPlan::Buffer => UNSIGNED_PAYLOAD,
    }
}

/// Renders a refusal, with debug details when the layer is in debug mode.
pub(crate) fn reject(
    config: &Config,
    parts: &Parts,
    error: Error,
    auth: Option<&AuthParams<'_>>,
) -> Response<Full<Bytes>> {
    let request_id = next_request_id();
    let access_key_id = auth.map(|a| a.credential.access_key_id()).unwrap_or("");
    match &error {
        Error::KeyStore(e) => {
            tracing::error!(
                request_id,
                access_key_id,
                error = e.message(),
                "key store failed"
            )
        }
        e => {
            let code = e.code();
            let failures = config.failures.record(access_key_id, code);
            if crate::failures::is_milestone(failures) {
                tracing::warn!(request_id, access_key_id, code, failures, error = %e, "SigV4 requests refused repeatedly")
            } else {
                tracing::debug!(request_id, access_key_id, code, failures, error = %e, "SigV4 request refused")
            }
        }
    }
    let debug = config.debug.then(|| {
        let mismatch = match &error {
            Error::Auth(e) => e.mismatch(),
            _ => None,
        };
        DebugDetails {
            access_key_id: auth.map(|a| a.credential.access_key_id().to_string()),
            signature_provided: auth.map(|a| a.signature_hex()),
            canonical_request: mismatch.map(|m| m.canonical_request.clone()),
            string_to_sign: mismatch.map(|m| m.string_to_sign.clone()),
            hint: hint(&error),
        }
    });
    let rejection = Rejection {
        error,
        request_id,
        resource: parts.uri.path().to_string(),
        access_key_id: auth.map(|a| a.credential.access_key_id().to_string()),
        debug,
    };
    if let Some(observe) = &config.on_rejection {
        observe(&rejection);
    }
    let mut response = config.errors.render(&rejection);
    if matches!(rejection.error, Error::SlowDown) {
        response.headers_mut().insert(
            http::header::RETRY_AFTER,
            HeaderValue::from_static(SLOW_DOWN_RETRY_AFTER),
        );
    }
    response
}

/// The seconds a client refused with `SlowDown` is told to wait (`Retry-After`): the
/// bodies that filled the budget are read within about as long.
const SLOW_DOWN_RETRY_AFTER: &str = "1";
