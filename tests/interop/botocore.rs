//! botocore as a real client, run from Python once per kind of run and shared by the tests:
//! its four SigV4 signers (`SigV4Auth`, `S3SigV4Auth`, `SigV4QueryAuth`, `S3SigV4QueryAuth`)
//! send requests to the loopback servers, which accept them; sign requests with awkward paths,
//! queries, headers and bodies that the core verifies (and refuses with the path changed);
//! and its CRT SigV4a signers sign requests the layer accepts, unless their region set leaves
//! the server's region out.

use std::sync::LazyLock;

use serde_json::{json, Value};

use crate::python;

/// The signer classes, by name.
const SIGNERS: &str = r#"
from botocore.auth import SigV4Auth, S3SigV4Auth, SigV4QueryAuth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

classes = {c.__name__: c for c in (SigV4Auth, S3SigV4Auth, SigV4QueryAuth, S3SigV4QueryAuth)}

def sign(case):
    request = AWSRequest(method=case["method"], url=case["url"], data=bytes.fromhex(case["body_hex"]),
                         headers=case["headers"], params=[tuple(p) for p in case["params"]])
    credentials = Credentials(case["akid"], case["secret"], case.get("token"))
    cls = classes[case["auth"]]
    signer = cls(credentials, case["service"], "us-east-1", expires=300) \
        if case["auth"].endswith("QueryAuth") else cls(credentials, case["service"], "us-east-1")
    signer.add_auth(request)
    return request.prepare()
"#;

/// A request for botocore to sign: the signer class, the service, the method, the URL, the
/// query parameters, the headers and the body.
struct Case {
    auth: &'static str,
    service: &'static str,
    method: &'static str,
    url: String,
    params: &'static [(&'static str, &'static str)],
    headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
    token: Option<&'static str>,
}

impl Case {
    /// The case as the scripts read it.
    fn json(&self) -> Value {
        let headers: serde_json::Map<String, Value> = self
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), json!(v)))
            .collect();
        let mut case = json!({
            "auth": self.auth, "service": self.service, "method": self.method, "url": self.url,
            "params": self.params, "headers": headers, "body_hex": hex::encode(self.body),
            "akid": crate::verify::AKID, "secret": crate::verify::SECRET,
        });
        if let Some(token) = self.token {
            case["token"] = json!(token);
        }
        case
    }
}

/// Requests botocore signs and sends to the loopback servers (for both ways their stores
/// answer), each accepted.
mod sends {
    use std::sync::LazyLock;

    use serde_json::Value;

    use super::Case;
    use crate::api_server::{api_with, s3_with, Answer, Lookups, BOTH, SERVICE};

