//! The signer: header signing and presigned URLs.

use time::OffsetDateTime;

use countersign_core::aws_chunked::{ChainSeed, ChunkChain, Framing};
use countersign_core::encoding::{encode_component, split_query};
use countersign_core::{
    sha256_hex, AmzDate, AnySignature, CredentialScope, SignedHeaders, SigningKey, SigningSettings,
    StringToSign, ALGORITHM, EMPTY_SHA256, PRESIGN_PARAMETERS, UNSIGNED_PAYLOAD,
};

use crate::credentials::{Credentials, SessionTokenMode};
use crate::error::Error;
use crate::signable::{signable_headers, SignableRequest, SigningHeader};

/// The body, as far as the signature is concerned.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// No body: the hash of the empty string.
    Empty,
    /// These bytes are the body; they are hashed.
    Bytes(&'a [u8]),
    /// The hex SHA-256 of the body, or a marker such as `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`,
    /// used as it is.
    Precomputed(&'a str),
    /// `UNSIGNED-PAYLOAD`: the body is not signed.
    Unsigned,
}

impl Payload<'_> {
    fn hash(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Payload::Empty => EMPTY_SHA256.into(),
            Payload::Bytes(b) => sha256_hex(b).into(),
            Payload::Precomputed(h) => (*h).into(),
            Payload::Unsigned => UNSIGNED_PAYLOAD.into(),
        }
    }
}

/// What signing produced: the signature and every intermediate stage.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Signed {
    /// The signature (the seed of an aws-chunked body): HMAC for SigV4, ECDSA for SigV4a.
    pub signature: AnySignature,
    /// The signing time.
    pub time: AmzDate,
    /// The credential scope.
    pub scope: String,
    /// The signed headers.
    pub signed_headers: String,
    /// The canonical request that was signed.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The key that signed and the signature it made, kept to sign the chunks that chain
    /// from them.
    seed: ChainSeed,
}

impl Signed {
    /// The signature as written in the request, in hex.
    pub fn signature_hex(&self) -> String {
        self.signature.to_string()
    }

    /// The chunk chain seeded with this signature, for an aws-chunked body (HMAC for
    /// SigV4, ECDSA for SigV4a).
    pub fn chunk_chain(&self) -> ChunkChain {
        self.seed.start(self.time, self.scope.as_str())
    }
}

/// Signs requests for one set of credentials, region and service.
#[derive(Debug, Clone)]
pub struct Signer {
    credentials: Credentials,
    region: String,
    service: String,
    settings: SigningSettings,
    content_sha256_header: bool,
    session_token_mode: SessionTokenMode,
    /// Whether [`Signer::s3`] made this an S3 signer (whose presigned URLs sign
    /// `UNSIGNED-PAYLOAD`).
    s3: bool,
    /// The region set when signing with SigV4a.
    #[cfg(feature = "sigv4a")]
    region_set: Option<String>,
    /// The SigV4a key, derived on first use (it depends only on the credentials).
    #[cfg(feature = "sigv4a")]
    ecdsa_key: std::sync::OnceLock<Option<std::sync::Arc<countersign_core::sigv4a::EcdsaKey>>>,
    /// The SigV4 key of the last day signed for (it depends on the credentials, region and
    /// service, fixed here, and the day).
    day_key: DayKey,
}

/// The derived SigV4 key of one day, kept so that signing on the same day costs no key
/// derivation (four HMACs).
#[derive(Debug, Default)]
struct DayKey(std::sync::Mutex<Option<([u8; 8], SigningKey)>>);

impl DayKey {
    fn get_or_derive(&self, date: &str, derive: impl FnOnce() -> SigningKey) -> SigningKey {
        let mut day = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match &*day {
            Some((d, key)) if d.as_slice() == date.as_bytes() => key.clone(),
            _ => {
                let key = derive();
                let mut stamp = [0u8; 8];
                if date.len() == 8 {
                    stamp.copy_from_slice(date.as_bytes());
                    *day = Some((stamp, key.clone()));
                }
                key
            }
        }
    }
}

impl Clone for DayKey {
    fn clone(&self) -> Self {
        let day = self.0.lock().unwrap_or_else(|p| p.into_inner());
        DayKey(std::sync::Mutex::new(day.clone()))
    }
}

