//! A policy document, parsed once and strictly into an immutable [`Policy`] that is cheap to
//! clone and share between threads.
//!
//! ```
//! use countersign_policy::{Policy, PolicyKind};
//! let policy = Policy::identity(r#"{
//!     "Version": "2012-10-17",
//!     "Statement": {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
//!                   "Resource": "arn:aws:s3:::photos/*"}
//! }"#)?;
//! assert_eq!(policy.kind(), PolicyKind::Identity);
//! assert_eq!(policy.statement_count(), 1);
//! assert_eq!(policy.sid(0), Some("Read"));
//! # Ok::<(), countersign_policy::PolicyError>(())
//! ```
//!
//! The grammar is IAM's
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>):
//! `Version` (`2012-10-17` or `2008-10-17`; a document without one is read as `2008-10-17`,
//! which has no policy variables), `Id`, and `Statement`, an object or a non-empty list of
//! them. A statement has `Sid` (unique within the document when not empty), `Effect` (`Allow` or `Deny`),
//! exactly one of `Action` / `NotAction` and of `Resource` / `NotResource`, `Condition`, and,
//! in a resource policy only and there always, exactly one of `Principal` / `NotPrincipal`.
//! Anything else (an unknown member, a value of the wrong type, an empty list, a repeated
//! member) refuses the whole document, naming the statement and the field.

use std::sync::Arc;

use crate::arn::ArnPattern;
use crate::condition::{self, Condition};
use crate::error::PolicyError;
use crate::json::{describe, strings, Json};
use crate::limits::{Limits, PolicyKind};
use crate::pattern::{Case, Lookup, Pattern, Syntax};
use crate::principal::PrincipalElement;

/// A parsed policy document. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Policy {
    document: Arc<Document>,
}

#[derive(Debug)]
struct Document {
    kind: PolicyKind,
    version: Version,
    id: Option<Box<str>>,
    statements: Box<[Statement]>,
    /// Every context key a condition tests or a variable reads, once each.
    context_keys: Box<[Box<str>]>,
}

/// The policy language version of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2012-10-17`, the current language, with policy variables.
    V2012_10_17,
    /// `2008-10-17`, or no `Version` at all: `${...}` is plain text.
    V2008_10_17,
}

/// Whether a statement allows or denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// One statement, compiled.
#[derive(Debug)]
pub(crate) struct Statement {
    pub(crate) sid: Option<Box<str>>,
    pub(crate) effect: Effect,
    pub(crate) principal: Option<PrincipalElement>,
    actions: Matcher<Pattern>,
    resources: Matcher<ArnPattern>,
    conditions: Box<[Condition]>,
    /// Every context key the statement reads as a variable; if one cannot be resolved, the
    /// statement does not apply.
    variables: Box<[Box<str>]>,
}

/// `Action` or `NotAction`, `Resource` or `NotResource`.
#[derive(Debug)]
struct Matcher<P> {
    negated: bool,
    patterns: Box<[P]>,
}

impl Policy {
    /// Parses `json` as a policy of `kind`, within `limits`.
    pub fn parse(json: &str, kind: PolicyKind, limits: Limits) -> Result<Policy, PolicyError> {
        parse_document(json, kind, limits).map_err(|e| e.for_kind(kind))
    }

    /// Parses bytes, which must be UTF-8, as a policy of `kind`, within `limits`.
    pub fn parse_bytes(
        bytes: &[u8],
        kind: PolicyKind,
        limits: Limits,
    ) -> Result<Policy, PolicyError> {
        let json = std::str::from_utf8(bytes).map_err(|e| {
            PolicyError::malformed(
                "",
                format!(
                    "the document is not UTF-8: invalid byte at offset {}",
                    e.valid_up_to()
                ),
            )
            .for_kind(kind)
        })?;
        Policy::parse(json, kind, limits)
    }

    /// Parses an identity policy within IAM's quota for managed policies.
    pub fn identity(json: &str) -> Result<Policy, PolicyError> {
        Policy::parse(json, PolicyKind::Identity, Limits::IDENTITY)
    }

