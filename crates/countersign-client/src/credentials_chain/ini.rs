//! A small reader for the INI files of the AWS tools (`~/.aws/credentials`,
//! `~/.aws/config`), strict enough to say which line of a file is wrong.
//!
//! Sections are `[name]`; keys are `key = value` (or `key: value`, as Python's configparser,
//! which the AWS CLI uses, also reads); lines starting with `#` or `;` are comments. An
//! indented line under a key continues it (a nested block such as `s3 =` followed by
//! `  addressing_style = path`) and is skipped: no value this crate reads is nested.

use std::fmt;

/// One parsed file: sections in order, each with its key/value pairs (keys lowercased).
#[derive(Debug, Default, Clone)]
pub(crate) struct Ini {
    sections: Vec<(String, Vec<(String, String)>)>,
}

/// A line that is neither a section, a key nor a comment: its number (from 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IniError {
    pub(crate) line: usize,
    pub(crate) reason: &'static str,
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl Ini {
    /// Parses a file's text.
    pub(crate) fn parse(text: &str) -> Result<Ini, IniError> {
        let mut ini = Ini::default();
        // Whether the current section has a key yet, which an indented line continues.
        let mut after_key = false;
        for (index, raw) in text.lines().enumerate() {
            let error = |reason| IniError {
                line: index + 1,
                reason,
            };
            let line = raw.trim();
            if line.is_empty() || line.starts_with(['#', ';']) {
                continue;
            }
            if raw.starts_with([' ', '\t']) && after_key {
                continue;
            }
            if let Some(header) = line.strip_prefix('[') {
                let Some((name, rest)) = header.rsplit_once(']') else {
                    return Err(error("a section header without its closing `]`"));
                };
                let rest = rest.trim();
                if !(rest.is_empty() || rest.starts_with(['#', ';'])) {
                    return Err(error("text after a section header's `]`"));
                }
                let name = name.trim();
                if name.is_empty() {
                    return Err(error("a section header with no name"));
                }
                ini.sections.push((name.to_string(), Vec::new()));
                after_key = false;
                continue;
            }
            let Some(at) = line.find(['=', ':']) else {
                return Err(error(
                    "neither a `[section]`, a `key = value` nor a comment",
                ));
            };
            let (key, value) = (line[..at].trim(), line[at + 1..].trim());
            if key.is_empty() {
                return Err(error("a value with no key before its `=`"));
            }
            let Some((_, entries)) = ini.sections.last_mut() else {
                return Err(error("a key before any `[section]`"));
            };
            entries.push((key.to_ascii_lowercase(), value.to_string()));
            after_key = true;
        }
        Ok(ini)
    }

    /// The value of `key` in section `section`, if both exist (the last one wins).
    pub(crate) fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.sections
            .iter()
            .filter(|(name, _)| name == section)
            .flat_map(|(_, entries)| entries.iter())
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .next_back()
    }

    /// Whether the section exists.
    pub(crate) fn has_section(&self, section: &str) -> bool {
        self.sections.iter().any(|(name, _)| name == section)
    }
}

#[cfg(test)]
mod tests {
    use super::{Ini, IniError};

    #[test]
    fn sections_keys_comments_and_nested_blocks() {
        let ini = Ini::parse(
            "# comment\n[default]\naws_access_key_id = AKID\n; other\nAWS_Secret_Access_Key=s=e=c\n\
             [profile dev] # a comment\nregion: eu-west-1\ns3 =\n  addressing_style = path\n",
        )
        .unwrap();
        assert_eq!(ini.get("default", "aws_access_key_id"), Some("AKID"));
        assert_eq!(ini.get("default", "aws_secret_access_key"), Some("s=e=c"));
        assert_eq!(ini.get("profile dev", "region"), Some("eu-west-1"));
        assert_eq!(ini.get("profile dev", "addressing_style"), None);
        assert!(ini.has_section("profile dev"));
        assert!(!ini.has_section("dev"));
    }

    #[test]
    fn an_indented_first_key_of_a_section_is_a_key() {
        let ini = Ini::parse("[default]\n  region = eu-west-1\n").unwrap();
        assert_eq!(ini.get("default", "region"), Some("eu-west-1"));
    }

    #[test]
    fn a_line_that_is_not_a_key_names_its_line() {
        let error = Ini::parse("[default]\nregion = x\nthis is not ini\n").unwrap_err();
        assert_eq!(error.line, 3);
    }

    #[test]
    fn an_unclosed_section_names_its_line() {
        let error = Ini::parse("\n[default\nregion = x\n").unwrap_err();
        assert_eq!(
            error,
            IniError {
                line: 2,
                reason: "a section header without its closing `]`"
            }
        );
    }

    #[test]
    fn a_key_before_any_section_names_its_line() {
        let error = Ini::parse("# top\nregion = x\n").unwrap_err();
        assert_eq!(error.line, 2);
    }
}
