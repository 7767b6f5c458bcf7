//! Which canonical request a signed request's signature was made over, given the secret:
//! the one the rules build, one a client built differently (see [`crate::canonical_variants`]),
//! or none of them, and then the secret is not the one the request was signed with.

use countersign_client::Credentials;
use countersign_core::sigv4a::{EcdsaKey, EcdsaSignature};
use countersign_core::{
    sha256, AnySignature, AuthKind, AuthParams, SecretKey, Signature, SigningKey, SigningSettings,
    StringToSign,
};

use crate::canonical_variants::{Form, Line, Rules, Variants};
use crate::raw_request::RawRequest;

/// A line a client wrote differently from the rules.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    /// How it was written.
    pub(crate) form: Form,
    /// What the client did, in words.
    pub(crate) how: String,
    /// The lines that differ: (the rules', the client's).
    pub(crate) lines: Vec<(String, String)>,
}

impl Change {
    /// The line that differs.
    pub(crate) fn line(&self) -> Line {
        self.form.line()
    }
}

/// What the signature was made over.
#[derive(Debug, Clone)]
pub(crate) enum Finding {
    /// The canonical request the rules build: the client signed correctly.
    Rules,
    /// A canonical request the client built differently.
    Variant {
        /// The lines it wrote differently.
        changes: Vec<Change>,
        /// The canonical request it signed.
        canonical_request: String,
        /// The string to sign it signed.
        string_to_sign: String,
    },
    /// Neither the rules' canonical request nor any variant: another secret signed it.
    Neither {
        /// How many variants were tried.
        tried: usize,
    },
}

/// The outcome of comparing the request's signature, and who it names.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    /// What the signature was made over.
    pub(crate) finding: Finding,
    /// The access key id the request names.
    pub(crate) access_key_id: String,
    /// The access key id of the credentials whose secret was used.
    pub(crate) given_key_id: String,
    /// The request's `User-Agent`, which may name a client with a known bug.
    pub(crate) user_agent: Option<String>,
}

/// Whether the signature a request carries was compared.
#[derive(Debug, Clone, Default)]
pub(crate) enum SignatureCheck {
    /// The request was signed here, by the rules: there is nothing to compare.
    #[default]
    SignedHere,
    /// The request came signed, and its signature could not be compared (why).
    Unchecked(String),
    /// The request came signed, and its signature was compared.
    Checked(Check),
}

/// A key that tells whether a canonical request is the one the request's signature signs.
enum Key {
    Hmac(SigningKey, Signature),
    Ecdsa(Box<EcdsaKey>, EcdsaSignature),
}

impl Key {
    fn new(auth: &AuthParams<'_>, secret: &SecretKey) -> Result<Key, String> {
        match &auth.signature {
            AnySignature::Hmac(signature) => Ok(Key::Hmac(
                SigningKey::derive(secret, &auth.credential.scope()),
                *signature,
            )),
            AnySignature::Ecdsa(signature) => {
                EcdsaKey::derive(secret, auth.credential.access_key_id())
                    .map(|key| Key::Ecdsa(Box::new(key), signature.clone()))
                    .ok_or_else(|| "no SigV4a key can be derived from this secret".to_string())
            }
        }
    }

    /// The string to sign of `canonical_request`, and whether the signature signs it.
    fn signs(&self, auth: &AuthParams<'_>, canonical_request: &str) -> (bool, String) {
        let mut string_to_sign = StringToSign::new(
            auth.algorithm(),
            auth.date,
            auth.credential.scope_str(),
            sha256(canonical_request.as_bytes()),
        );
        // A request dated by its `Date` header signs that header's text, as sent.
        if let Some(sent) = auth.date_header.as_deref() {
            string_to_sign = string_to_sign.with_time_as_sent(sent);
        }
        let signed = match self {
            Key::Hmac(key, signature) => string_to_sign.sign(key).ct_eq(signature),
            Key::Ecdsa(key, signature) => key.verify(&string_to_sign, signature),
        };
        (signed, string_to_sign.to_string())
    }
}

/// Compares the signature `request` carries with the signatures `credentials`' secret makes
/// over `canonical_request` (the rules' one, built with `settings`) and over its variants.
pub(crate) fn check(
    request: &RawRequest,
    auth: &AuthParams<'_>,
    settings: SigningSettings,
    canonical_request: &str,
    credentials: &Credentials,
) -> Result<Check, String> {
    let key = Key::new(auth, &credentials.secret)?;
    let finding = if key.signs(auth, canonical_request).0 {
        Finding::Rules
    } else {
        let variants = Variants::new(Rules {
            request,
            signed_headers: &auth.signed_headers,
            settings,
            presigned: matches!(auth.kind, AuthKind::Query { .. }),
            canonical_request,
        })
        .ok_or("the canonical request does not split into its lines")?;
        let combinations = variants.combinations();
        let found = combinations.iter().find_map(|chosen| {
            let canonical_request = variants.canonical_request(chosen);
            let (signed, string_to_sign) = key.signs(auth, &canonical_request);
            signed.then(|| Finding::Variant {
                changes: chosen
                    .iter()
                    .map(|alternative| Change {
                        form: alternative.form,
                        how: alternative.how.clone(),
                        lines: variants.differences(alternative),
                    })
                    .collect(),
                canonical_request,
                string_to_sign,
            })
        });
        found.unwrap_or(Finding::Neither {
            tried: combinations.len(),
        })
    };
    Ok(Check {
        finding,
        access_key_id: auth.credential.access_key_id().to_string(),
        given_key_id: credentials.access_key_id.clone(),
        user_agent: request.header("user-agent").map(str::to_string),
    })
}
