//! Why a server refused a request: the client's canonical request diffed against the
//! server's, line by line, what the request's own signature was made over, and the cause
//! named in words.

use std::fmt::Write as _;

use countersign_core::AmzDate;
use time::OffsetDateTime;

use crate::client_bugs;
use crate::rejection::Rejection;
use crate::signature_check::{Check, Finding, SignatureCheck};

/// What the client signed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientSide {
    /// The canonical request the client signed.
    pub(crate) canonical_request: String,
    /// The string to sign, when known.
    pub(crate) string_to_sign: Option<String>,
    /// The signed header names.
    pub(crate) signed_headers: Vec<String>,
    /// The (lower-case) names of the headers the request carried.
    pub(crate) header_names: Vec<String>,
    /// The signing time, when known.
    pub(crate) time: Option<AmzDate>,
    /// Whether the signature the request carries was compared, and what it was made over.
    pub(crate) signature: SignatureCheck,
}

/// The explanation: causes in words, then the diff.
#[derive(Debug, Clone, Default)]
pub(crate) struct Explanation {
    /// The causes, most likely first.
    pub(crate) causes: Vec<String>,
    /// A line diff of the canonical requests (and strings to sign), when both are known.
    pub(crate) diff: Option<String>,
}

impl Explanation {
    /// The explanation as printed by `countersign explain`.
    pub(crate) fn render(&self, rejection: &Rejection) -> String {
        let mut out = String::new();
        let code = rejection.code.as_deref().unwrap_or("(no code)");
        let _ = writeln!(
            out,
            "server: {code}{}",
            rejection
                .message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        );
        for cause in &self.causes {
            let _ = writeln!(out, "cause: {cause}");
        }
        if let Some(diff) = &self.diff {
            out.push('\n');
            out.push_str(diff);
        }
        out
    }
}

/// The parts of a canonical request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Parts {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    signed_headers: String,
    payload: String,
}

impl Parts {
    fn parse(text: &str) -> Parts {
        let mut lines = text.split('\n');
        let mut next = || lines.next().unwrap_or_default().to_string();
        let method = next();
        let path = next();
        let query = next()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.to_string())
            })
            .collect();
        let mut headers = Vec::new();
        loop {
            let line = next();
            if line.is_empty() {
                break;
            }
            let (n, v) = line.split_once(':').unwrap_or((&line, ""));
            headers.push((n.to_string(), v.to_string()));
        }
        let signed_headers = next();
        let payload = next();
        Parts {
            method,
            path,
            query,
            headers,
            signed_headers,
            payload,
        }
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Names what differs between the server's canonical request and the client's.
fn compare_canonical(server: &Parts, client: &Parts) -> Vec<String> {
    let mut causes = Vec::new();
    if server.method != client.method {
        causes.push(format!(
            "the server saw method {}, you signed {}",
            server.method, client.method
        ));
    }
    if server.path != client.path {
        let mut cause = format!(
            "path encoded differently: the server saw path {}, you signed {}",
            server.path, client.path
        );
        if percent_decode(&client.path) == server.path {
            cause.push_str(
                "; you encoded the path twice (the rule of every service but S3) and the server \
                 encodes it once, as S3 does: sign with --s3",
            );
        } else if percent_decode(&server.path) == client.path {
            cause.push_str(
                "; the server encodes the path twice (the rule of every service but S3) and you \
                 encoded it once, as for S3: sign without --s3 (or with --path-encoding double)",
            );
        } else if percent_decode(&server.path) == percent_decode(&client.path) {
            cause.push_str(
                "; the same path, escaped differently: the path was re-encoded on the way (a proxy \
                 or an HTTP library), or one side encodes reserved characters such as + or = and \
                 the other does not",
            );
        } else {
            cause.push_str(
                "; the path was changed between signing and the server (a proxy rewrote it, or one \
                 side removed ./.. segments or repeated slashes: S3 never normalizes)",
            );
        }
        causes.push(cause);
    }
    if server.query != client.query {
        let mut keys: Vec<&str> = server
            .query
            .iter()
            .chain(client.query.iter())
            .map(|(k, _)| k.as_str())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            match (lookup(&server.query, key), lookup(&client.query, key)) {
                (Some(s), Some(c)) if s != c => causes.push(format!(
                    "query parameter {key}: the server saw {s:?}, you signed {c:?}"
                )),
                (Some(_), None) => causes.push(format!(
                    "query parameter {key} reached the server but you did not sign it (added on the way?)"
                )),
                (None, Some(_)) => causes.push(format!(
                    "query parameter {key} was signed but did not reach the server"
                )),
                _ => {}
            }
        }
        if causes.is_empty() {
            causes.push("the query differs in order or encoding".to_string());
        }
    }
    for (name, client_value) in &client.headers {
        match lookup(&server.headers, name) {
            Some(server_value) if server_value != client_value => {
                let cause = if name == "host" {
                    format!(
                        "the Host changed: the server saw {server_value:?}, you signed {client_value:?} \
                         (a proxy in between, a port left out or added, or virtual-hosted vs path-style)"
                    )
                } else {
                    format!(
                        "header {name} changed after signing: the server saw {server_value:?}, you signed {client_value:?}"
                    )
                };
                causes.push(cause);
            }
            None if server.signed_headers.split(';').any(|n| n == name) => causes.push(format!(
                "header {name} was signed but did not reach the server (a proxy dropped it)"
            )),
            _ => {}
        }
    }
    if server.signed_headers != client.signed_headers {
        causes.push(format!(
            "the signed header lists differ: the server read SignedHeaders={}, you signed {}",
            server.signed_headers, client.signed_headers
        ));
    }
    if server.payload != client.payload {
        let mut cause = format!(
            "the payload hash differs: the server used {}, you signed {}",
            server.payload, client.payload
        );
        if server.payload == countersign_core::UNSIGNED_PAYLOAD
            || client.payload == countersign_core::UNSIGNED_PAYLOAD
        {
            cause.push_str(" (one side signs UNSIGNED-PAYLOAD: for S3 send x-amz-content-sha256)");
        } else {
            cause.push_str(" (the body changed after signing)");
        }
        causes.push(cause);
    }
    causes
}

