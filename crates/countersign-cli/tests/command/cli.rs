//! The command itself: help and completions, where credentials and the scope come from,
//! `sign` and `verify` end to end with a key file.

use std::path::Path;

use crate::common::{countersign, stderr, stdout};

const RAW: &str = "GET /photos?size=large HTTP/1.1\nHost:example.com\n\n";

fn write_profiles(home: &Path) {
    let aws = home.join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("credentials"),
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n\n\
         # the dev profile\n[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=dev-secret\n\
         aws_session_token = dev-token\n",
    )
    .unwrap();
    std::fs::write(
        aws.join("config"),
        "[default]\nregion = eu-north-1\n[profile dev]\nregion = ap-southeast-2\n",
    )
    .unwrap();
}

/// `sign --print authorization` (and the signed request) of RAW with `args`.
fn authorization(home: &Path, envs: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut command = countersign(home);
    for (k, v) in envs {
        command.env(k, v);
    }
    command
        .args(["sign", "--service", "execute-api"])
        .args(args)
        .arg("-")
        .write_stdin(RAW)
        .output()
        .unwrap()
}

/// `countersign SUB --help` prints its usage (and, but for `completions`, examples).
fn assert_manual(sub: &str) {
    let home = tempfile::tempdir().unwrap();
    let output = countersign(home.path())
        .args([sub, "--help"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{sub}");
    let text = stdout(&output);
    assert!(text.contains("Usage: countersign"), "{sub}: {text}");
    if sub != "completions" {
        assert!(text.contains("Examples:"), "{sub}: {text}");
    }
}

/// `countersign completions SHELL` prints a script that names the command and its
/// subcommands.
fn assert_completions(shell: &str) {
    let home = tempfile::tempdir().unwrap();
    let output = countersign(home.path())
        .args(["completions", shell])
        .output()
        .unwrap();
    assert!(output.status.success(), "{shell}");
    let text = stdout(&output);
    assert!(
        text.contains("countersign") && text.contains("presign"),
        "{shell}"
    );
}

/// One test per name, calling `$check` with it.
macro_rules! each {
    ($check:ident: $($name:ident => $arg:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $check($arg);
            }
        )*
    };
}

each! {
    assert_manual:
    request_has_a_manual => "request",
    presign_has_a_manual => "presign",
    sign_has_a_manual => "sign",
    verify_has_a_manual => "verify",
    explain_has_a_manual => "explain",
    completions_has_a_manual => "completions",
}

#[test]
fn the_command_has_a_manual_and_a_version() {
    let home = tempfile::tempdir().unwrap();
    let output = countersign(home.path()).arg("--help").output().unwrap();
    assert!(stdout(&output).contains("Exit status:"));
    let output = countersign(home.path()).arg("--version").output().unwrap();
    assert!(stdout(&output).starts_with("countersign "));
}

each! {
    assert_completions:
    completions_for_bash => "bash",
    completions_for_zsh => "zsh",
    completions_for_fish => "fish",
    completions_for_elvish => "elvish",
    completions_for_powershell => "powershell",
}

#[test]
fn completions_for_an_unknown_shell_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let output = countersign(home.path())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn credentials_from_flags_environment_and_profiles() {
    let home = tempfile::tempdir().unwrap();
    let print = ["--print", "authorization"];
    // none at all
    let output = authorization(home.path(), &[], &print);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));

    write_profiles(home.path());
    // the default profile, and the config's region
    let text = stdout(&authorization(home.path(), &[], &print));
    assert!(text.contains("Credential=AKIDDEFAULT/"), "{text}");
    assert!(
        text.contains("/eu-north-1/execute-api/aws4_request"),
        "{text}"
    );
    // --profile, with its session token signed
    let output = authorization(home.path(), &[], &["--profile", "dev"]);
    let text = stdout(&output);
    assert!(text.contains("Credential=AKIDDEV/"), "{text}");
    assert!(text.contains("/ap-southeast-2/execute-api/"), "{text}");
    assert!(text.contains("X-Amz-Security-Token:dev-token"), "{text}");
    assert!(text.contains("x-amz-security-token, Signature="), "{text}");
    // AWS_PROFILE
    let text = stdout(&authorization(
        home.path(),
        &[("AWS_PROFILE", "dev")],
        &print,
    ));
    assert!(text.contains("Credential=AKIDDEV/"), "{text}");
    // the environment beats the default profile ...
    let envs = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ("AWS_REGION", "sa-east-1"),
    ];
    let text = stdout(&authorization(home.path(), &envs, &print));
    assert!(text.contains("Credential=AKIDENV/"), "{text}");
    assert!(text.contains("/sa-east-1/"), "{text}");
    // ... a named profile beats the environment, and flags beat everything
    let text = stdout(&authorization(
        home.path(),
        &envs,
        &[&print[..], &["--profile", "dev"]].concat(),
    ));
    assert!(text.contains("Credential=AKIDDEV/"), "{text}");
    let flags = [
        "--access-key",
        "AKIDFLAG",
        "--secret-key",
        "s",
        "--region",
        "us-west-1",
    ];
    let text = stdout(&authorization(
        home.path(),
        &envs,
        &[&print[..], &flags].concat(),
    ));
    assert!(text.contains("Credential=AKIDFLAG/"), "{text}");
    assert!(text.contains("/us-west-1/"), "{text}");
    // a profile that does not exist
    let output = authorization(home.path(), &[], &["--profile", "nope"]);
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("no profile [nope]"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn region_and_service_are_inferred_from_aws_hosts() {
    let home = tempfile::tempdir().unwrap();
    let raw = "PUT /key HTTP/1.1\nHost:bucket.s3.eu-west-1.amazonaws.com\n\nbody";
    let output = countersign(home.path())
        .args(["sign", "--access-key", "AKID", "--secret-key", "s", "-"])
        .write_stdin(raw)
        .output()
        .unwrap();
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(text.contains("/eu-west-1/s3/aws4_request"), "{text}");
    // S3's rules: the body's hash is declared and signed.
    assert!(
        text.contains(
            "x-amz-content-sha256:230d8358dc8e8890b4c58deeb62912ee2f20357ae92a5cc861b98e68fe31acb5"
        ),
        "{text}"
    );
    assert!(
        text.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date"),
        "{text}"
    );
}

/// RAW signed by `countersign sign` for execute-api in us-east-1, with `extra` flags.
fn signed_raw(home: &Path, access_key: &str, secret: &str, extra: &[&str]) -> String {
    let output = countersign(home)
        .args(["sign", "--access-key", access_key, "--secret-key", secret])
        .args(["--service", "execute-api", "--region", "us-east-1"])
        .args(extra)
        .arg("-")
        .write_stdin(RAW)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

#[test]
fn sign_then_verify_with_a_key_file() {
    let home = tempfile::tempdir().unwrap();
    let keys = home.path().join("keys.json");
    std::fs::write(
        &keys,
        r#"{"keys": [{"access_key_id": "AKIDKEYS", "secret_access_key": "new",
            "previous_secret_access_key": "old", "principal": {"user": "alice"}}]}"#,
    )
    .unwrap();
    let signed_with =
        |secret: &str, extra: &[&str]| signed_raw(home.path(), "AKIDKEYS", secret, extra);
    let verify = |signed: &str, extra: &[&str]| {
        countersign(home.path())
            .args(["verify", "--keys"])
            .arg(&keys)
            .args(extra)
            .arg("-")
            .write_stdin(signed)
            .output()
            .unwrap()
    };
    // both secrets of a rotation verify; the principal is shown
    for secret in ["new", "old"] {
        let output = verify(&signed_with(secret, &[]), &[]);
        assert!(output.status.success(), "{secret}: {}", stderr(&output));
        let text = stdout(&output);
        assert!(text.contains("valid: AKIDKEYS"), "{text}");
        assert!(text.contains("principal: {\"user\":\"alice\"}"), "{text}");
    }
    // presigned, verbose
    let output = verify(
        &signed_with("new", &["--query", "--expires", "60"]),
        &["-v"],
    );
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(text.contains("presigned query, valid for 60 s"), "{text}");
    assert!(
        text.contains("canonical request:\nGET\n/photos\n"),
        "{text}"
    );
    // a wrong secret, an unknown key, a time outside the window
    let output = verify(&signed_with("neither", &[]), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("SignatureDoesNotMatch"),
        "{}",
        stderr(&output)
    );
    let unknown = signed_with("new", &[]).replace("AKIDKEYS", "AKIDOTHER");
    let output = verify(&unknown, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("InvalidAccessKeyId"),
        "{}",
        stderr(&output)
    );
    let old = signed_with("new", &["--time", "2020-01-01T00:00:00Z"]);
    let output = verify(&old, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("RequestTimeTooSkewed"),
        "{}",
        stderr(&output)
    );
    let output = verify(&old, &["--time", "20200101T000100Z"]);
    assert!(output.status.success(), "{}", stderr(&output));
    // neither --secret nor --keys
    let output = countersign(home.path())
        .args(["verify", "-"])
        .write_stdin(RAW)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    // an unsigned request
    let output = countersign(home.path())
        .args(["verify", "--secret", "s", "-"])
        .write_stdin(RAW)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("AccessDenied: the request is not signed"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_time_values_are_usage_errors() {
    let home = tempfile::tempdir().unwrap();
    let output = countersign(home.path())
        .args([
            "sign",
            "--access-key",
            "A",
            "--secret-key",
            "s",
            "--service",
            "x",
            "--time",
            "yesterday",
            "-",
        ])
        .write_stdin(RAW)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("RFC 3339"), "{}", stderr(&output));
}

