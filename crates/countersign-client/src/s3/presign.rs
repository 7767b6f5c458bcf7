//! Presigned URLs of objects: a GET or a PUT anyone holding the URL may make, until it
//! expires.

use std::time::Duration;

use http::header::{HeaderName, HeaderValue};
use http::Method;

use crate::s3::address::Resource;
use crate::s3::client::{build_error, S3Client};
use crate::send_error::SendError;
use crate::service_error::CallError;
use crate::signer::Payload;

/// The longest a presigned URL may live: seven days, S3's limit (`X-Amz-Expires` of
/// 604800).
pub const MAX_PRESIGN_DURATION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

impl S3Client {
    /// A URL that GETs the object at `bucket`/`key` for `expires_in` from now (at most
    /// [`MAX_PRESIGN_DURATION`]; a longer one is refused, as S3 would refuse the URL). The
    /// URL is signed with the credentials the provider hands out now: temporary ones stop
    /// it working when they expire.
    pub async fn presign_get(
        &self,
        bucket: &str,
        key: &str,
        expires_in: Duration,
    ) -> Result<String, CallError> {
        self.presign(Method::GET, bucket, key, expires_in, &[])
            .await
    }

    /// A URL that PUTs an object at `bucket`/`key` for `expires_in` from now (see
    /// [`presign_get`](S3Client::presign_get)); any body, sent as it is
    /// (`UNSIGNED-PAYLOAD`).
    pub async fn presign_put(
        &self,
        bucket: &str,
        key: &str,
        expires_in: Duration,
    ) -> Result<String, CallError> {
        self.presign(Method::PUT, bucket, key, expires_in, &[])
            .await
    }

    /// [`presign_put`](S3Client::presign_put) with `headers` signed too
    /// (`("content-type", "image/png")`, `("x-amz-meta-owner", "alice")`): the upload must
    /// send each with this value, or S3 refuses it.
    pub async fn presign_put_with(
        &self,
        bucket: &str,
        key: &str,
        expires_in: Duration,
        headers: &[(&str, &str)],
    ) -> Result<String, CallError> {
        self.presign(Method::PUT, bucket, key, expires_in, headers)
            .await
    }

    /// `method` on `bucket`/`key` presigned for `expires_in`, `headers` signed.
    async fn presign(
        &self,
        method: Method,
        bucket: &str,
        key: &str,
        expires_in: Duration,
        headers: &[(&str, &str)],
    ) -> Result<String, CallError> {
        // Whole seconds, rounded up, so that anything beyond seven days is refused.
        let seconds = expires_in.as_secs() + u64::from(expires_in.subsec_nanos() > 0);
        let url = self.url(&Resource::object(bucket, key))?;
        let mut request = http::Request::new(());
        *request.method_mut() = method;
        *request.uri_mut() = url
            .parse()
            .map_err(|e| build_error(format!("{url:?}: {e}")))?;
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| build_error(format!("{name:?} cannot be a header name")))?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                build_error(format!("the value of {name} cannot be a header value"))
            })?;
            request.headers_mut().append(name, value);
        }
        let signing = &self.api.signing;
        let signer = signing.signer().await.map_err(SendError::from)?;
        signer
            .presign(&mut request, Payload::Unsigned, seconds, signing.now())
            .map_err(|e| CallError::Send(SendError::Signing(e)))?;
        Ok(request.uri().to_string())
    }
}
