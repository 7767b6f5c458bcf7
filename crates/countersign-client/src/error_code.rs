//! The error code of an AWS error response, as the protocols carry it: the
//! `x-amzn-errortype` header (REST-JSON, JSON), `<Code>` in an XML body (S3, Query, EC2),
//! `__type` or `code` in a JSON body (awsJson 1.0 and 1.1).
//!
//! The body given is a bounded prefix of the response's; nothing here allocates more than the
//! code it returns, and nothing panics on any input.

use http::HeaderMap;

/// The longest code taken: real ones are a few dozen characters.
const MAX_CODE_LEN: usize = 256;

/// The code in the `x-amzn-errortype` header: the value up to its first `:` (after which a
/// service may add a URL), e.g. `ThrottlingException` of
/// `ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/`.
pub(crate) fn from_header(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("x-amzn-errortype")?.to_str().ok()?;
    let code = value.split(':').next().unwrap_or("");
    plausible(code)
}

/// The code in an error body (or the prefix of one): `<Code>` in XML, else `__type` or
/// `code` in JSON, a `__type` shorn of its namespace (`…#ThrottlingException`).
pub(crate) fn from_body(body: &[u8]) -> Option<String> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    match body[start] {
        b'<' => xml_code(&body[start..]),
        b'{' => json_string(body, b"\"__type\"")
            .or_else(|| json_string(body, b"\"code\""))
            .or_else(|| json_string(body, b"\"Code\""))
            .and_then(|code| {
                let code = code.rsplit('#').next().unwrap_or(code);
                let code = code.split(':').next().unwrap_or(code);
                plausible(code)
            }),
        _ => None,
    }
}

/// The text of the first `<Code>` element.
fn xml_code(body: &[u8]) -> Option<String> {
    let open = find(body, b"<Code>")? + b"<Code>".len();
    let length = find(&body[open..], b"</Code>")?;
    let code = std::str::from_utf8(&body[open..open + length]).ok()?;
    plausible(code.trim())
}

/// The string value of the first occurrence of `key` (quoted) followed by `:` in a JSON
/// text; `None` if the value is not a plain string (one with escapes is not taken).
fn json_string<'b>(body: &'b [u8], key: &[u8]) -> Option<&'b str> {
    let mut rest = body;
    loop {
        let at = find(rest, key)?;
        rest = &rest[at + key.len()..];
        let after = skip_whitespace(rest);
        let Some(after_colon) = after.strip_prefix(b":") else {
            continue;
        };
        let value = skip_whitespace(after_colon).strip_prefix(b"\"")?;
        let end = value.iter().position(|&b| b == b'"' || b == b'\\')?;
        if value[end] == b'\\' {
            return None;
        }
        return std::str::from_utf8(&value[..end]).ok();
    }
}

fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// `code` if it can be an error code: not empty, not too long, letters, digits and `.`,
/// `_` or `-` only.
fn plausible(code: &str) -> Option<String> {
    let code = code.trim();
    let fits = !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    fits.then(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_code_stops_at_the_colon() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amzn-errortype",
            "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            from_header(&headers).as_deref(),
            Some("ThrottlingException")
        );
    }

    #[test]
    fn no_header_no_code() {
        assert_eq!(from_header(&HeaderMap::new()), None);
    }

    #[test]
    fn an_s3_error_body_gives_its_code() {
        let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>\
                     <Message>Please reduce your request rate.</Message></Error>";
        assert_eq!(from_body(body).as_deref(), Some("SlowDown"));
    }

    #[test]
    fn a_query_error_body_gives_its_code() {
        let body = b"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                     <Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded\
                     </Message></Error><RequestId>1</RequestId></ErrorResponse>";
        assert_eq!(from_body(body).as_deref(), Some("Throttling"));
    }

    #[test]
    fn a_json_type_loses_its_namespace() {
        let body = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow"}"#;
        assert_eq!(
            from_body(body).as_deref(),
            Some("ProvisionedThroughputExceededException")
        );
    }

    #[test]
    fn a_json_code_is_taken_without_a_type() {
        let body = br#"{ "message": "x", "code" : "RequestLimitExceeded" }"#;
        assert_eq!(from_body(body).as_deref(), Some("RequestLimitExceeded"));
    }

    #[test]
    fn a_key_inside_a_value_is_skipped() {
        let body = br#"{"message":"\"__type\" is absent","code":"SlowDown"}"#;
        assert_eq!(from_body(body).as_deref(), Some("SlowDown"));
    }

    #[test]
    fn a_cut_xml_body_has_no_code() {
        assert_eq!(from_body(b"<Error><Code>Slow"), None);
    }

    #[test]
    fn markup_in_a_code_is_not_a_code() {
        assert_eq!(from_body(b"<Error><Code><x/></Code></Error>"), None);
    }

    #[test]
    fn text_is_not_an_error_body() {
        assert_eq!(from_body(b"Service Unavailable"), None);
        assert_eq!(from_body(b""), None);
    }
}
