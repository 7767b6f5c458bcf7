//! `countersign request URL`: sign and send a request, print the response.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use clap::{Args, ValueEnum};
use countersign_client::{
    ChunkedEncoder, Credentials, Framing, Payload, SendBody, SendError, Signed, Signer, Signing,
    SigningLayer, DEFAULT_HASH_LIMIT,
};
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH};
use http::Uri;
use http_body::Body;
use http_body_util::{BodyExt, Full};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use time::OffsetDateTime;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use tower_layer::Layer;
use tower_service::Service;

use crate::commands::{read_input, write_stdout};
use crate::credentials::{self, CredentialArgs};
use crate::endpoint;
use crate::error::{io_reason, CliError, Kind, Result};
use crate::explain::{self, ClientSide};
use crate::http::{self as client, HttpArgs, OutBody};
use crate::rejection::Rejection;
use crate::signature_check::SignatureCheck;
use crate::signing::RulesArgs;

/// How an upload from disk (`-T`) is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PayloadMode {
    /// The file's SHA-256 is signed (the file is read twice). The default but for S3.
    Signed,
    /// UNSIGNED-PAYLOAD: the body is not covered by the signature.
    Unsigned,
    /// aws-chunked with a signature on every chunk (S3 only). The default for S3.
    Chunked,
}

/// What to send and how to sign it: shared by `request` and `explain`.
#[derive(Debug, Clone, Args)]
pub(crate) struct SendArgs {
    /// The method (default: GET, or POST with -d, PUT with -T).
    #[arg(short = 'X', long = "method", value_name = "METHOD")]
    pub(crate) method: Option<String>,

    /// A header to send and sign, `Name: value` (repeat for more).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,

    /// The body: the text itself, @FILE for a file's bytes, or @- for standard input.
    #[arg(
        short = 'd',
        long = "data",
        value_name = "DATA",
        conflicts_with = "upload_file"
    )]
    pub(crate) data: Option<String>,

    /// Upload this file, streamed from disk (see --payload).
    #[arg(short = 'T', long = "upload-file", value_name = "FILE")]
    pub(crate) upload_file: Option<PathBuf>,

    /// The region of the credential scope (default: inferred from an AWS host, else
    /// AWS_REGION, AWS_DEFAULT_REGION, the profile's region, or us-east-1).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,

    /// The service of the credential scope (default: inferred from an AWS host).
    #[arg(long, value_name = "SERVICE")]
    pub(crate) service: Option<String>,

    /// How a -T upload is signed: chunked (aws-chunked, each chunk signed; the default for
    /// S3), unsigned (UNSIGNED-PAYLOAD) or signed (the file's SHA-256; the default otherwise).
    #[arg(long, value_enum, value_name = "HOW")]
    pub(crate) payload: Option<PayloadMode>,

    /// The chunk size of an aws-chunked upload, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024)]
    pub(crate) chunk_size: usize,

    /// Sign as of this time instead of now, RFC 3339 or 20150830T123600Z (to test a server's
    /// clock-skew window).
    #[arg(long, value_name = "TIME", value_parser = crate::timestamp::parse)]
    pub(crate) time: Option<OffsetDateTime>,

    #[command(flatten)]
    pub(crate) rules: RulesArgs,

    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
}

/// Sign and send a request; print the response body.
#[derive(Debug, Args)]
#[command(
    long_about = "Sign URL's request with SigV4 (Authorization header), send it over \
HTTP or HTTPS and print the response body on standard output (with -i, the status line and \
headers first). An HTTP error status exits 1 after printing the body, with the AWS error code \
and message on standard error; when the server echoes its canonical request (S3's \
SignatureDoesNotMatch, countersign's --debug-errors), the cause is explained as \
`countersign explain` would.\n\n\
A request with no body or a body in memory (-d) is sent by countersign-client's signing \
sender: retried in AWS's standard mode (throttling errors and 5xx, three attempts in all, \
each signed again), and sent once more with the clock corrected when the server answers \
RequestTimeTooSkewed (never with --time, which signs at that time as it is).\n\n\
Uploads (-T FILE) stream from disk: for S3 as aws-chunked signed chunks (--payload chunked, \
the default) or UNSIGNED-PAYLOAD (--payload unsigned); elsewhere the file's SHA-256 is signed. \
An upload is sent once, not retried. A progress bar is drawn on a terminal, never when \
standard error is piped.\n\n\
Examples:\n  countersign request https://sts.amazonaws.com/?Action=GetCallerIdentity\\&Version=2011-06-15\n  \
countersign request --service s3 -T big.iso http://127.0.0.1:9000/bucket/big.iso\n  \
countersign request -X POST -H 'Content-Type: application/json' -d '{\"name\":\"w\"}' --service execute-api http://127.0.0.1:8080/items"
)]
pub(crate) struct RequestArgs {
    /// The URL (http:// or https://).
    #[arg(value_name = "URL")]
    pub(crate) url: String,

