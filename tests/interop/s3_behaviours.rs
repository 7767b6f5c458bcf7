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