    /// Parses a bucket policy (a resource policy) within S3's 20 KB limit.
    pub fn bucket(json: &str) -> Result<Policy, PolicyError> {
        Policy::parse(json, PolicyKind::Resource, Limits::BUCKET)
    }

    /// Whether this is an identity or a resource policy.
    pub fn kind(&self) -> PolicyKind {
        self.document.kind
    }

    /// The document's language version.
    pub fn version(&self) -> Version {
        self.document.version
    }

    /// The document's `Id`, if it has one.
    pub fn id(&self) -> Option<&str> {
        self.document.id.as_deref()
    }

    /// How many statements the document has.
    pub fn statement_count(&self) -> usize {
        self.document.statements.len()
    }

    /// The `Sid` of statement `index`, if it has one.
    pub fn sid(&self, index: usize) -> Option<&str> {
        self.document.statements.get(index)?.sid.as_deref()
    }

    /// The context keys the document's conditions test and its variables read (each once),
    /// so that a caller can gather only those: a request's other keys cannot change the
    /// outcome.
    ///
    /// ```
    /// use countersign_policy::Policy;
    /// let policy = Policy::identity(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ///     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*",
    ///     "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}}"#)?;
    /// assert_eq!(policy.context_keys().collect::<Vec<_>>(), ["aws:username", "aws:SourceIp"]);
    /// assert!(policy.reads_context_key("AWS:SOURCEIP"));
    /// assert!(!policy.reads_context_key("aws:CurrentTime"));
    /// # Ok::<(), countersign_policy::PolicyError>(())
    /// ```
    pub fn context_keys(&self) -> impl Iterator<Item = &str> {
        self.document.context_keys.iter().map(|k| &**k)
    }

    /// Whether a condition tests `key`, or a variable reads it (without regard to ASCII
    /// case, as IAM compares keys).
    pub fn reads_context_key(&self, key: &str) -> bool {
        self.context_keys().any(|k| k.eq_ignore_ascii_case(key))
    }

    pub(crate) fn statements(&self) -> &[Statement] {
        &self.document.statements
    }
}

impl Statement {
    /// Whether the statement applies to the action, resource and context, leaving the
    /// principal to the caller.
    pub(crate) fn applies(&self, action: &str, resource: &str, vars: &dyn Lookup) -> bool {
        let action_named = self
            .actions
            .patterns
            .iter()
            .any(|p| p.matches(action, Case::Insensitive, vars));
        if action_named == self.actions.negated {
            return false;
        }
        // A statement whose variables cannot all be resolved does not apply at all, whether
        // or not the pattern that holds the variable would be the one to decide.
        if !self.variables.iter().all(|key| vars.single(key).is_some()) {
            return false;
        }
        let resource_named = self
            .resources
            .patterns
            .iter()
            .any(|p| p.matches(resource, vars));
        if resource_named == self.resources.negated {
            return false;
        }
        true
    }

    /// The statement's conditions, all of which must hold.
    pub(crate) fn conditions(&self) -> &[Condition] {
        &self.conditions
    }
}

