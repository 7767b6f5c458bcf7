//! S3 browser POST uploads (`multipart/form-data` with a signed policy): the form fields are
//! read (at most 20 KiB of them) up to the file part, the policy's signature, expiration and
//! conditions are checked, and only then does the handler see the request, with the
//! [`PostObject`] fields in its extensions and the file's bytes as the body
//! (`content-length-range` enforced as they stream).
//!
//! ```
//! use countersign_server::PostObject;
//! fn key_of(post: &PostObject) -> Option<&str> {
//!     post.key.as_deref() // `${filename}` already replaced
//! }
//! # let _ = key_of;
//! ```

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use countersign_core::multipart::{MultipartParser, Part};
use countersign_core::post_policy::PostPolicy;
use countersign_core::{AmzDate, AuthSource, Credential, Signature, ALGORITHM};
use http::request::Parts;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;
use tower_service::Service;

use crate::address::S3Address;
use crate::authenticate::{reject, View};
use crate::body::{BoxError, Digests, VerifiedBody};
use crate::error::Error;
use crate::identity::Verified;
use crate::key_step::{find_key, settle, KeyStep};
use crate::keys::{Key, KeyRequest, KeyStore};
use crate::layer::Config;
use crate::leftover::{refusal, Leftover};

/// The most bytes of form fields read before the file part.
pub const MAX_FORM_FIELD_BYTES: usize = 20 * 1024;

/// The form of a verified POST upload, for the handler.
#[derive(Debug, Clone, Default)]
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

/// The boundary of a request the layer treats as a POST upload: S3 mode, POST, a multipart
/// form, and no other authentication.
pub(crate) fn post_boundary(config: &Config, parts: &Parts) -> Option<String> {
    if !config.s3
        || parts.method != http::Method::POST
        || parts.headers.contains_key(http::header::AUTHORIZATION)
    {
        return None;
    }
    if parts
        .uri
        .query()
        .is_some_and(|q| q.contains("X-Amz-Signature=") || q.contains("X-Amz-Credential="))
    {
        return None;
    }
    let content_type = parts
        .headers
        .get(http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    MultipartParser::boundary(content_type).map(str::to_string)
}

/// The bucket a POST form uploads to: the bucket the request addresses, with no object key
/// and no query. S3 reads a POST with a query as the operation the query names (`?delete`,
/// `?uploads`, `?uploadId=…`), which a form's policy does not sign.
fn form_bucket(config: &Config, parts: &Parts) -> Result<String, Error> {
    if let Some(query) = parts.uri.query().filter(|q| !q.is_empty()) {
        let first = query.split('&').find(|p| !p.is_empty()).unwrap_or(query);
        let name = first.split('=').next().unwrap_or(first);
        return Err(Error::PostFormQuery {
            parameter: name.chars().take(64).collect(),
        });
    }
    let view = View::new(parts, config.proxy.as_ref());
    let address = S3Address::of(
        view.host().unwrap_or(""),
        view.path(),
        config.virtual_host_domain.as_deref(),
    );
    match address {
        Ok(S3Address {
            bucket: Some(bucket),
            key: None,
            ..
        }) => Ok(bucket),
        _ => Err(Error::PostFormNotToBucket),
    }
}

/// The outcome of the boxed POST flow: the inner service's response, or a rejection (with
/// what is left of the form to read before it is sent).
pub(crate) enum Outcome<R> {
    Inner(R),
    Rejected(Response<Full<Bytes>>, Option<Leftover>),
}

/// The future of one POST upload (boxed: this is not the hot path).
pub(crate) type PostFuture<R, E> = Pin<Box<dyn Future<Output = Result<Outcome<R>, E>> + Send>>;

/// Reads the form up to the file, verifies it, and calls the inner service.
pub(crate) fn post_upload<S, K, B>(
    mut service: S,
    parts: Parts,
    body: B,
    boundary: String,
    config: Arc<Config>,
    store: Arc<K>,
) -> PostFuture<S::Response, S::Error>
where
    S: Service<Request<VerifiedBody<B>>> + Send + 'static,
    S::Future: Send + 'static,
    K: KeyStore,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    Box::pin(async move {
        let mut body = Box::pin(body);
        let bucket = match form_bucket(&config, &parts) {
            Ok(bucket) => bucket,
            Err(e) => return Ok(refuse(&config, &parts, body, e)),
        };
        let mut parser = MultipartParser::new(&boundary);
        let form = match read_fields(&mut body, &mut parser).await {
            Ok(form) => form,
            Err(e) => return Ok(refuse(&config, &parts, body, e)),
        };
        let checked = match check_form(&config, bucket, form, store.as_ref()).await {
            Ok(checked) => checked,
            Err(e) => return Ok(refuse(&config, &parts, body, e)),
        };
        let (identity, post, range) = checked;
        let mut parts = parts;
        parts.extensions.insert(identity);
        parts.extensions.insert(post);
        let body = VerifiedBody::form(body, parser, range, Digests::none(), config.drain_limit);
        service
            .call(Request::from_parts(parts, body))
            .await
            .map(Outcome::Inner)
    })
}

