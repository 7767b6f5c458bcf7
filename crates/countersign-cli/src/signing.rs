//! Signing raw requests (which `http` may refuse: spaces in paths, folded header values)
//! with the client's signer, and the flags that choose the canonicalization rules.

use clap::{Args, ValueEnum};
use countersign_client::{Credentials, Payload, SessionTokenMode, Signed, Signer};
use countersign_core::{sha256_hex, PathEncoding, SigningSettings, UNSIGNED_PAYLOAD};
use time::OffsetDateTime;

use crate::error::{CliError, Result};
use crate::raw_request::RawRequest;

/// How the path is encoded in the canonical request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EncodingArg {
    /// Decoded and encoded once (S3).
    Single,
    /// The path as sent encoded again (every other service).
    Double,
}

/// The canonicalization flags.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct RulesArgs {
    /// Use S3's rules: the path encoded once and never normalized, and an
    /// x-amz-content-sha256 header on header-signed requests. The default when the
    /// service is `s3`.
    #[arg(long, help_heading = "Canonicalization")]
    pub(crate) s3: bool,

    /// Do not remove `.`/`..` segments and repeated slashes from the path (the path is still
    /// encoded twice unless --s3 or --path-encoding single).
    #[arg(long, help_heading = "Canonicalization")]
    pub(crate) no_normalize: bool,

    /// Force the path encoding, whatever the service (the other S3 rules still apply to S3).
    #[arg(
        long,
        value_enum,
        value_name = "HOW",
        help_heading = "Canonicalization"
    )]
    pub(crate) path_encoding: Option<EncodingArg>,

    /// Sign with SigV4a (AWS4-ECDSA-P256-SHA256) for these regions: a comma list such as
    /// `*`, `us-*` or `us-east-1,eu-west-1`, sent in X-Amz-Region-Set (the credential scope
    /// then has no region; a -T upload's chunks are signed with SigV4a too).
    #[arg(long, value_name = "REGION_SET", help_heading = "Signing")]
    pub(crate) sigv4a: Option<String>,
}

impl RulesArgs {
    /// Whether S3's rules apply for `service`.
    pub(crate) fn is_s3(&self, service: &str) -> bool {
        self.s3 || service == "s3"
    }

    /// The settings for `service`.
    pub(crate) fn settings(&self, service: &str) -> SigningSettings {
        let mut settings = if self.is_s3(service) {
            SigningSettings::s3()
        } else {
            SigningSettings::standard()
        };
        if self.no_normalize {
            settings.normalize_path = false;
        }
        match self.path_encoding {
            Some(EncodingArg::Single) => settings.path_encoding = PathEncoding::Single,
            Some(EncodingArg::Double) => settings.path_encoding = PathEncoding::Double,
            None => {}
        }
        settings
    }

    /// `signer`, switched to SigV4a when --sigv4a was given.
    pub(crate) fn algorithm(&self, signer: Signer) -> Signer {
        match &self.sigv4a {
            Some(set) => signer.sigv4a(set),
            None => signer,
        }
    }
}

/// What to sign with and how.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The credentials.
    pub(crate) credentials: Credentials,
    /// The scope's region.
    pub(crate) region: String,
    /// The scope's service.
    pub(crate) service: String,
    /// The canonicalization rules.
    pub(crate) settings: SigningSettings,
    /// Whether header signing adds and signs `x-amz-content-sha256`.
    pub(crate) content_sha256_header: bool,
    /// Signed or appended session token.
    pub(crate) token_mode: SessionTokenMode,
    /// Sign `UNSIGNED-PAYLOAD` instead of the body's hash.
    pub(crate) unsigned_payload: bool,
    /// The signing time.
    pub(crate) time: OffsetDateTime,
    /// The SigV4a region set, when signing with SigV4a.
    pub(crate) region_set: Option<String>,
}

impl Plan {
    /// The client signer for this plan.
    fn signer(&self) -> Signer {
        let signer = Signer::new(self.credentials.clone(), &self.region, &self.service)
            .settings(self.settings)
            .content_sha256_header(self.content_sha256_header)
            .session_token_mode(self.token_mode);
        match &self.region_set {
            Some(set) => signer.sigv4a(set),
            None => signer,
        }
    }

    fn payload_hash(&self, request: &RawRequest) -> String {
        if self.unsigned_payload {
            UNSIGNED_PAYLOAD.to_string()
        } else {
            sha256_hex(&request.body)
        }
    }

    /// Signs `request` in the `Authorization` header.
    pub(crate) fn sign_header(&self, request: &mut RawRequest) -> Result<Signed> {
        let payload_hash = self.payload_hash(request);
        self.signer()
            .sign(request, Payload::Precomputed(&payload_hash), self.time)
            .map_err(signing_error)
    }

    /// Presigns `request`: the `X-Amz-*` parameters go in its query.
    pub(crate) fn presign(&self, request: &mut RawRequest, expires: u64) -> Result<Signed> {
        check_expires(expires)?;
        let payload_hash = self.payload_hash(request);
        self.signer()
            .presign(
                request,
                Payload::Precomputed(&payload_hash),
                expires,
                self.time,
            )
            .map_err(signing_error)
    }
}

fn signing_error(error: countersign_client::Error) -> CliError {
    match error {
        countersign_client::Error::MissingHost => {
            CliError::input("the request has no Host header: SigV4 always signs the host")
        }
        other => CliError::input(format!("cannot sign: {other}")),
    }
}

/// A presign lifetime must be 1 to 604800 seconds (7 days).
pub(crate) fn check_expires(expires: u64) -> Result<()> {
    if (1..=604_800).contains(&expires) {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "--expires {expires}: a presigned URL lives from 1 second to 7 days (604800 s); \
             AWS refuses anything longer"
        )))
    }
}
