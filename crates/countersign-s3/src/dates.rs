//! The two ways S3 writes a time.

use time::OffsetDateTime;

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn http_date(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_default()
}

/// `2006-02-03T16:45:09.000Z`.
pub(crate) fn iso8601(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_default()
}

/// An HTTP date (RFC 9110, section 5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`, or one of the
/// two obsolete forms, `Sunday, 06-Nov-94 08:49:37 GMT` and `Sun Nov  6 08:49:37 1994`.
/// `None` for anything else.
pub(crate) fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let imf = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let asctime = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day padding:space] [hour]:[minute]:[second] [year]"
    );
    let parsed = time::PrimitiveDateTime::parse(text, imf)
        .or_else(|_| time::PrimitiveDateTime::parse(text, asctime))
        .ok()
        .or_else(|| parse_rfc850(text))?;
    Some(parsed.assume_utc())
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`: a two-digit year more than 50 years ahead is read as
/// in the past (RFC 9110).
fn parse_rfc850(text: &str) -> Option<time::PrimitiveDateTime> {
    let (weekday, rest) = text.split_once(", ")?;
    let (date, clock) = rest.split_once(' ')?;
    let mut fields = date.split('-');
    let (day, month, year) = (fields.next()?, fields.next()?, fields.next()?);
    let year: i32 = year.parse().ok().filter(|_| year.len() == 2)?;
    let now = OffsetDateTime::now_utc().year();
    let mut full = now - now % 100 + year;
    if full > now + 50 {
        full -= 100;
    }
    let format = time::macros::format_description!(
        "[weekday repr:long], [day]-[month repr:short]-[year] [hour]:[minute]:[second] GMT"
    );
    let four_digits = format!("{weekday}, {day}-{month}-{full} {clock}");
    time::PrimitiveDateTime::parse(&four_digits, format).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_of_an_http_date_are_one_time() {
        let expected = time::macros::datetime!(1994-11-06 08:49:37 UTC);
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(text), Some(expected), "{text}");
        }
        assert_eq!(http_date(expected), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn a_date_that_is_not_an_http_date_is_none() {
        for text in [
            "",
            "yesterday",
            "1994-11-06T08:49:37Z",
            "Sun, 06 Nov 1994 08:49:37 CET",
        ] {
            assert_eq!(parse_http_date(text), None, "{text}");
        }
    }
}
