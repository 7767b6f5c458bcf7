//! The environment the providers read: the process's, or a map given in code (tests, or a
//! program that resolves credentials for another environment than its own).

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// The environment variables the providers read. [`Environment::process`] reads the
/// process's own at each look-up; [`Environment::from_vars`] is a fixed map, so that tests
/// need not change the process's environment.
///
/// A variable set to the empty string counts as unset, as the AWS CLI treats it.
///
/// ```
/// use countersign_client::credentials_chain::Environment;
///
/// let env = Environment::from_vars([("AWS_PROFILE", "dev"), ("AWS_REGION", "")]);
/// assert_eq!(env.get("AWS_PROFILE").as_deref(), Some("dev"));
/// assert_eq!(env.get("AWS_REGION"), None);
/// ```
#[derive(Clone, Default)]
pub struct Environment {
    /// `None` is the process's environment.
    vars: Option<Arc<HashMap<String, String>>>,
}

impl Environment {
    /// The process's environment, read at each look-up.
    pub fn process() -> Self {
        Environment { vars: None }
    }

    /// A fixed environment of these variables only.
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Environment {
            vars: Some(Arc::new(vars)),
        }
    }

    /// The value of `name`, unless it is unset, empty, or not Unicode.
    pub fn get(&self, name: &str) -> Option<String> {
        let value = match &self.vars {
            None => std::env::var(name).ok(),
            Some(vars) => vars.get(name).cloned(),
        };
        value.filter(|v| !v.is_empty())
    }

    /// The home directory: `HOME`, else `USERPROFILE` (Windows).
    pub(crate) fn home(&self) -> Option<PathBuf> {
        self.get("HOME")
            .or_else(|| self.get("USERPROFILE"))
            .map(PathBuf::from)
    }

    /// A file named by `variable`, else `~/.aws/<file>`; a leading `~/` of the variable's
    /// value is the home directory, as the AWS CLI expands it.
    pub(crate) fn aws_file(&self, variable: &str, file: &str) -> Option<PathBuf> {
        match self.get(variable) {
            Some(path) => match path.strip_prefix("~/").zip(self.home()) {
                Some((rest, home)) => Some(home.join(rest)),
                None => Some(PathBuf::from(path)),
            },
            None => self.home().map(|home| home.join(".aws").join(file)),
        }
    }
}

/// Shows which environment, and the names of a fixed one's variables, never their values.
impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.vars {
            None => f.write_str("Environment::process()"),
            Some(vars) => {
                let mut names: Vec<&str> = vars.keys().map(String::as_str).collect();
                names.sort_unstable();
                f.debug_struct("Environment")
                    .field("names", &names)
                    .finish()
            }
        }
    }
}
