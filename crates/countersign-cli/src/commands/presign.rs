//! `countersign presign [METHOD] URL`: a presigned URL, valid for `--expires` seconds.

use clap::Args;
use countersign_client::{Payload, Signer};
use time::OffsetDateTime;

use crate::commands::request::{parse_header, parse_url};
use crate::commands::write_stdout;
use crate::credentials::{self, CredentialArgs};
use crate::endpoint;
use crate::error::{CliError, Result};
use crate::signing::{check_expires, RulesArgs};

/// Print a presigned URL.
#[derive(Debug, Args)]
#[command(
    long_about = "Print a presigned URL for METHOD (default GET) on URL: the X-Amz-* \
query parameters carry the signature, so any HTTP client (curl, a browser) can use it until it \
expires. The lifetime is --expires seconds, from 1 to 604800 (7 days); AWS refuses longer ones \
and so does this command.\n\n\
For S3 the payload is UNSIGNED-PAYLOAD (the body of a presigned PUT is not signed); for other \
services, the hash of an empty body. Headers given with -H are signed: the client using the URL \
must send them with the same values.\n\n\
Examples:\n  countersign presign https://bucket.s3.eu-west-1.amazonaws.com/photo.jpg --expires 600\n  \
countersign presign PUT --service s3 http://127.0.0.1:9000/bucket/upload.bin"
)]
pub(crate) struct PresignArgs {
    /// [METHOD] URL: the method (default GET) and the URL to presign.
    #[arg(value_name = "[METHOD] URL", num_args = 1..=2, required = true)]
    pub(crate) target: Vec<String>,

    /// How long the URL is valid, in seconds (1 to 604800, 7 days).
    #[arg(long, short = 'e', value_name = "SECS", default_value_t = 3600)]
    pub(crate) expires: u64,

    /// A header to sign, `Name: value` (the user of the URL must send it).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,

    /// The region of the credential scope (default: inferred from an AWS host, else
    /// AWS_REGION, the profile's region, or us-east-1).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,

    /// The service of the credential scope (default: inferred from an AWS host).
    #[arg(long, value_name = "SERVICE")]
    pub(crate) service: Option<String>,

    /// Sign as of this time instead of now, RFC 3339 or 20150830T123600Z.
    #[arg(long, value_name = "TIME", value_parser = crate::timestamp::parse)]
    pub(crate) time: Option<OffsetDateTime>,

    /// Sign UNSIGNED-PAYLOAD for a service other than S3 too.
    #[arg(long)]
    pub(crate) unsigned_payload: bool,

    #[command(flatten)]
    pub(crate) rules: RulesArgs,

    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
}

/// Runs `countersign presign`.
pub(crate) fn run(args: PresignArgs) -> Result<()> {
    let (method, url) = match args.target.as_slice() {
        [url] => ("GET".to_string(), url),
        [method, url] => (method.to_ascii_uppercase(), url),
        _ => return Err(CliError::usage("give [METHOD] URL")),
    };
    check_expires(args.expires)?;
    let uri = parse_url(url)?;
    let method = http::Method::from_bytes(method.as_bytes())
        .map_err(|_| CliError::usage(format!("{method:?} is not a method")))?;
    let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
    let (region, service) = endpoint::resolve_scope(
        &authority,
        args.region.as_deref(),
        args.service.as_deref(),
        &args.credentials,
    )?;
    let credentials = credentials::resolve(&args.credentials)?;
    let s3 = args.rules.is_s3(&service);
    let signer = args.rules.algorithm(
        Signer::new(credentials, &region, &service).settings(args.rules.settings(&service)),
    );
    let mut request = http::Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    for line in &args.headers {
        let (name, value) = parse_header(line)?;
        request.headers_mut().append(name, value);
    }
    let payload = if s3 || args.unsigned_payload {
        Payload::Unsigned
    } else {
        Payload::Empty
    };
    let time = args.time.unwrap_or_else(OffsetDateTime::now_utc);
    signer
        .presign(&mut request, payload, args.expires, time)
        .map_err(|e| CliError::usage(format!("cannot presign: {e}")))?;
    write_stdout(format!("{}\n", request.uri()).as_bytes())
}
