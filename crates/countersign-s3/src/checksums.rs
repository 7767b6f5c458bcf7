//! The checksum algorithms of S3's objects and parts, by the names S3 gives them.

use base64::Engine;
use countersign_core::checksum::ChecksumAlgorithm;
use countersign_server::authz::IamPrincipal;

use crate::error::S3Error;
use crate::meta::{BodyChecksum, Part};
use crate::request::Ctx;

/// The checksum algorithms a part may carry, each with the element that gives its value in
/// S3's documents (CompleteMultipartUpload, ListParts, CopyPartResult).
pub(crate) const PART_CHECKSUMS: [(ChecksumAlgorithm, &str); 5] = [
    (ChecksumAlgorithm::Crc32, "ChecksumCRC32"),
    (ChecksumAlgorithm::Crc32c, "ChecksumCRC32C"),
    (ChecksumAlgorithm::Crc64Nvme, "ChecksumCRC64NVME"),
    (ChecksumAlgorithm::Sha1, "ChecksumSHA1"),
    (ChecksumAlgorithm::Sha256, "ChecksumSHA256"),
];

/// The part checksum algorithm S3 calls `name` (`CRC32`, `CRC32C`, `CRC64NVME`, `SHA1`,
/// `SHA256`, in any case), as `x-amz-checksum-algorithm` gives it.
pub(crate) fn algorithm_named(name: &str) -> Option<ChecksumAlgorithm> {
    PART_CHECKSUMS
        .iter()
        .map(|(algorithm, _)| *algorithm)
        .find(|algorithm| algorithm.to_string().eq_ignore_ascii_case(name.trim()))
}

/// 400 `InvalidRequest`: an `x-amz-checksum-algorithm` that names none of S3's algorithms.
pub(crate) fn unknown_algorithm(name: &str) -> S3Error {
    S3Error::invalid_request(format!(
        "The x-amz-checksum-algorithm {name:?} is not one of CRC32, CRC32C, CRC64NVME, SHA1 and \
         SHA256."
    ))
}

/// The element that gives an algorithm's value in S3's documents (`ChecksumCRC32`, ...).
pub(crate) fn element(algorithm: ChecksumAlgorithm) -> Option<&'static str> {
    PART_CHECKSUMS
        .iter()
        .find(|(a, _)| *a == algorithm)
        .map(|(_, element)| *element)
}

/// Whether a GetObject or HeadObject asks for the object's checksum
/// (`x-amz-checksum-mode: ENABLED`).
pub(crate) fn checksum_mode<P: IamPrincipal>(ctx: &Ctx<P>) -> bool {
    ctx.header("x-amz-checksum-mode")
        .is_some_and(|mode| mode.trim().eq_ignore_ascii_case("ENABLED"))
}

/// `x-amz-checksum-type` (and `ChecksumType`) of a stored checksum: `COMPOSITE` for a
/// multipart object's checksum of its parts' checksums (`…-N`), `FULL_OBJECT` for one of the
/// bytes.
pub(crate) fn checksum_type(checksum: &BodyChecksum) -> ChecksumType {
    match checksum.value.contains('-') {
        true => ChecksumType::Composite,
        false => ChecksumType::FullObject,
    }
}

/// What a multipart object's checksum is of (`x-amz-checksum-type`, `ChecksumType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChecksumType {
    /// The object's bytes.
    FullObject,
    /// Its parts' checksums.
    Composite,
}

impl ChecksumType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ChecksumType::FullObject => "FULL_OBJECT",
            ChecksumType::Composite => "COMPOSITE",
        }
    }
}

/// How S3 checksums a multipart upload of `algorithm`, whose creation asked for a checksum
/// of the whole object or not (`full_object`): CRC-64/NVME by the whole object's CRC always
/// (the only type S3 offers it in), CRC-32 and CRC-32C by it when asked, else by the parts'
/// checksums (S3's default for them, and the only type for SHA-1 and SHA-256).
pub(crate) fn multipart_checksum_type(
    algorithm: ChecksumAlgorithm,
    full_object: bool,
) -> ChecksumType {
    match algorithm {
        ChecksumAlgorithm::Crc64Nvme => ChecksumType::FullObject,
        ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c if full_object => {
            ChecksumType::FullObject
        }
        _ => ChecksumType::Composite,
    }
}

/// The checksum type a CreateMultipartUpload asks for (`x-amz-checksum-type`) with
/// `algorithm`: whether it is the whole object's, or 400 `InvalidRequest` for a type the
/// algorithm is not offered in (as S3 refuses `COMPOSITE` CRC-64/NVME and `FULL_OBJECT`
/// SHA-1 or SHA-256) or one S3 does not have.
pub(crate) fn asked_checksum_type(
    algorithm: ChecksumAlgorithm,
    asked: &str,
) -> Result<bool, S3Error> {
    let refused = |asked: &str| {
        S3Error::new(
            axum::http::StatusCode::BAD_REQUEST,
            "InvalidRequest",
            format!(
                "The {asked} checksum type cannot be used with the {algorithm} checksum algorithm."
            ),
        )
    };
    let full_object = match asked.trim() {
        "FULL_OBJECT" => true,
        "COMPOSITE" => false,
        other => return Err(refused(other)),
    };
    match multipart_checksum_type(algorithm, full_object) {
        ChecksumType::FullObject if full_object => Ok(true),
        ChecksumType::Composite if !full_object => Ok(false),
        _ => Err(refused(asked.trim())),
    }
}

/// The checksum of a multipart object, of the type [`multipart_checksum_type`] says for
/// `algorithm` and `full_object`: `None` unless every part has a checksum of `algorithm`.
///
/// - `FULL_OBJECT`: the CRC of the whole object, combined from the parts' CRCs and sizes
///   without reading them again.
/// - `COMPOSITE`: the `algorithm` checksum of the parts' checksums (their raw digests, in
///   order), in base64, then a dash and the count of parts.
pub(crate) fn multipart_checksum(
    algorithm: ChecksumAlgorithm,
    full_object: bool,
    parts: &[Part],
) -> Option<BodyChecksum> {
    let digests = parts.iter().map(|part| {
        let stored = part
            .checksum
            .as_ref()
            .filter(|c| c.algorithm == algorithm)?;
        Some((algorithm.decode(&stored.value)?, part.size))
    });
    let value = match multipart_checksum_type(algorithm, full_object) {
        ChecksumType::FullObject => {
            let mut whole: Option<Vec<u8>> = None;
            for digest in digests {
                let (digest, size) = digest?;
                whole = Some(match whole {
                    None => digest,
                    Some(before) => algorithm.combine(&before, &digest, size)?,
                });
            }
            base64::engine::general_purpose::STANDARD.encode(whole?)
        }
        ChecksumType::Composite => {
            let mut checksum = algorithm.hasher();
            for digest in digests {
                checksum.update(&digest?.0);
            }
            format!("{}-{}", checksum.finalize_base64(), parts.len())
        }
    };
    Some(BodyChecksum::new(algorithm, value))
}
