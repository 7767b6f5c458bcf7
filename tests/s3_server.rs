//! The `s3_server` example as a child process, driven by real S3 clients: the aws CLI (v1),
//! boto3, the AWS SDK for JavaScript v3 (`tests/js`), curl on presigned URLs, and
//! countersign's own signer over raw TCP for the requests those clients would not send (a body
//! that does not match its declared hash, virtual-hosted addressing, the error table).
//!
//! `cargo test` builds the examples before the tests run: the binary is
//! `target/debug/examples/s3_server`, found from this test's own path.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use common::example_server::{ExampleServer, Key};

const AKID: &str = "AKIDS3SERVERTEST";
const SECRET: &str = "s3-server-test-secret/with+chars";
const REGION: &str = "us-east-1";

// ---------------------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------------------

/// A running `s3_server`.
struct Server {
    /// Its directory holds `data/`, `keys.json` and the aws CLI's empty config files.
    process: ExampleServer,
    tls: bool,
}

impl Server {
    fn start() -> Server {
        Self::start_with(false)
    }

    fn start_tls() -> Server {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Server {
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
        });
        Server { process, tls }
    }

    fn data(&self) -> PathBuf {
        self.process.dir.path().join("data")
    }

    /// Files in the server's temporary directory.
    fn temp_files(&self) -> usize {
        std::fs::read_dir(self.data().join(".countersign/tmp"))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    /// The aws CLI with this server's key.
    fn aws(&self, args: &[&str]) -> Output {
        self.aws_as(SECRET, args)
    }

    fn aws_as(&self, secret: &str, args: &[&str]) -> Output {
        let mut command = Command::new("aws");
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.process.dir.path())
            .env("LC_ALL", "C.UTF-8")
            .env("PYTHONUTF8", "1")
            .env("PYTHONWARNINGS", "ignore")
            .env("AWS_ACCESS_KEY_ID", AKID)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_DEFAULT_REGION", REGION)
            .env(
                "AWS_CONFIG_FILE",
                self.process.dir.path().join("aws-config"),
            )
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.process.dir.path().join("aws-credentials"),
            )
            .args(["--endpoint-url", &self.process.url]);
        if self.tls {
            command.arg("--no-verify-ssl");
        }
        command.args(args).output().expect("the aws CLI runs")
    }

    /// The aws CLI, which must succeed; its stdout.
    fn aws_ok(&self, args: &[&str]) -> String {
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
    fn s3api(&self, args: &[&str]) -> Value {
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

    fn mb(&self, bucket: &str) {
        self.aws_ok(&["s3", "mb", &format!("s3://{bucket}")]);
    }

    /// A python3 script with boto3; argv[1] is the endpoint, argv[2] "1" to verify TLS.
    fn python(&self, script: &str) -> Output {
        Command::new("python3")
            .env("PYTHONWARNINGS", "ignore")
            .env(
                "AWS_CONFIG_FILE",
                self.process.dir.path().join("aws-config"),
            )
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.process.dir.path().join("aws-credentials"),
            )
            .env("AKID", AKID)
            .env("SECRET", SECRET)
            .args([
                "-c",
                script,
                &self.process.url,
                if self.tls { "0" } else { "1" },
            ])
            .output()
            .expect("python3 runs")
    }
}

// ---------------------------------------------------------------------------------------
// A raw HTTP/1.1 client
// ---------------------------------------------------------------------------------------

fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(text[start..end].to_string())
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Bytes that do not repeat with a short period.
fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
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

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(bytes))
}

// ---------------------------------------------------------------------------------------
// The aws CLI
// ---------------------------------------------------------------------------------------

