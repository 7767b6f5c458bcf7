//! What to do about a client that canonicalized differently: known client bugs, recognized
//! by the line the client wrote differently and by its `User-Agent`, and the fix for each.
//!
//! curl's `--aws-sigv4` signed the query as it sent it, neither sorted nor encoded again,
//! until its query was canonicalized in September 2023 (curl pull request #11806, after
//! issues #9717 and #11794; first released in 8.3.0). It signed the path as sent, not
//! encoded again, up to 8.8 at least (curl issue #13754).

use crate::canonical_variants::{Form, PathForm, PayloadForm, QueryEncoding};
use crate::signature_check::Change;

/// The first curl release that sorts and encodes the query it signs.
const CURL_SORTS_QUERY: (u32, u32, u32) = (8, 3, 0);

/// The curl releases before this one sign the path as sent: 8.8 does (curl issue #13754), as
/// the earlier ones do.
const CURL_ENCODES_PATH: (u32, u32, u32) = (8, 9, 0);

/// curl's version in a `User-Agent` of the form `curl/X.Y.Z`.
fn curl_version(user_agent: &str) -> Option<(u32, u32, u32)> {
    let version = user_agent.trim().strip_prefix("curl/")?;
    let version = version.split([' ', '-']).next().unwrap_or_default();
    let mut numbers = version.split('.').map(|n| n.parse::<u32>().ok());
    let major = numbers.next().flatten()?;
    let minor = numbers.next().flatten()?;
    let patch = numbers.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// The advice for `changes`, one sentence per line that differs.
pub(crate) fn advice(changes: &[Change], user_agent: Option<&str>) -> Vec<String> {
    let curl = user_agent.and_then(curl_version);
    changes
        .iter()
        .map(|change| match change.form {
            Form::Query { sorted, encoding } => query_advice(sorted, encoding, curl),
            Form::Path(form) => path_advice(form, curl),
            Form::Headers { .. } => "SigV4 signs each header value trimmed, with every inner run \
                                     of whitespace made one space: have the client do so, or \
                                     send the values without the extra whitespace"
                .to_string(),
            Form::Payload(form) => payload_advice(form),
        })
        .collect()
}

fn query_advice(sorted: bool, encoding: QueryEncoding, curl: Option<(u32, u32, u32)>) -> String {
    let unencoded = encoding == QueryEncoding::AsSent;
    let send = match (sorted, unencoded) {
        (false, true) => "send the parameters already sorted and encoded",
        (false, false) => "send the parameters already sorted",
        (true, _) => "send the query already encoded the canonical way",
    };
    match curl {
        Some(version) if version < CURL_SORTS_QUERY && (!sorted || unencoded) => {
            let (major, minor, patch) = version;
            format!(
                "curl {major}.{minor}.{patch} (the request's User-Agent) has this bug: curl's \
                 --aws-sigv4 signs the query as it sends it, neither sorted nor encoded again, \
                 before 8.3.0 (curl issues #9717 and #11794): upgrade curl, or {send}"
            )
        }
        _ if !sorted => format!(
            "the client does not sort the query parameters (curl's --aws-sigv4 before 8.3.0 is \
             one such client): fix or upgrade it, or {send}"
        ),
        _ => format!(
            "the client does not encode the query's keys and values the canonical way (every \
             byte but A-Z a-z 0-9 - . _ ~ as %XY in upper-case hex, a raw + read as a space): \
             fix or upgrade it, or {send}"
        ),
    }
}

fn path_advice(form: PathForm, curl: Option<(u32, u32, u32)>) -> String {
    match (form, curl) {
        (PathForm::AsSent { .. }, Some(version)) if version < CURL_ENCODES_PATH => {
            let (major, minor, patch) = version;
            format!(
            "curl {major}.{minor}.{patch} (the request's User-Agent): curl's --aws-sigv4 signed \
             the path as it sent it, not encoded again, up to 8.8 at least (curl issue \
             #13754): upgrade curl, or send the path already in its canonical form"
            )
        }
        (PathForm::AsSent { .. }, _) => {
            "the client signs the path as it sends it: have it encode the path as SigV4 asks, or \
             send the path already in its canonical form"
                .to_string()
        }
        (PathForm::Encoded { .. }, _) => {
            "S3 encodes the path once and never normalizes it; every other service normalizes it \
             and encodes it twice: sign by the rules of the server's service (countersign's \
             flags: --s3, --path-encoding, --no-normalize)"
                .to_string()
        }
    }
}

fn payload_advice(form: PayloadForm) -> String {
    match form {
        PayloadForm::Unsigned => {
            "the client signed UNSIGNED-PAYLOAD without declaring it: send \
             x-amz-content-sha256: UNSIGNED-PAYLOAD (S3 accepts it), or sign the body's hash"
        }
        PayloadForm::BodyHash => {
            "the client signed the body's hash but declared another payload hash in \
             x-amz-content-sha256: sign what the request declares"
        }
        PayloadForm::EmptyBodyHash => {
            "the client hashed an empty body: have it hash the bytes it sends (an upload from a \
             file or a stream too), or sign UNSIGNED-PAYLOAD where the service accepts it (S3)"
        }
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::curl_version;

    #[test]
    fn a_curl_version_is_read_from_the_user_agent() {
        assert_eq!(curl_version("curl/7.88.1"), Some((7, 88, 1)));
    }

    #[test]
    fn a_curl_development_version_is_read_without_its_suffix() {
        assert_eq!(curl_version("curl/8.10.0-DEV"), Some((8, 10, 0)));
    }

    #[test]
    fn another_user_agent_is_not_curl() {
        assert_eq!(curl_version("Wget/1.21"), None);
    }

    #[test]
    fn a_curl_user_agent_without_a_version_has_none() {
        assert_eq!(curl_version("curl/x"), None);
    }
}
