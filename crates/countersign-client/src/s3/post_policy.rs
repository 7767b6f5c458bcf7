//! Browser POST uploads: [`PostPolicy`], the conditions an upload form must meet, signed by
//! [`S3Client::presign_post`] into the fields of the form ([`PostForm`]).
//!
//! The policy is a JSON document (an expiration and a list of conditions), sent base64 in
//! the form's `policy` field; its string to sign is that base64 text itself, signed with the
//! SigV4 key of the day, region and service (S3 checks it as
//! `countersign_core::post_policy` does).

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::s3::address::Resource;
use crate::s3::client::{build_error, S3Client};
use crate::send_error::SendError;
use crate::service_error::CallError;

/// How long a policy lasts unless set: one hour.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// The suffix S3 replaces with the name of the file posted.
const FILENAME: &str = "${filename}";

/// A condition of a POST policy on a form field.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition(Value);

impl Condition {
    /// Field `field` (`key`, `Content-Type`, `x-amz-meta-owner`, …) must be `value`.
    pub fn eq(field: &str, value: impl Into<String>) -> Self {
        Condition(json!(["eq", dollar(field), value.into()]))
    }

    /// Field `field` must start with `prefix` (any value, for an empty prefix).
    pub fn starts_with(field: &str, prefix: impl Into<String>) -> Self {
        Condition(json!(["starts-with", dollar(field), prefix.into()]))
    }
}

/// `$field`, as conditions name fields.
fn dollar(field: &str) -> String {
    format!("${}", field.trim_start_matches('$'))
}

/// What a browser may upload with a POST form: to which bucket and key, until when, how
/// large, and with which other fields. [`S3Client::presign_post`] signs it into a
/// [`PostForm`].
///
/// A key that ends with `${filename}` is a prefix: the form uploads to it with the name of
/// the file chosen, S3 putting the name in, and the policy allows any key that starts with
/// the rest. Any other key is the one key the form may upload to.
///
/// ```no_run
/// # use countersign_client::s3::S3Client;
/// # async fn run(s3: S3Client) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use countersign_client::s3::{Condition, PostPolicy};
///
/// let policy = PostPolicy::new("uploads", "user/42/${filename}")
///     .expires_in(Duration::from_secs(600))
///     .content_length_range(1, 10 << 20)
///     .condition(Condition::starts_with("Content-Type", "image/"))
///     .field("success_action_status", "201");
/// let form = s3.presign_post(&policy).await?;
/// // An HTML form posting to form.url with form.fields as hidden inputs, then the file.
/// for (name, value) in &form.fields {
///     println!("<input type=hidden name={name:?} value={value:?}>");
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct PostPolicy {
    bucket: String,
    key: String,
    lifetime: Duration,
    length_range: Option<(u64, u64)>,
    conditions: Vec<Condition>,
    fields: Vec<(String, String)>,
}

