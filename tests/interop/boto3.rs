//! boto3 against the S3 example, each script run once and shared by the tests of its
//! results: presigned PUT and GET; uploads refused and sent whole before the answer is read
//! (no `Expect: 100-continue`) still get their error; PUT and GET over HTTPS; each checksum
//! over HTTP (in a header) and HTTPS (in an aws-chunked trailer); a presigned POST form, too
//! large or changed; a multipart upload completed with a wrong part CRC32, then the right one;
//! and a form posted where its policy does not send it.

use std::sync::LazyLock;

use serde_json::Value;

use crate::common::between;
use crate::s3_example::Server;

const BOTO_PRESIGNED: &str = r#"
import urllib.request
s3 = client()
s3.create_bucket(Bucket="presigned")
key = "dir/hello wörld+1.txt"
body = b"uploaded through a presigned PUT"
put = s3.generate_presigned_url("put_object", Params={"Bucket": "presigned", "Key": key}, ExpiresIn=300)
request = urllib.request.Request(put, data=body, method="PUT")
put_status = urllib.request.urlopen(request, context=context).status
get = s3.generate_presigned_url("get_object", Params={"Bucket": "presigned", "Key": key}, ExpiresIn=300)
got = urllib.request.urlopen(get, context=context).read()
head = s3.head_object(Bucket="presigned", Key=key)
print(json.dumps({"put": put_status, "same": got == body, "length": head["ContentLength"]}))
"#;

#[test]
fn presigned_put_and_get() {
    let server = Server::start();
    let result = server.python(BOTO_PRESIGNED, "boto3");
    assert_eq!(result["put"], 200);
    assert_eq!(result["same"], true, "{result}");
    assert_eq!(result["length"], 32);
    assert!(server
        .data()
        .join("presigned/dir/hello wörld+1.txt")
        .is_file());
}

const REFUSED_WITHOUT_EXPECT: &str = r#"
import http.client, urllib.error, urllib.parse, urllib.request
import botocore.auth, botocore.awsrequest, botocore.credentials
address = urllib.parse.urlsplit(endpoint)
body = os.urandom(6 << 20)
answers = []
# Header-signed with a wrong secret, sent by http.client: the whole body, then the answer.
for _ in range(3):
    credentials = botocore.credentials.Credentials(os.environ["AKID"], "not-the-secret")
    request = botocore.awsrequest.AWSRequest(method="PUT", url=endpoint + "/unread/big", data=body)
    request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    botocore.auth.S3SigV4Auth(credentials, "s3", "us-east-1").add_auth(request)
    connection = http.client.HTTPConnection(address.hostname, address.port)
    try:
        connection.request("PUT", "/unread/big", body=body, headers=dict(request.headers.items()))
        response = connection.getresponse()
        answers.append([response.status, response.read().decode()])
    except OSError as e:
        answers.append([0, repr(e)])
# A presigned PUT whose signature was changed, sent by urllib.
s3 = client()
url = s3.generate_presigned_url("put_object", Params={"Bucket": "unread", "Key": "big"}, ExpiresIn=300)
cut = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
url = url[:cut] + ("0" if url[cut] != "0" else "1") + url[cut + 1:]
try:
    urllib.request.urlopen(urllib.request.Request(url, data=body, method="PUT"))
    answers.append([200, ""])
except urllib.error.HTTPError as e:
    answers.append([e.code, e.read().decode()])
except OSError as e:
    answers.append([0, repr(e)])
print(json.dumps(answers))
"#;

/// What [`REFUSED_WITHOUT_EXPECT`] got, and whether the server was left with nothing.
struct Unread {
    answers: Vec<(u16, String)>,
    left_nothing: bool,
}

static UNREAD: LazyLock<Unread> = LazyLock::new(|| {
    let server = Server::start();
    server.mb("unread");
    let answers = server.python(REFUSED_WITHOUT_EXPECT, "the unread-body script");
    let answers: Vec<(u16, String)> =
        serde_json::from_value(answers).expect("(status, body) pairs");
    assert_eq!(answers.len(), 4);
    Unread {
        answers,
        left_nothing: !server.data().join("unread/big").exists() && server.temp_files() == 0,
    }
});

