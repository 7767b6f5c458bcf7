//! ARN patterns, for `Resource`, `NotResource` and the `Arn*` condition operators, matched
//! segment by segment as IAM does.
//!
//! IAM's reference for the `Resource` element
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>,
//! "Using wildcards in resource ARNs") says that `*` and `?` work within the segments of an
//! ARN (the parts between colons), and that a `*` that is the last character of a segment may
//! match beyond the colons. The condition operators' reference
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN>)
//! gives the consequence: `arn:aws:someservice:*:111122223333:finance/*` does not match
//! `arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt`
//! with `ArnLike`, because each of the six segments is checked on its own.
//!
//! So a pattern is cut into at most six segments at its first five colons, and so is the
//! value; the segments are matched pairwise, the sixth (the resource, which may itself contain
//! colons) whole. A pattern of fewer than six segments whose last segment ends in `*` (such as
//! `*` alone, or `arn:aws:s3:*`) lets that segment match the rest of the value, colons and all.

use crate::pattern::{Case, Lookup, Pattern, Syntax};

/// The number of colon-separated segments of an ARN: `arn`, partition, service, region,
/// account, resource.
const SEGMENTS: usize = 6;

/// A compiled ARN pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArnPattern {
    /// The leading segments that are plain text, each followed by its colon
    /// (`arn:aws:s3:::`), compared in one piece.
    prefix: Box<str>,
    /// The segments after the prefix, one pattern each; the last of fewer than six matches
    /// the rest of the value.
    segments: Box<[Pattern]>,
}

impl ArnPattern {
    /// Compiles `text`, which must be `*` or an ARN (`arn:` and six segments, or fewer whose
    /// last ends in `*`). For a `Resource`, the service segment cannot hold a wildcard
    /// (`resource` is true); condition values have no such rule.
    pub(crate) fn compile(
        text: &str,
        variables: bool,
        resource: bool,
    ) -> Result<ArnPattern, String> {
        let syntax = Syntax {
            wildcards: true,
            variables,
        };
        let parts: Vec<&str> = text.splitn(SEGMENTS, ':').collect();
        let segments = parts
            .iter()
            .map(|part| Pattern::compile(part, syntax))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|why| format!("\"{}\" {why}", text.escape_debug()))?;
        let whole = segments.len() == 1 && segments[0].is_any();
        let complete = segments.len() == SEGMENTS
            || segments.last().is_some_and(Pattern::ends_with_star) && segments.len() > 1;
        if !(whole || parts[0] == "arn" && complete) {
            return Err(format!(
                "\"{}\" is not an ARN: expected \"*\" or \"arn:partition:service:region:account:resource\"",
                text.escape_debug()
            ));
        }
        if resource && segments.len() > 2 && segments[2].has_wildcards() {
            return Err(format!(
                "\"{}\": the service segment of an ARN cannot contain a wildcard",
                text.escape_debug()
            ));
        }
        // Every segment but the last may join the prefix while it is plain text.
        let mut segments = segments;
        let plain = segments[..segments.len() - 1]
            .iter()
            .take_while(|s| s.as_literal().is_some())
            .count();
        let prefix: String = segments[..plain]
            .iter()
            .filter_map(Pattern::as_literal)
            .flat_map(|text| [text, ":"])
            .collect();
        segments.drain(..plain);
        Ok(ArnPattern {
            prefix: prefix.into_boxed_str(),
            segments: segments.into_boxed_slice(),
        })
    }

    /// The context keys this pattern's variables read.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().flat_map(Pattern::variables)
    }

    /// Whether `value` matches, segment by segment, case-sensitively.
    pub(crate) fn matches(&self, value: &str, vars: &dyn Lookup) -> bool {
        let Some(mut rest) = value.strip_prefix(&*self.prefix) else {
            return false;
        };
        let last = self.segments.len() - 1;
        for (i, segment) in self.segments.iter().enumerate() {
            if i == last {
                return segment.matches(rest, Case::Sensitive, vars);
            }
            let Some((head, tail)) = rest.split_once(':') else {
                return false;
            };
            if !segment.matches(head, Case::Sensitive, vars) {
                return false;
            }
            rest = tail;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::ArnPattern;
    use crate::pattern::Lookup;

    struct NoVars;

    impl Lookup for NoVars {
        fn single(&self, _: &str) -> Option<&str> {
            None
        }
    }

    fn arn_like(pattern: &str, value: &str) -> bool {
        ArnPattern::compile(pattern, true, true)
            .unwrap()
            .matches(value, &NoVars)
    }

    #[test]
    fn segments_are_matched_separately() {
        let value =
            "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
        assert!(!arn_like(
            "arn:aws:someservice:*:111122223333:finance/*",
            value
        ));
        assert!(arn_like("arn:aws:someservice:*:999999999999:*", value));
    }

    #[test]
    fn star_in_the_resource_segment_crosses_slashes_and_colons() {
        assert!(arn_like(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b:c"
        ));
        assert!(!arn_like("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket"));
    }

    #[test]
    fn trailing_star_of_a_short_pattern_spans_the_rest() {
        assert!(arn_like("*", "arn:aws:s3:::bucket"));
        assert!(arn_like("arn:aws:s3:*", "arn:aws:s3:::bucket/key"));
        assert!(!arn_like("arn:aws:s3:*", "arn:aws:sqs:us-east-1:1:q"));
    }

    #[test]
    fn not_an_arn_is_refused() {
        assert!(ArnPattern::compile("bucket/*", true, true).is_err());
        assert!(ArnPattern::compile("arn:aws:s3", true, true).is_err());
        assert!(ArnPattern::compile("arn:aws:s3*:::x", true, true).is_err());
        assert!(ArnPattern::compile("arn:aws:s3*:::x", true, false).is_ok());
    }
}