impl PostPolicy {
    /// A policy for uploads to `bucket` at `key` (or, ending with `${filename}`, under the
    /// prefix before it), valid for an hour.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        PostPolicy {
            bucket: bucket.into(),
            key: key.into(),
            lifetime: DEFAULT_LIFETIME,
            length_range: None,
            conditions: Vec::new(),
            fields: Vec::new(),
        }
    }

    /// Valid for `lifetime` from when it is signed.
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The file must be `min` to `max` bytes long (S3 refuses others with
    /// `EntityTooSmall` or `EntityTooLarge`).
    pub fn content_length_range(mut self, min: u64, max: u64) -> Self {
        self.length_range = Some((min, max));
        self
    }

    /// Another condition on a field the browser posts (which the page adds to the form).
    pub fn condition(mut self, condition: Condition) -> Self {
        self.conditions.push(condition);
        self
    }

    /// A field the form posts with `value` (`Content-Type`, `success_action_status`,
    /// `x-amz-meta-*`, …): in the form's fields, and required by the policy to be so.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// The policy document as of `now`, signed by `signer`'s `algorithm`, `credential`,
    /// `date` and `token`.
    fn document(&self, now: OffsetDateTime, signer: &SignerFields<'_>) -> Result<Value, String> {
        let lifetime = time::Duration::try_from(self.lifetime)
            .map_err(|_| "the policy's lifetime is too long".to_string())?;
        let expiration = now
            .checked_add(lifetime)
            .ok_or("the policy's lifetime is too long")?;
        let format = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        let expiration = expiration
            .format(format)
            .map_err(|e| format!("the policy's expiration cannot be written: {e}"))?;
        let mut conditions = vec![json!({"bucket": self.bucket})];
        conditions.push(match self.key.strip_suffix(FILENAME) {
            Some(prefix) => json!(["starts-with", "$key", prefix]),
            None => json!({"key": self.key}),
        });
        if let Some((min, max)) = self.length_range {
            conditions.push(json!(["content-length-range", min, max]));
        }
        conditions.extend(self.conditions.iter().map(|c| c.0.clone()));
        for (name, value) in &self.fields {
            conditions.push(json!({ name.as_str(): value }));
        }
        conditions.push(json!({"x-amz-algorithm": signer.algorithm}));
        conditions.push(json!({"x-amz-credential": signer.credential}));
        conditions.push(json!({"x-amz-date": signer.date}));
        if let Some(token) = signer.token {
            conditions.push(json!({"x-amz-security-token": token}));
        }
        Ok(json!({"expiration": expiration, "conditions": conditions}))
    }
}

/// What the signer contributes to a policy.
struct SignerFields<'a> {
    algorithm: &'a str,
    credential: &'a str,
    date: &'a str,
    token: Option<&'a str>,
}

/// A signed POST form: the URL to post to, and the fields to post before the file (which
/// goes last, in a field named `file`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostForm {
    /// The bucket's URL.
    pub url: String,
    /// The fields, in order: `key`, the policy's own fields, `policy`, `x-amz-algorithm`,
    /// `x-amz-credential`, `x-amz-date`, `x-amz-security-token` (with temporary
    /// credentials) and `x-amz-signature`.
    pub fields: Vec<(String, String)>,
}

impl PostForm {
    /// The value of field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl S3Client {
    /// Signs `policy` with the credentials the provider hands out now, as of the signing
    /// clock: the form a browser posts to upload a file.
    pub async fn presign_post(&self, policy: &PostPolicy) -> Result<PostForm, CallError> {
        let url = self.url(&Resource::bucket(&policy.bucket))?;
        let signing = &self.api.signing;
        let signer = signing.signer().await.map_err(SendError::from)?;
        let now = signing.now();
        let (algorithm, credential, date, token) = signer.form_credential(now);
        let fields = SignerFields {
            algorithm,
            credential: &credential,
            date: date.as_str(),
            token,
        };
        let document = policy.document(now, &fields).map_err(build_error)?;
        let encoded = STANDARD.encode(document.to_string());
        let signature = signer
            .sign_text(&encoded, now)
            .map_err(|e| CallError::Send(SendError::Signing(e)))?;
        let mut form = vec![("key".to_string(), policy.key.clone())];
        form.extend(policy.fields.iter().cloned());
        form.push(("policy".to_string(), encoded));
        form.push(("x-amz-algorithm".to_string(), algorithm.to_string()));
        form.push(("x-amz-credential".to_string(), credential.clone()));
        form.push(("x-amz-date".to_string(), date.as_str().to_string()));
        if let Some(token) = token {
            form.push(("x-amz-security-token".to_string(), token.to_string()));
        }
        form.push(("x-amz-signature".to_string(), signature));
        Ok(PostForm { url, fields: form })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test panics on a broken fixture")]

    use countersign_core::post_policy::PostPolicy as CheckedPolicy;
    use time::macros::datetime;

    use super::*;

    const SIGNER: SignerFields<'static> = SignerFields {
        algorithm: "AWS4-HMAC-SHA256",
        credential: "AKIDEXAMPLE/20240301/us-east-1/s3/aws4_request",
        date: "20240301T100000Z",
        token: None,
    };

