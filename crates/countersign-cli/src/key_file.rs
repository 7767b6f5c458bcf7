//! The countersign layer's JSON key file: `{"keys": [{"access_key_id", "secret_access_key",
//! "previous_secret_access_key", "principal"}]}`.

use std::path::Path;

use serde_json::Value;

use crate::error::{CliError, Result};

/// One key of the file.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    /// The access key id.
    pub(crate) access_key_id: String,
    /// The current secret, then the previous one during a rotation.
    pub(crate) secrets: Vec<String>,
    /// The principal (null when absent).
    pub(crate) principal: Value,
}

/// Reads and checks a key file.
pub(crate) fn load(path: &Path) -> Result<Vec<Key>> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::read(path, &e))?;
    parse(&text).map_err(|why| CliError::input(format!("key file {}: {why}", path.display())))
}

fn parse(text: &str) -> std::result::Result<Vec<Key>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let keys = value
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("no \"keys\" array")?;
    let mut out = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let text = |name: &str| key.get(name).and_then(Value::as_str).map(str::to_string);
        let access_key_id =
            text("access_key_id").ok_or_else(|| format!("key {i} has no \"access_key_id\""))?;
        let secret = text("secret_access_key")
            .ok_or_else(|| format!("key {access_key_id} has no \"secret_access_key\""))?;
        let mut secrets = vec![secret];
        secrets.extend(text("previous_secret_access_key"));
        out.push(Key {
            access_key_id,
            secrets,
            principal: key.get("principal").cloned().unwrap_or(Value::Null),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_layer_format() {
        let keys = parse(
            r#"{"keys": [{"access_key_id": "A", "secret_access_key": "s", "principal": {"user": "alice"}},
                {"access_key_id": "B", "secret_access_key": "n", "previous_secret_access_key": "o"}]}"#,
        )
        .unwrap();
        assert_eq!(keys[0].principal["user"], "alice");
        assert_eq!(keys[1].secrets, ["n", "o"]);
        assert!(parse("{}").is_err());
        assert!(parse(r#"{"keys": [{"access_key_id": "A"}]}"#).is_err());
    }
}
