//! Sign a request with the client, then verify it with the core, printing every stage.
//!
//! ```text
//! cargo run --example sign_verify
//! cargo run --example sign_verify -- PUT 'https://bucket.s3.amazonaws.com/my key.txt' 'file body'
//! ```
//!
//! With a URL on `*.s3.amazonaws.com` (or a service of `s3` in the host), S3's rules apply.

use countersign::client::{Credentials, Payload, Signer};
use countersign::core::{
    sha256_hex, AuthParams, Headers, Request, SecretKey, SigningSettings, Verifier,
};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let method = args.next().unwrap_or_else(|| "GET".to_string());
    let url = args.next().unwrap_or_else(|| {
        "https://example.amazonaws.com/photos/2024 trip/?size=large&page=2".to_string()
    });
    let body = args.next().unwrap_or_default().into_bytes();

    // A URI holds no raw space: encode the ones a person may type.
    let url = url.replace(' ', "%20");
    let s3 = url.contains(".s3.") || url.contains("//s3.");
    let (service, settings) = if s3 {
        ("s3", SigningSettings::s3())
    } else {
        ("execute-api", SigningSettings::standard())
    };

    let mut request = http::Request::builder()
        .method(method.as_str())
        .uri(url.as_str())
        .body(body.clone())?;
    let mut signer = Signer::new(Credentials::new(AKID, SECRET), "us-east-1", service);
    if s3 {
        signer = signer.s3();
    }
    let signed = signer.sign_now(&mut request, Payload::Bytes(&body))?;

    println!("== canonical request\n{}\n", signed.canonical_request);
    println!("== string to sign\n{}\n", signed.string_to_sign);
    println!("== signed request\n{} {}", request.method(), request.uri());
    for (name, value) in request.headers() {
        println!("{name}: {}", value.to_str().unwrap_or("<binary>"));
    }

    let view = Request::from_http(&request);
    let auth = AuthParams::from_request(&view)?;
    let payload_hash = match view.headers.first("x-amz-content-sha256") {
        Some(declared) => String::from_utf8_lossy(declared).into_owned(),
        None => sha256_hex(&body),
    };
    let verified = Verifier::new(settings)
        .regions(["us-east-1"])
        .services([service])
        .verify(
            &view,
            &auth,
            &SecretKey::new(SECRET),
            &payload_hash,
            time::OffsetDateTime::now_utc(),
        )?;
    println!(
        "\n== verified: access key {} scope {} at {}",
        verified.access_key_id, verified.scope, verified.time
    );
    Ok(())
}
