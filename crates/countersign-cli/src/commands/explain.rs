//! `countersign explain`: why did the server refuse my request?

use std::path::PathBuf;

use clap::Args;
use countersign_client::SessionTokenMode;
use countersign_core::{sha256_hex, AmzDate, AuthKind, AuthParams, Verifier, UNSIGNED_PAYLOAD};
use time::OffsetDateTime;

use crate::commands::request::{self, SendArgs};
use crate::commands::{read_input, write_stdout};
use crate::credentials;
use crate::endpoint;
use crate::error::{CliError, Result};
use crate::explain::{explain, ClientSide};
use crate::raw_request::RawRequest;
use crate::rejection::Rejection;
use crate::signature_check::{self, SignatureCheck};
use crate::signing::Plan;

/// Explain a server's refusal of a signed request.
#[derive(Debug, Args)]
#[command(long_about = "Explain why a server refused a SigV4 request.\n\n\
Give the server's error body with --rejection FILE (default: standard input): S3's XML error \
(with CanonicalRequest and StringToSign, as S3 sends them for SignatureDoesNotMatch) or the \
JSON body of the countersign layer (with its debug details, --debug-errors in the examples). \
Give the request that was sent either as a raw request file (--request FILE, signed or not: an \
unsigned one is signed here at the server's time) or with the same flags and URL as \
`countersign request`.\n\n\
The client's canonical request is diffed against the server's, line by line, and the cause is \
named: a path encoded differently (S3 encodes once, the other services twice), a header changed \
after signing, a header not signed, a query parameter changed, the payload hash, the clock skew \
in seconds, a wrong region or service, an unknown key, or a secret that differs.\n\n\
A signed request's own signature is compared as well, with the secret of the credentials given \
(flags, environment or profile). If it is the signature of the canonical request the rules \
build, the client signed correctly and the refusal comes from the server's side. If it is the \
signature of a canonical request built otherwise (the query unsorted or encoded otherwise, the \
path encoded or normalized otherwise, header values not trimmed, another payload hash), the \
secret is right and the line that differs is named, with the client bug when it is a known one \
(curl's --aws-sigv4 before 8.3.0 does not sort the query). Only when neither matches is the \
secret said to be wrong.\n\n\
Examples:\n  countersign request --service s3 http://127.0.0.1:9000/b/k 2> /dev/null > error.xml; \
countersign explain --rejection error.xml --service s3 http://127.0.0.1:9000/b/k\n  \
countersign explain --rejection error.json --request sent.txt")]
pub(crate) struct ExplainArgs {
    /// The server's error body (- for standard input).
    #[arg(long, short = 'r', value_name = "FILE", default_value = "-")]
    pub(crate) rejection: PathBuf,

    /// The raw request that was sent (the request.txt format), signed or not.
    #[arg(long, value_name = "FILE", conflicts_with = "url")]
    pub(crate) request: Option<PathBuf>,

    /// The URL of the request, when it is given with the flags of `countersign request`.
    #[arg(value_name = "URL", required_unless_present = "request")]
    pub(crate) url: Option<String>,

    #[command(flatten)]
    pub(crate) send: SendArgs,
}

/// The time the server read, from the second line of its string to sign.
fn server_signing_time(rejection: &Rejection) -> Option<OffsetDateTime> {
    let sts = rejection.string_to_sign.as_deref()?;
    AmzDate::parse(sts.split('\n').nth(1)?.trim()).map(|d| d.as_offset())
}

