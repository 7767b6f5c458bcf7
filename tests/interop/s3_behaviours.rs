//! The S3 behaviours real clients and test suites count on, asked of the S3 example by boto3
//! (and the aws CLI), each answered as S3 answers it (status, code, headers): conditional
//! reads and writes, checksums in responses, `partNumber`, object tags, CORS, the listings
//! cleanup code uses, multipart edge cases, and the operations the frontend lacks.

use serde_json::Value;

use crate::s3_example::Server;

/// What the scripts share, after `client()`: `s3`, a client; `answer(call)`, the status,
/// headers and error code of a call, whether it succeeded or not.
const HELPERS: &str = r#"
from botocore.exceptions import ClientError
s3 = client()
def answer(call, *args, **kwargs):
    try:
        response = call(*args, **kwargs)
        meta = response.pop("ResponseMetadata")
        body = response.pop("Body", None)
        out = {"status": meta["HTTPStatusCode"], "headers": meta["HTTPHeaders"],
               "response": json.loads(json.dumps(response, default=str))}
        if body is not None:
            out["body"] = body.read().decode("latin-1")
        return out
    except ClientError as e:
        meta = e.response["ResponseMetadata"]
        return {"status": meta["HTTPStatusCode"], "headers": meta.get("HTTPHeaders", {}),
                "code": e.response["Error"].get("Code"), "message": e.response["Error"].get("Message")}
"#;

/// Runs `script` (after [`HELPERS`]) with boto3 against a fresh server; what it printed.
fn boto3(script: &str, what: &str) -> Value {
    let server = Server::start();
    server.python(&format!("{HELPERS}{script}"), what)
}

// ---- Conditional requests ----------------------------------------------------------------

/// An object `cond/k` put, and its ETag in `etag` (with its quotes).
const CONDITIONAL: &str = r#"
import datetime
s3.create_bucket(Bucket="cond")
etag = s3.put_object(Bucket="cond", Key="k", Body=b"conditional")["ETag"]
past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
"#;

#[test]
fn get_with_if_match_of_another_etag_is_412() {
    let out = boto3(
        &format!(
            "{CONDITIONAL}print(json.dumps([answer(s3.get_object, Bucket='cond', Key='k', IfMatch='\"0123\"'), \
             answer(s3.get_object, Bucket='cond', Key='k', IfMatch=etag)]))"
        ),
        "If-Match",
    );
    assert_eq!(out[0]["status"], 412, "{out}");
    assert_eq!(out[0]["code"], "PreconditionFailed");
    assert_eq!(out[1]["status"], 200, "{out}");
    assert_eq!(out[1]["body"], "conditional");
}

#[test]
fn get_with_if_none_match_of_its_etag_is_304() {
    let out = boto3(
        &format!(
            "{CONDITIONAL}print(json.dumps([answer(s3.get_object, Bucket='cond', Key='k', IfNoneMatch=etag), \
             answer(s3.get_object, Bucket='cond', Key='k', IfNoneMatch='\"0123\"')]))"
        ),
        "If-None-Match",
    );
    assert_eq!(out[0]["status"], 304, "{out}");
    assert_eq!(
        out[0]["headers"]["etag"].as_str(),
        out[1]["headers"]["etag"].as_str()
    );
    assert_eq!(out[1]["status"], 200, "{out}");
}

#[test]
fn get_if_modified_since_a_later_time_is_304() {
    let out = boto3(
        &format!(
            "{CONDITIONAL}print(json.dumps([answer(s3.get_object, Bucket='cond', Key='k', IfModifiedSince=future), \
             answer(s3.get_object, Bucket='cond', Key='k', IfModifiedSince=past)]))"
        ),
        "If-Modified-Since",
    );
    assert_eq!(out[0]["status"], 304, "{out}");
    assert_eq!(out[1]["status"], 200, "{out}");
}

#[test]
fn get_if_unmodified_since_an_earlier_time_is_412() {
    let out = boto3(
        &format!(
            "{CONDITIONAL}print(json.dumps([answer(s3.get_object, Bucket='cond', Key='k', IfUnmodifiedSince=past), \
             answer(s3.get_object, Bucket='cond', Key='k', IfUnmodifiedSince=future)]))"
        ),
        "If-Unmodified-Since",
    );
    assert_eq!(out[0]["status"], 412, "{out}");
    assert_eq!(out[0]["code"], "PreconditionFailed");
    assert_eq!(out[1]["status"], 200, "{out}");
}

#[test]
fn get_if_match_holding_wins_over_if_unmodified_since_failing() {
    // S3: If-Match true and If-Unmodified-Since false answer 200 and the data.
    let out = boto3(
        &format!(
            "{CONDITIONAL}print(json.dumps(answer(s3.get_object, Bucket='cond', Key='k', IfMatch=etag, \
             IfUnmodifiedSince=past)))"
        ),
        "If-Match and If-Unmodified-Since",
    );
    assert_eq!(out["status"], 200, "{out}");
    assert_eq!(out["body"], "conditional");
}

#[test]
fn get_if_none_match_failing_wins_over_if_modified_since_holding() {
    // S3: If-None-Match false and If-Modified-Since true answer 304 Not Modified.
    let out = boto3(
        &format!(
            "{CONDITIONAL}print(json.dumps(answer(s3.get_object, Bucket='cond', Key='k', IfNoneMatch=etag, \
             IfModifiedSince=past)))"
        ),
        "If-None-Match and If-Modified-Since",
    );
    assert_eq!(out["status"], 304, "{out}");
}

#[test]
fn head_with_failing_conditions_is_412_or_304() {
    let out = boto3(
        &format!(
            "{CONDITIONAL}print(json.dumps([answer(s3.head_object, Bucket='cond', Key='k', IfMatch='\"0123\"'), \
             answer(s3.head_object, Bucket='cond', Key='k', IfNoneMatch=etag), \
             answer(s3.head_object, Bucket='cond', Key='k', IfUnmodifiedSince=past), \
             answer(s3.head_object, Bucket='cond', Key='k', IfModifiedSince=future)]))"
        ),
        "conditional HEAD",
    );
    let statuses: Vec<&Value> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, [412, 304, 412, 304], "{out}");
}

#[test]
fn put_if_none_match_star_over_an_object_is_412() {
    let out = boto3(
        &format!(
            "{CONDITIONAL}print(json.dumps([answer(s3.put_object, Bucket='cond', Key='k', Body=b'again', IfNoneMatch='*'), \
             answer(s3.put_object, Bucket='cond', Key='new', Body=b'first', IfNoneMatch='*'), \
             s3.get_object(Bucket='cond', Key='k')['Body'].read().decode()]))"
        ),
        "PUT If-None-Match",
    );
    assert_eq!(out[0]["status"], 412, "{out}");
    assert_eq!(out[0]["code"], "PreconditionFailed");
    assert_eq!(out[1]["status"], 200, "{out}");
    assert_eq!(out[2], "conditional");
}

