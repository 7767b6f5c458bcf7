//! `countersign policy lint FILE...`: each document's refusal, or its likely mistakes.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use countersign_policy::lint::{infer_kind, lint_bytes, Severity};
use countersign_policy::PolicyKind;

use super::read_files;
use crate::commands::write_stdout;
use crate::error::{CliError, Result};

/// What kind of policy the documents are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Kind {
    /// Attached to a user or role: no Principal.
    Identity,
    /// Attached to a resource, such as a bucket policy: every statement names its Principal.
    Resource,
}

/// Check IAM policy documents for errors and likely mistakes.
#[derive(Debug, Args)]
#[command(
    long_about = "Check IAM policy documents for errors and likely mistakes, and print \
each finding as FILE: statement N (Sid) FIELD: error|warning: MESSAGE (statements counted from \
0), or FILE: no findings.\n\n\
An error is what refuses the document (invalid JSON, an unknown element or operator, a \
malformed ARN, a bad value), as IAM or S3 would refuse it. Warnings concern documents that \
load: an s3: or execute-api: action that names none of the service's (a misspelling, or a \
pattern such as s3:GetObjekt* that matches nothing), the ARN of an S3 bucket or object with a \
region or an account, an Allow with NotAction or NotResource, S3 write actions allowed to \
everyone without a Condition in a resource policy, and a condition key or policy variable with \
the aws: prefix that is not a global condition key (aws:SorceIp).\n\n\
A document is read as a resource policy when one of its statements names a Principal or \
NotPrincipal, as an identity policy otherwise; --kind says it instead.\n\n\
Exit status: 0 without errors (warnings alone too, unless --deny-warnings), 1 with errors, \
4 when a file cannot be read, 2 for bad usage.\n\n\
Examples:\n  countersign policy lint bucket-policy.json\n  \
countersign policy lint --kind identity --deny-warnings policies/*.json"
)]
pub(crate) struct LintArgs {
    /// The policy documents (- for standard input).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,

    /// Read every document as this kind of policy (default: resource when a statement names
    /// a Principal, identity otherwise).
    #[arg(long, value_enum, value_name = "KIND")]
    kind: Option<Kind>,

    /// Exit with status 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

/// `1 error`, `2 warnings`.
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Runs `countersign policy lint`.
pub(crate) fn run(args: LintArgs) -> Result<()> {
    let documents = read_files(&args.files)?;
    let mut out = String::new();
    let (mut errors, mut warnings) = (0, 0);
    for (path, bytes) in args.files.iter().zip(&documents) {
        let kind = match args.kind {
            Some(Kind::Identity) => PolicyKind::Identity,
            Some(Kind::Resource) => PolicyKind::Resource,
            None => std::str::from_utf8(bytes).map_or(PolicyKind::Identity, infer_kind),
        };
        let findings = lint_bytes(bytes, kind);
        if findings.is_empty() {
            out.push_str(&format!(
                "{}: no findings ({} policy)\n",
                path.display(),
                kind.as_str()
            ));
        }
        for finding in &findings {
            match finding.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
            out.push_str(&format!("{}: {finding}\n", path.display()));
        }
    }
    write_stdout(out.as_bytes())?;
    if errors > 0 || args.deny_warnings && warnings > 0 {
        return Err(CliError::refused(format!(
            "{} and {} in {}",
            count(errors, "error"),
            count(warnings, "warning"),
            count(args.files.len(), "file")
        )));
    }
    Ok(())
}
