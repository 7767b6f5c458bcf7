//! The logic of every fuzz target: one function per target, each taking the fuzzer's bytes.
//!
//! The targets in `fuzz/fuzz_targets/` call these functions, and `tests/vectors/fuzz_corpus.rs`
//! replays the committed corpus (`fuzz/corpus/<target>/*`) through the very same functions
//! as ordinary tests, so CI needs no nightly toolchain. The crate that includes this file
//! must name the core and client crates `cs_core` and `cs_client` at its root (a `use` is
//! enough), and depend on `http`, `time` and `base64`.
//!
//! Each function panics only when a property is broken: a parser panicking, a decoder
//! holding more than one chunk plus its limits, a signed request refused, a changed one
//! accepted.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each including crate calls a subset; the items are shared, not exported"
)]

use std::sync::Arc;

use base64::Engine as _;
use time::OffsetDateTime;

use super::cs_client::{Credentials, Payload, SessionTokenMode, Signer};
use super::cs_core::aws_chunked::{ChunkChain, ChunkSigner, Decoder, Event, Framing, Limits};
use super::cs_core::multipart::{MultipartParser, Part, MAX_PART_HEADER_BYTES};
use super::cs_core::post_policy::PostPolicy;
use super::cs_core::{
    normalize_path, sha256_hex, AmzDate, AuthParams, CanonicalRequest, Headers, KeyCache,
    RawHeaders, Request, SecretKey, Signature, SignedHeaders, SigningKey, SigningSettings,
    Verifier, EMPTY_SHA256, UNSIGNED_PAYLOAD,
};

/// The names of the targets, in the order of the functions below.
pub const TARGETS: [&str; 7] = [
    "authorization_header",
    "presigned_query",
    "canonical_request",
    "aws_chunked",
    "multipart_form",
    "sign_then_verify",
    "mutate_then_verify",
];

/// Runs the target called `name` on `data`; false when there is no such target.
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "authorization_header" => authorization_header(data),
        "presigned_query" => presigned_query(data),
        "canonical_request" => canonical_request(data),
        "aws_chunked" => aws_chunked(data),
        "multipart_form" => multipart_form(data),
        "sign_then_verify" => sign_then_verify(data),
        "mutate_then_verify" => mutate_then_verify(data),
        _ => return false,
    }
    true
}

// ---------------------------------------------------------------------------------------
// Reading structured values out of the fuzzer's bytes
// ---------------------------------------------------------------------------------------

/// Bytes consumed from the front; past the end every read gives zeros.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        (u16::from(self.u8()) << 8) | u16::from(self.u8())
    }

    fn u32(&mut self) -> u32 {
        (u32::from(self.u16()) << 16) | u32::from(self.u16())
    }

    /// Up to the next `\n` (not included), or everything left.
    fn line(&mut self) -> &'a [u8] {
        let at = self.0.iter().position(|b| *b == b'\n');
        let (line, rest) = match at {
            Some(at) => (&self.0[..at], &self.0[at + 1..]),
            None => (self.0, &[][..]),
        };
        self.0 = rest;
        line
    }

    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }
}

/// Cuts `data` into pieces whose sizes follow from `seed`: the low three bits choose the
/// largest piece (1 byte up to the whole input), the rest seed a xorshift generator.
fn pieces(data: &[u8], seed: u8) -> Vec<&[u8]> {
    const MAX: [usize; 8] = [1, 2, 3, 7, 16, 64, 512, usize::MAX];
    let max = MAX[usize::from(seed & 7)];
    let mut state = u32::from(seed >> 3).wrapping_mul(2_654_435_761) | 1;
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let size = if max == usize::MAX {
            rest.len()
        } else {
            1 + (state as usize) % max
        };
        let (piece, tail) = rest.split_at(size.min(rest.len()));
        out.push(piece);
        rest = tail;
    }
    out
}

/// `name:value` lines (value bytes kept as they are; a line starting with a space or a tab
/// continues the previous value, as the test suites fold them), up to an empty line.
fn header_lines(input: &mut Input<'_>) -> RawHeaders {
    let mut pairs: Vec<(String, Vec<u8>)> = Vec::new();
    loop {
        if input.0.is_empty() {
            break;
        }
        let line = input.line();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with(b" ") || line.starts_with(b"\t") {
            if let Some(last) = pairs.last_mut() {
                last.1.push(b'\n');
                last.1.extend_from_slice(line);
            }
            continue;
        }
        let at = line.iter().position(|b| *b == b':').unwrap_or(line.len());
        let name = String::from_utf8_lossy(&line[..at]).into_owned();
        let value = line.get(at + 1..).unwrap_or_default().to_vec();
        pairs.push((name, value));
    }
    RawHeaders::from_pairs(pairs)
}