#[test]
fn put_if_match_of_another_etag_is_412() {
    let out = boto3(
        &format!(
            "{CONDITIONAL}print(json.dumps([answer(s3.put_object, Bucket='cond', Key='k', Body=b'x', IfMatch='\"0123\"'), \
             answer(s3.put_object, Bucket='cond', Key='k', Body=b'replaced', IfMatch=etag), \
             s3.get_object(Bucket='cond', Key='k')['Body'].read().decode()]))"
        ),
        "PUT If-Match",
    );
    assert_eq!(out[0]["status"], 412, "{out}");
    assert_eq!(out[0]["code"], "PreconditionFailed");
    assert_eq!(out[1]["status"], 200, "{out}");
    assert_eq!(out[2], "replaced");
}

#[test]
fn put_if_match_of_a_missing_key_is_no_such_key() {
    let out = boto3(
        &format!(
            "{CONDITIONAL}print(json.dumps(answer(s3.put_object, Bucket='cond', Key='absent', Body=b'x', IfMatch=etag)))"
        ),
        "PUT If-Match of a missing key",
    );
    assert_eq!(out["status"], 404, "{out}");
    assert_eq!(out["code"], "NoSuchKey");
}

#[test]
fn complete_multipart_upload_if_none_match_star_over_an_object_is_412() {
    let out = boto3(
        &format!(
            "{CONDITIONAL}
def complete(key):
    upload = s3.create_multipart_upload(Bucket='cond', Key=key)['UploadId']
    part = s3.upload_part(Bucket='cond', Key=key, UploadId=upload, PartNumber=1, Body=b'parts')['ETag']
    return answer(s3.complete_multipart_upload, Bucket='cond', Key=key, UploadId=upload, IfNoneMatch='*',
                  MultipartUpload={{'Parts': [{{'PartNumber': 1, 'ETag': part}}]}})
print(json.dumps([complete('k'), complete('fresh'),
                  s3.get_object(Bucket='cond', Key='k')['Body'].read().decode()]))"
        ),
        "CompleteMultipartUpload If-None-Match",
    );
    assert_eq!(out[0]["status"], 412, "{out}");
    assert_eq!(out[0]["code"], "PreconditionFailed");
    assert_eq!(out[1]["status"], 200, "{out}");
    assert_eq!(out[2], "conditional");
}

#[test]
fn two_concurrent_puts_if_none_match_star_one_wins() {
    let out = boto3(
        r#"
import threading
s3.create_bucket(Bucket="race")
outcomes = []
for round in range(10):
    results = [None, None]
    barrier = threading.Barrier(2)
    def put(i):
        barrier.wait()
        results[i] = answer(s3.put_object, Bucket="race", Key=f"k{round}", Body=f"writer {i}".encode(), IfNoneMatch="*")
    threads = [threading.Thread(target=put, args=(i,)) for i in range(2)]
    for t in threads: t.start()
    for t in threads: t.join()
    body = s3.get_object(Bucket="race", Key=f"k{round}")["Body"].read().decode()
    outcomes.append({"statuses": sorted(r["status"] for r in results),
                     "winner": [f"writer {i}" for i in range(2) if results[i]["status"] == 200],
                     "body": body})
print(json.dumps(outcomes))
"#,
        "concurrent If-None-Match",
    );
    for outcome in out.as_array().unwrap() {
        assert_eq!(outcome["statuses"], serde_json::json!([200, 412]), "{out}");
        assert_eq!(outcome["winner"][0], outcome["body"], "{out}");
    }
}

// ---- Checksums in responses --------------------------------------------------------------

/// `expected(algorithm, data)`: the base64 checksum boto3's own code computes, and a client
/// that asks for checksums in responses (`when_required`: only when told to, so that a test
/// sees what the server sends of itself).
const CHECKSUMS: &str = r#"
import base64
from botocore.httpchecksum import CrtCrc32Checksum, CrtCrc32cChecksum, CrtCrc64NvmeChecksum, Sha1Checksum, Sha256Checksum
from botocore.config import Config
KINDS = {"CRC32": CrtCrc32Checksum, "CRC32C": CrtCrc32cChecksum, "CRC64NVME": CrtCrc64NvmeChecksum,
         "SHA1": Sha1Checksum, "SHA256": Sha256Checksum}
def expected(algorithm, data):
    checksum = KINDS[algorithm]()
    checksum.update(data)
    return base64.b64encode(checksum.digest()).decode()
def raw(algorithm, value):
    return base64.b64decode(value)
plain = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
                     config=Config(signature_version="s3v4", response_checksum_validation="when_required"))
"#;

#[test]
fn get_and_head_with_checksum_mode_give_the_object_checksum() {
    let out = boto3(
        &format!(
            "{CHECKSUMS}
s3.create_bucket(Bucket='sums')
data = b'checksummed bytes' * 100
out = {{}}
for algorithm in KINDS:
    key = 'k-' + algorithm
    s3.put_object(Bucket='sums', Key=key, Body=data, ChecksumAlgorithm=algorithm)
    get = answer(plain.get_object, Bucket='sums', Key=key, ChecksumMode='ENABLED')
    head = answer(plain.head_object, Bucket='sums', Key=key, ChecksumMode='ENABLED')
    without = answer(plain.head_object, Bucket='sums', Key=key)
    header = 'x-amz-checksum-' + algorithm.lower()
    out[algorithm] = {{'expected': expected(algorithm, data), 'get': get['headers'].get(header),
                      'head': head['headers'].get(header), 'type': head['headers'].get('x-amz-checksum-type'),
                      'without': without['headers'].get(header), 'same': get['body'] == data.decode()}}
print(json.dumps(out))"
        ),
        "checksum mode",
    );
    for (algorithm, sums) in out.as_object().unwrap() {
        assert_eq!(sums["get"], sums["expected"], "{algorithm}: {out}");
        assert_eq!(sums["head"], sums["expected"], "{algorithm}: {out}");
        assert_eq!(sums["type"], "FULL_OBJECT", "{algorithm}: {out}");
        assert_eq!(sums["without"], Value::Null, "{algorithm}: {out}");
        assert_eq!(sums["same"], true, "{algorithm}: {out}");
    }
}

#[test]
fn a_ranged_get_carries_no_whole_object_checksum() {
    // A checksum of the whole object does not check a range: S3 sends none, and boto3,
    // which checks what it is sent, reads the range.
    let out = boto3(
        &format!(
            "{CHECKSUMS}
s3.create_bucket(Bucket='sums')
s3.put_object(Bucket='sums', Key='k', Body=b'0123456789', ChecksumAlgorithm='SHA256')
got = answer(s3.get_object, Bucket='sums', Key='k', Range='bytes=2-5', ChecksumMode='ENABLED')
print(json.dumps({{'status': got['status'], 'body': got.get('body'),
                  'sha256': got['headers'].get('x-amz-checksum-sha256')}}))"
        ),
        "ranged GET with checksum mode",
    );
    assert_eq!(out["status"], 206, "{out}");
    assert_eq!(out["body"], "2345");
    assert_eq!(out["sha256"], Value::Null);
}

