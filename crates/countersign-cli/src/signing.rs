//! Signing raw requests (which `http` may refuse: spaces in paths, folded header values)
//! with the core's stages, and the flags that choose the canonicalization rules.

use clap::{Args, ValueEnum};
use countersign_client::{Credentials, SessionTokenMode, UNSIGNABLE_HEADERS};
use countersign_core::auth::PRESIGN_PARAMETERS;
use countersign_core::encoding::{encode_component, split_query};
use countersign_core::{
    sha256_hex, AmzDate, CanonicalRequest, CredentialScope, PathEncoding, SignedHeaders,
    SigningKey, SigningSettings, StringToSign, ALGORITHM, UNSIGNED_PAYLOAD,
};
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
}

/// Every stage of one signature.
#[derive(Debug, Clone)]
pub(crate) struct Stages {
    /// The canonical request.
    pub(crate) canonical_request: String,
    /// The string to sign.
    pub(crate) string_to_sign: String,
    /// The signature, hex.
    pub(crate) signature: String,
    /// The signed header names, `;`-separated.
    pub(crate) signed_headers: String,
    /// The `Authorization` value (header signing only).
    pub(crate) authorization: Option<String>,
}

impl Plan {
    fn payload_hash(&self, request: &RawRequest) -> String {
        if self.unsigned_payload {
            UNSIGNED_PAYLOAD.to_string()
        } else {
            sha256_hex(&request.body)
        }
    }

    fn scope(&self, time: &AmzDate) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            time.date_stamp(),
            self.region,
            self.service
        )
    }

    /// Canonicalizes and signs the request as it stands.
    fn stages(&self, request: &RawRequest, payload_hash: &str, time: AmzDate) -> Stages {
        let names = request.headers.iter().map(|(n, _)| n.to_ascii_lowercase());
        let signed_headers =
            SignedHeaders::from_names(names.filter(|n| !UNSIGNABLE_HEADERS.contains(&n.as_str())));
        let headers = request.raw_headers();
        let view = request.view(&headers);
        let creq = CanonicalRequest::new(&view, self.settings, &signed_headers, payload_hash, &[]);
        let scope = self.scope(&time);
        let sts = StringToSign::new(ALGORITHM, time, &scope, creq.hash());
        let key = SigningKey::derive(
            &self.credentials.secret,
            &CredentialScope {
                date: time.date_stamp(),
                region: &self.region,
                service: &self.service,
            },
        );
        Stages {
            canonical_request: creq.to_string(),
            string_to_sign: sts.to_string(),
            signature: sts.sign(&key).to_string(),
            signed_headers: signed_headers.as_str().to_string(),
            authorization: None,
        }
    }

    /// Signs `request` in the `Authorization` header.
    pub(crate) fn sign_header(&self, request: &mut RawRequest) -> Result<Stages> {
        self.check_host(request)?;
        let time = AmzDate::from(self.time);
        let payload_hash = self.payload_hash(request);
        request.remove_header("authorization");
        request.remove_header("x-amz-security-token");
        let token = self.credentials.session_token.clone();
        if let (Some(token), SessionTokenMode::Signed) = (&token, self.token_mode) {
            request.set_header("X-Amz-Security-Token", token);
        }
        request.set_header("X-Amz-Date", time.as_str());
        if self.content_sha256_header {
            request.set_header("x-amz-content-sha256", &payload_hash);
        }
        let mut stages = self.stages(request, &payload_hash, time);
        let authorization = format!(
            "{ALGORITHM} Credential={}/{}, SignedHeaders={}, Signature={}",
            self.credentials.access_key_id,
            self.scope(&time),
            stages.signed_headers,
            stages.signature
        );
        request
            .headers
            .push(("Authorization".into(), authorization.clone()));
        if let (Some(token), SessionTokenMode::AppendAfter) = (token, self.token_mode) {
            request.set_header("X-Amz-Security-Token", &token);
        }
        stages.authorization = Some(authorization);
        Ok(stages)
    }

    /// Presigns `request`: the `X-Amz-*` parameters go in its query.
    pub(crate) fn presign(&self, request: &mut RawRequest, expires: u64) -> Result<Stages> {
        check_expires(expires)?;
        self.check_host(request)?;
        let time = AmzDate::from(self.time);
        let payload_hash = self.payload_hash(request);
        request.remove_header("authorization");
        let names = request.headers.iter().map(|(n, _)| n.to_ascii_lowercase());
        let signed_headers =
            SignedHeaders::from_names(names.filter(|n| !UNSIGNABLE_HEADERS.contains(&n.as_str())));
        let mut query = String::new();
        for (key, value) in split_query(&request.query) {
            if !PRESIGN_PARAMETERS.contains(&key) {
                push_param(&mut query, key, value);
            }
        }
        let credential = format!("{}/{}", self.credentials.access_key_id, self.scope(&time));
        push_param(&mut query, "X-Amz-Algorithm", ALGORITHM);
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
        if let (Some(token), SessionTokenMode::Signed) = (&token, self.token_mode) {
            push_param(&mut query, "X-Amz-Security-Token", token);
        }
        request.query = query;
        let stages = self.stages(request, &payload_hash, time);
        if let (Some(token), SessionTokenMode::AppendAfter) = (&token, self.token_mode) {
            push_param(&mut request.query, "X-Amz-Security-Token", token);
        }
        push_param(&mut request.query, "X-Amz-Signature", &stages.signature);
        Ok(stages)
    }

    fn check_host(&self, request: &RawRequest) -> Result<()> {
        match request.header("host") {
            Some(h) if !h.is_empty() => Ok(()),
            _ => Err(CliError::input(
                "the request has no Host header: SigV4 always signs the host",
            )),
        }
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

fn push_param(query: &mut String, key: &str, value: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(key);
    query.push('=');
    query.push_str(value);
}
