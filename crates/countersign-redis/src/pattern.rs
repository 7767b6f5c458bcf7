//! Redis glob patterns (`SCAN … MATCH`).

/// `text` with the characters a Redis glob pattern reads specially (`*`, `?`, `[`, `]`,
/// `\`) escaped, so that a pattern made of it matches it literally: a key prefix may
/// contain them.
pub(crate) fn escape_glob(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_characters_are_escaped_and_others_kept() {
        assert_eq!(escape_glob("app:"), "app:");
        assert_eq!(escape_glob(r"a*b?[c]\d"), r"a\*b\?\[c\]\\d");
    }
}