    #[command(flatten)]
    pub(crate) send: SendArgs,

    /// Print the response's status line and headers before its body.
    #[arg(short = 'i', long)]
    pub(crate) include: bool,

    /// Print the canonical request, string to sign and signed headers on standard error.
    #[arg(short = 'v', long)]
    pub(crate) verbose: bool,

    /// Never draw a progress bar.
    #[arg(long)]
    pub(crate) no_progress: bool,

    #[command(flatten)]
    pub(crate) http: HttpArgs,
}

/// Where the body comes from.
#[derive(Debug, Clone)]
pub(crate) enum BodySource {
    /// No body.
    Empty,
    /// Bytes in memory (`-d`).
    Bytes(Vec<u8>),
    /// A file streamed from disk (`-T`), of this length.
    File(PathBuf, u64),
}

/// A request ready to be signed.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// Method, URI and the user's headers.
    pub(crate) request: http::Request<()>,
    /// The body.
    pub(crate) body: BodySource,
    /// The scope's region.
    pub(crate) region: String,
    /// The scope's service.
    pub(crate) service: String,
    /// Whether S3's rules apply.
    pub(crate) s3: bool,
}

/// Parses and checks a URL.
pub(crate) fn parse_url(url: &str) -> Result<Uri> {
    let uri: Uri = url
        .parse()
        .map_err(|e| CliError::new(Kind::Url, format!("bad URL {url:?}: {e}")))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => {
            return Err(CliError::new(
                Kind::Url,
                format!("bad URL {url:?}: the scheme {other} is neither http nor https"),
            ))
        }
        None => {
            return Err(CliError::new(
                Kind::Url,
                format!("bad URL {url:?}: it needs http:// or https:// and a host"),
            ))
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(CliError::new(
            Kind::Url,
            format!("bad URL {url:?}: no host"),
        ));
    }
    Ok(uri)
}

/// Parses `Name: value`.
pub(crate) fn parse_header(line: &str) -> Result<(HeaderName, HeaderValue)> {
    let (name, value) = line.split_once(':').ok_or_else(|| {
        CliError::usage(format!("-H {line:?}: a header is written `Name: value`"))
    })?;
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
        CliError::usage(format!(
            "-H {line:?}: {:?} is not a header name",
            name.trim()
        ))
    })?;
    let value = HeaderValue::from_str(value.trim()).map_err(|_| {
        CliError::usage(format!(
            "-H {line:?}: the value is not a valid header value"
        ))
    })?;
    Ok((name, value))
}

