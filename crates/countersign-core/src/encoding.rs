//! URI encoding as SigV4 defines it: every byte but `A-Z a-z 0-9 - . _ ~` is written `%XX`
//! with upper-case hex.
//!
//! ```
//! use countersign_core::encoding::{encode_component, query_component};
//! assert_eq!(encode_component("a b/c").to_string(), "a%20b%2Fc");
//! // A raw `+` in a query is a space; an encoded one stays a plus.
//! assert_eq!(query_component("a+b%2Bc"), "a%20b%2Bc");
//! ```

use std::borrow::Cow;

use percent_encoding::{
    percent_encode, percent_encode_byte, AsciiSet, PercentEncode, NON_ALPHANUMERIC,
};

use crate::sink::Sink;

/// Bytes encoded in a query key or value (and anywhere outside a path): all but the
/// unreserved characters.
pub const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Bytes encoded in a path: as [`COMPONENT`], but `/` stays.
pub const PATH: &AsciiSet = &COMPONENT.remove(b'/');

/// Whether `b` is one of SigV4's unreserved characters.
pub fn is_unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// SigV4's unreserved characters, as a table (looked up for every byte of a query).
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

/// Encodes `s` as a query key or value (the `/` in a credential becomes `%2F`).
pub fn encode_component(s: &str) -> PercentEncode<'_> {
    percent_encode(s.as_bytes(), COMPONENT)
}

/// Writes `bytes` encoded with `set` into `out`.
pub(crate) fn write_encoded(out: &mut impl Sink, bytes: &[u8], set: &'static AsciiSet) {
    for piece in percent_encode(bytes, set) {
        out.put_str(piece);
    }
}

/// The value of a hex digit, if it is one.
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes the escape `%XY` that starts at `bytes[i]`, if there is a valid one.
fn escape_at(bytes: &[u8], i: usize) -> Option<u8> {
    if bytes.get(i) != Some(&b'%') {
        return None;
    }
    let hi = hex_value(*bytes.get(i + 1)?)?;
    let lo = hex_value(*bytes.get(i + 2)?)?;
    Some(hi << 4 | lo)
}

/// The byte a query string holds at `bytes[i]` and how many bytes spell it: `%XY` is the
/// byte XY, `+` a space, anything else itself (a `%` that starts no valid escape too).
fn query_byte_at(bytes: &[u8], i: usize) -> (u8, usize) {
    match (bytes.get(i), escape_at(bytes, i)) {
        (_, Some(d)) => (d, 3),
        (Some(b'+'), None) => (b' ', 1),
        (Some(&b), None) => (b, 1),
        (None, None) => (0, 1),
    }
}

/// Writes a path decoded and encoded once (S3 rules): every escape is decoded, then every
/// byte but the unreserved ones is encoded. A `/` that arrived as `%2F` stays `%2F`, so the
/// segments the client sent are the segments that are signed. A `%` that starts no valid
/// escape is taken literally.
pub(crate) fn write_path_reencoded(out: &mut impl Sink, path: &str) {
    let bytes = path.as_bytes();
    // Most paths arrive in canonical form (SDKs encode them so): those are written whole.
    if is_canonical(bytes, |b| is_unreserved(b) || b == b'/') {
        out.put(bytes);
        return;
    }
    let mut i = 0;
    let mut start = 0; // start of the current run that needs no change
    while i < bytes.len() {
        let b = bytes[i];
        if is_unreserved(b) || b == b'/' {
            i += 1;
            continue;
        }
        out.put(&bytes[start..i]);
        match escape_at(bytes, i) {
            Some(decoded) => {
                if is_unreserved(decoded) {
                    out.put(&[decoded]);
                } else {
                    out.put_str(percent_encode_byte(decoded));
                }
                i += 3;
            }
            None => {
                out.put_str(percent_encode_byte(b));
                i += 1;
            }
        }
        start = i;
    }
    out.put(&bytes[start..]);
}

