//! The examples' flags: `--help` documents them (the S3 example's own, and the connection
//! flags with their defaults), and zero connections or seconds are refused.

use std::process::{Command, Stdio};

use crate::common::example_server::example_binary;
use crate::Kind;

/// Runs example `kind` with `args` alone; gives its exit code and what it printed
/// (standard output, then standard error).
fn run(kind: Kind, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(example_binary(kind.binary()))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the example runs");
    let mut printed = String::from_utf8_lossy(&output.stdout).into_owned();
    printed.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code(), printed)
}

#[test]
fn s3_server_help_prints_the_usage() {
    let output = Command::new(example_binary(Kind::S3.binary()))
        .arg("--help")
        .output()
        .expect("runs");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--listen", "--data", "--keys", "--region", "--tls", "--domain",
    ] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
}

/// The entry of `flag` in `kind`'s usage (its line and the indented lines that continue it)
/// names its default.
fn assert_documented(kind: Kind, flag: &str) {
    let (_, usage) = run(kind, &["--help"]);
    let entry: Vec<&str> = usage
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(flag))
        .enumerate()
        .take_while(|(i, l)| *i == 0 || !l.trim_start().starts_with("--"))
        .map(|(_, l)| l)
        .collect();
    assert!(!entry.is_empty(), "{kind:?}: no {flag} in\n{usage}");
    assert!(
        entry.iter().any(|l| l.contains("(default ")),
        "{kind:?}: no default in {entry:?}"
    );
}

/// `kind` run with `flag 0` exits with status 2, naming the flag first.
fn assert_zero_refused(kind: Kind, flag: &str) {
    let (code, message) = run(kind, &[flag, "0"]);
    assert_eq!(code, Some(2), "{kind:?} {flag} 0: {message}");
    assert!(message.starts_with(flag), "{kind:?}: {message}");
}

on_both_servers! {
    help_documents_the_idle_timeout(kind) {
        assert_documented(kind, "--idle-timeout S");
    }

    help_documents_the_cap_on_connections(kind) {
        assert_documented(kind, "--max-connections N");
    }

    zero_connections_are_refused(kind) {
        assert_zero_refused(kind, "--max-connections");
    }

    zero_idle_seconds_are_refused(kind) {
        assert_zero_refused(kind, "--idle-timeout");
    }
}
