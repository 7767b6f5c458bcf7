//! An upload of 10,000 parts (S3's most) through the test server over memory: every part
//! kept, ListParts pages through all of them, and part number 10,001 refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use std::sync::Arc;

use countersign_client::SignExt;
use countersign_s3::TestServer;

mod common;

use common::{elements, signing};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_upload_of_10000_parts_is_listed_in_pages_and_part_10001_is_refused() {
    let server = TestServer::start().await.unwrap();
    let signing = Arc::new(signing(&server));
    let client = reqwest::Client::new();
    let object = format!("{}/many/parts", server.endpoint());
    let created = client
        .put(format!("{}/many", server.endpoint()))
        .sign(&signing)
        .await
        .unwrap();
    assert_eq!(created.send().await.unwrap().status(), 200);
    let started = client
        .post(format!("{object}?uploads"))
        .sign(&signing)
        .await
        .unwrap()
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let upload = elements(&started, "UploadId")[0].to_string();

    // 10,000 parts of one byte each, by 16 workers.
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..16u32 {
        let (client, signing) = (client.clone(), Arc::clone(&signing));
        let (object, upload) = (object.clone(), upload.clone());
        workers.spawn(async move {
            for number in (1..=10_000u32).filter(|n| n % 16 == worker) {
                let url = format!("{object}?partNumber={number}&uploadId={upload}");
                let put = client
                    .put(url)
                    .body(vec![b'p'])
                    .sign(&signing)
                    .await
                    .unwrap();
                let status = put.send().await.unwrap().status();
                assert_eq!(status, 200, "part {number}");
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done.unwrap();
    }

    let past = client
        .put(format!("{object}?partNumber=10001&uploadId={upload}"))
        .body("one too many")
        .sign(&signing)
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(past.status(), 400);
    let refusal = past.text().await.unwrap();
    assert_eq!(elements(&refusal, "Code"), ["InvalidArgument"], "{refusal}");

    // ListParts, 1,000 at a time, after each page's marker.
    let mut numbers = Vec::new();
    let mut marker = 0u32;
    let mut pages = 0;
    loop {
        let page = client
            .get(format!(
                "{object}?uploadId={upload}&part-number-marker={marker}"
            ))
            .sign(&signing)
            .await
            .unwrap()
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        pages += 1;
        let listed: Vec<u32> = elements(&page, "PartNumber")
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        assert!(listed.len() <= 1000, "{}", listed.len());
        numbers.extend(listed);
        if elements(&page, "IsTruncated") == ["false"] {
            break;
        }
        marker = elements(&page, "NextPartNumberMarker")[0].parse().unwrap();
        assert_eq!(Some(&marker), numbers.last());
    }
    assert_eq!(pages, 10);
    assert_eq!(numbers, (1..=10_000).collect::<Vec<u32>>());
}
