//! A linter for policy documents: the refusal of a document that does not parse, and warnings
//! about one that parses but probably does not say what its author meant.
//!
//! ```
//! use countersign_policy::lint::{lint, Severity};
//! use countersign_policy::PolicyKind;
//!
//! let findings = lint(r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Read",
//!     "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::photos/*"}]}"#,
//!     PolicyKind::Identity);
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].severity, Severity::Warning);
//! assert_eq!((findings[0].statement, findings[0].field.as_str()), (Some(0), "Action"));
//! assert_eq!(findings[0].to_string(),
//!     "statement 0 (Read) Action: warning: \"s3:GetObjekt\" is not an S3 action (did you mean \"s3:GetObject\"?)");
//! ```
//!
//! A document that [`Policy::parse`] refuses gives one error, with the refusal's place and
//! message. A document that parses is checked for:
//!
//! - an `s3:` action that names no S3 action, or a wildcard pattern that matches none
//!   (`s3:GetObjekt*`), and an `execute-api:` action other than `Invoke`, `InvalidateCache`
//!   and `ManageConnections`: IAM accepts any name, and the statement never applies to it;
//! - the ARN of an S3 bucket or object with a region or an account
//!   (`arn:aws:s3:us-east-1:111122223333:photos/*`), which matches no bucket or object (the
//!   ARNs of access points, jobs, Storage Lens and Access Grants do have them), or without a
//!   bucket name;
//! - an `Allow` with `NotAction` or `NotResource`, which grants everything it does not list;
//! - in a resource policy, an `Allow` to everyone (`"Principal": "*"`) of S3 write actions
//!   without a `Condition`;
//! - a condition key or policy variable with the `aws:` prefix that is not one of AWS's global
//!   condition keys (`aws:SorceIp`): no request carries it.
//!
//! The lists of S3 actions and global condition keys are in private data modules, each citing
//! the AWS page it copies.

mod actions;
mod global_keys;

use std::fmt;

use crate::error::PolicyError;
use crate::json::Json;
use crate::limits::{Limits, PolicyKind};
use crate::pattern::{Case, Lookup, Pattern, Syntax};
use crate::policy::{statement_place, Policy};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The document is refused: it cannot be loaded.
    Error,
    /// The document loads, but probably does not do what was meant.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in a document: how serious, where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The index of the statement, counted from 0; `None` for the document as a whole.
    pub statement: Option<usize>,
    /// The statement's `Sid`, when it has one.
    pub sid: Option<String>,
    /// The element within the statement (or the document), such as `Action` or
    /// `Condition.StringEquals`; empty for the statement (or document) as a whole.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Finding {
    /// `statement 1 (Sid) Action: warning: message`, leaving out what is not known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = String::new();
        if let Some(index) = self.statement {
            place.push_str(&format!("statement {index}"));
            if let Some(sid) = &self.sid {
                place.push_str(&format!(" ({})", sid.escape_debug()));
            }
        }
        if !self.field.is_empty() {
            if !place.is_empty() {
                place.push(' ');
            }
            place.push_str(&self.field);
        }
        if !place.is_empty() {
            write!(f, "{place}: ")?;
        }
        write!(f, "{}: {}", self.severity.as_str(), self.message)
    }
}

/// Lints `json` as a policy of `kind`, within the default [`Limits`] of the kind. The
/// findings come in document order; an empty list means a clean document.
pub fn lint(json: &str, kind: PolicyKind) -> Vec<Finding> {
    let limits = Limits::for_kind(kind);
    if let Err(error) = Policy::parse(json, kind, limits) {
        return vec![refusal(
            &error,
            Json::parse(json, limits.max_depth).ok().as_ref(),
        )];
    }
    // The document parsed, so its shape is a policy's: what follows reads it without
    // repeating the parser's checks, and skips what it does not expect.
    let Ok(Json::Object(members)) = Json::parse(json, limits.max_depth) else {
        return Vec::new();
    };
    let variables = member(&members, "Version")
        .is_some_and(|v| matches!(v, Json::String(v) if v == "2012-10-17"));
    let mut findings = Vec::new();
    for (index, statement) in statements(&members).into_iter().enumerate() {
        if let Json::Object(members) = statement {
            let mut check = StatementCheck {
                index,
                sid: sid(members),
                findings: &mut findings,
            };
            check.statement(members, kind, variables);
        }
    }
    findings
}

