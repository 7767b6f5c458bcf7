//! CORS: a bucket's configuration (`?cors`: PutBucketCors, GetBucketCors, DeleteBucketCors),
//! kept as the bucket's `cors` document; the answer to a browser's preflight (`OPTIONS`,
//! which the layer lets through unsigned); and the `Access-Control-*` headers of an actual
//! request from an origin a rule allows.
//!
//! The rules are S3's (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html>):
//! the first rule whose `AllowedOrigin`, `AllowedMethod` and `AllowedHeader`s take the
//! request's origin, method and requested headers answers it; an origin or header pattern
//! holds at most one `*`, which stands for any run of characters; headers are compared
//! without regard to case.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::app::App;
use crate::error::S3Error;
use crate::request::read_small;
use crate::storage::Storage;
use crate::xml::{self, xml_response, XmlWriter};

/// The name of the CORS configuration among a bucket's documents.
const CORS: &str = "cors";
/// The most rules a configuration has.
const MAX_RULES: usize = 100;
/// The most bytes of a PutBucketCors document read (S3 takes up to 64 KB).
const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// The methods a rule may allow.
const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];

/// One rule of a bucket's CORS configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Rule {
    id: Option<String>,
    origins: Vec<String>,
    methods: Vec<String>,
    headers: Vec<String>,
    expose: Vec<String>,
    max_age: Option<u64>,
}

impl Rule {
    /// The rule as the bucket keeps it.
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "origins": self.origins,
            "methods": self.methods,
            "headers": self.headers,
            "expose": self.expose,
            "max_age": self.max_age,
        })
    }

    fn from_json(value: &Value) -> Option<Rule> {
        let list = |name: &str| -> Option<Vec<String>> {
            value[name]
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        Some(Rule {
            id: value["id"].as_str().map(str::to_string),
            origins: list("origins")?,
            methods: list("methods")?,
            headers: list("headers")?,
            expose: list("expose")?,
            max_age: value["max_age"].as_u64(),
        })
    }

    /// Whether the rule takes a request from `origin` with `method`, asking for `headers`.
    fn allows(&self, origin: &str, method: &str, headers: &[String]) -> bool {
        self.origins.iter().any(|o| wildcard(o, origin, false))
            && self.methods.iter().any(|m| m == method)
            && headers.iter().all(|h| {
                self.headers
                    .iter()
                    .any(|allowed| wildcard(allowed, h, true))
            })
    }

    /// The `Access-Control-*` headers of an answer to `origin` by this rule: of a preflight
    /// (which asked for `requested` headers) or of an actual request (`None`).
    fn answer(&self, origin: &str, requested: Option<&str>) -> HeaderMap {
        let mut out = HeaderMap::new();
        let mut put = |name: HeaderName, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                out.insert(name, value);
            }
        };
        let any_origin = self.origins.iter().any(|o| o == "*");
        put(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            if any_origin { "*" } else { origin },
        );
        if !any_origin {
            put(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        put(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            &self.methods.join(", "),
        );
        if let Some(requested) = requested.filter(|r| !r.trim().is_empty()) {
            put(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                &requested_headers(requested).join(", "),
            );
        }
        if !self.expose.is_empty() {
            put(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                &self.expose.join(", "),
            );
        }
        if let Some(age) = self.max_age {
            put(header::ACCESS_CONTROL_MAX_AGE, &age.to_string());
        }
        put(
            header::VARY,
            "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
        );
        out
    }
}

/// Whether `text` matches `pattern`, whose one `*` (if any) stands for any run of
/// characters; `fold` compares without regard to ASCII case.
fn wildcard(pattern: &str, text: &str, fold: bool) -> bool {
    let (pattern, text) = match fold {
        true => (pattern.to_ascii_lowercase(), text.to_ascii_lowercase()),
        false => (pattern.to_string(), text.to_string()),
    };
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.len() >= head.len() + tail.len() && text.starts_with(head) && text.ends_with(tail)
        }
    }
}