impl Signer {
    /// A signer with the rules of every service but S3 (see [`Signer::s3`]).
    pub fn new(
        credentials: Credentials,
        region: impl Into<String>,
        service: impl Into<String>,
    ) -> Self {
        Signer {
            credentials,
            region: region.into(),
            service: service.into(),
            settings: SigningSettings::standard(),
            content_sha256_header: false,
            session_token_mode: SessionTokenMode::Signed,
            s3: false,
            #[cfg(feature = "sigv4a")]
            region_set: None,
            #[cfg(feature = "sigv4a")]
            ecdsa_key: std::sync::OnceLock::new(),
            day_key: DayKey::default(),
        }
    }

    /// Sign with SigV4a (`AWS4-ECDSA-P256-SHA256`) for the regions in `region_set`, a comma
    /// list such as `"*"`, `"us-*"` or `"us-east-1,eu-west-1"` (sent in `X-Amz-Region-Set`).
    /// The credential scope then has no region; the region given to [`Signer::new`] is not
    /// used. aws-chunked uploads sign their chunks with SigV4a too
    /// ([`Framing::EcdsaSigned`](countersign_core::aws_chunked::Framing::EcdsaSigned)).
    ///
    /// ```
    /// use countersign_client::{Credentials, Payload, Signer};
    /// let signer = Signer::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "s3")
    ///     .sigv4a("us-*");
    /// let mut request = http::Request::get("https://example.com/").body(()).unwrap();
    /// signer.sign(&mut request, Payload::Empty, time::OffsetDateTime::now_utc())?;
    /// let authorization = request.headers()["authorization"].to_str().unwrap();
    /// assert!(authorization.starts_with("AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/"));
    /// assert_eq!(request.headers()["x-amz-region-set"], "us-*");
    /// # Ok::<(), countersign_client::Error>(())
    /// ```
    #[cfg(feature = "sigv4a")]
    pub fn sigv4a(mut self, region_set: impl Into<String>) -> Self {
        self.region_set = Some(region_set.into());
        self
    }

    /// The region set when SigV4a is on.
    fn region_set(&self) -> Option<&str> {
        #[cfg(feature = "sigv4a")]
        return self.region_set.as_deref();
        #[cfg(not(feature = "sigv4a"))]
        None
    }

