//! The example S3 server (writes flushed to the disk, its default, and with `--no-sync`,
//! which `s3s-fs` does not do either) against its Rust peer, `s3s-fs`, in one run: the same signed
//! workloads from the same client at the same concurrency, each server over its own empty
//! directory, the two measured in turn so that noise hits both alike; each keeps its best
//! round. Prints requests per second (or seconds per transfer) and the ratios of speed to
//! `s3s-fs` (above 1: faster than `s3s-fs`).
//!
//! ```text
//! cargo install s3s-fs --version 0.14.1 --features binary --locked   # the peer, on PATH (or S3S_FS=path)
//! cargo build --release --example s3_server
//! cargo bench --bench s3_peers                     # 3 rounds of 3 s, 32 requests in flight
//! cargo bench --bench s3_peers -- ROUNDS SECONDS CONCURRENCY [WORKLOAD]
//! ```
//!
//! `WORKLOAD` (`get`, `put`, `list` or `large`) measures that one alone, to profile it.
//!
//! The servers' directories are made under `TMPDIR` (the system's temporary directory by
//! default). On a shared disk the writes' figures are the disk's as much as the servers':
//! `TMPDIR=/dev/shm` puts both directories in memory, which compares the servers' own work
//! (flushing then costs nothing, so the two columns of ours agree).
//!
//! Workloads: a presigned GET of a 4 KiB object, a header-signed PUT of 4 KiB (its SHA-256
//! signed), a ListObjectsV2 of 1,000 keys (one page), and one 64 MiB PUT (`UNSIGNED-PAYLOAD`)
//! and GET at a time. Every answer must be a success: a refusal stops the bench.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use countersign::client::{Credentials, Payload, Signer};
use countersign::core::sha256_hex;

const AKID: &str = "AKIDBENCHPEERS";
const SECRET: &str = "bench-peers-secret-key-0123456789";
const REGION: &str = "us-east-1";
const BUCKET: &str = "bench";
const SMALL: usize = 4 * 1024;
const LARGE: usize = 64 * 1024 * 1024;
const LISTED: usize = 1000;

/// A server under test, killed when dropped.
struct Server {
    name: &'static str,
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `target/release/deps/s3_peers-HASH` → `target/release/examples/s3_server`.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    profile.join("examples").join("s3_server")
}