#[test]
fn aws_cli_mb_cp_ls_rm_small_and_multipart() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let small = pattern(1024, 1);
    let big = pattern(20 * 1024 * 1024, 2);
    std::fs::write(work.path().join("small.bin"), &small).expect("write");
    std::fs::write(work.path().join("big.bin"), &big).expect("write");
    let path = |name: &str| work.path().join(name).to_string_lossy().into_owned();

    server.mb("photos");
    let buckets = server.aws_ok(&["s3", "ls"]);
    assert!(buckets.contains("photos"), "{buckets}");

    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        &path("small.bin"),
        "s3://photos/dir/small.bin",
    ]);
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        &path("big.bin"),
        "s3://photos/big.bin",
    ]);
    let listing = server.aws_ok(&["s3", "ls", "--recursive", "s3://photos"]);
    assert!(listing.contains(" 1024 dir/small.bin"), "{listing}");
    assert!(listing.contains(" 20971520 big.bin"), "{listing}");
    let top = server.aws_ok(&["s3", "ls", "s3://photos/"]);
    assert!(top.contains("PRE dir/"), "{top}");

    // On disk: the plain bytes, nothing left in the temporary directory.
    assert_eq!(
        std::fs::read(server.data().join("photos/big.bin")).expect("on disk"),
        big
    );
    assert_eq!(server.temp_files(), 0);

    // The 20 MiB file went up in parts (8 MiB by default): a multipart ETag.
    let head = server.s3api(&["head-object", "--bucket", "photos", "--key", "big.bin"]);
    assert!(head["ETag"].as_str().unwrap().ends_with("-3\""), "{head}");
    assert_eq!(head["ContentLength"], 20 * 1024 * 1024);
    let head = server.s3api(&[
        "head-object",
        "--bucket",
        "photos",
        "--key",
        "dir/small.bin",
    ]);
    assert_eq!(head["ETag"], format!("\"{}\"", md5_hex(&small)));

    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        "s3://photos/dir/small.bin",
        &path("small.back"),
    ]);
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        "s3://photos/big.bin",
        &path("big.back"),
    ]);
    assert_eq!(std::fs::read(path("small.back")).expect("read"), small);
    assert!(
        std::fs::read(path("big.back")).expect("read") == big,
        "the 20 MiB download differs"
    );

    server.aws_ok(&["s3", "rm", "s3://photos/dir/small.bin"]);
    let listing = server.aws_ok(&["s3", "ls", "--recursive", "s3://photos"]);
    assert!(!listing.contains("small.bin"), "{listing}");
    assert!(
        !server.data().join("photos/dir").exists(),
        "the emptied directory is removed"
    );
}

#[test]
fn aws_cli_sync_round_trips_unicode_spaces_and_plus() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let up = work.path().join("up");
    let files = [
        "plain.txt",
        "with space.txt",
        "a+b=c.txt",
        "100% sure.txt",
        "ünïcødé/文件 名.txt",
        "nested/deeper/x+y z.bin",
    ];
    for (i, name) in files.iter().enumerate() {
        let path = up.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).expect("mkdir");
        std::fs::write(&path, pattern(100 + i * 37, i as u32)).expect("write");
    }
    server.mb("sync");
    server.aws_ok(&[
        "s3",
        "sync",
        "--no-progress",
        up.to_str().unwrap(),
        "s3://sync/tree",
    ]);

    let listing = server.aws_ok(&["s3", "ls", "--recursive", "s3://sync"]);
    for name in files {
        assert!(
            listing.contains(&format!("tree/{name}")),
            "{name} missing from\n{listing}"
        );
    }
    assert!(server
        .data()
        .join("sync/tree/ünïcødé/文件 名.txt")
        .is_file());

    let down = work.path().join("down");
    server.aws_ok(&[
        "s3",
        "sync",
        "--no-progress",
        "s3://sync/tree",
        down.to_str().unwrap(),
    ]);
    assert_eq!(tree(&down), tree(&up));

    // A second sync has nothing to do.
    let again = server.aws_ok(&[
        "s3",
        "sync",
        "--no-progress",
        up.to_str().unwrap(),
        "s3://sync/tree",
    ]);
    assert!(again.trim().is_empty(), "{again}");
}

