//! `credential_process`: small scripts in a temporary directory.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use countersign_client::credentials_chain::{ProcessProvider, ProfileProvider};
use countersign_client::CredentialsErrorKind;
use time::macros::datetime;

use crate::common::Home;

/// An executable shell script `name` in `dir`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

const GOOD: &str = r#"echo '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "proc-secret", "SessionToken": "proc-token", "Expiration": "2031-05-06T07:08:09Z"}'"#;

#[tokio::test]
async fn process_credentials_are_read_with_their_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(dir.path(), "good", GOOD);
    let credentials = ProcessProvider::new(command.to_str().unwrap())
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDPROC");
    assert_eq!(credentials.secret.expose(), "proc-secret");
    assert_eq!(credentials.session_token.as_deref(), Some("proc-token"));
    assert_eq!(
        credentials.expires_at,
        Some(datetime!(2031-05-06 07:08:09 UTC))
    );
}

#[tokio::test]
async fn process_without_expiration_gives_long_term_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(
        dir.path(),
        "static",
        r#"echo '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "s"}'"#,
    );
    let credentials = ProcessProvider::new(command.to_str().unwrap())
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.expires_at, None);
    assert_eq!(credentials.session_token, None);
}

#[tokio::test]
async fn process_non_zero_exit_is_invalid_with_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(
        dir.path(),
        "fails",
        "echo 'token expired, run sso login' >&2\nexit 3",
    );
    let error = ProcessProvider::new(command.to_str().unwrap())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("status 3"), "{error}");
    assert!(
        error.message().contains("token expired, run sso login"),
        "{error}"
    );
}

#[tokio::test]
async fn process_stderr_quoted_in_the_error_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    // 100 000 bytes of standard error.
    let command = script(
        dir.path(),
        "noisy",
        "i=0; while [ $i -lt 1000 ]; do printf '%0100d' 0 >&2; i=$((i+1)); done\nexit 1",
    );
    let error = ProcessProvider::new(command.to_str().unwrap())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(
        error.message().len() < 2048,
        "{} bytes",
        error.message().len()
    );
}

#[tokio::test]
async fn process_output_that_is_not_json_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(dir.path(), "text", "echo AccessKeyId=AKID");
    let error = ProcessProvider::new(command.to_str().unwrap())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("not JSON"), "{error}");
}

#[tokio::test]
async fn process_output_of_another_version_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(
        dir.path(),
        "v2",
        r#"echo '{"Version": 2, "AccessKeyId": "AKID", "SecretAccessKey": "s"}'"#,
    );
    let error = ProcessProvider::new(command.to_str().unwrap())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("Version"), "{error}");
}

#[tokio::test]
async fn process_output_with_a_bad_expiration_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(
        dir.path(),
        "badexp",
        r#"echo '{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s", "Expiration": "soon"}'"#,
    );
    let error = ProcessProvider::new(command.to_str().unwrap())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("Expiration"), "{error}");
}

#[tokio::test]
async fn process_output_too_long_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(
        dir.path(),
        "long",
        "i=0; while [ $i -lt 1000 ]; do printf '%0100d' 0; i=$((i+1)); done",
    );
    let error = ProcessProvider::new(command.to_str().unwrap())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("more than 64 KiB"), "{error}");
}

#[tokio::test]
async fn process_that_hangs_is_killed_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(dir.path(), "hangs", "exec sleep 30");
    let started = Instant::now();
    let error = ProcessProvider::new(command.to_str().unwrap())
        .timeout(Duration::from_millis(300))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Unavailable);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn profile_credential_process_is_run() {
    let home = Home::new(None, None);
    let command = script(home.path(), "good", GOOD);
    std::fs::write(
        home.config_file(),
        format!(
            "[profile proc]\ncredential_process = {}\n",
            command.display()
        ),
    )
    .unwrap();
    let credentials = ProfileProvider::new(home.env(&[]))
        .profile("proc")
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDPROC");
}

#[tokio::test]
async fn profile_credentials_file_keys_win_over_credential_process() {
    let home = Home::new(None, None);
    let command = script(home.path(), "good", GOOD);
    std::fs::write(
        home.credentials_file(),
        "[proc]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n",
    )
    .unwrap();
    std::fs::write(
        home.config_file(),
        format!(
            "[profile proc]\ncredential_process = {}\n",
            command.display()
        ),
    )
    .unwrap();
    let credentials = ProfileProvider::new(home.env(&[]))
        .profile("proc")
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDFILE");
}

#[tokio::test]
async fn profile_credential_process_wins_over_config_file_keys() {
    let home = Home::new(None, None);
    let command = script(home.path(), "good", GOOD);
    std::fs::write(
        home.config_file(),
        format!(
            "[profile proc]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n\
             credential_process = {}\n",
            command.display()
        ),
    )
    .unwrap();
    let credentials = ProfileProvider::new(home.env(&[]))
        .profile("proc")
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDPROC");
}
