//! The authorization benches' fixtures: a key whose principal is an IAM user, and the
//! policy authorizer over a typical identity policy or a fifty-statement one.

use std::sync::Arc;

use countersign::policy::Policy;
use countersign::server::authz::{IamIdentity, MemoryPolicyStore, PolicyAuthorizer};
use countersign::server::keys::MemoryKeyStore;

use super::{AKID, SECRET};

pub const USER: &str = "arn:aws:iam::111122223333:user/bench";

/// A typical identity policy: read the bucket, write one prefix, deny deletes.
pub const TYPICAL: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::examplebucket",
     "Condition": {"StringLike": {"s3:prefix": ["photos/*", "shared/*"]}}},
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
     "Resource": "arn:aws:s3:::examplebucket/*"},
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject*", "Resource": "*"}
]}"#;

/// Fifty statements, the one that allows the bench's GET last.
pub fn fifty_statements() -> String {
    let mut statements: Vec<String> = (0..49)
        .map(|i| {
            format!(
                r#"{{"Sid": "Other{i}", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                    "Resource": "arn:aws:s3:::bucket-{i}/prefix-{i}/*",
                    "Condition": {{"IpAddress": {{"aws:SourceIp": "10.{i}.0.0/16"}}}}}}"#
            )
        })
        .collect();
    statements.push(
        r#"{"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": "arn:aws:s3:::examplebucket/photos/*"}"#
            .to_string(),
    );
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(",")
    )
}

pub fn iam_keys() -> MemoryKeyStore<Arc<IamIdentity>> {
    let keys = MemoryKeyStore::new();
    keys.insert(AKID, SECRET, Arc::new(IamIdentity::new(USER).unwrap()));
    keys
}

/// The policy authorizer over one identity policy, parsed once (a managed policy's limit
/// does not hold the fifty statements: they are parsed with the bucket policy's).
pub fn authorizer(policy: &str) -> PolicyAuthorizer<MemoryPolicyStore> {
    let limits = countersign::policy::Limits::BUCKET;
    let policy = Policy::parse(policy, countersign::policy::PolicyKind::Identity, limits).unwrap();
    let store = MemoryPolicyStore::new();
    store.set_identity_policies(USER, vec![policy]);
    PolicyAuthorizer::new(store)
}