#[test]
fn sigv4a_sign_then_verify() {
    let home = tempfile::tempdir().unwrap();
    let sign = |extra: &[&str]| signed_raw(home.path(), "AKIDV4A", "v4a-secret", extra);
    let verify = |signed: &str, region: &str| {
        countersign(home.path())
            .args(["verify", "--secret", "v4a-secret", "--region", region, "-"])
            .write_stdin(signed)
            .output()
            .unwrap()
    };
    for extra in [&["--sigv4a", "us-*"][..], &["--sigv4a", "us-*", "--query"]] {
        let signed = sign(extra);
        assert!(signed.contains("AWS4-ECDSA-P256-SHA256"), "{signed}");
        let lower = signed.to_ascii_lowercase();
        assert!(
            lower.contains("x-amz-region-set:us-*") || lower.contains("x-amz-region-set=us-%2a"),
            "{signed}"
        );
        let output = verify(&signed, "us-east-1");
        assert!(output.status.success(), "{extra:?}: {}", stderr(&output));
        // -v shows the stages with the request's algorithm.
        let verbose = countersign(home.path())
            .args([
                "verify",
                "-v",
                "--secret",
                "v4a-secret",
                "--region",
                "us-east-1",
                "-",
            ])
            .write_stdin(signed.as_str())
            .output()
            .unwrap();
        let text = stdout(&verbose);
        assert!(
            text.contains("string to sign:\nAWS4-ECDSA-P256-SHA256\n"),
            "{extra:?}: {text}"
        );
        // A server outside the region set refuses it.
        let output = verify(&signed, "eu-west-1");
        assert_eq!(output.status.code(), Some(1), "{extra:?}");
        assert!(
            stderr(&output).contains("region set"),
            "{}",
            stderr(&output)
        );
    }
    // The canonical request is the same as SigV4's but for the region-less scope.
    let output = countersign(home.path())
        .args([
            "sign",
            "--access-key",
            "AKIDV4A",
            "--secret-key",
            "v4a-secret",
        ])
        .args([
            "--service",
            "execute-api",
            "--sigv4a",
            "*",
            "--print",
            "string-to-sign",
        ])
        .args(["--time", "20150830T123600Z", "-"])
        .write_stdin(RAW)
        .output()
        .unwrap();
    let text = stdout(&output);
    assert!(
        text.starts_with(
            "AWS4-ECDSA-P256-SHA256\n20150830T123600Z\n20150830/execute-api/aws4_request\n"
        ),
        "{text}"
    );
}

