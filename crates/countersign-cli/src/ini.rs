//! A small reader for the INI files of the AWS tools (`~/.aws/credentials`, `~/.aws/config`).
//!
//! Sections are `[name]`; keys are `key = value`; lines starting with `#` or `;` are
//! comments; an indented line under a key (a nested block such as `s3 =`) is skipped.

/// One parsed file: sections in order, each with its key/value pairs.
#[derive(Debug, Default, Clone)]
pub(crate) struct Ini {
    sections: Vec<(String, Vec<(String, String)>)>,
}

impl Ini {
    /// Parses text. Lines that are neither sections, keys nor comments are ignored, as the
    /// AWS tools ignore what they do not understand.
    pub(crate) fn parse(text: &str) -> Ini {
        let mut ini = Ini::default();
        for line in text.lines() {
            if line.starts_with([' ', '\t']) {
                continue;
            }
            let line = line.trim();
            if line.is_empty() || line.starts_with(['#', ';']) {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                ini.sections.push((name.trim().to_string(), Vec::new()));
                continue;
            }
            if let (Some((key, value)), Some((_, entries))) =
                (line.split_once('='), ini.sections.last_mut())
            {
                entries.push((key.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        ini
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
    use super::Ini;

    #[test]
    fn sections_keys_comments_and_nested_blocks() {
        let ini = Ini::parse(
            "# comment\n[default]\naws_access_key_id = AKID\n; other\nAWS_Secret_Access_Key=s=e=c\n\
             [profile dev]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n",
        );
        assert_eq!(ini.get("default", "aws_access_key_id"), Some("AKID"));
        assert_eq!(ini.get("default", "aws_secret_access_key"), Some("s=e=c"));
        assert_eq!(ini.get("profile dev", "region"), Some("eu-west-1"));
        assert_eq!(ini.get("profile dev", "addressing_style"), None);
        assert!(ini.has_section("profile dev"));
        assert!(!ini.has_section("dev"));
    }
}