#[test]
fn aws_cli_presigned_url_downloads_with_curl() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let body = pattern(5000, 3);
    let local = work.path().join("f.bin");
    std::fs::write(&local, &body).expect("write");
    server.mb("shared");
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        local.to_str().unwrap(),
        "s3://shared/a dir/report+1.bin",
    ]);
    // The CLI v1 presigns with SigV2 unless told otherwise.
    std::fs::write(
        server.process.dir.path().join("aws-config"),
        "[default]\ns3 =\n    signature_version = s3v4\n",
    )
    .expect("aws config");
    let url = server.aws_ok(&[
        "s3",
        "presign",
        "s3://shared/a dir/report+1.bin",
        "--expires-in",
        "300",
    ]);
    let url = url.trim();
    assert!(url.contains("X-Amz-Signature="), "{url}");

    let out = work.path().join("downloaded");
    let curl = Command::new("curl")
        .args(["-s", "-o", out.to_str().unwrap(), "-w", "%{http_code}", url])
        .output()
        .expect("curl runs");
    assert_eq!(String::from_utf8_lossy(&curl.stdout), "200");
    assert_eq!(std::fs::read(&out).expect("read"), body);

    // The same URL for another key is refused.
    let tampered = url.replace("report%2B1.bin", "report%2B2.bin");
    assert_ne!(tampered, url);
    let curl = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}", &tampered])
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&curl.stdout);
    assert!(text.ends_with("403"), "{text}");
    assert!(text.contains("SignatureDoesNotMatch"), "{text}");
}

#[test]
fn aws_s3api_range_copy_and_delete_objects() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let body: Vec<u8> = (0..100u8).collect();
    let local = work.path().join("src.bin");
    std::fs::write(&local, &body).expect("write");
    server.mb("ops");
    server.s3api(&[
        "put-object",
        "--bucket",
        "ops",
        "--key",
        "src.bin",
        "--body",
        local.to_str().unwrap(),
        "--content-type",
        "application/x-test",
        "--metadata",
        "colour=blue",
    ]);

    let part = work.path().join("part");
    let got = server.s3api(&[
        "get-object",
        "--bucket",
        "ops",
        "--key",
        "src.bin",
        "--range",
        "bytes=10-19",
        part.to_str().unwrap(),
    ]);
    assert_eq!(got["ContentRange"], "bytes 10-19/100");
    assert_eq!(got["ContentLength"], 10);
    assert_eq!(std::fs::read(&part).expect("read"), &body[10..20]);
    let got = server.s3api(&[
        "get-object",
        "--bucket",
        "ops",
        "--key",
        "src.bin",
        "--range",
        "bytes=-5",
        part.to_str().unwrap(),
    ]);
    assert_eq!(got["ContentRange"], "bytes 95-99/100");
    assert_eq!(std::fs::read(&part).expect("read"), &body[95..]);

    let copied = server.s3api(&[
        "copy-object",
        "--bucket",
        "ops",
        "--key",
        "copies/dst.bin",
        "--copy-source",
        "ops/src.bin",
    ]);
    assert_eq!(
        copied["CopyObjectResult"]["ETag"],
        format!("\"{}\"", md5_hex(&body))
    );
    let head = server.s3api(&["head-object", "--bucket", "ops", "--key", "copies/dst.bin"]);
    assert_eq!(head["ContentType"], "application/x-test");
    assert_eq!(head["Metadata"]["colour"], "blue");
    assert_eq!(
        std::fs::read(server.data().join("ops/copies/dst.bin")).expect("copied"),
        body
    );

    let deleted = server.s3api(&[
        "delete-objects",
        "--bucket",
        "ops",
        "--delete",
        r#"{"Objects":[{"Key":"src.bin"},{"Key":"copies/dst.bin"},{"Key":"never-existed"}]}"#,
    ]);
    let mut keys: Vec<&str> = deleted["Deleted"]
        .as_array()
        .expect("Deleted")
        .iter()
        .map(|d| d["Key"].as_str().unwrap())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["copies/dst.bin", "never-existed", "src.bin"]);
    let listing = server.s3api(&["list-objects-v2", "--bucket", "ops"]);
    assert!(listing.get("Contents").is_none(), "{listing}");
}

