//! S3 browser POST uploads: the signed policy and its conditions.
//!
//! The string to sign of a POST upload is the base64 policy itself; the policy says until when
//! it is valid and which values the form fields may take.
//!
//! ```
//! use countersign_core::post_policy::PostPolicy;
//! use base64::Engine;
//! let json = r#"{"expiration": "2030-01-01T00:00:00.000Z",
//!   "conditions": [{"bucket": "photos"}, ["starts-with", "$key", "user/"], ["content-length-range", 1, 1024],
//!                  {"x-amz-algorithm": "AWS4-HMAC-SHA256"}]}"#;
//! let policy = PostPolicy::from_base64(&base64::engine::general_purpose::STANDARD.encode(json))?;
//! let fields = vec![("key".to_string(), "user/a.jpg".to_string()),
//!                   ("x-amz-algorithm".to_string(), "AWS4-HMAC-SHA256".to_string())];
//! let now = time::macros::datetime!(2029-12-31 00:00:00 UTC);
//! assert_eq!(policy.check(&fields, Some("photos"), now)?, Some((1, 1024)));
//! assert!(policy.check(&fields, Some("other"), now).is_err());
//! # Ok::<(), countersign_core::post_policy::PolicyError>(())
//! ```

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::StatusCode;
use serde_json::Value;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::timestamp::digits;

/// The largest policy document accepted, decoded.
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

/// One condition of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Condition {
    Eq { field: String, value: String },
    StartsWith { field: String, prefix: String },
    LengthRange { min: u64, max: u64 },
}

/// A POST policy, decoded.
#[derive(Debug, Clone)]
pub struct PostPolicy {
    expiration: OffsetDateTime,
    conditions: Vec<Condition>,
}

/// A policy that is malformed, expired, or not met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    malformed: bool,
    message: String,
}

impl PolicyError {
    fn malformed(message: impl Into<String>) -> Self {
        PolicyError {
            malformed: true,
            message: message.into(),
        }
    }

    fn denied(message: impl Into<String>) -> Self {
        PolicyError {
            malformed: false,
            message: message.into(),
        }
    }

