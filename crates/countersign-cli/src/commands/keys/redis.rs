//! `countersign keys --redis URL`: the keys that `countersign-redis` keeps, changed through
//! `RedisKeys`, so that every instance's cache drops what it held of a changed key.

use std::time::Duration;

use countersign_redis::{Error, KeyStatus, RedisClient, RedisConfig, RedisKeys};

use super::{import_text, no_such_key, principal, print_list, print_secret, KeysCommand, Listed};
use crate::commands::write_stdout;
use crate::error::{CliError, Kind, Result};

/// How long the command waits for Redis: to connect, and for each command.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Runs `command` against the Redis at `url`, under `prefix`.
pub(super) fn run(url: &str, prefix: &str, command: KeysCommand) -> Result<()> {
    let config = RedisConfig::new(url)
        .map_err(|e| CliError::usage(format!("--redis: {e}")))?
        .prefix(prefix)
        .connect_timeout(TIMEOUT)
        .command_timeout(TIMEOUT);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(Kind::Network, format!("cannot start: {e}")))?;
    runtime.block_on(async move {
        let client = RedisClient::connect(config)
            .await
            .map_err(|e| failure(&e, ""))?;
        execute(&RedisKeys::new(client), command).await
    })
}

async fn execute(keys: &RedisKeys, command: KeysCommand) -> Result<()> {
    match command {
        KeysCommand::Create {
            arn,
            principal: json,
            json: as_json,
        } => {
            let principal = principal(arn, json)?;
            let (id, secret) = keys.create(principal).await.map_err(|e| failure(&e, ""))?;
            print_secret(&id, &secret, as_json)
        }
        KeysCommand::List { json } => {
            let listed = keys
                .list()
                .await
                .map_err(|e| failure(&e, ""))?
                .into_iter()
                .map(|(id, record)| Listed {
                    id,
                    active: record.status == KeyStatus::Active,
                    principal: record.principal,
                    created: Some(record.created),
                    expires: record.expires,
                })
                .collect();
            print_list(listed, json)
        }
        KeysCommand::Revoke { id } => {
            keys.revoke(&id).await.map_err(|e| failure(&e, &id))?;
            eprintln!("countersign: revoked {id}");
            Ok(())
        }
        KeysCommand::Rotate { id } => {
            let secret = keys.rotate(&id).await.map_err(|e| failure(&e, &id))?;
            print_secret(&id, &secret, false)
        }
        KeysCommand::FinishRotation { id } => {
            keys.finish_rotation(&id)
                .await
                .map_err(|e| failure(&e, &id))?;
            eprintln!("countersign: {id} has one secret now");
            Ok(())
        }
        KeysCommand::Delete { id } => match keys.delete(&id).await {
            Ok(true) => {
                eprintln!("countersign: deleted {id}");
                Ok(())
            }
            Ok(false) => Err(no_such_key(&id)),
            Err(e) => Err(failure(&e, &id)),
        },
        KeysCommand::Import { source: file } => {
            let text = import_text(&file)?;
            let count = keys.import(&text).await.map_err(|e| match e {
                Error::Invalid(why) => CliError::input(format!("{}: {why}", file.display())),
                other => failure(&other, ""),
            })?;
            write_stdout(format!("imported {count} keys\n").as_bytes())
        }
    }
}

/// The command's failure for an error of `countersign-redis` about the key `id`.
fn failure(error: &Error, id: &str) -> CliError {
    match error {
        Error::Unavailable(why) => {
            CliError::new(Kind::Network, format!("cannot reach Redis: {why}"))
        }
        Error::NotFound(_) => no_such_key(id),
        Error::Config(why) => CliError::usage(format!("--redis: {why}")),
        other => CliError::input(other.to_string()),
    }
}
