//! Policy strings compiled once: literal text, the `*` and `?` wildcards, and policy variables
//! (`${aws:username}`), matched against request values without allocating.
//!
//! Policy variables follow IAM's rules
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>):
//! `${key}` is replaced by the single value of the context key `key` (names without regard
//! to case); `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`; a `$` not
//! followed by `{` is itself. Variables exist only in policies of version `2012-10-17`.

/// How the characters of a pattern are compared with those of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// Exactly.
    Sensitive,
    /// Without regard to case (Unicode lowercase mappings).
    Insensitive,
}

/// Whether `*` and `?` are wildcards in a pattern, and whether `${...}` is a variable.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    pub(crate) wildcards: bool,
    pub(crate) variables: bool,
}

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// Text that must appear as it is (after case folding, if any).
    Literal(Box<str>),
    /// The value of a context key, matched as literal text.
    Variable(Box<str>),
    /// `*`: any run of characters, the empty run included.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A policy string compiled for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    tokens: Box<[Token]>,
    /// Whether every literal piece is ASCII (known once, not asked at each match).
    ascii: bool,
}

/// Where a pattern finds the values of its variables.
pub(crate) trait Lookup {
    /// The single value of a context key, or `None` when the key is absent or has several
    /// values (IAM substitutes only single values).
    fn single(&self, key: &str) -> Option<&str>;
}

impl Pattern {
    /// Compiles `text`. The error says what is wrong with a variable reference, to follow
    /// the quoted text.
    pub(crate) fn compile(text: &str, syntax: Syntax) -> Result<Pattern, String> {
        let mut tokens = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            match c {
                '*' if syntax.wildcards => {
                    flush(&mut literal, &mut tokens);
                    // `**` is the same as `*`.
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                    rest = &rest[1..];
                }
                '?' if syntax.wildcards => {
                    flush(&mut literal, &mut tokens);
                    tokens.push(Token::One);
                    rest = &rest[1..];
                }
                '$' if syntax.variables && rest.starts_with("${") => {
                    let Some(end) = rest.find('}') else {
                        return Err(
                            "opens a policy variable with \"${\" and never closes it".to_owned()
                        );
                    };
                    let name = &rest[2..end];
                    match name {
                        "*" | "?" | "$" => literal.push_str(name),
                        _ if is_key_name(name) => {
                            flush(&mut literal, &mut tokens);
                            tokens.push(Token::Variable(name.into()));
                        }
                        _ => {
                            return Err(format!(
                                "has \"${{{}}}\", which is not a policy variable: expected a \
                                 context key name, or *, ? or $",
                                name.escape_debug()
                            ))
                        }
                    }
                    rest = &rest[end + 1..];
                }
                _ => {
                    literal.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        flush(&mut literal, &mut tokens);
        let ascii = tokens.iter().all(|t| match t {
            Token::Literal(text) => text.is_ascii(),
            _ => true,
        });
        Ok(Pattern {
            tokens: tokens.into_boxed_slice(),
            ascii,
        })
    }

    /// The context keys this pattern's variables read.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|t| match t {
            Token::Variable(key) => Some(&**key),
            _ => None,
        })
    }

    /// The text of a pattern without wildcards or variables.
    pub(crate) fn as_literal(&self) -> Option<&str> {
        match &*self.tokens {
            [] => Some(""),
            [Token::Literal(text)] => Some(text),
            _ => None,
        }
    }

    /// Whether the pattern is `*` alone, which matches everything.
    pub(crate) fn is_any(&self) -> bool {
        matches!(&*self.tokens, [Token::Star])
    }

    /// Whether the pattern's last token is `*`.
    pub(crate) fn ends_with_star(&self) -> bool {
        matches!(self.tokens.last(), Some(Token::Star))
    }

    /// Whether the pattern contains `*` or `?`.
    pub(crate) fn has_wildcards(&self) -> bool {
        self.tokens
            .iter()
            .any(|t| matches!(t, Token::Star | Token::One))
    }

    /// Whether what the pattern's literal text matches has its length in bytes: compared
    /// with its case, or without it when it is ASCII (compared byte by byte, ignoring ASCII
    /// case alone).
    fn fixed_length(&self, case: Case) -> bool {
        case == Case::Sensitive || self.ascii
    }

    /// Whether `value` matches the whole pattern. A variable whose key `vars` cannot resolve
    /// matches nothing (callers check resolution first, so that a statement with an
    /// unresolved variable does not apply at all).
    pub(crate) fn matches(&self, value: &str, case: Case, vars: &dyn Lookup) -> bool {
        // The shapes most policies use, without the general loop.
        match &*self.tokens {
            [] => return value.is_empty(),
            [Token::Star] => return true,
            // Most patterns are a name, or a name's beginning: when the pattern is ASCII (or
            // compared with its case), what it matches is as long as it is, which rejects
            // most other names before a byte is compared.
            [Token::Literal(text)] => {
                if text.len() != value.len() && self.fixed_length(case) {
                    return false;
                }
                return prefix_len(value, text, case, self.ascii) == Some(value.len());
            }
            [Token::Literal(text), Token::Star] => {
                if text.len() > value.len() && self.fixed_length(case) {
                    return false;
                }
                return prefix_len(value, text, case, self.ascii).is_some();
            }
            _ => {}
        }
        // The classic wildcard match: walk forward, and on a mismatch go back to the last `*`
        // and let it take more characters. Literal pieces are matched whole.
        let tokens = &self.tokens;
        let (mut t, mut v) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        loop {
            let advanced = match tokens.get(t) {
                // A last `*` takes whatever is left.
                Some(Token::Star) if t + 1 == tokens.len() => return true,
                Some(Token::Star) => {
                    star = Some((t, v));
                    t += 1;
                    continue;
                }
                Some(Token::One) => match value[v..].chars().next() {
                    Some(c) => {
                        v += c.len_utf8();
                        true
                    }
                    None => false,
                },
                Some(Token::Literal(text)) => match prefix_len(&value[v..], text, case, self.ascii)
                {
                    Some(n) => {
                        v += n;
                        true
                    }
                    None => false,
                },
                Some(Token::Variable(key)) => {
                    match vars
                        .single(key)
                        .and_then(|text| prefix_len(&value[v..], text, case, text.is_ascii()))
                    {
                        Some(n) => {
                            v += n;
                            true
                        }
                        None => false,
                    }
                }
                None if v == value.len() => return true,
                None => false,
            };
            if advanced {
                t += 1;
                continue;
            }
            // Mismatch: the last `*` takes one more character, if there is one.
            let Some((star_t, star_v)) = star else {
                return false;
            };
            let Some(c) = value[star_v..].chars().next() else {
                return false;
            };
            let mut resume = star_v + c.len_utf8();
            // When a literal follows the `*`, the `*` can only end where that literal occurs.
            if let (Case::Sensitive, Some(Token::Literal(text))) = (case, tokens.get(star_t + 1)) {
                match value[resume..].find(&**text) {
                    Some(at) => resume += at,
                    None => return false,
                }
            }
            star = Some((star_t, resume));
            t = star_t + 1;
            v = resume;
        }
    }
}

