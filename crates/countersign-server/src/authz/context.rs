//! The facts of a request that policies ask about (`aws:SourceIp`, `aws:SecureTransport`,
//! `aws:CurrentTime`, `s3:authType`, ...), and the policy context made of them.
//!
//! The keys follow IAM's global condition keys
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>)
//! and S3's (<https://docs.aws.amazon.com/AmazonS3/latest/API/bucket-policy-s3-sigv4-conditions.html>,
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>).
//! An object's tags (`s3:ExistingObjectTag/*`) are the store's to tell: the policy
//! authorizer asks an [`ObjectTags`](super::ObjectTags) source for them when a policy tests
//! one; without a source they are absent, as AWS evaluates a key the request does not carry.

use std::borrow::Cow;
use std::fmt::Write;
use std::net::IpAddr;
use std::ops::Range;

use countersign_policy::Context;
use http::request::Parts;
use smallvec::SmallVec;
use time::OffsetDateTime;

use crate::authz::connection::Connection;
use crate::authz::principal::IamView;
use crate::authz::AccessRequest;
use crate::config::TrustedProxy;

/// How a request was authenticated, as S3's `s3:authType` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthType {
    /// The `Authorization` header: `REST-HEADER`.
    Header,
    /// A presigned URL: `REST-QUERY-STRING`.
    Query,
    /// A browser POST form: `POST`.
    Post,
}

impl AuthType {
    /// S3's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::Header => "REST-HEADER",
            AuthType::Query => "REST-QUERY-STRING",
            AuthType::Post => "POST",
        }
    }
}

/// What the layer knows of a request besides its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestFacts {
    /// The client's address: the connection's peer (see [`Connection`]), or the address a
    /// trusted proxy forwarded (`X-Forwarded-For`, see
    /// [`TrustedProxy::forwarded_for`]); `None` when the server told neither.
    pub source_ip: Option<IpAddr>,
    /// Whether the client's connection is TLS (the connection's, or a trusted proxy's
    /// `X-Forwarded-Proto`).
    pub secure_transport: bool,
    /// Now, by the layer's clock.
    pub now: OffsetDateTime,
    /// How the request was authenticated; `None` for an anonymous request.
    pub auth_type: Option<AuthType>,
}

impl RequestFacts {
    /// The facts of `parts`, as the connection and a trusted `proxy` tell them.
    pub(crate) fn of(
        parts: &Parts,
        proxy: Option<&TrustedProxy>,
        now: OffsetDateTime,
        auth_type: Option<AuthType>,
    ) -> Self {
        let connection = parts.extensions.get::<Connection>();
        let forwarded_ip = proxy
            .filter(|p| p.forwarded_for)
            .and_then(|_| last_forwarded_for(parts));
        let forwarded_tls = proxy
            .filter(|p| p.forwarded_proto)
            .and_then(|_| parts.headers.get("x-forwarded-proto"))
            .map(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
        RequestFacts {
            source_ip: forwarded_ip.or(connection.map(|c| c.peer.ip())),
            secure_transport: forwarded_tls.unwrap_or(connection.is_some_and(|c| c.tls)),
            now,
            auth_type,
        }
    }
}

/// The address the nearest proxy saw: the last of the last `X-Forwarded-For` header (a
/// client may write any address before it; only the one the trusted proxy appended counts).
fn last_forwarded_for(parts: &Parts) -> Option<IpAddr> {
    let header = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?;
    let last = header.to_str().ok()?.rsplit(',').next()?.trim();
    last.parse().ok()
}

/// The condition keys some policy reads: the only ones gathered (the others cannot change
/// an outcome).
#[derive(Debug, Default)]
pub(crate) struct Wanted<'a> {
    /// Each once, compared without regard to ASCII case, as IAM compares key names.
    keys: SmallVec<[&'a str; 8]>,
}

impl<'a> Wanted<'a> {
    /// Adds `key`, unless it is there already.
    pub(crate) fn add(&mut self, key: &'a str) {
        if !self.has(key) {
            self.keys.push(key);
        }
    }

    /// Whether `key` is wanted. Asked for every key the layer could gather: the lengths are
    /// compared first, which tells most keys apart.
    #[inline]
    pub(crate) fn has(&self, key: &str) -> bool {
        self.keys
            .iter()
            .any(|k| k.len() == key.len() && k.eq_ignore_ascii_case(key))
    }

