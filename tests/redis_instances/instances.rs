//! `s3_server` instances started with `--redis` over one data directory, each a child process
//! killed when dropped, and the development key they print (imported into Redis by the
//! first).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use crate::example_server::example_binary;
use crate::redis_support::RedisServer;

/// The development key's id in the example.
pub(crate) const DEVELOPMENT_KEY: &str = "AKIDCOUNTERSIGNDEV";

/// One running instance.
pub(crate) struct Instance {
    child: Child,
    pub(crate) addr: SocketAddr,
    pub(crate) url: String,
    /// The development key's secret it printed.
    pub(crate) secret: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `count` instances on `redis`, over one data directory in `dir`, started one after the
/// other (the first imports the development key).
pub(crate) fn start(redis: &RedisServer, dir: &std::path::Path, count: usize) -> Vec<Instance> {
    start_with(redis, dir, count, &[])
}

/// As [`start`], each instance with the further flags `extra`.
pub(crate) fn start_with(
    redis: &RedisServer,
    dir: &std::path::Path,
    count: usize,
    extra: &[&str],
) -> Vec<Instance> {
    (0..count)
        .map(|_| start_one_with(redis, dir, extra))
        .collect()
}

/// One instance on `redis` over `dir/data`, with the further flags `extra`.
fn start_one_with(redis: &RedisServer, dir: &std::path::Path, extra: &[&str]) -> Instance {
    let mut child = Command::new(example_binary("s3_server"))
        .args(["--listen", "127.0.0.1:0", "--redis", &redis.url()])
        .args(extra)
        .arg("--data")
        .arg(dir.join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("s3_server starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout"));
    let (mut url, mut secret) = (None, None);
    let mut line = String::new();
    while lines.read_line(&mut line).expect("reads stdout") > 0 {
        let text = line.trim();
        if let Some(rest) = text.strip_prefix(&format!("development key: {DEVELOPMENT_KEY} / ")) {
            secret = rest.split_whitespace().next().map(str::to_string);
        }
        if let Some(u) = text.strip_prefix("listening on ") {
            url = Some(u.to_string());
            break;
        }
        line.clear();
    }
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let url = url.expect("the instance printed `listening on URL`");
    let addr = url
        .trim_start_matches("http://")
        .parse()
        .expect("an address in the URL");
    Instance {
        child,
        addr,
        url,
        secret: secret.expect("the instance printed the development key"),
    }
}
