//! SigV4a (`AWS4-ECDSA-P256-SHA256`) through the layer, in-process (tower `oneshot`) with a
//! fixed clock: header and presigned forms, region sets (`*`, lists, wildcards, one that
//! leaves the server's region out), the signed-header rule for `x-amz-region-set`, skew and
//! expiry, bodies, aws-chunked (unsigned chunks, and chunks signed with SigV4a); then botocore's CRT signers (`CrtSigV4AsymAuth`,
//! `CrtS3SigV4AsymAuth` and their presigning twins), which need `python3` with `botocore`
//! and `awscrt` (`pip install awscrt`): that test fails, never skips, when they are missing.

#![cfg(feature = "sigv4a")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use axum::body::Body;
use axum::routing::{get, put};
use axum::Router;
use countersign::client::{ChecksumAlgorithm, Credentials, Framing, Payload, Signer};
use countersign::server::keys::{KeyStore, MemoryKeyStore};
use countersign::server::{BodyError, SigV4Layer, Verified};
use http::{Request, StatusCode};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use tower::ServiceExt;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const NOW: OffsetDateTime = datetime!(2024-03-01 10:00:00 UTC);

async fn whoami(identity: Verified<String>) -> String {
    format!("{} {}", identity.principal, identity.region())
}

/// Reads the whole body; a body the layer refused while it streamed answers with the
/// [`BodyError`]'s status and code.
async fn upload(identity: Verified<String>, body: Body) -> (StatusCode, String) {
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => (
            StatusCode::OK,
            format!("{} {}", identity.principal, bytes.len()),
        ),
        Err(e) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(err) = source {
                if let Some(b) = err.downcast_ref::<BodyError>() {
                    return (b.status(), format!("{}: {b}", b.code()));
                }
                source = err.source();
            }
            (StatusCode::BAD_REQUEST, e.to_string())
        }
    }
}

fn store() -> MemoryKeyStore<String> {
    let store = MemoryKeyStore::new();
    store.insert(AKID, SECRET, "alice".to_string());
    store
}

fn router_at<K: KeyStore<Principal = String>>(layer: SigV4Layer<K>, now: OffsetDateTime) -> Router {
    Router::new()
        .route("/whoami", get(whoami))
        .route("/upload", put(upload))
        .layer(layer.clock(move || now))
}

fn app() -> Router {
    router_at(
        SigV4Layer::new(store())
            .regions(["us-east-1"])
            .services(["execute-api"]),
        NOW,
    )
}

fn signer(region_set: &str) -> Signer {
    Signer::new(Credentials::new(AKID, SECRET), "ignored", "execute-api").sigv4a(region_set)
}

fn get_request(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn signed(region_set: &str, time: OffsetDateTime) -> Request<Body> {
    let mut request = get_request("http://api.example.com/whoami");
    signer(region_set)
        .sign(&mut request, Payload::Empty, time)
        .unwrap();
    request
}

fn presigned(region_set: &str, expires: u64) -> Request<Body> {
    let mut request = get_request("http://api.example.com/whoami");
    signer(region_set)
        .presign(&mut request, Payload::Empty, expires, NOW)
        .unwrap();
    request
}

async fn status(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    // The S3 XML error body escapes quotes; the checks below read the plain text.
    let text = String::from_utf8_lossy(&body)
        .replace("&apos;", "'")
        .replace("&quot;", "\"");
    (status, text)
}

#[tokio::test]
async fn header_form_is_accepted_with_star_lists_and_wildcards() {
    let app = app();
    for set in [
        "*",
        "us-east-1",
        "us-east-1,eu-west-1",
        "eu-west-1, us-*",
        "*-east-1",
    ] {
        let (code, body) = status(&app, signed(set, NOW)).await;
        assert_eq!(code, StatusCode::OK, "{set}: {body}");
        assert_eq!(body, format!("alice {set}"));
    }
}

#[tokio::test]
async fn query_form_is_accepted_within_its_lifetime() {
    let app = app();
    for set in ["*", "us-east-1,ap-south-1"] {
        let (code, body) = status(&app, presigned(set, 300)).await;
        assert_eq!(code, StatusCode::OK, "{set}: {body}");
    }
    let later = router_at(SigV4Layer::new(store()), NOW + Duration::seconds(301));
    let (code, body) = status(&later, presigned("*", 300)).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("expired"), "{body}");
}

