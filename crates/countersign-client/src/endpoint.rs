//! [`Endpoint`]: where an AWS API is called, for a region or at a URL given.

use std::fmt;

/// The regions whose STS calls go to the global endpoint when
/// `AWS_STS_REGIONAL_ENDPOINTS=legacy` (the AWS SDKs' documented legacy list).
const STS_LEGACY_GLOBAL_REGIONS: [&str; 16] = [
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// The URL an AWS API is called at (scheme, host, perhaps a port and a path), without a
/// trailing `/`.
///
/// ```
/// use countersign_client::Endpoint;
///
/// assert_eq!(Endpoint::regional("sqs", "eu-west-1").url(), "https://sqs.eu-west-1.amazonaws.com");
/// assert_eq!(Endpoint::regional("sts", "cn-north-1").url(), "https://sts.cn-north-1.amazonaws.com.cn");
/// assert_eq!(Endpoint::sts(None).url(), "https://sts.amazonaws.com");
/// assert_eq!(Endpoint::custom("http://127.0.0.1:5000/").url(), "http://127.0.0.1:5000");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: String,
}

impl Endpoint {
    /// The endpoint of `service` (its endpoint prefix: `sts`, `sqs`, `dynamodb`, `iam`, `ec2`,
    /// …) in `region`: `https://{service}.{region}.amazonaws.com`, or `….amazonaws.com.cn`
    /// for the China regions (`cn-…`). Services with one global endpoint (IAM's is
    /// `https://iam.amazonaws.com`, signed for `us-east-1`) are given with
    /// [`Endpoint::custom`].
    pub fn regional(service: &str, region: &str) -> Self {
        let suffix = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        Endpoint {
            url: format!("https://{service}.{region}.{suffix}"),
        }
    }

    /// STS's endpoint, as the current AWS SDKs choose it (their `sts_regional_endpoints`
    /// setting at `regional`, its default since 2022): `https://sts.{region}.amazonaws.com`
    /// for a region; the global `https://sts.amazonaws.com` (signed for `us-east-1`) when
    /// no region is known. See [`Endpoint::sts_legacy`] for the older rule.
    pub fn sts(region: Option<&str>) -> Self {
        match region {
            Some(region) if region != "aws-global" => Endpoint::regional("sts", region),
            _ => Endpoint::custom("https://sts.amazonaws.com"),
        }
    }

    /// STS's endpoint by the SDKs' older rule (`sts_regional_endpoints = legacy`): the global
    /// endpoint for the sixteen regions that existed before regional STS endpoints were the
    /// default (`us-east-1`, `eu-west-1`, …), the regional one for the others.
    pub fn sts_legacy(region: Option<&str>) -> Self {
        match region {
            Some(region) if STS_LEGACY_GLOBAL_REGIONS.contains(&region) => Endpoint::sts(None),
            other => Endpoint::sts(other),
        }
    }

    /// An endpoint at `url` (a local server, a VPC endpoint, a FIPS one), a trailing `/`
    /// dropped.
    pub fn custom(url: impl Into<String>) -> Self {
        let mut url = url.into();
        while url.ends_with('/') {
            url.pop();
        }
        Endpoint { url }
    }

    /// The endpoint the environment configures for the service whose SDK id is
    /// `service_id` (`STS`, `SQS`, `DynamoDB`, …), as the AWS SDKs read it:
    /// `AWS_ENDPOINT_URL_<ID>` (the id upper-cased, its spaces `_`:
    /// `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_DYNAMODB`), else `AWS_ENDPOINT_URL`; `None`
    /// when neither is set, or when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`. The
    /// profile files' `endpoint_url` settings are not read.
    #[cfg(feature = "credentials")]
    pub fn configured(
        env: &crate::credentials_chain::Environment,
        service_id: &str,
    ) -> Option<Endpoint> {
        if env
            .get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            return None;
        }
        let id: String = service_id
            .chars()
            .map(|c| {
                if c == ' ' {
                    '_'
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect();
        env.get(&format!("AWS_ENDPOINT_URL_{id}"))
            .or_else(|| env.get("AWS_ENDPOINT_URL"))
            .map(Endpoint::custom)
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Endpoint").field(&self.url).finish()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sts_legacy_keeps_old_regions_global() {
        assert_eq!(
            Endpoint::sts_legacy(Some("us-west-2")).url(),
            "https://sts.amazonaws.com"
        );
        assert_eq!(
            Endpoint::sts_legacy(Some("ap-east-1")).url(),
            "https://sts.ap-east-1.amazonaws.com"
        );
    }

    #[test]
    fn sts_regional_is_the_default() {
        assert_eq!(
            Endpoint::sts(Some("us-west-2")).url(),
            "https://sts.us-west-2.amazonaws.com"
        );
        assert_eq!(
            Endpoint::sts(Some("aws-global")).url(),
            "https://sts.amazonaws.com"
        );
    }

    #[cfg(feature = "credentials")]
    #[test]
    fn the_service_variable_wins_over_the_general_one() {
        use crate::credentials_chain::Environment;
        let env = Environment::from_vars([
            ("AWS_ENDPOINT_URL", "http://general:1"),
            ("AWS_ENDPOINT_URL_STS", "http://sts:2/"),
        ]);
        assert_eq!(
            Endpoint::configured(&env, "STS").map(|e| e.url().to_string()),
            Some("http://sts:2".to_string())
        );
        assert_eq!(
            Endpoint::configured(&env, "DynamoDB").map(|e| e.url().to_string()),
            Some("http://general:1".to_string())
        );
        let ignored = Environment::from_vars([
            ("AWS_ENDPOINT_URL", "http://general:1"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        assert_eq!(Endpoint::configured(&ignored, "STS"), None);
    }
}
