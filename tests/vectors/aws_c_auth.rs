//! What the v4 and v4a tests of the aws-c-auth suite share: the case directories, a case's
//! `context.json`, the two signature forms, and the tamperings every signed request must be
//! refused with.

use std::path::{Path, PathBuf};

use countersign::client::{Credentials, SessionTokenMode, Signer};
use countersign::core::{
    AuthKind, AuthParams, CanonicalRequest, PathEncoding, RawHeaders, Request, SecretKey,
    SigningSettings, StringToSign, Verifier,
};
use serde_json::Value;
use time::OffsetDateTime;

use crate::common::{read, sorted_entries, vectors_dir, RawRequest};

/// Expands to one test per case of the suite and form, in modules `header` and `query`, each
/// calling `$case(directory, form)`, and to `CASES`, the directories covered. The v4 and v4a
/// suites have the same 38 complete cases ([`with_v4_cases`]).
macro_rules! aws_c_auth_cases {
    ($case:path) => {
        with_v4_cases!(aws_c_auth_cases; $case);
    };
    ($case:path; $($name:ident => $dir:literal),* $(,)?) => {
        /// Every case directory the tests below cover.
        const CASES: &[&str] = &[$($dir),*];

        /// Each case signed in the `Authorization` header.
        mod header {
            $(
                #[test]
                fn $name() {
                    $case($dir, $crate::aws_c_auth::Form::Header)
                }
            )*
        }

        /// Each case presigned in the query.
        mod query {
            $(
                #[test]
                fn $name() {
                    $case($dir, $crate::aws_c_auth::Form::Query)
                }
            )*
        }
    };
}

/// The case directories of `suite` (`v4` or `v4a`) under the vectors, sorted.
pub(crate) fn case_directories(suite: &str) -> Vec<PathBuf> {
    sorted_entries(&vectors_dir().join(suite), |path| path.is_dir())
}

/// The names of [`case_directories`].
pub(crate) fn case_names(suite: &str) -> Vec<String> {
    case_directories(suite)
        .iter()
        .filter_map(|path| path.file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .collect()
}

/// Cases whose request `http::Request` cannot hold: a space in the path, a folded header
/// value. The core still checks them from the raw text (and the `countersign` command signs
/// them); the client part asserts that `http` refuses them, so this list has to change if
/// `http` ever accepts them.
pub(crate) const NOT_HTTP_REPRESENTABLE: [&str; 3] = [
    "get-space-normalized",
    "get-space-unnormalized",
    "get-header-value-multiline",
];

/// The case's `request.txt` as an `http::Request`, and its body; `None` for a case `http`
/// cannot hold, which must be one of [`NOT_HTTP_REPRESENTABLE`] (and those must stay so).
pub(crate) fn unsigned_request(
    case: &str,
    dir: &Path,
) -> Option<(http::Request<Vec<u8>>, Vec<u8>)> {
    let unsigned = RawRequest::parse(&read(&dir.join("request.txt")));
    let representable = !NOT_HTTP_REPRESENTABLE.contains(&case);
    match unsigned.to_http() {
        Ok(request) => {
            assert!(
                representable,
                "{case} is representable now: test its client side"
            );
            Some((request, unsigned.body))
        }
        Err(why) => {
            assert!(!representable, "{case}: http refused the request: {why}");
            None
        }
    }
}

/// The parameters of one case (`context.json`).
pub(crate) struct Context {
    pub(crate) access_key_id: String,
    pub(crate) secret: String,
    pub(crate) token: Option<String>,
    pub(crate) omit_session_token: bool,
    pub(crate) region: String,
    pub(crate) service: String,
    pub(crate) time: OffsetDateTime,
    pub(crate) normalize: bool,
    pub(crate) sign_body: bool,
    pub(crate) expires: u64,
}

impl Context {
    pub(crate) fn load(dir: &Path) -> Context {
        let v: Value =
            serde_json::from_str(&read(&dir.join("context.json"))).expect("context.json is JSON");
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        let timestamp = s("/timestamp").expect("timestamp");
        Context {
            access_key_id: s("/credentials/access_key_id").expect("access key"),
            secret: s("/credentials/secret_access_key").expect("secret"),
            token: s("/credentials/token"),
            omit_session_token: v["omit_session_token"].as_bool().unwrap_or(false),
            region: s("/region").expect("region"),
            service: s("/service").expect("service"),
            time: OffsetDateTime::parse(&timestamp, &time::format_description::well_known::Rfc3339)
                .expect("timestamp"),
            normalize: v["normalize"].as_bool().expect("normalize"),
            sign_body: v["sign_body"].as_bool().expect("sign_body"),
            expires: v["expiration_in_seconds"].as_u64().expect("expiration"),
        }
    }

    /// The suite always encodes the path again (aws-c-auth's default); `normalize` is apart.
    pub(crate) fn settings(&self) -> SigningSettings {
        SigningSettings::default()
            .with_path_encoding(PathEncoding::Double)
            .with_normalize_path(self.normalize)
    }

    pub(crate) fn verifier(&self) -> Verifier {
        Verifier::new(self.settings())
            .regions([self.region.as_str()])
            .services([self.service.as_str()])
    }

    /// A SigV4 signer for the case (add `.sigv4a(&ctx.region)` for a v4a case).
    pub(crate) fn signer(&self) -> Signer {
        let mut credentials = Credentials::new(&self.access_key_id, &self.secret);
        if let Some(token) = &self.token {
            credentials = credentials.with_session_token(token);
        }
        let mode = if self.omit_session_token {
            SessionTokenMode::AppendAfter
        } else {
            SessionTokenMode::Signed
        };
        Signer::new(credentials, &self.region, &self.service)
            .settings(self.settings())
            .content_sha256_header(self.sign_body)
            .session_token_mode(mode)
    }

    /// Asserts that `auth`, parsed from the case's signed request `view`, is of `form`'s kind,
    /// and that the canonical request (over `payload_hash`) and the string to sign (for
    /// `algorithm`) equal the case's files, which `file` reads; gives the string to sign.
    pub(crate) fn assert_stages<'a>(
        &self,
        view: &Request<'_, RawHeaders>,
        auth: &'a AuthParams<'_>,
        form: Form,
        (algorithm, payload_hash): (&'a str, &str),
        file: impl Fn(&str) -> String,
    ) -> StringToSign<'a> {
        let kind = match form {
            Form::Header => AuthKind::Header,
            Form::Query => AuthKind::Query {
                expires: self.expires as u32,
            },
        };
        assert_eq!(auth.kind, kind);
        let creq = CanonicalRequest::new(
            view,
            self.settings(),
            &auth.signed_headers,
            payload_hash,
            self.skipped_query(form),
        );
        assert_eq!(
            creq.to_string(),
            file("canonical-request.txt"),
            "canonical request"
        );
        let sts = StringToSign::new(
            algorithm,
            auth.date,
            auth.credential.scope_str(),
            creq.hash(),
        );
        assert_eq!(
            sts.to_string(),
            file("string-to-sign.txt"),
            "string to sign"
        );
        sts
    }

    /// The query parameters the canonical request of a signed request leaves out.
    pub(crate) fn skipped_query(&self, form: Form) -> &'static [&'static str] {
        match (form, self.omit_session_token) {
            (Form::Header, _) => &[],
            (Form::Query, false) => &["X-Amz-Signature"],
            (Form::Query, true) => &["X-Amz-Signature", "X-Amz-Security-Token"],
        }
    }

    /// Asserts that `verifier` refuses `signed` with one byte changed in the signature, the
    /// path, a signed header's value or a query value.
    pub(crate) fn assert_tamperings_refused(
        &self,
        case: &str,
        signed: &RawRequest,
        auth: &AuthParams<'_>,
        form: Form,
        payload_hash: &str,
    ) {
        let verifier = self.verifier();
        let secret = SecretKey::new(&self.secret);
        for (what, tampered) in tamperings(signed, auth, form) {
            let view = tampered.view();
            let outcome = AuthParams::from_request(&view).and_then(|auth| {
                verifier
                    .verify(&view, &auth, &secret, payload_hash, self.time)
                    .map(|_| ())
            });
            match outcome {
                Err(e) => assert_eq!(e.code(), "SignatureDoesNotMatch", "{case} {what}: {e}"),
                Ok(_) => panic!("{case}: accepted with {what} changed"),
            }
        }
    }
}

