//! The request time: `X-Amz-Date` (`20150830T123600Z`), or the HTTP `Date` header as fallback.
//!
//! ```
//! use countersign_core::AmzDate;
//! let d = AmzDate::parse("20150830T123600Z").unwrap();
//! assert_eq!(d.date_stamp(), "20150830");
//! assert_eq!(d.to_string(), "20150830T123600Z");
//! let from_http = AmzDate::parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT").unwrap();
//! assert_eq!(from_http.as_str(), "20150830T123600Z");
//! ```

use std::fmt;

use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A request time, whole seconds in UTC, kept with its `YYYYMMDDTHHMMSSZ` spelling.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AmzDate {
    time: OffsetDateTime,
    text: [u8; 16],
}

impl AmzDate {
    /// Parses the ISO 8601 basic form SigV4 uses: `YYYYMMDDTHHMMSSZ`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::parse_bytes(s.as_bytes())
    }

    /// [`AmzDate::parse`] of bytes (a header value, which need not be text).
    pub fn parse_bytes(b: &[u8]) -> Option<Self> {
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return None;
        }
        let date = date_of(&b[..8])?;
        let (hour, minute, second) = (digits(&b[9..11])?, digits(&b[11..13])?, digits(&b[13..15])?);
        let time = Time::from_hms(
            u8::try_from(hour).ok()?,
            u8::try_from(minute).ok()?,
            u8::try_from(second).ok()?,
        )
        .ok()?;
        let mut text = [0u8; 16];
        text.copy_from_slice(b);
        Some(AmzDate {
            time: PrimitiveDateTime::new(date, time).assume_utc(),
            text,
        })
    }

    /// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 IMF-fixdate).
    pub fn parse_http_date(s: &str) -> Option<Self> {
        let format = format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        let time = PrimitiveDateTime::parse(s.trim(), format)
            .ok()?
            .assume_utc();
        Some(Self::from(time))
    }

    /// The `YYYYMMDDTHHMMSSZ` spelling.
    pub fn as_str(&self) -> &str {
        // The buffer only ever holds ASCII digits, 'T' and 'Z'.
        std::str::from_utf8(&self.text).unwrap_or("00000000T000000Z")
    }

    /// The `YYYYMMDDTHHMMSSZ` spelling, as bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.text
    }

    /// The day, `YYYYMMDD`, as the credential scope spells it.
    pub fn date_stamp(&self) -> &str {
        &self.as_str()[..8]
    }

    /// The time as an `OffsetDateTime` in UTC.
    pub fn as_offset(&self) -> OffsetDateTime {
        self.time
    }
}

impl From<OffsetDateTime> for AmzDate {
    /// Converts to UTC and drops fractions of a second.
    fn from(time: OffsetDateTime) -> Self {
        let time = time
            .to_offset(UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(time);
        let mut text = *b"00000000T000000Z";
        let year = time.year().clamp(0, 9999) as u32;
        put_digits(&mut text[0..4], year);
        put_digits(&mut text[4..6], u8::from(time.month()).into());
        put_digits(&mut text[6..8], time.day().into());
        put_digits(&mut text[9..11], time.hour().into());
        put_digits(&mut text[11..13], time.minute().into());
        put_digits(&mut text[13..15], time.second().into());
        AmzDate { time, text }
    }
}

/// The value of a run of ASCII digits.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// Parses `YYYYMMDD` as a calendar day.
pub(crate) fn parse_date_stamp(s: &str) -> Option<Date> {
    date_of(s.as_bytes())
}

/// Parses `YYYYMMDD`, as bytes, as a calendar day.
fn date_of(b: &[u8]) -> Option<Date> {
    if b.len() != 8 {
        return None;
    }
    let year = i32::try_from(digits(&b[0..4])?).ok()?;
    let month = Month::try_from(u8::try_from(digits(&b[4..6])?).ok()?).ok()?;
    let day = u8::try_from(digits(&b[6..8])?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Writes `value` as zero-padded decimal filling `out`.
fn put_digits(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

impl fmt::Display for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AmzDate({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn round_trips() {
        let d = AmzDate::from(datetime!(2013-05-24 00:00:00.75 UTC));
        assert_eq!(d.as_str(), "20130524T000000Z");
        assert_eq!(AmzDate::parse(d.as_str()), Some(d));
        let shifted = AmzDate::from(datetime!(2013-05-24 02:00:00 +02:00));
        assert_eq!(shifted.as_str(), "20130524T000000Z");
    }

    #[test]
    fn rejects_near_misses() {
        for bad in [
            "",
            "20150830T123600",
            "20150830T123600z",
            "20150830 123600Z",
            "2015-08-30T12:36:00Z",
            "20151330T123600Z",
            "20150830T246000Z",
            "+0150830T123600Z",
            "20150830T123600Z ",
        ] {
            assert!(AmzDate::parse(bad).is_none(), "{bad:?} was accepted");
        }
        assert!(AmzDate::parse_http_date("Fri, 24 May 2013 00:00:00 PST").is_none());
    }

    #[test]
    fn http_date() {
        let d = AmzDate::parse_http_date("Fri, 24 May 2013 00:00:00 GMT");
        assert_eq!(
            d.map(|d| d.to_string()),
            Some("20130524T000000Z".to_string())
        );
    }
}
