//! A key store read from a JSON file and reloaded when the file changes.
//!
//! The format:
//!
//! ```json
//! {"keys": [
//!   {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "…", "principal": {"user": "alice"}},
//!   {"access_key_id": "AKIDROTATING", "secret_access_key": "new…", "previous_secret_access_key": "old…"}
//! ]}
//! ```
//!
//! `principal` is any JSON value (null when absent); `previous_secret_access_key` keeps an
//! old secret live during a rotation. Handlers get the principal as `Arc<Value>`
//! (`Verified<Arc<serde_json::Value>>`): shared with the store, so that no request copies it,
//! however large it is.

use std::collections::HashMap;
use std::fmt;
use std::future::{ready, Ready};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{Key, KeyIdHasher, KeyRequest, KeyStore, Lookup};
use crate::watched::Watched;

/// The keys of a file, by access key id.
type KeyMap = HashMap<String, Key<Arc<Value>>, KeyIdHasher>;

/// The keys of a JSON key file. Each lookup checks, at most once per check interval (two
/// seconds by default), whether the file changed; a file that no longer parses keeps the last
/// good keys in place and logs why.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("keys.json");
/// std::fs::write(&path, r#"{"keys": [{"access_key_id": "AKID", "secret_access_key": "s", "principal": "alice"}]}"#)?;
/// let store = countersign_server::keys::FileKeyStore::open(&path)?;
/// assert_eq!(store.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct FileKeyStore {
    file: Arc<Watched<KeyMap, KeyFileError>>,
}

/// A key file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFileError {
    /// The file could not be read.
    Io(String),
    /// The file is not JSON of the expected shape.
    Invalid(String),
}

impl fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyFileError::Io(why) => write!(f, "cannot read the key file: {why}"),
            KeyFileError::Invalid(why) => write!(f, "the key file is not valid: {why}"),
        }
    }
}

impl std::error::Error for KeyFileError {}

impl FileKeyStore {
    /// Loads the file; fails if it cannot be read or parsed.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, KeyFileError> {
        let file = Watched::open(path.as_ref(), "key file", load)?;
        Ok(FileKeyStore {
            file: Arc::new(file),
        })
    }

    /// How often lookups check the file for changes (default two seconds).
    pub fn check_interval(self, interval: Duration) -> Self {
        match Arc::try_unwrap(self.file) {
            Ok(file) => FileKeyStore {
                file: Arc::new(file.check_interval(interval)),
            },
            Err(shared) => FileKeyStore { file: shared },
        }
    }

    /// Reads the file again now. On error the current keys stay and the error is returned.
    pub fn reload(&self) -> Result<usize, KeyFileError> {
        self.file.reload().map(|keys| keys.len())
    }

    /// How many keys are loaded.
    pub fn len(&self) -> usize {
        self.file.snapshot().len()
    }

    /// Whether no key is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key of `request`, from the file as last read (read again first when due).
    fn find(&self, request: &KeyRequest) -> Lookup<Arc<Value>> {
        Ok(self.file.current().get(request.access_key_id()).cloned())
    }

    #[cfg(test)]
    fn refresh(&self) {
        self.file.refresh();
    }
}

impl fmt::Debug for FileKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileKeyStore")
            .field("path", &self.file.path())
            .field("keys", &self.len())
            .finish()
    }
}

impl KeyStore for FileKeyStore {
    type Principal = Arc<Value>;
    type Future = Ready<Lookup<Arc<Value>>>;

    fn lookup(&self, request: KeyRequest) -> Self::Future {
        ready(self.find(&request))
    }

    fn lookup_now(&self, request: &KeyRequest) -> Option<Lookup<Arc<Value>>> {
        Some(self.find(request))
    }
}

fn load(path: &Path) -> Result<KeyMap, KeyFileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| KeyFileError::Io(format!("{}: {e}", path.display())))?;
    parse(&text)
}

