//! ListObjectsV2: one page, or every page as a `futures` `Stream` that follows the
//! continuation tokens, of pages or of objects.

use futures_core::Stream;
use futures_util::TryStreamExt;
use http::{HeaderMap, Method, StatusCode};
use percent_encoding::percent_decode_str;
use time::OffsetDateTime;

use crate::s3::address::{Query, Resource};
use crate::s3::client::S3Client;
use crate::s3::objects::{parse_xml_time, text_of};
use crate::service_error::CallError;
use crate::xml::XmlElement;

/// What a listing asks for: a prefix, a delimiter, the most keys a page holds, and where to
/// start.
///
/// ```
/// use countersign_client::s3::ListObjects;
///
/// // The "folders" and files directly under photos/, 100 a page.
/// let options = ListObjects::new().prefix("photos/").delimiter("/").max_keys(100);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListObjects {
    prefix: Option<String>,
    delimiter: Option<String>,
    max_keys: Option<u32>,
    start_after: Option<String>,
}

impl ListObjects {
    /// Every key, a thousand a page.
    pub fn new() -> Self {
        ListObjects::default()
    }

    /// Only the keys that start with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Keys that hold `delimiter` after the prefix are rolled up into one common prefix (up
    /// to and including the delimiter): with `/`, the "folders".
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into());
        self
    }

    /// At most `keys` keys and common prefixes a page (S3 gives at most 1000).
    pub fn max_keys(mut self, keys: u32) -> Self {
        self.max_keys = Some(keys);
        self
    }

    /// Only the keys after `key`, in S3's order (UTF-8 bytes).
    pub fn start_after(mut self, key: impl Into<String>) -> Self {
        self.start_after = Some(key.into());
        self
    }
}

/// An object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectSummary {
    /// The key.
    pub key: String,
    /// The size in bytes.
    pub size: u64,
    /// The entity tag, quotes included.
    pub etag: Option<String>,
    /// When it was last written.
    pub last_modified: Option<OffsetDateTime>,
    /// The storage class (`STANDARD`, …).
    pub storage_class: Option<String>,
}

/// One page of ListObjectsV2.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPage {
    /// The objects, in key order.
    pub objects: Vec<ObjectSummary>,
    /// The common prefixes the delimiter rolled keys up into.
    pub common_prefixes: Vec<String>,
    /// The token of the next page, when there is one.
    pub next_continuation_token: Option<String>,
}

impl S3Client {
    /// One page of the listing of `bucket` (ListObjectsV2): the first, or the one
    /// `continuation_token` names (a page's
    /// [`next_continuation_token`](ListPage::next_continuation_token)).
    pub async fn list_objects_page(
        &self,
        bucket: &str,
        options: &ListObjects,
        continuation_token: Option<&str>,
    ) -> Result<ListPage, CallError> {
        let max_keys = options.max_keys.map(|keys| keys.to_string());
        // Keys come URL-encoded, so that any key (even one XML cannot carry) survives.
        let query = Query::new()
            .param("list-type", "2")
            .param_opt("continuation-token", continuation_token)
            .param_opt("delimiter", options.delimiter.as_deref())
            .param("encoding-type", "url")
            .param_opt("max-keys", max_keys.as_deref())
            .param_opt("prefix", options.prefix.as_deref())
            .param_opt("start-after", options.start_after.as_deref());
        let resource = Resource::bucket(bucket).with_query(query);
        let response = self
            .send(Method::GET, &resource, HeaderMap::new(), None)
            .await?;
        let status = response.status();
        let root = self.read_xml(response).await?;
        parse_page(&root).map_err(|message| CallError::Response { status, message })
    }

    /// Every page of the listing of `bucket`, one request each, as a `Stream` that follows
    /// the continuation tokens and ends after the last page (or after an error). A page
    /// that claims more follow without a new token is an error, so that a server cannot
    /// make it loop.
    pub fn list_pages(
        &self,
        bucket: &str,
        options: ListObjects,
    ) -> impl Stream<Item = Result<ListPage, CallError>> + Send + 'static {
        let state = Some(Pages {
            client: self.clone(),
            bucket: bucket.to_string(),
            options,
            token: None,
        });
        futures_util::stream::unfold(state, |state| async move {
            let mut pages = state?;
            let page = pages
                .client
                .list_objects_page(&pages.bucket, &pages.options, pages.token.as_deref())
                .await;
            match page {
                Ok(page) => {
                    let next = match &page.next_continuation_token {
                        Some(token) if pages.token.as_ref() == Some(token) => {
                            return Some((Err(repeated_token()), None));
                        }
                        Some(token) => {
                            pages.token = Some(token.clone());
                            Some(pages)
                        }
                        None => None,
                    };
                    Some((Ok(page), next))
                }
                Err(e) => Some((Err(e), None)),
            }
        })
    }

    /// Every object of the listing of `bucket`, page after page, as a `Stream` (the common
    /// prefixes of a delimiter are left out: see [`list_pages`](S3Client::list_pages)).
    pub fn list_objects(
        &self,
        bucket: &str,
        options: ListObjects,
    ) -> impl Stream<Item = Result<ObjectSummary, CallError>> + Send + 'static {
        self.list_pages(bucket, options)
            .map_ok(|page| futures_util::stream::iter(page.objects.into_iter().map(Ok)))
            .try_flatten()
    }
}

