//! A bound, not a verifier: the least a verification of the benches' request must do beside
//! its cryptography, written for that one request's shape.
//!
//! It makes every check `countersign` makes on this request, in the plainest code:
//!
//! - the algorithm and the three components of the `Authorization` header;
//! - the credential's five parts: access key id length, region `us-east-1`, service `s3`,
//!   the `aws4_request` terminator; its day is the day of `X-Amz-Date`;
//! - `X-Amz-Date` parsed, within five minutes of "now";
//! - the signed header names lower-case, sorted and unrepeated, `host` among them, every one
//!   present, every `x-amz-*` header signed;
//! - the path and every query key and value already in canonical form, the query sorted,
//!   each signed header's value trimmed and its spaces collapsed;
//! - the canonical request hashed, the string to sign signed with the key's ready HMAC state,
//!   the signature compared in constant time.
//!
//! What it leaves out makes it do less than any verifier a server can use, which is the
//! point: the three components only in the order SDKs write them; no error but `None`; a
//! path or query not already canonical refused rather than encoded again; one key held
//! instead of a cache to look up; no presigned URLs, session tokens or repeated headers.
//! `min_of_runs` times it beside the floor: what these checks cost written plainly, which
//! only code tuned well past plain could beat.

use countersign::core::Signature;
use hmac::{KeyInit, Mac};
use sha2::Digest;

use crate::common::{AKID, NOW, SECRET};

/// The bound's state: the one key it knows, ready, and the server's clock.
pub struct Minimal {
    keyed: hmac::Hmac<sha2::Sha256>,
    day: &'static [u8],
    now: i64,
}

impl Minimal {
    /// For [`AKID`]'s key of 2024-05-24 in us-east-1 for S3, at [`NOW`].
    pub fn new() -> Self {
        let key = crate::common::derive(SECRET);
        Minimal {
            keyed: hmac::Hmac::new_from_slice(&key).expect("key"),
            day: b"20240524",
            now: NOW.unix_timestamp(),
        }
    }

    /// Whether `request`, whose body hashes to `payload_hash`, is signed by the one key.
    pub fn verify(&self, request: &http::Request<()>, payload_hash: &str) -> Option<()> {
        let headers = request.headers();
        let authorization = headers.get(http::header::AUTHORIZATION)?.as_bytes();
        let rest = authorization.strip_prefix(b"AWS4-HMAC-SHA256 ")?;
        let mut parts = rest.split(|&b| b == b',').map(<[u8]>::trim_ascii);
        let credential = parts.next()?.strip_prefix(b"Credential=")?;
        let list = parts.next()?.strip_prefix(b"SignedHeaders=")?;
        let signature = parts.next()?.strip_prefix(b"Signature=")?;
        if parts.next().is_some() || credential.iter().any(|&b| b <= b' ' || b == 0x7f) {
            return None;
        }
        let mut fields = credential.splitn(5, |&b| b == b'/');
        let id = fields.next()?;
        let day = fields.next()?;
        let scope = credential.get(id.len() + 1..)?;
        if id.is_empty()
            || id.len() > 128
            || fields.next()? != b"us-east-1"
            || fields.next()? != b"s3"
            || fields.next()? != b"aws4_request"
        {
            return None;
        }
        let date = headers.get("x-amz-date")?.as_bytes();
        if (seconds_since_epoch(date)? - self.now).abs() > 300 || date.get(..8)? != day {
            return None;
        }
        if id != AKID.as_bytes() || day != self.day {
            return None;
        }

        let mut names: [&[u8]; 16] = [&[]; 16];
        let mut count = 0;
        for name in list.split(|&b| b == b';') {
            let lower = |&b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
            let sorted = count == 0 || names.get(count - 1).is_some_and(|&before| before < name);
            if name.is_empty() || !name.iter().all(lower) || !sorted {
                return None;
            }
            *names.get_mut(count)? = name;
            count += 1;
        }
        let names = names.get(..count)?;
        if !names.contains(&&b"host"[..]) {
            return None;
        }
        let mut values: [&[u8]; 16] = [&[]; 16];
        let mut seen = 0u16;
        for (name, value) in headers {
            let name = name.as_str().as_bytes();
            match names.iter().position(|&signed| signed == name) {
                Some(at) => {
                    *values.get_mut(at)? = value.as_bytes();
                    seen |= 1 << at;
                }
                None if name.starts_with(b"x-amz-") => return None,
                None => {}
            }
        }
        if seen.count_ones() as usize != count {
            return None;
        }
        let mut claimed = [0u8; 32];
        hex::decode_to_slice(signature, &mut claimed).ok()?;

        let mut out = Buffer::default();
        out.put(request.method().as_str().as_bytes())?;
        out.put(b"\n")?;
        let path = request.uri().path().as_bytes();
        if !is_canonical(path, true) {
            return None;
        }
        out.put(path)?;
        out.put(b"\n")?;
        let mut pairs: [(&[u8], &[u8]); 8] = [(&[], &[]); 8];
        let mut count = 0;
        let query = request.uri().query().unwrap_or("").as_bytes();
        for pair in query.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (key, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (pair.get(..at)?, pair.get(at + 1..)?),
                None => (pair, &b""[..]),
            };
            if !is_canonical(key, false) || !is_canonical(value, false) {
                return None;
            }
            *pairs.get_mut(count)? = (key, value);
            count += 1;
        }
        let pairs = pairs.get_mut(..count)?;
        pairs.sort_unstable();
        for (i, (key, value)) in pairs.iter().enumerate() {
            if i > 0 {
                out.put(b"&")?;
            }
            out.put(key)?;
            out.put(b"=")?;
            out.put(value)?;
        }
        out.put(b"\n")?;
        for (name, value) in names.iter().zip(values) {
            out.put(name)?;
            out.put(b":")?;
            let mut space = false;
            for &b in value.trim_ascii() {
                if b == b' ' {
                    space = true;
                    continue;
                }
                if space {
                    out.put(b" ")?;
                    space = false;
                }
                out.put(&[b])?;
            }
            out.put(b"\n")?;
        }
        out.put(b"\n")?;
        out.put(list)?;
        out.put(b"\n")?;
        out.put(payload_hash.as_bytes())?;

