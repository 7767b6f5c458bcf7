//! The credential (`AKID/20150830/us-east-1/service/aws4_request`) and the scope inside it.
//!
//! ```
//! use countersign_core::{AuthSource, Credential};
//! let c = Credential::parse("AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request", AuthSource::Header).unwrap();
//! assert_eq!(c.access_key_id(), "AKIDEXAMPLE");
//! assert_eq!(c.scope().region, "us-east-1");
//! assert_eq!(c.scope().to_string(), "20150830/us-east-1/iam/aws4_request");
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::error::{AuthSource, Error};

/// The longest access key id accepted (IAM's limit): the layer remembers refused ids in
/// bounded tables, so their size must be bounded too.
pub(crate) const MAX_ACCESS_KEY_ID_LEN: usize = 128;

/// The last element of every SigV4 credential scope.
pub(crate) const SCOPE_TERMINATOR: &str = "aws4_request";

/// The part of a credential that names where a key is valid: day, region and service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialScope<'a> {
    /// The day, `YYYYMMDD`.
    pub date: &'a str,
    /// The region, such as `us-east-1`; empty in a SigV4a scope.
    pub region: &'a str,
    /// The service, such as `s3`.
    pub service: &'a str,
}

impl<'a> CredentialScope<'a> {
    /// The scope of `date` (`YYYYMMDD`), `region` (empty for SigV4a) and `service`.
    pub const fn new(date: &'a str, region: &'a str, service: &'a str) -> Self {
        CredentialScope {
            date,
            region,
            service,
        }
    }
}

impl fmt::Display for CredentialScope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.region.is_empty() {
            return write!(f, "{}/{}/{SCOPE_TERMINATOR}", self.date, self.service);
        }
        write!(
            f,
            "{}/{}/{}/{SCOPE_TERMINATOR}",
            self.date, self.region, self.service
        )
    }
}

/// A parsed credential: the access key id followed by the scope. SigV4 scopes name a
/// region (`AKID/YYYYMMDD/REGION/SERVICE/aws4_request`); SigV4a scopes do not
/// (`AKID/YYYYMMDD/SERVICE/aws4_request`), and then [`CredentialScope::region`] is empty.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential<'a> {
    raw: Text<'a>,
    /// Byte offsets of the slashes (the first `count` are used).
    slashes: [usize; 4],
    /// Four for a SigV4 scope, three for a region-less SigV4a scope.
    count: usize,
}

impl<'a> Credential<'a> {
    /// Parses `AKID/YYYYMMDD/REGION/SERVICE/aws4_request`, or the region-less SigV4a form
    /// `AKID/YYYYMMDD/SERVICE/aws4_request`; errors are reported as coming from `source`.
    pub fn parse(raw: impl Into<Cow<'a, str>>, source: AuthSource) -> Result<Self, Error> {
        let raw = Text::from(raw.into());
        let malformed = |why: &str| {
            let what = match source {
                AuthSource::Header => "the Credential in the Authorization header",
                AuthSource::Query => "the X-Amz-Credential parameter",
                AuthSource::Form => "the x-amz-credential form field",
            };
            Error::malformed(
                source,
                format!(
                    "error parsing {what}: {why}; expecting \"<ACCESS-KEY-ID>/YYYYMMDD/REGION/SERVICE/aws4_request\""
                ),
            )
        };
        // Tested over every byte without stopping early, which the compiler vectorizes.
        let bytes = raw.as_bytes();
        if bytes
            .iter()
            .fold(false, |bad, &b| bad | (b <= b' ') | (b == 0x7f))
        {
            return Err(malformed("it contains a space or a control character"));
        }
        let (slashes, count) = usual_slashes(bytes)
            .or_else(|| every_slash(bytes))
            .ok_or_else(|| malformed("it has more than five parts"))?;
        if count < 3 {
            return Err(malformed("it has fewer than four parts"));
        }
        // The parts, by the offsets of the slashes between them: the access key id, the
        // date, the region (not in a SigV4a scope), the service, the terminator.
        let text: &str = &raw;
        let part = |from: usize, to: usize| text.get(from..to).unwrap_or("");
        let [id_end, date_end, third_end, fourth_end] = slashes;
        let (service, terminator) = if count == 4 {
            (
                part(third_end + 1, fourth_end),
                part(fourth_end + 1, text.len()),
            )
        } else {
            (
                part(date_end + 1, third_end),
                part(third_end + 1, text.len()),
            )
        };
        if id_end == 0 {
            return Err(malformed("the access key id is empty"));
        }
        if id_end > MAX_ACCESS_KEY_ID_LEN {
            return Err(malformed("the access key id is longer than 128 characters"));
        }
        if !is_date_stamp(part(id_end + 1, date_end)) {
            return Err(malformed("the date is not YYYYMMDD"));
        }
        if (count == 4 && third_end == date_end + 1) || service.is_empty() {
            return Err(malformed("the region or the service is empty"));
        }
        if terminator != SCOPE_TERMINATOR {
            return Err(malformed("the scope does not end with aws4_request"));
        }
        Ok(Credential {
            raw,
            slashes,
            count,
        })
    }