/// Compares the strings to sign line by line (algorithm, time, scope, hash).
fn compare_string_to_sign(server: &str, client: &str) -> Vec<String> {
    let s: Vec<&str> = server.split('\n').collect();
    let c: Vec<&str> = client.split('\n').collect();
    let mut causes = Vec::new();
    if s.get(1) != c.get(1) {
        causes.push(format!(
            "the signing time differs: the server read {}, you signed {}",
            s.get(1).unwrap_or(&"?"),
            c.get(1).unwrap_or(&"?")
        ));
    }
    if s.get(2) != c.get(2) {
        causes.push(format!(
            "the credential scope differs: the server read {}, you signed {}",
            s.get(2).unwrap_or(&"?"),
            c.get(2).unwrap_or(&"?")
        ));
    }
    causes
}

/// A line diff (longest common subsequence): `  ` same, `- ` the server's, `+ ` yours.
pub(crate) fn line_diff(title: &str, server: &str, client: &str) -> String {
    let a: Vec<&str> = server.split('\n').collect();
    let b: Vec<&str> = client.split('\n').collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = format!("{title} (- the server's, + yours):\n");
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "  {}", a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "- {}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "+ {}", b[j]);
            j += 1;
        }
    }
    out
}

/// `N s ahead of`/`N s behind` in a skew message, as signed seconds (positive: the request
/// is ahead of the server).
fn skew_from_message(message: &str) -> Option<i64> {
    let at = message
        .find(" s ahead of")
        .map(|at| (at, 1))
        .or_else(|| message.find(" s behind").map(|at| (at, -1)))?;
    let digits: String = message[..at.0]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse::<i64>().ok().map(|n| n * at.1)
}

/// A time of S3's error body: `20150830T123600Z` or ISO 8601 with separators.
fn parse_time(text: &str) -> Option<OffsetDateTime> {
    AmzDate::parse(text.trim())
        .map(|d| d.as_offset())
        .or_else(|| crate::timestamp::parse(text).ok())
}

fn describe_skew(seconds: i64) -> String {
    let direction = if seconds >= 0 { "ahead of" } else { "behind" };
    format!(
        "clock skew: your clock is {} s {direction} the server's (or the request was signed {} s {}); \
         set your clock (NTP) and sign with the current time",
        seconds.abs(),
        seconds.abs(),
        if seconds >= 0 { "in the future" } else { "before it was sent" }
    )
}

/// `the region 'x' is wrong; expecting 'y'` → (what, got, expected).
fn wrong_scope(message: &str) -> Option<(String, String, String)> {
    for what in ["region", "service"] {
        let marker = format!("the {what} '");
        let Some(start) = message.find(&marker) else {
            continue;
        };
        let rest = &message[start + marker.len()..];
        let Some(end) = rest.find('\'') else { continue };
        let got = rest[..end].to_string();
        let expected = rest[end..]
            .split_once("expecting ")
            .map(|(_, e)| e.trim().trim_end_matches('.').to_string())
            .unwrap_or_default();
        return Some((what.to_string(), got, expected));
    }
    None
}

