//! Policies kept in Redis, answered from memory, kept true by invalidations.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use countersign_policy::Policy;
use countersign_server::authz::{PolicyStore, ResourcePolicies};
use dashmap::DashMap;
use redis::Pipeline;
use serde_json::{json, Value};

use crate::client::RedisClient;
use crate::error::Error;
use crate::subscription::{Listener, Subscription};

/// The channel, after the prefix, on which every change to a policy entry publishes the
/// entry's name (`identity:ARN` or `resource:KEY`).
const POLICIES_CHANNEL: &str = "policies";

/// The `Sid` of the policy an entry whose documents do not all parse is read as.
pub const INVALID_ENTRY_SID: &str = "CountersignInvalidEntry";

/// What an identity entry whose documents do not all parse is read as: everything denied.
const DENY_ALL_IDENTITY: &str = r#"{"Version": "2012-10-17", "Statement": {"Sid": "CountersignInvalidEntry", "Effect": "Deny", "Action": "*", "Resource": "*"}}"#;
/// What a resource entry whose documents do not all parse is read as: everything denied.
const DENY_ALL_RESOURCE: &str = r#"{"Version": "2012-10-17", "Statement": {"Sid": "CountersignInvalidEntry", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}}"#;

/// The maps, by name, that every request reads.
type Map<V> = DashMap<String, V, foldhash::fast::RandomState>;

/// Identity policies per principal ARN and resource policies (with the owner) per bucket or
/// API, kept in Redis and answered from memory (the [`PolicyStore`] trait is synchronous):
/// the whole set is read when the store starts, and each change made through a store's
/// setters publishes the entry's name on `{prefix}policies`, on which every store reads that
/// entry again. Each time the subscription is made again (messages may have been missed),
/// the whole set is read again.
///
/// The layout: `{prefix}policy:identity:{arn}` holds a JSON list of the principal's policy
/// documents, each as its JSON text; `{prefix}policy:resource:{key}` holds
/// `{"owner": "111122223333" or null, "policies": ["<document>", …]}`. The setters parse
/// every document before anything is written ([`Policy::identity`], [`Policy::bucket`]),
/// and refuse one that does not parse. An entry written otherwise whose documents do not all
/// parse is logged, naming the entry, and read as one policy denying everything (its `Sid`
/// is [`INVALID_ENTRY_SID`]): a document left out could have been the one that denied.
///
/// While Redis is unreachable the store keeps answering with what it last read (it cannot
/// wait), and reads everything again once its subscription is back.
///
/// ```no_run
/// # async fn run() -> Result<(), countersign_redis::Error> {
/// use countersign_redis::{RedisClient, RedisConfig, RedisPolicyStore};
/// let client = RedisClient::connect(RedisConfig::new("redis://127.0.0.1:6379")?).await?;
/// let policies = RedisPolicyStore::start(client).await;
/// policies.set_owner("photos", Some("111122223333".into())).await?;
/// policies.set_resource_policy("photos", Some(r#"{"Version": "2012-10-17", "Statement":
///     {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
///      "Resource": "arn:aws:s3:::photos/*"}}"#)).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisPolicyStore {
    shared: Arc<Shared>,
}

struct Shared {
    policies: Arc<Policies>,
    subscription: Subscription,
}

/// The policies in memory, and how to read them from Redis.
struct Policies {
    client: RedisClient,
    identities: Map<Arc<[Policy]>>,
    resources: Map<Arc<ResourcePolicies>>,
}

