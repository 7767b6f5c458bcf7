//! New secrets from the operating system's random source.

/// A new secret access key: 40 hex characters (160 bits) from the operating system's random
/// source, for development keys, tests and mock services.
///
/// ```
/// let secret = countersign_server::keys::random_secret()?;
/// assert_eq!(secret.len(), 40);
/// assert_ne!(secret, countersign_server::keys::random_secret()?);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// When the operating system's random source fails.
pub fn random_secret() -> Result<String, std::io::Error> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}
