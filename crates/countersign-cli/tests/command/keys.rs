//! `countersign keys` against a real `redis-server` (the harness of countersign-redis's
//! tests, started on a free port) and against a key file: each subcommand does what it says,
//! prints a secret only when it makes one, and fails in one line with its exit status.

use std::path::Path;
use std::process::Output;

use countersign_redis::{KeyRecord, KeyStatus, RedisKeys};
use serde_json::{json, Value};

use crate::common::{countersign, stderr, stdout};

#[path = "../../../countersign-redis/tests/support/mod.rs"]
mod redis_support;

use redis_support::RedisServer;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

/// `countersign keys --redis URL ARGS`.
fn keys_redis(home: &Path, server: &RedisServer, args: &[&str]) -> Output {
    countersign(home)
        .args(["keys", "--redis", &server.url()])
        .args(args)
        .output()
        .unwrap()
}

/// `countersign keys --file PATH ARGS`.
fn keys_file(home: &Path, file: &Path, args: &[&str]) -> Output {
    countersign(home)
        .args(["keys", "--file"])
        .arg(file)
        .args(args)
        .output()
        .unwrap()
}

/// Runs `work` on a runtime of its own.
fn block_on<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(work)
}

/// The record of `id` in `server` (default prefix), read through the library.
fn record(server: &RedisServer, id: &str) -> Option<KeyRecord> {
    block_on(async { RedisKeys::new(server.client().await).get(id).await.unwrap() })
}

/// The id and secret `create --json` printed.
fn created(output: &Output) -> (String, String) {
    assert!(output.status.success(), "{}", stderr(output));
    let printed: Value = serde_json::from_str(&stdout(output)).unwrap();
    let field = |name: &str| printed[name].as_str().unwrap().to_string();
    (field("access_key_id"), field("secret_access_key"))
}

/// Asserts a failure with exit status `code` and one line of message containing `text`.
#[track_caller]
fn assert_fails(output: &Output, code: i32, text: &str) {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains(text), "{message}");
}

#[test]
fn keys_create_in_redis_writes_the_key_with_the_secret_printed() {
    let home = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    let output = keys_redis(home.path(), &server, &["create", "--arn", ALICE, "--json"]);
    let (id, secret) = created(&output);
    let found = record(&server, &id).unwrap();
    assert_eq!(found.secrets, [secret]);
    assert_eq!(found.principal, json!({"arn": ALICE}));
    assert_eq!(found.status, KeyStatus::Active);
}

#[test]
fn keys_create_with_a_json_principal_keeps_it_whole() {
    let home = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    let principal = r#"{"arn": "arn:aws:iam::111122223333:user/bob", "tags": {"team": "blue"}}"#;
    let output = keys_redis(
        home.path(),
        &server,
        &["create", "--principal", principal, "--json"],
    );
    let (id, _) = created(&output);
    let found = record(&server, &id).unwrap();
    assert_eq!(found.principal["tags"]["team"], "blue");
}

