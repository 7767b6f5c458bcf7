//! The canonical requests a client may have built instead of the one the rules give: the
//! lines clients get wrong, each with its plausible alternatives (the query's order and
//! encoding, the path's encoding and normalization, the whitespace of header values, the
//! payload hash), and their combinations, fewest changed lines first.

use std::ops::Range;

use countersign_core::encoding::query_component;
use countersign_core::{
    normalize_path, sha256_hex, CanonicalRequest, PathEncoding, RawHeaders, Request, SignedHeaders,
    SigningSettings, EMPTY_SHA256, UNSIGNED_PAYLOAD,
};

use crate::raw_request::RawRequest;

/// A line of the canonical request that clients build differently (for headers, the block
/// of header lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line {
    /// The canonical URI.
    Path,
    /// The canonical query string.
    Query,
    /// The canonical header lines.
    Headers,
    /// The payload hash, the last line.
    Payload,
}

impl Line {
    /// The line's name, as an explanation says it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Line::Path => "path",
            Line::Query => "query",
            Line::Headers => "header",
            Line::Payload => "payload hash",
        }
    }
}

/// How a client wrote the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathForm {
    /// Encoded by one of the two rules, normalized or not.
    Encoded {
        /// Once (S3) or twice (every other service).
        encoding: PathEncoding,
        /// Whether `.`/`..` segments and repeated slashes were removed.
        normalized: bool,
    },
    /// As sent, not encoded again, normalized or not.
    AsSent {
        /// Whether `.`/`..` segments and repeated slashes were removed.
        normalized: bool,
    },
}

/// How a client encoded the query's keys and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueryEncoding {
    /// Decoded and encoded again the one canonical way.
    Canonical,
    /// A raw `+` taken as a plus (`%2B`) where it stands for a space (`%20`).
    PlusAsPlus,
    /// Spaces written `+` instead of `%20`.
    SpaceAsPlus,
    /// A `/` in a value kept as it is instead of `%2F`.
    SlashKept,
    /// The keys and values as sent, not encoded again.
    AsSent,
}

/// What a client signed as the payload hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PayloadForm {
    /// `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// The SHA-256 of the body.
    BodyHash,
    /// The SHA-256 of an empty body.
    EmptyBodyHash,
}

/// A way of writing one line other than the rules' way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// The path.
    Path(PathForm),
    /// The query: in the order sent or sorted, and its encoding.
    Query {
        /// Whether the parameters were sorted.
        sorted: bool,
        /// How keys and values were encoded.
        encoding: QueryEncoding,
    },
    /// The header values: trimmed or not, inner runs of whitespace collapsed or not.
    Headers {
        /// Whether the whitespace around a value was removed.
        trimmed: bool,
        /// Whether runs of whitespace inside a value became one space.
        collapsed: bool,
    },
    /// The payload hash.
    Payload(PayloadForm),
}

impl Form {
    /// The line this form is a way of writing.
    pub(crate) fn line(self) -> Line {
        match self {
            Form::Path(_) => Line::Path,
            Form::Query { .. } => Line::Query,
            Form::Headers { .. } => Line::Headers,
            Form::Payload(_) => Line::Payload,
        }
    }
}

/// One line as a client may have written it instead of the rules' way.
#[derive(Debug, Clone)]
pub(crate) struct Alternative {
    /// The way it was written.
    pub(crate) form: Form,
    /// What the client did, in words.
    pub(crate) how: String,
    /// The text: one line, or for headers one line per signed header.
    text: Vec<String>,
}

/// The canonical request of the rules, line by line, and the alternatives of the lines
/// clients get wrong.
#[derive(Debug, Clone)]
pub(crate) struct Variants {
    /// The rules' canonical request, split at its line breaks.
    lines: Vec<String>,
    /// How many header lines it has (one per signed header).
    header_count: usize,
    /// The alternatives, by line, each line's simplest first.
    alternatives: Vec<Vec<Alternative>>,
}

/// What the variants are built from: the request as sent, and how the rules read it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    /// The request as sent.
    pub(crate) request: &'a RawRequest,
    /// The signed header names, as the request lists them.
    pub(crate) signed_headers: &'a SignedHeaders<'a>,
    /// The canonicalization rules of the request's service.
    pub(crate) settings: SigningSettings,
    /// Whether the signature is in the query (a presigned URL), and so left out of it.
    pub(crate) presigned: bool,
    /// The canonical request the rules build.
    pub(crate) canonical_request: &'a str,
}

