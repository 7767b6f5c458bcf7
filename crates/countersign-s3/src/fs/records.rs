//! A bucket's record in an [`FsStorage`]: `.countersign/buckets/BUCKET.json`, its owner and
//! its configuration documents by name (`{"owner": "ACCOUNT", "policy": "DOCUMENT"}`).

use serde_json::{Map, Value};
use tokio::io::AsyncWriteExt;

use super::{internal, FsStorage};
use crate::storage_error::StorageError;

/// A bucket's record: the field `owner`, and one field per configuration document.
#[derive(Debug, Clone, Default)]
pub(super) struct Record {
    fields: Map<String, Value>,
}

impl Record {
    /// The record of a new bucket.
    pub(super) fn owned_by(owner: Option<&str>) -> Self {
        let mut fields = Map::new();
        fields.insert("owner".into(), owner.map_or(Value::Null, Value::from));
        fields.insert("policy".into(), Value::Null);
        Record { fields }
    }

    /// A text field; `Err` when it is there but not a string.
    pub(super) fn field(&self, name: &str) -> Result<Option<&str>, String> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(format!("{name}: expected a string")),
        }
    }

    pub(super) fn set(&mut self, name: &str, value: Option<&str>) {
        self.fields
            .insert(name.to_string(), value.map_or(Value::Null, Value::from));
    }

    fn parse(text: &str) -> Result<Record, String> {
        match serde_json::from_str(text).map_err(|e| e.to_string())? {
            Value::Object(fields) => Ok(Record { fields }),
            _ => Err("expected an object".into()),
        }
    }
}

impl FsStorage {
    fn record_path(&self, bucket: &str) -> std::path::PathBuf {
        self.buckets_dir().join(format!("{bucket}.json"))
    }

    /// The record of a bucket that exists (an empty one when it has no file: a bucket made
    /// by hand).
    pub(super) async fn read_record(&self, bucket: &str) -> Result<Record, StorageError> {
        self.bucket_exists(bucket).await?;
        let text = match tokio::fs::read_to_string(self.record_path(bucket)).await {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Record::default()),
            Err(e) => return Err(internal(e)),
        };
        Record::parse(&text).map_err(|e| bad_record(bucket, &e))
    }

    /// A text field of a bucket's record.
    pub(super) async fn record_field(
        &self,
        bucket: &str,
        name: &str,
    ) -> Result<Option<String>, StorageError> {
        let record = self.read_record(bucket).await?;
        let field = record.field(name).map_err(|e| bad_record(bucket, &e))?;
        Ok(field.map(str::to_string))
    }

    /// Sets a text field of a bucket's record.
    pub(super) async fn set_record_field(
        &self,
        bucket: &str,
        name: &str,
        value: Option<&str>,
    ) -> Result<(), StorageError> {
        let _guard = self.lock.write().await;
        let mut record = self.read_record(bucket).await?;
        record.set(name, value);
        self.write_record(bucket, &record).await
    }

    /// Writes a bucket's record file whole (a temporary file renamed into place).
    pub(super) async fn write_record(
        &self,
        bucket: &str,
        record: &Record,
    ) -> Result<(), StorageError> {
        let mut temp = self.temp_file();
        let mut file = tokio::fs::File::create(&temp.path)
            .await
            .map_err(internal)?;
        let text = Value::Object(record.fields.clone()).to_string();
        file.write_all(text.as_bytes()).await.map_err(internal)?;
        if self.sync {
            file.sync_data().await.map_err(internal)?;
        }
        drop(file);
        tokio::fs::rename(&temp.path, self.record_path(bucket))
            .await
            .map_err(internal)?;
        temp.committed = true;
        Ok(())
    }

    /// Removes a bucket's record file, if it has one.
    pub(super) async fn remove_record(&self, bucket: &str) {
        let _ = tokio::fs::remove_file(self.record_path(bucket)).await;
    }
}

/// A record file that cannot be read: named, with what is wrong.
fn bad_record(bucket: &str, why: &str) -> StorageError {
    StorageError::internal(format!(".countersign/buckets/{bucket}.json: {why}"))
}