/// Builds the unsigned request from the flags.
pub(crate) fn prepare(send: &SendArgs, url: &str) -> Result<Prepared> {
    let uri = parse_url(url)?;
    let body = match (&send.data, &send.upload_file) {
        (Some(data), _) => match data.strip_prefix('@') {
            Some(path) => BodySource::Bytes(read_input(Path::new(path))?),
            None => BodySource::Bytes(data.as_bytes().to_vec()),
        },
        (None, Some(path)) => {
            let metadata = std::fs::metadata(path).map_err(|e| CliError::read(path, &e))?;
            if !metadata.is_file() {
                return Err(CliError::input(format!("{} is not a file", path.display())));
            }
            BodySource::File(path.clone(), metadata.len())
        }
        (None, None) => BodySource::Empty,
    };
    let method = match (&send.method, &body) {
        (Some(m), _) => m.to_ascii_uppercase(),
        (None, BodySource::Bytes(_)) => "POST".into(),
        (None, BodySource::File(..)) => "PUT".into(),
        (None, BodySource::Empty) => "GET".into(),
    };
    let method = http::Method::from_bytes(method.as_bytes())
        .map_err(|_| CliError::usage(format!("-X {method:?} is not a method")))?;
    let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
    let (region, service) = endpoint::resolve_scope(
        &authority,
        send.region.as_deref(),
        send.service.as_deref(),
        &send.credentials,
    )?;
    let mut request = http::Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    for line in &send.headers {
        let (name, value) = parse_header(line)?;
        request.headers_mut().append(name, value);
    }
    Ok(Prepared {
        s3: send.rules.is_s3(&service),
        request,
        body,
        region,
        service,
    })
}

/// A signed request and how to produce its body.
#[derive(Debug)]
pub(crate) struct SignedRequest {
    /// The request with its signature headers.
    pub(crate) request: http::Request<()>,
    /// The signing stages.
    pub(crate) signed: Signed,
    /// The aws-chunked encoder of a chunked upload.
    pub(crate) encoder: Option<ChunkedEncoder>,
}

/// Signs a prepared request as of `time`.
pub(crate) fn sign(
    prepared: &Prepared,
    send: &SendArgs,
    credentials: Credentials,
    time: OffsetDateTime,
) -> Result<SignedRequest> {
    let mut signer = Signer::new(credentials, &prepared.region, &prepared.service);
    if prepared.s3 {
        signer = signer.s3();
    }
    let signer = send
        .rules
        .algorithm(signer.settings(send.rules.settings(&prepared.service)));
    let framing = match send.rules.sigv4a {
        Some(_) => Framing::EcdsaSigned,
        None => Framing::Signed,
    };
    let mut request = http::Request::new(());
    *request.method_mut() = prepared.request.method().clone();
    *request.uri_mut() = prepared.request.uri().clone();
    *request.headers_mut() = prepared.request.headers().clone();
    let failed = |e: countersign_client::Error| CliError::usage(format!("cannot sign: {e}"));
    let mut encoder = None;
    let signed = match &prepared.body {
        BodySource::Empty => signer.sign(&mut request, Payload::Empty, time),
        BodySource::Bytes(bytes) => signer.sign(&mut request, Payload::Bytes(bytes), time),
        BodySource::File(path, length) => {
            let mode = send.payload.unwrap_or(if prepared.s3 {
                PayloadMode::Chunked
            } else {
                PayloadMode::Signed
            });
            match mode {
                PayloadMode::Chunked => {
                    let chunked = signer
                        .sign_chunked(&mut request, framing, *length, send.chunk_size, None, time)
                        .map_err(failed)?;
                    let signed = signed_stages(&signer, &request, framing, time)?;
                    encoder = Some(chunked);
                    Ok(signed)
                }
                PayloadMode::Unsigned => {
                    request
                        .headers_mut()
                        .insert(CONTENT_LENGTH, HeaderValue::from(*length));
                    signer.sign(&mut request, Payload::Unsigned, time)
                }
                PayloadMode::Signed => {
                    let hash = hash_file(path)?;
                    request
                        .headers_mut()
                        .insert(CONTENT_LENGTH, HeaderValue::from(*length));
                    signer.sign(&mut request, Payload::Precomputed(&hash), time)
                }
            }
        }
    }
    .map_err(failed)?;
    Ok(SignedRequest {
        request,
        signed,
        encoder,
    })
}

/// The stages of an aws-chunked request already signed by `sign_chunked` (which returns
/// only the encoder): signing the same headers again at the same time gives the same
/// signature and, this time, the stages.
fn signed_stages(
    signer: &Signer,
    request: &http::Request<()>,
    framing: Framing,
    time: OffsetDateTime,
) -> Result<Signed> {
    let mut copy = http::Request::new(());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    let marker = framing.marker();
    signer
        .sign(&mut copy, Payload::Precomputed(marker), time)
        .map_err(|e| CliError::usage(format!("cannot sign: {e}")))
}

