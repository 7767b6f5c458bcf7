//! aws-chunked bodies decoded as a server decodes them: the chunk chain a verified request
//! starts, and a body pushed to the decoder in pieces.

use countersign::core::aws_chunked::{
    ChunkChain, ChunkSigner, DecodeError, Decoder, EcdsaChunkSigner, Event,
};
use countersign::core::sigv4a::EcdsaKey;
use countersign::core::{AnySignature, AuthParams, SecretKey, SigningKey};

/// The decoded bytes and the trailers.
pub(crate) type Decoded = (Vec<u8>, Vec<(String, String)>);

/// Decodes `body` pushed `step` bytes at a time: its bytes and trailers, or the first error.
pub(crate) fn decode(
    mut decoder: Decoder,
    body: &[u8],
    step: usize,
) -> Result<Decoded, DecodeError> {
    let mut data = Vec::new();
    let mut trailers = Vec::new();
    for piece in body.chunks(step) {
        decoder.push(piece);
        while let Some(event) = decoder.next_event()? {
            match event {
                Event::Data(d) => data.extend_from_slice(&d),
                Event::End(t) => trailers = t,
            }
        }
    }
    if let Some(Event::End(t)) = decoder.finish()? {
        trailers = t;
    }
    Ok((data, trailers))
}

/// The chain a server starts from a verified request: HMAC or ECDSA, as the request was
/// signed.
pub(crate) fn server_chain(auth: &AuthParams<'_>, secret: &SecretKey) -> ChunkChain {
    let scope = auth.credential.scope_str();
    match auth.signature.clone() {
        AnySignature::Hmac(seed) => {
            let key = SigningKey::derive(secret, &auth.credential.scope());
            ChunkChain::Hmac(ChunkSigner::new(key, auth.date, scope, seed))
        }
        AnySignature::Ecdsa(seed) => {
            let key = EcdsaKey::derive(secret, auth.credential.access_key_id()).expect("key");
            ChunkChain::Ecdsa(EcdsaChunkSigner::new(key.into(), auth.date, scope, seed))
        }
    }
}
