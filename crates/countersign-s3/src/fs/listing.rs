//! Listing an [`FsStorage`]'s bucket: a walk of the directories that can hold keys under
//! the prefix, sorted, then paged.

use std::path::Path;
use std::sync::Arc;

use super::{internal, key_rules, FsStorage};
use crate::listing_page::{ListQuery, Listing, ListingPage, Offer};
use crate::storage_error::StorageError;

impl FsStorage {
    /// One page of the keys under the query's prefix.
    pub(super) async fn list(
        &self,
        bucket: &str,
        query: &ListQuery,
    ) -> Result<Listing, StorageError> {
        let _guard = self.lock.read().await;
        self.bucket_exists(bucket).await?;
        let bucket_dir = self.bucket_dir(bucket);
        let prefix = query.prefix.as_str();
        // Walk only the directory the prefix names (when it names one safely).
        let start = match prefix.rfind('/') {
            Some(i) if !prefix[..i].is_empty() && key_rules(&prefix[..i]).is_ok() => {
                prefix[..i].to_string()
            }
            _ => String::new(),
        };
        let walk_prefix = prefix.to_string();
        let keys = tokio::task::spawn_blocking(move || {
            let mut keys = Vec::new();
            let mut dir = bucket_dir.clone();
            dir.extend(start.split('/').filter(|s| !s.is_empty()));
            walk(&dir, &start, &walk_prefix, &mut keys);
            keys.sort();
            keys
        })
        .await
        .map_err(internal)?;

        let mut page = ListingPage::new(query);
        let mut objects = Vec::new();
        for key in keys {
            match page.offer(&key) {
                Offer::Object => objects.push(key),
                Offer::Skip => {}
                Offer::Full => break,
            }
        }
        // The page's metadata in one trip to a blocking thread, not two per key.
        let files: Vec<_> = objects
            .iter()
            .map(|key| (self.object_path(bucket, key), self.meta_path(bucket, key)))
            .collect();
        let cache = Arc::clone(&self.listed);
        let metas = tokio::task::spawn_blocking(move || {
            files
                .iter()
                .map(|(object, sidecar)| cache.meta(object, sidecar))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(internal)?;
        for (key, meta) in objects.into_iter().zip(metas) {
            match meta {
                Ok(meta) => page.add_object(key, meta),
                // Deleted since the walk: no longer there to list.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(internal(e)),
            }
        }
        Ok(page.finish())
    }
}

/// Collects the keys (relative paths) of the regular files under `dir` that start with `prefix`.
fn walk(dir: &Path, relative: &str, prefix: &str, keys: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let key = if relative.is_empty() {
            name
        } else {
            format!("{relative}/{name}")
        };
        if kind.is_dir() {
            // Only directories that can hold keys under the prefix.
            let as_dir = format!("{key}/");
            if as_dir.starts_with(prefix) || prefix.starts_with(&as_dir) {
                walk(&entry.path(), &key, prefix, keys);
            }
        } else if kind.is_file() && key.starts_with(prefix) {
            keys.push(key);
        }
    }
}
