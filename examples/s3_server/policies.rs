//! What the layer's authorizer asks: the identity policies of the keys' principals (from
//! `--policies`, or the development key's), and each bucket's owner and policy, as the
//! server keeps them.
//!
//! A bucket's owner (the account that created it) and its policy are kept in memory, where
//! the authorizer reads them on every request (so a `PutBucketPolicy` takes effect on the
//! next one), and on disk in `.countersign/buckets/BUCKET.json` (`{"owner": "ACCOUNT",
//! "policy": "DOCUMENT"}`), read back at start.
//!
//! With `--redis`, the owners and policies the authorizer reads are those of Redis (a
//! `RedisPolicyStore`, which every instance keeps in memory and reloads as they change), so
//! that a `PutBucketPolicy` on one instance applies on all; the record files are still
//! written, for GetBucketPolicy's text, and a record Redis lacks is copied there at start.

use std::collections::HashMap;
use std::sync::Arc;

use countersign::server::authz::{
    FilePolicyStore, MemoryPolicyStore, PolicyStore, ResourcePolicies,
};
use countersign_policy::Policy;
use countersign_redis::RedisPolicyStore;
use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::storage::Storage;
use crate::xml::S3Error;

/// The identity policies of the development key: everything.
const ADMINISTRATOR: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "Administrator", "Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// The policy store of the layer's authorizer: the policy file's identity and resource
/// policies, and the server's own (the development key's identity policy, the buckets'
/// owners and policies, in memory or in Redis). A bucket has the owner the server recorded
/// (else the file's) and the policies of both. Clones share the policies.
#[derive(Debug, Clone)]
pub(crate) struct Policies {
    file: Option<FilePolicyStore>,
    kept: MemoryPolicyStore,
    /// With `--redis`: the buckets' owners and policies (and identity policies written there).
    shared: Option<RedisPolicyStore>,
}

impl Policies {
    /// The policies of `file` (`--policies`), if any, and the server's (the buckets' in
    /// `shared` when given).
    pub(crate) fn new(file: Option<FilePolicyStore>, shared: Option<RedisPolicyStore>) -> Self {
        Policies {
            file,
            kept: MemoryPolicyStore::new(),
            shared,
        }
    }

    /// Gives `principal_arn` every permission (the development key).
    pub(crate) fn administrator(&self, principal_arn: &str) -> Result<(), String> {
        let policy = Policy::identity(ADMINISTRATOR).map_err(|e| e.to_string())?;
        self.kept.set_identity_policies(principal_arn, vec![policy]);
        Ok(())
    }
}

impl PolicyStore for Policies {
    fn identity_policies(&self, principal_arn: &str) -> Option<Arc<[Policy]>> {
        self.file
            .as_ref()
            .and_then(|file| file.identity_policies(principal_arn))
            .or_else(|| {
                let shared = self.shared.as_ref();
                shared.and_then(|shared| shared.identity_policies(principal_arn))
            })
            .or_else(|| self.kept.identity_policies(principal_arn))
    }

