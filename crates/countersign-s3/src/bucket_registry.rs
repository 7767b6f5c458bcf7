//! [`BucketPolicies`]: the buckets' owners and policies, as the frontend keeps them for the
//! layer's authorizer.
//!
//! A bucket's owner (the account that created it) and its policy are kept in memory, where
//! the authorizer reads them on every request (so a `PutBucketPolicy` takes effect on the
//! next one), and in the storage, read back when the frontend starts. With a
//! [`SharedBuckets`], the owners and policies the authorizer reads are the shared ones, so
//! that a `PutBucketPolicy` through one frontend applies on all; the storage still keeps
//! them, for GetBucketPolicy's text, and a bucket the shared store has no entry for is
//! copied there at start.

use std::collections::HashMap;
use std::sync::Arc;

use countersign_policy::Policy;
use countersign_server::authz::{MemoryPolicyStore, PolicyStore, ResourcePolicies};
use http::StatusCode;
use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::fs::Storage;
use crate::shared::{SharedBuckets, SharedError};
use crate::xml::S3Error;

/// The buckets' owners and policies: a [`PolicyStore`] of resource policies (one per
/// bucket, under the bucket's name) for the layer's
/// [`PolicyAuthorizer`](countersign_server::authz::PolicyAuthorizer), which has no identity
/// policies of its own. Clones share the buckets.
#[derive(Clone, Default)]
pub struct BucketPolicies {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    store: MemoryPolicyStore,
    shared: Option<Arc<dyn SharedBuckets>>,
    /// The records, changed one at a time, so that the storage and the store agree.
    records: Mutex<HashMap<String, Record>>,
}

impl std::fmt::Debug for BucketPolicies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BucketPolicies")
            .field("store", &self.inner.store)
            .field("shared", &self.inner.shared.is_some())
            .finish_non_exhaustive()
    }
}

