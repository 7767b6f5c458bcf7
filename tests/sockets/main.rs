//! The example binaries (`s3_server`, `axum_api`) as child processes, driven over raw sockets
//! with requests signed by countersign's client, a module per feature: hostile requests about
//! authorization, headers, aws-chunked bodies, checksums, POST forms and buffered bodies, each
//! answered with its precise 4xx (or a closed connection) by a server that stays up and small;
//! the S3 example's objects and multipart uploads; connections (deadlines, the cap, a stop on
//! SIGTERM); and the flags.
//!
//! `cargo test` builds the examples before the tests run (`cargo build --examples` otherwise).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

#[path = "../common/mod.rs"]
mod common;

/// One module per case, a test in it per example (`s3_server`, `axum_api`), each given the
/// [`Kind`].
macro_rules! on_both_servers {
    ($($(#[$doc:meta])* $name:ident($kind:ident) $body:block)*) => {
        $(
            $(#[$doc])*
            mod $name {
                #[test]
                fn s3_server() {
                    super::$name($crate::Kind::S3);
                }

                #[test]
                fn axum_api() {
                    super::$name($crate::Kind::Api);
                }
            }

            fn $name($kind: $crate::Kind) $body
        )*
    };
}

mod raw;

#[macro_use]
mod hostile;

mod auth;
mod aws_chunked;
mod checksums;
mod connections;
mod flags;
mod headers;
mod multipart;
mod objects;
mod payload;
mod post_form;
mod query;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use countersign::client::{Credentials, Payload, Signer};
use time::OffsetDateTime;

use common::example_server::{ExampleServer, Key};
use common::{md5_hex, pattern, RawResponse};

/// The key every server here is started with.
const AKID: &str = "AKIDSOCKETSTEST";
const SECRET: &str = "sockets-test-secret/with+chars";
const REGION: &str = "us-east-1";
const KEY: Key<'static> = Key {
    access_key_id: AKID,
    secret: SECRET,
    user: "sockets",
};

/// Which example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    S3,
    Api,
}

impl Kind {
    /// The example's name.
    fn binary(self) -> &'static str {
        match self {
            Kind::S3 => "s3_server",
            Kind::Api => "axum_api",
        }
    }

    /// A signer of [`KEY`] by the example's rules.
    fn signer(self) -> Signer {
        match self {
            Kind::S3 => Signer::new(Credentials::new(AKID, SECRET), REGION, "s3").s3(),
            Kind::Api => Signer::new(Credentials::new(AKID, SECRET), REGION, "execute-api"),
        }
    }

    /// Adds what the example needs (`--data` for the S3 one) and `args` to `command`, and
    /// drops its standard error (a server out of file descriptors reports every failed
    /// accept).
    fn configure(self, command: &mut Command, dir: &Path, args: &[&str]) {
        command.stderr(Stdio::null());
        if self == Kind::S3 {
            command.arg("--data").arg(dir.join("data"));
        }
        command.args(args);
    }
}

/// Starts example `kind` with [`KEY`] and `args`, for this test alone.
fn start(kind: Kind, args: &[&str]) -> ExampleServer {
    ExampleServer::start(kind.binary(), KEY, |command, dir| {
        kind.configure(command, dir, args)
    })
}

/// Requests for example `kind` at `addr`, signed with [`KEY`].
#[derive(Debug, Clone, Copy)]
struct Target {
    kind: Kind,
    addr: SocketAddr,
}

impl Target {
    /// An unsigned request, its `Host` the server's address.
    fn request(
        self,
        method: &str,
        target: &str,
        headers: &[(&str, &[u8])],
        body: &[u8],
    ) -> http::Request<Vec<u8>> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("http://{}{target}", self.addr));
        for (name, value) in headers {
            builder = builder.header(
                *name,
                http::HeaderValue::from_bytes(value).expect("a header value"),
            );
        }
        let mut request = builder.body(body.to_vec()).expect("a request");
        request.headers_mut().insert(
            "host",
            http::HeaderValue::from_str(&self.addr.to_string()).expect("host"),
        );
        request
    }

    /// The same, signed with `payload` at `time`.
    fn signed_with(
        self,
        method: &str,
        target: &str,
        headers: &[(&str, &[u8])],
        body: &[u8],
        payload: Payload<'_>,
        time: OffsetDateTime,
    ) -> http::Request<Vec<u8>> {
        let mut request = self.request(method, target, headers, body);
        self.kind
            .signer()
            .sign(&mut request, payload, time)
            .expect("signs");
        request
    }

    /// The same, signed now with the body's hash.
    fn signed(
        self,
        method: &str,
        target: &str,
        headers: &[(&str, &[u8])],
        body: &[u8],
    ) -> http::Request<Vec<u8>> {
        self.signed_with(
            method,
            target,
            headers,
            body,
            Payload::Bytes(body),
            OffsetDateTime::now_utc(),
        )
    }

    /// A presigned request as of `time`, valid `expires` seconds.
    fn presigned(
        self,
        method: &str,
        target: &str,
        expires: u64,
        time: OffsetDateTime,
    ) -> http::Request<Vec<u8>> {
        let mut request = self.request(method, target, &[], b"");
        let payload = match self.kind {
            Kind::S3 => Payload::Unsigned,
            Kind::Api => Payload::Empty,
        };
        self.kind
            .signer()
            .presign(&mut request, payload, expires, time)
            .expect("presigns");
        request
    }

    /// A valid request: ListBuckets, or the API's whoami.
    fn probe(self) -> http::Request<Vec<u8>> {
        match self.kind {
            Kind::S3 => self.signed("GET", "/", &[], b""),
            Kind::Api => self.signed("GET", "/whoami", &[], b""),
        }
    }

    /// Sends `request` on a new connection and reads the answer until the server closes.
    fn send(self, request: &http::Request<Vec<u8>>) -> RawResponse {
        common::exchange(self.addr, &common::raw_http(request))
    }
}

/// An `s3_server` of this test's own, with an empty data directory.
struct S3Server {
    process: ExampleServer,
}

impl S3Server {
    fn start() -> Self {
        S3Server {
            process: start(Kind::S3, &[]),
        }
    }

    fn target(&self) -> Target {
        Target {
            kind: Kind::S3,
            addr: self.process.addr,
        }
    }

    /// Where it keeps its buckets.
    fn data(&self) -> PathBuf {
        self.process.dir.path().join("data")
    }

    /// Files in its temporary directory.
    fn temp_files(&self) -> usize {
        std::fs::read_dir(self.data().join(".countersign/tmp"))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    /// Sends a request for `path`, signed now with the body's hash, with `headers`.
    fn signed(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> RawResponse {
        let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
        let target = self.target();
        target.send(&target.signed(method, path, &headers, body))
    }
}