    /// Whether no key is.
    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether some key is an object's tag (`s3:ExistingObjectTag/<key>`).
    pub(crate) fn reads_object_tags(&self) -> bool {
        let prefix = crate::authz::object_tags::EXISTING_OBJECT_TAG;
        self.keys.iter().any(|key| {
            key.get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        })
    }
}

/// The values of a request's condition keys, written once into one string; the policy
/// context borrows them.
#[derive(Debug, Default)]
pub(crate) struct ContextValues {
    text: String,
    entries: Vec<(&'static str, Range<usize>)>,
}

impl ContextValues {
    fn push(&mut self, key: &'static str, value: impl std::fmt::Display) {
        let start = self.text.len();
        // Writing into a `String` does not fail.
        let _ = write!(self.text, "{value}");
        self.entries.push((key, start..self.text.len()));
    }

    /// Pushes `key` with `value`, text already (not run through the formatter).
    fn push_text(&mut self, key: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            let start = self.text.len();
            self.text.push_str(value);
            self.entries.push((key, start..self.text.len()));
        }
    }

    /// The values of the keys of `request` that `wanted` asks for, signed by `view` (none
    /// when anonymous). Only the wanted keys are looked at: most policies read none or one.
    pub(crate) fn gather<P>(
        request: &AccessRequest<'_, P>,
        view: Option<&IamView<'_>>,
        wanted: &Wanted<'_>,
    ) -> Self {
        // Nothing is allocated until a key is found.
        let mut values = ContextValues::default();
        for key in &wanted.keys {
            if let Some((name, key)) = Gathered::named(key) {
                values.gather_one(name, key, request, view);
            }
        }
        values
    }

    /// Pushes the value of `key` (named `name`), if the request has one.
    fn gather_one<P>(
        &mut self,
        name: &'static str,
        key: Gathered,
        request: &AccessRequest<'_, P>,
        view: Option<&IamView<'_>>,
    ) {
        let facts = request.facts;
        let header = |name: &str| {
            let value = request.parts.headers.get(name)?;
            value.to_str().ok()
        };
        let s3 = request.operation.s3.as_ref();
        // A service principal names the resource it acts for in signed headers (every
        // x-amz-* header present is signed, or the request was refused).
        let service = request.identity.is_some() && view.is_some_and(|v| v.service);
        // The keys of how an S3 request was signed.
        let signed = request
            .identity
            .zip(facts.auth_type)
            .filter(|_| s3.is_some());
        match key {
            Gathered::SourceIp => {
                if let Some(ip) = facts.source_ip {
                    self.push(name, ip);
                }
            }
            Gathered::SecureTransport => self.push(name, facts.secure_transport),
            Gathered::EpochTime => self.push(name, facts.now.unix_timestamp()),
            Gathered::CurrentTime => self.push(name, Iso8601(facts.now)),
            Gathered::RequestedRegion => {
                self.push_text(name, request.identity.map(|identity| identity.region()));
            }
            Gathered::SourceArn if service => self.push_text(name, header("x-amz-source-arn")),
            Gathered::SourceAccount if service => {
                self.push_text(name, header("x-amz-source-account"));
            }
            Gathered::SourceArn | Gathered::SourceAccount => {}
            Gathered::Prefix => self.push_text(name, s3.and_then(|s| s.prefix.as_deref())),
            Gathered::Delimiter => {
                self.push_text(name, s3.and_then(|s| s.delimiter.as_deref()));
            }
            Gathered::MaxKeys => self.push_text(name, s3.and_then(|s| s.max_keys.as_deref())),
            Gathered::VersionId => {
                self.push_text(name, s3.and_then(|s| s.version_id.as_deref()));
            }
            Gathered::ContentSha256 if s3.is_some() => {
                self.push_text(name, header("x-amz-content-sha256"));
            }
            Gathered::ContentSha256 => {}
            Gathered::AuthType => {
                self.push_text(name, signed.map(|(_, auth_type)| auth_type.as_str()));
            }
            Gathered::SignatureVersion => {
                self.push_text(name, signed.map(|(identity, _)| identity.algorithm()));
            }
            Gathered::SignatureAge => {
                if let Some((identity, _)) = signed {
                    let age = (facts.now - identity.signed_at).whole_milliseconds();
                    self.push(name, age.max(0));
                }
            }
        }
    }

    /// The policy context: these values, and the principal's tags that `wanted` asks for.
    pub(crate) fn context<'a>(
        &'a self,
        tags: &'a [(Cow<'a, str>, &'a str)],
        wanted: &Wanted<'_>,
    ) -> Context<'a> {
        let mut context = Context::new();
        for (key, range) in &self.entries {
            context.insert(key, self.text.get(range.clone()).unwrap_or(""));
        }
        for (key, value) in tags {
            if wanted.has(key) {
                context.insert(key, value);
            }
        }
        context
    }
}