/// The refusal of a form for `error`, sent once the rest of the form was read: a browser
/// sends the whole form before it reads an answer. A body that failed to be read is not read
/// again.
fn refuse<R, B>(config: &Config, parts: &Parts, body: Pin<Box<B>>, error: Error) -> Outcome<R>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let (response, leftover) = match error {
        Error::BodyRead(_) => (reject(config, parts, error, None), None),
        _ => refusal(config, parts, body, error, None),
    };
    Outcome::Rejected(response, leftover)
}

/// The fields read before the file part.
struct Form {
    fields: Vec<(String, String)>,
    filename: Option<String>,
    file_content_type: Option<String>,
}

async fn read_fields<B>(body: &mut Pin<Box<B>>, parser: &mut MultipartParser) -> Result<Form, Error>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let mut fields: Vec<(String, Vec<u8>)> = Vec::new();
    let mut size = 0usize;
    let mut input_ended = false;
    loop {
        let part = if input_ended {
            parser.finish()
        } else {
            parser.next_part()
        };
        match part.map_err(|e| Error::MalformedPost(e.to_string()))? {
            Some(Part::Start {
                name,
                filename,
                content_type,
            }) => {
                if name.eq_ignore_ascii_case("file") {
                    let fields = fields
                        .into_iter()
                        .map(|(n, v)| String::from_utf8(v).map(|v| (n, v)))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|_| Error::MalformedPost("a form field is not UTF-8".into()))?;
                    return Ok(Form {
                        fields,
                        filename,
                        file_content_type: content_type,
                    });
                }
                if fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                    return Err(Error::PostField(format!(
                        "the form repeats the field {name}"
                    )));
                }
                fields.push((name.to_ascii_lowercase(), Vec::new()));
            }
            Some(Part::Data(data)) => {
                size += data.len();
                if size > MAX_FORM_FIELD_BYTES {
                    return Err(Error::PostFieldsTooLarge {
                        limit: MAX_FORM_FIELD_BYTES,
                    });
                }
                if let Some((_, value)) = fields.last_mut() {
                    value.extend_from_slice(&data);
                }
            }
            Some(Part::End) => {}
            Some(Part::Finished) => return Err(no_file()),
            None if input_ended => return Err(no_file()),
            None => match poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        parser.push(data);
                    }
                }
                Some(Err(e)) => return Err(Error::BodyRead(e.into().to_string())),
                None => input_ended = true,
            },
        }
    }
}

fn no_file() -> Error {
    Error::PostField("POST requires exactly one file upload per request".into())
}

