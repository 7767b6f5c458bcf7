//! Managing the keys: create, change, rotate, revoke, list and import, each change published
//! to every store.

use std::collections::BTreeSet;

use countersign_server::keys::random_secret;
use redis::{Pipeline, Value as RedisValue};
use serde_json::Value;

use crate::client::RedisClient;
use crate::error::Error;
use crate::keys::record::{KeyRecord, KeyStatus};
use crate::keys::{key_name, KEYS_CHANNEL};

/// The management API of the keys in Redis, for tools and admin endpoints. Each change writes
/// the key's record and publishes its id in one `MULTI`/`EXEC`, so that every
/// [`RedisKeyStore`](crate::RedisKeyStore) drops what it cached of it.
///
/// A change that reads the record first ([`rotate`](Self::rotate),
/// [`finish_rotation`](Self::finish_rotation), [`revoke`](Self::revoke)) writes it back
/// whole: two changes to one key made at the same moment from two places keep the last
/// one written.
///
/// ```no_run
/// # async fn run() -> Result<(), countersign_redis::Error> {
/// use countersign_redis::{RedisClient, RedisConfig, RedisKeys};
/// let client = RedisClient::connect(RedisConfig::new("redis://127.0.0.1:6379")?).await?;
/// let keys = RedisKeys::new(client);
/// let (id, secret) = keys.create(serde_json::json!({"user": "alice"})).await?;
/// println!("{id} {secret}"); // the secret is shown once
/// let new_secret = keys.rotate(&id).await?; // both secrets work now
/// keys.finish_rotation(&id).await?; // only the new one does
/// keys.revoke(&id).await?; // refused everywhere
/// # let _ = new_secret; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RedisKeys {
    client: RedisClient,
}

impl RedisKeys {
    /// The keys of the deployment `client` is configured for (its key prefix).
    pub fn new(client: RedisClient) -> Self {
        RedisKeys { client }
    }

    /// Makes a new active key for `principal`: a random access key id (see
    /// [`new_access_key_id`]) and a random 40-character secret, both returned (keep the
    /// secret: it is not shown again).
    ///
    /// # Errors
    ///
    /// [`Error::Random`] when the random source fails, [`Error::Unavailable`] when Redis
    /// does.
    pub async fn create(&self, principal: Value) -> Result<(String, String), Error> {
        let secret = random_secret().map_err(|e| Error::Random(e.to_string()))?;
        let record = KeyRecord::new(secret.clone(), principal);
        // 80 random bits: a clash is all but impossible, but a drawn id that exists is
        // never overwritten.
        for _ in 0..3 {
            let id = new_access_key_id()?;
            if self.write(&id, &record, true).await? {
                return Ok((id, secret));
            }
        }
        Err(Error::Exists("three new access key ids in a row".into()))
    }

    /// Writes `record` as the key `id`, replacing what it was.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a record without a secret or an empty id,
    /// [`Error::Unavailable`] when Redis fails.
    pub async fn put(&self, id: &str, record: &KeyRecord) -> Result<(), Error> {
        self.write(id, record, false).await.map(|_| ())
    }

    /// The record of `id`, if there is one.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a record that does not parse, [`Error::Unavailable`] when
    /// Redis fails.
    pub async fn get(&self, id: &str) -> Result<Option<KeyRecord>, Error> {
        let get = redis::cmd("GET").arg(key_name(&self.client, id)).clone();
        let text: Option<Vec<u8>> = self.client.query(&get).await?;
        text.map(|t| KeyRecord::from_json(id, &t)).transpose()
    }

    /// Every key, by access key id (`SCAN`, so that Redis is not held up however many there
    /// are). A record that does not parse is logged and left out.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when Redis fails.
    pub async fn list(&self) -> Result<Vec<(String, KeyRecord)>, Error> {
        let prefix = key_name(&self.client, "");
        let names = self.client.names_under(&prefix).await?;
        let texts = self.client.values_of(&names).await?;
        let mut keys = Vec::with_capacity(names.len());
        for (name, text) in names.iter().zip(texts) {
            let id = name.get(prefix.len()..).unwrap_or_default();
            // Deleted since the scan.
            let Some(text) = text else { continue };
            match KeyRecord::from_json(id, &text) {
                Ok(record) => keys.push((id.to_string(), record)),
                Err(e) => tracing::warn!(access_key_id = %id, error = %e, "invalid key record"),
            }
        }
        Ok(keys)
    }