#[tokio::test]
async fn a_region_set_without_the_servers_region_is_refused_precisely() {
    let app = app();
    let (code, body) = status(&app, signed("eu-west-1,ap-*", NOW)).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("AuthorizationHeaderMalformed"), "{body}");
    assert!(
        body.contains("the region set 'eu-west-1,ap-*' (X-Amz-Region-Set) does not include this server's region; expecting a set that includes 'us-east-1'"),
        "{body}"
    );
    let (code, body) = status(&app, presigned("eu-*", 60)).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("AuthorizationQueryParametersError"), "{body}");
    assert!(
        body.contains("does not include this server's region"),
        "{body}"
    );
}

#[tokio::test]
async fn the_region_set_header_must_be_signed_and_untouched() {
    let app = app();
    // Widening the set after signing breaks the signature.
    let mut request = signed("us-east-1", NOW);
    request
        .headers_mut()
        .insert("x-amz-region-set", "*".parse().unwrap());
    let (code, body) = status(&app, request).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("SignatureDoesNotMatch"), "{body}");

    // Leaving it out of SignedHeaders is refused before any key is looked up.
    let mut request = signed("us-east-1", NOW);
    let authorization = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_string();
    let unsigned = authorization.replace(";x-amz-region-set", "");
    assert_ne!(unsigned, authorization);
    request
        .headers_mut()
        .insert("authorization", unsigned.parse().unwrap());
    let (code, body) = status(&app, request).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("x-amz-region-set"), "{body}");

    // And SigV4a without the header at all is malformed.
    let mut request = signed("us-east-1", NOW);
    request.headers_mut().remove("x-amz-region-set");
    let (code, body) = status(&app, request).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("X-Amz-Region-Set"), "{body}");
}

#[tokio::test]
async fn skew_wrong_secrets_and_mixed_scopes_are_refused() {
    let app = app();
    let (code, body) = status(&app, signed("*", NOW - Duration::minutes(6))).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("RequestTimeTooSkewed"), "{body}");

    let mut request = get_request("http://api.example.com/whoami");
    Signer::new(Credentials::new(AKID, "not the secret"), "x", "execute-api")
        .sigv4a("*")
        .sign(&mut request, Payload::Empty, NOW)
        .unwrap();
    let (code, body) = status(&app, request).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("SignatureDoesNotMatch"), "{body}");

    // A SigV4a algorithm with a SigV4 (regional) scope, and the reverse.
    let mut request = signed("*", NOW);
    let authorization = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_string();
    let regional = authorization.replace("/execute-api/", "/us-east-1/execute-api/");
    request
        .headers_mut()
        .insert("authorization", regional.parse().unwrap());
    let (code, body) = status(&app, request).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("has no region"), "{body}");
    let mut request = signed("*", NOW);
    let v4 = authorization.replace("AWS4-ECDSA-P256-SHA256", "AWS4-HMAC-SHA256");
    request
        .headers_mut()
        .insert("authorization", v4.parse().unwrap());
    let (code, body) = status(&app, request).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");

    // The service is still checked.
    let mut request = get_request("http://api.example.com/whoami");
    Signer::new(Credentials::new(AKID, SECRET), "x", "s3")
        .sigv4a("*")
        .sign(&mut request, Payload::Empty, NOW)
        .unwrap();
    let (code, body) = status(&app, request).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("the service 's3' is wrong"), "{body}");
}

