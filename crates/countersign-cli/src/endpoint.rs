//! Region and service inferred from AWS host names (`*.amazonaws.com`, `*.on.aws`).

/// What an AWS host name says about the signature scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inferred {
    /// The region in the host, or `us-east-1` for a global endpoint.
    pub(crate) region: String,
    /// The signing name of the service.
    pub(crate) service: String,
}

/// Whether a label looks like a region: `us-east-1`, `eu-central-2`, `us-gov-west-1`, …
fn is_region(label: &str) -> bool {
    let parts: Vec<&str> = label.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The signing name of a host's service label (most are the same).
fn signing_name(label: &str) -> String {
    match label {
        "email" => "ses".into(),
        "lambda-url" => "lambda".into(),
        "s3-accesspoint" | "s3-fips" | "s3-external-1" | "s3-object-lambda" => "s3".into(),
        other => other.into(),
    }
}

/// Infers region and service from `host` (a port is ignored); `None` for hosts that are
/// not AWS endpoints.
pub(crate) fn infer(host: &str) -> Option<Inferred> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h.to_string(),
        _ => host,
    };
    let rest = [".amazonaws.com.cn", ".amazonaws.com", ".on.aws"]
        .iter()
        .find_map(|suffix| host.strip_suffix(suffix))?;
    let labels: Vec<&str> = rest.split('.').filter(|l| !l.is_empty()).collect();
    let last = *labels.last()?;
    // s3-eu-west-1.amazonaws.com (the legacy dash form)
    if let Some(region) = last.strip_prefix("s3-").filter(|r| is_region(r)) {
        return Some(Inferred {
            region: region.to_string(),
            service: "s3".into(),
        });
    }
    match labels.iter().rposition(|l| is_region(l)) {
        Some(at) => {
            let service = labels[..at]
                .iter()
                .rev()
                .find(|l| !matches!(**l, "dualstack" | "fips"))?;
            Some(Inferred {
                region: labels[at].to_string(),
                service: signing_name(service),
            })
        }
        // global endpoints: s3.amazonaws.com, bucket.s3.amazonaws.com, iam, sts, ...
        None => Some(Inferred {
            region: "us-east-1".into(),
            service: if last == "s3-accelerate" {
                "s3".into()
            } else {
                signing_name(last)
            },
        }),
    }
}

/// The region and service to sign for: the flags, else what an AWS host says, else (for
/// the region) the environment or the profile, else `us-east-1`.
pub(crate) fn resolve_scope(
    host: &str,
    region: Option<&str>,
    service: Option<&str>,
    credentials: &crate::credentials::CredentialArgs,
) -> crate::error::Result<(String, String)> {
    let inferred = infer(host);
    let service = match (service, &inferred) {
        (Some(s), _) => s.to_string(),
        (None, Some(i)) => i.service.clone(),
        (None, None) => {
            return Err(crate::error::CliError::usage(format!(
            "cannot tell the service from host {host}: give --service (such as s3 or execute-api)"
        )))
        }
    };
    let region = match (region, inferred) {
        (Some(r), _) => r.to_string(),
        (None, Some(i)) => i.region,
        (None, None) => crate::credentials::default_region(credentials)
            .unwrap_or_else(|| "us-east-1".to_string()),
    };
    Ok((region, service))
}

#[cfg(test)]
mod tests {
    use super::infer;

    fn scope(host: &str) -> Option<(String, String)> {
        infer(host).map(|i| (i.region, i.service))
    }

    #[test]
    fn aws_hosts() {
        let pair = |r: &str, s: &str| Some((r.to_string(), s.to_string()));
        assert_eq!(scope("s3.amazonaws.com"), pair("us-east-1", "s3"));
        assert_eq!(scope("bucket.s3.amazonaws.com"), pair("us-east-1", "s3"));
        assert_eq!(
            scope("my.bucket.s3.eu-west-1.amazonaws.com"),
            pair("eu-west-1", "s3")
        );
        assert_eq!(scope("s3-eu-west-1.amazonaws.com"), pair("eu-west-1", "s3"));
        assert_eq!(
            scope("s3.dualstack.ap-south-1.amazonaws.com:443"),
            pair("ap-south-1", "s3")
        );
        assert_eq!(
            scope("dynamodb.us-gov-west-1.amazonaws.com"),
            pair("us-gov-west-1", "dynamodb")
        );
        assert_eq!(
            scope("abc123.execute-api.us-east-2.amazonaws.com"),
            pair("us-east-2", "execute-api")
        );
        assert_eq!(scope("iam.amazonaws.com"), pair("us-east-1", "iam"));
        assert_eq!(
            scope("email.eu-central-1.amazonaws.com"),
            pair("eu-central-1", "ses")
        );
        assert_eq!(
            scope("xyz.lambda-url.us-west-2.on.aws"),
            pair("us-west-2", "lambda")
        );
        assert_eq!(
            scope("s3.cn-north-1.amazonaws.com.cn"),
            pair("cn-north-1", "s3")
        );
        assert_eq!(scope("localhost:9000"), None);
        assert_eq!(scope("example.com"), None);
    }
}
