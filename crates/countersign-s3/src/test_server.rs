//! [`TestServer`]: the frontend behind `SigV4Layer`, on a free loopback port of the
//! caller's runtime, for integration tests.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::serve::ListenerExt;
use countersign_policy::Policy;
use countersign_server::authz::MemoryPolicyStore;
use countersign_server::keys::{random_secret, MemoryKeyStore};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::frontend::S3Frontend;
use crate::fs::FsStorage;
use crate::memory::MemoryStorage;
use crate::storage::Storage;

/// The region the test server serves.
const REGION: &str = "us-east-1";

/// The IAM user of the test server's key.
const TESTER: &str = "arn:aws:iam::000000000000:user/tester";

/// The identity policy of the test server's key: everything.
const EVERYTHING: &str = r#"{"Version": "2012-10-17", "Statement":
    {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#;

/// An S3 frontend for integration tests: [`start`](Self::start) runs it (over memory, or a
/// directory) behind `SigV4Layer` on `127.0.0.1` at a free port, in the caller's tokio
/// runtime, with one fresh random key allowed everything. Unlike a mock, it verifies every
/// signature: a request signed with another secret is refused with 403
/// `SignatureDoesNotMatch`. It stops when dropped.
///
/// Point any S3 client at [`endpoint`](Self::endpoint) (path-style addressing), with
/// [`access_key_id`](Self::access_key_id), [`secret_access_key`](Self::secret_access_key) and
/// [`region`](Self::region). With this workspace's client (`countersign-client`, feature
/// `reqwest`):
///
/// ```
/// use countersign_client::{Credentials, SignExt, Signing};
/// use countersign_s3::TestServer;
///
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = TestServer::start().await?;
/// let credentials = Credentials::new(server.access_key_id(), server.secret_access_key());
/// let signing = Signing::new(credentials, server.region(), "s3").s3();
/// let client = reqwest::Client::new();
/// let bucket = format!("{}/photos", server.endpoint());
///
/// let created = client.put(&bucket).sign(&signing).await?.send().await?;
/// assert_eq!(created.status(), 200);
/// let put = client.put(format!("{bucket}/cat.txt")).body("meow").sign(&signing).await?;
/// assert_eq!(put.send().await?.status(), 200);
/// let got = client.get(format!("{bucket}/cat.txt")).sign(&signing).await?.send().await?;
/// assert_eq!(got.text().await?, "meow");
/// # Ok(()) }
/// ```
///
/// Or with its S3 calls (feature `s3`), which build, sign and read each S3 request:
///
/// ```
/// use countersign_client::{Credentials, Endpoint, S3Client, Signing};
/// use countersign_s3::TestServer;
///
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = TestServer::start().await?;
/// let credentials = Credentials::new(server.access_key_id(), server.secret_access_key());
/// let signing = Signing::new(credentials, server.region(), "s3");
/// let s3 = S3Client::new(signing, Endpoint::custom(server.endpoint()));
///
/// s3.create_bucket("photos").await?;
/// s3.put_object("photos", "cat.txt", "meow").await?;
/// assert_eq!(s3.get_object("photos", "cat.txt").await?.body, "meow");
/// let missing = s3.get_object("photos", "dog.txt").await.unwrap_err();
/// assert_eq!(missing.service_error().map(|e| e.code.as_str()), Some("NoSuchKey"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestServer {
    address: SocketAddr,
    endpoint: String,
    access_key_id: String,
    secret_access_key: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Starts a server over a [`MemoryStorage`] of the default capacity (1 GiB; give
    /// [`with_storage`](Self::with_storage) a [`MemoryStorage::with_capacity`] for another).
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound, or the system's random source fails.
    pub async fn start() -> std::io::Result<TestServer> {
        Self::with_storage(MemoryStorage::new()).await
    }

    /// Starts a server over an [`FsStorage`] in `directory` (created if missing), whose
    /// buckets (directories) and objects (files) a test may look at or put there.
    ///
    /// # Errors
    ///
    /// When the directory cannot be used, no loopback port can be bound, or the system's
    /// random source fails.
    pub async fn start_in(directory: &Path) -> std::io::Result<TestServer> {
        Self::with_storage(FsStorage::open(directory)?).await
    }

    /// Starts a server over `storage`.
    ///
    /// # Errors
    ///
    /// When the storage's buckets cannot be read, no loopback port can be bound, or the
    /// system's random source fails.
    pub async fn with_storage<S: Storage>(storage: S) -> std::io::Result<TestServer> {
        let access_key_id = format!("AKIDTEST{}", random_secret()?[..12].to_ascii_uppercase());
        let secret_access_key = random_secret()?;
        let keys = MemoryKeyStore::new();
        let principal = Arc::new(serde_json::json!({ "arn": TESTER }));
        keys.insert(&access_key_id, secret_access_key.as_str(), principal);
        let identities = MemoryPolicyStore::new();
        let everything = Policy::identity(EVERYTHING).map_err(std::io::Error::other)?;
        identities.set_identity_policies(TESTER, vec![everything]);

        let frontend = S3Frontend::new(storage).region(REGION);
        let layer = frontend.layer(keys, identities);
        let router = frontend
            .into_router()
            .await
            .map_err(std::io::Error::other)?
            .layer(layer);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        // Without Nagle's delay: a response written in two segments would otherwise wait
        // for the client's delayed acknowledgement.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serving = axum::serve(listener, router).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            let _ = serving.await;
        });
        Ok(TestServer {
            address,
            endpoint: format!("http://{address}"),
            access_key_id,
            secret_access_key,
            stop: Some(stop),
            task,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The access key id of the server's key.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret of the server's key.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The region to sign for: `us-east-1`.
    pub fn region(&self) -> &str {
        REGION
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}