    /// Revokes `id`: its record stays (for `list`, and to be made active again with
    /// [`put`](Self::put)) but is marked inactive, so that every store refuses it as an
    /// unknown key. [`delete`](Self::delete) removes it instead.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when `id` has no record, [`Error::Unavailable`] when Redis fails.
    pub async fn revoke(&self, id: &str) -> Result<(), Error> {
        self.change(id, |record| record.status = KeyStatus::Inactive)
            .await
    }

    /// Removes the record of `id`; `false` when it had none.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when Redis fails.
    pub async fn delete(&self, id: &str) -> Result<bool, Error> {
        let mut pipe = Pipeline::new();
        pipe.atomic()
            .cmd("DEL")
            .arg(key_name(&self.client, id))
            .cmd("PUBLISH")
            .arg(self.client.key(KEYS_CHANNEL))
            .arg(id)
            .ignore();
        let (deleted,): (u64,) = self.client.pipeline(&pipe).await?;
        Ok(deleted > 0)
    }

    /// Starts a rotation of `id`: a new random secret becomes the first, the newest, and the
    /// one before it stays live, so that clients can move over; an older one (from a
    /// rotation not finished) goes. Returns the new secret.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when `id` has no record, [`Error::Random`] when the random
    /// source fails, [`Error::Unavailable`] when Redis does.
    pub async fn rotate(&self, id: &str) -> Result<String, Error> {
        let secret = random_secret().map_err(|e| Error::Random(e.to_string()))?;
        let new = secret.clone();
        self.change(id, move |record| {
            record.secrets.truncate(1);
            record.secrets.insert(0, new);
        })
        .await?;
        Ok(secret)
    }

    /// Ends a rotation of `id`: only its newest secret stays live.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when `id` has no record, [`Error::Unavailable`] when Redis fails.
    pub async fn finish_rotation(&self, id: &str) -> Result<(), Error> {
        self.change(id, |record| record.secrets.truncate(1)).await
    }

    /// Writes every key of a key file in [`FileKeyStore`](countersign_server::keys::FileKeyStore)'s
    /// format (`{"keys": [{"access_key_id", "secret_access_key",
    /// "previous_secret_access_key", "principal"}]}`), as active keys made now, replacing
    /// keys of the same ids; all of them or, when one is not valid, none. Returns how many.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] naming the first entry that is not valid, [`Error::Unavailable`]
    /// when Redis fails.
    pub async fn import(&self, key_file: &str) -> Result<usize, Error> {
        let keys = parse_key_file(key_file)?;
        if keys.is_empty() {
            return Ok(0);
        }
        let mut pipe = Pipeline::new();
        pipe.atomic();
        for (id, record) in &keys {
            self.add_write(&mut pipe, id, record, false)?;
        }
        let _: RedisValue = self.client.pipeline(&pipe).await?;
        Ok(keys.len())
    }

    /// Reads the record of `id`, changes it with `change`, and writes it back.
    async fn change(&self, id: &str, change: impl FnOnce(&mut KeyRecord)) -> Result<(), Error> {
        let mut record = self
            .get(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("access key {id}")))?;
        change(&mut record);
        self.put(id, &record).await
    }

    /// Writes `record` as `id` and publishes `id`; with `only_new`, only when `id` has no
    /// record yet. Whether it was written.
    async fn write(&self, id: &str, record: &KeyRecord, only_new: bool) -> Result<bool, Error> {
        let mut pipe = Pipeline::new();
        pipe.atomic();
        self.add_write(&mut pipe, id, record, only_new)?;
        let (set,): (Option<String>,) = self.client.pipeline(&pipe).await?;
        Ok(set.is_some())
    }

    /// Adds to `pipe` the `SET` of `record` as `id` (giving `OK`, or nil when `only_new`
    /// and `id` exists) and the `PUBLISH` of `id` (ignored).
    fn add_write(
        &self,
        pipe: &mut Pipeline,
        id: &str,
        record: &KeyRecord,
        only_new: bool,
    ) -> Result<(), Error> {
        if id.is_empty() {
            return Err(Error::Invalid("an empty access key id".into()));
        }
        if record.secrets.is_empty() || record.secrets.iter().any(String::is_empty) {
            return Err(Error::Invalid(format!(
                "the record of {id}: an empty secret or none"
            )));
        }
        let set = pipe
            .cmd("SET")
            .arg(key_name(&self.client, id))
            .arg(record.to_json()?);
        if only_new {
            set.arg("NX");
        }
        pipe.cmd("PUBLISH")
            .arg(self.client.key(KEYS_CHANNEL))
            .arg(id)
            .ignore();
        Ok(())
    }
}

