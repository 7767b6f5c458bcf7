//! The aws CLI (v1) against the S3 example: buckets made, files copied up and down (a 20 MiB
//! one in parts), listed and removed; a tree synced both ways with unicode, spaces and `+` in
//! its names; a presigned URL fetched by curl (and refused for another key); ranges, copies
//! and batch deletes; listings by prefix, delimiter and page; a wrong secret refused, leaving
//! nothing; and over HTTPS, where the CLI sends aws-chunked bodies with CRC32 trailers.

use std::process::Command;

use crate::common::{md5_hex, pattern};
use crate::s3_example::{tree, Server};

#[test]
fn mb_cp_ls_rm_small_and_multipart() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let small = pattern(1024, 1);
    let big = pattern(20 * 1024 * 1024, 2);
    std::fs::write(work.path().join("small.bin"), &small).expect("write");
    std::fs::write(work.path().join("big.bin"), &big).expect("write");
    let path = |name: &str| work.path().join(name).to_string_lossy().into_owned();

    server.mb("photos");
    let buckets = server.aws_ok(&["s3", "ls"]);
    assert!(buckets.contains("photos"), "{buckets}");

    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        &path("small.bin"),
        "s3://photos/dir/small.bin",
    ]);
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        &path("big.bin"),
        "s3://photos/big.bin",
    ]);
    let listing = server.aws_ok(&["s3", "ls", "--recursive", "s3://photos"]);
    assert!(listing.contains(" 1024 dir/small.bin"), "{listing}");
    assert!(listing.contains(" 20971520 big.bin"), "{listing}");
    let top = server.aws_ok(&["s3", "ls", "s3://photos/"]);
    assert!(top.contains("PRE dir/"), "{top}");

    // On disk: the plain bytes, nothing left in the temporary directory.
    assert_eq!(
        std::fs::read(server.data().join("photos/big.bin")).expect("on disk"),
        big
    );
    assert_eq!(server.temp_files(), 0);

    // The 20 MiB file went up in parts (8 MiB by default): a multipart ETag.
    let head = server.s3api(&["head-object", "--bucket", "photos", "--key", "big.bin"]);
    assert!(head["ETag"].as_str().unwrap().ends_with("-3\""), "{head}");
    assert_eq!(head["ContentLength"], 20 * 1024 * 1024);
    let head = server.s3api(&[
        "head-object",
        "--bucket",
        "photos",
        "--key",
        "dir/small.bin",
    ]);
    assert_eq!(head["ETag"], format!("\"{}\"", md5_hex(&small)));

    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        "s3://photos/dir/small.bin",
        &path("small.back"),
    ]);
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        "s3://photos/big.bin",
        &path("big.back"),
    ]);
    assert_eq!(std::fs::read(path("small.back")).expect("read"), small);
    assert!(
        std::fs::read(path("big.back")).expect("read") == big,
        "the 20 MiB download differs"
    );

    server.aws_ok(&["s3", "rm", "s3://photos/dir/small.bin"]);
    let listing = server.aws_ok(&["s3", "ls", "--recursive", "s3://photos"]);
    assert!(!listing.contains("small.bin"), "{listing}");
    assert!(
        !server.data().join("photos/dir").exists(),
        "the emptied directory is removed"
    );
}

#[test]
fn sync_round_trips_unicode_spaces_and_plus() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let up = work.path().join("up");
    let files = [
        "plain.txt",
        "with space.txt",
        "a+b=c.txt",
        "100% sure.txt",
        "ünïcødé/文件 名.txt",
        "nested/deeper/x+y z.bin",
    ];
    for (i, name) in files.iter().enumerate() {
        let path = up.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).expect("mkdir");
        std::fs::write(&path, pattern(100 + i * 37, i as u32)).expect("write");
    }
    server.mb("sync");
    server.aws_ok(&[
        "s3",
        "sync",
        "--no-progress",
        up.to_str().unwrap(),
        "s3://sync/tree",
    ]);

    let listing = server.aws_ok(&["s3", "ls", "--recursive", "s3://sync"]);
    for name in files {
        assert!(
            listing.contains(&format!("tree/{name}")),
            "{name} missing from\n{listing}"
        );
    }
    assert!(server
        .data()
        .join("sync/tree/ünïcødé/文件 名.txt")
        .is_file());

    let down = work.path().join("down");
    server.aws_ok(&[
        "s3",
        "sync",
        "--no-progress",
        "s3://sync/tree",
        down.to_str().unwrap(),
    ]);
    assert_eq!(tree(&down), tree(&up));

    // A second sync has nothing to do.
    let again = server.aws_ok(&[
        "s3",
        "sync",
        "--no-progress",
        up.to_str().unwrap(),
        "s3://sync/tree",
    ]);
    assert!(again.trim().is_empty(), "{again}");
}

