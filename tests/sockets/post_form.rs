//! Broken browser POST forms to the S3 example: without a boundary (not a form: a request
//! without authentication), garbage, 30 KiB of fields, a policy not base64, a signature not
//! hex, a policy wrongly signed, a form cut off.

use base64::Engine as _;
use countersign::core::AmzDate;
use time::OffsetDateTime;

use crate::auth::OK_SIG;
use crate::hostile::Case;
use crate::raw::Expect;
use crate::{Target, AKID, REGION};

/// A POST of `body` to the `hostile` bucket as `content_type`.
fn post(target: Target, content_type: &str, body: &[u8]) -> Vec<u8> {
    let request = target.request(
        "POST",
        "/hostile",
        &[("content-type", content_type.as_bytes())],
        body,
    );
    crate::common::raw_http(&request)
}

/// A form with boundary `B` of the fields an upload needs, with `policy` and `signature`.
fn form(policy: &str, signature: &str) -> Vec<u8> {
    let date = AmzDate::from(OffsetDateTime::now_utc());
    let credential = format!("{AKID}/{}/{REGION}/s3/aws4_request", date.date_stamp());
    let mut body = Vec::new();
    for (name, value) in [
        ("key", "posted"),
        ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
        ("x-amz-credential", credential.as_str()),
        ("x-amz-date", date.as_str()),
        ("policy", policy),
        ("x-amz-signature", signature),
    ] {
        body.extend_from_slice(
            format!("--B\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\nfile\r\n--B--\r\n");
    body
}

/// A policy for the `hostile` bucket that expired in 2000.
fn expired_policy() -> String {
    base64::engine::general_purpose::STANDARD.encode(
        b"{\"expiration\": \"2000-01-01T00:00:00Z\", \"conditions\": [{\"bucket\": \"hostile\"}]}",
    )
}

const FORM: &str = "multipart/form-data; boundary=B";

hostile! {
    /// Not a browser upload (no boundary): a request with no authentication at all.
    form_without_a_boundary [s3] (target, path) => Case::send(
        post(target, "multipart/form-data", b"x"),
        Expect::Code(403, "AccessDenied"),
    );
    form_of_garbage [s3] (target, path) => Case::send(
        post(target, "multipart/form-data; boundary=XYZ", &[b'g'; 30_000]),
        Expect::Code(400, "MalformedPOSTRequest"),
    );
    form_with_30_kib_of_fields [s3] (target, path) => {
        let mut fields = Vec::new();
        for i in 0..30 {
            fields.extend_from_slice(
                format!(
                    "--B\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\n{}\r\n",
                    "v".repeat(1000)
                )
                .as_bytes(),
            );
        }
        fields.extend_from_slice(b"--B--\r\n");
        Case::send(
            post(target, FORM, &fields),
            Expect::Code(400, "MaxPostPreDataLengthExceeded"),
        )
    };
    form_policy_not_base64 [s3] (target, path) => Case::send(
        post(target, FORM, &form("%%%not base64%%%", OK_SIG)),
        Expect::Code(400, "InvalidPolicyDocument"),
    );
    form_signature_not_hex [s3] (target, path) => Case::send(
        post(target, FORM, &form("e30=", &"z".repeat(64))),
        Expect::Code(400, "InvalidArgument"),
    );
    form_policy_wrongly_signed [s3] (target, path) => Case::send(
        post(target, FORM, &form(&expired_policy(), OK_SIG)),
        Expect::Code(403, "SignatureDoesNotMatch"),
    );
    form_cut_off [s3] (target, path) => Case::send(
        post(target, FORM, &form(&expired_policy(), OK_SIG)[..200]),
        Expect::Code(400, "MalformedPOSTRequest"),
    );
}
