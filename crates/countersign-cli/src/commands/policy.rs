//! `countersign policy`: evaluate IAM policy documents for one request (`check`), and look
//! for their mistakes (`lint`), with the countersign-policy engine.

mod check;
mod lint;
mod principal_arn;

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::commands::read_input;
use crate::error::{CliError, Result};

/// Check and lint IAM policy documents.
#[derive(Debug, Args)]
#[command(
    long_about = "Check and lint IAM JSON policy documents (identity policies and \
resource policies such as S3 bucket policies) with the countersign policy engine: strict \
parsing, and AWS's evaluation logic within and across accounts."
)]
pub(crate) struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    Check(check::CheckArgs),
    Lint(lint::LintArgs),
}

/// Runs `countersign policy`.
pub(crate) fn run(args: PolicyArgs) -> Result<()> {
    match args.command {
        PolicyCommand::Check(args) => check::run(args),
        PolicyCommand::Lint(args) => lint::run(args),
    }
}

/// The bytes of each file, in order; standard input (`-`) may be named once.
fn read_files<'p>(paths: impl IntoIterator<Item = &'p PathBuf>) -> Result<Vec<Vec<u8>>> {
    let paths: Vec<&PathBuf> = paths.into_iter().collect();
    let stdin = paths
        .iter()
        .filter(|p| p.as_path() == Path::new("-"))
        .count();
    if stdin > 1 {
        return Err(CliError::usage(
            "standard input (-) can be read once: name it for one policy only",
        ));
    }
    paths.into_iter().map(|path| read_input(path)).collect()
}