#[test]
fn aws_s3api_list_objects_v2_prefix_delimiter_and_paging() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let local = work.path().join("x");
    std::fs::write(&local, b"x").expect("write");
    server.mb("listing");
    let keys = ["a/1", "a/2", "b/1", "c", "d", "e/f/g", "e/h"];
    for key in keys {
        server.s3api(&[
            "put-object",
            "--bucket",
            "listing",
            "--key",
            key,
            "--body",
            local.to_str().unwrap(),
        ]);
    }

    let top = server.s3api(&["list-objects-v2", "--bucket", "listing", "--delimiter", "/"]);
    let prefixes: Vec<&str> = top["CommonPrefixes"]
        .as_array()
        .expect("CommonPrefixes")
        .iter()
        .map(|p| p["Prefix"].as_str().unwrap())
        .collect();
    assert_eq!(prefixes, ["a/", "b/", "e/"]);
    let contents: Vec<&str> = top["Contents"]
        .as_array()
        .expect("Contents")
        .iter()
        .map(|c| c["Key"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["c", "d"]);

    let under_e = server.s3api(&[
        "list-objects-v2",
        "--bucket",
        "listing",
        "--prefix",
        "e/",
        "--delimiter",
        "/",
    ]);
    assert_eq!(under_e["CommonPrefixes"][0]["Prefix"], "e/f/");
    assert_eq!(under_e["Contents"][0]["Key"], "e/h");

    // Pages of two, by hand: every key once, in order.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut args = vec![
            "list-objects-v2",
            "--bucket",
            "listing",
            "--max-keys",
            "2",
            "--no-paginate",
        ];
        if let Some(t) = &token {
            args.extend_from_slice(&["--continuation-token", t]);
        }
        let page = server.s3api(&args);
        pages += 1;
        for c in page["Contents"].as_array().cloned().unwrap_or_default() {
            seen.push(c["Key"].as_str().unwrap().to_string());
        }
        if page["IsTruncated"] == true {
            token = Some(
                page["NextContinuationToken"]
                    .as_str()
                    .expect("token")
                    .to_string(),
            );
        } else {
            break;
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen, keys);
    assert_eq!(pages, 4);

    // The CLI's own paging, with a delimiter, and start-after.
    let all = server.s3api(&[
        "list-objects-v2",
        "--bucket",
        "listing",
        "--delimiter",
        "/",
        "--page-size",
        "1",
    ]);
    assert_eq!(
        all["CommonPrefixes"].as_array().map(Vec::len),
        Some(3),
        "{all}"
    );
    assert_eq!(all["Contents"].as_array().map(Vec::len), Some(2), "{all}");
    let after = server.s3api(&[
        "list-objects-v2",
        "--bucket",
        "listing",
        "--start-after",
        "c",
        "--no-paginate",
    ]);
    assert_eq!(after["Contents"][0]["Key"], "d");
    assert_eq!(after["KeyCount"], 3);
}

#[test]
fn aws_cli_with_a_wrong_secret_is_refused_and_leaves_nothing() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let local = work.path().join("f");
    std::fs::write(&local, b"should not land").expect("write");
    server.mb("guarded");
    let output = server.aws_as(
        "not-the-secret",
        &[
            "s3",
            "cp",
            "--no-progress",
            local.to_str().unwrap(),
            "s3://guarded/f",
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SignatureDoesNotMatch"), "{stderr}");
    assert!(!server.data().join("guarded/f").exists());
    assert_eq!(server.temp_files(), 0);
    let listing = server.s3api(&["list-objects-v2", "--bucket", "guarded"]);
    assert!(listing.get("Contents").is_none(), "{listing}");
}

// ---------------------------------------------------------------------------------------
// boto3
// ---------------------------------------------------------------------------------------

const BOTO_PRESIGNED: &str = r#"
import os, sys, json, ssl, urllib.request
import boto3
from botocore.config import Config
endpoint, verify = sys.argv[1], sys.argv[2] == "1"
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
                  config=Config(signature_version="s3v4"), verify=verify)
context = None if verify else ssl._create_unverified_context()
s3.create_bucket(Bucket="presigned")
key = "dir/hello wörld+1.txt"
body = b"uploaded through a presigned PUT"
put = s3.generate_presigned_url("put_object", Params={"Bucket": "presigned", "Key": key}, ExpiresIn=300)
request = urllib.request.Request(put, data=body, method="PUT")
put_status = urllib.request.urlopen(request, context=context).status
get = s3.generate_presigned_url("get_object", Params={"Bucket": "presigned", "Key": key}, ExpiresIn=300)
got = urllib.request.urlopen(get, context=context).read()
head = s3.head_object(Bucket="presigned", Key=key)
print(json.dumps({"put": put_status, "same": got == body, "length": head["ContentLength"]}))
"#;