    /// A credential from its parts, not checked (for code that already has them checked):
    /// `access_key_id/date/region/service/aws4_request`, or without the region when `region`
    /// is empty. Made in one allocation.
    pub fn from_parts(
        access_key_id: &str,
        date: &str,
        region: &str,
        service: &str,
    ) -> Credential<'static> {
        let region = (!region.is_empty()).then_some(region);
        let parts = [
            Some(access_key_id),
            Some(date),
            region,
            Some(service),
            Some(SCOPE_TERMINATOR),
        ];
        let mut raw = String::with_capacity(parts.iter().flatten().map(|p| p.len() + 1).sum());
        let mut slashes = [0usize; 4];
        let mut count = 0;
        for (i, part) in parts.into_iter().flatten().enumerate() {
            if i > 0 {
                slashes[count] = raw.len();
                count += 1;
                raw.push('/');
            }
            raw.push_str(part);
        }
        Credential {
            raw: Text::Shared(raw.into()),
            slashes,
            count,
        }
    }

    fn part(&self, index: usize) -> &str {
        let text: &str = &self.raw;
        let start = match index
            .checked_sub(1)
            .and_then(|before| self.slashes.get(before))
        {
            Some(slash) => slash + 1,
            None => 0,
        };
        let end = match self.slashes.get(index) {
            Some(&slash) if index < self.count => slash,
            _ => text.len(),
        };
        // The slashes were found in this text, so these are character boundaries.
        text.get(start..end).unwrap_or_default()
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        self.part(0)
    }

    /// The scope: day, region (empty in a SigV4a scope), service.
    pub fn scope(&self) -> CredentialScope<'_> {
        if self.is_region_less() {
            CredentialScope {
                date: self.part(1),
                region: "",
                service: self.part(2),
            }
        } else {
            CredentialScope {
                date: self.part(1),
                region: self.part(2),
                service: self.part(3),
            }
        }
    }

    /// Whether the scope has no region (`AKID/YYYYMMDD/SERVICE/aws4_request`, SigV4a).
    pub fn is_region_less(&self) -> bool {
        self.count == 3
    }

    /// The scope as written in the string to sign (`YYYYMMDD/region/service/aws4_request`).
    pub fn scope_str(&self) -> &str {
        &self.raw[self.slashes[0] + 1..]
    }

    /// The whole credential as the client sent it (decoded).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The same credential, owning its text, shared: a clone of the result copies no text.
    pub fn into_owned(self) -> Credential<'static> {
        Credential {
            raw: self.raw.into_owned(),
            slashes: self.slashes,
            count: self.count,
        }
    }
}

