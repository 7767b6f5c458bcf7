//! Clock-skew correction: when a service refuses a request as signed at the wrong time, the
//! offset between its clock (the response's `Date`) and ours, shared by every clone of a
//! `Signing` and added to the time each later request is signed at.
//!
//! A refusal for the time is `RequestTimeTooSkewed` (S3 and most services, any status) or a
//! 403 `RequestExpired` (the Query services). Other codes are left alone, even the signature
//! errors whose message speaks of the time, so that a wrong secret is never taken for a
//! wrong clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use http::{HeaderMap, StatusCode};
use time::{OffsetDateTime, PrimitiveDateTime};

/// Whether a response of `status` with the error code `code` refuses the request for the
/// time it was signed at.
pub(crate) fn is_skew_error(status: StatusCode, code: Option<&str>) -> bool {
    match code {
        Some("RequestTimeTooSkewed") => true,
        Some("RequestExpired") => status == StatusCode::FORBIDDEN,
        _ => false,
    }
}

/// The offset, in seconds, to add to the local clock to read the servers' (shared by the
/// clones that hold it).
#[derive(Debug, Clone, Default)]
pub(crate) struct ClockOffset(Arc<AtomicI64>);

impl ClockOffset {
    /// The offset now.
    pub(crate) fn seconds(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }

    /// `local` corrected by the offset.
    pub(crate) fn correct(&self, local: OffsetDateTime) -> OffsetDateTime {
        local.saturating_add(time::Duration::seconds(self.seconds()))
    }

    /// Sets the offset to the difference between the response's `Date` and `local`, the
    /// uncorrected local time; `false` (and no change) if the response has no `Date` that
    /// parses.
    pub(crate) fn learn(&self, headers: &HeaderMap, local: OffsetDateTime) -> bool {
        let Some(server) = headers
            .get(http::header::DATE)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_http_date)
        else {
            return false;
        };
        let offset = (server - local).whole_seconds();
        self.0.store(offset, Ordering::Relaxed);
        true
    }
}

/// An HTTP date in its preferred form (RFC 9110, IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    PrimitiveDateTime::parse(text.trim(), format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn date(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::DATE, value.parse().unwrap());
        headers
    }

    #[test]
    fn request_time_too_skewed_is_a_skew_error() {
        assert!(is_skew_error(
            StatusCode::FORBIDDEN,
            Some("RequestTimeTooSkewed")
        ));
        assert!(is_skew_error(
            StatusCode::BAD_REQUEST,
            Some("RequestTimeTooSkewed")
        ));
    }

    #[test]
    fn request_expired_is_a_skew_error_only_with_a_403() {
        assert!(is_skew_error(StatusCode::FORBIDDEN, Some("RequestExpired")));
        assert!(!is_skew_error(
            StatusCode::BAD_REQUEST,
            Some("RequestExpired")
        ));
    }

    #[test]
    fn a_signature_mismatch_is_not_a_skew_error() {
        assert!(!is_skew_error(
            StatusCode::FORBIDDEN,
            Some("SignatureDoesNotMatch")
        ));
    }

    #[test]
    fn an_imf_fixdate_parses() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(datetime!(1994-11-06 08:49:37 UTC))
        );
    }

    #[test]
    fn other_date_forms_do_not_parse() {
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 +0100"), None);
        assert_eq!(parse_http_date(""), None);
    }

    #[test]
    fn the_offset_is_the_servers_date_less_ours() {
        let offset = ClockOffset::default();
        let local = datetime!(2024-03-01 09:00:00 UTC);
        assert!(offset.learn(&date("Fri, 01 Mar 2024 10:00:05 GMT"), local));
        assert_eq!(offset.seconds(), 3605);
        assert_eq!(offset.correct(local), datetime!(2024-03-01 10:00:05 UTC));
    }

    #[test]
    fn clones_share_the_offset() {
        let offset = ClockOffset::default();
        let clone = offset.clone();
        let local = datetime!(2024-03-01 10:00:00 UTC);
        assert!(offset.learn(&date("Fri, 01 Mar 2024 09:59:00 GMT"), local));
        assert_eq!(clone.seconds(), -60);
    }

    #[test]
    fn a_response_without_a_date_changes_nothing() {
        let offset = ClockOffset::default();
        assert!(!offset.learn(&HeaderMap::new(), datetime!(2024-03-01 10:00:00 UTC)));
        assert!(!offset.learn(&date("yesterday"), datetime!(2024-03-01 10:00:00 UTC)));
        assert_eq!(offset.seconds(), 0);
    }
}