/// Lints bytes, which must be UTF-8, as a policy of `kind`.
pub fn lint_bytes(bytes: &[u8], kind: PolicyKind) -> Vec<Finding> {
    match std::str::from_utf8(bytes) {
        Ok(json) => lint(json, kind),
        Err(_) => match Policy::parse_bytes(bytes, kind, Limits::for_kind(kind)) {
            Err(error) => vec![refusal(&error, None)],
            Ok(_) => Vec::new(),
        },
    }
}

/// The kind a document most likely is: a resource policy when a statement names a
/// `Principal` or `NotPrincipal` (which only resource policies have), an identity policy
/// otherwise (invalid JSON included).
pub fn infer_kind(json: &str) -> PolicyKind {
    let Ok(Json::Object(members)) = Json::parse(json, Limits::BUCKET.max_depth) else {
        return PolicyKind::Identity;
    };
    let names_principal = statements(&members).into_iter().any(|statement| {
        matches!(statement, Json::Object(members)
            if member(members, "Principal").is_some() || member(members, "NotPrincipal").is_some())
    });
    if names_principal {
        PolicyKind::Resource
    } else {
        PolicyKind::Identity
    }
}

/// The error finding of a refused document; `root` is the document's JSON, when it is JSON,
/// to find the `Sid` of the statement the refusal is in.
fn refusal(error: &PolicyError, root: Option<&Json>) -> Finding {
    let statement = error.statement();
    let sid = match (statement, root) {
        (Some(index), Some(Json::Object(members))) => statements(members)
            .get(index)
            .and_then(|s| match s {
                Json::Object(members) => sid(members),
                _ => None,
            })
            .map(str::to_owned),
        _ => None,
    };
    // The place starts with the statement's own (`Statement[1]`, `Statement["Sid"]`), which
    // the finding says in its own words.
    let place = error.place();
    let field = match statement {
        Some(index) => {
            let prefix = statement_place(index, sid.as_deref());
            match place.strip_prefix(prefix.as_str()) {
                Some(rest) => rest.strip_prefix('.').unwrap_or(rest),
                None => place,
            }
        }
        None => place,
    };
    Finding {
        severity: Severity::Error,
        statement,
        sid,
        field: field.to_owned(),
        message: error.message().to_owned(),
    }
}

/// The value of the member `name` of an object.
fn member<'j>(members: &'j [(String, Json)], name: &str) -> Option<&'j Json> {
    members.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// The statements of a document: its `Statement`, one object or a list.