    /// Signs each case, sends it with urllib, and prints the status and body of each answer.
    const SEND: &str = r#"
import json, sys, urllib.request, urllib.error
out = []
for case in json.load(sys.stdin):
    prepared = sign(case)
    body = prepared.body or None
    if isinstance(body, str):
        body = body.encode()
    sent = urllib.request.Request(prepared.url, data=body, method=prepared.method,
                                  headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(sent, timeout=10) as response:
            out.append({"status": response.status, "body": response.read().decode("utf-8", "replace")})
    except urllib.error.HTTPError as e:
        out.append({"status": e.code, "body": e.read().decode("utf-8", "replace")})
json.dump(out, sys.stdout)
"#;

    /// A request to send: its name, its signer class, the server it goes to, and its method,
    /// path, query parameters and body.
    type Sent = (
        &'static str,
        &'static str,
        fn(Lookups) -> std::net::SocketAddr,
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
    );

    /// One test per request: sent to each server of its kind, it is accepted.
    macro_rules! sent {
        ($(
            $name:ident: $auth:literal to $server:ident,
            $method:literal $path:literal $params:expr, $body:literal;
        )*) => {
            const SENT: &[Sent] = &[
                $((stringify!($name), $auth, $server, $method, $path, $params, $body)),*
            ];
            $(
                #[test]
                fn $name() {
                    assert_accepted(stringify!($name));
                }
            )*
        };
    }

    sent! {
        sigv4auth_get: "SigV4Auth" to api_with, "GET" "/whoami" &[], "";
        sigv4auth_get_of_an_odd_path_with_a_repeated_key: "SigV4Auth" to api_with,
            "GET" "/a%20b/%E1%88%B4/c+d/%2B" &[("q", "a b+c"), ("ሴ", "é"), ("q", "again")], "";
        sigv4auth_post_json: "SigV4Auth" to api_with, "POST" "/echo" &[], r#"{"name":"widget"}"#;
        sigv4auth_get_of_reserved_characters: "SigV4Auth" to api_with,
            "GET" "/reserved/!$'()*,;=:@" &[("slash", "/?#[]")], "";
        sigv4queryauth_get: "SigV4QueryAuth" to api_with, "GET" "/whoami" &[], "";
        sigv4queryauth_get_of_an_odd_path: "SigV4QueryAuth" to api_with,
            "GET" "/a%20b/%E1%88%B4" &[("k", "v w")], "";
        s3sigv4auth_put: "S3SigV4Auth" to s3_with, "PUT" "/echo" &[], "object body";
        s3sigv4auth_get_of_an_odd_key_with_a_prefix: "S3SigV4Auth" to s3_with,
            "GET" "/bucket/key%20with%20spaces/%E6%97%A5%E6%9C%AC%2Bplus"
            &[("prefix", "photos/2024 trip/")], "";
        s3sigv4queryauth_get: "S3SigV4QueryAuth" to s3_with,
            "GET" "/bucket/presigned%20key" &[], "";
    }

    /// Every request sent for both ways the stores answer, and the answers, in one run.
    static ANSWERS: LazyLock<Vec<(Lookups, &'static str, Answer)>> = LazyLock::new(|| {
        let mut runs = Vec::new();
        let mut cases = Vec::new();
        for lookups in BOTH {
            for (name, auth, server, method, path, params, body) in SENT {
                let service = if auth.starts_with("S3") {
                    "s3"
                } else {
                    SERVICE
                };
                let case = Case {
                    auth,
                    service,
                    method,
                    url: format!("http://{}{path}", server(lookups)),
                    params,
                    headers: &[],
                    body: body.as_bytes(),
                    token: None,
                };
                cases.push(case.json());
                runs.push((lookups, *name));
            }
        }
        let script = format!("{}{}", super::SIGNERS, SEND);
        let input = Value::from(cases).to_string();
        let answers = crate::python::run_json(&script, &[], &[], input.as_bytes(), "botocore");
        let answers = answers.as_array().expect("a list").clone();
        assert_eq!(answers.len(), runs.len());
        runs.into_iter()
            .zip(answers)
            .map(|((lookups, name), a)| {
                let answer = Answer {
                    status: a["status"].as_u64().unwrap_or(0) as u16,
                    body: a["body"].as_str().unwrap_or("").to_string(),
                };
                (lookups, name, answer)
            })
            .collect()
    });

    /// The request `name` was accepted by both servers it went to.
    fn assert_accepted(name: &str) {
        let answers: Vec<_> = ANSWERS.iter().filter(|(_, n, _)| *n == name).collect();
        assert_eq!(answers.len(), 2, "{name}");
        for (lookups, _, answer) in answers {
            assert_eq!(answer.status, 200, "{lookups:?}: {}", answer.body);
        }
    }
}

/// Requests botocore signs, verified by the core, one module per signer class.
mod signs {
    use std::sync::LazyLock;

    use countersign::core::{Headers, RawHeaders, SigningSettings};
    use serde_json::Value;
    use time::OffsetDateTime;

    use super::Case;
    use crate::verify::{assert_verifies, Wire};

    /// Signs each case and prints the request as prepared.
    const SIGN: &str = r#"
import json, sys
out = []
for case in json.load(sys.stdin):
    prepared = sign(case)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    out.append({"method": prepared.method, "url": prepared.url,
                "headers": [[k, v] for k, v in prepared.headers.items()], "body_hex": body.hex()})
json.dump(out, sys.stdout)
"#;

