//! Signing a request together with the bytes it carries: the body is hashed here, so that
//! the caller need not hash it (nor borrow it twice) first.

use countersign_core::sha256_hex;
use time::OffsetDateTime;

use crate::error::Error;
use crate::signer::{Payload, Signed, Signer};

impl Signer {
    /// Signs `request` in the `Authorization` header as of `time`, with the SHA-256 of its
    /// own body: any body that is bytes (`Vec<u8>`, `String`, `bytes::Bytes`, `&[u8]`, …).
    /// An S3 signer also sends the hash in `x-amz-content-sha256`.
    ///
    /// ```
    /// use countersign_client::{Credentials, Signer};
    /// use time::macros::datetime;
    ///
    /// let signer = Signer::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "s3").s3();
    /// let mut request = http::Request::put("https://bucket.s3.amazonaws.com/note.txt")
    ///     .body(b"hello".to_vec())
    ///     .unwrap();
    /// signer.sign_body(&mut request, datetime!(2024-03-01 10:00:00 UTC))?;
    /// // The SHA-256 of "hello", signed and sent:
    /// assert_eq!(
    ///     request.headers()["x-amz-content-sha256"],
    ///     "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    /// );
    /// assert!(request.headers().contains_key("authorization"));
    /// # Ok::<(), countersign_client::Error>(())
    /// ```
    pub fn sign_body<B: AsRef<[u8]>>(
        &self,
        request: &mut http::Request<B>,
        time: OffsetDateTime,
    ) -> Result<Signed, Error> {
        let hash = sha256_hex(request.body().as_ref());
        self.sign(request, Payload::Precomputed(&hash), time)
    }

    /// [`Signer::sign_body`] as of the system clock.
    pub fn sign_body_now<B: AsRef<[u8]>>(
        &self,
        request: &mut http::Request<B>,
    ) -> Result<Signed, Error> {
        self.sign_body(request, OffsetDateTime::now_utc())
    }

    /// Presigns `request` (as [`Signer::presign`]) for `expires` seconds from `time`,
    /// covering its own body: an S3 signer signs `UNSIGNED-PAYLOAD`, as S3 verifies every
    /// presigned URL; any other signs the SHA-256 of the body, which the server computes
    /// from the body it receives.
    ///
    /// ```
    /// use countersign_client::{Credentials, Signer};
    /// use time::macros::datetime;
    ///
    /// let signer = Signer::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "execute-api");
    /// let mut request = http::Request::post("https://api.example.com/orders")
    ///     .body(String::from(r#"{"item":42}"#))
    ///     .unwrap();
    /// let signed = signer.presign_body(&mut request, 300, datetime!(2024-03-01 10:00:00 UTC))?;
    /// // The canonical request ends with the body's hash:
    /// assert!(signed.canonical_request.ends_with(&countersign_core::sha256_hex(br#"{"item":42}"#)));
    /// assert!(request.uri().query().unwrap().contains("X-Amz-Signature="));
    /// # Ok::<(), countersign_client::Error>(())
    /// ```
    pub fn presign_body<B: AsRef<[u8]>>(
        &self,
        request: &mut http::Request<B>,
        expires: u64,
        time: OffsetDateTime,
    ) -> Result<Signed, Error> {
        if self.is_s3() {
            return self.presign(request, Payload::Unsigned, expires, time);
        }
        let hash = sha256_hex(request.body().as_ref());
        self.presign(request, Payload::Precomputed(&hash), expires, time)
    }

    /// [`Signer::presign_body`] as of the system clock.
    pub fn presign_body_now<B: AsRef<[u8]>>(
        &self,
        request: &mut http::Request<B>,
        expires: u64,
    ) -> Result<Signed, Error> {
        self.presign_body(request, expires, OffsetDateTime::now_utc())
    }
}
