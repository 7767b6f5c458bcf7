//! The example servers (`s3_server`, `axum_api`) as child processes of a test: started on
//! a free port with a key file of one key, killed when dropped.
//!
//! The `countersign` command's tests include this file too (by path).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// `target/<profile>/deps/TEST-HASH` → `target/<profile>/examples/NAME`.
pub fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let binary = profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run `cargo test --workspace` (which builds the examples) or \
         `cargo build --examples`",
        binary.display()
    );
    binary
}

/// One key of the server's key file.
#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    pub access_key_id: &'a str,
    pub secret: &'a str,
    /// The `user` of the key's principal.
    pub user: &'a str,
}

/// A running example server, killed when dropped.
pub struct ExampleServer {
    child: Child,
    pub addr: SocketAddr,
    /// `scheme://address`, without a trailing slash.
    pub url: String,
    /// The temporary directory that holds `keys.json` (and whatever the caller put there).
    pub dir: tempfile::TempDir,
}

impl Drop for ExampleServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ExampleServer {
    /// Starts example `name` with `--listen 127.0.0.1:0 --keys DIR/keys.json`, after
    /// `configure` has added its own arguments (it gets the temporary directory). The
    /// server's standard error goes to the test's unless `configure` redirects it.
    pub fn start(name: &str, key: Key<'_>, configure: impl FnOnce(&mut Command, &Path)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = serde_json::json!({"keys": [{
            "access_key_id": key.access_key_id,
            "secret_access_key": key.secret,
            "principal": {"user": key.user},
        }]});
        let key_file = dir.path().join("keys.json");
        std::fs::write(&key_file, keys.to_string()).expect("key file");
        let mut command = Command::new(example_binary(name));
        command
            .args(["--listen", "127.0.0.1:0", "--keys"])
            .arg(key_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        configure(&mut command, dir.path());
        let mut child = command.spawn().expect("the example server starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout);
        let mut url = None;
        let mut line = String::new();
        while lines.read_line(&mut line).expect("reads stdout") > 0 {
            if let Some(u) = line.trim().strip_prefix("listening on ") {
                url = Some(u.trim_end_matches('/').to_string());
                break;
            }
            line.clear();
        }
        let url = url.expect("the server printed `listening on URL`");
        // Keep draining stdout so that the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
        let addr = url
            .split("://")
            .nth(1)
            .and_then(|a| a.parse().ok())
            .expect("an address in the URL");
        ExampleServer {
            child,
            addr,
            url,
            dir,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How the server exited, if it has (without waiting).
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Whether the server is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}
