//! Buckets: created, listed, refused while they hold an object, deleted.

use crate::server::Server;

over_http_and_https!(create_list_and_delete_a_bucket);

async fn create_list_and_delete_a_bucket(server: &Server) {
    let s3 = server.client();
    let bucket = format!("lifecycle-{}", server.scheme());
    s3.create_bucket(&bucket).await.unwrap();
    let listed = s3.list_buckets().await.unwrap();
    let ours = listed.iter().find(|b| b.name == bucket).expect("listed");
    assert!(ours.created.is_some(), "{ours:?}");

    s3.put_object(&bucket, "keep", "x").await.unwrap();
    let refused = s3.delete_bucket(&bucket).await.unwrap_err();
    let refused = refused.service_error().expect("a service error");
    assert_eq!(refused.code, "BucketNotEmpty", "{refused}");
    assert_eq!(refused.status, 409);

    s3.delete_object(&bucket, "keep").await.unwrap();
    s3.delete_bucket(&bucket).await.unwrap();
    let listed = s3.list_buckets().await.unwrap();
    assert!(listed.iter().all(|b| b.name != bucket), "{listed:?}");
}