/// The unsigned header named in `… NAME must be listed in SignedHeaders`.
fn unsigned_header(message: &str) -> Option<String> {
    let before = message.split(" must be listed in SignedHeaders").next()?;
    if before.len() == message.len() {
        return None;
    }
    before
        .rsplit([' ', ':'])
        .find(|w| !w.is_empty())
        .map(str::to_string)
}

/// Adds `found` to the causes, and the diff of the server's canonical request and string
/// to sign (when the rejection has them) against the client's.
fn causes_and_diff(
    explanation: &mut Explanation,
    found: Vec<String>,
    rejection: &Rejection,
    canonical_request: &str,
    string_to_sign: Option<&str>,
) {
    explanation.causes.extend(found);
    let Some(server_creq) = &rejection.canonical_request else {
        return;
    };
    let mut diff = line_diff("canonical request", server_creq, canonical_request);
    if let (Some(s), Some(c)) = (&rejection.string_to_sign, string_to_sign) {
        diff.push('\n');
        diff.push_str(&line_diff("string to sign", s, c));
    }
    explanation.diff = Some(diff);
}

/// Whether the server refused the signature itself (rather than the time, the scope, ...):
/// by its code, its canonical request, or AWS's words for it.
fn refused_the_signature(rejection: &Rejection) -> bool {
    let code = rejection.code.as_deref().unwrap_or("");
    let message = rejection.message.as_deref().unwrap_or("");
    rejection.canonical_request.is_some()
        || matches!(code, "SignatureDoesNotMatch" | "InvalidSignatureException")
        || message
            .to_ascii_lowercase()
            .contains("signature we calculated does not match")
}

/// The causes told by what the request's signature was made over, and the diff.
fn explain_signature(
    rejection: &Rejection,
    client: &ClientSide,
    check: &Check,
    explanation: &mut Explanation,
) {
    let refused = refused_the_signature(rejection);
    let key_id = &check.access_key_id;
    match &check.finding {
        Finding::Rules => {
            explanation.causes.push(format!(
                "the request's signature matches: it is the signature of its canonical request \
                 as the rules build it, with the secret given here{}",
                if refused {
                    "; the client signed correctly, so the refusal comes from the server's side"
                } else {
                    ""
                }
            ));
            let mut found = Vec::new();
            if let Some(server_creq) = &rejection.canonical_request {
                found = compare_canonical(
                    &Parts::parse(server_creq),
                    &Parts::parse(&client.canonical_request),
                );
                if found.is_empty() {
                    if let (Some(s), Some(c)) = (&rejection.string_to_sign, &client.string_to_sign)
                    {
                        found = compare_string_to_sign(s, c);
                    }
                }
                if found.is_empty() {
                    found.push(format!(
                        "the server computed this same canonical request and string to sign and \
                         still refused the signature: it holds another secret for access key id \
                         {key_id} than the one given here"
                    ));
                } else {
                    found.insert(
                        0,
                        "the server's canonical request is not the one the rules give for this \
                         request: the request was changed on its way, or the server \
                         canonicalizes differently"
                            .to_string(),
                    );
                }
            } else if refused {
                found.push(format!(
                    "the server did not say what it computed: it holds another secret for access \
                     key id {key_id}, or it (or a proxy on the way) canonicalizes the request \
                     differently; run it with debug errors to see its canonical request"
                ));
            }
            causes_and_diff(
                explanation,
                found,
                rejection,
                &client.canonical_request,
                client.string_to_sign.as_deref(),
            );
        }
        Finding::Variant {
            changes,
            canonical_request,
            string_to_sign,
        } => {
            let hows: Vec<&str> = changes.iter().map(|c| c.how.as_str()).collect();
            let mut found = vec![format!(
                "the secret is right, the bytes signed differ: the request's signature is the one \
                 of a canonical request the client built differently from the rules, with {}",
                hows.join("; and with ")
            )];
            for change in changes {
                for (rules, client) in &change.lines {
                    found.push(format!(
                        "{} line: the server builds {rules:?}, the client evidently built {client:?}",
                        change.line().name()
                    ));
                }
            }
            found.extend(client_bugs::advice(changes, check.user_agent.as_deref()));
            let server_creq = rejection
                .canonical_request
                .as_deref()
                .unwrap_or(&client.canonical_request);
            let server_sts = rejection
                .string_to_sign
                .as_deref()
                .or(client.string_to_sign.as_deref());
            explanation.causes.extend(found);
            let mut diff = line_diff("canonical request", server_creq, canonical_request);
            if let Some(server_sts) = server_sts {
                diff.push('\n');
                diff.push_str(&line_diff("string to sign", server_sts, string_to_sign));
            }
            explanation.diff = Some(diff);
        }
        Finding::Neither { tried } => {
            let mut found = vec![format!(
                "the request's signature matches neither its canonical request as the rules build \
                 it nor any of {tried} variants a client may have built instead (the query \
                 unsorted or encoded otherwise, the path encoded or normalized otherwise, header \
                 whitespace kept, another payload hash): the secret is probably wrong: the \
                 request was signed with another secret than the one given here for access key \
                 id {key_id}"
            )];
            if check.given_key_id != *key_id {
                found.push(format!(
                    "the request names access key id {key_id}, and the secret given here is the \
                     one of access key id {}",
                    check.given_key_id
                ));
            }
            if let Some(server_creq) = &rejection.canonical_request {
                found.extend(compare_canonical(
                    &Parts::parse(server_creq),
                    &Parts::parse(&client.canonical_request),
                ));
            }
            causes_and_diff(
                explanation,
                found,
                rejection,
                &client.canonical_request,
                client.string_to_sign.as_deref(),
            );
        }
    }
}

