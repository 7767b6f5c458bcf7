//! Hostile heads, on both servers: what the HTTP server underneath (hyper) refuses before the
//! layer sees anything (thousands of headers, a header or a target of 1 MiB, a space in a
//! name, a NUL, a folded line, garbage, conflicting lengths), the layer's own bound on header
//! bytes, and signed headers of invalid UTF-8 or repeated, which verify as signed and not once
//! changed or reordered.

use crate::hostile::Case;
use crate::raw::{set_header, with_head, with_target, Expect};
use crate::Target;

/// A valid GET of `path` with its header lines edited by `edit`.
fn edited(target: Target, path: &str, edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    with_head(&target.signed("GET", path, &[], b""), edit)
}

/// A GET of `path` with a signed header of invalid UTF-8 (obs-text).
fn binary(target: Target, path: &str) -> http::Request<Vec<u8>> {
    target.signed("GET", path, &[("x-amz-meta-bin", b"\xff\xfe caf\xe9")], b"")
}

/// A GET of `path` with a signed header sent twice: `one`, then `two`. Repeated headers are
/// joined with commas in order.
fn repeated(target: Target, path: &str) -> http::Request<Vec<u8>> {
    target.signed(
        "GET",
        path,
        &[("x-amz-meta-r", b"one"), ("x-amz-meta-r", b"two")],
        b"",
    )
}

hostile! {
    /// Large but valid.
    ninety_signed_headers [s3, api] (target, path) => {
        let names: Vec<String> = (0..90).map(|i| format!("x-amz-meta-h{i:02}")).collect();
        let headers: Vec<(&str, &[u8])> =
            names.iter().map(|n| (n.as_str(), &b"value"[..])).collect();
        Case::http(&target.signed("GET", path, &headers, b""), Expect::Success)
    };
    one_thousand_headers [s3, api] (target, path) => Case::send(
        edited(target, path, |l| {
            l.extend((0..1000).map(|i| format!("x-junk-{i}: {i}").into_bytes()))
        }),
        Expect::StatusOrClosed(431),
    );
    ten_thousand_headers [s3, api] (target, path) => Case::send(
        edited(target, path, |l| {
            l.extend((0..10_000).map(|i| format!("x-junk-{i}: {i}").into_bytes()))
        }),
        Expect::StatusOrClosed(431),
    );
    /// Over the layer's 64 KiB.
    one_header_of_70_kib [s3, api] (target, path) => Case::send(
        edited(target, path, |l| {
            l.push(format!("x-big: {}", "b".repeat(70 * 1024)).into_bytes())
        }),
        Expect::Code(400, "RequestHeaderSectionTooLarge"),
    );
    /// 160 KiB in all.
    forty_headers_of_4_kib [s3, api] (target, path) => Case::send(
        edited(target, path, |l| {
            l.extend((0..40).map(|i| format!("x-fill-{i}: {}", "f".repeat(4096)).into_bytes()))
        }),
        Expect::Code(400, "RequestHeaderSectionTooLarge"),
    );
    one_header_of_1_mib [s3, api] (target, path) => Case::send(
        edited(target, path, |l| {
            l.push(format!("x-huge: {}", "h".repeat(1 << 20)).into_bytes())
        }),
        Expect::StatusOrClosed(431),
    );
    /// hyper counts the request line in its head limit.
    request_target_of_1_mib [s3, api] (target, path) => Case::send(
        with_target(
            &target.signed("GET", path, &[], b""),
            format!("{path}?{}", "q".repeat(1 << 20)).as_bytes(),
        ),
        Expect::StatusOrClosed(431),
    );
    header_name_with_a_space [s3, api] (target, path) => Case::send(
        edited(target, path, |l| l.push(b"bad name: x".to_vec())),
        Expect::StatusOrClosed(400),
    );
    nul_in_a_header_value [s3, api] (target, path) => Case::send(
        edited(target, path, |l| l.push(b"x-nul: a\0b".to_vec())),
        Expect::StatusOrClosed(400),
    );
    folded_header_line [s3, api] (target, path) => Case::send(
        edited(target, path, |l| l.insert(1, b" folded: continuation".to_vec())),
        Expect::StatusOrClosed(400),
    );
    garbage_request_line [s3, api] (target, path) =>
        Case::send(b"GARBAGE\r\n\r\n".to_vec(), Expect::StatusOrClosed(400));
    binary_noise [s3, api] (target, path) => Case::send(
        (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(),
        Expect::StatusOrClosed(400),
    );
    two_different_content_length_headers [s3, api] (target, path) => Case::send(
        edited(target, path, |l| {
            l.retain(|x| !x.to_ascii_lowercase().starts_with(b"content-length:"));
            l.push(b"content-length: 1".to_vec());
            l.push(b"content-length: 2".to_vec());
        }),
        Expect::StatusOrClosed(400),
    );
    content_length_not_a_number [s3, api] (target, path) => Case::send(
        edited(target, path, |l| set_header(l, "content-length", b"twelve")),
        Expect::StatusOrClosed(400),
    );
    signed_header_value_with_invalid_utf8 [s3, api] (target, path) =>
        Case::http(&binary(target, path), Expect::Success);
    header_value_with_invalid_utf8_changed [s3, api] (target, path) => Case::send(
        with_head(&binary(target, path), |l| {
            set_header(l, "x-amz-meta-bin", b"\xff\xfe caf\xe8")
        }),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    repeated_signed_header [s3, api] (target, path) =>
        Case::http(&repeated(target, path), Expect::Success);
    repeated_signed_header_reordered [s3, api] (target, path) => Case::send(
        with_head(&repeated(target, path), |l| {
            for line in l.iter_mut() {
                if line.as_slice() == b"x-amz-meta-r: one" {
                    *line = b"x-amz-meta-r: two".to_vec();
                } else if line.as_slice() == b"x-amz-meta-r: two" {
                    *line = b"x-amz-meta-r: one".to_vec();
                }
            }
        }),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    repeated_signed_header_with_a_third_value [s3, api] (target, path) => Case::send(
        with_head(&repeated(target, path), |l| l.push(b"x-amz-meta-r: three".to_vec())),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
}
