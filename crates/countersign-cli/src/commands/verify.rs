//! `countersign verify FILE`: check a signed raw request as the countersign layer would.

use std::path::PathBuf;

use clap::{ArgGroup, Args};
use countersign_core::{
    sha256_hex, AuthKind, AuthParams, Error, SecretKey, Verifier, ECDSA_ALGORITHM, UNSIGNED_PAYLOAD,
};
use serde_json::Value;
use time::OffsetDateTime;

use crate::commands::{read_input, write_stdout};
use crate::error::{CliError, Result};
use crate::key_file;
use crate::raw_request::RawRequest;
use crate::signing::RulesArgs;

/// Verify the signature of a signed raw HTTP request.
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("key").required(true).args(["secret", "keys"])),
    mut_arg("sigv4a", sigv4a_for_verifying),
    long_about = "Verify the SigV4 signature of a signed raw HTTP request read from FILE (or \
standard input with -), in the request.txt format of the test vectors, with the countersign \
core: the Authorization header or the presigned query, the scope's date, region and service, \
the clock skew (or the presign lifetime) at --time, the signed headers (host and every x-amz-* \
header), a declared x-amz-content-sha256 against the body, then the signature.\n\n\
On success it prints the access key id, the scope, the signing time and (with --keys) the \
principal, and exits 0. Otherwise it prints the AWS error code and the message (and for \
SignatureDoesNotMatch the canonical request and string to sign it computed) and exits 1.\n\n\
Examples:\n  countersign verify --secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY --time 20150830T123600Z signed.txt\n  \
countersign verify --keys keys.json --region us-east-1 signed.txt"
)]
pub(crate) struct VerifyArgs {
    /// The signed raw request (- for standard input).
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,

    /// The secret access key of the request's access key id.
    #[arg(long, value_name = "SECRET")]
    pub(crate) secret: Option<String>,

    /// A key file in the countersign layer's JSON format: {"keys": [{"access_key_id",
    /// "secret_access_key", "previous_secret_access_key", "principal"}]}.
    #[arg(long, value_name = "FILE")]
    pub(crate) keys: Option<PathBuf>,

    /// Verify as of this time, RFC 3339 or 20150830T123600Z (default: now).
    #[arg(long, value_name = "TIME", value_parser = crate::timestamp::parse)]
    pub(crate) time: Option<OffsetDateTime>,

    /// Accept only this region (repeat for more; default: any).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Vec<String>,

    /// Accept only this service (repeat for more; default: any).
    #[arg(long, value_name = "SERVICE")]
    pub(crate) service: Vec<String>,

    /// The largest clock skew accepted, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub(crate) max_skew: u32,

    /// Print the canonical request and string to sign even when the signature is valid.
    #[arg(short, long)]
    pub(crate) verbose: bool,

    #[command(flatten)]
    pub(crate) rules: RulesArgs,
}

/// `--sigv4a` as `verify` reads it (the other subcommands sign with it): its help.
fn sigv4a_for_verifying(arg: clap::Arg) -> clap::Arg {
    arg.help("Expect a SigV4a signature (AWS4-ECDSA-P256-SHA256) made for this region set")
        .long_help(SIGV4A_HELP)
        .help_heading("Verification")
}

/// What `--sigv4a` does when verifying.
const SIGV4A_HELP: &str = "Expect a SigV4a signature (AWS4-ECDSA-P256-SHA256) made for this \
region set, a comma list such as `*`, `us-*` or `us-east-1,eu-west-1` compared with the \
request's X-Amz-Region-Set in any order and letter case: a request signed with SigV4 \
(AWS4-HMAC-SHA256), or for another region set, is refused. Without it, either algorithm is \
verified. Either way, a SigV4a region set must include a --region, when one is given.";

/// Refuses a request that is not signed with SigV4a for `expected` (a comma list of
/// regions, compared as a set).
fn expect_sigv4a(auth: &AuthParams<'_>, expected: &str) -> Result<()> {
    let set = |list: &mut dyn Iterator<Item = &str>| {
        let mut regions: Vec<String> = list
            .map(|r| r.trim().to_ascii_lowercase())
            .filter(|r| !r.is_empty())
            .collect();
        regions.sort();
        regions.dedup();
        regions
    };
    let (Some(_), Some(region_set)) = (auth.signature.as_ecdsa(), &auth.region_set) else {
        return Err(CliError::refused(format!(
            "the request is signed with {}, and --sigv4a expects {ECDSA_ALGORITHM} for region set {expected}",
            auth.algorithm()
        )));
    };
    if set(&mut region_set.iter()) != set(&mut expected.split(',')) {
        return Err(CliError::refused(format!(
            "the request's region set (X-Amz-Region-Set) is {}, and --sigv4a expects {expected}",
            region_set.as_str().chars().take(200).collect::<String>()
        )));
    }
    Ok(())
}

