//! Reading a server's refusal: S3's XML `<Error>` (with `CanonicalRequest` and
//! `StringToSign` in debug mode, as S3 and the countersign layer write them) or a JSON body
//! (countersign's `{"code", "message", "debug": {…}}`, or the `__type`/`message` of AWS JSON
//! services).

use serde_json::Value;

/// What the refusal says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Rejection {
    /// The AWS error code, such as `SignatureDoesNotMatch`.
    pub(crate) code: Option<String>,
    /// The message.
    pub(crate) message: Option<String>,
    /// The canonical request the server computed.
    pub(crate) canonical_request: Option<String>,
    /// The string to sign the server computed.
    pub(crate) string_to_sign: Option<String>,
    /// The server's hint.
    pub(crate) hint: Option<String>,
    /// The access key id the server read.
    pub(crate) access_key_id: Option<String>,
    /// S3's `RequestTime` (skew errors).
    pub(crate) request_time: Option<String>,
    /// S3's `ServerTime` (skew errors).
    pub(crate) server_time: Option<String>,
    /// S3's `Region`: the region the server expects.
    pub(crate) region: Option<String>,
    /// S3's `HeadersNotSigned`.
    pub(crate) headers_not_signed: Option<String>,
}

impl Rejection {
    /// Parses a body; `None` when it is neither an XML error nor a JSON object with a code
    /// or a message.
    pub(crate) fn parse(body: &str) -> Option<Rejection> {
        let body = body.trim_start_matches('\u{feff}').trim();
        if body.starts_with('{') {
            return Self::from_json(body);
        }
        if body.starts_with('<') {
            return Self::from_xml(body);
        }
        None
    }

    fn from_xml(body: &str) -> Option<Rejection> {
        let get = |name: &str| element(body, name);
        let rejection = Rejection {
            code: get("Code"),
            message: get("Message"),
            canonical_request: get("CanonicalRequest"),
            string_to_sign: get("StringToSign"),
            hint: get("Hint"),
            access_key_id: get("AWSAccessKeyId"),
            request_time: get("RequestTime"),
            server_time: get("ServerTime"),
            region: get("Region"),
            headers_not_signed: get("HeadersNotSigned"),
        };
        (rejection.code.is_some() || rejection.message.is_some()).then_some(rejection)
    }

    fn from_json(body: &str) -> Option<Rejection> {
        let value: Value = serde_json::from_str(body).ok()?;
        let text = |v: &Value, keys: &[&str]| {
            keys.iter()
                .find_map(|k| v.get(*k).and_then(Value::as_str))
                .map(str::to_string)
        };
        // AWS JSON services: "__type": "com.amazon.coral.service#SignatureDoesNotMatch"
        let code = text(&value, &["code", "Code", "__type"])
            .map(|c| c.rsplit('#').next().unwrap_or(&c).to_string());
        let debug = value.get("debug").unwrap_or(&Value::Null);
        let rejection = Rejection {
            code,
            message: text(&value, &["message", "Message"]),
            canonical_request: text(debug, &["canonical_request"]),
            string_to_sign: text(debug, &["string_to_sign"]),
            hint: text(debug, &["hint"]),
            access_key_id: text(debug, &["access_key_id"]),
            ..Rejection::default()
        };
        (rejection.code.is_some() || rejection.message.is_some()).then_some(rejection)
    }
}

/// The text of the first `<name>…</name>`, unescaped.
fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(unescape(&xml[start..end]))
}

/// Undoes XML escaping: the five named entities and numeric references.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::Rejection;

    #[test]
    fn s3_xml() {
        let r = Rejection::parse(
            "<?xml version=\"1.0\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>no &amp; no</Message>\
             <CanonicalRequest>GET\n/a&lt;b\n</CanonicalRequest><Hint>x&#x41;&#66;</Hint></Error>",
        )
        .unwrap();
        assert_eq!(r.code.as_deref(), Some("SignatureDoesNotMatch"));
        assert_eq!(r.message.as_deref(), Some("no & no"));
        assert_eq!(r.canonical_request.as_deref(), Some("GET\n/a<b\n"));
        assert_eq!(r.hint.as_deref(), Some("xAB"));
    }

    #[test]
    fn json_bodies() {
        let r = Rejection::parse(
            r#"{"code":"SignatureDoesNotMatch","message":"m","debug":{"canonical_request":"GET\n/","hint":"h"}}"#,
        )
        .unwrap();
        assert_eq!(r.canonical_request.as_deref(), Some("GET\n/"));
        let r =
            Rejection::parse(r#"{"__type":"com.amazon#InvalidSignatureException","message":"m"}"#)
                .unwrap();
        assert_eq!(r.code.as_deref(), Some("InvalidSignatureException"));
        assert!(Rejection::parse("plain text").is_none());
        assert!(Rejection::parse("{}").is_none());
    }
}