#[test]
fn a_multipart_object_has_the_checksum_of_its_parts_checksums() {
    let out = boto3(
        &format!(
            "{CHECKSUMS}
import hashlib
s3.create_bucket(Bucket='sums')
parts = [b'a' * (5 << 20), b'b' * 1000]
upload = s3.create_multipart_upload(Bucket='sums', Key='mp', ChecksumAlgorithm='SHA256')['UploadId']
listed = []
for number, data in enumerate(parts, 1):
    part = s3.upload_part(Bucket='sums', Key='mp', UploadId=upload, PartNumber=number, Body=data,
                          ChecksumAlgorithm='SHA256')
    listed.append({{'PartNumber': number, 'ETag': part['ETag'], 'ChecksumSHA256': part['ChecksumSHA256']}})
list_parts = s3.list_parts(Bucket='sums', Key='mp', UploadId=upload)
done = answer(s3.complete_multipart_upload, Bucket='sums', Key='mp', UploadId=upload,
              MultipartUpload={{'Parts': listed}})
head = answer(plain.head_object, Bucket='sums', Key='mp', ChecksumMode='ENABLED')
composite = base64.b64encode(hashlib.sha256(b''.join(raw('SHA256', expected('SHA256', p)) for p in parts)).digest()).decode()
print(json.dumps({{'composite': composite + '-2',
                  'parts': [expected('SHA256', p) for p in parts],
                  'listed': [p.get('ChecksumSHA256') for p in list_parts['Parts']],
                  'complete': done['response'].get('ChecksumSHA256'),
                  'complete_type': done['response'].get('ChecksumType'),
                  'head': head['headers'].get('x-amz-checksum-sha256'),
                  'head_type': head['headers'].get('x-amz-checksum-type')}}))"
        ),
        "multipart checksums",
    );
    assert_eq!(out["listed"], out["parts"], "{out}");
    assert_eq!(out["complete"], out["composite"], "{out}");
    assert_eq!(out["complete_type"], "COMPOSITE", "{out}");
    assert_eq!(out["head"], out["composite"], "{out}");
    assert_eq!(out["head_type"], "COMPOSITE", "{out}");
}

#[test]
fn a_crc64nvme_multipart_object_has_the_crc_of_its_whole_bytes() {
    // S3 checksums a multipart upload of CRC64NVME as the whole object's CRC (FULL_OBJECT),
    // and compares a whole-object checksum given to CompleteMultipartUpload with it.
    let out = boto3(
        &format!(
            "{CHECKSUMS}
s3.create_bucket(Bucket='sums')
parts = [b'a' * (5 << 20), b'b' * 1000]
whole = b''.join(parts)
def upload(key, **complete):
    created = s3.create_multipart_upload(Bucket='sums', Key=key, ChecksumAlgorithm='CRC64NVME')
    listed = []
    for number, data in enumerate(parts, 1):
        part = s3.upload_part(Bucket='sums', Key=key, UploadId=created['UploadId'], PartNumber=number,
                              Body=data, ChecksumAlgorithm='CRC64NVME')
        listed.append({{'PartNumber': number, 'ETag': part['ETag'], 'ChecksumCRC64NVME': part['ChecksumCRC64NVME']}})
    done = answer(s3.complete_multipart_upload, Bucket='sums', Key=key, UploadId=created['UploadId'],
                  MultipartUpload={{'Parts': listed}}, **complete)
    return created, done
created, done = upload('mp')
head = answer(plain.head_object, Bucket='sums', Key='mp', ChecksumMode='ENABLED')
got = s3.get_object(Bucket='sums', Key='mp', ChecksumMode='ENABLED')
_, given = upload('given', ChecksumCRC64NVME=expected('CRC64NVME', whole), ChecksumType='FULL_OBJECT')
_, wrong = upload('wrong', ChecksumCRC64NVME=expected('CRC64NVME', b'other bytes'), ChecksumType='FULL_OBJECT')
print(json.dumps({{'expected': expected('CRC64NVME', whole),
                  'created_type': created.get('ChecksumType'),
                  'complete': done['response'].get('ChecksumCRC64NVME'),
                  'complete_type': done['response'].get('ChecksumType'),
                  'head': head['headers'].get('x-amz-checksum-crc64nvme'),
                  'head_type': head['headers'].get('x-amz-checksum-type'),
                  'validated_get': got['Body'].read() == whole,
                  'given': given['status'], 'wrong': wrong['status'], 'wrong_code': wrong.get('code')}}))"
        ),
        "CRC64NVME multipart",
    );
    assert_eq!(out["created_type"], "FULL_OBJECT", "{out}");
    assert_eq!(out["complete"], out["expected"], "{out}");
    assert_eq!(out["complete_type"], "FULL_OBJECT", "{out}");
    assert_eq!(out["head"], out["expected"], "{out}");
    assert_eq!(out["head_type"], "FULL_OBJECT", "{out}");
    assert_eq!(out["validated_get"], true, "{out}");
    assert_eq!(out["given"], 200, "{out}");
    assert_eq!(out["wrong"], 400, "{out}");
    assert_eq!(out["wrong_code"], "BadDigest", "{out}");
}

#[test]
fn a_crc32_multipart_upload_asked_for_a_full_object_checksum_gets_one() {
    // CRC32 and CRC32C are offered in both types (COMPOSITE unless asked); SHA256 only as
    // COMPOSITE, CRC64NVME only as FULL_OBJECT: S3 refuses the others.
    let out = boto3(
        &format!(
            "{CHECKSUMS}
s3.create_bucket(Bucket='sums')
parts = [b'c' * (5 << 20), b'd' * 1000]
created = s3.create_multipart_upload(Bucket='sums', Key='full', ChecksumAlgorithm='CRC32',
                                     ChecksumType='FULL_OBJECT')
listed = []
for number, data in enumerate(parts, 1):
    part = s3.upload_part(Bucket='sums', Key='full', UploadId=created['UploadId'], PartNumber=number,
                          Body=data, ChecksumAlgorithm='CRC32')
    listed.append({{'PartNumber': number, 'ETag': part['ETag'], 'ChecksumCRC32': part['ChecksumCRC32']}})
list_parts = s3.list_parts(Bucket='sums', Key='full', UploadId=created['UploadId'])
done = answer(s3.complete_multipart_upload, Bucket='sums', Key='full', UploadId=created['UploadId'],
              MultipartUpload={{'Parts': listed}})
refused = [answer(s3.create_multipart_upload, Bucket='sums', Key='no', ChecksumAlgorithm=algorithm,
                  ChecksumType=kind) for algorithm, kind in [('SHA256', 'FULL_OBJECT'), ('CRC64NVME', 'COMPOSITE')]]
print(json.dumps({{'expected': expected('CRC32', b''.join(parts)),
                  'created_type': created.get('ChecksumType'),
                  'listed_type': list_parts.get('ChecksumType'),
                  'complete': done['response'].get('ChecksumCRC32'),
                  'complete_type': done['response'].get('ChecksumType'),
                  'refused': [(r['status'], r.get('code')) for r in refused]}}))"
        ),
        "FULL_OBJECT CRC32 multipart",
    );
    assert_eq!(out["created_type"], "FULL_OBJECT", "{out}");
    assert_eq!(out["listed_type"], "FULL_OBJECT", "{out}");
    assert_eq!(out["complete"], out["expected"], "{out}");
    assert_eq!(out["complete_type"], "FULL_OBJECT", "{out}");
    let refused = serde_json::json!([[400, "InvalidRequest"], [400, "InvalidRequest"]]);
    assert_eq!(out["refused"], refused, "{out}");
}