/// The headers an `Access-Control-Request-Headers` asks for, lower-case.
fn requested_headers(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

/// The rules of a PutBucketCors document, held to S3's rules.
fn parse_rules(document: &[u8]) -> Result<Vec<Rule>, S3Error> {
    let parsed = xml::parse(document, "CORSConfiguration", "CORSRule")?;
    if parsed.records.is_empty() || parsed.records.len() > MAX_RULES {
        return Err(S3Error::malformed_xml(format!(
            "a CORS configuration has 1 to {MAX_RULES} CORSRules, this one {}",
            parsed.records.len()
        )));
    }
    let mut rules = Vec::new();
    for record in &parsed.records {
        let mut rule = Rule::default();
        for (name, value) in record {
            match name.as_str() {
                "ID" => rule.id = Some(value.clone()),
                "AllowedOrigin" => rule.origins.push(value.trim().to_string()),
                "AllowedMethod" => rule.methods.push(value.trim().to_string()),
                "AllowedHeader" => rule.headers.push(value.trim().to_string()),
                "ExposeHeader" => rule.expose.push(value.trim().to_string()),
                "MaxAgeSeconds" => {
                    rule.max_age = Some(value.trim().parse().map_err(|_| {
                        S3Error::malformed_xml("MaxAgeSeconds is not a whole number of seconds")
                    })?)
                }
                _ => {}
            }
        }
        if rule.origins.is_empty() || rule.methods.is_empty() {
            return Err(S3Error::malformed_xml(
                "each CORSRule has an AllowedOrigin and an AllowedMethod",
            ));
        }
        if let Some(method) = rule.methods.iter().find(|m| !METHODS.contains(&m.as_str())) {
            return Err(S3Error::invalid_request(format!(
                "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
            )));
        }
        for (what, patterns) in [
            ("AllowedOrigin", &rule.origins),
            ("AllowedHeader", &rule.headers),
        ] {
            if let Some(pattern) = patterns.iter().find(|p| p.matches('*').count() > 1) {
                return Err(S3Error::invalid_request(format!(
                    "{what} \"{pattern}\" can not have more than one wildcard."
                )));
            }
        }
        rules.push(rule);
    }
    Ok(rules)
}

/// The bucket's rules; none when it has no configuration.
async fn rules<S: Storage>(app: &App<S>, bucket: &str) -> Result<Vec<Rule>, S3Error> {
    let Some(document) = app.storage.bucket_config(bucket, CORS).await? else {
        return Ok(Vec::new());
    };
    let parsed: Option<Vec<Rule>> = serde_json::from_str::<Value>(&document)
        .ok()
        .and_then(|v| v.as_array()?.iter().map(Rule::from_json).collect());
    parsed.ok_or_else(|| {
        S3Error::internal(format!(
            "the CORS configuration of the bucket {bucket} cannot be read"
        ))
    })
}

/// PutBucketCors: the configuration checked, then kept with the bucket.
pub(crate) async fn put<S: Storage>(
    app: &App<S>,
    bucket: &str,
    body: Body,
) -> Result<Response, S3Error> {
    let document = read_small(body, MAX_DOCUMENT_BYTES).await?;
    app.storage.head_bucket(bucket).await?;
    let rules = parse_rules(&document)?;
    let kept = Value::Array(rules.iter().map(Rule::to_json).collect()).to_string();
    app.storage
        .put_bucket_config(bucket, CORS, Some(&kept))
        .await?;
    Ok(StatusCode::OK.into_response())
}

/// GetBucketCors: the rules; 404 `NoSuchCORSConfiguration` without any.
pub(crate) async fn get<S: Storage>(app: &App<S>, bucket: &str) -> Result<Response, S3Error> {
    app.storage.head_bucket(bucket).await?;
    let rules = rules(app, bucket).await?;
    if rules.is_empty() {
        return Err(S3Error::new(
            StatusCode::NOT_FOUND,
            "NoSuchCORSConfiguration",
            "The CORS configuration does not exist",
        )
        .at(format!("/{bucket}")));
    }
    let mut out = XmlWriter::new("CORSConfiguration");
    for rule in &rules {
        out.open("CORSRule").leaf_opt("ID", rule.id.as_deref());
        for (element, values) in [
            ("AllowedHeader", &rule.headers),
            ("AllowedMethod", &rule.methods),
            ("AllowedOrigin", &rule.origins),
            ("ExposeHeader", &rule.expose),
        ] {
            for value in values {
                out.leaf(element, value);
            }
        }
        out.leaf_opt("MaxAgeSeconds", rule.max_age.map(|a| a.to_string()))
            .close("CORSRule");
    }
    Ok(xml_response(out.finish("CORSConfiguration")))
}

/// DeleteBucketCors: 204, whether the bucket had a configuration or not.
pub(crate) async fn delete<S: Storage>(app: &App<S>, bucket: &str) -> Result<Response, S3Error> {
    app.storage.head_bucket(bucket).await?;
    app.storage.put_bucket_config(bucket, CORS, None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// 403 `AccessForbidden`: no rule allows the preflight (nor is there a bucket with rules).
fn forbidden() -> S3Error {
    S3Error::new(
        StatusCode::FORBIDDEN,
        "AccessForbidden",
        "CORSResponse: This CORS request is not allowed. This is usually because the \
         evaluation of Origin, request method / Access-Control-Request-Method or \
         Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    )
}

/// A preflight (`OPTIONS`) to `bucket` (or to the service, `None`): 200 with the
/// `Access-Control-*` headers of the first rule that allows it, 403 `AccessForbidden`
/// otherwise. It reads the bucket's rules and nothing else: the layer lets it through
/// unsigned.
pub(crate) async fn preflight<S: Storage>(
    app: &App<S>,
    headers: &HeaderMap,
    bucket: Option<&str>,
) -> Result<Response, S3Error> {
    let text = |name: HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(origin) = text(header::ORIGIN) else {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Insufficient information. Origin request header needed.",
        ));
    };
    let Some(method) = text(header::ACCESS_CONTROL_REQUEST_METHOD) else {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Invalid Access-Control-Request-Method: none was given.",
        ));
    };
    let requested = text(header::ACCESS_CONTROL_REQUEST_HEADERS);
    let wanted = requested.map(requested_headers).unwrap_or_default();
    // A missing bucket is answered as one without rules: a preflight is unsigned.
    let rules = match bucket {
        Some(bucket) if app.storage.head_bucket(bucket).await.is_ok() => rules(app, bucket).await?,
        _ => Vec::new(),
    };
    let Some(rule) = rules.iter().find(|r| r.allows(origin, method, &wanted)) else {
        return Err(forbidden());
    };
    Ok((StatusCode::OK, rule.answer(origin, requested)).into_response())
}

