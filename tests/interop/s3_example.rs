//! The `s3_server` example as a child process of a test, with the aws CLI and boto3 set up
//! to use it (its own empty config files, its key), and what the tests look at on its disk.
//!
//! `cargo test` builds the examples before the tests run: the binary is
//! `target/debug/examples/s3_server`, found from this test's own path.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::example_server::{ExampleServer, Key};
use crate::python;

/// The key of the server, the aws CLI and boto3.
pub(crate) const AKID: &str = "AKIDS3SERVERTEST";
pub(crate) const SECRET: &str = "s3-server-test-secret/with+chars";
const REGION: &str = "us-east-1";

/// What every boto3 script starts with: the endpoint (`argv[1]`), whether to verify its TLS
/// certificate (`argv[2]` is "1"; `context` is what urllib needs when not), and `client`,
/// which makes an S3 client with the server's key (`AKID` and `SECRET` in the environment),
/// SigV4, and the S3 options given.
const BOTO3: &str = r#"
import os, sys, json, ssl
import boto3
from botocore.config import Config
endpoint, verify = sys.argv[1], sys.argv[2] == "1"
context = None if verify else ssl._create_unverified_context()
def client(**s3_options):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
                        config=Config(signature_version="s3v4", s3=s3_options or None), verify=verify)
"#;

/// A running `s3_server`.
pub(crate) struct Server {
    /// Its directory holds `data/`, `keys.json` and the aws CLI's empty config files.
    pub(crate) process: ExampleServer,
    tls: bool,
}

impl Server {
    pub(crate) fn start() -> Server {
        Self::start_with(false)
    }

    pub(crate) fn start_tls() -> Server {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Server {
        Self::start_set_up(tls, |_, _| {})
    }

    /// A server whose command and directory `setup` changes last: other keys or policies
    /// written over `keys.json` and `policies.json`, more flags.
    pub(crate) fn start_set_up(tls: bool, setup: impl FnOnce(&mut Command, &Path)) -> Server {
        let key = Key {
            access_key_id: AKID,
            secret: SECRET,
            user: "tester",
        };
        let process = ExampleServer::start("s3_server", key, |command, dir| {
            std::fs::write(dir.join("aws-config"), "").expect("aws config");
            std::fs::write(dir.join("aws-credentials"), "").expect("aws credentials");
            command.arg("--data").arg(dir.join("data"));
            if tls {
                command.arg("--tls");
            }
            setup(command, dir);
        });
        Server { process, tls }
    }

    pub(crate) fn data(&self) -> PathBuf {
        self.process.dir.path().join("data")
    }

    /// Files in the server's temporary directory.
    pub(crate) fn temp_files(&self) -> usize {
        std::fs::read_dir(self.data().join(".countersign/tmp"))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    /// The aws CLI with this server's key.
    pub(crate) fn aws(&self, args: &[&str]) -> Output {
        self.aws_as(SECRET, args)
    }

    pub(crate) fn aws_as(&self, secret: &str, args: &[&str]) -> Output {
        self.aws_with_key(AKID, secret, args)
    }

    /// The aws CLI with the key `access_key_id` and `secret`.
    pub(crate) fn aws_with_key(&self, access_key_id: &str, secret: &str, args: &[&str]) -> Output {
        let (url, dir) = (&self.process.url, self.process.dir.path());
        aws_command(url, dir, self.tls, (access_key_id, secret))
            .args(args)
            .output()
            .expect("the aws CLI runs")
    }

    /// The aws CLI, which must succeed; its stdout.
    pub(crate) fn aws_ok(&self, args: &[&str]) -> String {
        let output = self.aws(args);
        assert!(
            output.status.success(),
            "aws {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `aws s3api …`, parsed as JSON.
    pub(crate) fn s3api(&self, args: &[&str]) -> Value {
        let mut all = vec!["s3api"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--output", "json"]);
        let out = self.aws_ok(&all);
        if out.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
        }
    }

    /// Makes bucket `bucket` with the aws CLI.
    pub(crate) fn mb(&self, bucket: &str) {
        self.aws_ok(&["s3", "mb", &format!("s3://{bucket}")]);
    }

    /// Runs a python3 script with boto3 after [`BOTO3`]; gives what it printed, as JSON.
    pub(crate) fn python(&self, script: &str, what: &str) -> Value {
        self.python_with_key(AKID, SECRET, script, what)
    }

    /// [`python`](Self::python) with the key `access_key_id` and `secret` in `AKID` and
    /// `SECRET`.
    pub(crate) fn python_with_key(
        &self,
        access_key_id: &str,
        secret: &str,
        script: &str,
        what: &str,
    ) -> Value {
        let dir = self.process.dir.path();
        let (config, credentials) = (dir.join("aws-config"), dir.join("aws-credentials"));
        python::run_json(
            &format!("{BOTO3}{script}"),
            &[&self.process.url, if self.tls { "0" } else { "1" }],
            &[
                ("AWS_CONFIG_FILE", config.as_os_str()),
                ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_os_str()),
                ("AKID", OsStr::new(access_key_id)),
                ("SECRET", OsStr::new(secret)),
            ],
            b"",
            what,
        )
    }
}

/// The aws CLI for the S3 server at `url` (`--no-verify-ssl` with `tls`), with `key` (access
/// key id, secret), its home and config files (`aws-config`, `aws-credentials`) in `dir`.
pub(crate) fn aws_command(url: &str, dir: &Path, tls: bool, key: (&str, &str)) -> Command {
    let mut command = Command::new("aws");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("LC_ALL", "C.UTF-8")
        .env("PYTHONUTF8", "1")
        .env("PYTHONWARNINGS", "ignore")
        .env("AWS_ACCESS_KEY_ID", key.0)
        .env("AWS_SECRET_ACCESS_KEY", key.1)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_CONFIG_FILE", dir.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("aws-credentials"))
        .args(["--endpoint-url", url]);
    if tls {
        command.arg("--no-verify-ssl");
    }
    command
}

/// Every file under `dir`, by relative path, with its bytes.
pub(crate) fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).expect("under root");
                out.insert(
                    relative.to_string_lossy().into_owned(),
                    std::fs::read(&path).expect("read"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