#[test]
fn a_copy_keeps_the_checksum_algorithm_of_its_source() {
    let out = boto3(
        &format!(
            "{CHECKSUMS}
s3.create_bucket(Bucket='sums')
data = b'copied with its checksum'
s3.put_object(Bucket='sums', Key='source', Body=data, ChecksumAlgorithm='CRC32C')
s3.copy_object(Bucket='sums', Key='copy', CopySource={{'Bucket': 'sums', 'Key': 'source'}})
head = answer(plain.head_object, Bucket='sums', Key='copy', ChecksumMode='ENABLED')
print(json.dumps({{'expected': expected('CRC32C', data), 'copy': head['headers'].get('x-amz-checksum-crc32c')}}))"
        ),
        "copy's checksum",
    );
    assert_eq!(out["copy"], out["expected"], "{out}");
}

// ---- partNumber ----------------------------------------------------------------------------

/// A multipart object `parts/mp` of three parts (5 MiB of `a`, 5 MiB of `b`, 1,000 bytes of
/// `c`), and a single-part object `parts/single`.
const PARTS: &str = r#"
s3.create_bucket(Bucket="parts")
sizes = [5 << 20, 5 << 20, 1000]
upload = s3.create_multipart_upload(Bucket="parts", Key="mp")["UploadId"]
listed = []
for number, (size, fill) in enumerate(zip(sizes, b"abc"), 1):
    etag = s3.upload_part(Bucket="parts", Key="mp", UploadId=upload, PartNumber=number,
                          Body=bytes([fill]) * size)["ETag"]
    listed.append({"PartNumber": number, "ETag": etag})
s3.complete_multipart_upload(Bucket="parts", Key="mp", UploadId=upload, MultipartUpload={"Parts": listed})
s3.put_object(Bucket="parts", Key="single", Body=b"just one part")
def summary(a):
    body = a.get("body")
    return {"status": a["status"], "code": a.get("code"), "range": a["headers"].get("content-range"),
            "count": a["headers"].get("x-amz-mp-parts-count"), "length": a["headers"].get("content-length"),
            "fills": sorted(set(body)) if body is not None else None}
"#;

#[test]
fn get_and_head_of_a_part_of_a_multipart_object() {
    let out = boto3(
        &format!(
            "{PARTS}print(json.dumps([summary(answer(s3.get_object, Bucket='parts', Key='mp', PartNumber=2)),
                  summary(answer(s3.get_object, Bucket='parts', Key='mp', PartNumber=3)),
                  summary(answer(s3.head_object, Bucket='parts', Key='mp', PartNumber=1))]))"
        ),
        "partNumber",
    );
    let mib5 = 5 * 1024 * 1024;
    assert_eq!(out[0]["status"], 206, "{out}");
    assert_eq!(
        out[0]["range"],
        format!("bytes {mib5}-{}/{}", 2 * mib5 - 1, 2 * mib5 + 1000)
    );
    assert_eq!(out[0]["count"], "3");
    assert_eq!(out[0]["fills"], serde_json::json!(["b"]));
    assert_eq!(
        out[1]["range"],
        format!("bytes {}-{}/{}", 2 * mib5, 2 * mib5 + 999, 2 * mib5 + 1000)
    );
    assert_eq!(out[1]["fills"], serde_json::json!(["c"]));
    assert_eq!(out[2]["status"], 206, "{out}");
    assert_eq!(
        out[2]["range"],
        format!("bytes 0-{}/{}", mib5 - 1, 2 * mib5 + 1000)
    );
    assert_eq!(out[2]["length"], mib5.to_string());
    assert_eq!(out[2]["count"], "3");
}

#[test]
fn a_part_number_beyond_the_count_is_invalid_part_number() {
    let out = boto3(
        &format!(
            "{PARTS}print(json.dumps([summary(answer(s3.get_object, Bucket='parts', Key='mp', PartNumber=4)),
                  summary(answer(s3.get_object, Bucket='parts', Key='single', PartNumber=2))]))"
        ),
        "partNumber beyond the count",
    );
    for answer in out.as_array().unwrap() {
        assert_eq!(answer["status"], 416, "{out}");
        assert_eq!(answer["code"], "InvalidPartNumber", "{out}");
    }
}

#[test]
fn part_number_1_of_a_single_part_object_is_the_whole_object() {
    let out = boto3(
        &format!(
            "{PARTS}got = answer(s3.get_object, Bucket='parts', Key='single', PartNumber=1)
print(json.dumps(dict(summary(got), body=got['body'])))"
        ),
        "partNumber of a single-part object",
    );
    assert_eq!(out["status"], 206, "{out}");
    assert_eq!(out["body"], "just one part");
    assert_eq!(out["range"], "bytes 0-12/13");
    assert_eq!(out["count"], Value::Null);
}

#[test]
fn a_part_read_with_checksum_mode_carries_the_parts_checksum() {
    // boto3 checks the bytes it reads against the checksum it is sent: a part's own.
    let out = boto3(
        &format!(
            "{CHECKSUMS}
s3.create_bucket(Bucket='sums')
parts = [b'x' * (5 << 20), b'y' * 10]
upload = s3.create_multipart_upload(Bucket='sums', Key='mp', ChecksumAlgorithm='CRC32')['UploadId']
listed = []
for number, data in enumerate(parts, 1):
    part = s3.upload_part(Bucket='sums', Key='mp', UploadId=upload, PartNumber=number, Body=data,
                          ChecksumAlgorithm='CRC32')
    listed.append({{'PartNumber': number, 'ETag': part['ETag'], 'ChecksumCRC32': part['ChecksumCRC32']}})
s3.complete_multipart_upload(Bucket='sums', Key='mp', UploadId=upload, MultipartUpload={{'Parts': listed}})
got = answer(s3.get_object, Bucket='sums', Key='mp', PartNumber=2, ChecksumMode='ENABLED')
print(json.dumps({{'status': got['status'], 'body': got.get('body'), 'crc32': got['headers'].get('x-amz-checksum-crc32'),
                  'expected': expected('CRC32', parts[1])}}))"
        ),
        "a part's checksum",
    );
    assert_eq!(out["status"], 206, "{out}");
    assert_eq!(out["body"], "yyyyyyyyyy");
    assert_eq!(out["crc32"], out["expected"], "{out}");
}

// ---- Object tagging ------------------------------------------------------------------------

