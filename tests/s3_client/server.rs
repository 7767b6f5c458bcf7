//! The two `s3_server`s the tests share (HTTP and HTTPS, started on first use, stopped when
//! the test process ends), clients of them, and the helpers of the cases: buckets of their
//! own, test data, curl and Python.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::LazyLock;

use countersign::client::s3::S3Client;
use countersign::client::{Credentials, Endpoint, ProvideCredentials, RetryConfig, Signing};
use serde_json::Value;

use crate::common::example_server::{Key, SharedServer};

/// The server's one key, allowed everything.
pub(crate) const KEY: Key<'static> = Key {
    access_key_id: "AKIDS3CLIENTTEST",
    secret: "s3-client-test-secret/with+chars",
    user: "s3client",
};

/// The region the server serves.
pub(crate) const REGION: &str = "us-east-1";

static HTTP: LazyLock<SharedServer> = LazyLock::new(|| start(false));
static HTTPS: LazyLock<SharedServer> = LazyLock::new(|| start(true));

fn start(tls: bool) -> SharedServer {
    SharedServer::start("s3_server", KEY, |command, dir| {
        command.arg("--data").arg(dir.join("data"));
        if tls {
            command.arg("--tls");
        }
    })
}

/// One of the two servers.
#[derive(Clone, Copy)]
pub(crate) struct Server {
    process: &'static SharedServer,
    pub(crate) tls: bool,
}

/// Each case `async fn CASE(server: &Server)` of the module as two tests: `http::CASE`
/// against the server over HTTP, `https::CASE` over HTTPS.
macro_rules! over_http_and_https {
    ($($case:ident),* $(,)?) => {
        mod http {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(&crate::server::Server::http()).await
                }
            )*
        }
        mod https {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(&crate::server::Server::https()).await
                }
            )*
        }
    };
}

impl Server {
    pub(crate) fn http() -> Server {
        Server {
            process: &HTTP,
            tls: false,
        }
    }

    pub(crate) fn https() -> Server {
        Server {
            process: &HTTPS,
            tls: true,
        }
    }

    /// `http` or `https`.
    pub(crate) fn scheme(&self) -> &'static str {
        if self.tls {
            "https"
        } else {
            "http"
        }
    }

    /// `scheme://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> &str {
        &self.process.url
    }

    pub(crate) fn port(&self) -> u16 {
        self.process.addr.port()
    }

    /// A reqwest client without proxies that, over HTTPS, accepts the server's self-signed
    /// certificate (these tests alone do).
    pub(crate) fn reqwest(&self) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .no_proxy()
            .danger_accept_invalid_certs(self.tls)
    }

    /// Signing with the server's key, retries waiting little.
    pub(crate) fn signing(&self) -> Signing {
        self.signing_with(Credentials::new(KEY.access_key_id, KEY.secret))
    }

    /// Signing with credentials from `provider`, retries waiting little.
    pub(crate) fn signing_with(&self, provider: impl ProvideCredentials + 'static) -> Signing {
        let retry = RetryConfig::standard().backoff_base(std::time::Duration::from_millis(10));
        Signing::new(provider, REGION, "s3").retry(retry)
    }

    /// A client of the server at its address (path-style), with the server's key.
    pub(crate) fn client(&self) -> S3Client {
        self.client_with(self.signing())
    }

    /// A client of the server signing with `signing`.
    pub(crate) fn client_with(&self, signing: Signing) -> S3Client {
        S3Client::new(signing, Endpoint::custom(self.url()))
            .with_client(self.reqwest().build().unwrap())
    }

    /// A bucket of the case's own, `{name}-{scheme}`, created.
    pub(crate) async fn bucket(&self, name: &str) -> String {
        let bucket = format!("{name}-{}", self.scheme());
        self.client().create_bucket(&bucket).await.unwrap();
        bucket
    }

    /// curl's answer to `args` (and `-k` over HTTPS): the status and the body.
    pub(crate) fn curl(&self, args: &[&str], stdin: &[u8]) -> (u16, Vec<u8>) {
        let mut child = Command::new("curl")
            .args(["-sS", "--noproxy", "*", "-w", "\n%{http_code}"])
            .args(if self.tls { &["-k"][..] } else { &[][..] })
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("curl runs (install curl)");
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "curl failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let out = output.stdout;
        let cut = out
            .iter()
            .rposition(|&b| b == b'\n')
            .expect("the status line");
        let status = std::str::from_utf8(&out[cut + 1..])
            .unwrap()
            .parse()
            .unwrap();
        (status, out[..cut].to_vec())
    }
}

/// Runs the Python `script` with `args`; gives what it printed, as JSON.
pub(crate) fn python(script: &str, args: &[&str]) -> Value {
    let output = Command::new("python3")
        .env("PYTHONWARNINGS", "ignore")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs (install Python 3 with requests)");
    assert!(
        output.status.success(),
        "the script failed (pip install requests):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "the script printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// `length` bytes of a pattern that `seed` varies and that does not repeat soon
/// (xorshift), so that misplaced bytes show.
pub(crate) fn pattern(length: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}
