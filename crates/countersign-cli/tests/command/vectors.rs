//! `countersign sign` reproduces the aws-c-auth v4 suite's signed requests (header and
//! `--query`), and `countersign verify` accepts each published signed request at the
//! context's time and refuses it with a signed header changed.

use std::path::Path;

use serde_json::Value;

use crate::common::{countersign, stderr, stdout, vectors_dir};

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

/// `countersign sign` of case `name`'s `request.txt` in `form` (`--query` for `query`) gives
/// its signed request (up to the order and case of the headers), and `--print signature` its
/// signature.
fn assert_sign_reproduces(name: &str, form: &str) {
    let home = tempfile::tempdir().unwrap();
    let case = vectors_dir().join("v4").join(name);
    let (flags, _) = context_flags(&case);
    let extra = (form == "query").then_some("--query");
    let output = countersign(home.path())
        .arg("sign")
        .args(&flags)
        .args(extra)
        .arg(case.join("request.txt"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        stderr(&output)
    );
    let expected =
        std::fs::read_to_string(case.join(format!("{form}-signed-request.txt"))).unwrap();
    assert_eq!(
        shape(&stdout(&output)),
        shape(&expected),
        "--- got\n{}\n--- expected\n{expected}",
        stdout(&output)
    );
    // The stage printers agree with the published files.
    let output = countersign(home.path())
        .arg("sign")
        .args(&flags)
        .args(extra)
        .args(["--print", "signature"])
        .arg(case.join("request.txt"))
        .output()
        .unwrap();
    let published = std::fs::read_to_string(case.join(format!("{form}-signature.txt"))).unwrap();
    assert_eq!(stdout(&output).trim(), published.trim());
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

/// `countersign verify` accepts case `name`'s signed request in `form` at the context's time,
/// and refuses it with one byte of its signed `Host` changed.
fn assert_verify_accepts(name: &str, form: &str) {
    let home = tempfile::tempdir().unwrap();
    let case = vectors_dir().join("v4").join(name);
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
    let file = case.join(format!("{form}-signed-request.txt"));
    let output = countersign(home.path())
        .args(["verify", "--secret", secret, "--time", time])
        .args(&rules)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success() && stdout(&output).contains("valid: AKIDEXAMPLE"),
        "refused: {}{}",
        stdout(&output),
        stderr(&output)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = text.replacen("example.amazonaws.com", "example.amazonaws.con", 1);
    assert_ne!(changed, text, "no host to change");
    let output = countersign(home.path())
        .args(["verify", "--secret", secret, "--time", time])
        .args(&rules)
        .arg("-")
        .write_stdin(changed)
        .output()
        .unwrap();
    assert!(
        output.status.code() == Some(1) && stderr(&output).contains("SignatureDoesNotMatch"),
        "a changed host was not refused as SignatureDoesNotMatch: {:?} {}",
        output.status.code(),
        stderr(&output)
    );
}

/// One module per command and form, a test in each per case of the suite.
macro_rules! v4_cases {
    (; $($name:ident => $dir:literal),* $(,)?) => {
        /// Every case directory the tests cover.
        const CASES: &[&str] = &[$($dir),*];

        /// `countersign sign` reproduces each case's signed request and signature.
        mod sign {
            /// In the `Authorization` header.
            mod header {
                $(#[test] fn $name() { super::super::assert_sign_reproduces($dir, "header") })*
            }

            /// Presigned (`--query`).
            mod query {
                $(#[test] fn $name() { super::super::assert_sign_reproduces($dir, "query") })*
            }
        }

        /// `countersign verify` accepts each published signed request and refuses it changed.
        mod verify {
            /// In the `Authorization` header.
            mod header {
                $(#[test] fn $name() { super::super::assert_verify_accepts($dir, "header") })*
            }

            /// Presigned.
            mod query {
                $(#[test] fn $name() { super::super::assert_verify_accepts($dir, "query") })*
            }
        }
    };
}

with_v4_cases!(v4_cases;);

#[test]
fn every_case_with_a_request_is_covered() {
    let dir = vectors_dir().join("v4");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("request.txt").exists())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut covered: Vec<String> = CASES.iter().map(|s| s.to_string()).collect();
    covered.sort();
    assert_eq!(on_disk, covered);
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
