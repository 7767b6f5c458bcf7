//! `countersign request` and `countersign presign` against the example servers: S3 over
//! HTTP and HTTPS (uploads aws-chunked, unsigned and hashed, from disk), the JSON API, and
//! the failures a user meets (exit codes, one-line messages).

use std::path::Path;

use crate::common::{
    api_server, countersign, countersign_with_key, exchange, get, s3_server, stderr, stdout,
};

/// Bytes that do not repeat with a short period.
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 2_463_534_242;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn s3_request(home: &Path, args: &[&str]) -> std::process::Output {
    countersign_with_key(home)
        .args(["request", "--service", "s3"])
        .args(args)
        .output()
        .unwrap()
}

fn ok(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
    stdout(output)
}

#[test]
fn s3_uploads_from_disk_in_every_payload_mode_and_downloads() {
    let home = tempfile::tempdir().unwrap();
    let server = s3_server(false);
    let bucket = format!("{}/files", server.url);
    ok(&s3_request(home.path(), &["-X", "PUT", &bucket]));

    let data = pattern(200_000);
    let file = home.path().join("upload.bin");
    std::fs::write(&file, &data).unwrap();
    let file = file.to_str().unwrap();
    for (key, extra) in [
        ("chunked", vec!["--chunk-size", "65536"]),
        // aws-chunked with SigV4a chunk signatures (larger chunks: each costs an ECDSA check).
        (
            "chunked-sigv4a",
            vec!["--chunk-size", "100000", "--sigv4a", "*"],
        ),
        ("unsigned", vec!["--payload", "unsigned"]),
        ("signed", vec!["--payload", "signed"]),
    ] {
        let url = format!("{bucket}/{key}.bin");
        let output = s3_request(home.path(), &[&["-T", file, &url][..], &extra].concat());
        ok(&output);
        // No progress bar when standard error is not a terminal.
        assert!(!stderr(&output).contains("eta"), "{}", stderr(&output));
        let output = countersign_with_key(home.path())
            .args(["request", "--service", "s3", &url])
            .output()
            .unwrap();
        assert!(output.status.success(), "{key}: {}", stderr(&output));
        assert!(output.stdout == data, "{key}: the object differs");
    }

    // -d @FILE, -i and -v
    let url = format!("{bucket}/small.txt");
    let small = home.path().join("small.txt");
    std::fs::write(&small, "small body").unwrap();
    ok(&s3_request(
        home.path(),
        &["-X", "PUT", "-d", &format!("@{}", small.display()), &url],
    ));
    let output = s3_request(home.path(), &["-i", "-v", &url]);
    let text = ok(&output);
    assert!(text.starts_with("HTTP/1.1 200 OK\n"), "{text}");
    assert!(text.ends_with("\n\nsmall body"), "{text}");
    let verbose = stderr(&output);
    assert!(
        verbose.contains("* canonical request:\nGET\n/files/small.txt\n"),
        "{verbose}"
    );
    assert!(
        verbose.contains("* string to sign:\nAWS4-HMAC-SHA256\n"),
        "{verbose}"
    );
    assert!(
        verbose.contains("* signed headers: host;x-amz-content-sha256;x-amz-date"),
        "{verbose}"
    );

    // An HTTP error: the body on stdout, the code on stderr, exit 1.
    let output = s3_request(home.path(), &[&format!("{bucket}/missing")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("<Code>NoSuchKey</Code>"));
    assert!(
        stderr(&output).starts_with("countersign: HTTP 404 Not Found: NoSuchKey"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn s3_over_https_with_insecure_and_refused_without() {
    let home = tempfile::tempdir().unwrap();
    let server = s3_server(true);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let bucket = format!("{}/secure", server.url);
    ok(&s3_request(home.path(), &["-k", "-X", "PUT", &bucket]));
    let url = format!("{bucket}/k.txt");
    ok(&s3_request(
        home.path(),
        &["-k", "-X", "PUT", "-d", "over tls", &url],
    ));
    assert_eq!(
        ok(&s3_request(home.path(), &["--insecure", &url])),
        "over tls"
    );

    let output = s3_request(home.path(), &[&url]);
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cannot connect to"),
        "{}",
        stderr(&output)
    );
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
}

#[test]
fn presigned_get_and_put_work_with_a_plain_client() {
    let home = tempfile::tempdir().unwrap();
    let server = s3_server(false);
    let bucket = format!("{}/shared", server.url);
    ok(&s3_request(home.path(), &["-X", "PUT", &bucket]));
    ok(&s3_request(
        home.path(),
        &[
            "-X",
            "PUT",
            "-d",
            "presigned body",
            &format!("{bucket}/a.txt"),
        ],
    ));

    let presign = |args: &[&str]| {
        let output = countersign_with_key(home.path())
            .args(["presign", "--service", "s3"])
            .args(args)
            .output()
            .unwrap();
        ok(&output).trim().to_string()
    };
    let url = presign(&[&format!("{bucket}/a.txt"), "--expires", "60"]);
    assert!(url.contains("X-Amz-Expires=60&X-Amz-Signature="), "{url}");
    let target = &url[server.url.len()..];
    let response = get(server.addr, target);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.text(), "presigned body");

    // A presigned PUT, sent by hand.
    let url = presign(&["PUT", &format!("{bucket}/b.txt")]);
    let target = &url[server.url.len()..];
    let body = "put through a presigned URL";
    let raw = format!(
        "PUT {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.addr,
        body.len()
    );
    let response = exchange(server.addr, raw.as_bytes());
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        ok(&s3_request(home.path(), &[&format!("{bucket}/b.txt")])),
        body
    );

    // A changed presigned URL is refused.
    let url = presign(&[&format!("{bucket}/a.txt")]);
    let target = url[server.url.len()..].replace("/a.txt", "/b.txt");
    assert_eq!(get(server.addr, &target).status, 403);
}

#[test]
fn presign_refuses_more_than_seven_days() {
    let home = tempfile::tempdir().unwrap();
    let output = countersign_with_key(home.path())
        .args([
            "presign",
            "--expires",
            "604801",
            "https://bucket.s3.amazonaws.com/k",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("7 days"), "{}", stderr(&output));
    assert_eq!(stderr(&output).lines().count(), 1);
    // Seven days exactly is fine, and the scope comes from the host.
    let output = countersign_with_key(home.path())
        .args([
            "presign",
            "--expires",
            "604800",
            "https://bucket.s3.eu-west-1.amazonaws.com/k",
        ])
        .output()
        .unwrap();
    let url = ok(&output);
    assert!(url.contains("%2Feu-west-1%2Fs3%2Faws4_request"), "{url}");
    assert!(url.contains("X-Amz-Expires=604800"), "{url}");
}

#[test]
fn json_api_create_list_and_upload_a_hashed_file() {
    let home = tempfile::tempdir().unwrap();
    let server = api_server();
    let items = format!("{}/items", server.url);
    let api = |args: &[&str]| {
        countersign_with_key(home.path())
            .args([
                "request",
                "--service",
                "execute-api",
                "--region",
                "us-east-1",
            ])
            .args(args)
            .output()
            .unwrap()
    };
    let created = ok(&api(&[
        "-H",
        "Content-Type: application/json",
        "-d",
        r#"{"name":"widget"}"#,
        &items,
    ]));
    assert!(created.contains("\"id\":1"), "{created}");
    let file = home.path().join("item.json");
    std::fs::write(&file, r#"{"name":"from disk"}"#).unwrap();
    let created = ok(&api(&[
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "-T",
        file.to_str().unwrap(),
        &items,
    ]));
    assert!(created.contains("\"id\":2"), "{created}");
    let listed = ok(&api(&[&items]));
    assert!(
        listed.contains("widget") && listed.contains("from disk"),
        "{listed}"
    );
    let whoami = ok(&api(&[&format!("{}/whoami", server.url)]));
    assert!(
        whoami.contains(crate::common::AKID) && whoami.contains("\"cli\""),
        "{whoami}"
    );
    // A presigned GET works on the API too.
    let output = countersign_with_key(home.path())
        .args([
            "presign",
            "--service",
            "execute-api",
            &format!("{}/whoami", server.url),
        ])
        .output()
        .unwrap();
    let url = ok(&output);
    let response = get(server.addr, &url.trim()[server.url.len()..]);
    assert_eq!(response.status, 200, "{}", response.text());
    assert!(
        response.text().contains("\"presigned\":true"),
        "{}",
        response.text()
    );
}

#[test]
fn bad_use_gets_one_line_and_a_distinct_exit_code() {
    let home = tempfile::tempdir().unwrap();
    let run = |command: &mut assert_cmd::Command| command.output().unwrap();
    let one_line = |output: &std::process::Output, code: i32, needle: &str| {
        let text = stderr(output);
        assert_eq!(output.status.code(), Some(code), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            text.starts_with("countersign: ") && text.contains(needle),
            "{text}"
        );
        assert!(
            !text.contains("panicked") && !text.contains("backtrace"),
            "{text}"
        );
    };
    // no credentials
    let output =
        run(countersign(home.path()).args(["request", "--service", "s3", "http://127.0.0.1:1/b"]));
    one_line(&output, 3, "no credentials");
    // a bad URL
    let output =
        run(countersign_with_key(home.path()).args(["request", "--service", "s3", "ftp://host/b"]));
    one_line(&output, 5, "bad URL");
    let output = run(countersign_with_key(home.path()).args(["request", "not a url"]));
    one_line(&output, 5, "bad URL");
    // an unreachable host
    let output = run(countersign_with_key(home.path()).args([
        "request",
        "--service",
        "s3",
        "--connect-timeout",
        "5",
        "http://127.0.0.1:1/b",
    ]));
    one_line(&output, 6, "cannot connect to 127.0.0.1:1");
    // an unreadable file
    let output = run(countersign_with_key(home.path()).args([
        "request",
        "--service",
        "s3",
        "-T",
        "/nonexistent/file",
        "http://127.0.0.1:1/b/k",
    ]));
    one_line(&output, 4, "cannot read /nonexistent/file");
    let output = run(countersign_with_key(home.path()).args(["sign", "/nonexistent/request.txt"]));
    one_line(&output, 4, "cannot read /nonexistent/request.txt");
    // a file that is not a request
    let output = run(countersign_with_key(home.path())
        .args(["sign", "-"])
        .write_stdin("{\"not\": \"http\"}"));
    one_line(&output, 4, "request line");
    // an unknown service
    let output = run(countersign_with_key(home.path()).args(["request", "http://127.0.0.1:1/b"]));
    one_line(&output, 2, "--service");
}