        let mut hash = [0u8; 64];
        hex::encode_to_slice(sha2::Sha256::digest(out.written()), &mut hash).ok()?;
        let mut mac = self.keyed.clone();
        for piece in [&b"AWS4-HMAC-SHA256\n"[..], date, b"\n", scope, b"\n", &hash] {
            mac.update(piece);
        }
        let computed: [u8; 32] = mac.finalize().into_bytes().into();
        Signature::from_bytes(computed)
            .ct_eq(&Signature::from_bytes(claimed))
            .then_some(())
    }
}

/// The canonical request, written on the stack.
struct Buffer {
    bytes: [u8; 1024],
    len: usize,
}

impl Default for Buffer {
    fn default() -> Self {
        Buffer {
            bytes: [0; 1024],
            len: 0,
        }
    }
}

impl Buffer {
    fn put(&mut self, piece: &[u8]) -> Option<()> {
        let end = self.len.checked_add(piece.len())?;
        self.bytes.get_mut(self.len..end)?.copy_from_slice(piece);
        self.len = end;
        Some(())
    }

    fn written(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Unreserved bytes (and `/` when `slash`) between upper-case escapes of reserved ones.
fn is_canonical(text: &[u8], slash: bool) -> bool {
    let upper_hex = |b: Option<&u8>| match b {
        Some(&b @ b'0'..=b'9') => Some(b - b'0'),
        Some(&b @ b'A'..=b'F') => Some(b - b'A' + 10),
        _ => None,
    };
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        if is_unreserved(b) || (slash && b == b'/') {
            i += 1;
            continue;
        }
        match (b, upper_hex(text.get(i + 1)), upper_hex(text.get(i + 2))) {
            (b'%', Some(high), Some(low)) if !is_unreserved(high << 4 | low) => i += 3,
            _ => return false,
        }
    }
    true
}

/// `YYYYMMDDTHHMMSSZ` as seconds since the epoch: a real day and time, checked by `time` as
/// countersign checks it.
fn seconds_since_epoch(date: &[u8]) -> Option<i64> {
    let number = |from: usize, to: usize| -> Option<u32> {
        let digits = date.get(from..to)?;
        digits.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    if date.len() != 16 || date.get(8) != Some(&b'T') || date.get(15) != Some(&b'Z') {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(number(4, 6)?).ok()?).ok()?;
    let day = time::Date::from_calendar_date(
        i32::try_from(number(0, 4)?).ok()?,
        month,
        u8::try_from(number(6, 8)?).ok()?,
    )
    .ok()?;
    let at = time::Time::from_hms(
        u8::try_from(number(9, 11)?).ok()?,
        u8::try_from(number(11, 13)?).ok()?,
        u8::try_from(number(13, 15)?).ok()?,
    )
    .ok()?;
    Some(day.with_time(at).assume_utc().unix_timestamp())
}
