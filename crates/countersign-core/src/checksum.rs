//! Body checksums: the `x-amz-checksum-*` algorithms (CRC32, CRC32C, CRC64NVME, SHA-1,
//! SHA-256) and `Content-MD5`, each written as base64 of the big-endian digest.
//!
//! ```
//! use countersign_core::checksum::ChecksumAlgorithm;
//! let mut c = ChecksumAlgorithm::Crc32c.hasher();
//! c.update(&vec![b'a'; 66560]);
//! assert_eq!(c.finalize_base64(), "sOO8/Q==");
//! assert_eq!(ChecksumAlgorithm::from_header("x-amz-checksum-crc32c"), Some(ChecksumAlgorithm::Crc32c));
//! ```

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use crc_fast::{CrcAlgorithm, Digest as CrcDigest};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// A checksum a client may send with a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumAlgorithm {
    /// CRC-32 (ISO-HDLC), `x-amz-checksum-crc32`.
    Crc32,
    /// CRC-32C (Castagnoli), `x-amz-checksum-crc32c`.
    Crc32c,
    /// CRC-64/NVME, `x-amz-checksum-crc64nvme`.
    Crc64Nvme,
    /// SHA-1, `x-amz-checksum-sha1`.
    Sha1,
    /// SHA-256, `x-amz-checksum-sha256`.
    Sha256,
    /// MD5, the `Content-MD5` header.
    ContentMd5,
}

impl ChecksumAlgorithm {
    /// Every algorithm, `Content-MD5` last.
    pub const ALL: [ChecksumAlgorithm; 6] = [
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32c,
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha256,
        ChecksumAlgorithm::ContentMd5,
    ];

    /// The header (or trailer) that carries it, lower-case.
    pub fn header_name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
            ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
            ChecksumAlgorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            ChecksumAlgorithm::Sha1 => "x-amz-checksum-sha1",
            ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
            ChecksumAlgorithm::ContentMd5 => "content-md5",
        }
    }

    /// The algorithm a header (or trailer) name carries, any case.
    pub fn from_header(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.header_name().eq_ignore_ascii_case(name))
    }

    /// The digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => 4,
            ChecksumAlgorithm::Crc64Nvme => 8,
            ChecksumAlgorithm::Sha1 => 20,
            ChecksumAlgorithm::Sha256 => 32,
            ChecksumAlgorithm::ContentMd5 => 16,
        }
    }

    /// The length of the base64 value.
    pub fn base64_len(self) -> usize {
        self.digest_len().div_ceil(3) * 4
    }

    /// A running checksum.
    pub fn hasher(self) -> Checksum {
        let state = match self {
            ChecksumAlgorithm::Crc32 => State::Crc(CrcDigest::new(CrcAlgorithm::Crc32IsoHdlc)),
            ChecksumAlgorithm::Crc32c => State::Crc(CrcDigest::new(CrcAlgorithm::Crc32Iscsi)),
            ChecksumAlgorithm::Crc64Nvme => State::Crc(CrcDigest::new(CrcAlgorithm::Crc64Nvme)),
            ChecksumAlgorithm::Sha1 => State::Sha1(Sha1::new()),
            ChecksumAlgorithm::Sha256 => State::Sha256(Sha256::new()),
            ChecksumAlgorithm::ContentMd5 => State::Md5(Md5::new()),
        };
        Checksum {
            algorithm: self,
            state,
        }
    }

    /// Decodes a base64 value of the right length for this algorithm.
    pub fn decode(self, value: &str) -> Option<Vec<u8>> {
        let bytes = STANDARD.decode(value.trim()).ok()?;
        (bytes.len() == self.digest_len()).then_some(bytes)
    }

    /// The checksum of two runs of bytes one after the other, from the `first` run's
    /// checksum, the `second`'s and its length (big-endian digests, as [`Checksum::finalize`]
    /// gives them): what S3 computes a multipart object's whole-object (`FULL_OBJECT`) CRC
    /// from its parts' without reading them again. `None` for an algorithm that is no CRC,
    /// or a digest of the wrong length.
    ///
    /// ```
    /// use countersign_core::checksum::ChecksumAlgorithm;
    /// let crc = ChecksumAlgorithm::Crc64Nvme;
    /// let of = |data: &[u8]| { let mut c = crc.hasher(); c.update(data); c.finalize() };
    /// let joined = crc.combine(&of(b"hello "), &of(b"world"), 5);
    /// assert_eq!(joined, Some(of(b"hello world")));
    /// ```
    pub fn combine(self, first: &[u8], second: &[u8], second_len: u64) -> Option<Vec<u8>> {
        let algorithm = match self {
            ChecksumAlgorithm::Crc32 => CrcAlgorithm::Crc32IsoHdlc,
            ChecksumAlgorithm::Crc32c => CrcAlgorithm::Crc32Iscsi,
            ChecksumAlgorithm::Crc64Nvme => CrcAlgorithm::Crc64Nvme,
            _ => return None,
        };
        let value = |digest: &[u8]| -> Option<u64> {
            match (self, digest.len()) {
                (ChecksumAlgorithm::Crc64Nvme, 8) => {
                    Some(u64::from_be_bytes(digest.try_into().ok()?))
                }
                (ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c, 4) => {
                    Some(u64::from(u32::from_be_bytes(digest.try_into().ok()?)))
                }
                _ => None,
            }
        };
        let joined =
            crc_fast::checksum_combine(algorithm, value(first)?, value(second)?, second_len);
        Some(match self {
            ChecksumAlgorithm::Crc64Nvme => joined.to_be_bytes().to_vec(),
            _ => (joined as u32).to_be_bytes().to_vec(),
        })
    }
}