/// The SHA-256 of a file, read in pieces (through the core's checksum hasher, so the file
/// is never all in memory).
fn hash_file(path: &Path) -> Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| CliError::read(path, &e))?;
    let mut hasher = countersign_client::ChecksumAlgorithm::Sha256.hasher();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| CliError::read(path, &e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// What the client signed, for `explain`: the stages of `signed`, and the headers of
/// `request` (the user's, or the request as signed) with those the signature added.
pub(crate) fn client_side(signed: &Signed, request: &http::Request<()>) -> ClientSide {
    let signed_headers: Vec<String> = signed
        .signed_headers
        .split(';')
        .map(str::to_string)
        .collect();
    let mut header_names: Vec<String> = request
        .headers()
        .keys()
        .map(|k| k.as_str().to_string())
        .chain(signed_headers.iter().cloned())
        .chain(["authorization".to_string()])
        .collect();
    header_names.sort();
    header_names.dedup();
    ClientSide {
        canonical_request: signed.canonical_request.clone(),
        string_to_sign: Some(signed.string_to_sign.clone()),
        signed_headers,
        header_names,
        time: Some(signed.time),
        signature: SignatureCheck::SignedHere,
    }
}

/// A progress bar on a terminal, a hidden one otherwise.
fn progress(length: u64, hidden: bool) -> ProgressBar {
    if hidden || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:32} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// Streams `path` into the channel: raw, or framed by `encoder`.
async fn pump(
    path: PathBuf,
    length: u64,
    mut encoder: Option<ChunkedEncoder>,
    sender: mpsc::Sender<std::io::Result<Bytes>>,
    bar: ProgressBar,
) {
    let fail = |why: String| std::io::Error::other(why);
    let mut file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) => {
            let _ = sender
                .send(Err(fail(format!(
                    "cannot read {}: {}",
                    path.display(),
                    io_reason(&e)
                ))))
                .await;
            return;
        }
    };
    let piece = encoder
        .as_ref()
        .map_or(256 * 1024, ChunkedEncoder::chunk_size);
    let mut buffer = vec![0u8; piece];
    let mut sent = 0u64;
    loop {
        // fill the buffer: a chunk must have exactly the signed size but the last
        let mut filled = 0;
        while filled < buffer.len() {
            match file.read(&mut buffer[filled..]).await {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) => {
                    let _ = sender
                        .send(Err(fail(format!(
                            "reading {} failed: {}",
                            path.display(),
                            io_reason(&e)
                        ))))
                        .await;
                    return;
                }
            }
        }
        if filled == 0 {
            break;
        }
        sent += filled as u64;
        if sent > length {
            let _ = sender
                .send(Err(fail(format!(
                    "{} grew while it was uploaded",
                    path.display()
                ))))
                .await;
            return;
        }
        let data = &buffer[..filled];
        let frame = match &mut encoder {
            Some(e) => Bytes::from(e.chunk(data)),
            None => Bytes::copy_from_slice(data),
        };
        if sender.send(Ok(frame)).await.is_err() {
            return;
        }
        bar.inc(filled as u64);
    }
    if sent < length {
        let _ = sender
            .send(Err(fail(format!(
                "{} shrank while it was uploaded",
                path.display()
            ))))
            .await;
        return;
    }
    if let Some(e) = &mut encoder {
        let _ = sender.send(Ok(Bytes::from(e.finish()))).await;
    }
    bar.finish_and_clear();
}

/// Prints the stages of a signature and the request line on standard error.
fn print_stages(signed: &Signed, method: &http::Method, uri: &Uri) {
    eprint!(
        "* canonical request:\n{}\n* string to sign:\n{}\n* signed headers: {}\n\
         * signature: {}\n> {method} {uri}\n",
        signed.canonical_request,
        signed.string_to_sign,
        signed.signed_headers,
        signed.signature_hex()
    );
}