#[test]
fn boto3_presigned_put_and_get() {
    let server = Server::start();
    let output = server.python(BOTO_PRESIGNED);
    assert!(
        output.status.success(),
        "boto3 failed (pip install boto3):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(result["put"], 200);
    assert_eq!(result["same"], true, "{result}");
    assert_eq!(result["length"], 32);
    assert!(server
        .data()
        .join("presigned/dir/hello wörld+1.txt")
        .is_file());
}

const REFUSED_WITHOUT_EXPECT: &str = r#"
import os, sys, json, http.client, urllib.error, urllib.parse, urllib.request
import boto3, botocore.auth, botocore.awsrequest, botocore.credentials
from botocore.config import Config
endpoint = sys.argv[1]
address = urllib.parse.urlsplit(endpoint)
body = os.urandom(6 << 20)
answers = []
# Header-signed with a wrong secret, sent by http.client: the whole body, then the answer.
for _ in range(3):
    credentials = botocore.credentials.Credentials(os.environ["AKID"], "not-the-secret")
    request = botocore.awsrequest.AWSRequest(method="PUT", url=endpoint + "/unread/big", data=body)
    request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    botocore.auth.S3SigV4Auth(credentials, "s3", "us-east-1").add_auth(request)
    connection = http.client.HTTPConnection(address.hostname, address.port)
    try:
        connection.request("PUT", "/unread/big", body=body, headers=dict(request.headers.items()))
        response = connection.getresponse()
        answers.append([response.status, response.read().decode()])
    except OSError as e:
        answers.append([0, repr(e)])
# A presigned PUT whose signature was changed, sent by urllib.
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
                  config=Config(signature_version="s3v4"))
url = s3.generate_presigned_url("put_object", Params={"Bucket": "unread", "Key": "big"}, ExpiresIn=300)
cut = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
url = url[:cut] + ("0" if url[cut] != "0" else "1") + url[cut + 1:]
try:
    urllib.request.urlopen(urllib.request.Request(url, data=body, method="PUT"))
    answers.append([200, ""])
except urllib.error.HTTPError as e:
    answers.append([e.code, e.read().decode()])
except OSError as e:
    answers.append([0, repr(e)])
print(json.dumps(answers))
"#;