    /// The AWS code: `InvalidPolicyDocument` or `AccessDenied`.
    pub fn code(&self) -> &'static str {
        if self.malformed {
            "InvalidPolicyDocument"
        } else {
            "AccessDenied"
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        if self.malformed {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::FORBIDDEN
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}

/// Form fields that need no condition.
fn exempt(name: &str) -> bool {
    matches!(name, "x-amz-signature" | "file" | "policy") || name.starts_with("x-ignore-")
}

fn field_name(raw: &str) -> Result<String, PolicyError> {
    let name = raw.strip_prefix('$').ok_or_else(|| {
        PolicyError::malformed(format!("condition field {raw:?} must start with $"))
    })?;
    Ok(name.to_ascii_lowercase())
}

impl PostPolicy {
    /// Decodes and parses the `policy` form field.
    pub fn from_base64(policy: &str) -> Result<Self, PolicyError> {
        let bytes = STANDARD
            .decode(policy.trim())
            .map_err(|_| PolicyError::malformed("the policy is not base64"))?;
        if bytes.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::malformed(format!(
                "the policy is longer than {MAX_POLICY_BYTES} bytes"
            )));
        }
        let doc: Value = serde_json::from_slice(&bytes)
            .map_err(|e| PolicyError::malformed(format!("the policy is not JSON: {e}")))?;
        let expiration = doc
            .get("expiration")
            .and_then(Value::as_str)
            .ok_or_else(|| PolicyError::malformed("the policy has no expiration"))?;
        let expiration = parse_expiration(expiration).ok_or_else(|| {
            PolicyError::malformed(format!(
                "the policy's expiration {:?} is not an ISO 8601 date and time in UTC such as \
                 2013-08-01T12:00:00.000Z",
                expiration.chars().take(40).collect::<String>()
            ))
        })?;
        let list = doc
            .get("conditions")
            .and_then(Value::as_array)
            .ok_or_else(|| PolicyError::malformed("the policy has no conditions"))?;
        let mut conditions = Vec::new();
        for condition in list {
            match condition {
                Value::Object(map) => {
                    if map.len() != 1 {
                        return Err(PolicyError::malformed(format!(
                            "the policy condition {} must have exactly one property, the field \
                             and the value it must have",
                            shown(condition)
                        )));
                    }
                    for (field, value) in map {
                        let value = value.as_str().ok_or_else(|| {
                            PolicyError::malformed(format!("condition {field} is not a string"))
                        })?;
                        conditions.push(Condition::Eq {
                            field: field.to_ascii_lowercase(),
                            value: value.to_string(),
                        });
                    }
                }
                Value::Array(items) => {
                    let op = items
                        .first()
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    let text = |i: usize| items.get(i).and_then(Value::as_str);
                    let number = |i: usize| {
                        items.get(i).and_then(|v| {
                            v.as_u64()
                                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                        })
                    };
                    match (op.as_str(), items.len()) {
                        ("eq", 3) => conditions.push(Condition::Eq {
                            field: field_name(text(1).unwrap_or_default())?,
                            value: text(2)
                                .ok_or_else(|| {
                                    PolicyError::malformed("an eq condition needs a string")
                                })?
                                .to_string(),
                        }),
                        ("starts-with", 3) => conditions.push(Condition::StartsWith {
                            field: field_name(text(1).unwrap_or_default())?,
                            prefix: text(2)
                                .ok_or_else(|| {
                                    PolicyError::malformed("a starts-with condition needs a string")
                                })?
                                .to_string(),
                        }),
                        ("content-length-range", 3) => {
                            let (Some(min), Some(max)) = (number(1), number(2)) else {
                                return Err(PolicyError::malformed(
                                    "content-length-range needs two numbers",
                                ));
                            };
                            if min > max {
                                return Err(PolicyError::malformed(
                                    "content-length-range has its minimum above its maximum",
                                ));
                            }
                            conditions.push(Condition::LengthRange { min, max });
                        }
                        _ => {
                            return Err(PolicyError::malformed(format!(
                                "unknown policy condition {condition}"
                            )))
                        }
                    }
                }
                other => {
                    return Err(PolicyError::malformed(format!(
                        "a policy condition is neither an object nor a list: {other}"
                    )))
                }
            }
        }
        Ok(PostPolicy {
            expiration,
            conditions,
        })
    }

    /// When the policy stops being valid.
    pub fn expiration(&self) -> OffsetDateTime {
        self.expiration
    }