/// Everything a parsed `AuthParams` offers, and the checks that need no secret; then a full
/// verification with some secret (which must refuse unless the input was signed with it).
fn exercise_auth<H: Headers + ?Sized>(request: &Request<'_, H>, auth: &AuthParams<'_>) {
    let _ = format!("{auth:?}");
    let hex = auth.signature_hex();
    let _ = auth.algorithm();
    let _ = auth.source();
    let _ = auth.credential.access_key_id();
    let _ = auth.credential.scope_str();
    let _ = auth.credential.is_region_less();
    let _ = format!("{:?}", auth.credential.scope());
    let _ = auth.signed_headers.iter().count();
    let _ = auth.date.date_stamp();
    let owned = auth.clone().into_owned();
    assert_eq!(owned.signature_hex(), hex, "into_owned kept the signature");
    let now = auth.date.as_offset();
    for settings in [SigningSettings::s3(), SigningSettings::standard()] {
        let verifier = Verifier::new(settings)
            .regions(["us-east-1"])
            .services(["s3", "service"]);
        let _ = verifier.check(request, auth, now);
        if auth.signature.as_ecdsa().is_none() {
            if let Err(e) =
                verifier.verify(request, auth, &SecretKey::new("fuzz"), EMPTY_SHA256, now)
            {
                let _ = (e.to_string(), format!("{e:?}"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// authorization_header: the first line is the Authorization value, the next lines headers
// ---------------------------------------------------------------------------------------

/// `AuthParams::from_header` over arbitrary text, and `AuthParams::from_request` over the
/// same value as raw bytes (which may not be UTF-8).
pub fn authorization_header(data: &[u8]) {
    let mut input = Input(data);
    let raw = input.line();
    let headers = header_lines(&mut input);
    let text = String::from_utf8_lossy(raw);
    let request = Request::new("GET", "/", "", &headers);
    if let Ok(auth) = AuthParams::from_header(&text, &headers) {
        exercise_auth(&request, &auth);
    }
    let mut with_header = headers.clone();
    with_header.push("authorization", raw);
    let request = Request::new("GET", "/", "", &with_header);
    if let Ok(auth) = AuthParams::from_request(&request) {
        exercise_auth(&request, &auth);
    }
}

// ---------------------------------------------------------------------------------------
// presigned_query: the bytes are a query string
// ---------------------------------------------------------------------------------------

/// `AuthParams::from_query` over arbitrary text, and `from_request` with it as the query.
pub fn presigned_query(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    let headers = RawHeaders::from_pairs([("host", "example.amazonaws.com")]);
    let request = Request::new("GET", "/", &query, &headers);
    if let Ok(auth) = AuthParams::from_query(&query) {
        exercise_auth(&request, &auth);
    }
    if let Ok(auth) = AuthParams::from_request(&request) {
        exercise_auth(&request, &auth);
    }
}

// ---------------------------------------------------------------------------------------
// canonical_request: `METHOD TARGET HTTP/1.1`, then header lines (the vectors' request.txt)
// ---------------------------------------------------------------------------------------

/// A request built from arbitrary parts, canonicalized with both settings: `hash`,
/// `Display` and `query_string` must not panic, and the hash is the SHA-256 of the display
/// whenever the text is UTF-8.
pub fn canonical_request(data: &[u8]) {
    let mut input = Input(data);
    let line = input.line();
    let line = String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line)).into_owned();
    let headers = header_lines(&mut input);
    let (method, target) = line.split_once(' ').unwrap_or((line.as_str(), ""));
    let target = target.strip_suffix(" HTTP/1.1").unwrap_or(target);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut names: Vec<&str> = headers.iter().map(|(n, _)| n).collect();
    names.push("host");
    let signed = SignedHeaders::from_names(names);
    let all_utf8 = headers.iter().all(|(_, v)| std::str::from_utf8(v).is_ok());
    let _ = normalize_path(path);
    for authority in [None, Some("example.amazonaws.com:8443")] {
        let request = Request::new(method, path, query, &headers).with_authority(authority);
        for settings in [SigningSettings::s3(), SigningSettings::standard()] {
            for payload in [EMPTY_SHA256, UNSIGNED_PAYLOAD] {
                let canonical = CanonicalRequest::new(
                    &request,
                    settings,
                    &signed,
                    payload,
                    &["X-Amz-Signature"],
                );
                let hash = canonical.hash();
                let text = canonical.to_string();
                let _ = canonical.query_string();
                let _ = format!("{canonical:?}");
                if all_utf8 {
                    assert_eq!(
                        sha256_hex(text.as_bytes()),
                        hex::encode(hash),
                        "the hash is the SHA-256 of the displayed canonical request"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// aws_chunked: a control header, then the body
// ---------------------------------------------------------------------------------------

/// The signing key, time, scope and seed signatures of the S3 documentation's chunked
/// examples (`put-object-chunked.json`, `put-object-chunked-trailer.json`), so that bodies
/// made from those examples verify and the fuzzer reaches past the first signature.
pub const DOC_SIGNING_KEY: &str =
    "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378";
/// `X-Amz-Date` of the S3 documentation's chunked examples.
pub const DOC_TIME: &str = "20130524T000000Z";
/// Their credential scope.
pub const DOC_SCOPE: &str = "20130524/us-east-1/s3/aws4_request";
/// The seed signature of `put-object-chunked.json`.
pub const DOC_SEED: &str = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
/// The seed signature of `put-object-chunked-trailer.json`.
pub const DOC_TRAILER_SEED: &str =
    "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";

/// The trailers a control byte can declare.
const TRAILER_CHOICES: [&[&str]; 4] = [
    &[],
    &["x-amz-checksum-crc32c"],
    &["x-amz-checksum-crc32"],
    &["x-amz-checksum-sha256"],
];

/// The chain of the documentation's examples, for a signed SigV4 framing (the harness
/// fuzzes the framing with HMAC chains: an ECDSA chain costs a verification per chunk).
pub fn doc_chunk_signer(framing: Framing) -> Option<ChunkChain> {
    let seed = match framing {
        Framing::Signed => DOC_SEED,
        Framing::SignedTrailer => DOC_TRAILER_SEED,
        Framing::UnsignedTrailer | Framing::EcdsaSigned | Framing::EcdsaSignedTrailer => {
            return None
        }
    };
    let mut key = [0u8; 32];
    hex::decode_to_slice(DOC_SIGNING_KEY, &mut key).ok()?;
    Some(ChunkChain::Hmac(ChunkSigner::new(
        SigningKey::from_bytes(key),
        AmzDate::parse(DOC_TIME)?,
        DOC_SCOPE,
        Signature::from_hex(seed)?,
    )))
}

/// The control header of an `aws_chunked` input (11 bytes), for making seeds.
pub fn aws_chunked_control(
    framing: Framing,
    trailers: u8,
    split: u8,
    limits: Option<Limits>,
    decoded_length: Option<u32>,
) -> Vec<u8> {
    let framing = match framing {
        Framing::Signed => 0,
        Framing::SignedTrailer => 1,
        Framing::UnsignedTrailer => 2,
        Framing::EcdsaSigned | Framing::EcdsaSignedTrailer => {
            unreachable!("the aws_chunked target fuzzes the SigV4 framings")
        }
    };
    let mut out = vec![framing | (trailers << 2), split];
    match limits {
        None => out.extend_from_slice(&[0; 7]),
        Some(l) => {
            out.push(1);
            for v in [l.max_chunk_size, l.max_header_line, l.max_trailer_bytes] {
                let v = u16::try_from(v).unwrap_or(u16::MAX);
                out.extend_from_slice(&v.to_be_bytes());
            }
        }
    }
    out.extend_from_slice(&decoded_length.unwrap_or(u32::MAX).to_be_bytes());
    out
}

/// The aws-chunked decoder in the three SigV4 framings: byte 0 the framing (low two bits) and the
/// declared trailers (next two), byte 1 the split points, byte 2 whether the next six bytes
/// are limits (three big-endian u16) or the defaults apply, then the decoded length (u32,
/// all ones for none), then the body, fed at the split points. The decoder must never
/// panic, never hand out a chunk over the limit, and never hold more than one chunk plus
/// the header and trailer limits.
pub fn aws_chunked(data: &[u8]) {
    let _ = aws_chunked_ends(data);
}

/// [`aws_chunked`], saying whether the body decoded to its end (for checking the seeds).
pub fn aws_chunked_ends(data: &[u8]) -> bool {
    let mut input = Input(data);
    let control = input.u8();
    let framing = [
        Framing::Signed,
        Framing::SignedTrailer,
        Framing::UnsignedTrailer,
    ][usize::from(control & 3) % 3];
    let trailers = TRAILER_CHOICES[usize::from((control >> 2) & 3)];
    let split = input.u8();
    let custom = input.u8() & 1 == 1;
    let (chunk, header, trailer) = (input.u16(), input.u16(), input.u16());
    let limits = if custom {
        Limits::default()
            .with_max_chunk_size(usize::from(chunk))
            .with_max_header_line(usize::from(header))
            .with_max_trailer_bytes(usize::from(trailer))
    } else {
        Limits::default()
    };
    let decoded_length = match input.u32() {
        u32::MAX => None,
        n => Some(u64::from(n)),
    };
    let body = input.rest();

    let mut decoder = Decoder::new(framing, limits, doc_chunk_signer(framing))
        .declared_trailers(trailers.iter().copied())
        .decoded_length(decoded_length);
    let mut pushed = 0usize;
    let mut released = 0usize;
    let mut data_events = 0usize;
    let mut ended = false;
    let mut handle = |event: Event, released: &mut usize, data_events: &mut usize| match event {
        Event::Data(bytes) => {
            assert!(!ended, "data after the end");
            assert!(
                bytes.len() <= limits.max_chunk_size,
                "a chunk of {} bytes over the {} limit",
                bytes.len(),
                limits.max_chunk_size
            );
            *released += bytes.len();
            *data_events += 1;
        }
        Event::End(found) => {
            assert!(!ended, "two ends");
            ended = true;
            for (name, _) in &found {
                assert!(
                    trailers.contains(&name.as_str()),
                    "trailer {name:?} was not declared"
                );
            }
            if let Some(n) = decoded_length {
                assert_eq!(n, *released as u64, "the decoded length was enforced");
            }
        }
    };
    for piece in pieces(body, split) {
        decoder.push(piece);
        pushed += piece.len();
        loop {
            match decoder.next_event() {
                Ok(Some(event)) => handle(event, &mut released, &mut data_events),
                Ok(None) => break,
                Err(e) => {
                    let _ = (e.kind(), e.code(), e.status(), e.to_string());
                    return false;
                }
            }
        }
        // What was pushed and not handed out: each chunk's framing (header line, CRLFs),
        // the chunk in progress and the trailers; anything more is held without bound.
        let framing_bytes = (data_events + 1) * (limits.max_header_line + 4);
        let held = pushed - released;
        let bound = framing_bytes
            + limits.max_chunk_size
            + limits.max_header_line
            + limits.max_trailer_bytes
            + 16;
        assert!(
            held <= bound,
            "{held} bytes held after {data_events} data events (bound {bound})"
        );
        let _ = decoder.remaining_hint();
    }
    loop {
        match decoder.finish() {
            Ok(Some(event)) => handle(event, &mut released, &mut data_events),
            Ok(None) => break,
            Err(e) => {
                let _ = (e.kind(), e.code(), e.status(), e.to_string());
                return false;
            }
        }
    }
    assert_eq!(decoder.decoded(), released as u64);
    assert!(
        decoder.is_done(),
        "finish returned without an error or the end"
    );
    assert!(ended, "done without an end event");
    true
}

// ---------------------------------------------------------------------------------------
// multipart_form: split byte, boundary line, body
// ---------------------------------------------------------------------------------------

/// The most bytes of one form field kept (the layer reads at most 20 KiB of fields).
const MAX_FIELD: usize = 20 * 1024;

/// Byte 0: the split points (low seven bits) and the mode (high bit). Then a line: the
/// boundary. Form mode: the body is a multipart/form-data body parsed at the split points;
/// its `policy` field, when there is one, is decoded and checked against the other fields.
/// Policy mode: the rest is a policy document (JSON), base64-encoded and checked against
/// the fields written on the boundary line as `name=value&…`.
pub fn multipart_form(data: &[u8]) {
    let mut input = Input(data);
    let control = input.u8();
    let boundary_line = String::from_utf8_lossy(input.line()).into_owned();
    let body = input.rest();
    let _ = MultipartParser::boundary(&boundary_line);
    let _ = MultipartParser::boundary(&format!(
        "multipart/form-data; boundary=\"{boundary_line}\""
    ));
    if control & 0x80 != 0 {
        let fields: Vec<(String, String)> = boundary_line
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
            .collect();
        let policy = base64::engine::general_purpose::STANDARD.encode(body);
        check_policy(&policy, &fields);
        return;
    }
    let boundary: String = boundary_line.chars().take(100).collect();
    let mut parser = MultipartParser::new(&boundary);
    let bound = MAX_PART_HEADER_BYTES + boundary.len() + 8;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, bool, Vec<u8>)> = None;
    let mut finished = false;
    let mut handle = |part: Part| -> bool {
        match part {
            Part::Start {
                name,
                filename,
                content_type,
            } => {
                let _ = content_type;
                if current.is_some() {
                    return false;
                }
                current = Some((name, filename.is_some(), Vec::new()));
            }
            Part::Data(bytes) => match current.as_mut() {
                Some((_, is_file, value)) => {
                    if !*is_file && value.len() < MAX_FIELD {
                        value.extend_from_slice(&bytes);
                    }
                }
                None => panic!("data outside a part"),
            },
            Part::End => {
                let Some((name, _, value)) = current.take() else {
                    panic!("end outside a part");
                };
                fields.push((
                    name.to_ascii_lowercase(),
                    String::from_utf8_lossy(&value).into_owned(),
                ));
            }
            Part::Finished => {
                assert!(!finished, "finished twice");
                finished = true;
            }
        }
        true
    };
    for piece in pieces(body, control & 0x7f) {
        parser.push(piece);
        loop {
            match parser.next_part() {
                Ok(Some(part)) => {
                    if !handle(part) {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = e.to_string();
                    return;
                }
            }
        }
        assert!(
            parser.buffered() <= bound,
            "the form parser holds {} bytes (bound {bound})",
            parser.buffered()
        );
    }
    loop {
        match parser.finish() {
            Ok(Some(part)) => {
                if !handle(part) {
                    return;
                }
            }
            Ok(None) => break,
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        }
    }
    assert!(parser.is_finished());
    let policy = fields
        .iter()
        .find(|(n, _)| n == "policy")
        .map(|(_, v)| v.clone());
    if let Some(policy) = policy {
        check_policy(&policy, &fields);
    }
}

/// Decodes a policy and checks the fields a day before, at and a day after its expiration.
fn check_policy(policy: &str, fields: &[(String, String)]) {
    let Ok(policy) = PostPolicy::from_base64(policy) else {
        return;
    };
    let bucket = fields
        .iter()
        .find(|(n, _)| n == "bucket")
        .map(|(_, v)| v.as_str());
    let expiration = policy.expiration();
    for now in [
        expiration - time::Duration::days(1),
        expiration,
        expiration + time::Duration::days(1),
    ] {
        match policy.check(fields, bucket, now) {
            Ok(Some((low, high))) => {
                let _ = (low, high);
            }
            Ok(None) => {}
            Err(e) => {
                let _ = (e.code(), e.status(), e.to_string());
            }
        }
        if now > expiration {
            assert!(
                policy.check(fields, bucket, now).is_err(),
                "an expired policy passed"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// sign_then_verify and mutate_then_verify: a request made of the fuzzer's bytes
// ---------------------------------------------------------------------------------------

const AKID: &str = "AKIDFUZZEXAMPLE";
const SECRET: &str = "fuzz/secret+key=with/odd+characters";
const HOST: &str = "example.amazonaws.com";

const METHODS: [&str; 7] = ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"];

/// Pieces of text: unreserved, reserved, `%`, `+`, spaces, dots, unicode.
const TEXT: [&str; 40] = [
    "a", "b", "z", "A", "Z", "0", "9", "key", " ", "  ", "+", "%", "%20", "%2B", "%2F", "%41", "-",
    ".", "_", "~", "!", "$", "'", "(", ")", "*", ",", ";", ":", "@", "=", "&", "?", "#", "[", "é",
    "日本", "🦀", "..", "/",
];

const HEADER_NAMES: [&str; 8] = [
    "x-amz-meta-a",
    "x-amz-meta-b",
    "x-custom",
    "content-type",
    "x-amz-acl",
    "x-amz-meta-a",
    "range",
    "x-amz-copy-source",
];

/// Visible ASCII, spaces, tabs and a few bytes over 0x7f (obs-text, allowed by `http`).
fn header_byte(b: u8) -> u8 {
    match b % 100 {
        0..=25 => b'a' + b % 26,
        26..=35 => b'0' + b % 10,
        36..=45 => b' ',
        46..=48 => b'\t',
        49..=59 => b"\"',;=/:%()"[usize::from(b % 10)],
        60..=69 => b'A' + b % 26,
        70..=79 => 0x80 + b % 0x7f,
        _ => b'!' + b % 94,
    }
}

/// Text from a byte: count, then that many pieces.
fn text(input: &mut Input<'_>) -> String {
    let n = input.u8() % 8;
    (0..n)
        .map(|_| TEXT[usize::from(input.u8()) % TEXT.len()])
        .collect()
}

/// Percent-encodes all but unreserved characters (and `/` in a path), or, loosely, leaves
/// the sub-delimiters a URI allows raw as some clients do.
fn encode(s: &str, path: bool, loose: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~".contains(&b)
            || (path && b == b'/')
            || (loose && b"!$'()*,;:@=+".contains(&b));
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Empty,
    Bytes,
    Unsigned,
    Precomputed,
}

/// A request before it is put on the wire.
#[derive(Debug)]
struct Case {
    method: &'static str,
    s3: bool,
    presign: bool,
    sigv4a: bool,
    token: Option<SessionTokenMode>,
    body_kind: Body,
    path: String,
    query: String,
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Vec<u8>,
    time: OffsetDateTime,
    expires: u64,
}

impl Case {
    fn new(input: &mut Input<'_>) -> Case {
        let flags = input.u8();
        let more = input.u8();
        let method = METHODS[usize::from(input.u8()) % METHODS.len()];
        let seconds = i64::from(input.u32());
        let time =
            OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let expires = 1 + u64::from(input.u32()) % 604_800;
        let s3 = flags & 1 == 1;
        let loose = flags & 0x80 != 0;
        let segments = input.u8() % 5;
        let mut path = String::new();
        for _ in 0..segments {
            path.push('/');
            let raw = text(input);
            if !s3 && (raw == "." || raw == "..") {
                path.push_str(&raw);
            } else {
                path.push_str(&encode(&raw, false, loose));
            }
        }
        let path = if s3 {
            format!("/bucket{path}")
        } else if path.is_empty() {
            "/".to_string()
        } else {
            path
        };
        let pairs = input.u8() % 5;
        let mut query = Vec::new();
        for i in 0..pairs {
            let key = format!("q{}", text(input));
            let value = text(input);
            let mut pair = format!(
                "{}={}",
                encode(&key, false, false),
                encode(&value, false, false)
            );
            if i % 2 == 1 {
                pair = pair.replace("%20", "+");
            }
            query.push(pair);
        }
        let count = input.u8() % 5;
        let mut headers = Vec::new();
        for _ in 0..count {
            let name = HEADER_NAMES[usize::from(input.u8()) % HEADER_NAMES.len()];
            let len = 1 + input.u8() % 12;
            let value: Vec<u8> = (0..len).map(|_| header_byte(input.u8())).collect();
            headers.push((name, value));
        }
        let body: Vec<u8> = input.rest().iter().copied().take(256).collect();
        let token = match (flags >> 2) & 3 {
            1 => Some(SessionTokenMode::Signed),
            2 => Some(SessionTokenMode::AppendAfter),
            _ => None,
        };
        let body_kind = [Body::Empty, Body::Bytes, Body::Unsigned, Body::Precomputed]
            [usize::from((flags >> 4) & 3)];
        Case {
            method,
            s3,
            presign: flags & 2 != 0,
            sigv4a: flags & 0x40 != 0 && more & 1 == 1,
            token,
            body_kind,
            path,
            query: query.join("&"),
            headers,
            body: if body_kind == Body::Empty {
                Vec::new()
            } else {
                body
            },
            time,
            expires,
        }
    }

    fn settings(&self) -> SigningSettings {
        if self.s3 {
            SigningSettings::s3()
        } else {
            SigningSettings::standard()
        }
    }

    /// The hash the signer signs and the verifier is given.
    fn payload_hash(&self) -> String {
        match self.body_kind {
            Body::Empty => EMPTY_SHA256.to_string(),
            Body::Bytes | Body::Precomputed => sha256_hex(&self.body),
            Body::Unsigned => UNSIGNED_PAYLOAD.to_string(),
        }
    }

    /// The signed request, or `None` when the signer refuses it (then there is nothing to
    /// verify).
    fn sign(&self) -> Option<(http::Request<Vec<u8>>, String)> {
        let target = if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        };
        let mut builder = http::Request::builder()
            .method(self.method)
            .uri(format!("https://{HOST}{target}"))
            .header("host", HOST);
        for (name, value) in &self.headers {
            let value = http::HeaderValue::from_bytes(value).ok()?;
            builder = builder.header(*name, value);
        }
        let mut request = builder.body(self.body.clone()).ok()?;
        let mut credentials = Credentials::new(AKID, SECRET);
        if self.token.is_some() {
            credentials = credentials.with_session_token("FQoGZXIvYXdzEFUaDFuzzToken/+=");
        }
        let service = if self.s3 { "s3" } else { "service" };
        let mut signer = Signer::new(credentials, "us-east-1", service);
        if self.s3 {
            signer = signer.s3();
        }
        if let Some(mode) = self.token {
            signer = signer.session_token_mode(mode);
        }
        if self.sigv4a {
            signer = signer.sigv4a("us-*");
        }
        let hash = self.payload_hash();
        let payload = match self.body_kind {
            Body::Empty => Payload::Empty,
            Body::Bytes => Payload::Bytes(&self.body),
            Body::Unsigned => Payload::Unsigned,
            Body::Precomputed => Payload::Precomputed(&hash),
        };
        let signed = if self.presign {
            signer.presign(&mut request, payload, self.expires, self.time)
        } else {
            signer.sign(&mut request, payload, self.time)
        };
        let signed = signed.ok()?;
        Some((request, signed.signed_headers))
    }

    fn verify(&self, request: &http::Request<Vec<u8>>) -> Result<String, String> {
        let view = Request::from_http(request);
        let auth = AuthParams::from_request(&view).map_err(|e| e.to_string())?;
        let verifier = Verifier::new(self.settings())
            .regions(["us-east-1"])
            .services(["service", "s3"])
            .key_cache(key_cache());
        verifier
            .verify(
                &view,
                &auth,
                &SecretKey::new(SECRET),
                &self.payload_hash(),
                self.time,
            )
            .map(|v| v.access_key_id.to_string())
            .map_err(|e| e.to_string())
    }
}

/// One key cache for every run (as a server has), so that repeated scopes are cheap.
fn key_cache() -> Arc<KeyCache> {
    static CACHE: std::sync::OnceLock<Arc<KeyCache>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| Arc::new(KeyCache::new(64))).clone()
}

/// Arbitrary request parts signed with `countersign_client::Signer` (header or presigned,
/// S3 or standard rules, session tokens, SigV4a) must verify with `Verifier`.
pub fn sign_then_verify(data: &[u8]) {
    let _ = sign_then_verify_signs(data);
}

/// [`sign_then_verify`], saying whether the signer signed the request (for checking the
/// seeds).
pub fn sign_then_verify_signs(data: &[u8]) -> bool {
    let case = Case::new(&mut Input(data));
    let Some((request, _)) = case.sign() else {
        return false;
    };
    match case.verify(&request) {
        Ok(id) => assert_eq!(id, AKID),
        Err(e) => panic!("a signed request was refused: {e}\n{case:#?}\n{request:#?}"),
    }
    true
}

/// The next character of the same class: digits, lower or upper case letters (hex digits
/// stay hex digits).
fn rotate(b: u8, hex_only: bool) -> u8 {
    match b {
        b'9' => {
            if hex_only {
                b'a'
            } else {
                b'0'
            }
        }
        b'0'..=b'8' => b + 1,
        b'f' if hex_only => b'0',
        b'z' => b'a',
        b'Z' => b'A',
        b'a'..=b'y' | b'A'..=b'Y' => b + 1,
        other => other,
    }
}

/// Positions of letters and digits in `s` that are not inside a `%XX` escape.
fn plain_alnum(s: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%'
            && s.len() > i + 2
            && s[i + 1].is_ascii_hexdigit()
            && s[i + 2].is_ascii_hexdigit()
        {
            i += 3;
            continue;
        }
        if s[i].is_ascii_alphanumeric() {
            out.push(i);
        }
        i += 1;
    }
    out
}

/// The same request with one byte changed: of the path, a query value, a signed header's
/// value or the signature (chosen by `kind`, at a place chosen by `at`), and what changed.
/// A change is always one that alters the request's meaning: a letter or digit outside any
/// `%XX`, and in a normalized path only in the last segment (`..` may remove the others).
fn mutate(
    case: &Case,
    request: &http::Request<Vec<u8>>,
    signed_headers: &str,
    kind: u8,
    at: u8,
) -> Option<(http::Request<Vec<u8>>, String)> {
    let pq = request.uri().path_and_query()?.as_str().to_string();
    let (path, query) = pq.split_once('?').unwrap_or((pq.as_str(), ""));
    let pick = |positions: &[usize]| {
        positions
            .get(usize::from(at) % positions.len().max(1))
            .copied()
    };
    let rebuild = |path: &str, query: &str| -> Option<http::Request<Vec<u8>>> {
        let mut changed = request.clone();
        let target = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        *changed.uri_mut() = format!("https://{HOST}{target}").parse().ok()?;
        Some(changed)
    };
    match kind % 4 {
        0 => {
            let start = if case.s3 {
                0
            } else {
                path.rfind('/').map_or(0, |i| i + 1)
            };
            let positions: Vec<usize> = plain_alnum(&path.as_bytes()[start..])
                .into_iter()
                .map(|i| i + start)
                .collect();
            if let Some(i) = pick(&positions) {
                let mut bytes = path.as_bytes().to_vec();
                bytes[i] = rotate(bytes[i], false);
                let new_path = String::from_utf8(bytes).ok()?;
                return Some((rebuild(&new_path, query)?, format!("path byte {i}")));
            }
        }
        1 => {
            let mut candidates = Vec::new();
            let mut offset = 0;
            for pair in query.split('&') {
                if let Some((key, value)) = pair.split_once('=') {
                    let unsigned_token = key == "X-Amz-Security-Token"
                        && case.token == Some(SessionTokenMode::AppendAfter);
                    if !unsigned_token {
                        let start = offset + key.len() + 1;
                        candidates
                            .extend(plain_alnum(value.as_bytes()).into_iter().map(|i| i + start));
                    }
                }
                offset += pair.len() + 1;
            }
            if let Some(i) = pick(&candidates) {
                let mut bytes = query.as_bytes().to_vec();
                let hex_only = false;
                bytes[i] = rotate(bytes[i], hex_only);
                let new_query = String::from_utf8(bytes).ok()?;
                return Some((rebuild(path, &new_query)?, format!("query byte {i}")));
            }
        }
        2 => {
            let mut candidates = Vec::new();
            for name in signed_headers.split(';') {
                for (index, value) in request.headers().get_all(name).iter().enumerate() {
                    for i in plain_alnum(value.as_bytes()) {
                        candidates.push((name.to_string(), index, i));
                    }
                }
            }
            if let Some((name, index, i)) = candidates
                .get(usize::from(at) % candidates.len().max(1))
                .cloned()
            {
                let mut changed = request.clone();
                let values: Vec<http::HeaderValue> = request
                    .headers()
                    .get_all(name.as_str())
                    .iter()
                    .cloned()
                    .collect();
                changed.headers_mut().remove(name.as_str());
                for (j, value) in values.into_iter().enumerate() {
                    let value = if j == index {
                        let mut bytes = value.as_bytes().to_vec();
                        bytes[i] = rotate(bytes[i], false);
                        http::HeaderValue::from_bytes(&bytes).ok()?
                    } else {
                        value
                    };
                    let name = http::HeaderName::from_bytes(name.as_bytes()).ok()?;
                    changed.headers_mut().append(name, value);
                }
                return Some((changed, format!("header {name} byte {i}")));
            }
        }
        _ => {}
    }
    // The signature, in the Authorization header or the query.
    if let Some(value) = request.headers().get("authorization") {
        let text = value.to_str().ok()?;
        let start = text.find("Signature=")? + "Signature=".len();
        let i = start + usize::from(at) % (text.len() - start).max(1);
        let mut bytes = text.as_bytes().to_vec();
        bytes[i] = rotate(bytes[i].to_ascii_lowercase(), true);
        let mut changed = request.clone();
        changed
            .headers_mut()
            .insert("authorization", http::HeaderValue::from_bytes(&bytes).ok()?);
        return Some((changed, format!("signature byte {i}")));
    }
    let start = query.find("X-Amz-Signature=")? + "X-Amz-Signature=".len();
    let end = query[start..].find('&').map_or(query.len(), |e| start + e);
    let i = start + usize::from(at) % (end - start).max(1);
    let mut bytes = query.as_bytes().to_vec();
    bytes[i] = rotate(bytes[i].to_ascii_lowercase(), true);
    let new_query = String::from_utf8(bytes).ok()?;
    Some((
        rebuild(path, &new_query)?,
        format!("query signature byte {i}"),
    ))
}

/// The same requests as `sign_then_verify`, with one byte changed (the first two input
/// bytes choose which): the verifier must refuse every one.
pub fn mutate_then_verify(data: &[u8]) {
    let mut input = Input(data);
    let kind = input.u8();
    let at = input.u8();
    let case = Case::new(&mut input);
    let Some((request, signed_headers)) = case.sign() else {
        return;
    };
    let Some((changed, what)) = mutate(&case, &request, &signed_headers, kind, at) else {
        return;
    };
    if let Ok(id) = case.verify(&changed) {
        panic!(
            "a request with its {what} changed was accepted (as {id})\n{case:#?}\nsigned: {request:#?}\nchanged: {changed:#?}"
        );
    }
}