/// The condition keys the layer gathers from a request (the principal's own keys are the
/// policy crate's: see [`countersign_policy::Principal`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gathered {
    SourceIp,
    SecureTransport,
    EpochTime,
    CurrentTime,
    RequestedRegion,
    SourceArn,
    SourceAccount,
    Prefix,
    Delimiter,
    MaxKeys,
    VersionId,
    ContentSha256,
    AuthType,
    SignatureVersion,
    SignatureAge,
}

/// Each gathered key by its name.
static GATHERED: [(&str, Gathered); 15] = [
    ("aws:SourceIp", Gathered::SourceIp),
    ("aws:SecureTransport", Gathered::SecureTransport),
    ("aws:EpochTime", Gathered::EpochTime),
    ("aws:CurrentTime", Gathered::CurrentTime),
    ("aws:RequestedRegion", Gathered::RequestedRegion),
    ("aws:SourceArn", Gathered::SourceArn),
    ("aws:SourceAccount", Gathered::SourceAccount),
    ("s3:prefix", Gathered::Prefix),
    ("s3:delimiter", Gathered::Delimiter),
    ("s3:max-keys", Gathered::MaxKeys),
    ("s3:VersionId", Gathered::VersionId),
    ("s3:x-amz-content-sha256", Gathered::ContentSha256),
    ("s3:authType", Gathered::AuthType),
    ("s3:signatureversion", Gathered::SignatureVersion),
    ("s3:signatureAge", Gathered::SignatureAge),
];

impl Gathered {
    /// The gathered key `name` names (without regard to ASCII case), with its name as the
    /// layer writes it.
    fn named(name: &str) -> Option<(&'static str, Gathered)> {
        GATHERED
            .iter()
            .find(|(known, _)| known.len() == name.len() && known.eq_ignore_ascii_case(name))
            .copied()
    }
}

/// A time as `aws:CurrentTime` gives it: ISO 8601, UTC, to the second.
struct Iso8601(OffsetDateTime);

impl std::fmt::Display for Iso8601 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.0.to_offset(time::UtcOffset::UTC);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn parts(headers: &[(&str, &str)], connection: Option<Connection>) -> Parts {
        let mut builder = http::Request::get("/x");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let (mut parts, ()) = builder
            .body(())
            .unwrap_or_else(|e| panic!("{e}"))
            .into_parts();
        if let Some(c) = connection {
            parts.extensions.insert(c);
        }
        parts
    }

    fn peer(address: &str) -> Connection {
        Connection::new(address.parse().unwrap_or_else(|e| panic!("{e}")))
    }

    const NOW: OffsetDateTime = datetime!(2024-05-24 12:00:00 UTC);

    #[test]
    fn the_source_ip_is_the_connections_peer() {
        let parts = parts(&[], Some(peer("203.0.113.7:5000")));
        let facts = RequestFacts::of(&parts, None, NOW, None);
        assert_eq!(facts.source_ip, "203.0.113.7".parse().ok());
    }

    #[test]
    fn an_untrusted_forwarded_for_is_ignored() {
        let parts = parts(
            &[("x-forwarded-for", "198.51.100.1")],
            Some(peer("203.0.113.7:5000")),
        );
        let facts = RequestFacts::of(&parts, Some(&TrustedProxy::new()), NOW, None);
        assert_eq!(facts.source_ip, "203.0.113.7".parse().ok());
    }

    #[test]
    fn a_trusted_proxy_forwards_the_address_it_appended_not_the_clients_claim() {
        let parts = parts(
            &[("x-forwarded-for", "10.9.9.9, 198.51.100.1")],
            Some(peer("192.0.2.1:5000")),
        );
        let proxy = TrustedProxy::new().forwarded_for(true);
        let facts = RequestFacts::of(&parts, Some(&proxy), NOW, None);
        assert_eq!(facts.source_ip, "198.51.100.1".parse().ok());
    }

    #[test]
    fn a_tls_connection_is_secure_transport() {
        let parts = parts(&[], Some(peer("203.0.113.7:5000").tls(true)));
        assert!(RequestFacts::of(&parts, None, NOW, None).secure_transport);
    }

    #[test]
    fn a_forwarded_proto_is_believed_only_from_a_trusted_proxy() {
        let parts = parts(
            &[("x-forwarded-proto", "https")],
            Some(peer("192.0.2.1:5000")),
        );
        assert!(!RequestFacts::of(&parts, None, NOW, None).secure_transport);
        let proxy = TrustedProxy::new().forwarded_proto(true);
        assert!(RequestFacts::of(&parts, Some(&proxy), NOW, None).secure_transport);
    }

    #[test]
    fn current_time_is_iso_8601_in_utc() {
        let t = datetime!(2024-05-24 14:03:09 +02:00);
        assert_eq!(Iso8601(t).to_string(), "2024-05-24T12:03:09Z");
    }
}