#[test]
fn keys_create_prints_the_secret_in_text_form_too() {
    let home = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    let output = keys_redis(home.path(), &server, &["create", "--arn", ALICE]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let id = text
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap();
    let secret = text
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap();
    let found = record(&server, id).unwrap();
    assert_eq!(found.secrets, [secret]);
}

#[test]
fn keys_list_in_redis_shows_each_key_and_no_secret() {
    let home = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    let (id, secret) = created(&keys_redis(
        home.path(),
        &server,
        &["create", "--arn", ALICE, "--json"],
    ));
    for args in [&["list"][..], &["list", "--json"][..]] {
        let output = keys_redis(home.path(), &server, args);
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        assert!(text.contains(&id), "{text}");
        assert!(text.contains(ALICE), "{text}");
        assert!(text.contains("active"), "{text}");
        assert!(!text.contains(&secret), "the secret is listed: {text}");
    }
}

#[test]
fn keys_revoke_in_redis_marks_the_key_inactive() {
    let home = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    let (id, _) = created(&keys_redis(
        home.path(),
        &server,
        &["create", "--arn", ALICE, "--json"],
    ));
    let output = keys_redis(home.path(), &server, &["revoke", &id]);
    assert!(output.status.success(), "{}", stderr(&output));
    let found = record(&server, &id).unwrap();
    assert_eq!(found.status, KeyStatus::Inactive);
    let listed: Value = serde_json::from_str(&stdout(&keys_redis(
        home.path(),
        &server,
        &["list", "--json"],
    )))
    .unwrap();
    assert_eq!(listed[0]["status"], "inactive");
}

#[test]
fn keys_rotate_in_redis_prints_a_new_secret_and_keeps_the_old_one_until_finished() {
    let home = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    let (id, old) = created(&keys_redis(
        home.path(),
        &server,
        &["create", "--arn", ALICE, "--json"],
    ));
    let output = keys_redis(home.path(), &server, &["rotate", &id]);
    assert!(output.status.success(), "{}", stderr(&output));
    let new = stdout(&output)
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let found = record(&server, &id).unwrap();
    assert_eq!(found.secrets, [new.clone(), old]);
    let output = keys_redis(home.path(), &server, &["finish-rotation", &id]);
    assert!(output.status.success(), "{}", stderr(&output));
    let found = record(&server, &id).unwrap();
    assert_eq!(found.secrets, [new]);
}

#[test]
fn keys_delete_in_redis_removes_the_record() {
    let home = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    let (id, _) = created(&keys_redis(
        home.path(),
        &server,
        &["create", "--arn", ALICE, "--json"],
    ));
    let output = keys_redis(home.path(), &server, &["delete", &id]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(record(&server, &id).is_none());
}

#[test]
fn keys_import_into_redis_writes_every_key_of_the_file() {
    let home = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    let file = home.path().join("keys.json");
    std::fs::write(
        &file,
        r#"{"keys": [{"access_key_id": "AKIDIMPORTA", "secret_access_key": "a-secret", "principal": {"arn": "arn:aws:iam::111122223333:user/alice"}},
                     {"access_key_id": "AKIDIMPORTB", "secret_access_key": "b-new", "previous_secret_access_key": "b-old"}]}"#,
    )
    .unwrap();
    let output = keys_redis(home.path(), &server, &["import", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("imported 2 keys"),
        "{}",
        stdout(&output)
    );
    let a = record(&server, "AKIDIMPORTA").unwrap();
    let b = record(&server, "AKIDIMPORTB").unwrap();
    assert_eq!(a.secrets, ["a-secret"]);
    assert_eq!(b.secrets, ["b-new", "b-old"]);
}

#[test]
fn keys_import_of_a_file_with_an_invalid_entry_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    let file = home.path().join("keys.json");
    std::fs::write(
        &file,
        r#"{"keys": [{"access_key_id": "AKIDIMPORTA", "secret_access_key": "a"}, {"access_key_id": "AKIDIMPORTB"}]}"#,
    )
    .unwrap();
    let output = keys_redis(home.path(), &server, &["import", file.to_str().unwrap()]);
    assert_fails(&output, 4, "AKIDIMPORTB");
    assert!(record(&server, "AKIDIMPORTA").is_none());
}

#[test]
fn keys_with_another_prefix_do_not_see_the_default_deployment() {
    let home = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    let (id, _) = created(&keys_redis(
        home.path(),
        &server,
        &["create", "--arn", ALICE, "--json"],
    ));
    let output = keys_redis(home.path(), &server, &["--prefix", "other:", "list"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stdout(&output).contains(&id), "{}", stdout(&output));
}

#[test]
fn keys_revoke_of_a_missing_key_in_redis_says_no_such_key() {
    let home = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    let output = keys_redis(home.path(), &server, &["revoke", "AKIDNOSUCHKEY"]);
    assert_fails(&output, 7, "no such key: AKIDNOSUCHKEY");
}

#[test]
fn keys_against_an_unreachable_redis_fail_in_one_line() {
    let home = tempfile::tempdir().unwrap();
    let mut server = RedisServer::start();
    server.stop();
    let output = keys_redis(home.path(), &server, &["list"]);
    assert_fails(&output, 6, "cannot reach Redis");
}

#[test]
fn keys_with_a_url_that_is_not_redis_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let output = countersign(home.path())
        .args(["keys", "--redis", "http://127.0.0.1:1", "list"])
        .output()
        .unwrap();
    assert_fails(&output, 2, "--redis");
}

#[test]
fn keys_without_a_store_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let output = countersign(home.path())
        .args(["keys", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn keys_create_with_an_arn_that_is_not_a_user_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("keys.json");
    let output = keys_file(
        home.path(),
        &file,
        &["create", "--arn", "arn:aws:iam::111122223333:role/admin"],
    );
    assert_fails(&output, 2, "not an IAM user's ARN");
    assert!(!file.exists());
}

/// The key file at `path`, parsed.
fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn keys_create_in_a_file_writes_a_key_the_file_key_store_reads() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("keys.json");
    let (id, secret) = created(&keys_file(
        home.path(),
        &file,
        &["create", "--arn", ALICE, "--json"],
    ));
    let doc = read_json(&file);
    assert_eq!(doc["keys"][0]["access_key_id"], id.as_str());
    assert_eq!(doc["keys"][0]["secret_access_key"], secret.as_str());
    assert_eq!(doc["keys"][0]["principal"]["arn"], ALICE);
    let store = countersign_server::keys::FileKeyStore::open(&file).unwrap();
    assert_eq!(store.len(), 1);
}

