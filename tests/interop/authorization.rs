//! Authorization end to end, with real clients. The S3 example with the keys of IAM users and
//! a service, their identity policies (`--policies`), bucket policies put with the aws CLI
//! and anonymous requests (`--anonymous`), driven by the aws CLI, boto3 and curl: per-user
//! buckets, home directories by `${aws:username}`, a read-only key, `aws:SourceIp`,
//! `aws:SecureTransport`, a public-read bucket, presigned URLs, the bucket policy's round
//! trip and refusal, and a bucket only a service principal may read for its source. The API
//! example's `execute-api:Invoke` policies, driven by `curl --aws-sigv4` and botocore. The
//! examples' development keys, and keys without policies.
//!
//! Every refusal is AWS's `AccessDenied`: S3's XML from the S3 example, JSON from the API.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::LazyLock;

use serde_json::{json, Value};

use crate::common::example_server::{example_binary, ExampleServer, Key};
use crate::python;
use crate::s3_example::{aws_command, Server};

/// A key of the examples' key file.
#[derive(Debug, Clone, Copy)]
struct User {
    akid: &'static str,
    secret: &'static str,
    /// The principal's ARN, or an AWS service's name.
    arn: &'static str,
}

impl User {
    /// The key file's entry.
    fn entry(self) -> Value {
        let principal = if self.arn.starts_with("arn:") {
            json!({"arn": self.arn})
        } else {
            json!({"service": self.arn})
        };
        json!({"access_key_id": self.akid, "secret_access_key": self.secret, "principal": principal})
    }
}

const fn user(akid: &'static str, secret: &'static str, arn: &'static str) -> User {
    User { akid, secret, arn }
}

/// Alice and Bob: their own buckets (`NAME-*`), their home directories in `home`.
const ALICE: User = user(
    "AKIDALICE",
    "alice-secret",
    "arn:aws:iam::111122223333:user/alice",
);
const BOB: User = user(
    "AKIDBOB",
    "bob-secret",
    "arn:aws:iam::111122223333:user/bob",
);
/// Reads and lists anything; writes nothing.
const READER: User = user(
    "AKIDREADER",
    "reader-secret",
    "arn:aws:iam::111122223333:user/reader",
);
/// Allowed everything.
const ADMIN: User = user(
    "AKIDADMIN",
    "admin-secret",
    "arn:aws:iam::111122223333:user/admin",
);
/// Allowed everything, in another account.
const OUTSIDER: User = user(
    "AKIDOUTSIDER",
    "outsider-secret",
    "arn:aws:iam::444455556666:user/outsider",
);
/// Allowed everything from 127.0.0.1.
const LOOPBACK: User = user(
    "AKIDLOOPBACK",
    "loopback-secret",
    "arn:aws:iam::111122223333:user/loopback",
);
/// Allowed everything from 10.0.0.0/8 (which the tests never come from).
const OFFICE: User = user(
    "AKIDOFFICE",
    "office-secret",
    "arn:aws:iam::111122223333:user/office",
);
/// Allowed everything over TLS.
const SECURE: User = user(
    "AKIDSECURE",
    "secure-secret",
    "arn:aws:iam::111122223333:user/secure",
);
/// CloudFront, a service principal: no identity policy; bucket policies decide.
const CDN: User = user("AKIDCDN", "cdn-secret", "cloudfront.amazonaws.com");

const USERS: [User; 9] = [
    ALICE, BOB, READER, ADMIN, OUTSIDER, LOOPBACK, OFFICE, SECURE, CDN,
];

/// The distribution the origin bucket serves, and another one.
const DISTRIBUTION: &str = "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE";
const OTHER_DISTRIBUTION: &str = "arn:aws:cloudfront::111122223333:distribution/EOTHEREXAMPLE";

