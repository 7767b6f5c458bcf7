//! The `--time` flag: RFC 3339 (`2015-08-30T12:36:00Z`) or the SigV4 basic form
//! (`20150830T123600Z`).

use countersign_core::AmzDate;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Parses a `--time` value (for clap's `value_parser`).
pub(crate) fn parse(value: &str) -> Result<OffsetDateTime, String> {
    let value = value.trim();
    if let Ok(time) = OffsetDateTime::parse(value, &Rfc3339) {
        return Ok(time.to_offset(UtcOffset::UTC));
    }
    if let Some(date) = AmzDate::parse(value) {
        return Ok(date.as_offset());
    }
    Err(format!(
        "{value:?} is not a time: write it as RFC 3339 (2015-08-30T12:36:00Z) or as 20150830T123600Z"
    ))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn both_forms() {
        let a = parse("2015-08-30T12:36:00Z").unwrap();
        let b = parse("20150830T123600Z").unwrap();
        let c = parse("2015-08-30T14:36:00+02:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(parse("yesterday").is_err());
    }
}