/// Explains `rejection`, given what the client signed (when known).
pub(crate) fn explain(rejection: &Rejection, client: Option<&ClientSide>) -> Explanation {
    let code = rejection.code.as_deref().unwrap_or("");
    let message = rejection.message.as_deref().unwrap_or("");
    let mut explanation = Explanation::default();
    let causes = &mut explanation.causes;

    if code == "RequestTimeTooSkewed" || message.contains("too large") && message.contains("time") {
        let skew = skew_from_message(message).or_else(|| {
            let request = parse_time(rejection.request_time.as_deref()?)?;
            let server = parse_time(rejection.server_time.as_deref()?)?;
            Some((request - server).whole_seconds())
        });
        let skew = skew.or_else(|| {
            client
                .and_then(|c| c.time)
                .map(|t| (t.as_offset() - OffsetDateTime::now_utc()).whole_seconds())
        });
        causes.push(match skew {
            Some(seconds) => describe_skew(seconds),
            None => {
                "clock skew: the request's time is too far from the server's; set your clock (NTP)"
                    .to_string()
            }
        });
    }
    if let Some((what, got, expected)) = wrong_scope(message) {
        let first = expected
            .split(" or ")
            .next()
            .unwrap_or_default()
            .trim_matches('\'')
            .to_string();
        causes.push(format!(
            "wrong {what}: you signed for {what} {got}, the server expects {expected}{}",
            if first.is_empty() {
                String::new()
            } else {
                format!(" (sign with --{what} {first})")
            }
        ));
    } else if let Some(expected) = &rejection.region {
        if code == "AuthorizationHeaderMalformed" || code == "AuthorizationQueryParametersError" {
            causes.push(format!(
                "wrong region: the server expects region {expected} (sign with --region {expected})"
            ));
        }
    }
    if message.contains("invalid credential date") {
        causes.push(format!("the credential scope's date is wrong: {message}"));
    }
    let mut unsigned: Vec<String> = Vec::new();
    if let Some(list) = &rejection.headers_not_signed {
        unsigned.extend(
            list.split([',', ';'])
                .map(|h| h.trim().to_ascii_lowercase()),
        );
    }
    if let Some(name) = unsigned_header(message) {
        unsigned.push(name);
    }
    if let Some(client) = client {
        for name in &client.header_names {
            let must =
                name == "host" || name.starts_with("x-amz-") && name != "x-amz-security-token";
            if must
                && !client.signed_headers.contains(name)
                && (code == "AccessDenied" || !unsigned.is_empty())
            {
                unsigned.push(name.clone());
            }
        }
    }
    unsigned.retain(|h| !h.is_empty());
    unsigned.sort();
    unsigned.dedup();
    for name in &unsigned {
        causes.push(format!(
            "header {name} was not signed: it was added after signing, or your signer left it out; \
             every x-amz-* header present (and host) must be listed in SignedHeaders"
        ));
    }
    if message.contains("is listed in SignedHeaders but is not present") {
        causes.push(format!(
            "a signed header did not reach the server (a proxy dropped it): {message}"
        ));
    }
    match code {
        "InvalidAccessKeyId" => causes.push(format!(
            "the server does not know the access key id{}: check --access-key or the profile",
            rejection
                .access_key_id
                .as_deref()
                .map(|k| format!(" {k}"))
                .unwrap_or_default()
        )),
        "XAmzContentSHA256Mismatch" => causes.push(
            "the body changed after signing: its SHA-256 is not the x-amz-content-sha256 that was signed"
                .to_string(),
        ),
        "ExpiredToken" | "InvalidToken" => {
            causes.push(format!("the session token was refused: {message}"))
        }
        _ => {}
    }
    if message.starts_with("request has expired") || message.starts_with("request is not valid yet")
    {
        causes.push(format!("presigned URL: {message}"));
    }

    let checked = client.and_then(|c| match &c.signature {
        SignatureCheck::Checked(check) => Some((c, check)),
        _ => None,
    });
    if let Some((client, check)) = checked {
        explain_signature(rejection, client, check, &mut explanation);
    } else if let Some(server_creq) = &rejection.canonical_request {
        match client {
            Some(client) => {
                let server = Parts::parse(server_creq);
                let mine = Parts::parse(&client.canonical_request);
                let mut found = compare_canonical(&server, &mine);
                if found.is_empty() {
                    if let (Some(s), Some(c)) = (&rejection.string_to_sign, &client.string_to_sign)
                    {
                        found = compare_string_to_sign(s, c);
                    }
                }
                if found.is_empty() {
                    found.push(match &client.signature {
                        SignatureCheck::Unchecked(why) => format!(
                            "the request's canonical request, as the rules build it, is the \
                             server's, but its signature was not compared ({why}): give the \
                             secret (--secret-key, or a profile) to tell a wrong secret from a \
                             client that canonicalizes differently (an unsorted query, say)"
                        ),
                        _ => "your canonical request and string to sign are the server's: the \
                              secret key differs (the server holds another secret for this \
                              access key id)"
                            .to_string(),
                    });
                }
                causes_and_diff(
                    &mut explanation,
                    found,
                    rejection,
                    &client.canonical_request,
                    client.string_to_sign.as_deref(),
                );
            }
            None => {
                explanation.causes.push(
                    "the server's canonical request is below; give the request you sent (a raw request \
                     file or the URL and flags) to compare it with yours"
                        .to_string(),
                );
                explanation.diff =
                    Some(format!("the server's canonical request:\n{server_creq}\n"));
            }
        }
    } else if code == "SignatureDoesNotMatch" && explanation.causes.is_empty() {
        explanation.causes.push(
            "the signature does not match, and the server did not say what it computed: run the \
             server with debug errors (countersign's --debug-errors) to see its canonical request"
                .to_string(),
        );
        if let Some(SignatureCheck::Unchecked(why)) = client.map(|c| &c.signature) {
            explanation.causes.push(format!(
                "the request's own signature was not compared ({why}): give the secret \
                 (--secret-key, or a profile) to tell a wrong secret from a client that \
                 canonicalizes differently"
            ));
        }
    }
    if explanation.causes.is_empty() {
        explanation.causes.push(format!(
            "the server refused with {}: {}",
            if code.is_empty() { "no code" } else { code },
            if message.is_empty() {
                "no message"
            } else {
                message
            }
        ));
    }
    explanation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_and_scope_messages() {
        assert_eq!(
            skew_from_message("the request is 412 s ahead of the server (request"),
            Some(412)
        );
        assert_eq!(
            skew_from_message("the request is 60 s behind the server"),
            Some(-60)
        );
        assert_eq!(
            wrong_scope("the region 'us-west-2' is wrong; expecting 'us-east-1'"),
            Some(("region".into(), "us-west-2".into(), "'us-east-1'".into()))
        );
        assert_eq!(
            unsigned_header("there were headers present in the request which were not signed: x-amz-meta-b must be listed in SignedHeaders").as_deref(),
            Some("x-amz-meta-b")
        );
    }

    #[test]
    fn diff_marks_changed_lines() {
        let d = line_diff("t", "GET\n/a%20b\n", "GET\n/a%2520b\n");
        assert!(d.contains("- /a%20b\n+ /a%2520b\n"), "{d}");
    }

    #[test]
    fn a_double_encoded_path_is_named() {
        let rejection = Rejection {
            code: Some("SignatureDoesNotMatch".into()),
            canonical_request: Some("PUT\n/b/a%20b\n\nhost:h\n\nhost\nUNSIGNED-PAYLOAD".into()),
            ..Rejection::default()
        };
        let client = ClientSide {
            canonical_request: "PUT\n/b/a%2520b\n\nhost:h\n\nhost\nUNSIGNED-PAYLOAD".into(),
            ..ClientSide::default()
        };
        let e = explain(&rejection, Some(&client));
        assert!(
            e.causes[0].contains("you encoded the path twice"),
            "{:?}",
            e.causes
        );
    }
}
