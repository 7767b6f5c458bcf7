//! Presigned URLs fetched with curl: a GET, refused once one character is changed; a PUT,
//! with and without a signed header; and a lifetime beyond S3's seven days, refused.

use std::time::Duration;

use countersign::client::s3::MAX_PRESIGN_DURATION;

use crate::server::Server;

over_http_and_https!(
    a_presigned_get_works_with_curl_and_fails_once_changed,
    a_presigned_put_works_with_curl,
    a_presigned_put_with_a_signed_header_needs_it,
);

const KEY: &str = "shared/report 2024+.txt";

async fn a_presigned_get_works_with_curl_and_fails_once_changed(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("presigned-get").await;
    s3.put_object(&bucket, KEY, "for curl").await.unwrap();
    let url = s3
        .presign_get(&bucket, KEY, Duration::from_secs(300))
        .await
        .unwrap();
    assert!(url.contains("X-Amz-Expires=300"), "{url}");

    let (status, body) = server.curl(&[&url], b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body, b"for curl");

    // The signature's last character, changed.
    let mut changed = url.clone().into_bytes();
    let last = changed.last_mut().unwrap();
    *last = if *last == b'0' { b'1' } else { b'0' };
    let changed = String::from_utf8(changed).unwrap();
    let (status, body) = server.curl(&[&changed], b"");
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 403, "{text}");
    assert!(
        text.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{text}"
    );
}

async fn a_presigned_put_works_with_curl(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("presigned-put").await;
    let url = s3
        .presign_put(&bucket, KEY, Duration::from_secs(300))
        .await
        .unwrap();
    let (status, body) = server.curl(
        &["-X", "PUT", "--data-binary", "@-", &url],
        b"uploaded by curl",
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let object = s3.get_object(&bucket, KEY).await.unwrap();
    assert_eq!(&object.body[..], b"uploaded by curl");
}

async fn a_presigned_put_with_a_signed_header_needs_it(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("presigned-header").await;
    let url = s3
        .presign_put_with(
            &bucket,
            "typed",
            Duration::from_secs(300),
            &[("content-type", "image/png")],
        )
        .await
        .unwrap();
    assert!(
        url.contains("X-Amz-SignedHeaders=content-type%3Bhost"),
        "{url}"
    );
    let put = |content_type: &str| {
        let header = format!("content-type: {content_type}");
        server.curl(
            &["-X", "PUT", "-H", &header, "--data-binary", "@-", &url],
            b"png bytes",
        )
    };
    let (status, body) = put("text/plain");
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    let (status, body) = put("image/png");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let head = s3.head_object(&bucket, "typed").await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("image/png"));
}

/// Seven days are allowed; a second more is refused before anything is sent.
#[tokio::test]
async fn a_presigned_url_beyond_seven_days_is_refused() {
    let s3 = Server::http().client();
    assert!(s3
        .presign_get("any", "key", MAX_PRESIGN_DURATION)
        .await
        .unwrap()
        .contains("X-Amz-Expires=604800"));
    let error = s3
        .presign_get("any", "key", MAX_PRESIGN_DURATION + Duration::from_secs(1))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("604800 seconds (7 days)"), "{message}");
    assert!(message.contains("604801"), "{message}");
    let error = s3
        .presign_put(
            "any",
            "key",
            MAX_PRESIGN_DURATION + Duration::from_millis(1),
        )
        .await;
    assert!(error.is_err());
}