impl Variants {
    /// The variants of `rules.canonical_request`; `None` when it does not split into the
    /// lines a canonical request has.
    pub(crate) fn new(rules: Rules<'_>) -> Option<Variants> {
        let lines: Vec<String> = rules
            .canonical_request
            .split('\n')
            .map(str::to_string)
            .collect();
        let header_count = rules.signed_headers.len();
        if lines.len() != header_count + 6 {
            return None;
        }
        let mut variants = Variants {
            lines,
            header_count,
            alternatives: Vec::new(),
        };
        let found = [
            path_alternatives(&rules),
            query_alternatives(&rules),
            header_alternatives(&rules, variants.rules_text(Line::Headers)),
            payload_alternatives(rules.request, variants.rules_text(Line::Payload)),
        ];
        for (line, found) in [Line::Path, Line::Query, Line::Headers, Line::Payload]
            .into_iter()
            .zip(found)
        {
            let mut kept: Vec<Alternative> = Vec::new();
            for alternative in found {
                let same = |text: &[String]| text == alternative.text.as_slice();
                if !same(variants.rules_text(line)) && !kept.iter().any(|k| same(&k.text)) {
                    kept.push(alternative);
                }
            }
            variants.alternatives.push(kept);
        }
        Some(variants)
    }

    /// Where `line` sits among the lines.
    fn range(&self, line: Line) -> Range<usize> {
        match line {
            Line::Path => 1..2,
            Line::Query => 2..3,
            Line::Headers => 3..3 + self.header_count,
            Line::Payload => self.header_count + 5..self.header_count + 6,
        }
    }

    /// The rules' text of `line`.
    pub(crate) fn rules_text(&self, line: Line) -> &[String] {
        self.lines.get(self.range(line)).unwrap_or_default()
    }

    /// Every combination of alternatives (one or none per line), fewest changed lines
    /// first, then the simplest alternatives first; the rules' own request is not among
    /// them.
    pub(crate) fn combinations(&self) -> Vec<Vec<&Alternative>> {
        let mut all: Vec<(usize, Vec<&Alternative>)> = vec![(0, Vec::new())];
        for line in &self.alternatives {
            let mut next = Vec::with_capacity(all.len() * (line.len() + 1));
            for (rank, chosen) in &all {
                next.push((*rank, chosen.clone()));
                for (index, alternative) in line.iter().enumerate() {
                    let mut more = chosen.clone();
                    more.push(alternative);
                    next.push((rank + index, more));
                }
            }
            all = next;
        }
        all.retain(|(_, chosen)| !chosen.is_empty());
        all.sort_by_key(|(rank, chosen)| (chosen.len(), *rank));
        all.into_iter().map(|(_, chosen)| chosen).collect()
    }

    /// The canonical request with the lines of `chosen` in place of the rules' ones.
    pub(crate) fn canonical_request(&self, chosen: &[&Alternative]) -> String {
        let mut lines = self.lines.clone();
        for alternative in chosen {
            let range = self.range(alternative.form.line());
            if alternative.text.len() == range.len() {
                lines.splice(range, alternative.text.iter().cloned());
            }
        }
        lines.join("\n")
    }

    /// The lines `alternative` writes differently from the rules: (the rules', the
    /// alternative's) pairs.
    pub(crate) fn differences(&self, alternative: &Alternative) -> Vec<(String, String)> {
        self.rules_text(alternative.form.line())
            .iter()
            .zip(&alternative.text)
            .filter(|(rules, client)| rules != client)
            .map(|(rules, client)| (rules.clone(), client.clone()))
            .collect()
    }
}

/// The path's canonical form with `settings`, as the core writes it.
fn encoded_path(path: &str, settings: SigningSettings) -> String {
    let headers = RawHeaders::from_pairs(std::iter::empty::<(&str, &str)>());
    let view = Request::new("GET", path, "", &headers);
    let none = SignedHeaders::from_names(std::iter::empty::<&str>());
    let canonical = CanonicalRequest::new(&view, settings, &none, "", &[]).to_string();
    canonical.split('\n').nth(1).unwrap_or_default().to_string()
}

