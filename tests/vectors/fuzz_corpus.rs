//! The fuzz targets' committed corpus (`fuzz/corpus/<target>/*`), replayed through the same
//! harness functions the cargo-fuzz targets call (`fuzz/harness.rs`), as ordinary tests on
//! the stable toolchain. A crash the fuzzer found is added to the corpus and stays a test.
//!
//! The seeds are made from the vectors in `../shared/vectors`, and the committed ones must
//! be what the vectors make; `COUNTERSIGN_WRITE_FUZZ_SEEDS=1 cargo test --test vectors
//! fuzz_corpus::seeds_are_what_the_vectors_make` writes them again.

use countersign::client as cs_client;
use countersign::core as cs_core;

#[path = "../../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

use crate::aws_c_auth::case_directories;

use cs_core::aws_chunked::{canonical_trailer, Framing, Limits};
use cs_core::checksum::{checksum_base64, ChecksumAlgorithm};

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

/// Every file of the target's corpus through its harness function; a panic names the file.
fn replay(target: &str) {
    let dir = corpus_dir(target);
    let files = crate::common::sorted_entries(&dir, |path| path.is_file());
    assert!(!files.is_empty(), "{} holds no corpus", dir.display());
    for file in &files {
        let data = std::fs::read(file).expect("a corpus file");
        let outcome = std::panic::catch_unwind(|| harness::run(target, &data));
        match outcome {
            Ok(known) => assert!(known, "no harness for {target}"),
            Err(_) => panic!("{target}: {} fails", file.display()),
        }
    }
    println!("{target}: {} inputs replayed", files.len());
}

/// One test per target, replaying its corpus.
macro_rules! corpus_tests {
    ($($target:ident),* $(,)?) => {
        /// The targets the tests below replay.
        const REPLAYED: &[&str] = &[$(stringify!($target)),*];
        $(
            #[test]
            fn $target() {
                replay(stringify!($target));
            }
        )*
    };
}

corpus_tests! {
    authorization_header,
    presigned_query,
    canonical_request,
    aws_chunked,
    multipart_form,
    sign_then_verify,
    mutate_then_verify,
}

/// The aws-chunked seeds reach past the first signature: they decode to their end on the
/// documentation's chain.
#[test]
fn aws_chunked_seeds_decode_to_their_end() {
    for name in [
        "signed-doc-shape",
        "signed-bytewise",
        "signed-no-length",
        "signed-trailer-crc32c",
        "signed-trailer-small-limits",
        "unsigned-trailer-crc32c",
        "unsigned-trailer-crc32",
        "unsigned-trailer-sha256",
        "unsigned-no-trailer",
    ] {
        let data = std::fs::read(corpus_dir("aws_chunked").join(name)).expect("seed");
        assert!(
            harness::aws_chunked_ends(&data),
            "aws_chunked seed {name} does not decode"
        );
    }
}

/// The sign/verify seeds reach past the first signature: each is signed.
#[test]
fn sign_then_verify_seeds_are_signed() {
    for entry in std::fs::read_dir(corpus_dir("sign_then_verify")).expect("corpus") {
        let path = entry.expect("entry").path();
        let data = std::fs::read(&path).expect("seed");
        assert!(
            harness::sign_then_verify_signs(&data),
            "{} is not signed",
            path.display()
        );
    }
}

/// Every target of the harness has a corpus, a harness function, and a test above.
#[test]
fn every_target_has_a_corpus_test() {
    assert_eq!(REPLAYED, harness::TARGETS);
    for target in harness::TARGETS {
        assert!(corpus_dir(target).is_dir(), "no corpus for {target}");
        assert!(harness::run(target, b""), "no harness for {target}");
    }
}

// ---------------------------------------------------------------------------------------
// The seeds, made from the vectors (run with COUNTERSIGN_WRITE_FUZZ_SEEDS=1)
// ---------------------------------------------------------------------------------------

fn name_of(path: &Path) -> String {
    path.file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned()
}

/// Splits a signed request's text into its request line, its Authorization value and its
/// other header lines.
fn split_signed(text: &str) -> (String, Option<String>, Vec<String>) {
    let head = text.split("\n\n").next().unwrap_or_default();
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().to_string();
    let mut authorization = None;
    let mut others = Vec::new();
    for line in lines {
        match line.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("authorization") => {
                authorization = Some(value.trim().to_string());
            }
            _ => others.push(line.to_string()),
        }
    }
    (request_line, authorization, others)
}

