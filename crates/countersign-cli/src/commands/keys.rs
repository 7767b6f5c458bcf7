//! `countersign keys`: create, list, revoke, rotate, delete and import the access keys of a
//! deployment, kept in Redis (`--redis URL`, as `countersign-redis` keeps them) or in a JSON
//! key file (`--file PATH`, as `FileKeyStore` reads it).

mod file;
mod redis;

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::commands::{read_input, write_stdout};
use crate::error::{CliError, Result};

/// Create, list, revoke, rotate and import access keys in Redis or a key file.
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("store").required(true).args(["redis", "file"])),
    long_about = "Manage the access keys that the countersign layer verifies with: in Redis \
(--redis URL, the keys every instance using countersign-redis shares; --prefix names the \
deployment) or in a JSON key file (--file PATH, the {\"keys\": [...]} file of FileKeyStore, \
rewritten atomically).\n\n\
A new key's secret is printed once, by `create` (and a new secret by `rotate`): it is never \
shown again. `list` shows ids, status, principal and times, never secrets. A change in Redis \
takes effect on every instance within milliseconds; a key file is read again by the layer \
within its check interval.\n\n\
Examples:\n  countersign keys --redis redis://127.0.0.1:6379 create --arn \
arn:aws:iam::111122223333:user/alice\n  countersign keys --redis redis://127.0.0.1:6379 list\n  \
countersign keys --file keys.json revoke AKIA...\n  countersign keys --redis \
redis://127.0.0.1:6379 import keys.json"
)]
pub(crate) struct KeysArgs {
    /// The Redis that holds the keys: redis://[USER[:PASSWORD]@]HOST[:PORT][/DB], or rediss://
    /// for TLS.
    #[arg(long, value_name = "URL", global = true)]
    redis: Option<String>,

    /// The key prefix of the deployment in Redis (with --redis).
    #[arg(long, value_name = "PREFIX", global = true, default_value = countersign_redis::DEFAULT_PREFIX)]
    prefix: String,

    /// A JSON key file ({"keys": [...]}), created by `create` or `import` when missing.
    #[arg(long, value_name = "PATH", global = true)]
    file: Option<PathBuf>,

    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Make a new key for a principal and print its id and secret (the secret only now).
    #[command(group(ArgGroup::new("who").required(true).args(["arn", "principal"])))]
    Create {
        /// The principal is this IAM user (arn:aws:iam::ACCOUNT:user/NAME): {"arn": ARN}.
        #[arg(long, value_name = "ARN")]
        arn: Option<String>,
        /// The principal as any JSON value, such as {"arn": "…", "tags": {"team": "blue"}}.
        #[arg(long, value_name = "JSON")]
        principal: Option<String>,
        /// Print {"access_key_id", "secret_access_key"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the keys: id, status, creation and expiry, principal (never a secret).
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key: refused from now on (in a key file, it moves to "revoked").
    Revoke {
        /// The access key id.
        id: String,
    },
    /// Start a rotation: a new secret, printed once; the old one stays live until
    /// `finish-rotation`.
    Rotate {
        /// The access key id.
        id: String,
    },
    /// End a rotation: only the newest secret stays live.
    FinishRotation {
        /// The access key id.
        id: String,
    },
    /// Remove a key and its record.
    Delete {
        /// The access key id.
        id: String,
    },
    /// Add the keys of a key file ({"keys": [...]}, - for standard input), replacing keys of
    /// the same ids: all of them, or none when one is not valid.
    Import {
        /// The key file to read.
        #[arg(value_name = "FILE")]
        source: PathBuf,
    },
}

/// One key as `list` shows it.
#[derive(Debug)]
struct Listed {
    id: String,
    active: bool,
    principal: Value,
    created: Option<OffsetDateTime>,
    expires: Option<OffsetDateTime>,
}

/// Runs `countersign keys`.
pub(crate) fn run(args: KeysArgs) -> Result<()> {
    match (&args.redis, &args.file) {
        (Some(url), None) => redis::run(url, &args.prefix, args.command),
        (None, Some(path)) => file::run(path, args.command),
        _ => Err(CliError::usage("give --redis URL or --file PATH, not both")),
    }
}

/// The principal of `create`: `{"arn": ARN}` for an IAM user's ARN, or the JSON given.
fn principal(arn: Option<String>, principal: Option<String>) -> Result<Value> {
    match (arn, principal) {
        (Some(arn), None) => {
            if countersign_policy::Principal::user(&arn).is_none() {
                return Err(CliError::usage(format!(
                    "--arn {arn} is not an IAM user's ARN (arn:aws:iam::ACCOUNT:user/NAME); \
                     give another principal with --principal JSON"
                )));
            }
            Ok(json!({ "arn": arn }))
        }
        (None, Some(text)) => serde_json::from_str(&text)
            .map_err(|e| CliError::usage(format!("--principal is not JSON: {e}"))),
        _ => Err(CliError::usage("give --arn ARN or --principal JSON")),
    }
}

/// The text of the key file of `import`.
fn import_text(path: &std::path::Path) -> Result<String> {
    let bytes = read_input(path)?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::input(format!("{} is not UTF-8", path.display())))
}

/// Prints a new key, or a key's new secret: the only time the secret is shown.
fn print_secret(id: &str, secret: &str, json: bool) -> Result<()> {
    let text = if json {
        format!(
            "{}\n",
            json!({"access_key_id": id, "secret_access_key": secret})
        )
    } else {
        format!("access_key_id     {id}\nsecret_access_key {secret}\n")
    };
    write_stdout(text.as_bytes())?;
    eprintln!("countersign: the secret is shown this once: keep it now");
    Ok(())
}

/// Prints the keys of `list`, by id.
fn print_list(mut keys: Vec<Listed>, json: bool) -> Result<()> {
    keys.sort_by(|a, b| a.id.cmp(&b.id));
    let time = |t: Option<OffsetDateTime>| t.and_then(|t| t.format(&Rfc3339).ok());
    let status = |active: bool| if active { "active" } else { "inactive" };
    let text = if json {
        let list: Vec<Value> = keys
            .iter()
            .map(|k| {
                json!({"access_key_id": k.id, "status": status(k.active),
                       "principal": k.principal, "created": time(k.created),
                       "expires": time(k.expires)})
            })
            .collect();
        format!("{}\n", Value::Array(list))
    } else {
        let mut out = String::new();
        for k in &keys {
            let dash = || "-".to_string();
            out.push_str(&format!(
                "{:<20}  {:<8}  {:<20}  {:<20}  {}\n",
                k.id,
                status(k.active),
                time(k.created).unwrap_or_else(dash),
                time(k.expires).unwrap_or_else(dash),
                k.principal
            ));
        }
        out
    };
    write_stdout(text.as_bytes())
}

/// The failure of a change to a key that does not exist.
fn no_such_key(id: &str) -> CliError {
    CliError::new(crate::error::Kind::NotFound, format!("no such key: {id}"))
}
