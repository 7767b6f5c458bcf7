//! The canonical request: method, URI, query, headers, signed headers and payload hash,
//! each in the one spelling SigV4 signs.
//!
//! ```
//! use countersign_core::{CanonicalRequest, RawHeaders, Request, SignedHeaders, SigningSettings};
//! let headers = RawHeaders::from_pairs([("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")]);
//! let request = Request::new("GET", "/a b/./c", "b=2&a=1", &headers);
//! let signed = SignedHeaders::parse("host;x-amz-date", countersign_core::AuthSource::Header).unwrap();
//! let creq = CanonicalRequest::new(&request, SigningSettings::default(), &signed, countersign_core::EMPTY_SHA256, &[]);
//! assert_eq!(
//!     creq.to_string(),
//!     "GET\n/a%20b/c\na=1&b=2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\
//!      e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
//! );
//! ```

use std::borrow::Cow;
use std::fmt;

use smallvec::SmallVec;

use crate::encoding::{query_component, split_query, write_encoded, write_path_reencoded, PATH};
use crate::error::{AuthSource, Error};
use crate::request::{Headers, Request};
use crate::sink::{sha256_of, FmtSink, Sink};

/// How the path is turned into the canonical URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathEncoding {
    /// S3: the path is decoded and encoded once, so `/a+b` and `/a%2Bb` both sign as `/a%2Bb`.
    Single,
    /// Every other service: the path as sent is encoded again, so `/a%20b` signs as `/a%2520b`.
    Double,
}

/// The choices that differ between S3 and the other AWS services: [`SigningSettings::s3`],
/// [`SigningSettings::standard`] (the default), or either changed with the `with_…` methods.
///
/// ```
/// use countersign_core::{PathEncoding, SigningSettings};
/// let settings = SigningSettings::standard().with_normalize_path(false);
/// assert_eq!(settings.path_encoding, PathEncoding::Double);
/// assert!(!settings.normalize_path);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningSettings {
    /// Single (S3) or double URI encoding of the path.
    pub path_encoding: PathEncoding,
    /// Whether `.`/`..` segments and repeated slashes are removed (never for S3).
    pub normalize_path: bool,
}

impl SigningSettings {
    /// S3's rules: single encoding, no normalization.
    pub const fn s3() -> Self {
        SigningSettings {
            path_encoding: PathEncoding::Single,
            normalize_path: false,
        }
    }

    /// Every other service: paths normalized and encoded twice.
    pub const fn standard() -> Self {
        SigningSettings {
            path_encoding: PathEncoding::Double,
            normalize_path: true,
        }
    }

    /// The same settings with the path encoded as `encoding` says.
    pub const fn with_path_encoding(mut self, encoding: PathEncoding) -> Self {
        self.path_encoding = encoding;
        self
    }

    /// The same settings, with `.`/`..` segments and repeated slashes removed from the path
    /// or not.
    pub const fn with_normalize_path(mut self, normalize: bool) -> Self {
        self.normalize_path = normalize;
        self
    }
}

impl Default for SigningSettings {
    /// The rules of every service but S3.
    fn default() -> Self {
        Self::standard()
    }
}

/// The bytes of a header name as SignedHeaders may list it: lower-case token characters
/// (RFC 9110), no upper case.
const HEADER_NAME_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    table
};

/// The bytes of a SignedHeaders list: those of a name, and the `;` between names.
const LIST_BYTE: [bool; 256] = {
    let mut table = HEADER_NAME_BYTE;
    table[b';' as usize] = true;
    table
};

/// The longest SignedHeaders list [`SignedHeaders::position`] scans rather than searches.
const SCAN_NAMES: usize = 16;

/// The `SignedHeaders` list: lower-case names, sorted, separated by `;`.
///
/// Where each name ends is found once, when the list is parsed, so that the verifier can find
/// a header's position in the list ([`SignedHeaders::position`]) and walk the names without
/// splitting the text again.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedHeaders<'a> {
    list: Cow<'a, str>,
    /// The end of each name in `list`; the next one starts a byte later.
    ends: SmallVec<[u32; 16]>,
    /// Which lengths the names have ([`length_bit`]): most headers that are not signed are
    /// told apart by their length alone, without a scan.
    lengths: u64,
}