impl fmt::Display for ChecksumAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChecksumAlgorithm::Crc32 => "CRC32",
            ChecksumAlgorithm::Crc32c => "CRC32C",
            ChecksumAlgorithm::Crc64Nvme => "CRC64NVME",
            ChecksumAlgorithm::Sha1 => "SHA1",
            ChecksumAlgorithm::Sha256 => "SHA256",
            ChecksumAlgorithm::ContentMd5 => "Content-MD5",
        })
    }
}

/// A checksum being computed.
#[derive(Clone)]
pub struct Checksum {
    algorithm: ChecksumAlgorithm,
    state: State,
}

#[derive(Clone)]
enum State {
    Crc(CrcDigest),
    Sha1(Sha1),
    Sha256(Sha256),
    Md5(Md5),
}

impl Checksum {
    /// The algorithm.
    pub fn algorithm(&self) -> ChecksumAlgorithm {
        self.algorithm
    }

    /// Adds data.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            State::Crc(d) => d.update(data),
            State::Sha1(d) => d.update(data),
            State::Sha256(d) => d.update(data),
            State::Md5(d) => d.update(data),
        }
    }

    /// The digest, big-endian.
    pub fn finalize(self) -> Vec<u8> {
        match self.state {
            State::Crc(d) => {
                let value = d.finalize();
                match self.algorithm {
                    ChecksumAlgorithm::Crc64Nvme => value.to_be_bytes().to_vec(),
                    _ => (value as u32).to_be_bytes().to_vec(),
                }
            }
            State::Sha1(d) => d.finalize().to_vec(),
            State::Sha256(d) => d.finalize().to_vec(),
            State::Md5(d) => d.finalize().to_vec(),
        }
    }

    /// The digest in base64, as the header carries it.
    pub fn finalize_base64(self) -> String {
        STANDARD.encode(self.finalize())
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({})", self.algorithm)
    }
}

/// The base64 checksum of `data`.
pub fn checksum_base64(algorithm: ChecksumAlgorithm, data: &[u8]) -> String {
    let mut c = algorithm.hasher();
    c.update(data);
    c.finalize_base64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(algorithm: ChecksumAlgorithm, data: &[u8]) -> Vec<u8> {
        let mut c = algorithm.hasher();
        c.update(data);
        c.finalize()
    }

    #[test]
    fn crcs_of_runs_combine_into_the_crc_of_both() {
        // "123456789" split unevenly: the combined CRC is each catalogue check value.
        for algorithm in [
            ChecksumAlgorithm::Crc32,
            ChecksumAlgorithm::Crc32c,
            ChecksumAlgorithm::Crc64Nvme,
        ] {
            let (first, second) = (digest(algorithm, b"1234"), digest(algorithm, b"56789"));
            let joined = algorithm.combine(&first, &second, 5);
            assert_eq!(joined, Some(digest(algorithm, b"123456789")), "{algorithm}");
        }
    }

    #[test]
    fn only_crcs_of_the_right_length_combine() {
        let sha = digest(ChecksumAlgorithm::Sha256, b"a");
        assert_eq!(ChecksumAlgorithm::Sha256.combine(&sha, &sha, 1), None);
        let crc32 = digest(ChecksumAlgorithm::Crc32, b"a");
        assert_eq!(
            ChecksumAlgorithm::Crc64Nvme.combine(&crc32, &crc32, 1),
            None
        );
    }

    #[test]
    fn known_values() {
        // Check values of each CRC's catalogue entry: the checksum of "123456789".
        let check = |a: ChecksumAlgorithm| {
            let mut c = a.hasher();
            c.update(b"123456789");
            hex::encode(c.finalize())
        };
        assert_eq!(check(ChecksumAlgorithm::Crc32), "cbf43926");
        assert_eq!(check(ChecksumAlgorithm::Crc32c), "e3069283");
        assert_eq!(check(ChecksumAlgorithm::Crc64Nvme), "ae8b14860a799888");
        assert_eq!(
            check(ChecksumAlgorithm::Sha1),
            "f7c3bc1d808e04732adf679965ccc34ca7ae3441"
        );
        assert_eq!(
            check(ChecksumAlgorithm::ContentMd5),
            "25f9e794323b453885f5181f1b624d0b"
        );
        assert_eq!(
            checksum_base64(ChecksumAlgorithm::ContentMd5, b""),
            "1B2M2Y8AsgTpgAmY7PhCfg=="
        );
    }

    #[test]
    fn decode_checks_length() {
        assert!(ChecksumAlgorithm::Crc32.decode("sOO8/Q==").is_some());
        assert!(ChecksumAlgorithm::Crc64Nvme.decode("sOO8/Q==").is_none());
        assert!(ChecksumAlgorithm::Crc32.decode("not base64!").is_none());
        for a in ChecksumAlgorithm::ALL {
            assert_eq!(checksum_base64(a, b"x").len(), a.base64_len());
        }
    }
}