/// `s3s-fs` from `S3S_FS`, or the first on `PATH`.
fn peer_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("S3S_FS") {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("s3s-fs"))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `addr` accepts connections.
fn wait_for(addr: SocketAddr, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the server exited at start"
        );
        assert!(Instant::now() < deadline, "the server did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// countersign's `s3_server`, in release, with one key allowed everything; writes flushed
/// to the disk before they are answered (the default), or not (`--no-sync`, as `s3s-fs`).
fn ours(sync: bool) -> Server {
    let binary = example_binary();
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --release --example s3_server` first",
        binary.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let arn = "arn:aws:iam::111122223333:user/bench";
    let keys = dir.path().join("keys.json");
    std::fs::write(
        &keys,
        serde_json::json!({"keys": [{"access_key_id": AKID, "secret_access_key": SECRET,
            "principal": {"arn": arn}}]})
        .to_string(),
    )
    .unwrap();
    let policies = dir.path().join("policies.json");
    std::fs::write(
        &policies,
        serde_json::json!({"identities": {arn: [{"Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}]}})
        .to_string(),
    )
    .unwrap();
    let data = dir.path().join("data");
    let mut child = Command::new(&binary)
        .args(["--listen", "127.0.0.1:0", "--region", REGION])
        .arg("--data")
        .arg(&data)
        .arg("--keys")
        .arg(&keys)
        .arg("--policies")
        .arg(&policies)
        .args(if sync { &[][..] } else { &["--no-sync"][..] })
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut url = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("listening on ") {
            url = Some(rest.trim().to_string());
            break;
        }
    }
    let url = url.expect("s3_server printed no address");
    Server {
        name: if sync {
            "s3_server"
        } else {
            "s3_server --no-sync"
        },
        child,
        url,
        _dir: dir,
    }
}

/// `s3s-fs` over its own directory, with the same key.
fn peer(binary: &Path) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(binary)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--access-key",
            AKID,
            "--secret-key",
            SECRET,
        ])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(SocketAddr::from(([127, 0, 0, 1], port)), &mut child);
    Server {
        name: "s3s-fs",
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}

/// The one client both servers are driven by.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    signer: Arc<Signer>,
}

impl Client {
    fn new() -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(256)
            .build()
            .unwrap();
        let signer = Signer::new(Credentials::new(AKID, SECRET), REGION, "s3").s3();
        Client {
            http,
            signer: Arc::new(signer),
        }
    }

    /// A header-signed request of `method` to `url`, its body's hash `payload`.
    fn signed(&self, method: http::Method, url: &str, payload: Payload<'_>) -> reqwest::Request {
        let mut head = http::Request::builder()
            .method(method)
            .uri(url)
            .body(())
            .unwrap();
        self.signer.sign_now(&mut head, payload).unwrap();
        let (parts, ()) = head.into_parts();
        let mut request = reqwest::Request::new(parts.method, url.parse().unwrap());
        *request.headers_mut() = parts.headers;
        request
    }

    /// Sends `request` with `body`; the answer must be a success. Returns its body's length.
    async fn send(&self, mut request: reqwest::Request, body: Option<Bytes>) -> usize {
        if let Some(body) = body {
            *request.body_mut() = Some(body.into());
        }
        let what = format!("{} {}", request.method(), request.url());
        let response = self.http.execute(request).await.unwrap();
        let status = response.status();
        let bytes = response.bytes().await.unwrap();
        assert!(
            status.is_success(),
            "{what}: {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        bytes.len()
    }

    async fn put(&self, url: &str, body: Bytes) {
        let hash = sha256_hex(&body);
        let request = self.signed(http::Method::PUT, url, Payload::Precomputed(&hash));
        self.send(request, Some(body)).await;
    }

    fn presigned_get(&self, url: &str) -> String {
        let mut head = http::Request::get(url).body(()).unwrap();
        self.signer
            .presign_now(&mut head, Payload::Unsigned, 3600)
            .unwrap();
        head.uri().to_string()
    }
}

/// Bytes that do not repeat with a short period.
fn pattern(len: usize) -> Bytes {
    let mut x: u32 = 2_463_534_242;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect::<Vec<u8>>()
        .into()
}

/// The bucket, the 4 KiB object, the 1,000 keys listed and the 64 MiB object.
async fn prepare(client: &Client, server: &Server) {
    let bucket = format!("{}/{BUCKET}", server.url);
    let request = client.signed(http::Method::PUT, &bucket, Payload::Empty);
    client.send(request, None).await;
    client.put(&format!("{bucket}/small"), pattern(SMALL)).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..LISTED {
        let (client, url) = (client.clone(), format!("{bucket}/list/key-{i:04}"));
        tasks.spawn(async move { client.put(&url, Bytes::from_static(b"x")).await });
        if tasks.len() >= 32 {
            tasks.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    client.put(&format!("{bucket}/large"), pattern(LARGE)).await;
}

/// One small-request workload: what each request is, made afresh for each.
#[derive(Clone, Copy)]
enum Small {
    PresignedGet,
    SignedPut,
    List,
}

impl Small {
    fn short(self) -> &'static str {
        match self {
            Small::PresignedGet => "get",
            Small::SignedPut => "put",
            Small::List => "list",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Small::PresignedGet => "presigned GET of 4 KiB",
            Small::SignedPut => "header-signed PUT of 4 KiB",
            Small::List => "ListObjectsV2 of 1,000 keys",
        }
    }
}

/// Requests per second of `workload` against `server`, `concurrency` in flight for `seconds`.
async fn throughput(
    client: &Client,
    server: &Server,
    workload: Small,
    concurrency: usize,
    seconds: f64,
) -> f64 {
    let bucket = format!("{}/{BUCKET}", server.url);
    let presigned = Arc::new(client.presigned_get(&format!("{bucket}/small")));
    let body = pattern(SMALL);
    let hash = Arc::new(sha256_hex(&body));
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let stop = start + Duration::from_secs_f64(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..concurrency {
        let (client, bucket, presigned, body, hash, done) = (
            client.clone(),
            bucket.clone(),
            Arc::clone(&presigned),
            body.clone(),
            Arc::clone(&hash),
            Arc::clone(&done),
        );
        tasks.spawn(async move {
            let mut n = 0u64;
            while Instant::now() < stop {
                match workload {
                    Small::PresignedGet => {
                        let request = client.http.get(presigned.as_str()).build().unwrap();
                        client.send(request, None).await;
                    }
                    Small::SignedPut => {
                        let url = format!("{bucket}/put/{task}-{}", n % 16);
                        let request =
                            client.signed(http::Method::PUT, &url, Payload::Precomputed(&hash));
                        client.send(request, Some(body.clone())).await;
                    }
                    Small::List => {
                        let url = format!("{bucket}?list-type=2&prefix=list%2F&max-keys=1000");
                        let request = client.signed(http::Method::GET, &url, Payload::Empty);
                        client.send(request, None).await;
                    }
                }
                n += 1;
            }
            done.fetch_add(n, Ordering::Relaxed);
        });
    }
    while let Some(task) = tasks.join_next().await {
        task.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// Seconds for one 64 MiB PUT (`UNSIGNED-PAYLOAD`), then one GET of it.
async fn large(client: &Client, server: &Server, body: &Bytes) -> (f64, f64) {
    let url = format!("{}/{BUCKET}/large-put", server.url);
    let start = Instant::now();
    let request = client.signed(http::Method::PUT, &url, Payload::Unsigned);
    client.send(request, Some(body.clone())).await;
    let put = start.elapsed().as_secs_f64();
    let url = format!("{}/{BUCKET}/large", server.url);
    let start = Instant::now();
    let request = client.signed(http::Method::GET, &url, Payload::Empty);
    let length = client.send(request, None).await;
    assert_eq!(length, LARGE);
    (put, start.elapsed().as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let number =
        |i: usize, default: f64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let rounds = number(0, 3.0) as usize;
    let seconds = number(1, 3.0);
    let concurrency = number(2, 32.0) as usize;
    let only = args.get(3).cloned();
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let Some(peer_binary) = peer_binary() else {
        eprintln!(
            "s3s-fs not found (PATH or S3S_FS): `cargo install s3s-fs --version 0.14.1 \
             --features binary --locked`; nothing measured"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let servers = [ours(true), ours(false), peer(&peer_binary)];
        let client = Client::new();
        for server in &servers {
            prepare(&client, server).await;
        }
        println!(
            "{rounds} rounds, {seconds} s each, {concurrency} requests in flight; best round kept"
        );
        println!(
            "| workload | {} | {} | {} | ratios to s3s-fs |",
            servers[0].name, servers[1].name, servers[2].name
        );
        println!("| --- | --- | --- | --- | --- |");
        for workload in [Small::PresignedGet, Small::SignedPut, Small::List] {
            if !wanted(workload.short()) {
                continue;
            }
            let mut best = [0f64; 3];
            for _ in 0..rounds {
                for (i, server) in servers.iter().enumerate() {
                    let rate = throughput(&client, server, workload, concurrency, seconds).await;
                    best[i] = best[i].max(rate);
                }
            }
            println!(
                "| {} | {:.0} req/s | {:.0} req/s | {:.0} req/s | {:.2}, {:.2} |",
                workload.name(),
                best[0],
                best[1],
                best[2],
                best[0] / best[2],
                best[1] / best[2]
            );
        }
        if !wanted("large") {
            return;
        }
        let body = pattern(LARGE);
        let mut best = [(f64::MAX, f64::MAX); 3];
        for _ in 0..rounds {
            for (i, server) in servers.iter().enumerate() {
                let (put, get) = large(&client, server, &body).await;
                best[i] = (best[i].0.min(put), best[i].1.min(get));
            }
        }
        // Ratios of speed: the peer's time over ours.
        println!(
            "| 64 MiB PUT | {:.3} s | {:.3} s | {:.3} s | {:.2}, {:.2} |",
            best[0].0,
            best[1].0,
            best[2].0,
            best[2].0 / best[0].0,
            best[2].0 / best[1].0
        );
        println!(
            "| 64 MiB GET | {:.3} s | {:.3} s | {:.3} s | {:.2}, {:.2} |",
            best[0].1,
            best[1].1,
            best[2].1,
            best[2].1 / best[0].1,
            best[2].1 / best[1].1
        );
    });
}