/// The canonical form of one raw query key or value: `+` is a space, escapes are decoded,
/// and the result is encoded again with [`COMPONENT`]. Borrowed when already canonical.
#[inline]
pub fn query_component(raw: &str) -> Cow<'_, str> {
    if is_canonical_component(raw.as_bytes()) {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(reencode_component(raw.as_bytes()))
    }
}

/// A raw query key or value decoded and encoded again (the rare case, kept apart so that the
/// common one stays small enough to inline).
#[inline(never)]
fn reencode_component(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut i = 0;
    while i < bytes.len() {
        let (decoded, step) = query_byte_at(bytes, i);
        if is_unreserved(decoded) {
            out.push(char::from(decoded));
        } else {
            out.push_str(percent_encode_byte(decoded));
        }
        i += step;
    }
    out
}

/// Whether `raw` is already in canonical form: runs of unreserved bytes between escapes in
/// upper-case hex of bytes that are not unreserved (what signers write, `%2F` in a
/// credential).
fn is_canonical_component(raw: &[u8]) -> bool {
    is_canonical(raw, is_unreserved)
}

/// Whether `raw` is runs of bytes that stand for themselves (`literal`) between escapes in
/// upper-case hex of bytes that are not unreserved.
fn is_canonical(raw: &[u8], literal: impl Fn(u8) -> bool) -> bool {
    let mut i = 0;
    loop {
        match raw
            .get(i..)
            .and_then(|rest| rest.iter().position(|&b| !literal(b)))
        {
            Some(run) => i += run,
            None => return true,
        }
        match (raw.get(i + 1), raw.get(i + 2), escape_at(raw, i)) {
            (Some(hi), Some(lo), Some(decoded))
                if !hi.is_ascii_lowercase()
                    && !lo.is_ascii_lowercase()
                    && !is_unreserved(decoded) =>
            {
                i += 3
            }
            _ => return false,
        }
    }
}

