//! The `Condition` element: operators, their values compiled at load, and their evaluation
//! against the request context.
//!
//! The rules are IAM's
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html>):
//!
//! - operators in a block, and keys under an operator, must all hold (AND); the values of one
//!   key are alternatives (OR), and for a negated operator none may match (NOR);
//! - a key the request does not carry fails a positive operator and satisfies a negated one;
//!   `...IfExists` makes an absent key satisfy any operator; `Null` tests presence;
//! - `ForAllValues:` holds when every request value passes (and when there is none);
//!   `ForAnyValue:` when at least one does (and not when there is none);
//! - variables are allowed in the values of the string, `Bool` and ARN operators only.

use std::net::IpAddr;

use crate::arn::ArnPattern;
use crate::cidr::Cidr;
use crate::context::Scope;
use crate::date::{self, Instant};
use crate::error::PolicyError;
use crate::json::{describe, Json};
use crate::pattern::{Case, Pattern, Syntax};

/// One key tested by one operator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    operator: Operator,
    key: Box<str>,
    values: Values,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    test: Test,
    /// `StringNotEquals`, `NotIpAddress`, ...: the test's result is inverted per value.
    negated: bool,
    if_exists: bool,
    set: Option<Set>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Compare),
    Date(Compare),
    Bool,
    IpAddress,
    Arn,
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compare {
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

impl Compare {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Compare::Equals => request == policy,
            Compare::LessThan => request < policy,
            Compare::LessThanEquals => request <= policy,
            Compare::GreaterThan => request > policy,
            Compare::GreaterThanEquals => request >= policy,
        }
    }
}

/// The policy's values for one key, compiled for the operator's test.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    Patterns(Box<[Pattern]>),
    Numbers(Box<[f64]>),
    Dates(Box<[Instant]>),
    Ranges(Box<[Cidr]>),
    Arns(Box<[ArnPattern]>),
    Presence(Box<[bool]>),
}

impl Operator {
    /// Reads an operator name such as `ForAnyValue:StringNotLikeIfExists`.
    fn parse(name: &str) -> Result<Operator, String> {
        let (set, base) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(Set::ForAllValues), rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(Set::ForAnyValue), rest)
        } else {
            (None, name)
        };
        let (if_exists, base) = match base.strip_suffix("IfExists") {
            Some(rest) => (true, rest),
            None => (false, base),
        };
        let (test, negated) = match base {
            "StringEquals" => (Test::StringEquals, false),
            "StringNotEquals" => (Test::StringEquals, true),
            "StringEqualsIgnoreCase" => (Test::StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (Test::StringEqualsIgnoreCase, true),
            "StringLike" => (Test::StringLike, false),
            "StringNotLike" => (Test::StringLike, true),
            "NumericEquals" => (Test::Numeric(Compare::Equals), false),
            "NumericNotEquals" => (Test::Numeric(Compare::Equals), true),
            "NumericLessThan" => (Test::Numeric(Compare::LessThan), false),
            "NumericLessThanEquals" => (Test::Numeric(Compare::LessThanEquals), false),
            "NumericGreaterThan" => (Test::Numeric(Compare::GreaterThan), false),
            "NumericGreaterThanEquals" => (Test::Numeric(Compare::GreaterThanEquals), false),
            "DateEquals" => (Test::Date(Compare::Equals), false),
            "DateNotEquals" => (Test::Date(Compare::Equals), true),
            "DateLessThan" => (Test::Date(Compare::LessThan), false),
            "DateLessThanEquals" => (Test::Date(Compare::LessThanEquals), false),
            "DateGreaterThan" => (Test::Date(Compare::GreaterThan), false),
            "DateGreaterThanEquals" => (Test::Date(Compare::GreaterThanEquals), false),
            "Bool" => (Test::Bool, false),
            "IpAddress" => (Test::IpAddress, false),
            "NotIpAddress" => (Test::IpAddress, true),
            "ArnEquals" | "ArnLike" => (Test::Arn, false),
            "ArnNotEquals" | "ArnNotLike" => (Test::Arn, true),
            "Null" => (Test::Null, false),
            "BinaryEquals" => {
                return Err(
                    "BinaryEquals is an IAM operator that this engine does not evaluate".to_owned(),
                )
            }
            _ => return Err("is not a condition operator".to_owned()),
        };
        if test == Test::Null && (if_exists || set.is_some()) {
            return Err(
                "Null tests whether a key exists: it takes neither IfExists nor a set qualifier"
                    .to_owned(),
            );
        }
        Ok(Operator {
            test,
            negated,
            if_exists,
            set,
        })
    }
}