/// The long help of `verify --sigv4a`: from the flag's line to the next flag's.
fn verify_sigv4a_help(home: &Path) -> String {
    let output = countersign(home)
        .args(["verify", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let help = stdout(&output);
    let start = help
        .find("--sigv4a")
        .unwrap_or_else(|| panic!("no --sigv4a in {help}"));
    let rest = &help[start..];
    let end = rest[2..].find("\n  -").map_or(rest.len(), |at| at + 2);
    rest[..end].to_string()
}

/// `countersign verify` of `signed` with the V4a test secret and `extra` flags.
fn verify_v4a(home: &Path, signed: &str, extra: &[&str]) -> std::process::Output {
    countersign(home)
        .args(["verify", "--secret", "v4a-secret"])
        .args(extra)
        .arg("-")
        .write_stdin(signed)
        .output()
        .unwrap()
}

#[test]
fn verify_help_says_what_sigv4a_does_when_verifying() {
    let home = tempfile::tempdir().unwrap();
    let help = verify_sigv4a_help(home.path());
    assert!(!help.contains("Sign with SigV4a"), "{help}");
    assert!(
        help.contains("Expect a SigV4a signature (AWS4-ECDSA-P256-SHA256)"),
        "{help}"
    );
}

#[test]
fn verify_sigv4a_refuses_a_sigv4_signature() {
    let home = tempfile::tempdir().unwrap();
    let signed = signed_raw(home.path(), "AKIDV4A", "v4a-secret", &[]);
    let output = verify_v4a(home.path(), &signed, &["--sigv4a", "*"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stderr(&output)
            .contains("signed with AWS4-HMAC-SHA256, and --sigv4a expects AWS4-ECDSA-P256-SHA256"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn verify_sigv4a_refuses_another_region_set() {
    let home = tempfile::tempdir().unwrap();
    let signed = signed_raw(home.path(), "AKIDV4A", "v4a-secret", &["--sigv4a", "us-*"]);
    let output = verify_v4a(home.path(), &signed, &["--sigv4a", "eu-*"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stderr(&output).contains(
            "the request's region set (X-Amz-Region-Set) is us-*, and --sigv4a expects eu-*"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn verify_sigv4a_accepts_its_region_set_in_any_order() {
    let home = tempfile::tempdir().unwrap();
    let signed = signed_raw(
        home.path(),
        "AKIDV4A",
        "v4a-secret",
        &["--sigv4a", "us-east-1,eu-west-1"],
    );
    let output = verify_v4a(home.path(), &signed, &["--sigv4a", "eu-west-1, us-east-1"]);
    assert!(output.status.success(), "{}", stderr(&output));
}
