//! S3 browser POST uploads: what the handler is given ([`PostObject`]), and the bound on the
//! form fields read before the file.

/// The most bytes of form fields read before the file part.
pub const MAX_FORM_FIELD_BYTES: usize = 20 * 1024;

/// The form of a verified S3 browser POST upload (`multipart/form-data` with a signed
/// policy), for the handler. The form fields are read (at most [`MAX_FORM_FIELD_BYTES`] of
/// them) up to the file part, the policy's signature, expiration and conditions are
/// checked, and only then does the handler see the request, with the `PostObject` in its
/// extensions and the file's bytes as the body (`content-length-range` enforced as they
/// stream).
///
/// ```
/// use countersign_server::PostObject;
/// fn key_of(post: &PostObject) -> Option<&str> {
///     post.key.as_deref() // `${filename}` already replaced
/// }
/// # let _ = key_of;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PostObject {
    /// The bucket the form uploads to, as the layer decided it (from the path, or from the
    /// host under [`SigV4Layer::virtual_host_domain`](crate::SigV4Layer::virtual_host_domain))
    /// and checked the policy's `bucket` condition against: store the file there.
    pub bucket: String,
    /// Every form field before the file, names lower-case (`x-amz-signature` and `policy` included).
    pub fields: Vec<(String, String)>,
    /// The object key: the `key` field with `${filename}` replaced by the file's name.
    pub key: Option<String>,
    /// The file part's file name.
    pub filename: Option<String>,
    /// The file part's own `Content-Type`.
    pub file_content_type: Option<String>,
}

impl PostObject {
    /// A field's value (name in any case).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
