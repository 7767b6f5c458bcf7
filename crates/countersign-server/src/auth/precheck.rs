//! The checks that need no key, made before the key store is asked anything: the header
//! section's size, the host, the `Authorization` header or presigned query, the scope, the
//! time window, the signed headers, and the plan for the body (with its checksum headers).

use countersign_core::aws_chunked::Framing;
use countersign_core::checksum::ChecksumAlgorithm;
use countersign_core::{
    AuthParams, DeclaredPayload, Request, SignedValues, EMPTY_SHA256, UNSIGNED_PAYLOAD,
};
use http::request::Parts;
use http::{HeaderName, HeaderValue};

use crate::auth::view::ServerHeaders;
use crate::body::Checksums;
use crate::config::Config;
use crate::error::Error;

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

/// A request refused before the key lookup, with its authentication parameters when they
/// could be read (for the rejection's access key id and debug details).
pub(crate) type Refused<'a> = Box<(Error, Option<AuthParams<'a>>)>;

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
    let found = scan_head(config, parts).map_err(|error| Box::new((error, None)))?;
    let mut auth = AuthParams::from_request(request).map_err(|e| Box::new((e.into(), None)))?;
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

/// The checks of a request's head that hold for every request, signed or anonymous: the
/// header section's size, and one `Host` that names the request target's authority. In the
/// same pass, what the plan needs: the declared payload hash, and whether any checksum
/// header is present.
pub(crate) fn scan_head<'h>(config: &Config, parts: &'h Parts) -> Result<Found<'h>, Error> {
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
        return Err(Error::HeadersTooLarge {
            limit: config.max_header_bytes,
        });
    }
    host.check(parts.uri.authority())?;
    Ok(Found {
        declared,
        has_checksums,
    })
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

/// What [`scan_head`]'s pass over the headers found for the plan.
pub(crate) struct Found<'h> {
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
            return Err(Error::FramingNotOfAlgorithm {
                framing: *framing,
                algorithm: auth.algorithm(),
            });
        }
    }
    if payload.is_unsigned() && !config.allow_unsigned_payload && !body_is_empty {
        return Err(Error::UnsignedPayloadRefused);
    }
    let mut checksums = if found.has_checksums {
        checksum_headers(parts)?
    } else {
        Checksums::new()
    };
    if config.s3 && completes_an_upload(parts) {
        // The object's checksum, for the upload to compare: not one of this body.
        checksums.retain(|(algorithm, _)| *algorithm == ChecksumAlgorithm::ContentMd5);
    }
    Ok((payload, checksums, values))
}

/// Whether the request completes a multipart upload (S3's `POST /{key}?uploadId=`), whose
/// `x-amz-checksum-*` header is the whole object's checksum (`FULL_OBJECT`), not one of the
/// request body.
fn completes_an_upload(parts: &Parts) -> bool {
    parts.method == http::Method::POST
        && parts.uri.query().is_some_and(|q| {
            q.split('&')
                .any(|p| p.split('=').next() == Some("uploadId"))
        })
}

/// The plan for an aws-chunked body: its framing, decoded length and declared trailers.
fn chunked_plan(parts: &Parts, framing: Framing) -> Result<PayloadPlan, Error> {
    let decoded_length = parts
        .headers
        .get("x-amz-decoded-content-length")
        .ok_or(Error::MissingDecodedContentLength)?
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or(Error::InvalidDecodedContentLength)?;
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
        return Err(Error::TrailerNotAllowed(framing));
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
pub(crate) fn checksum_headers(parts: &Parts) -> Result<Checksums, Error> {
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
        return Err(Error::MultipleChecksums);
    }
    Ok(found)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn host_of(uri: &str, hosts: &[&'static str]) -> Result<(), Error> {
        let mut builder = http::Request::get(uri);
        for host in hosts {
            builder = builder.header("host", *host);
        }
        let parts = builder
            .body(())
            .unwrap_or_else(|e| panic!("{e}"))
            .into_parts()
            .0;
        let mut host = Host::None;
        for value in parts.headers.get_all("host") {
            host = match host {
                Host::None => Host::Once(value),
                _ => Host::Repeated,
            };
        }
        host.check(parts.uri.authority())
    }

    #[test]
    fn one_host_and_an_origin_form_target_pass() {
        assert!(host_of("/x", &["a.example"]).is_ok());
    }

    #[test]
    fn two_host_headers_are_refused() {
        assert!(matches!(
            host_of("/x", &["a.example", "b.example"]),
            Err(Error::RepeatedHost)
        ));
    }

    #[test]
    fn a_host_other_than_the_authority_is_refused() {
        assert!(matches!(
            host_of("http://b.example/x", &["a.example"]),
            Err(Error::HostNotAuthority)
        ));
    }

    #[test]
    fn a_host_equal_to_the_authority_but_for_case_passes() {
        assert!(host_of("http://A.Example:8080/x", &["a.example:8080"]).is_ok());
    }

    fn chunked(framing: Framing) -> PayloadPlan {
        PayloadPlan::Chunked {
            framing,
            decoded_length: 0,
            trailers: Vec::new(),
        }
    }

    #[test]
    fn unsigned_payloads_are_unsigned_payload_and_unsigned_chunks() {
        assert!(PayloadPlan::Unsigned.is_unsigned());
        assert!(chunked(Framing::UnsignedTrailer).is_unsigned());
    }

    #[test]
    fn signed_chunks_and_hashed_bodies_are_not_unsigned() {
        for plan in [
            chunked(Framing::Signed),
            chunked(Framing::SignedTrailer),
            PayloadPlan::Buffer,
            PayloadPlan::Empty,
        ] {
            assert!(!plan.is_unsigned(), "{plan:?}");
        }
    }
}
