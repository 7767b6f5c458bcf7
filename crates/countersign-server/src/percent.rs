//! Percent-decoding of the parts of a request the layer names operations by (an S3 path, a
//! query's names and values), strict about UTF-8, in one pass that copies the runs between
//! escapes whole (the `percent-encoding` crate's decoder grows its output a byte at a time,
//! which costs more than the rest of naming an operation), into a vector or onto the end of
//! a text being made (an address's ARN).

use std::borrow::Cow;

/// Decodes `raw`: `%XY` is the byte `XY` (a `%` not followed by two hex digits is itself), and
/// with `plus_is_space` a `+` is a space (a query's form encoding). `None` if the bytes are
/// not UTF-8. Borrows `raw` when there is nothing to decode.
pub(crate) fn decode(raw: &str, plus_is_space: bool) -> Option<Cow<'_, str>> {
    if special(raw.as_bytes(), plus_is_space).is_none() {
        return Some(Cow::Borrowed(raw));
    }
    let mut out = Vec::with_capacity(raw.len());
    decode_into(raw, plus_is_space, &mut out);
    String::from_utf8(out).ok().map(Cow::Owned)
}

/// Decodes `raw` as [`decode`] does, onto the end of `out`, without checking that the
/// result is UTF-8: the caller checks what it made, once.
pub(crate) fn decode_into(raw: &str, plus_is_space: bool, out: &mut impl Output) {
    let bytes = raw.as_bytes();
    // The start of the run of bytes kept as they are, copied whole when it ends, and where
    // the next byte that may change is looked for.
    let mut run = 0;
    let mut from = 0;
    while let Some(at) = bytes
        .get(from..)
        .and_then(|rest| special(rest, plus_is_space))
        .map(|found| from + found)
    {
        let decoded = match bytes.get(at) {
            Some(b'%') => match bytes.get(at + 1..at + 3) {
                Some(&[hi, lo]) => hex(hi).zip(hex(lo)).map(|(hi, lo)| (hi << 4 | lo, 3)),
                _ => None,
            },
            // A `+`, found only when it is a space.
            _ => Some((b' ', 1)),
        };
        match decoded {
            Some((byte, used)) => {
                out.put(&bytes[run..at]);
                out.put(&[byte]);
                from = at + used;
                run = from;
            }
            None => from = at + 1,
        }
    }
    out.put(&bytes[run..]);
}

/// Where decoded bytes go: a vector, or a text being made (an address's ARN).
pub(crate) trait Output {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

impl Output for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Where the first byte that decoding changes is: a `%`, or with `plus_is_space` a `+`.
/// A plain scan: the parts decoded are short, shorter than a vectorized search takes to set
/// up.
fn special(bytes: &[u8], plus_is_space: bool) -> Option<usize> {
    // Two loops, so that neither tests `plus_is_space` for each byte.
    match plus_is_space {
        true => bytes.iter().position(|&b| b == b'%' || b == b'+'),
        false => bytes.iter().position(|&b| b == b'%'),
    }
}

fn hex(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn text_without_escapes_is_borrowed() {
        assert!(matches!(
            decode("a/b c+d", false),
            Some(std::borrow::Cow::Borrowed("a/b c+d"))
        ));
    }

    #[test]
    fn escapes_are_decoded_and_runs_kept() {
        assert_eq!(
            decode("trip%20one.jpg", false).as_deref(),
            Some("trip one.jpg")
        );
        assert_eq!(decode("%E2%82%AC%2f", false).as_deref(), Some("€/"));
    }

    #[test]
    fn a_plus_is_a_space_only_in_form_encoding() {
        assert_eq!(decode("a+b%2B", true).as_deref(), Some("a b+"));
        assert_eq!(decode("a+b%2B", false).as_deref(), Some("a+b+"));
    }

    #[test]
    fn a_percent_without_two_hex_digits_is_itself() {
        assert_eq!(decode("100%", false).as_deref(), Some("100%"));
        assert_eq!(decode("%zz%4", false).as_deref(), Some("%zz%4"));
        assert_eq!(decode("%%41", false).as_deref(), Some("%A"));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused() {
        assert_eq!(decode("%FF", false), None);
        assert_eq!(decode("%C3", false), None);
    }

    #[test]
    fn it_agrees_with_the_percent_encoding_crate() {
        for raw in [
            "a%20b",
            "%41%42%43",
            "x%2",
            "%",
            "%%",
            "%e2%82%ac",
            "+%2b+",
            "plain",
            "%ZZ%20",
        ] {
            let theirs = percent_encoding::percent_decode_str(raw).decode_utf8().ok();
            assert_eq!(decode(raw, false).as_deref(), theirs.as_deref(), "{raw}");
        }
    }
}