    fn resource_policies(&self, key: &str) -> Option<Arc<ResourcePolicies>> {
        let kept = match &self.shared {
            Some(shared) => shared.resource_policies(key),
            None => self.kept.resource_policies(key),
        };
        let filed = self.file.as_ref().and_then(|f| f.resource_policies(key));
        match (kept, filed) {
            (Some(kept), Some(filed)) => {
                let owner = kept.owner.clone().or_else(|| filed.owner.clone());
                let policies = kept.policies.iter().chain(&filed.policies).cloned();
                Some(Arc::new(
                    ResourcePolicies::owned_by(owner).with_policies(policies.collect()),
                ))
            }
            (kept, None) => kept,
            (None, filed) => filed,
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

/// The buckets' owners and policies: written to disk, then handed to the policy store (in
/// memory, or in Redis with `--redis`).
#[derive(Debug)]
pub(crate) struct Buckets {
    store: MemoryPolicyStore,
    /// With `--redis`: where the owners and policies the authorizer reads are kept.
    shared: Option<RedisPolicyStore>,
    /// The records, changed one at a time, so that the disk and the store agree. With
    /// `--redis`, the disk is shared with other instances and is read afresh.
    records: Mutex<HashMap<String, Record>>,
}

impl Buckets {
    /// The records of the buckets in `storage`, handed to `policies`. A record whose policy
    /// no longer parses stops the server (dropping it could lift a `Deny`). With `--redis`,
    /// a record Redis has no entry for is copied there; Redis's entries are left as they are.
    pub(crate) async fn load(storage: &Storage, policies: &Policies) -> Result<Buckets, String> {
        let mut records = HashMap::new();
        for (bucket, text) in storage.bucket_records().map_err(|e| e.to_string())? {
            let place = format!(".countersign/buckets/{bucket}.json");
            let record = Record::from_json(&text).map_err(|e| format!("{place}: {e}"))?;
            let policy = match &record.policy {
                None => None,
                Some(document) => Some(
                    Policy::bucket(document).map_err(|e| format!("{place}: the policy: {e}"))?,
                ),
            };
            match &policies.shared {
                Some(shared) if shared.resource_policies(&bucket).is_none() => {
                    let documents: Vec<&str> = record.policy.iter().map(String::as_str).collect();
                    shared
                        .set_resource(&bucket, record.owner.clone(), &documents)
                        .await
                        .map_err(|e| format!("{place} into Redis: {e}"))?;
                }
                Some(_) => {}
                None => {
                    let resource = ResourcePolicies::owned_by(record.owner.clone())
                        .with_policies(policy.into_iter().collect());
                    policies.kept.set_resource(bucket.as_str(), resource);
                }
            }
            records.insert(bucket, record);
        }
        Ok(Buckets {
            store: policies.kept.clone(),
            shared: policies.shared.clone(),
            records: Mutex::new(records),
        })
    }

    /// The account that owns `bucket`, if the server recorded one.
    pub(crate) async fn owner(&self, bucket: &str) -> Option<String> {
        match &self.shared {
            Some(shared) => shared.resource_policies(bucket)?.owner.clone(),
            None => self.records.lock().await.get(bucket)?.owner.clone(),
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
        let mut records = self.records.lock().await;
        if let Some(shared) = &self.shared {
            shared
                .set_resource(bucket, record.owner.clone(), &[])
                .await
                .map_err(|e| unavailable(&e))?;
        }
        storage
            .write_bucket_record(bucket, &record.to_json())
            .await?;
        self.store
            .set_resource(bucket, ResourcePolicies::owned_by(record.owner.clone()));
        records.insert(bucket.to_string(), record);
        Ok(())
    }

    /// Forgets a deleted bucket.
    pub(crate) async fn deleted(&self, storage: &Storage, bucket: &str) {
        let mut records = self.records.lock().await;
        storage.remove_bucket_record(bucket).await;
        if let Some(shared) = &self.shared {
            if let Err(e) = shared.remove_resource(bucket).await {
                // The bucket is gone; its entry is what a bucket made again by that name
                // would start with, until it is written anew.
                eprintln!("cannot remove the entry of the deleted bucket {bucket} from Redis: {e}");
            }
        }
        self.store.remove_resource(bucket);
        records.remove(bucket);
    }

    /// The policy of `bucket`, as it was put. With `--redis`, the one Redis has, whose text
    /// is the record's on the shared disk.
    pub(crate) async fn policy(&self, storage: &Storage, bucket: &str) -> Option<String> {
        let Some(shared) = &self.shared else {
            return self.records.lock().await.get(bucket)?.policy.clone();
        };
        if shared.resource_policies(bucket)?.policies.is_empty() {
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
        let mut records = self.records.lock().await;
        let mut record = records.get(bucket).cloned().unwrap_or_default();
        let (parsed, document) = policy.unzip();
        record.policy = document;
        if let Some(shared) = &self.shared {
            record.owner = self.owner_in(shared, bucket);
            shared
                .set_resource_policy(bucket, record.policy.as_deref())
                .await
                .map_err(|e| unavailable(&e))?;
        }
        storage
            .write_bucket_record(bucket, &record.to_json())
            .await?;
        self.store.set_resource_policy(bucket, parsed);
        records.insert(bucket.to_string(), record);
        Ok(())
    }

    /// The owner of `bucket` in Redis.
    fn owner_in(&self, shared: &RedisPolicyStore, bucket: &str) -> Option<String> {
        shared.resource_policies(bucket)?.owner.clone()
    }
}

/// The refusal of a change that Redis could not take: 503 `ServiceUnavailable`, as the layer
/// refuses a request that needed Redis.
fn unavailable(error: &countersign_redis::Error) -> S3Error {
    S3Error::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        format!("The bucket's policies cannot be changed now: {error}"),
    )
}
