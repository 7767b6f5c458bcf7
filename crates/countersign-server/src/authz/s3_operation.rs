//! Which S3 operation a request is, and what IAM checks it against: the action, the resource
//! ARN, the copy source, and the parameters that are condition keys.
//!
//! The actions follow the S3 User Guide's "Required permissions for Amazon S3 API
//! operations" (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html>,
//! formerly "Specifying permissions in a policy", `using-with-s3-actions.html`) and the
//! Service Authorization Reference's "Actions, resources, and condition keys for Amazon S3"
//! (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>),
//! with the "Permissions" sections of the API reference where an operation's page says more:
//! GetObject and HeadObject (a `versionId` needs `s3:GetObjectVersion` instead of
//! `s3:GetObject`), GetObjectAttributes (`s3:GetObject` and `s3:GetObjectAttributes`, or their
//! `Version` forms with a `versionId`), DeleteBucketOwnershipControls
//! (`s3:PutBucketOwnershipControls`) and CopyObject (`s3:PutObject` on the destination,
//! `s3:GetObject` on the source). The tests below take their expected actions from those
//! pages.
//!
//! The operations are told apart as S3's REST API tells them apart: by the method, whether
//! the address names the service, a bucket or an object, the one subresource in the query
//! (`?acl`, `?uploads`, `uploadId=...`), and for a PUT of an object, whether it carries
//! `x-amz-copy-source`.

use std::borrow::Cow;
use std::fmt;

use http::{HeaderMap, Method, StatusCode};
use smallvec::SmallVec;

use crate::address::S3Address;

/// An S3 request classified: its operation, the IAM action AWS authorizes it as, the
/// resource that action applies to, and the request's values that are condition keys.
///
/// ```
/// use countersign_server::address::S3Address;
/// use countersign_server::authz::S3Operation;
/// use http::{HeaderMap, Method};
///
/// // A versioned GET, as the JS SDK sends it (with `x-id`, which names nothing).
/// let address = S3Address::of("photos.localhost:9000", "/2024/cat.jpg", Some("localhost"))?;
/// let get = S3Operation::classify(&Method::GET, address.clone(), "versionId=3HL4kq&x-id=GetObject", &HeaderMap::new())?;
/// assert_eq!((get.name, get.action), ("GetObject", "s3:GetObjectVersion"));
/// assert_eq!(get.resource_arn(), "arn:aws:s3:::photos/2024/cat.jpg");
/// assert_eq!(get.version_id.as_deref(), Some("3HL4kq"));
///
/// // A copy: s3:PutObject on the destination, s3:GetObject on the source.
/// let mut headers = HeaderMap::new();
/// headers.insert("x-amz-copy-source", "/drafts/cat%20v2.jpg".parse()?);
/// let copy = S3Operation::classify(&Method::PUT, address, "", &headers)?;
/// assert_eq!((copy.name, copy.action), ("CopyObject", "s3:PutObject"));
/// assert_eq!(copy.copy_source_action(), Some("s3:GetObject"));
/// assert_eq!(copy.copy_source_arn().as_deref(), Some("arn:aws:s3:::drafts/cat v2.jpg"));
///
/// // A listing: s3:ListBucket on the bucket, with its prefix as a condition key.
/// let bucket = S3Address::of("localhost:9000", "/photos", Some("localhost"))?;
/// let list = S3Operation::classify(&Method::GET, bucket.clone(), "list-type=2&prefix=2024%2F", &HeaderMap::new())?;
/// assert_eq!((list.name, list.action), ("ListObjectsV2", "s3:ListBucket"));
/// assert_eq!(list.resource_arn(), "arn:aws:s3:::photos");
/// assert_eq!(list.prefix.as_deref(), Some("2024/"));
///
/// // A subresource this classifier does not know is refused, not guessed.
/// let unknown = S3Operation::classify(&Method::GET, bucket, "inventory", &HeaderMap::new());
/// assert_eq!(unknown.map_err(|e| e.code()), Err("NotImplemented"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3Operation {
    /// The operation's name in the S3 API reference (`GetObject`, `ListObjectsV2`,
    /// `PutBucketPolicy`, `CreateMultipartUpload`, `PostObject`, ...).
    pub name: &'static str,
    /// The IAM action AWS authorizes the operation as, on [`resource_arn`](Self::resource_arn)
    /// (`s3:GetObject` for GetObject and HeadObject, `s3:GetObjectVersion` for either with a
    /// `versionId`, `s3:ListBucket` for the listings and HeadBucket, ...).
    pub action: &'static str,
    /// Further actions AWS requires on the same resource, all of which must be allowed as
    /// well as [`action`](Self::action): GetObjectAttributes needs `s3:GetObject` (or
    /// `s3:GetObjectVersion`) too, and a PutObject that sets the object's tags
    /// (`x-amz-tagging`) needs `s3:PutObjectTagging`. Empty for the other operations. The
    /// other actions AWS adds for some headers (`s3:PutObjectAcl` for an upload with
    /// `x-amz-acl` or `x-amz-grant-*`, `s3:PutObjectRetention` and `s3:PutObjectLegalHold`
    /// with the `x-amz-object-lock-*` headers, `s3:BypassGovernanceRetention` with
    /// `x-amz-bypass-governance-retention`) are not listed.
    pub further_actions: &'static [&'static str],
    /// The bucket and key (see [`bucket`](Self::bucket) and [`key`](Self::key)).
    address: S3Address,
    /// The object CopyObject and UploadPartCopy read, from `x-amz-copy-source`.
    pub copy_source: Option<Box<CopySource>>,
    /// The `prefix` parameter of a listing (ListObjects, ListObjectsV2, ListObjectVersions),
    /// percent-decoded: the `s3:prefix` condition key.
    pub prefix: Option<Box<str>>,
    /// The `delimiter` parameter of a listing, percent-decoded: the `s3:delimiter` condition
    /// key.
    pub delimiter: Option<Box<str>>,
    /// The `max-keys` parameter of a listing, as sent (percent-decoded, not parsed): the
    /// `s3:max-keys` condition key.
    pub max_keys: Option<Box<str>>,
    /// The `versionId` parameter, for an operation on one version of an object: the
    /// `s3:versionid` condition key.
    pub version_id: Option<Box<str>>,
}

/// The object a copy reads: `x-amz-copy-source`, percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopySource {
    /// The source bucket.
    pub bucket: String,
    /// The source key.
    pub key: String,
    /// The source version (`?versionId=` after the key), if one is named.
    pub version_id: Option<String>,
    /// The source object's ARN.
    arn: Box<str>,
}

impl CopySource {
    /// The source object's ARN, `arn:aws:s3:::{bucket}/{key}`.
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// The source object's address.
    pub fn address(&self) -> S3Address {
        S3Address::new(Some(&self.bucket), Some(&self.key))
    }
}

/// What an address names, in [`Unclassified::MethodNotAllowed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The service: no bucket.
    Service,
    /// A bucket.
    Bucket,
    /// An object.
    Object,
}

/// A request no operation could be named for, with the AWS code and status to refuse it
/// with: [`S3Operation::classify`]'s reasons, or a classifier of your own's
/// ([`Unclassified::new`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unclassified {
    /// A query parameter's percent-encoding does not decode to UTF-8 (400 `InvalidURI`).
    InvalidQuery {
        /// The parameter as sent (its first 128 bytes).
        parameter: String,
    },
    /// A query parameter given more than once, however either is encoded (400
    /// `InvalidArgument`): which of its values counts would be a guess.
    RepeatedParameter {
        /// The parameter, decoded (its first 128 bytes).
        parameter: String,
    },
    /// A value-less query parameter that names no subresource this classifier knows (501
    /// `NotImplemented`).
    UnknownSubresource {
        /// The parameter, decoded (its first 128 bytes).
        parameter: String,
    },
    /// Two query parameters that each name an operation (`?acl&tagging`; 400
    /// `InvalidArgument`).
    ConflictingSubresources {
        /// The first, in the query's order.
        first: &'static str,
        /// The second.
        second: &'static str,
    },
    /// No operation uses this method at this address, with this subresource (405
    /// `MethodNotAllowed`). A POST to a bucket without a subresource is a browser upload,
    /// whose key is in its form: see [`S3Operation::post_object`].
    MethodNotAllowed {
        /// The request's method.
        method: Method,
        /// What the address names.
        target: Target,
        /// The subresource in the query, if any.
        subresource: Option<&'static str>,
    },
    /// A path that names a key but no bucket (`//key`; 400 `InvalidURI`).
    KeyWithoutBucket,
    /// A bucket name with a character no bucket name has (400 `InvalidBucketName`): only
    /// ASCII letters, digits, `.`, `-` and `_` are taken, so that the bucket cannot change
    /// what its ARN names (a `%2F` in a path-style bucket would move part of it into the key).
    InvalidBucketName {
        /// The bucket, decoded (its first 128 bytes).
        bucket: String,
    },
    /// `versionId=` with no value (400 `InvalidArgument`).
    EmptyVersionId,
    /// An `x-amz-copy-source` header that names no object (400 `InvalidArgument`).
    InvalidCopySource {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Another reason, given to [`Unclassified::new`] by a classifier of your own (501
    /// `NotImplemented`).
    Other {
        /// Why the request was not classified.
        reason: String,
    },
}

impl Unclassified {
    /// A request a classifier of your own names no operation for, and why (501
    /// `NotImplemented`).
    pub fn new(reason: impl Into<String>) -> Unclassified {
        Unclassified::Other {
            reason: reason.into(),
        }
    }

    /// The AWS error code.
    pub fn code(&self) -> &'static str {
        match self {
            Unclassified::InvalidQuery { .. } | Unclassified::KeyWithoutBucket => "InvalidURI",
            Unclassified::RepeatedParameter { .. }
            | Unclassified::ConflictingSubresources { .. }
            | Unclassified::EmptyVersionId
            | Unclassified::InvalidCopySource { .. } => "InvalidArgument",
            Unclassified::UnknownSubresource { .. } | Unclassified::Other { .. } => {
                "NotImplemented"
            }
            Unclassified::MethodNotAllowed { .. } => "MethodNotAllowed",
            Unclassified::InvalidBucketName { .. } => "InvalidBucketName",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Unclassified::UnknownSubresource { .. } | Unclassified::Other { .. } => {
                StatusCode::NOT_IMPLEMENTED
            }
            Unclassified::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for Unclassified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unclassified::InvalidQuery { parameter } => write!(
                f,
                "the query parameter {parameter:?} does not decode to UTF-8"
            ),
            Unclassified::RepeatedParameter { parameter } => write!(
                f,
                "the query parameter {parameter:?} appears more than once; each parameter may be given once"
            ),
            Unclassified::UnknownSubresource { parameter } => write!(
                f,
                "the ?{parameter} subresource names no S3 operation this server knows"
            ),
            Unclassified::ConflictingSubresources { first, second } => write!(
                f,
                "the query names two operations, ?{first} and ?{second}; a request is one operation"
            ),
            Unclassified::MethodNotAllowed {
                method,
                target,
                subresource,
            } => {
                let target = match (target, subresource) {
                    (Target::Service, None) => "the service",
                    (Target::Service, Some(_)) => "the service's",
                    (Target::Bucket, None) => "a bucket",
                    (Target::Bucket, Some(_)) => "a bucket's",
                    (Target::Object, None) => "an object",
                    (Target::Object, Some(_)) => "an object's",
                };
                write!(f, "no S3 operation is a {method} of {target}")?;
                match subresource {
                    Some(name) => write!(f, " ?{name}"),
                    None => Ok(()),
                }
            }
            Unclassified::KeyWithoutBucket => f.write_str("the path names a key but no bucket"),
            Unclassified::InvalidBucketName { bucket } => write!(
                f,
                "the bucket name {bucket:?} has a character no bucket name has"
            ),
            Unclassified::EmptyVersionId => f.write_str("the versionId parameter is empty"),
            Unclassified::InvalidCopySource { reason } => {
                write!(f, "the x-amz-copy-source header {reason}")
            }
            Unclassified::Other { reason } => f.write_str(reason),
        }
    }
}

