//! The checks of a browser POST form: which requests are forms, the bucket a form uploads
//! to, its fields (read up to the file, within a limit), and its signature and policy, with
//! the key found by the same key step as a signed request's.

use std::future::poll_fn;
use std::pin::Pin;

use bytes::Bytes;
use countersign_core::multipart::{MultipartParser, Part};
use countersign_core::post_policy::PostPolicy;
use countersign_core::{AmzDate, AuthSource, Credential, Signature, ALGORITHM};
use http::request::Parts;
use http_body::Body;

use crate::address::S3Address;
use crate::auth::key_step::{find_key, layer_remembers_unknown, settle, KeyStep};
use crate::auth::view::View;
use crate::config::Config;
use crate::error::{BoxError, Error, PostFieldError};
use crate::identity::Verified;
use crate::keys::{Key, KeyRequest, KeyStore};
use crate::post::{PostObject, MAX_FORM_FIELD_BYTES};

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
pub(crate) fn form_bucket(config: &Config, parts: &Parts) -> Result<String, Error> {
    if let Some(query) = parts.uri.query().filter(|q| !q.is_empty()) {
        let first = query.split('&').find(|p| !p.is_empty()).unwrap_or(query);
        let name = first.split('=').next().unwrap_or(first);
        return Err(Error::PostFormQuery {
            parameter: name.chars().take(64).collect(),
        });
    }
    let view = View::new(parts, config.proxy.as_ref());
    let address = S3Address::of(
        view.host().unwrap_or_default(),
        view.path(),
        config.virtual_host_domain.as_deref(),
    );
    match address.as_ref().map(|a| (a.bucket(), a.key())) {
        Ok((Some(bucket), None)) => Ok(bucket.to_string()),
        _ => Err(Error::PostFormNotToBucket),
    }
}

/// The fields read before the file part.
pub(crate) struct Form {
    fields: Vec<(String, String)>,
    filename: Option<String>,
    file_content_type: Option<String>,
}

pub(crate) async fn read_fields<B>(
    body: &mut Pin<Box<B>>,
    parser: &mut MultipartParser,
) -> Result<Form, Error>
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
        match part.map_err(Error::MalformedPost)? {
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
                        .map_err(|_| Error::PostFieldNotUtf8)?;
                    return Ok(Form {
                        fields,
                        filename,
                        file_content_type: content_type,
                    });
                }
                if fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                    return Err(Error::PostField(PostFieldError::Repeated(name)));
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
                Some(Err(e)) => return Err(Error::BodyRead(e.into().into())),
                None => input_ended = true,
            },
        }
    }
}

fn no_file() -> Error {
    Error::PostField(PostFieldError::NoFile)
}

/// Checks the form's authentication and its policy for an upload to `bucket`; gives the
/// identity, the form and the content-length range.
pub(crate) async fn check_form<K: KeyStore>(
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
    let required =
        |name: &'static str| field(name).ok_or(Error::PostField(PostFieldError::Missing(name)));
    // A Signature Version 2 form (`AWSAccessKeyId`, `signature`, `policy`) is answered as S3
    // answers it where SigV2 is refused, rather than as a form missing its SigV4 fields.
    let sigv4 = field("x-amz-algorithm").is_some() || field("x-amz-credential").is_some();
    if !sigv4 && field("awsaccesskeyid").is_some() && field("signature").is_some() {
        return Err(countersign_core::Error::SigV2NotSupported(AuthSource::Form).into());
    }
    let algorithm = required("x-amz-algorithm")?;
    if algorithm != ALGORITHM {
        return Err(Error::PostField(PostFieldError::Algorithm));
    }
    let credential = Credential::parse(required("x-amz-credential")?, AuthSource::Form)?;
    let date =
        AmzDate::parse(required("x-amz-date")?).ok_or(Error::PostField(PostFieldError::Date))?;
    let signature = Signature::from_hex(required("x-amz-signature")?)
        .ok_or(Error::PostField(PostFieldError::Signature))?;
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
    crate::lockout_step::check(config, credential.access_key_id())?;
    let key = match find_key(config, store, request) {
        KeyStep::Answered(found) => found?,
        KeyStep::Wait(lookup) => settle(
            config,
            credential.access_key_id(),
            lookup.await,
            layer_remembers_unknown(store),
        )?,
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
            Box::new(countersign_core::Mismatch::new(String::new(), policy_text)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn s3() -> Config {
        let mut config = Config::new();
        config.s3 = true;
        config.virtual_host_domain = Some("s3.example.com".into());
        config
    }

    fn form_post(uri: &str, host: &str) -> Parts {
        let request = http::Request::post(uri)
            .header("host", host)
            .header("content-type", "multipart/form-data; boundary=xyz")
            .body(())
            .unwrap_or_else(|e| panic!("{e}"));
        request.into_parts().0
    }

    #[test]
    fn a_multipart_post_in_s3_mode_is_a_form() {
        let parts = form_post("/bucket", "s3.example.com");
        assert_eq!(post_boundary(&s3(), &parts).as_deref(), Some("xyz"));
    }

    #[test]
    fn a_multipart_post_outside_s3_mode_is_not_a_form() {
        let parts = form_post("/bucket", "s3.example.com");
        assert_eq!(post_boundary(&Config::new(), &parts), None);
    }

    #[test]
    fn a_signed_multipart_post_is_not_a_form() {
        let mut parts = form_post("/bucket", "s3.example.com");
        parts.headers.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=x"),
        );
        assert_eq!(post_boundary(&s3(), &parts), None);
        let presigned = form_post("/bucket?X-Amz-Signature=00", "s3.example.com");
        assert_eq!(post_boundary(&s3(), &presigned), None);
    }

    #[test]
    fn a_form_to_a_bucket_path_uploads_to_it() {
        let parts = form_post("/photos", "s3.example.com");
        assert_eq!(form_bucket(&s3(), &parts).ok().as_deref(), Some("photos"));
    }

    #[test]
    fn a_form_to_a_bucket_host_uploads_to_the_whole_name_under_the_domain() {
        let parts = form_post("/", "photos.archive.s3.example.com");
        assert_eq!(
            form_bucket(&s3(), &parts).ok().as_deref(),
            Some("photos.archive")
        );
    }

    #[test]
    fn a_form_with_a_query_names_its_first_parameter() {
        let parts = form_post("/photos?delete&x=1", "s3.example.com");
        assert!(matches!(
            form_bucket(&s3(), &parts),
            Err(Error::PostFormQuery { parameter }) if parameter == "delete"
        ));
    }

    #[test]
    fn a_form_to_an_object_or_to_no_bucket_is_refused() {
        for (uri, host) in [("/photos/a.jpg", "s3.example.com"), ("/", "s3.example.com")] {
            let parts = form_post(uri, host);
            assert!(
                matches!(form_bucket(&s3(), &parts), Err(Error::PostFormNotToBucket)),
                "{uri} on {host}"
            );
        }
    }
}