/// Each answer is S3's `SignatureDoesNotMatch`, and the server keeps nothing.
fn assert_refused_with_its_error(answers: &[(u16, String)]) {
    for (status, text) in answers {
        assert_eq!(*status, 403, "{text}");
        assert_eq!(
            between(text, "<Code>", "</Code>").as_deref(),
            Some("SignatureDoesNotMatch"),
            "{text}"
        );
    }
    assert!(UNREAD.left_nothing);
}

/// A refused upload sent whole before its answer is read (as Python's `http.client` sends):
/// the client gets the S3 error, not a reset connection, because the layer reads the rest of
/// the body (up to 8 MiB) before refusing. Three times on new connections.
#[test]
fn a_wrongly_signed_upload_sent_whole_gets_its_error() {
    assert_refused_with_its_error(&UNREAD.answers[..3]);
}

/// The same with a presigned PUT whose signature was changed, sent by `urllib`.
#[test]
fn a_tampered_presigned_upload_sent_whole_gets_its_error() {
    assert_refused_with_its_error(&UNREAD.answers[3..]);
}

const BOTO_TLS: &str = r#"
s3 = client()
s3.create_bucket(Bucket="tls")
body = bytes(range(256)) * 300
s3.put_object(Bucket="tls", Key="blob", Body=body, ContentType="application/x-blob")
got = s3.get_object(Bucket="tls", Key="blob")
print(json.dumps({"same": got["Body"].read() == body, "type": got["ContentType"],
                  "encoding": got.get("ContentEncoding")}))
"#;

#[test]
fn put_and_get_over_https() {
    let server = Server::start_tls();
    let result = server.python(BOTO_TLS, "boto3 over TLS");
    assert_eq!(result["same"], true, "{result}");
    assert_eq!(result["type"], "application/x-blob");
    assert_eq!(result["encoding"], Value::Null);
}

const BOTO_CHECKSUMS: &str = r#"
s3 = client()
s3.create_bucket(Bucket="sums")
out = {}
for algorithm in ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"]:
    body = algorithm.encode() * 5000
    s3.put_object(Bucket="sums", Key="by/" + algorithm, Body=body, ChecksumAlgorithm=algorithm)
    out[algorithm] = s3.get_object(Bucket="sums", Key="by/" + algorithm)["Body"].read() == body
print(json.dumps(out))
"#;

/// Over HTTP botocore sends the checksum as a header beside a signed payload hash.
static CHECKSUMS_OVER_HTTP: LazyLock<Value> = LazyLock::new(|| {
    Server::start().python(
        BOTO_CHECKSUMS,
        "boto3 put_object with checksums (pip install awscrt)",
    )
});

/// Over HTTPS it sends aws-chunked bodies with the checksum in a trailer.
static CHECKSUMS_OVER_HTTPS: LazyLock<Value> = LazyLock::new(|| {
    Server::start_tls().python(
        BOTO_CHECKSUMS,
        "boto3 put_object with checksums (pip install awscrt)",
    )
});

/// One test per checksum algorithm and transport: an object put with it reads back the same.
macro_rules! checksums {
    ($($name:ident: $results:ident $algorithm:literal;)*) => {
        $(
            #[test]
            fn $name() {
                assert_eq!($results[$algorithm], true, "{}", *$results);
            }
        )*
    };
}

checksums! {
    put_object_with_crc32_over_http: CHECKSUMS_OVER_HTTP "CRC32";
    put_object_with_crc32c_over_http: CHECKSUMS_OVER_HTTP "CRC32C";
    put_object_with_sha1_over_http: CHECKSUMS_OVER_HTTP "SHA1";
    put_object_with_sha256_over_http: CHECKSUMS_OVER_HTTP "SHA256";
    put_object_with_crc64nvme_over_http: CHECKSUMS_OVER_HTTP "CRC64NVME";
    put_object_with_crc32_over_https: CHECKSUMS_OVER_HTTPS "CRC32";
    put_object_with_crc32c_over_https: CHECKSUMS_OVER_HTTPS "CRC32C";
    put_object_with_sha1_over_https: CHECKSUMS_OVER_HTTPS "SHA1";
    put_object_with_sha256_over_https: CHECKSUMS_OVER_HTTPS "SHA256";
    put_object_with_crc64nvme_over_https: CHECKSUMS_OVER_HTTPS "CRC64NVME";
}