impl std::error::Error for Unclassified {}

impl S3Operation {
    /// Classifies a request by its method, address (see [`S3Address::of`]), raw query
    /// (percent-encoded, without the `?`, possibly empty) and headers.
    ///
    /// The query is read as the example server reads it: split at `&`, each part a name and
    /// a value split at the first `=`, a `+` a space, then percent-decoded once (a `%` not
    /// followed by two hex digits stays as sent; a result that is not UTF-8 is
    /// [`InvalidQuery`](Unclassified::InvalidQuery)). A part with an empty name is skipped.
    /// Then:
    ///
    /// - a name given twice is refused ([`RepeatedParameter`](Unclassified::RepeatedParameter)):
    ///   the signature does not fix which of its values comes first;
    /// - a subresource (`acl`, `uploads`, `uploadId`, ...) names the operation, with or
    ///   without a value; two of them are refused
    ///   ([`ConflictingSubresources`](Unclassified::ConflictingSubresources));
    /// - the parameters operations take (`prefix`, `list-type`, `versionId`, `partNumber`,
    ///   `response-*`, ...), the presigned URL's `X-Amz-*` and `x-id` (which SDKs add and S3
    ///   ignores) name no operation;
    /// - any other parameter without a value (or with an empty one) may be a subresource
    ///   this classifier does not know, and is refused
    ///   ([`UnknownSubresource`](Unclassified::UnknownSubresource)) rather than guessed at;
    ///   one with a value is ignored, as S3 ignores it (a cache-busting `t=...`): besides
    ///   value-less parameters, only `uploadId`, `list-type` and `select-type` tell S3's
    ///   operations apart, all known here.
    ///
    /// A PUT of an object with `x-amz-copy-source` (without a subresource, or with
    /// `uploadId`) is a copy, its source parsed into [`copy_source`](Self::copy_source).
    ///
    /// Work and memory are linear in the query's length: each part is decoded once (and
    /// borrowed when there is nothing to decode), and repeats are found by one sort of the
    /// names. The parameters an error names are cut to their first 128 bytes.
    pub fn classify(
        method: &Method,
        address: S3Address,
        query: &str,
        headers: &HeaderMap,
    ) -> Result<S3Operation, Unclassified> {
        let query = Query::parse(query)?;
        let selected = query.subresource()?;
        let target = match (address.bucket(), address.key()) {
            (None, None) => Target::Service,
            (None, Some(_)) => return Err(Unclassified::KeyWithoutBucket),
            (Some(bucket), key) => {
                if !is_plain_bucket_name(bucket) {
                    return Err(Unclassified::InvalidBucketName {
                        bucket: shortened(bucket),
                    });
                }
                match key {
                    Some(_) => Target::Object,
                    None => Target::Bucket,
                }
            }
        };
        let sub = selected.map(|(_, sub)| sub);
        let route = Verb::of(method).and_then(|verb| match target {
            Target::Service => service_route(verb, sub),
            Target::Bucket => bucket_route(verb, sub, &query),
            Target::Object => {
                // Only a PUT may be a copy: the header is looked for then alone.
                let copies = verb == Verb::Put && headers.contains_key(COPY_SOURCE_HEADER);
                object_route(verb, sub, copies)
            }
        });
        let Some(route) = route else {
            return Err(Unclassified::MethodNotAllowed {
                method: method.clone(),
                target,
                subresource: selected.map(|(name, _)| name),
            });
        };
        let (action, further_actions, version_id) = match (route.version, query.get("versionId")) {
            (Some(_), Some("")) => return Err(Unclassified::EmptyVersionId),
            (Some((action, further)), Some(version)) => (action, further, Some(version.into())),
            _ => (route.action, route.further, None),
        };
        // Setting tags while uploading is tagging the object, which needs its own permission.
        let further_actions = match route.name {
            "PutObject" if headers.contains_key(TAGGING_HEADER) => &["s3:PutObjectTagging"],
            _ => further_actions,
        };
        let copy_source = match route.copies {
            true => Some(Box::new(copy_source(headers)?)),
            false => None,
        };
        let listed = |name: &str| match route.listing {
            true => query.get(name).map(Box::from),
            false => None,
        };
        Ok(S3Operation {
            name: route.name,
            action,
            further_actions,
            address,
            copy_source,
            prefix: listed("prefix"),
            delimiter: listed("delimiter"),
            max_keys: listed("max-keys"),
            version_id,
        })
    }

    /// A browser POST upload (`multipart/form-data` to the bucket's URL) of `key` to
    /// `bucket`, as the layer verified it ([`PostObject`](crate::PostObject)): `s3:PutObject`
    /// on the object.
    pub fn post_object(bucket: &str, key: &str) -> S3Operation {
        S3Operation {
            name: "PostObject",
            action: "s3:PutObject",
            further_actions: &[],
            address: S3Address::new(Some(bucket), Some(key)),
            copy_source: None,
            prefix: None,
            delimiter: None,
            max_keys: None,
            version_id: None,
        }
    }

    /// The ARN of the resource [`action`](Self::action) applies to:
    /// `arn:aws:s3:::bucket/key` for an object, `arn:aws:s3:::bucket` for a bucket, `*` for
    /// ListBuckets. DeleteObjects addresses its bucket, so its resource is the bucket's; AWS
    /// authorizes `s3:DeleteObject` (`s3:DeleteObjectVersion` for an entry with a version) on
    /// each object its body names, which only a reader of the body can check.
    pub fn resource_arn(&self) -> &str {
        match self.address.bucket() {
            Some(_) => self.address.arn(),
            None => "*",
        }
    }

    /// The bucket; `None` for ListBuckets.
    pub fn bucket(&self) -> Option<&str> {
        self.address.bucket()
    }

    /// The object key; `None` for an operation on a bucket (DeleteObjects included: the keys
    /// it deletes are in its body, and AWS authorizes `s3:DeleteObject` on each of them).
    pub fn key(&self) -> Option<&str> {
        self.address.key()
    }

    /// The address the operation was named from.
    pub fn address(&self) -> &S3Address {
        &self.address
    }

    /// The ARN of the object a copy reads (CopyObject, UploadPartCopy).
    pub fn copy_source_arn(&self) -> Option<String> {
        self.copy_source
            .as_ref()
            .map(|source| source.arn().to_string())
    }

    /// The action AWS authorizes a copy's source as: `s3:GetObject`, or
    /// `s3:GetObjectVersion` when the source names a version.
    pub fn copy_source_action(&self) -> Option<&'static str> {
        self.copy_source
            .as_ref()
            .map(|source| match source.version_id {
                Some(_) => "s3:GetObjectVersion",
                None => "s3:GetObject",
            })
    }
}

/// The header that makes a PUT a copy (a name, not text parsed on every lookup).
const COPY_SOURCE_HEADER: http::HeaderName = http::HeaderName::from_static("x-amz-copy-source");

/// The header that sets an uploaded object's tags.
const TAGGING_HEADER: http::HeaderName = http::HeaderName::from_static("x-amz-tagging");

/// The most bytes of a parameter or bucket an error names.
const MAX_NAMED_BYTES: usize = 128;

/// Whether a bucket name has only the characters bucket names have (legacy names' capitals
/// and `_` included), none of which changes what an ARN names.
fn is_plain_bucket_name(bucket: &str) -> bool {
    bucket
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// The first [`MAX_NAMED_BYTES`] of `s`, cut at a character's boundary. For errors alone:
/// kept out of the classifier's own code, which every request runs.
#[cold]
#[inline(never)]
fn shortened(s: &str) -> String {
    let mut end = s.len().min(MAX_NAMED_BYTES);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default().to_string()
}

/// A query parameter that names an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sub {
    Acl,
    Tagging,
    Versioning,
    Versions,
    Cors,
    Lifecycle,
    Policy,
    PolicyStatus,
    Encryption,
    Website,
    Logging,
    Notification,
    Replication,
    OwnershipControls,
    PublicAccessBlock,
    ObjectLock,
    Retention,
    LegalHold,
    Attributes,
    Restore,
    Select,
    Accelerate,
    RequestPayment,
    Uploads,
    UploadId,
    Location,
    Delete,
}

/// The subresource a query parameter names, with its name as `'static` text (for the
/// errors that name it). A `match`, which compiles to a test of the length and a few
/// comparisons rather than one comparison per subresource.
fn subresource_named(name: &str) -> Option<(&'static str, Sub)> {
    Some(match name {
        "acl" => ("acl", Sub::Acl),
        "tagging" => ("tagging", Sub::Tagging),
        "versioning" => ("versioning", Sub::Versioning),
        "versions" => ("versions", Sub::Versions),
        "cors" => ("cors", Sub::Cors),
        "lifecycle" => ("lifecycle", Sub::Lifecycle),
        "policy" => ("policy", Sub::Policy),
        "policyStatus" => ("policyStatus", Sub::PolicyStatus),
        "encryption" => ("encryption", Sub::Encryption),
        "website" => ("website", Sub::Website),
        "logging" => ("logging", Sub::Logging),
        "notification" => ("notification", Sub::Notification),
        "replication" => ("replication", Sub::Replication),
        "ownershipControls" => ("ownershipControls", Sub::OwnershipControls),
        "publicAccessBlock" => ("publicAccessBlock", Sub::PublicAccessBlock),
        "object-lock" => ("object-lock", Sub::ObjectLock),
        "retention" => ("retention", Sub::Retention),
        "legal-hold" => ("legal-hold", Sub::LegalHold),
        "attributes" => ("attributes", Sub::Attributes),
        "restore" => ("restore", Sub::Restore),
        "select" => ("select", Sub::Select),
        "accelerate" => ("accelerate", Sub::Accelerate),
        "requestPayment" => ("requestPayment", Sub::RequestPayment),
        "uploads" => ("uploads", Sub::Uploads),
        "uploadId" => ("uploadId", Sub::UploadId),
        "location" => ("location", Sub::Location),
        "delete" => ("delete", Sub::Delete),
        _ => return None,
    })
}

