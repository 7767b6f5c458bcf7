//! Policies read from a JSON file and reloaded when the file changes.
//!
//! The format: identity policies by principal ARN (a list, or one document), and resources
//! (buckets, APIs) by name, with their owner and policies:
//!
//! ```json
//! {
//!   "identities": {
//!     "arn:aws:iam::111122223333:user/alice": [{"Version": "2012-10-17", "Statement": [...]}]
//!   },
//!   "resources": {
//!     "photos": {"owner": "111122223333", "policies": [{"Version": "2012-10-17", "Statement": [...]}]}
//!   }
//! }
//! ```
//!
//! Every document is parsed when the file is loaded, with IAM's and S3's size limits; one
//! that is not valid refuses the whole file, naming the place.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use countersign_policy::{Limits, Policy, PolicyKind};
use serde_json::Value;

use crate::authz::store::{PolicyStore, ResourcePolicies};
use crate::watched::Watched;

/// The policies of a file.
#[derive(Debug, Default)]
struct Policies {
    identities: HashMap<String, Arc<[Policy]>>,
    resources: HashMap<String, Arc<ResourcePolicies>>,
}

/// A policy file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyFileError {
    /// The file could not be read.
    Io(String),
    /// The file is not JSON of the expected shape, or a policy in it is not valid.
    Invalid(String),
}

impl fmt::Display for PolicyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyFileError::Io(why) => write!(f, "cannot read the policy file: {why}"),
            PolicyFileError::Invalid(why) => write!(f, "the policy file is not valid: {why}"),
        }
    }
}

impl std::error::Error for PolicyFileError {}

/// The policies of a JSON policy file (see the module's documentation for the format).
/// Each request's lookup checks, at most once per check interval (two seconds by default),
/// whether the file changed; a file that no longer loads keeps the last good policies in
/// place and logs why.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("countersign-policy-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use countersign_server::authz::{FilePolicyStore, PolicyStore};
/// let path = dir.join("policies.json");
/// std::fs::write(&path, r#"{"identities": {"arn:aws:iam::111122223333:user/alice": {
///     "Version": "2012-10-17",
///     "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}}}"#)?;
/// let store = FilePolicyStore::open(&path)?;
/// assert!(store.identity_policies("arn:aws:iam::111122223333:user/alice").is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct FilePolicyStore {
    file: Arc<Watched<Policies, PolicyFileError>>,
}

impl FilePolicyStore {
    /// Loads the file; fails if it cannot be read, or any policy in it is not valid.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, PolicyFileError> {
        let file = Watched::open(path.as_ref(), "policy file", load)?;
        Ok(FilePolicyStore {
            file: Arc::new(file),
        })
    }

    /// Parses a policy file's text (what [`open`](Self::open) checks), to validate one
    /// before it is installed.
    pub fn check(text: &str) -> Result<(), PolicyFileError> {
        parse(text).map(|_| ())
    }

    /// How often lookups check the file for changes (default two seconds).
    pub fn check_interval(self, interval: Duration) -> Self {
        match Arc::try_unwrap(self.file) {
            Ok(file) => FilePolicyStore {
                file: Arc::new(file.check_interval(interval)),
            },
            Err(shared) => FilePolicyStore { file: shared },
        }
    }

    /// Reads the file again now. On error the current policies stay and the error is
    /// returned.
    pub fn reload(&self) -> Result<(), PolicyFileError> {
        self.file.reload().map(|_| ())
    }
}

impl fmt::Debug for FilePolicyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let policies = self.file.snapshot();
        f.debug_struct("FilePolicyStore")
            .field("path", &self.file.path())
            .field("identities", &policies.identities.len())
            .field("resources", &policies.resources.len())
            .finish()
    }
}

impl PolicyStore for FilePolicyStore {
    fn identity_policies(&self, principal_arn: &str) -> Option<Arc<[Policy]>> {
        self.file.current().identities.get(principal_arn).cloned()
    }

    fn resource_policies(&self, key: &str) -> Option<Arc<ResourcePolicies>> {
        self.file.current().resources.get(key).cloned()
    }
}

fn load(path: &Path) -> Result<Policies, PolicyFileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| PolicyFileError::Io(format!("{}: {e}", path.display())))?;
    parse(&text)
}