/// Whether `a` sorts before `b`, byte by byte. Neighbouring names in a list mostly differ in
/// their first byte, which decides here without a call to compare the slices.
#[inline]
fn sorts_before(a: &[u8], b: &[u8]) -> bool {
    match (a.first(), b.first()) {
        (Some(x), Some(y)) if x != y => x < y,
        _ => a < b,
    }
}

/// The bit of a name of `length` bytes in [`SignedHeaders`]' lengths (one bit for every
/// length from 63 on).
fn length_bit(length: usize) -> u64 {
    1 << length.min(63)
}

impl<'a> SignedHeaders<'a> {
    /// Parses a list as a client sent it. It must be non-empty, lower-case, sorted and free of
    /// repeats, as every AWS signer writes it.
    pub fn parse(list: impl Into<Cow<'a, str>>, source: AuthSource) -> Result<Self, Error> {
        let list = list.into();
        let bytes = list.as_bytes();
        let too_long = || Error::malformed(source, "SignedHeaders is too long");
        if u32::try_from(bytes.len()).is_err() {
            return Err(too_long());
        }
        // Every byte must be a name byte or a `;`, each name non-empty and sorted after the
        // one before it.
        let bad_name = |name: &[u8]| {
            let shown = String::from_utf8_lossy(name);
            Error::malformed(
                source,
                format!("SignedHeaders must be lower-case header names separated by ';', found {shown:?}"),
            )
        };
        // One sweep finds the separators and checks every byte (the list's length fits a
        // `u32`, checked above); then each name.
        let mut ends: SmallVec<[u32; 16]> = SmallVec::new();
        let mut valid = true;
        for (at, &b) in bytes.iter().enumerate() {
            if b == b';' {
                ends.push(at as u32);
            }
            valid &= LIST_BYTE[usize::from(b)];
        }
        ends.push(bytes.len() as u32);
        if !valid {
            let invalid = bytes
                .split(|&b| b == b';')
                .find(|name| !name.iter().all(|&b| HEADER_NAME_BYTE[usize::from(b)]));
            return Err(bad_name(invalid.unwrap_or(bytes)));
        }
        let mut lengths = 0;
        let mut previous: &[u8] = &[];
        let mut start = 0;
        for &end in &ends {
            let name = bytes.get(start..end as usize).unwrap_or_default();
            if name.is_empty() {
                return Err(bad_name(name));
            }
            if start > 0 && !sorts_before(previous, name) {
                let (shown, after) = (
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(previous),
                );
                return Err(Error::malformed(
                    source,
                    format!("SignedHeaders must be sorted and without repeats, found {shown:?} after {after:?}"),
                ));
            }
            lengths |= length_bit(name.len());
            previous = name;
            start = end as usize + 1;
        }
        Ok(SignedHeaders {
            list,
            ends,
            lengths,
        })
    }

    /// Builds a list from any names: lower-cased, sorted, repeats removed.
    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> SignedHeaders<'static> {
        // A signer's dozen names fit on the stack; only the list itself is allocated.
        let names: SmallVec<[S; 16]> = names.into_iter().collect();
        let mut lower: SmallVec<[Cow<'_, str>; 16]> = names
            .iter()
            .map(|n| {
                let n = n.as_ref();
                if n.bytes().any(|b| b.is_ascii_uppercase()) {
                    Cow::Owned(n.to_ascii_lowercase())
                } else {
                    Cow::Borrowed(n)
                }
            })
            .collect();
        lower.sort_unstable();
        lower.dedup();
        let mut list = String::with_capacity(lower.iter().map(|n| n.len() + 1).sum());
        let mut ends = SmallVec::with_capacity(lower.len());
        let mut lengths = 0;
        for name in &lower {
            if !ends.is_empty() {
                list.push(';');
            }
            list.push_str(name);
            ends.push(u32::try_from(list.len()).unwrap_or(u32::MAX));
            lengths |= length_bit(name.len());
        }
        SignedHeaders {
            list: Cow::Owned(list),
            ends,
            lengths,
        }
    }