/// A refused upload sent whole before its answer is read (no `Expect: 100-continue`, as
/// Python's `http.client` and `urllib` send): the client gets the S3 error, not a reset
/// connection, because the layer reads the rest of the body (up to 8 MiB) before refusing.
#[test]
fn a_refused_upload_sent_without_expect_gets_its_error() {
    let server = Server::start();
    server.mb("unread");
    let output = server.python(REFUSED_WITHOUT_EXPECT);
    assert!(
        output.status.success(),
        "the script failed (pip install boto3):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<(u16, String)> = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(answers.len(), 4);
    for (status, text) in &answers {
        assert_eq!(*status, 403, "{text}");
        assert_eq!(
            between(text, "<Code>", "</Code>").as_deref(),
            Some("SignatureDoesNotMatch"),
            "{text}"
        );
    }
    assert!(!server.data().join("unread/big").exists());
    assert_eq!(server.temp_files(), 0);
}

// ---------------------------------------------------------------------------------------
// The AWS SDK for JavaScript v3
// ---------------------------------------------------------------------------------------

/// `tests/js/s3_client.mjs` against the server: objects put whole (the checksum in a header)
/// and streamed (an unsigned aws-chunked body, the checksum in a trailer) with CRC32, CRC32C
/// and SHA-256, a multipart upload, a listing, a presigned GET, a browser POST upload under
/// the SDK's policy (and one too large, one outside its key prefix, refused), and a tampered
/// URL and a wrong secret refused (`common::javascript` says what it needs).
#[test]
fn javascript_sdk_v3_round_trips() {
    let server = Server::start();
    let result = common::javascript::run("s3_client.mjs", &[&server.process.url, AKID, SECRET]);
    assert_eq!(result["get"], "hello from the JavaScript SDK", "{result}");
    for algorithm in ["CRC32", "CRC32C", "SHA256"] {
        for how in ["buffered", "streamed"] {
            assert_eq!(result[format!("{how}-{algorithm}")], true, "{result}");
        }
    }
    assert_eq!(result["multipart"], true, "{result}");
    assert_eq!(result["keys"], serde_json::json!(["dir/a b+c~ü.txt"]));
    assert_eq!(result["presigned"], "hello from the JavaScript SDK");
    assert_eq!(result["tampered_status"], 403);
    assert_eq!(result["post"]["status"], 201, "{result}");
    assert_eq!(result["post_same"], true);
    // A form refused for its fields, and one refused while its file (3 MiB, over the
    // policy's 1000 bytes) streams, are read to their end before the answer, so the answer
    // arrives rather than a reset connection.
    assert_eq!(result["post_other_key"]["code"], "AccessDenied", "{result}");
    assert_eq!(
        result["post_too_large"]["code"], "EntityTooLarge",
        "{result}"
    );
    assert_eq!(result["post_kept"], true, "{result}");
    assert_eq!(result["post_other_key_stored"], false, "{result}");
    assert_eq!(result["wrong_secret"], "SignatureDoesNotMatch 403");
    assert_eq!(result["keys_after_delete"], serde_json::json!([]));
    let big = server.data().join("js-bucket/streamed-CRC32");
    assert_eq!(
        std::fs::metadata(big).map(|m| m.len()).ok(),
        Some(300 * 1024)
    );
}

// ---------------------------------------------------------------------------------------
// countersign's signer over raw TCP
// ---------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------
// HTTPS: the aws CLI and boto3 send aws-chunked bodies with CRC32 trailers over TLS
// ---------------------------------------------------------------------------------------

#[test]
fn https_aws_cli_cp_up_and_down() {
    let server = Server::start_tls();
    assert!(server.process.url.starts_with("https://"));
    let work = tempfile::tempdir().expect("tempdir");
    let small = pattern(1024, 8);
    let big = pattern(20 * 1024 * 1024, 9);
    std::fs::write(work.path().join("small"), &small).expect("write");
    std::fs::write(work.path().join("big"), &big).expect("write");
    let path = |name: &str| work.path().join(name).to_string_lossy().into_owned();
    server.mb("secure");
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        &path("small"),
        "s3://secure/small",
    ]);
    server.aws_ok(&["s3", "cp", "--no-progress", &path("big"), "s3://secure/big"]);
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        "s3://secure/small",
        &path("small.back"),
    ]);
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        "s3://secure/big",
        &path("big.back"),
    ]);
    assert_eq!(std::fs::read(path("small.back")).expect("read"), small);
    assert!(
        std::fs::read(path("big.back")).expect("read") == big,
        "the 20 MiB download differs"
    );
    let head = server.s3api(&["head-object", "--bucket", "secure", "--key", "small"]);
    assert_eq!(head["ETag"], format!("\"{}\"", md5_hex(&small)));
    assert!(
        head.get("ContentEncoding").is_none(),
        "aws-chunked must not be stored: {head}"
    );
}

const BOTO_TLS: &str = r#"
import os, sys, json
import boto3
from botocore.config import Config
endpoint, verify = sys.argv[1], sys.argv[2] == "1"
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
                  config=Config(signature_version="s3v4"), verify=verify)
s3.create_bucket(Bucket="tls")
body = bytes(range(256)) * 300
s3.put_object(Bucket="tls", Key="blob", Body=body, ContentType="application/x-blob")
got = s3.get_object(Bucket="tls", Key="blob")
print(json.dumps({"same": got["Body"].read() == body, "type": got["ContentType"],
                  "encoding": got.get("ContentEncoding")}))
"#;

#[test]
fn https_boto3_put_and_get() {
    let server = Server::start_tls();
    let output = server.python(BOTO_TLS);
    assert!(
        output.status.success(),
        "boto3 over TLS failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(result["same"], true, "{result}");
    assert_eq!(result["type"], "application/x-blob");
    assert_eq!(result["encoding"], Value::Null);
}

// ---------------------------------------------------------------------------------------
// Checksums, aws-chunked framings and browser POST uploads
// ---------------------------------------------------------------------------------------

const BOTO_CHECKSUMS: &str = r#"
import os, sys, json
import boto3
from botocore.config import Config
endpoint, verify = sys.argv[1], sys.argv[2] == "1"
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
                  config=Config(signature_version="s3v4"), verify=verify)
