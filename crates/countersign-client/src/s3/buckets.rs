//! Buckets: create, delete, list.

use http::header::HeaderValue;
use http::{HeaderMap, Method};
use time::OffsetDateTime;

use crate::s3::address::Resource;
use crate::s3::client::S3Client;
use crate::s3::objects::{parse_xml_time, NAMESPACE};
use crate::service_error::CallError;

/// The region whose buckets are created without a `CreateBucketConfiguration`.
const DEFAULT_REGION: &str = "us-east-1";

/// A bucket, as ListBuckets lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BucketSummary {
    /// The bucket's name.
    pub name: String,
    /// When it was created.
    pub created: Option<OffsetDateTime>,
}

impl S3Client {
    /// Creates `bucket` in the region signed for: outside `us-east-1`, the request carries
    /// a `CreateBucketConfiguration` naming it as the `LocationConstraint`, as S3 requires.
    pub async fn create_bucket(&self, bucket: &str) -> Result<(), CallError> {
        let region = self.api.signing.region();
        let mut headers = HeaderMap::new();
        let body = if region.is_empty() || region == DEFAULT_REGION {
            None
        } else {
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml"),
            );
            Some(location_document(region).into())
        };
        self.send(Method::PUT, &Resource::bucket(bucket), headers, body)
            .await?;
        Ok(())
    }

    /// Deletes `bucket`, which must be empty.
    pub async fn delete_bucket(&self, bucket: &str) -> Result<(), CallError> {
        self.send(
            Method::DELETE,
            &Resource::bucket(bucket),
            HeaderMap::new(),
            None,
        )
        .await?;
        Ok(())
    }

    /// The buckets of the signer's account (ListBuckets).
    pub async fn list_buckets(&self) -> Result<Vec<BucketSummary>, CallError> {
        let response = self
            .send(Method::GET, &Resource::service(), HeaderMap::new(), None)
            .await?;
        let root = self.read_xml(response).await?;
        Ok(root
            .find_all("Buckets/Bucket")
            .into_iter()
            .map(|bucket| BucketSummary {
                name: bucket.text_at("Name").unwrap_or_default().to_string(),
                created: bucket.text_at("CreationDate").and_then(parse_xml_time),
            })
            .collect())
    }
}

/// The `CreateBucketConfiguration` that places a bucket in `region`.
fn location_document(region: &str) -> String {
    format!(
        "<CreateBucketConfiguration xmlns=\"{NAMESPACE}\"><LocationConstraint>{}\
         </LocationConstraint></CreateBucketConfiguration>",
        quick_xml::escape::escape(region)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_document_names_the_region() {
        assert_eq!(
            location_document("eu-west-1"),
            "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"
        );
    }
}