/// Decodes a raw query key or value to its text (`+` is a space). Bytes that are not UTF-8
/// are replaced, so use this for parameters whose values are ASCII by definition.
pub fn decode_query_value(raw: &str) -> Cow<'_, str> {
    let bytes = raw.as_bytes();
    let Some(first) = memchr::memchr2(b'%', b'+', bytes) else {
        return Cow::Borrowed(raw);
    };
    // The runs between escapes are copied whole: a credential has four escapes in some
    // seventy bytes.
    let mut out = Vec::with_capacity(raw.len());
    out.extend_from_slice(&bytes[..first]);
    let mut i = first;
    while i < bytes.len() {
        // Here `bytes[i]` is `%` or `+`.
        let (decoded, step) = query_byte_at(bytes, i);
        out.push(decoded);
        i += step;
        let rest = bytes.get(i..).unwrap_or_default();
        let run = memchr::memchr2(b'%', b'+', rest).unwrap_or(rest.len());
        out.extend_from_slice(&rest[..run]);
        i += run;
    }
    // Valid UTF-8 (the usual case) becomes the string without a copy.
    Cow::Owned(
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// Splits a raw query string into `(key, value)` pairs; a parameter without `=` has an
/// empty value; empty parameters (`a=1&&b=2`) are skipped.
pub fn split_query(query: &str) -> impl Iterator<Item = (&str, &str)> {
    // `&` and `=` are ASCII, so cutting at them keeps the pieces UTF-8.
    let mut rest = query;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'&', rest.as_bytes()).unwrap_or(rest.len());
        let (parameter, after) = (&rest[..end], rest.get(end + 1..).unwrap_or(""));
        rest = after;
        if parameter.is_empty() {
            continue;
        }
        return Some(match memchr::memchr(b'=', parameter.as_bytes()) {
            Some(at) => (&parameter[..at], &parameter[at + 1..]),
            None => (parameter, ""),
        });
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reencoded(path: &str) -> String {
        let mut out = Vec::new();
        write_path_reencoded(&mut out, path);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn path_reencoding_is_stable_for_both_spellings() {
        assert_eq!(reencoded("/a+b"), "/a%2Bb");
        assert_eq!(reencoded("/a%2Bb"), "/a%2Bb");
        assert_eq!(reencoded("/a%2bb"), "/a%2Bb");
        assert_eq!(reencoded("/%7Euser"), "/~user");
        assert_eq!(reencoded("/test$file.text"), "/test%24file.text");
        assert_eq!(reencoded("/a%2Fb/c"), "/a%2Fb/c");
        assert_eq!(reencoded("/ሴ"), "/%E1%88%B4");
        assert_eq!(reencoded("/100%"), "/100%25");
        assert_eq!(reencoded("/%zz"), "/%25zz");
        assert_eq!(reencoded("/a b"), "/a%20b");
    }

    #[test]
    fn query_components() {
        // Already canonical: borrowed, not rebuilt.
        for canonical in [
            "AKID%2F20240524%2Fus-east-1",
            "host%3Bx-amz-date",
            "a%20b",
            "",
        ] {
            assert!(
                matches!(query_component(canonical), Cow::Borrowed(_)),
                "{canonical}"
            );
        }
        // Not canonical: an escaped unreserved byte, lower-case hex, a bare `%` or `+`.
        assert_eq!(query_component("%41b"), "Ab");
        assert_eq!(query_component("a%2fb"), "a%2Fb");
        assert_eq!(query_component("100%"), "100%25");
        assert_eq!(query_component("%4"), "%254");
        assert_eq!(query_component("abc-._~"), "abc-._~");
        assert_eq!(query_component("a b"), "a%20b");
        assert_eq!(query_component("a+b"), "a%20b");
        assert_eq!(query_component("a%2bb"), "a%2Bb");
        assert_eq!(query_component("%E1%88%B4"), "%E1%88%B4");
        assert_eq!(query_component("ሴ"), "%E1%88%B4");
        assert_eq!(query_component("%7E"), "~");
        assert_eq!(query_component("%"), "%25");
        assert_eq!(query_component("a/b=c"), "a%2Fb%3Dc");
    }

    #[test]
    fn decoding_agrees_with_a_byte_at_a_time_decoder() {
        // The rule applied a byte at a time, then UTF-8 with replacements.
        let reference = |raw: &str| {
            let bytes = raw.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                let (decoded, step) = query_byte_at(bytes, i);
                out.push(decoded);
                i += step;
            }
            String::from_utf8_lossy(&out).into_owned()
        };
        // Every string of up to five of these characters.
        let alphabet = ['%', '+', 'a', 'F', '2', 'e', '9', 'é'];
        let mut strings = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = strings
                .iter()
                .filter(|s| s.chars().count() == strings.last().map_or(0, |l| l.chars().count()))
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(longer);
        }
        assert!(strings.len() > 30_000);
        for raw in &strings {
            assert_eq!(decode_query_value(raw), reference(raw), "{raw:?}");
        }
    }

    #[test]
    fn decoding_and_splitting() {
        assert_eq!(decode_query_value("AKID%2F2015"), "AKID/2015");
        assert_eq!(decode_query_value("a+b"), "a b");
        assert_eq!(decode_query_value("%E1%88%B4%FF"), "ሴ\u{FFFD}");
        let pairs: Vec<_> = split_query("a=1&&b&c=&=d").collect();
        assert_eq!(pairs, vec![("a", "1"), ("b", ""), ("c", ""), ("", "d")]);
        for (query, expected) in [
            ("", vec![]),
            ("&", vec![]),
            ("&&a=1&", vec![("a", "1")]),
            ("a=b=c", vec![("a", "b=c")]),
            ("é=ü&ß", vec![("é", "ü"), ("ß", "")]),
        ] {
            assert_eq!(
                split_query(query).collect::<Vec<_>>(),
                expected,
                "{query:?}"
            );
        }
    }
}