const BOTO_POST: &str = r#"
import urllib.request, urllib.error, urllib3
s3 = client()
s3.create_bucket(Bucket="forms")
post = s3.generate_presigned_post(
    "forms", "uploads/${filename}",
    Fields={"acl": "private", "Content-Type": "text/plain"},
    Conditions=[{"acl": "private"}, ["starts-with", "$key", "uploads/"], ["starts-with", "$Content-Type", "text/"],
                ["content-length-range", 1, 1000]],
    ExpiresIn=300)
def send(fields, filename, data):
    body, content_type = urllib3.encode_multipart_formdata(list(fields.items()) + [("file", (filename, data, "text/plain"))])
    request = urllib.request.Request(post["url"], data=body, method="POST", headers={"Content-Type": content_type})
    try:
        return urllib.request.urlopen(request, context=context).status
    except urllib.error.HTTPError as e:
        return e.code
ok = send(post["fields"], "note one.txt", b"hello from a form")
too_big = send(post["fields"], "big.txt", b"x" * 2000)
changed = dict(post["fields"]); changed["acl"] = "public-read"
refused = send(changed, "changed.txt", b"x")
got = s3.get_object(Bucket="forms", Key="uploads/note one.txt")
print(json.dumps({"ok": ok, "too_big": too_big, "refused": refused,
                  "same": got["Body"].read() == b"hello from a form", "type": got["ContentType"]}))
"#;

/// What [`BOTO_POST`] got, and what the server kept.
struct Posted {
    result: Value,
    big_stored: bool,
    changed_stored: bool,
    temp_files: usize,
}

static POSTED: LazyLock<Posted> = LazyLock::new(|| {
    let server = Server::start();
    let result = server.python(BOTO_POST, "boto3 POST");
    Posted {
        result,
        big_stored: server.data().join("forms/uploads/big.txt").exists(),
        changed_stored: server.data().join("forms/uploads/changed.txt").exists(),
        temp_files: server.temp_files(),
    }
});

#[test]
fn a_form_made_by_generate_presigned_post_uploads_its_file() {
    let result = &POSTED.result;
    assert_eq!(result["ok"], 204, "{result}");
    assert_eq!(result["same"], true, "{result}");
    assert_eq!(result["type"], "text/plain", "{result}");
    assert_eq!(POSTED.temp_files, 0);
}

#[test]
fn a_form_file_over_its_content_length_range_is_refused() {
    assert_eq!(POSTED.result["too_big"], 400, "{}", POSTED.result);
    assert!(!POSTED.big_stored);
}

#[test]
fn a_form_with_a_field_changed_is_refused() {
    assert_eq!(POSTED.result["refused"], 403, "{}", POSTED.result);
    assert!(!POSTED.changed_stored);
}

const BOTO_MULTIPART_CRC32: &str = r#"
import zlib, base64
from botocore.exceptions import ClientError
s3 = client()
def crc32(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
def status(call):
    try:
        return [call()["ResponseMetadata"]["HTTPStatusCode"], ""]
    except ClientError as e:
        return [e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]]
s3.create_bucket(Bucket="mpsums")
parts = [bytes(range(256)) * 20480, b"the last part " * 100]
upload = s3.create_multipart_upload(Bucket="mpsums", Key="joined", ChecksumAlgorithm="CRC32")
where = dict(Bucket="mpsums", Key="joined", UploadId=upload["UploadId"])
done = []
for number, data in enumerate(parts, 1):
    answer = s3.upload_part(PartNumber=number, Body=data, ChecksumAlgorithm="CRC32", **where)
    done.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumCRC32": crc32(data)})
