//! `countersign keys --file PATH`: the JSON key file that `FileKeyStore` reads,
//! `{"keys": [{"access_key_id", "secret_access_key", "previous_secret_access_key",
//! "principal"}]}`, rewritten whole and atomically (a temporary file renamed over it), so
//! that a layer reading it never sees half a file.
//!
//! Fields the layer does not read are kept as they are; `create` adds `"created"`. A revoked
//! key leaves `"keys"` (which is all the layer reads) for `"revoked"`, without its secrets, so
//! that `list` still shows it.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{import_text, no_such_key, principal, print_list, print_secret, KeysCommand, Listed};
use crate::commands::write_stdout;
use crate::error::{io_reason, CliError, Result};

/// Runs `command` on the key file at `path`.
pub(super) fn run(path: &Path, command: KeysCommand) -> Result<()> {
    match command {
        KeysCommand::Create {
            arn,
            principal: json,
            json: as_json,
        } => {
            let principal = principal(arn, json)?;
            let mut file = KeyFile::open(path, true)?;
            let id = new_id(&file)?;
            let secret = new_secret()?;
            let now = OffsetDateTime::now_utc().format(&Rfc3339).ok();
            file.keys_mut().push(json!({
                "access_key_id": id, "secret_access_key": secret,
                "principal": principal, "created": now,
            }));
            file.save()?;
            print_secret(&id, &secret, as_json)
        }
        KeysCommand::List { json } => {
            let file = KeyFile::open(path, false)?;
            print_list(file.listed(), json)
        }
        KeysCommand::Revoke { id } => {
            let mut file = KeyFile::open(path, false)?;
            let mut entry = file.take(&id)?;
            if let Some(fields) = entry.as_object_mut() {
                fields.remove("secret_access_key");
                fields.remove("previous_secret_access_key");
                fields.insert(
                    "revoked".into(),
                    json!(OffsetDateTime::now_utc().format(&Rfc3339).ok()),
                );
            }
            file.revoked_mut().push(entry);
            file.save()?;
            eprintln!("countersign: revoked {id}");
            Ok(())
        }
        KeysCommand::Rotate { id } => {
            let mut file = KeyFile::open(path, false)?;
            let secret = new_secret()?;
            let entry = file.entry_mut(&id)?;
            let old = entry.get("secret_access_key").cloned();
            entry.insert(
                "previous_secret_access_key".into(),
                old.unwrap_or(Value::Null),
            );
            entry.insert("secret_access_key".into(), json!(secret));
            file.save()?;
            print_secret(&id, &secret, false)
        }
        KeysCommand::FinishRotation { id } => {
            let mut file = KeyFile::open(path, false)?;
            file.entry_mut(&id)?.remove("previous_secret_access_key");
            file.save()?;
            eprintln!("countersign: {id} has one secret now");
            Ok(())
        }
        KeysCommand::Delete { id } => {
            let mut file = KeyFile::open(path, false)?;
            file.take(&id)?;
            file.save()?;
            eprintln!("countersign: deleted {id}");
            Ok(())
        }
        KeysCommand::Import { source } => {
            let text = import_text(&source)?;
            let imported = parse_entries(&text)
                .map_err(|why| CliError::input(format!("{}: {why}", source.display())))?;
            let mut file = KeyFile::open(path, true)?;
            let count = imported.len();
            for entry in imported {
                let id = entry_id(&entry).unwrap_or_default().to_string();
                file.keys_mut().retain(|e| entry_id(e) != Some(id.as_str()));
                file.keys_mut().push(entry);
            }
            file.save()?;
            write_stdout(format!("imported {count} keys\n").as_bytes())
        }
    }
}

/// A key file read whole: its document, which has a `"keys"` list.
struct KeyFile {
    path: PathBuf,
    doc: Map<String, Value>,
}

