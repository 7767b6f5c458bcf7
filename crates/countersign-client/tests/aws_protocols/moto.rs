//! moto in server mode on a free loopback port, shared by the tests that run at once and
//! killed when the last of them drops it (no process outlives the tests).
#![allow(unreachable_pub)] // items shared by the test modules

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use countersign_client::{Credentials, Endpoint, Signing};

/// How long moto may take to answer after it is started.
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Moto {
    child: Mutex<Child>,
    addr: SocketAddr,
}

static RUNNING: Mutex<Weak<Moto>> = Mutex::new(Weak::new());

/// The running moto, started if none is.
pub fn moto() -> Arc<Moto> {
    let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(moto) = running.upgrade() {
        return moto;
    }
    let moto = Arc::new(Moto::start());
    *running = Arc::downgrade(&moto);
    moto
}

impl Moto {
    fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let args = ["-H", "127.0.0.1", "-p", &port.to_string()];
        let spawn = |program: &str, prefix: &[&str]| {
            Command::new(program)
                .args(prefix)
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
        };
        let child = spawn("moto_server", &[])
            .or_else(|_| spawn("python3", &["-m", "moto.server"]))
            .expect("moto cannot start: install it with `python3 -m pip install 'moto[server]'`");
        let moto = Moto {
            child: Mutex::new(child),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let started = Instant::now();
        loop {
            if TcpStream::connect_timeout(&moto.addr, Duration::from_millis(200)).is_ok() {
                return moto;
            }
            if let Ok(Some(status)) = moto.child().try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = moto.child().stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                panic!("moto exited ({status}) before answering: {stderr}");
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "moto did not answer on {} within {START_TIMEOUT:?}",
                moto.addr
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn child(&self) -> std::sync::MutexGuard<'_, Child> {
        self.child.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The server's URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn endpoint(&self) -> Endpoint {
        Endpoint::custom(self.url())
    }

    /// Signing for `service` in `us-east-1` with moto's usual test keys.
    pub fn signing(&self, service: &str) -> Signing {
        Signing::new(test_credentials(), "us-east-1", service)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let mut child = self.child();
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Long-term keys moto takes (it does not check signatures).
pub fn test_credentials() -> Credentials {
    Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