#[tokio::test]
async fn bodies_are_covered_as_with_sigv4() {
    let app = app();
    // No declared hash: buffered, hashed, verified.
    let mut request = Request::put("http://api.example.com/upload")
        .body(Body::from("hello"))
        .unwrap();
    signer("*")
        .sign(&mut request, Payload::Bytes(b"hello"), NOW)
        .unwrap();
    assert_eq!(
        status(&app, request).await,
        (StatusCode::OK, "alice 5".to_string())
    );
    let mut request = Request::put("http://api.example.com/upload")
        .body(Body::from("hellO"))
        .unwrap();
    signer("*")
        .sign(&mut request, Payload::Bytes(b"hello"), NOW)
        .unwrap();
    let (code, body) = status(&app, request).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("SignatureDoesNotMatch"), "{body}");

    // Declared hash (S3 rules): checked while the body streams.
    let s3 = router_at(SigV4Layer::new(store()).s3().regions(["us-east-1"]), NOW);
    let s3_signer = |body: &'static str, signed_as: &[u8]| {
        let mut request = Request::put("http://bucket.example.com/upload")
            .body(Body::from(body))
            .unwrap();
        Signer::new(Credentials::new(AKID, SECRET), "ignored", "s3")
            .s3()
            .sigv4a("us-east-1")
            .sign(&mut request, Payload::Bytes(signed_as), NOW)
            .unwrap();
        request
    };
    assert_eq!(
        status(&s3, s3_signer("data", b"data")).await,
        (StatusCode::OK, "alice 4".to_string())
    );
    let (code, body) = status(&s3, s3_signer("date", b"data")).await;
    assert_ne!(code, StatusCode::OK, "{body}");

    // aws-chunked with unsigned chunks and a checksum trailer works with SigV4a.
    let payload = vec![b'x'; 1000];
    let mut request = Request::put("http://bucket.example.com/upload")
        .body(())
        .unwrap();
    let mut encoder = Signer::new(Credentials::new(AKID, SECRET), "ignored", "s3")
        .s3()
        .sigv4a("*")
        .sign_chunked(
            &mut request,
            Framing::UnsignedTrailer,
            payload.len() as u64,
            300,
            Some(ChecksumAlgorithm::Crc32),
            NOW,
        )
        .unwrap();
    let encoded = encoder.encode(&payload);
    let (parts, ()) = request.into_parts();
    let request = Request::from_parts(parts, Body::from(encoded));
    assert_eq!(
        status(&s3, request).await,
        (StatusCode::OK, "alice 1000".to_string())
    );
}

#[tokio::test]
async fn sigv4a_signed_aws_chunked_uploads() {
    let s3 = router_at(SigV4Layer::new(store()).s3(), NOW);
    let s3_signer = Signer::new(Credentials::new(AKID, SECRET), "ignored", "s3")
        .s3()
        .sigv4a("*");
    let payload: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let upload = |framing: Framing| {
        let mut request = Request::put("http://bucket.example.com/upload")
            .body(())
            .unwrap();
        let checksum = framing.has_trailer().then_some(ChecksumAlgorithm::Crc32c);
        let mut encoder = s3_signer
            .sign_chunked(
                &mut request,
                framing,
                payload.len() as u64,
                8192,
                checksum,
                NOW,
            )
            .unwrap();
        (request, encoder.encode(&payload))
    };
    let send = |request: &Request<()>, body: Vec<u8>| {
        let mut builder = Request::put(request.uri());
        for (name, value) in request.headers() {
            builder = builder.header(name, value);
        }
        builder.body(Body::from(body)).unwrap()
    };

    for framing in [Framing::EcdsaSigned, Framing::EcdsaSignedTrailer] {
        let (request, body) = upload(framing);
        assert_eq!(
            status(&s3, send(&request, body.clone())).await,
            (StatusCode::OK, "alice 20000".to_string()),
            "{framing:?}"
        );
        // One changed byte in the second chunk's data.
        let mut changed = body.clone();
        let at = body.len() / 2;
        changed[at] ^= 1;
        let (code, text) = status(&s3, send(&request, changed)).await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{framing:?}: {text}");
        assert!(text.contains("SignatureDoesNotMatch"), "{text}");
    }

    // The client refuses to chain HMAC chunk signatures onto an ECDSA seed, and the other
    // way round ...
    for (signer, framing) in [
        (s3_signer.clone(), Framing::Signed),
        (
            Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "s3").s3(),
            Framing::EcdsaSigned,
        ),
    ] {
        let mut request = Request::put("http://bucket.example.com/upload")
            .body(())
            .unwrap();
        let refused = signer.sign_chunked(&mut request, framing, 10, 8192, None, NOW);
        assert!(refused.is_err(), "{framing:?}");
    }

    // ... and the server refuses such a request before looking up a key.
    for (v4a, marker) in [
        (true, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        (false, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"),
    ] {
        let mut request = Request::put("http://bucket.example.com/upload")
            .header("x-amz-content-sha256", marker)
            .header("x-amz-decoded-content-length", "10")
            .header("content-encoding", "aws-chunked")
            .body(Body::empty())
            .unwrap();
        let signer = Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "s3")
            .settings(countersign::core::SigningSettings::s3());
        let signer = if v4a { signer.sigv4a("*") } else { signer };
        signer.sign(&mut request, Payload::Unsigned, NOW).unwrap();
        let (code, body) = status(&s3, request).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("does not go with"), "{body}");
    }
}