wrong = [dict(done[0], ChecksumCRC32=crc32(b"not part one")), done[1]]
out = {}
out["wrong"] = status(lambda: s3.complete_multipart_upload(MultipartUpload={"Parts": wrong}, **where))
out["after_wrong"] = status(lambda: s3.head_object(Bucket="mpsums", Key="joined"))
out["right"] = status(lambda: s3.complete_multipart_upload(MultipartUpload={"Parts": done}, **where))
out["same"] = s3.get_object(Bucket="mpsums", Key="joined")["Body"].read() == b"".join(parts)
print(json.dumps(out))
"#;

static MULTIPART_CRC32: LazyLock<Value> =
    LazyLock::new(|| Server::start().python(BOTO_MULTIPART_CRC32, "boto3 multipart upload"));

#[test]
fn multipart_complete_with_a_wrong_part_crc32_is_refused_and_makes_no_object() {
    let result = &*MULTIPART_CRC32;
    assert_eq!(
        result["wrong"],
        serde_json::json!([400, "InvalidPart"]),
        "{result}"
    );
    assert_eq!(
        result["after_wrong"],
        serde_json::json!([404, "404"]),
        "{result}"
    );
}

#[test]
fn multipart_complete_with_the_right_part_crc32s_then_joins_the_parts() {
    let result = &*MULTIPART_CRC32;
    assert_eq!(result["right"], serde_json::json!([200, ""]), "{result}");
    assert_eq!(result["same"], true, "{result}");
}

/// A form for bucket `forms` (keys under `uploads/`), posted where it does not belong: with a
/// `?delete` query, its file a DeleteObjects document; and to the dotted bucket
/// `forms.evil` by the host `forms.evil.localhost`.
const BOTO_POST_ELSEWHERE: &str = r#"
import urllib.request, urllib.error, urllib3
from urllib.parse import urlsplit
s3 = client(addressing_style="path")
for bucket in ("forms", "forms.evil"):
    s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket="forms", Key="keep.txt", Body=b"kept")
post = s3.generate_presigned_post("forms", "uploads/${filename}",
    Conditions=[["starts-with", "$key", "uploads/"]], ExpiresIn=300)
def send(url, data, host=None):
    fields = list(post["fields"].items()) + [("file", ("f.txt", data, "text/plain"))]
    body, content_type = urllib3.encode_multipart_formdata(fields)
    headers = {"Content-Type": content_type}
    if host:
        headers["Host"] = host
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        return urllib.request.urlopen(request).status
    except urllib.error.HTTPError as e:
        return e.code
delete = b"<Delete><Object><Key>keep.txt</Key></Object></Delete>"
with_query = send(post["url"] + "?delete", delete)
port = urlsplit(endpoint).port
dotted = send(f"{endpoint}/", b"into the dotted bucket", host=f"forms.evil.localhost:{port}")
listed = s3.list_objects_v2(Bucket="forms.evil").get("KeyCount", 0)
kept = s3.get_object(Bucket="forms", Key="keep.txt")["Body"].read() == b"kept"
print(json.dumps({"with_query": with_query, "dotted": dotted, "dotted_objects": listed, "kept": kept}))
"#;

static POSTED_ELSEWHERE: LazyLock<Value> =
    LazyLock::new(|| Server::start().python(BOTO_POST_ELSEWHERE, "boto3 POST elsewhere"));

#[test]
fn a_form_with_the_delete_query_deletes_nothing() {
    let result = &*POSTED_ELSEWHERE;
    assert_eq!(result["with_query"], 403, "{result}");
    assert_eq!(result["kept"], true, "the form deleted an object: {result}");
}

#[test]
fn a_form_for_a_bucket_uploads_nothing_into_a_dotted_bucket_by_its_host() {
    let result = &*POSTED_ELSEWHERE;
    assert_eq!(result["dotted"], 403, "{result}");
    assert_eq!(result["dotted_objects"], 0, "{result}");
}
