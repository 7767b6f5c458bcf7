//! The default region, found where the AWS CLI finds it.

use crate::provider::CredentialsError;

use super::files::ProfileFiles;
use super::Environment;

/// The region to use when none is given: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else
/// the `region` of the profile (`profile`, else `AWS_PROFILE`, else `default`; the
/// credentials file's first, then the config file's). A profile named in code wins over
/// the two variables, as it wins over the environment's credentials in
/// [`DefaultCredentialsChain`](super::DefaultCredentialsChain).
///
/// `Ok(None)` when none says; a malformed profile file is an error naming the file and line.
///
/// ```
/// use countersign_client::credentials_chain::{default_region, Environment};
///
/// let env = Environment::from_vars([("AWS_DEFAULT_REGION", "eu-west-1"), ("HOME", "/nonexistent")]);
/// assert_eq!(default_region(&env, None)?.as_deref(), Some("eu-west-1"));
/// # Ok::<(), countersign_client::CredentialsError>(())
/// ```
pub fn default_region(
    env: &Environment,
    profile: Option<&str>,
) -> Result<Option<String>, CredentialsError> {
    if profile.is_none() {
        if let Some(region) = env
            .get("AWS_REGION")
            .or_else(|| env.get("AWS_DEFAULT_REGION"))
        {
            return Ok(Some(region));
        }
    }
    let name = match profile {
        Some(name) => name.to_string(),
        None => env
            .get("AWS_PROFILE")
            .unwrap_or_else(|| "default".to_string()),
    };
    let files = ProfileFiles::load(env)?;
    Ok(files.get(&name, "region").map(str::to_string))
}
