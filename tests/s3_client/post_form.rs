//! Browser POST forms built by `PostPolicy` and signed by the client, posted by Python's
//! `requests` as a browser would (multipart/form-data, the file last): one within its
//! policy, then read back; one whose file is larger than the policy allows, refused.

use std::time::Duration;

use countersign::client::s3::{PostForm, PostPolicy};

use crate::server::{python, Server};

over_http_and_https!(
    a_form_posted_by_requests_uploads_the_file,
    a_file_larger_than_the_policy_allows_is_refused,
);

/// Posts `form` with a file of `size` bytes named `photo.png` (argv: the URL, the fields as
/// JSON pairs, the size, whether to verify TLS); prints the status and the body.
const POST: &str = r#"
import json, sys, requests
url, fields, size, verify = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
content = bytes(i % 251 for i in range(size))
r = requests.post(url, data=fields, files={"file": ("photo.png", content, "image/png")}, verify=verify)
print(json.dumps({"status": r.status_code, "body": r.text}))
"#;

fn post(server: &Server, form: &PostForm, size: usize) -> (u64, String) {
    let fields = serde_json::to_string(&form.fields).unwrap();
    let size = size.to_string();
    let verify = if server.tls { "0" } else { "1" };
    let answer = python(POST, &[&form.url, &fields, &size, verify]);
    let status = answer["status"].as_u64().unwrap();
    (status, answer["body"].as_str().unwrap().to_string())
}

async fn a_form_posted_by_requests_uploads_the_file(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("post-form").await;
    let policy = PostPolicy::new(&bucket, "user/42/${filename}")
        .expires_in(Duration::from_secs(300))
        .content_length_range(1, 4096)
        .field("success_action_status", "201")
        .field("x-amz-meta-owner", "user-42");
    let form = s3.presign_post(&policy).await.unwrap();
    assert_eq!(form.field("key"), Some("user/42/${filename}"));
    assert!(form.field("x-amz-signature").is_some());

    let (status, body) = post(server, &form, 1000);
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("<Key>user/42/photo.png</Key>"), "{body}");
    let object = s3.get_object(&bucket, "user/42/photo.png").await.unwrap();
    let expected: Vec<u8> = (0..1000).map(|i| (i % 251) as u8).collect();
    assert_eq!(object.body, expected);
    assert_eq!(
        object.head.metadata.get("owner").map(String::as_str),
        Some("user-42")
    );
}

async fn a_file_larger_than_the_policy_allows_is_refused(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("post-too-large").await;
    let policy = PostPolicy::new(&bucket, "small").content_length_range(1, 10);
    let form = s3.presign_post(&policy).await.unwrap();
    let (status, body) = post(server, &form, 100);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<Code>EntityTooLarge</Code>"), "{body}");
    assert!(s3.head_object(&bucket, "small").await.is_err());
}