/// The codes of refused signatures, which `explain` knows about.
fn is_auth_code(code: &str) -> bool {
    matches!(
        code,
        "SignatureDoesNotMatch"
            | "RequestTimeTooSkewed"
            | "AuthorizationHeaderMalformed"
            | "AuthorizationQueryParametersError"
            | "AccessDenied"
            | "InvalidAccessKeyId"
            | "XAmzContentSHA256Mismatch"
            | "InvalidSignatureException"
            | "IncompleteSignatureException"
    )
}

/// Runs `countersign request`.
pub(crate) fn run(args: RequestArgs) -> Result<()> {
    let prepared = prepare(&args.send, &args.url)?;
    let credentials = credentials::resolve(&args.send.credentials)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(Kind::Network, format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        match &prepared.body {
            BodySource::File(..) => upload(&args, &prepared, credentials).await,
            BodySource::Empty | BodySource::Bytes(_) => {
                through_signing_layer(&args, &prepared, credentials).await
            }
        }
    })
}

/// How the client's senders sign for these flags: the scope, S3's rules or the others' (and
/// the canonicalization flags), SigV4a, and `--time` (then the clock is not corrected, so
/// that a server's skew window can be tested).
fn signing(send: &SendArgs, prepared: &Prepared, credentials: Credentials) -> Signing {
    let mut signing = Signing::new(credentials, &prepared.region, &prepared.service);
    if prepared.s3 {
        signing = signing.s3();
    }
    signing = signing.settings(send.rules.settings(&prepared.service));
    if let Some(set) = &send.rules.sigv4a {
        signing = signing.sigv4a(set.clone());
    }
    match send.time {
        Some(time) => signing.clock(move || time).correct_clock_skew(false),
        None => signing,
    }
}

/// Sends a request with a body in memory (or none) through the client's `SigningLayer`:
/// signed with the body's SHA-256, retried in AWS's standard mode, and sent again with the
/// clock corrected if the server answers `RequestTimeTooSkewed`. Each attempt's signature
/// is printed with `-v`; the last explains a refusal.
async fn through_signing_layer(
    args: &RequestArgs,
    prepared: &Prepared,
    credentials: Credentials,
) -> Result<()> {
    let last: Arc<Mutex<Option<Signed>>> = Arc::default();
    let kept = Arc::clone(&last);
    let verbose = args.verbose;
    let (method, uri) = (
        prepared.request.method().clone(),
        prepared.request.uri().clone(),
    );
    let signing = signing(&args.send, prepared, credentials).on_signed(move |signed| {
        if verbose {
            print_stages(signed, &method, &uri);
        }
        *kept.lock().unwrap_or_else(|p| p.into_inner()) = Some(signed.clone());
    });
    let body = match &prepared.body {
        BodySource::Bytes(bytes) => Bytes::from(bytes.clone()),
        BodySource::Empty | BodySource::File(..) => Bytes::new(),
    };
    // A body in memory is hashed and signed whatever its size: it is all here already.
    let layer = SigningLayer::new(signing).hash_limit(body.len().max(DEFAULT_HASH_LIMIT));
    let mut service = layer.layer(client::client::<SendBody<Full<Bytes>>>(&args.http)?);
    let mut request = http::Request::new(Full::new(body));
    *request.method_mut() = prepared.request.method().clone();
    *request.uri_mut() = prepared.request.uri().clone();
    *request.headers_mut() = prepared.request.headers().clone();
    let authority = authority(prepared);
    let exchange = async {
        std::future::poll_fn(|cx| service.poll_ready(cx))
            .await
            .map_err(|e| send_error(&authority, e))?;
        service
            .call(request)
            .await
            .map_err(|e| send_error(&authority, e))
    };
    let response = client::within_limit(&args.http, &authority, exchange).await?;
    let signed = last.lock().unwrap_or_else(|p| p.into_inner()).take();
    let client_side = signed.map(|signed| client_side(&signed, &prepared.request));
    respond(args, response, client_side.as_ref()).await
}

/// The host (and port) a request goes to, for messages.
fn authority(prepared: &Prepared) -> String {
    prepared
        .request
        .uri()
        .authority()
        .map(|a| a.to_string())
        .unwrap_or_default()
}

