//! The request time: `X-Amz-Date` (`20150830T123600Z`), or the HTTP `Date` header as fallback.
//!
//! ```
//! use countersign_core::AmzDate;
//! let d = AmzDate::parse("20150830T123600Z").unwrap();
//! assert_eq!(d.date_stamp(), "20150830");
//! assert_eq!(d.to_string(), "20150830T123600Z");
//! let from_http = AmzDate::parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT").unwrap();
//! assert_eq!(from_http.as_str(), "20150830T123600Z");
//! let from_asctime = AmzDate::parse_date_header(b"Sun Aug 30 12:36:00 2015").unwrap();
//! assert_eq!(from_asctime, from_http);
//! ```

use std::fmt;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

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

    /// Parses an HTTP date in any of the three forms RFC 9110 (§5.6.7) has recipients
    /// accept: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
    /// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`), each
    /// exactly so (names in that case, the weekday that of the date); spaces around it are
    /// ignored. RFC 850's two-digit years 70 to 99 are read as 1970 to 1999, and 00 to 69 as
    /// 2000 to 2069: a request's time is checked against the clock in minutes, and with no
    /// clock here, this fixed split stands for RFC 9110's "no more than 50 years ahead".
    pub fn parse_http_date(s: &str) -> Option<Self> {
        let b = s.trim().as_bytes();
        let time = imf_fixdate(b)
            .or_else(|| rfc850_date(b))
            .or_else(|| asctime_date(b))?;
        Some(Self::from(time))
    }

    /// Parses the value of a `Date` header as S3 reads it when there is no `X-Amz-Date`:
    /// the ISO 8601 basic form of [`AmzDate::parse`], or an HTTP date of
    /// [`AmzDate::parse_http_date`]. `b` is the value without the spaces around it.
    pub fn parse_date_header(b: &[u8]) -> Option<Self> {
        if b.len() == 16 {
            return Self::parse_bytes(b);
        }
        // Every HTTP date is ASCII, and so longer than ISO 8601's sixteen bytes.
        Self::parse_http_date(std::str::from_utf8(b).ok()?)
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

/// The value of a run of ASCII digits (at most nine, so that it fits).
pub(crate) fn digits(bytes: &[u8]) -> Option<u32> {
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

/// The short names of the days of the week, Monday first (as [`Weekday`] counts).
const SHORT_DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];

/// The full names of the days of the week, Monday first.
const LONG_DAYS: [&[u8]; 7] = [
    b"Monday",
    b"Tuesday",
    b"Wednesday",
    b"Thursday",
    b"Friday",
    b"Saturday",
    b"Sunday",
];

/// The short names of the months, January first.
const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// The day of the week `name` names in `names` (Monday first).
fn weekday_named(names: &[&[u8]; 7], name: &[u8]) -> Option<Weekday> {
    let index = names.iter().position(|n| *n == name)?;
    Some(Weekday::Monday.nth_next(u8::try_from(index).ok()?))
}

/// The month `name` names.
fn month_named(name: &[u8]) -> Option<Month> {
    let index = MONTHS.iter().position(|n| *n == name)?;
    Month::try_from(u8::try_from(index + 1).ok()?).ok()
}

/// `HH:MM:SS`, a real time of day.
fn time_of_day(b: &[u8]) -> Option<Time> {
    let [h1, h2, b':', m1, m2, b':', s1, s2] = b else {
        return None;
    };
    let part = |pair: [u8; 2]| u8::try_from(digits(&pair)?).ok();
    Time::from_hms(part([*h1, *h2])?, part([*m1, *m2])?, part([*s1, *s2])?).ok()
}

/// The time in UTC of a day and a time of day, if `weekday` is that day's.
fn on_weekday(
    weekday: Weekday,
    year: u32,
    month: Month,
    day: u32,
    time: Time,
) -> Option<OffsetDateTime> {
    let date =
        Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    (date.weekday() == weekday).then(|| PrimitiveDateTime::new(date, time).assume_utc())
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
fn imf_fixdate(b: &[u8]) -> Option<OffsetDateTime> {
    let [w1, w2, w3, b',', b' ', d1, d2, b' ', m1, m2, m3, b' ', y1, y2, y3, y4, b' ', time @ ..] =
        b.strip_suffix(b" GMT")?
    else {
        return None;
    };
    on_weekday(
        weekday_named(&SHORT_DAYS, &[*w1, *w2, *w3])?,
        digits(&[*y1, *y2, *y3, *y4])?,
        month_named(&[*m1, *m2, *m3])?,
        digits(&[*d1, *d2])?,
        time_of_day(time)?,
    )
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`.
fn rfc850_date(b: &[u8]) -> Option<OffsetDateTime> {
    let comma = memchr::memchr(b',', b)?;
    let (name, rest) = b.split_at(comma);
    let [b',', b' ', d1, d2, b'-', m1, m2, m3, b'-', y1, y2, b' ', time @ ..] =
        rest.strip_suffix(b" GMT")?
    else {
        return None;
    };
    let two_digits = digits(&[*y1, *y2])?;
    let year = if two_digits >= 70 {
        1900 + two_digits
    } else {
        2000 + two_digits
    };
    on_weekday(
        weekday_named(&LONG_DAYS, name)?,
        year,
        month_named(&[*m1, *m2, *m3])?,
        digits(&[*d1, *d2])?,
        time_of_day(time)?,
    )
}

/// `Sun Nov  6 08:49:37 1994` (a one-digit day after a space).
fn asctime_date(b: &[u8]) -> Option<OffsetDateTime> {
    let [w1, w2, w3, b' ', m1, m2, m3, b' ', d1, d2, b' ', time @ .., b' ', y1, y2, y3, y4] = b
    else {
        return None;
    };
    let day = match d1 {
        b' ' => digits(&[*d2])?,
        _ => digits(&[*d1, *d2])?,
    };
    on_weekday(
        weekday_named(&SHORT_DAYS, &[*w1, *w2, *w3])?,
        digits(&[*y1, *y2, *y3, *y4])?,
        month_named(&[*m1, *m2, *m3])?,
        day,
        time_of_day(time)?,
    )
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

    /// The `YYYYMMDDTHHMMSSZ` spelling of the HTTP date `s`, if it is one.
    fn http(s: &str) -> Option<String> {
        AmzDate::parse_http_date(s).map(|d| d.to_string())
    }

    #[test]
    fn http_date_in_rfc1123_form() {
        assert_eq!(
            http("Sun, 06 Nov 1994 08:49:37 GMT").as_deref(),
            Some("19941106T084937Z")
        );
    }

    #[test]
    fn http_date_in_rfc850_form() {
        assert_eq!(
            http("Sunday, 06-Nov-94 08:49:37 GMT").as_deref(),
            Some("19941106T084937Z")
        );
    }

    /// RFC 850's two-digit years 70 to 99 are read as 1970 to 1999, 00 to 69 as 2000 to 2069.
    #[test]
    fn http_date_in_rfc850_form_two_digit_years() {
        for (sent, read) in [
            ("Thursday, 01-Jan-70 00:00:00 GMT", "19700101T000000Z"),
            ("Friday, 31-Dec-99 23:59:59 GMT", "19991231T235959Z"),
            ("Saturday, 01-Jan-00 00:00:00 GMT", "20000101T000000Z"),
            ("Friday, 04-Dec-26 21:32:20 GMT", "20261204T213220Z"),
            ("Tuesday, 31-Dec-69 23:59:59 GMT", "20691231T235959Z"),
        ] {
            assert_eq!(http(sent).as_deref(), Some(read), "{sent}");
        }
    }

    #[test]
    fn http_date_in_asctime_form_with_a_one_digit_day() {
        assert_eq!(
            http("Sun Nov  6 08:49:37 1994").as_deref(),
            Some("19941106T084937Z")
        );
    }

    #[test]
    fn http_date_in_asctime_form_with_a_two_digit_day() {
        assert_eq!(
            http("Wed Nov 16 08:49:37 1994").as_deref(),
            Some("19941116T084937Z")
        );
    }

    /// Each form exactly as RFC 9110 writes it: names in their case, the right separators,
    /// the weekday of the date, a real day and time, GMT.
    #[test]
    fn http_date_near_misses_are_refused() {
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 gmt",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun,  06 Nov 1994 08:49:37 GMT",
            "Sun 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sunday, 6-Nov-94 08:49:37 GMT",
            "Monday, 06-Nov-94 08:49:37 GMT",
            "Sunday 06-Nov-94 08:49:37 GMT",
            "Sun Nov 6 08:49:37 1994",
            "Sun Nov   6 08:49:37 1994",
            "Sunday Nov  6 08:49:37 1994",
            "Mon Nov  6 08:49:37 1994",
            "Sun Nov  6 08:49:37 94",
            "Sun Nov  6 08:49:37 1994 GMT",
            "Tue, 31 Feb 1995 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 23:59:60 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sun, 06 Nov 1994 08.49.37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMTé",
            "Sun, 0é Nov 1994 08:49:37 GMT",
            "Sun, +6 Nov 1994 08:49:37 GMT",
        ] {
            assert!(http(bad).is_none(), "{bad:?} was accepted");
        }
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