#[test]
fn object_tags_are_put_got_and_deleted() {
    let out = boto3(
        r#"
s3.create_bucket(Bucket="tags")
put = s3.put_object(Bucket="tags", Key="k", Body=b"tagged")
before = s3.get_object_tagging(Bucket="tags", Key="k")["TagSet"]
tagged = answer(s3.put_object_tagging, Bucket="tags", Key="k",
                Tagging={"TagSet": [{"Key": "colour", "Value": "blue"}, {"Key": "size é", "Value": ""}]})
after = s3.get_object_tagging(Bucket="tags", Key="k")["TagSet"]
head = answer(s3.head_object, Bucket="tags", Key="k")
deleted = answer(s3.delete_object_tagging, Bucket="tags", Key="k")
gone = s3.get_object_tagging(Bucket="tags", Key="k")["TagSet"]
untagged = answer(s3.head_object, Bucket="tags", Key="k")
print(json.dumps({"before": before, "put": tagged["status"], "after": after,
                  "count": head["headers"].get("x-amz-tagging-count"), "etag": [put["ETag"], head["headers"]["etag"]],
                  "deleted": deleted["status"], "gone": gone,
                  "count_after": untagged["headers"].get("x-amz-tagging-count")}))
"#,
        "object tagging",
    );
    assert_eq!(out["before"], serde_json::json!([]), "{out}");
    assert_eq!(out["put"], 200, "{out}");
    assert_eq!(
        out["after"],
        serde_json::json!([{"Key": "colour", "Value": "blue"}, {"Key": "size é", "Value": ""}])
    );
    assert_eq!(out["count"], "2");
    // Tags change no byte of the object: its ETag stays.
    assert_eq!(out["etag"][0], out["etag"][1]);
    assert_eq!(out["deleted"], 204);
    assert_eq!(out["gone"], serde_json::json!([]));
    assert_eq!(out["count_after"], Value::Null);
}

#[test]
fn a_put_with_x_amz_tagging_tags_the_object() {
    let out = boto3(
        r#"
s3.create_bucket(Bucket="tags")
s3.put_object(Bucket="tags", Key="k", Body=b"tagged", Tagging="project=blue%20sky&empty=&a%26b=c%3Dd")
got = answer(s3.get_object, Bucket="tags", Key="k")
print(json.dumps({"count": got["headers"].get("x-amz-tagging-count"),
                  "tags": s3.get_object_tagging(Bucket="tags", Key="k")["TagSet"]}))
"#,
        "x-amz-tagging",
    );
    assert_eq!(out["count"], "3", "{out}");
    assert_eq!(
        out["tags"],
        serde_json::json!([
            {"Key": "project", "Value": "blue sky"},
            {"Key": "empty", "Value": ""},
            {"Key": "a&b", "Value": "c=d"}
        ])
    );
}

#[test]
fn tags_beyond_s3s_limits_are_invalid_tag() {
    let out = boto3(
        r#"
s3.create_bucket(Bucket="tags")
s3.put_object(Bucket="tags", Key="k", Body=b"x")
def tagging(tags):
    return answer(s3.put_object_tagging, Bucket="tags", Key="k",
                  Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags]})
refused = [
    tagging([(f"k{i}", "v") for i in range(11)]),
    tagging([("k" * 129, "v")]),
    tagging([("k", "v" * 257)]),
    tagging([("same", "1"), ("same", "2")]),
    tagging([("aws:reserved", "v")]),
    answer(s3.put_object, Bucket="tags", Key="h", Body=b"x", Tagging="&".join(f"k{i}=v" for i in range(11))),
]
# The limits count characters, not bytes.
accepted = [tagging([("é" * 128, "ü" * 256)]), tagging([(f"k{i}", "v") for i in range(10)])]
print(json.dumps({"refused": [[r["status"], r.get("code")] for r in refused],
                  "accepted": [r["status"] for r in accepted],
                  "kept": len(s3.get_object_tagging(Bucket="tags", Key="k")["TagSet"]),
                  "h": answer(s3.head_object, Bucket="tags", Key="h")["status"]}))
"#,
        "tag limits",
    );
    for refused in out["refused"].as_array().unwrap() {
        assert_eq!(refused, &serde_json::json!([400, "InvalidTag"]), "{out}");
    }
    assert_eq!(out["accepted"], serde_json::json!([200, 200]), "{out}");
    assert_eq!(out["kept"], 10);
    assert_eq!(out["h"], 404, "a PUT with bad tags stores nothing: {out}");
}

#[test]
fn tagging_a_missing_key_is_no_such_key() {
    let out = boto3(
        r#"
s3.create_bucket(Bucket="tags")
print(json.dumps([answer(s3.get_object_tagging, Bucket="tags", Key="absent"),
                  answer(s3.put_object_tagging, Bucket="tags", Key="absent", Tagging={"TagSet": []})]))
"#,
        "tags of a missing key",
    );
    for answer in out.as_array().unwrap() {
        assert_eq!(answer["status"], 404, "{out}");
        assert_eq!(answer["code"], "NoSuchKey", "{out}");
    }
}