s3.create_bucket(Bucket="sums")
out = {}
for algorithm in ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"]:
    body = algorithm.encode() * 5000
    s3.put_object(Bucket="sums", Key="by/" + algorithm, Body=body, ChecksumAlgorithm=algorithm)
    out[algorithm] = s3.get_object(Bucket="sums", Key="by/" + algorithm)["Body"].read() == body
print(json.dumps(out))
"#;

fn boto3_checksums(server: &Server) {
    let output = server.python(BOTO_CHECKSUMS);
    assert!(
        output.status.success(),
        "boto3 put_object with checksums failed (pip install boto3 awscrt):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    for algorithm in ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"] {
        assert_eq!(result[algorithm], true, "{algorithm}: {result}");
    }
}

#[test]
fn boto3_put_object_with_each_checksum_over_http() {
    // Over HTTP botocore sends the checksum as a header beside a signed payload hash.
    boto3_checksums(&Server::start());
}

#[test]
fn boto3_put_object_with_each_checksum_over_https() {
    // Over HTTPS it sends aws-chunked bodies with the checksum in a trailer.
    boto3_checksums(&Server::start_tls());
}

const BOTO_POST: &str = r#"
import os, sys, json, ssl, urllib.request, urllib.error, urllib3
import boto3
from botocore.config import Config
endpoint, verify = sys.argv[1], sys.argv[2] == "1"
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
                  config=Config(signature_version="s3v4"), verify=verify)
context = None if verify else ssl._create_unverified_context()
s3.create_bucket(Bucket="forms")
post = s3.generate_presigned_post(
    "forms", "uploads/${filename}",
    Fields={"acl": "private", "Content-Type": "text/plain"},
    Conditions=[{"acl": "private"}, ["starts-with", "$key", "uploads/"], ["starts-with", "$Content-Type", "text/"],
                ["content-length-range", 1, 1000]],
    ExpiresIn=300)
def send(fields, filename, data):
    body, content_type = urllib3.encode_multipart_formdata(list(fields.items()) + [("file", (filename, data, "text/plain"))])
    request = urllib.request.Request(post["url"], data=body, method="POST", headers={"Content-Type": content_type})
    try:
        return urllib.request.urlopen(request, context=context).status
    except urllib.error.HTTPError as e:
        return e.code
ok = send(post["fields"], "note one.txt", b"hello from a form")
too_big = send(post["fields"], "big.txt", b"x" * 2000)
changed = dict(post["fields"]); changed["acl"] = "public-read"
refused = send(changed, "changed.txt", b"x")
got = s3.get_object(Bucket="forms", Key="uploads/note one.txt")
print(json.dumps({"ok": ok, "too_big": too_big, "refused": refused,
                  "same": got["Body"].read() == b"hello from a form", "type": got["ContentType"]}))
"#;

#[test]
fn boto3_generate_presigned_post_then_a_form_upload() {
    let server = Server::start();
    let output = server.python(BOTO_POST);
    assert!(
        output.status.success(),
        "boto3 POST failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(result["ok"], 204, "{result}");
    assert_eq!(result["same"], true, "{result}");
    assert_eq!(result["type"], "text/plain", "{result}");
    assert_eq!(result["too_big"], 400, "{result}");
    assert_eq!(result["refused"], 403, "{result}");
    assert!(!server.data().join("forms/uploads/big.txt").exists());
    assert!(!server.data().join("forms/uploads/changed.txt").exists());
    assert_eq!(server.temp_files(), 0);
}

// ---------------------------------------------------------------------------------------
// Multipart checksums
// ---------------------------------------------------------------------------------------

const BOTO_MULTIPART_CRC32: &str = r#"
import os, sys, json, zlib, base64
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
endpoint, verify = sys.argv[1], sys.argv[2] == "1"
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
                  config=Config(signature_version="s3v4"), verify=verify)
def crc32(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
def status(call):
    try:
        return [call()["ResponseMetadata"]["HTTPStatusCode"], ""]
    except ClientError as e:
        return [e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]]