    /// A request of the table: its name, service, method, URL, query parameters, headers and
    /// body.
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static [(&'static str, &'static str)],
        &'static [u8],
    );

    /// Paths as they go on the wire (already encoded once), queries as parameter lists that
    /// botocore encodes: spaces, unicode, reserved characters, `+`, `%`, repeated keys. The
    /// first five are presigned too.
    const STANDARD: &[Row] = &[
        (
            "root",
            "service",
            "GET",
            "https://example.amazonaws.com/",
            &[],
            &[],
            b"",
        ),
        (
            "odd_path",
            "service",
            "GET",
            "https://example.amazonaws.com/a%20b/%E1%88%B4/c+d/e%2Bf",
            &[],
            &[],
            b"",
        ),
        (
            "dot_segments_and_an_odd_query",
            "execute-api",
            "GET",
            "https://api.example.com/items/./x/../y//z",
            &[("q", "a b+c"), ("ሴ", "é"), ("empty", "")],
            &[],
            b"",
        ),
        (
            "reserved_characters_and_spaced_headers",
            "service",
            "GET",
            "http://127.0.0.1:9000/p%25q/!$&'()*,;=:@",
            &[("k", "%41"), ("k2", "~-._")],
            &[("X-Amz-Meta-Odd", "  a   b  "), ("X-Custom", "1")],
            b"",
        ),
        (
            "delete_with_reserved_characters_in_the_query",
            "service",
            "DELETE",
            "https://example.amazonaws.com/item/42",
            &[("reason", "/slash?and#hash")],
            &[],
            b"",
        ),
        (
            "repeated_keys_out_of_order",
            "service",
            "GET",
            "https://example.amazonaws.com/r",
            &[("k", "b"), ("k", "a"), ("a", "z")],
            &[],
            b"",
        ),
        (
            "post_json",
            "service",
            "POST",
            "https://example.amazonaws.com/items",
            &[],
            &[("Content-Type", "application/json")],
            br#"{"name":"widget","n":1}"#,
        ),
        (
            "put_unicode_body",
            "service",
            "PUT",
            "http://example.amazonaws.com/items/7",
            &[("v", "2")],
            &[("Content-Type", "text/plain")],
            "ünïcode body\n".as_bytes(),
        ),
    ];

    /// S3 keys encoded as the S3 serializer encodes them (all but unreserved and `/`). The
    /// first four are presigned too.
    const S3: &[Row] = &[
        (
            "odd_key",
            "s3",
            "GET",
            "http://127.0.0.1:9000/bucket/a%20b/%E6%97%A5%E6%9C%AC/c%2Bd%25e~f",
            &[],
            &[],
            b"",
        ),
        (
            "list_objects_with_a_spaced_prefix",
            "s3",
            "GET",
            "http://bucket.s3.amazonaws.com/",
            &[
                ("list-type", "2"),
                ("prefix", "photos/2024 trip/"),
                ("delimiter", "/"),
            ],
            &[],
            b"",
        ),
        (
            "head_with_dot_segments",
            "s3",
            "HEAD",
            "http://bucket.s3.amazonaws.com/dir//double/./dot",
            &[],
            &[],
            b"",
        ),
        (
            "delete_a_version",
            "s3",
            "DELETE",
            "http://bucket.s3.amazonaws.com/key",
            &[("versionId", "3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")],
            &[],
            b"",
        ),
        (
            "put_with_metadata",
            "s3",
            "PUT",
            "http://bucket.s3.amazonaws.com/up%20load.txt",
            &[],
            &[
                ("Content-Type", "text/plain"),
                ("X-Amz-Meta-Note", "hello  world"),
            ],
            b"Welcome to Amazon S3.",
        ),
        (
            "put_over_https",
            "s3",
            "PUT",
            "https://bucket.s3.amazonaws.com/unsigned-body",
            &[],
            &[],
            b"streamed over https",
        ),
    ];

    /// A GET signed with a session token.
    const WITH_TOKEN: Row = (
        "session_token",
        "service",
        "GET",
        "https://example.amazonaws.com/t",
        &[],
        &[],
        b"",
    );
    const TOKEN: &str = "FwoGZXIvYXdzEXAMPLE//token+with/slashes==";

    /// One module per signer class and its table, a test per request of the table signed by
    /// it.
    macro_rules! signed {
        ($($module:ident: $auth:literal $table:ident [$($name:ident),* $(,)?];)*) => {
            /// Every (class, request) signed, in one run.
            const RUNS: &[(&str, &[Row], &str)] = &[$($(($auth, $table, stringify!($name)),)*)*];
            $(
                mod $module {
                    $(
                        #[test]
                        fn $name() {
                            super::assert_signed_verifies($auth, stringify!($name));
                        }
                    )*
                }
            )*
        };
    }

    signed! {
        sigv4auth: "SigV4Auth" STANDARD [
            root,
            odd_path,
            dot_segments_and_an_odd_query,
            reserved_characters_and_spaced_headers,
            delete_with_reserved_characters_in_the_query,
            repeated_keys_out_of_order,
            post_json,
            put_unicode_body,
        ];
        sigv4queryauth: "SigV4QueryAuth" STANDARD [
            root,
            odd_path,
            dot_segments_and_an_odd_query,
            reserved_characters_and_spaced_headers,
            delete_with_reserved_characters_in_the_query,
        ];
        s3sigv4auth: "S3SigV4Auth" S3 [
            odd_key,
            list_objects_with_a_spaced_prefix,
            head_with_dot_segments,
            delete_a_version,
            put_with_metadata,
            put_over_https,
        ];
        s3sigv4queryauth: "S3SigV4QueryAuth" S3 [
            odd_key,
            list_objects_with_a_spaced_prefix,
            head_with_dot_segments,
            delete_a_version,
        ];
    }

    /// The case of `row` for signer class `auth`, with `token`.
    fn case(auth: &'static str, row: &Row, token: Option<&'static str>) -> Case {
        let (_, service, method, url, params, headers, body) = *row;
        Case {
            auth,
            service,
            method,
            url: url.to_string(),
            params,
            headers,
            body,
            token,
        }
    }

    /// The row named `name` of `table`.
    fn row(table: &'static [Row], name: &str) -> &'static Row {
        table
            .iter()
            .find(|row| row.0 == name)
            .unwrap_or_else(|| panic!("no request {name}"))
    }

    /// Requests botocore put on the wire, by signer class and name, and when it signed them.
    struct Batch {
        wires: Vec<(&'static str, &'static str, Wire)>,
        signed_at: OffsetDateTime,
    }

    /// Every request of [`RUNS`] (and the session-token one), signed in one run.
    static SIGNED: LazyLock<Batch> = LazyLock::new(|| {
        let mut runs: Vec<(&str, &str)> = Vec::new();
        let mut cases = Vec::new();
        for (auth, table, name) in RUNS {
            cases.push(case(auth, row(table, name), None).json());
            runs.push((auth, name));
        }
        cases.push(case("SigV4Auth", &WITH_TOKEN, Some(TOKEN)).json());
        runs.push(("SigV4Auth", WITH_TOKEN.0));
        let signed_at = OffsetDateTime::now_utc();
        let script = format!("{}{}", super::SIGNERS, SIGN);
        let input = Value::from(cases).to_string();
        let signed = crate::python::run_json(&script, &[], &[], input.as_bytes(), "botocore");
        let signed = signed.as_array().expect("a list").clone();
        assert_eq!(signed.len(), runs.len());
        let wires = runs
            .into_iter()
            .zip(signed)
            .map(|((auth, name), s)| (auth, name, wire(&s)))
            .collect();
        Batch { wires, signed_at }
    });

    /// The request botocore printed.
    fn wire(signed: &Value) -> Wire {
        let uri: http::Uri = signed["url"]
            .as_str()
            .expect("url")
            .parse()
            .expect("botocore URL parses");
        let mut headers = RawHeaders::new();
        headers.push("host", uri.authority().expect("authority").as_str());
        for pair in signed["headers"].as_array().expect("headers") {
            headers.push(
                pair[0].as_str().expect("name"),
                pair[1].as_str().expect("value"),
            );
        }
        Wire {
            method: signed["method"].as_str().expect("method").to_string(),
            path: uri.path().to_string(),
            query: uri.query().unwrap_or("").to_string(),
            headers,
            body: hex::decode(signed["body_hex"].as_str().expect("body")).expect("hex body"),
        }
    }

    /// What class `auth` signed of the request `name`.
    fn signed(auth: &str, name: &str) -> (&'static Wire, OffsetDateTime) {
        let wire = SIGNED
            .wires
            .iter()
            .find(|(a, n, _)| *a == auth && *n == name)
            .map(|(_, _, wire)| wire)
            .unwrap_or_else(|| panic!("{auth} signed no {name}"));
        (wire, SIGNED.signed_at)
    }

    /// The request `name` signed by class `auth` verifies with its rules, and not with its
    /// path changed.
    fn assert_signed_verifies(auth: &str, name: &str) {
        let (wire, signed_at) = signed(auth, name);
        let rules = match auth {
            "S3SigV4Auth" => (SigningSettings::s3(), false),
            "S3SigV4QueryAuth" => (SigningSettings::s3(), true),
            _ => (SigningSettings::standard(), false),
        };
        assert_verifies(wire, rules, signed_at, &format!("{auth} {name}"));
    }

    #[test]
    fn session_token_is_signed_and_checked() {
        let (wire, signed_at) = signed("SigV4Auth", WITH_TOKEN.0);
        assert_eq!(
            wire.headers.first("x-amz-security-token"),
            Some(TOKEN.as_bytes())
        );
        let rules = (SigningSettings::standard(), false);
        assert_verifies(wire, rules, signed_at, "SigV4Auth with a session token");
    }
}

