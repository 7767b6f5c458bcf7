//! S3's errors read into `ServiceError`: the `<Error>` document's code, message and request
//! id, and a HEAD answer's status alone.

use crate::server::Server;

over_http_and_https!(
    a_missing_key_is_no_such_key,
    a_missing_bucket_is_no_such_bucket,
    a_head_of_a_missing_key_is_not_found,
);

async fn a_missing_key_is_no_such_key(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("errors").await;
    let error = s3.get_object(&bucket, "absent").await.unwrap_err();
    let error = error.service_error().unwrap_or_else(|| panic!("{error}"));
    assert_eq!(error.status, 404);
    assert_eq!(error.code, "NoSuchKey");
    assert_eq!(error.message, "The specified key does not exist.");
    let id = error.request_id.as_deref().expect("a request id");
    assert!(!id.is_empty());
}

async fn a_missing_bucket_is_no_such_bucket(server: &Server) {
    let s3 = server.client();
    let bucket = format!("never-created-{}", server.scheme());
    let error = s3.put_object(&bucket, "k", "x").await.unwrap_err();
    let error = error.service_error().unwrap_or_else(|| panic!("{error}"));
    assert_eq!(error.status, 404);
    assert_eq!(error.code, "NoSuchBucket");
    assert!(!error.message.is_empty());
    assert!(error.request_id.is_some());
    let listing = s3
        .list_objects_page(&bucket, &Default::default(), None)
        .await
        .unwrap_err();
    assert_eq!(
        listing.service_error().map(|e| e.code.as_str()),
        Some("NoSuchBucket")
    );
}

async fn a_head_of_a_missing_key_is_not_found(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("head-errors").await;
    let error = s3.head_object(&bucket, "absent").await.unwrap_err();
    let error = error.service_error().unwrap_or_else(|| panic!("{error}"));
    assert_eq!(error.status, 404);
    assert_eq!(error.code, "NotFound");
    assert_eq!(error.message, "");
    let id = error
        .request_id
        .as_deref()
        .expect("the x-amz-request-id header");
    assert!(!id.is_empty());
}