/// A policy document of `statements`.
fn document(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Everything, under `condition`.
fn everything_if(condition: Value) -> Value {
    document(json!([{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}]))
}

/// The policy file: the identity policies of the users.
fn policy_file() -> Value {
    let per_user = document(json!([
        {"Sid": "OwnBuckets", "Effect": "Allow", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::${aws:username}-*", "arn:aws:s3:::${aws:username}-*/*"]},
        {"Sid": "SeeBuckets", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
        {"Sid": "Home", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
         "Resource": "arn:aws:s3:::home/${aws:username}/*"},
        {"Sid": "ListHome", "Effect": "Allow", "Action": "s3:ListBucket",
         "Resource": "arn:aws:s3:::home",
         "Condition": {"StringLike": {"s3:prefix": ["${aws:username}/*"]}}}
    ]));
    let reader = document(json!([{"Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket", "s3:ListAllMyBuckets"], "Resource": "*"}]));
    let everything = document(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]));
    json!({"identities": {
        ALICE.arn: per_user,
        BOB.arn: per_user,
        READER.arn: reader,
        ADMIN.arn: everything,
        OUTSIDER.arn: everything,
        LOOPBACK.arn: everything_if(json!({"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}})),
        OFFICE.arn: everything_if(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        SECURE.arn: everything_if(json!({"Bool": {"aws:SecureTransport": "true"}})),
    }})
}

/// Writes the key file of [`USERS`] and the policy file over the harness's in `dir`.
fn write_keys_and_policies(dir: &Path) {
    let keys = json!({"keys": USERS.iter().map(|u| u.entry()).collect::<Vec<_>>()});
    std::fs::write(dir.join("keys.json"), keys.to_string()).expect("key file");
    std::fs::write(dir.join("policies.json"), policy_file().to_string()).expect("policy file");
}

/// The S3 example with every user's key and policies, over TLS or not, with `flags`.
fn start(tls: bool, flags: &[&str]) -> Server {
    let flags: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    Server::start_set_up(tls, move |command, dir| {
        write_keys_and_policies(dir);
        command.args(flags);
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The aws CLI as `user`.
fn aws(server: &Server, user: User, args: &[&str]) -> Output {
    server.aws_with_key(user.akid, user.secret, args)
}

/// The aws CLI as `user`, which must succeed; its standard output.
fn aws_ok(server: &Server, user: User, args: &[&str]) -> String {
    let output = aws(server, user, args);
    assert!(
        output.status.success(),
        "{} aws {args:?} failed:\n{}\n{}",
        user.akid,
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// The aws CLI as `user`, which must fail with `code`; its standard error.
fn aws_refused(server: &Server, user: User, args: &[&str], code: &str) -> String {
    let output = aws(server, user, args);
    let stderr = text(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains(&format!("({code})")),
        "{} aws {args:?} was not refused with {code}:\n{}\n{stderr}",
        user.akid,
        text(&output.stdout)
    );
    stderr
}

/// The aws CLI as `user`, which must be refused with `AccessDenied`.
fn denied(server: &Server, user: User, args: &[&str]) {
    aws_refused(server, user, args, "AccessDenied");
}

/// A local file of `contents` in the server's directory; its path.
fn local_file(server: &Server, name: &str, contents: &str) -> String {
    let path = server.process.dir.path().join(name);
    std::fs::write(&path, contents).expect("local file");
    path.to_string_lossy().into_owned()
}

/// Uploads `contents` to `s3://bucket/key` as `user`.
fn put(server: &Server, user: User, bucket: &str, key: &str, contents: &str) -> Output {
    let file = local_file(server, "upload.txt", contents);
    aws(
        server,
        user,
        &[
            "s3api",
            "put-object",
            "--bucket",
            bucket,
            "--key",
            key,
            "--body",
            &file,
        ],
    )
}

/// Downloads `s3://bucket/key` as `user`: its contents, or the aws CLI's standard error.
fn get(server: &Server, user: User, bucket: &str, key: &str) -> Result<String, String> {
    let out = server.process.dir.path().join("download.txt");
    let output = aws(
        server,
        user,
        &[
            "s3api",
            "get-object",
            "--bucket",
            bucket,
            "--key",
            key,
            out.to_str().expect("UTF-8 path"),
        ],
    );
    match output.status.success() {
        true => Ok(std::fs::read_to_string(&out).expect("downloaded")),
        false => Err(text(&output.stderr)),
    }
}

/// `aws s3api ARGS` as `user`, which must succeed; its output as JSON.
fn s3api(server: &Server, user: User, args: &[&str]) -> Value {
    let args = [&["s3api"][..], args, &["--output", "json"]].concat();
    let out = aws_ok(server, user, &args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// Puts `policy` on `bucket` as `user` with the aws CLI.
fn put_bucket_policy(server: &Server, user: User, bucket: &str, policy: &Value) {
    let file = local_file(server, "policy.json", &policy.to_string());
    let policy = format!("file://{file}");
    aws_ok(
        server,
        user,
        &[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            bucket,
            "--policy",
            &policy,
        ],
    );
}

/// A GetObject of `bucket/*` allowed to everyone.
fn public_read(bucket: &str) -> Value {
    document(
        json!([{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*")}]),
    )
}

/// curl, unsigned, with `args`: the status, the headers and the body.
fn curl(args: &[&str]) -> (u16, String, String) {
    let output = Command::new("curl")
        .args(["-s", "-i", "-k", "--max-time", "10"])
        .args(args)
        .output()
        .expect("curl runs");
    let answer = text(&output.stdout);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("curl {args:?}: {answer}"));
    (status, head.to_ascii_lowercase(), body.to_string())
}

/// Asserts that `body` is S3's `AccessDenied` document.
fn assert_s3_access_denied(status: u16, head: &str, body: &str) {
    assert_eq!(status, 403, "{head}\n{body}");
    assert!(head.contains("content-type: application/xml"), "{head}");
    assert!(body.contains("<Error><Code>AccessDenied</Code>"), "{body}");
    assert!(body.contains("<Message>Access Denied</Message>"), "{body}");
}

// -----------------------------------------------------------------------------------------
// Identity policies
// -----------------------------------------------------------------------------------------

#[test]
fn per_user_buckets_bob_cannot_list_alices_bucket() {
    let server = start(false, &[]);
    aws_ok(&server, ALICE, &["s3", "mb", "s3://alice-photos"]);
    aws_ok(&server, ALICE, &["s3", "ls", "s3://alice-photos"]);
    denied(&server, BOB, &["s3", "ls", "s3://alice-photos"]);
}

#[test]
fn per_user_buckets_bob_cannot_write_into_alices_bucket() {
    let server = start(false, &[]);
    aws_ok(&server, ALICE, &["s3", "mb", "s3://alice-photos"]);
    let by_bob = put(&server, BOB, "alice-photos", "cat.jpg", "bob's");
    assert!(
        text(&by_bob.stderr).contains("(AccessDenied)"),
        "{by_bob:?}"
    );
    assert!(!server.data().join("alice-photos/cat.jpg").exists());
    let by_alice = put(&server, ALICE, "alice-photos", "cat.jpg", "alice's");
    assert!(by_alice.status.success(), "{by_alice:?}");
}

#[test]
fn per_user_buckets_bob_cannot_make_a_bucket_named_for_alice() {
    let server = start(false, &[]);
    denied(&server, BOB, &["s3", "mb", "s3://alice-taken"]);
    aws_ok(&server, BOB, &["s3", "mb", "s3://bob-stuff"]);
}

#[test]
fn home_directory_objects_follow_aws_username() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://home"]);
    let own = put(&server, ALICE, "home", "alice/notes.txt", "alice's notes");
    assert!(own.status.success(), "{own:?}");
    assert_eq!(
        get(&server, ALICE, "home", "alice/notes.txt").as_deref(),
        Ok("alice's notes")
    );
    let others = put(&server, ALICE, "home", "bob/notes.txt", "not bob's");
    assert!(
        text(&others.stderr).contains("(AccessDenied)"),
        "{others:?}"
    );
    let read = get(&server, BOB, "home", "alice/notes.txt");
    assert!(
        read.as_ref().is_err_and(|e| e.contains("(AccessDenied)")),
        "{read:?}"
    );
}

/// `aws s3api delete-objects` of `keys` in `bucket` as `user`: its standard output and error.
fn delete_objects(server: &Server, user: User, bucket: &str, keys: &[&str]) -> String {
    let objects: Vec<Value> = keys.iter().map(|k| json!({"Key": k})).collect();
    let output = delete_entries(server, user, bucket, &json!({"Objects": objects}));
    format!("{}{}", text(&output.stdout), text(&output.stderr))
}

/// `aws s3api delete-objects --delete DELETE` in `bucket` as `user`.
fn delete_entries(server: &Server, user: User, bucket: &str, delete: &Value) -> Output {
    let delete = delete.to_string();
    let args = [
        "s3api",
        "delete-objects",
        "--bucket",
        bucket,
        "--delete",
        &delete,
    ];
    aws(server, user, &args)
}

#[test]
fn delete_objects_by_bob_deletes_none_of_alices_objects() {
    let server = start(false, &[]);
    aws_ok(&server, ALICE, &["s3", "mb", "s3://alice-photos"]);
    let made = put(&server, ALICE, "alice-photos", "cat.jpg", "meow");
    assert!(made.status.success(), "{made:?}");
    let answer = delete_objects(&server, BOB, "alice-photos", &["cat.jpg"]);
    assert!(answer.contains("AccessDenied"), "{answer}");
    assert_eq!(
        get(&server, ALICE, "alice-photos", "cat.jpg").as_deref(),
        Ok("meow")
    );
}

#[test]
fn delete_objects_deletes_the_keys_allowed_and_refuses_the_others_one_by_one() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://home"]);
    for key in ["alice/old.txt", "bob/notes.txt"] {
        let made = put(&server, ADMIN, "home", key, "contents");
        assert!(made.status.success(), "{made:?}");
    }
    let answer = delete_objects(&server, ALICE, "home", &["alice/old.txt", "bob/notes.txt"]);
    let result: Value = serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer}"));
    assert_eq!(
        result["Deleted"],
        json!([{"Key": "alice/old.txt"}]),
        "{answer}"
    );
    assert_eq!(result["Errors"][0]["Key"], "bob/notes.txt", "{answer}");
    assert_eq!(result["Errors"][0]["Code"], "AccessDenied", "{answer}");
    assert!(!server.data().join("home/alice/old.txt").exists());
    assert!(server.data().join("home/bob/notes.txt").exists());
}

#[test]
fn delete_objects_naming_a_version_needs_delete_object_version() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://home"]);
    let made = put(&server, ADMIN, "home", "alice/old.txt", "contents");
    assert!(made.status.success(), "{made:?}");
    // Alice may delete her objects, not their versions: an entry that names the version
    // (`null`, an unversioned object's) is refused, as AWS refuses it.
    let delete = json!({"Objects": [{"Key": "alice/old.txt", "VersionId": "null"}]});
    let as_alice = delete_entries(&server, ALICE, "home", &delete);
    let answer = format!("{}{}", text(&as_alice.stdout), text(&as_alice.stderr));
    let result: Value = serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer}"));
    assert_eq!(result["Errors"][0]["Code"], "AccessDenied", "{answer}");
    assert!(server.data().join("home/alice/old.txt").exists());
    let as_admin = delete_entries(&server, ADMIN, "home", &delete);
    assert!(as_admin.status.success(), "{as_admin:?}");
    assert!(!server.data().join("home/alice/old.txt").exists());
}

#[test]
fn an_upload_that_sets_tags_needs_put_object_tagging() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://home"]);
    let file = local_file(&server, "tagged.txt", "contents");
    let upload = |user| {
        let put = [
            "s3api",
            "put-object",
            "--bucket",
            "home",
            "--key",
            "alice/tagged.txt",
        ];
        let tagged = ["--body", &file, "--tagging", "team=blue"];
        aws(&server, user, &[&put[..], &tagged[..]].concat())
    };
    // Alice may upload to her home, not tag: AWS asks for both when the upload sets tags.
    let as_alice = upload(ALICE);
    assert!(
        text(&as_alice.stderr).contains("(AccessDenied)"),
        "{as_alice:?}"
    );
    assert!(!server.data().join("home/alice/tagged.txt").exists());
    let as_admin = upload(ADMIN);
    assert!(as_admin.status.success(), "{as_admin:?}");
}

#[test]
fn home_directory_listing_is_limited_to_the_users_prefix() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://home"]);
    let own = put(&server, ALICE, "home", "alice/notes.txt", "alice's notes");
    assert!(own.status.success(), "{own:?}");
    let listing = aws_ok(&server, ALICE, &["s3", "ls", "s3://home/alice/"]);
    assert!(listing.contains("notes.txt"), "{listing}");
    denied(&server, ALICE, &["s3", "ls", "s3://home/bob/"]);
    denied(&server, ALICE, &["s3", "ls", "s3://home/"]);
}

/// boto3, as `user`: reads `bucket/key`, then tries to overwrite and to delete it; prints
/// the status (or error code) of each.
const READ_WRITE_DELETE: &str = r#"
import botocore
s3 = client()
def attempt(call):
    try:
        response = call()
        return [response["ResponseMetadata"]["HTTPStatusCode"], ""]
    except botocore.exceptions.ClientError as e:
        return [e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]]
body = s3.get_object(Bucket="shared-data", Key="report.csv")["Body"].read().decode()
print(json.dumps({
    "read": body,
    "write": attempt(lambda: s3.put_object(Bucket="shared-data", Key="report.csv", Body=b"new")),
    "delete": attempt(lambda: s3.delete_object(Bucket="shared-data", Key="report.csv")),
}))
"#;

#[test]
fn read_only_key_reads_but_cannot_write_or_delete_with_boto3() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://shared-data"]);
    let made = put(&server, ADMIN, "shared-data", "report.csv", "a,b\n1,2\n");
    assert!(made.status.success(), "{made:?}");
    let result = server.python_with_key(READER.akid, READER.secret, READ_WRITE_DELETE, "boto3");
    assert_eq!(result["read"], "a,b\n1,2\n");
    assert_eq!(result["write"], json!([403, "AccessDenied"]));
    assert_eq!(result["delete"], json!([403, "AccessDenied"]));
    assert_eq!(
        std::fs::read_to_string(server.data().join("shared-data/report.csv")).expect("object"),
        "a,b\n1,2\n"
    );
}

#[test]
fn source_ip_condition_allows_the_loopback_range() {
    let server = start(false, &[]);
    aws_ok(&server, LOOPBACK, &["s3", "mb", "s3://from-loopback"]);
}

#[test]
fn source_ip_condition_denies_another_range() {
    let server = start(false, &[]);
    denied(&server, OFFICE, &["s3", "mb", "s3://from-office"]);
}

#[test]
fn secure_transport_condition_allows_over_tls() {
    let server = start(true, &[]);
    aws_ok(&server, SECURE, &["s3", "mb", "s3://over-tls"]);
}

#[test]
fn secure_transport_condition_denies_plain_http() {
    let server = start(false, &[]);
    denied(&server, SECURE, &["s3", "mb", "s3://over-http"]);
}

#[test]
fn list_buckets_shows_the_buckets_of_the_signers_account() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://ours"]);
    aws_ok(&server, OUTSIDER, &["s3", "mb", "s3://theirs"]);
    let ours = aws_ok(&server, ADMIN, &["s3", "ls"]);
    assert!(ours.contains(" ours") && !ours.contains("theirs"), "{ours}");
    let theirs = aws_ok(&server, OUTSIDER, &["s3", "ls"]);
    assert!(
        theirs.contains(" theirs") && !theirs.contains(" ours"),
        "{theirs}"
    );
}

#[test]
fn another_account_cannot_take_a_buckets_name() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://ours"]);
    // Its identity policies allow it to create buckets: the name is taken, as S3 says.
    aws_refused(
        &server,
        OUTSIDER,
        &["s3api", "create-bucket", "--bucket", "ours"],
        "BucketAlreadyExists",
    );
    let ours = aws_ok(&server, ADMIN, &["s3", "ls"]);
    assert!(ours.contains(" ours"), "{ours}");
    let theirs = aws_ok(&server, OUTSIDER, &["s3", "ls"]);
    assert!(!theirs.contains(" ours"), "{theirs}");
}

#[test]
fn another_account_allowed_to_create_a_bucket_by_its_policy_gets_bucket_already_exists() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://ours"]);
    let lets_them = document(
        json!([{"Effect": "Allow", "Principal": {"AWS": OUTSIDER.arn},
        "Action": "s3:CreateBucket", "Resource": "arn:aws:s3:::ours"}]),
    );
    put_bucket_policy(&server, ADMIN, "ours", &lets_them);
    aws_refused(
        &server,
        OUTSIDER,
        &["s3api", "create-bucket", "--bucket", "ours"],
        "BucketAlreadyExists",
    );
}

#[test]
fn another_account_allowed_by_the_bucket_policy_cannot_change_it() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://ours"]);
    let lets_them = document(
        json!([{"Effect": "Allow", "Principal": {"AWS": OUTSIDER.arn},
        "Action": ["s3:PutBucketPolicy", "s3:GetBucketPolicy"], "Resource": "arn:aws:s3:::ours"}]),
    );
    put_bucket_policy(&server, ADMIN, "ours", &lets_them);
    aws_refused(
        &server,
        OUTSIDER,
        &["s3api", "get-bucket-policy", "--bucket", "ours"],
        "MethodNotAllowed",
    );
}

#[test]
fn another_account_is_refused_without_a_bucket_policy_naming_it() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://ours"]);
    denied(&server, OUTSIDER, &["s3", "ls", "s3://ours"]);
}

// -----------------------------------------------------------------------------------------
// Presigned URLs
// -----------------------------------------------------------------------------------------

/// A presigned GET URL of `s3://bucket/key` made by the aws CLI with `user`'s key.
fn presign(server: &Server, user: User, bucket: &str, key: &str) -> String {
    // The CLI v1 presigns with SigV2 unless told otherwise.
    std::fs::write(
        server.process.dir.path().join("aws-config"),
        "[default]\ns3 =\n    signature_version = s3v4\n",
    )
    .expect("aws config");
    let object = format!("s3://{bucket}/{key}");
    let url = aws_ok(
        server,
        user,
        &["s3", "presign", &object, "--expires-in", "300"],
    );
    url.trim().to_string()
}

#[test]
fn presigned_url_of_a_signer_without_permission_is_refused() {
    let server = start(false, &[]);
    aws_ok(&server, ALICE, &["s3", "mb", "s3://alice-photos"]);
    let made = put(&server, ALICE, "alice-photos", "cat.jpg", "meow");
    assert!(made.status.success(), "{made:?}");
    let (status, head, body) = curl(&[&presign(&server, BOB, "alice-photos", "cat.jpg")]);
    assert_s3_access_denied(status, &head, &body);
    let (status, _, body) = curl(&[&presign(&server, ALICE, "alice-photos", "cat.jpg")]);
    assert_eq!((status, body.as_str()), (200, "meow"));
}

// -----------------------------------------------------------------------------------------
// Bucket policies
// -----------------------------------------------------------------------------------------

#[test]
fn bucket_policy_put_get_delete_round_trip_with_the_aws_cli() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://site"]);
    let policy = public_read("site");
    put_bucket_policy(&server, ADMIN, "site", &policy);
    let got = s3api(&server, ADMIN, &["get-bucket-policy", "--bucket", "site"]);
    let kept: Value =
        serde_json::from_str(got["Policy"].as_str().expect("Policy")).expect("the policy is JSON");
    assert_eq!(kept, policy);
    aws_ok(
        &server,
        ADMIN,
        &["s3api", "delete-bucket-policy", "--bucket", "site"],
    );
    let stderr = aws_refused(
        &server,
        ADMIN,
        &["s3api", "get-bucket-policy", "--bucket", "site"],
        "NoSuchBucketPolicy",
    );
    assert!(
        stderr.contains("The bucket policy does not exist"),
        "{stderr}"
    );
}

#[test]
fn get_bucket_policy_of_a_bucket_without_one_is_no_such_bucket_policy() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://site"]);
    let (status, head, body) = {
        let url = presign_policy_get(&server, "site");
        curl(&[&url])
    };
    assert_eq!(status, 404, "{head}\n{body}");
    assert!(body.contains("<Code>NoSuchBucketPolicy</Code>"), "{body}");
}

/// A presigned GetBucketPolicy URL of `bucket`, by the admin (boto3).
fn presign_policy_get(server: &Server, bucket: &str) -> String {
    let script = format!(
        "print(json.dumps(client().generate_presigned_url('get_bucket_policy', \
         Params={{'Bucket': '{bucket}'}}, ExpiresIn=300)))"
    );
    let url = server.python_with_key(ADMIN.akid, ADMIN.secret, &script, "boto3 presign");
    url.as_str().expect("a URL").to_string()
}

#[test]
fn malformed_bucket_policy_is_refused_with_malformed_policy_naming_the_place() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://site"]);
    let without_principal = document(json!([{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::site/*"}]));
    let file = local_file(&server, "bad.json", &without_principal.to_string());
    let stderr = aws_refused(
        &server,
        ADMIN,
        &[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            "site",
            "--policy",
            &format!("file://{file}"),
        ],
        "MalformedPolicy",
    );
    assert!(
        stderr.contains("Statement[0]") && stderr.contains("Principal"),
        "{stderr}"
    );
    aws_refused(
        &server,
        ADMIN,
        &["s3api", "get-bucket-policy", "--bucket", "site"],
        "NoSuchBucketPolicy",
    );
}

#[test]
fn oversized_bucket_policy_is_refused_with_malformed_policy() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://site"]);
    let padded = format!("{}{}", public_read("site"), " ".repeat(100 * 1024));
    let file = local_file(&server, "big.json", &padded);
    let policy = format!("file://{file}");
    aws_refused(
        &server,
        ADMIN,
        &[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            "site",
            "--policy",
            &policy,
        ],
        "MalformedPolicy",
    );
}

#[test]
fn a_bucket_policy_on_object_tags_lets_bob_read_only_the_tagged_objects() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://tagged"]);
    let file = local_file(&server, "page.txt", "for everyone");
    for (key, tagging) in [("open.txt", "public=yes"), ("closed.txt", "public=no")] {
        aws_ok(
            &server,
            ADMIN,
            &[
                "s3api",
                "put-object",
                "--bucket",
                "tagged",
                "--key",
                key,
                "--body",
                &file,
                "--tagging",
                tagging,
            ],
        );
    }
    let by_tag = document(json!([{"Effect": "Allow", "Principal": {"AWS": BOB.arn},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::tagged/*",
        "Condition": {"StringEquals": {"s3:ExistingObjectTag/public": "yes"}}}]));
    put_bucket_policy(&server, ADMIN, "tagged", &by_tag);
    assert_eq!(
        get(&server, BOB, "tagged", "open.txt").as_deref(),
        Ok("for everyone")
    );
    let closed = get(&server, BOB, "tagged", "closed.txt");
    assert!(
        closed.as_ref().is_err_and(|e| e.contains("(AccessDenied)")),
        "{closed:?}"
    );
    // Retagged, the object follows its new tags on the next request.
    aws_ok(
        &server,
        ADMIN,
        &[
            "s3api",
            "put-object-tagging",
            "--bucket",
            "tagged",
            "--key",
            "closed.txt",
            "--tagging",
            "TagSet=[{Key=public,Value=yes}]",
        ],
    );
    assert_eq!(
        get(&server, BOB, "tagged", "closed.txt").as_deref(),
        Ok("for everyone")
    );
}

#[test]
fn bucket_policy_takes_effect_on_the_next_request() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://shared"]);
    let made = put(&server, ADMIN, "shared", "memo.txt", "for bob");
    assert!(made.status.success(), "{made:?}");
    assert!(get(&server, BOB, "shared", "memo.txt").is_err());
    let for_bob = document(json!([{"Effect": "Allow", "Principal": {"AWS": BOB.arn},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}]));
    put_bucket_policy(&server, ADMIN, "shared", &for_bob);
    assert_eq!(
        get(&server, BOB, "shared", "memo.txt").as_deref(),
        Ok("for bob")
    );
    aws_ok(
        &server,
        ADMIN,
        &["s3api", "delete-bucket-policy", "--bucket", "shared"],
    );
    let again = get(&server, BOB, "shared", "memo.txt");
    assert!(
        again.as_ref().is_err_and(|e| e.contains("(AccessDenied)")),
        "{again:?}"
    );
}

#[test]
fn public_read_bucket_serves_plain_curl() {
    let server = start(false, &["--anonymous"]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://public"]);
    let made = put(&server, ADMIN, "public", "index.html", "<h1>hello</h1>");
    assert!(made.status.success(), "{made:?}");
    let url = format!("{}/public/index.html", server.process.url);
    let (status, head, body) = curl(&[&url]);
    assert_s3_access_denied(status, &head, &body);
    put_bucket_policy(&server, ADMIN, "public", &public_read("public"));
    let (status, _, body) = curl(&[&url]);
    assert_eq!((status, body.as_str()), (200, "<h1>hello</h1>"));
}

#[test]
fn public_read_bucket_refuses_an_anonymous_put() {
    let server = start(false, &["--anonymous"]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://public"]);
    put_bucket_policy(&server, ADMIN, "public", &public_read("public"));
    let url = format!("{}/public/defaced.html", server.process.url);
    let (status, head, body) = curl(&["-X", "PUT", "--data-binary", "defaced", &url]);
    assert_s3_access_denied(status, &head, &body);
    assert!(!server.data().join("public/defaced.html").exists());
}

#[test]
fn anonymous_requests_are_refused_without_the_anonymous_flag() {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://public"]);
    let made = put(&server, ADMIN, "public", "index.html", "<h1>hello</h1>");
    assert!(made.status.success(), "{made:?}");
    put_bucket_policy(&server, ADMIN, "public", &public_read("public"));
    let (status, _, body) = curl(&[&format!("{}/public/index.html", server.process.url)]);
    assert_eq!(status, 403, "{body}");
}

#[test]
fn bucket_policy_survives_a_restart() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_str().expect("UTF-8 path").to_string();
    let flags = ["--anonymous", "--data", data_dir.as_str()];
    {
        let server = start(false, &flags);
        aws_ok(&server, ADMIN, &["s3", "mb", "s3://public"]);
        let made = put(&server, ADMIN, "public", "index.html", "<h1>hello</h1>");
        assert!(made.status.success(), "{made:?}");
        put_bucket_policy(&server, ADMIN, "public", &public_read("public"));
    }
    let server = start(false, &flags);
    let got = s3api(&server, ADMIN, &["get-bucket-policy", "--bucket", "public"]);
    let kept: Value =
        serde_json::from_str(got["Policy"].as_str().expect("Policy")).expect("the policy is JSON");
    assert_eq!(kept, public_read("public"));
    let (status, _, body) = curl(&[&format!("{}/public/index.html", server.process.url)]);
    assert_eq!((status, body.as_str()), (200, "<h1>hello</h1>"));
}

// -----------------------------------------------------------------------------------------
// A service principal: CloudFront's origin access
// -----------------------------------------------------------------------------------------

/// boto3 as CloudFront: GetObject of `origin/index.html` with a signed `x-amz-source-arn`
/// of the distribution (added before signing), of another distribution, and without one;
/// prints the body or the status and error code of each (the call that prints, naming the
/// distributions, follows).
const AS_CLOUDFRONT: &str = r#"
import botocore
def naming(source_arn):
    s3 = client()
    def add_source(request, **kwargs):
        request.headers["x-amz-source-arn"] = source_arn
    if source_arn:
        s3.meta.events.register("before-sign.s3.GetObject", add_source)
    try:
        return s3.get_object(Bucket="origin", Key="index.html")["Body"].read().decode()
    except botocore.exceptions.ClientError as e:
        return [e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]]
"#;

/// What [`AS_CLOUDFRONT`] got, and what Alice got of the same object, from a bucket whose
/// policy lets CloudFront read it for the distribution alone.
static ORIGIN: LazyLock<(Value, Result<String, String>)> = LazyLock::new(|| {
    let server = start(false, &[]);
    aws_ok(&server, ADMIN, &["s3", "mb", "s3://origin"]);
    let made = put(&server, ADMIN, "origin", "index.html", "<h1>origin</h1>");
    assert!(made.status.success(), "{made:?}");
    let policy = document(json!([{
        "Sid": "AllowCloudFrontServicePrincipal", "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::origin/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": DISTRIBUTION}}
    }]));
    put_bucket_policy(&server, ADMIN, "origin", &policy);
    let script = format!(
        "{AS_CLOUDFRONT}print(json.dumps({{\"distribution\": naming({}), \"other\": naming({}), \
         \"none\": naming(None)}}))",
        json!(DISTRIBUTION),
        json!(OTHER_DISTRIBUTION),
    );
    let cloudfront = server.python_with_key(CDN.akid, CDN.secret, &script, "boto3 as CloudFront");
    (cloudfront, get(&server, ALICE, "origin", "index.html"))
});

#[test]
fn origin_access_service_principal_with_the_distributions_source_arn_reads() {
    assert_eq!(ORIGIN.0["distribution"], "<h1>origin</h1>");
}

#[test]
fn origin_access_service_principal_with_another_source_arn_is_refused() {
    assert_eq!(ORIGIN.0["other"], json!([403, "AccessDenied"]));
}

#[test]
fn origin_access_service_principal_without_a_source_arn_is_refused() {
    assert_eq!(ORIGIN.0["none"], json!([403, "AccessDenied"]));
}

#[test]
fn origin_access_direct_access_by_a_users_key_is_refused() {
    let alice = &ORIGIN.1;
    assert!(
        alice.as_ref().is_err_and(|e| e.contains("(AccessDenied)")),
        "{alice:?}"
    );
}

// -----------------------------------------------------------------------------------------
// The examples started on their own: development keys, keys without policies
// -----------------------------------------------------------------------------------------

/// An example started with exactly `args` (on a free port), and the lines it printed before
/// it listened; killed when dropped.
struct Started {
    child: Child,
    url: String,
    printed: Vec<String>,
    dir: tempfile::TempDir,
}

impl Started {
    fn new(name: &str, args: impl FnOnce(&Path) -> Vec<String>) -> Started {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("aws-config"), "").expect("aws config");
        std::fs::write(dir.path().join("aws-credentials"), "").expect("aws credentials");
        let mut child = Command::new(example_binary(name))
            .args(["--listen", "127.0.0.1:0"])
            .args(args(dir.path()))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the example starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout"));
        let mut printed = Vec::new();
        let mut line = String::new();
        let url = loop {
            line.clear();
            assert!(
                lines.read_line(&mut line).expect("stdout") > 0,
                "{printed:?}"
            );
            match line.trim().strip_prefix("listening on ") {
                Some(url) => break url.to_string(),
                None => printed.push(line.trim().to_string()),
            }
        };
        std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
        Started {
            child,
            url,
            printed,
            dir,
        }
    }

    /// The secret printed for development key `id` (`development key: ID / SECRET (…)`).
    fn secret(&self, id: &str) -> String {
        let prefix = format!("development key: {id} / ");
        self.printed
            .iter()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no development key {id}: {:?}", self.printed))
            .to_string()
    }

    /// The aws CLI with `key`.
    fn aws(&self, key: (&str, &str), args: &[&str]) -> Output {
        aws_command(&self.url, self.dir.path(), false, key)
            .args(args)
            .output()
            .expect("the aws CLI runs")
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn s3_development_key_is_allowed_everything() {
    let server = Started::new("s3_server", |dir| {
        vec![
            "--data".into(),
            dir.join("data").to_string_lossy().into_owned(),
        ]
    });
    let secret = server.secret("AKIDCOUNTERSIGNDEV");
    let key = ("AKIDCOUNTERSIGNDEV", secret.as_str());
    let policy = public_read("dev").to_string();
    for args in [
        &["s3", "mb", "s3://dev"][..],
        &["s3", "ls"],
        &[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            "dev",
            "--policy",
            &policy,
        ],
        &["s3api", "get-bucket-policy", "--bucket", "dev"],
    ] {
        let output = server.aws(key, args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn s3_keys_without_policies_may_do_nothing() {
    let server = Started::new("s3_server", |dir| {
        write_keys_and_policies(dir);
        let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
        vec![
            "--data".into(),
            path("data"),
            "--keys".into(),
            path("keys.json"),
        ]
    });
    assert!(
        server.printed.iter().any(|l| l.contains("no --policies")),
        "{:?}",
        server.printed
    );
    let output = server.aws((ADMIN.akid, ADMIN.secret), &["s3", "mb", "s3://nothing"]);
    assert!(
        text(&output.stderr).contains("(AccessDenied)"),
        "{output:?}"
    );
}

// -----------------------------------------------------------------------------------------
// The API example: execute-api:Invoke
// -----------------------------------------------------------------------------------------

/// The API's administrator, and its reader, who may only GET.
const API_ADMIN: User = user(
    "AKIDAPIADMIN",
    "api-admin-secret",
    "arn:aws:iam::111122223333:user/api-admin",
);
const API_READER: User = user(
    "AKIDAPIREADER",
    "api-reader-secret",
    "arn:aws:iam::111122223333:user/api-reader",
);

/// The API example with the administrator's and the reader's keys and policies.
fn api_server() -> ExampleServer {
    let key = Key {
        access_key_id: API_ADMIN.akid,
        secret: API_ADMIN.secret,
        user: "api-admin",
    };
    ExampleServer::start("axum_api", key, |_, dir| {
        let invoke = |resource: &str| {
            document(
                json!([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}]),
            )
        };
        let keys = json!({"keys": [API_ADMIN.entry(), API_READER.entry()]});
        let policies = json!({"identities": {
            API_ADMIN.arn: invoke("arn:aws:execute-api:*:*:*"),
            API_READER.arn: invoke("arn:aws:execute-api:*:*:*/*/GET/*"),
        }});
        std::fs::write(dir.join("keys.json"), keys.to_string()).expect("key file");
        std::fs::write(dir.join("policies.json"), policies.to_string()).expect("policy file");
    })
}

/// `curl --aws-sigv4` with `key` (id, secret) and `args`: the status and the body.
fn signed_curl(key: (&str, &str), args: &[&str]) -> (u16, String) {
    let user = format!("{}:{}", key.0, key.1);
    let (status, _, body) = curl(
        &[
            &[
                "--aws-sigv4",
                "aws:amz:us-east-1:execute-api",
                "--user",
                &user,
            ][..],
            args,
        ]
        .concat(),
    );
    (status, body)
}

/// Asserts that `body` is the layer's JSON `AccessDenied`.
fn assert_json_access_denied(status: u16, body: &str) {
    assert_eq!(status, 403, "{body}");
    let error: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(error["code"], "AccessDenied", "{body}");
    assert_eq!(error["message"], "Access Denied", "{body}");
}

#[test]
fn api_read_only_key_delete_is_access_denied_in_json_with_curl() {
    let server = api_server();
    let items = format!("{}/items", server.url);
    let admin = (API_ADMIN.akid, API_ADMIN.secret);
    let reader = (API_READER.akid, API_READER.secret);
    let json_body = [
        "-H",
        "Content-Type: application/json",
        "-d",
        r#"{"name":"widget"}"#,
    ];
    let (status, body) = signed_curl(admin, &[&json_body[..], &[items.as_str()]].concat());
    assert_eq!(status, 201, "{body}");
    let item = format!("{items}/1");
    let (status, body) = signed_curl(reader, &[&item]);
    assert_eq!(status, 200, "{body}");
    let (status, body) = signed_curl(reader, &["-X", "DELETE", &item]);
    assert_json_access_denied(status, &body);
    let (status, body) = signed_curl(admin, &["-X", "DELETE", &item]);
    assert_eq!(status, 204, "{body}");
}

/// botocore's `SigV4Auth` as the reader: GET and DELETE of `/items/1`; prints the status and
/// body of each.
const BOTOCORE_READER: &str = r#"
import json, os, sys, urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
credentials = Credentials(os.environ["AKID"], os.environ["SECRET"])
def send(method, url):
    request = AWSRequest(method=method, url=url)
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    prepared = request.prepare()
    call = urllib.request.Request(prepared.url, method=method, headers=dict(prepared.headers))
    try:
        with urllib.request.urlopen(call, timeout=10) as answer:
            return [answer.status, answer.read().decode()]
    except urllib.error.HTTPError as e:
        return [e.code, e.read().decode()]
url = sys.argv[1] + "/items/1"
print(json.dumps({"get": send("GET", url), "delete": send("DELETE", url)}))
"#;

#[test]
fn api_read_only_key_delete_is_access_denied_in_json_with_botocore() {
    let server = api_server();
    let admin = (API_ADMIN.akid, API_ADMIN.secret);
    let json_body = [
        "-H",
        "Content-Type: application/json",
        "-d",
        r#"{"name":"widget"}"#,
    ];
    let items = format!("{}/items", server.url);
    let (status, body) = signed_curl(admin, &[&json_body[..], &[items.as_str()]].concat());
    assert_eq!(status, 201, "{body}");
    let result = python::run_json(
        BOTOCORE_READER,
        &[&server.url],
        &[
            ("AKID", OsStr::new(API_READER.akid)),
            ("SECRET", OsStr::new(API_READER.secret)),
        ],
        b"",
        "botocore as the reader",
    );
    assert_eq!(result["get"][0], 200, "{result}");
    let (status, body) = (&result["delete"][0], &result["delete"][1]);
    assert_json_access_denied(
        u16::try_from(status.as_u64().expect("status")).expect("status"),
        body.as_str().expect("body"),
    );
}

#[test]
fn api_development_reader_key_may_get_but_not_delete() {
    let server = Started::new("axum_api", |_| Vec::new());
    let admin = ("AKIDCOUNTERSIGNDEV", server.secret("AKIDCOUNTERSIGNDEV"));
    let reader = ("AKIDCOUNTERSIGNREAD", server.secret("AKIDCOUNTERSIGNREAD"));
    let items = format!("{}/items", server.url);
    let json_body = [
        "-H",
        "Content-Type: application/json",
        "-d",
        r#"{"name":"widget"}"#,
    ];
    let (status, body) = signed_curl(
        (admin.0, admin.1.as_str()),
        &[&json_body[..], &[items.as_str()]].concat(),
    );
    assert_eq!(status, 201, "{body}");
    let item = format!("{items}/1");
    let (status, body) = signed_curl((reader.0, reader.1.as_str()), &[&item]);
    assert_eq!(status, 200, "{body}");
    let (status, body) = signed_curl((reader.0, reader.1.as_str()), &["-X", "DELETE", &item]);
    assert_json_access_denied(status, &body);
}
