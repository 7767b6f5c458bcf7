//! One module per subcommand, and what they share: reading a file or standard input.

pub(crate) mod explain;
pub(crate) mod keys;
pub(crate) mod policy;
pub(crate) mod presign;
pub(crate) mod request;
pub(crate) mod sign;
pub(crate) mod verify;

use std::io::Read;
use std::path::Path;

use crate::error::{CliError, Result};

/// The bytes of `path`, or of standard input when it is `-`.
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::input(format!("cannot read standard input: {e}")))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| CliError::read(path, &e))
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::input(format!(
            "cannot write standard output: {e}"
        ))),
    }
}