/// What the client signed, from a signed raw request: the canonical request the rules
/// build for it, and (when the secret is known) what its signature was made over.
fn from_signed(request: &RawRequest, send: &SendArgs) -> Result<Option<ClientSide>> {
    let headers = request.raw_headers();
    let view = request.view(&headers);
    let auth = match AuthParams::from_request(&view) {
        Ok(auth) => auth,
        Err(countersign_core::Error::MissingAuthentication) => return Ok(None),
        Err(e) => {
            return Err(CliError::input(format!(
                "the request's signature cannot be read: {}: {e}",
                e.code()
            )))
        }
    };
    let service = auth.credential.scope().service.to_string();
    let settings = send.rules.settings(&service);
    let query = matches!(auth.kind, AuthKind::Query { .. });
    let payload = match request.header("x-amz-content-sha256") {
        Some(declared) => declared.to_string(),
        None if query && send.rules.is_s3(&service) => UNSIGNED_PAYLOAD.to_string(),
        None => sha256_hex(&request.body),
    };
    let (canonical_request, string_to_sign) =
        Verifier::new(settings).stages(&view, &auth, &payload);
    let signature = match credentials::resolve(&send.credentials) {
        Ok(credentials) => {
            match signature_check::check(request, &auth, settings, &canonical_request, &credentials)
            {
                Ok(check) => SignatureCheck::Checked(check),
                Err(why) => SignatureCheck::Unchecked(why),
            }
        }
        Err(e) => SignatureCheck::Unchecked(e.message),
    };
    Ok(Some(ClientSide {
        canonical_request,
        string_to_sign: Some(string_to_sign),
        signed_headers: auth.signed_headers.iter().map(str::to_string).collect(),
        header_names: request
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect(),
        time: Some(auth.date),
        signature,
    }))
}

/// What the client signs for an unsigned raw request, at `time`.
fn from_unsigned(
    request: &RawRequest,
    send: &SendArgs,
    time: OffsetDateTime,
) -> Result<ClientSide> {
    let mut request = request.clone();
    let host = request.header("host").unwrap_or_default().to_string();
    let (region, service) = endpoint::resolve_scope(
        &host,
        send.region.as_deref(),
        send.service.as_deref(),
        &send.credentials,
    )?;
    let plan = Plan {
        credentials: credentials::resolve(&send.credentials)?,
        settings: send.rules.settings(&service),
        content_sha256_header: send.rules.is_s3(&service),
        token_mode: SessionTokenMode::Signed,
        unsigned_payload: false,
        time,
        region_set: send.rules.sigv4a.clone(),
        region,
        service,
    };
    let stages = plan.sign_header(&mut request)?;
    Ok(ClientSide {
        canonical_request: stages.canonical_request,
        string_to_sign: Some(stages.string_to_sign),
        signed_headers: stages
            .signed_headers
            .split(';')
            .map(str::to_string)
            .collect(),
        header_names: request
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect(),
        time: Some(AmzDate::from(time)),
        signature: SignatureCheck::SignedHere,
    })
}

/// Runs `countersign explain`.
pub(crate) fn run(args: ExplainArgs) -> Result<()> {
    if args.rejection.as_os_str() == "-"
        && args.request.as_deref() == Some(std::path::Path::new("-"))
    {
        return Err(CliError::usage(
            "the rejection and the request cannot both come from standard input",
        ));
    }
    let body = read_input(&args.rejection)?;
    let text = String::from_utf8_lossy(&body);
    let rejection = Rejection::parse(&text).ok_or_else(|| {
        CliError::input(format!(
            "{}: not a server error body (S3 XML <Error> or a JSON object with a code or message)",
            args.rejection.display()
        ))
    })?;
    let time = server_signing_time(&rejection)
        .or(args.send.time)
        .unwrap_or_else(OffsetDateTime::now_utc);
    let client = match (&args.request, &args.url) {
        (Some(path), _) => {
            let raw = RawRequest::parse(&read_input(path)?)
                .map_err(|e| CliError::input(format!("{}: {}", path.display(), e.message)))?;
            match from_signed(&raw, &args.send)? {
                Some(side) => side,
                None => from_unsigned(&raw, &args.send, time)?,
            }
        }
        (None, Some(url)) => {
            let prepared = request::prepare(&args.send, url)?;
            let credentials = credentials::resolve(&args.send.credentials)?;
            let signed = request::sign(&prepared, &args.send, credentials, time)?;
            request::client_side(&signed.signed, &signed.request)
        }
        (None, None) => return Err(CliError::usage("give the request: --request FILE or a URL")),
    };
    let explanation = explain(&rejection, Some(&client));
    write_stdout(explanation.render(&rejection).as_bytes())
}
