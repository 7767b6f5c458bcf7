//! ListObjectsV2 as a stream: pages that follow the continuation tokens, every object, and
//! the common prefixes of a delimiter.

use countersign::client::s3::ListObjects;
use futures_util::TryStreamExt;

use crate::server::Server;

over_http_and_https!(
    five_keys_two_a_page_come_in_three_pages,
    a_delimiter_rolls_keys_up_into_common_prefixes,
);

async fn five_keys_two_a_page_come_in_three_pages(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("pages").await;
    let keys = ["k1", "k2", "k3 with space", "k4+plus", "k5/é"];
    for key in keys {
        s3.put_object(&bucket, key, key.to_string()).await.unwrap();
    }

    let pages: Vec<_> = s3
        .list_pages(&bucket, ListObjects::new().max_keys(2))
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.objects.len()).collect();
    assert_eq!(sizes, [2, 2, 1]);
    assert!(pages[0].next_continuation_token.is_some());
    assert!(pages[1].next_continuation_token.is_some());
    assert_eq!(pages[2].next_continuation_token, None);

    let objects: Vec<_> = s3
        .list_objects(&bucket, ListObjects::new().max_keys(2))
        .try_collect()
        .await
        .unwrap();
    let listed: Vec<&str> = objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(listed, keys);
    assert_eq!(objects[2].size, "k3 with space".len() as u64);
    assert!(objects
        .iter()
        .all(|o| o.etag.is_some() && o.last_modified.is_some()));
}

async fn a_delimiter_rolls_keys_up_into_common_prefixes(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("folders").await;
    for key in [
        "photos/2023/a.jpg",
        "photos/2024/b.jpg",
        "photos/2024/c.jpg",
        "photos/cover.jpg",
        "photos/index.html",
        "readme.txt",
    ] {
        s3.put_object(&bucket, key, "x").await.unwrap();
    }
    let options = ListObjects::new()
        .prefix("photos/")
        .delimiter("/")
        .max_keys(2);
    let pages: Vec<_> = s3.list_pages(&bucket, options).try_collect().await.unwrap();
    let prefixes: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.common_prefixes.iter().map(String::as_str))
        .collect();
    let keys: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.objects.iter().map(|o| o.key.as_str()))
        .collect();
    assert_eq!(prefixes, ["photos/2023/", "photos/2024/"]);
    assert_eq!(keys, ["photos/cover.jpg", "photos/index.html"]);
    assert_eq!(pages.len(), 2, "four entries, two a page: {pages:?}");
}
