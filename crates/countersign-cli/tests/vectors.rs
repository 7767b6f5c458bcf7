//! `countersign sign` reproduces the aws-c-auth v4 suite's signed requests (header and
//! `--query`), and `countersign verify` accepts each published signed request at the
//! context's time and refuses it with a signed header changed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{countersign, stderr, stdout, vectors_dir};

fn cases() -> Vec<PathBuf> {
    let dir = vectors_dir().join("v4");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("request.txt").exists())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 30,
        "only {} v4 cases in {}",
        cases.len(),
        dir.display()
    );
    cases
}

/// The flags that say what `context.json` says.
fn context_flags(case: &Path) -> (Vec<String>, Value) {
    let context: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("context.json")).unwrap()).unwrap();
    let text = |p: &str| {
        context
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap()
            .to_string()
    };
    let mut flags = vec![
        "--access-key".to_string(),
        text("/credentials/access_key_id"),
        "--secret-key".into(),
        text("/credentials/secret_access_key"),
        "--region".into(),
        text("/region"),
        "--service".into(),
        text("/service"),
        "--time".into(),
        text("/timestamp"),
        "--expires".into(),
        context["expiration_in_seconds"]
            .as_u64()
            .unwrap()
            .to_string(),
    ];
    if let Some(token) = context
        .pointer("/credentials/token")
        .and_then(Value::as_str)
    {
        flags.extend(["--session-token".to_string(), token.to_string()]);
    }
    if context["omit_session_token"].as_bool() == Some(true) {
        flags.push("--unsigned-session-token".into());
    }
    if context["normalize"].as_bool() == Some(false) {
        flags.push("--no-normalize".into());
    }
    if context["sign_body"].as_bool() == Some(true) {
        flags.push("--sign-body".into());
    }
    (flags, context)
}

/// Request line, headers (lower-case name, trimmed values, sorted), body.
fn shape(raw: &str) -> (String, Vec<(String, String)>, String) {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw.trim_end(), ""));
    let mut lines = head.split('\n');
    let request_line = lines.next().unwrap().to_string();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            headers.last_mut().unwrap().1.push_str(line.trim());
            continue;
        }
        let (n, v) = line.split_once(':').unwrap();
        headers.push((n.to_ascii_lowercase(), v.trim().to_string()));
    }
    headers.sort();
    (request_line, headers, body.to_string())
}

#[test]
fn sign_reproduces_every_v4_signed_request_in_both_forms() {
    let home = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let (flags, _) = context_flags(&case);
        for (form, extra) in [("header", None), ("query", Some("--query"))] {
            let mut command = countersign(home.path());
            command
                .arg("sign")
                .args(&flags)
                .args(extra)
                .arg(case.join("request.txt"));
            let output = command.output().unwrap();
            if !output.status.success() {
                failures.push(format!(
                    "{name} {form}: exit {:?}: {}",
                    output.status,
                    stderr(&output)
                ));
                continue;
            }
            let expected =
                std::fs::read_to_string(case.join(format!("{form}-signed-request.txt"))).unwrap();
            if shape(&stdout(&output)) != shape(&expected) {
                failures.push(format!(
                    "{name} {form}:\n--- got\n{}\n--- expected\n{expected}",
                    stdout(&output)
                ));
            }
            // The stage printers agree with the published files.
            let mut command = countersign(home.path());
            command
                .arg("sign")
                .args(&flags)
                .args(extra)
                .args(["--print", "signature"])
                .arg(case.join("request.txt"));
            let signature = stdout(&command.output().unwrap());
            let published =
                std::fs::read_to_string(case.join(format!("{form}-signature.txt"))).unwrap();
            if signature.trim() != published.trim() {
                failures.push(format!(
                    "{name} {form}: signature {signature} != {published}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn print_shows_each_stage_as_published() {
    let home = tempfile::tempdir().unwrap();
    let case = vectors_dir()
        .join("v4")
        .join("get-vanilla-query-order-key-case");
    let (flags, _) = context_flags(&case);
    for (stage, file) in [
        ("canonical-request", "header-canonical-request.txt"),
        ("string-to-sign", "header-string-to-sign.txt"),
    ] {
        let output = countersign(home.path())
            .arg("sign")
            .args(&flags)
            .args(["--print", stage])
            .arg(case.join("request.txt"))
            .output()
            .unwrap();
        let expected = std::fs::read_to_string(case.join(file)).unwrap();
        assert_eq!(stdout(&output).trim_end(), expected.trim_end(), "{stage}");
    }
    let output = countersign(home.path())
        .arg("sign")
        .args(&flags)
        .args(["--print", "authorization"])
        .arg(case.join("request.txt"))
        .output()
        .unwrap();
    let signed = std::fs::read_to_string(case.join("header-signed-request.txt")).unwrap();
    let authorization = signed
        .lines()
        .find_map(|l| l.strip_prefix("Authorization:"))
        .unwrap();
    assert_eq!(stdout(&output).trim_end(), authorization);
}

#[test]
fn verify_accepts_every_published_signed_request_and_refuses_a_changed_one() {
    let home = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let (_, context) = context_flags(&case);
        let secret = context
            .pointer("/credentials/secret_access_key")
            .and_then(Value::as_str)
            .unwrap();
        let time = context["timestamp"].as_str().unwrap();
        let mut rules = vec!["--region", "us-east-1", "--service", "service"];
        if context["normalize"].as_bool() == Some(false) {
            rules.push("--no-normalize");
        }
        for form in ["header", "query"] {
            let file = case.join(format!("{form}-signed-request.txt"));
            let output = countersign(home.path())
                .args(["verify", "--secret", secret, "--time", time])
                .args(&rules)
                .arg(&file)
                .output()
                .unwrap();
            if !output.status.success() || !stdout(&output).contains("valid: AKIDEXAMPLE") {
                failures.push(format!(
                    "{name} {form}: refused: {}{}",
                    stdout(&output),
                    stderr(&output)
                ));
            }
            // One byte of the signed Host changed.
            let text = std::fs::read_to_string(&file).unwrap();
            let changed = text.replacen("example.amazonaws.com", "example.amazonaws.con", 1);
            assert_ne!(changed, text, "{name}: no host to change");
            let output = countersign(home.path())
                .args(["verify", "--secret", secret, "--time", time])
                .args(&rules)
                .arg("-")
                .write_stdin(changed)
                .output()
                .unwrap();
            if output.status.code() != Some(1) || !stderr(&output).contains("SignatureDoesNotMatch")
            {
                failures.push(format!(
                    "{name} {form}: a changed host was not refused as SignatureDoesNotMatch: {:?} {}",
                    output.status.code(),
                    stderr(&output)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn verify_refuses_outside_the_clock_skew_and_a_wrong_region() {
    let home = tempfile::tempdir().unwrap();
    let file = vectors_dir().join("v4/get-vanilla/header-signed-request.txt");
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    let output = countersign(home.path())
        .args([
            "verify",
            "--secret",
            secret,
            "--time",
            "2015-08-30T12:46:00Z",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("RequestTimeTooSkewed"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("600 s behind"),
        "{}",
        stderr(&output)
    );

    let output = countersign(home.path())
        .args(["verify", "--secret", secret, "--time", "20150830T123600Z"])
        .args(["--region", "eu-west-1"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("AuthorizationHeaderMalformed"));
    assert!(stderr(&output).contains("expecting 'eu-west-1'"));

    // A wrong secret: the server's stages are printed.
    let output = countersign(home.path())
        .args(["verify", "--secret", "not-it", "--time", "20150830T123600Z"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("canonical request:\nGET\n/\n"));
}