/// Reads a `Condition` element into its conditions; `place` is `Statement[i].Condition`.
pub(crate) fn parse_block(
    block: &Json,
    variables: bool,
    place: &str,
) -> Result<Vec<Condition>, PolicyError> {
    let Json::Object(operators) = block else {
        return Err(PolicyError::malformed(
            place,
            format!(
                "must be an object of condition operators, not {}",
                describe(block)
            ),
        ));
    };
    let mut conditions = Vec::new();
    for (name, keys) in operators {
        let place = format!("{place}.{name}");
        let operator = Operator::parse(name).map_err(|why| PolicyError::malformed(&place, why))?;
        let keys = match keys {
            Json::Object(keys) if !keys.is_empty() => keys,
            Json::Object(_) => {
                return Err(PolicyError::malformed(
                    &place,
                    "must name at least one condition key",
                ))
            }
            other => {
                return Err(PolicyError::malformed(
                    &place,
                    format!(
                        "must be an object of condition keys and values, not {}",
                        describe(other)
                    ),
                ))
            }
        };
        for (key, values) in keys {
            if !is_condition_key(key) {
                return Err(PolicyError::malformed(
                    &place,
                    format!(
                        "\"{}\" is not a condition key: expected \"prefix:name\", such as \
                         \"aws:SourceIp\"",
                        key.escape_debug()
                    ),
                ));
            }
            let texts = scalars(values).ok_or_else(|| {
                PolicyError::malformed(
                    &place,
                    format!(
                        "\"{}\" must be a string or a list of strings, not {}",
                        key.escape_debug(),
                        describe(values)
                    ),
                )
            })?;
            if texts.is_empty() {
                return Err(PolicyError::malformed(
                    &place,
                    format!(
                        "\"{}\" must have at least one value, not an empty list",
                        key.escape_debug()
                    ),
                ));
            }
            let values = compile(operator.test, &texts, variables).map_err(|why| {
                PolicyError::malformed(&place, format!("\"{}\": {why}", key.escape_debug()))
            })?;
            conditions.push(Condition {
                operator,
                key: key.as_str().into(),
                values,
            });
        }
    }
    Ok(conditions)
}

/// A condition key's name: `prefix:name`, printable, without variables.
fn is_condition_key(key: &str) -> bool {
    matches!(key.split_once(':'), Some((prefix, name)) if !prefix.is_empty() && !name.is_empty())
        && !key.contains("${")
        && !key.chars().any(char::is_control)
}

/// A value or a list of values, each a string, a number or a boolean (IAM reads all three
/// as text).
fn scalars(value: &Json) -> Option<Vec<String>> {
    let one = |v: &Json| match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.clone()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match value {
        Json::Array(items) => items.iter().map(one).collect(),
        other => one(other).map(|v| vec![v]),
    }
}

