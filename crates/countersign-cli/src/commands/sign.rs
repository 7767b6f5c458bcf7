//! `countersign sign FILE`: a raw request in, the signed request (or one of its stages) out.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use countersign_client::SessionTokenMode;
use time::OffsetDateTime;

use crate::commands::{read_input, write_stdout};
use crate::credentials::{self, CredentialArgs};
use crate::endpoint;
use crate::error::{CliError, Result};
use crate::raw_request::RawRequest;
use crate::signing::{Plan, RulesArgs};

/// What `--print` shows instead of the signed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Stage {
    /// The canonical request.
    CanonicalRequest,
    /// The string to sign.
    StringToSign,
    /// The Authorization header value (with --query: the signature).
    Authorization,
    /// The signature alone.
    Signature,
    /// The signed request (the default).
    Request,
}

/// Sign a raw HTTP request read from a file and print the signed request.
#[derive(Debug, Args)]
#[command(
    long_about = "Sign a raw HTTP request read from FILE (or standard input with -) and \
print the signed request, or one of the signing stages with --print.\n\n\
The format is the one of the SigV4 test vectors' request.txt: a request line \
(GET /path?query HTTP/1.1), header lines (Name:value; a line starting with a space or a tab \
continues the previous value), a blank line, then the body. The request must have a Host header. \
The path and header values are signed as written, so requests that HTTP libraries refuse \
(a space in the path, a folded header) can be signed too.\n\n\
Header signing adds X-Amz-Date (and X-Amz-Security-Token with a session token, and \
x-amz-content-sha256 for S3 or with --sign-body) and Authorization; every header present is \
signed except those agents change (user-agent, expect, connection, ...). With --query the \
X-Amz-* parameters go in the query string instead (a presigned URL), valid for --expires \
seconds.\n\n\
Examples:\n  countersign sign --access-key AKID --secret-key S --region us-east-1 --service service \
--time 20150830T123600Z request.txt\n  countersign sign --query --expires 600 --print authorization request.txt"
)]
pub(crate) struct SignArgs {
    /// The raw request (- for standard input).
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,

    /// Print this stage instead of the signed request.
    #[arg(long, value_enum, value_name = "STAGE", default_value = "request")]
    pub(crate) print: Stage,

    /// Sign as of this time, RFC 3339 (2015-08-30T12:36:00Z) or 20150830T123600Z (default: now).
    #[arg(long, value_name = "TIME", value_parser = crate::timestamp::parse)]
    pub(crate) time: Option<OffsetDateTime>,

    /// Presign: put the signature in the query string instead of the Authorization header.
    #[arg(long)]
    pub(crate) query: bool,

    /// With --query: how long the URL is valid, in seconds (1 to 604800).
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub(crate) expires: u64,

    /// The region of the credential scope (default: inferred from an AWS host, else
    /// AWS_REGION, the profile's region, or us-east-1).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,

    /// The service of the credential scope (default: inferred from an AWS host).
    #[arg(long, value_name = "SERVICE")]
    pub(crate) service: Option<String>,

    /// Add and sign x-amz-content-sha256 (always done for S3).
    #[arg(long)]
    pub(crate) sign_body: bool,

    /// Sign UNSIGNED-PAYLOAD instead of the body's SHA-256.
    #[arg(long)]
    pub(crate) unsigned_payload: bool,

    /// Add the session token after signing, unsigned (for services that ask for it so).
    #[arg(long)]
    pub(crate) unsigned_session_token: bool,

    #[command(flatten)]
    pub(crate) rules: RulesArgs,

    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
}

/// Runs `countersign sign`.
pub(crate) fn run(args: SignArgs) -> Result<()> {
    let mut request = RawRequest::parse(&read_input(&args.file)?)
        .map_err(|e| CliError::input(format!("{}: {}", args.file.display(), e.message)))?;
    let host = request.header("host").unwrap_or_default().to_string();
    let (region, service) = endpoint::resolve_scope(
        &host,
        args.region.as_deref(),
        args.service.as_deref(),
        &args.credentials,
    )?;
    let plan = Plan {
        credentials: credentials::resolve(&args.credentials)?,
        settings: args.rules.settings(&service),
        content_sha256_header: args.sign_body || args.rules.is_s3(&service),
        token_mode: if args.unsigned_session_token {
            SessionTokenMode::AppendAfter
        } else {
            SessionTokenMode::Signed
        },
        unsigned_payload: args.unsigned_payload,
        time: args.time.unwrap_or_else(OffsetDateTime::now_utc),
        region_set: args.rules.sigv4a.clone(),
        region,
        service,
    };
    let signed = if args.query {
        plan.presign(&mut request, args.expires)?
    } else {
        plan.sign_header(&mut request)?
    };
    let text = match args.print {
        Stage::Request => return write_stdout(&request.render()),
        Stage::CanonicalRequest => signed.canonical_request,
        Stage::StringToSign => signed.string_to_sign,
        Stage::Authorization if !args.query => request
            .header("authorization")
            .unwrap_or_default()
            .to_string(),
        Stage::Authorization | Stage::Signature => signed.signature_hex(),
    };
    write_stdout(format!("{text}\n").as_bytes())
}