// ---------------------------------------------------------------------------------------
// botocore with awscrt
// ---------------------------------------------------------------------------------------

/// Signs requests with botocore's CRT SigV4a signers and prints them as JSON lines
/// (`{"name", "method", "url", "headers", "body"}`), as of the system clock.
const BOTOCORE_SCRIPT: &str = r#"
import json, sys
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.crt.auth import (CrtSigV4AsymAuth, CrtS3SigV4AsymAuth,
                               CrtSigV4AsymQueryAuth, CrtS3SigV4AsymQueryAuth)

akid, secret = sys.argv[1], sys.argv[2]
creds = Credentials(akid, secret)
cases = [
    ("api-star", CrtSigV4AsymAuth(creds, "execute-api", "*"), "GET", "http://api.example.com/whoami", b""),
    ("api-list", CrtSigV4AsymAuth(creds, "execute-api", "us-east-1,eu-west-1"), "GET", "http://api.example.com/whoami", b""),
    ("api-excluded", CrtSigV4AsymAuth(creds, "execute-api", "eu-west-1,ap-*"), "GET", "http://api.example.com/whoami", b""),
    ("api-body", CrtSigV4AsymAuth(creds, "execute-api", "us-*"), "PUT", "http://api.example.com/upload", b"hello crt"),
    ("api-presign", CrtSigV4AsymQueryAuth(creds, "execute-api", "*", expires=300), "GET", "http://api.example.com/whoami", b""),
    ("s3-star", CrtS3SigV4AsymAuth(creds, "s3", "*"), "PUT", "http://bucket.example.com/upload", b"hello s3"),
    ("s3-list", CrtS3SigV4AsymAuth(creds, "s3", "eu-west-1,us-east-1"), "GET", "http://bucket.example.com/whoami", b""),
    ("s3-excluded", CrtS3SigV4AsymAuth(creds, "s3", "eu-west-1"), "GET", "http://bucket.example.com/whoami", b""),
    ("s3-presign", CrtS3SigV4AsymQueryAuth(creds, "s3", "us-east-1", expires=300), "GET", "http://bucket.example.com/whoami", b""),
]
for name, auth, method, url, body in cases:
    request = AWSRequest(method=method, url=url, data=body)
    auth.add_auth(request)
    prepared = request.prepare()
    print(json.dumps({
        "name": name,
        "method": method,
        "url": prepared.url,
        "headers": [[k, v if isinstance(v, str) else v.decode()] for k, v in prepared.headers.items()],
        "body": body.decode(),
    }))
"#;

#[tokio::test]
async fn botocore_crt_sigv4a_signers_are_accepted() {
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(BOTOCORE_SCRIPT)
        .arg(AKID)
        .arg(SECRET)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "botocore's CRT signers need python3 with botocore and awscrt (pip install awscrt): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let api = Router::new()
        .route("/whoami", get(whoami))
        .route("/upload", put(upload))
        .layer(
            SigV4Layer::new(store())
                .regions(["us-east-1"])
                .services(["execute-api"]),
        );
    let s3 = Router::new()
        .route("/whoami", get(whoami))
        .route("/upload", put(upload))
        .layer(SigV4Layer::new(store()).s3().regions(["us-east-1"]));
    let mut seen = 0;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let case: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let name = case["name"].as_str().unwrap();
        let mut builder = Request::builder()
            .method(case["method"].as_str().unwrap())
            .uri(case["url"].as_str().unwrap());
        for pair in case["headers"].as_array().unwrap() {
            builder = builder.header(pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        }
        let request = builder
            .body(Body::from(case["body"].as_str().unwrap().to_string()))
            .unwrap();
        let app = if name.starts_with("s3") { &s3 } else { &api };
        let (code, body) = status(app, request).await;
        if name.ends_with("excluded") {
            assert_eq!(code, StatusCode::BAD_REQUEST, "{name}: {body}");
            assert!(
                body.contains("does not include this server's region"),
                "{name}: {body}"
            );
        } else {
            assert_eq!(code, StatusCode::OK, "{name}: {body}");
            assert!(body.starts_with("alice"), "{name}: {body}");
        }
        seen += 1;
    }
    assert_eq!(seen, 9, "every botocore case ran");
}