fn parse_document(json: &str, kind: PolicyKind, limits: Limits) -> Result<Policy, PolicyError> {
    let size = json.chars().filter(|c| !c.is_whitespace()).count();
    if size > limits.max_chars {
        return Err(PolicyError::too_large(format!(
            "the {} policy has {size} characters other than white space; the limit is {}",
            kind.as_str(),
            limits.max_chars
        )));
    }
    let root =
        Json::parse(json, limits.max_depth).map_err(|why| PolicyError::malformed("", why))?;
    let Json::Object(members) = &root else {
        return Err(PolicyError::malformed(
            "",
            format!("a policy is a JSON object, not {}", describe(&root)),
        ));
    };
    let mut version = None;
    let mut id = None;
    let mut statement = None;
    for (name, value) in members {
        match name.as_str() {
            "Version" => {
                version = Some(match value {
                    Json::String(v) if v == "2012-10-17" => Version::V2012_10_17,
                    Json::String(v) if v == "2008-10-17" => Version::V2008_10_17,
                    other => {
                        return Err(PolicyError::malformed(
                            "Version",
                            format!(
                                "must be \"2012-10-17\" or \"2008-10-17\", not {}",
                                describe(other)
                            ),
                        ))
                    }
                })
            }
            "Id" => id = Some(text(value, "Id")?),
            "Statement" => statement = Some(value),
            other => {
                return Err(PolicyError::malformed(
                    "",
                    format!(
                        "\"{}\" is not a policy element: expected Version, Id or Statement",
                        other.escape_debug()
                    ),
                ))
            }
        }
    }
    let version = version.unwrap_or(Version::V2008_10_17);
    let statement = statement.ok_or_else(|| PolicyError::malformed("", "Statement is required"))?;
    let items: Vec<&Json> = match statement {
        Json::Array(items) if items.is_empty() => {
            return Err(PolicyError::malformed(
                "Statement",
                "must have at least one statement",
            ))
        }
        Json::Array(items) => items.iter().collect(),
        one @ Json::Object(_) => vec![one],
        other => {
            return Err(PolicyError::malformed(
                "Statement",
                format!(
                    "must be a statement object or a list of them, not {}",
                    describe(other)
                ),
            ))
        }
    };
    let mut statements = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let statement =
            parse_statement(item, index, kind, version).map_err(|e| e.in_statement(index))?;
        if let Some(sid) = &statement.sid {
            if statements
                .iter()
                .any(|s: &Statement| s.sid.as_deref() == Some(&**sid))
            {
                return Err(PolicyError::malformed(
                    statement_place(index, Some(sid)),
                    "Sid must be unique within the policy",
                )
                .in_statement(index));
            }
        }
        statements.push(statement);
    }
    let mut context_keys: Vec<Box<str>> = Vec::new();
    for statement in &statements {
        let read = statement
            .variables
            .iter()
            .map(|k| &**k)
            .chain(statement.conditions.iter().map(Condition::key));
        for key in read {
            if !context_keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                context_keys.push(key.into());
            }
        }
    }
    Ok(Policy {
        document: Arc::new(Document {
            kind,
            version,
            id: id.map(Into::into),
            statements: statements.into_boxed_slice(),
            context_keys: context_keys.into_boxed_slice(),
        }),
    })
}

/// `Statement[2]`, or `Statement["ReadOnly"]` for a statement with a `Sid`.
pub(crate) fn statement_place(index: usize, sid: Option<&str>) -> String {
    match sid {
        Some(sid) => format!("Statement[\"{}\"]", sid.escape_debug()),
        None => format!("Statement[{index}]"),
    }
}

fn text(value: &Json, place: &str) -> Result<String, PolicyError> {
    match value {
        Json::String(s) => Ok(s.clone()),
        other => Err(PolicyError::malformed(
            place,
            format!("must be a string, not {}", describe(other)),
        )),
    }
}