/// Adds to `response` the `Access-Control-*` headers of the first of `bucket`'s rules that
/// allows a request from `origin` with `method`; nothing when none does.
pub(crate) async fn decorate<S: Storage>(
    app: &App<S>,
    bucket: &str,
    origin: &str,
    method: &Method,
    response: &mut Response,
) {
    let Ok(rules) = rules(app, bucket).await else {
        return;
    };
    if let Some(rule) = rules
        .iter()
        .find(|r| r.allows(origin, method.as_str(), &[]))
    {
        response.headers_mut().extend(rule.answer(origin, None));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_stands_for_any_run_of_characters() {
        assert!(wildcard(
            "https://*.example.com",
            "https://a.b.example.com",
            false
        ));
        assert!(wildcard("*", "anything", false));
        assert!(wildcard("x-amz-meta-*", "X-Amz-Meta-Colour", true));
        assert!(!wildcard(
            "https://*.example.com",
            "https://example.com",
            false
        ));
        assert!(!wildcard(
            "https://app.example",
            "https://APP.example",
            false
        ));
        // The head and the tail may not overlap.
        assert!(!wildcard("ab*ba", "aba", false));
    }

    #[test]
    fn a_rule_allows_what_each_of_its_lists_takes() {
        let rule = Rule {
            origins: vec!["https://app.example".into()],
            methods: vec!["GET".into()],
            headers: vec!["content-*".into()],
            ..Rule::default()
        };
        let content = vec!["content-type".to_string()];
        assert!(rule.allows("https://app.example", "GET", &content));
        assert!(!rule.allows("https://app.example", "PUT", &content));
        assert!(!rule.allows("https://app.example", "GET", &["range".to_string()]));
        assert!(!rule.allows("https://other.example", "GET", &[]));
        assert_eq!(
            Rule::from_json(&rule.to_json()).as_ref(),
            Some(&rule),
            "kept and read back"
        );
    }
}