impl fmt::Display for Credential<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Credential<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential({})", self.as_str())
    }
}

/// A credential's text: borrowed from the request, owned as parsed (decoded from a query),
/// or shared, so that the copies a server keeps of one request's credential (for the key
/// store, for the identity) are one string.
#[derive(Clone)]
enum Text<'a> {
    Borrowed(&'a str),
    Owned(String),
    Shared(Arc<str>),
}

impl Text<'_> {
    /// The text, shared from now on (a clone is a reference count).
    fn into_owned(self) -> Text<'static> {
        match self {
            Text::Borrowed(s) => Text::Shared(s.into()),
            Text::Owned(s) => Text::Shared(s.into()),
            Text::Shared(s) => Text::Shared(s),
        }
    }
}

impl<'a> From<Cow<'a, str>> for Text<'a> {
    fn from(text: Cow<'a, str>) -> Self {
        match text {
            Cow::Borrowed(s) => Text::Borrowed(s),
            Cow::Owned(s) => Text::Owned(s),
        }
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Text::Borrowed(s) => s,
            Text::Owned(s) => s,
            Text::Shared(s) => s,
        }
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Text<'_> {}

/// The offsets of the slashes in `bytes` and how many there are; `None` past four.
fn every_slash(bytes: &[u8]) -> Option<([usize; 4], usize)> {
    let mut slashes = [0usize; 4];
    let mut count = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'/' {
            *slashes.get_mut(count)? = i;
            count += 1;
        }
    }
    Some((slashes, count))
}

/// [`every_slash`] for a credential of the usual shape, found from its fixed parts (the
/// eight digits of the date after the first slash, the terminator at the end) so that only
/// the access key id and the region and service are searched: a search stops at each slash
/// it finds, and the processor mispredicts every stop. `None` for any other shape, which
/// `every_slash` then takes.
fn usual_slashes(bytes: &[u8]) -> Option<([usize; 4], usize)> {
    let id_end = bytes.iter().position(|&b| b == b'/')?;
    let date_end = id_end + 9;
    let date = bytes.get(id_end + 1..date_end)?;
    let last = bytes.len().checked_sub(SCOPE_TERMINATOR.len() + 1)?;
    if bytes.get(date_end) != Some(&b'/')
        || bytes.get(last) != Some(&b'/')
        || !bytes.ends_with(SCOPE_TERMINATOR.as_bytes())
        || !date.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    // Between the date and the terminator: `region/service`, or a SigV4a scope's service.
    let middle = bytes.get(date_end + 1..last)?;
    match middle.iter().position(|&b| b == b'/') {
        None => Some(([id_end, date_end, last, 0], 3)),
        Some(at) => match middle.get(at + 1..)?.contains(&b'/') {
            false => Some(([id_end, date_end, date_end + 1 + at, last], 4)),
            true => None,
        },
    }
}