    /// How many names the list holds.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the list is empty (only a list built from no names is).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The name at `index` (in sorted order); empty past the end.
    pub fn name(&self, index: usize) -> &str {
        let start = match index {
            0 => 0,
            i => self.ends.get(i - 1).map_or(usize::MAX, |&e| e as usize + 1),
        };
        let end = self.ends.get(index).map_or(0, |&e| e as usize);
        self.list.get(start..end).unwrap_or("")
    }

    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let list: &str = &self.list;
        self.ends.iter().scan(0, move |start, &end| {
            let name = list.get(*start..end as usize).unwrap_or("");
            *start = end as usize + 1;
            Some(name)
        })
    }

    /// Where `name` (lower-case) is in the list, if it is. A short list is scanned, comparing
    /// lengths first (most names differ in length); a long one is searched by halves.
    #[inline]
    pub fn position(&self, name: &str) -> Option<usize> {
        let name = name.as_bytes();
        if self.lengths & length_bit(name.len()) == 0 {
            return None;
        }
        if self.ends.len() <= SCAN_NAMES {
            let mut start = 0;
            for (index, &end) in self.ends.iter().enumerate() {
                let end = end as usize;
                let length = end.saturating_sub(start);
                if length == name.len() && self.list.as_bytes().get(start..end) == Some(name) {
                    return Some(index);
                }
                start = end + 1;
            }
            return None;
        }
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.name(middle).as_bytes().cmp(name) {
                std::cmp::Ordering::Equal => return Some(middle),
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
            }
        }
        None
    }

    /// Whether `name` (lower-case) is in the list.
    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// The list as written in the canonical request.
    pub fn as_str(&self) -> &str {
        &self.list
    }

    /// The list's text, owned (without a copy when it already was).
    pub fn into_string(self) -> String {
        self.list.into_owned()
    }

    /// The same list, owning its text.
    pub fn into_owned(self) -> SignedHeaders<'static> {
        SignedHeaders {
            list: Cow::Owned(self.list.into_owned()),
            ends: self.ends,
            lengths: self.lengths,
        }
    }
}

impl fmt::Display for SignedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.list)
    }
}

impl fmt::Debug for SignedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignedHeaders({})", self.list)
    }
}

/// The canonical request of one request, ready to be hashed or printed.
pub struct CanonicalRequest<'a, H: ?Sized> {
    request: &'a Request<'a, H>,
    settings: SigningSettings,
    signed_headers: &'a SignedHeaders<'a>,
    payload_hash: &'a str,
    skip_query: &'a [&'a str],
    /// The signed headers' values, found already.
    values: Option<&'a [(usize, &'a [u8])]>,
}