fn parse(text: &str) -> Result<Policies, PolicyFileError> {
    let invalid = PolicyFileError::Invalid;
    let doc: Value = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let Value::Object(doc) = doc else {
        return Err(invalid(
            "expected {\"identities\": {...}, \"resources\": {...}}".into(),
        ));
    };
    if let Some(other) = doc
        .keys()
        .find(|k| !matches!(k.as_str(), "identities" | "resources"))
    {
        return Err(invalid(format!(
            "unknown field {other:?} (expected identities and resources)"
        )));
    }
    let mut policies = Policies::default();
    for (arn, documents) in object(&doc, "identities")? {
        let place = format!("identities[{arn:?}]");
        let list = documents_of(documents, &place, PolicyKind::Identity)?;
        policies.identities.insert(arn.clone(), list.into());
    }
    for (name, resource) in object(&doc, "resources")? {
        let place = format!("resources[{name:?}]");
        let Value::Object(fields) = resource else {
            return Err(invalid(format!(
                "{place}: expected {{\"owner\": ..., \"policies\": [...]}}"
            )));
        };
        if let Some(other) = fields
            .keys()
            .find(|k| !matches!(k.as_str(), "owner" | "policies"))
        {
            return Err(invalid(format!("{place}: unknown field {other:?}")));
        }
        let owner = match fields.get("owner") {
            None | Some(Value::Null) => None,
            Some(Value::String(owner)) => Some(owner.clone()),
            Some(_) => return Err(invalid(format!("{place}.owner: expected an account id"))),
        };
        let list = match fields.get("policies") {
            None => Vec::new(),
            Some(documents) => documents_of(
                documents,
                &format!("{place}.policies"),
                PolicyKind::Resource,
            )?,
        };
        let entry = ResourcePolicies::owned_by(owner).with_policies(list);
        policies.resources.insert(name.clone(), Arc::new(entry));
    }
    Ok(policies)
}

fn object<'d>(
    doc: &'d serde_json::Map<String, Value>,
    name: &str,
) -> Result<impl Iterator<Item = (&'d String, &'d Value)>, PolicyFileError> {
    match doc.get(name) {
        None => Ok(None.into_iter().flatten()),
        Some(Value::Object(map)) => Ok(Some(map.iter()).into_iter().flatten()),
        Some(_) => Err(PolicyFileError::Invalid(format!(
            "{name}: expected an object"
        ))),
    }
}

/// The policies of a list of documents, or of one document.
fn documents_of(
    documents: &Value,
    place: &str,
    kind: PolicyKind,
) -> Result<Vec<Policy>, PolicyFileError> {
    let one = std::slice::from_ref(documents);
    let list = match documents {
        Value::Array(list) => list.as_slice(),
        _ => one,
    };
    list.iter()
        .enumerate()
        .map(|(i, document)| {
            Policy::parse(&document.to_string(), kind, Limits::for_kind(kind))
                .map_err(|e| PolicyFileError::Invalid(format!("{place}[{i}]: {e}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOW_ALL: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#;

    fn error_of(text: &str) -> String {
        match parse(text) {
            Ok(_) => String::from("<parsed>"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn one_document_stands_for_a_list_of_one() {
        let text = format!(r#"{{"identities": {{"arn:aws:iam::1:user/a": {ALLOW_ALL}}}}}"#);
        let policies = parse(&text).unwrap_or_default();
        assert_eq!(
            policies
                .identities
                .get("arn:aws:iam::1:user/a")
                .map(|p| p.len()),
            Some(1)
        );
    }

    #[test]
    fn an_invalid_policy_refuses_the_file_naming_its_place() {
        let text = r#"{"resources": {"photos": {"policies": [{"Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}]}}}"#;
        let error = error_of(text);
        assert!(
            error.contains(r#"resources["photos"].policies[0]"#),
            "{error}"
        );
        assert!(error.contains("Principal"), "{error}");
    }

    #[test]
    fn an_unknown_top_level_field_is_refused() {
        assert!(error_of(r#"{"identity": {}}"#).contains("unknown field \"identity\""));
    }

    #[test]
    fn an_unknown_resource_field_is_refused() {
        let error = error_of(r#"{"resources": {"photos": {"owner": "1", "policy": []}}}"#);
        assert!(error.contains("unknown field \"policy\""), "{error}");
    }

    #[test]
    fn a_resource_keeps_its_owner() {
        let policies =
            parse(r#"{"resources": {"photos": {"owner": "111122223333"}}}"#).unwrap_or_default();
        let owner = policies
            .resources
            .get("photos")
            .and_then(|r| r.owner.clone());
        assert_eq!(owner.as_deref(), Some("111122223333"));
    }
}
