//! Multipart uploads on disk: `.countersign/uploads/ID/` holds `upload.json` (bucket, key,
//! headers, checksum algorithm, when it began), and `N.part` with `N.json` (ETag, size,
//! checksum) for each part; completing joins the chosen parts into a temporary file that is
//! committed like any other object.

use std::path::{Path, PathBuf};

use countersign_core::checksum::ChecksumAlgorithm;
use md5::{Digest, Md5};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::fs::{
    from_millis, headers_from_json, internal, millis, now, BodyChecksum, ObjectMeta, Received,
    Storage,
};
use crate::xml::S3Error;

/// The checksum algorithms a part may carry, each with the element that gives its value in
/// S3's documents (CompleteMultipartUpload, ListParts, CopyPartResult).
pub(crate) const PART_CHECKSUMS: [(ChecksumAlgorithm, &str); 5] = [
    (ChecksumAlgorithm::Crc32, "ChecksumCRC32"),
    (ChecksumAlgorithm::Crc32c, "ChecksumCRC32C"),
    (ChecksumAlgorithm::Crc64Nvme, "ChecksumCRC64NVME"),
    (ChecksumAlgorithm::Sha1, "ChecksumSHA1"),
    (ChecksumAlgorithm::Sha256, "ChecksumSHA256"),
];

/// The part checksum algorithm S3 calls `name` (`CRC32`, `CRC32C`, `CRC64NVME`, `SHA1`,
/// `SHA256`, in any case), as `x-amz-checksum-algorithm` gives it.
pub(crate) fn checksum_algorithm_named(name: &str) -> Option<ChecksumAlgorithm> {
    PART_CHECKSUMS
        .iter()
        .map(|(algorithm, _)| *algorithm)
        .find(|algorithm| algorithm.to_string().eq_ignore_ascii_case(name.trim()))
}

/// The element that gives an algorithm's value in S3's documents (`ChecksumCRC32`, ...).
pub(crate) fn checksum_element(algorithm: ChecksumAlgorithm) -> Option<&'static str> {
    PART_CHECKSUMS
        .iter()
        .find(|(a, _)| *a == algorithm)
        .map(|(_, element)| *element)
}

/// A multipart upload in progress.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub(crate) id: String,
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) initiated: OffsetDateTime,
    pub(crate) headers: Vec<(String, String)>,
    /// CreateMultipartUpload's `x-amz-checksum-algorithm`: every part gets this checksum.
    pub(crate) checksum_algorithm: Option<ChecksumAlgorithm>,
}

/// One uploaded part.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub(crate) number: u32,
    pub(crate) etag: String,
    pub(crate) size: u64,
    pub(crate) last_modified: OffsetDateTime,
    /// The checksum computed over the part's bytes as they were stored, if it has one.
    pub(crate) checksum: Option<BodyChecksum>,
}

