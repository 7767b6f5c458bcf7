//! `countersign`: call, presign, sign, verify and explain AWS Signature Version 4 requests
//! by hand, with the same core the countersign server verifies with; check and lint IAM
//! policies with the countersign policy engine; manage the access keys of a key file or of
//! Redis.

mod canonical_variants;
mod client_bugs;
mod commands;
mod credentials;
mod endpoint;
mod error;
mod explain;
mod http;
mod key_file;
mod raw_request;
mod rejection;
mod signature_check;
mod signing;
mod timestamp;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::error::CliError;

const EXIT_CODES: &str = "\
Exit status:
  0  success (verify: the signature is valid; policy check: allowed; policy lint: no errors)
  1  refused: an HTTP error status, a signature that does not verify, a policy check that
     denies, or a policy lint that finds errors (or warnings, with --deny-warnings)
  2  bad usage (unknown flag, bad value, a presign longer than 7 days)
  3  no credentials, or incomplete ones
  4  a file that cannot be read or parsed
  5  a URL that cannot be used
  6  the server cannot be reached, or the connection failed (keys: Redis cannot be reached)
  7  keys: no such key";

/// Call, presign, sign, verify and explain AWS Signature Version 4 requests; check and lint
/// IAM policies.
#[derive(Debug, Parser)]
#[command(
    name = "countersign",
    version,
    about = "Call, presign, sign, verify and explain AWS Signature Version 4 requests; check and lint IAM policies; manage access keys",
    long_about = "Call, presign, sign, verify and explain AWS Signature Version 4 (SigV4) requests.\n\n\
        countersign signs with the same core that the countersign server verifies with. Credentials \
        come from flags, the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, \
        AWS_REGION), the profiles of ~/.aws/credentials and ~/.aws/config (--profile, AWS_PROFILE), container \
        credentials or EC2 instance metadata, as the AWS CLI finds them. \
        Region and service are inferred from *.amazonaws.com hosts. `countersign policy check` and \
        `countersign policy lint` evaluate and lint IAM policy documents; `countersign keys` manages \
        the access keys of a key file or of Redis.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Request(commands::request::RequestArgs),
    Presign(commands::presign::PresignArgs),
    Sign(commands::sign::SignArgs),
    Verify(commands::verify::VerifyArgs),
    Explain(commands::explain::ExplainArgs),
    Policy(commands::policy::PolicyArgs),
    Keys(commands::keys::KeysArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        long_about = "Print a completion script for SHELL on standard output.\n\n\
            bash:  countersign completions bash > ~/.local/share/bash-completion/completions/countersign\n\
            zsh:   countersign completions zsh > ~/.zfunc/_countersign\n\
            fish:  countersign completions fish > ~/.config/fish/completions/countersign.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Request(args) => commands::request::run(args),
        Command::Presign(args) => commands::presign::run(args),
        Command::Sign(args) => commands::sign::run(args),
        Command::Verify(args) => commands::verify::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Policy(args) => commands::policy::run(args),
        Command::Keys(args) => commands::keys::run(args),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "countersign", &mut std::io::stdout());
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("countersign: {}", e.message);
            ExitCode::from(e.kind.exit_code())
        }
    }
}