#[test]
fn multipart_uploads_and_copies_carry_tags() {
    let out = boto3(
        r#"
s3.create_bucket(Bucket="tags")
upload = s3.create_multipart_upload(Bucket="tags", Key="mp", Tagging="from=upload")["UploadId"]
etag = s3.upload_part(Bucket="tags", Key="mp", UploadId=upload, PartNumber=1, Body=b"part")["ETag"]
s3.complete_multipart_upload(Bucket="tags", Key="mp", UploadId=upload,
                             MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
s3.copy_object(Bucket="tags", Key="copied", CopySource={"Bucket": "tags", "Key": "mp"})
s3.copy_object(Bucket="tags", Key="replaced", CopySource={"Bucket": "tags", "Key": "mp"},
               TaggingDirective="REPLACE", Tagging="from=copy")
tags = lambda key: s3.get_object_tagging(Bucket="tags", Key=key)["TagSet"]
print(json.dumps({"mp": tags("mp"), "copied": tags("copied"), "replaced": tags("replaced")}))
"#,
        "tags of uploads and copies",
    );
    assert_eq!(
        out["mp"],
        serde_json::json!([{"Key": "from", "Value": "upload"}]),
        "{out}"
    );
    assert_eq!(out["copied"], out["mp"], "{out}");
    assert_eq!(
        out["replaced"],
        serde_json::json!([{"Key": "from", "Value": "copy"}]),
        "{out}"
    );
}

// ---- CORS ----------------------------------------------------------------------------------

/// A bucket `web` with two CORS rules, and `preflight(path, origin, method, headers)`: an
/// unsigned OPTIONS, as a browser sends it, with its status, code and `Access-Control-*`
/// headers.
const CORS: &str = r#"
import http.client, urllib.parse
s3.create_bucket(Bucket="web")
s3.put_object(Bucket="web", Key="page.html", Body=b"<html/>")
rules = [
    {"ID": "app", "AllowedOrigins": ["https://app.example"], "AllowedMethods": ["GET", "PUT"],
     "AllowedHeaders": ["content-type", "x-amz-meta-*"], "ExposeHeaders": ["ETag", "x-amz-request-id"],
     "MaxAgeSeconds": 600},
    {"AllowedOrigins": ["https://*.cdn.example"], "AllowedMethods": ["GET", "HEAD"]},
]
def preflight(path, origin=None, method=None, headers=None):
    address = urllib.parse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(address.hostname, address.port)
    sent = {}
    if origin: sent["Origin"] = origin
    if method: sent["Access-Control-Request-Method"] = method
    if headers: sent["Access-Control-Request-Headers"] = headers
    connection.request("OPTIONS", path, headers=sent)
    response = connection.getresponse()
    text = response.read().decode()
    code = text.split("<Code>")[1].split("</Code>")[0] if "<Code>" in text else None
    return {"status": response.status, "code": code, "text": text,
            "headers": {k.lower(): v for k, v in response.getheaders() if k.lower().startswith("access-control")}}
"#;

#[test]
fn bucket_cors_is_put_got_and_deleted() {
    let out = boto3(
        &format!(
            "{CORS}
before = answer(s3.get_bucket_cors, Bucket='web')
put = answer(s3.put_bucket_cors, Bucket='web', CORSConfiguration={{'CORSRules': rules}})
got = answer(s3.get_bucket_cors, Bucket='web')
deleted = answer(s3.delete_bucket_cors, Bucket='web')
after = answer(s3.get_bucket_cors, Bucket='web')
print(json.dumps({{'before': [before['status'], before.get('code')], 'put': put['status'],
                  'rules': got['response'].get('CORSRules'), 'deleted': deleted['status'],
                  'after': [after['status'], after.get('code')], 'sent': rules}}))"
        ),
        "bucket CORS",
    );
    assert_eq!(
        out["before"],
        serde_json::json!([404, "NoSuchCORSConfiguration"]),
        "{out}"
    );
    assert_eq!(out["put"], 200, "{out}");
    assert_eq!(out["rules"], out["sent"], "{out}");
    assert_eq!(out["deleted"], 204, "{out}");
    assert_eq!(
        out["after"],
        serde_json::json!([404, "NoSuchCORSConfiguration"]),
        "{out}"
    );
}

#[test]
fn a_cors_configuration_s3_refuses_is_refused() {
    let out = boto3(
        &format!(
            "{CORS}
def put(rules):
    a = answer(s3.put_bucket_cors, Bucket='web', CORSConfiguration={{'CORSRules': rules}})
    return [a['status'], a.get('code')]
print(json.dumps([
    put([{{'AllowedOrigins': ['*'], 'AllowedMethods': ['PATCH']}}]),
    put([{{'AllowedOrigins': ['https://*.*.example'], 'AllowedMethods': ['GET']}}]),
    put([{{'AllowedOrigins': ['*'], 'AllowedMethods': ['GET']}}] * 101),
    answer(s3.get_bucket_cors, Bucket='web')['status'],
]))"
        ),
        "CORS configurations refused",
    );
    assert_eq!(out[0], serde_json::json!([400, "InvalidRequest"]), "{out}");
    assert_eq!(out[1], serde_json::json!([400, "InvalidRequest"]), "{out}");
    assert_eq!(out[2], serde_json::json!([400, "MalformedXML"]), "{out}");
    assert_eq!(out[3], 404, "nothing was kept: {out}");
}

#[test]
fn an_unsigned_preflight_is_answered_from_the_buckets_rules() {
    let out = boto3(
        &format!(
            "{CORS}
s3.put_bucket_cors(Bucket='web', CORSConfiguration={{'CORSRules': rules}})
print(json.dumps({{
    'app': preflight('/web/page.html', 'https://app.example', 'PUT', 'Content-Type, X-Amz-Meta-Colour'),
    'cdn': preflight('/web/page.html', 'https://eu.cdn.example', 'HEAD'),
    'bucket': preflight('/web', 'https://app.example', 'GET'),
}}))"
        ),
        "preflights allowed",
    );
    let app = &out["app"];
    assert_eq!(app["status"], 200, "{out}");
    assert_eq!(
        app["headers"]["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(app["headers"]["access-control-allow-methods"], "GET, PUT");
    assert_eq!(
        app["headers"]["access-control-allow-headers"],
        "content-type, x-amz-meta-colour"
    );
    assert_eq!(
        app["headers"]["access-control-expose-headers"],
        "ETag, x-amz-request-id"
    );
    assert_eq!(app["headers"]["access-control-max-age"], "600");
    let cdn = &out["cdn"];
    assert_eq!(cdn["status"], 200, "{out}");
    assert_eq!(
        cdn["headers"]["access-control-allow-origin"],
        "https://eu.cdn.example"
    );
    assert_eq!(cdn["headers"]["access-control-allow-methods"], "GET, HEAD");
    assert_eq!(out["bucket"]["status"], 200, "{out}");
}

#[test]
fn a_preflight_no_rule_allows_is_403() {
    let out = boto3(
        &format!(
            "{CORS}
s3.create_bucket(Bucket='closed')
s3.put_bucket_cors(Bucket='web', CORSConfiguration={{'CORSRules': rules}})
print(json.dumps([
    preflight('/web/page.html', 'https://evil.example', 'GET'),
    preflight('/web/page.html', 'https://app.example', 'DELETE'),
    preflight('/web/page.html', 'https://app.example', 'PUT', 'x-amz-acl'),
    preflight('/web/page.html', 'https://eu.cdn.example', 'PUT'),
    preflight('/closed/page.html', 'https://app.example', 'GET'),
]))"
        ),
        "preflights refused",
    );
    for refused in out.as_array().unwrap() {
        assert_eq!(refused["status"], 403, "{out}");
        assert_eq!(refused["code"], "AccessForbidden", "{out}");
        assert!(
            refused["text"]
                .as_str()
                .unwrap()
                .contains("CORSResponse: This CORS request is not allowed"),
            "{out}"
        );
        assert_eq!(refused["headers"], serde_json::json!({}), "{out}");
    }
}

#[test]
fn unsigned_requests_that_are_not_preflights_are_still_refused() {
    let out = boto3(
        &format!(
            "{CORS}
s3.put_bucket_cors(Bucket='web', CORSConfiguration={{'CORSRules': rules}})
address = urllib.parse.urlsplit(endpoint)
def unsigned(method, headers):
    connection = http.client.HTTPConnection(address.hostname, address.port)
    connection.request(method, '/web/page.html', headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    return [response.status, text.split('<Code>')[1].split('</Code>')[0] if '<Code>' in text else text]
print(json.dumps([
    unsigned('GET', {{'Origin': 'https://app.example'}}),
    unsigned('OPTIONS', {{'Origin': 'https://app.example'}}),
    unsigned('OPTIONS', {{'Access-Control-Request-Method': 'GET'}}),
    unsigned('DELETE', {{'Origin': 'https://app.example', 'Access-Control-Request-Method': 'DELETE'}}),
]))"
        ),
        "unsigned requests",
    );
    for refused in out.as_array().unwrap() {
        assert_eq!(refused, &serde_json::json!([403, "AccessDenied"]), "{out}");
    }
}

#[test]
fn a_signed_request_from_an_allowed_origin_carries_cors_headers() {
    let out = boto3(
        &format!(
            "{CORS}
s3.put_bucket_cors(Bucket='web', CORSConfiguration={{'CORSRules': rules}})
origin = {{'value': None}}
def add_origin(request, **kwargs):
    if origin['value']:
        request.headers['Origin'] = origin['value']
s3.meta.events.register('before-sign.s3.GetObject', add_origin)
def get(value):
    origin['value'] = value
    return answer(s3.get_object, Bucket='web', Key='page.html')['headers']
print(json.dumps({{'app': get('https://app.example'), 'evil': get('https://evil.example'), 'none': get(None)}}))"
        ),
        "CORS on actual requests",
    );
    let app = &out["app"];
    assert_eq!(
        app["access-control-allow-origin"], "https://app.example",
        "{out}"
    );
    assert_eq!(app["access-control-allow-methods"], "GET, PUT");
    assert_eq!(
        app["access-control-expose-headers"],
        "ETag, x-amz-request-id"
    );
    assert_eq!(
        app["vary"],
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
    );
    for other in ["evil", "none"] {
        assert_eq!(
            out[other]["access-control-allow-origin"],
            Value::Null,
            "{out}"
        );
    }
}

// ---- Listings for cleanup, versioning, location ---------------------------------------------

/// A bucket `old` holding five objects, two of them under `dir/`.
const FIVE: &str = r#"
s3.create_bucket(Bucket="old")
for key in ["a", "b", "dir/c", "dir/d", "e"]:
    s3.put_object(Bucket="old", Key=key, Body=key.encode())
"#;

#[test]
fn list_objects_v1_pages_with_its_marker() {
    let out = boto3(
        &format!(
            "{FIVE}
pages, marker = [], ''
while True:
    page = s3.list_objects(Bucket='old', MaxKeys=2, Marker=marker)
    keys = [o['Key'] for o in page.get('Contents', [])]
    pages.append(keys)
    if not page['IsTruncated']:
        break
    marker = page.get('NextMarker') or keys[-1]
grouped = s3.list_objects(Bucket='old', Delimiter='/')
paginated = [o['Key'] for p in s3.get_paginator('list_objects').paginate(Bucket='old', PaginationConfig={{'PageSize': 2}})
             for o in p.get('Contents', [])]
print(json.dumps({{'pages': pages, 'keys': [o['Key'] for o in grouped['Contents']],
                  'prefixes': [p['Prefix'] for p in grouped['CommonPrefixes']], 'paginated': paginated}}))"
        ),
        "ListObjects",
    );
    assert_eq!(
        out["pages"],
        serde_json::json!([["a", "b"], ["dir/c", "dir/d"], ["e"]]),
        "{out}"
    );
    assert_eq!(out["keys"], serde_json::json!(["a", "b", "e"]));
    assert_eq!(out["prefixes"], serde_json::json!(["dir/"]));
    assert_eq!(
        out["paginated"],
        serde_json::json!(["a", "b", "dir/c", "dir/d", "e"])
    );
}

#[test]
fn list_object_versions_of_an_unversioned_bucket_gives_null_versions() {
    let out = boto3(
        &format!(
            "{FIVE}
first = s3.list_object_versions(Bucket='old', MaxKeys=3)
rest = s3.list_object_versions(Bucket='old', KeyMarker=first['NextKeyMarker'],
                               VersionIdMarker=first['NextVersionIdMarker'])
grouped = s3.list_object_versions(Bucket='old', Delimiter='/', Prefix='')
def versions(page):
    return [[v['Key'], v['VersionId'], v['IsLatest'], v['Size']] for v in page.get('Versions', [])]
print(json.dumps({{'first': versions(first), 'truncated': first['IsTruncated'],
                  'markers': [first.get('NextKeyMarker'), first.get('NextVersionIdMarker')],
                  'rest': versions(rest), 'rest_truncated': rest['IsTruncated'],
                  'markers_sent': [rest.get('KeyMarker'), rest.get('VersionIdMarker')],
                  'grouped': versions(grouped), 'prefixes': [p['Prefix'] for p in grouped.get('CommonPrefixes', [])],
                  'delete_markers': first.get('DeleteMarkers', [])}}))"
        ),
        "ListObjectVersions",
    );
    assert_eq!(
        out["first"],
        serde_json::json!([
            ["a", "null", true, 1],
            ["b", "null", true, 1],
            ["dir/c", "null", true, 5]
        ]),
        "{out}"
    );
    assert_eq!(out["truncated"], true);
    assert_eq!(out["markers"], serde_json::json!(["dir/c", "null"]));
    assert_eq!(
        out["rest"],
        serde_json::json!([["dir/d", "null", true, 5], ["e", "null", true, 1]])
    );
    assert_eq!(out["rest_truncated"], false);
    assert_eq!(out["markers_sent"], serde_json::json!(["dir/c", "null"]));
    assert_eq!(out["prefixes"], serde_json::json!(["dir/"]));
    assert_eq!(out["grouped"].as_array().unwrap().len(), 3);
    assert_eq!(out["delete_markers"], serde_json::json!([]));
}

#[test]
fn boto3_deletes_every_object_version_and_then_the_bucket() {
    // What cleanup code does with a bucket it does not know to be versioned or not.
    let out = boto3(
        &format!(
            "{FIVE}
bucket = boto3.resource('s3', endpoint_url=endpoint, region_name='us-east-1',
                        aws_access_key_id=os.environ['AKID'], aws_secret_access_key=os.environ['SECRET'],
                        config=Config(signature_version='s3v4')).Bucket('old')
bucket.object_versions.delete()
left = s3.list_objects_v2(Bucket='old')['KeyCount']
bucket.delete()
print(json.dumps({{'left': left, 'buckets': [b['Name'] for b in s3.list_buckets()['Buckets']]}}))"
        ),
        "object_versions.delete()",
    );
    assert_eq!(out["left"], 0, "{out}");
    assert_eq!(out["buckets"], serde_json::json!([]), "{out}");
}

#[test]
fn aws_s3_rb_force_empties_and_removes_the_bucket() {
    let server = Server::start();
    server.mb("full");
    let work = tempfile::tempdir().unwrap();
    for name in ["a.txt", "b.txt"] {
        std::fs::write(work.path().join(name), name).unwrap();
    }
    server.aws_ok(&[
        "s3",
        "cp",
        "--recursive",
        "--no-progress",
        &work.path().to_string_lossy(),
        "s3://full/nested/dir",
    ]);
    server.aws_ok(&["s3", "rb", "--force", "s3://full"]);
    let buckets = server.s3api(&["list-buckets"]);
    assert_eq!(buckets["Buckets"], serde_json::json!([]), "{buckets}");
    assert!(!server.data().join("full").exists());
}

#[test]
fn get_bucket_versioning_of_an_unversioned_bucket_is_empty() {
    let out = boto3(
        r#"
s3.create_bucket(Bucket="plain")
print(json.dumps(answer(s3.get_bucket_versioning, Bucket="plain")))
"#,
        "GetBucketVersioning",
    );
    assert_eq!(out["status"], 200, "{out}");
    assert_eq!(out["response"], serde_json::json!({}), "{out}");
}

#[test]
fn get_bucket_location_of_us_east_1_is_empty() {
    let out = boto3(
        r#"
s3.create_bucket(Bucket="here")
print(json.dumps([answer(s3.get_bucket_location, Bucket="here"),
                  answer(s3.get_bucket_location, Bucket="nowhere")]))
"#,
        "GetBucketLocation",
    );
    assert_eq!(out[0]["status"], 200, "{out}");
    assert_eq!(
        out[0]["response"]["LocationConstraint"],
        Value::Null,
        "{out}"
    );
    assert_eq!(out[1]["status"], 404, "{out}");
    assert_eq!(out[1]["code"], "NoSuchBucket");
}

#[test]
fn the_null_version_of_an_object_is_the_object() {
    let out = boto3(
        &format!(
            "{FIVE}
print(json.dumps([answer(s3.get_object, Bucket='old', Key='a', VersionId='null'),
                  answer(s3.head_object, Bucket='old', Key='a', VersionId='null'),
                  answer(s3.get_object, Bucket='old', Key='a', VersionId='3HL4kqtJlcpXroDTDmJ'),
                  answer(s3.delete_object, Bucket='old', Key='a', VersionId='null'),
                  answer(s3.head_object, Bucket='old', Key='a')]))"
        ),
        "versionId=null",
    );
    assert_eq!(out[0]["status"], 200, "{out}");
    assert_eq!(out[0]["body"], "a");
    assert_eq!(out[1]["status"], 200, "{out}");
    assert_eq!(out[2]["status"], 400, "{out}");
    assert_eq!(out[2]["code"], "InvalidArgument");
    assert_eq!(out[3]["status"], 204, "{out}");
    assert_eq!(out[4]["status"], 404, "{out}");
}

// ---- Multipart edge cases ------------------------------------------------------------------

/// `start(key)`: a new upload's id; `part(key, upload, number, data)`: the part's ETag.
const MULTIPART: &str = r#"
s3.create_bucket(Bucket="multi")
def start(key):
    return s3.create_multipart_upload(Bucket="multi", Key=key)["UploadId"]
def part(key, upload, number, data):
    return s3.upload_part(Bucket="multi", Key=key, UploadId=upload, PartNumber=number, Body=data)["ETag"]
def complete(key, upload, parts):
    return answer(s3.complete_multipart_upload, Bucket="multi", Key=key, UploadId=upload,
                  MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]})
"#;

#[test]
fn completing_a_completed_upload_is_no_such_upload() {
    let out = boto3(
        &format!(
            "{MULTIPART}
upload = start('k')
etag = part('k', upload, 1, b'once')
print(json.dumps([complete('k', upload, [(1, etag)]), complete('k', upload, [(1, etag)]),
                  s3.get_object(Bucket='multi', Key='k')['Body'].read().decode()]))"
        ),
        "complete twice",
    );
    assert_eq!(out[0]["status"], 200, "{out}");
    assert_eq!(out[1]["status"], 404, "{out}");
    assert_eq!(out[1]["code"], "NoSuchUpload");
    assert_eq!(out[2], "once");
}

#[test]
fn a_part_uploaded_again_before_completing_is_the_last_one() {
    let out = boto3(
        &format!(
            "{MULTIPART}
upload = start('k')
first = part('k', upload, 1, b'first bytes')
second = part('k', upload, 1, b'second bytes')
listed = s3.list_parts(Bucket='multi', Key='k', UploadId=upload)['Parts']
print(json.dumps({{'listed': [[p['PartNumber'], p['ETag'], p['Size']] for p in listed], 'second': second,
                  'with_first': complete('k', upload, [(1, first)]),
                  'with_second': complete('k', upload, [(1, second)]),
                  'body': s3.get_object(Bucket='multi', Key='k')['Body'].read().decode()}}))"
        ),
        "a part sent again",
    );
    assert_eq!(
        out["listed"],
        serde_json::json!([[1, out["second"], 12]]),
        "{out}"
    );
    assert_eq!(out["with_first"]["status"], 400, "{out}");
    assert_eq!(out["with_first"]["code"], "InvalidPart");
    assert_eq!(out["with_second"]["status"], 200, "{out}");
    assert_eq!(out["body"], "second bytes");
}

#[test]
fn a_copy_part_range_outside_the_source_is_invalid_range() {
    let out = boto3(
        &format!(
            "{MULTIPART}
s3.put_object(Bucket='multi', Key='source', Body=b'0123456789')
upload = start('k')
def copy(range):
    return answer(s3.upload_part_copy, Bucket='multi', Key='k', UploadId=upload, PartNumber=1,
                  CopySource={{'Bucket': 'multi', 'Key': 'source'}}, CopySourceRange=range)
print(json.dumps([copy('bytes=5-10'), copy('bytes=10-12'), copy('bytes=2-4'), copy('bytes=4-2')]))"
        ),
        "copy-part ranges",
    );
    for outside in [&out[0], &out[1]] {
        assert_eq!(outside["status"], 416, "{out}");
        assert_eq!(outside["code"], "InvalidRange", "{out}");
    }
    assert_eq!(out[2]["status"], 200, "{out}");
    assert_eq!(out[3]["status"], 400, "{out}");
    assert_eq!(out[3]["code"], "InvalidArgument", "{out}");
}

#[test]
fn parts_out_of_order_are_invalid_part_order() {
    let out = boto3(
        &format!(
            "{MULTIPART}
upload = start('k')
one = part('k', upload, 1, b'a' * (5 << 20))
two = part('k', upload, 2, b'b')
print(json.dumps(complete('k', upload, [(2, two), (1, one)])))"
        ),
        "parts out of order",
    );
    assert_eq!(out["status"], 400, "{out}");
    assert_eq!(out["code"], "InvalidPartOrder");
}

#[test]
fn a_small_part_but_the_last_is_entity_too_small() {
    let out = boto3(
        &format!(
            "{MULTIPART}
upload = start('k')
one = part('k', upload, 1, b'a' * 1000)
two = part('k', upload, 2, b'b')
print(json.dumps([complete('k', upload, [(1, one), (2, two)]), complete('k', upload, [(2, two)])]))"
        ),
        "a small part",
    );
    assert_eq!(out[0]["status"], 400, "{out}");
    assert_eq!(out[0]["code"], "EntityTooSmall");
    // The last part alone may be small.
    assert_eq!(out[1]["status"], 200, "{out}");
}

// ---- Operations the frontend lacks ---------------------------------------------------------

#[test]
fn an_unsupported_operation_is_not_implemented_naming_it() {
    let out = boto3(
        r#"
s3.create_bucket(Bucket="lacking")
s3.put_object(Bucket="lacking", Key="k", Body=b"x")
calls = {
    "PutBucketLifecycleConfiguration": lambda: s3.put_bucket_lifecycle_configuration(
        Bucket="lacking", LifecycleConfiguration={"Rules": [{"ID": "r", "Status": "Enabled",
        "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}]}),
    "PutBucketVersioning": lambda: s3.put_bucket_versioning(
        Bucket="lacking", VersioningConfiguration={"Status": "Enabled"}),
    "GetObjectAcl": lambda: s3.get_object_acl(Bucket="lacking", Key="k"),
    "GetBucketWebsite": lambda: s3.get_bucket_website(Bucket="lacking"),
    "PutObjectLegalHold": lambda: s3.put_object_legal_hold(Bucket="lacking", Key="k",
        LegalHold={"Status": "ON"}),
}
print(json.dumps({name: answer(call) for name, call in calls.items()}))
"#,
        "unsupported operations",
    );
    for (name, answer) in out.as_object().unwrap() {
        assert_eq!(answer["status"], 501, "{name}: {out}");
        assert_eq!(answer["code"], "NotImplemented", "{name}: {out}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!("{name} is not implemented")),
            "{name}: {message}"
        );
    }
}