/// Where a listing stands between two pages.
struct Pages {
    client: S3Client,
    bucket: String,
    options: ListObjects,
    token: Option<String>,
}

fn repeated_token() -> CallError {
    CallError::Response {
        status: StatusCode::OK,
        message: "the listing gave the same continuation token twice".to_string(),
    }
}

/// A `ListBucketResult` of ListObjectsV2 asked with `encoding-type=url`.
fn parse_page(root: &XmlElement) -> Result<ListPage, String> {
    if root.name() != "ListBucketResult" {
        return Err(format!(
            "the listing is a <{}>, not a <ListBucketResult>",
            root.name()
        ));
    }
    let encoded = root
        .text_at("EncodingType")
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("url"));
    let decode = |text: &str| -> Result<String, String> {
        if !encoded {
            return Ok(text.to_string());
        }
        // S3 writes a space as `+` (and a `+` as `%2B`).
        let text = text.replace('+', " ");
        percent_decode_str(&text)
            .decode_utf8()
            .map(|t| t.into_owned())
            .map_err(|_| format!("the listed key {text:?} does not decode to UTF-8"))
    };
    let mut page = ListPage::default();
    for contents in root.find_all("Contents") {
        let size = match contents.text_at("Size").map(str::trim) {
            Some(size) => size
                .parse()
                .map_err(|_| format!("the listed size {size:?} is not a number"))?,
            None => 0,
        };
        page.objects.push(ObjectSummary {
            key: decode(contents.text_at("Key").unwrap_or_default())?,
            size,
            etag: text_of(contents, "ETag"),
            last_modified: contents.text_at("LastModified").and_then(parse_xml_time),
            storage_class: text_of(contents, "StorageClass"),
        });
    }
    for common in root.find_all("CommonPrefixes") {
        page.common_prefixes
            .push(decode(common.text_at("Prefix").unwrap_or_default())?);
    }
    let truncated = root
        .text_at("IsTruncated")
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("true"));
    let token = text_of(root, "NextContinuationToken").filter(|t| !t.is_empty());
    page.next_continuation_token = match (truncated, token) {
        (true, Some(token)) => Some(token),
        (true, None) => {
            return Err("the listing is truncated but gives no continuation token".to_string())
        }
        (false, _) => None,
    };
    Ok(page)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test panics on a broken fixture")]

    use super::*;

    fn page(document: &str) -> Result<ListPage, String> {
        parse_page(&XmlElement::parse(document.as_bytes()).unwrap())
    }

    #[test]
    fn a_page_gives_objects_prefixes_and_the_next_token() {
        let listed = page(
            "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Name>b</Name><Prefix>photos%2F</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>\
             <Delimiter>%2F</Delimiter><EncodingType>url</EncodingType>\
             <IsTruncated>true</IsTruncated><NextContinuationToken>abc</NextContinuationToken>\
             <Contents><Key>photos/a+b%2Bc%C3%A9.jpg</Key>\
             <LastModified>2009-10-12T17:50:30.000Z</LastModified>\
             <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>\
             <StorageClass>STANDARD</StorageClass></Contents>\
             <CommonPrefixes><Prefix>photos/2024%2F</Prefix></CommonPrefixes>\
             </ListBucketResult>",
        )
        .unwrap();
        assert_eq!(listed.objects.len(), 1);
        let object = &listed.objects[0];
        assert_eq!(object.key, "photos/a b+cé.jpg");
        assert_eq!(object.size, 434234);
        assert_eq!(
            object.etag.as_deref(),
            Some("\"fba9dede5f27731c9771645a39863328\"")
        );
        assert_eq!(
            object.last_modified,
            Some(time::macros::datetime!(2009-10-12 17:50:30 UTC))
        );
        assert_eq!(object.storage_class.as_deref(), Some("STANDARD"));
        assert_eq!(listed.common_prefixes, ["photos/2024/"]);
        assert_eq!(listed.next_continuation_token.as_deref(), Some("abc"));
    }

    #[test]
    fn keys_are_taken_as_written_without_url_encoding() {
        let listed = page(
            "<ListBucketResult><IsTruncated>false</IsTruncated>\
             <Contents><Key>a+b%20</Key><Size>1</Size></Contents></ListBucketResult>",
        )
        .unwrap();
        assert_eq!(listed.objects[0].key, "a+b%20");
        assert_eq!(listed.next_continuation_token, None);
    }

    #[test]
    fn a_truncated_page_without_a_token_is_an_error() {
        let error = page("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>")
            .unwrap_err();
        assert!(error.contains("no continuation token"), "{error}");
    }

    #[test]
    fn a_size_that_is_not_a_number_is_an_error() {
        assert!(page(
            "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents>\
             </ListBucketResult>"
        )
        .is_err());
    }

    #[test]
    fn another_document_is_an_error() {
        assert!(page("<ListAllMyBucketsResult/>").is_err());
    }
}