    /// The algorithm name signed.
    fn algorithm(&self) -> &'static str {
        match self.region_set() {
            Some(_) => countersign_core::ECDSA_ALGORITHM,
            None => ALGORITHM,
        }
    }

    /// S3's rules: single path encoding, no normalization, and an `x-amz-content-sha256`
    /// header on every header-signed request.
    pub fn s3(mut self) -> Self {
        self.settings = SigningSettings::s3();
        self.content_sha256_header = true;
        self.s3 = true;
        self
    }

    /// Whether this is an S3 signer ([`Signer::s3`]).
    pub(crate) fn is_s3(&self) -> bool {
        self.s3
    }

    /// Other canonicalization rules.
    pub fn settings(mut self, settings: SigningSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Whether header signing adds (and signs) `x-amz-content-sha256`.
    pub fn content_sha256_header(mut self, on: bool) -> Self {
        self.content_sha256_header = on;
        self
    }

    /// Whether the session token is signed or appended after signing.
    pub fn session_token_mode(mut self, mode: SessionTokenMode) -> Self {
        self.session_token_mode = mode;
        self
    }

    /// The credential scope on `time`'s day (without a region for SigV4a).
    fn scope(&self, time: &AmzDate) -> String {
        let region = match self.region_set() {
            Some(_) => None,
            None => Some(self.region.as_str()),
        };
        let parts = [
            Some(time.date_stamp()),
            region,
            Some(&self.service),
            Some("aws4_request"),
        ];
        join_parts(parts.into_iter().flatten(), "/")
    }

    /// Signs `request` in the `Authorization` header as of `time`.
    pub fn sign<R: SignableRequest>(
        &self,
        request: &mut R,
        payload: Payload<'_>,
        time: OffsetDateTime,
    ) -> Result<Signed, Error> {
        let time = AmzDate::from(time);
        let payload_hash = payload.hash();
        self.check_streaming_marker(&payload_hash)?;
        request.ensure_host()?;
        request.remove_header(SigningHeader::Authorization);
        request.remove_header(SigningHeader::SecurityToken);
        let token = self.credentials.session_token.as_deref();
        if let (Some(token), SessionTokenMode::Signed) = (token, self.session_token_mode) {
            request.set_header(SigningHeader::SecurityToken, token)?;
        }
        request.set_header(SigningHeader::Date, time.as_str())?;
        if let Some(set) = self.region_set() {
            request.set_header(SigningHeader::RegionSet, set)?;
        }
        if self.content_sha256_header {
            request.set_header(SigningHeader::ContentSha256, &payload_hash)?;
        }
        let signed_headers = signable_headers(request.header_names());
        let scope = self.scope(&time);
        let signed = self.sign_parts(request, signed_headers, &payload_hash, time, scope)?;
        let signature = signed.signature_hex();
        let authorization = join_parts(
            [
                self.algorithm(),
                " Credential=",
                &self.credentials.access_key_id,
                "/",
                &signed.scope,
                ", SignedHeaders=",
                &signed.signed_headers,
                ", Signature=",
                &signature,
            ]
            .into_iter(),
            "",
        );
        request.set_header(SigningHeader::Authorization, &authorization)?;
        if let (Some(token), SessionTokenMode::AppendAfter) = (token, self.session_token_mode) {
            request.set_header(SigningHeader::SecurityToken, token)?;
        }
        Ok(signed)
    }

    /// Signs `request` in the `Authorization` header as of the system clock.
    pub fn sign_now<R: SignableRequest>(
        &self,
        request: &mut R,
        payload: Payload<'_>,
    ) -> Result<Signed, Error> {
        self.sign(request, payload, OffsetDateTime::now_utc())
    }

    /// Turns `request`'s URI into a presigned URL valid for `expires` seconds (1 to 604800)
    /// from `time`. For S3, pass [`Payload::Unsigned`].
    pub fn presign<R: SignableRequest>(
        &self,
        request: &mut R,
        payload: Payload<'_>,
        expires: u64,
        time: OffsetDateTime,
    ) -> Result<Signed, Error> {
        if !(1..=604_800).contains(&expires) {
            return Err(Error::InvalidExpires(expires));
        }
        let time = AmzDate::from(time);
        let payload_hash = payload.hash();
        request.ensure_host()?;
        request.remove_header(SigningHeader::Authorization);
        let signed_headers = signable_headers(request.header_names());
        let scope = self.scope(&time);

        let mut query = String::new();
        for (k, v) in split_query(request.query()) {
            if !PRESIGN_PARAMETERS.contains(&k) {
                // old ones go before presigning again
                push_param(&mut query, k, v);
            }
        }
        let credential = format!("{}/{scope}", self.credentials.access_key_id);
        push_param(&mut query, "X-Amz-Algorithm", self.algorithm());
        push_param(
            &mut query,
            "X-Amz-Credential",
            &encode_component(&credential).to_string(),
        );
        push_param(&mut query, "X-Amz-Date", time.as_str());
        push_param(
            &mut query,
            "X-Amz-SignedHeaders",
            &encode_component(signed_headers.as_str()).to_string(),
        );
        push_param(&mut query, "X-Amz-Expires", &expires.to_string());
        let token = self
            .credentials
            .session_token
            .as_deref()
            .map(|t| encode_component(t).to_string());
        if let (Some(token), SessionTokenMode::Signed) = (&token, self.session_token_mode) {
            push_param(&mut query, "X-Amz-Security-Token", token);
        }
        let before_region_set = query.len();
        if let Some(set) = self.region_set() {
            push_param(
                &mut query,
                "X-Amz-Region-Set",
                &encode_component(set).to_string(),
            );
        }
        request.set_query(&query)?;
        let signed = self.sign_parts(request, signed_headers, &payload_hash, time, scope)?;
        if let (Some(token), SessionTokenMode::AppendAfter) = (&token, self.session_token_mode) {
            // An appended token goes before the region set, as aws-c-auth writes it.
            let region_set = query.split_off(before_region_set);
            push_param(&mut query, "X-Amz-Security-Token", token);
            query.push_str(&region_set);
        }
        push_param(&mut query, "X-Amz-Signature", &signed.signature_hex());
        request.set_query(&query)?;
        Ok(signed)
    }

    /// [`Signer::presign`] as of the system clock.
    pub fn presign_now<R: SignableRequest>(
        &self,
        request: &mut R,
        payload: Payload<'_>,
        expires: u64,
    ) -> Result<Signed, Error> {
        self.presign(request, payload, expires, OffsetDateTime::now_utc())
    }

    /// The aws-chunked framing with signed chunks (no trailer) of this signer's algorithm.
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    pub(crate) fn signed_framing(&self) -> Framing {
        match self.region_set() {
            Some(_) => Framing::EcdsaSigned,
            None => Framing::Signed,
        }
    }

    /// What an S3 POST form carries of its signer before it is signed, as of `time`: the
    /// algorithm, the credential (`AKID/date/region/service/aws4_request`), the time in
    /// `X-Amz-Date` form, and the session token, if any.
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    pub(crate) fn form_credential(
        &self,
        time: OffsetDateTime,
    ) -> (&'static str, String, AmzDate, Option<&str>) {
        let time = AmzDate::from(time);
        let credential = format!("{}/{}", self.credentials.access_key_id, self.scope(&time));
        let token = self.credentials.session_token.as_deref();
        (self.algorithm(), credential, time, token)
    }

    /// Signs `text` as it stands as the string to sign (an S3 POST form's policy, in
    /// base64), with the key of `time`'s day: the signature in hex.
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    pub(crate) fn sign_text(&self, text: &str, time: OffsetDateTime) -> Result<String, Error> {
        let seed = self.sign_string(text.as_bytes(), AmzDate::from(time))?;
        Ok(seed.signature().to_string())
    }

    /// A signed aws-chunked marker must name the algorithm this signer signs with.
    pub(crate) fn check_streaming_marker(&self, payload_hash: &str) -> Result<(), Error> {
        match Framing::from_marker(payload_hash) {
            Some(framing) if !framing.goes_with(self.algorithm()) => {
                Err(Error::ChunkedAlgorithmMismatch {
                    marker: framing.marker(),
                    algorithm: self.algorithm(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Canonicalizes and signs the request as it now stands.
    fn sign_parts<R: SignableRequest>(
        &self,
        request: &R,
        signed_headers: SignedHeaders<'_>,
        payload_hash: &str,
        time: AmzDate,
        scope: String,
    ) -> Result<Signed, Error> {
        let canonical = request.canonical_request(self.settings, &signed_headers, payload_hash);
        let sts = StringToSign::new(self.algorithm(), time, &scope, canonical.hash);
        // Written once, for the text kept in `Signed` and for the HMAC over it.
        let string_to_sign = text_of(|out| sts.write_to(out));
        let seed = self.sign_string(string_to_sign.as_bytes(), time)?;
        Ok(Signed {
            signature: seed.signature(),
            time,
            canonical_request: canonical.text,
            string_to_sign,
            scope,
            signed_headers: signed_headers.into_string(),
            seed,
        })
    }

    /// Signs the text of a string to sign with this signer's algorithm and key: the key and
    /// the signature it made, the seed of an aws-chunked body's chain.
    fn sign_string(&self, text: &[u8], time: AmzDate) -> Result<ChainSeed, Error> {
        #[cfg(feature = "sigv4a")]
        if self.region_set.is_some() {
            let key = self
                .ecdsa_key
                .get_or_init(|| {
                    countersign_core::sigv4a::EcdsaKey::derive(
                        &self.credentials.secret,
                        &self.credentials.access_key_id,
                    )
                    .map(std::sync::Arc::new)
                })
                .clone()
                .ok_or(Error::KeyDerivation)?;
            let seed = key.sign_text(text);
            return Ok(ChainSeed::Ecdsa { key, seed });
        }
        let date = time.date_stamp();
        let key = self.day_key.get_or_derive(date, || {
            SigningKey::derive(
                &self.credentials.secret,
                &CredentialScope::new(date, &self.region, &self.service),
            )
        });
        let seed = key.sign(text);
        Ok(ChainSeed::Hmac { key, seed })
    }
}

/// `parts` joined with `separator`, in one allocation (signing runs often enough for
/// `format!`'s machinery to show).
fn join_parts<'p>(parts: impl Iterator<Item = &'p str> + Clone, separator: &str) -> String {
    let length: usize = parts.clone().map(|p| p.len() + separator.len()).sum();
    let mut out = String::with_capacity(length);
    for (i, part) in parts.enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(part);
    }
    out
}

/// What `write` puts in a sink, as text (lossy where it is not UTF-8).
fn text_of(write: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut bytes = Vec::with_capacity(256);
    write(&mut bytes);
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn push_param(query: &mut String, key: &str, value: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(key);
    query.push('=');
    query.push_str(value);
}
