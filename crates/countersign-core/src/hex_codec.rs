//! Hex of 32-byte values (hashes, HMAC signatures), both ways, without allocating: the 64
//! lower-case digits of 32 bytes, and the 32 bytes of 64 digits of either case or of lower
//! case only. A leaf: it imports nothing from the crate.

/// `byte` repeated in all eight bytes of a word.
const fn lanes(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// Which letters a hex decoder takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum HexCase {
    /// `a`-`f` and `A`-`F`.
    Either,
    /// `a`-`f` only.
    Lower,
}

/// Spells four bytes as eight lower-case hex digits, all at once: each byte's two nibbles
/// are spread into lanes of their own, and each lane becomes `0`-`9` or `a`-`f`.
fn encode_four(four: [u8; 4]) -> [u8; 8] {
    let word = u64::from(u32::from_le_bytes(four));
    // Byte i moves to lane 2i.
    let spread = (word | word << 16) & 0x0000_ffff_0000_ffff;
    let spread = (spread | spread << 8) & 0x00ff_00ff_00ff_00ff;
    // Its high nibble stays in lane 2i, its low nibble goes to lane 2i + 1.
    let nibbles = ((spread >> 4) & lanes(0x0f)) | ((spread & lanes(0x0f)) << 8);
    // A lane's value is at most 15, so no sum below carries into the next lane; adding 0x76
    // sets a lane's high bit exactly when its value is ten or more.
    let at_least_ten = ((nibbles + lanes(0x80 - 10)) >> 7) & lanes(0x01);
    let spelled = nibbles + lanes(b'0') + at_least_ten * u64::from(b'a' - b'0' - 10);
    spelled.to_le_bytes()
}

/// The 64 lower-case hex digits of 32 bytes (a hash or a signature).
pub(crate) fn hex_digits(bytes: &[u8; 32]) -> [u8; 64] {
    let mut digits = [0u8; 64];
    for (out, four) in digits.chunks_exact_mut(8).zip(bytes.chunks_exact(4)) {
        let mut word = [0u8; 4];
        word.copy_from_slice(four);
        out.copy_from_slice(&encode_four(word));
    }
    digits
}

/// The 32 bytes spelled by `s`, 64 hex digits of `case`; `None` for anything else.
///
/// Each digit looked up in a table, in a loop: this runs on every request (a signature, a
/// declared payload hash), and a verification runs more code than the instruction cache
/// holds. Decoding eight digits at a time in a word ran fewer instructions in far more code
/// than this loop's, and the whole verification was the slower for it (BENCHMARKING.md).
/// Inlined into each caller (they live in other modules), which then knows its `case`.
#[inline]
pub(crate) fn decode_hex32(s: &str, case: HexCase) -> Option<[u8; 32]> {
    let digits = s.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let table = match case {
        HexCase::Either => &HEX_EITHER,
        HexCase::Lower => &HEX_LOWER,
    };
    let mut bytes = [0u8; 32];
    let mut invalid = 0;
    for (out, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        let (high, low) = match pair {
            [high, low] => (table[usize::from(*high)], table[usize::from(*low)]),
            _ => (0xff, 0xff),
        };
        invalid |= high | low;
        *out = high << 4 | low;
    }
    (invalid & 0xf0 == 0).then_some(bytes)
}

/// Each byte's value as a hex digit of either case, 0xff for a byte that is none.
static HEX_EITHER: [u8; 256] = hex_table(true);
/// The same, lower case only.
static HEX_LOWER: [u8; 256] = hex_table(false);

const fn hex_table(upper: bool) -> [u8; 256] {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        if upper {
            table[b'A' as usize + i] = 10 + i as u8;
        }
        i += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_agrees_with_the_hex_crate() {
        let text = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        let mut expected = [0u8; 32];
        assert!(hex::decode_to_slice(text, &mut expected).is_ok());
        let upper = text.to_ascii_uppercase();
        assert_eq!(decode_hex32(text, HexCase::Either), Some(expected));
        assert_eq!(decode_hex32(&upper, HexCase::Either), Some(expected));
        // A declared payload hash is read in lower case only.
        assert_eq!(decode_hex32(text, HexCase::Lower), Some(expected));
        assert_eq!(decode_hex32(&upper, HexCase::Lower), None);
        for case in [HexCase::Either, HexCase::Lower] {
            for (at, replacement) in [(0, "g"), (63, "z"), (10, " "), (31, "é")] {
                let mut bad = text.to_string();
                bad.replace_range(at..at + 1, replacement);
                assert!(decode_hex32(&bad, case).is_none(), "{bad}");
            }
            for length in [0, 62, 63, 65, 66] {
                assert!(
                    decode_hex32(&"a".repeat(length), case).is_none(),
                    "{length}"
                );
            }
        }
    }

    #[test]
    fn every_byte_in_every_place_decodes_as_the_hex_crate_says() {
        for background in [b'0', b'F', b'a'] {
            for place in 0..64 {
                for byte in 0..=255u8 {
                    let mut digits = [background; 64];
                    digits[place] = byte;
                    let mut expected = [0u8; 32];
                    let hex_says = hex::decode_to_slice(digits, &mut expected);
                    let Ok(text) = std::str::from_utf8(&digits) else {
                        continue; // not text: never handed to the decoder
                    };
                    for case in [HexCase::Either, HexCase::Lower] {
                        let upper = digits.iter().any(u8::is_ascii_uppercase);
                        let decoded = decode_hex32(text, case);
                        if hex_says.is_ok() && !(case == HexCase::Lower && upper) {
                            assert_eq!(decoded, Some(expected), "{text}");
                        } else {
                            assert_eq!(decoded, None, "{text}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn hex_digits_agree_with_the_hex_crate() {
        let every_byte: Vec<u8> = (0..=255).collect();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let random = (0..64).flat_map(|_| {
            state = state.rotate_left(17).wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5851_f42d;
            state.to_le_bytes()
        });
        let bytes: Vec<u8> = every_byte.iter().copied().chain(random).collect();
        for chunk in bytes.chunks_exact(32) {
            let mut input = [0u8; 32];
            input.copy_from_slice(chunk);
            assert_eq!(hex_digits(&input).as_slice(), hex::encode(input).as_bytes());
        }
    }
}