/// The keys of a key file, in its order.
fn parse_key_file(text: &str) -> Result<Vec<(String, KeyRecord)>, Error> {
    let invalid = |why: String| Error::Invalid(format!("the key file: {why}"));
    let doc: Value = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let entries = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("expected {\"keys\": [...]}".into()))?;
    let mut seen = BTreeSet::new();
    let mut keys = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let field = |name: &str| {
            entry
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let id = field("access_key_id")
            .ok_or_else(|| invalid(format!("keys[{i}] has no access_key_id")))?;
        let secret = field("secret_access_key")
            .ok_or_else(|| invalid(format!("keys[{i}] ({id}) has no secret_access_key")))?;
        let principal = entry.get("principal").cloned().unwrap_or(Value::Null);
        let mut record = KeyRecord::new(secret, principal);
        if let Some(previous) = field("previous_secret_access_key") {
            record = record.with_secret(previous);
        }
        if !seen.insert(id) {
            return Err(invalid(format!("access key id {id} appears twice")));
        }
        keys.push((id.to_string(), record));
    }
    Ok(keys)
}

/// A new random access key id: `AKIA` and 16 characters of the base32 alphabet (`A`–`Z`,
/// `2`–`7`), 80 bits from the operating system's random source, 20 characters like AWS's.
///
/// ```
/// let id = countersign_redis::new_access_key_id()?;
/// assert_eq!(id.len(), 20);
/// assert!(id.starts_with("AKIA"));
/// # Ok::<(), countersign_redis::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Random`] when the random source fails.
pub fn new_access_key_id() -> Result<String, Error> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
    let bits = bytes
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    let mut id = String::with_capacity(20);
    id.push_str("AKIA");
    for i in (0..16).rev() {
        id.push(char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_access_key_id_is_twenty_characters_of_base32_after_akia() {
        let id = new_access_key_id().unwrap();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("AKIA"), "{id}");
        assert!(
            id[4..]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
            "{id}"
        );
        assert_ne!(id, new_access_key_id().unwrap());
    }

    #[test]
    fn a_key_file_reads_as_records_with_the_previous_secret_second() {
        let keys = parse_key_file(
            r#"{"keys": [{"access_key_id": "A", "secret_access_key": "new", "previous_secret_access_key": "old", "principal": {"user": "alice"}}, {"access_key_id": "B", "secret_access_key": "s"}]}"#,
        )
        .unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].0, "A");
        assert_eq!(keys[0].1.secrets, ["new", "old"]);
        assert_eq!(keys[0].1.principal["user"], "alice");
        assert_eq!(keys[1].1.principal, Value::Null);
    }

    #[test]
    fn a_key_file_with_an_entry_not_valid_is_refused_whole() {
        for bad in [
            "",
            r#"{"keys": {}}"#,
            r#"{"keys": [{"secret_access_key": "s"}]}"#,
            r#"{"keys": [{"access_key_id": "A"}]}"#,
            r#"{"keys": [{"access_key_id": "A", "secret_access_key": "s"}, {"access_key_id": "A", "secret_access_key": "t"}]}"#,
        ] {
            assert!(
                matches!(parse_key_file(bad), Err(Error::Invalid(_))),
                "{bad}"
            );
        }
    }
}