/// Whether `s` is eight digits naming a real day.
fn is_date_stamp(s: &str) -> bool {
    crate::timestamp::parse_date_stamp(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The usual shapes with one or two bytes changed to a slash, a digit or a letter: where
    /// the shortcut finds slashes, they are the ones the byte-by-byte search finds.
    #[test]
    fn usual_slashes_agree_with_every_slash() {
        let usual = [
            "AKID/20240524/us-east-1/s3/aws4_request",
            "AKID/20240524/s3/aws4_request",
            "A/20240524//aws4_request",
            "/20240524/r/s/aws4_request",
        ];
        let mut inputs = Vec::new();
        for text in usual {
            let text = text.as_bytes();
            inputs.push(text.to_vec());
            for at in 0..text.len() {
                for c in [b'/', b'1', b'x'] {
                    let mut once = text.to_vec();
                    once[at] = c;
                    for again in at + 1..text.len() {
                        for d in [b'/', b'1'] {
                            let mut twice = once.clone();
                            twice[again] = d;
                            inputs.push(twice);
                        }
                    }
                    inputs.push(once);
                }
            }
        }
        let mut found = 0;
        for input in &inputs {
            if let Some(shortcut) = usual_slashes(input) {
                found += 1;
                assert_eq!(Some(shortcut), every_slash(input), "{input:?}");
            }
        }
        assert!(found > 1000, "the shortcut took only {found} inputs");
    }

    #[test]
    fn parses_region_less_scopes() {
        let c = Credential::parse("AKID/20150830/service/aws4_request", AuthSource::Header);
        let c = c.unwrap_or_else(|e| panic!("{e}"));
        assert!(c.is_region_less());
        assert_eq!(c.scope().region, "");
        assert_eq!(c.scope().service, "service");
        assert_eq!(c.scope().to_string(), "20150830/service/aws4_request");
        assert_eq!(c.scope_str(), "20150830/service/aws4_request");
        let v4 = Credential::parse("AKID/20150830/r/service/aws4_request", AuthSource::Header);
        assert!(!v4.unwrap_or_else(|e| panic!("{e}")).is_region_less());
    }

    #[test]
    fn from_parts_reads_back_its_parts() {
        for (region, expected) in [
            ("us-east-1", "AKID/20150830/us-east-1/iam/aws4_request"),
            ("", "AKID/20150830/iam/aws4_request"),
        ] {
            let c = Credential::from_parts("AKID", "20150830", region, "iam");
            assert_eq!(c.as_str(), expected);
            assert_eq!(c.access_key_id(), "AKID");
            assert_eq!(c.scope().date, "20150830");
            assert_eq!(c.scope().region, region);
            assert_eq!(c.scope().service, "iam");
            let parsed = Credential::parse(expected, AuthSource::Header);
            assert_eq!(parsed.ok(), Some(c));
        }
    }

    #[test]
    fn an_owned_credential_is_shared_by_its_clones() {
        let raw = "AKID/20150830/us-east-1/iam/aws4_request";
        for parsed in [
            Credential::parse(raw, AuthSource::Header),
            Credential::parse(raw.to_string(), AuthSource::Query),
        ] {
            let owned = parsed.unwrap_or_else(|e| panic!("{e}")).into_owned();
            let clone = owned.clone();
            assert_eq!(clone, owned);
            assert!(std::ptr::eq(clone.as_str(), owned.as_str()), "one string");
            assert_eq!(clone.scope().region, "us-east-1");
        }
    }

    #[test]
    fn access_key_ids_up_to_128_characters() {
        let id = "A".repeat(MAX_ACCESS_KEY_ID_LEN);
        let c = Credential::parse(
            format!("{id}/20150830/r/s/aws4_request"),
            AuthSource::Header,
        );
        assert_eq!(c.map(|c| c.access_key_id().len()).ok(), Some(128));
    }

    #[test]
    fn rejects_bad_shapes() {
        for bad in [
            "",
            "AKID",
            "AKID/20150830/us-east-1/service",
            "AKID/20150830/aws4_request",
            "AKID/20150830//aws4_request",
            "AKID/20150830/us-east-1/service/aws4_request/extra",
            "/20150830/us-east-1/service/aws4_request",
            "AKID/2015083/us-east-1/service/aws4_request",
            "AKID/20151330/us-east-1/service/aws4_request",
            "AKID/20150830//service/aws4_request",
            "AKID/20150830/us-east-1//aws4_request",
            "AKID/20150830/us-east-1/service/aws5_request",
            "AK ID/20150830/us-east-1/service/aws4_request",
            &format!(
                "{}/20150830/us-east-1/service/aws4_request",
                "A".repeat(129)
            ),
        ] {
            let e = Credential::parse(bad, AuthSource::Query).err();
            assert_eq!(
                e.map(|e| e.code()),
                Some("AuthorizationQueryParametersError"),
                "{bad:?}"
            );
        }
    }
}
