//! Placeholder until the classifier lands (merged from its branch).

use http::{HeaderMap, Method};

use crate::address::S3Address;
use crate::authz::operation::Unclassified;

/// An S3 request's operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3Operation {
    /// The name.
    pub name: &'static str,
    /// The action.
    pub action: &'static str,
    /// The bucket.
    pub bucket: Option<String>,
    /// The key.
    pub key: Option<String>,
    /// The copy source.
    pub copy_source: Option<CopySource>,
    /// prefix
    pub prefix: Option<String>,
    /// delimiter
    pub delimiter: Option<String>,
    /// max-keys
    pub max_keys: Option<String>,
    /// versionId
    pub version_id: Option<String>,
}

/// A copy's source.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopySource {
    /// bucket
    pub bucket: String,
    /// key
    pub key: String,
    /// version
    pub version_id: Option<String>,
}

impl S3Operation {
    fn of(
        name: &'static str,
        action: &'static str,
        bucket: Option<String>,
        key: Option<String>,
    ) -> Self {
        S3Operation {
            name,
            action,
            bucket,
            key,
            copy_source: None,
            prefix: None,
            delimiter: None,
            max_keys: None,
            version_id: None,
        }
    }

    /// Classifies.
    pub fn classify(
        method: &Method,
        address: &S3Address,
        query: &str,
        _headers: &HeaderMap,
    ) -> Result<S3Operation, Unclassified> {
        let (b, k) = (address.bucket.clone(), address.key.clone());
        let policy = query.split('&').any(|p| p == "policy" || p == "policy=");
        Ok(match (method.as_str(), &b, &k) {
            ("GET", None, _) => Self::of("ListBuckets", "s3:ListAllMyBuckets", None, None),
            ("PUT", Some(_), None) if policy => {
                Self::of("PutBucketPolicy", "s3:PutBucketPolicy", b, None)
            }
            ("GET", Some(_), None) if policy => {
                Self::of("GetBucketPolicy", "s3:GetBucketPolicy", b, None)
            }
            ("DELETE", Some(_), None) if policy => {
                Self::of("DeleteBucketPolicy", "s3:DeleteBucketPolicy", b, None)
            }
            ("PUT", Some(_), None) => Self::of("CreateBucket", "s3:CreateBucket", b, None),
            ("DELETE", Some(_), None) => Self::of("DeleteBucket", "s3:DeleteBucket", b, None),
            ("GET" | "HEAD", Some(_), None) => Self::of("ListObjectsV2", "s3:ListBucket", b, None),
            ("POST", Some(_), None) => Self::of("DeleteObjects", "s3:DeleteObject", b, None),
            ("GET" | "HEAD", Some(_), Some(_)) => Self::of("GetObject", "s3:GetObject", b, k),
            ("PUT" | "POST", Some(_), Some(_)) => Self::of("PutObject", "s3:PutObject", b, k),
            ("DELETE", Some(_), Some(_)) => Self::of("DeleteObject", "s3:DeleteObject", b, k),
            _ => return Err(Unclassified::new("unknown")),
        })
    }

    /// A POST upload.
    pub fn post_object(bucket: String, key: String) -> Self {
        Self::of("PostObject", "s3:PutObject", Some(bucket), Some(key))
    }

    /// The ARN.
    pub fn resource_arn(&self) -> String {
        match (&self.bucket, &self.key) {
            (Some(b), Some(k)) => format!("arn:aws:s3:::{b}/{k}"),
            (Some(b), None) => format!("arn:aws:s3:::{b}"),
            _ => "*".into(),
        }
    }

    /// The source's ARN.
    pub fn copy_source_arn(&self) -> Option<String> {
        None
    }

    /// The source's action.
    pub fn copy_source_action(&self) -> Option<&'static str> {
        None
    }
}
