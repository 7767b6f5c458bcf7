//! The loopback API's bounds: a header section over its limit, and a body without a declared
//! hash over the buffer limit (its length declared or not), are refused.

use crate::api_server::*;

refused! {
    oversized_header_section: api_with => 400 "RequestHeaderSectionTooLarge", |a| {
        let big = "x".repeat(20 * 1024);
        raw(&signed(
            a,
            "GET",
            "/whoami",
            &[("x-custom", big.as_str())],
            b"",
        ))
    };
    body_over_the_buffer_limit_with_a_content_length: api_with => 413 "EntityTooLarge", |a| {
        raw(&signed(
            a,
            "POST",
            "/echo",
            &[],
            &vec![b'a'; 2 * BUFFER_LIMIT],
        ))
    };
    body_over_the_buffer_limit_in_chunked_transfer: api_with => 413 "EntityTooLarge", |a| {
        let body = vec![b'a'; 2 * BUFFER_LIMIT];
        let r = signed(
            a,
            "POST",
            "/echo",
            &[("transfer-encoding", "chunked")],
            &body,
        );
        let mut bytes = raw(&http::Request::from_parts(r.into_parts().0, Vec::new()));
        bytes.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(b"\r\n0\r\n\r\n");
        bytes
    };
}
