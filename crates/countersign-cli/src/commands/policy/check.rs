//! `countersign policy check`: the decision on one request, as the IAM policy simulator gives
//! it, with the statement that decided.

use std::path::PathBuf;

use clap::{ArgGroup, Args};
use countersign_policy::{
    evaluate, Context, Decision, Evaluation, Limits, Policy, PolicyKind, Principal, Request,
    StatementRef,
};
use serde_json::json;

use super::principal_arn;
use super::read_files;
use crate::commands::write_stdout;
use crate::error::{CliError, Result};

/// Evaluate IAM policies for one request and print the decision.
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("policies").required(true).multiple(true).args(["identity", "resource"])),
    group(ArgGroup::new("who").required(true).args(["principal", "anonymous", "service"])),
    long_about = "Evaluate IAM policies for one request, as the IAM policy simulator does, and \
print the decision (Allow, ExplicitDeny or ImplicitDeny) and the statement that decided it.\n\n\
The principal's identity policies (--identity) and the resource's policies (--resource, such \
as a bucket policy) are read from files (- for standard input). A Deny that applies wins; \
otherwise, within one account, an Allow in either kind of policy allows; across accounts \
(--resource-account names an account other than the principal's), both the identity policy \
and the resource policy must allow. The principal is an ARN (a user, an account's root user, \
a role session or a federated user), --anonymous, or --service NAME. Condition keys come from \
--context KEY=VALUE (repeat a key for a multivalued key such as aws:TagKeys); \
aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalAccount and aws:PrincipalType come \
from the principal unless given.\n\n\
Exit status: 0 when allowed, 1 when denied, 4 when a policy cannot be read or parsed (its \
file, statement and field are named), 2 for bad usage.\n\n\
Examples:\n  countersign policy check --identity alice.json --principal \
arn:aws:iam::111122223333:user/alice --action s3:GetObject --resource-arn \
arn:aws:s3:::photos/cat.jpg --context aws:SourceIp=203.0.113.9\n  \
countersign policy check --identity alice.json --resource bucket-policy.json --principal \
arn:aws:iam::111122223333:user/alice --action s3:PutObject --resource-arn \
arn:aws:s3:::shared/report.csv --resource-account 444455556666 --json"
)]
pub(crate) struct CheckArgs {
    /// An identity policy of the principal (- for standard input; several may follow).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    identity: Vec<PathBuf>,

    /// A policy of the resource, such as a bucket policy (- for standard input; several may
    /// follow).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    resource: Vec<PathBuf>,

    /// The ARN of the principal: a user, an account's root user, a role session
    /// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) or a federated user.
    #[arg(long, value_name = "ARN")]
    principal: Option<String>,

    /// The ARN of a role session's role, when the role has a path (default: the role named
    /// in the session's ARN, without a path).
    #[arg(long, value_name = "ARN", requires = "principal")]
    role_arn: Option<String>,

    /// A request without credentials.
    #[arg(long)]
    anonymous: bool,

    /// An AWS service principal, such as cloudfront.amazonaws.com.
    #[arg(long, value_name = "NAME")]
    service: Option<String>,

    /// The action, such as s3:GetObject.
    #[arg(long, value_name = "ACTION")]
    action: String,

    /// The ARN of the resource, such as arn:aws:s3:::photos/cat.jpg.
    #[arg(long, value_name = "ARN")]
    resource_arn: String,

    /// The 12-digit account that owns the resource (default: the principal's own account).
    #[arg(long, value_name = "ACCOUNT", value_parser = account_id)]
    resource_account: Option<String>,

    /// A condition key of the request and its value; repeat a key for several values.
    #[arg(long, value_name = "KEY=VALUE", value_parser = context_entry)]
    context: Vec<(String, String)>,

    /// Print a JSON object: decision, explanation, and the deciding statement (or null).
    #[arg(long)]
    json: bool,
}

/// A `--resource-account`: twelve digits.
fn account_id(text: &str) -> std::result::Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err("an AWS account ID is 12 digits, such as 111122223333".to_owned())
    }
}

/// A `--context KEY=VALUE`; the value may be empty, the key may not.
fn context_entry(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err("expected KEY=VALUE, such as aws:SourceIp=203.0.113.9".to_owned()),
    }
}

/// The `--context` entries, a key's values together under the key's first spelling (keys are
/// compared without regard to ASCII case, as IAM compares them).
fn context_keys(entries: &[(String, String)]) -> Vec<(&str, Vec<&str>)> {
    let mut keys: Vec<(&str, Vec<&str>)> = Vec::new();
    for (key, value) in entries {
        match keys.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some((_, values)) => values.push(value),
            None => keys.push((key, vec![value])),
        }
    }
    keys
}

