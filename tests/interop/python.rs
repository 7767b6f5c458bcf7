//! Python 3 scripts of the tests: botocore and boto3 (and awscrt, for CRC32C, CRC64NVME and
//! SigV4a) as real clients. A test fails, not skips, when they are missing (`.ci/run`
//! installs them).

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Runs `script` with `args`, `env` added to the environment and `stdin` on its standard
/// input; gives what it printed, as JSON. `what` names the script in a failure.
pub(crate) fn run_json(
    script: &str,
    args: &[&str],
    env: &[(&str, &OsStr)],
    stdin: &[u8],
    what: &str,
) -> Value {
    let mut child = Command::new("python3")
        .env("PYTHONWARNINGS", "ignore")
        .envs(env.iter().copied())
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (install Python 3 with boto3 and awscrt)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write to python3");
    let output = child.wait_with_output().expect("python3 finishes");
    assert!(
        output.status.success(),
        "{what} failed (pip install boto3 awscrt):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{what} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}