/// Checks the form's authentication and its policy for an upload to `bucket`; gives the
/// identity, the form and the content-length range.
async fn check_form<K: KeyStore>(
    config: &Config,
    bucket: String,
    form: Form,
    store: &K,
) -> Result<(Verified<K::Principal>, PostObject, Option<(u64, u64)>), Error> {
    let field = |name: &str| {
        form.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let required = |name: &str| {
        field(name).ok_or_else(|| {
            Error::PostField(format!("Bucket POST must contain a field named '{name}'"))
        })
    };
    // A Signature Version 2 form (`AWSAccessKeyId`, `signature`, `policy`) is answered as S3
    // answers it where SigV2 is refused, rather than as a form missing its SigV4 fields.
    let sigv4 = field("x-amz-algorithm").is_some() || field("x-amz-credential").is_some();
    if !sigv4 && field("awsaccesskeyid").is_some() && field("signature").is_some() {
        return Err(countersign_core::Error::SigV2NotSupported(AuthSource::Form).into());
    }
    let algorithm = required("x-amz-algorithm")?;
    if algorithm != ALGORITHM {
        return Err(Error::PostField(format!(
            "x-amz-algorithm only supports {ALGORITHM}"
        )));
    }
    let credential = Credential::parse(required("x-amz-credential")?, AuthSource::Form)?;
    let date = AmzDate::parse(required("x-amz-date")?).ok_or_else(|| {
        Error::PostField("x-amz-date must be in the ISO 8601 basic format YYYYMMDDTHHMMSSZ".into())
    })?;
    let signature = Signature::from_hex(required("x-amz-signature")?).ok_or_else(|| {
        Error::PostField("x-amz-signature must be 64 hexadecimal characters".into())
    })?;
    let policy_text = required("policy")?;
    config
        .verifier
        .check_credential(&credential, date, AuthSource::Form)?;
    let policy = PostPolicy::from_base64(policy_text)?;

    let credential = credential.into_owned();
    let scope = credential.scope();
    let mut request = KeyRequest::from_credential(credential.clone());
    if let Some(token) = field("x-amz-security-token") {
        request = request.with_session_token(token);
    }
    let key = match find_key(config, store, request) {
        KeyStep::Answered(found) => found?,
        KeyStep::Wait(lookup) => settle(config, credential.access_key_id(), lookup.await)?,
    };
    let Some(key) = key else {
        // Checked against the decoy secret, so that it costs what a wrong signature costs.
        std::hint::black_box(policy_signed(
            config,
            &config.decoy,
            &scope,
            policy_text,
            &signature,
        ));
        return Err(Error::InvalidAccessKeyId(
            credential.access_key_id().to_string(),
        ));
    };
    if !policy_signed(config, &key, &scope, policy_text, &signature) {
        return Err(Error::Auth(countersign_core::Error::SignatureDoesNotMatch(
            Box::new(countersign_core::error::Mismatch {
                canonical_request: String::new(),
                string_to_sign: policy_text.to_string(),
            }),
        )));
    }

    let filename = form.filename.clone().unwrap_or_default();
    let mut fields = form.fields.clone();
    for (name, value) in &mut fields {
        if name == "key" {
            *value = value.replace("${filename}", &filename);
        }
    }
    let range = policy.check(&fields, Some(&bucket), config.clock.now())?;
    let post = PostObject {
        bucket,
        key: fields
            .iter()
            .find(|(n, _)| n == "key")
            .map(|(_, v)| v.clone()),
        fields,
        filename: form.filename,
        file_content_type: form.file_content_type,
    };
    let mut identity = Verified::of(credential, key.into_principal(), date.as_offset());
    identity.session_token = field("x-amz-security-token").map(str::to_string);
    Ok((identity, post, range))
}

/// Whether one of `key`'s live secrets signed the policy (its base64 text) for `scope`.
fn policy_signed<P>(
    config: &Config,
    key: &Key<P>,
    scope: &countersign_core::CredentialScope<'_>,
    policy_text: &str,
    signature: &Signature,
) -> bool {
    key.secrets().iter().any(|secret| {
        config
            .key_cache
            .get_or_derive(secret, scope)
            .sign(policy_text.as_bytes())
            .ct_eq(signature)
    })
}