/// Requests signed by botocore's CRT SigV4a signers (`CrtSigV4AsymAuth`,
/// `CrtS3SigV4AsymAuth` and their presigning twins), through the layer in this process.
#[cfg(feature = "sigv4a")]
mod crt {
    use super::*;
    use axum::body::Body;
    use axum::routing::{get, put};
    use axum::Router;
    use countersign::server::keys::MemoryKeyStore;
    use countersign::server::{SigV4Layer, Verified};
    use http::{Request, StatusCode};
    use tower::ServiceExt;

    /// Signs the cases with botocore's CRT SigV4a signers (as of the system clock) and prints
    /// them: name, method, URL, headers, body.
    const SCRIPT: &str = r#"
import json, sys
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.crt.auth import (CrtSigV4AsymAuth, CrtS3SigV4AsymAuth,
                               CrtSigV4AsymQueryAuth, CrtS3SigV4AsymQueryAuth)

akid, secret = sys.argv[1], sys.argv[2]
creds = Credentials(akid, secret)
cases = [
    ("api_star", CrtSigV4AsymAuth(creds, "execute-api", "*"), "GET", "http://api.example.com/whoami", b""),
    ("api_list", CrtSigV4AsymAuth(creds, "execute-api", "us-east-1,eu-west-1"), "GET", "http://api.example.com/whoami", b""),
    ("api_excluded", CrtSigV4AsymAuth(creds, "execute-api", "eu-west-1,ap-*"), "GET", "http://api.example.com/whoami", b""),
    ("api_body", CrtSigV4AsymAuth(creds, "execute-api", "us-*"), "PUT", "http://api.example.com/upload", b"hello crt"),
    ("api_presign", CrtSigV4AsymQueryAuth(creds, "execute-api", "*", expires=300), "GET", "http://api.example.com/whoami", b""),
    ("s3_star", CrtS3SigV4AsymAuth(creds, "s3", "*"), "PUT", "http://bucket.example.com/upload", b"hello s3"),
    ("s3_list", CrtS3SigV4AsymAuth(creds, "s3", "eu-west-1,us-east-1"), "GET", "http://bucket.example.com/whoami", b""),
    ("s3_excluded", CrtS3SigV4AsymAuth(creds, "s3", "eu-west-1"), "GET", "http://bucket.example.com/whoami", b""),
    ("s3_presign", CrtS3SigV4AsymQueryAuth(creds, "s3", "us-east-1", expires=300), "GET", "http://bucket.example.com/whoami", b""),
]
out = []
for name, auth, method, url, body in cases:
    request = AWSRequest(method=method, url=url, data=body)
    auth.add_auth(request)
    prepared = request.prepare()
    out.append({
        "name": name,
        "method": method,
        "url": prepared.url,
        "headers": [[k, v if isinstance(v, str) else v.decode()] for k, v in prepared.headers.items()],
        "body": body.decode(),
    })
json.dump(out, sys.stdout)
"#;