fn path_alternatives(rules: &Rules<'_>) -> Vec<Alternative> {
    let path = rules.request.path.as_str();
    let encoding = rules.settings.path_encoding;
    let other = match encoding {
        PathEncoding::Single => PathEncoding::Double,
        PathEncoding::Double => PathEncoding::Single,
    };
    let normalized = rules.settings.normalize_path;
    let forms = [
        PathForm::Encoded {
            encoding: other,
            normalized,
        },
        PathForm::Encoded {
            encoding,
            normalized: !normalized,
        },
        PathForm::AsSent { normalized },
        PathForm::Encoded {
            encoding: other,
            normalized: !normalized,
        },
        PathForm::AsSent {
            normalized: !normalized,
        },
    ];
    forms
        .into_iter()
        .map(|form| {
            let text = match form {
                PathForm::Encoded {
                    encoding,
                    normalized,
                } => encoded_path(
                    path,
                    SigningSettings::default()
                        .with_path_encoding(encoding)
                        .with_normalize_path(normalized),
                ),
                PathForm::AsSent { normalized } => {
                    let path = if path.is_empty() { "/" } else { path };
                    if normalized {
                        normalize_path(path).into_owned()
                    } else {
                        path.to_string()
                    }
                }
            };
            Alternative {
                form: Form::Path(form),
                how: describe_path(form, rules.settings),
                text: vec![text],
            }
        })
        .collect()
}

fn describe_path(form: PathForm, settings: SigningSettings) -> String {
    let mut parts = Vec::new();
    let normalized = match form {
        PathForm::Encoded {
            encoding,
            normalized,
        } => {
            if encoding != settings.path_encoding {
                parts.push(match encoding {
                    PathEncoding::Single => {
                        "the path encoded once (the rule of S3), where the rules for this \
                         service encode it twice"
                    }
                    PathEncoding::Double => {
                        "the path encoded twice (the rule of every service but S3), where S3 \
                         encodes it once"
                    }
                });
            }
            normalized
        }
        PathForm::AsSent { normalized } => {
            parts.push("the path as sent, not encoded again");
            normalized
        }
    };
    if normalized != settings.normalize_path {
        parts.push(if normalized {
            "the path normalized (./.. segments and repeated slashes removed), which S3 never does"
        } else {
            "the path not normalized (./.. segments or repeated slashes kept), where the rules \
             for this service remove them"
        });
    }
    parts.join(", and ")
}

/// One parameter of the query: as sent, and its key and value.
struct Parameter<'a> {
    sent: &'a str,
    key: &'a str,
    value: &'a str,
}

/// The query's parameters as sent, empty ones and a presigned URL's signature left out.
fn parameters<'a>(query: &'a str, presigned: bool) -> Vec<Parameter<'a>> {
    query
        .split('&')
        .filter(|sent| !sent.is_empty())
        .map(|sent| {
            let (key, value) = sent.split_once('=').unwrap_or((sent, ""));
            Parameter { sent, key, value }
        })
        .filter(|p| !(presigned && query_component(p.key) == "X-Amz-Signature"))
        .collect()
}