/// Parses the key file format.
pub(crate) fn parse(text: &str) -> Result<KeyMap, KeyFileError> {
    let invalid = |why: String| KeyFileError::Invalid(why);
    let doc: Value = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let entries = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("expected {\"keys\": [...]}".into()))?;
    let mut keys = KeyMap::with_capacity_and_hasher(entries.len(), KeyIdHasher::default());
    for (i, entry) in entries.iter().enumerate() {
        let field = |name: &str| {
            entry
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let id = field("access_key_id")
            .ok_or_else(|| invalid(format!("keys[{i}] has no access_key_id")))?;
        let secret = field("secret_access_key")
            .ok_or_else(|| invalid(format!("keys[{i}] ({id}) has no secret_access_key")))?;
        let mut key = Key::new(
            secret,
            Arc::new(entry.get("principal").cloned().unwrap_or(Value::Null)),
        );
        if let Some(previous) = field("previous_secret_access_key") {
            key = key.with_secret(previous);
        }
        if keys.insert(id.to_string(), key).is_some() {
            return Err(invalid(format!("access key id {id} appears twice")));
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// Writes `text` to a key file `name` in a directory of this test run's own.
    fn key_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("countersign-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn parses_and_refuses_bad_files() {
        let keys = parse(
            r#"{"keys": [{"access_key_id": "A", "secret_access_key": "s", "previous_secret_access_key": "t"}]}"#,
        );
        assert_eq!(keys.map(|k| k["A"].secrets().len()), Ok(2));
        for bad in [
            "",
            "[]",
            r#"{"keys": {}}"#,
            r#"{"keys": [{"secret_access_key": "s"}]}"#,
            r#"{"keys": [{"access_key_id": "A"}]}"#,
            r#"{"keys": [{"access_key_id": "A", "secret_access_key": ""}]}"#,
            r#"{"keys": [{"access_key_id": "A", "secret_access_key": "s"}, {"access_key_id": "A", "secret_access_key": "t"}]}"#,
        ] {
            assert!(matches!(parse(bad), Err(KeyFileError::Invalid(_))), "{bad}");
        }
    }

    #[test]
    fn lookups_share_the_principal_instead_of_copying_it() {
        let path = key_file(
            "principal.json",
            r#"{"keys": [{"access_key_id": "A", "secret_access_key": "s", "principal": {"user": "alice"}}, {"access_key_id": "B", "secret_access_key": "t"}]}"#,
        );
        let store = FileKeyStore::open(&path).unwrap();
        let principal = |id: &str| {
            let request = KeyRequest::new(id, "20240524", "us-east-1", "s3");
            store.find(&request).unwrap().unwrap().into_principal()
        };
        let (first, second) = (principal("A"), principal("A"));
        assert_eq!(first["user"], "alice");
        assert!(
            Arc::ptr_eq(&first, &second),
            "each lookup copied the principal"
        );
        assert_eq!(*principal("B"), Value::Null);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn reload_keeps_last_good_keys() {
        let path = key_file(
            "reload.json",
            r#"{"keys": [{"access_key_id": "A", "secret_access_key": "s"}]}"#,
        );
        let store = FileKeyStore::open(&path)
            .unwrap()
            .check_interval(Duration::ZERO);
        std::fs::write(&path, "{ not json").unwrap();
        assert!(store.reload().is_err());
        assert_eq!(store.len(), 1);
        std::fs::write(&path, r#"{"keys": [{"access_key_id": "A", "secret_access_key": "s"}, {"access_key_id": "B", "secret_access_key": "t"}]}"#).unwrap();
        store.refresh();
        assert_eq!(store.len(), 2);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn lookups_look_at_the_file_once_per_interval() {
        let one = r#"{"keys": [{"access_key_id": "A", "secret_access_key": "s"}]}"#;
        let path = key_file("interval.json", one);
        let store = FileKeyStore::open(&path)
            .unwrap()
            .check_interval(Duration::from_secs(3600));
        store.refresh(); // the first look, which finds the file as it was opened
        let two = r#"{"keys": [{"access_key_id": "A", "secret_access_key": "s"}, {"access_key_id": "B", "secret_access_key": "t"}]}"#;
        std::fs::write(&path, two).unwrap();
        store.refresh();
        assert_eq!(store.len(), 1, "looked again within the hour");
        assert_eq!(store.reload().ok(), Some(2));
        std::fs::remove_file(&path).unwrap();
    }
}