/// An aws-chunked body signed on the chain of the S3 documentation's examples.
fn signed_chunked(
    framing: Framing,
    sizes: &[usize],
    trailer: Option<ChecksumAlgorithm>,
) -> Vec<u8> {
    let mut signer = harness::doc_chunk_signer(framing);
    let mut out = Vec::new();
    let mut all = Vec::new();
    for (i, size) in sizes.iter().copied().chain([0]).enumerate() {
        let data: Vec<u8> = (0..size).map(|j| b'a' + ((i + j) % 26) as u8).collect();
        all.extend_from_slice(&data);
        out.extend_from_slice(format!("{size:x}").as_bytes());
        if let Some(signer) = signer.as_mut() {
            let signature = signer.sign_chunk(&data);
            out.extend_from_slice(format!(";chunk-signature={signature}").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&data);
        if size > 0 {
            out.extend_from_slice(b"\r\n");
        }
    }
    match trailer {
        None => out.extend_from_slice(b"\r\n"),
        Some(algorithm) => {
            let name = algorithm.header_name();
            let value = checksum_base64(algorithm, &all);
            out.extend_from_slice(format!("{name}:{value}\r\n").as_bytes());
            if let Some(signer) = signer.as_mut() {
                let canonical = canonical_trailer([(name, value.as_str())]);
                let signature = signer.sign_trailer(&canonical);
                out.extend_from_slice(
                    format!("x-amz-trailer-signature:{signature}\r\n").as_bytes(),
                );
            }
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

fn multipart_body(boundary: &str, fields: &[(String, String)], file: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in fields {
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    out.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    out.extend_from_slice(file);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

/// A `Case` input for the sign/verify targets: flags, more flags, method, time, expires,
/// path segments, query pairs, headers, body.
fn case_bytes(flags: u8, more: u8, method: u8, time: u32, words: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = vec![flags, more, method];
    out.extend_from_slice(&time.to_be_bytes());
    out.extend_from_slice(&900u32.to_be_bytes());
    out.extend_from_slice(words);
    out.extend_from_slice(body);
    out
}

/// A seed the vectors make: its target, its file name, its bytes.
struct Seed {
    target: &'static str,
    name: String,
    data: Vec<u8>,
}

/// The committed seeds are the ones the vectors make (with `COUNTERSIGN_WRITE_FUZZ_SEEDS` set,
/// they are written instead). Files the fuzzer added to the corpus are not seeds and are
/// left alone.
#[test]
fn seeds_are_what_the_vectors_make() {
    let writing = std::env::var_os("COUNTERSIGN_WRITE_FUZZ_SEEDS").is_some();
    let seeds = seeds();
    assert!(seeds.len() > 100, "{} seeds", seeds.len());
    for seed in seeds {
        let dir = corpus_dir(seed.target);
        let path = dir.join(&seed.name);
        if writing {
            std::fs::create_dir_all(&dir).expect("corpus dir");
            std::fs::write(&path, &seed.data).expect("write seed");
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (COUNTERSIGN_WRITE_FUZZ_SEEDS=1 writes it)",
                path.display()
            )
        });
        assert!(
            committed == seed.data,
            "{} is not what the vectors make (COUNTERSIGN_WRITE_FUZZ_SEEDS=1 writes it again)",
            path.display()
        );
    }
}

/// Every seed, made from the vectors.
fn seeds() -> Vec<Seed> {
    let mut made = Vec::new();
    let mut write = |target: &'static str, name: &str, data: &[u8]| {
        made.push(Seed {
            target,
            name: name.to_string(),
            data: data.to_vec(),
        })
    };
    let vectors = crate::common::vectors_dir();

    // authorization_header and presigned_query: the signed requests of the v4 and v4a suites.
    let mut cases = case_directories("v4");
    cases.truncate(24);
    let mut v4a = case_directories("v4a");
    v4a.retain(|c| c.join("header-signed-request.txt").exists());
    cases.extend(v4a.into_iter().step_by(8));
    for case in &cases {
        let suite = name_of(case.parent().expect("suite"));
        let name = format!("{suite}-{}", name_of(case));
        let header = crate::common::read(&case.join("header-signed-request.txt"));
        let (_, authorization, others) = split_signed(&header);
        let seed = format!(
            "{}\n{}\n",
            authorization.unwrap_or_default(),
            others.join("\n")
        );
        write("authorization_header", &name, seed.as_bytes());
        let query = crate::common::read(&case.join("query-signed-request.txt"));
        let (line, _, _) = split_signed(&query);
        let target = line.split(' ').nth(1).unwrap_or_default();
        let query = target.split_once('?').map_or("", |(_, q)| q);
        write("presigned_query", &name, query.as_bytes());
    }

    // canonical_request: the unsigned requests, and a few of the original suite's.
    for case in cases.iter().take(24) {
        let name = name_of(case);
        write(
            "canonical_request",
            &name,
            &std::fs::read(case.join("request.txt")).expect("request"),
        );
    }
    let suite = vectors.join("aws-sig-v4-test-suite");
    for name in [
        "get-header-value-multiline",
        "get-utf8",
        "post-x-www-form-urlencoded",
    ] {
        let req = std::fs::read(suite.join(name).join(format!("{name}.req"))).expect("req");
        write("canonical_request", &format!("suite-{name}"), &req);
    }
    let relative = suite.join("normalize-path/get-relative-relative/get-relative-relative.req");
    if relative.exists() {
        write(
            "canonical_request",
            "suite-get-relative-relative",
            &std::fs::read(relative).expect("req"),
        );
    }

    // aws_chunked: bodies on the documentation's chains, small enough for a seed.
    let small = Limits::default()
        .with_max_chunk_size(64)
        .with_max_header_line(128)
        .with_max_trailer_bytes(256);
    let crc32c = Some(ChecksumAlgorithm::Crc32c);
    let seeds: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
        (
            "signed-doc-shape",
            harness::aws_chunked_control(Framing::Signed, 0, 0x07, None, Some(1088)),
            signed_chunked(Framing::Signed, &[1024, 64], None),
        ),
        (
            "signed-bytewise",
            harness::aws_chunked_control(Framing::Signed, 0, 0x00, Some(small), Some(80)),
            signed_chunked(Framing::Signed, &[64, 16], None),
        ),
        (
            "signed-no-length",
            harness::aws_chunked_control(Framing::Signed, 0, 0x5c, None, None),
            signed_chunked(Framing::Signed, &[10, 10, 3], None),
        ),
        (
            "signed-trailer-crc32c",
            harness::aws_chunked_control(Framing::SignedTrailer, 1, 0x0d, None, Some(300)),
            signed_chunked(Framing::SignedTrailer, &[200, 100], crc32c),
        ),
        (
            "signed-trailer-small-limits",
            harness::aws_chunked_control(Framing::SignedTrailer, 1, 0x22, Some(small), Some(64)),
            signed_chunked(Framing::SignedTrailer, &[64], crc32c),
        ),
        (
            "unsigned-trailer-crc32c",
            harness::aws_chunked_control(Framing::UnsignedTrailer, 1, 0x13, None, Some(96)),
            signed_chunked(Framing::UnsignedTrailer, &[64, 32], crc32c),
        ),
        (
            "unsigned-trailer-crc32",
            harness::aws_chunked_control(Framing::UnsignedTrailer, 2, 0x01, None, Some(5)),
            b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n".to_vec(),
        ),
        (
            "unsigned-trailer-sha256",
            harness::aws_chunked_control(Framing::UnsignedTrailer, 3, 0x3e, None, Some(20)),
            signed_chunked(
                Framing::UnsignedTrailer,
                &[20],
                Some(ChecksumAlgorithm::Sha256),
            ),
        ),
        (
            "unsigned-no-trailer",
            harness::aws_chunked_control(Framing::UnsignedTrailer, 0, 0x02, None, Some(7)),
            b"7\r\nchunked\r\n0\r\n\r\n".to_vec(),
        ),
        (
            "signed-huge-size",
            harness::aws_chunked_control(Framing::Signed, 0, 0x07, None, None),
            format!("ffffffffffffffff;chunk-signature={}\r\n", harness::DOC_SEED).into_bytes(),
        ),
    ];
    for (name, control, body) in seeds {
        let mut data = control;
        data.extend_from_slice(&body);
        write("aws_chunked", name, &data);
    }

    // multipart_form: the documentation's browser POST upload, as a form and as a policy.
    let post: serde_json::Value = serde_json::from_str(&crate::common::read(
        &vectors.join("s3-doc-examples/post-policy-browser-upload.json"),
    ))
    .expect("json");
    let policy_b64 = post["expected"]["policy_base64"].as_str().expect("policy");
    let signature = post["expected"]["signature"].as_str().unwrap_or_default();
    let fields: Vec<(String, String)> = post["request"]["form_fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|pair| {
            let name = pair[0].as_str()?.to_string();
            let value = pair[1].as_str()?.to_string();
            let value = match name.as_str() {
                "Policy" => policy_b64.to_string(),
                "X-Amz-Signature" => signature.to_string(),
                "file" => return None,
                _ => value,
            };
            Some((name, value))
        })
        .collect();
    let boundary = "9431149156168";
    let body = multipart_body(boundary, &fields, b"\xff\xd8\xff\xe0 a small jpeg");
    for (name, split) in [
        ("post-doc-whole", 0x07u8),
        ("post-doc-split", 0x04),
        ("post-doc-bytewise", 0x00),
    ] {
        let mut data = vec![split];
        data.extend_from_slice(boundary.as_bytes());
        data.push(b'\n');
        data.extend_from_slice(&body);
        write("multipart_form", name, &data);
    }
    let document = post["expected"]["policy_document"]
        .as_str()
        .expect("document");
    let mut line: Vec<String> = fields
        .iter()
        .filter(|(n, _)| n != "Policy" && n != "X-Amz-Signature")
        .map(|(n, v)| format!("{n}={}", v.replace("${filename}", "photo.jpg")))
        .collect();
    line.push("bucket=sigv4examplebucket".to_string());
    let mut data = vec![0x80];
    data.extend_from_slice(line.join("&").as_bytes());
    data.push(b'\n');
    data.extend_from_slice(document.as_bytes());
    write("multipart_form", "policy-doc", &data);
    let range = "{\"expiration\": \"2030-01-01T00:00:00Z\", \"conditions\": [[\"content-length-range\", 1, 1048576], [\"eq\", \"$key\", \"a\"], {\"bucket\": \"b\"}]}";
    let mut data = b"\x80key=a&bucket=b\n".to_vec();
    data.extend_from_slice(range.as_bytes());
    write("multipart_form", "policy-range", &data);

    // sign_then_verify and mutate_then_verify: every mode, with text and a vector's body.
    let body = crate::common::read(&vectors.join("v4/post-x-www-form-urlencoded/request.txt"));
    let body = body
        .split("\n\n")
        .nth(1)
        .unwrap_or("Param1=value1")
        .as_bytes()
        .to_vec();
    // 3 segments (3 pieces each), 2 query pairs, 2 headers.
    let words: &[u8] = &[
        3, 3, 7, 36, 0, 2, 8, 10, 1, 2, 12, 11, 17, 18, 3, 2, 7, 12, 2, 0, 1, 1, 2, 2, 4, 1, 5, 6,
        2, 0, 5, 104, 101, 108, 108, 111, 3, 4, 40, 80, 7, 30,
    ];
    let modes: [(u8, u8, &str); 12] = [
        (0x00, 0, "standard-header-empty"),
        (0x01, 0, "s3-header-empty"),
        (0x11, 0, "s3-header-bytes"),
        (0x21, 0, "s3-header-unsigned"),
        (0x30, 0, "standard-header-precomputed"),
        (0x03, 0, "s3-presign"),
        (0x02, 0, "standard-presign"),
        (0x05, 0, "s3-header-token-signed"),
        (0x0b, 0, "s3-presign-token-appended"),
        (0x80, 0, "standard-loose-path"),
        (0x40, 1, "sigv4a-header"),
        (0x42, 1, "sigv4a-presign"),
    ];
    for (i, (flags, more, name)) in modes.iter().enumerate() {
        let time = 1_440_938_160 + (i as u32) * 86_400;
        let data = case_bytes(*flags, *more, i as u8, time, words, &body);
        write("sign_then_verify", name, &data);
        for kind in 0..4u8 {
            if (i + usize::from(kind)) % 2 == 0 {
                let mut mutated = vec![kind, (i * 7) as u8];
                mutated.extend_from_slice(&data);
                write("mutate_then_verify", &format!("{name}-{kind}"), &mutated);
            }
        }
    }
    made
}