impl<'a, H: Headers + ?Sized> CanonicalRequest<'a, H> {
    /// Canonicalizes `request`. Query parameters whose canonical key is in `skip_query` are
    /// left out (`X-Amz-Signature` in a presigned URL).
    pub fn new(
        request: &'a Request<'a, H>,
        settings: SigningSettings,
        signed_headers: &'a SignedHeaders<'a>,
        payload_hash: &'a str,
        skip_query: &'a [&'a str],
    ) -> Self {
        CanonicalRequest {
            request,
            settings,
            signed_headers,
            payload_hash,
            skip_query,
            values: None,
        }
    }

    /// Takes the signed headers' values found already (by
    /// [`Verifier::check_and_gather`](crate::Verifier::check_and_gather)) instead of finding them
    /// in the request's headers. Values found for another SignedHeaders list are not used.
    /// For the server's hot path; not a part of the documented API.
    #[doc(hidden)]
    pub fn with_values(mut self, values: &'a SignedValues<'_>) -> Self {
        if values.list == identity(self.signed_headers) {
            self.values = Some(values.values.as_slice());
        }
        self
    }

    /// Writes the canonical request into `out` (a `Vec<u8>`, or a hasher). For the client;
    /// not a part of the documented API (`to_string` gives the text, [`Self::hash`] its hash).
    #[doc(hidden)]
    pub fn write_to(&self, out: &mut impl Sink) {
        out.put_str(self.request.method);
        out.put(b"\n");
        write_uri(out, self.request.path, self.settings);
        out.put(b"\n");
        self.write_query(out);
        out.put(b"\n");
        let gathered;
        let values = match self.values {
            Some(values) => values,
            None => {
                gathered = SignedValues::gather(self.request.headers, self.signed_headers);
                gathered.values.as_slice()
            }
        };
        let mut values = values.iter().peekable();
        for (index, name) in self.signed_headers.iter().enumerate() {
            out.put_str(name);
            out.put(b":");
            let mut first = true;
            while let Some((_, value)) = values.next_if(|(i, _)| *i == index) {
                if !first {
                    out.put(b",");
                }
                write_header_value(out, value);
                first = false;
            }
            if first && name == "host" {
                if let Some(authority) = self.request.authority {
                    write_header_value(out, authority.as_bytes());
                }
            }
            out.put(b"\n");
        }
        out.put(b"\n");
        out.put_str(self.signed_headers.as_str());
        out.put(b"\n");
        out.put_str(self.payload_hash);
    }

    /// The SHA-256 of the canonical request, as the string to sign carries it.
    pub fn hash(&self) -> [u8; 32] {
        sha256_of(|h| self.write_to(h))
    }

    fn write_query(&self, out: &mut impl Sink) {
        // Each key and value encoded the one canonical way, then sorted by key and value. A
        // typical query fits on the stack.
        // Pushed one by one: `collect` brings in `SmallVec`'s larger `extend`.
        let mut query: SmallVec<[(Cow<'_, str>, Cow<'_, str>); 8]> = SmallVec::new();
        for (k, v) in split_query(self.request.query) {
            let k = query_component(k);
            if !self.skip_query.contains(&k.as_ref()) {
                query.push((k, query_component(v)));
            }
        }
        query.sort_unstable();
        for (i, (k, v)) in query.iter().enumerate() {
            if i > 0 {
                out.put(b"&");
            }
            out.put_str(k);
            out.put(b"=");
            out.put_str(v);
        }
    }

    /// The canonical query string alone (`a=1&b=2`).
    pub fn query_string(&self) -> String {
        let mut out = Vec::new();
        self.write_query(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl<H: Headers + ?Sized> fmt::Display for CanonicalRequest<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sink = FmtSink { f, result: Ok(()) };
        self.write_to(&mut sink);
        sink.result
    }
}

impl<H: Headers + ?Sized> fmt::Debug for CanonicalRequest<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CanonicalRequest({:?})", self.to_string())
    }
}