impl KeyFile {
    /// Reads the file; a missing one is empty when `create` allows it.
    fn open(path: &Path, create: bool) -> Result<KeyFile> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if create && e.kind() == std::io::ErrorKind::NotFound => {
                r#"{"keys": []}"#.to_string()
            }
            Err(e) => return Err(CliError::read(path, &e)),
        };
        let invalid = |why: String| CliError::input(format!("key file {}: {why}", path.display()));
        parse_entries(&text).map_err(invalid)?;
        let doc = match serde_json::from_str(&text) {
            Ok(Value::Object(doc)) => doc,
            _ => return Err(invalid("not a JSON object".into())),
        };
        if doc.get("revoked").is_some_and(|r| !r.is_array()) {
            return Err(invalid("\"revoked\" is not a list".into()));
        }
        Ok(KeyFile {
            path: path.to_path_buf(),
            doc,
        })
    }

    /// The `"keys"` list (checked by `open`).
    fn keys_mut(&mut self) -> &mut Vec<Value> {
        list_mut(&mut self.doc, "keys")
    }

    /// The `"revoked"` list, made when missing.
    fn revoked_mut(&mut self) -> &mut Vec<Value> {
        list_mut(&mut self.doc, "revoked")
    }

    /// The entry of `id` in `"keys"`.
    fn entry_mut(&mut self, id: &str) -> Result<&mut Map<String, Value>> {
        self.keys_mut()
            .iter_mut()
            .find(|e| entry_id(e) == Some(id))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| no_such_key(id))
    }

    /// Removes the entry of `id` from `"keys"` and gives it back.
    fn take(&mut self, id: &str) -> Result<Value> {
        let keys = self.keys_mut();
        let at = keys
            .iter()
            .position(|e| entry_id(e) == Some(id))
            .ok_or_else(|| no_such_key(id))?;
        Ok(keys.remove(at))
    }

    /// The keys (active) and the revoked ones.
    fn listed(&self) -> Vec<Listed> {
        let time = |entry: &Value, name: &str| {
            entry
                .get(name)
                .and_then(Value::as_str)
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        };
        let list = |name: &str, active: bool| {
            let entries = self.doc.get(name).and_then(Value::as_array);
            entries
                .into_iter()
                .flatten()
                .filter_map(move |entry| {
                    Some(Listed {
                        id: entry_id(entry)?.to_string(),
                        active,
                        principal: entry.get("principal").cloned().unwrap_or(Value::Null),
                        created: time(entry, "created"),
                        expires: None,
                    })
                })
                .collect::<Vec<_>>()
        };
        let mut keys = list("keys", true);
        keys.extend(list("revoked", false));
        keys
    }

    /// Writes the file: a temporary file beside it, written and synced, renamed over it. A
    /// new file is readable by its owner only (it holds secrets); an existing one keeps its
    /// permissions.
    fn save(&self) -> Result<()> {
        let failed = |e: std::io::Error| {
            CliError::input(format!(
                "cannot write {}: {}",
                self.path.display(),
                io_reason(&e)
            ))
        };
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "keys.json".into());
        let temp = self
            .path
            .with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let mut text = serde_json::to_string_pretty(&self.doc)
            .map_err(|e| CliError::input(format!("cannot write the key file: {e}")))?;
        text.push('\n');
        let written = (|| {
            let mut out = new_private_file(&temp)?;
            if let Ok(meta) = std::fs::metadata(&self.path) {
                out.set_permissions(meta.permissions())?;
            }
            out.write_all(text.as_bytes())?;
            out.sync_all()?;
            std::fs::rename(&temp, &self.path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written.map_err(failed)
    }
}

/// A new file readable and writable by its owner only (on Unix).
fn new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The list `name` of `doc`, made when missing or not a list.
fn list_mut<'d>(doc: &'d mut Map<String, Value>, name: &str) -> &'d mut Vec<Value> {
    let slot = doc.entry(name).or_insert_with(|| json!([]));
    if !slot.is_array() {
        *slot = json!([]);
    }
    match slot {
        Value::Array(list) => list,
        _ => unreachable!("made a list above"),
    }
}

/// The access key id of an entry.
fn entry_id(entry: &Value) -> Option<&str> {
    entry.get("access_key_id").and_then(Value::as_str)
}

/// The entries of a key file's `"keys"`, each with an id and a secret, no id twice: what
/// `FileKeyStore` accepts.
fn parse_entries(text: &str) -> std::result::Result<Vec<Value>, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let entries = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("expected {\"keys\": [...]}")?;
    let mut seen = std::collections::BTreeSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let field = |name: &str| {
            entry
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let id = field("access_key_id").ok_or_else(|| format!("keys[{i}] has no access_key_id"))?;
        if field("secret_access_key").is_none() {
            return Err(format!("keys[{i}] ({id}) has no secret_access_key"));
        }
        if !seen.insert(id) {
            return Err(format!("access key id {id} appears twice"));
        }
    }
    Ok(entries.clone())
}

/// A new access key id that the file does not have.
fn new_id(file: &KeyFile) -> Result<String> {
    let taken = |id: &str| file.listed().iter().any(|k| k.id == id);
    for _ in 0..3 {
        let id =
            countersign_redis::new_access_key_id().map_err(|e| CliError::input(e.to_string()))?;
        if !taken(&id) {
            return Ok(id);
        }
    }
    Err(CliError::input(
        "three new access key ids in a row were taken",
    ))
}

/// A new random secret.
fn new_secret() -> Result<String> {
    countersign_server::keys::random_secret().map_err(|e| CliError::input(e.to_string()))
}