/// A sender's error, in the command's terms.
fn send_error(authority: &str, error: SendError) -> CliError {
    match error {
        SendError::Credentials(e) => CliError::new(Kind::Credentials, e.to_string()),
        SendError::Signing(e) => CliError::usage(format!("cannot sign: {e}")),
        SendError::Transport(e) => {
            let connect = e
                .downcast_ref::<hyper_util::client::legacy::Error>()
                .is_some_and(hyper_util::client::legacy::Error::is_connect);
            let what = match connect {
                true => format!("cannot connect to {authority}"),
                false => format!("the exchange with {authority} failed"),
            };
            CliError::new(
                Kind::Network,
                format!("{what}: {}", client::chain(e.as_ref())),
            )
        }
        other => CliError::new(Kind::Network, other.to_string()),
    }
}

/// Uploads a file from disk: signed here (aws-chunked, `UNSIGNED-PAYLOAD` or the file's
/// SHA-256, by `--payload`) and streamed as it is read, once: a body read from disk as it
/// goes cannot be sent again, so it is not retried (as the `SigningLayer` never retries a
/// stream).
async fn upload(args: &RequestArgs, prepared: &Prepared, credentials: Credentials) -> Result<()> {
    let time = args.send.time.unwrap_or_else(OffsetDateTime::now_utc);
    let mut signed = sign(prepared, &args.send, credentials, time)?;
    if args.verbose {
        print_stages(
            &signed.signed,
            signed.request.method(),
            signed.request.uri(),
        );
    }
    let BodySource::File(path, length) = &prepared.body else {
        return Err(CliError::usage("an upload needs a file (-T)"));
    };
    let (sender, receiver) = mpsc::channel(4);
    let encoder = signed.encoder.take();
    let encoded = match &encoder {
        Some(_) => signed
            .request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(*length),
        None => *length,
    };
    let bar = progress(*length, args.no_progress);
    tokio::spawn(pump(path.clone(), *length, encoder, sender, bar));
    let body = OutBody {
        receiver,
        remaining: encoded,
    };
    let (parts, ()) = signed.request.clone().into_parts();
    let response = client::send(http::Request::from_parts(parts, body), &args.http).await?;
    let client_side = client_side(&signed.signed, &signed.request);
    respond(args, response, Some(&client_side)).await
}

/// Prints the response (its head with `-i`); an error status is an error, explained when
/// the server's answer tells of the signature.
async fn respond<B>(
    args: &RequestArgs,
    response: http::Response<B>,
    client_side: Option<&ClientSide>,
) -> Result<()>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
    let status = response.status();
    let (parts, mut incoming) = response.into_parts();
    if args.include {
        let mut head = format!("{:?} {}\n", parts.version, status);
        for (name, value) in &parts.headers {
            head.push_str(&format!(
                "{}: {}\n",
                name,
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        head.push('\n');
        write_stdout(head.as_bytes())?;
    }
    if status.is_client_error() || status.is_server_error() {
        let body = client::read_body(incoming).await?;
        write_stdout(&body)?;
        let text = String::from_utf8_lossy(&body);
        let rejection = Rejection::parse(&text);
        let mut message = format!("HTTP {status}");
        if let Some(r) = &rejection {
            if let Some(code) = &r.code {
                message.push_str(&format!(": {code}"));
            }
            if let Some(m) = &r.message {
                message.push_str(&format!(": {m}"));
            }
            if r.canonical_request.is_some() || r.code.as_deref().is_some_and(is_auth_code) {
                // The causes follow the status line, each on its own line.
                let explanation = explain::explain(r, client_side);
                for cause in &explanation.causes {
                    message.push_str(&format!("\ncountersign: cause: {cause}"));
                }
                if let (true, Some(diff)) = (args.verbose, &explanation.diff) {
                    message.push('\n');
                    message.push_str(diff.trim_end());
                }
            }
        }
        return Err(CliError::refused(message));
    }
    while let Some(frame) = incoming.frame().await {
        let frame = frame.map_err(|e| {
            CliError::new(
                Kind::Network,
                format!("reading the response failed: {}", client::chain(&e)),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            write_stdout(&data)?;
        }
    }
    Ok(())
}