/// The parameters operations take that name no operation: the listings' and ListParts',
/// ListBuckets', the version and part of an object, SelectObjectContent's `select-type`,
/// and `x-id`, which SDKs add (`x-id=GetObject`) and S3 ignores.
fn is_parameter(name: &str) -> bool {
    matches!(
        name,
        "prefix"
            | "delimiter"
            | "max-keys"
            | "marker"
            | "list-type"
            | "continuation-token"
            | "encoding-type"
            | "fetch-owner"
            | "start-after"
            | "key-marker"
            | "version-id-marker"
            | "upload-id-marker"
            | "max-uploads"
            | "part-number-marker"
            | "max-parts"
            | "max-buckets"
            | "bucket-region"
            | "partNumber"
            | "versionId"
            | "select-type"
            | "x-id"
    )
}

/// Whether a parameter that is no subresource is one S3 knows to name no operation.
fn names_no_operation(name: &str) -> bool {
    is_parameter(name)
        || name.starts_with("response-")
        || name
            .get(..6)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("x-amz-"))
}

/// A query, split and decoded, each name at most once.
#[derive(Debug)]
struct Query<'q> {
    /// Inline for the few parameters requests carry.
    parameters: SmallVec<[(Cow<'q, str>, Cow<'q, str>); 4]>,
}

impl<'q> Query<'q> {
    fn parse(raw: &'q str) -> Result<Query<'q>, Unclassified> {
        let mut parameters = SmallVec::new();
        for part in raw.split('&').filter(|part| !part.is_empty()) {
            // A byte search: the query's parts are short, and `split_once` costs more to
            // set up than to run.
            let (name, value) = match part.bytes().position(|b| b == b'=') {
                Some(at) => (&part[..at], &part[at + 1..]),
                None => (part, ""),
            };
            let invalid = || Unclassified::InvalidQuery {
                parameter: shortened(part),
            };
            let name = decode_query(name).ok_or_else(invalid)?;
            let value = decode_query(value).ok_or_else(invalid)?;
            if !name.is_empty() {
                parameters.push((name, value));
            }
        }
        let repeated = repeated_name(&parameters);
        if let Some(name) = repeated {
            return Err(Unclassified::RepeatedParameter {
                parameter: shortened(name),
            });
        }
        Ok(Query { parameters })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_ref())
    }

    /// The one subresource the query names, if any, with its name.
    fn subresource(&self) -> Result<Option<(&'static str, Sub)>, Unclassified> {
        let mut selected: Option<(&'static str, Sub)> = None;
        for (name, value) in &self.parameters {
            let found = subresource_named(name);
            match (found, selected) {
                (Some((second, _)), Some((first, _))) => {
                    return Err(Unclassified::ConflictingSubresources { first, second })
                }
                (Some(found), None) => selected = Some(found),
                (None, _) if value.is_empty() && !names_no_operation(name) => {
                    return Err(Unclassified::UnknownSubresource {
                        parameter: shortened(name),
                    })
                }
                (None, _) => {}
            }
        }
        Ok(selected)
    }
}

/// A name given twice among `parameters`: by comparing each pair for the few parameters
/// requests carry, by one sort of the names beyond, so that the work stays linear in the
/// query's length times its logarithm.
fn repeated_name<'p>(parameters: &'p [(Cow<'_, str>, Cow<'_, str>)]) -> Option<&'p str> {
    const FEW: usize = 8;
    if parameters.len() <= FEW {
        return parameters.iter().enumerate().find_map(|(i, (name, _))| {
            let later = parameters.get(i + 1..)?;
            later
                .iter()
                .any(|(other, _)| other == name)
                .then_some(name.as_ref())
        });
    }
    let mut names: Vec<&str> = parameters.iter().map(|(name, _)| name.as_ref()).collect();
    names.sort_unstable();
    names.windows(2).find_map(|pair| match pair {
        [a, b] if a == b => Some(*a),
        _ => None,
    })
}

/// Percent-decodes a query name or value, a `+` a space; `None` if it is not UTF-8.
fn decode_query(s: &str) -> Option<Cow<'_, str>> {
    crate::percent::decode(s, true)
}

/// `x-amz-copy-source`: `bucket/key` or `/bucket/key`, percent-encoded (a `+` is itself),
/// perhaps followed by `?versionId=`.
fn copy_source(headers: &HeaderMap) -> Result<CopySource, Unclassified> {
    let invalid = |reason| Unclassified::InvalidCopySource { reason };
    let mut values = headers.get_all(COPY_SOURCE_HEADER).iter();
    let value = values.next().ok_or(invalid("is missing"))?;
    if values.next().is_some() {
        return Err(invalid("is given more than once"));
    }
    let value = value
        .to_str()
        .map_err(|_| invalid("is not visible ASCII (encode it with percent-encoding)"))?;
    let (path, version_id) = match value.split_once('?') {
        None => (value, None),
        Some((path, parameter)) => {
            let version = parameter
                .strip_prefix("versionId=")
                .ok_or(invalid("may carry no other parameter than versionId"))?;
            let version = crate::percent::decode(version, false)
                .ok_or(invalid("has a versionId that does not decode to UTF-8"))?;
            if version.is_empty() {
                return Err(invalid("has an empty versionId"));
            }
            (path, Some(version.into_owned()))
        }
    };
    let decoded = crate::percent::decode(path, false).ok_or(invalid("does not decode to UTF-8"))?;
    let decoded = decoded.strip_prefix('/').unwrap_or(&decoded);
    if decoded.starts_with("arn:") {
        return Err(invalid(
            "names an access point ARN, which this server does not take",
        ));
    }
    let (bucket, key) = decoded
        .split_once('/')
        .filter(|(bucket, key)| !bucket.is_empty() && !key.is_empty())
        .ok_or(invalid("must name the source bucket and key: bucket/key"))?;
    if !is_plain_bucket_name(bucket) {
        return Err(invalid(
            "names a bucket with a character no bucket name has",
        ));
    }
    Ok(CopySource {
        arn: S3Address::new(Some(bucket), Some(key)).arn().into(),
        bucket: bucket.to_string(),
        key: key.to_string(),
        version_id,
    })
}

/// The methods S3 operations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Get,
    Head,
    Put,
    Post,
    Delete,
}

impl Verb {
    fn of(method: &Method) -> Option<Verb> {
        Some(match *method {
            Method::GET => Verb::Get,
            Method::HEAD => Verb::Head,
            Method::PUT => Verb::Put,
            Method::POST => Verb::Post,
            Method::DELETE => Verb::Delete,
            _ => return None,
        })
    }
}

/// An operation, before the request's values are read into it.
#[derive(Debug, Clone, Copy)]
struct Route {
    name: &'static str,
    action: &'static str,
    further: &'static [&'static str],
    /// For an operation on one version of an object: its action and further actions when
    /// `versionId` names the version.
    version: Option<(&'static str, &'static [&'static str])>,
    /// Whether the operation lists (its prefix, delimiter and max-keys are condition keys).
    listing: bool,
    /// Whether the operation reads `x-amz-copy-source`.
    copies: bool,
}

impl Route {
    const fn new(name: &'static str, action: &'static str) -> Route {
        Route {
            name,
            action,
            further: &[],
            version: None,
            listing: false,
            copies: false,
        }
    }

    /// The action when `versionId` names a version.
    const fn versioned(self, action: &'static str) -> Route {
        Route {
            version: Some((action, &[])),
            ..self
        }
    }

    const fn listing(self) -> Route {
        Route {
            listing: true,
            ..self
        }
    }

    const fn copying(self) -> Route {
        Route {
            copies: true,
            ..self
        }
    }
}

fn service_route(verb: Verb, sub: Option<Sub>) -> Option<&'static Route> {
    match (sub, verb) {
        (None, Verb::Get) => Some(&const { Route::new("ListBuckets", "s3:ListAllMyBuckets") }),
        _ => None,
    }
}