#[test]
fn presigned_url_downloads_with_curl() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let body = pattern(5000, 3);
    let local = work.path().join("f.bin");
    std::fs::write(&local, &body).expect("write");
    server.mb("shared");
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        local.to_str().unwrap(),
        "s3://shared/a dir/report+1.bin",
    ]);
    // The CLI v1 presigns with SigV2 unless told otherwise.
    std::fs::write(
        server.process.dir.path().join("aws-config"),
        "[default]\ns3 =\n    signature_version = s3v4\n",
    )
    .expect("aws config");
    let url = server.aws_ok(&[
        "s3",
        "presign",
        "s3://shared/a dir/report+1.bin",
        "--expires-in",
        "300",
    ]);
    let url = url.trim();
    assert!(url.contains("X-Amz-Signature="), "{url}");

    let out = work.path().join("downloaded");
    let curl = Command::new("curl")
        .args(["-s", "-o", out.to_str().unwrap(), "-w", "%{http_code}", url])
        .output()
        .expect("curl runs");
    assert_eq!(String::from_utf8_lossy(&curl.stdout), "200");
    assert_eq!(std::fs::read(&out).expect("read"), body);

    // The same URL for another key is refused.
    let tampered = url.replace("report%2B1.bin", "report%2B2.bin");
    assert_ne!(tampered, url);
    let curl = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}", &tampered])
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&curl.stdout);
    assert!(text.ends_with("403"), "{text}");
    assert!(text.contains("SignatureDoesNotMatch"), "{text}");
}

#[test]
fn s3api_range_copy_and_delete_objects() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let body: Vec<u8> = (0..100u8).collect();
    let local = work.path().join("src.bin");
    std::fs::write(&local, &body).expect("write");
    server.mb("ops");
    server.s3api(&[
        "put-object",
        "--bucket",
        "ops",
        "--key",
        "src.bin",
        "--body",
        local.to_str().unwrap(),
        "--content-type",
        "application/x-test",
        "--metadata",
        "colour=blue",
    ]);

    let part = work.path().join("part");
    let got = server.s3api(&[
        "get-object",
        "--bucket",
        "ops",
        "--key",
        "src.bin",
        "--range",
        "bytes=10-19",
        part.to_str().unwrap(),
    ]);
    assert_eq!(got["ContentRange"], "bytes 10-19/100");
    assert_eq!(got["ContentLength"], 10);
    assert_eq!(std::fs::read(&part).expect("read"), &body[10..20]);
    let got = server.s3api(&[
        "get-object",
        "--bucket",
        "ops",
        "--key",
        "src.bin",
        "--range",
        "bytes=-5",
        part.to_str().unwrap(),
    ]);
    assert_eq!(got["ContentRange"], "bytes 95-99/100");
    assert_eq!(std::fs::read(&part).expect("read"), &body[95..]);

    let copied = server.s3api(&[
        "copy-object",
        "--bucket",
        "ops",
        "--key",
        "copies/dst.bin",
        "--copy-source",
        "ops/src.bin",
    ]);
    assert_eq!(
        copied["CopyObjectResult"]["ETag"],
        format!("\"{}\"", md5_hex(&body))
    );
    let head = server.s3api(&["head-object", "--bucket", "ops", "--key", "copies/dst.bin"]);
    assert_eq!(head["ContentType"], "application/x-test");
    assert_eq!(head["Metadata"]["colour"], "blue");
    assert_eq!(
        std::fs::read(server.data().join("ops/copies/dst.bin")).expect("copied"),
        body
    );

    let deleted = server.s3api(&[
        "delete-objects",
        "--bucket",
        "ops",
        "--delete",
        r#"{"Objects":[{"Key":"src.bin"},{"Key":"copies/dst.bin"},{"Key":"never-existed"}]}"#,
    ]);
    let mut keys: Vec<&str> = deleted["Deleted"]
        .as_array()
        .expect("Deleted")
        .iter()
        .map(|d| d["Key"].as_str().unwrap())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["copies/dst.bin", "never-existed", "src.bin"]);
    let listing = server.s3api(&["list-objects-v2", "--bucket", "ops"]);
    assert!(listing.get("Contents").is_none(), "{listing}");
}