/// The values of a request's signed headers, each with the position of its name in the
/// SignedHeaders list, in the order the canonical request writes them.
///
/// [`Verifier::check_and_gather`](crate::Verifier::check_and_gather) finds them in the pass over
/// the headers its checks make, and the canonical request then takes them
/// ([`CanonicalRequest::with_values`]) instead of passing over the headers again.
#[derive(Debug, Clone)]
pub struct SignedValues<'a> {
    values: SmallVec<[(usize, &'a [u8]); 8]>,
    /// Which list they were found for ([`identity`]): values found for another list are not
    /// used.
    list: [u64; 4],
}

impl<'a> SignedValues<'a> {
    /// None yet, for the names of `signed` (filled in place: the values are a few hundred
    /// bytes on the stack, not moved from one frame to the next).
    pub(crate) fn for_list(signed: &SignedHeaders<'_>) -> Self {
        SignedValues {
            values: SmallVec::new(),
            list: identity(signed),
        }
    }

    /// The value of a header whose name is at `index` in the list, in the order the headers
    /// came.
    #[inline]
    pub(crate) fn push(&mut self, index: usize, value: &'a [u8]) {
        self.values.push((index, value));
    }

    /// Puts the values in the order of their names, once all are in. Stable: the values of
    /// a repeated header keep the order they were sent in.
    pub(crate) fn sort(&mut self) {
        self.values.sort_by_key(|(index, _)| *index);
    }

    /// How many names of the list have a value, once sorted.
    pub(crate) fn names_found(&self) -> usize {
        let mut found = 0;
        let mut last = None;
        for &(index, _) in &self.values {
            if last != Some(index) {
                found += 1;
                last = Some(index);
            }
        }
        found
    }

    /// Whether the name at `index` in the list has a value, once sorted.
    pub(crate) fn has(&self, index: usize) -> bool {
        self.values
            .binary_search_by_key(&index, |&(i, _)| i)
            .is_ok()
    }

    fn gather<H: Headers + ?Sized>(headers: &'a H, signed: &SignedHeaders<'_>) -> Self {
        let mut values = Self::for_list(signed);
        for (name, value) in headers.entries() {
            if let Some(index) = signed.position(name) {
                values.push(index, value);
            }
        }
        values.sort();
        values
    }
}

/// Which list values were found for: where its text is, its length, how many names it has
/// and of which lengths. A list is only ever given the values found for it while both are
/// alive, so its text is where it was; the rest tells it from a list made later in the place
/// of one dropped.
fn identity(signed: &SignedHeaders<'_>) -> [u64; 4] {
    let text = signed.as_str();
    [
        text.as_ptr() as u64,
        text.len() as u64,
        signed.len() as u64,
        signed.lengths,
    ]
}

/// Writes the canonical URI of `path`.
fn write_uri(out: &mut impl Sink, path: &str, settings: SigningSettings) {
    let path = if path.is_empty() { "/" } else { path };
    let path = if settings.normalize_path {
        normalize_path(path)
    } else {
        Cow::Borrowed(path)
    };
    match settings.path_encoding {
        PathEncoding::Double => write_encoded(out, path.as_bytes(), PATH),
        PathEncoding::Single => write_path_reencoded(out, &path),
    }
}

/// Removes `.` and `..` segments and empty segments (repeated slashes), RFC 3986 style; a
/// path that ended in a directory keeps its trailing slash.
pub fn normalize_path(path: &str) -> Cow<'_, str> {
    if !path.contains("//") && !path.contains("/.") && path.starts_with('/') {
        return Cow::Borrowed(path);
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let last = path.rsplit('/').next().unwrap_or("");
    let directory = path.ends_with('/') || last == "." || last == "..";
    let mut out = String::with_capacity(path.len());
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    if directory || segments.is_empty() {
        out.push('/');
    }
    Cow::Owned(out)
}

/// Writes a header value trimmed, with every run of whitespace (including the line breaks
/// of a folded value) written as one space.
fn write_header_value(out: &mut impl Sink, value: &[u8]) {
    // Most values hold no byte at or below the space: those are written as they are. The
    // check runs over every byte without stopping early, which the compiler vectorizes.
    if !value.iter().fold(false, |any, &b| any | (b <= b' ')) {
        out.put(value);
        return;
    }
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = value
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |i| i + 1);
    let value = &value[start..end];
    let mut run_start = 0;
    let mut i = 0;
    while i < value.len() {
        if is_space(&value[i]) {
            out.put(&value[run_start..i]);
            out.put(b" ");
            while i < value.len() && is_space(&value[i]) {
                i += 1;
            }
            run_start = i;
        } else {
            i += 1;
        }
    }
    out.put(&value[run_start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_found_for_another_list_are_not_used() {
        let headers = crate::request::RawHeaders::from_pairs([
            ("Host", "example.com"),
            ("X-Amz-Date", "20150830T123600Z"),
            ("A", "1"),
        ]);
        let request = Request::new("GET", "/", "", &headers);
        let short = SignedHeaders::parse("host;x-amz-date", AuthSource::Header).unwrap();
        let long = SignedHeaders::parse("a;host;x-amz-date", AuthSource::Header).unwrap();
        let canonical =
            |signed| CanonicalRequest::new(&request, SigningSettings::default(), signed, "-", &[]);
        let for_long = SignedValues::gather(&headers, &long);
        let for_short = SignedValues::gather(&headers, &short);
        let expected = canonical(&long).to_string();
        assert!(expected.contains("a:1\nhost:example.com\nx-amz-date:20150830T123600Z\n"));
        assert_eq!(
            canonical(&long).with_values(&for_long).to_string(),
            expected
        );
        assert_eq!(
            canonical(&long).with_values(&for_short).to_string(),
            expected
        );
        // The same text elsewhere is another list too.
        let copy = SignedHeaders::parse(long.as_str().to_string(), AuthSource::Header).unwrap();
        let for_copy = SignedValues::gather(&headers, &copy);
        assert_eq!(
            canonical(&long).with_values(&for_copy).to_string(),
            expected
        );
    }

    #[test]
    fn normalizes_like_rfc3986() {
        for (input, expected) in [
            ("/", "/"),
            ("//", "/"),
            ("/./", "/"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/./example", "/example"),
            ("//example//", "/example/"),
            ("/a/b/..", "/a/"),
            ("/a/./b/.", "/a/b/"),
            ("/../a", "/a"),
            ("/.hidden", "/.hidden"),
        ] {
            assert_eq!(normalize_path(input), expected, "{input}");
        }
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        for (input, expected) in [
            (&b"  value1  "[..], &b"value1"[..]),
            (b"\"a   b   c\"", b"\"a b c\""),
            (b"value1\n  value2\n     value3", b"value1 value2 value3"),
            (b"a\t\tb", b"a b"),
            (b"   ", b""),
            (b"", b""),
        ] {
            let mut out = Vec::new();
            write_header_value(&mut out, input);
            assert_eq!(out, expected);
        }
    }

    /// The quick order of two names agrees with the order of their bytes, for every pair of
    /// names of up to three bytes of a small alphabet.
    #[test]
    fn sorts_before_is_byte_order() {
        let alphabet = [b'-', b'a', b'b'];
        let mut names: Vec<Vec<u8>> = vec![Vec::new()];
        for length in 1..=3 {
            let shorter: Vec<Vec<u8>> = names
                .iter()
                .filter(|n| n.len() == length - 1)
                .cloned()
                .collect();
            for name in shorter {
                for &b in &alphabet {
                    names.push([name.as_slice(), &[b]].concat());
                }
            }
        }
        assert_eq!(names.len(), 40);
        for a in &names {
            for b in &names {
                assert_eq!(sorts_before(a, b), a < b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn signed_headers_are_strict() {
        for (list, accepted) in [
            ("host;x-amz-date", true),
            ("x-amz-content-sha256;x-amz-date", true),
            ("a;ab", true),
            ("a;b;ba", true),
            ("", false),
            ("host;", false),
            (";host", false),
            ("Host;x-amz-date", false),
            ("x-amz-date;host", false),
            ("x-amz-date;x-amz-content-sha256", false),
            ("ab;a", false),
            ("a;b;b", false),
            ("host;host", false),
            ("ho st", false),
        ] {
            let parsed = SignedHeaders::parse(list, AuthSource::Header);
            assert_eq!(parsed.is_ok(), accepted, "{list:?}");
        }
        assert_eq!(
            SignedHeaders::from_names(["X-Amz-Date", "host", "host"]).as_str(),
            "host;x-amz-date"
        );
        // Names of every length, long ones included, are found where they are (parsed or
        // built); names of the same lengths that are not in the list are not.
        let names: Vec<String> = [1, 5, 62, 63, 64, 100]
            .iter()
            .map(|&n| "x".repeat(n))
            .collect();
        let built = SignedHeaders::from_names(&names);
        let parsed = SignedHeaders::parse(built.as_str(), AuthSource::Header)
            .unwrap_or_else(|_| SignedHeaders::from_names(["unparsed"]));
        for list in [&built, &parsed] {
            for (index, name) in names.iter().enumerate() {
                assert_eq!(list.position(name), Some(index), "{}", name.len());
                assert_eq!(list.position(&"y".repeat(name.len())), None);
            }
            for absent in [2, 61, 65, 99, 101] {
                assert_eq!(list.position(&"x".repeat(absent)), None, "{absent}");
            }
        }
        // `contains` finds every name of lists of any length, and nothing else.
        for count in 1..40 {
            let names: Vec<String> = (0..count).map(|i| format!("h{i:03}")).collect();
            let list = SignedHeaders::from_names(&names);
            for name in &names {
                assert!(list.contains(name), "{name} in {list}");
            }
            for absent in ["", "h", "h0", "h0000", "a", "z", "h999", "h00;h001"] {
                assert!(!list.contains(absent), "{absent:?} in {list}");
            }
        }
    }
}