    /// Checks the form's fields (lower-case names, `${filename}` already substituted in `key`)
    /// and the request's bucket at `now`; gives the content-length range if the policy sets one.
    pub fn check(
        &self,
        fields: &[(String, String)],
        bucket: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Option<(u64, u64)>, PolicyError> {
        if now > self.expiration {
            return Err(PolicyError::denied(
                "Invalid according to Policy: Policy expired.",
            ));
        }
        let value_of = |field: &str| -> Option<&str> {
            if field == "bucket" {
                if let Some(bucket) = bucket {
                    return Some(bucket);
                }
            }
            fields
                .iter()
                .find(|(n, _)| n == field)
                .map(|(_, v)| v.as_str())
        };
        let mut range = None;
        for condition in &self.conditions {
            let met = match condition {
                Condition::Eq { field, value } => value_of(field).unwrap_or("") == value,
                Condition::StartsWith { field, prefix } => {
                    let actual = value_of(field).unwrap_or("");
                    if field == "content-type" {
                        actual
                            .split(',')
                            .all(|v| v.trim().starts_with(prefix.as_str()))
                    } else {
                        actual.starts_with(prefix.as_str())
                    }
                }
                Condition::LengthRange { min, max } => {
                    range = Some((*min, *max));
                    true
                }
            };
            if !met {
                return Err(PolicyError::denied(format!(
                    "Invalid according to Policy: Policy Condition failed: {}",
                    describe(condition)
                )));
            }
        }
        for (name, _) in fields {
            let covered = self.conditions.iter().any(|c| match c {
                Condition::Eq { field, .. } | Condition::StartsWith { field, .. } => field == name,
                Condition::LengthRange { .. } => false,
            });
            if !covered && !exempt(name) {
                return Err(PolicyError::denied(format!(
                    "Invalid according to Policy: Extra input fields: {name}"
                )));
            }
        }
        Ok(range)
    }
}

/// Parses a policy's `expiration` as AWS documents it, `2013-08-01T12:00:00.000Z`: ISO 8601's
/// extended form in UTC, with an upper-case `T` and `Z` and fractional seconds (one to nine
/// digits) or none. A space for the `T`, lower-case letters and offsets (which RFC 3339
/// allows) are refused.
fn parse_expiration(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    let (whole, fraction) = b.split_at_checked(19)?;
    let [y1, y2, y3, y4, b'-', mo1, mo2, b'-', d1, d2, b'T', h1, h2, b':', mi1, mi2, b':', s1, s2] =
        whole
    else {
        return None;
    };
    let nanoseconds = match fraction {
        [b'Z'] => 0,
        [b'.', decimals @ .., b'Z'] if (1..=9).contains(&decimals.len()) => {
            let scale = 10u32.pow(9 - decimals.len() as u32);
            digits(decimals)? * scale
        }
        _ => return None,
    };
    let two = |a: u8, b: u8| u8::try_from(digits(&[a, b])?).ok();
    let year = i32::try_from(digits(&[*y1, *y2, *y3, *y4])?).ok()?;
    let month = Month::try_from(two(*mo1, *mo2)?).ok()?;
    let date = Date::from_calendar_date(year, month, two(*d1, *d2)?).ok()?;
    let time = Time::from_hms_nano(
        two(*h1, *h2)?,
        two(*mi1, *mi2)?,
        two(*s1, *s2)?,
        nanoseconds,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// A condition as JSON, cut short, for a message.
fn shown(condition: &Value) -> String {
    let text = condition.to_string();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

fn describe(condition: &Condition) -> String {
    match condition {
        Condition::Eq { field, value } => format!("[\"eq\", \"${field}\", \"{value}\"]"),
        Condition::StartsWith { field, prefix } => {
            format!("[\"starts-with\", \"${field}\", \"{prefix}\"]")
        }
        Condition::LengthRange { min, max } => format!("[\"content-length-range\", {min}, {max}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &str) -> String {
        STANDARD.encode(json)
    }

    #[test]
    fn malformed_policies() {
        for bad in [
            "not json",
            r#"{"conditions": []}"#,
            r#"{"expiration": "tomorrow", "conditions": []}"#,
            r#"{"expiration": "2030-01-01T00:00:00Z"}"#,
            r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "key", "x"]]}"#,
            r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", 10, 1]]}"#,
            r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["matches", "$key", "x"]]}"#,
            r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [5]}"#,
        ] {
            assert_eq!(
                PostPolicy::from_base64(&encode(bad))
                    .err()
                    .map(|e| e.code()),
                Some("InvalidPolicyDocument"),
                "{bad}"
            );
        }
        assert!(PostPolicy::from_base64("%%%").is_err());
    }

    /// The code and message of the refusal of the policy `json`, if it is refused.
    fn refusal(json: &str) -> Option<(&'static str, String)> {
        PostPolicy::from_base64(&encode(json))
            .err()
            .map(|e| (e.code(), e.to_string()))
    }

    /// A policy with the one condition `{"bucket": "photos"}`, expiring at `expiration`.
    fn expiring(expiration: &str) -> String {
        format!(r#"{{"expiration": "{expiration}", "conditions": [{{"bucket": "photos"}}]}}"#)
    }

    #[test]
    fn expiration_as_aws_documents_it_is_accepted() {
        let policy = PostPolicy::from_base64(&encode(&expiring("2013-08-01T12:00:00.000Z")));
        assert_eq!(
            policy.map(|p| p.expiration()).ok(),
            Some(time::macros::datetime!(2013-08-01 12:00:00 UTC))
        );
    }

    #[test]
    fn expiration_without_fractional_seconds_is_accepted() {
        let policy = PostPolicy::from_base64(&encode(&expiring("2013-08-01T12:00:00Z")));
        assert_eq!(
            policy.map(|p| p.expiration()).ok(),
            Some(time::macros::datetime!(2013-08-01 12:00:00 UTC))
        );
    }

    #[test]
    fn expiration_with_a_space_for_the_t_is_refused() {
        let refused = refusal(&expiring("2013-08-01 12:00:00.000Z"));
        assert_eq!(refused.map(|r| r.0), Some("InvalidPolicyDocument"));
    }

    #[test]
    fn expiration_with_a_lower_case_t_is_refused() {
        let refused = refusal(&expiring("2013-08-01t12:00:00.000Z"));
        assert_eq!(refused.map(|r| r.0), Some("InvalidPolicyDocument"));
    }

    #[test]
    fn expiration_with_a_lower_case_z_is_refused() {
        let refused = refusal(&expiring("2013-08-01T12:00:00.000z"));
        assert_eq!(refused.map(|r| r.0), Some("InvalidPolicyDocument"));
    }

    #[test]
    fn expiration_with_an_offset_is_refused() {
        let refused = refusal(&expiring("2013-08-01T12:00:00.000+00:00"));
        assert_eq!(refused.map(|r| r.0), Some("InvalidPolicyDocument"));
    }

    #[test]
    fn expiration_near_misses_are_refused() {
        for bad in [
            "2013-08-01T12:00:00.Z",
            "2013-08-01T12:00:00.0000000000Z",
            "2013-08-01T12:00Z",
            "2013-8-01T12:00:00Z",
            "2013-08-01T24:00:00Z",
            "2013-02-30T12:00:00Z",
            "2013-08-01T12:00:60Z",
            "+2013-08-01T12:00:00Z",
            " 2013-08-01T12:00:00Z",
            "2013-08-01T12:00:00Z ",
            "2013-08-01T12:00:00.5éZ",
        ] {
            let refused = refusal(&expiring(bad));
            assert_eq!(refused.map(|r| r.0), Some("InvalidPolicyDocument"), "{bad}");
        }
    }

    #[test]
    fn object_condition_without_a_property_is_refused() {
        let refused = refusal(r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{}]}"#);
        let (code, message) = refused.unwrap_or_default();
        assert_eq!(code, "InvalidPolicyDocument");
        assert!(message.contains("{}"), "{message}");
    }

    #[test]
    fn object_condition_with_two_properties_is_refused() {
        let refused = refusal(
            r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"bucket": "photos", "acl": "private"}]}"#,
        );
        let (code, message) = refused.unwrap_or_default();
        assert_eq!(code, "InvalidPolicyDocument");
        assert!(
            message.contains(r#"{"acl":"private","bucket":"photos"}"#)
                || message.contains(r#"{"bucket":"photos","acl":"private"}"#),
            "{message}"
        );
    }

    #[test]
    fn conditions() {
        let policy = PostPolicy::from_base64(&encode(
            r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "$acl", "private"], ["starts-with", "$Content-Type", "image/"]]}"#,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let now = time::macros::datetime!(2029-01-01 00:00:00 UTC);
        let fields = |acl: &str, ct: &str| {
            vec![
                ("acl".to_string(), acl.to_string()),
                ("content-type".to_string(), ct.to_string()),
            ]
        };
        assert!(policy
            .check(&fields("private", "image/png"), None, now)
            .is_ok());
        assert!(policy
            .check(&fields("private", "image/png, image/gif"), None, now)
            .is_ok());
        assert!(policy
            .check(&fields("public-read", "image/png"), None, now)
            .is_err());
        assert!(policy
            .check(&fields("private", "text/html"), None, now)
            .is_err());
        assert!(policy
            .check(&fields("private", "image/png, text/html"), None, now)
            .is_err());
        let mut extra = fields("private", "image/png");
        extra.push(("x-amz-meta-sneaky".into(), "1".into()));
        assert!(policy.check(&extra, None, now).is_err());
        extra.pop();
        extra.push(("x-ignore-me".into(), "1".into()));
        assert!(policy.check(&extra, None, now).is_ok());
        let later = time::macros::datetime!(2030-01-01 00:00:01 UTC);
        assert_eq!(
            policy
                .check(&fields("private", "image/png"), None, later)
                .err()
                .map(|e| e.code()),
            Some("AccessDenied")
        );
    }
}
