//! The policy store against a real Redis: what one instance sets is seen by another within a
//! second, a store started later reads everything, documents that do not parse are refused
//! by the setters and read as denying everything when written otherwise, and a Redis
//! restarted empty leaves no policy behind.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::time::Duration;

use countersign_redis::{Error, RedisPolicyStore, INVALID_ENTRY_SID};
use countersign_server::authz::PolicyStore;
use support::{eventually, RedisServer};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const READ_ALL: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#;
const PUBLIC_READ: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}}"#;

/// A policy store on `server`, subscribed.
async fn instance(server: &RedisServer) -> RedisPolicyStore {
    let store = RedisPolicyStore::start(server.client().await).await;
    assert!(eventually(Duration::from_secs(5), || store.is_subscribed()).await);
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_policies_set_on_one_instance_are_seen_by_another_within_a_second() {
    let server = RedisServer::start();
    let (one, two) = (instance(&server).await, instance(&server).await);
    assert!(two.identity_policies(ALICE).is_none());
    one.set_identity_policies(ALICE, &[READ_ALL, READ_ALL])
        .await
        .unwrap();
    assert_eq!(one.identity_policies(ALICE).map(|p| p.len()), Some(2));
    assert!(
        eventually(Duration::from_secs(1), || two
            .identity_policies(ALICE)
            .is_some())
        .await,
        "not seen by the other instance"
    );
    assert_eq!(two.identity_policies(ALICE).unwrap().len(), 2);
    one.set_identity_policies(ALICE, &[]).await.unwrap();
    assert!(
        eventually(Duration::from_secs(1), || two
            .identity_policies(ALICE)
            .is_none())
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_policy_set_on_one_instance_applies_on_another_within_a_second() {
    let server = RedisServer::start();
    let (one, two) = (instance(&server).await, instance(&server).await);
    one.set_owner("photos", Some("111122223333".into()))
        .await
        .unwrap();
    one.set_resource_policy("photos", Some(PUBLIC_READ))
        .await
        .unwrap();
    let seen = || {
        two.resource_policies("photos")
            .is_some_and(|r| r.policies.len() == 1 && r.owner.as_deref() == Some("111122223333"))
    };
    assert!(
        eventually(Duration::from_secs(1), seen).await,
        "not seen by the other instance"
    );
    one.set_resource_policy("photos", None).await.unwrap();
    let removed = || {
        two.resource_policies("photos")
            .is_some_and(|r| r.policies.is_empty())
    };
    assert!(eventually(Duration::from_secs(1), removed).await);
    assert_eq!(
        two.resource_policies("photos").unwrap().owner.as_deref(),
        Some("111122223333"),
        "the owner was not kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_removed_on_one_instance_is_forgotten_on_another() {
    let server = RedisServer::start();
    let (one, two) = (instance(&server).await, instance(&server).await);
    one.set_resource("photos", None, &[PUBLIC_READ])
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(1), || two
            .resource_policies("photos")
            .is_some())
        .await
    );
    one.remove_resource("photos").await.unwrap();
    assert!(
        eventually(Duration::from_secs(1), || two
            .resource_policies("photos")
            .is_none())
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_started_later_reads_every_entry() {
    let server = RedisServer::start();
    let one = instance(&server).await;
    one.set_identity_policies(ALICE, &[READ_ALL]).await.unwrap();
    one.set_resource("photos", Some("111122223333".into()), &[PUBLIC_READ])
        .await
        .unwrap();
    let later = instance(&server).await;
    assert_eq!(later.identity_policies(ALICE).map(|p| p.len()), Some(1));
    assert_eq!(
        later.resource_policies("photos").map(|r| r.policies.len()),
        Some(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_that_does_not_parse_is_refused_and_nothing_is_written() {
    let server = RedisServer::start();
    let one = instance(&server).await;
    let refused = one
        .set_identity_policies(ALICE, &[READ_ALL, r#"{"Statement": "nonsense"}"#])
        .await;
    assert!(
        matches!(&refused, Err(Error::Invalid(why)) if why.contains(ALICE)),
        "{refused:?}"
    );
    assert!(one.identity_policies(ALICE).is_none());
    assert!(instance(&server).await.identity_policies(ALICE).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_written_otherwise_that_does_not_parse_denies_everything() {
    let server = RedisServer::start();
    let raw = redis::Client::open(server.url()).unwrap();
    let mut connection = raw.get_multiplexed_async_connection().await.unwrap();
    let entry = serde_json::json!([READ_ALL, "{not a policy"]).to_string();
    let _: () = redis::cmd("SET")
        .arg(format!("countersign:policy:identity:{ALICE}"))
        .arg(entry)
        .query_async(&mut connection)
        .await
        .unwrap();
    let store = instance(&server).await;
    let policies = store.identity_policies(ALICE).expect("an entry");
    assert_eq!(policies.len(), 1, "the valid document was kept alone");
    assert_eq!(policies[0].sid(0), Some(INVALID_ENTRY_SID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restarted_empty_leaves_no_policy_once_subscribed_again() {
    let mut server = RedisServer::start();
    let store = instance(&server).await;
    store
        .set_identity_policies(ALICE, &[READ_ALL])
        .await
        .unwrap();
    server.restart();
    assert!(
        eventually(Duration::from_secs(5), || store
            .identity_policies(ALICE)
            .is_none())
        .await,
        "a policy of the dataset that is gone is still applied"
    );
}