    /// The policy as the verifier reads it.
    fn checked(policy: &PostPolicy) -> CheckedPolicy {
        let document = policy
            .document(datetime!(2024-03-01 10:00:00 UTC), &SIGNER)
            .unwrap();
        CheckedPolicy::from_base64(&STANDARD.encode(document.to_string())).unwrap()
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let signer = [
            ("x-amz-algorithm", SIGNER.algorithm),
            ("x-amz-credential", SIGNER.credential),
            ("x-amz-date", SIGNER.date),
        ];
        pairs
            .iter()
            .chain(&signer)
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_verifier_accepts_the_form_the_policy_describes() {
        let policy = PostPolicy::new("photos", "user/a.jpg")
            .expires_in(Duration::from_secs(600))
            .content_length_range(1, 1024)
            .field("success_action_status", "201");
        let checked = checked(&policy);
        assert_eq!(checked.expiration(), datetime!(2024-03-01 10:10:00 UTC));
        let form = fields(&[("key", "user/a.jpg"), ("success_action_status", "201")]);
        let now = datetime!(2024-03-01 10:05:00 UTC);
        assert_eq!(
            checked.check(&form, Some("photos"), now),
            Ok(Some((1, 1024)))
        );
    }

    #[test]
    fn the_verifier_refuses_another_key_bucket_or_field_value() {
        let checked = checked(&PostPolicy::new("photos", "user/a.jpg").field("acl", "private"));
        let now = datetime!(2024-03-01 10:05:00 UTC);
        let good = fields(&[("key", "user/a.jpg"), ("acl", "private")]);
        assert!(checked.check(&good, Some("photos"), now).is_ok());
        let other_key = fields(&[("key", "user/b.jpg"), ("acl", "private")]);
        assert!(checked.check(&other_key, Some("photos"), now).is_err());
        assert!(checked.check(&good, Some("other"), now).is_err());
        let other_acl = fields(&[("key", "user/a.jpg"), ("acl", "public-read")]);
        assert!(checked.check(&other_acl, Some("photos"), now).is_err());
    }

    #[test]
    fn a_filename_key_allows_any_key_under_its_prefix() {
        let policy = PostPolicy::new("photos", "user/42/${filename}")
            .condition(Condition::starts_with("Content-Type", "image/"));
        let checked = checked(&policy);
        let now = datetime!(2024-03-01 10:05:00 UTC);
        let under = fields(&[("key", "user/42/cat.png"), ("content-type", "image/png")]);
        assert!(checked.check(&under, Some("photos"), now).is_ok());
        let elsewhere = fields(&[("key", "user/43/cat.png"), ("content-type", "image/png")]);
        assert!(checked.check(&elsewhere, Some("photos"), now).is_err());
        let not_image = fields(&[("key", "user/42/a.txt"), ("content-type", "text/plain")]);
        assert!(checked.check(&not_image, Some("photos"), now).is_err());
    }

    #[test]
    fn the_policy_expires() {
        let checked = checked(&PostPolicy::new("photos", "k").expires_in(Duration::from_secs(60)));
        let form = fields(&[("key", "k")]);
        let late = datetime!(2024-03-01 10:01:01 UTC);
        assert!(checked.check(&form, Some("photos"), late).is_err());
    }

    #[test]
    fn a_session_token_is_a_condition() {
        let signer = SignerFields {
            token: Some("FwoGZXIvYXdzE"),
            ..SIGNER
        };
        let document = PostPolicy::new("b", "k")
            .document(datetime!(2024-03-01 10:00:00 UTC), &signer)
            .unwrap();
        let conditions = document["conditions"].as_array().unwrap();
        assert!(conditions.contains(&json!({"x-amz-security-token": "FwoGZXIvYXdzE"})));
    }

    #[test]
    fn conditions_name_fields_with_one_dollar() {
        assert_eq!(Condition::eq("$key", "a").0, json!(["eq", "$key", "a"]));
        assert_eq!(
            Condition::starts_with("Content-Type", "").0,
            json!(["starts-with", "$Content-Type", ""])
        );
    }
}