fn parse_statement(
    item: &Json,
    index: usize,
    kind: PolicyKind,
    version: Version,
) -> Result<Statement, PolicyError> {
    let Json::Object(members) = item else {
        return Err(PolicyError::malformed(
            format!("Statement[{index}]"),
            format!("must be an object, not {}", describe(item)),
        ));
    };
    // The Sid first, so that every later message names the statement by it.
    // An empty Sid (S3's examples have several in one policy) names nothing.
    let sid = match members.iter().find(|(name, _)| name == "Sid") {
        Some((_, value)) => Some(text(value, &format!("Statement[{index}].Sid"))?),
        None => None,
    }
    .filter(|sid| !sid.is_empty());
    let place = statement_place(index, sid.as_deref());
    let at = |field: &str| format!("{place}.{field}");
    let variables = version == Version::V2012_10_17;

    let mut effect = None;
    let mut principal: Option<PrincipalElement> = None;
    let mut actions: Option<Matcher<Pattern>> = None;
    let mut resources: Option<Matcher<ArnPattern>> = None;
    let mut conditions = Vec::new();
    for (name, value) in members {
        let negated = name.starts_with("Not");
        match name.as_str() {
            "Sid" => {}
            "Effect" => {
                effect = Some(match value {
                    Json::String(e) if e == "Allow" => Effect::Allow,
                    Json::String(e) if e == "Deny" => Effect::Deny,
                    other => {
                        return Err(PolicyError::malformed(
                            at("Effect"),
                            format!("must be \"Allow\" or \"Deny\", not {}", describe(other)),
                        ))
                    }
                })
            }
            "Principal" | "NotPrincipal" => {
                if kind == PolicyKind::Identity {
                    return Err(PolicyError::malformed(
                        at(name),
                        "an identity policy cannot name a principal: it applies to the \
                         identity it is attached to",
                    ));
                }
                if principal.is_some() {
                    return Err(PolicyError::malformed(
                        &place,
                        "has both Principal and NotPrincipal; a statement takes one",
                    ));
                }
                principal = Some(PrincipalElement::parse(value, negated, &at(name))?);
            }
            "Action" | "NotAction" => {
                if actions.is_some() {
                    return Err(PolicyError::malformed(
                        &place,
                        "has both Action and NotAction; a statement takes one",
                    ));
                }
                let place = at(name);
                let patterns = strings(value, &place)?
                    .into_iter()
                    .map(|a| action_pattern(a).map_err(|why| PolicyError::malformed(&place, why)))
                    .collect::<Result<_, _>>()?;
                actions = Some(Matcher { negated, patterns });
            }
            "Resource" | "NotResource" => {
                if resources.is_some() {
                    return Err(PolicyError::malformed(
                        &place,
                        "has both Resource and NotResource; a statement takes one",
                    ));
                }
                let place = at(name);
                let patterns = strings(value, &place)?
                    .into_iter()
                    .map(|r| {
                        ArnPattern::compile(r, variables, true)
                            .map_err(|why| PolicyError::malformed(&place, why))
                    })
                    .collect::<Result<_, _>>()?;
                resources = Some(Matcher { negated, patterns });
            }
            "Condition" => conditions = condition::parse_block(value, variables, &at(name))?,
            other => {
                return Err(PolicyError::malformed(
                    &place,
                    format!(
                        "\"{}\" is not a statement element: expected Sid, Effect, Principal, \
                         NotPrincipal, Action, NotAction, Resource, NotResource or Condition",
                        other.escape_debug()
                    ),
                ))
            }
        }
    }
    let effect = effect.ok_or_else(|| PolicyError::malformed(&place, "Effect is required"))?;
    let actions =
        actions.ok_or_else(|| PolicyError::malformed(&place, "Action or NotAction is required"))?;
    let resources = resources
        .ok_or_else(|| PolicyError::malformed(&place, "Resource or NotResource is required"))?;
    if kind == PolicyKind::Resource && principal.is_none() {
        return Err(PolicyError::malformed(
            &place,
            "Principal or NotPrincipal is required in a resource policy",
        ));
    }
    let mut keys: Vec<Box<str>> = Vec::new();
    let used = resources
        .patterns
        .iter()
        .flat_map(ArnPattern::variables)
        .chain(conditions.iter().flat_map(Condition::variables));
    for key in used {
        if !keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            keys.push(key.into());
        }
    }
    Ok(Statement {
        sid: sid.map(Into::into),
        effect,
        principal,
        actions,
        resources,
        conditions: conditions.into_boxed_slice(),
        variables: keys.into_boxed_slice(),
    })
}

/// An action, `*` or `service:name` where the name may hold wildcards; IAM matches actions
/// without regard to case.
fn action_pattern(text: &str) -> Result<Pattern, String> {
    let syntax = Syntax {
        wildcards: true,
        variables: false,
    };
    if text == "*" {
        return Pattern::compile(text, syntax);
    }
    let well_formed = text.split_once(':').is_some_and(|(service, name)| {
        !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !name.is_empty()
            && !name.contains(':')
    });
    if !well_formed {
        return Err(format!(
            "\"{}\" is not an action: expected \"*\" or \"service:action\", such as \
             \"s3:GetObject\"",
            text.escape_debug()
        ));
    }
    Pattern::compile(text, syntax)
}