#[cfg(unix)]
#[test]
fn keys_create_makes_a_new_file_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("keys.json");
    created(&keys_file(
        home.path(),
        &file,
        &["create", "--arn", ALICE, "--json"],
    ));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

#[test]
fn keys_changes_to_a_file_leave_no_temporary_file_behind() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("store");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("keys.json");
    let (id, _) = created(&keys_file(
        home.path(),
        &file,
        &["create", "--arn", ALICE, "--json"],
    ));
    assert!(keys_file(home.path(), &file, &["rotate", &id])
        .status
        .success());
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["keys.json"]);
}

#[test]
fn keys_list_of_a_file_shows_each_key_and_no_secret() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("keys.json");
    let (id, secret) = created(&keys_file(
        home.path(),
        &file,
        &["create", "--arn", ALICE, "--json"],
    ));
    let output = keys_file(home.path(), &file, &["list"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains(&id) && text.contains(ALICE), "{text}");
    assert!(!text.contains(&secret), "the secret is listed: {text}");
}

#[test]
fn keys_revoke_in_a_file_takes_the_key_out_of_what_the_layer_reads() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("keys.json");
    let (id, secret) = created(&keys_file(
        home.path(),
        &file,
        &["create", "--arn", ALICE, "--json"],
    ));
    let output = keys_file(home.path(), &file, &["revoke", &id]);
    assert!(output.status.success(), "{}", stderr(&output));
    let store = countersign_server::keys::FileKeyStore::open(&file).unwrap();
    assert_eq!(store.len(), 0);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(&secret), "{text}");
    let listed: Value =
        serde_json::from_str(&stdout(&keys_file(home.path(), &file, &["list", "--json"]))).unwrap();
    assert_eq!(listed[0]["access_key_id"], id.as_str());
    assert_eq!(listed[0]["status"], "inactive");
}

#[test]
fn keys_rotate_in_a_file_keeps_the_previous_secret_until_finished() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("keys.json");
    let (id, old) = created(&keys_file(
        home.path(),
        &file,
        &["create", "--arn", ALICE, "--json"],
    ));
    assert!(keys_file(home.path(), &file, &["rotate", &id])
        .status
        .success());
    let doc = read_json(&file);
    assert_eq!(doc["keys"][0]["previous_secret_access_key"], old.as_str());
    assert_ne!(doc["keys"][0]["secret_access_key"], old.as_str());
    assert!(keys_file(home.path(), &file, &["finish-rotation", &id])
        .status
        .success());
    assert!(read_json(&file)["keys"][0]
        .get("previous_secret_access_key")
        .is_none());
}

#[test]
fn keys_import_into_a_file_replaces_keys_of_the_same_id() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("keys.json");
    std::fs::write(
        &file,
        r#"{"keys": [{"access_key_id": "AKIDA", "secret_access_key": "old"}, {"access_key_id": "AKIDKEPT", "secret_access_key": "kept"}]}"#,
    )
    .unwrap();
    let source = home.path().join("more.json");
    std::fs::write(
        &source,
        r#"{"keys": [{"access_key_id": "AKIDA", "secret_access_key": "new"}]}"#,
    )
    .unwrap();
    let output = keys_file(home.path(), &file, &["import", source.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = read_json(&file);
    let keys = doc["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let a = keys.iter().find(|k| k["access_key_id"] == "AKIDA").unwrap();
    assert_eq!(a["secret_access_key"], "new");
}

#[test]
fn keys_revoke_of_a_missing_key_in_a_file_says_no_such_key() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("keys.json");
    std::fs::write(&file, r#"{"keys": []}"#).unwrap();
    let output = keys_file(home.path(), &file, &["revoke", "AKIDNOSUCHKEY"]);
    assert_fails(&output, 7, "no such key: AKIDNOSUCHKEY");
}

#[test]
fn keys_list_of_a_file_that_is_not_a_key_file_names_it() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("keys.json");
    std::fs::write(&file, r#"{"keys": [{"secret_access_key": "s"}]}"#).unwrap();
    let output = keys_file(home.path(), &file, &["list"]);
    assert_fails(&output, 4, "keys.json");
}