impl BucketPolicies {
    /// Owners and policies kept in memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Owners and policies the authorizer reads from `shared`.
    pub fn shared(shared: impl SharedBuckets) -> Self {
        BucketPolicies {
            inner: Arc::new(Inner {
                store: MemoryPolicyStore::new(),
                shared: Some(Arc::new(shared)),
                records: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Reads the records of the buckets in `storage`. A record whose policy no longer
    /// parses is an error (dropping it could lift a `Deny`). With a shared store, a record
    /// it has no entry for is copied there; its entries are left as they are.
    pub(crate) async fn load(&self, storage: &Storage) -> Result<(), String> {
        let mut records = self.inner.records.lock().await;
        for (bucket, text) in storage.bucket_records().map_err(|e| e.to_string())? {
            let place = format!(".countersign/buckets/{bucket}.json");
            let record = Record::from_json(&text).map_err(|e| format!("{place}: {e}"))?;
            let policy = match &record.policy {
                None => None,
                Some(document) => Some(
                    Policy::bucket(document).map_err(|e| format!("{place}: the policy: {e}"))?,
                ),
            };
            match &self.inner.shared {
                Some(shared) if shared.entry(&bucket).is_none() => {
                    let documents: Vec<&str> = record.policy.iter().map(String::as_str).collect();
                    shared
                        .set_bucket(&bucket, record.owner.as_deref(), &documents)
                        .await
                        .map_err(|e| format!("{place} into the shared store: {e}"))?;
                }
                Some(_) => {}
                None => {
                    let resource = ResourcePolicies::owned_by(record.owner.clone())
                        .with_policies(policy.into_iter().collect());
                    self.inner.store.set_resource(bucket.as_str(), resource);
                }
            }
            records.insert(bucket, record);
        }
        Ok(())
    }

    /// The account that owns `bucket`, if one was recorded.
    pub(crate) async fn owner(&self, bucket: &str) -> Option<String> {
        match &self.inner.shared {
            Some(shared) => shared.entry(bucket)?.owner.clone(),
            None => self.inner.records.lock().await.get(bucket)?.owner.clone(),
        }
    }

    /// Records a new bucket owned by `owner` (a service's has none), without a policy.
    pub(crate) async fn created(
        &self,
        storage: &Storage,
        bucket: &str,
        owner: Option<&str>,
    ) -> Result<(), S3Error> {
        let record = Record {
            owner: owner.map(str::to_string),
            policy: None,
        };
        let mut records = self.inner.records.lock().await;
        if let Some(shared) = &self.inner.shared {
            shared
                .set_bucket(bucket, owner, &[])
                .await
                .map_err(|e| unavailable(&e))?;
        }
        storage
            .write_bucket_record(bucket, &record.to_json())
            .await?;
        self.inner
            .store
            .set_resource(bucket, ResourcePolicies::owned_by(record.owner.clone()));
        records.insert(bucket.to_string(), record);
        Ok(())
    }

    /// Forgets a deleted bucket.
    pub(crate) async fn deleted(&self, storage: &Storage, bucket: &str) {
        let mut records = self.inner.records.lock().await;
        storage.remove_bucket_record(bucket).await;
        if let Some(shared) = &self.inner.shared {
            if let Err(e) = shared.remove_bucket(bucket).await {
                // The bucket is gone; its entry is what a bucket made again by that name
                // would start with, until it is written anew.
                eprintln!("cannot remove the entry of the deleted bucket {bucket} from the shared store: {e}");
            }
        }
        self.inner.store.remove_resource(bucket);
        records.remove(bucket);
    }

    /// The policy of `bucket`, as it was put. With a shared store, the one it has, whose
    /// text is the storage's.
    pub(crate) async fn policy(&self, storage: &Storage, bucket: &str) -> Option<String> {
        let Some(shared) = &self.inner.shared else {
            return self.inner.records.lock().await.get(bucket)?.policy.clone();
        };
        if shared.entry(bucket)?.policies.is_empty() {
            return None;
        }
        let text = storage.read_bucket_record(bucket).await?;
        Record::from_json(&text).ok()?.policy
    }

    /// Sets or (with `None`) removes the policy of `bucket`: `policy` is the parsed
    /// document and its text, given back by GetBucketPolicy as it was put.
    pub(crate) async fn set_policy(
        &self,
        storage: &Storage,
        bucket: &str,
        policy: Option<(Policy, String)>,
    ) -> Result<(), S3Error> {
        let mut records = self.inner.records.lock().await;
        let mut record = records.get(bucket).cloned().unwrap_or_default();
        let (parsed, document) = policy.unzip();
        record.policy = document;
        if let Some(shared) = &self.inner.shared {
            record.owner = shared.entry(bucket).and_then(|entry| entry.owner.clone());
            shared
                .set_policy(bucket, record.policy.as_deref())
                .await
                .map_err(|e| unavailable(&e))?;
        }
        storage
            .write_bucket_record(bucket, &record.to_json())
            .await?;
        self.inner.store.set_resource_policy(bucket, parsed);
        records.insert(bucket.to_string(), record);
        Ok(())
    }
}

impl PolicyStore for BucketPolicies {
    fn identity_policies(&self, _principal_arn: &str) -> Option<Arc<[Policy]>> {
        None
    }

    fn resource_policies(&self, key: &str) -> Option<Arc<ResourcePolicies>> {
        match &self.inner.shared {
            Some(shared) => shared.entry(key),
            None => self.inner.store.resource_policies(key),
        }
    }
}

/// One bucket's record: its owner, and its policy as it was put.
#[derive(Debug, Clone, Default)]
struct Record {
    owner: Option<String>,
    policy: Option<String>,
}

impl Record {
    fn to_json(&self) -> Value {
        json!({"owner": self.owner, "policy": self.policy})
    }

    /// A record file's contents; `Err` says what is wrong.
    fn from_json(text: &str) -> Result<Record, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let field = |name: &str| match value.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(format!("{name}: expected a string")),
        };
        Ok(Record {
            owner: field("owner")?,
            policy: field("policy")?,
        })
    }
}

/// The refusal of a change that the shared store could not take: 503
/// `ServiceUnavailable`, as the layer refuses a request that needed it.
fn unavailable(error: &SharedError) -> S3Error {
    S3Error::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        format!("The bucket's policies cannot be changed now: {error}"),
    )
}