/// Where the signature goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Form {
    Header,
    Query,
}

impl Form {
    /// The prefix of the case's files for this form.
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Form::Header => "header",
            Form::Query => "query",
        }
    }
}

/// The signed request with one byte changed in the signature, the path, a signed header's
/// value and a query value.
fn tamperings(
    signed: &RawRequest,
    auth: &AuthParams<'_>,
    form: Form,
) -> Vec<(&'static str, RawRequest)> {
    let mut out = Vec::new();

    let mut r = signed.clone();
    match form {
        Form::Header => change_header(&mut r, "authorization"),
        Form::Query => r.query = change_param(&r.query, "X-Amz-Signature"),
    }
    out.push(("the signature", r));

    let mut r = signed.clone();
    r.path = change_last_byte(&r.path);
    out.push(("the path", r));

    let name = auth
        .signed_headers
        .iter()
        .find(|n| *n != "host" && *n != "x-amz-date" && *n != "x-amz-region-set")
        .unwrap_or("host")
        .to_string();
    let mut r = signed.clone();
    change_header(&mut r, &name);
    out.push(("a signed header's value", r));

    let mut r = signed.clone();
    let param = countersign::core::encoding::split_query(&r.query)
        .map(|(k, _)| k.to_string())
        .find(|k| !k.starts_with("X-Amz-"))
        .unwrap_or_else(|| "X-Amz-Expires".to_string());
    r.query = if r.query.is_empty() {
        "tamper=1".to_string()
    } else {
        change_param(&r.query, &param)
    };
    out.push(("a query value", r));
    out
}

/// Changes the last character (a digit stays a digit, so numbers stay numbers); a path
/// ending in `/` gets one more character instead.
fn change_last_byte(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    match chars.last_mut() {
        Some(c) if c.is_ascii_digit() => {
            *c = if *c == '9' {
                '0'
            } else {
                char::from(*c as u8 + 1)
            }
        }
        Some(c) if *c != '/' => *c = if *c == 'a' { 'b' } else { 'a' },
        _ => chars.push('a'),
    }
    chars.into_iter().collect()
}

fn change_header(r: &mut RawRequest, name: &str) {
    let entry = r
        .header_list
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .expect("header present");
    entry.1 = change_last_byte(entry.1.trim_end());
    r.headers = RawHeaders::from_pairs(r.header_list.iter().map(|(n, v)| (n.as_str(), v.as_str())));
}

fn change_param(query: &str, key: &str) -> String {
    query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, v)) if k == key => format!("{k}={}", change_last_byte(v)),
            _ => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}