fn refuse(error: &Error) -> CliError {
    CliError::refused(format!("{}: {error}", error.code()))
}

/// The payload hash the signature covers: a declared `x-amz-content-sha256` (checked
/// against the body when it is a hash), else `UNSIGNED-PAYLOAD` for a presigned S3 request,
/// else the body's SHA-256.
fn payload_hash(request: &RawRequest, presigned_s3: bool) -> std::result::Result<String, Error> {
    let computed = sha256_hex(&request.body);
    match request.header("x-amz-content-sha256") {
        Some(declared)
            if declared.len() == 64 && declared.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            if !declared.eq_ignore_ascii_case(&computed) {
                return Err(Error::ContentSha256Mismatch {
                    declared: declared.to_string(),
                    computed,
                });
            }
            Ok(declared.to_string())
        }
        Some(marker) => Ok(marker.to_string()),
        None if presigned_s3 => Ok(UNSIGNED_PAYLOAD.to_string()),
        None => Ok(computed),
    }
}

/// Runs `countersign verify`.
pub(crate) fn run(args: VerifyArgs) -> Result<()> {
    let request = RawRequest::parse(&read_input(&args.file)?)
        .map_err(|e| CliError::input(format!("{}: {}", args.file.display(), e.message)))?;
    let headers = request.raw_headers();
    let view = request.view(&headers);
    let auth = AuthParams::from_request(&view).map_err(|e| refuse(&e))?;
    if let Some(expected) = &args.rules.sigv4a {
        expect_sigv4a(&auth, expected)?;
    }
    let scope = auth.credential.scope();
    let settings = args.rules.settings(scope.service);
    let presigned_s3 =
        matches!(auth.kind, AuthKind::Query { .. }) && args.rules.is_s3(scope.service);
    let payload = payload_hash(&request, presigned_s3).map_err(|e| refuse(&e))?;

    let access_key_id = auth.credential.access_key_id().to_string();
    let (secrets, principal) = match (&args.secret, &args.keys) {
        (Some(secret), _) => (vec![secret.clone()], None),
        (None, Some(path)) => {
            let keys = key_file::load(path)?;
            match keys.into_iter().find(|k| k.access_key_id == access_key_id) {
                Some(key) => (key.secrets, Some(key.principal)),
                None => {
                    return Err(CliError::refused(format!(
                        "InvalidAccessKeyId: the key file {} has no access key id {access_key_id}",
                        path.display()
                    )))
                }
            }
        }
        (None, None) => return Err(CliError::usage("give --secret or --keys")),
    };
    let mut verifier =
        Verifier::new(settings).max_skew(time::Duration::seconds(args.max_skew.into()));
    if !args.region.is_empty() {
        verifier = verifier.regions(args.region.iter().map(String::as_str));
    }
    if !args.service.is_empty() {
        verifier = verifier.services(args.service.iter().map(String::as_str));
    }
    let now = args.time.unwrap_or_else(OffsetDateTime::now_utc);
    let mut first_error = None;
    let mut verified = None;
    for secret in &secrets {
        match verifier.verify(
            &view,
            &auth,
            &SecretKey::new(secret.as_str()),
            &payload,
            now,
        ) {
            Ok(v) => {
                verified = Some(v);
                break;
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let Some(verified) = verified else {
        let Some(error) = first_error else {
            return Err(CliError::usage("no secret to verify with"));
        };
        if let Some(mismatch) = error.mismatch() {
            write_stdout(
                format!(
                    "canonical request:\n{}\n\nstring to sign:\n{}\n",
                    mismatch.canonical_request, mismatch.string_to_sign
                )
                .as_bytes(),
            )?;
        }
        return Err(refuse(&error));
    };
    let mut out = format!(
        "valid: {}\nscope: {}\nsigned at: {}\n",
        verified.access_key_id, verified.scope, verified.time
    );
    match verified.kind {
        AuthKind::Header => out.push_str("signature: Authorization header\n"),
        AuthKind::Query { expires } => out.push_str(&format!(
            "signature: presigned query, valid for {expires} s\n"
        )),
    }
    if let Some(signed) = verified.session_token_signed {
        out.push_str(&format!(
            "session token: {}\n",
            if signed {
                "signed"
            } else {
                "appended after signing"
            }
        ));
    }
    if let Some(principal) = principal.filter(|p| !p.is_null()) {
        let text = match principal {
            Value::String(s) => s,
            other => other.to_string(),
        };
        out.push_str(&format!("principal: {text}\n"));
    }
    if args.verbose {
        let (creq, sts) = verifier.stages(&view, &auth, &payload);
        out.push_str(&format!(
            "\ncanonical request:\n{creq}\n\nstring to sign:\n{sts}\n"
        ));
    }
    write_stdout(out.as_bytes())
}
