//! Requests as a real signer put them on the wire, verified by the core as a server would
//! (and a copy with its path changed by one byte refused).

use countersign::core::{
    sha256_hex, AuthParams, Error, Headers, RawHeaders, Request, SecretKey, SigningSettings,
    Verifier, UNSIGNED_PAYLOAD,
};
use time::OffsetDateTime;

/// The key the signers sign with.
pub(crate) const AKID: &str = "AKIDEXAMPLE";
pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// A request as a signer put it on the wire.
#[derive(Debug, Clone)]
pub(crate) struct Wire {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: RawHeaders,
    pub(crate) body: Vec<u8>,
}

impl Wire {
    /// Verifies the request as a server would at `time`; the access key id that signed on
    /// success.
    fn verify(
        &self,
        settings: SigningSettings,
        presigned_s3: bool,
        time: OffsetDateTime,
    ) -> Result<String, Error> {
        let view = Request::new(&self.method, &self.path, &self.query, &self.headers);
        let auth = AuthParams::from_request(&view)?;
        let payload_hash = match self.headers.first("x-amz-content-sha256") {
            Some(declared) => String::from_utf8_lossy(declared).into_owned(),
            None if presigned_s3 => UNSIGNED_PAYLOAD.to_string(),
            None => sha256_hex(&self.body),
        };
        Verifier::new(settings)
            .regions(["us-east-1"])
            .services(["service", "s3", "execute-api"])
            .verify(&view, &auth, &SecretKey::new(SECRET), &payload_hash, time)
            .map(|verified| verified.access_key_id.to_string())
    }

    /// The same request with its path changed by one byte.
    fn tampered(&self) -> Wire {
        let mut w = self.clone();
        w.path.push('x');
        w
    }
}

/// Asserts that `wire`, signed at `time`, verifies with the rules of `settings`
/// (`presigned_s3`: a presigned S3 request, whose payload is unsigned), and that a copy with
/// its path changed does not.
pub(crate) fn assert_verifies(
    wire: &Wire,
    (settings, presigned_s3): (SigningSettings, bool),
    time: OffsetDateTime,
    who: &str,
) {
    if let Err(e) = wire.verify(settings, presigned_s3, time) {
        panic!("{who}: {e}\n{:?}\n{wire:?}", e.mismatch());
    }
    let tampered = wire.tampered().verify(settings, presigned_s3, time);
    assert_eq!(
        tampered.err().map(|e| e.code()),
        Some("SignatureDoesNotMatch"),
        "{who}: tampered copy"
    );
}
