//! The scripts of `tests/js`, run with Node.js: the AWS SDK for JavaScript v3 as a real
//! client. They need `node` and the SDK in `tests/js/node_modules` (`npm ci --prefix
//! tests/js`, which `.ci/run` runs); a test fails, not skips, without them.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Runs `tests/js/<script>` with `args` and gives the JSON line it printed; panics with the
/// script's error output when it fails.
pub fn run(script: &str, args: &[&str]) -> Value {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    assert!(
        js.join("node_modules/@aws-sdk").is_dir(),
        "the AWS SDK for JavaScript is missing: run `npm ci --prefix tests/js` (.ci/run does)"
    );
    let output = Command::new("node")
        .arg("--no-warnings")
        .arg(js.join(script))
        .args(args)
        .output()
        .expect("node runs (install Node.js)");
    assert!(
        output.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON line")
}
