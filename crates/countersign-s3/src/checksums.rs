//! The checksum algorithms of S3's objects and parts, by the names S3 gives them.

use countersign_core::checksum::ChecksumAlgorithm;

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

/// The element that gives an algorithm's value in S3's documents (`ChecksumCRC32`, ...).
pub(crate) fn element(algorithm: ChecksumAlgorithm) -> Option<&'static str> {
    PART_CHECKSUMS
        .iter()
        .find(|(a, _)| *a == algorithm)
        .map(|(_, element)| *element)
}
