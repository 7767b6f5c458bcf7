//! A real `redis-server` for the tests: started on a free loopback port with its own
//! temporary directory, nothing saved to disk, killed when dropped. A test that cannot start
//! one fails: it never skips.

#![allow(dead_code, reason = "each test file uses part of the support")]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use countersign_redis::{RedisClient, RedisConfig};

/// How long a started server has to answer `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A `redis-server` of the test's own.
pub(crate) struct RedisServer {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free loopback port; panics (the test fails) when none starts.
    pub(crate) fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut why = String::new();
        // Another process may take the port between the probe and the start: try another.
        for _ in 0..5 {
            let port = free_port();
            match spawn(port, &dir) {
                Ok(child) => {
                    return RedisServer {
                        port,
                        dir,
                        child: Some(child),
                    }
                }
                Err(e) => why = e,
            }
        }
        panic!("cannot start redis-server (is it installed? .ci/run installs it): {why}");
    }

    /// The port it listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Its URL.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A configuration for it, with a short command timeout.
    pub(crate) fn config(&self) -> RedisConfig {
        RedisConfig::new(&self.url())
            .expect("a Redis URL")
            .command_timeout(Duration::from_millis(500))
            .connect_timeout(Duration::from_secs(2))
    }

    /// A client connected to it.
    pub(crate) async fn client(&self) -> RedisClient {
        RedisClient::connect(self.config())
            .await
            .expect("connected to the test's redis-server")
    }

    /// Kills the server (its data is gone: nothing is saved) and waits until it is gone.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again, empty, on the same port; panics when it does not start.
    pub(crate) fn restart(&mut self) {
        self.stop();
        let mut why = String::new();
        // The port is ours again as soon as the old process is gone, unless another process
        // took it meanwhile: wait a little and try again.
        for _ in 0..20 {
            match spawn(self.port, &self.dir) {
                Ok(child) => {
                    self.child = Some(child);
                    return;
                }
                Err(e) => why = e,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("cannot restart redis-server on port {}: {why}", self.port);
    }

    /// Whether a process is running.
    pub(crate) fn is_running(&self) -> bool {
        self.child.is_some()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A loopback port that was free a moment ago (Redis cannot be told to bind port 0).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// Starts `redis-server` on `port` in `dir` and waits until it answers `PING`; the reason
/// when it does not.
fn spawn(port: u16, dir: &tempfile::TempDir) -> Result<Child, String> {
    let mut child = Command::new("redis-server")
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(["--save", ""])
        .args(["--appendonly", "no"])
        .arg("--dir")
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run redis-server: {e}"))?;
    let started = Instant::now();
    while started.elapsed() < START_TIMEOUT {
        if let Ok(Some(status)) = child.try_wait() {
            let mut out = String::new();
            if let Some(mut stdout) = child.stdout.take() {
                let _ = stdout.read_to_string(&mut out);
            }
            return Err(format!("redis-server exited ({status}): {out}"));
        }
        if answers_ping(port) {
            return Ok(child);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(format!("redis-server did not answer on port {port}"))
}

/// Whether something on `port` answers `PING` with `+PONG`.
fn answers_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

/// Waits until `condition` holds, for at most `limit`; whether it did.
pub(crate) async fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    loop {
        if condition() {
            return true;
        }
        if started.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