/// One entry of the store, by the name its Redis key and messages give it.
enum Entry<'a> {
    Identity(&'a str),
    Resource(&'a str),
}

impl<'a> Entry<'a> {
    /// The entry a message or a Redis key (after `{prefix}policy:`) names.
    fn parse(name: &'a str) -> Option<Self> {
        if let Some(arn) = name.strip_prefix("identity:") {
            Some(Entry::Identity(arn))
        } else {
            name.strip_prefix("resource:").map(Entry::Resource)
        }
    }

    /// Its name: `identity:ARN` or `resource:KEY`.
    fn name(&self) -> String {
        match self {
            Entry::Identity(arn) => format!("identity:{arn}"),
            Entry::Resource(key) => format!("resource:{key}"),
        }
    }
}

impl Policies {
    /// The Redis key of `entry`.
    fn redis_key(&self, entry: &Entry<'_>) -> String {
        self.client.key(&format!("policy:{}", entry.name()))
    }

    /// Reads `entry` again.
    async fn reload(&self, entry: Entry<'_>) -> Result<(), Error> {
        let get = redis::cmd("GET").arg(self.redis_key(&entry)).clone();
        let text: Option<Vec<u8>> = self.client.query(&get).await?;
        self.apply(&entry, text.as_deref());
        Ok(())
    }

    /// Puts what Redis holds for `entry` (nothing: `None`) in memory.
    fn apply(&self, entry: &Entry<'_>, text: Option<&[u8]>) {
        match (entry, text) {
            (Entry::Identity(arn), None) => {
                self.identities.remove(*arn);
            }
            (Entry::Resource(key), None) => {
                self.resources.remove(*key);
            }
            (Entry::Identity(arn), Some(text)) => {
                let policies = read_identity(text).unwrap_or_else(|why| {
                    tracing::error!(entry = %entry.name(), %why, "policy entry not valid: denying all");
                    deny_all(DENY_ALL_IDENTITY, Policy::identity)
                });
                self.identities.insert(arn.to_string(), policies.into());
            }
            (Entry::Resource(key), Some(text)) => {
                let resource = read_resource(text).unwrap_or_else(|(owner, why)| {
                    tracing::error!(entry = %entry.name(), %why, "policy entry not valid: denying all");
                    ResourcePolicies::owned_by(owner)
                        .with_policies(deny_all(DENY_ALL_RESOURCE, Policy::bucket))
                });
                self.resources.insert(key.to_string(), Arc::new(resource));
            }
        }
    }

    /// Reads every entry again, and forgets those that are gone.
    async fn reload_all(&self) -> Result<(), Error> {
        let prefix = self.client.key("policy:");
        let names = self.client.names_under(&prefix).await?;
        let texts = self.client.values_of(&names).await?;
        let (mut identities, mut resources) = (HashSet::new(), HashSet::new());
        for (name, text) in names.iter().zip(texts) {
            let Some(entry) = name.get(prefix.len()..).and_then(Entry::parse) else {
                continue;
            };
            match &entry {
                Entry::Identity(arn) => identities.insert(arn.to_string()),
                Entry::Resource(key) => resources.insert(key.to_string()),
            };
            self.apply(&entry, text.as_deref());
        }
        self.identities.retain(|arn, _| identities.contains(arn));
        self.resources.retain(|key, _| resources.contains(key));
        Ok(())
    }
}

/// The policies of an identity entry.
fn read_identity(text: &[u8]) -> Result<Vec<Policy>, String> {
    let documents: Vec<String> =
        serde_json::from_slice(text).map_err(|e| format!("not a JSON list of documents: {e}"))?;
    parse_all(&documents, Policy::identity)
}

/// The owner and policies of a resource entry; when a document does not parse, the owner
/// (if it could be read) and why.
fn read_resource(text: &[u8]) -> Result<ResourcePolicies, (Option<String>, String)> {
    let value: Value = serde_json::from_slice(text).map_err(|e| (None, e.to_string()))?;
    let owner = match value.get("owner") {
        None | Some(Value::Null) => None,
        Some(Value::String(owner)) => Some(owner.clone()),
        Some(_) => return Err((None, "an owner that is not a string".into())),
    };
    let documents: Vec<String> = match value.get("policies") {
        None => Vec::new(),
        Some(list) => serde_json::from_value(list.clone())
            .map_err(|e| (owner.clone(), format!("policies: {e}")))?,
    };
    let policies = parse_all(&documents, Policy::bucket).map_err(|why| (owner.clone(), why))?;
    Ok(ResourcePolicies::owned_by(owner).with_policies(policies))
}

/// Every document parsed with `parse`; the first that does not parse, by its place.
fn parse_all<E: fmt::Display>(
    documents: &[impl AsRef<str>],
    parse: impl Fn(&str) -> Result<Policy, E>,
) -> Result<Vec<Policy>, String> {
    documents
        .iter()
        .enumerate()
        .map(|(i, d)| parse(d.as_ref()).map_err(|e| format!("document {i}: {e}")))
        .collect()
}

/// The one policy that denies everything, or none if it could not be parsed (it always is:
/// a test checks it).
fn deny_all<E>(text: &str, parse: impl Fn(&str) -> Result<Policy, E>) -> Vec<Policy> {
    parse(text).map(|p| vec![p]).unwrap_or_default()
}

impl Listener for Policies {
    async fn subscribed(&self) -> Result<(), Error> {
        self.reload_all().await.inspect_err(|why| {
            tracing::warn!(%why, "cannot read the policies; keeping those in memory until they can be")
        })
    }

    async fn message(&self, payload: &[u8]) {
        let Some(entry) = std::str::from_utf8(payload).ok().and_then(Entry::parse) else {
            return;
        };
        if let Err(why) = self.reload(entry).await {
            tracing::warn!(%why, "cannot read a changed policy entry");
        }
    }
}

impl RedisPolicyStore {
    /// Starts the store: subscribes to the invalidations in a background task on the
    /// current Tokio runtime, which reads every entry once subscribed; waits until it is, or
    /// the connect timeout has passed (until then the store is empty: nothing is allowed).
    pub async fn start(client: RedisClient) -> Self {
        let policies = Arc::new(Policies {
            client: client.clone(),
            identities: Map::default(),
            resources: Map::default(),
        });
        let channel = client.key(POLICIES_CHANNEL);
        let subscription = Subscription::start(client, channel, Arc::clone(&policies)).await;
        RedisPolicyStore {
            shared: Arc::new(Shared {
                policies,
                subscription,
            }),
        }
    }

    /// Whether the invalidation subscription is in place.
    pub fn is_subscribed(&self) -> bool {
        self.shared.subscription.state().is_up()
    }

    /// Sets the identity policies of a principal (by `aws:PrincipalArn`), replacing its
    /// others; none removes them. Each document is parsed first as an identity policy.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] naming the first document that does not parse (nothing is
    /// written), [`Error::Unavailable`] when Redis fails.
    pub async fn set_identity_policies(
        &self,
        principal_arn: &str,
        documents: &[&str],
    ) -> Result<(), Error> {
        parse_all(documents, Policy::identity).map_err(|why| invalid(principal_arn, why))?;
        let entry = Entry::Identity(principal_arn);
        let value = (!documents.is_empty()).then(|| json!(documents).to_string());
        self.write(entry, value).await
    }

    /// Sets a resource's owner and policies, each parsed first as a resource policy.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] naming the first document that does not parse (nothing is
    /// written), [`Error::Unavailable`] when Redis fails.
    pub async fn set_resource(
        &self,
        key: &str,
        owner: Option<String>,
        documents: &[&str],
    ) -> Result<(), Error> {
        parse_all(documents, Policy::bucket).map_err(|why| invalid(key, why))?;
        let value = json!({"owner": owner, "policies": documents}).to_string();
        self.write(Entry::Resource(key), Some(value)).await
    }

    /// Sets a resource's owner, keeping its policies.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when Redis fails, [`Error::Invalid`] when the entry in Redis
    /// is not valid.
    pub async fn set_owner(&self, key: &str, owner: Option<String>) -> Result<(), Error> {
        let (_, documents) = self.resource_entry(key).await?;
        let documents: Vec<&str> = documents.iter().map(String::as_str).collect();
        self.set_resource(key, owner, &documents).await
    }

    /// Sets (or with `None` removes) a resource's one policy, keeping its owner: a bucket
    /// policy.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] when the document does not parse (nothing is written) or the
    /// entry in Redis is not valid, [`Error::Unavailable`] when Redis fails.
    pub async fn set_resource_policy(
        &self,
        key: &str,
        document: Option<&str>,
    ) -> Result<(), Error> {
        let (owner, _) = self.resource_entry(key).await?;
        let documents: Vec<&str> = document.into_iter().collect();
        self.set_resource(key, owner, &documents).await
    }

    /// Forgets a resource: its owner and policies.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when Redis fails.
    pub async fn remove_resource(&self, key: &str) -> Result<(), Error> {
        self.write(Entry::Resource(key), None).await
    }

    /// The owner and documents of the resource `key` in Redis (none and none when it has no
    /// entry).
    async fn resource_entry(&self, key: &str) -> Result<(Option<String>, Vec<String>), Error> {
        let policies = &self.shared.policies;
        let get = redis::cmd("GET")
            .arg(policies.redis_key(&Entry::Resource(key)))
            .clone();
        let text: Option<Vec<u8>> = policies.client.query(&get).await?;
        let Some(text) = text else {
            return Ok((None, Vec::new()));
        };
        let value: Value =
            serde_json::from_slice(&text).map_err(|e| invalid(key, e.to_string()))?;
        let owner = value
            .get("owner")
            .and_then(Value::as_str)
            .map(str::to_string);
        let documents = match value.get("policies") {
            None => Vec::new(),
            Some(list) => {
                serde_json::from_value(list.clone()).map_err(|e| invalid(key, e.to_string()))?
            }
        };
        Ok((owner, documents))
    }

    /// Writes `value` as `entry` (or deletes it, for `None`), publishes its name, and puts it
    /// in this store's memory at once.
    async fn write(&self, entry: Entry<'_>, value: Option<String>) -> Result<(), Error> {
        let policies = &self.shared.policies;
        let client = &policies.client;
        let mut pipe = Pipeline::new();
        pipe.atomic();
        match &value {
            Some(value) => pipe.cmd("SET").arg(policies.redis_key(&entry)).arg(value),
            None => pipe.cmd("DEL").arg(policies.redis_key(&entry)),
        }
        .ignore();
        pipe.cmd("PUBLISH")
            .arg(client.key(POLICIES_CHANNEL))
            .arg(entry.name())
            .ignore();
        let () = client.pipeline(&pipe).await?;
        policies.apply(&entry, value.as_deref().map(str::as_bytes));
        Ok(())
    }
}

/// An entry that is not valid, by name.
fn invalid(name: &str, why: String) -> Error {
    Error::Invalid(format!("{name}: {why}"))
}

impl PolicyStore for RedisPolicyStore {
    fn identity_policies(&self, principal_arn: &str) -> Option<Arc<[Policy]>> {
        let identities = &self.shared.policies.identities;
        identities.get(principal_arn).map(|p| Arc::clone(&p))
    }

    fn resource_policies(&self, key: &str) -> Option<Arc<ResourcePolicies>> {
        let resources = &self.shared.policies.resources;
        resources.get(key).map(|r| Arc::clone(&r))
    }
}

impl fmt::Debug for RedisPolicyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let policies = &self.shared.policies;
        f.debug_struct("RedisPolicyStore")
            .field("client", &policies.client)
            .field("identities", &policies.identities.len())
            .field("resources", &policies.resources.len())
            .field("subscribed", &self.is_subscribed())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deny_all_policies_parse() {
        let identity = deny_all(DENY_ALL_IDENTITY, Policy::identity);
        let resource = deny_all(DENY_ALL_RESOURCE, Policy::bucket);
        assert_eq!(identity[0].sid(0), Some(INVALID_ENTRY_SID));
        assert_eq!(resource[0].sid(0), Some(INVALID_ENTRY_SID));
    }

    #[test]
    fn an_identity_entry_with_a_document_that_does_not_parse_is_refused_naming_it() {
        let good = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#;
        let text = json!([good, "{\"Statement\": 1}"]).to_string();
        let why = read_identity(text.as_bytes()).err().unwrap();
        assert!(why.starts_with("document 1:"), "{why}");
    }

    #[test]
    fn a_resource_entry_reads_its_owner_and_policies() {
        let text = json!({"owner": "111122223333", "policies": [DENY_ALL_RESOURCE]}).to_string();
        let resource = read_resource(text.as_bytes()).ok().unwrap();
        assert_eq!(resource.owner.as_deref(), Some("111122223333"));
        assert_eq!(resource.policies.len(), 1);
    }
}