#[test]
fn s3api_list_objects_v2_prefix_delimiter_and_paging() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let local = work.path().join("x");
    std::fs::write(&local, b"x").expect("write");
    server.mb("listing");
    let keys = ["a/1", "a/2", "b/1", "c", "d", "e/f/g", "e/h"];
    for key in keys {
        server.s3api(&[
            "put-object",
            "--bucket",
            "listing",
            "--key",
            key,
            "--body",
            local.to_str().unwrap(),
        ]);
    }

    let top = server.s3api(&["list-objects-v2", "--bucket", "listing", "--delimiter", "/"]);
    let prefixes: Vec<&str> = top["CommonPrefixes"]
        .as_array()
        .expect("CommonPrefixes")
        .iter()
        .map(|p| p["Prefix"].as_str().unwrap())
        .collect();
    assert_eq!(prefixes, ["a/", "b/", "e/"]);
    let contents: Vec<&str> = top["Contents"]
        .as_array()
        .expect("Contents")
        .iter()
        .map(|c| c["Key"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["c", "d"]);

    let under_e = server.s3api(&[
        "list-objects-v2",
        "--bucket",
        "listing",
        "--prefix",
        "e/",
        "--delimiter",
        "/",
    ]);
    assert_eq!(under_e["CommonPrefixes"][0]["Prefix"], "e/f/");
    assert_eq!(under_e["Contents"][0]["Key"], "e/h");

    // Pages of two, by hand: every key once, in order.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut args = vec![
            "list-objects-v2",
            "--bucket",
            "listing",
            "--max-keys",
            "2",
            "--no-paginate",
        ];
        if let Some(t) = &token {
            args.extend_from_slice(&["--continuation-token", t]);
        }
        let page = server.s3api(&args);
        pages += 1;
        for c in page["Contents"].as_array().cloned().unwrap_or_default() {
            seen.push(c["Key"].as_str().unwrap().to_string());
        }
        if page["IsTruncated"] == true {
            token = Some(
                page["NextContinuationToken"]
                    .as_str()
                    .expect("token")
                    .to_string(),
            );
        } else {
            break;
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen, keys);
    assert_eq!(pages, 4);

    // The CLI's own paging, with a delimiter, and start-after.
    let all = server.s3api(&[
        "list-objects-v2",
        "--bucket",
        "listing",
        "--delimiter",
        "/",
        "--page-size",
        "1",
    ]);
    assert_eq!(
        all["CommonPrefixes"].as_array().map(Vec::len),
        Some(3),
        "{all}"
    );
    assert_eq!(all["Contents"].as_array().map(Vec::len), Some(2), "{all}");
    let after = server.s3api(&[
        "list-objects-v2",
        "--bucket",
        "listing",
        "--start-after",
        "c",
        "--no-paginate",
    ]);
    assert_eq!(after["Contents"][0]["Key"], "d");
    assert_eq!(after["KeyCount"], 3);
}

#[test]
fn with_a_wrong_secret_is_refused_and_leaves_nothing() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let local = work.path().join("f");
    std::fs::write(&local, b"should not land").expect("write");
    server.mb("guarded");
    let output = server.aws_as(
        "not-the-secret",
        &[
            "s3",
            "cp",
            "--no-progress",
            local.to_str().unwrap(),
            "s3://guarded/f",
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SignatureDoesNotMatch"), "{stderr}");
    assert!(!server.data().join("guarded/f").exists());
    assert_eq!(server.temp_files(), 0);
    let listing = server.s3api(&["list-objects-v2", "--bucket", "guarded"]);
    assert!(listing.get("Contents").is_none(), "{listing}");
}

#[test]
fn cp_up_and_down_over_https() {
    let server = Server::start_tls();
    assert!(server.process.url.starts_with("https://"));
    let work = tempfile::tempdir().expect("tempdir");
    let small = pattern(1024, 8);
    let big = pattern(20 * 1024 * 1024, 9);
    std::fs::write(work.path().join("small"), &small).expect("write");
    std::fs::write(work.path().join("big"), &big).expect("write");
    let path = |name: &str| work.path().join(name).to_string_lossy().into_owned();
    server.mb("secure");
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        &path("small"),
        "s3://secure/small",
    ]);
    server.aws_ok(&["s3", "cp", "--no-progress", &path("big"), "s3://secure/big"]);
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        "s3://secure/small",
        &path("small.back"),
    ]);
    server.aws_ok(&[
        "s3",
        "cp",
        "--no-progress",
        "s3://secure/big",
        &path("big.back"),
    ]);
    assert_eq!(std::fs::read(path("small.back")).expect("read"), small);
    assert!(
        std::fs::read(path("big.back")).expect("read") == big,
        "the 20 MiB download differs"
    );
    let head = server.s3api(&["head-object", "--bucket", "secure", "--key", "small"]);
    assert_eq!(head["ETag"], format!("\"{}\"", md5_hex(&small)));
    assert!(
        head.get("ContentEncoding").is_none(),
        "aws-chunked must not be stored: {head}"
    );
}