fn statements(document: &[(String, Json)]) -> Vec<&Json> {
    match member(document, "Statement") {
        Some(Json::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    }
}

/// A statement's `Sid`, unless it is empty (which names nothing, as the parser reads it).
fn sid(statement: &[(String, Json)]) -> Option<&str> {
    match member(statement, "Sid") {
        Some(Json::String(sid)) if !sid.is_empty() => Some(sid),
        _ => None,
    }
}

/// The strings of a value that is a string or a list of them.
fn texts(value: &Json) -> Vec<&str> {
    match value {
        Json::String(s) => vec![s.as_str()],
        Json::Array(items) => items
            .iter()
            .filter_map(|item| match item {
                Json::String(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The checks of one statement, collecting their warnings.
struct StatementCheck<'f> {
    index: usize,
    sid: Option<&'f str>,
    findings: &'f mut Vec<Finding>,
}

impl StatementCheck<'_> {
    fn warn(&mut self, field: &str, message: String) {
        self.findings.push(Finding {
            severity: Severity::Warning,
            statement: Some(self.index),
            sid: self.sid.map(str::to_owned),
            field: field.to_owned(),
            message,
        });
    }

    /// Runs every check on a statement that parsed, in the order of its members.
    fn statement(&mut self, members: &[(String, Json)], kind: PolicyKind, variables: bool) {
        let allow = matches!(member(members, "Effect"), Some(Json::String(e)) if e == "Allow");
        let condition = member(members, "Condition");
        for (name, value) in members {
            match name.as_str() {
                "Action" | "NotAction" => {
                    for action in texts(value) {
                        if let Some(problem) = action_problem(action) {
                            self.warn(name, problem);
                        }
                    }
                    if allow && name == "NotAction" {
                        self.warn(
                            name,
                            "an Allow with NotAction allows every action it does not list, \
                             those of every other service included; list the actions to allow \
                             in Action"
                                .to_owned(),
                        );
                    }
                }
                "Resource" | "NotResource" => {
                    for resource in texts(value) {
                        if let Some(problem) = s3_arn_problem(resource) {
                            self.warn(name, problem);
                        }
                        if variables {
                            self.variables(name, resource);
                        }
                    }
                    if allow && name == "NotResource" {
                        self.warn(
                            name,
                            "an Allow with NotResource allows the actions on every resource it \
                             does not list, in every account; list the resources to allow in \
                             Resource"
                                .to_owned(),
                        );
                    }
                }
                "Principal" => {
                    let public_write = kind == PolicyKind::Resource
                        && allow
                        && condition.is_none()
                        && everyone(value);
                    if public_write {
                        if let Some(writes) = s3_writes(members) {
                            self.warn(
                                name,
                                format!(
                                    "allows everyone, anonymous requests included, to write \
                                     ({writes}) without a Condition"
                                ),
                            );
                        }
                    }
                }
                "Condition" => self.condition(value, variables),
                _ => {}
            }
        }
    }

    /// Checks the keys of a `Condition` block, and the variables in its values.
    fn condition(&mut self, block: &Json, variables: bool) {
        let Json::Object(operators) = block else {
            return;
        };
        for (operator, keys) in operators {
            let Json::Object(keys) = keys else {
                continue;
            };
            let field = format!("Condition.{operator}");
            for (key, values) in keys {
                if let Some(hint) = unknown_global_key(key) {
                    self.warn(
                        &field,
                        format!(
                            "\"{}\" is not an AWS global condition key{}: no request carries it",
                            key.escape_debug(),
                            hint.map(|k| format!(" (did you mean \"{k}\"?)"))
                                .unwrap_or_default()
                        ),
                    );
                }
                if variables {
                    for value in texts(values) {
                        self.variables(&field, value);
                    }
                }
            }
        }
    }

    /// Checks the policy variables of a value.
    fn variables(&mut self, field: &str, text: &str) {
        let syntax = Syntax {
            wildcards: true,
            variables: true,
        };
        let Ok(pattern) = Pattern::compile(text, syntax) else {
            return;
        };
        for key in pattern.variables() {
            if let Some(hint) = unknown_global_key(key) {
                self.warn(
                    field,
                    format!(
                        "the variable ${{{}}} is not an AWS global condition key{}: it has no \
                         value, so the statement never applies",
                        key.escape_debug(),
                        hint.map(|k| format!(" (did you mean ${{{k}}}?)"))
                            .unwrap_or_default()
                    ),
                );
            }
        }
    }
}

/// A pattern's variables resolve to nothing here: the names it is matched against are plain.
struct NoVariables;

impl Lookup for NoVariables {
    fn single(&self, _: &str) -> Option<&str> {
        None
    }
}

/// Compiles an action, or the name part of one, as IAM reads it: wildcards, no variables.
fn action_pattern(text: &str) -> Option<Pattern> {
    let syntax = Syntax {
        wildcards: true,
        variables: false,
    };
    Pattern::compile(text, syntax).ok()
}

/// Whether `pattern` can match any of `names`. A pattern with more characters besides `*` than
/// the longest name has is not tried: it matches none, and trying could cost as much as the
/// pattern is long times the number of names.
fn matches_any(pattern: &Pattern, text: &str, names: &[&str]) -> bool {
    let longest = names.iter().map(|n| n.len()).max().unwrap_or(0);
    if longer_than(text, longest) {
        return false;
    }
    names
        .iter()
        .any(|name| pattern.matches(name, Case::Insensitive, &NoVariables))
}

/// Whether a pattern needs more than `length` characters to match, counting all but `*`.
fn longer_than(pattern: &str, length: usize) -> bool {
    pattern.chars().filter(|&c| c != '*').count() > length
}

/// What is wrong with an action of S3 or `execute-api` that names none of the service's.
fn action_problem(action: &str) -> Option<String> {
    let (service, name) = action.split_once(':')?;
    let pattern = action_pattern(name)?;
    if service.eq_ignore_ascii_case("s3") {
        let known = [actions::S3_READ, actions::S3_WRITE];
        if known.iter().any(|names| matches_any(&pattern, name, names)) {
            return None;
        }
        if pattern.has_wildcards() {
            return Some(format!(
                "\"{}\" matches no S3 action",
                action.escape_debug()
            ));
        }
        let hint = closest(name, known.iter().flat_map(|names| names.iter().copied()))
            .map(|k| format!(" (did you mean \"{service}:{k}\"?)"))
            .unwrap_or_default();
        return Some(format!(
            "\"{}\" is not an S3 action{hint}",
            action.escape_debug()
        ));
    }
    if service.eq_ignore_ascii_case("execute-api") {
        if matches_any(&pattern, name, actions::EXECUTE_API) {
            return None;
        }
        return Some(format!(
            "\"{}\" {} an execute-api action: expected Invoke, InvalidateCache or \
             ManageConnections",
            action.escape_debug(),
            if pattern.has_wildcards() {
                "matches no"
            } else {
                "is not"
            }
        ));
    }
    None
}

/// What is wrong with an S3 ARN that cannot be a bucket's or an object's.
fn s3_arn_problem(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, "s3", region, account, resource] = parts[..] else {
        return None;
    };
    if actions::S3_ACCOUNT_RESOURCES
        .iter()
        .any(|prefix| resource.starts_with(prefix))
    {
        return None;
    }
    // A segment of stars matches the empty segment of a bucket's ARN.
    let named = |segment: &str| segment.chars().any(|c| c != '*');
    let has = match (named(region), named(account)) {
        (true, true) => "a region and an account",
        (true, false) => "a region",
        (false, true) => "an account",
        (false, false) => {
            if resource.is_empty() || resource.starts_with('/') {
                return Some(format!(
                    "\"{}\" names no bucket: expected arn:aws:s3:::bucket or \
                     arn:aws:s3:::bucket/key",
                    arn.escape_debug()
                ));
            }
            return None;
        }
    };
    Some(format!(
        "\"{}\" has {has}: the ARN of a bucket or object has neither \
         (arn:aws:s3:::bucket/key), so it matches none",
        arn.escape_debug()
    ))
}

/// Whether a `Principal` element names everyone: `"*"`, or `"*"` among its `AWS` principals.
fn everyone(principal: &Json) -> bool {
    match principal {
        Json::String(s) => s == "*",
        Json::Object(members) => {
            member(members, "AWS").is_some_and(|aws| texts(aws).contains(&"*"))
        }
        _ => false,
    }
}

/// The S3 write actions a statement allows, in words (`s3:PutObject and 8 other write
/// actions`), or `None` when it allows none.
fn s3_writes(statement: &[(String, Json)]) -> Option<String> {
    let (actions, negated) = match (member(statement, "Action"), member(statement, "NotAction")) {
        (Some(actions), _) => (actions, false),
        (None, Some(actions)) => (actions, true),
        (None, None) => return None,
    };
    // `s3:` and the longest write action: a pattern that needs more matches none.
    let longest = 3 + actions::S3_WRITE.iter().map(|n| n.len()).max().unwrap_or(0);
    let patterns: Vec<Pattern> = texts(actions)
        .into_iter()
        .filter(|text| !longer_than(text, longest))
        .filter_map(action_pattern)
        .collect();
    let writes: Vec<&str> = actions::S3_WRITE
        .iter()
        .copied()
        .filter(|name| {
            let action = format!("s3:{name}");
            let named = patterns
                .iter()
                .any(|p| p.matches(&action, Case::Insensitive, &NoVariables));
            named != negated
        })
        .collect();
    // The write everyone knows, when it is among them, says it best.
    let first = writes
        .iter()
        .find(|&&name| name == "PutObject")
        .or(writes.first())?;
    Some(match writes.len() - 1 {
        0 => format!("s3:{first}"),
        1 => format!("s3:{first} and 1 other write action"),
        more => format!("s3:{first} and {more} other write actions"),
    })
}

/// For a key with the `aws:` prefix that is not a global condition key: `Some`, with the
/// closest global key when one is near. `None` for global keys and keys of other prefixes.
fn unknown_global_key(key: &str) -> Option<Option<&'static str>> {
    let prefix = key.get(..4)?;
    if !prefix.eq_ignore_ascii_case("aws:") {
        return None;
    }
    let known = global_keys::GLOBAL_KEYS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key));
    let tagged = global_keys::GLOBAL_KEY_PREFIXES.iter().any(|p| {
        key.len() > p.len()
            && key
                .get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p))
    });
    if known || tagged {
        return None;
    }
    Some(closest(key, global_keys::GLOBAL_KEYS.iter().copied()))
}