/// Reads and parses the policies of one kind; a fault names the file.
fn load(paths: &[PathBuf], bytes: Vec<Vec<u8>>, kind: PolicyKind) -> Result<Vec<Policy>> {
    paths
        .iter()
        .zip(bytes)
        .map(|(path, bytes)| {
            Policy::parse_bytes(&bytes, kind, Limits::for_kind(kind))
                .map_err(|e| CliError::input(format!("{}: {e}", path.display())))
        })
        .collect()
}

/// How a decision is printed.
fn decision_name(decision: Decision) -> &'static str {
    match decision {
        Decision::Allow => "Allow",
        Decision::ExplicitDeny => "ExplicitDeny",
        Decision::ImplicitDeny => "ImplicitDeny",
    }
}

/// The file a statement's policy was read from.
fn file_of<'a>(args: &'a CheckArgs, statement: &StatementRef<'_>) -> Option<&'a PathBuf> {
    match statement.kind {
        PolicyKind::Identity => args.identity.get(statement.policy),
        PolicyKind::Resource => args.resource.get(statement.policy),
    }
}

/// The text output: the decision, why, and the file of each policy the reason names.
fn text(args: &CheckArgs, evaluation: &Evaluation<'_>) -> String {
    let mut out = format!("{}\n{evaluation}\n", decision_name(evaluation.decision));
    let mut named: Vec<(PolicyKind, usize)> = Vec::new();
    let statements = [
        evaluation.deny,
        evaluation.resource_allow,
        evaluation.identity_allow,
    ];
    for statement in statements.iter().flatten() {
        if named.contains(&(statement.kind, statement.policy)) {
            continue;
        }
        named.push((statement.kind, statement.policy));
        if let Some(file) = file_of(args, statement) {
            out.push_str(&format!(
                "{} policy {}: {}\n",
                statement.kind.as_str(),
                statement.policy,
                file.display()
            ));
        }
    }
    out
}

/// The JSON output: the decision, why, and the deciding statement.
fn json_text(args: &CheckArgs, evaluation: &Evaluation<'_>) -> String {
    let statement = evaluation.deciding().map(|s| {
        json!({
            "kind": s.kind.as_str(),
            "policy": s.policy,
            "file": file_of(args, &s).map(|f| f.display().to_string()),
            "index": s.index,
            "sid": s.sid,
        })
    });
    let value = json!({
        "decision": decision_name(evaluation.decision),
        "explanation": evaluation.to_string(),
        "statement": statement,
    });
    format!("{value:#}\n")
}

/// Runs `countersign policy check`.
pub(crate) fn run(args: CheckArgs) -> Result<()> {
    let mut bytes = read_files(args.identity.iter().chain(&args.resource))?;
    let resource_bytes = bytes.split_off(args.identity.len());
    let identity = load(&args.identity, bytes, PolicyKind::Identity)?;
    let resource = load(&args.resource, resource_bytes, PolicyKind::Resource)?;

    let role = match (&args.principal, &args.role_arn) {
        (_, Some(role)) => Some(role.clone()),
        (Some(arn), None) => principal_arn::session_role(arn),
        (None, None) => None,
    };
    let principal = match (&args.principal, &args.service) {
        (Some(arn), _) => principal_arn::principal(arn, role.as_deref())?,
        (None, Some(service)) => Principal::service(service),
        (None, None) => Principal::anonymous(),
    };
    let keys = context_keys(&args.context);
    let mut context = Context::new();
    for (key, values) in &keys {
        context.insert_many(key, values.iter().copied());
    }
    let mut request =
        Request::new(principal, &args.action, &args.resource_arn).with_context(&context);
    if let Some(account) = &args.resource_account {
        request = request.owned_by(account);
    }
    let evaluation = evaluate(&identity, &resource, &request);

    let out = if args.json {
        json_text(&args, &evaluation)
    } else {
        text(&args, &evaluation)
    };
    write_stdout(out.as_bytes())?;
    match evaluation.decision {
        Decision::Allow => Ok(()),
        denied => Err(CliError::refused(format!(
            "the request is denied ({})",
            decision_name(denied)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::{context_entry, context_keys};

    #[test]
    fn context_entry_splits_at_the_first_equals_sign() {
        assert_eq!(
            context_entry("s3:prefix=a=b"),
            Ok(("s3:prefix".to_owned(), "a=b".to_owned()))
        );
        assert_eq!(
            context_entry("aws:TagKeys="),
            Ok(("aws:TagKeys".to_owned(), String::new()))
        );
        assert!(context_entry("=x").is_err());
        assert!(context_entry("aws:SourceIp").is_err());
    }

    #[test]
    fn context_keys_gather_values_without_regard_to_case() {
        let entries = [
            ("aws:TagKeys".to_owned(), "team".to_owned()),
            ("aws:SourceIp".to_owned(), "203.0.113.9".to_owned()),
            ("AWS:TAGKEYS".to_owned(), "project".to_owned()),
        ];
        assert_eq!(
            context_keys(&entries),
            [
                ("aws:TagKeys", vec!["team", "project"]),
                ("aws:SourceIp", vec!["203.0.113.9"]),
            ]
        );
    }
}