fn flush(literal: &mut String, tokens: &mut Vec<Token>) {
    if !literal.is_empty() {
        tokens.push(Token::Literal(std::mem::take(literal).into_boxed_str()));
    }
}

/// Whether `name` can be a context key inside `${...}`: printable, without spaces, braces or
/// quotes.
fn is_key_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| {
            !c.is_whitespace() && !c.is_control() && !matches!(c, '{' | '}' | '$' | '\'' | '"')
        })
}

/// The length in bytes of the prefix of `value` that equals `text`, if it does; `ascii`
/// says that `text` is ASCII (when it is not known to be, the general comparison is right
/// for ASCII too).
fn prefix_len(value: &str, text: &str, case: Case, ascii: bool) -> Option<usize> {
    match case {
        Case::Sensitive => value.starts_with(text).then_some(text.len()),
        Case::Insensitive => {
            if ascii {
                let head = value.as_bytes().get(..text.len())?;
                return head
                    .eq_ignore_ascii_case(text.as_bytes())
                    .then_some(text.len());
            }
            let mut used = 0;
            let mut chars = value.chars();
            for expected in text.chars() {
                let got = chars.next()?;
                if !got.to_lowercase().eq(expected.to_lowercase()) {
                    return None;
                }
                used += got.len_utf8();
            }
            Some(used)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Case, Lookup, Pattern, Syntax};

    struct Vars;

    impl Lookup for Vars {
        fn single(&self, key: &str) -> Option<&str> {
            key.eq_ignore_ascii_case("aws:username").then_some("alice")
        }
    }

    const LIKE: Syntax = Syntax {
        wildcards: true,
        variables: true,
    };

    fn like(pattern: &str, value: &str) -> bool {
        Pattern::compile(pattern, LIKE)
            .unwrap()
            .matches(value, Case::Sensitive, &Vars)
    }

    #[test]
    fn star_matches_any_run_and_backtracks() {
        assert!(like("a*b*c", "aXXbYYbZc"));
        assert!(like("*", ""));
        assert!(like("a*", "a"));
        assert!(!like("a*b", "aXc"));
        assert!(like("*ab", "aab"));
    }

    #[test]
    fn star_followed_by_a_literal_tries_each_occurrence() {
        assert!(like("*abc", "ababc"));
        assert!(like("x*ab?d", "xabcabzd"));
        assert!(!like("x*ab?d", "xabcabz"));
    }

    #[test]
    fn plain_and_empty_patterns_match_whole_values() {
        assert!(like("", ""));
        assert!(!like("", "a"));
        assert!(like("abc", "abc"));
        assert!(!like("abc", "abcd"));
        let p = Pattern::compile("S3:GetObject", LIKE).unwrap();
        assert!(p.matches("s3:getobject", Case::Insensitive, &Vars));
        assert!(!p.matches("s3:getobjects", Case::Insensitive, &Vars));
    }

    #[test]
    fn question_mark_is_one_character_not_one_byte() {
        assert!(like("caf?", "café"));
        assert!(!like("caf?", "caf"));
        assert!(!like("caf?", "cafés"));
    }

    #[test]
    fn variables_and_escapes() {
        assert!(like("home/${aws:username}/*", "home/alice/x"));
        assert!(!like("home/${aws:username}/*", "home/bob/x"));
        assert!(like("${*}${?}${$}", "*?$"));
        assert!(!like("${*}", "anything"));
        assert!(like("$x", "$x"));
    }

    #[test]
    fn unclosed_or_empty_variable_is_refused() {
        assert!(Pattern::compile("${aws:username", LIKE).is_err());
        assert!(Pattern::compile("${}", LIKE).is_err());
        assert!(Pattern::compile("${a b}", LIKE).is_err());
    }

    #[test]
    fn insensitive_matching_folds_unicode() {
        let p = Pattern::compile("ÉTÉ-S3:GET*", LIKE).unwrap();
        assert!(p.matches("été-s3:getobject", Case::Insensitive, &Vars));
        assert!(!p.matches("été-s3:getobject", Case::Sensitive, &Vars));
    }
}