fn compile(test: Test, texts: &[String], variables: bool) -> Result<Values, String> {
    let each = |f: &dyn Fn(&str) -> Result<Pattern, String>| {
        texts
            .iter()
            .map(|t| f(t).map_err(|why| format!("\"{}\" {why}", t.escape_debug())))
            .collect::<Result<Box<[_]>, _>>()
    };
    let plain = Syntax {
        wildcards: false,
        variables,
    };
    Ok(match test {
        Test::StringEquals | Test::StringEqualsIgnoreCase => {
            Values::Patterns(each(&|t| Pattern::compile(t, plain))?)
        }
        Test::StringLike => Values::Patterns(each(&|t| {
            Pattern::compile(
                t,
                Syntax {
                    wildcards: true,
                    variables,
                },
            )
        })?),
        Test::Bool => Values::Patterns(each(&|t| {
            let pattern = Pattern::compile(t, plain)?;
            let literal_bool = t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false");
            if pattern.variables().next().is_none() && !literal_bool {
                return Err("is not true or false".to_owned());
            }
            Ok(pattern)
        })?),
        Test::Numeric(_) => Values::Numbers(
            texts
                .iter()
                .map(|t| {
                    number(t).ok_or_else(|| format!("\"{}\" is not a number", t.escape_debug()))
                })
                .collect::<Result<_, _>>()?,
        ),
        Test::Date(_) => Values::Dates(
            texts
                .iter()
                .map(|t| {
                    date::parse(t).ok_or_else(|| {
                        format!(
                            "\"{}\" is not a date: expected ISO 8601 (such as \
                             2020-01-01T00:00:00Z) or epoch seconds",
                            t.escape_debug()
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        Test::IpAddress => Values::Ranges(
            texts
                .iter()
                .map(|t| {
                    Cidr::parse(t).ok_or_else(|| {
                        format!(
                            "\"{}\" is not an IP address or CIDR range",
                            t.escape_debug()
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        Test::Arn => Values::Arns(
            texts
                .iter()
                .map(|t| ArnPattern::compile(t, variables, false))
                .collect::<Result<_, _>>()?,
        ),
        Test::Null => Values::Presence(
            texts
                .iter()
                .map(|t| match t.to_ascii_lowercase().as_str() {
                    "true" => Ok(true),
                    "false" => Ok(false),
                    _ => Err(format!("\"{}\" is not true or false", t.escape_debug())),
                })
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// A decimal number: an optional sign, digits, and optionally a point and more digits.
fn number(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok =
        digits(whole) && fraction.is_none_or(|f| !f.is_empty() && digits(f)) && !whole.is_empty();
    if ok {
        text.parse().ok()
    } else {
        None
    }
}

impl Condition {
    /// The context key the condition tests.
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// The context keys that this condition's values read as variables.
    pub(crate) fn variables(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match &self.values {
            Values::Patterns(patterns) => Box::new(patterns.iter().flat_map(Pattern::variables)),
            Values::Arns(arns) => Box::new(arns.iter().flat_map(ArnPattern::variables)),
            _ => Box::new(std::iter::empty()),
        }
    }

    /// Whether the condition holds for the request.
    pub(crate) fn holds(&self, scope: &Scope<'_>) -> bool {
        let op = self.operator;
        let values = scope.values(&self.key);
        if let Values::Presence(expected) = &self.values {
            let absent = values.is_none();
            return expected.contains(&absent);
        }
        let Some(values) = values else {
            return match op.set {
                _ if op.if_exists => true,
                Some(Set::ForAllValues) => true,
                Some(Set::ForAnyValue) => false,
                None => op.negated,
            };
        };
        let passes = |value: &str| self.matches(value, scope) != op.negated;
        match op.set {
            Some(Set::ForAllValues) => values.iter().all(|v| passes(v)),
            Some(Set::ForAnyValue) => values.iter().any(|v| passes(v)),
            None => values.iter().any(|v| self.matches(v, scope)) != op.negated,
        }
    }

    /// Whether one request value matches any of the policy's values, before negation.
    fn matches(&self, value: &str, scope: &Scope<'_>) -> bool {
        match (&self.values, self.operator.test) {
            (Values::Patterns(patterns), test) => {
                let case = match test {
                    Test::StringEqualsIgnoreCase | Test::Bool => Case::Insensitive,
                    _ => Case::Sensitive,
                };
                patterns.iter().any(|p| p.matches(value, case, scope))
            }
            (Values::Numbers(numbers), Test::Numeric(compare)) => {
                number(value).is_some_and(|v| numbers.iter().any(|&n| compare.holds(v, n)))
            }
            (Values::Dates(dates), Test::Date(compare)) => {
                date::parse(value).is_some_and(|v| dates.iter().any(|&d| compare.holds(v, d)))
            }
            (Values::Ranges(ranges), _) => value
                .parse::<IpAddr>()
                .is_ok_and(|address| ranges.iter().any(|r| r.contains(address))),
            (Values::Arns(arns), _) => arns.iter().any(|a| a.matches(value, scope)),
            _ => false,
        }
    }
}