s3.create_bucket(Bucket="mpsums")
parts = [bytes(range(256)) * 20480, b"the last part " * 100]
upload = s3.create_multipart_upload(Bucket="mpsums", Key="joined", ChecksumAlgorithm="CRC32")
where = dict(Bucket="mpsums", Key="joined", UploadId=upload["UploadId"])
done = []
for number, data in enumerate(parts, 1):
    answer = s3.upload_part(PartNumber=number, Body=data, ChecksumAlgorithm="CRC32", **where)
    done.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumCRC32": crc32(data)})
wrong = [dict(done[0], ChecksumCRC32=crc32(b"not part one")), done[1]]
out = {}
out["wrong"] = status(lambda: s3.complete_multipart_upload(MultipartUpload={"Parts": wrong}, **where))
out["after_wrong"] = status(lambda: s3.head_object(Bucket="mpsums", Key="joined"))
out["right"] = status(lambda: s3.complete_multipart_upload(MultipartUpload={"Parts": done}, **where))
out["same"] = s3.get_object(Bucket="mpsums", Key="joined")["Body"].read() == b"".join(parts)
print(json.dumps(out))
"#;

#[test]
fn boto3_multipart_complete_with_a_wrong_part_crc32_is_refused() {
    let server = Server::start();
    let output = server.python(BOTO_MULTIPART_CRC32);
    assert!(
        output.status.success(),
        "boto3 multipart upload failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        result["wrong"],
        serde_json::json!([400, "InvalidPart"]),
        "{result}"
    );
    assert_eq!(
        result["after_wrong"],
        serde_json::json!([404, "404"]),
        "{result}"
    );
    assert_eq!(result["right"], serde_json::json!([200, ""]), "{result}");
    assert_eq!(result["same"], true, "{result}");
}

// ---------------------------------------------------------------------------------------
// Repeated query parameters
// ---------------------------------------------------------------------------------------

/// A form for bucket `forms` (keys under `uploads/`), posted where it does not belong: with a
/// `?delete` query, its file a DeleteObjects document; and to the dotted bucket
/// `forms.evil` by the host `forms.evil.localhost`.
const BOTO_POST_ELSEWHERE: &str = r#"
import os, sys, json, urllib.request, urllib.error, urllib3
from urllib.parse import urlsplit
import boto3
from botocore.config import Config
endpoint = sys.argv[1]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
for bucket in ("forms", "forms.evil"):
    s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket="forms", Key="keep.txt", Body=b"kept")
post = s3.generate_presigned_post("forms", "uploads/${filename}",
    Conditions=[["starts-with", "$key", "uploads/"]], ExpiresIn=300)
def send(url, data, host=None):
    fields = list(post["fields"].items()) + [("file", ("f.txt", data, "text/plain"))]
    body, content_type = urllib3.encode_multipart_formdata(fields)
    headers = {"Content-Type": content_type}
    if host:
        headers["Host"] = host
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        return urllib.request.urlopen(request).status
    except urllib.error.HTTPError as e:
        return e.code
delete = b"<Delete><Object><Key>keep.txt</Key></Object></Delete>"
with_query = send(post["url"] + "?delete", delete)
port = urlsplit(endpoint).port
dotted = send(f"{endpoint}/", b"into the dotted bucket", host=f"forms.evil.localhost:{port}")
listed = s3.list_objects_v2(Bucket="forms.evil").get("KeyCount", 0)
kept = s3.get_object(Bucket="forms", Key="keep.txt")["Body"].read() == b"kept"
print(json.dumps({"with_query": with_query, "dotted": dotted, "dotted_objects": listed, "kept": kept}))
"#;

#[test]
fn a_browser_post_form_uploads_only_to_the_bucket_its_policy_names() {
    let server = Server::start();
    let output = server.python(BOTO_POST_ELSEWHERE);
    assert!(
        output.status.success(),
        "boto3 failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(result["with_query"], 403, "{result}");
    assert_eq!(result["kept"], true, "the form deleted an object: {result}");
    assert_eq!(result["dotted"], 403, "{result}");
    assert_eq!(result["dotted_objects"], 0, "{result}");
}