fn bucket_route(verb: Verb, sub: Option<Sub>, query: &Query<'_>) -> Option<&'static Route> {
    use Verb::{Delete, Get, Head, Post, Put};
    let route = match (sub, verb) {
        (None, Get) if query.get("list-type") == Some("2") => {
            &const { Route::new("ListObjectsV2", "s3:ListBucket").listing() }
        }
        (None, Get) => &const { Route::new("ListObjects", "s3:ListBucket").listing() },
        (None, Head) => &const { Route::new("HeadBucket", "s3:ListBucket") },
        (None, Put) => &const { Route::new("CreateBucket", "s3:CreateBucket") },
        (None, Delete) => &const { Route::new("DeleteBucket", "s3:DeleteBucket") },
        (Some(Sub::Location), Get) => {
            &const { Route::new("GetBucketLocation", "s3:GetBucketLocation") }
        }
        (Some(Sub::Uploads), Get) => {
            &const { Route::new("ListMultipartUploads", "s3:ListBucketMultipartUploads") }
        }
        (Some(Sub::Delete), Post) => &const { Route::new("DeleteObjects", "s3:DeleteObject") },
        (Some(Sub::Versions), Get) => {
            &const { Route::new("ListObjectVersions", "s3:ListBucketVersions").listing() }
        }
        (Some(Sub::Acl), Get) => &const { Route::new("GetBucketAcl", "s3:GetBucketAcl") },
        (Some(Sub::Acl), Put) => &const { Route::new("PutBucketAcl", "s3:PutBucketAcl") },
        (Some(Sub::Tagging), Get) => {
            &const { Route::new("GetBucketTagging", "s3:GetBucketTagging") }
        }
        (Some(Sub::Tagging), Put) => {
            &const { Route::new("PutBucketTagging", "s3:PutBucketTagging") }
        }
        (Some(Sub::Tagging), Delete) => {
            &const { Route::new("DeleteBucketTagging", "s3:PutBucketTagging") }
        }
        (Some(Sub::Versioning), Get) => {
            &const { Route::new("GetBucketVersioning", "s3:GetBucketVersioning") }
        }
        (Some(Sub::Versioning), Put) => {
            &const { Route::new("PutBucketVersioning", "s3:PutBucketVersioning") }
        }
        (Some(Sub::Cors), Get) => &const { Route::new("GetBucketCors", "s3:GetBucketCORS") },
        (Some(Sub::Cors), Put) => &const { Route::new("PutBucketCors", "s3:PutBucketCORS") },
        (Some(Sub::Cors), Delete) => &const { Route::new("DeleteBucketCors", "s3:PutBucketCORS") },
        (Some(Sub::Lifecycle), Get) => {
            &const {
                Route::new(
                    "GetBucketLifecycleConfiguration",
                    "s3:GetLifecycleConfiguration",
                )
            }
        }
        (Some(Sub::Lifecycle), Put) => {
            &const {
                Route::new(
                    "PutBucketLifecycleConfiguration",
                    "s3:PutLifecycleConfiguration",
                )
            }
        }
        (Some(Sub::Lifecycle), Delete) => {
            &const { Route::new("DeleteBucketLifecycle", "s3:PutLifecycleConfiguration") }
        }
        (Some(Sub::Policy), Get) => &const { Route::new("GetBucketPolicy", "s3:GetBucketPolicy") },
        (Some(Sub::Policy), Put) => &const { Route::new("PutBucketPolicy", "s3:PutBucketPolicy") },
        (Some(Sub::Policy), Delete) => {
            &const { Route::new("DeleteBucketPolicy", "s3:DeleteBucketPolicy") }
        }
        (Some(Sub::PolicyStatus), Get) => {
            &const { Route::new("GetBucketPolicyStatus", "s3:GetBucketPolicyStatus") }
        }
        (Some(Sub::Encryption), Get) => {
            &const { Route::new("GetBucketEncryption", "s3:GetEncryptionConfiguration") }
        }
        (Some(Sub::Encryption), Put) => {
            &const { Route::new("PutBucketEncryption", "s3:PutEncryptionConfiguration") }
        }
        (Some(Sub::Encryption), Delete) => {
            &const { Route::new("DeleteBucketEncryption", "s3:PutEncryptionConfiguration") }
        }
        (Some(Sub::Website), Get) => {
            &const { Route::new("GetBucketWebsite", "s3:GetBucketWebsite") }
        }
        (Some(Sub::Website), Put) => {
            &const { Route::new("PutBucketWebsite", "s3:PutBucketWebsite") }
        }
        (Some(Sub::Website), Delete) => {
            &const { Route::new("DeleteBucketWebsite", "s3:DeleteBucketWebsite") }
        }
        (Some(Sub::Logging), Get) => {
            &const { Route::new("GetBucketLogging", "s3:GetBucketLogging") }
        }
        (Some(Sub::Logging), Put) => {
            &const { Route::new("PutBucketLogging", "s3:PutBucketLogging") }
        }
        (Some(Sub::Notification), Get) => {
            &const {
                Route::new(
                    "GetBucketNotificationConfiguration",
                    "s3:GetBucketNotification",
                )
            }
        }
        (Some(Sub::Notification), Put) => {
            &const {
                Route::new(
                    "PutBucketNotificationConfiguration",
                    "s3:PutBucketNotification",
                )
            }
        }
        (Some(Sub::Replication), Get) => {
            &const { Route::new("GetBucketReplication", "s3:GetReplicationConfiguration") }
        }
        (Some(Sub::Replication), Put) => {
            &const { Route::new("PutBucketReplication", "s3:PutReplicationConfiguration") }
        }
        (Some(Sub::Replication), Delete) => {
            &const { Route::new("DeleteBucketReplication", "s3:PutReplicationConfiguration") }
        }
        (Some(Sub::OwnershipControls), Get) => {
            &const {
                Route::new(
                    "GetBucketOwnershipControls",
                    "s3:GetBucketOwnershipControls",
                )
            }
        }
        (Some(Sub::OwnershipControls), Put) => {
            &const {
                Route::new(
                    "PutBucketOwnershipControls",
                    "s3:PutBucketOwnershipControls",
                )
            }
        }
        (Some(Sub::OwnershipControls), Delete) => {
            &const {
                Route::new(
                    "DeleteBucketOwnershipControls",
                    "s3:PutBucketOwnershipControls",
                )
            }
        }
        (Some(Sub::PublicAccessBlock), Get) => {
            &const { Route::new("GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock") }
        }
        (Some(Sub::PublicAccessBlock), Put) => {
            &const { Route::new("PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock") }
        }
        (Some(Sub::PublicAccessBlock), Delete) => {
            &const { Route::new("DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock") }
        }
        (Some(Sub::ObjectLock), Get) => {
            &const {
                Route::new(
                    "GetObjectLockConfiguration",
                    "s3:GetBucketObjectLockConfiguration",
                )
            }
        }
        (Some(Sub::ObjectLock), Put) => {
            &const {
                Route::new(
                    "PutObjectLockConfiguration",
                    "s3:PutBucketObjectLockConfiguration",
                )
            }
        }
        (Some(Sub::Accelerate), Get) => {
            &const {
                Route::new(
                    "GetBucketAccelerateConfiguration",
                    "s3:GetAccelerateConfiguration",
                )
            }
        }
        (Some(Sub::Accelerate), Put) => {
            &const {
                Route::new(
                    "PutBucketAccelerateConfiguration",
                    "s3:PutAccelerateConfiguration",
                )
            }
        }
        (Some(Sub::RequestPayment), Get) => {
            &const { Route::new("GetBucketRequestPayment", "s3:GetBucketRequestPayment") }
        }
        (Some(Sub::RequestPayment), Put) => {
            &const { Route::new("PutBucketRequestPayment", "s3:PutBucketRequestPayment") }
        }
        _ => return None,
    };
    Some(route)
}

fn object_route(verb: Verb, sub: Option<Sub>, copies: bool) -> Option<&'static Route> {
    use Verb::{Delete, Get, Head, Post, Put};
    let route = match (sub, verb) {
        (None, Get) => {
            &const { Route::new("GetObject", "s3:GetObject").versioned("s3:GetObjectVersion") }
        }
        (None, Head) => {
            &const { Route::new("HeadObject", "s3:GetObject").versioned("s3:GetObjectVersion") }
        }
        (None, Put) if copies => &const { Route::new("CopyObject", "s3:PutObject").copying() },
        (None, Put) => &const { Route::new("PutObject", "s3:PutObject") },
        (None, Delete) => {
            &const { Route::new("DeleteObject", "s3:DeleteObject").versioned("s3:DeleteObjectVersion") }
        }
        (Some(Sub::Uploads), Post) => {
            &const { Route::new("CreateMultipartUpload", "s3:PutObject") }
        }
        (Some(Sub::UploadId), Put) if copies => {
            &const { Route::new("UploadPartCopy", "s3:PutObject").copying() }
        }
        (Some(Sub::UploadId), Put) => &const { Route::new("UploadPart", "s3:PutObject") },
        (Some(Sub::UploadId), Post) => {
            &const { Route::new("CompleteMultipartUpload", "s3:PutObject") }
        }
        (Some(Sub::UploadId), Delete) => {
            &const { Route::new("AbortMultipartUpload", "s3:AbortMultipartUpload") }
        }
        (Some(Sub::UploadId), Get) => {
            &const { Route::new("ListParts", "s3:ListMultipartUploadParts") }
        }
        (Some(Sub::Acl), Get) => {
            &const { Route::new("GetObjectAcl", "s3:GetObjectAcl").versioned("s3:GetObjectVersionAcl") }
        }
        (Some(Sub::Acl), Put) => {
            &const { Route::new("PutObjectAcl", "s3:PutObjectAcl").versioned("s3:PutObjectVersionAcl") }
        }
        (Some(Sub::Tagging), Get) => {
            &const {
                Route::new("GetObjectTagging", "s3:GetObjectTagging")
                    .versioned("s3:GetObjectVersionTagging")
            }
        }
        (Some(Sub::Tagging), Put) => {
            &const {
                Route::new("PutObjectTagging", "s3:PutObjectTagging")
                    .versioned("s3:PutObjectVersionTagging")
            }
        }
        (Some(Sub::Tagging), Delete) => {
            &const {
                Route::new("DeleteObjectTagging", "s3:DeleteObjectTagging")
                    .versioned("s3:DeleteObjectVersionTagging")
            }
        }
        (Some(Sub::Retention), Get) => {
            &const {
                Route::new("GetObjectRetention", "s3:GetObjectRetention")
                    .versioned("s3:GetObjectRetention")
            }
        }
        (Some(Sub::Retention), Put) => {
            &const {
                Route::new("PutObjectRetention", "s3:PutObjectRetention")
                    .versioned("s3:PutObjectRetention")
            }
        }
        (Some(Sub::LegalHold), Get) => {
            &const {
                Route::new("GetObjectLegalHold", "s3:GetObjectLegalHold")
                    .versioned("s3:GetObjectLegalHold")
            }
        }
        (Some(Sub::LegalHold), Put) => {
            &const {
                Route::new("PutObjectLegalHold", "s3:PutObjectLegalHold")
                    .versioned("s3:PutObjectLegalHold")
            }
        }
        (Some(Sub::Attributes), Get) => {
            &const {
                Route {
                    further: &["s3:GetObject"],
                    version: Some(("s3:GetObjectVersionAttributes", &["s3:GetObjectVersion"])),
                    ..Route::new("GetObjectAttributes", "s3:GetObjectAttributes")
                }
            }
        }
        (Some(Sub::Restore), Post) => {
            &const { Route::new("RestoreObject", "s3:RestoreObject").versioned("s3:RestoreObject") }
        }
        (Some(Sub::Select), Post) => &const { Route::new("SelectObjectContent", "s3:GetObject") },
        _ => return None,
    };
    Some(route)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const BUCKET_ARN: &str = "arn:aws:s3:::photos";
    const OBJECT_ARN: &str = "arn:aws:s3:::photos/2024/cat.jpg";

    fn classify_at(
        method: Method,
        host: &str,
        path: &str,
        query: &str,
        headers: &HeaderMap,
    ) -> Result<S3Operation, Unclassified> {
        let address =
            S3Address::of(host, path, Some("localhost")).unwrap_or_else(|e| panic!("{e}"));
        S3Operation::classify(&method, address, query, headers)
    }

    /// A path-style request to `path`.
    fn at(method: Method, path: &str, query: &str) -> Result<S3Operation, Unclassified> {
        classify_at(method, "localhost:9000", path, query, &HeaderMap::new())
    }

    /// A request to the bucket `photos`.
    fn bucket(method: Method, query: &str) -> Result<S3Operation, Unclassified> {
        at(method, "/photos", query)
    }

    /// A request to the object `2024/cat.jpg` in `photos`.
    fn object(method: Method, query: &str) -> Result<S3Operation, Unclassified> {
        at(method, "/photos/2024/cat.jpg", query)
    }

    /// A request to the object `2024/cat.jpg` in `photos` with these headers.
    fn object_with(
        method: Method,
        query: &str,
        headers: &[(&str, &str)],
    ) -> Result<S3Operation, Unclassified> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        classify_at(
            method,
            "localhost:9000",
            "/photos/2024/cat.jpg",
            query,
            &map,
        )
    }

    fn classified(result: Result<S3Operation, Unclassified>) -> S3Operation {
        result.unwrap_or_else(|e| panic!("unclassified: {e}"))
    }

    /// Asserts the operation's name, action and resource ARN.
    fn expect(result: Result<S3Operation, Unclassified>, name: &str, action: &str, arn: &str) {
        let op = classified(result);
        assert_eq!((op.name, op.action, op.resource_arn()), (name, action, arn));
    }

    // The service.

    #[test]
    fn list_buckets_is_list_all_my_buckets_on_every_resource() {
        expect(
            at(Method::GET, "/", ""),
            "ListBuckets",
            "s3:ListAllMyBuckets",
            "*",
        );
    }

    #[test]
    fn a_put_to_the_service_is_not_allowed() {
        assert_eq!(
            at(Method::PUT, "/", ""),
            Err(Unclassified::MethodNotAllowed {
                method: Method::PUT,
                target: Target::Service,
                subresource: None
            })
        );
    }

    #[test]
    fn a_subresource_of_the_service_is_not_allowed() {
        assert_eq!(
            at(Method::GET, "/", "acl"),
            Err(Unclassified::MethodNotAllowed {
                method: Method::GET,
                target: Target::Service,
                subresource: Some("acl")
            })
        );
    }

    #[test]
    fn a_key_without_a_bucket_is_refused() {
        assert_eq!(
            at(Method::GET, "//2024/cat.jpg", ""),
            Err(Unclassified::KeyWithoutBucket)
        );
    }

    // Buckets: the operations the example server serves.

    #[test]
    fn list_objects_is_list_bucket() {
        expect(
            bucket(Method::GET, ""),
            "ListObjects",
            "s3:ListBucket",
            BUCKET_ARN,
        );
    }

    #[test]
    fn list_objects_v2_is_list_bucket() {
        expect(
            bucket(Method::GET, "list-type=2"),
            "ListObjectsV2",
            "s3:ListBucket",
            BUCKET_ARN,
        );
    }

    #[test]
    fn a_list_type_other_than_2_is_list_objects_as_the_example_routes_it() {
        expect(
            bucket(Method::GET, "list-type=1"),
            "ListObjects",
            "s3:ListBucket",
            BUCKET_ARN,
        );
    }

    #[test]
    fn a_listing_keeps_prefix_delimiter_and_max_keys_decoded() {
        let op = classified(bucket(
            Method::GET,
            "list-type=2&prefix=2024%2Fcats+and%20dogs%2F&delimiter=%2F&max-keys=%31%30&continuation-token=abc&start-after=a&fetch-owner=true&encoding-type=url",
        ));
        assert_eq!(op.prefix.as_deref(), Some("2024/cats and dogs/"));
        assert_eq!(op.delimiter.as_deref(), Some("/"));
        assert_eq!(op.max_keys.as_deref(), Some("10"));
    }

    #[test]
    fn a_listing_v1_keeps_its_prefix_with_a_marker() {
        let op = classified(bucket(Method::GET, "prefix=a&marker=a%2F1"));
        assert_eq!((op.name, op.prefix.as_deref()), ("ListObjects", Some("a")));
    }

    #[test]
    fn a_listing_without_parameters_has_no_condition_values() {
        let op = classified(bucket(Method::GET, "list-type=2"));
        assert_eq!((op.prefix, op.delimiter, op.max_keys), (None, None, None));
    }

    #[test]
    fn a_value_less_prefix_is_an_empty_prefix() {
        let op = classified(bucket(Method::GET, "prefix"));
        assert_eq!(op.prefix.as_deref(), Some(""));
    }

    #[test]
    fn head_bucket_is_list_bucket() {
        expect(
            bucket(Method::HEAD, ""),
            "HeadBucket",
            "s3:ListBucket",
            BUCKET_ARN,
        );
    }

    #[test]
    fn create_bucket() {
        expect(
            bucket(Method::PUT, ""),
            "CreateBucket",
            "s3:CreateBucket",
            BUCKET_ARN,
        );
    }

    #[test]
    fn delete_bucket() {
        expect(
            bucket(Method::DELETE, ""),
            "DeleteBucket",
            "s3:DeleteBucket",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_location() {
        expect(
            bucket(Method::GET, "location"),
            "GetBucketLocation",
            "s3:GetBucketLocation",
            BUCKET_ARN,
        );
    }

    #[test]
    fn list_multipart_uploads() {
        expect(
            bucket(Method::GET, "uploads"),
            "ListMultipartUploads",
            "s3:ListBucketMultipartUploads",
            BUCKET_ARN,
        );
    }

    #[test]
    fn delete_objects_is_delete_object_on_the_bucket_address() {
        expect(
            bucket(Method::POST, "delete"),
            "DeleteObjects",
            "s3:DeleteObject",
            BUCKET_ARN,
        );
    }

    #[test]
    fn a_post_to_a_bucket_without_a_subresource_is_left_to_post_object() {
        assert_eq!(
            bucket(Method::POST, ""),
            Err(Unclassified::MethodNotAllowed {
                method: Method::POST,
                target: Target::Bucket,
                subresource: None
            })
        );
    }

    #[test]
    fn a_patch_of_a_bucket_is_not_allowed() {
        assert_eq!(
            bucket(Method::PATCH, ""),
            Err(Unclassified::MethodNotAllowed {
                method: Method::PATCH,
                target: Target::Bucket,
                subresource: None
            })
        );
    }

    #[test]
    fn a_put_of_a_bucket_with_uploads_is_not_allowed() {
        assert_eq!(
            bucket(Method::PUT, "uploads"),
            Err(Unclassified::MethodNotAllowed {
                method: Method::PUT,
                target: Target::Bucket,
                subresource: Some("uploads")
            })
        );
    }

    #[test]
    fn an_upload_id_on_a_bucket_is_not_allowed() {
        assert_eq!(
            bucket(Method::GET, "uploadId=abc"),
            Err(Unclassified::MethodNotAllowed {
                method: Method::GET,
                target: Target::Bucket,
                subresource: Some("uploadId")
            })
        );
    }

    #[test]
    fn an_object_subresource_on_a_bucket_is_not_allowed() {
        assert_eq!(
            bucket(Method::GET, "retention"),
            Err(Unclassified::MethodNotAllowed {
                method: Method::GET,
                target: Target::Bucket,
                subresource: Some("retention")
            })
        );
    }

    // Buckets: the subresources.

    #[test]
    fn get_bucket_acl() {
        expect(
            bucket(Method::GET, "acl"),
            "GetBucketAcl",
            "s3:GetBucketAcl",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_acl() {
        expect(
            bucket(Method::PUT, "acl"),
            "PutBucketAcl",
            "s3:PutBucketAcl",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_tagging() {
        expect(
            bucket(Method::GET, "tagging"),
            "GetBucketTagging",
            "s3:GetBucketTagging",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_tagging() {
        expect(
            bucket(Method::PUT, "tagging"),
            "PutBucketTagging",
            "s3:PutBucketTagging",
            BUCKET_ARN,
        );
    }

    #[test]
    fn delete_bucket_tagging_is_put_bucket_tagging() {
        expect(
            bucket(Method::DELETE, "tagging"),
            "DeleteBucketTagging",
            "s3:PutBucketTagging",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_versioning() {
        expect(
            bucket(Method::GET, "versioning"),
            "GetBucketVersioning",
            "s3:GetBucketVersioning",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_versioning() {
        expect(
            bucket(Method::PUT, "versioning"),
            "PutBucketVersioning",
            "s3:PutBucketVersioning",
            BUCKET_ARN,
        );
    }

    #[test]
    fn list_object_versions_is_list_bucket_versions() {
        expect(
            bucket(Method::GET, "versions"),
            "ListObjectVersions",
            "s3:ListBucketVersions",
            BUCKET_ARN,
        );
    }

    #[test]
    fn list_object_versions_keeps_its_prefix() {
        let op = classified(bucket(
            Method::GET,
            "versions&prefix=2024%2F&key-marker=a&version-id-marker=b&max-keys=5",
        ));
        assert_eq!(
            (op.prefix.as_deref(), op.max_keys.as_deref()),
            (Some("2024/"), Some("5"))
        );
    }

    #[test]
    fn get_bucket_cors() {
        expect(
            bucket(Method::GET, "cors"),
            "GetBucketCors",
            "s3:GetBucketCORS",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_cors() {
        expect(
            bucket(Method::PUT, "cors"),
            "PutBucketCors",
            "s3:PutBucketCORS",
            BUCKET_ARN,
        );
    }

    #[test]
    fn delete_bucket_cors_is_put_bucket_cors() {
        expect(
            bucket(Method::DELETE, "cors"),
            "DeleteBucketCors",
            "s3:PutBucketCORS",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_lifecycle_configuration() {
        expect(
            bucket(Method::GET, "lifecycle"),
            "GetBucketLifecycleConfiguration",
            "s3:GetLifecycleConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_lifecycle_configuration() {
        expect(
            bucket(Method::PUT, "lifecycle"),
            "PutBucketLifecycleConfiguration",
            "s3:PutLifecycleConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn delete_bucket_lifecycle_is_put_lifecycle_configuration() {
        expect(
            bucket(Method::DELETE, "lifecycle"),
            "DeleteBucketLifecycle",
            "s3:PutLifecycleConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_policy() {
        expect(
            bucket(Method::GET, "policy"),
            "GetBucketPolicy",
            "s3:GetBucketPolicy",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_policy() {
        expect(
            bucket(Method::PUT, "policy"),
            "PutBucketPolicy",
            "s3:PutBucketPolicy",
            BUCKET_ARN,
        );
    }

    #[test]
    fn delete_bucket_policy() {
        expect(
            bucket(Method::DELETE, "policy"),
            "DeleteBucketPolicy",
            "s3:DeleteBucketPolicy",
            BUCKET_ARN,
        );
    }

    #[test]
    fn a_post_of_a_bucket_policy_is_not_allowed() {
        assert_eq!(
            bucket(Method::POST, "policy"),
            Err(Unclassified::MethodNotAllowed {
                method: Method::POST,
                target: Target::Bucket,
                subresource: Some("policy")
            })
        );
    }

    #[test]
    fn get_bucket_policy_status() {
        expect(
            bucket(Method::GET, "policyStatus"),
            "GetBucketPolicyStatus",
            "s3:GetBucketPolicyStatus",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_encryption() {
        expect(
            bucket(Method::GET, "encryption"),
            "GetBucketEncryption",
            "s3:GetEncryptionConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_encryption() {
        expect(
            bucket(Method::PUT, "encryption"),
            "PutBucketEncryption",
            "s3:PutEncryptionConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn delete_bucket_encryption_is_put_encryption_configuration() {
        expect(
            bucket(Method::DELETE, "encryption"),
            "DeleteBucketEncryption",
            "s3:PutEncryptionConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_website() {
        expect(
            bucket(Method::GET, "website"),
            "GetBucketWebsite",
            "s3:GetBucketWebsite",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_website() {
        expect(
            bucket(Method::PUT, "website"),
            "PutBucketWebsite",
            "s3:PutBucketWebsite",
            BUCKET_ARN,
        );
    }

    #[test]
    fn delete_bucket_website() {
        expect(
            bucket(Method::DELETE, "website"),
            "DeleteBucketWebsite",
            "s3:DeleteBucketWebsite",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_logging() {
        expect(
            bucket(Method::GET, "logging"),
            "GetBucketLogging",
            "s3:GetBucketLogging",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_logging() {
        expect(
            bucket(Method::PUT, "logging"),
            "PutBucketLogging",
            "s3:PutBucketLogging",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_notification_configuration() {
        expect(
            bucket(Method::GET, "notification"),
            "GetBucketNotificationConfiguration",
            "s3:GetBucketNotification",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_notification_configuration() {
        expect(
            bucket(Method::PUT, "notification"),
            "PutBucketNotificationConfiguration",
            "s3:PutBucketNotification",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_replication() {
        expect(
            bucket(Method::GET, "replication"),
            "GetBucketReplication",
            "s3:GetReplicationConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_replication() {
        expect(
            bucket(Method::PUT, "replication"),
            "PutBucketReplication",
            "s3:PutReplicationConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn delete_bucket_replication_is_put_replication_configuration() {
        expect(
            bucket(Method::DELETE, "replication"),
            "DeleteBucketReplication",
            "s3:PutReplicationConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_ownership_controls() {
        expect(
            bucket(Method::GET, "ownershipControls"),
            "GetBucketOwnershipControls",
            "s3:GetBucketOwnershipControls",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_ownership_controls() {
        expect(
            bucket(Method::PUT, "ownershipControls"),
            "PutBucketOwnershipControls",
            "s3:PutBucketOwnershipControls",
            BUCKET_ARN,
        );
    }

    #[test]
    fn delete_bucket_ownership_controls_is_put_bucket_ownership_controls() {
        expect(
            bucket(Method::DELETE, "ownershipControls"),
            "DeleteBucketOwnershipControls",
            "s3:PutBucketOwnershipControls",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_public_access_block() {
        expect(
            bucket(Method::GET, "publicAccessBlock"),
            "GetPublicAccessBlock",
            "s3:GetBucketPublicAccessBlock",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_public_access_block() {
        expect(
            bucket(Method::PUT, "publicAccessBlock"),
            "PutPublicAccessBlock",
            "s3:PutBucketPublicAccessBlock",
            BUCKET_ARN,
        );
    }

    #[test]
    fn delete_public_access_block_is_put_bucket_public_access_block() {
        expect(
            bucket(Method::DELETE, "publicAccessBlock"),
            "DeletePublicAccessBlock",
            "s3:PutBucketPublicAccessBlock",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_object_lock_configuration() {
        expect(
            bucket(Method::GET, "object-lock"),
            "GetObjectLockConfiguration",
            "s3:GetBucketObjectLockConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_object_lock_configuration() {
        expect(
            bucket(Method::PUT, "object-lock"),
            "PutObjectLockConfiguration",
            "s3:PutBucketObjectLockConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_accelerate_configuration() {
        expect(
            bucket(Method::GET, "accelerate"),
            "GetBucketAccelerateConfiguration",
            "s3:GetAccelerateConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_accelerate_configuration() {
        expect(
            bucket(Method::PUT, "accelerate"),
            "PutBucketAccelerateConfiguration",
            "s3:PutAccelerateConfiguration",
            BUCKET_ARN,
        );
    }

    #[test]
    fn get_bucket_request_payment() {
        expect(
            bucket(Method::GET, "requestPayment"),
            "GetBucketRequestPayment",
            "s3:GetBucketRequestPayment",
            BUCKET_ARN,
        );
    }

    #[test]
    fn put_bucket_request_payment() {
        expect(
            bucket(Method::PUT, "requestPayment"),
            "PutBucketRequestPayment",
            "s3:PutBucketRequestPayment",
            BUCKET_ARN,
        );
    }

    // Objects: the operations the example server serves.

    #[test]
    fn get_object() {
        expect(
            object(Method::GET, ""),
            "GetObject",
            "s3:GetObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn get_object_of_a_version_is_get_object_version() {
        let op = classified(object(Method::GET, "versionId=3HL4kqtJ"));
        assert_eq!(
            (op.name, op.action, op.version_id.as_deref()),
            ("GetObject", "s3:GetObjectVersion", Some("3HL4kqtJ"))
        );
    }

    #[test]
    fn get_object_of_a_part_with_response_overrides() {
        expect(
            object(
                Method::GET,
                "partNumber=2&response-content-type=text%2Fplain&response-cache-control=no-cache",
            ),
            "GetObject",
            "s3:GetObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn head_object_is_get_object() {
        expect(
            object(Method::HEAD, ""),
            "HeadObject",
            "s3:GetObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn head_object_of_a_version_is_get_object_version() {
        expect(
            object(Method::HEAD, "versionId=3HL4kqtJ"),
            "HeadObject",
            "s3:GetObjectVersion",
            OBJECT_ARN,
        );
    }

    #[test]
    fn an_empty_version_id_is_refused() {
        assert_eq!(
            object(Method::GET, "versionId="),
            Err(Unclassified::EmptyVersionId)
        );
    }

    #[test]
    fn put_object() {
        expect(
            object(Method::PUT, ""),
            "PutObject",
            "s3:PutObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn put_object_has_no_copy_source_or_version() {
        let op = classified(object(Method::PUT, "versionId=x"));
        assert_eq!((op.copy_source, op.version_id), (None, None));
    }

    #[test]
    fn delete_object() {
        expect(
            object(Method::DELETE, ""),
            "DeleteObject",
            "s3:DeleteObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn delete_object_of_a_version_is_delete_object_version() {
        let op = classified(object(Method::DELETE, "versionId=null"));
        assert_eq!(
            (op.name, op.action, op.version_id.as_deref()),
            ("DeleteObject", "s3:DeleteObjectVersion", Some("null"))
        );
    }

    #[test]
    fn a_post_to_an_object_without_a_subresource_is_not_allowed() {
        assert_eq!(
            object(Method::POST, ""),
            Err(Unclassified::MethodNotAllowed {
                method: Method::POST,
                target: Target::Object,
                subresource: None
            })
        );
    }

    #[test]
    fn an_options_request_to_an_object_is_not_allowed() {
        assert_eq!(
            object(Method::OPTIONS, ""),
            Err(Unclassified::MethodNotAllowed {
                method: Method::OPTIONS,
                target: Target::Object,
                subresource: None
            })
        );
    }

    #[test]
    fn a_bucket_subresource_on_an_object_is_not_allowed() {
        assert_eq!(
            object(Method::GET, "versioning"),
            Err(Unclassified::MethodNotAllowed {
                method: Method::GET,
                target: Target::Object,
                subresource: Some("versioning")
            })
        );
    }

    #[test]
    fn a_get_of_an_object_with_uploads_is_not_allowed() {
        assert_eq!(
            object(Method::GET, "uploads"),
            Err(Unclassified::MethodNotAllowed {
                method: Method::GET,
                target: Target::Object,
                subresource: Some("uploads")
            })
        );
    }

    // Objects: copies.

    #[test]
    fn copy_object_is_put_object_and_get_object_of_the_source() {
        let op = classified(object_with(
            Method::PUT,
            "",
            &[("x-amz-copy-source", "drafts/2024/cat.jpg")],
        ));
        assert_eq!(
            (op.name, op.action, op.resource_arn()),
            ("CopyObject", "s3:PutObject", OBJECT_ARN)
        );
        assert_eq!(op.copy_source_action(), Some("s3:GetObject"));
        assert_eq!(
            op.copy_source_arn().as_deref(),
            Some("arn:aws:s3:::drafts/2024/cat.jpg")
        );
    }

    #[test]
    fn a_copy_source_with_a_leading_slash() {
        let op = classified(object_with(
            Method::PUT,
            "",
            &[("x-amz-copy-source", "/drafts/2024/cat.jpg")],
        ));
        assert_eq!(
            op.copy_source,
            Some(Box::new(CopySource {
                bucket: "drafts".into(),
                key: "2024/cat.jpg".into(),
                version_id: None,
                arn: "arn:aws:s3:::drafts/2024/cat.jpg".into(),
            }))
        );
    }

    #[test]
    fn a_copy_source_is_percent_decoded_once_and_a_plus_is_itself() {
        let op = classified(object_with(
            Method::PUT,
            "",
            &[("x-amz-copy-source", "drafts/caf%C3%A9%20a+b%2520%3F")],
        ));
        assert_eq!(
            op.copy_source.map(|s| s.key),
            Some("café a+b%20?".to_string())
        );
    }

    #[test]
    fn a_copy_source_with_a_version_is_get_object_version_of_the_source() {
        let op = classified(object_with(
            Method::PUT,
            "",
            &[(
                "x-amz-copy-source",
                "/drafts/cat.jpg?versionId=QUpfdndhfd8438MNFDN93jdnJFkdmqnh893",
            )],
        ));
        assert_eq!(op.action, "s3:PutObject");
        assert_eq!(op.copy_source_action(), Some("s3:GetObjectVersion"));
        assert_eq!(
            op.copy_source.and_then(|s| s.version_id).as_deref(),
            Some("QUpfdndhfd8438MNFDN93jdnJFkdmqnh893")
        );
    }

    #[test]
    fn a_copy_source_without_a_key_is_refused() {
        assert!(matches!(
            object_with(Method::PUT, "", &[("x-amz-copy-source", "/drafts")]),
            Err(Unclassified::InvalidCopySource { .. })
        ));
    }

    #[test]
    fn a_copy_source_with_an_empty_key_is_refused() {
        assert!(matches!(
            object_with(Method::PUT, "", &[("x-amz-copy-source", "drafts/")]),
            Err(Unclassified::InvalidCopySource { .. })
        ));
    }

    #[test]
    fn an_empty_copy_source_is_refused() {
        assert!(matches!(
            object_with(Method::PUT, "", &[("x-amz-copy-source", "")]),
            Err(Unclassified::InvalidCopySource { .. })
        ));
    }

    #[test]
    fn a_copy_source_with_another_parameter_than_version_id_is_refused() {
        assert!(matches!(
            object_with(
                Method::PUT,
                "",
                &[("x-amz-copy-source", "drafts/cat.jpg?acl")]
            ),
            Err(Unclassified::InvalidCopySource { .. })
        ));
    }

    #[test]
    fn a_copy_source_with_an_empty_version_is_refused() {
        assert!(matches!(
            object_with(
                Method::PUT,
                "",
                &[("x-amz-copy-source", "drafts/cat.jpg?versionId=")]
            ),
            Err(Unclassified::InvalidCopySource { .. })
        ));
    }

    #[test]
    fn a_copy_source_that_is_an_access_point_arn_is_refused() {
        assert!(matches!(
            object_with(
                Method::PUT,
                "",
                &[(
                    "x-amz-copy-source",
                    "arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/cat.jpg"
                )]
            ),
            Err(Unclassified::InvalidCopySource { .. })
        ));
    }

    #[test]
    fn a_copy_source_whose_bucket_has_a_character_no_bucket_has_is_refused() {
        assert!(matches!(
            object_with(Method::PUT, "", &[("x-amz-copy-source", "dr*fts/cat.jpg")]),
            Err(Unclassified::InvalidCopySource { .. })
        ));
    }

    #[test]
    fn a_copy_source_that_does_not_decode_to_utf8_is_refused() {
        assert!(matches!(
            object_with(Method::PUT, "", &[("x-amz-copy-source", "drafts/%FF")]),
            Err(Unclassified::InvalidCopySource { .. })
        ));
    }

    #[test]
    fn a_copy_source_header_that_is_not_text_is_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amz-copy-source",
            HeaderValue::from_bytes(b"drafts/caf\xe9").unwrap(),
        );
        assert!(matches!(
            classify_at(
                Method::PUT,
                "localhost",
                "/photos/2024/cat.jpg",
                "",
                &headers
            ),
            Err(Unclassified::InvalidCopySource { .. })
        ));
    }

    #[test]
    fn a_repeated_copy_source_header_is_refused() {
        assert!(matches!(
            object_with(
                Method::PUT,
                "",
                &[
                    ("x-amz-copy-source", "drafts/a.jpg"),
                    ("x-amz-copy-source", "secrets/b.jpg")
                ]
            ),
            Err(Unclassified::InvalidCopySource { .. })
        ));
    }

    #[test]
    fn an_operation_that_copies_nothing_has_no_copy_source_arn() {
        let op = classified(object(Method::GET, ""));
        assert_eq!(
            (op.copy_source_arn(), op.copy_source_action()),
            (None, None)
        );
    }

    // Objects: multipart uploads.

    #[test]
    fn create_multipart_upload_is_put_object() {
        expect(
            object(Method::POST, "uploads"),
            "CreateMultipartUpload",
            "s3:PutObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn upload_part_is_put_object() {
        expect(
            object(Method::PUT, "partNumber=1&uploadId=VXBsb2FkIElE"),
            "UploadPart",
            "s3:PutObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn upload_part_copy_is_put_object_and_get_object_of_the_source() {
        let op = classified(object_with(
            Method::PUT,
            "partNumber=1&uploadId=VXBsb2FkIElE",
            &[
                ("x-amz-copy-source", "drafts/big.bin"),
                ("x-amz-copy-source-range", "bytes=0-99"),
            ],
        ));
        assert_eq!(
            (op.name, op.action, op.copy_source_action()),
            ("UploadPartCopy", "s3:PutObject", Some("s3:GetObject"))
        );
        assert_eq!(
            op.copy_source_arn().as_deref(),
            Some("arn:aws:s3:::drafts/big.bin")
        );
    }

    #[test]
    fn complete_multipart_upload_is_put_object() {
        expect(
            object(Method::POST, "uploadId=VXBsb2FkIElE"),
            "CompleteMultipartUpload",
            "s3:PutObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn abort_multipart_upload() {
        expect(
            object(Method::DELETE, "uploadId=VXBsb2FkIElE"),
            "AbortMultipartUpload",
            "s3:AbortMultipartUpload",
            OBJECT_ARN,
        );
    }

    #[test]
    fn list_parts_is_list_multipart_upload_parts() {
        expect(
            object(
                Method::GET,
                "uploadId=VXBsb2FkIElE&max-parts=10&part-number-marker=2",
            ),
            "ListParts",
            "s3:ListMultipartUploadParts",
            OBJECT_ARN,
        );
    }

    #[test]
    fn a_head_with_an_upload_id_is_not_allowed() {
        assert_eq!(
            object(Method::HEAD, "uploadId=VXBsb2FkIElE"),
            Err(Unclassified::MethodNotAllowed {
                method: Method::HEAD,
                target: Target::Object,
                subresource: Some("uploadId")
            })
        );
    }

    // Objects: browser uploads.

    #[test]
    fn post_object_is_put_object_on_the_key() {
        let op = S3Operation::post_object("photos", "2024/cat.jpg");
        assert_eq!(
            (op.name, op.action, op.resource_arn()),
            ("PostObject", "s3:PutObject", OBJECT_ARN)
        );
    }

    // Objects: the subresources.

    #[test]
    fn get_object_acl() {
        expect(
            object(Method::GET, "acl"),
            "GetObjectAcl",
            "s3:GetObjectAcl",
            OBJECT_ARN,
        );
    }

    #[test]
    fn get_object_acl_of_a_version_is_get_object_version_acl() {
        expect(
            object(Method::GET, "acl&versionId=v1"),
            "GetObjectAcl",
            "s3:GetObjectVersionAcl",
            OBJECT_ARN,
        );
    }

    #[test]
    fn put_object_acl() {
        expect(
            object(Method::PUT, "acl"),
            "PutObjectAcl",
            "s3:PutObjectAcl",
            OBJECT_ARN,
        );
    }

    #[test]
    fn put_object_acl_of_a_version_is_put_object_version_acl() {
        expect(
            object(Method::PUT, "acl&versionId=v1"),
            "PutObjectAcl",
            "s3:PutObjectVersionAcl",
            OBJECT_ARN,
        );
    }

    #[test]
    fn put_object_acl_with_a_copy_source_header_is_still_put_object_acl() {
        let op = classified(object_with(
            Method::PUT,
            "acl",
            &[("x-amz-copy-source", "drafts/cat.jpg")],
        ));
        assert_eq!((op.name, op.copy_source), ("PutObjectAcl", None));
    }

    #[test]
    fn get_object_tagging() {
        expect(
            object(Method::GET, "tagging"),
            "GetObjectTagging",
            "s3:GetObjectTagging",
            OBJECT_ARN,
        );
    }

    #[test]
    fn get_object_tagging_of_a_version_is_get_object_version_tagging() {
        expect(
            object(Method::GET, "tagging&versionId=v1"),
            "GetObjectTagging",
            "s3:GetObjectVersionTagging",
            OBJECT_ARN,
        );
    }

    #[test]
    fn put_object_tagging() {
        expect(
            object(Method::PUT, "tagging"),
            "PutObjectTagging",
            "s3:PutObjectTagging",
            OBJECT_ARN,
        );
    }

    #[test]
    fn put_object_tagging_of_a_version_is_put_object_version_tagging() {
        expect(
            object(Method::PUT, "tagging&versionId=v1"),
            "PutObjectTagging",
            "s3:PutObjectVersionTagging",
            OBJECT_ARN,
        );
    }

    #[test]
    fn delete_object_tagging() {
        expect(
            object(Method::DELETE, "tagging"),
            "DeleteObjectTagging",
            "s3:DeleteObjectTagging",
            OBJECT_ARN,
        );
    }

    #[test]
    fn delete_object_tagging_of_a_version_is_delete_object_version_tagging() {
        expect(
            object(Method::DELETE, "tagging&versionId=v1"),
            "DeleteObjectTagging",
            "s3:DeleteObjectVersionTagging",
            OBJECT_ARN,
        );
    }

    #[test]
    fn get_object_retention() {
        expect(
            object(Method::GET, "retention"),
            "GetObjectRetention",
            "s3:GetObjectRetention",
            OBJECT_ARN,
        );
    }

    #[test]
    fn put_object_retention_of_a_version_keeps_the_version() {
        let op = classified(object(Method::PUT, "retention&versionId=v1"));
        assert_eq!(
            (op.name, op.action, op.version_id.as_deref()),
            ("PutObjectRetention", "s3:PutObjectRetention", Some("v1"))
        );
    }

    #[test]
    fn get_object_legal_hold() {
        expect(
            object(Method::GET, "legal-hold"),
            "GetObjectLegalHold",
            "s3:GetObjectLegalHold",
            OBJECT_ARN,
        );
    }

    #[test]
    fn put_object_legal_hold() {
        expect(
            object(Method::PUT, "legal-hold"),
            "PutObjectLegalHold",
            "s3:PutObjectLegalHold",
            OBJECT_ARN,
        );
    }

    #[test]
    fn a_put_object_that_sets_tags_needs_put_object_tagging_too() {
        let op = classified(object_with(Method::PUT, "", &[("x-amz-tagging", "a=b")]));
        assert_eq!(
            (op.name, op.action, op.further_actions),
            ("PutObject", "s3:PutObject", &["s3:PutObjectTagging"][..])
        );
    }

    #[test]
    fn a_put_object_without_tags_needs_put_object_alone() {
        let op = classified(object(Method::PUT, ""));
        assert_eq!(op.further_actions, &[] as &[&str]);
    }

    #[test]
    fn get_object_attributes_needs_get_object_too() {
        let op = classified(object(Method::GET, "attributes"));
        assert_eq!(
            (op.name, op.action, op.further_actions),
            (
                "GetObjectAttributes",
                "s3:GetObjectAttributes",
                &["s3:GetObject"][..]
            )
        );
    }

    #[test]
    fn get_object_attributes_of_a_version_needs_get_object_version_too() {
        let op = classified(object(Method::GET, "attributes&versionId=v1"));
        assert_eq!(
            (op.action, op.further_actions),
            (
                "s3:GetObjectVersionAttributes",
                &["s3:GetObjectVersion"][..]
            )
        );
    }

    #[test]
    fn restore_object() {
        expect(
            object(Method::POST, "restore"),
            "RestoreObject",
            "s3:RestoreObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn select_object_content_is_get_object() {
        expect(
            object(Method::POST, "select&select-type=2"),
            "SelectObjectContent",
            "s3:GetObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn a_get_of_select_is_not_allowed() {
        assert_eq!(
            object(Method::GET, "select&select-type=2"),
            Err(Unclassified::MethodNotAllowed {
                method: Method::GET,
                target: Target::Object,
                subresource: Some("select")
            })
        );
    }

    // Addresses.

    #[test]
    fn a_virtual_hosted_bucket() {
        expect(
            classify_at(
                Method::GET,
                "photos.localhost:9000",
                "/",
                "versioning",
                &HeaderMap::new(),
            ),
            "GetBucketVersioning",
            "s3:GetBucketVersioning",
            BUCKET_ARN,
        );
    }

    #[test]
    fn a_virtual_hosted_object() {
        expect(
            classify_at(
                Method::DELETE,
                "photos.localhost:9000",
                "/2024/cat.jpg",
                "",
                &HeaderMap::new(),
            ),
            "DeleteObject",
            "s3:DeleteObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn a_dotted_virtual_hosted_bucket() {
        expect(
            classify_at(
                Method::HEAD,
                "my.photos.localhost",
                "/",
                "",
                &HeaderMap::new(),
            ),
            "HeadBucket",
            "s3:ListBucket",
            "arn:aws:s3:::my.photos",
        );
    }

    #[test]
    fn a_key_keeps_its_decoded_characters_in_the_arn() {
        expect(
            at(Method::GET, "/photos/a%20b/%2A%3F+c", ""),
            "GetObject",
            "s3:GetObject",
            "arn:aws:s3:::photos/a b/*?+c",
        );
    }

    #[test]
    fn a_path_style_bucket_with_an_encoded_slash_is_refused() {
        assert_eq!(
            at(Method::GET, "/photos%2Fsecret/cat.jpg", ""),
            Err(Unclassified::InvalidBucketName {
                bucket: "photos/secret".into()
            })
        );
    }

    #[test]
    fn a_legacy_bucket_name_with_capitals_and_underscores_is_taken() {
        expect(
            at(Method::GET, "/Old_Photos", ""),
            "ListObjects",
            "s3:ListBucket",
            "arn:aws:s3:::Old_Photos",
        );
    }

    // The query.

    #[test]
    fn x_id_is_ignored() {
        expect(
            object(Method::PUT, "x-id=PutObject"),
            "PutObject",
            "s3:PutObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn x_id_does_not_change_the_operation() {
        expect(
            object(Method::GET, "x-id=DeleteObject"),
            "GetObject",
            "s3:GetObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn presign_parameters_are_ignored() {
        expect(
            object(
                Method::GET,
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
            ),
            "GetObject",
            "s3:GetObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn an_unknown_value_less_parameter_is_an_unknown_subresource() {
        assert_eq!(
            bucket(Method::GET, "inventory"),
            Err(Unclassified::UnknownSubresource {
                parameter: "inventory".into()
            })
        );
    }

    #[test]
    fn an_unknown_parameter_with_an_empty_value_is_an_unknown_subresource() {
        assert_eq!(
            object(Method::PUT, "renameObject="),
            Err(Unclassified::UnknownSubresource {
                parameter: "renameObject".into()
            })
        );
    }

    #[test]
    fn an_unknown_parameter_with_a_value_is_ignored() {
        expect(
            object(Method::GET, "cache-buster=1718000000"),
            "GetObject",
            "s3:GetObject",
            OBJECT_ARN,
        );
    }

    #[test]
    fn subresource_names_are_case_sensitive() {
        assert_eq!(
            bucket(Method::GET, "ACL"),
            Err(Unclassified::UnknownSubresource {
                parameter: "ACL".into()
            })
        );
    }

    #[test]
    fn a_percent_encoded_subresource_name_is_decoded() {
        expect(
            bucket(Method::DELETE, "%70olicy"),
            "DeleteBucketPolicy",
            "s3:DeleteBucketPolicy",
            BUCKET_ARN,
        );
    }

    #[test]
    fn a_subresource_with_a_value_is_still_the_subresource() {
        expect(
            bucket(Method::GET, "acl="),
            "GetBucketAcl",
            "s3:GetBucketAcl",
            BUCKET_ARN,
        );
    }

    #[test]
    fn two_subresources_conflict() {
        assert_eq!(
            object(Method::PUT, "acl&tagging"),
            Err(Unclassified::ConflictingSubresources {
                first: "acl",
                second: "tagging"
            })
        );
    }

    #[test]
    fn uploads_and_an_upload_id_conflict() {
        assert_eq!(
            object(Method::POST, "uploadId=a&uploads"),
            Err(Unclassified::ConflictingSubresources {
                first: "uploadId",
                second: "uploads"
            })
        );
    }

    #[test]
    fn a_repeated_parameter_is_refused_however_it_is_encoded() {
        assert_eq!(
            bucket(Method::GET, "prefix=public%2F&%70refix=private%2F"),
            Err(Unclassified::RepeatedParameter {
                parameter: "prefix".into()
            })
        );
    }

    #[test]
    fn a_repeated_subresource_is_refused() {
        assert_eq!(
            bucket(Method::GET, "acl&acl"),
            Err(Unclassified::RepeatedParameter {
                parameter: "acl".into()
            })
        );
    }

    #[test]
    fn a_query_that_does_not_decode_to_utf8_is_invalid() {
        assert_eq!(
            bucket(Method::GET, "prefix=%FF%FE"),
            Err(Unclassified::InvalidQuery {
                parameter: "prefix=%FF%FE".into()
            })
        );
    }

    #[test]
    fn a_malformed_percent_escape_is_kept_as_sent() {
        let op = classified(bucket(Method::GET, "prefix=100%25%zz%4"));
        assert_eq!(op.prefix.as_deref(), Some("100%%zz%4"));
    }

    #[test]
    fn empty_query_parts_are_skipped() {
        expect(
            bucket(Method::GET, "&&uploads&&"),
            "ListMultipartUploads",
            "s3:ListBucketMultipartUploads",
            BUCKET_ARN,
        );
    }

    #[test]
    fn a_parameter_named_nothing_is_skipped() {
        expect(
            bucket(Method::GET, "=&=x"),
            "ListObjects",
            "s3:ListBucket",
            BUCKET_ARN,
        );
    }

    #[test]
    fn a_huge_query_of_one_parameter_is_classified() {
        let query = format!("prefix={}", "a%2F".repeat(250_000));
        let op = classified(bucket(Method::GET, &query));
        assert_eq!(op.prefix.map(|p| p.len()), Some(500_000));
    }

    #[test]
    fn a_query_of_fifty_thousand_parameters_is_read_to_its_end() {
        let query: String = (0..50_000).map(|i| format!("p{i}=1&")).collect::<String>() + "q";
        assert_eq!(
            bucket(Method::GET, &query),
            Err(Unclassified::UnknownSubresource {
                parameter: "q".into()
            })
        );
    }

    #[test]
    fn a_huge_query_of_separators_is_classified() {
        let query = "&".repeat(1_000_000);
        expect(
            bucket(Method::GET, &query),
            "ListObjects",
            "s3:ListBucket",
            BUCKET_ARN,
        );
    }

    #[test]
    fn a_long_unknown_parameter_is_named_by_its_first_128_bytes() {
        let name = "é".repeat(100);
        let Err(Unclassified::UnknownSubresource { parameter }) = bucket(Method::GET, &name) else {
            panic!("not refused as an unknown subresource");
        };
        assert_eq!(parameter, "é".repeat(64));
    }

    // Refusals.

    #[test]
    fn an_unknown_subresource_is_501_not_implemented() {
        let e = Unclassified::UnknownSubresource {
            parameter: "inventory".into(),
        };
        assert_eq!((e.status().as_u16(), e.code()), (501, "NotImplemented"));
        assert!(e.to_string().contains("?inventory"), "{e}");
    }

    #[test]
    fn a_method_not_allowed_is_405() {
        let e = Unclassified::MethodNotAllowed {
            method: Method::POST,
            target: Target::Bucket,
            subresource: Some("policy"),
        };
        assert_eq!((e.status().as_u16(), e.code()), (405, "MethodNotAllowed"));
        assert!(e.to_string().contains("POST"), "{e}");
        assert!(e.to_string().contains("?policy"), "{e}");
    }

    #[test]
    fn an_invalid_query_is_400_invalid_uri() {
        let e = Unclassified::InvalidQuery {
            parameter: "%FF".into(),
        };
        assert_eq!((e.status().as_u16(), e.code()), (400, "InvalidURI"));
    }

    #[test]
    fn a_repeated_parameter_is_400_invalid_argument() {
        let e = Unclassified::RepeatedParameter {
            parameter: "prefix".into(),
        };
        assert_eq!((e.status().as_u16(), e.code()), (400, "InvalidArgument"));
        assert!(e.to_string().contains("prefix"), "{e}");
    }

    #[test]
    fn an_invalid_bucket_name_is_400_invalid_bucket_name() {
        let e = Unclassified::InvalidBucketName {
            bucket: "a/b".into(),
        };
        assert_eq!((e.status().as_u16(), e.code()), (400, "InvalidBucketName"));
    }

    #[test]
    fn a_reason_of_your_own_is_501_not_implemented() {
        let e = Unclassified::new("only GET is known");
        assert_eq!((e.status().as_u16(), e.code()), (501, "NotImplemented"));
        assert_eq!(e.to_string(), "only GET is known");
    }

    #[test]
    fn an_invalid_copy_source_is_400_invalid_argument_naming_the_header() {
        let e = Unclassified::InvalidCopySource {
            reason: "it names no key",
        };
        assert_eq!((e.status().as_u16(), e.code()), (400, "InvalidArgument"));
        assert!(e.to_string().contains("x-amz-copy-source"), "{e}");
    }
}