impl Storage {
    pub(crate) async fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        headers: Vec<(String, String)>,
        checksum_algorithm: Option<ChecksumAlgorithm>,
    ) -> Result<String, S3Error> {
        self.bucket_exists(bucket).await?;
        let id = self.unique();
        let dir = self.uploads_dir().join(&id);
        tokio::fs::create_dir(&dir).await.map_err(internal)?;
        let document = json!({
            "bucket": bucket,
            "key": key,
            "initiated_ms": millis(now()),
            "headers": headers,
            "checksum_algorithm": checksum_algorithm.map(|a| a.to_string()),
        });
        tokio::fs::write(dir.join("upload.json"), document.to_string())
            .await
            .map_err(internal)?;
        Ok(id)
    }

    fn upload_dir(&self, id: &str) -> Result<PathBuf, S3Error> {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(S3Error::no_such_upload(id));
        }
        Ok(self.uploads_dir().join(id))
    }

    /// The upload, which must be for this bucket and key.
    pub(crate) async fn upload(
        &self,
        id: &str,
        bucket: &str,
        key: &str,
    ) -> Result<Upload, S3Error> {
        let upload = self.read_upload(id).await?;
        if upload.bucket != bucket || upload.key != key {
            return Err(S3Error::no_such_upload(id));
        }
        Ok(upload)
    }

    async fn read_upload(&self, id: &str) -> Result<Upload, S3Error> {
        let dir = self.upload_dir(id)?;
        let bytes = tokio::fs::read(dir.join("upload.json"))
            .await
            .map_err(|_| S3Error::no_such_upload(id))?;
        let v: Value = serde_json::from_slice(&bytes).map_err(internal)?;
        Ok(Upload {
            id: id.to_string(),
            bucket: v["bucket"].as_str().unwrap_or_default().to_string(),
            key: v["key"].as_str().unwrap_or_default().to_string(),
            initiated: from_millis(v["initiated_ms"].as_i64().unwrap_or(0)),
            headers: headers_from_json(&v["headers"]),
            checksum_algorithm: v["checksum_algorithm"]
                .as_str()
                .and_then(checksum_algorithm_named),
        })
    }

    /// Stores a part (replacing one with the same number), with the checksum received with it.
    pub(crate) async fn commit_part(
        &self,
        upload: &Upload,
        number: u32,
        mut received: Received,
    ) -> Result<Part, S3Error> {
        let dir = self.upload_dir(&upload.id)?;
        let part = Part {
            number,
            etag: received.etag(),
            size: received.size,
            last_modified: now(),
            checksum: received.checksum.take(),
        };
        let _guard = self.lock.write().await;
        if tokio::fs::metadata(dir.join("upload.json")).await.is_err() {
            return Err(S3Error::no_such_upload(&upload.id));
        }
        let document = json!({
            "etag": part.etag,
            "size": part.size,
            "last_modified_ms": millis(part.last_modified),
            "checksum_algorithm": part.checksum.as_ref().map(|c| c.algorithm.to_string()),
            "checksum": part.checksum.as_ref().map(|c| c.value.as_str()),
        });
        tokio::fs::rename(&received.temp.path, dir.join(format!("{number}.part")))
            .await
            .map_err(internal)?;
        received.temp.committed = true;
        tokio::fs::write(dir.join(format!("{number}.json")), document.to_string())
            .await
            .map_err(internal)?;
        Ok(part)
    }

    /// The parts uploaded so far, by number.
    pub(crate) async fn list_parts(&self, upload: &Upload) -> Result<Vec<Part>, S3Error> {
        let dir = self.upload_dir(&upload.id)?;
        let mut parts = Vec::new();
        let mut entries = tokio::fs::read_dir(&dir)
            .await
            .map_err(|_| S3Error::no_such_upload(&upload.id))?;
        while let Some(entry) = entries.next_entry().await.map_err(internal)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(number) = name
                .strip_suffix(".json")
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(bytes) = tokio::fs::read(entry.path()).await else {
                continue;
            };
            let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
                continue;
            };
            parts.push(Part {
                number,
                etag: v["etag"].as_str().unwrap_or_default().to_string(),
                size: v["size"].as_u64().unwrap_or(0),
                last_modified: from_millis(v["last_modified_ms"].as_i64().unwrap_or(0)),
                checksum: part_checksum_from_json(&v),
            });
        }
        parts.sort_by_key(|p| p.number);
        Ok(parts)
    }

    /// Joins the chosen parts into the object. `chosen` is (number, ETag) in order; the
    /// caller checked the order and the ETags against [`list_parts`](Self::list_parts).
    pub(crate) async fn complete(
        &self,
        upload: &Upload,
        chosen: &[Part],
    ) -> Result<ObjectMeta, S3Error> {
        let dir = self.upload_dir(&upload.id)?;
        let mut temp = self.temp_file();
        let sources: Vec<PathBuf> = chosen
            .iter()
            .map(|p| dir.join(format!("{}.part", p.number)))
            .collect();
        let destination = temp.path.clone();
        let size = tokio::task::spawn_blocking(move || concatenate(&sources, &destination))
            .await
            .map_err(internal)?
            .map_err(internal)?;
        let mut md5s = Md5::new();
        for part in chosen {
            let digest = hex::decode(part.etag.trim_matches('"')).map_err(internal)?;
            md5s.update(&digest);
        }
        let meta = ObjectMeta {
            size,
            etag: format!("\"{}-{}\"", hex::encode(md5s.finalize()), chosen.len()),
            last_modified: now(),
            headers: upload.headers.clone(),
        };
        self.commit_file(&upload.bucket, &upload.key, &mut temp, &meta)
            .await?;
        let _ = tokio::fs::remove_dir_all(&dir).await;
        Ok(meta)
    }

    pub(crate) async fn abort(&self, upload: &Upload) -> Result<(), S3Error> {
        let dir = self.upload_dir(&upload.id)?;
        let _guard = self.lock.write().await;
        tokio::fs::remove_dir_all(&dir)
            .await
            .map_err(|_| S3Error::no_such_upload(&upload.id))
    }

    /// The uploads in progress in a bucket, by key then initiation.
    pub(crate) async fn list_uploads(&self, bucket: &str) -> Result<Vec<Upload>, S3Error> {
        let mut uploads = Vec::new();
        let mut entries = tokio::fs::read_dir(self.uploads_dir())
            .await
            .map_err(internal)?;
        while let Some(entry) = entries.next_entry().await.map_err(internal)? {
            let id = entry.file_name().to_string_lossy().into_owned();
            if let Ok(upload) = self.read_upload(&id).await {
                if upload.bucket == bucket {
                    uploads.push(upload);
                }
            }
        }
        uploads.sort_by(|a, b| (&a.key, a.initiated).cmp(&(&b.key, b.initiated)));
        Ok(uploads)
    }
}

/// A part's stored checksum: its algorithm's name and its value, both present.
fn part_checksum_from_json(v: &Value) -> Option<BodyChecksum> {
    Some(BodyChecksum {
        algorithm: checksum_algorithm_named(v["checksum_algorithm"].as_str()?)?,
        value: v["checksum"].as_str()?.to_string(),
    })
}

/// Writes the files one after the other into a new file, returning the total size.
fn concatenate(sources: &[PathBuf], destination: &Path) -> std::io::Result<u64> {
    let mut output = std::fs::File::create(destination)?;
    let mut size = 0;
    for source in sources {
        size += std::io::copy(&mut std::fs::File::open(source)?, &mut output)?;
    }
    output.sync_data()?;
    Ok(size)
}