/// The query string a client writes with `encoding`, sorted or in the order sent.
fn write_query(parameters: &[Parameter<'_>], sorted: bool, encoding: QueryEncoding) -> String {
    let plus = |raw: &str| query_component(&raw.replace('+', "%2B")).into_owned();
    let mut pairs: Vec<(String, String, String)> = parameters
        .iter()
        .map(|p| {
            let (key, value) = match encoding {
                QueryEncoding::Canonical => (
                    query_component(p.key).into_owned(),
                    query_component(p.value).into_owned(),
                ),
                QueryEncoding::PlusAsPlus => (plus(p.key), plus(p.value)),
                QueryEncoding::SpaceAsPlus => (
                    query_component(p.key).replace("%20", "+"),
                    query_component(p.value).replace("%20", "+"),
                ),
                QueryEncoding::SlashKept => (
                    query_component(p.key).into_owned(),
                    query_component(p.value).replace("%2F", "/"),
                ),
                QueryEncoding::AsSent => (p.key.to_string(), p.value.to_string()),
            };
            let written = match encoding {
                QueryEncoding::AsSent => p.sent.to_string(),
                _ => format!("{key}={value}"),
            };
            (key, value, written)
        })
        .collect();
    if sorted {
        pairs.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    }
    pairs
        .into_iter()
        .map(|(_, _, written)| written)
        .collect::<Vec<_>>()
        .join("&")
}

fn query_alternatives(rules: &Rules<'_>) -> Vec<Alternative> {
    use QueryEncoding::{AsSent, Canonical, PlusAsPlus, SlashKept, SpaceAsPlus};
    let parameters = parameters(&rules.request.query, rules.presigned);
    let forms = [
        (false, Canonical),
        (true, PlusAsPlus),
        (true, SpaceAsPlus),
        (true, SlashKept),
        (true, AsSent),
        (false, PlusAsPlus),
        (false, SpaceAsPlus),
        (false, SlashKept),
        (false, AsSent),
    ];
    forms
        .into_iter()
        .map(|(sorted, encoding)| Alternative {
            form: Form::Query { sorted, encoding },
            how: describe_query(sorted, encoding),
            text: vec![write_query(&parameters, sorted, encoding)],
        })
        .collect()
}

fn describe_query(sorted: bool, encoding: QueryEncoding) -> String {
    let mut parts = Vec::new();
    if !sorted {
        parts.push("its query parameters in the order they were sent, not sorted");
    }
    parts.push(match encoding {
        QueryEncoding::Canonical => "",
        QueryEncoding::PlusAsPlus => {
            "a + of the query taken as a plus (%2B), where a raw + stands for a space (%20)"
        }
        QueryEncoding::SpaceAsPlus => "spaces in the query written + instead of %20",
        QueryEncoding::SlashKept => "a / in a query value kept as it is instead of %2F",
        QueryEncoding::AsSent => "the query's keys and values as sent, not encoded again",
    });
    parts.retain(|p| !p.is_empty());
    parts.join(", and ")
}

/// `value` with its surrounding whitespace removed or not, and its inner runs of whitespace
/// made one space or not.
fn whitespace(value: &str, trimmed: bool, collapsed: bool) -> String {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut out = String::with_capacity(value.len());
    if collapsed {
        let mut in_run = false;
        for c in value.chars() {
            if is_space(c) {
                if !in_run {
                    out.push(' ');
                }
                in_run = true;
            } else {
                out.push(c);
                in_run = false;
            }
        }
    } else {
        out.push_str(value);
    }
    if trimmed {
        out.trim_matches(is_space).to_string()
    } else {
        out
    }
}

fn header_alternatives(rules: &Rules<'_>, rules_lines: &[String]) -> Vec<Alternative> {
    [(false, true), (true, false), (false, false)]
        .into_iter()
        .map(|(trimmed, collapsed)| {
            let text = rules
                .signed_headers
                .iter()
                .zip(rules_lines)
                .map(|(name, rules_line)| {
                    let values: Vec<String> = rules
                        .request
                        .headers
                        .iter()
                        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                        .map(|(_, v)| whitespace(v, trimmed, collapsed))
                        .collect();
                    if values.is_empty() {
                        rules_line.clone()
                    } else {
                        format!("{name}:{}", values.join(","))
                    }
                })
                .collect();
            let how = match (trimmed, collapsed) {
                (false, true) => "header values not trimmed (the whitespace around them kept)",
                (true, false) => {
                    "runs of whitespace inside header values not collapsed to one space"
                }
                _ => "header values neither trimmed nor their inner runs of whitespace collapsed",
            };
            Alternative {
                form: Form::Headers { trimmed, collapsed },
                how: how.to_string(),
                text,
            }
        })
        .collect()
}

fn payload_alternatives(request: &RawRequest, rules_lines: &[String]) -> Vec<Alternative> {
    let rules = rules_lines.first().map(String::as_str).unwrap_or_default();
    let body_hash = sha256_hex(&request.body);
    let server_uses = if rules == body_hash {
        "the body's SHA-256".to_string()
    } else if rules.len() == 64 {
        format!("the declared hash {rules}")
    } else {
        rules.to_string()
    };
    let mut found = vec![
        Alternative {
            form: Form::Payload(PayloadForm::Unsigned),
            how: format!("UNSIGNED-PAYLOAD signed in place of {server_uses}"),
            text: vec![UNSIGNED_PAYLOAD.to_string()],
        },
        Alternative {
            form: Form::Payload(PayloadForm::BodyHash),
            how: format!("the body's SHA-256 signed in place of {server_uses}"),
            text: vec![body_hash],
        },
    ];
    if !request.body.is_empty() {
        found.push(Alternative {
            form: Form::Payload(PayloadForm::EmptyBodyHash),
            how: format!(
                "the SHA-256 of an empty body signed, though the request has a body of {} bytes",
                request.body.len()
            ),
            text: vec![EMPTY_SHA256.to_string()],
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query `b=x+y&a=c/d&e` written `sorted` or not, with `encoding`.
    fn written(sorted: bool, encoding: QueryEncoding) -> String {
        write_query(&parameters("b=x+y&a=c/d&e", false), sorted, encoding)
    }

    #[test]
    fn the_canonical_query_is_sorted_and_encoded() {
        assert_eq!(
            written(true, QueryEncoding::Canonical),
            "a=c%2Fd&b=x%20y&e="
        );
    }

    #[test]
    fn an_unsorted_query_keeps_the_order_sent() {
        assert_eq!(
            written(false, QueryEncoding::Canonical),
            "b=x%20y&a=c%2Fd&e="
        );
    }

    #[test]
    fn a_plus_taken_as_a_plus_is_encoded_2b() {
        assert_eq!(
            written(true, QueryEncoding::PlusAsPlus),
            "a=c%2Fd&b=x%2By&e="
        );
    }

    #[test]
    fn spaces_written_plus() {
        assert_eq!(
            written(true, QueryEncoding::SpaceAsPlus),
            "a=c%2Fd&b=x+y&e="
        );
    }

    #[test]
    fn a_slash_kept_in_a_value() {
        assert_eq!(written(true, QueryEncoding::SlashKept), "a=c/d&b=x%20y&e=");
    }

    #[test]
    fn a_query_as_sent_keeps_its_bytes_and_a_parameter_without_equals() {
        assert_eq!(written(false, QueryEncoding::AsSent), "b=x+y&a=c/d&e");
    }

    #[test]
    fn a_presigned_signature_is_left_out_of_the_query() {
        let p = parameters("X-Amz-Signature=ab&b=1", true);
        assert_eq!(write_query(&p, false, QueryEncoding::AsSent), "b=1");
    }

    #[test]
    fn header_values_trimmed_and_collapsed() {
        assert_eq!(whitespace("  a \t b ", true, true), "a b");
    }

    #[test]
    fn header_values_collapsed_not_trimmed() {
        assert_eq!(whitespace("  a \t b ", false, true), " a b ");
    }

    #[test]
    fn header_values_trimmed_not_collapsed() {
        assert_eq!(whitespace("  a \t b ", true, false), "a \t b");
    }

    #[test]
    fn header_values_as_sent() {
        assert_eq!(whitespace("  a \t b ", false, false), "  a \t b ");
    }

    #[test]
    fn a_canonical_request_that_does_not_split_into_its_lines_has_no_variants() {
        let request = RawRequest::parse(b"GET / HTTP/1.1\nHost:h\n\n").unwrap();
        let signed = SignedHeaders::from_names(["host"]);
        let rules = Rules {
            request: &request,
            signed_headers: &signed,
            settings: SigningSettings::standard(),
            presigned: false,
            canonical_request: "GET\n/\n",
        };
        assert!(Variants::new(rules).is_none());
    }

    #[test]
    fn combinations_change_fewest_lines_first() {
        let request = RawRequest::parse(b"GET /a%20b?b=1&a=2 HTTP/1.1\nHost:h\n\n").unwrap();
        let signed = SignedHeaders::from_names(["host"]);
        let rules = Rules {
            request: &request,
            signed_headers: &signed,
            settings: SigningSettings::standard(),
            presigned: false,
            canonical_request: &format!("GET\n/a%2520b\na=2&b=1\nhost:h\n\nhost\n{EMPTY_SHA256}"),
        };
        let variants = Variants::new(rules).unwrap();
        let counts: Vec<usize> = variants.combinations().iter().map(Vec::len).collect();
        assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
        assert_eq!(counts.first(), Some(&1));
    }
}
