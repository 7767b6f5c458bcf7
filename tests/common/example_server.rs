//! The example servers (`s3_server`, `axum_api`) as child processes of a test: started on
//! a free port with a key file of one key, an IAM user allowed everything by the policy file
//! beside it, killed when dropped; or, shared by the tests of a binary, killed when the test
//! process ends.
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
    /// The name of the key's IAM user (`arn:aws:iam::111122223333:user/NAME`).
    pub user: &'a str,
}

/// A running example server, killed when dropped.
pub struct ExampleServer {
    child: Child,
    pub addr: SocketAddr,
    /// `scheme://address`, without a trailing slash.
    pub url: String,
    /// The temporary directory that holds `keys.json` and `policies.json` (and whatever the
    /// caller put there).
    pub dir: tempfile::TempDir,
}

impl Drop for ExampleServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The account of the key's user.
const ACCOUNT: &str = "111122223333";

/// Writes a key file of `key` into `dir`, and a policy file that allows its user everything;
/// gives their paths (`DIR/keys.json`, `DIR/policies.json`).
fn key_and_policy_files(dir: &Path, key: Key<'_>) -> [PathBuf; 2] {
    let arn = format!("arn:aws:iam::{ACCOUNT}:user/{}", key.user);
    let keys = serde_json::json!({"keys": [{
        "access_key_id": key.access_key_id,
        "secret_access_key": key.secret,
        // `user` as well, which handlers echo (`/whoami`) and tests look for.
        "principal": {"arn": arn, "user": key.user},
    }]});
    let policies = serde_json::json!({"identities": {arn: {"Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}}});
    let paths = [dir.join("keys.json"), dir.join("policies.json")];
    std::fs::write(&paths[0], keys.to_string()).expect("key file");
    std::fs::write(&paths[1], policies.to_string()).expect("policy file");
    paths
}

/// Reads the child's standard output up to `listening on URL` (giving the lines before it to
/// `before`), then keeps draining it so that the child never blocks on a full pipe; gives the
/// URL, without a trailing slash, and the address in it.
fn listening(child: &mut Child, mut before: impl FnMut(&str)) -> (String, SocketAddr) {
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout);
    let mut url = None;
    let mut line = String::new();
    while lines.read_line(&mut line).expect("reads stdout") > 0 {
        match line.trim().strip_prefix("listening on ") {
            Some(u) => {
                url = Some(u.trim_end_matches('/').to_string());
                break;
            }
            None => before(line.trim()),
        }
        line.clear();
    }
    let url = url.expect("the server printed `listening on URL`");
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let addr = url
        .split("://")
        .nth(1)
        .and_then(|a| a.parse().ok())
        .expect("an address in the URL");
    (url, addr)
}

impl ExampleServer {
    /// Starts example `name` with `--listen 127.0.0.1:0 --keys DIR/keys.json --policies
    /// DIR/policies.json`, after `configure` has added its own arguments (it gets the
    /// temporary directory, and may write other keys and policies over those files). The
    /// server's standard error goes to the test's unless `configure` redirects it.
    pub fn start(name: &str, key: Key<'_>, configure: impl FnOnce(&mut Command, &Path)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut command = Command::new(example_binary(name));
        let [keys, policies] = key_and_policy_files(dir.path(), key);
        command
            .args(["--listen", "127.0.0.1:0", "--keys"])
            .arg(keys)
            .arg("--policies")
            .arg(policies)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        configure(&mut command, dir.path());
        let mut child = command.spawn().expect("the example server starts");
        let (url, addr) = listening(&mut child, |_| {});
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

/// Stands between a test process and a [`SharedServer`]: starts the server (`$0` with the
/// arguments), prints its process id, waits for the end of its own standard input (the test
/// process's end of the pipe closes when that process ends, however it ends), then kills the
/// server and removes its directory. It ignores Ctrl-C, which the test process gets too, so
/// that it lives to do so.
const WATCHDOG: &str = r#"trap '' INT
"$0" "$@" </dev/null &
server=$!
echo "pid $server"
cat >/dev/null
kill -9 "$server" 2>/dev/null
wait "$server" 2>/dev/null
rm -rf "$COUNTERSIGN_SERVER_DIR"
"#;

/// A running example server shared by the tests of a binary (kept in a `static`, which is
/// never dropped): it stops when the test process ends.
pub struct SharedServer {
    /// The watchdog shell, whose standard input is the server's lifeline.
    _watchdog: Child,
    /// The server's own process id.
    pub pid: u32,
    pub addr: SocketAddr,
    /// `scheme://address`, without a trailing slash.
    pub url: String,
    /// The directory that holds `keys.json` and `policies.json` (and whatever the caller put
    /// there).
    pub dir: PathBuf,
}

impl SharedServer {
    /// Starts example `name` as [`ExampleServer::start`] does, behind a watchdog that stops
    /// it when this process ends; its standard error is dropped.
    pub fn start(name: &str, key: Key<'_>, configure: impl FnOnce(&mut Command, &Path)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let mut command = Command::new("sh");
        let [keys, policies] = key_and_policy_files(&dir, key);
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg(example_binary(name))
            .args(["--listen", "127.0.0.1:0", "--keys"])
            .arg(keys)
            .arg("--policies")
            .arg(policies)
            .env("COUNTERSIGN_SERVER_DIR", &dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        configure(&mut command, &dir);
        let mut watchdog = command.spawn().expect("sh runs the example server");
        let mut pid = None;
        let (url, addr) = listening(&mut watchdog, |line| {
            if let Some(n) = line.strip_prefix("pid ") {
                pid = n.parse().ok();
            }
        });
        SharedServer {
            _watchdog: watchdog,
            pid: pid.expect("the watchdog printed the server's process id"),
            addr,
            url,
            dir,
        }
    }

    /// Whether the server is still running (not exited, nor a zombie waiting to be reaped).
    pub fn alive(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid)).is_ok_and(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("State:"))
                .is_some_and(|state| !state.trim_start().starts_with('Z'))
        })
    }

    /// The server's resident set, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .expect("/proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }
}
