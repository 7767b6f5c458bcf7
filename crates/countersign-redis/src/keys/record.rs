//! The record of one access key as kept in Redis: one JSON string at `{prefix}key:{id}`.
//!
//! ```json
//! {"secrets": ["NEW…", "OLD…"], "principal": {"user": "alice"}, "status": "active",
//!  "expires": "2026-01-01T00:00:00Z", "created": "2025-06-01T12:00:00Z"}
//! ```
//!
//! `secrets` are the live secrets, newest first (two during a rotation); `principal` is any
//! JSON value, handed to handlers as `Arc<serde_json::Value>`; `status` is `active` or
//! `inactive`; `expires` (RFC 3339, or null) is when the key stops being accepted; `created`
//! is when it was made. One string per key: a lookup is one `GET`, and a change one `SET`.

use std::fmt;

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::Error;

/// Whether a key is accepted (while it has not expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Accepted.
    Active,
    /// Refused as unknown (revoked).
    Inactive,
}

impl KeyStatus {
    fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Inactive => "inactive",
        }
    }
}

impl fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One access key: its live secrets (newest first), its principal, its status, when it
/// expires (if ever) and when it was made. Its `Debug` does not show the secrets.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct KeyRecord {
    /// The live secrets, newest first: one, or two while clients move to a new one.
    pub secrets: Vec<String>,
    /// The application's principal (any JSON value).
    pub principal: Value,
    /// Active or inactive.
    pub status: KeyStatus,
    /// When the key stops being accepted; `None` for never.
    pub expires: Option<OffsetDateTime>,
    /// When the key was made.
    pub created: OffsetDateTime,
}

impl KeyRecord {
    /// An active key with one secret, made now, that does not expire.
    pub fn new(secret: impl Into<String>, principal: Value) -> Self {
        KeyRecord {
            secrets: vec![secret.into()],
            principal,
            status: KeyStatus::Active,
            expires: None,
            created: OffsetDateTime::now_utc(),
        }
    }

    /// The same key with `secret` live too, after the others (the old one of a rotation).
    pub fn with_secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// The same key, expiring at `expires`.
    pub fn expiring(mut self, expires: OffsetDateTime) -> Self {
        self.expires = Some(expires);
        self
    }

    /// The same key with `status`.
    pub fn with_status(mut self, status: KeyStatus) -> Self {
        self.status = status;
        self
    }

    /// Whether the key is accepted at `now`: active, with a secret, and not expired.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.status == KeyStatus::Active
            && !self.secrets.is_empty()
            && self.expires.is_none_or(|expires| now < expires)
    }

    /// The record as kept in Redis.
    pub(crate) fn to_json(&self) -> Result<String, Error> {
        let time = |t: OffsetDateTime| {
            t.format(&Rfc3339)
                .map_err(|e| Error::Invalid(format!("a time that RFC 3339 cannot write: {e}")))
        };
        let expires = match self.expires {
            Some(t) => Value::String(time(t)?),
            None => Value::Null,
        };
        let record = json!({
            "secrets": self.secrets,
            "principal": self.principal,
            "status": self.status.as_str(),
            "expires": expires,
            "created": time(self.created)?,
        });
        Ok(record.to_string())
    }

    /// The record of `id` read from Redis.
    pub(crate) fn from_json(id: &str, text: &[u8]) -> Result<Self, Error> {
        let invalid = |why: &str| Error::Invalid(format!("the record of {id}: {why}"));
        let value: Value = serde_json::from_slice(text).map_err(|e| invalid(&e.to_string()))?;
        let Value::Object(mut fields) = value else {
            return Err(invalid("not a JSON object"));
        };
        let secrets = match fields.remove("secrets") {
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) if !s.is_empty() => Ok(s),
                    _ => Err(invalid("a secret that is not a non-empty string")),
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(invalid("no list of secrets")),
        };
        if secrets.is_empty() {
            return Err(invalid("no secret"));
        }
        let status = match fields.get("status").and_then(Value::as_str) {
            Some("active") => KeyStatus::Active,
            Some("inactive") => KeyStatus::Inactive,
            _ => return Err(invalid("a status neither active nor inactive")),
        };
        let time = |fields: &Map<String, Value>, name: &str| match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => OffsetDateTime::parse(s, &Rfc3339)
                .map(Some)
                .map_err(|_| invalid(&format!("{name} is not an RFC 3339 time"))),
            Some(_) => Err(invalid(&format!("{name} is not a string"))),
        };
        let expires = time(&fields, "expires")?;
        let created = time(&fields, "created")?.ok_or_else(|| invalid("no creation time"))?;
        Ok(KeyRecord {
            secrets,
            principal: fields.remove("principal").unwrap_or(Value::Null),
            status,
            expires,
            created,
        })
    }
}

impl fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRecord")
            .field("secrets", &format_args!("[{} hidden]", self.secrets.len()))
            .field("principal", &self.principal)
            .field("status", &self.status)
            .field("expires", &self.expires)
            .field("created", &self.created)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_record_reads_back_as_written() {
        let record = KeyRecord::new("new", json!({"user": "alice"}))
            .with_secret("old")
            .expiring(datetime!(2030-01-01 00:00:00 UTC));
        let text = record.to_json().unwrap();
        assert_eq!(KeyRecord::from_json("A", text.as_bytes()).unwrap(), record);
    }

    #[test]
    fn a_record_without_secrets_or_status_is_invalid() {
        for bad in [
            "",
            "[]",
            r#"{"secrets": [], "status": "active", "created": "2025-01-01T00:00:00Z"}"#,
            r#"{"secrets": [""], "status": "active", "created": "2025-01-01T00:00:00Z"}"#,
            r#"{"secrets": ["s"], "status": "paused", "created": "2025-01-01T00:00:00Z"}"#,
            r#"{"secrets": ["s"], "status": "active"}"#,
            r#"{"secrets": ["s"], "status": "active", "created": "yesterday"}"#,
        ] {
            assert!(
                matches!(
                    KeyRecord::from_json("A", bad.as_bytes()),
                    Err(Error::Invalid(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_expired_or_inactive_key_is_not_live() {
        let now = datetime!(2026-01-01 00:00:00 UTC);
        let record = KeyRecord::new("s", Value::Null);
        assert!(record.is_live(now));
        assert!(!record.clone().expiring(now).is_live(now));
        assert!(!record.with_status(KeyStatus::Inactive).is_live(now));
    }

    #[test]
    fn debug_hides_the_secrets() {
        let shown = format!("{:?}", KeyRecord::new("hunter2", Value::Null));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
