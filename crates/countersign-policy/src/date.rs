//! Dates of the `Date*` condition operators: the W3C profile of ISO 8601 or epoch seconds,
//! as IAM's reference asks
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>).
//!
//! Accepted forms: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDThh:mmTZD`,
//! `YYYY-MM-DDThh:mm:ssTZD`, `YYYY-MM-DDThh:mm:ss.sTZD` (TZD is `Z` or `+hh:mm` / `-hh:mm`),
//! and a whole number of seconds since 1970 (more than four digits, so that a year is read
//! as a year).

use time::{Date, Month};

/// An instant, in nanoseconds since 1970-01-01T00:00:00Z.
pub(crate) type Instant = i128;

const NANOS: i128 = 1_000_000_000;

/// Reads an instant, or `None` when `text` is in none of the accepted forms.
pub(crate) fn parse(text: &str) -> Option<Instant> {
    let bytes = text.as_bytes();
    if bytes.len() > 4 && bytes.iter().all(u8::is_ascii_digit) {
        let seconds: i128 = text.parse().ok()?;
        return seconds.checked_mul(NANOS);
    }
    let mut cursor = Cursor { text, at: 0 };
    let year = cursor.digits(4)? as i32;
    let (month, day) = if cursor.done() {
        (1, 1)
    } else {
        cursor.expect(b'-')?;
        let month = cursor.digits(2)?;
        if cursor.done() {
            (month, 1)
        } else {
            cursor.expect(b'-')?;
            (month, cursor.digits(2)?)
        }
    };
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    let days = i128::from(date.to_julian_day()) - i128::from(UNIX_EPOCH_JULIAN_DAY);
    let mut nanos = days * 86_400 * NANOS;
    if cursor.done() {
        return Some(nanos);
    }
    cursor.expect(b'T')?;
    let hour = cursor.digits(2)?;
    cursor.expect(b':')?;
    let minute = cursor.digits(2)?;
    let mut second = 0;
    let mut fraction: i128 = 0;
    if cursor.peek() == Some(b':') {
        cursor.expect(b':')?;
        second = cursor.digits(2)?;
        if cursor.peek() == Some(b'.') {
            cursor.expect(b'.')?;
            let start = cursor.at;
            let mut scale = NANOS;
            while let Some(d) = cursor.peek().filter(u8::is_ascii_digit) {
                cursor.at += 1;
                // Digits beyond the nanosecond are read and dropped.
                if scale > 1 {
                    scale /= 10;
                    fraction += i128::from(d - b'0') * scale;
                }
            }
            if cursor.at == start {
                return None;
            }
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let offset = match cursor.peek()? {
        b'Z' => {
            cursor.at += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            cursor.at += 1;
            let hours = cursor.digits(2)?;
            cursor.expect(b':')?;
            let minutes = cursor.digits(2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = i128::from(hours * 3600 + minutes * 60);
            if sign == b'+' {
                offset
            } else {
                -offset
            }
        }
        _ => return None,
    };
    if !cursor.done() {
        return None;
    }
    let seconds = i128::from(hour * 3600 + minute * 60 + second) - offset;
    nanos += seconds * NANOS + fraction;
    Some(nanos)
}

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

struct Cursor<'t> {
    text: &'t str,
    at: usize,
}

impl Cursor<'_> {
    fn done(&self) -> bool {
        self.at == self.text.len()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Exactly `n` ASCII digits, as a number.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let digits = self.text.as_bytes().get(self.at..self.at + n)?;
        let mut value = 0u32;
        for &d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(d - b'0');
        }
        self.at += n;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    const SECOND: i128 = 1_000_000_000;

    #[test]
    fn forms_of_the_same_instant_agree() {
        let z = parse("2020-01-01T00:00:00Z").unwrap();
        assert_eq!(z, 1_577_836_800 * SECOND);
        assert_eq!(parse("2020-01-01T00:00Z"), Some(z));
        assert_eq!(parse("2020-01-01"), Some(z));
        assert_eq!(parse("2020-01"), Some(z));
        assert_eq!(parse("2020"), Some(z));
        assert_eq!(parse("1577836800"), Some(z));
        assert_eq!(parse("2020-01-01T01:00:00+01:00"), Some(z));
        assert_eq!(parse("2019-12-31T23:00:00-01:00"), Some(z));
        assert_eq!(parse("2020-01-01T00:00:00.5Z"), Some(z + SECOND / 2));
    }

    #[test]
    fn malformed_dates_are_refused() {
        for text in [
            "",
            "20",
            "2020-13-01",
            "2020-02-30",
            "2020-01-01T",
            "2020-01-01T10:00",
            "2020-01-01T25:00Z",
            "2020-01-01T10:00:00.Z",
            "2020-01-01 10:00:00Z",
            "2020-01-01T10:00:00Zjunk",
            "yesterday",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