    /// The cases, signed in one run.
    static SIGNED: LazyLock<Vec<Value>> = LazyLock::new(|| {
        let (akid, secret) = (crate::verify::AKID, crate::verify::SECRET);
        let signed = python::run_json(
            SCRIPT,
            &[akid, secret],
            &[],
            b"",
            "botocore's CRT signers (pip install awscrt)",
        );
        signed.as_array().expect("a list").clone()
    });

    /// The principal and the region set.
    async fn whoami(identity: Verified<String>) -> String {
        format!("{} {}", identity.principal, identity.region())
    }

    /// The principal and the length of the body.
    async fn upload(identity: Verified<String>, body: Body) -> (StatusCode, String) {
        match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => (
                StatusCode::OK,
                format!("{} {}", identity.principal, bytes.len()),
            ),
            Err(e) => (StatusCode::BAD_REQUEST, e.to_string()),
        }
    }

    /// `/whoami` and `/upload` behind `layer` over the signers' key (principal `alice`).
    fn app(s3: bool) -> Router {
        let store = MemoryKeyStore::new();
        store.insert(
            crate::verify::AKID,
            crate::verify::SECRET,
            "alice".to_string(),
        );
        let layer = SigV4Layer::new(store).regions(["us-east-1"]);
        let layer = if s3 {
            layer.s3()
        } else {
            layer.services(["execute-api"])
        };
        Router::new()
            .route("/whoami", get(whoami))
            .route("/upload", put(upload))
            .layer(layer)
    }

    /// Sends the case `name` through its layer (S3 rules for an `s3_` case); gives the status
    /// and the body.
    async fn answer(name: &str) -> (StatusCode, String) {
        let case = SIGNED
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no case {name}"));
        let mut builder = Request::builder()
            .method(case["method"].as_str().unwrap())
            .uri(case["url"].as_str().unwrap());
        for pair in case["headers"].as_array().unwrap() {
            builder = builder.header(pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        }
        let request = builder
            .body(Body::from(case["body"].as_str().unwrap().to_string()))
            .unwrap();
        let response = app(name.starts_with("s3")).oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&body)
            .replace("&apos;", "'")
            .replace("&quot;", "\"");
        (status, text)
    }

    /// One test per case accepted: the handler sees alice.
    macro_rules! accepted {
        ($($name:ident),* $(,)?) => {
            $(
                #[tokio::test]
                async fn $name() {
                    let (status, body) = answer(stringify!($name)).await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                    assert!(body.starts_with("alice"), "{body}");
                }
            )*
        };
    }

    accepted! {
        api_star,
        api_list,
        api_body,
        api_presign,
        s3_star,
        s3_list,
        s3_presign,
    }

    /// One test per case whose region set leaves us-east-1 out: refused, saying so.
    macro_rules! excluded {
        ($($name:ident),* $(,)?) => {
            $(
                #[tokio::test]
                async fn $name() {
                    let (status, body) = answer(stringify!($name)).await;
                    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
                    assert!(body.contains("does not include this server's region"), "{body}");
                }
            )*
        };
    }

    excluded! {
        api_excluded,
        s3_excluded,
    }

    #[test]
    fn every_case_has_its_test() {
        assert_eq!(SIGNED.len(), 9);
    }
}