/// The name of `candidates` nearest to `name` (without regard to ASCII case) when it is a
/// likely typo of it: one edit for short names, two for most, three for long ones.
fn closest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    // Names longer than any AWS name are no typo of one; the bound also bounds the work.
    const LONGEST: usize = 64;
    if name.len() > LONGEST {
        return None;
    }
    let limit = match name.len() {
        0..=4 => 1,
        5..=11 => 2,
        _ => 3,
    };
    candidates
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// The Levenshtein distance between two strings, comparing ASCII letters without case.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().map(|c| c.to_ascii_lowercase()).enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{infer_kind, lint, lint_bytes, Finding, Severity};
    use crate::limits::PolicyKind;

    /// A document of version 2012-10-17 with these statements.
    fn document(statements: &str) -> String {
        format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#)
    }

    fn identity(statements: &str) -> Vec<Finding> {
        lint(&document(statements), PolicyKind::Identity)
    }

    fn bucket(statements: &str) -> Vec<Finding> {
        lint(&document(statements), PolicyKind::Resource)
    }

    /// The only finding, which must be a warning.
    fn warning(findings: &[Finding]) -> &Finding {
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning, "{findings:#?}");
        &findings[0]
    }

    /// The only finding, which must be an error.
    fn error(findings: &[Finding]) -> &Finding {
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error, "{findings:#?}");
        &findings[0]
    }

    const READ: &str = r#"{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::photos/*"}"#;

    #[test]
    fn clean_identity_policy_has_no_findings() {
        let findings = identity(&format!(
            r#"{READ}, {{"Effect": "Allow", "Action": ["s3:ListBucket", "execute-api:Invoke"],
                "Resource": ["arn:aws:s3:::photos", "arn:aws:execute-api:us-east-1:111122223333:abc/*"],
                "Condition": {{"IpAddress": {{"aws:SourceIp": "203.0.113.0/24"}}}}}}"#
        ));
        assert_eq!(findings, []);
    }

    #[test]
    fn invalid_json_is_an_error_of_the_document() {
        let findings = lint(
            r#"{"Version": "2012-10-17", "Statement": [}"#,
            PolicyKind::Identity,
        );
        let finding = error(&findings);
        assert_eq!((finding.statement, finding.field.as_str()), (None, ""));
        assert!(finding.message.starts_with("not valid JSON"), "{finding}");
    }

    #[test]
    fn unknown_operator_is_an_error_naming_the_statement_sid_and_field() {
        let findings = identity(&format!(
            r#"{READ}, {{"Sid": "Office", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                "Condition": {{"IpAdress": {{"aws:SourceIp": "203.0.113.0/24"}}}}}}"#
        ));
        let finding = error(&findings);
        assert_eq!(finding.statement, Some(1));
        assert_eq!(finding.sid.as_deref(), Some("Office"));
        assert_eq!(finding.field, "Condition.IpAdress");
        assert_eq!(finding.message, "is not a condition operator");
    }

    #[test]
    fn malformed_arn_is_an_error_naming_the_statement_by_index() {
        let findings =
            identity(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "photos/*"}"#);
        let finding = error(&findings);
        assert_eq!(
            (
                finding.statement,
                finding.sid.as_deref(),
                finding.field.as_str()
            ),
            (Some(0), None, "Resource")
        );
        assert!(finding.message.contains("is not an ARN"), "{finding}");
    }

    #[test]
    fn repeated_sid_is_an_error_of_the_second_statement() {
        let findings = identity(&format!("{READ}, {READ}"));
        let finding = error(&findings);
        assert_eq!((finding.statement, finding.field.as_str()), (Some(1), ""));
        assert_eq!(finding.message, "Sid must be unique within the policy");
    }

    #[test]
    fn principal_in_an_identity_policy_is_an_error() {
        let findings = identity(
            r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}"#,
        );
        assert_eq!(error(&findings).field, "Principal");
    }

    #[test]
    fn document_that_is_not_utf8_is_an_error() {
        let findings = lint_bytes(b"{\"Statement\": \"\xff\"}", PolicyKind::Identity);
        let finding = error(&findings);
        assert!(finding.message.contains("not UTF-8"), "{finding}");
    }

    #[test]
    fn misspelled_s3_action_is_a_warning_with_a_suggestion() {
        let findings = identity(
            r#"{"Sid": "Read", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObjekt"],
                "Resource": "*"}"#,
        );
        let finding = warning(&findings);
        assert_eq!(
            (
                finding.statement,
                finding.sid.as_deref(),
                finding.field.as_str()
            ),
            (Some(0), Some("Read"), "Action")
        );
        assert_eq!(
            finding.message,
            "\"s3:GetObjekt\" is not an S3 action (did you mean \"s3:GetObject\"?)"
        );
    }

    #[test]
    fn s3_action_far_from_any_name_is_a_warning_without_a_suggestion() {
        let findings = identity(r#"{"Effect": "Allow", "Action": "s3:Teleport", "Resource": "*"}"#);
        assert_eq!(
            warning(&findings).message,
            "\"s3:Teleport\" is not an S3 action"
        );
    }

    #[test]
    fn s3_pattern_that_matches_no_action_is_a_warning() {
        let findings =
            identity(r#"{"Effect": "Allow", "Action": "s3:GetObjekt*", "Resource": "*"}"#);
        assert_eq!(
            warning(&findings).message,
            "\"s3:GetObjekt*\" matches no S3 action"
        );
    }

    #[test]
    fn s3_patterns_that_match_actions_are_clean() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": ["s3:*", "s3:Get*", "s3:?utObject", "s3:*Tagging"],
                "Resource": "*"}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn s3_action_in_another_case_is_clean() {
        let findings =
            identity(r#"{"Effect": "Allow", "Action": "S3:getobject", "Resource": "*"}"#);
        assert_eq!(findings, []);
    }

    #[test]
    fn misspelled_s3_action_in_not_action_is_a_warning() {
        let findings =
            identity(r#"{"Effect": "Deny", "NotAction": "s3:ListBuckets", "Resource": "*"}"#);
        let finding = warning(&findings);
        assert_eq!(finding.field, "NotAction");
        assert_eq!(
            finding.message,
            "\"s3:ListBuckets\" is not an S3 action (did you mean \"s3:ListBucket\"?)"
        );
    }

    #[test]
    fn execute_api_action_other_than_the_three_is_a_warning() {
        let findings =
            identity(r#"{"Effect": "Allow", "Action": "execute-api:Execute", "Resource": "*"}"#);
        assert_eq!(
            warning(&findings).message,
            "\"execute-api:Execute\" is not an execute-api action: expected Invoke, \
             InvalidateCache or ManageConnections"
        );
    }

    #[test]
    fn execute_api_actions_and_patterns_that_match_them_are_clean() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": ["execute-api:Invoke", "execute-api:InvalidateCache",
                "execute-api:ManageConnections", "execute-api:*"], "Resource": "*"}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn actions_of_other_services_are_not_checked() {
        let findings =
            identity(r#"{"Effect": "Allow", "Action": "sqs:SendMesage", "Resource": "*"}"#);
        assert_eq!(findings, []);
    }

    #[test]
    fn s3_arn_with_a_region_and_an_account_is_a_warning() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:us-east-1:111122223333:photos/*"}"#,
        );
        let finding = warning(&findings);
        assert_eq!(finding.field, "Resource");
        assert_eq!(
            finding.message,
            "\"arn:aws:s3:us-east-1:111122223333:photos/*\" has a region and an account: the \
             ARN of a bucket or object has neither (arn:aws:s3:::bucket/key), so it matches none"
        );
    }

    #[test]
    fn s3_arn_with_an_account_is_a_warning() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3::111122223333:photos"}"#,
        );
        assert!(
            warning(&findings)
                .message
                .contains("has an account: the ARN of a bucket"),
            "{findings:?}"
        );
    }

    #[test]
    fn s3_arn_with_wildcard_region_and_account_is_clean() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:*:*:photos/*"}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn s3_access_point_and_job_arns_are_clean() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": ["s3:GetObject", "s3:DescribeJob"], "Resource": [
                "arn:aws:s3:us-west-2:111122223333:accesspoint/reports/object/*",
                "arn:aws:s3::111122223333:accesspoint/mfzwi23gnjvgw.mrap",
                "arn:aws:s3:us-west-2:111122223333:job/42"]}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn s3_arn_without_a_bucket_is_a_warning() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::/photos/*"}"#,
        );
        assert_eq!(
            warning(&findings).message,
            "\"arn:aws:s3:::/photos/*\" names no bucket: expected arn:aws:s3:::bucket or \
             arn:aws:s3:::bucket/key"
        );
    }

    #[test]
    fn arns_of_other_services_are_not_checked() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "sqs:SendMessage",
                "Resource": "arn:aws:sqs:us-east-1:111122223333:queue"}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn allow_with_not_action_is_a_warning() {
        let findings = identity(r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#);
        let finding = warning(&findings);
        assert_eq!(finding.field, "NotAction");
        assert_eq!(
            finding.message,
            "an Allow with NotAction allows every action it does not list, those of every \
             other service included; list the actions to allow in Action"
        );
    }

    #[test]
    fn allow_with_not_resource_is_a_warning() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secrets/*"}"#,
        );
        let finding = warning(&findings);
        assert_eq!(finding.field, "NotResource");
        assert_eq!(
            finding.message,
            "an Allow with NotResource allows the actions on every resource it does not list, \
             in every account; list the resources to allow in Resource"
        );
    }

    #[test]
    fn deny_with_not_action_and_not_resource_is_clean() {
        let findings = identity(
            r#"{"Effect": "Deny", "NotAction": "s3:GetObject", "NotResource": "arn:aws:s3:::public/*"}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn public_write_without_a_condition_is_a_warning() {
        let findings = bucket(
            r#"{"Sid": "Drop", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": "arn:aws:s3:::dropbox/*"}"#,
        );
        let finding = warning(&findings);
        assert_eq!(finding.field, "Principal");
        assert_eq!(
            finding.message,
            "allows everyone, anonymous requests included, to write (s3:PutObject) without a \
             Condition"
        );
    }

    #[test]
    fn public_write_by_wildcard_counts_the_write_actions() {
        let findings = bucket(
            r#"{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:PutObject*",
                "Resource": "arn:aws:s3:::dropbox/*"}"#,
        );
        // PutObject, PutObjectAcl, PutObjectAnnotation, PutObjectLegalHold,
        // PutObjectRetention, PutObjectTagging, PutObjectVersionAcl,
        // PutObjectVersionAnnotation, PutObjectVersionTagging.
        assert_eq!(
            warning(&findings).message,
            "allows everyone, anonymous requests included, to write (s3:PutObject and 8 other \
             write actions) without a Condition"
        );
    }

    #[test]
    fn public_write_of_every_action_names_put_object_first() {
        let findings =
            bucket(r#"{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}"#);
        assert_eq!(
            warning(&findings).message,
            format!(
                "allows everyone, anonymous requests included, to write (s3:PutObject and {} \
                 other write actions) without a Condition",
                super::actions::S3_WRITE.len() - 1
            )
        );
    }

    #[test]
    fn public_write_with_a_condition_is_clean() {
        let findings = bucket(
            r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::dropbox/*",
                "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn public_read_is_clean() {
        let findings = bucket(
            r#"{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::www", "arn:aws:s3:::www/*"]}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn write_granted_to_an_account_is_clean() {
        let findings = bucket(
            r#"{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:*",
                "Resource": "arn:aws:s3:::shared/*"}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn misspelled_global_key_is_a_warning_with_a_suggestion() {
        let findings = identity(
            r#"{"Sid": "Office", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                "Condition": {"NotIpAddress": {"aws:SorceIp": "203.0.113.0/24"}}}"#,
        );
        let finding = warning(&findings);
        assert_eq!(finding.field, "Condition.NotIpAddress");
        assert_eq!(
            finding.message,
            "\"aws:SorceIp\" is not an AWS global condition key (did you mean \
             \"aws:SourceIp\"?): no request carries it"
        );
    }

    #[test]
    fn global_key_in_another_case_is_clean() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                "Condition": {"IpAddress": {"AWS:SOURCEIP": "203.0.113.0/24"},
                              "Bool": {"aws:securetransport": "true"}}}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn tag_keys_after_a_global_prefix_are_clean() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "photos",
                                               "aws:ResourceTag/cost-center": "42"}}}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn keys_of_services_are_not_checked() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                "Condition": {"StringLike": {"s3:prefx": "home/*"}}}"#,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn variable_with_an_unknown_global_key_is_a_warning() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::home/${aws:usrname}/*"}"#,
        );
        let finding = warning(&findings);
        assert_eq!(finding.field, "Resource");
        assert_eq!(
            finding.message,
            "the variable ${aws:usrname} is not an AWS global condition key (did you mean \
             ${aws:username}?): it has no value, so the statement never applies"
        );
    }

    #[test]
    fn variable_in_a_condition_value_is_checked() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                "Condition": {"StringLike": {"s3:prefix": "home/${aws:user}/*"}}}"#,
        );
        let finding = warning(&findings);
        assert_eq!(finding.field, "Condition.StringLike");
        assert!(
            finding
                .message
                .starts_with("the variable ${aws:user} is not"),
            "{finding}"
        );
    }

    #[test]
    fn dollar_braces_of_a_2008_document_are_no_variable() {
        let findings = lint(
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::home/${aws:usrname}/*"}}"#,
            PolicyKind::Identity,
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn findings_come_in_statement_order() {
        let findings = identity(
            r#"{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"},
               {"Effect": "Allow", "NotAction": "s3:GetObject", "Resource": "arn:aws:s3:eu-west-1::b"}"#,
        );
        let places: Vec<_> = findings
            .iter()
            .map(|f| (f.statement, f.field.as_str()))
            .collect();
        assert_eq!(
            places,
            [
                (Some(0), "Action"),
                (Some(1), "NotAction"),
                (Some(1), "Resource")
            ]
        );
    }

    #[test]
    fn display_names_the_statement_sid_field_and_severity() {
        let findings = identity(
            r#"{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "photos"}"#,
        );
        assert_eq!(
            findings[0].to_string(),
            "statement 0 (Read) Resource: error: \"photos\" is not an ARN: expected \"*\" or \
             \"arn:partition:service:region:account:resource\""
        );
    }

    #[test]
    fn display_of_a_document_error_has_no_statement() {
        let findings = lint(
            r#"{"Version": "2012-10-18", "Statement": []}"#,
            PolicyKind::Identity,
        );
        assert_eq!(
            findings[0].to_string(),
            "Version: error: must be \"2012-10-17\" or \"2008-10-17\", not \"2012-10-18\""
        );
    }

    #[test]
    fn long_pattern_is_refused_without_trying_every_name() {
        let pattern = format!("s3:{}", "*a".repeat(2_000));
        let findings = identity(&format!(
            r#"{{"Effect": "Allow", "Action": "{pattern}", "Resource": "*"}}"#
        ));
        assert_eq!(
            warning(&findings).message,
            format!("\"{pattern}\" matches no S3 action")
        );
    }

    #[test]
    fn a_principal_makes_a_resource_policy() {
        let json = document(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
               {"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "s3:*", "Resource": "*"}"#,
        );
        assert_eq!(infer_kind(&json), PolicyKind::Resource);
    }

    #[test]
    fn no_principal_makes_an_identity_policy() {
        assert_eq!(infer_kind(&document(READ)), PolicyKind::Identity);
        assert_eq!(infer_kind("not json"), PolicyKind::Identity);
    }
}
