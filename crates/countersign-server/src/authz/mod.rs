//! What a request asks to do, in IAM's terms, for an authorization step to check.

mod s3_operation;
pub use s3_operation::{CopySource, S3Operation, Target, Unclassified};
