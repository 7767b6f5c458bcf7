//! The command line: hand-parsed flags with their defaults.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::serve::Limits;

pub(crate) const USAGE: &str = "usage: s3_server [--listen ADDR] [--data DIR] [--no-sync] [--keys FILE] [--policies FILE] \
[--redis URL [--redis-prefix P]] [--lockout N] [--anonymous] [--region R] [--domain D] [--tls | --tls-cert FILE --tls-key FILE] [--debug-errors] [--header-timeout S] [--body-timeout S] [--idle-timeout S] [--max-connections N]

  --listen ADDR      where to listen (default 127.0.0.1:9000; port 0 picks a free port)
  --data DIR         the directory holding the buckets (default ./s3-data, created if missing)
  --no-sync          answer a write once the operating system has it, without flushing it to the
                     disk first (faster for small objects; a crash of the machine can lose it)
  --keys FILE        a JSON key file {\"keys\": [{\"access_key_id\", \"secret_access_key\", \"principal\"}]}
                     whose principals name an IAM user: {\"arn\": \"arn:aws:iam::ACCOUNT:user/NAME\",
                     \"tags\": {...}} (or a service: {\"service\": \"cloudfront.amazonaws.com\"});
                     without it a development key is made and printed, with every permission
  --policies FILE    the identity policies of the keys' principals, by ARN:
                     {\"identities\": {\"arn:aws:iam::ACCOUNT:user/NAME\": [POLICY, ...]}}
                     (reloaded when the file changes); without it the keys of --keys may do nothing
  --redis URL        keep the keys, the replay memory and the buckets' owners and policies in Redis
                     (redis://[USER[:PASSWORD]@]HOST[:PORT][/DB], rediss:// for TLS), shared by every
                     instance started with it (over one --data): manage the keys with `countersign keys
                     --redis URL`; the development key is imported into Redis when missing
  --redis-prefix P   the prefix of this deployment's Redis keys (default countersign:)
  --lockout N        lock an access key for 5 minutes after N failed signatures (or unknown-key
                     attempts) within a minute, answered 403 AccessDenied with Retry-After; with
                     --redis the failures of every instance add up and a lock holds on all (off
                     by default: anyone who knows a key id can lock its owner out, see SECURITY.md)
  --anonymous        unsigned requests are anonymous: a bucket policy may allow them
                     (\"Principal\": \"*\"), nothing else does
  --region R         the region clients sign for (default us-east-1)
  --domain D         Host `{bucket}.D[:port]` selects virtual-hosted-style addressing (default localhost)
  --tls              HTTPS with a self-signed certificate for localhost and 127.0.0.1
  --tls-cert FILE    HTTPS with this PEM certificate chain (with --tls-key)
  --tls-key FILE     the PEM private key of --tls-cert
  --debug-errors     signature errors echo the server's canonical request and string to sign;
                     AccessDenied names the deciding policy statement
  --header-timeout S the seconds a connection has to send its first request head, TLS handshake
                     included, and on HTTP/1 each later one (default 10)
  --body-timeout S   the seconds a request body may stall between two reads (default 30)
  --idle-timeout S   the seconds a connection may stay open with no request in flight, HTTP/1 or
                     HTTP/2 (default 60; an HTTP/1 one is closed by --header-timeout first)
  --max-connections N  connections open at once; more wait to be accepted (default 256)";

/// How to serve HTTPS, if at all.
#[derive(Debug, Clone)]
pub(crate) enum Tls {
    /// Plain HTTP.
    Off,
    /// A self-signed certificate made at start.
    SelfSigned,
    /// PEM files.
    Files { cert: PathBuf, key: PathBuf },
}

/// The command line, with its defaults.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) listen: SocketAddr,
    pub(crate) data: PathBuf,
    pub(crate) keys: Option<String>,
    pub(crate) policies: Option<String>,
    pub(crate) redis: Option<String>,
    pub(crate) redis_prefix: Option<String>,
    pub(crate) lockout: Option<u32>,
    pub(crate) anonymous: bool,
    /// Whether writes are flushed to the disk before they are answered.
    pub(crate) sync: bool,
    pub(crate) region: String,
    pub(crate) domain: String,
    pub(crate) tls: Tls,
    pub(crate) debug_errors: bool,
    pub(crate) limits: Limits,
}

impl Options {
    /// Parses the process arguments; `Err` carries the message to print (usage for `--help`).
    pub(crate) fn parse() -> Result<Options, String> {
        Self::parse_from(std::env::args().skip(1))
    }

    fn parse_from(arguments: impl IntoIterator<Item = String>) -> Result<Options, String> {
        let mut options = Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 9000)),
            data: PathBuf::from("./s3-data"),
            keys: None,
            policies: None,
            redis: None,
            redis_prefix: None,
            lockout: None,
            anonymous: false,
            sync: true,
            region: "us-east-1".into(),
            domain: "localhost".into(),
            tls: Tls::Off,
            debug_errors: false,
            limits: Limits::default(),
        };
        let mut self_signed = false;
        let mut cert = None;
        let mut key = None;
        let mut args = arguments.into_iter();
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
            };
            match flag.as_str() {
                "--listen" => {
                    options.listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?
                }
                "--data" => options.data = PathBuf::from(value()?),
                "--keys" => options.keys = Some(value()?),
                "--policies" => options.policies = Some(value()?),
                "--redis" => options.redis = Some(value()?),
                "--redis-prefix" => options.redis_prefix = Some(value()?),
                "--lockout" => {
                    let n = value()?;
                    let n = n.parse().ok().filter(|n| *n > 0);
                    let n =
                        n.ok_or_else(|| format!("--lockout takes a count of 1 or more\n{USAGE}"))?;
                    options.lockout = Some(n);
                }
                "--anonymous" => options.anonymous = true,
                "--no-sync" => options.sync = false,
                "--region" => options.region = value()?,
                "--domain" => options.domain = value()?.trim_matches('.').to_ascii_lowercase(),
                "--tls" => self_signed = true,
                "--tls-cert" => cert = Some(PathBuf::from(value()?)),
                "--tls-key" => key = Some(PathBuf::from(value()?)),
                "--debug-errors" => options.debug_errors = true,
                "-h" | "--help" => return Err(USAGE.to_string()),
                other => match options.limits.parse_flag(other, value) {
                    Some(parsed) => parsed?,
                    None => return Err(format!("unknown argument {other}\n{USAGE}")),
                },
            }
        }
        if options.policies.is_some() && options.keys.is_none() && options.redis.is_none() {
            return Err(format!(
                "--policies names the permissions of the keys of --keys (or --redis): give both\n{USAGE}"
            ));
        }
        if options.keys.is_some() && options.redis.is_some() {
            return Err(format!(
                "--redis keeps the keys in Redis: import a key file there with `countersign keys \
                 --redis URL import FILE` instead of --keys\n{USAGE}"
            ));
        }
        if options.redis_prefix.is_some() && options.redis.is_none() {
            return Err(format!("--redis-prefix goes with --redis\n{USAGE}"));
        }
        options.tls = match (self_signed, cert, key) {
            (false, None, None) => Tls::Off,
            (true, None, None) => Tls::SelfSigned,
            (false, Some(cert), Some(key)) => Tls::Files { cert, key },
            (true, Some(_), _) | (true, _, Some(_)) => {
                return Err(format!(
                    "--tls makes its own certificate: give it or --tls-cert/--tls-key, not both\n{USAGE}"
                ))
            }
            _ => return Err(format!("--tls-cert and --tls-key go together\n{USAGE}")),
        };
        Ok(options)
    }

    /// `http` or `https`.
    pub(crate) fn scheme(&self) -> &'static str {
        match self.tls {
            Tls::Off => "http",
            _ => "https",
        }
    }
}
